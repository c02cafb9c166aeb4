//! Bad inputs and the acceptance rule (issue 12).
//!
//! - Every file of the catalogue `tests/fixtures/bad/` (one case each, its
//!   expected key path in a `# expect:` header line, further required
//!   phrases in `# also:` lines, an exact problem count in `# problems:`) is
//!   refused by `validate` and by `run` with a non-zero exit, no panic, the
//!   key path on stderr, no control characters, and nothing written.
//! - Whatever `validate` accepts, `run` runs; no CSV of such a run holds a
//!   NaN or an infinity.
//! - Distributions are truncated to their parameter's range by inverse CDF.
//! - Money stays exact at the documented limit and is refused above it.
//! - `--threads` above the cap is capped with a message.

use super::common::{check_invariants, path, replicate};
use assert_cmd::Command;
use ddrsim::scenario::param::{Dist, Truncated};
use ddrsim::scenario::validate::{limits, money_scale};
use ddrsim::scenario::{parse_and_validate, Param, ScenarioError};
use std::fs;
use std::path::{Path, PathBuf};

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

/// One catalogue case: file, expected key path, phrases, problem count.
struct Case {
    file: PathBuf,
    expect: String,
    also: Vec<String>,
    problems: Option<usize>,
}

fn catalogue() -> Vec<Case> {
    let mut cases: Vec<Case> = fs::read_dir(path("tests/fixtures/bad"))
        .expect("catalogue")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|file| {
            let bytes = fs::read(&file).expect("read");
            let text = String::from_utf8_lossy(&bytes).to_string();
            let header = |tag: &str| -> Vec<String> {
                text.lines()
                    .take_while(|l| l.starts_with('#'))
                    .filter_map(|l| l.strip_prefix(tag).map(str::to_string))
                    .collect()
            };
            let expect = header("# expect: ")
                .pop()
                .unwrap_or_else(|| panic!("{}: no # expect: line", file.display()));
            Case {
                also: header("# also: "),
                problems: header("# problems: ")
                    .pop()
                    .map(|n| n.parse().expect("count")),
                expect,
                file,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.file.cmp(&b.file));
    cases
}

/// Control characters other than newline in a command's output.
fn control_chars(s: &str) -> Vec<char> {
    s.chars().filter(|c| c.is_control() && *c != '\n').collect()
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

#[test]
fn the_catalogue_has_at_least_forty_cases() {
    assert!(catalogue().len() >= 40, "{}", catalogue().len());
}

#[test]
fn validate_refuses_every_bad_file_with_its_key_path() {
    for c in catalogue() {
        let name = c.file.display().to_string();
        let a = ddrsim().arg("validate").arg(&c.file).assert().code(1);
        let err = stderr_of(&a);
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            err.contains(&c.expect),
            "{name}: stderr lacks {:?}:\n{err}",
            c.expect
        );
        for phrase in &c.also {
            assert!(
                err.contains(phrase),
                "{name}: stderr lacks {phrase:?}:\n{err}"
            );
        }
        if let Some(n) = c.problems {
            assert!(
                err.contains(&format!(" {n} problem(s)")),
                "{name}: not {n} problem(s):\n{err}"
            );
        }
        assert!(
            control_chars(&err).is_empty(),
            "{name}: control characters in {err:?}"
        );
    }
}

#[test]
fn run_refuses_every_bad_file_and_writes_nothing() {
    for c in catalogue() {
        let name = c.file.display().to_string();
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("out");
        let a = ddrsim()
            .arg("run")
            .arg(&c.file)
            .args(["--quiet", "--no-charts", "-n", "2", "--out"])
            .arg(&out)
            .assert()
            .failure();
        let err = stderr_of(&a);
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(
            err.contains(&c.expect),
            "{name}: stderr lacks {:?}:\n{err}",
            c.expect
        );
        assert!(
            control_chars(&err).is_empty(),
            "{name}: control characters in {err:?}"
        );
        let left: Vec<_> = fs::read_dir(tmp.path()).expect("dir").flatten().collect();
        assert!(left.is_empty(), "{name}: run wrote {left:?}");
    }
}

/// The library gives each case a problem at exactly the expected key, with
/// a line and column (except whole-scenario problems that have no place).
#[test]
fn each_case_has_a_problem_at_its_exact_key_with_a_position() {
    for c in catalogue() {
        let Ok(text) = fs::read_to_string(&c.file) else {
            continue; // the binary case never reaches the parser
        };
        let name = c.file.display().to_string();
        let problems = match parse_and_validate(&text) {
            Err(ScenarioError::Invalid(p)) => p,
            other => panic!("{name}: expected problems, got {other:?}"),
        };
        let p = problems
            .iter()
            .find(|p| p.key == c.expect)
            .unwrap_or_else(|| panic!("{name}: no problem at {}: {problems:?}", c.expect));
        if !["group", "policy"].contains(&c.expect.as_str()) {
            assert!(p.at.is_some(), "{name}: no position for {p:?}");
        }
        assert!(!p.message.is_empty());
        if let Some(n) = c.problems {
            assert_eq!(problems.len(), n, "{name}: {problems:?}");
        }
    }
}

/// Every problem of a file with many independent mistakes is reported at once.
#[test]
fn independent_problems_are_all_reported_together() {
    let text = fs::read_to_string(path("tests/fixtures/gap.toml"))
        .expect("fixture")
        .replace("dd_months = 1\n", "dd_months = \"one\"\n")
        .replace("dropout = 0.01", "dropout = nan")
        .replace("fulfilment = 0.7", "fulfilment = 1.7")
        .replace("reint_months = 3", "reint_monthz = 3")
        .replace("month = \"2024-12\"", "month = \"2031-01\"")
        .replace("mean = 0.8, sd = 0.1", "mean = 0.8, sd = 0.5");
    let Err(ScenarioError::Invalid(problems)) = parse_and_validate(&text) else {
        panic!("expected problems");
    };
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    for k in [
        "group.men.dd_months",
        "group.men.hazard.dropout",
        "pledge.late.fulfilment",
        "group.women.reint_monthz",
        "pledge.late.month",
        "pledge.early.fulfilment",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    // No follow-on: the misspelt key's absence is not reported again.
    assert!(!keys.contains(&"group.women.reint_months"), "{keys:?}");
    assert_eq!(problems.len(), 6, "{problems:#?}");
    // Sorted by position.
    let at: Vec<_> = problems.iter().filter_map(|p| p.at).collect();
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "{at:?}");
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_reading() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let big = tmp.path().join("big.toml");
    let text = fs::read_to_string(path("tests/fixtures/gap.toml")).expect("fixture");
    let filler = format!("# {}\n", "x".repeat(1000));
    let n = limits::MAX_FILE_BYTES / filler.len() + 1;
    fs::write(&big, text + &filler.repeat(n)).expect("write");
    for cmd in ["validate", "run"] {
        let mut c = ddrsim();
        c.arg(cmd).arg(&big);
        if cmd == "run" {
            c.arg("--out").arg(tmp.path().join("out"));
        }
        let err = stderr_of(&c.assert().failure());
        assert!(err.contains("at most") && err.contains("bytes"), "{err}");
    }
    assert!(!tmp.path().join("out").exists());
}

/// Every scenario and valid fixture shipped: validate accepts it, so run
/// must run it (with charts and report), and no CSV may hold NaN or inf.
#[test]
fn whatever_validate_accepts_run_runs_without_nan() {
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/fixtures"] {
        for e in fs::read_dir(path(dir)).expect("dir").flatten() {
            if e.path().extension().is_some_and(|x| x == "toml") {
                files.push(e.path());
            }
        }
    }
    assert!(files.len() >= 10);
    for f in files {
        let valid = ddrsim().arg("validate").arg(&f).output().expect("validate");
        if !valid.status.success() {
            continue;
        }
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("out");
        let a = ddrsim()
            .arg("run")
            .arg(&f)
            .args(["--quiet", "-n", "6", "--out"])
            .arg(&out)
            .assert();
        let err = stderr_of(&a);
        assert!(
            a.get_output().status.success(),
            "{}: validate accepted, run failed: {err}",
            f.display()
        );
        assert_no_nan(&out);
    }
}

