//! Accumulators of the channel decomposition (MODEL.md section 5): for each
//! policy vs the baseline and each decomposed metric, the per-replicate
//! paired effects under every channel configuration, combined into the rows
//! of `channels.csv`. Integer and mergeable, like the run accumulators.

use super::moments::Moments;
use crate::model::channels::CHANNELS;
use serde::{Deserialize, Serialize};

/// Metrics the decomposition covers: (outcome column name, label).
pub const CHANNEL_METRICS: [(&str, &str); 3] = [
    ("rerecruited", "re-recruited"),
    ("completed", "completed reintegration"),
    ("relapse", "conflict relapse (0/1)"),
];

/// What a row of the decomposition measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// The effect with every channel on (the model as written).
    Total,
    /// The effect with every channel off: what money changes outside the
    /// channels (e.g. who disarms when, when policies share money with D&D).
    AllOff,
    /// Total minus the effect with channel `i` alone off.
    Without(usize),
    /// The effect with channel `i` alone on minus the all-off effect.
    Alone(usize),
    /// Total minus all-off minus the sum of the alone increments.
    Interaction,
}

impl RowKind {
    /// Every row, in `channels.csv` order.
    pub fn all() -> Vec<RowKind> {
        let n = CHANNELS.len();
        let mut v = vec![RowKind::Total, RowKind::AllOff];
        v.extend((0..n).map(RowKind::Without));
        v.extend((0..n).map(RowKind::Alone));
        v.push(RowKind::Interaction);
        v
    }

    /// Name in `channels.csv`.
    pub fn name(self) -> &'static str {
        match self {
            RowKind::Total => "total",
            RowKind::AllOff => "all_off",
            RowKind::Without(_) => "without",
            RowKind::Alone(_) => "alone",
            RowKind::Interaction => "interaction",
        }
    }

    /// The channel a row is about, if any.
    pub fn channel(self) -> Option<usize> {
        match self {
            RowKind::Without(i) | RowKind::Alone(i) => Some(i),
            _ => None,
        }
    }
}

/// Per-replicate paired effects of one policy on one metric, indexed like
/// [`crate::model::channels::decomposition_sets`]: all on, all off, each
/// channel alone off, each alone on.
pub type ConfigEffects = Vec<i64>;

/// Row values of one replicate from its configuration effects, in [`RowKind::all`] order.
pub fn row_values(e: &[i64]) -> Vec<i64> {
    let n = CHANNELS.len();
    let (on, off) = (e[0], e[1]);
    let alone: Vec<i64> = (0..n).map(|i| e[2 + n + i] - off).collect();
    let mut v = vec![on, off];
    v.extend((0..n).map(|i| on - e[2 + i]));
    v.extend(alone.iter().copied());
    v.push(on - off - alone.iter().sum::<i64>());
    v
}

/// Decomposition accumulators of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelAccumulator {
    /// Replicates added.
    pub replicates: u64,
    /// `rows[policy - 1][metric][row]`.
    pub rows: Vec<Vec<Vec<Moments>>>,
}

impl ChannelAccumulator {
    /// Empty accumulator for `n_policies` policies (the baseline included).
    pub fn new(n_policies: usize) -> Self {
        let n_rows = RowKind::all().len();
        ChannelAccumulator {
            replicates: 0,
            rows: (1..n_policies)
                .map(|_| {
                    CHANNEL_METRICS
                        .iter()
                        .map(|_| vec![Moments::default(); n_rows])
                        .collect()
                })
                .collect(),
        }
    }

    /// Adds one replicate: `effects[policy - 1][metric]` are its configuration effects.
    pub fn add(&mut self, effects: &[Vec<ConfigEffects>]) {
        self.replicates += 1;
        for (pol, e_pol) in self.rows.iter_mut().zip(effects) {
            for (met, e) in pol.iter_mut().zip(e_pol) {
                for (m, v) in met.iter_mut().zip(row_values(e)) {
                    m.add(v);
                }
            }
        }
    }

    /// Merges another accumulator of the same layout (exact).
    pub fn merge(&mut self, o: &ChannelAccumulator) {
        self.replicates += o.replicates;
        for (a, b) in self.rows.iter_mut().zip(&o.rows) {
            for (x, y) in a.iter_mut().zip(b) {
                for (m, n) in x.iter_mut().zip(y) {
                    m.merge(n);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_add_up_to_the_total() {
        let n = CHANNELS.len();
        // all on 100, all off 10, alone off 100 - i, alone on 10 + 2i.
        let mut e = vec![100, 10];
        e.extend((0..n as i64).map(|i| 100 - i));
        e.extend((0..n as i64).map(|i| 10 + 2 * i));
        let v = row_values(&e);
        assert_eq!(v[0], 100);
        assert_eq!(v[1], 10);
        assert_eq!(v[2 + 3], 3);
        assert_eq!(v[2 + n + 3], 6);
        let alone: i64 = v[2 + n..2 + 2 * n].iter().sum();
        assert_eq!(v[1] + alone + v[2 + 2 * n], v[0]);
    }
}
