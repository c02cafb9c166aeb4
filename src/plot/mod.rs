//! Charts drawn from a run's output folder (the CSVs and manifest described
//! in docs/outputs.md); what each chart shows is in docs/charts.md.
//!
//! [`render_charts`] reads the folder, never re-simulates, and writes every
//! chart as a 1200x800 PNG and SVG into `<out_dir>/charts/`. One file per
//! chart kind: [`fan`], [`funding`], [`forest`], [`gap_scatter`],
//! [`stage_flow`], [`equity`]; [`data`] loads the files and [`style`] holds
//! the palette, font and layout helpers.
//!
//! Odd data never panics: a chart whose data is missing or empty is skipped
//! with a note (printed to stderr and written to `charts/notes.txt`), and
//! missing values (empty cells, NaN) are left out of lines and points.

pub mod calibrate;
pub mod claim;
pub mod data;
pub mod discover;
pub mod equity;
pub mod fan;
pub mod forest;
pub mod funding;
pub mod gap_scatter;
pub mod metrics;
pub mod sensitivity;
pub mod stage_flow;
pub mod style;
pub mod sweep;

use anyhow::{anyhow, Context, Result};
use data::OutputData;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use style::Drawn;

/// A chart kind's entry point.
type Renderer = fn(&mut Ctx) -> Result<()>;

/// Name of the notes file listing skipped charts.
pub const NOTES_FILE: &str = "notes.txt";

/// What [`render_all`] produced.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// Files written (PNG and SVG).
    pub files: Vec<PathBuf>,
    /// Charts or panels skipped, with the reason.
    pub notes: Vec<String>,
    /// What each chart drew, in the order the charts were written.
    pub charts: Vec<ChartRecord>,
}

/// What one chart drew, filled in while it draws so tests can check that
/// the legend lists exactly the series drawn. Legend entries are recorded by
/// [`style::legend`]; a series is recorded by the code that draws it, only
/// once at least one of its elements was drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartRecord {
    /// File stem (without `.png` / `.svg`).
    pub stem: String,
    /// Legend entries in legend order.
    pub legend: Vec<String>,
    /// Labels of the series drawn, each once, in drawing order.
    pub series: Vec<String>,
    /// Axis titles, each naming its unit.
    pub axes: Vec<String>,
    /// The replicate count stated on the chart (`None`: unknown, and said so).
    pub replicates: Option<u64>,
    /// Category labels as written under a category axis (lines joined by a
    /// space) and, when labels were abbreviated, the key lines.
    pub categories: Vec<String>,
}

impl ChartRecord {
    /// Records that a series with this label was drawn.
    pub fn drew(&mut self, label: &str) {
        if !self.series.iter().any(|s| s == label) {
            self.series.push(label.to_string());
        }
    }
    /// Records an axis title.
    pub fn axis(&mut self, title: &str) {
        self.axes.push(title.to_string());
    }
}

/// Reads the CSVs in `out_dir` and writes `out_dir/charts/*.png` and `*.svg`.
/// Skipped charts are reported on stderr and in `charts/notes.txt`.
pub fn render_charts(out_dir: &Path) -> Result<Vec<PathBuf>> {
    let r = render_all(out_dir)?;
    for n in &r.notes {
        eprintln!("note: {n}");
    }
    Ok(r.files)
}

/// Like [`render_charts`], returning the notes instead of printing them.
pub fn render_all(out_dir: &Path) -> Result<Rendered> {
    style::ensure_fonts()?;
    let data = OutputData::load(out_dir)
        .with_context(|| format!("cannot read the outputs in {}", out_dir.display()))?;
    let dir = out_dir.join("charts");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let replicates = replicate_count(&data);
    let mut cx = Ctx {
        data: &data,
        dir: &dir,
        out: Rendered::default(),
        replicates,
    };
    let kinds: [(&str, Renderer); 6] = [
        ("fan charts", fan::render),
        ("funding charts", funding::render),
        ("policy comparison", forest::render),
        ("gap vs outcome", gap_scatter::render),
        ("stage flow", stage_flow::render),
        ("group equity", equity::render),
    ];
    let mut failures = Vec::new();
    for (name, f) in kinds {
        match catch_unwind(AssertUnwindSafe(|| f(&mut cx))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("{name} not drawn: {e:#}")),
            Err(_) => failures.push(format!("{name} not drawn: the plotting library panicked")),
        }
    }
    let mut out = cx.out;
    out.notes.extend(failures.iter().cloned());
    let notes_path = dir.join(NOTES_FILE);
    if out.notes.is_empty() {
        if notes_path.exists() {
            std::fs::remove_file(&notes_path)
                .with_context(|| format!("cannot remove {}", notes_path.display()))?;
        }
    } else {
        let text: String = out.notes.iter().map(|n| format!("{n}\n")).collect();
        std::fs::write(&notes_path, text)
            .with_context(|| format!("cannot write {}", notes_path.display()))?;
    }
    if out.files.is_empty() && !failures.is_empty() {
        return Err(anyhow!(
            "no chart could be drawn:\n  {}",
            failures.join("\n  ")
        ));
    }
    Ok(out)
}

