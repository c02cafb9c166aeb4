//! `ddrsim sweep`: designs, per-point results equal to plain runs with the
//! same overrides, byte-identical resume, rounding of integer keys, errors
//! that name the flag or the point.

use assert_cmd::Command;
use ddrsim::experiment::{self, Range};
use std::fs;
use std::path::Path;

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

const GAP: &str = "tests/fixtures/gap.toml";

/// A 2x2 grid on the gap fixture over a policy key and a world key.
fn grid_2x2(out: &Path, threads: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    ddrsim()
        .args([
            "sweep",
            GAP,
            "--grid",
            "policy.kick.kickstart.months=6,12",
            "--grid",
            "pledge.early.delay=2,10",
            "-n",
            "30",
            "-j",
            threads,
            "--quiet",
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
}

fn read(p: &Path) -> Vec<u8> {
    fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn resumed_sweep_equals_uninterrupted_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    grid_2x2(&a, "1", &[]).success();
    grid_2x2(&b, "2", &[]).success();
    // Thread count does not change the bytes.
    assert_eq!(read(&a.join("sweep.csv")), read(&b.join("sweep.csv")));
    let whole = read(&a.join("sweep.csv"));
    let text = String::from_utf8(whole.clone()).expect("utf8");
    // 4 points x 5 policies x 8 metrics + header.
    assert_eq!(text.lines().count(), 1 + 4 * 5 * 8);
    // Interrupted state: points 1 and 3 missing, a stale partial file, a
    // sweep.csv holding only the finished points.
    fs::remove_file(b.join("points/0001.csv")).expect("rm");
    fs::remove_file(b.join("points/0003.csv")).expect("rm");
    fs::write(b.join("points/0003.partial-1"), "half").expect("partial");
    fs::write(b.join("sweep.csv"), "point\n").expect("truncate");
    grid_2x2(&b, "2", &["--resume"]).success();
    assert_eq!(read(&b.join("sweep.csv")), whole);
    for i in 1..=4 {
        let f = format!("points/{i:04}.csv");
        assert_eq!(read(&b.join(&f)), read(&a.join(&f)), "{f}");
    }
    assert!(!b.join("points/0003.partial-1").exists());
    // A resume with a different plan is refused and names what differs.
    let out = grid_2x2(&b, "2", &["--resume", "--seed", "5"])
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
    assert!(err.contains("--resume") && err.contains("seed"), "{err}");
    assert_eq!(read(&b.join("sweep.csv")), whole);
    // Without --resume an existing sweep folder is not overwritten.
    grid_2x2(&b, "2", &[]).failure();
    grid_2x2(&b, "2", &["--force"]).success();
    assert_eq!(read(&b.join("sweep.csv")), whole);
    // Two swept keys of a grid: a heatmap.
    assert!(a.join("sweep-heatmap.png").exists() && a.join("sweep-heatmap.svg").exists());
}

/// Every point equals a plain `run` with the same overrides, seed and
/// replicates: sweep.csv's mean and paired columns are summary.csv's and
/// comparison.csv's values.
#[test]
fn a_point_equals_a_run_with_the_same_overrides() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (s, r) = (tmp.path().join("s"), tmp.path().join("r"));
    grid_2x2(&s, "2", &["--no-charts"]).success();
    ddrsim()
        .args([
            "run",
            GAP,
            "--set",
            "policy.kick.kickstart.months=12",
            "--set",
            "pledge.early.delay=2",
            "-n",
            "30",
            "--quiet",
            "--no-charts",
            "--channels",
            "off",
        ])
        .arg("--out")
        .arg(&r)
        .assert()
        .success();
    let mut sweep = csv::Reader::from_path(s.join("sweep.csv")).expect("sweep.csv");
    let rows: Vec<csv::StringRecord> = sweep.records().map(|r| r.expect("row")).collect();
    let find = |point: &str, policy: &str, metric: &str| {
        rows.iter()
            .find(|r| &r[0] == point && &r[3] == policy && &r[4] == metric)
            .unwrap_or_else(|| panic!("{point} {policy} {metric}"))
            .clone()
    };
    // Point 3 is months=12, delay=2 (the last key varies fastest).
    let row = find("3", "baseline", "completed");
    assert_eq!((&row[1], &row[2]), ("12", "2"));
    let mut summary = csv::Reader::from_path(r.join("summary.csv")).expect("summary");
    let heads = summary.headers().expect("h").clone();
    let col = |n: &str| heads.iter().position(|h| h == n).expect(n);
    let mut checked = 0;
    for rec in summary.records() {
        let rec = rec.expect("row");
        if &rec[col("group")] != "all" {
            continue;
        }
        let metric = &rec[col("metric")];
        if !experiment::SWEEP_METRICS.contains(&metric) {
            continue;
        }
        let s = find("3", &rec[col("policy")], metric);
        assert_eq!(&s[5], &rec[col("mean")], "{metric} mean");
        assert_eq!(&s[6], &rec[col("mcse")], "{metric} mcse");
        assert_eq!(&s[9], &rec[col("p95")], "{metric} p95");
        checked += 1;
    }
    assert_eq!(checked, 5 * 8);
    let mut cmp = csv::Reader::from_path(r.join("comparison.csv")).expect("comparison");
    let heads = cmp.headers().expect("h").clone();
    let col = |n: &str| heads.iter().position(|h| h == n).expect(n);
    let mut checked = 0;
    for rec in cmp.records() {
        let rec = rec.expect("row");
        if &rec[col("group")] != "all" || !experiment::SWEEP_METRICS.contains(&&rec[col("metric")])
        {
            continue;
        }
        let s = find("3", &rec[col("policy")], &rec[col("metric")]);
        assert_eq!(&s[10], &rec[col("mean_diff")], "{:?}", rec);
        assert_eq!(&s[11], &rec[col("ci_low")], "{:?}", rec);
        checked += 1;
    }
    assert_eq!(checked, 4 * 8);
}

#[test]
fn common_random_numbers_hold_across_points() {
    // With no kick-start money the policy is the baseline on the same
    // draws: its paired difference is exactly 0 with every pair tied.
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    ddrsim()
        .args([
            "sweep",
            GAP,
            "--grid",
            "policy.kick.kickstart.amount=0..300000:3",
            "-n",
            "20",
            "--quiet",
            "--policy",
            "kick",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let mut rd = csv::Reader::from_path(out.join("sweep.csv")).expect("csv");
    let mut zero = 0;
    let mut baseline = std::collections::BTreeMap::new();
    for r in rd.records() {
        let r = r.expect("row");
        if &r[2] == "kick" && &r[1] == "0" {
            assert_eq!(&r[9], "0", "{r:?}");
            assert_eq!(&r[17], "1", "{r:?}");
            zero += 1;
        }
        // The baseline does not depend on the kick-start's amount.
        if &r[2] == "baseline" {
            let prev = baseline.insert(r[3].to_string(), r[4].to_string());
            assert!(prev.is_none_or(|p| p == r[4]), "{r:?}");
        }
    }
    assert_eq!(zero, 8);
    assert!(out.join("sweep-line.png").exists() && out.join("sweep-line.svg").exists());
}

#[test]
fn integer_keys_are_rounded_and_said_so() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    let a = ddrsim()
        .args([
            "sweep",
            GAP,
            "--grid",
            "policy.kick.kickstart.months=6..13:3",
            "-n",
            "5",
            "--no-charts",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("rounded to 6,10,13"), "{err}");
    let plan: serde_json::Value =
        serde_json::from_slice(&read(&out.join("sweep.json"))).expect("json");
    assert!(plan["rounding"][0]
        .as_str()
        .is_some_and(|s| s.contains("6,9.5,13")));
    assert_eq!(plan["points"], serde_json::json!([["6"], ["10"], ["13"]]));
    // A continuous key keeps its fractional levels.
    let out2 = tmp.path().join("o2");
    ddrsim()
        .args([
            "sweep",
            GAP,
            "--grid",
            "pledge.early.delay=1.5,2.5",
            "-n",
            "5",
            "--no-charts",
            "--quiet",
        ])
        .arg("--out")
        .arg(&out2)
        .assert()
        .success();
    let plan: serde_json::Value =
        serde_json::from_slice(&read(&out2.join("sweep.json"))).expect("json");
    assert_eq!(plan["points"], serde_json::json!([["1.5"], ["2.5"]]));
    assert_eq!(plan["rounding"], serde_json::json!([]));
}

fn fails_with(args: &[&str], needles: &[&str]) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    let a = ddrsim()
        .arg("sweep")
        .arg(GAP)
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    for n in needles {
        assert!(err.contains(n), "{args:?}: '{n}' not in: {err}");
    }
    assert!(!out.exists(), "{args:?}: nothing is written");
}

#[test]
fn bad_designs_name_the_flag_or_the_point() {
    fails_with(&["--grid", "pledge.early.delay"], &["--grid", "no '='"]);
    fails_with(
        &["--grid", "pledge.early.delay=1..x:3"],
        &["--grid", "'x' is not a number"],
    );
    fails_with(
        &["--grid", "pledge.early.delay=1..4:0"],
        &["--grid", "levels"],
    );
    fails_with(
        &["--grid", "pledge.early.delay=1..4"],
        &["--grid", "lo..hi:n"],
    );
    fails_with(&["--grid", "pledge.early.delay=1,1"], &["--grid", "twice"]);
    fails_with(&["--grid", "pledge.early.delay=1,,2"], &["--grid", "empty"]);
    fails_with(
        &["--lhs", "3", "--vary", "pledge.early.delay=5..1"],
        &["--vary", "above"],
    );
    fails_with(
        &[
            "--grid",
            "pledge.early.delay=1,2",
            "--grid",
            "pledge.early.delay=3",
        ],
        &["swept twice"],
    );
    fails_with(&[], &["--grid"]);
    // An invalid point: named with its overrides, before anything runs.
    fails_with(
        &[
            "--grid",
            "pledge.early.delay=2",
            "--grid",
            "policy.kick.kickstart.months=6,0",
        ],
        &[
            "point 2",
            "--set policy.kick.kickstart.months=0",
            "out of range",
        ],
    );
    fails_with(
        &["--grid", "policy.nope.kickstart.months=3"],
        &["point 1", "no policy has id 'nope'"],
    );
    fails_with(
        &["--grid", "pledge.early.delay=2", "--metric", "nope"],
        &["--metric", "rerecruited"],
    );
    fails_with(
        &["--grid", "pledge.early.delay=2", "--policy", "baseline"],
        &["--policy", "kick"],
    );
}

#[test]
fn grid_is_the_cartesian_product_last_key_fastest() {
    let a = experiment::parse_grid("a=1,2").expect("a");
    let b = experiment::parse_grid("b=0.1..0.3:3").expect("b");
    assert_eq!(b.values, ["0.1", "0.2", "0.3"]);
    let d = experiment::grid(&[a, b]).expect("grid");
    assert_eq!(d.keys, ["a", "b"]);
    let flat: Vec<String> = d.points.iter().map(|p| p.join(" ")).collect();
    assert_eq!(flat, ["1 0.1", "1 0.2", "1 0.3", "2 0.1", "2 0.2", "2 0.3"]);
    let t = experiment::parse_grid("policy.x.admission=full_course,first_month").expect("t");
    assert!(!t.numeric);
}

#[test]
fn latin_hypercube_uses_each_stratum_once_and_is_deterministic() {
    let ranges = [
        Range {
            key: "a".into(),
            lo: 0.0,
            hi: 1.0,
        },
        Range {
            key: "b".into(),
            lo: 10.0,
            hi: 30.0,
        },
    ];
    let n = 50;
    let d = experiment::lhs(n, 7, &ranges).expect("lhs");
    assert_eq!(d, experiment::lhs(n, 7, &ranges).expect("again"));
    assert_ne!(d, experiment::lhs(n, 8, &ranges).expect("other seed"));
    for (k, r) in ranges.iter().enumerate() {
        let mut strata: Vec<usize> = d
            .points
            .iter()
            .map(|p| {
                let x: f64 = p[k].parse().expect("number");
                assert!(x >= r.lo && x <= r.hi, "{x}");
                (((x - r.lo) / (r.hi - r.lo) * n as f64).floor() as usize).min(n - 1)
            })
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..n).collect::<Vec<_>>(), "key {}", r.key);
    }
}

