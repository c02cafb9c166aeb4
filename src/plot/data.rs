//! Reading a run's output folder back: `manifest.json`, `summary.csv`,
//! `comparison.csv`, `timeseries.csv` and the columns of `replicates.csv`
//! that charts and the report need (the contract is in docs/outputs.md and
//! docs/charts.md).
//!
//! Columns are found by header name, so their order may change. An empty
//! cell, `NaN` or an infinite value is a missing value (`None`); a cell that
//! is not a number at all is an error naming the file, line and column.
//! Nothing here panics on odd data: a file with only a header loads as empty.

#![deny(clippy::indexing_slicing)]

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::Path;

/// The fields of `manifest.json` that charts and the report use. Every field
/// is optional so an older or partial manifest still loads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Manifest {
    /// ddrsim version that wrote the folder.
    pub ddrsim_version: Option<String>,
    /// Output format version.
    pub format_version: Option<u64>,
    /// Scenario name.
    pub scenario: Option<String>,
    /// SHA-256 of `scenario.toml`.
    pub scenario_sha256: Option<String>,
    /// Master seed.
    pub seed: Option<u64>,
    /// Replicates per policy.
    pub replicates: Option<u64>,
    /// Policy ids, baseline first.
    pub policies: Vec<String>,
    /// Baseline policy id.
    pub baseline: Option<String>,
    /// Worker threads.
    pub threads: Option<u64>,
    /// Random number generator description.
    pub rng: Option<String>,
    /// Command line of the run.
    pub command_line: Option<String>,
    /// Wall-clock seconds of the run.
    pub wall_seconds: Option<f64>,
    /// Calendar month of model month 1, `YYYY-MM`.
    pub start: Option<String>,
    /// Horizon in months.
    pub horizon_months: Option<u32>,
    /// Caseload groups with labels.
    pub groups: Vec<GroupLabel>,
}

/// A group id and its label.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GroupLabel {
    /// Group id as used in the CSVs.
    pub id: String,
    /// Label for people.
    pub label: String,
}

/// The distribution of one metric over replicates (a `summary.csv` row).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    /// Replicates with a defined value.
    pub n: Option<f64>,
    /// Mean.
    pub mean: Option<f64>,
    /// Standard deviation.
    pub sd: Option<f64>,
    /// Monte Carlo standard error of the mean.
    pub mcse: Option<f64>,
    /// 5th percentile.
    pub p05: Option<f64>,
    /// 25th percentile.
    pub p25: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 75th percentile.
    pub p75: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
}

impl Stats {
    /// The 95% interval of the mean, mean +- 1.96 MCSE, when both are defined.
    pub fn mean_ci(&self) -> Option<(f64, f64)> {
        let (m, s) = (self.mean?, self.mcse?);
        Some((m - 1.96 * s, m + 1.96 * s))
    }
}

/// A paired difference policy minus baseline (a `comparison.csv` row).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Diff {
    /// Mean paired difference.
    pub mean_diff: Option<f64>,
    /// Its Monte Carlo standard error.
    pub mcse: Option<f64>,
    /// Lower end of the 95% interval.
    pub ci_low: Option<f64>,
    /// Upper end of the 95% interval.
    pub ci_high: Option<f64>,
    /// Share of replicates where the policy does strictly better.
    pub p_better: Option<f64>,
    /// Share of replicates where the policy does strictly worse (absent in older files).
    pub p_worse: Option<f64>,
    /// Share of replicates that tie exactly (absent in older files).
    pub p_tie: Option<f64>,
    /// 5th, 50th and 95th percentiles of the per-replicate difference: the
    /// spread of the effect (absent in older files).
    pub spread: [Option<f64>; 3],
}

impl Diff {
    /// The badge rule of docs/outputs.md: `Some(true)` ("better") where the
    /// 95% interval of the mean excludes 0 and P(better) - P(worse) >= 0.2,
    /// `Some(false)` ("worse") symmetrically, `None` otherwise.
    pub fn badge(&self) -> Option<bool> {
        let (lo, hi) = (self.ci_low?, self.ci_high?);
        let (b, w) = (self.p_better?, self.p_worse?);
        let excludes = lo > 0.0 || hi < 0.0;
        if excludes && b - w >= crate::output::tables::BADGE_MARGIN {
            Some(true)
        } else if excludes && w - b >= crate::output::tables::BADGE_MARGIN {
            Some(false)
        } else {
            None
        }
    }
}