/// No field of any CSV in `dir` is NaN or infinite.
pub fn assert_no_nan(dir: &Path) {
    let mut seen = 0;
    for e in fs::read_dir(dir).expect("out").flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "csv") {
            continue;
        }
        seen += 1;
        let mut r = csv::Reader::from_path(&p).expect("csv");
        for row in r.records() {
            let row = row.expect("row");
            for field in row.iter() {
                let f = field.trim().to_ascii_lowercase();
                let f = f.trim_start_matches(['-', '+']);
                assert!(
                    !(f == "nan" || f == "inf" || f == "infinity"),
                    "{}: non-finite value {field:?} in {row:?}",
                    p.display()
                );
            }
        }
    }
    assert!(seen >= 4, "{}: only {seen} CSV files", dir.display());
}

/// A scenario built from gap.toml with one replacement.
fn gap_with(from: &str, to: &str) -> String {
    let text = fs::read_to_string(path("tests/fixtures/gap.toml")).expect("fixture");
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

/// At the documented money limit a run is exact (people and money conserved,
/// no negative gap); just above it, validation refuses with the key path.
#[test]
fn money_is_exact_at_the_limit_and_refused_above_it() {
    let scale = |x: f64| {
        money_scale(
            &parse_and_validate(&gap_with("dd_cost = 300", &format!("dd_cost = {x}")))
                .expect("valid"),
        )
    };
    // The scale is linear in dd_cost: solve for the limit.
    let (a, b) = (scale(300.0), scale(600.0));
    let slope = (b - a) / 300.0;
    let at_limit = |share: f64| 300.0 + (share * limits::MAX_MONEY_USD - a) / slope;
    let ok = gap_with(
        "dd_cost = 300",
        &format!("dd_cost = {}", at_limit(0.999).floor()),
    );
    let sc = parse_and_validate(&ok).expect("just below the limit is valid");
    assert!(money_scale(&sc) <= limits::MAX_MONEY_USD);
    for i in 0..4 {
        let (inp, trajs) = replicate(&sc, 5, i);
        for t in &trajs {
            check_invariants(&inp, t, "at the money limit");
            for m in &t.months {
                assert!(
                    m.demand.iter().all(|&d| d >= 0),
                    "negative demand {:?}",
                    m.demand
                );
            }
        }
    }
    let bad = gap_with(
        "dd_cost = 300",
        &format!("dd_cost = {}", at_limit(1.001).ceil()),
    );
    match parse_and_validate(&bad) {
        Err(ScenarioError::Invalid(p)) => assert!(
            p.iter()
                .any(|p| p.key == "group.men.dd_cost" && p.message.contains("money scale")),
            "{p:?}"
        ),
        other => panic!("expected the money limit, got {other:?}"),
    }
    // The case: 1e13 per person admitted to D&D.
    assert!(parse_and_validate(&gap_with("dd_cost = 300", "dd_cost = 1e13")).is_err());
}

/// Draws of a distribution whose support leaves the range follow the
/// truncated distribution: a Kolmogorov-Smirnov test at the 0.1% level
/// against `(F(x) - F(lo)) / (F(hi) - F(lo))`, and none leaves the range.
#[test]
fn draws_follow_the_truncated_distribution() {
    use rand::SeedableRng;
    let cases = [
        (
            Dist::Normal {
                mean: 0.95,
                sd: 0.02,
            },
            0.0,
            1.0,
        ),
        (
            Dist::Uniform {
                min: -0.005,
                max: 0.995,
            },
            0.0,
            1.0,
        ),
        (
            Dist::Gamma {
                mean: 12.0,
                sd: 4.0,
            },
            0.0,
            26.0,
        ),
        (Dist::Beta { mean: 0.8, sd: 0.1 }, 0.0, 1.0),
        (
            Dist::Lognormal {
                mu: None,
                sigma: None,
                p05: Some(100.0),
                p95: Some(400.0),
            },
            0.0,
            1e13,
        ),
    ];
    for (d, lo, hi) in cases {
        let t = Truncated::within(d.clone(), lo, hi).expect("at least 99% inside");
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(42);
        let n = 4000;
        let mut xs: Vec<f64> = (0..n).map(|_| t.sample(&mut rng)).collect();
        assert!(
            xs.iter().all(|x| x.is_finite() && *x >= t.lo && *x <= t.hi),
            "{d:?}"
        );
        assert!(t.hi <= hi && t.lo >= lo);
        xs.sort_by(f64::total_cmp);
        let (flo, fhi) = (d.cdf(t.lo), d.cdf(t.hi));
        let ks = xs
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let f = (d.cdf(x) - flo) / (fhi - flo);
                (f - i as f64 / n as f64)
                    .abs()
                    .max(((i + 1) as f64 / n as f64 - f).abs())
            })
            .fold(0.0, f64::max);
        // Critical value of the one-sample KS statistic at the 0.1% level.
        assert!(ks < 1.949 / (n as f64).sqrt(), "{d:?}: KS {ks}");
    }
}

