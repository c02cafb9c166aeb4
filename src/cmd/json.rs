//! `--json`: the headline result of a run as one JSON document on stdout
//! (format described in README.md, "Machine-readable summary"). Non-finite
//! numbers (an undefined mean or interval) are written as `null`.

#![deny(clippy::indexing_slicing)]

use anyhow::{Context, Result};
use ddrsim::model::outcome::{outcome_columns, Better};
use ddrsim::output::tables::{pair_stats, stats, Badge};
use ddrsim::plot::metrics::HEADLINE;
use ddrsim::scenario::Scenario;
use ddrsim::stats::accum::RunAccumulator;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Version of the JSON summary layout; raised when a field changes meaning.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// The whole summary.
#[derive(Debug, Serialize)]
pub struct RunSummary {
    /// Layout version ([`JSON_FORMAT_VERSION`]).
    pub format_version: u32,
    /// ddrsim version.
    pub ddrsim_version: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// Where the scenario came from (path or `bundled:default`).
    pub scenario_source: String,
    /// Master seed.
    pub seed: u64,
    /// Replicates per policy.
    pub replicates: u64,
    /// The output folder written.
    pub output_dir: String,
    /// Baseline policy id (the first policy).
    pub baseline: String,
    /// How the intervals are computed.
    pub interval: &'static str,
    /// Headline outcomes per policy, in scenario order.
    pub policies: Vec<PolicySummary>,
    /// Paired differences of every other policy against the baseline.
    pub differences: Vec<PolicyDifferences>,
}

/// One policy's headline outcomes.
#[derive(Debug, Serialize)]
pub struct PolicySummary {
    /// Policy id.
    pub id: String,
    /// One entry per headline outcome (group `all`).
    pub outcomes: Vec<Outcome>,
}

/// One headline outcome of one policy.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// Metric name as in summary.csv.
    pub metric: &'static str,
    /// Unit of the values.
    pub unit: &'static str,
    /// `lower` or `higher` is better.
    pub better: &'static str,
    /// Replicates with a defined value.
    pub n: u64,
    /// Mean over replicates.
    pub mean: f64,
    /// Lower end of the 95% interval of the mean.
    pub ci_low: f64,
    /// Upper end of the 95% interval of the mean.
    pub ci_high: f64,
    /// 5th percentile over replicates (spread of outcomes).
    pub p05: f64,
    /// Median over replicates.
    pub p50: f64,
    /// 95th percentile over replicates.
    pub p95: f64,
}

/// One policy's paired differences from the baseline.
#[derive(Debug, Serialize)]
pub struct PolicyDifferences {
    /// Policy id.
    pub policy: String,
    /// Baseline id.
    pub baseline: String,
    /// One entry per headline outcome (group `all`).
    pub outcomes: Vec<Difference>,
}

/// The paired difference (policy minus baseline) of one headline outcome.
#[derive(Debug, Serialize)]
pub struct Difference {
    /// Metric name as in comparison.csv.
    pub metric: &'static str,
    /// Unit of the values.
    pub unit: &'static str,
    /// Pairs where both values were defined.
    pub n: u64,
    /// Mean of policy minus baseline over paired replicates.
    pub mean_diff: f64,
    /// Lower end of its 95% interval.
    pub ci_low: f64,
    /// Upper end of its 95% interval.
    pub ci_high: f64,
    /// 5th percentile of the per-replicate difference (spread of the effect).
    pub p05: f64,
    /// Median of the per-replicate difference.
    pub p50: f64,
    /// 95th percentile of the per-replicate difference.
    pub p95: f64,
    /// Share of paired replicates where the policy is strictly better.
    pub p_better: f64,
    /// Share of paired replicates where the policy is strictly worse.
    pub p_worse: f64,
    /// Share of paired replicates that tie exactly.
    pub p_tie: f64,
    /// The badge rule of docs/outputs.md: `better`, `worse` or `null`.
    pub badge: Option<&'static str>,
}

/// Builds the summary of a finished run.
// Cannot fail: column indices are positions in `outcome_columns(sc)`, policy
// indices positions in `sc.policies`, and the accumulator has this scenario's
// layout (built by the engine for it, or merged from shards checked against it).
#[allow(clippy::indexing_slicing)]
pub fn summary(
    sc: &Scenario,
    source: &str,
    acc: &RunAccumulator,
    seed: u64,
    out_dir: &Path,
) -> RunSummary {
    let cols = outcome_columns(sc);
    let headline: Vec<usize> = HEADLINE
        .iter()
        .filter_map(|m| {
            cols.iter()
                .position(|c| c.metric.name == m.key && c.group.is_none())
        })
        .collect();
    let better = |b: Better| b.name();
    let policies = sc
        .policies
        .iter()
        .zip(&acc.policies)
        .map(|(p, pacc)| PolicySummary {
            id: p.id.clone(),
            outcomes: headline
                .iter()
                .map(|&ci| {
                    let c = &cols[ci];
                    let st = stats(&pacc.outcomes[ci], c.metric.unit);
                    Outcome {
                        metric: c.metric.name,
                        unit: c.metric.unit.name(),
                        better: better(c.metric.better),
                        n: st.n,
                        mean: st.mean,
                        ci_low: st.ci.0,
                        ci_high: st.ci.1,
                        p05: st.q[0],
                        p50: st.q[2],
                        p95: st.q[4],
                    }
                })
                .collect(),
        })
        .collect();
    let baseline = sc.baseline().id.clone();
    let differences = (1..sc.policies.len())
        .map(|pi| PolicyDifferences {
            policy: sc.policies[pi].id.clone(),
            baseline: baseline.clone(),
            outcomes: headline
                .iter()
                .map(|&ci| {
                    let c = &cols[ci];
                    let d = pair_stats(acc, pi, ci, c);
                    Difference {
                        metric: c.metric.name,
                        unit: c.metric.unit.name(),
                        n: d.n,
                        mean_diff: d.mean,
                        ci_low: d.ci.0,
                        ci_high: d.ci.1,
                        p05: d.spread[0],
                        p50: d.spread[1],
                        p95: d.spread[2],
                        p_better: d.p_better,
                        p_worse: d.p_worse,
                        p_tie: d.p_tie,
                        badge: match d.badge() {
                            Badge::Better => Some("better"),
                            Badge::Worse => Some("worse"),
                            Badge::Unclear => None,
                        },
                    }
                })
                .collect(),
        })
        .collect();
    RunSummary {
        format_version: JSON_FORMAT_VERSION,
        ddrsim_version: env!("CARGO_PKG_VERSION"),
        scenario: sc.name.clone(),
        scenario_source: source.to_string(),
        seed,
        replicates: acc.replicates,
        output_dir: out_dir.display().to_string(),
        baseline,
        interval: "95% interval of the mean: mean +- 1.96 Monte Carlo standard errors \
                   (relapse: Wilson score interval)",
        policies,
        differences,
    }
}

/// Prints the summary of a finished run as pretty JSON on stdout.
pub fn print(
    sc: &Scenario,
    source: &str,
    acc: &RunAccumulator,
    seed: u64,
    out_dir: &Path,
) -> Result<()> {
    let doc = summary(sc, source, acc, seed, out_dir);
    let text = serde_json::to_string_pretty(&doc).context("cannot encode the JSON summary")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .context("cannot write the JSON summary to stdout")
}
