//! Experiment designs and per-point results for `ddrsim sweep`: full grids
//! (`--grid key=a,b,c`, `--grid key=lo..hi:n`), Latin hypercubes
//! (`--lhs N --vary key=lo..hi`, or `--lhs N` over the scenario's own
//! uncertain parameters) and the rows of `sweep.csv` for one point.
//! No I/O: the command reads and writes files.

pub mod claim;
pub mod discover;
pub mod factors;
pub mod morris;
pub mod prim;
pub mod sensitivity;
pub mod sobol;

use crate::engine::rng::StreamRng;
use crate::model::outcome::{outcome_columns, Column};
use crate::output::tables::{pair_stats, stats, PairStats, Stats};
use crate::scenario::Scenario;
use crate::stats::accum::RunAccumulator;
use crate::stats::random::{below, unit};

/// The metrics reported for every point: the headline outcomes, then the
/// peak unfunded backlog and the outlay.
pub const SWEEP_METRICS: [&str; 8] = [
    "completed",
    "rerecruited",
    "peak_waiting",
    "mean_wait_months",
    "relapse",
    "cost_per_completed",
    "backlog_peak",
    "outlay",
];

/// The paired-effect columns of `sweep.csv` (non-baseline policies), in order.
pub const EFFECT_COLUMNS: [&str; 9] = [
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "diff_p05",
    "diff_p50",
    "diff_p95",
    "p_better",
    "p_worse",
    "p_tie",
];

/// Largest number of points a design may have.
pub const MAX_POINTS: usize = 100_000;

/// Largest number of levels of one `lo..hi:n` range.
pub const MAX_LEVELS: usize = 10_000;

/// One swept key with its levels (value texts in the scenario file's syntax).
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Key path, as for `--set`.
    pub key: String,
    /// Levels, as texts applied with `--set`.
    pub values: Vec<String>,
    /// Whether every level is a number.
    pub numeric: bool,
}

/// A numeric range `lo..hi` for `--vary`.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// Key path.
    pub key: String,
    /// Low end.
    pub lo: f64,
    /// High end.
    pub hi: f64,
}

/// Formats a level: the shortest text that reads back to the number,
/// after rounding to 12 significant digits (so 0.1 + 0.2 shows as 0.3).
pub fn format_number(x: f64) -> String {
    let r: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    if r == 0.0 {
        "0".to_string()
    } else {
        format!("{r}")
    }
}

/// Formats a number rounded to `digits` significant digits (at least 1).
pub fn format_significant(x: f64, digits: usize) -> String {
    let d = digits.clamp(1, 17) - 1;
    let r: f64 = format!("{x:.d$e}").parse().unwrap_or(x);
    format_number(r)
}

fn split_key<'a>(flag: &str, s: &'a str) -> Result<(&'a str, &'a str), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("{flag} '{s}': no '=': write {flag} key.path=..."))?;
    let key = k.trim();
    if key.is_empty() || key.split('.').any(str::is_empty) {
        return Err(format!("{flag} '{s}': '{key}' is not a key path"));
    }
    let v = v.trim();
    if v.is_empty() {
        return Err(format!("{flag} '{s}': no values after '='"));
    }
    Ok((key, v))
}

fn number(flag: &str, s: &str, t: &str) -> Result<f64, String> {
    let x: f64 = t
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| format!("{flag} '{s}': '{}' is not a number", t.trim()))?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!(
            "{flag} '{s}': '{}' is not a finite number",
            t.trim()
        ))
    }
}

/// Parses `lo..hi` (a finite low end not above the high end).
fn parse_range(flag: &str, s: &str, v: &str) -> Result<(f64, f64), String> {
    let (a, b) = v
        .split_once("..")
        .ok_or_else(|| format!("{flag} '{s}': write a range as lo..hi"))?;
    let lo = number(flag, s, a)?;
    let hi = number(flag, s, b)?;
    if lo > hi {
        return Err(format!(
            "{flag} '{s}': the low end {lo} is above the high end {hi}"
        ));
    }
    Ok((lo, hi))
}

