//! The replicate loop: the only place parallelism lives. Replicates run in
//! blocks on a rayon pool; each block is collected in replicate order and
//! handed to the caller, then added to exact integer accumulators, so
//! results are identical whatever the thread count.

use super::rng::Streams;
use super::sim::simulate;
use crate::model::inputs::{draw_values, Inputs};
use crate::model::outcome::{
    funding_cells, funding_row, outcome_columns, outcome_row, series_columns, series_rows,
};
use crate::scenario::Scenario;
use crate::stats::accum::{PolicyResult, ReplicateResult, RunAccumulator};
use rayon::prelude::*;

/// Runs every policy of the scenario on replicate `i` (`p = q = i`).
pub fn run_replicate(sc: &Scenario, seed: u64, i: u64) -> ReplicateResult {
    let streams = Streams::replicate(seed, i);
    let values = draw_values(sc, &streams);
    let inputs = Inputs::build(sc, &values);
    let policies = (0..sc.policies.len())
        .map(|p| {
            let traj = simulate(sc, &inputs, p, &streams);
            PolicyResult {
                outcomes: outcome_row(&inputs, &traj),
                series: series_rows(&traj, sc.groups.len()),
                funding: funding_row(sc, &traj),
            }
        })
        .collect();
    let params = sc
        .params
        .iter()
        .zip(&values)
        .filter(|(s, _)| s.param.is_uncertain())
        .map(|(_, v)| *v)
        .collect();
    ReplicateResult {
        index: i,
        params,
        policies,
    }
}

/// Most worker threads a run uses: 4 x the available parallelism, at most 256.
/// Results never depend on the thread count.
pub fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.saturating_mul(4).clamp(1, 256)
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Master seed.
    pub seed: u64,
    /// First replicate index (shards start elsewhere than 0).
    pub first: u64,
    /// Number of replicates.
    pub replicates: u64,
    /// Worker threads (0 = rayon's default); capped at [`max_threads`].
    pub threads: usize,
}

/// An empty accumulator laid out for the scenario.
pub fn new_accumulator(sc: &Scenario) -> RunAccumulator {
    RunAccumulator::new(
        sc.policies.len(),
        &outcome_columns(sc),
        series_columns(sc).len(),
        sc.horizon as usize,
        funding_cells(sc).len(),
    )
}

/// Runs the replicates; `on_block` sees each block of results in replicate
/// order (e.g. to stream rows to a file) and may stop the run with an error.
pub fn run<E>(
    sc: &Scenario,
    opts: &RunOptions,
    mut on_block: impl FnMut(&[ReplicateResult]) -> Result<(), E>,
) -> Result<RunAccumulator, E> {
    // A local pool, never the global one; one thread if it cannot be built.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.min(max_threads()))
        .build()
        .or_else(|_| rayon::ThreadPoolBuilder::new().num_threads(1).build());
    let mut acc = new_accumulator(sc);
    let block = 64u64;
    let mut start = opts.first;
    let end = opts.first + opts.replicates;
    while start < end {
        let stop = (start + block).min(end);
        let work = || {
            (start..stop)
                .into_par_iter()
                .map(|i| run_replicate(sc, opts.seed, i))
                .collect::<Vec<_>>()
        };
        let results = match &pool {
            Ok(p) => p.install(work),
            Err(_) => work(),
        };
        on_block(&results)?;
        match &pool {
            Ok(p) => p.install(|| acc.add_block(&results)),
            Err(_) => acc.add_block(&results),
        }
        start = stop;
    }
    Ok(acc)
}