#[test]
fn a_killed_sweep_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let args = |out: &Path| {
        let mut v: Vec<std::ffi::OsString> = [
            "sweep",
            GAP,
            "--grid",
            "pledge.early.delay=2,4,6,8",
            "-n",
            "1000",
            "--quiet",
            "--no-charts",
            "--out",
        ]
        .iter()
        .map(Into::into)
        .collect();
        v.push(out.into());
        v
    };
    ddrsim().args(args(&a)).assert().success();
    let bin = assert_cmd::cargo::cargo_bin("ddrsim");
    let mut child = std::process::Command::new(&bin)
        .args(args(&b))
        .spawn()
        .expect("spawn");
    // Killed (SIGKILL: no chance to tidy up) once the first point is written.
    let first = b.join("points/0001.csv");
    let start = std::time::Instant::now();
    while !first.exists() && start.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    let finished = (1..=4)
        .filter(|i| b.join(format!("points/{i:04}.csv")).exists())
        .count();
    assert!(
        (1..4).contains(&finished),
        "{finished} of 4 points finished when killed"
    );
    ddrsim().args(args(&b)).arg("--resume").assert().success();
    assert_eq!(read(&b.join("sweep.csv")), read(&a.join("sweep.csv")));
}

#[test]
fn charts_record_axes_marks_and_files() {
    use ddrsim::plot::sweep::{draw, EffectChart, EffectPoint};
    let tmp = tempfile::tempdir().expect("tempdir");
    let pt = |a: &str, b: &str, mean: f64, ci: (f64, f64)| EffectPoint {
        levels: vec![a.to_string(), b.to_string()],
        mean,
        ci,
    };
    let chart = EffectChart {
        scenario: "t".into(),
        policy: "kick".into(),
        baseline: "baseline".into(),
        metric: "rerecruited".into(),
        keys: vec![
            "pledge.a.delay".into(),
            "policy.kick.kickstart.months".into(),
        ],
        points: vec![
            pt("1", "6", -5.0, (-8.0, -2.0)),
            pt("1", "12", 1.0, (-1.0, 3.0)),
            pt("9", "6", -9.0, (-12.0, -6.0)),
            pt("9", "12", 2.0, (0.5, 3.5)),
        ],
        replicates: Some(10),
    };
    assert!(chart.points[0].clear() && !chart.points[1].clear() && chart.points[3].clear());
    let (files, rec) = draw(&tmp.path().join("sweep-heatmap"), &chart).expect("heatmap");
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f.exists()));
    assert_eq!(rec.axes, chart.keys);
    assert_eq!(rec.replicates, Some(10));
    assert_eq!(rec.series, ["effect cells"]);
    let mut one = chart.clone();
    one.keys.truncate(1);
    for p in &mut one.points {
        p.levels.truncate(1);
    }
    let (_, rec) = draw(&tmp.path().join("sweep-line"), &one).expect("line");
    assert_eq!(rec.axes.first(), chart.keys.first());
    assert_eq!(rec.series, ["95% interval", "mean difference"]);
}

