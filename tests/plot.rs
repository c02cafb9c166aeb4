//! Charts and the HTML report, drawn from the hand-made output folder in
//! tests/fixtures/output-small (see its generate.py), plus odd folders made
//! from it (empty CSVs, one policy, missing values, NaN).
//!
//! Set `DDRSIM_KEEP_TEST_OUTPUT=1` to keep the temporary folders and print
//! their paths (to look at the charts and the report).

#[path = "support/browser.rs"]
mod browser;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/output-small");
const DATA_FILES: [&str; 7] = [
    "manifest.json",
    "scenario.toml",
    "summary.csv",
    "comparison.csv",
    "timeseries.csv",
    "replicates.csv",
    "funding.csv",
];
const POLICIES: [&str; 3] = ["baseline", "kickstart-6m", "bridge"];

/// A fresh temporary copy of the fixture, removed on drop unless kept.
struct TempOut(PathBuf);

impl TempOut {
    fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "ddrsim-plot-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(&dir).expect("create temp dir");
        for f in DATA_FILES {
            fs::copy(Path::new(FIXTURE).join(f), dir.join(f)).expect("copy fixture");
        }
        TempOut(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
    fn edit(&self, file: &str, f: impl Fn(&str) -> String) {
        let p = self.0.join(file);
        let text = fs::read_to_string(&p).expect("read");
        fs::write(&p, f(&text)).expect("write");
    }
}

impl Drop for TempOut {
    fn drop(&mut self) {
        if std::env::var_os("DDRSIM_KEEP_TEST_OUTPUT").is_some() {
            eprintln!("kept test output: {}", self.0.display());
        } else {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

fn png_size(path: &Path) -> (u32, u32) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        bytes.len() > 24,
        "{} is too short for a PNG",
        path.display()
    );
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} lacks the PNG signature",
        path.display()
    );
    assert_eq!(
        &bytes[12..16],
        b"IHDR",
        "{} lacks an IHDR chunk",
        path.display()
    );
    let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    (w, h)
}

fn check_png(path: &Path) {
    assert_eq!(png_size(path), (1200, 800), "{}", path.display());
    let len = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    assert!(
        len > 10_000,
        "{} is suspiciously small ({len} bytes)",
        path.display()
    );
}

fn check_svg(path: &Path, title: &str) {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let head = text.trim_start();
    assert!(
        head.starts_with("<svg") || head.starts_with("<?xml"),
        "{} does not start like an SVG",
        path.display()
    );
    assert!(
        text.trim_end().ends_with("</svg>"),
        "{} is not closed",
        path.display()
    );
    assert!(
        text.contains(title),
        "{} lacks its title {title:?}",
        path.display()
    );
}

fn check_chart(dir: &Path, stem: &str, title: &str) {
    check_png(&dir.join("charts").join(format!("{stem}.png")));
    check_svg(&dir.join("charts").join(format!("{stem}.svg")), title);
}

#[test]
fn every_chart_renders_from_the_fixture() {
    let out = TempOut::new("all");
    let files = ddrsim::plot::render_charts(out.path()).expect("render charts");
    // 3 policies x (fan, funding, stage flow) + forest + scatter + equity, each PNG + SVG.
    assert_eq!(files.len(), (3 * 3 + 3) * 2, "{files:?}");
    for f in &files {
        assert!(f.starts_with(out.path().join("charts")), "{}", f.display());
        assert!(f.is_file(), "{}", f.display());
    }
    for p in POLICIES {
        check_chart(
            out.path(),
            &format!("fan-{p}"),
            &format!("Waiting list and reintegration courses: {p}"),
        );
        check_chart(
            out.path(),
            &format!("funding-{p}"),
            &format!("Reintegration money by source against demand: {p}"),
        );
        check_chart(
            out.path(),
            &format!("stage-flow-{p}"),
            &format!("Where people are, month by month: {p}"),
        );
    }
    check_chart(
        out.path(),
        "policy-comparison",
        "Each policy compared with baseline: paired differences",
    );
    check_chart(
        out.path(),
        "gap-vs-rerecruited",
        "Peak unfunded backlog and re-recruitment, replicate by replicate",
    );
    check_chart(
        out.path(),
        "group-equity",
        "Share of each group that completed reintegration, by policy",
    );
    // Calendar dates on time axes.
    let fan = fs::read_to_string(out.path().join("charts/fan-baseline.svg")).expect("read");
    assert!(
        fan.contains("2025-07") && fan.contains("2026-01"),
        "fan chart lacks calendar month labels"
    );
    assert!(
        !out.path().join("charts/notes.txt").exists(),
        "no chart should be skipped on the fixture"
    );
}

