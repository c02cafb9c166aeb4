//! The channel decomposition of MODEL.md section 5: every policy re-run,
//! on the same random numbers, with the channels switched off by copying the
//! replicate's drawn values ([`ChannelSet::apply`]); paired effects vs the
//! baseline go to a [`ChannelAccumulator`].

use super::inputs::draw_values;
use super::rng::Streams;
use super::run::{for_each_block, RunOptions};
use super::sim::simulate;
use crate::model::channels::{decomposition_sets, ChannelSet};
use crate::model::inputs::Inputs;
use crate::model::record::{st, Trajectory};
use crate::scenario::Scenario;
use crate::stats::channels::{ChannelAccumulator, ConfigEffects, CHANNEL_METRICS};

/// The decomposed metrics of one trajectory, in [`CHANNEL_METRICS`] order.
fn metrics(traj: &Trajectory) -> [i64; 3] {
    let end = traj
        .final_people()
        .iter()
        .map(|p| p[st::RERECRUITED])
        .sum::<u64>();
    let completed: u64 = traj.tallies.iter().map(|t| t.completed).sum();
    debug_assert_eq!(CHANNEL_METRICS[0].0, "rerecruited");
    [
        end as i64,
        completed as i64,
        traj.relapse_month.is_some() as i64,
    ]
}

/// Inputs of replicate `i` with the channels of `set` off, drawn once.
pub fn channel_inputs(sc: &Scenario, streams: &Streams, set: ChannelSet) -> Inputs {
    let mut inputs = Inputs::build(sc, &draw_values(sc, streams));
    set.apply(&mut inputs);
    inputs
}

/// Configuration effects of replicate `i`: `out[policy - 1][metric][config]`.
pub fn replicate_effects(sc: &Scenario, seed: u64, i: u64) -> Vec<Vec<ConfigEffects>> {
    let streams = Streams::replicate(seed, i);
    let drawn = Inputs::build(sc, &draw_values(sc, &streams));
    let sets = decomposition_sets();
    let n_pol = sc.policies.len();
    let mut out =
        vec![vec![vec![0i64; sets.len()]; CHANNEL_METRICS.len()]; n_pol.saturating_sub(1)];
    for (ci, set) in sets.iter().enumerate() {
        let mut inputs = drawn.clone();
        set.apply(&mut inputs);
        let base = metrics(&simulate(sc, &inputs, 0, &streams));
        for p in 1..n_pol {
            let m = metrics(&simulate(sc, &inputs, p, &streams));
            for (k, (v, b)) in m.iter().zip(&base).enumerate() {
                out[p - 1][k][ci] = v - b;
            }
        }
    }
    out
}

/// Runs the decomposition over the replicates of `opts`; `on_block` is told
/// how many replicates each finished block held and may stop the run.
pub fn run_channels<E>(
    sc: &Scenario,
    opts: &RunOptions,
    mut on_block: impl FnMut(u64) -> Result<(), E>,
) -> Result<ChannelAccumulator, E> {
    let mut acc = ChannelAccumulator::new(sc.policies.len());
    for_each_block(
        opts,
        |i| replicate_effects(sc, opts.seed, i),
        |block, _| {
            for r in &block {
                acc.add(r);
            }
            on_block(block.len() as u64)
        },
    )?;
    Ok(acc)
}

/// Simulated policy-replicates a decomposition of `replicates` replicates costs.
pub fn decomposition_cost(sc: &Scenario, replicates: u64) -> u64 {
    replicates * decomposition_sets().len() as u64 * sc.policies.len() as u64
}
