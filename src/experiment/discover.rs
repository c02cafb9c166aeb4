//! Scenario discovery (`ddrsim discover`): a Latin hypercube ensemble over
//! the scenario's uncertain factors, each point run on the same process
//! replicates (common random numbers across points and policies), a point
//! labelled a *case* when the policy's mean paired effect on an outcome
//! beats a threshold in the outcome's better direction, and PRIM
//! ([`super::prim`]) naming the region of the factors where the cases are.
//! No I/O: the command writes the files.

use super::factors::{factor_values, factors, values_at, UncertainFactor};
use super::prim::{prim, PrimOptions, PrimResult};
use super::{lhs, Range};
use crate::engine::point::{evaluate, PointRequest, ProcessKey};
use crate::model::outcome::{outcome_columns, Better, Column};
use crate::scenario::Scenario;

/// What to discover.
#[derive(Debug, Clone)]
pub struct DiscoverRequest {
    /// Index of the policy whose effect is studied (not the baseline).
    pub policy: usize,
    /// Outcome column (an index into [`outcome_columns`]).
    pub column: usize,
    /// Threshold in the outcome's better direction, in its printed unit: a
    /// point is a case when the effect is better than this (for a
    /// lower-is-better outcome, when the policy cuts it by more than this).
    pub threshold: f64,
    /// Points of the Latin hypercube.
    pub points: usize,
    /// Process replicates per point.
    pub replicates: u64,
    /// Master seed (the design, the process streams and the resamples).
    pub seed: u64,
    /// Worker threads (0 = all); results do not depend on it.
    pub threads: usize,
    /// PRIM options (its `seed` is replaced by `seed`).
    pub prim: PrimOptions,
}

/// One point of the ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsemblePoint {
    /// Uniform coordinates of the factors.
    pub u: Vec<f64>,
    /// The factors' values.
    pub values: Vec<f64>,
    /// Mean outcome under the baseline.
    pub baseline_mean: f64,
    /// Mean outcome under the policy.
    pub policy_mean: f64,
    /// Mean paired effect, policy minus baseline (NaN if undefined).
    pub effect: f64,
    /// Its Monte Carlo standard error over the replicates.
    pub effect_mcse: f64,
    /// Replicates where the effect is defined.
    pub defined: u64,
    /// Whether the point is a case (None if the effect is undefined).
    pub case: Option<bool>,
}

/// The ensemble and what PRIM found in it.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The uncertain factors, in column order.
    pub factors: Vec<UncertainFactor>,
    /// The points in design order.
    pub points: Vec<EnsemblePoint>,
    /// Indices of the points given to PRIM (those with a defined effect).
    pub used: Vec<usize>,
    /// PRIM's result on the used points.
    pub prim: PrimResult,
    /// The outcome's better direction.
    pub better: Better,
}

/// Why discovery could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiscoverError {
    /// The scenario has no uncertain factor.
    #[error("the scenario has no uncertain parameter to explore: give one a distribution, or add a range with --vary key=lo..hi")]
    NoFactors,
    /// The design could not be built.
    #[error("{0}")]
    Design(String),
    /// Too few points have a defined effect.
    #[error("the effect is undefined at {undefined} of {points} points (the outcome is empty there): too few points are left for PRIM")]
    Undefined {
        /// Points without a defined effect.
        undefined: usize,
        /// Points.
        points: usize,
    },
    /// Every point, or none, is a case.
    #[error("{0}")]
    OneClass(String),
    /// PRIM refused the data.
    #[error("{0}")]
    Prim(String),
}

/// +1 when a higher outcome is better (or no direction), -1 when lower is.
pub fn better_sign(better: Better) -> f64 {
    match better {
        Better::Lower => -1.0,
        Better::Higher | Better::Neither => 1.0,
    }
}

/// The total (all groups) outcome column of a metric.
pub fn total_column(cols: &[Column], metric: &str) -> Option<usize> {
    cols.iter()
        .position(|c| c.group.is_none() && c.metric.name == metric)
}

/// Uniform coordinates of a Latin hypercube of `n` points over `k`
/// factors (from [`super::lhs`] over `[0, 1]` ranges).
pub fn unit_design(names: &[String], n: usize, seed: u64) -> Result<Vec<Vec<f64>>, String> {
    let ranges: Vec<Range> = names
        .iter()
        .map(|k| Range {
            key: k.clone(),
            lo: 0.0,
            hi: 1.0,
        })
        .collect();
    let d = lhs(n, seed, &ranges)?;
    Ok(d.points
        .iter()
        .map(|p| {
            p.iter()
                .map(|v| v.parse::<f64>().unwrap_or(0.5).clamp(0.0, 1.0))
                .collect()
        })
        .collect())
}

