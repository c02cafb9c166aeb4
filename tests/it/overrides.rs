//! `--set key.path=value` on `run`: the overridden scenario is validated like
//! a file, stored in the output folder with its hash, listed in the manifest,
//! and errors name the override.

use assert_cmd::Command;
use sha2::{Digest, Sha256};
use std::fs;

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

#[test]
fn overrides_change_the_run_and_are_recorded() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let base = [
        "run",
        "tests/fixtures/gap.toml",
        "-n",
        "20",
        "--quiet",
        "--no-charts",
    ];
    ddrsim().args(base).arg("--out").arg(&a).assert().success();
    ddrsim()
        .args(base)
        .args([
            "--set",
            "pledge.late.delay=1",
            "--set",
            "group.*.hazard.dropout=0.2",
        ])
        .arg("--out")
        .arg(&b)
        .assert()
        .success();
    let scenario = fs::read_to_string(b.join("scenario.toml")).expect("scenario");
    assert!(scenario.contains("set by --set"));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(b.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(
        manifest["overrides"],
        serde_json::json!(["pledge.late.delay=1", "group.*.hazard.dropout=0.2"])
    );
    let hash: String = Sha256::digest(scenario.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(manifest["scenario_sha256"], hash.as_str());
    // The overrides change the results.
    assert_ne!(
        fs::read(a.join("summary.csv")).expect("a"),
        fs::read(b.join("summary.csv")).expect("b")
    );
}

#[test]
fn override_errors_name_the_override() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    let cases: [(&str, &[&str]); 3] = [
        (
            "pledge.nosuch.delay=3",
            &["--set pledge.nosuch.delay=3", "late"],
        ),
        (
            "group.men.hazard.dropout=-1",
            &["--set group.men.hazard.dropout=-1", "dropout"],
        ),
        (
            "policy.kick.kickstart.months=2.5",
            &["--set policy.kick.kickstart.months=2.5", "months"],
        ),
    ];
    for (set, needles) in cases {
        let assert = ddrsim()
            .args([
                "run",
                "tests/fixtures/gap.toml",
                "-n",
                "5",
                "--quiet",
                "--set",
                set,
            ])
            .arg("--out")
            .arg(&out)
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        for n in needles {
            assert!(err.contains(n), "{set}: stderr lacks {n:?}:\n{err}");
        }
        assert!(!out.exists(), "{set}: an output folder was written");
    }
}

#[test]
fn a_shared_draw_is_set_together_or_not_at_all() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    let assert = ddrsim()
        .args([
            "run",
            "--quiet",
            "-n",
            "5",
            "--no-charts",
            "--channels",
            "off",
        ])
        .args(["--set", "group.men.hazard.rerecruit=0.004"])
        .arg("--out")
        .arg(&out)
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(err.contains("group.women.hazard.rerecruit"), "{err}");
    assert!(err.contains("--set shared.rerecruit="), "{err}");
    ddrsim()
        .args([
            "run",
            "--quiet",
            "-n",
            "5",
            "--no-charts",
            "--channels",
            "off",
        ])
        .args(["--set", "shared.rerecruit=0.004"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let rows = fs::read_to_string(out.join("replicates.csv")).expect("replicates");
    let header = rows.lines().next().unwrap_or("");
    assert!(header
        .split(',')
        .any(|c| c == "param.group.men.hazard.wait_effect"));
    assert!(
        !header
            .split(',')
            .any(|c| c == "param.group.men.hazard.rerecruit"),
        "a fixed value is no longer an uncertain parameter"
    );
}

#[test]
fn validate_applies_the_same_overrides() {
    let ok = ddrsim()
        .args([
            "validate",
            "tests/fixtures/gap.toml",
            "--set",
            "pledge.late.delay=2",
        ])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&ok.get_output().stdout).contains("valid"));
    let bad = ddrsim()
        .args([
            "validate",
            "tests/fixtures/gap.toml",
            "--set",
            "pledge.late.delay=-2",
        ])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&bad.get_output().stderr).to_string();
    assert!(err.contains("pledge.late.delay"), "{err}");
}
