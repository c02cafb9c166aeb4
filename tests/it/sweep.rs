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

/// The rows of `sweep.csv` in `dir`, each as a map from column name to text.
fn sweep_rows(dir: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut rd = csv::Reader::from_path(dir.join("sweep.csv")).expect("sweep.csv");
    let heads = rd.headers().expect("header").clone();
    rd.records()
        .map(|r| {
            let r = r.expect("row");
            heads
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Asserts that point `point` of the sweep in `sweep` has the values of the
/// plain run in `run`: every policy and sweep metric, summary.csv's mean,
/// mcse and percentiles and comparison.csv's paired columns, and the run's
/// replicate count. Returns the number of rows checked.
pub(crate) fn assert_point_equals_run(sweep: &Path, point: usize, run: &Path) -> usize {
    let rows = sweep_rows(sweep);
    let point = point.to_string();
    let find = |policy: &str, metric: &str| {
        rows.iter()
            .find(|r| r["point"] == point && r["policy"] == policy && r["metric"] == metric)
            .unwrap_or_else(|| panic!("point {point} {policy} {metric}"))
            .clone()
    };
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&run.join("manifest.json"))).expect("manifest");
    let n = manifest["replicates"].as_u64().expect("replicates");
    let mut checked = 0;
    let mut summary = csv::Reader::from_path(run.join("summary.csv")).expect("summary");
    let heads = summary.headers().expect("h").clone();
    let col = |n: &str| heads.iter().position(|h| h == n).expect(n);
    for rec in summary.records() {
        let rec = rec.expect("row");
        let metric = &rec[col("metric")];
        if &rec[col("group")] != "all" || !experiment::SWEEP_METRICS.contains(&metric) {
            continue;
        }
        let s = find(&rec[col("policy")], metric);
        assert_eq!(s["replicates"], n.to_string(), "point {point} replicates");
        for c in ["mean", "mcse", "p05", "p50", "p95"] {
            assert_eq!(s[c], rec[col(c)], "point {point} {metric} {c}");
        }
        checked += 1;
    }
    let mut cmp = csv::Reader::from_path(run.join("comparison.csv")).expect("comparison");
    let heads = cmp.headers().expect("h").clone();
    let col = |n: &str| heads.iter().position(|h| h == n).expect(n);
    for rec in cmp.records() {
        let rec = rec.expect("row");
        let metric = &rec[col("metric")];
        if &rec[col("group")] != "all" || !experiment::SWEEP_METRICS.contains(&metric) {
            continue;
        }
        let s = find(&rec[col("policy")], metric);
        for (sc, rc) in [
            ("diff_mean", "mean_diff"),
            ("diff_ci_low", "ci_low"),
            ("diff_ci_high", "ci_high"),
            ("diff_p05", "p05"),
            ("diff_p50", "p50"),
            ("diff_p95", "p95"),
            ("p_better", "p_better"),
            ("p_tie", "p_tie"),
        ] {
            assert_eq!(s[sc], rec[col(rc)], "point {point} {metric} {sc}");
        }
        checked += 1;
    }
    checked
}

/// `ddrsim run GAP -n N --set ...` into `out`.
fn plain_run(out: &Path, n: &str, sets: &[&str]) {
    let mut cmd = ddrsim();
    cmd.args(["run", GAP, "-n", n, "--quiet", "--no-charts"])
        .args(["--channels", "off"]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    cmd.arg("--out").arg(out).assert().success();
}

/// Every point equals a plain `run` with the same overrides, seed and
/// replicates: sweep.csv's mean and paired columns are summary.csv's and
/// comparison.csv's values.
#[test]
fn a_point_equals_a_run_with_the_same_overrides() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (s, r) = (tmp.path().join("s"), tmp.path().join("r"));
    grid_2x2(&s, "2", &["--no-charts"]).success();
    plain_run(
        &r,
        "30",
        &["policy.kick.kickstart.months=12", "pledge.early.delay=2"],
    );
    // Point 3 is months=12, delay=2 (the last key varies fastest).
    let rows = sweep_rows(&s);
    let row = rows.iter().find(|r| r["point"] == "3").expect("point 3");
    assert_eq!(
        (
            row["policy.kick.kickstart.months"].as_str(),
            row["pledge.early.delay"].as_str()
        ),
        ("12", "2")
    );
    assert_eq!(assert_point_equals_run(&s, 3, &r), 5 * 8 + 4 * 8);
    // The sweep's scenario.toml is the scenario with the sweep's --set.
    assert_eq!(read(&s.join("scenario.toml")), read(Path::new(GAP)));
}

/// `--precision`: each point adds replicates in batches of 250 until the
/// widest 95% half-width of a paired difference on the metric is below the
/// target, so points need different replicate counts; each point's rows
/// equal a plain run with the replicates it used; the plan records the
/// settings, so a resume with other settings is refused.
#[test]
fn precision_points_equal_runs_with_the_replicates_they_used() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let s = tmp.path().join("s");
    let sweep = |out: &Path, extra: &[&str]| {
        ddrsim()
            .args(["sweep", GAP, "--grid", "group.men.caseload=200,800"])
            .args(["-n", "100", "--precision", "rerecruited=1"])
            .args(["--no-charts", "--quiet"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .assert()
    };
    sweep(&s, &["--max-replicates", "3000"]).success();
    let rows = sweep_rows(&s);
    let used = |p: &str| {
        let mut n: Vec<&str> = rows
            .iter()
            .filter(|r| r["point"] == p)
            .map(|r| r["replicates"].as_str())
            .collect();
        n.dedup();
        assert_eq!(n.len(), 1, "one replicate count per point: {n:?}");
        n[0].to_string()
    };
    let (n1, n2) = (used("1"), used("2"));
    let (a, b): (u64, u64) = (n1.parse().expect("n1"), n2.parse().expect("n2"));
    // Batches of 250 after the first 100, and the points differ.
    assert!(a > 100 && b > 100 && (a - 100) % 250 == 0 && (b - 100) % 250 == 0);
    assert_ne!(a, b, "the caseload changes the replicates needed");
    for (point, n, caseload) in [(1, &n1, "200"), (2, &n2, "800")] {
        let r = tmp.path().join(format!("r{point}"));
        plain_run(&r, n, &[&format!("group.men.caseload={caseload}")]);
        assert_eq!(assert_point_equals_run(&s, point, &r), 5 * 8 + 4 * 8);
        // The target is met: the widest half-width on rerecruited is below 1.
        for row in rows
            .iter()
            .filter(|x| x["point"] == point.to_string() && x["metric"] == "rerecruited")
        {
            if row["diff_ci_low"].is_empty() {
                continue;
            }
            let lo: f64 = row["diff_ci_low"].parse().expect("lo");
            let hi: f64 = row["diff_ci_high"].parse().expect("hi");
            assert!((hi - lo) / 2.0 < 1.0, "{row:?}");
        }
    }
    let plan: serde_json::Value =
        serde_json::from_slice(&read(&s.join("sweep.json"))).expect("json");
    assert_eq!(
        plan["precision"],
        serde_json::json!({"metric": "rerecruited", "target": 1.0, "max_replicates": 3000, "batch": 250})
    );
    assert_eq!(plan["replicates"], 100);
    // Resumed with the same settings: the same bytes; with others: refused.
    let whole = read(&s.join("sweep.csv"));
    fs::remove_file(s.join("points/0002.csv")).expect("rm");
    sweep(&s, &["--max-replicates", "3000", "--resume"]).success();
    assert_eq!(read(&s.join("sweep.csv")), whole);
    let refused = sweep(&s, &["--max-replicates", "2000", "--resume"]).failure();
    let err = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(err.contains("precision"), "{err}");
    // A cap at what the faster point needs: the slower one stops at the
    // cap, short of the target, and the warning names it.
    let capped = tmp.path().join("c");
    let cap = a.min(b).to_string();
    let out = ddrsim()
        .args(["sweep", GAP, "--grid", "group.men.caseload=200,800"])
        .args(["-n", "100", "--precision", "rerecruited=1"])
        .args(["--no-charts", "--max-replicates", &cap])
        .arg("--out")
        .arg(&capped)
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let slow = if a > b { "1" } else { "2" };
    assert!(
        err.contains(&format!("NOT reached at point(s) {slow} ")),
        "{err}"
    );
    let capped_rows = sweep_rows(&capped);
    assert!(capped_rows
        .iter()
        .filter(|r| r["point"] == slow)
        .all(|r| r["replicates"] == cap));
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
    let mut zero = 0;
    let mut baseline = std::collections::BTreeMap::new();
    for r in sweep_rows(&out) {
        let amount = &r["policy.kick.kickstart.amount"];
        if r["policy"] == "kick" && amount == "0" {
            assert_eq!(r["diff_mean"], "0", "{r:?}");
            assert_eq!(r["p_tie"], "1", "{r:?}");
            zero += 1;
        }
        // The baseline does not depend on the kick-start's amount.
        if r["policy"] == "baseline" {
            let prev = baseline.insert(r["metric"].clone(), r["mean"].clone());
            assert!(prev.is_none_or(|p| p == r["mean"]), "{r:?}");
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
    use ddrsim::plot::sweep::{EffectChart, EffectPoint};
    use ddrsim::plot::Chart;
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
    let (files, rec) = chart
        .save(&tmp.path().join("sweep-heatmap"))
        .expect("heatmap");
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
    let (_, rec) = one.save(&tmp.path().join("sweep-line")).expect("line");
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
                &x[0] == "2" && x[k + 2] == rec[col("policy")] && x[k + 3] == rec[col("metric")]
            })
            .expect("sweep row");
        assert_eq!(&s[k + 1], "20", "replicates");
        assert_eq!(&s[k + 4], &rec[col("mean")], "{:?}", rec);
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

/// `--shard K/N` deals the points out: every point to exactly one shard,
/// shard sizes within 1 of each other, the same deal every time, and no
/// shard confined to one level of the last grid key when its number of
/// levels is a multiple of N (as `i mod N` would do).
#[test]
fn shards_partition_the_points_and_spread_the_levels() {
    for (total, n) in [(1usize, 1u64), (6, 3), (7, 3), (16, 4), (100, 7), (3, 5)] {
        let mut seen = vec![0; total];
        let mut sizes = Vec::new();
        for k in 1..=n {
            let mine = experiment::shard_points(total, k, n);
            assert_eq!(mine, experiment::shard_points(total, k, n));
            assert!(mine.windows(2).all(|w| w[0] < w[1]), "ascending");
            for &p in &mine {
                seen[p] += 1;
            }
            sizes.push(mine.len());
        }
        assert!(seen.iter().all(|&c| c == 1), "{total} points, {n} shards");
        let (lo, hi) = (sizes.iter().min(), sizes.iter().max());
        assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1), "{sizes:?}");
    }
    // A 4x4 grid on 4 shards: point i has first-key level i / 4 and
    // last-key level i mod 4.
    for k in 1..=4 {
        let mine = experiment::shard_points(16, k, 4);
        for (key, level) in [("first", 4usize), ("last", 1)] {
            let levels: std::collections::BTreeSet<usize> =
                mine.iter().map(|i| i / level % 4).collect();
            assert!(levels.len() >= 2, "shard {k}: {key}-key levels {levels:?}");
        }
    }
}
