//! Design points: the scenario run with given parameter values on a set of
//! process replicates. Sensitivity analysis, scenario discovery and the
//! nested `(p, q)` design of `claim` (MODEL.md section 7) evaluate the model
//! here; plain runs go through [`super::run`].
//!
//! A point's parameters are given as slot values (see
//! [`crate::experiment::factors::values_at`]); its process randomness comes
//! from streams `(seed, p, q)`, where `p` is chosen by [`ProcessKey`]. Points
//! run in parallel, each point's replicates in order, so results do not
//! depend on the thread count.

use super::inputs::draw_values;
use super::rng::Streams;
use super::run::Workers;
use super::sim::simulate;
use crate::model::inputs::Inputs;
use crate::model::outcome::outcome_row;
use crate::scenario::Scenario;
pub use crate::stats::moments::Welford;
use rayon::prelude::*;

/// The `p` of the process streams used by [`ProcessKey::Common`]: a key no
/// nested design reaches.
pub const COMMON_P: u64 = u64::MAX;

/// How the process streams of a design point are keyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessKey {
    /// Streams `(seed, COMMON_P, q)`: replicate `q` sees the same random
    /// numbers at every point, so differences between points are due to the
    /// parameters alone (sensitivity analysis, scenario discovery).
    Common,
    /// Streams `(seed, p, q)` with `p` the point's index plus `first_p`: the
    /// nested design, where point `p` is parameter draw `p`.
    Nested {
        /// `p` of the first point.
        first_p: u64,
    },
}

/// The parameter values of draw `p` from the scenario's own distributions
/// (the parameter streams keyed by `p` alone).
pub fn prior_values(sc: &Scenario, seed: u64, p: u64) -> Vec<f64> {
    draw_values(sc, &Streams::new(seed, p, 0))
}

/// Selected outcome columns of selected policies for one replicate with
/// given slot values: `[policy][column]`.
pub fn outcomes_with(
    sc: &Scenario,
    values: &[f64],
    streams: &Streams,
    policies: &[usize],
    columns: &[usize],
) -> Vec<Vec<Option<i64>>> {
    let inputs = Inputs::build(sc, values);
    policies
        .iter()
        .map(|&p| {
            let traj = simulate(sc, &inputs, p, streams);
            let row = outcome_row(&inputs, &sc.policies[p], &traj);
            columns
                .iter()
                .map(|&c| row.get(c).copied().flatten())
                .collect()
        })
        .collect()
}

/// What one design point gave over its process replicates, in the scale
/// of printed units (people, USD, months, shares).
#[derive(Debug, Clone, PartialEq)]
pub struct PointStats {
    /// `[policy][column]`: the outcome over replicates where it is defined.
    pub outcome: Vec<Vec<Welford>>,
    /// `[policy][column]`: the paired difference policy − first policy over
    /// replicates where both are defined (all zero for the first policy).
    pub effect: Vec<Vec<Welford>>,
}

/// A request to evaluate design points.
#[derive(Debug, Clone)]
pub struct PointRequest<'a> {
    /// Master seed.
    pub seed: u64,
    /// Process replicates per point (`q = 0..replicates`).
    pub replicates: u64,
    /// How process streams are keyed.
    pub key: ProcessKey,
    /// Policies to run; effects are against the first.
    pub policies: &'a [usize],
    /// Outcome columns (indices into [`crate::model::outcome::outcome_columns`]).
    pub columns: &'a [usize],
    /// Divisor of each column's integer value (its unit's scale).
    pub scales: &'a [f64],
    /// Worker threads (0 = all).
    pub threads: usize,
}

/// Evaluates every point (slot values) on the request's replicates.
/// `on_point(done)` is called after each chunk of points, for progress.
pub fn evaluate(
    sc: &Scenario,
    points: &[Vec<f64>],
    req: &PointRequest,
    mut on_progress: impl FnMut(usize),
) -> Vec<PointStats> {
    let workers = Workers::new(req.threads);
    let mut out = Vec::with_capacity(points.len());
    let chunk = 64usize;
    let mut start = 0;
    while start < points.len() {
        let stop = (start + chunk).min(points.len());
        let part: Vec<PointStats> = workers.install(|| {
            (start..stop)
                .into_par_iter()
                .map(|i| evaluate_one(sc, &points[i], i as u64, req))
                .collect()
        });
        out.extend(part);
        on_progress(stop);
        start = stop;
    }
    out
}

/// One point: its replicates in order `q = 0, 1, ...`.
fn evaluate_one(sc: &Scenario, values: &[f64], index: u64, req: &PointRequest) -> PointStats {
    let np = req.policies.len();
    let nc = req.columns.len();
    let mut outcome = vec![vec![Welford::default(); nc]; np];
    let mut effect = vec![vec![Welford::default(); nc]; np];
    let p = match req.key {
        ProcessKey::Common => COMMON_P,
        ProcessKey::Nested { first_p } => first_p + index,
    };
    for q in 0..req.replicates {
        let streams = Streams::new(req.seed, p, q);
        let rows = outcomes_with(sc, values, &streams, req.policies, req.columns);
        let Some(base) = rows.first() else {
            continue;
        };
        for (pi, row) in rows.iter().enumerate() {
            for (c, (v, b)) in row.iter().zip(base).enumerate() {
                let scale = req.scales.get(c).copied().unwrap_or(1.0);
                if let Some(v) = v {
                    outcome[pi][c].add(*v as f64 / scale);
                    if let Some(b) = b {
                        effect[pi][c].add((*v - *b) as f64 / scale);
                    }
                }
            }
        }
    }
    PointStats { outcome, effect }
}

/// Raw outcome rows of a nested `(p, q)` design (MODEL.md section 7):
/// `[draw][q][policy][column]`, where draw `i` runs with slot values
/// `values[i]` on process streams `(seed, first_p + i, q)` for
/// `q = 0..replicates`. Draws run in parallel, collected in order.
#[allow(clippy::too_many_arguments)]
pub fn nested_rows(
    sc: &Scenario,
    values: &[Vec<f64>],
    seed: u64,
    first_p: u64,
    replicates: u64,
    policies: &[usize],
    columns: &[usize],
    threads: usize,
) -> Vec<Vec<Vec<Vec<Option<i64>>>>> {
    let workers = Workers::new(threads);
    workers.install(|| {
        values
            .par_iter()
            .enumerate()
            .map(|(i, v)| {
                (0..replicates)
                    .map(|q| {
                        let streams = Streams::new(seed, first_p + i as u64, q);
                        outcomes_with(sc, v, &streams, policies, columns)
                    })
                    .collect()
            })
            .collect()
    })
}
