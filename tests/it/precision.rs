//! `run --precision METRIC=X`: replicates are added in batches until the
//! widest 95% half-width of a paired difference is below X, and the outputs
//! equal a plain run with the replicates it used.

use assert_cmd::Command;
use std::fs;

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

const GAP: &str = "tests/fixtures/gap.toml";

#[test]
fn precision_run_equals_a_plain_run_with_its_replicates() {
    let dir = tempfile::tempdir().expect("tmp");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let common = [
        "--channels",
        "off",
        "--no-charts",
        "--quiet",
        "--replicates-csv",
        "csv",
    ];
    ddrsim()
        .args([
            "run",
            GAP,
            "-n",
            "100",
            "--precision",
            "rerecruited=1.5",
            "--max-replicates",
            "3000",
        ])
        .args(common)
        .arg("--out")
        .arg(&a)
        .assert()
        .success();
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(a.join("manifest.json")).expect("manifest"))
            .expect("json");
    let n = m["replicates"].as_u64().expect("replicates");
    assert!(
        n > 100 && n < 3000,
        "the target needs more than the minimum: {n}"
    );
    assert!(
        m["precision"]
            .as_str()
            .expect("precision")
            .contains("reached"),
        "{m}"
    );
    ddrsim()
        .args(["run", GAP, "-n", &n.to_string()])
        .args(common)
        .arg("--out")
        .arg(&b)
        .assert()
        .success();
    for f in [
        "summary.csv",
        "comparison.csv",
        "timeseries.csv",
        "funding.csv",
        "replicates.csv",
    ] {
        assert_eq!(
            fs::read(a.join(f)).expect("a"),
            fs::read(b.join(f)).expect("b"),
            "{f} differs from the plain run with {n} replicates"
        );
    }
    // The half-width reached is below the target, read back from comparison.csv.
    let mut r = csv::Reader::from_path(a.join("comparison.csv")).expect("comparison");
    let h = r.headers().expect("h").clone();
    let col = |name: &str| h.iter().position(|x| x == name).expect(name);
    let (metric, group, lo, hi) = (col("metric"), col("group"), col("ci_low"), col("ci_high"));
    let mut seen = 0;
    for rec in r.records() {
        let rec = rec.expect("row");
        if &rec[metric] == "rerecruited" && &rec[group] == "all" {
            let half =
                (rec[hi].parse::<f64>().expect("hi") - rec[lo].parse::<f64>().expect("lo")) / 2.0;
            assert!(half < 1.5, "half-width {half}");
            seen += 1;
        }
    }
    assert!(seen >= 1);
}

#[test]
fn precision_errors_name_the_flag() {
    for (args, msg) in [
        (vec!["--precision", "nonsense=3"], "not an outcome column"),
        (vec!["--precision", "rerecruited=-1"], "positive number"),
        (
            vec!["--precision", "rerecruited=5", "--shard", "1/2"],
            "--shard",
        ),
        (
            vec![
                "--precision",
                "rerecruited=5",
                "-n",
                "500",
                "--max-replicates",
                "100",
            ],
            "--max-replicates",
        ),
    ] {
        let o = ddrsim()
            .args(["run", GAP, "--quiet", "--out", "/nonexistent/never"])
            .args(&args)
            .output()
            .expect("run");
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(msg), "{args:?}: {err}");
    }
}
