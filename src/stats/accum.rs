//! Accumulators of a whole run: per policy, every outcome column, monthly
//! series and fiscal-year funding cell, plus paired differences against the
//! baseline. All integer and mergeable: adding replicates in any order or
//! merging shards gives identical accumulators.

use super::histogram::Histogram;
use super::moments::{CrossMoments, Moments};
use crate::model::outcome::{Better, Column};
use serde::{Deserialize, Serialize};
use std::hint::black_box;

/// Finest histogram resolution for outcomes and paired differences (relative 2^-10).
pub const OUTCOME_BITS: u32 = 10;
/// Most buckets an outcome or paired-difference histogram holds.
pub const OUTCOME_CAP: u32 = 1024;
/// Finest histogram resolution for monthly series and funding cells (relative 2^-8).
pub const SERIES_BITS: u32 = 8;
/// Most buckets a monthly series or funding histogram holds.
pub const SERIES_CAP: u32 = 128;

/// What a policy's money is measured by in a cost-effectiveness ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// Extra money actually spent vs the baseline (`spent_total` difference).
    ExtraSpent,
    /// The policy's outlay minus the baseline's (MODEL.md section 8).
    Outlay,
}

/// The outcome change a cost-effectiveness ratio counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Baseline re-recruited minus policy re-recruited.
    RerecruitmentsAverted,
    /// Policy completions minus baseline completions.
    ExtraCompletions,
}

/// One (cost, effect) pair accumulated per policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostEffect {
    /// Money side.
    pub cost: Cost,
    /// Outcome side.
    pub effect: Effect,
}

/// The (cost, effect) pairs accumulated per policy, in this order.
pub const COST_EFFECT: [CostEffect; 4] = [
    CostEffect {
        cost: Cost::ExtraSpent,
        effect: Effect::RerecruitmentsAverted,
    },
    CostEffect {
        cost: Cost::ExtraSpent,
        effect: Effect::ExtraCompletions,
    },
    CostEffect {
        cost: Cost::Outlay,
        effect: Effect::RerecruitmentsAverted,
    },
    CostEffect {
        cost: Cost::Outlay,
        effect: Effect::ExtraCompletions,
    },
];

/// Results of one policy on one replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyResult {
    /// Outcome row (scaled integers; `None` = undefined).
    pub outcomes: Vec<Option<i64>>,
    /// Monthly series, month-major: `series[(month - 1) * n_series + series index]`.
    pub series: Vec<i64>,
    /// Number of series per month (the stride of `series`).
    pub n_series: usize,
    /// Fiscal-year funding cells (cents).
    pub funding: Vec<i64>,
}

impl PolicyResult {
    /// The series values of month `i + 1` (`i` counts from 0).
    pub fn series_month(&self, i: usize) -> &[i64] {
        &self.series[i * self.n_series..(i + 1) * self.n_series]
    }

