//! `ddrsim claim`: it says "changes" where the effect exists, "no detectable
//! change" in the null world and "worsens" when channel (a) is reversed;
//! the earlier/more money split adds up; results do not depend on threads;
//! `--precision` equals a plain claim with the draws it used; errors name
//! the flag.

use assert_cmd::Command;
use std::collections::HashMap;
use std::fs;
use std::path::Path;

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

/// Uncertain pledge fulfilment, so the fixtures have a parameter to draw.
const FULFILMENT: &str = "pledge.late.fulfilment={ dist = \"uniform\", min = 0.3, max = 1 }";

fn claim(scenario: Option<&str>, out: &Path, extra: &[&str]) {
    let mut c = ddrsim();
    c.arg("claim");
    if let Some(s) = scenario {
        c.arg(s);
    }
    c.args(["--quiet", "--no-charts", "--channel-replicates", "0"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

/// `(outcome, quantity) -> (value, note)` of claim.csv.
fn rows(out: &Path) -> HashMap<(String, String), (f64, String)> {
    let mut r = csv::Reader::from_path(out.join("claim.csv")).expect("claim.csv");
    let h = r.headers().expect("header").clone();
    let col = |n: &str| h.iter().position(|x| x == n).expect(n);
    let (o, q, v, note) = (col("outcome"), col("quantity"), col("value"), col("note"));
    r.records()
        .map(|rec| {
            let rec = rec.expect("row");
            (
                (rec[o].to_string(), rec[q].to_string()),
                (rec[v].parse().unwrap_or(f64::NAN), rec[note].to_string()),
            )
        })
        .collect()
}

fn verdict(r: &HashMap<(String, String), (f64, String)>, outcome: &str) -> String {
    r[&(outcome.to_string(), "verdict".to_string())].1.clone()
}

#[test]
fn null_world_says_no_detectable_change() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("null");
    claim(
        Some("tests/fixtures/null.toml"),
        &out,
        &["--set", FULFILMENT, "--draws", "60", "--per-draw", "10"],
    );
    let r = rows(&out);
    assert_eq!(verdict(&r, "rerecruited"), "no detectable change");
    assert_eq!(verdict(&r, "relapse"), "no detectable change");
    // Money does change completions there: the claim is not blind.
    assert_eq!(verdict(&r, "completed"), "changes");
    // The fixture has no offset policy: claim makes the twin.
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(m["offset_twin"]["id"], "kickstart-offset-twin");
    assert_eq!(m["offset_twin"]["made_by_claim"], true);
}

#[test]
fn works_on_every_bundled_scenario() {
    let dir = tempfile::tempdir().expect("tmp");
    for entry in fs::read_dir("scenarios").expect("scenarios") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = dir.path().join(path.file_stem().expect("stem"));
            claim(
                Some(path.to_str().expect("utf8")),
                &out,
                &["--draws", "20", "--per-draw", "1"],
            );
            let r = rows(&out);
            assert!(!verdict(&r, "rerecruited").is_empty(), "{}", path.display());
        }
    }
}

#[test]
fn reversed_channel_says_worsens() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("rev");
    claim(
        Some("tests/fixtures/channels-reversed.toml"),
        &out,
        &["--set", FULFILMENT, "--draws", "40", "--per-draw", "10"],
    );
    let r = rows(&out);
    assert_eq!(verdict(&r, "rerecruited"), "worsens");
    let effect = r[&("rerecruited".to_string(), "effect".to_string())].0;
    assert!(effect > 0.0, "{effect}");
}

#[test]
fn default_scenario_changes_and_money_split_adds_up() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("default");
    claim(None, &out, &["--draws", "40", "--per-draw", "4"]);
    let r = rows(&out);
    assert_eq!(verdict(&r, "rerecruited"), "changes");
    let get = |o: &str, q: &str| r[&(o.to_string(), q.to_string())].0;
    for o in ["rerecruited", "completed", "peak_waiting"] {
        let (e, a, b) = (
            get(o, "effect"),
            get(o, "earlier_money"),
            get(o, "more_money"),
        );
        // Each replicate's effect is exactly (twin - base) + (policy - twin).
        assert!(
            (e - (a + b)).abs() <= 1e-9 * e.abs().max(1.0),
            "{o}: {e} vs {a} + {b}"
        );
    }
    // The offset twin is the file's own kickstart-12m-offset, found by value.
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(m["offset_twin"]["id"], "kickstart-12m-offset");
    assert_eq!(m["offset_twin"]["made_by_claim"], false);
    assert_eq!(m["draws"], 40);
    // A draw's shares and the variance split are in range.
    let share = get("rerecruited", "parameter_share");
    assert!((0.0..=1.0).contains(&share), "{share}");
    let lines = fs::read_to_string(out.join("claim_draws.csv")).expect("draws");
    assert_eq!(lines.lines().count(), 41);
}

