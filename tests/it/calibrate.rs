//! `ddrsim calibrate` (docs/calibration.md): ABC-SMC recovers known
//! parameters from targets the engine generated, the posterior resample is
//! reproducible, leaving a programme out removes its targets from the fit,
//! and a bad targets file gets errors naming the file, key and line.

use super::common::{load, path};
use assert_cmd::Command;
use ddrsim::calibrate::abc::proposal_key;
use ddrsim::calibrate::posterior::Posterior;
use ddrsim::calibrate::targets::read;
use ddrsim::calibrate::Calibration;
use std::fs;
use std::time::Instant;

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

/// The bundled targets file with its scenarios loaded.
fn bundled(leave_out: Option<&str>) -> Calibration {
    let text = fs::read_to_string(path("calibration/targets.toml")).expect("targets");
    let mut file = read(&text).expect("valid targets");
    file.settings.particles = 40;
    file.settings.generations = 1;
    let scenarios = file
        .programmes
        .iter()
        .map(|p| load(&format!("calibration/{}", p.scenario)))
        .collect();
    Calibration::new(&file, scenarios, leave_out).expect("calibration")
}

/// A Burundi-only targets text fitting three shared draws; observed values
/// are placeholders replaced by the synthetic truth.
const SYNTHETIC: &str = r#"
[calibration]
particles = 300
generations = 5
quantile = 0.5
budget = 25
seed = 11
parameters = ["shared.rerecruit", "shared.self_reintegration", "shared.lost"]

[[programme]]
id = "burundi"
scenario = "scenarios/burundi-2004.toml"

[[target]]
id = "rerecruited"
programme = "burundi"
quantity = "outcome"
metric = "rerecruited"
observed = 1
sd = 1
source = "synthetic"

[[target]]
id = "self"
programme = "burundi"
quantity = "outcome"
metric = "self_reintegrated"
observed = 1
sd = 1
source = "synthetic"

[[target]]
id = "lost"
programme = "burundi"
quantity = "outcome"
metric = "lost"
observed = 1
sd = 1
source = "synthetic"

[[target]]
id = "waiting"
programme = "burundi"
quantity = "state"
state = "waiting"
month = "2007-06"
observed = 1
sd = 1
source = "synthetic"
"#;

/// Synthetic truth: parameters fixed at known prior quantiles, targets
/// simulated by the engine on a stream no proposal uses, each with an
/// observation sd of 5% of its value (at least 20 people). ABC-SMC must put
/// the truth inside the 90% posterior interval of every parameter and
/// narrow each interval below the prior's.
#[test]
fn abc_recovers_known_parameters_on_the_engine() {
    let file = read(SYNTHETIC).expect("targets");
    let sc = load("scenarios/burundi-2004.toml");
    let mut cal = Calibration::new(&file, vec![sc], None).expect("calibration");
    let truth_u = [0.3, 0.7, 0.5];
    let truth = cal.values(&truth_u);
    let sims = cal.simulate(&truth, 999, proposal_key(1 << 22, 0), &[0]);
    for (t, x) in cal.targets.iter_mut().zip(&sims) {
        t.spec.observed = *x;
        t.spec.sd = (0.05 * x).max(20.0);
    }
    let start = Instant::now();
    let fit = cal.fit(0, |g| {
        println!(
            "tolerance {:.3} proposals {} acceptance {:.3} ess {:.0}",
            g.tolerance,
            g.proposals,
            g.acceptance(),
            g.ess
        )
    });
    println!("fit in {:.1} s", start.elapsed().as_secs_f64());
    assert!(fit.abc.generations.len() >= 4, "{:?}", fit.abc.generations);
    for (p, &x) in cal.parameter_summary(&fit).iter().zip(&truth) {
        println!(
            "{}: truth {x}, prior {:?}, posterior {:?}",
            p.name, p.prior, p.posterior
        );
        assert!(
            p.posterior[0] <= x && x <= p.posterior[2],
            "{}: truth {x} outside the 90% posterior interval {:?}",
            p.name,
            p.posterior
        );
        assert!(
            p.width_ratio() < 1.0,
            "{}: posterior not narrower than the prior",
            p.name
        );
    }
}