/// `--lhs N` without `--vary`: a Latin hypercube over the scenario's own
/// uncertain parameters, one stratum of each parameter's distribution per
/// point; every point fixes them all and equals a plain run with the same
/// `--set` overrides.
#[test]
fn latin_hypercube_over_the_scenarios_uncertain_parameters() {
    let sc = super::common::load(GAP);
    let fs = ddrsim::experiment::factors::factors(&sc);
    assert!(fs.len() >= 2, "the fixture has uncertain parameters");
    let names: Vec<String> = fs.iter().map(|f| f.name.clone()).collect();
    let n = 20;
    let d = experiment::factor_lhs(&sc, n, 5).expect("design");
    assert_eq!(d.keys, names);
    assert_eq!(d, experiment::factor_lhs(&sc, n, 5).expect("again"));
    for (k, f) in fs.iter().enumerate() {
        let mut xs: Vec<f64> = d
            .points
            .iter()
            .map(|p| p[k].parse().expect("number"))
            .collect();
        xs.sort_by(f64::total_cmp);
        // The i-th smallest value lies in the i-th stratum of the
        // distribution (to the 6 significant digits printed).
        for (i, x) in xs.iter().enumerate() {
            let (lo, hi) = (f.at(i as f64 / n as f64), f.at((i + 1) as f64 / n as f64));
            let tol = 1e-5 * x.abs().max(1e-12);
            assert!(
                *x >= lo - tol && *x <= hi + tol,
                "{}: value {x} outside stratum {i} [{lo}, {hi}]",
                f.name
            );
        }
    }
    // The command: sweep.csv's columns are the parameter names and its
    // values the design's (the seed is the scenario's).
    let tmp = tempfile::tempdir().expect("tempdir");
    let (s, r) = (tmp.path().join("s"), tmp.path().join("r"));
    ddrsim()
        .args([
            "sweep",
            GAP,
            "--lhs",
            "3",
            "-n",
            "20",
            "--quiet",
            "--no-charts",
        ])
        .arg("--out")
        .arg(&s)
        .assert()
        .success();
    let design = experiment::factor_lhs(&sc, 3, sc.seed).expect("design");
    let mut sweep = csv::Reader::from_path(s.join("sweep.csv")).expect("sweep.csv");
    let heads = sweep.headers().expect("h").clone();
    let k = names.len();
    assert_eq!(heads.iter().skip(1).take(k).collect::<Vec<_>>(), names);
    let rows: Vec<csv::StringRecord> = sweep.records().map(|r| r.expect("row")).collect();
    for row in &rows {
        let p: usize = row[0].parse().expect("point");
        let values: Vec<&str> = row.iter().skip(1).take(k).collect();
        assert_eq!(values, design.points[p - 1], "point {p}");
    }
    let mut run = ddrsim();
    run.args([
        "run",
        GAP,
        "-n",
        "20",
        "--quiet",
        "--no-charts",
        "--channels",
        "off",
    ]);
    for (key, v) in names.iter().zip(&design.points[1]) {
        run.arg("--set").arg(format!("{key}={v}"));
    }
    run.arg("--out").arg(&r).assert().success();
    let mut summary = csv::Reader::from_path(r.join("summary.csv")).expect("summary");
    let h = summary.headers().expect("h").clone();
    let col = |x: &str| h.iter().position(|c| c == x).expect(x);
    let mut checked = 0;
    for rec in summary.records() {
        let rec = rec.expect("row");
        if &rec[col("group")] != "all" || !experiment::SWEEP_METRICS.contains(&&rec[col("metric")])
        {
            continue;
        }
        let s = rows
            .iter()
            .find(|x| {
                &x[0] == "2" && x[k + 1] == rec[col("policy")] && x[k + 2] == rec[col("metric")]
            })
            .expect("sweep row");
        assert_eq!(&s[k + 3], &rec[col("mean")], "{:?}", rec);
        checked += 1;
    }
    assert_eq!(checked, 5 * 8);
    // A scenario without uncertain parameters needs --vary.
    let a = ddrsim()
        .args([
            "sweep",
            "scenarios/bench-fixed.toml",
            "--lhs",
            "3",
            "--quiet",
        ])
        .arg("--out")
        .arg(tmp.path().join("f"))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("--vary") && err.contains("uncertain"), "{err}");
}