#[test]
fn single_policy_skips_the_comparison_with_a_note() {
    let out = TempOut::new("single");
    for f in [
        "summary.csv",
        "timeseries.csv",
        "replicates.csv",
        "funding.csv",
    ] {
        out.edit(f, |t| {
            t.lines()
                .filter(|l| !l.starts_with("kickstart-6m,") && !l.starts_with("bridge,"))
                .map(|l| format!("{l}\n"))
                .collect()
        });
    }
    out.edit("comparison.csv", |t| {
        t.lines().take(1).map(|l| format!("{l}\n")).collect()
    });
    out.edit("manifest.json", |t| {
        let mut m: serde_json::Value = serde_json::from_str(t).expect("manifest json");
        m["policies"] = serde_json::json!(["baseline"]);
        serde_json::to_string_pretty(&m).expect("json")
    });
    let r = ddrsim::plot::render_all(out.path()).expect("render");
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("policy comparison skipped")),
        "{:?}",
        r.notes
    );
    check_chart(
        out.path(),
        "fan-baseline",
        "Waiting list and reintegration courses: baseline",
    );
    check_chart(out.path(), "group-equity", "Share of each group");
    let notes = fs::read_to_string(out.path().join("charts/notes.txt")).expect("notes.txt");
    assert!(notes.contains("policy comparison skipped"));
    let html = fs::read_to_string(ddrsim::report::write_report(out.path()).expect("report"))
        .expect("read report");
    assert!(html.contains("id=\"headline-table\""));
}

#[test]
fn header_only_csvs_do_not_panic() {
    let out = TempOut::new("empty");
    for f in [
        "summary.csv",
        "comparison.csv",
        "timeseries.csv",
        "replicates.csv",
        "funding.csv",
    ] {
        out.edit(f, |t| t.lines().take(1).map(|l| format!("{l}\n")).collect());
    }
    // Every chart is skipped, so render_charts reports that nothing could be drawn.
    match ddrsim::plot::render_all(out.path()) {
        Ok(r) => {
            assert!(r.files.is_empty(), "{:?}", r.files);
            assert!(r.notes.len() >= 6, "{:?}", r.notes);
        }
        Err(e) => panic!("header-only CSVs should give notes, not an error: {e:#}"),
    }
    let html = fs::read_to_string(ddrsim::report::write_report(out.path()).expect("report"))
        .expect("read report");
    assert!(html.contains("id=\"headline-table\""));
}

#[test]
fn missing_cells_and_nan_are_skipped() {
    let out = TempOut::new("nan");
    // Blank some cells and write NaN in others, in every file.
    let blank_every = |t: &str, k: usize, word: &str| -> String {
        t.lines()
            .enumerate()
            .map(|(i, l)| {
                if i > 0 && i % k == 0 {
                    let mut cells: Vec<&str> = l.split(',').collect();
                    let n = cells.len();
                    if n > 5 {
                        cells[n - 2] = word;
                        cells[n - 4] = "";
                    }
                    format!("{}\n", cells.join(","))
                } else {
                    format!("{l}\n")
                }
            })
            .collect()
    };
    out.edit("summary.csv", |t| blank_every(t, 3, "NaN"));
    out.edit("comparison.csv", |t| blank_every(t, 2, "nan"));
    out.edit("timeseries.csv", |t| blank_every(t, 4, "NaN"));
    out.edit("replicates.csv", |t| blank_every(t, 5, ""));
    let r = ddrsim::plot::render_all(out.path()).expect("render");
    assert!(!r.files.is_empty());
    let path = ddrsim::report::write_report(out.path()).expect("report");
    assert!(fs::read_to_string(path)
        .expect("read")
        .contains("headline-table"));
}