#[test]
fn posterior_resample_is_reproducible_and_follows_the_weights() {
    let post = Posterior {
        names: vec!["shared.a".into(), "shared.b".into()],
        weights: vec![0.2, 0.5, 0.3],
        draws: vec![vec![1.0, 10.0], vec![2.0, 20.0], vec![3.0, 30.0]],
    };
    // The CSV round trip gives the same draws and weights, bit for bit.
    let back = Posterior::from_csv(&post.to_csv()).expect("csv");
    assert_eq!(back, post);
    // The same (seed, p) always gives the same draw; the seed matters.
    let picks: Vec<usize> = (0..20_000).map(|p| post.pick(7, p)).collect();
    let again: Vec<usize> = (0..20_000).map(|p| back.pick(7, p)).collect();
    assert_eq!(picks, again);
    let other: Vec<usize> = (0..20_000).map(|p| post.pick(8, p)).collect();
    assert_ne!(picks, other);
    // Frequencies follow the weights within 4 binomial standard errors.
    let n = picks.len() as f64;
    for (i, w) in post.weights.iter().enumerate() {
        let f = picks.iter().filter(|&&k| k == i).count() as f64 / n;
        let se = (w * (1.0 - w) / n).sqrt();
        assert!(
            (f - w).abs() < 4.0 * se,
            "draw {i}: frequency {f}, weight {w}"
        );
    }
    // Applying sets every slot of each column to the picked draw.
    let sc = load("scenarios/burundi-2004.toml");
    let real = Posterior {
        names: vec!["shared.rerecruit".into()],
        weights: vec![1.0],
        draws: vec![vec![0.00123]],
    };
    let mut values = ddrsim::engine::point::prior_values(&sc, 1, 3);
    real.apply(&sc, 1, 3, &mut values).expect("apply");
    let slots: Vec<usize> = sc
        .params
        .iter()
        .enumerate()
        .filter(|(_, s)| s.key.ends_with(".hazard.rerecruit"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(slots.len(), sc.groups.len());
    assert!(slots.iter().all(|&i| values[i] == 0.00123));
    let unknown = Posterior {
        names: vec!["shared.no_such_draw".into()],
        ..real
    };
    let err = unknown
        .apply(&sc, 1, 3, &mut values)
        .expect_err("unknown name");
    assert!(
        err.contains("shared.no_such_draw") && err.contains("burundi-2004"),
        "{err}"
    );
    // A value outside the range the scenario draws from is refused, with its row.
    let negative = Posterior {
        names: vec!["shared.rerecruit".into()],
        weights: vec![0.5, 0.5],
        draws: vec![vec![0.001], vec![-0.001]],
    };
    let err = negative
        .apply(&sc, 1, 3, &mut values)
        .expect_err("out of range");
    assert!(
        err.contains("row 3") && err.contains("shared.rerecruit"),
        "{err}"
    );
}

#[test]
fn run_with_params_is_thread_independent_and_takes_the_posterior_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("posterior.csv");
    let post = Posterior {
        names: vec!["shared.rerecruit".into(), "shared.wait_effect".into()],
        weights: vec![0.25, 0.75],
        draws: vec![vec![0.0011, 0.01], vec![0.0033, 0.05]],
    };
    fs::write(&csv, post.to_csv()).expect("write");
    // `ddrsim COMMAND scenarios/burundi-2004.toml ARGS --quiet --no-charts
    // --params posterior.csv --out dir/OUT`.
    let with_params = |command: &str, args: &[&str], out: &str| {
        let mut cmd = ddrsim();
        cmd.args([command, "scenarios/burundi-2004.toml"])
            .args(args)
            .args(["--quiet", "--no-charts", "--params"])
            .arg(&csv)
            .arg("--out")
            .arg(dir.path().join(out))
            .assert()
    };
    let out = |j: &str| {
        let o = format!("run-{j}");
        with_params("run", &["-n", "40", "-j", j], &o).success();
        dir.path().join(o)
    };
    let (a, b) = (out("1"), out("2"));
    for f in [
        "summary.csv",
        "comparison.csv",
        "replicates.csv",
        "timeseries.csv",
        "params.csv",
    ] {
        assert_eq!(
            fs::read(a.join(f)).expect("a"),
            fs::read(b.join(f)).expect("b"),
            "{f} differs between thread counts"
        );
    }
    // Every replicate's rerecruit value is one of the posterior's, as picked.
    let sc = load("scenarios/burundi-2004.toml");
    let rows = fs::read_to_string(a.join("replicates.csv")).expect("rows");
    let header: Vec<&str> = rows.lines().next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| h.ends_with("hazard.rerecruit"))
        .expect("a rerecruit column");
    let rep = header
        .iter()
        .position(|h| *h == "replicate")
        .expect("replicate column");
    let mut seen = 0;
    for line in rows.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let i: u64 = cells[rep].parse().expect("index");
        let x: f64 = cells[col].parse().expect("value");
        assert_eq!(x, post.draws[post.pick(sc.seed, i)][0], "replicate {i}");
        seen += 1;
    }
    assert!(seen > 0);
    // A sweep takes the posterior too, and refuses to vary a draw it sets.
    let res = with_params(
        "sweep",
        &["--grid", "shared.rerecruit=0.002,0.004", "-n", "4"],
        "sweep",
    )
    .failure();
    let err = String::from_utf8_lossy(&res.get_output().stderr).to_string();
    assert!(
        err.contains("shared.rerecruit") && err.contains("varies"),
        "{err}"
    );
    // An unknown shared name is a clear error.
    fs::write(&csv, "draw,weight,shared.nope\n0,1,0.5\n").expect("write");
    let res = with_params("run", &["-n", "4"], "bad").failure();
    let err = String::from_utf8_lossy(&res.get_output().stderr).to_string();
    assert!(
        err.contains("shared.nope") && err.contains("posterior.csv"),
        "{err}"
    );
}

