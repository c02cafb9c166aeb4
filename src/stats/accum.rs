//! Accumulators of a whole run: per policy, every outcome column, monthly
//! series and fiscal-year funding cell, plus paired differences against the
//! baseline. All integer and mergeable: adding replicates in any order or
//! merging shards gives identical accumulators.

use super::histogram::Histogram;
use super::moments::{CrossMoments, Moments};
use crate::model::outcome::{Better, Column};
use serde::{Deserialize, Serialize};

/// Histogram resolution for outcomes (relative 2^-10).
pub const OUTCOME_BITS: u32 = 10;
/// Histogram resolution for monthly series and funding cells (relative 2^-8).
pub const SERIES_BITS: u32 = 8;

/// Results of one policy on one replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyResult {
    /// Outcome row (scaled integers; `None` = undefined).
    pub outcomes: Vec<Option<i64>>,
    /// Monthly series: `series[month - 1][series index]`.
    pub series: Vec<Vec<i64>>,
    /// Fiscal-year funding cells (cents).
    pub funding: Vec<i64>,
}

/// Results of one replicate, every policy on common random numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicateResult {
    /// Replicate index.
    pub index: u64,
    /// Drawn values of the uncertain parameters (slot order).
    pub params: Vec<f64>,
    /// One result per policy, scenario order.
    pub policies: Vec<PolicyResult>,
}

/// Moments and histogram of one quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnAcc {
    /// Exact moments of the defined values.
    pub moments: Moments,
    /// Histogram for percentiles.
    pub hist: Histogram,
}

impl ColumnAcc {
    fn new(bits: u32) -> Self {
        ColumnAcc {
            moments: Moments::default(),
            hist: Histogram::new(bits),
        }
    }
    fn add(&mut self, v: i64) {
        self.moments.add(v);
        self.hist.add(v);
    }
    fn merge(&mut self, o: &ColumnAcc) {
        self.moments.merge(&o.moments);
        self.hist.merge(&o.hist);
    }
}

/// Paired difference (policy minus baseline) of one outcome column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairAcc {
    /// Moments of the difference over replicates where both are defined.
    pub diff: Moments,
    /// Replicates where the policy is better.
    pub better: u64,
    /// Ties.
    pub ties: u64,
}

impl PairAcc {
    /// Share of replicates where the policy is better, ties counted half.
    pub fn p_better(&self) -> f64 {
        (self.better as f64 + 0.5 * self.ties as f64) / self.diff.n as f64
    }
}

/// Everything accumulated for one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyAcc {
    /// Outcome columns.
    pub outcomes: Vec<ColumnAcc>,
    /// Monthly series, month-major.
    pub series: Vec<ColumnAcc>,
    /// Funding cells.
    pub funding: Vec<ColumnAcc>,
    /// Paired differences vs the baseline (empty for the baseline).
    pub pairs: Vec<PairAcc>,
    /// (extra spending, re-recruitments averted) vs baseline.
    pub ce_averted: CrossMoments,
    /// (extra spending, extra completions) vs baseline.
    pub ce_completed: CrossMoments,
}

/// Accumulators of a run (or of a shard of one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunAccumulator {
    /// Replicates added.
    pub replicates: u64,
    /// Per policy, scenario order.
    pub policies: Vec<PolicyAcc>,
    /// Better direction of each outcome column.
    better: Vec<Better>,
    /// Indices of `spent_total`, `rerecruited`, `completed` (group all).
    key_columns: [usize; 3],
}

impl RunAccumulator {
    /// Empty accumulator for the given layout.
    pub fn new(
        n_policies: usize,
        columns: &[Column],
        n_series: usize,
        months: usize,
        n_funding: usize,
    ) -> Self {
        let find = |name: &str| {
            columns
                .iter()
                .position(|c| c.metric.name == name && c.group.is_none())
                .unwrap_or(0)
        };
        let key_columns = [find("spent_total"), find("rerecruited"), find("completed")];
        let policies = (0..n_policies)
            .map(|p| PolicyAcc {
                outcomes: columns
                    .iter()
                    .map(|_| ColumnAcc::new(OUTCOME_BITS))
                    .collect(),
                series: (0..n_series * months)
                    .map(|_| ColumnAcc::new(SERIES_BITS))
                    .collect(),
                funding: (0..n_funding)
                    .map(|_| ColumnAcc::new(SERIES_BITS))
                    .collect(),
                pairs: if p == 0 {
                    Vec::new()
                } else {
                    columns.iter().map(|_| PairAcc::default()).collect()
                },
                ce_averted: CrossMoments::default(),
                ce_completed: CrossMoments::default(),
            })
            .collect();
        RunAccumulator {
            replicates: 0,
            policies,
            better: columns.iter().map(|c| c.metric.better).collect(),
            key_columns,
        }
    }