#[test]
fn a_bad_number_is_an_error_naming_the_file() {
    let out = TempOut::new("bad");
    out.edit("summary.csv", |t| {
        t.replacen(
            "baseline,all,disarmed,50,",
            "baseline,all,disarmed,fifty,",
            1,
        )
    });
    let err = ddrsim::plot::render_charts(out.path()).expect_err("a non-number must be an error");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("summary.csv") && msg.contains("fifty"),
        "{msg}"
    );
}

#[test]
fn missing_folder_is_an_error() {
    let missing = std::env::temp_dir().join("ddrsim-plot-no-such-folder-7f3a");
    assert!(ddrsim::plot::render_charts(&missing).is_err());
    assert!(ddrsim::report::write_report(&missing).is_err());
}

#[test]
fn gap_scatter_subsamples_deterministically() {
    use ddrsim::plot::data::GapPoint;
    use ddrsim::plot::gap_scatter::{points_per_policy, MAX_POINTS, MAX_TOTAL_POINTS, MIN_POINTS};
    // One or two policies get the per-policy maximum; many share the total.
    assert_eq!(points_per_policy(1), MAX_POINTS);
    assert_eq!(points_per_policy(4), MAX_TOTAL_POINTS / 4);
    assert_eq!(points_per_policy(100), MIN_POINTS);
    for n in 1..=12 {
        assert!(points_per_policy(n) * n <= MAX_TOTAL_POINTS.max(n * MIN_POINTS));
    }
    let pts: Vec<GapPoint> = (0..12_001u64)
        .map(|i| GapPoint {
            replicate: i + 1,
            gap: i as f64,
            rerecruited: (i % 7) as f64,
        })
        .collect();
    let trend = ddrsim::plot::gap_scatter::binned_means(&pts);
    assert_eq!(trend.len(), 12);
    assert!(trend.windows(2).all(|w| w[0].0 < w[1].0));
    // All gaps equal: bins merge into one point instead of a degenerate line.
    let flat: Vec<GapPoint> = (0..100u64)
        .map(|i| GapPoint {
            replicate: i,
            gap: 0.0,
            rerecruited: i as f64,
        })
        .collect();
    assert_eq!(ddrsim::plot::gap_scatter::binned_means(&flat).len(), 1);
}

/// At 100,000 replicates per policy no policy is painted last over the
/// others: in every tenth of the drawing order each policy has its share
/// of dots (to within two dots), so the last-drawn dots belong to all.
#[test]
fn gap_scatter_interleaves_policies_at_100000_replicates() {
    use ddrsim::plot::gap_scatter::{interleave, points_per_policy};
    let policies = 4;
    let reps = 100_000usize;
    let cap = points_per_policy(policies);
    let k = reps.div_ceil(cap);
    let shown = reps.div_ceil(k);
    let lengths = vec![shown, shown, shown - 3, shown / 2];
    let order = interleave(&lengths);
    assert_eq!(order.len(), lengths.iter().sum::<usize>());
    // Every dot exactly once.
    let mut seen: Vec<Vec<bool>> = lengths.iter().map(|n| vec![false; *n]).collect();
    for &(s, i) in &order {
        assert!(!seen[s][i], "dot {s}/{i} twice");
        seen[s][i] = true;
    }
    let total = order.len();
    for tenth in 0..10 {
        let part = &order[tenth * total / 10..(tenth + 1) * total / 10];
        for (s, n) in lengths.iter().enumerate() {
            let got = part.iter().filter(|(p, _)| *p == s).count() as f64;
            let want = *n as f64 * part.len() as f64 / total as f64;
            assert!(
                (got - want).abs() <= 2.0,
                "tenth {tenth}: policy {s} has {got} dots, expected about {want}"
            );
        }
    }
    // Within a policy, dots keep file order.
    for s in 0..lengths.len() {
        let idx: Vec<usize> = order.iter().filter(|(p, _)| *p == s).map(|x| x.1).collect();
        assert!(idx.windows(2).all(|w| w[0] < w[1]));
    }
}

