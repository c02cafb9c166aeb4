//! The summary tables of a run, computed from its accumulators:
//! `summary.csv`, `comparison.csv`, `timeseries.csv` and `funding.csv`
//! (columns documented in docs/outputs.md).

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

fn group_name(sc: &Scenario, g: Option<usize>) -> &str {
    g.map_or("all", |g| sc.groups[g].id.as_str())
}

/// Column name of an outcome in `replicates.csv` (`metric` or `metric.group`).
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
        q: [qs[0] / s, qs[1] / s, qs[2] / s, qs[3] / s, qs[4] / s],
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
    /// 95% interval.
    pub ci: (f64, f64),
    /// Share of replicates where the policy is better (ties half); NaN if no direction.
    pub p_better: f64,
    /// Pairs where both values were defined.
    pub n: u64,
}

/// Paired statistics of outcome column `col` of policy `policy` (>= 1).
pub fn pair_stats(acc: &RunAccumulator, policy: usize, col: usize, c: &Column) -> PairStats {
    let p = &acc.policies[policy].pairs[col];
    let s = c.metric.unit.scale() as f64;
    let mean = p.diff.mean() / s;
    let mcse = p.diff.mcse() / s;
    PairStats {
        mean,
        mcse,
        ci: (mean - Z * mcse, mean + Z * mcse),
        p_better: if c.metric.better == Better::Neither {
            f64::NAN
        } else {
            p.p_better()
        },
        n: p.diff.n,
    }
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
        "p_better",
    ])?;
    let cols = outcome_columns(sc);
    let base = &sc.policies[0].id;
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
            row.extend([p.mean, p.mcse, p.ci.0, p.ci.1, p.p_better].map(stat));
            out.write_record(&row)?;
        }
        for (name, cm) in [
            (
                "extra_cost_per_rerecruitment_averted",
                &acc.policies[pi].ce_averted,
            ),
            (
                "extra_cost_per_extra_completion",
                &acc.policies[pi].ce_completed,
            ),
        ] {
            // Spending is in cents, people in people: the ratio in USD per person.
            let (r, se) = cm.ratio();
            let (r, se) = (r / 100.0, se / 100.0);
            // The ratio is only meaningful when the denominator differs from 0.
            let denom_clear = cm.y.mean().abs() > Z * cm.y.mcse() && cm.y.mean() != 0.0;
            // Unstable ratios keep only the point estimate.
            let se = if denom_clear { se } else { f64::NAN };
            let row = [
                pol.id.clone(),
                base.clone(),
                "all".into(),
                name.into(),
                cm.x.n.to_string(),
                stat(r),
                stat(se),
                stat(r - Z * se),
                stat(r + Z * se),
                String::new(),
            ];
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
                let st = stats(&pacc.series[t * ns + si], s.unit);
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