/// One month of a time series (a `timeseries.csv` row).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Band {
    /// Model month, 1-based.
    pub month: u32,
    /// Mean over replicates.
    pub mean: Option<f64>,
    /// 5th percentile.
    pub p05: Option<f64>,
    /// 25th percentile.
    pub p25: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 75th percentile.
    pub p75: Option<f64>,
    /// 95th percentile.
    pub p95: Option<f64>,
}

/// Key of a row: (policy, group, metric).
pub type Key = (String, String, String);

fn key(p: &str, g: &str, m: &str) -> Key {
    (p.to_string(), g.to_string(), m.to_string())
}

/// `summary.csv`.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    rows: HashMap<Key, Stats>,
    /// Policies in order of first appearance.
    pub policies: Vec<String>,
    /// Groups (other than `all`) in order of first appearance.
    pub groups: Vec<String>,
}

impl Summary {
    /// The row for a policy, group and metric.
    pub fn get(&self, policy: &str, group: &str, metric: &str) -> Option<&Stats> {
        self.rows.get(&key(policy, group, metric))
    }
    /// True when the file had no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// `comparison.csv`.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    rows: HashMap<Key, Diff>,
    /// Policies compared, in order of first appearance.
    pub policies: Vec<String>,
    /// The baseline named in the file (first row).
    pub baseline: Option<String>,
}

impl Comparison {
    /// The paired difference of a policy against the baseline.
    pub fn get(&self, policy: &str, group: &str, metric: &str) -> Option<&Diff> {
        self.rows.get(&key(policy, group, metric))
    }
    /// True when the file had no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// `timeseries.csv`.
#[derive(Debug, Clone, Default)]
pub struct TimeSeries {
    series: HashMap<Key, Vec<Band>>,
    /// Calendar date (`YYYY-MM`) of each month seen.
    pub dates: BTreeMap<u32, String>,
    /// Policies in order of first appearance.
    pub policies: Vec<String>,
}

impl TimeSeries {
    /// One series, sorted by month (empty when absent).
    pub fn get(&self, policy: &str, group: &str, metric: &str) -> &[Band] {
        self.series
            .get(&key(policy, group, metric))
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }
    /// True when the file had no data rows.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }
    /// First and last month present.
    pub fn month_range(&self) -> Option<(u32, u32)> {
        let lo = self
            .series
            .values()
            .filter_map(|v| v.first())
            .map(|b| b.month)
            .min()?;
        let hi = self
            .series
            .values()
            .filter_map(|v| v.last())
            .map(|b| b.month)
            .max()?;
        Some((lo, hi))
    }
    /// The date label of a month: from the file, else `M<month>`.
    pub fn date(&self, month: u32) -> String {
        self.dates
            .get(&month)
            .cloned()
            .unwrap_or_else(|| format!("M{month}"))
    }
}

/// The `replicates.csv` column on the x axis of the backlog-versus-outcome chart.
pub const SCATTER_X: &str = "backlog_peak";

/// One replicate's point for the backlog-versus-outcome chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapPoint {
    /// Replicate number.
    pub replicate: u64,
    /// Peak unfunded backlog (USD, [`SCATTER_X`]).
    pub gap: f64,
    /// People re-recruited.
    pub rerecruited: f64,
}

/// The parts of `replicates.csv` that charts and the report use.
#[derive(Debug, Clone, Default)]
pub struct Replicates {
    /// Every column name in the header.
    pub header: Vec<String>,
    /// Points per policy, in file order; replicates with a missing value are left out.
    pub points: Vec<(String, Vec<GapPoint>)>,
    /// Replicates left out because a value was missing.
    pub missing: u64,
    /// Drawn parameter values (`param.` columns in header order) of the
    /// first policy in the file, by replicate, for at most
    /// [`MAX_PARAM_ROWS`] replicates. Parameters are drawn per replicate,
    /// not per policy, so every policy shares them.
    pub params: Vec<(u64, Vec<Option<f64>>)>,
}

/// Most replicates whose parameter values are kept for sensitivity readings.
pub const MAX_PARAM_ROWS: usize = 20_000;

