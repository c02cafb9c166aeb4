//! The summary tables of a run, computed from its accumulators:
//! `summary.csv`, `comparison.csv`, `timeseries.csv` and `funding.csv`
//! (columns documented in docs/outputs.md).

#![deny(clippy::indexing_slicing)]

use super::number::stat;
use crate::model::outcome::{funding_cells, outcome_columns, series_columns, Better, Column, Unit};
use crate::scenario::Scenario;
use crate::stats::accum::{ColumnAcc, RunAccumulator};
use crate::stats::wilson;
use anyhow::Result;
use std::io::Write;

/// z for a two-sided 95% normal interval.
pub const Z: f64 = 1.959_963_984_540_054;
/// Percentiles reported.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

// Cannot fail: columns come from `outcome_columns`/`series_columns` of this
// scenario, so a group index is a position in `sc.groups`.
#[allow(clippy::indexing_slicing)]
fn group_name(sc: &Scenario, g: Option<usize>) -> &str {
    g.map_or("all", |g| sc.groups[g].id.as_str())
}

/// Column name of an outcome in `replicates.csv` (`metric` or `metric.group`).
// Cannot fail: columns come from `outcome_columns`/`series_columns` of this
// scenario, so a group index is a position in `sc.groups`.
#[allow(clippy::indexing_slicing)]
pub fn column_name(sc: &Scenario, c: &Column) -> String {
    match c.group {
        None => c.metric.name.to_string(),
        Some(g) => format!("{}.{}", c.metric.name, sc.groups[g].id),
    }
}

/// Summary statistics of one column in printed units.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Values defined.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
    /// Monte Carlo standard error of the mean.
    pub mcse: f64,
    /// 5/25/50/75/95th percentiles.
    pub q: [f64; 5],
    /// 95% interval of the mean (Wilson for 0/1 metrics).
    pub ci: (f64, f64),
}

/// Summarises an accumulator of values in `unit`.
pub fn stats(acc: &ColumnAcc, unit: Unit) -> Stats {
    let s = unit.scale() as f64;
    let m = &acc.moments;
    let qs = acc.hist.quantiles(&QUANTILES);
    let mean = m.mean() / s;
    let mcse = m.mcse() / s;
    let ci = if unit == Unit::Flag {
        wilson(m.sum as f64, m.n as f64)
    } else if m.n >= 2 {
        (mean - Z * mcse, mean + Z * mcse)
    } else {
        (f64::NAN, f64::NAN)
    };
    Stats {
        n: m.n,
        mean,
        sd: m.sd() / s,
        mcse,
        q: std::array::from_fn(|i| qs.get(i).map_or(f64::NAN, |q| q / s)),
        ci,
    }
}

/// Writes `summary.csv`.
pub fn write_summary(w: impl Write, sc: &Scenario, acc: &RunAccumulator) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "policy", "group", "metric", "n", "mean", "sd", "mcse", "p05", "p25", "p50", "p75", "p95",
        "ci_low", "ci_high",
    ])?;
    let cols = outcome_columns(sc);
    for (pol, pacc) in sc.policies.iter().zip(&acc.policies) {
        for (c, a) in cols.iter().zip(&pacc.outcomes) {
            let st = stats(a, c.metric.unit);
            let mut row = vec![
                pol.id.clone(),
                group_name(sc, c.group).to_string(),
                c.metric.name.to_string(),
                st.n.to_string(),
            ];
            row.extend([st.mean, st.sd, st.mcse].map(stat));
            row.extend(st.q.map(stat));
            row.extend([st.ci.0, st.ci.1].map(stat));
            out.write_record(&row)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// One row of the paired comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct PairStats {
    /// Mean difference (policy minus baseline), printed units.
    pub mean: f64,
    /// Its Monte Carlo standard error.
    pub mcse: f64,
    /// 95% interval of the mean difference (its precision).
    pub ci: (f64, f64),
    /// 5th, 50th and 95th percentiles of the per-replicate difference: the
    /// spread of the effect across simulated worlds.
    pub spread: [f64; 3],
    /// Share of pairs where the policy is strictly better; NaN if the metric has no direction.
    pub p_better: f64,
    /// Share of pairs where the policy is strictly worse; NaN if no direction.
    pub p_worse: f64,
    /// Share of pairs that tie exactly.
    pub p_tie: f64,
    /// Pairs where both values were defined.
    pub n: u64,
}

/// How a paired difference reads for a reader who wants a one-word answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Badge {
    /// The 95% interval of the mean excludes 0 in the better direction and
    /// P(better) - P(worse) >= [`BADGE_MARGIN`].
    Better,
    /// The same rule in the worse direction.
    Worse,
    /// Neither.
    Unclear,
}

