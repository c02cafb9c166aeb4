//! Global sensitivity analysis of a scenario (`ddrsim sensitivity`): Morris
//! elementary effects ([`super::morris`]) or Sobol' indices
//! ([`super::sobol`]) of one outcome, or of one policy's paired effect
//! against the baseline, over the scenario's uncertain factors
//! ([`super::factors`]). No I/O: the command reads and writes files.
//!
//! The simulator is noisy. Each design point's output is the mean over `R`
//! process replicates whose random streams are keyed by the replicate index
//! alone ([`ProcessKey::Common`]), so replicate `q` sees the same random
//! numbers at every point and differences between points come from the
//! factors. What is left of the process noise is reported as the share of
//! the variance of the point outputs that the within-point variance of a
//! mean over `R` replicates makes up.

use super::factors::{values_at, UncertainFactor};
use super::morris::{self, MorrisDesign};
use super::sobol::{self, SobolDesign};
use crate::engine::point::{evaluate, PointRequest, PointStats, ProcessKey};
use crate::scenario::Scenario;

/// Bootstrap resamples behind every interval.
pub const RESAMPLES: usize = 1000;

/// Noise share above which the analysis warns.
pub const NOISE_WARN: f64 = 0.1;

/// Sobol' interval width above which the analysis warns.
pub const WIDE_INTERVAL: f64 = 0.3;

/// Points evaluated per batch (bounds the memory of slot values).
const BATCH: usize = 2048;

/// The method of a sensitivity analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Morris elementary effects: mu*, sigma, mu.
    Morris,
    /// Sobol' first-order and total indices.
    Sobol,
}

impl Method {
    /// Name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Method::Morris => "morris",
            Method::Sobol => "sobol",
        }
    }

    /// The index names this method reports, ranking index first.
    pub fn indices(self) -> &'static [&'static str] {
        match self {
            Method::Morris => &["mu_star", "sigma", "mu"],
            Method::Sobol => &["ST", "S1"],
        }
    }
}

/// The Morris grid coordinate `x` in {0, 1/3, 2/3, 1} as a quantile of the
/// factor's distribution: the centres of four equal-probability strata,
/// 1/8, 3/8, 5/8 and 7/8, so that distributions with long tails are not
/// evaluated at their extreme ends.
pub fn morris_quantile(x: f64) -> f64 {
    0.125 + 0.75 * x
}

/// What to analyse and how.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Morris or Sobol'.
    pub method: Method,
    /// Morris trajectories `r`.
    pub trajectories: usize,
    /// Sobol' base sample `N` (a power of 2).
    pub samples: usize,
    /// Process replicates per point `R`.
    pub replicates: u64,
    /// Master seed (design, scrambling, bootstrap and process streams).
    pub seed: u64,
    /// Worker threads (0 = all); results do not depend on it.
    pub threads: usize,
    /// Policy whose paired effect against the baseline (policy 0) is
    /// analysed; `None` analyses the baseline's outcome.
    pub policy: Option<usize>,
    /// Outcome column (index into [`crate::model::outcome::outcome_columns`]).
    pub column: usize,
    /// The column's unit scale (integer units per printed unit).
    pub scale: f64,
}

impl Settings {
    /// Number of design points for `k` factors.
    pub fn points(&self, k: usize) -> usize {
        match self.method {
            Method::Morris => self.trajectories * (k + 1),
            Method::Sobol => self.samples * (k + 2),
        }
    }
}

/// One index of one factor.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRow {
    /// Index into the factors.
    pub factor: usize,
    /// Index name: `mu_star`, `sigma`, `mu`, `S1` or `ST`.
    pub index: &'static str,
    /// Estimate.
    pub value: f64,
    /// Low end of its 95% bootstrap interval.
    pub ci_low: f64,
    /// High end.
    pub ci_high: f64,
}

/// The result of an analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Method used.
    pub method: Method,
    /// Design points evaluated.
    pub points: usize,
    /// Factors from most to least influential (by mu* or ST), as indices
    /// into the factors.
    pub ranking: Vec<usize>,
    /// Every index of every factor, factors in ranking order and, per
    /// factor, indices in [`Method::indices`] order.
    pub rows: Vec<IndexRow>,
    /// Mean of the point outputs.
    pub output_mean: f64,
    /// Standard deviation of the point outputs.
    pub output_sd: f64,
    /// Mean within-point variance divided by `R`, over the variance of the
    /// point outputs (NaN with one replicate or constant outputs, which
    /// leave a warning instead of an error).
    pub noise_share: f64,
    /// Points where the outcome was undefined in some replicates (their
    /// output is the mean over the replicates where it is defined).
    pub partly_defined: usize,
    /// Warnings about the precision of the result, in plain words.
    pub warnings: Vec<String>,
}