impl Replicates {
    /// Uncertain-parameter key paths (`param.` columns, prefix removed).
    pub fn param_keys(&self) -> Vec<String> {
        self.header
            .iter()
            .filter_map(|h| h.strip_prefix("param."))
            .map(str::to_string)
            .collect()
    }
}

/// Everything read from an output folder. Each part is `None` when its file
/// is absent; a file that exists but cannot be read is an error.
#[derive(Debug, Clone, Default)]
pub struct OutputData {
    /// `manifest.json`.
    pub manifest: Option<Manifest>,
    /// `summary.csv`.
    pub summary: Option<Summary>,
    /// `comparison.csv`.
    pub comparison: Option<Comparison>,
    /// `timeseries.csv`.
    pub timeseries: Option<TimeSeries>,
    /// `replicates.csv` (selected columns).
    pub replicates: Option<Replicates>,
    /// `channels.csv` (when the channel decomposition ran).
    pub channels: Option<Vec<crate::output::channels::ChannelRow>>,
}

impl OutputData {
    /// Reads every file of the folder that exists.
    pub fn load(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(anyhow!(
                "{} is not a folder (expected a ddrsim output folder)",
                dir.display()
            ));
        }
        let opt = |name: &str| {
            let p = dir.join(name);
            p.is_file().then_some(p)
        };
        Ok(OutputData {
            manifest: opt("manifest.json")
                .map(|p| read_manifest(&p))
                .transpose()?,
            summary: opt("summary.csv").map(|p| read_summary(&p)).transpose()?,
            comparison: opt("comparison.csv")
                .map(|p| read_comparison(&p))
                .transpose()?,
            timeseries: opt("timeseries.csv")
                .map(|p| read_timeseries(&p))
                .transpose()?,
            replicates: opt("replicates.csv")
                .or_else(|| opt("replicates.csv.gz"))
                .map(|p| read_replicates(&p))
                .transpose()?,
            channels: opt("channels.csv")
                .map(|p| -> Result<_> {
                    let f =
                        File::open(&p).with_context(|| format!("cannot open {}", p.display()))?;
                    crate::output::channels::read_channels(f)
                        .with_context(|| format!("cannot read {}", p.display()))
                })
                .transpose()?,
        })
    }

    /// Policies in display order: the manifest's, else those seen in the CSVs.
    pub fn policies(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .manifest
            .as_ref()
            .map(|m| m.policies.clone())
            .unwrap_or_default();
        let seen = [
            self.summary.as_ref().map(|s| s.policies.clone()),
            self.timeseries.as_ref().map(|t| t.policies.clone()),
            self.replicates
                .as_ref()
                .map(|r| r.points.iter().map(|(p, _)| p.clone()).collect()),
        ];
        for list in seen.into_iter().flatten() {
            for p in list {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// The baseline policy: the manifest's, else comparison.csv's, else the first policy.
    pub fn baseline(&self) -> Option<String> {
        self.manifest
            .as_ref()
            .and_then(|m| m.baseline.clone())
            .or_else(|| self.comparison.as_ref().and_then(|c| c.baseline.clone()))
            .or_else(|| self.policies().into_iter().next())
    }

    /// Group ids (without `all`): the manifest's, else summary.csv's.
    pub fn groups(&self) -> Vec<String> {
        match &self.manifest {
            Some(m) if !m.groups.is_empty() => m.groups.iter().map(|g| g.id.clone()).collect(),
            _ => self
                .summary
                .as_ref()
                .map(|s| s.groups.clone())
                .unwrap_or_default(),
        }
    }

    /// A group's label for people (its id when the manifest has none).
    pub fn group_label(&self, id: &str) -> String {
        self.manifest
            .as_ref()
            .and_then(|m| m.groups.iter().find(|g| g.id == id))
            .map(|g| g.label.clone())
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| id.to_string())
    }
}

/// Parses one numeric cell: empty, `NaN` and infinities are missing.
pub fn parse_cell(cell: &str) -> std::result::Result<Option<f64>, String> {
    let t = cell.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        Ok(_) => Ok(None),
        Err(_) => Err(format!("\"{t}\" is not a number")),
    }
}

/// A CSV file opened with its header mapped to column positions.
struct Table {
    path: String,
    reader: csv::Reader<Box<dyn std::io::Read>>,
    cols: HashMap<String, usize>,
    header: Vec<String>,
}