/// The quantile function inverts the CDF for every distribution.
#[test]
fn quantiles_invert_the_cdf() {
    let dists = [
        Dist::Uniform { min: 2.0, max: 5.0 },
        Dist::Triangular {
            min: 0.0,
            mode: 0.1,
            max: 0.3,
        },
        Dist::Triangular {
            min: 0.0,
            mode: 0.0,
            max: 1.0,
        },
        Dist::Normal {
            mean: 10.0,
            sd: 2.0,
        },
        Dist::Lognormal {
            mu: Some(0.0),
            sigma: Some(0.5),
            p05: None,
            p95: None,
        },
        Dist::Beta { mean: 0.8, sd: 0.1 },
        Dist::Beta {
            mean: 0.01,
            sd: 0.009,
        },
        Dist::Gamma {
            mean: 12.0,
            sd: 4.0,
        },
        Dist::Gamma { mean: 1.0, sd: 3.0 },
    ];
    for d in dists {
        for p in [1e-9, 1e-4, 0.01, 0.2, 0.5, 0.8, 0.99, 0.9999, 1.0 - 1e-9] {
            let x = d.quantile(p);
            assert!(x.is_finite(), "{d:?} at {p}");
            assert!(
                (d.cdf(x) - p).abs() < 1e-7,
                "{d:?}: F(Q({p})) = {}",
                d.cdf(x)
            );
        }
    }
    // A gamma with a tiny shape: quantiles below the smallest double are 0,
    // never NaN; the upper ones still invert.
    let d = Dist::Gamma {
        mean: 1.0,
        sd: 20.0,
    };
    for p in [1e-9, 0.1, 0.5, 0.9, 0.999] {
        let x = d.quantile(p);
        assert!(x.is_finite() && x >= 0.0, "{p}: {x}");
        if x > 1e-300 {
            assert!((d.cdf(x) - p).abs() < 1e-7, "F(Q({p})) = {}", d.cdf(x));
        }
    }
}