/// The design points of either method.
enum Design {
    Morris(MorrisDesign),
    Sobol(SobolDesign),
}

impl Design {
    /// Unit coordinates (quantiles) of every point.
    fn quantiles(&self) -> Vec<Vec<f64>> {
        match self {
            Design::Morris(d) => d
                .points
                .iter()
                .map(|p| p.iter().map(|&x| morris_quantile(x)).collect())
                .collect(),
            Design::Sobol(d) => d.points.clone(),
        }
    }
}

/// Runs the analysis. `on_progress(done, total)` is called as points finish.
pub fn analyse(
    sc: &Scenario,
    factors: &[UncertainFactor],
    s: &Settings,
    mut on_progress: impl FnMut(usize, usize),
) -> Result<Analysis, String> {
    let k = factors.len();
    if k == 0 {
        return Err(
            "the scenario has no uncertain parameters to analyse: every value is fixed; \
             give some a range with --vary key=lo..hi (e.g. --vary pledge.mdtf.fulfilment=0.3..1) \
             or a distribution in the file"
                .to_string(),
        );
    }
    if s.replicates == 0 {
        return Err("at least 1 process replicate per point is needed".to_string());
    }
    let design = match s.method {
        Method::Morris => {
            if s.trajectories < 2 {
                return Err(format!(
                    "Morris needs at least 2 trajectories (for sigma and intervals), not {}",
                    s.trajectories
                ));
            }
            Design::Morris(morris::design(k, s.trajectories, s.seed))
        }
        Method::Sobol => Design::Sobol(sobol::design(k, s.samples, s.seed)?),
    };
    let quantiles = design.quantiles();
    let total = quantiles.len();

    let mut policies = vec![0usize];
    if let Some(p) = s.policy.filter(|&p| p > 0) {
        policies.push(p);
    }
    let req = PointRequest {
        seed: s.seed,
        replicates: s.replicates,
        key: ProcessKey::Common,
        policies: &policies,
        columns: &[s.column],
        scales: &[s.scale],
        threads: s.threads,
    };
    let mut stats: Vec<PointStats> = Vec::with_capacity(total);
    for (b, batch) in quantiles.chunks(BATCH).enumerate() {
        let values: Vec<Vec<f64>> = batch.iter().map(|u| values_at(sc, factors, u)).collect();
        let start = b * BATCH;
        stats.extend(evaluate(sc, &values, &req, |done| {
            on_progress(start + done, total)
        }));
    }
    let pick = |p: &PointStats| {
        let w = if policies.len() > 1 {
            p.effect.get(1).and_then(|c| c.first())
        } else {
            p.outcome.first().and_then(|c| c.first())
        };
        w.copied().unwrap_or_default()
    };
    let cells: Vec<_> = stats.iter().map(pick).collect();
    let undefined = cells.iter().filter(|w| w.n == 0).count();
    if undefined > 0 {
        return Err(format!(
            "the outcome is undefined in every replicate at {undefined} of {total} design points \
             (e.g. a cost per completion where nobody completes): choose another --outcome"
        ));
    }
    let partly_defined = cells.iter().filter(|w| w.n < s.replicates).count();
    let y: Vec<f64> = cells.iter().map(|w| w.mean).collect();
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0).max(1.0);
    let noise = cells.iter().map(|w| w.var() / w.n as f64).sum::<f64>() / n;
    let noise_share = if s.replicates > 1 && var > 0.0 {
        noise / var
    } else {
        f64::NAN
    };

    let mut rows_by_factor: Vec<Vec<IndexRow>> = Vec::with_capacity(k);
    let mut rank_value = Vec::with_capacity(k);
    let mut warnings = Vec::new();
    let constant = var.is_nan() || var <= 0.0;
    if constant {
        warnings.push(format!(
            "the output is the same ({}) at every design point: no factor changes it, so nothing is ranked ({})",
            super::format_significant(mean, 6),
            match s.method {
                Method::Morris => "every elementary effect is 0",
                Method::Sobol => "Sobol' indices, shares of a zero variance, are undefined and left empty",
            }
        ));
    }
    match &design {
        Design::Morris(d) => {
            let m = morris::effects(d, &y, RESAMPLES, s.seed);
            for (f, mi) in m.iter().enumerate() {
                rank_value.push(mi.mu_star.value);
                rows_by_factor.push(
                    [("mu_star", mi.mu_star), ("sigma", mi.sigma), ("mu", mi.mu)]
                        .into_iter()
                        .map(|(index, w)| IndexRow {
                            factor: f,
                            index,
                            value: w.value,
                            ci_low: w.ci_low,
                            ci_high: w.ci_high,
                        })
                        .collect(),
                );
            }
        }
        Design::Sobol(d) => {
            let ix = sobol::indices(d, &y, RESAMPLES, s.seed);
            for (f, si) in ix.iter().enumerate() {
                rank_value.push(si.st.value);
                rows_by_factor.push(
                    [("ST", si.st), ("S1", si.s1)]
                        .into_iter()
                        .map(|(index, e)| IndexRow {
                            factor: f,
                            index,
                            value: e.value,
                            ci_low: e.ci_low,
                            ci_high: e.ci_high,
                        })
                        .collect(),
                );
            }
        }
    }
    let mut ranking: Vec<usize> = (0..k).collect();
    ranking.sort_by(|&a, &b| {
        let (va, vb) = (
            rank_value.get(a).copied().unwrap_or(f64::NAN),
            rank_value.get(b).copied().unwrap_or(f64::NAN),
        );
        vb.total_cmp(&va).then(a.cmp(&b))
    });
    let name = |f: usize| factors.get(f).map_or("?", |x| x.name.as_str());
    match s.method {
        Method::Sobol => {
            let mut outside = Vec::new();
            let mut wide = Vec::new();
            for r in rows_by_factor.iter().flatten() {
                if r.ci_high < 0.0 || r.ci_low > 1.0 {
                    outside.push(format!(
                        "{} of {} = {:.3}",
                        r.index,
                        name(r.factor),
                        r.value
                    ));
                }
                if r.ci_high - r.ci_low > WIDE_INTERVAL {
                    wide.push(format!("{} of {}", r.index, name(r.factor)));
                }
            }
            if !outside.is_empty() {
                warnings.push(format!(
                    "{} index(es) lie outside [0, 1] beyond their 95% interval ({}): the sample is too small for stable indices; raise --samples",
                    outside.len(),
                    list(&outside)
                ));
            }
            if !wide.is_empty() {
                warnings.push(format!(
                    "{} index(es) have a 95% interval wider than {WIDE_INTERVAL} ({}): the sample is too small for stable indices; raise --samples",
                    wide.len(),
                    list(&wide)
                ));
            }
        }
        Method::Morris => {
            let wide: Vec<String> = ranking
                .iter()
                .take(5)
                .filter_map(|&f| rows_by_factor.get(f)?.first())
                .filter(|r| r.ci_high - r.ci_low > r.value)
                .map(|r| name(r.factor).to_string())
                .collect();
            if !wide.is_empty() {
                warnings.push(format!(
                    "the 95% interval of mu* is wider than mu* itself for {} of the top 5 factors ({}): their ranks are not stable; raise --trajectories",
                    wide.len(),
                    list(&wide)
                ));
            }
        }
    }
    if !constant && noise_share > NOISE_WARN {
        warnings.push(format!(
            "process noise makes up {:.0}% of the variance of the point outputs (more than {:.0}%): indices partly rank noise; raise --replicates",
            100.0 * noise_share,
            100.0 * NOISE_WARN
        ));
    }
    let rows = ranking
        .iter()
        .filter_map(|&f| rows_by_factor.get(f))
        .flatten()
        .cloned()
        .collect();
    Ok(Analysis {
        method: s.method,
        points: total,
        ranking,
        rows,
        output_mean: mean,
        output_sd: var.sqrt(),
        noise_share,
        partly_defined,
        warnings,
    })
}

/// The first few items of a list, with a count of the rest.
fn list(items: &[String]) -> String {
    let shown: Vec<&str> = items.iter().take(4).map(String::as_str).collect();
    if items.len() > shown.len() {
        format!(
            "{} and {} more",
            shown.join(", "),
            items.len() - shown.len()
        )
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morris_levels_are_stratum_centres() {
        let q: Vec<f64> = [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0]
            .iter()
            .map(|&x| morris_quantile(x))
            .collect();
        for (a, b) in q.iter().zip([0.125, 0.375, 0.625, 0.875]) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}