#[test]
fn leaving_a_programme_out_removes_its_targets_from_the_fit() {
    let all = bundled(None);
    let without = bundled(Some("angola"));
    assert!(all.targets.iter().all(|t| t.fitted));
    for t in &without.targets {
        assert_eq!(t.fitted, t.spec.programme != "angola", "{}", t.spec.id);
    }
    let angola = without
        .programmes
        .iter()
        .position(|p| p.id == "angola")
        .expect("angola");
    assert!(!without.fitted_programmes().contains(&angola));
    // The fit does not see the left-out figures: changing them changes
    // nothing but their own rows of the summary.
    let fit = without.fit(2, |_| {});
    let mut moved = without.clone();
    for t in moved.targets.iter_mut().filter(|t| !t.fitted) {
        t.spec.observed *= 0.5;
    }
    let fit2 = moved.fit(1, |_| {});
    assert_eq!(fit.abc, fit2.abc);
    assert_eq!(fit.posterior_predictive, fit2.posterior_predictive);
    // ... while changing a fitted figure does change the fit.
    let mut fitted_moved = without.clone();
    if let Some(t) = fitted_moved.targets.iter_mut().find(|t| t.fitted) {
        t.spec.observed *= 0.5;
    }
    assert_ne!(fitted_moved.fit(2, |_| {}).abc, fit.abc);
    // The left-out targets are still predicted.
    let summary = without.target_summary(&fit);
    for s in summary.iter().filter(|s| s.programme == "angola") {
        assert!(!s.fitted);
        assert!(s.posterior.iter().all(|x| x.is_finite()), "{}", s.id);
    }
}

