//! Shard folders: `ddrsim run --shard K/N` runs a contiguous block of the
//! replicates and writes its partial accumulators (`state.cbor.gz`), its
//! replicate rows and `shard.json`; `ddrsim merge` checks a set of shard
//! folders ([`check_set`]) and merges them into the outputs of a single run.

#![deny(clippy::indexing_slicing)]

use crate::stats::accum::RunAccumulator;
use crate::stats::channels::ChannelAccumulator;
use anyhow::{anyhow, bail, Context, Result};
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Name of the shard description in a shard folder.
pub const SHARD_FILE: &str = "shard.json";
/// Name of the serialized accumulators in a shard folder.
pub const STATE_FILE: &str = "state.cbor.gz";

/// Which share of the replicates a shard runs: shard `k` of `n` (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSpec {
    /// This shard, 1..=n.
    pub k: u64,
    /// Number of shards.
    pub n: u64,
}

impl ShardSpec {
    /// Parses `K/N` (1 <= K <= N).
    pub fn parse(s: &str) -> Result<Self> {
        let err =
            || anyhow!("--shard expects K/N with 1 <= K <= N (e.g. --shard 3/8), not \"{s}\"");
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let k: u64 = k.trim().parse().map_err(|_| err())?;
        let n: u64 = n.trim().parse().map_err(|_| err())?;
        if k == 0 || n == 0 || k > n {
            return Err(err());
        }
        Ok(ShardSpec { k, n })
    }

    /// The replicate indices of this shard in a run of `total` replicates:
    /// the contiguous block `[(k-1) total / n, k total / n)`, indices as in
    /// a single run.
    pub fn range(&self, total: u64) -> (u64, u64) {
        let at = |k: u64| ((k as u128 * total as u128) / self.n as u128) as u64;
        (at(self.k - 1), at(self.k))
    }
}

/// `shard.json`: what a shard folder holds and what it must agree on with
/// the other shards of its run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// ddrsim version that wrote the shard.
    pub ddrsim_version: String,
    /// Output format version.
    pub format_version: u32,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// Scenario name.
    pub scenario: String,
    /// Where the scenario came from (a path, or `bundled:default`).
    pub scenario_source: String,
    /// Master seed.
    pub seed: u64,
    /// Replicates of the whole run.
    pub total_replicates: u64,
    /// This shard (1-based) and the number of shards.
    pub shard: ShardSpec,
    /// First replicate index of this shard.
    pub first_replicate: u64,
    /// Replicates in this shard.
    pub replicates: u64,
    /// Whether the channel decomposition ran.
    pub channels: bool,
    /// The file holding this shard's replicate rows, if any.
    pub replicates_file: Option<String>,
    /// `--set` overrides applied to the scenario (its text and hash include them).
    #[serde(default)]
    pub overrides: Vec<String>,
}

/// The partial accumulators of a shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardState {
    /// Run accumulators of the shard's replicates.
    pub acc: RunAccumulator,
    /// Channel decomposition accumulators, when it ran.
    pub channels: Option<ChannelAccumulator>,
}

/// Writes the accumulators to `path` (CBOR, gzip level 1).
pub fn write_state(path: &Path, state: &ShardState) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut gz = GzEncoder::new(BufWriter::new(file), Compression::new(1));
    ciborium::into_writer(state, &mut gz)
        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
    gz.finish()?.flush()?;
    Ok(())
}

/// Reads accumulators written by [`write_state`].
pub fn read_state(path: &Path) -> Result<ShardState> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ciborium::from_reader(MultiGzDecoder::new(BufReader::new(file))).map_err(|e| {
        anyhow!(
            "{} is damaged or not a ddrsim shard state: {e}",
            path.display()
        )
    })
}

/// A shard folder read for merging.
#[derive(Debug, Clone)]
pub struct ShardDir {
    /// The folder.
    pub dir: PathBuf,
    /// Its `shard.json`.
    pub info: ShardInfo,
}

