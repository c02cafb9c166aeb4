//! Charts and the HTML report, drawn from the hand-made output folder in
//! tests/fixtures/output-small (see its generate.py), plus odd folders made
//! from it (empty CSVs, one policy, missing values, NaN).
//!
//! Set `DDRSIM_KEEP_TEST_OUTPUT=1` to keep the temporary folders and print
//! their paths (to look at the charts and the report).

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
        "Reintegration funding gap and re-recruitment, replicate by replicate",
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
    let pts: Vec<GapPoint> = (0..12_001u64)
        .map(|i| GapPoint {
            replicate: i + 1,
            gap: i as f64,
            rerecruited: (i % 7) as f64,
        })
        .collect();
    let k = pts.len().div_ceil(ddrsim::plot::gap_scatter::MAX_POINTS);
    assert_eq!(k, 3);
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

#[test]
fn numbers_have_thousands_separators() {
    use ddrsim::plot::style::{thousands, usd};
    assert_eq!(thousands(1234567.0, 0), "1,234,567");
    assert_eq!(thousands(-1234.5, 1), "-1,234.5");
    assert_eq!(thousands(-0.004, 2), "0.00");
    assert_eq!(thousands(999.0, 0), "999");
    assert_eq!(usd(2_500_000.0), "USD 2.5 million");
    assert_eq!(usd(12_000_000.0), "USD 12 million");
    assert_eq!(usd(1_234_567.0), "USD 1.23 million");
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
    // Every chart inlined as SVG text, each with a reading.
    assert_eq!(html.matches("<svg role=\"img\"").count(), 12);
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

fn find_chromium() -> Option<PathBuf> {
    if Path::new("/usr/bin/chromium").is_file() {
        return Some(PathBuf::from("/usr/bin/chromium"));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

#[test]
fn report_renders_in_a_real_browser() {
    let Some(chromium) = find_chromium() else {
        // In CI a missing browser is a failure, not a silent skip.
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        assert!(
            !ci,
            "chromium not found and CI is set: the browser test must run in CI \
             (install with `apt-get install -y chromium`)"
        );
        println!("SKIPPED: chromium not found; install with `apt-get install -y chromium`");
        return;
    };
    let out = TempOut::new("browser");
    let (report, _) = render_report(&out);
    let profile = out.path().join("chromium-profile");
    let shot = out.path().join("shot.png");
    let url = format!("file://{}", report.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
    ];
    let run = |extra: &[String]| {
        Command::new(&chromium)
            .args(common)
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url)
            .output()
            .expect("run chromium")
    };
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