/// The text of every `<text>` element of an SVG written by plotters, unescaped.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|chunk| {
            let start = chunk.find('>')? + 1;
            let end = chunk.find("</text>")?;
            Some(
                chunk[start..end]
                    .trim()
                    .replace("&apos;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

#[test]
fn every_legend_lists_exactly_the_series_drawn() {
    let out = TempOut::new("legend");
    let r = ddrsim::plot::render_all(out.path()).expect("render");
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    assert_eq!(r.charts.len(), 3 * 3 + 3);
    let mut kinds = std::collections::BTreeSet::new();
    for c in &r.charts {
        let kind = ["fan", "funding", "stage-flow"]
            .into_iter()
            .find(|k| c.stem.starts_with(&format!("{k}-")))
            .unwrap_or(&c.stem);
        kinds.insert(kind.to_string());
        let svg = fs::read_to_string(out.path().join("charts").join(format!("{}.svg", c.stem)))
            .expect("svg");
        let texts = svg_texts(&svg);
        // Replicate count and units are on every chart.
        assert_eq!(c.replicates, Some(50), "{}", c.stem);
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("50 simulated replicates per policy.")),
            "{}: no replicate count in {texts:?}",
            c.stem
        );
        assert!(c.axes.len() >= 2, "{}: axes {:?}", c.stem, c.axes);
        for a in &c.axes {
            assert!(texts.contains(a), "{}: axis title {a:?} not drawn", c.stem);
        }
        // The value axis names its unit (a category axis may not).
        let units = ["people", "USD", "%", "percentage points", "months"];
        assert!(
            c.axes.iter().any(|a| units.iter().any(|u| a.contains(u))),
            "{}: no axis names a unit: {:?}",
            c.stem,
            c.axes
        );
        if c.stem == "policy-comparison" {
            // Policies are named on the axis; there is no legend.
            assert!(c.legend.is_empty(), "{:?}", c.legend);
            assert_eq!(c.series, ["kickstart-6m", "bridge"]);
            continue;
        }
        let mut dedup = c.legend.clone();
        dedup.dedup();
        assert_eq!(
            dedup.len(),
            c.legend.len(),
            "{}: repeated legend entry",
            c.stem
        );
        assert_eq!(
            sorted(&c.legend),
            sorted(&c.series),
            "{}: legend {:?} but drew {:?}",
            c.stem,
            c.legend,
            c.series
        );
        for l in &c.legend {
            assert!(
                texts.contains(l),
                "{}: legend entry {l:?} not drawn",
                c.stem
            );
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "fan",
            "funding",
            "gap-vs-rerecruited",
            "group-equity",
            "policy-comparison",
            "stage-flow"
        ]
    );
    // The fixture's baseline pays reintegration from voluntary and national
    // money only; the kick-start policy also from the kick-start.
    let chart = |stem: &str| r.charts.iter().find(|c| c.stem == stem).expect(stem);
    let base = &chart("funding-baseline").legend;
    for absent in [
        "Kick-start (assessed)",
        "Assessed budget",
        "Bridge advances",
    ] {
        assert!(!base.iter().any(|l| l == absent), "{absent} in {base:?}");
    }
    assert!(base.iter().any(|l| l == "Voluntary donors"), "{base:?}");
    assert!(chart("funding-kickstart-6m")
        .legend
        .iter()
        .any(|l| l == "Kick-start (assessed)"));
    assert!(chart("group-equity")
        .legend
        .iter()
        .any(|l| l == ddrsim::plot::equity::SPREAD));
}

#[test]
fn a_series_without_data_leaves_the_legend() {
    let out = TempOut::new("legend-gaps");
    // Blank the 5th and 95th percentiles of the waiting and in-course series:
    // the fan charts then draw no 90% band.
    out.edit("timeseries.csv", |t| {
        let mut lines = t.lines();
        let head = lines.next().expect("header");
        let cols: Vec<&str> = head.split(',').collect();
        let pos = |n: &str| cols.iter().position(|c| *c == n).expect(n);
        let (metric, p05, p95) = (pos("metric"), pos("p05"), pos("p95"));
        let mut s = format!("{head}\n");
        for l in lines {
            let mut cells: Vec<&str> = l.split(',').collect();
            if cells[metric] == "waiting" || cells[metric] == "in_reintegration" {
                cells[p05] = "";
                cells[p95] = "";
            }
            s.push_str(&cells.join(","));
            s.push('\n');
        }
        s
    });
    let r = ddrsim::plot::render_all(out.path()).expect("render");
    let fan = r
        .charts
        .iter()
        .find(|c| c.stem == "fan-baseline")
        .expect("fan");
    assert_eq!(fan.legend, ["Median", "50% band (25th-75th percentile)"]);
    assert_eq!(sorted(&fan.legend), sorted(&fan.series));
}

