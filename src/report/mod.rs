//! The self-contained HTML report of a run, for a reader who never opens a
//! CSV: the question, the scenario in plain words, a headline comparison
//! table, every chart (inlined SVG) with a one-sentence reading generated
//! from the numbers, the assumptions that matter most, and the manifest.
//!
//! [`write_report`] reads the output folder (CSVs, `charts/*.svg`,
//! `manifest.json`, `scenario.toml`) and never re-simulates. It does not draw
//! charts: run [`crate::plot::render_charts`] first (the `run` command does).
//! The file has inline CSS only: no script, font or other resource is loaded.
//! Every text taken from data is escaped ([`html::esc`]).

pub mod answer;
pub mod channels;
pub mod claim;
pub mod explorer;
pub mod html;
pub mod readings;
pub mod scenario_text;
pub mod sensitivity;
mod tables;

use crate::plot::data::OutputData;
use crate::plot::{names, NOTES_FILE};
use anyhow::{Context, Result};
use html::{esc, inline_svg, CSS};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The question the model exists to answer (MODEL.md).
pub const QUESTION: &str =
    "Does paying for reintegration from the assessed budget for a limited time change DDR outcomes?";

/// Section headings, in order (tests check they are present).
pub const SECTIONS: [(&str, &str); 8] = [
    ("question", "The question"),
    ("scenario", "The scenario in plain words"),
    ("headline", "Headline comparison"),
    ("why", "Why the policies work"),
    ("charts", "Charts"),
    ("money", "Money in and out"),
    ("assumptions", "Assumptions that matter most"),
    ("run", "About this run"),
];

/// Reads `out_dir` and writes `out_dir/report.html`; returns its path.
pub fn write_report(out_dir: &Path) -> Result<PathBuf> {
    let data = OutputData::load(out_dir)
        .with_context(|| format!("cannot read the outputs in {}", out_dir.display()))?;
    let scenario_path = out_dir.join("scenario.toml");
    let scenario = match std::fs::read_to_string(&scenario_path) {
        Ok(text) => crate::scenario::parse_and_validate(&text).map_err(|e| format!("{e}")),
        Err(e) => Err(format!("cannot read {}: {e}", scenario_path.display())),
    };
    let html = build(out_dir, &data, scenario.as_ref().map_err(|e| e.as_str()));
    let path = out_dir.join("report.html");
    let tmp = out_dir.join(".report.html.tmp");
    std::fs::write(&tmp, html).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path)
        .with_context(|| format!("cannot move {} to {}", tmp.display(), path.display()))?;
    Ok(path)
}