    /// Adds a block of replicates, in parallel over policies and months.
    /// Integer accumulation makes the result independent of the split.
    pub fn add_block(&mut self, block: &[ReplicateResult]) {
        use rayon::prelude::*;
        self.replicates += block.len() as u64;
        let better = &self.better;
        let key_columns = self.key_columns;
        self.policies
            .par_iter_mut()
            .enumerate()
            .for_each(|(pi, acc)| {
                let n_series = block
                    .first()
                    .and_then(|r| r.policies[pi].series.first())
                    .map_or(0, |m| m.len());
                if n_series > 0 {
                    acc.series
                        .par_chunks_mut(n_series)
                        .enumerate()
                        .for_each(|(t, chunk)| {
                            for r in block {
                                for (a, v) in chunk.iter_mut().zip(&r.policies[pi].series[t]) {
                                    a.add(*v);
                                }
                            }
                        });
                }
                for r in block {
                    Self::add_policy(acc, pi, r, better, key_columns, false);
                }
            });
    }

    /// Adds one replicate.
    pub fn add(&mut self, r: &ReplicateResult) {
        self.replicates += 1;
        let better = &self.better;
        let key_columns = self.key_columns;
        for (pi, acc) in self.policies.iter_mut().enumerate() {
            Self::add_policy(acc, pi, r, better, key_columns, true);
        }
    }

    fn add_policy(
        acc: &mut PolicyAcc,
        pi: usize,
        r: &ReplicateResult,
        better: &[Better],
        key_columns: [usize; 3],
        with_series: bool,
    ) {
        let base = &r.policies[0];
        let res = &r.policies[pi];
        for (a, v) in acc.outcomes.iter_mut().zip(&res.outcomes) {
            if let Some(v) = v {
                a.add(*v);
            }
        }
        if with_series {
            let n_series = res.series.first().map_or(0, |m| m.len());
            for (t, month) in res.series.iter().enumerate() {
                for (s, v) in month.iter().enumerate() {
                    acc.series[t * n_series + s].add(*v);
                }
            }
        }
        for (a, v) in acc.funding.iter_mut().zip(&res.funding) {
            a.add(*v);
        }
        if pi == 0 {
            return;
        }
        for ((pair, better), (v, b)) in acc
            .pairs
            .iter_mut()
            .zip(better)
            .zip(res.outcomes.iter().zip(&base.outcomes))
        {
            if let (Some(v), Some(b)) = (v, b) {
                let d = v - b;
                pair.diff.add(d);
                match (better, d.signum()) {
                    (_, 0) => pair.ties += 1,
                    (Better::Lower, -1) | (Better::Higher, 1) => pair.better += 1,
                    _ => {}
                }
            }
        }
        let [spent, rr, comp] = key_columns;
        let d = |c: usize| res.outcomes[c].unwrap_or(0) - base.outcomes[c].unwrap_or(0);
        acc.ce_averted.add(d(spent), -d(rr));
        acc.ce_completed.add(d(spent), d(comp));
    }

    /// Merges another accumulator of the same layout (exact).
    pub fn merge(&mut self, o: &RunAccumulator) {
        self.replicates += o.replicates;
        for (a, b) in self.policies.iter_mut().zip(&o.policies) {
            a.outcomes
                .iter_mut()
                .zip(&b.outcomes)
                .for_each(|(x, y)| x.merge(y));
            a.series
                .iter_mut()
                .zip(&b.series)
                .for_each(|(x, y)| x.merge(y));
            a.funding
                .iter_mut()
                .zip(&b.funding)
                .for_each(|(x, y)| x.merge(y));
            for (x, y) in a.pairs.iter_mut().zip(&b.pairs) {
                x.diff.merge(&y.diff);
                x.better += y.better;
                x.ties += y.ties;
            }
            a.ce_averted.merge(&b.ce_averted);
            a.ce_completed.merge(&b.ce_completed);
        }
    }
}