#[test]
fn long_group_names_wrap_or_get_a_key_never_an_ellipsis() {
    let long = "Women and girls associated with armed forces and armed groups in the eastern and northern provinces";
    let out = TempOut::new("labels");
    out.edit("manifest.json", |t| {
        t.replace("Women associated with armed groups", long)
    });
    let r = ddrsim::plot::render_all(out.path()).expect("render");
    let eq = r
        .charts
        .iter()
        .find(|c| c.stem == "group-equity")
        .expect("equity");
    // Two groups leave room to wrap the name onto two lines.
    assert_eq!(eq.categories, ["Adult men", long], "{:?}", eq.categories);
    let svg = fs::read_to_string(out.path().join("charts/group-equity.svg")).expect("svg");
    let texts = svg_texts(&svg);
    assert!(!texts.iter().any(|t| t.contains('\u{2026}')), "{texts:?}");
    let lines: Vec<&String> = texts
        .iter()
        .filter(|t| t.len() > 3 && long.contains(t.as_str()))
        .collect();
    assert_eq!(
        lines.len(),
        2,
        "the long name should take two lines: {texts:?}"
    );

    // A name too long for two lines: every group gets a code and a key.
    let longer = format!(
        "{long}, including those who served as cooks, porters, messengers, spies, \
                 wives and labourers, and those who left before the ceasefire and never registered"
    );
    let out = TempOut::new("labels-key");
    out.edit("manifest.json", |t| {
        t.replace("Women associated with armed groups", &longer)
    });
    let r = ddrsim::plot::render_all(out.path()).expect("render");
    let eq = r
        .charts
        .iter()
        .find(|c| c.stem == "group-equity")
        .expect("equity");
    assert_eq!(&eq.categories[..2], ["G1", "G2"], "{:?}", eq.categories);
    let key = eq.categories[2..].join(" ");
    assert!(key.contains("G1 = Adult men"), "{key}");
    assert!(key.contains(&format!("G2 = {longer}")), "{key}");
    let svg = fs::read_to_string(out.path().join("charts/group-equity.svg")).expect("svg");
    assert!(!svg_texts(&svg).iter().any(|t| t.contains('\u{2026}')));
}

#[test]
fn numbers_have_thousands_separators() {
    use ddrsim::plot::style::{thousands, usd};
    assert_eq!(thousands(1234567.0, 0), "1,234,567");
    assert_eq!(thousands(-1234.5, 1), "-1,234.5");
    assert_eq!(thousands(-0.004, 2), "0.00");
    assert_eq!(thousands(999.0, 0), "999");
    assert_eq!(usd(2_500_000.0), "USD 2.5 million");
    assert_eq!(usd(12_000_000.0), "USD 12 million");
    assert_eq!(usd(1_234_567.0), "USD 1.2 million");
    assert_eq!(usd(54_350_000.0), "USD 54.4 million");
    assert_eq!(usd(45_600.0), "USD 45,600");
}

fn render_report(out: &TempOut) -> (PathBuf, String) {
    ddrsim::plot::render_charts(out.path()).expect("render charts");
    let path = ddrsim::report::write_report(out.path()).expect("write report");
    assert_eq!(path, out.path().join("report.html"));
    let html = fs::read_to_string(&path).expect("read report");
    (path, html)
}