/// Minimum P(better) - P(worse) (or the reverse) for a badge.
pub const BADGE_MARGIN: f64 = 0.2;

impl PairStats {
    /// The badge rule of docs/outputs.md: "better" only where the 95%
    /// interval of the mean excludes 0 and P(better) - P(worse) >= 0.2
    /// ("worse" symmetrically).
    pub fn badge(&self) -> Badge {
        if !self.p_better.is_finite()
            || !self.p_worse.is_finite()
            || self.ci.0.is_nan()
            || self.ci.1.is_nan()
        {
            return Badge::Unclear;
        }
        let excludes_zero = self.ci.0 > 0.0 || self.ci.1 < 0.0;
        if excludes_zero && self.p_better - self.p_worse >= BADGE_MARGIN {
            Badge::Better
        } else if excludes_zero && self.p_worse - self.p_better >= BADGE_MARGIN {
            Badge::Worse
        } else {
            Badge::Unclear
        }
    }
}

/// Paired statistics of outcome column `col` of policy `policy` (>= 1).
// Cannot fail: callers pass positions in `sc.policies` and `outcome_columns(sc)`,
// and the accumulator has the layout of this scenario (built by the engine for
// it, or merged from shards whose layout `ddrsim merge` checked against it).
#[allow(clippy::indexing_slicing)]
pub fn pair_stats(acc: &RunAccumulator, policy: usize, col: usize, c: &Column) -> PairStats {
    let p = &acc.policies[policy].pairs[col];
    let s = c.metric.unit.scale() as f64;
    let mean = p.diff.mean() / s;
    let mcse = p.diff.mcse() / s;
    let q = p.hist.quantiles(&[0.05, 0.5, 0.95]);
    let directed = c.metric.better != Better::Neither;
    let ci = if p.diff.n >= 2 {
        (mean - Z * mcse, mean + Z * mcse)
    } else {
        (f64::NAN, f64::NAN)
    };
    PairStats {
        mean,
        mcse,
        ci,
        spread: std::array::from_fn(|i| q.get(i).map_or(f64::NAN, |q| q / s)),
        p_better: if directed { p.p_better() } else { f64::NAN },
        p_worse: if directed { p.p_worse() } else { f64::NAN },
        p_tie: p.p_tie(),
        n: p.diff.n,
    }
}

/// A cost-effectiveness ratio of one policy vs the baseline, printed units.
#[derive(Debug, Clone, PartialEq)]
pub struct RatioStats {
    /// Row name in comparison.csv.
    pub name: String,
    /// Unit of the ratio (`USD per person` or `people per USD million`).
    pub unit: &'static str,
    /// Ratio of means; NaN when the denominator's mean is 0.
    pub ratio: f64,
    /// Delta-method standard error; NaN when the denominator is not clearly
    /// different from 0 (the ratio is then unstable).
    pub se: f64,
    /// Pairs.
    pub n: u64,
}

/// The cost-effectiveness ratios of policy `policy` (>= 1): for each
/// (cost, effect) pair, money per person and people per USD million.
/// Outlay-based ratios are NaN when the policy's outlay does not differ
/// from the baseline's (a reallocated kick-start brings no new money).
// Cannot fail: callers pass a position in `sc.policies`, and the accumulator
// has the layout of this scenario (built by the engine for it, or merged from
// shards whose layout `ddrsim merge` checked against it).
#[allow(clippy::indexing_slicing)]
pub fn ratio_stats(acc: &RunAccumulator, policy: usize) -> Vec<RatioStats> {
    use crate::stats::accum::{Cost, Effect, COST_EFFECT};
    let mut v = Vec::new();
    for (ce, cm) in COST_EFFECT.iter().zip(&acc.policies[policy].cost_effect) {
        let cost = match ce.cost {
            Cost::ExtraSpent => "extra_spent",
            Cost::Outlay => "outlay",
        };
        let (per, effect) = match ce.effect {
            Effect::RerecruitmentsAverted => ("rerecruitment_averted", "rerecruitments_averted"),
            Effect::ExtraCompletions => ("extra_completion", "extra_completions"),
        };
        // A ratio is only meaningful when its denominator clearly differs from 0.
        let clear = |m: &crate::stats::moments::Moments| {
            m.n >= 2 && m.mean() != 0.0 && m.mean().abs() > Z * m.mcse()
        };
        // USD per person: x in cents, y in people.
        let (r, se) = cm.ratio();
        v.push(RatioStats {
            name: format!("{cost}_per_{per}"),
            unit: "USD per person",
            ratio: if cm.y.mean() != 0.0 {
                r / 100.0
            } else {
                f64::NAN
            },
            se: if clear(&cm.y) { se / 100.0 } else { f64::NAN },
            n: cm.x.n,
        });
        // People per USD million: y / x with x in cents.
        let inv = crate::stats::moments::CrossMoments {
            x: cm.y.clone(),
            y: cm.x.clone(),
            sum_xy: cm.sum_xy,
        };
        let (r, se) = inv.ratio();
        v.push(RatioStats {
            name: format!("{effect}_per_musd_{cost}"),
            unit: "people per USD million",
            ratio: if cm.x.mean() != 0.0 {
                r * 1e8
            } else {
                f64::NAN
            },
            se: if clear(&cm.x) { se * 1e8 } else { f64::NAN },
            n: cm.x.n,
        });
    }
    v
}