impl Table {
    fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let file: Box<dyn std::io::Read> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
                file,
            )))
        } else {
            Box::new(file)
        };
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
        let header: Vec<String> = reader
            .headers()
            .with_context(|| format!("cannot read the header of {}", path.display()))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let cols = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        Ok(Table {
            path: path.display().to_string(),
            reader,
            cols,
            header,
        })
    }

    fn require<const N: usize>(&self, names: &[&str; N]) -> Result<[usize; N]> {
        let mut out = [0; N];
        for (slot, n) in out.iter_mut().zip(names) {
            *slot = self
                .cols
                .get(*n)
                .copied()
                .ok_or_else(|| anyhow!("{}: no column \"{n}\" in the header", self.path))?;
        }
        Ok(out)
    }

    /// Visits each data row; `f` gets the row and its 1-based line number.
    fn rows(&mut self, mut f: impl FnMut(&csv::StringRecord, u64) -> Result<()>) -> Result<()> {
        let mut rec = csv::StringRecord::new();
        let mut line = 1u64;
        loop {
            let more = self
                .reader
                .read_record(&mut rec)
                .with_context(|| format!("{}: cannot read the row after line {line}", self.path))?;
            if !more {
                return Ok(());
            }
            line = rec.position().map(|p| p.line()).unwrap_or(line + 1);
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            f(&rec, line)?;
        }
    }
}

fn text(rec: &csv::StringRecord, i: usize) -> &str {
    rec.get(i).map(str::trim).unwrap_or("")
}

fn num(t: &Table, rec: &csv::StringRecord, i: usize, line: u64) -> Result<Option<f64>> {
    parse_cell(text(rec, i)).map_err(|e| {
        let col = t.header.get(i).map(String::as_str).unwrap_or("?");
        anyhow!("{} line {line}, column {col}: {e}", t.path)
    })
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

/// Reads `manifest.json`.
pub fn read_manifest(path: &Path) -> Result<Manifest> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid manifest", path.display()))
}

/// Reads `summary.csv`.
pub fn read_summary(path: &Path) -> Result<Summary> {
    let mut t = Table::open(path)?;
    let c = t.require(&[
        "policy", "group", "metric", "n", "mean", "sd", "mcse", "p05", "p25", "p50", "p75", "p95",
    ])?;
    let mut s = Summary::default();
    let mut rows = Vec::new();
    t.rows(|rec, line| {
        rows.push((rec.clone(), line));
        Ok(())
    })?;
    for (rec, line) in rows {
        let v = |col: usize| num(&t, &rec, col, line);
        let stats = Stats {
            n: v(c[3])?,
            mean: v(c[4])?,
            sd: v(c[5])?,
            mcse: v(c[6])?,
            p05: v(c[7])?,
            p25: v(c[8])?,
            p50: v(c[9])?,
            p75: v(c[10])?,
            p95: v(c[11])?,
        };
        let (p, g, m) = (text(&rec, c[0]), text(&rec, c[1]), text(&rec, c[2]));
        push_unique(&mut s.policies, p);
        if g != "all" {
            push_unique(&mut s.groups, g);
        }
        s.rows.insert(key(p, g, m), stats);
    }
    Ok(s)
}

/// Reads `comparison.csv`.
pub fn read_comparison(path: &Path) -> Result<Comparison> {
    let mut t = Table::open(path)?;
    let c = t.require(&[
        "policy",
        "baseline",
        "group",
        "metric",
        "mean_diff",
        "mcse",
        "ci_low",
        "ci_high",
        "p_better",
    ])?;
    let mut rows = Vec::new();
    t.rows(|rec, line| {
        rows.push((rec.clone(), line));
        Ok(())
    })?;
    let opt_cols = ["p_worse", "p_tie", "p05", "p50", "p95"].map(|n| t.cols.get(n).copied());
    let mut out = Comparison::default();
    for (rec, line) in rows {
        let v = |col: usize| num(&t, &rec, col, line);
        let o = |col: Option<usize>| col.map_or(Ok(None), |col| num(&t, &rec, col, line));
        let d = Diff {
            mean_diff: v(c[4])?,
            mcse: v(c[5])?,
            ci_low: v(c[6])?,
            ci_high: v(c[7])?,
            p_better: v(c[8])?,
            p_worse: o(opt_cols[0])?,
            p_tie: o(opt_cols[1])?,
            spread: [o(opt_cols[2])?, o(opt_cols[3])?, o(opt_cols[4])?],
        };
        let p = text(&rec, c[0]);
        push_unique(&mut out.policies, p);
        if out.baseline.is_none() && !text(&rec, c[1]).is_empty() {
            out.baseline = Some(text(&rec, c[1]).to_string());
        }
        out.rows
            .insert(key(p, text(&rec, c[2]), text(&rec, c[3])), d);
    }
    Ok(out)
}