#[test]
fn report_has_its_sections_and_no_external_resources() {
    let out = TempOut::new("report");
    let (_, html) = render_report(&out);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(ddrsim::report::QUESTION));
    for (id, title) in ddrsim::report::SECTIONS {
        assert!(
            html.contains(&format!("<section id=\"{id}\">\n<h2>{title}</h2>")),
            "section {id} missing"
        );
    }
    assert_eq!(html.matches("id=\"headline-table\"").count(), 1);
    // One headline row per policy, baseline first.
    let table = &html[html.find("id=\"headline-table\"").expect("table")..];
    let table = &table[..table.find("</table>").expect("end of table")];
    assert_eq!(table.matches("<th scope=\"row\">").count(), 3);
    for p in POLICIES {
        assert!(
            table.contains(&format!("<th scope=\"row\">{p}")),
            "row for {p}"
        );
    }
    for label in [
        "Completed reintegration",
        "Re-recruited",
        "Peak waiting list",
        "Mean months waited",
        "Relapse into conflict",
        "Cost per completed reintegration",
    ] {
        assert!(table.contains(label), "column {label}");
    }
    assert!(table.contains("95% interval"));
    assert!(table.contains("vs baseline"));
    // Every chart inlined as SVG text, each with a reading; the first page
    // repeats the policy comparison.
    assert_eq!(html.matches("<svg role=\"img\"").count(), 13);
    assert_eq!(html.matches("<figcaption>").count(), 12);
    assert!(html.contains("With kickstart-6m the median peak waiting list falls from"));
    // Scenario in words, assumptions, manifest.
    assert!(html.contains("Women associated with armed groups"));
    assert!(html.contains("European Union"));
    assert!(html.contains("The assessed budget pays reintegration for the first six months"));
    assert!(html.contains("group.men.hazard.wait_effect"));
    assert!(html.contains("assumption with no source"));
    assert!(html.contains("Spearman rank correlation"));
    let sha = {
        let m: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(out.path().join("manifest.json")).expect("manifest"),
        )
        .expect("json");
        m["scenario_sha256"].as_str().expect("sha").to_string()
    };
    assert!(html.contains(&sha));
    // Self-contained.
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script", "http://", "https://", "<link", "@import", "src=", "url(",
    ] {
        assert!(!lower.contains(bad), "report contains {bad:?}");
    }
    // Every href is an in-page anchor.
    for (i, _) in lower.match_indices("href=\"") {
        assert_eq!(
            &lower[i + 6..i + 7],
            "#",
            "non-anchor link at {}",
            &html[i..(i + 60).min(html.len())]
        );
    }
}