/// Runs the ensemble and PRIM. `on_progress(done)` is called as points finish.
pub fn discover(
    sc: &Scenario,
    req: &DiscoverRequest,
    on_progress: impl FnMut(usize),
) -> Result<Discovery, DiscoverError> {
    let fs = factors(sc);
    if fs.is_empty() {
        return Err(DiscoverError::NoFactors);
    }
    let names: Vec<String> = fs.iter().map(|f| f.name.clone()).collect();
    let us = unit_design(&names, req.points, req.seed).map_err(DiscoverError::Design)?;
    let slot_values: Vec<Vec<f64>> = us.iter().map(|u| values_at(sc, &fs, u)).collect();
    let cols = outcome_columns(sc);
    let col = cols
        .get(req.column)
        .ok_or_else(|| DiscoverError::Design(format!("no outcome column {}", req.column)))?;
    let scale = col.metric.unit.scale() as f64;
    let better = col.metric.better;
    let sign = better_sign(better);
    let policies = [0usize, req.policy];
    let columns = [req.column];
    let scales = [scale];
    let stats = evaluate(
        sc,
        &slot_values,
        &PointRequest {
            seed: req.seed,
            replicates: req.replicates,
            key: ProcessKey::Common,
            policies: &policies,
            columns: &columns,
            scales: &scales,
            threads: req.threads,
        },
        on_progress,
    );
    let mut points = Vec::with_capacity(us.len());
    for ((u, v), s) in us.into_iter().zip(&slot_values).zip(&stats) {
        let get = |w: &Vec<Vec<crate::engine::point::Welford>>, p: usize| {
            w.get(p)
                .and_then(|r| r.first())
                .copied()
                .unwrap_or_default()
        };
        let (base, pol, eff) = (get(&s.outcome, 0), get(&s.outcome, 1), get(&s.effect, 1));
        let effect = eff.mean_or_nan();
        let mcse = if eff.n > 0 {
            (eff.var() / eff.n as f64).sqrt()
        } else {
            f64::NAN
        };
        let case = (eff.n > 0).then_some(sign * effect > req.threshold);
        points.push(EnsemblePoint {
            u,
            values: factor_values(&fs, v),
            baseline_mean: base.mean_or_nan(),
            policy_mean: pol.mean_or_nan(),
            effect,
            effect_mcse: mcse,
            defined: eff.n,
            case,
        });
    }
    let used: Vec<usize> = (0..points.len())
        .filter(|&i| points.get(i).is_some_and(|p| p.case.is_some()))
        .collect();
    if used.len() < 20 {
        return Err(DiscoverError::Undefined {
            undefined: points.len() - used.len(),
            points: points.len(),
        });
    }
    let x: Vec<Vec<f64>> = used
        .iter()
        .filter_map(|&i| points.get(i).map(|p| p.values.clone()))
        .collect();
    let y: Vec<bool> = used
        .iter()
        .filter_map(|&i| points.get(i).and_then(|p| p.case))
        .collect();
    let cases = y.iter().filter(|&&c| c).count();
    if cases == 0 || cases == y.len() {
        let gains: Vec<f64> = used
            .iter()
            .filter_map(|&i| points.get(i).map(|p| sign * p.effect))
            .collect();
        let lo = gains.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = gains.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let dir = match better {
            Better::Lower => "the cut (baseline minus policy)",
            _ => "the gain (policy minus baseline)",
        };
        let what = if cases == 0 { "no" } else { "every" };
        if lo == hi {
            return Err(DiscoverError::OneClass(format!(
                "{what} point is a case at --threshold {}: {dir} of {} is {} in every one of the {} points, so there is nothing to discover (the policy makes no difference to this outcome here)",
                req.threshold,
                col.metric.name,
                super::format_significant(lo, 4),
                y.len()
            )));
        }
        return Err(DiscoverError::OneClass(format!(
            "{what} point is a case at --threshold {}: {dir} of {} ranges from {} to {} over the {} points; choose a threshold inside that range",
            req.threshold,
            col.metric.name,
            super::format_significant(lo, 4),
            super::format_significant(hi, 4),
            y.len()
        )));
    }
    let opts = PrimOptions {
        seed: req.seed,
        ..req.prim
    };
    let result = prim(&x, &y, &opts).map_err(|e| DiscoverError::Prim(e.to_string()))?;
    Ok(Discovery {
        factors: fs,
        points,
        used,
        prim: result,
        better,
    })
}