#[test]
fn distributions_mostly_outside_their_range_or_undefined_are_refused() {
    for (d, lo, hi) in [
        (Dist::Normal { mean: 0.5, sd: 0.5 }, 0.0, 1.0),
        (
            Dist::Uniform {
                min: -1.0,
                max: 1.0,
            },
            0.0,
            1e13,
        ),
        (
            Dist::Lognormal {
                mu: None,
                sigma: None,
                p05: Some(1e-300),
                p95: Some(1e300),
            },
            0.0,
            1e13,
        ),
        (
            Dist::Beta {
                mean: 1e-300,
                sd: 1e-301,
            },
            0.0,
            1.0,
        ),
        (
            Dist::Beta {
                mean: 0.999_999,
                sd: 1e-9,
            },
            0.0,
            1.0,
        ),
        (Dist::Beta { mean: 0.5, sd: 0.6 }, 0.0, 1.0),
        (
            Dist::Gamma {
                mean: 1e-300,
                sd: 1e-300,
            },
            0.0,
            1e6,
        ),
    ] {
        assert!(
            Truncated::within(d.clone(), lo, hi).is_err(),
            "{d:?} accepted"
        );
    }
}

/// A shared draw is truncated to the intersection of its parameters'
/// ranges: both uses draw the same value, inside both ranges.
#[test]
fn a_shared_draw_is_truncated_to_the_intersection_of_ranges() {
    let d = "{ dist = \"uniform\", min = 0.0, max = 1.005, shared = \"sec\" }";
    let text = gap_with("s0 = 0.4", &format!("s0 = {d}")).replacen(
        "kappa = 0.5",
        &format!("kappa = {d}"),
        1,
    );
    let sc = parse_and_validate(&text).expect("99.5% of the mass is inside [0, 1]");
    let slots: Vec<_> = sc
        .params
        .iter()
        .filter(|s| s.key == "ssr.s0" || s.key == "ssr.kappa")
        .collect();
    assert_eq!(slots.len(), 2);
    for s in &slots {
        let Param::Shared(sd) = &s.param else {
            panic!("shared")
        };
        assert_eq!(sd.dist.hi, 1.0, "{}", s.key);
    }
    for i in 0..50 {
        let v = ddrsim::engine::inputs::draw_values(
            &sc,
            &ddrsim::engine::rng::Streams::replicate(1, i),
        );
        let pick = |k: &str| v[sc.params.iter().position(|s| s.key == k).expect("slot")];
        assert_eq!(pick("ssr.s0"), pick("ssr.kappa"));
        assert!((0.0..=1.0).contains(&pick("ssr.kappa")));
    }
}