#[test]
fn report_escapes_text_from_the_data() {
    let out = TempOut::new("escape");
    out.edit("manifest.json", |t| {
        t.replace(
            "\"command_line\": \"",
            "\"command_line\": \"<b onmouseover=alert(1)>&amp; ",
        )
    });
    out.edit("scenario.toml", |t| {
        t.replace(
            "A tiny two-group programme",
            "A <script>alert('x')</script> & tiny programme",
        )
    });
    let (_, html) = render_report(&out);
    assert!(!html.contains("<script"));
    assert!(!html.contains("<b onmouseover"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; tiny programme"));
    assert!(html.contains("&lt;b onmouseover=alert(1)&gt;&amp;amp; "));
}

#[test]
fn report_survives_an_unreadable_scenario_and_missing_charts() {
    let out = TempOut::new("noscenario");
    out.edit("scenario.toml", |_| "this is [not toml".into());
    let path = ddrsim::report::write_report(out.path()).expect("report without charts");
    let html = fs::read_to_string(path).expect("read");
    assert!(html.contains("The scenario file could not be read"));
    assert!(html.contains("is not in this folder"));
    assert!(html.contains("id=\"headline-table\""));
}

#[test]
fn report_renders_in_a_real_browser() {
    // In CI a missing browser is a failure, not a silent skip.
    let Some(chromium) = browser::chromium_or_skip("the browser test") else {
        return;
    };
    let out = TempOut::new("browser");
    let (report, _) = render_report(&out);
    let profile = out.path().join("chromium-profile");
    let shot = out.path().join("shot.png");
    let url = format!("file://{}", report.display());
    let run = |extra: &[String]| browser::run(&chromium, &profile, extra, &url);
    let o = run(&[
        "--window-size=1200,900".to_string(),
        format!("--screenshot={}", shot.display()),
    ]);
    assert!(
        shot.is_file(),
        "no screenshot; chromium said: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(png_size(&shot), (1200, 900));
    let len = fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(len > 20_000, "screenshot is only {len} bytes: blank page?");
    let o = run(&["--dump-dom".to_string()]);
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(
        dom.contains("headline-table"),
        "DOM dump lacks the headline table; stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(dom.contains("<svg"), "DOM dump lacks the inlined charts");
    if std::env::var_os("DDRSIM_KEEP_TEST_OUTPUT").is_some() {
        eprintln!("screenshot: {}", shot.display());
    }
}

#[test]
fn many_policies_with_long_names_render() {
    let out = TempOut::new("many");
    let names: Vec<String> = (1..=10)
        .map(|i| format!("bridge-variant-with-a-rather-long-name-{i}"))
        .collect();
    for f in [
        "summary.csv",
        "comparison.csv",
        "timeseries.csv",
        "replicates.csv",
    ] {
        out.edit(f, |t| {
            let mut s = t.to_string();
            for n in &names {
                for l in t.lines().filter(|l| l.starts_with("bridge,")) {
                    s.push_str(&l.replacen("bridge,", &format!("{n},"), 1));
                    s.push('\n');
                }
            }
            s
        });
    }
    out.edit("manifest.json", |t| {
        let mut m: serde_json::Value = serde_json::from_str(t).expect("manifest json");
        let mut p = vec![
            "baseline".to_string(),
            "kickstart-6m".into(),
            "bridge".into(),
        ];
        p.extend(names.iter().cloned());
        m["policies"] = serde_json::json!(p);
        serde_json::to_string_pretty(&m).expect("json")
    });
    let r = ddrsim::plot::render_all(out.path()).expect("render");
    assert_eq!(r.files.len(), (13 * 3 + 3) * 2);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("shows the first 8 of 12")),
        "{:?}",
        r.notes
    );
    check_chart(out.path(), "policy-comparison", "paired differences");
    check_chart(out.path(), "group-equity", "Share of each group");
    let html = fs::read_to_string(ddrsim::report::write_report(out.path()).expect("report"))
        .expect("read");
    assert!(html.contains("<th scope=\"row\">bridge-variant-with-a-rather-long-name-10"));
}

#[test]
fn report_refuses_to_inline_active_svg() {
    use ddrsim::report::html::inline_svg;
    let ok = inline_svg("<?xml version=\"1.0\"?>\n<svg width=\"1\" xmlns=\"http://www.w3.org/2000/svg\"><text>only one</text></svg>", "a \"label\"")
        .expect("plain svg");
    assert!(ok.starts_with("<svg role=\"img\" aria-label=\"a &quot;label&quot;\""));
    assert!(!ok.contains("http://"));
    for bad in [
        "<svg><script>alert(1)</script></svg>",
        "<svg onload=\"alert(1)\"></svg>",
        "<svg><image href=\"https://example.org/x.png\"/></svg>",
        "<svg><foreignObject></foreignObject></svg>",
        "not svg",
    ] {
        assert!(inline_svg(bad, "x").is_err(), "{bad}");
    }
}

/// The report's first page (the question and the whole answer) prints on
/// one A4 sheet: the report cut after its first section prints to a
/// one-page PDF in headless Chromium, on a real run of the default scenario
/// with five policies and the channel decomposition.
#[test]
fn first_page_of_the_report_prints_on_one_a4_sheet() {
    let Some(chromium) = browser::chromium_or_skip("the print test") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("default");
    let status = Command::new(env!("CARGO_BIN_EXE_ddrsim"))
        .args(["run", "-n", "40", "--quiet", "--channels", "on", "--out"])
        .arg(&out)
        .status()
        .expect("run ddrsim");
    assert!(status.success());
    let html = fs::read_to_string(out.join("report.html")).expect("report");
    let end = html
        .find("<p class=\"lead appendix-start\"")
        .expect("the appendices start after the first page");
    let first = format!("{}</main>\n</body>\n</html>\n", &html[..end]);
    for needle in [
        "id=\"answer\"",
        "answer-table",
        "What the answer depends on",
        "<svg",
    ] {
        assert!(first.contains(needle), "first page lacks {needle}");
    }
    let page = tmp.path().join("first.html");
    fs::write(&page, first).expect("write");
    let pdf = tmp.path().join("first.pdf");
    let o = browser::run(
        &chromium,
        &tmp.path().join("profile"),
        &[
            "--no-pdf-header-footer".to_string(),
            format!("--print-to-pdf={}", pdf.display()),
        ],
        &format!("file://{}", page.display()),
    );
    let bytes = fs::read(&pdf).unwrap_or_else(|_| {
        panic!(
            "no PDF; chromium said: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    // Page objects are `/Type /Page` (the page tree is `/Type /Pages`).
    let text = String::from_utf8_lossy(&bytes);
    let pages = text
        .match_indices("/Type /Page")
        .filter(|(i, _)| !text[i + 11..].starts_with('s'))
        .count();
    assert_eq!(
        pages, 1,
        "the first page of the report prints on {pages} A4 pages"
    );
}