/// Reads `timeseries.csv`.
pub fn read_timeseries(path: &Path) -> Result<TimeSeries> {
    let mut t = Table::open(path)?;
    let c = t.require(&[
        "policy", "group", "month", "date", "metric", "mean", "p05", "p25", "p50", "p75", "p95",
    ])?;
    let mut rows = Vec::new();
    t.rows(|rec, line| {
        rows.push((rec.clone(), line));
        Ok(())
    })?;
    let mut ts = TimeSeries::default();
    for (rec, line) in rows {
        let v = |col: usize| num(&t, &rec, col, line);
        let month = match v(c[2])? {
            Some(m) if m >= 0.0 && m.fract() == 0.0 && m <= u32::MAX as f64 => m as u32,
            _ => {
                return Err(anyhow!(
                    "{} line {line}: month \"{}\" is not a whole month number",
                    t.path,
                    text(&rec, c[2])
                ))
            }
        };
        let band = Band {
            month,
            mean: v(c[5])?,
            p05: v(c[6])?,
            p25: v(c[7])?,
            p50: v(c[8])?,
            p75: v(c[9])?,
            p95: v(c[10])?,
        };
        let p = text(&rec, c[0]);
        push_unique(&mut ts.policies, p);
        let date = text(&rec, c[3]);
        if !date.is_empty() {
            ts.dates.entry(month).or_insert_with(|| date.to_string());
        }
        ts.series
            .entry(key(p, text(&rec, c[1]), text(&rec, c[4])))
            .or_default()
            .push(band);
    }
    for v in ts.series.values_mut() {
        v.sort_by_key(|b| b.month);
    }
    Ok(ts)
}

/// Reads the header of `replicates.csv` and, per policy, each replicate's
/// [`SCATTER_X`] and `rerecruited` (streamed: the file may be large).
pub fn read_replicates(path: &Path) -> Result<Replicates> {
    let mut t = Table::open(path)?;
    let c = t.require(&["policy", "replicate"])?;
    let gap = t.cols.get(SCATTER_X).copied();
    let rr = t.cols.get("rerecruited").copied();
    let mut out = Replicates {
        header: t.header.clone(),
        ..Default::default()
    };
    let mut index: HashMap<String, usize> = HashMap::new();
    let path_s = t.path.clone();
    let header = t.header.clone();
    let param_cols: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| h.starts_with("param."))
        .map(|(i, _)| i)
        .collect();
    t.rows(|rec, line| {
        let p = text(rec, c[0]);
        let i = *index.entry(p.to_string()).or_insert_with(|| {
            out.points.push((p.to_string(), Vec::new()));
            out.points.len() - 1
        });
        let cell = |col: Option<usize>| -> Result<Option<f64>> {
            match col {
                None => Ok(None),
                Some(k) => parse_cell(text(rec, k)).map_err(|e| {
                    anyhow!(
                        "{path_s} line {line}, column {}: {e}",
                        header.get(k).map(String::as_str).unwrap_or("?")
                    )
                }),
            }
        };
        let replicate = cell(Some(c[1]))?
            .map(|r| r.max(0.0) as u64)
            .unwrap_or(line.saturating_sub(1));
        if i == 0 && !param_cols.is_empty() && out.params.len() < MAX_PARAM_ROWS {
            let vals = param_cols
                .iter()
                .map(|k| cell(Some(*k)))
                .collect::<Result<Vec<_>>>()?;
            out.params.push((replicate, vals));
        }
        match (cell(gap)?, cell(rr)?) {
            // Cannot fail: `i` comes from `index`, which holds positions in `out.points`.
            #[allow(clippy::indexing_slicing)]
            (Some(g), Some(r)) => out.points[i].1.push(GapPoint {
                replicate,
                gap: g,
                rerecruited: r,
            }),
            _ => out.missing += 1,
        }
        Ok(())
    })?;
    Ok(out)
}