    /// The series values month by month.
    pub fn series_months(&self) -> std::slice::ChunksExact<'_, i64> {
        self.series.chunks_exact(self.n_series.max(1))
    }
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
    fn new(bits: u32, cap: u32) -> Self {
        ColumnAcc {
            moments: Moments::default(),
            hist: Histogram::new(bits, cap),
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairAcc {
    /// Moments of the difference over replicates where both are defined.
    pub diff: Moments,
    /// Histogram of the difference, for the percentiles of the effect.
    pub hist: Histogram,
    /// Replicates where the policy is strictly better.
    pub better: u64,
    /// Replicates where the policy is strictly worse.
    pub worse: u64,
    /// Ties (difference exactly 0).
    pub ties: u64,
}

impl Default for PairAcc {
    fn default() -> Self {
        PairAcc {
            diff: Moments::default(),
            hist: Histogram::new(OUTCOME_BITS, OUTCOME_CAP),
            better: 0,
            worse: 0,
            ties: 0,
        }
    }
}

impl PairAcc {
    /// Adds one paired difference `d` of a metric with direction `better`.
    pub fn add(&mut self, d: i64, better: Better) {
        self.diff.add(d);
        self.hist.add(d);
        match (better, d.signum()) {
            (_, 0) => self.ties += 1,
            (Better::Lower, -1) | (Better::Higher, 1) => self.better += 1,
            (Better::Lower, 1) | (Better::Higher, -1) => self.worse += 1,
            _ => {}
        }
    }

    /// Merges another pair accumulator (exact).
    pub fn merge(&mut self, o: &PairAcc) {
        self.diff.merge(&o.diff);
        self.hist.merge(&o.hist);
        self.better += o.better;
        self.worse += o.worse;
        self.ties += o.ties;
    }

    /// Share of pairs where the policy is strictly better.
    pub fn p_better(&self) -> f64 {
        self.better as f64 / self.diff.n as f64
    }

    /// Share of pairs where the policy is strictly worse.
    pub fn p_worse(&self) -> f64 {
        self.worse as f64 / self.diff.n as f64
    }

    /// Share of pairs that tie exactly.
    pub fn p_tie(&self) -> f64 {
        self.ties as f64 / self.diff.n as f64
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
    /// (cost, effect) pairs vs baseline, one per [`COST_EFFECT`] entry.
    pub cost_effect: Vec<CrossMoments>,
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
    /// Indices of `spent_total`, `outlay`, `rerecruited`, `completed` (group all).
    key_columns: [usize; 4],
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
        let key_columns = [
            find("spent_total"),
            find("outlay"),
            find("rerecruited"),
            find("completed"),
        ];
        let policies = (0..n_policies)
            .map(|p| PolicyAcc {
                outcomes: columns
                    .iter()
                    .map(|_| ColumnAcc::new(OUTCOME_BITS, OUTCOME_CAP))
                    .collect(),
                series: (0..n_series * months)
                    .map(|_| ColumnAcc::new(SERIES_BITS, SERIES_CAP))
                    .collect(),
                funding: (0..n_funding)
                    .map(|_| ColumnAcc::new(SERIES_BITS, SERIES_CAP))
                    .collect(),
                pairs: if p == 0 {
                    Vec::new()
                } else {
                    columns.iter().map(|_| PairAcc::default()).collect()
                },
                cost_effect: vec![CrossMoments::default(); COST_EFFECT.len()],
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
                let n_series = block.first().map_or(0, |r| r.policies[pi].n_series);
                if n_series > 0 {
                    acc.series
                        .par_chunks_mut(n_series)
                        .enumerate()
                        .for_each(|(t, chunk)| {
                            // Bring the month's histograms into cache with
                            // overlapping loads before the searches need them.
                            black_box(chunk.iter().fold(0, |x, a| x ^ a.hist.touch()));
                            let cells = t * n_series..(t + 1) * n_series;
                            for r in block {
                                let values = &r.policies[pi].series[cells.clone()];
                                for (a, v) in chunk.iter_mut().zip(values) {
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
        key_columns: [usize; 4],
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
            for (a, v) in acc.series.iter_mut().zip(&res.series) {
                a.add(*v);
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
                pair.add(v - b, *better);
            }
        }
        let [spent, outlay, rr, comp] = key_columns;
        let d = |c: usize| res.outcomes[c].unwrap_or(0) - base.outcomes[c].unwrap_or(0);
        for (cm, ce) in acc.cost_effect.iter_mut().zip(&COST_EFFECT) {
            let cost = match ce.cost {
                Cost::ExtraSpent => d(spent),
                Cost::Outlay => d(outlay),
            };
            let effect = match ce.effect {
                Effect::RerecruitmentsAverted => -d(rr),
                Effect::ExtraCompletions => d(comp),
            };
            cm.add(cost, effect);
        }
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
                x.merge(y);
            }
            for (x, y) in a.cost_effect.iter_mut().zip(&b.cost_effect) {
                x.merge(y);
            }
        }
    }
}
