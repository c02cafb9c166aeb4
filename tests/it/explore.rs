//! `ddrsim explore`: the explorer page of a sweep is self-contained, small,
//! escapes its data, and in a real browser shows sweep.csv's effect for the
//! point chosen through the sliders.

use crate::browser;
use assert_cmd::Command;
use ddrsim::report::explorer;
use std::fs;
use std::path::{Path, PathBuf};

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

/// Runs a grid sweep on the gap fixture into `out` and writes its explorer.
fn sweep_and_explore(out: &Path, grids: &[&str], n: &str) -> PathBuf {
    let mut cmd = ddrsim();
    cmd.args([
        "sweep",
        "tests/fixtures/gap.toml",
        "-n",
        n,
        "-q",
        "--no-charts",
        "--out",
    ])
    .arg(out);
    for g in grids {
        cmd.args(["--grid", g]);
    }
    cmd.assert().success();
    ddrsim()
        .arg("explore")
        .arg(out)
        .arg("-q")
        .assert()
        .success();
    let page = out.join("explorer.html");
    assert!(page.is_file(), "explorer.html not written");
    page
}

/// The `diff_mean` text of sweep.csv for one point, policy and metric.
fn csv_diff_mean(csv: &Path, point: usize, policy: &str, metric: &str) -> String {
    let mut rdr = csv::Reader::from_path(csv).expect("sweep.csv");
    let h = rdr.headers().expect("header").clone();
    let col = |n: &str| h.iter().position(|x| x == n).expect("column");
    let (cp, cpol, cm, cd) = (col("point"), col("policy"), col("metric"), col("diff_mean"));
    for r in rdr.records() {
        let r = r.expect("row");
        if r[cp] == *point.to_string() && &r[cpol] == policy && &r[cm] == metric {
            return r[cd].to_string();
        }
    }
    panic!("no row for point {point} {policy} {metric}");
}

fn assert_self_contained(html: &str) {
    // The only URL in the page is the SVG namespace given to createElementNS.
    let svg_ns = "http://www.w3.org/2000/svg";
    let rest = html.replace(svg_ns, "");
    assert!(
        !rest.contains("http://") && !rest.contains("https://"),
        "page has a URL"
    );
    for attr in ["src=", "href=", "@import", "url("] {
        assert!(!html.contains(attr), "page has {attr}");
    }
    assert_eq!(
        html.matches("<script").count(),
        2,
        "one data block and one script"
    );
}

#[test]
fn explorer_is_self_contained_and_under_2mb_for_10x10() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("sw");
    let page = sweep_and_explore(
        &out,
        &[
            "pledge.late.delay=0..18:10",
            "policy.kick.kickstart.amount=1e5..1e6:10",
        ],
        "3",
    );
    let html = fs::read_to_string(&page).expect("read page");
    assert_self_contained(&html);
    let len = html.len();
    assert!(
        len < 2_000_000,
        "explorer.html is {len} bytes for a 10x10 sweep"
    );
    // All 100 points and 4 non-baseline policies are in the data.
    let csv = fs::read_to_string(out.join("sweep.csv")).expect("csv");
    let json = fs::read_to_string(out.join("sweep.json")).expect("json");
    let data = explorer::explorer_data(&json, &csv).expect("data");
    assert_eq!(data["points"].as_array().map(Vec::len), Some(100));
    assert_eq!(data["policies"].as_array().map(Vec::len), Some(4));
    assert_eq!(data["levels"][0].as_array().map(Vec::len), Some(10));
}