/// Bad targets files: each problem names its key path and line, and the
/// command names the file and exits non-zero.
#[test]
fn invalid_targets_files_get_errors_with_key_and_line() {
    let cases: &[(&str, &str, &str, usize)] = &[
        ("[calibration]\nparticle = 10\n", "calibration.particle", "did you mean \"particles\"", 2),
        (
            "[[programme]]\nid = \"x\"\nscenario = \"a.toml\"\n[[target]]\nid = \"t\"\nprogramme = \"y\"\nquantity = \"state\"\nstate = \"waiting\"\nmonth = \"2002-01\"\nobserved = 1\nsd = 1\nsource = \"S1\"\n",
            "target.t.programme",
            "no [[programme]] with id \"y\"",
            6,
        ),
        (
            "[[programme]]\nid = \"x\"\nscenario = \"a.toml\"\n[[target]]\nid = \"t\"\nprogramme = \"x\"\nquantity = \"stat\"\nobserved = 1\nsd = 0\nsource = \"S1\"\n",
            "target.t.quantity",
            "did you mean \"state\"",
            7,
        ),
        (
            "[[programme]]\nid = \"x\"\nscenario = \"a.toml\"\n[[target]]\nid = \"t\"\nprogramme = \"x\"\nquantity = \"outcome\"\nmetric = \"lost\"\nobserved = 1\nsd = -2\nsource = \"S1\"\n",
            "target.t.sd",
            "greater than 0",
            10,
        ),
        ("[calibration\n", "toml", "not valid TOML", 1),
    ];
    for (text, key, msg, line) in cases {
        let problems = read(text).expect_err(text);
        let p = problems
            .iter()
            .find(|p| p.key == *key)
            .unwrap_or_else(|| panic!("no problem for {key}: {problems:?}"));
        assert!(p.message.contains(msg), "{key}: {}", p.message);
        assert_eq!(p.at.map(|a| a.0), Some(*line), "{key}: {p}");
    }
    // Checks against the scenarios: a month outside the horizon, an unknown group.
    let text = fs::read_to_string(path("calibration/targets.toml")).expect("targets");
    let bad = text
        .replace("month = \"2002-06\"", "month = \"2012-06\"")
        .replace(
            "exclude_groups = [\"children\"]",
            "exclude_groups = [\"kids\"]",
        );
    let file = read(&bad).expect("readable");
    let scenarios = file
        .programmes
        .iter()
        .map(|p| load(&format!("calibration/{}", p.scenario)))
        .collect();
    let problems = Calibration::new(&file, scenarios, None).expect_err("invalid");
    let line_of = |needle: &str| bad.lines().position(|l| l.contains(needle)).expect("line") + 1;
    let month = problems
        .iter()
        .find(|p| p.key == "target.sl-reintegrated-2002-06.month")
        .unwrap_or_else(|| panic!("{problems:?}"));
    assert!(month.message.contains("outside scenario"), "{month}");
    assert_eq!(month.at.map(|a| a.0), Some(line_of("month = \"2012-06\"")));
    let group = problems
        .iter()
        .find(|p| p.key == "target.bi-adults-reached.exclude_groups")
        .unwrap_or_else(|| panic!("{problems:?}"));
    assert!(group.message.contains("no group \"kids\""), "{group}");
    // The command: file name, line and key on stderr, non-zero exit.
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("bad-targets.toml");
    fs::write(&f, "[calibration]\nparticle = 10\n").expect("write");
    let res = ddrsim().arg("calibrate").arg(&f).assert().failure();
    let err = String::from_utf8_lossy(&res.get_output().stderr).to_string();
    assert!(
        err.contains("bad-targets.toml")
            && err.contains("line 2")
            && err.contains("calibration.particle"),
        "{err}"
    );
}

/// The command writes byte-identical posterior.csv and calibration.csv
/// whatever the thread count.
#[test]
fn calibrate_command_is_thread_independent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |j: &str| {
        let out = dir.path().join(format!("cal-{j}"));
        ddrsim()
            .args([
                "calibrate",
                "calibration/targets.toml",
                "--particles",
                "30",
                "--generations",
                "2",
                "--quiet",
                "--no-charts",
                "-j",
                j,
            ])
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        out
    };
    let (a, b) = (run("1"), run("3"));
    for f in ["posterior.csv", "calibration.csv"] {
        let x = fs::read(a.join(f)).expect("a");
        assert!(!x.is_empty());
        assert_eq!(x, fs::read(b.join(f)).expect("b"), "{f}");
    }
}