#[test]
fn threads_above_the_cap_are_capped_with_a_message() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let a = ddrsim()
        .args([
            "run",
            "tests/fixtures/gap.toml",
            "--quiet",
            "--no-charts",
            "-n",
            "70",
            "--threads",
            "100000",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let err = stderr_of(&a);
    let cap = ddrsim::engine::run::max_threads();
    assert!(
        err.contains("above the cap") && err.contains(&format!("using {cap}")),
        "{err}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["threads"], cap);
    assert!(cap <= 256);
    ddrsim()
        .args(["run", "tests/fixtures/gap.toml", "--threads", "0", "--out"])
        .arg(tmp.path().join("zero"))
        .assert()
        .failure();
    assert!(!tmp.path().join("zero").exists());
}

/// A file with tens of thousands of mistakes is answered quickly (no
/// quadratic work per problem) and its list is capped.
#[test]
fn many_problems_are_capped_and_fast() {
    let keys: String = (0..50_000).map(|i| format!("k{i} = 1\n")).collect();
    let text = gap_with("seed = 11\n", &format!("seed = 11\n{keys}"));
    let started = std::time::Instant::now();
    let Err(ScenarioError::Invalid(problems)) = parse_and_validate(&text) else {
        panic!("expected problems");
    };
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    assert_eq!(problems.len(), limits::MAX_PROBLEMS + 1);
    assert!(problems[limits::MAX_PROBLEMS]
        .message
        .contains("49900 more problem(s)"));
}