/// Writes `comparison.csv`.
pub fn write_comparison(w: impl Write, sc: &Scenario, acc: &RunAccumulator) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "policy",
        "baseline",
        "group",
        "metric",
        "n",
        "mean_diff",
        "mcse",
        "ci_low",
        "ci_high",
        "p05",
        "p50",
        "p95",
        "p_better",
        "p_worse",
        "p_tie",
    ])?;
    let cols = outcome_columns(sc);
    let base = &sc.baseline().id;
    for (pi, pol) in sc.policies.iter().enumerate().skip(1) {
        for (ci, c) in cols.iter().enumerate() {
            let p = pair_stats(acc, pi, ci, c);
            let mut row = vec![
                pol.id.clone(),
                base.clone(),
                group_name(sc, c.group).to_string(),
                c.metric.name.to_string(),
                p.n.to_string(),
            ];
            row.extend([p.mean, p.mcse, p.ci.0, p.ci.1].map(stat));
            row.extend(p.spread.map(stat));
            row.extend([p.p_better, p.p_worse, p.p_tie].map(stat));
            out.write_record(&row)?;
        }
        for r in ratio_stats(acc, pi) {
            let mut row = vec![
                pol.id.clone(),
                base.clone(),
                "all".into(),
                r.name,
                r.n.to_string(),
                stat(r.ratio),
                stat(r.se),
                stat(r.ratio - Z * r.se),
                stat(r.ratio + Z * r.se),
            ];
            row.extend(std::iter::repeat_n(String::new(), 6));
            out.write_record(&row)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Writes `timeseries.csv` (long format).
pub fn write_timeseries(w: impl Write, sc: &Scenario, acc: &RunAccumulator) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "policy", "group", "month", "date", "metric", "mean", "p05", "p25", "p50", "p75", "p95",
    ])?;
    let series = series_columns(sc);
    let ns = series.len();
    for (pol, pacc) in sc.policies.iter().zip(&acc.policies) {
        for (si, s) in series.iter().enumerate() {
            for t in 0..sc.horizon as usize {
                let cell = pacc.series.get(t * ns + si).ok_or_else(|| {
                    anyhow::anyhow!(
                        "the accumulated results hold no month {} of '{}'",
                        t + 1,
                        s.name
                    )
                })?;
                let st = stats(cell, s.unit);
                let mut row = vec![
                    pol.id.clone(),
                    group_name(sc, s.group).to_string(),
                    (t + 1).to_string(),
                    sc.date(t as u32 + 1).to_string(),
                    s.name.clone(),
                    stat(st.mean),
                ];
                row.extend(st.q.map(stat));
                out.write_record(&row)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Writes `funding.csv`.
pub fn write_funding(w: impl Write, sc: &Scenario, acc: &RunAccumulator) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "policy",
        "fiscal_year",
        "source",
        "component",
        "measure",
        "mean",
        "p05",
        "p50",
        "p95",
    ])?;
    let cells = funding_cells(sc);
    for (pol, pacc) in sc.policies.iter().zip(&acc.policies) {
        for (cell, a) in cells.iter().zip(&pacc.funding) {
            let st = stats(a, Unit::Usd);
            out.write_record([
                pol.id.clone(),
                cell.fiscal_year.to_string(),
                cell.source.to_string(),
                cell.component.to_string(),
                cell.measure.to_string(),
                stat(st.mean),
                stat(st.q[0]),
                stat(st.q[2]),
                stat(st.q[4]),
            ])?;
        }
    }
    out.flush()?;
    Ok(())
}