/// Reads `shard.json` of a shard folder.
pub fn read_info(dir: &Path) -> Result<ShardDir> {
    let path = dir.join(SHARD_FILE);
    if !path.is_file() {
        bail!(
            "'{}' is not a shard folder (no {SHARD_FILE}); shard folders are written by \
             `ddrsim run SCENARIO --shard K/N --out DIR`",
            dir.display()
        );
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let info: ShardInfo = serde_json::from_str(&text)
        .map_err(|e| anyhow!("{}: not a ddrsim shard description: {e}", path.display()))?;
    Ok(ShardDir {
        dir: dir.to_path_buf(),
        info,
    })
}

/// Checks that the shards come from one run (same ddrsim version, format,
/// scenario, seed, replicates, shard count and channel setting, matching
/// `version`) and that together they hold every replicate exactly once.
/// Returns them sorted by shard number.
pub fn check_set(mut shards: Vec<ShardDir>, version: &str) -> Result<Vec<ShardDir>> {
    let Some(first) = shards.first().cloned() else {
        bail!("no shard folders given");
    };
    let f = &first.info;
    let name = |s: &ShardDir| {
        format!(
            "'{}' (shard {}/{})",
            s.dir.display(),
            s.info.shard.k,
            s.info.shard.n
        )
    };
    for s in &shards {
        let i = &s.info;
        let differ = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
            anyhow!(
                "shards are not from the same run: {what} is {b} in {} but {a} in {}",
                name(s),
                name(&first)
            )
        };
        if i.ddrsim_version != version {
            bail!(
                "{} was written by ddrsim {}, this is ddrsim {version}: merge with the version \
                 that ran the shards",
                name(s),
                i.ddrsim_version
            );
        }
        if i.format_version != f.format_version {
            return Err(differ(
                "the format version",
                &f.format_version,
                &i.format_version,
            ));
        }
        if i.scenario_sha256 != f.scenario_sha256 {
            return Err(differ(
                "the scenario (SHA-256)",
                &f.scenario_sha256,
                &i.scenario_sha256,
            ));
        }
        if i.overrides != f.overrides {
            return Err(differ(
                "the --set overrides",
                &f.overrides.join(" "),
                &i.overrides.join(" "),
            ));
        }
        if i.seed != f.seed {
            return Err(differ("the seed", &f.seed, &i.seed));
        }
        if i.total_replicates != f.total_replicates {
            return Err(differ(
                "the number of replicates",
                &f.total_replicates,
                &i.total_replicates,
            ));
        }
        if i.shard.n != f.shard.n {
            return Err(differ("the number of shards", &f.shard.n, &i.shard.n));
        }
        if i.channels != f.channels {
            return Err(differ(
                "whether the channel decomposition ran",
                &f.channels,
                &i.channels,
            ));
        }
        let (lo, hi) = i.shard.range(i.total_replicates);
        if (i.first_replicate, i.replicates) != (lo, hi - lo) {
            bail!(
                "{}: replicates {}..{} do not match shard {}/{} of {} (expected {lo}..{hi})",
                name(s),
                i.first_replicate,
                i.first_replicate + i.replicates,
                i.shard.k,
                i.shard.n,
                i.total_replicates
            );
        }
    }
    shards.sort_by_key(|s| s.info.shard.k);
    for w in shards.windows(2) {
        if let [a, b] = w {
            if a.info.shard.k == b.info.shard.k {
                bail!(
                    "shard {}/{} is given twice: '{}' and '{}'; give each shard once",
                    a.info.shard.k,
                    a.info.shard.n,
                    a.dir.display(),
                    b.dir.display()
                );
            }
        }
    }
    let n = f.shard.n;
    let missing: Vec<String> = (1..=n)
        .filter(|k| !shards.iter().any(|s| s.info.shard.k == *k))
        .map(|k| {
            let (lo, hi) = ShardSpec { k, n }.range(f.total_replicates);
            format!("{k}/{n} (replicates {lo} to {})", hi.saturating_sub(1))
        })
        .collect();
    if !missing.is_empty() {
        bail!(
            "incomplete set: {} of {n} shards given; missing shard{} {}",
            shards.len(),
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        );
    }
    Ok(shards)
}

/// Appends the rows of a shard's replicate file (plain or gzip) to `out`,
/// with its header line only if `with_header`.
pub fn copy_rows(path: &Path, out: &mut impl Write, with_header: bool) -> Result<()> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut r: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    let mut buf = vec![0u8; 1 << 16];
    let mut in_header = !with_header;
    loop {
        let n = r
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        // Cannot fail: `Read::read` returns at most `buf.len()`.
        #[allow(clippy::indexing_slicing)]
        let mut chunk = &buf[..n];
        if in_header {
            match chunk.iter().position(|&b| b == b'\n') {
                Some(p) => {
                    // `p` is a position in `chunk`, so `p + 1 <= chunk.len()`.
                    chunk = chunk.get(p + 1..).unwrap_or_default();
                    in_header = false;
                }
                None => continue,
            }
        }
        out.write_all(chunk)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_ranges_cover_every_replicate_once() {
        for total in [1u64, 7, 1000, 1001] {
            for n in 1..=9u64 {
                let mut next = 0;
                for k in 1..=n {
                    let (lo, hi) = ShardSpec { k, n }.range(total);
                    assert_eq!(lo, next);
                    next = hi;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn shard_spec_parses_k_of_n_only() {
        assert_eq!(ShardSpec::parse("3/8").unwrap(), ShardSpec { k: 3, n: 8 });
        for bad in ["0/4", "5/4", "4", "a/b", "1/0", ""] {
            assert!(ShardSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
