//! The replicate loop: the only place parallelism lives. Replicates run in
//! blocks on a rayon pool; each block is collected in replicate order and
//! handed to the caller, then added to exact integer accumulators, so
//! results are identical whatever the thread count.

use super::inputs::draw_values;
use super::rng::Streams;
use super::sim::simulate;
use crate::model::inputs::Inputs;
use crate::model::outcome::{
    funding_cells, funding_row, outcome_columns, outcome_row, series_columns, series_count,
    series_rows,
};
use crate::scenario::Scenario;
use crate::stats::accum::{PolicyResult, ReplicateResult, RunAccumulator};
use rayon::prelude::*;

/// Changes the drawn parameter values of replicate `i` before it runs
/// (e.g. [`crate::calibrate::posterior::Posterior::apply_slots`]).
pub type Adjust<'a> = &'a (dyn Fn(u64, &mut [f64]) + Sync);

/// Runs every policy of the scenario on replicate `i` (`p = q = i`).
pub fn run_replicate(sc: &Scenario, seed: u64, i: u64) -> ReplicateResult {
    run_replicate_with(sc, seed, i, &|_, _| {})
}

/// [`run_replicate`] with the drawn values passed through `adjust` first.
pub fn run_replicate_with(sc: &Scenario, seed: u64, i: u64, adjust: Adjust) -> ReplicateResult {
    let streams = Streams::replicate(seed, i);
    let mut values = draw_values(sc, &streams);
    adjust(i, &mut values);
    let inputs = Inputs::build(sc, &values);
    let policies = (0..sc.policies.len())
        .map(|p| {
            let traj = simulate(sc, &inputs, p, &streams);
            PolicyResult {
                outcomes: outcome_row(&inputs, &sc.policies[p], &traj),
                series: series_rows(&traj, sc.groups.len()),
                n_series: series_count(sc.groups.len()),
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

/// The worker threads of a run: a local rayon pool (never the global one),
/// or the calling thread alone if the pool could not be built.
pub struct Workers(Option<rayon::ThreadPool>);

impl Workers {
    /// A pool of `threads` workers (0 = rayon's default).
    pub fn new(threads: usize) -> Self {
        // A local pool, never the global one; one thread if it cannot be built.
        Workers(
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads.min(max_threads()))
                .build()
                .or_else(|_| rayon::ThreadPoolBuilder::new().num_threads(1).build())
                .ok(),
        )
    }

    /// Runs `f` with its parallel work on these workers.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        match &self.0 {
            Some(p) => p.install(f),
            None => f(),
        }
    }
}

/// Runs `work(i)` for every replicate index of `opts` in blocks on the
/// run's workers and hands each block, in replicate order, to `on_block`
/// (with the workers, for parallel work of its own), which may stop the run
/// with an error.
pub fn for_each_block<T: Send, E>(
    opts: &RunOptions,
    work: impl Fn(u64) -> T + Sync + Send,
    mut on_block: impl FnMut(Vec<T>, &Workers) -> Result<(), E>,
) -> Result<(), E> {
    let workers = Workers::new(opts.threads);
    let block = 64u64;
    let end = opts.first + opts.replicates;
    let mut start = opts.first;
    while start < end {
        let stop = (start + block).min(end);
        let results =
            workers.install(|| (start..stop).into_par_iter().map(&work).collect::<Vec<_>>());
        on_block(results, &workers)?;
        start = stop;
    }
    Ok(())
}

/// Runs the replicates; `on_block` sees each block of results in replicate
/// order (e.g. to stream rows to a file) and may stop the run with an error.
pub fn run<E>(
    sc: &Scenario,
    opts: &RunOptions,
    on_block: impl FnMut(&[ReplicateResult]) -> Result<(), E>,
) -> Result<RunAccumulator, E> {
    run_with(sc, opts, &|_, _| {}, on_block)
}

/// [`run`] with each replicate's drawn values passed through `adjust` first.
pub fn run_with<E>(
    sc: &Scenario,
    opts: &RunOptions,
    adjust: Adjust,
    mut on_block: impl FnMut(&[ReplicateResult]) -> Result<(), E>,
) -> Result<RunAccumulator, E> {
    let mut acc = new_accumulator(sc);
    for_each_block(
        opts,
        |i| run_replicate_with(sc, opts.seed, i, adjust),
        |results, workers| {
            on_block(&results)?;
            workers.install(|| acc.add_block(&results));
            Ok(())
        },
    )?;
    Ok(acc)
}