/// Parses one `--grid` value: `key=a,b,c` (numbers or texts) or
/// `key=lo..hi:n` (n evenly spaced numbers from lo to hi, ends included).
pub fn parse_grid(s: &str) -> Result<Factor, String> {
    let flag = "--grid";
    let (key, v) = split_key(flag, s)?;
    let values: Vec<String> = if v.contains("..") && !v.contains(',') {
        let (r, n) = v
            .rsplit_once(':')
            .ok_or_else(|| format!("{flag} '{s}': write a range as lo..hi:n (n levels)"))?;
        let n: usize = n.trim().parse().map_err(|_| {
            format!(
                "{flag} '{s}': the number of levels '{}' is not a whole number",
                n.trim()
            )
        })?;
        if n == 0 || n > MAX_LEVELS {
            return Err(format!(
                "{flag} '{s}': the number of levels must be 1 to {MAX_LEVELS}, not {n}"
            ));
        }
        let (lo, hi) = parse_range(flag, s, r)?;
        if n == 1 && lo != hi {
            return Err(format!(
                "{flag} '{s}': one level of a range {lo}..{hi} is ambiguous: give n >= 2 or one value"
            ));
        }
        (0..n)
            .map(|i| {
                let t = if n == 1 {
                    0.0
                } else {
                    i as f64 / (n - 1) as f64
                };
                format_number(lo * (1.0 - t) + hi * t)
            })
            .collect()
    } else {
        let parts: Vec<String> = v.split(',').map(|p| p.trim().to_string()).collect();
        if parts.iter().any(String::is_empty) {
            return Err(format!("{flag} '{s}': an empty value in the list"));
        }
        parts
    };
    let numeric = values
        .iter()
        .all(|v| v.replace('_', "").parse::<f64>().is_ok());
    let mut seen = std::collections::BTreeSet::new();
    if let Some(d) = values.iter().find(|v| !seen.insert(v.as_str())) {
        return Err(format!("{flag} '{s}': the value {d} is listed twice"));
    }
    Ok(Factor {
        key: key.to_string(),
        values,
        numeric,
    })
}

/// Parses one `--vary` value: `key=lo..hi`.
pub fn parse_vary(s: &str) -> Result<Range, String> {
    let flag = "--vary";
    let (key, v) = split_key(flag, s)?;
    let (lo, hi) = parse_range(flag, s, v)?;
    Ok(Range {
        key: key.to_string(),
        lo,
        hi,
    })
}

impl Range {
    /// The range as a `--set` override making the key uncertain, uniform on
    /// `lo..hi` (how `sensitivity` and `discover` apply `--vary`); refused
    /// when the range is empty.
    pub fn uniform_override(&self) -> Result<crate::scenario::overrides::Override, String> {
        if self.lo.is_nan() || self.hi.is_nan() || self.lo >= self.hi {
            return Err(format!(
                "--vary {}={}..{}: the range is empty: give lo < hi",
                self.key, self.lo, self.hi
            ));
        }
        Ok(crate::scenario::overrides::Override {
            key: self.key.clone(),
            value: format!(
                "{{ dist = \"uniform\", min = {}, max = {} }}",
                format_number(self.lo),
                format_number(self.hi)
            ),
        })
    }
}

/// A design: the swept keys and, per point, one value text per key.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// `grid` or `lhs`.
    pub kind: &'static str,
    /// Swept key paths, in column order.
    pub keys: Vec<String>,
    /// Points in run order; each has one value per key.
    pub points: Vec<Vec<String>>,
}

/// Checks that no key is swept twice.
fn distinct(keys: &[String]) -> Result<(), String> {
    let mut seen = std::collections::BTreeSet::new();
    match keys.iter().find(|k| !seen.insert(k.as_str())) {
        Some(k) => Err(format!("the key {k} is swept twice")),
        None => Ok(()),
    }
}

/// The full grid: the cartesian product of the factors' levels, the last
/// factor varying fastest.
pub fn grid(factors: &[Factor]) -> Result<Design, String> {
    let keys: Vec<String> = factors.iter().map(|f| f.key.clone()).collect();
    distinct(&keys)?;
    let total = factors
        .iter()
        .try_fold(1usize, |acc, f| acc.checked_mul(f.values.len()))
        .filter(|&n| n <= MAX_POINTS)
        .ok_or_else(|| format!("the grid has more than {MAX_POINTS} points"))?;
    let mut points = vec![Vec::new()];
    for f in factors {
        points = points
            .into_iter()
            .flat_map(|p| {
                f.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(v.clone());
                    q
                })
            })
            .collect();
    }
    debug_assert_eq!(points.len(), total);
    Ok(Design {
        kind: "grid",
        keys,
        points,
    })
}