fn build(
    out_dir: &Path,
    data: &OutputData,
    scenario: std::result::Result<&crate::scenario::Scenario, &str>,
) -> String {
    let m = data.manifest.clone().unwrap_or_default();
    let name = m
        .scenario
        .clone()
        .or_else(|| scenario.ok().map(|s| s.name.clone()))
        .unwrap_or_else(|| "unnamed".into());
    let base = data.baseline().unwrap_or_else(|| "baseline".into());
    let policies = data.policies();
    let mut h = String::with_capacity(1 << 16);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>ddrsim report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(&name)
    );
    h.push_str(&answer::first_page(out_dir, data, QUESTION));
    let reps = m
        .replicates
        .map(|r| crate::plot::style::thousands(r as f64, 0));
    let _ = writeln!(
        h,
        "<p class=\"lead appendix-start\">Appendices to the answer for scenario <strong>{}</strong>: {} compared with <strong>{}</strong>{}.</p>",
        esc(&name),
        esc(&crate::plot::style::count(policies.len() as f64, "policy", "policies")),
        esc(&base),
        reps.map(|r| format!(", {} simulated replicates each", esc(&r))).unwrap_or_default()
    );
    h.push_str("<nav aria-label=\"Contents\"><ol>");
    for (id, title) in SECTIONS {
        let _ = write!(h, "<li><a href=\"#{id}\">{}</a></li>", esc(title));
    }
    h.push_str("</ol></nav>\n");

    // The question and key findings.
    section_start(&mut h, 0);
    let _ = writeln!(
        h,
        "<p>Under United Nations rules the assessed (mandatory) peacekeeping budget pays for disarmament, demobilisation and reinsertion, \
         but reintegration (training, jobs, support back in a community) waits for voluntary donor money, which arrives late and not always in full. \
         Meanwhile demobilised people wait, and some return to armed groups. This report compares what happens to the same simulated people \
         under different funding rules: <strong>{}</strong> is the current rule, and each other policy changes only the rules, never the random draws, \
         so every difference below is a paired comparison.</p>",
        esc(&base)
    );
    let findings = readings::key_findings(data);
    if !findings.is_empty() {
        h.push_str("<h3>Key findings</h3>\n<ul>\n");
        for f in findings {
            let _ = writeln!(h, "<li>{}</li>", esc(&f));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("<p class=\"note\">These are results of a model, not of observed programmes: they show what follows from the scenario's assumptions (listed under <a href=\"#assumptions\">Assumptions</a>).</p>\n");
    h.push_str("</section>\n");

    // Scenario.
    section_start(&mut h, 1);
    match scenario {
        Ok(sc) => h.push_str(&scenario_text::section(sc)),
        Err(e) => {
            let _ = writeln!(h, "<p class=\"missing\">The scenario file could not be read, so this section is left out: {}</p>", esc(e));
        }
    }
    h.push_str("</section>\n");

    // Headline table.
    section_start(&mut h, 2);
    h.push_str(&tables::headline(data));
    h.push_str(&tables::cost_effectiveness(data));
    h.push_str("</section>\n");

    // Why: the channel decomposition.
    section_start(&mut h, 3);
    h.push_str(&why(data));
    h.push_str("</section>\n");

    // Charts.
    section_start(&mut h, 4);
    h.push_str(&charts(out_dir, data));
    h.push_str("</section>\n");

    // Money.
    section_start(&mut h, 5);
    h.push_str(&tables::money(data));
    h.push_str("</section>\n");

    // Assumptions.
    section_start(&mut h, 6);
    h.push_str(&tables::assumptions(data, scenario.ok()));
    h.push_str("</section>\n");

    // Manifest.
    section_start(&mut h, 7);
    h.push_str(&tables::manifest(&m, data.manifest.is_some()));
    h.push_str("</section>\n");

    let _ = writeln!(
        h,
        "<p class=\"note\">Written by ddrsim {} from the files in this folder; no part of this page loads anything from elsewhere.</p>",
        esc(env!("CARGO_PKG_VERSION"))
    );
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

/// The "why" section: sentences generated from channels.csv, per policy,
/// for re-recruitment, completions and relapse.
fn why(data: &OutputData) -> String {
    let mut h = String::new();
    let Some(rows) = &data.channels else {
        h.push_str(
            "<p class=\"missing\">The channel decomposition was not run for this folder (channels.csv is absent): \
             run <code>ddrsim run --channels on</code> to compute why each policy changes outcomes.</p>\n",
        );
        return h;
    };
    h.push_str(
        "<p>Reintegration money can change re-recruitment and relapse only through named channels (docs/model.md, \"Channels\"). \
         Each policy was re-run on the same random numbers with channels switched off by copying the replicate's drawn values, \
         and every sentence below is computed from those runs (channels.csv). Intervals are 95% intervals of the mean.</p>\n",
    );
    let base = data.baseline().unwrap_or_default();
    for p in data.policies().iter().filter(|p| **p != base) {
        let _ = writeln!(h, "<h3>{}</h3>", esc(p));
        for (metric, label) in crate::stats::channels::CHANNEL_METRICS {
            let lines = channels::explain(rows, p, metric, label);
            if lines.is_empty() {
                continue;
            }
            let _ = writeln!(
                h,
                "<p><strong>{}.</strong> {}</p>",
                esc(&upper_first(label)),
                esc(&lines.join(" "))
            );
        }
    }
    h
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn section_start(h: &mut String, i: usize) {
    let (id, title) = SECTIONS[i];
    let _ = writeln!(h, "<section id=\"{id}\">\n<h2>{}</h2>", esc(title));
}

/// One figure: the inlined SVG (or a note why it is missing) and its reading.
fn figure(out_dir: &Path, stem: &str, label: &str, reading: &str) -> String {
    let path = out_dir.join("charts").join(format!("{stem}.svg"));
    let body = match std::fs::read_to_string(&path) {
        Ok(svg) => match inline_svg(&svg, label) {
            Ok(s) => s,
            Err(e) => format!("<p class=\"missing\">Chart {} not shown: {}</p>", esc(stem), esc(&e)),
        },
        Err(_) => format!(
            "<p class=\"missing\">Chart <code>charts/{}.svg</code> is not in this folder (see the notes below, or draw the charts with <code>ddrsim plot</code>).</p>",
            esc(stem)
        ),
    };
    format!(
        "<figure>\n{body}\n<figcaption>{}</figcaption>\n</figure>\n",
        esc(reading)
    )
}

fn charts(out_dir: &Path, data: &OutputData) -> String {
    let mut h = String::new();
    h.push_str(
        "<p>Shaded bands in the charts show where 50% or 90% of simulated outcomes fall: the spread of what can happen, \
         not the uncertainty of an average. Intervals around differences are 95% intervals of the mean paired difference.</p>\n",
    );
    let policies = data.policies();
    h.push_str("<h3>Waiting list and people in courses</h3>\n");
    for p in &policies {
        h.push_str(&figure(
            out_dir,
            &names::fan(p),
            &format!("Fan chart for {p}"),
            &readings::fan(data, p),
        ));
    }
    h.push_str("<h3>Reintegration money and the monthly funding gap</h3>\n");
    for p in &policies {
        h.push_str(&figure(
            out_dir,
            &names::funding(p),
            &format!("Funding chart for {p}"),
            &readings::funding(data, p),
        ));
    }
    h.push_str("<h3>Policy comparison</h3>\n");
    h.push_str(&figure(
        out_dir,
        names::FOREST,
        "Paired differences from the baseline",
        &readings::forest(data),
    ));
    h.push_str("<h3>Unfunded backlog and re-recruitment</h3>\n");
    h.push_str(&figure(
        out_dir,
        names::GAP_SCATTER,
        "Peak unfunded backlog against re-recruitment by replicate",
        &readings::gap_scatter(data),
    ));
    h.push_str("<h3>Where people are over time</h3>\n");
    for p in &policies {
        h.push_str(&figure(
            out_dir,
            &names::stage_flow(p),
            &format!("Stage flow for {p}"),
            &readings::stage_flow(data, p),
        ));
    }
    h.push_str("<h3>Completion by group</h3>\n");
    h.push_str(&figure(
        out_dir,
        names::EQUITY,
        "Share completing reintegration by group",
        &readings::equity(data),
    ));
    if let Ok(notes) = std::fs::read_to_string(out_dir.join("charts").join(NOTES_FILE)) {
        let lines: Vec<&str> = notes.lines().filter(|l| !l.trim().is_empty()).collect();
        if !lines.is_empty() {
            h.push_str(
                "<p class=\"note\">Notes from drawing the charts:</p>\n<ul class=\"note\">\n",
            );
            for l in lines {
                let _ = writeln!(h, "<li>{}</li>", esc(l));
            }
            h.push_str("</ul>\n");
        }
    }
    h
}