#[test]
fn same_bytes_whatever_the_threads() {
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let args = ["--draws", "24", "--per-draw", "3"];
    claim(None, &a, &[&args[..], &["-j", "1"]].concat());
    claim(None, &b, &[&args[..], &["-j", "2"]].concat());
    for f in ["claim.csv", "claim_draws.csv"] {
        assert_eq!(
            fs::read(a.join(f)).expect("a"),
            fs::read(b.join(f)).expect("b"),
            "{f} differs between 1 and 2 threads"
        );
    }
}

#[test]
fn precision_equals_a_plain_claim_with_its_draws() {
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    claim(
        None,
        &a,
        &[
            "--draws",
            "20",
            "--per-draw",
            "2",
            "--precision",
            "rerecruited=150",
            "--max-draws",
            "220",
        ],
    );
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(a.join("manifest.json")).expect("manifest"))
            .expect("json");
    let draws = m["draws"].as_u64().expect("draws");
    assert!(draws > 20, "the target needs more than the minimum: {m}");
    assert_eq!(m["precision"]["reached"], true, "{m}");
    assert!(m["precision"]["half_width"].as_f64().expect("hw") < 150.0);
    claim(
        None,
        &b,
        &["--draws", &draws.to_string(), "--per-draw", "2"],
    );
    assert_eq!(
        fs::read(a.join("claim.csv")).expect("a"),
        fs::read(b.join("claim.csv")).expect("b")
    );
}

#[test]
fn errors_name_the_flag() {
    let cases: [(&[&str], &str); 4] = [
        (&["--policy", "baseline"], "is the baseline"),
        (&["--policy", "nope"], "no such policy"),
        (&["--precision", "nonsense=5"], "not a headline outcome"),
        (&["--draws", "3"], "--draws 3"),
    ];
    for (args, msg) in cases {
        let o = ddrsim()
            .arg("claim")
            .args(args)
            .args(["--out", "/nonexistent/never"])
            .output()
            .expect("run");
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(msg), "{args:?}: {err}");
    }
}

#[test]
fn json_summary_parses() {
    let dir = tempfile::tempdir().expect("tmp");
    let o = ddrsim()
        .args([
            "claim",
            "--draws",
            "20",
            "--per-draw",
            "2",
            "--channel-replicates",
            "0",
            "--no-charts",
            "--json",
            "--out",
        ])
        .arg(dir.path().join("j"))
        .output()
        .expect("run");
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json on stdout");
    assert_eq!(v["policy"], "kickstart-12m");
    assert_eq!(v["outcomes"].as_array().map(Vec::len), Some(5));
}

/// In the DRC scenario the kick-start's effect on re-recruitment has
/// different signs in different worlds: the verdict is "depends on
/// conditions" and PRIM names the conditions where it helps.
#[test]
fn depends_on_conditions_names_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("drc");
    claim(
        Some("scenarios/drc-2004.toml"),
        &out,
        &["--draws", "200", "--per-draw", "5", "--drivers", "none"],
    );
    let r = rows(&out);
    assert_eq!(verdict(&r, "rerecruited"), "depends on conditions");
    let (density, words) = &r[&("rerecruited".to_string(), "conditions_density".to_string())];
    let base = r[&("rerecruited".to_string(), "draws_better".to_string())].0;
    assert!(
        *density > base,
        "the box is denser than the whole ensemble: {density} vs {base}"
    );
    assert!(words.contains("shared."), "{words}");
}

/// `--params`: every draw's shared values come from a row of the posterior
/// file, and the channels and drivers are skipped.
#[test]
fn params_take_draws_from_the_posterior() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("post");
    claim(
        None,
        &out,
        &[
            "--draws",
            "30",
            "--per-draw",
            "2",
            "--params",
            "calibration/posterior.csv",
        ],
    );
    let mut post = csv::Reader::from_path("calibration/posterior.csv").expect("posterior");
    let ph = post.headers().expect("h").clone();
    let pc = ph
        .iter()
        .position(|x| x == "shared.rerecruit")
        .expect("column");
    let allowed: Vec<String> = post
        .records()
        .map(|r| r.expect("row")[pc].to_string())
        .collect();
    let mut draws = csv::Reader::from_path(out.join("claim_draws.csv")).expect("draws");
    let dh = draws.headers().expect("h").clone();
    let dc = dh
        .iter()
        .position(|x| x == "shared.rerecruit")
        .expect("column");
    let mut n = 0;
    for r in draws.records() {
        let v: f64 = r.expect("row")[dc].parse().expect("number");
        assert!(
            allowed
                .iter()
                .any(|a| a.parse::<f64>().expect("number") == v),
            "{v} is not a posterior row"
        );
        n += 1;
    }
    assert_eq!(n, 30);
    assert!(out.join("params.csv").exists());
    assert!(!out.join("channels.csv").exists());
}