/// A Latin hypercube of `n` points over the ranges, deterministic from
/// `seed`: each range is cut into `n` equal strata, each stratum is used
/// once per key (a random permutation per key), and the value is uniform
/// within its stratum, rounded to 6 significant digits.
pub fn lhs(n: usize, seed: u64, ranges: &[Range]) -> Result<Design, String> {
    if n == 0 || n > MAX_POINTS {
        return Err(format!(
            "--lhs: the number of points must be 1 to {MAX_POINTS}, not {n}"
        ));
    }
    if ranges.is_empty() {
        return Err("--lhs needs at least one --vary key=lo..hi".to_string());
    }
    let keys: Vec<String> = ranges.iter().map(|r| r.key.clone()).collect();
    distinct(&keys)?;
    let mut rng = StreamRng::from_key(seed ^ 0x5357_4545_5021_4c48);
    let mut columns: Vec<Vec<String>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = below(&mut rng, i as u64 + 1) as usize;
            perm.swap(i, j);
        }
        let col = perm
            .iter()
            .map(|&stratum| {
                let t = (stratum as f64 + unit(&mut rng)) / n as f64;
                format_significant(r.lo + (r.hi - r.lo) * t, 6)
            })
            .collect();
        columns.push(col);
    }
    let points = (0..n)
        .map(|i| {
            columns
                .iter()
                .map(|c| c.get(i).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    Ok(Design {
        kind: "lhs",
        keys,
        points,
    })
}

/// A Latin hypercube of `n` points over the scenario's own uncertain
/// parameters ([`factors::factors`]; a shared draw is one key, `shared.NAME`):
/// [`lhs`] over `[0, 1]` per parameter, each coordinate mapped to a value by
/// the inverse CDF of the parameter's truncated distribution and rounded to
/// 6 significant digits. The keys are the parameters' `--set` names, so each
/// point fixes every uncertain parameter.
pub fn factor_lhs(sc: &Scenario, n: usize, seed: u64) -> Result<Design, String> {
    let fs = factors::factors(sc);
    if fs.is_empty() {
        return Err("--lhs without --vary samples the scenario's uncertain parameters, and it has none: add --vary key=lo..hi".to_string());
    }
    let unit: Vec<Range> = fs
        .iter()
        .map(|f| Range {
            key: f.name.clone(),
            lo: 0.0,
            hi: 1.0,
        })
        .collect();
    let mut d = lhs(n, seed, &unit)?;
    for p in &mut d.points {
        for (v, f) in p.iter_mut().zip(&fs) {
            let u = v.parse::<f64>().unwrap_or(0.5);
            *v = format_significant(f.at(u), 6);
        }
    }
    Ok(d)
}

/// The points (0-based, ascending) that shard `k` of `n` (1 <= k <= n)
/// runs in a design of `total` points. The points are put in a fixed
/// pseudo-random order (a Fisher-Yates shuffle driven by the SplitMix64 generator of `engine::rng` from a
/// constant key, so the same for every design of `total` points) and dealt
/// out in turn: position `j` of the shuffled order goes to shard
/// `j mod n + 1`. Every point goes to exactly one shard, and each shard gets
/// `floor(total / n)` or `ceil(total / n)` points spread over the whole
/// design, whatever its structure (a plain deal `i mod n` would give one
/// shard every point at one level of the last grid key when its number of
/// levels is a multiple of `n`; contiguous blocks would give one shard the
/// first key's last levels).
pub fn shard_points(total: usize, k: u64, n: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..total).collect();
    let mut rng = StreamRng::from_key(0x5357_4545_5020_5348);
    for i in (1..total).rev() {
        let j = below(&mut rng, i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let n = n.max(1);
    let mut mine: Vec<usize> = order
        .iter()
        .enumerate()
        .filter(|(j, _)| (*j as u64) % n + 1 == k)
        .map(|(_, &p)| p)
        .collect();
    mine.sort_unstable();
    mine
}

/// Rounds a numeric level to a whole number (for integer keys); texts that
/// are not numbers are returned unchanged.
pub fn round_level(v: &str) -> String {
    match v.replace('_', "").parse::<f64>() {
        Ok(x) => format_number(x.round()),
        Err(_) => v.to_string(),
    }
}

/// One row of a point's results: a policy's outcome and, for a non-baseline
/// policy, its paired difference from the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct PointRow {
    /// Policy id.
    pub policy: String,
    /// Metric name.
    pub metric: &'static str,
    /// The policy's outcome.
    pub stats: Stats,
    /// Paired difference vs the baseline (None for the baseline).
    pub diff: Option<PairStats>,
}

/// The outcome column of a total (all groups) metric.
fn total_column(cols: &[Column], metric: &str) -> Option<usize> {
    cols.iter()
        .position(|c| c.group.is_none() && c.metric.name == metric)
}

/// The rows of one point: every policy (in file order) x [`SWEEP_METRICS`].
pub fn point_rows(sc: &Scenario, acc: &RunAccumulator) -> Vec<PointRow> {
    let cols = outcome_columns(sc);
    let mut rows = Vec::new();
    for (p, (pol, pacc)) in sc.policies.iter().zip(&acc.policies).enumerate() {
        for metric in SWEEP_METRICS {
            let Some(ci) = total_column(&cols, metric) else {
                continue;
            };
            let (Some(c), Some(a)) = (cols.get(ci), pacc.outcomes.get(ci)) else {
                continue;
            };
            rows.push(PointRow {
                policy: pol.id.clone(),
                metric,
                stats: stats(a, c.metric.unit),
                diff: (p > 0).then(|| pair_stats(acc, p, ci, c)),
            });
        }
    }
    rows
}