#[test]
fn inline_json_cannot_end_the_script() {
    let json = r#"{"design":{"keys":["a</script><b>&"],"kind":"grid"},"points":[["x</script>"]],"scenario":"s<!--"}"#;
    let csv = "point,a</script><b>&,policy,metric,mean,mcse,p05,p50,p95,diff_mean,diff_ci_low,diff_ci_high,diff_p05,diff_p50,diff_p95,p_better,p_worse,p_tie\n\
1,x,base,completed,1,0,1,1,1,,,,,,,,,\n\
1,x,\"p</script><img src=x>\",completed,2,0,2,2,2,1,0.5,1.5,0,1,2,1,0,0\n";
    let data = explorer::explorer_data(json, csv).expect("data");
    let html = explorer::explorer_html(&data);
    assert_eq!(
        html.matches("</script>").count(),
        2,
        "data closed a script early"
    );
    assert!(!html.contains("<img"), "data text reached the markup");
    assert!(!html.contains("<b>"), "data text reached the markup");
    assert!(html.contains("s&lt;!--"), "title not escaped");
    // The escaped block is still the same JSON.
    let start = html.find("id=\"sweep-data\">").expect("block") + "id=\"sweep-data\">".len();
    let end = start + html[start..].find("</script>").expect("end");
    let back: serde_json::Value = serde_json::from_str(&html[start..end]).expect("json");
    assert_eq!(back, data);
}

#[test]
fn explore_refuses_a_folder_without_a_sweep() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = ddrsim()
        .arg("explore")
        .arg(tmp.path())
        .output()
        .expect("run");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("sweep.json") && !err.contains("panicked"),
        "{err}"
    );
}

/// The `data-exact` attribute and text of `#effect-mean` in a DOM dump.
fn shown_effect(dom: &str) -> (String, String) {
    let at = dom
        .find("id=\"effect-mean\"")
        .expect("no #effect-mean in the DOM");
    let tag_end = at + dom[at..].find('>').expect("tag end");
    let tag = &dom[at..tag_end];
    let exact = tag
        .split("data-exact=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("data-exact")
        .to_string();
    let text_end = tag_end + dom[tag_end..].find('<').expect("text end");
    (exact, dom[tag_end + 1..text_end].to_string())
}

#[test]
fn moving_the_sliders_shows_the_sweep_csv_effect_in_a_browser() {
    let Some(chromium) = browser::chromium_or_skip("the explorer browser test") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("sw");
    let page = sweep_and_explore(
        &out,
        &[
            "pledge.late.delay=2,6,10",
            "policy.kick.kickstart.amount=1e5,3e5,6e5",
        ],
        "30",
    );
    let profile = tmp.path().join("profile");
    let dump = |hash: &str| {
        let url = format!("file://{}{hash}", page.display());
        let o = browser::run(&chromium, &profile, &["--dump-dom".to_string()], &url);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let csv = out.join("sweep.csv");
    // Default: sliders at the first level (point 1), first policy, rerecruited.
    let (exact0, text0) = shown_effect(&dump(""));
    assert_eq!(exact0, csv_diff_mean(&csv, 1, "kick", "rerecruited"));
    assert!(!text0.is_empty() && text0 != "n/a");
    // Sliders k0=2 (delay 10), k1=1 (amount 3e5): point 3*2+1+1 = 8.
    let want = csv_diff_mean(&csv, 8, "kick", "rerecruited");
    assert_ne!(
        want, exact0,
        "points 1 and 8 must differ for the test to mean anything"
    );
    let dom = dump("#k0=2&k1=1");
    let (exact, text) = shown_effect(&dom);
    assert_eq!(exact, want, "slider move did not show point 8's diff_mean");
    let x: f64 = want.parse().expect("number");
    let shown: f64 = text.replace(['+', ','], "").parse().expect("shown number");
    assert!(
        (shown - x).abs() <= x.abs() * 0.006 + 0.05,
        "shown {text} for {want}"
    );
    assert!(
        dom.contains("id=\"chosen-cell\""),
        "chosen point not marked"
    );
    assert!(dom.contains("Point 8 of 9"), "point label");
    // Policy and metric selectors through the same path.
    let (exact, _) = shown_effect(&dump("#k0=1&k1=2&policy=bridge&metric=completed"));
    assert_eq!(exact, csv_diff_mean(&csv, 6, "bridge", "completed"));
}
