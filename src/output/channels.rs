//! `channels.csv`: the channel decomposition of each policy's effect vs the
//! baseline (MODEL.md section 5), computed on the same random numbers.
//! Columns are documented in docs/outputs.md.

#![deny(clippy::indexing_slicing)]

use super::number::stat;
use super::tables::Z;
use crate::model::channels::CHANNELS;
use crate::scenario::Scenario;
use crate::stats::channels::{ChannelAccumulator, RowKind, CHANNEL_METRICS};
use anyhow::Result;
use std::io::Write;

/// The header of `channels.csv`.
pub const HEADER: [&str; 12] = [
    "policy",
    "baseline",
    "metric",
    "row",
    "channel",
    "channel_name",
    "n",
    "mean",
    "mcse",
    "ci_low",
    "ci_high",
    "switched_off_by",
];

/// One row of the decomposition, in printed units (people, or a
/// probability difference for relapse).
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelRow {
    /// Policy id.
    pub policy: String,
    /// Metric name (a [`CHANNEL_METRICS`] name).
    pub metric: String,
    /// Row kind name (`total`, `all_off`, `without`, `alone`, `interaction`).
    pub row: String,
    /// Channel letter (`a`..`h`), empty for rows about no single channel.
    pub channel: String,
    /// Mean over replicates.
    pub mean: f64,
    /// Monte Carlo standard error.
    pub mcse: f64,
    /// Replicates.
    pub n: u64,
}

impl ChannelRow {
    /// 95% interval of the mean.
    pub fn ci(&self) -> (f64, f64) {
        (self.mean - Z * self.mcse, self.mean + Z * self.mcse)
    }

    /// True when the 95% interval of the mean excludes 0.
    pub fn clear(&self) -> bool {
        let (lo, hi) = self.ci();
        lo > 0.0 || hi < 0.0
    }
}

/// The rows of `channels.csv`, policy by policy, metric by metric.
pub fn channel_rows(sc: &Scenario, acc: &ChannelAccumulator) -> Vec<ChannelRow> {
    let mut v = Vec::new();
    for (pol, policy) in acc.rows.iter().zip(sc.policies.iter().skip(1)) {
        for ((metric, _), rows) in CHANNEL_METRICS.iter().zip(pol) {
            for (kind, m) in RowKind::all().into_iter().zip(rows) {
                v.push(ChannelRow {
                    policy: policy.id.clone(),
                    metric: metric.to_string(),
                    row: kind.name().to_string(),
                    channel: kind
                        .channel()
                        .and_then(|c| CHANNELS.get(c))
                        .map_or(String::new(), |c| c.letter.to_string()),
                    mean: m.mean(),
                    mcse: m.mcse(),
                    n: m.n,
                });
            }
        }
    }
    v
}

/// Writes `channels.csv`.
pub fn write_channels(w: impl Write, sc: &Scenario, rows: &[ChannelRow]) -> Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(HEADER)?;
    for r in rows {
        let ch = CHANNELS.iter().find(|c| c.letter.to_string() == r.channel);
        let (lo, hi) = r.ci();
        out.write_record([
            r.policy.clone(),
            sc.baseline().id.clone(),
            r.metric.clone(),
            r.row.clone(),
            r.channel.clone(),
            ch.map_or(String::new(), |c| c.name.to_string()),
            r.n.to_string(),
            stat(r.mean),
            stat(r.mcse),
            stat(lo),
            stat(hi),
            ch.map_or(String::new(), |c| c.off_rule.to_string()),
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// Reads `channels.csv` back (for the report).
pub fn read_channels(r: impl std::io::Read) -> Result<Vec<ChannelRow>> {
    let mut rd = csv::Reader::from_reader(r);
    let headers = rd.headers()?.clone();
    let col = |name: &str| -> Result<usize> {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| anyhow::anyhow!("channels.csv has no column '{name}'"))
    };
    let (p, m, row, ch, n, mean, mcse) = (
        col("policy")?,
        col("metric")?,
        col("row")?,
        col("channel")?,
        col("n")?,
        col("mean")?,
        col("mcse")?,
    );
    let num = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
    let mut v = Vec::new();
    for rec in rd.records() {
        let rec = rec?;
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        v.push(ChannelRow {
            policy: get(p),
            metric: get(m),
            row: get(row),
            channel: get(ch),
            mean: num(&get(mean)),
            mcse: num(&get(mcse)),
            n: get(n).parse().unwrap_or(0),
        });
    }
    Ok(v)
}