/// File stems (without extension) of the charts, for the report.
pub mod names {
    /// A policy id made safe for a file name.
    pub fn safe(id: &str) -> String {
        let s: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if s.is_empty() {
            "policy".into()
        } else {
            s
        }
    }
    /// Fan chart of one policy.
    pub fn fan(policy: &str) -> String {
        format!("fan-{}", safe(policy))
    }
    /// Funding chart of one policy.
    pub fn funding(policy: &str) -> String {
        format!("funding-{}", safe(policy))
    }
    /// Stage-flow chart of one policy.
    pub fn stage_flow(policy: &str) -> String {
        format!("stage-flow-{}", safe(policy))
    }
    /// Forest plot of paired differences.
    pub const FOREST: &str = "policy-comparison";
    /// Gap versus re-recruitment scatter.
    pub const GAP_SCATTER: &str = "gap-vs-rerecruited";
    /// Completion by group.
    pub const EQUITY: &str = "group-equity";
}

/// Replicates per policy: the manifest's, else the largest `n` of a
/// `completed` row (group `all`) in summary.csv.
fn replicate_count(data: &OutputData) -> Option<u64> {
    if let Some(r) = data.manifest.as_ref().and_then(|m| m.replicates) {
        return Some(r);
    }
    let s = data.summary.as_ref()?;
    data.policies()
        .iter()
        .filter_map(|p| s.get(p, "all", "completed").and_then(|x| x.n))
        .fold(None, |a: Option<f64>, n| Some(a.map_or(n, |a| a.max(n))))
        .map(|n| n.round() as u64)
}

/// Shared state while rendering.
pub(crate) struct Ctx<'a> {
    pub data: &'a OutputData,
    pub dir: &'a Path,
    pub out: Rendered,
    /// Replicates per policy, stated on every chart.
    pub replicates: Option<u64>,
}

impl Ctx<'_> {
    /// Records a skipped chart or panel.
    pub fn note(&mut self, msg: impl Into<String>) {
        self.out.notes.push(msg.into());
    }
}

/// A chart that can draw itself on any plotters backend, recording what it
/// drew in `rec`.
pub trait Chart {
    /// Draws the chart on `root`, recording what it drew in `rec`.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        rec: &mut ChartRecord,
    ) -> Result<()>;

    /// Draws `<stem>.png` and `<stem>.svg` ([`save_both`]); returns the files
    /// and what the PNG drew.
    fn save(&self, stem: &Path) -> Result<(Vec<PathBuf>, ChartRecord)>
    where
        Self: Sized,
    {
        save_both(stem, self)
    }
}

/// Draws `chart` to `<stem>.png` and `<stem>.svg` (fonts registered first);
/// returns both files and the record of what the PNG drew.
pub(crate) fn save_both<C: Chart>(stem: &Path, chart: &C) -> Result<(Vec<PathBuf>, ChartRecord)> {
    style::ensure_fonts()?;
    let name = stem
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    let mut rec = ChartRecord {
        stem: name.clone(),
        ..Default::default()
    };
    {
        let root = BitMapBackend::new(&png, style::SIZE).into_drawing_area();
        root.fill(&WHITE).drawn()?;
        chart
            .draw(&root, &mut rec)
            .with_context(|| format!("{name}.png"))?;
        root.present()
            .drawn()
            .with_context(|| format!("cannot write {}", png.display()))?;
    }
    {
        let root = SVGBackend::new(&svg, style::SIZE).into_drawing_area();
        root.fill(&WHITE).drawn()?;
        // The SVG draws the same things; its record is not kept twice.
        let mut again = ChartRecord::default();
        chart
            .draw(&root, &mut again)
            .with_context(|| format!("{name}.svg"))?;
        root.present()
            .drawn()
            .with_context(|| format!("cannot write {}", svg.display()))?;
    }
    Ok((vec![png, svg], rec))
}

/// Draws `chart` to `<dir>/<stem>.png` and `.svg` and records both files.
pub(crate) fn save_chart<C: Chart>(cx: &mut Ctx, stem: &str, chart: &C) -> Result<()> {
    let (files, rec) = save_both(&cx.dir.join(stem), chart)?;
    cx.out.files.extend(files);
    cx.out.charts.push(rec);
    Ok(())
}
