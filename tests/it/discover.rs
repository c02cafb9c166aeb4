//! PRIM (experiment::prim) on planted boxes, and `ddrsim discover`:
//! outputs byte-identical whatever the thread count, clear errors.

use ddrsim::experiment::prim::{describe, prim, PrimOptions, Selection};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn unit(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// `n` uniform points in `k` dimensions labelled by `rule`, each label
/// flipped with probability `noise`.
fn planted(
    n: usize,
    k: usize,
    noise: f64,
    seed: u64,
    rule: impl Fn(&[f64]) -> bool,
) -> (Vec<Vec<f64>>, Vec<bool>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<f64> = (0..k).map(|_| unit(&mut rng)).collect();
        let flip = unit(&mut rng) < noise;
        y.push(rule(&row) != flip);
        x.push(row);
    }
    (x, y)
}

/// Tolerance on a recovered limit. At the planted box (mass 0.12, widths
/// 0.4 and 0.3) one peel or paste moves a limit by at most 0.05 x 0.4 =
/// 0.02; the two sides of the true boundary differ in density by 0.9, so
/// a limit one step off changes the box density by about 0.9 x 0.02 x 0.3
/// / 0.12 = 0.045, several binomial standard errors of the density at 240
/// points (0.014). Two steps: 0.04.
const LIMIT_TOL: f64 = 0.04;

#[test]
fn prim_recovers_a_planted_box_and_leaves_other_factors_free() {
    let opts = PrimOptions {
        resamples: 20,
        seed: 11,
        ..PrimOptions::default()
    };
    for seed in [1u64, 2, 3] {
        let (x, y) = planted(2000, 5, 0.05, seed, |r| r[0] > 0.6 && r[1] < 0.3);
        let res = prim(&x, &y, &opts).expect("prim");
        // The knee is the planted box itself: the box selected on the
        // trajectory (before pasting and pruning) restricts x1 and x2 only.
        let sel = &res.trajectory[res.selected];
        assert_eq!(
            sel.restricted,
            vec![true, true, false, false, false],
            "seed {seed}: selected step {} of {}: {sel:?}",
            res.selected,
            res.trajectory.len() - 1
        );
        assert_eq!(res.pasted.restricted, sel.restricted, "seed {seed}");
        let b = &res.chosen;
        assert_eq!(
            b.restricted,
            vec![true, true, false, false, false],
            "seed {seed}: {b:?}"
        );
        assert_eq!(
            b.sides[0],
            (true, false),
            "seed {seed}: x1 has only a lower limit"
        );
        assert_eq!(
            b.sides[1],
            (false, true),
            "seed {seed}: x2 has only an upper limit"
        );
        assert!(
            (b.limits[0].0 - 0.6).abs() < LIMIT_TOL,
            "seed {seed}: x1 > {}",
            b.limits[0].0
        );
        assert!(
            (b.limits[1].1 - 0.3).abs() < LIMIT_TOL,
            "seed {seed}: x2 < {}",
            b.limits[1].1
        );
        // The true box holds 95% cases; the noise outside puts 5% of 88%
        // of the points among the cases, so coverage is near 0.114/0.158.
        assert!(b.density > 0.85, "seed {seed}: density {}", b.density);
        assert!(b.coverage > 0.6, "seed {seed}: coverage {}", b.coverage);
        // The two real restrictions are significant.
        for j in 0..2 {
            let qp = res.quasi_p[j].expect("restricted");
            assert!(qp < 1e-6, "seed {seed}: quasi-p of x{} = {qp}", j + 1);
        }
        assert!(res.quasi_p[2..].iter().all(Option::is_none));
        // Stable: the resampled boxes restrict x1 and x2, rarely others.
        let st = res.stability.as_ref().expect("stability");
        assert_eq!(st.resamples, 20);
        assert!(
            st.restricted_share[0] >= 0.9 && st.restricted_share[1] >= 0.9,
            "{st:?}"
        );
        assert!(st.restricted_share[2..].iter().all(|&s| s <= 0.3), "{st:?}");
        let names: Vec<String> = (1..=5).map(|i| format!("x{i}")).collect();
        let words = describe(b, &names, &|_, v| format!("{v:.2}"));
        assert!(
            words.starts_with("x1 > 0.") && words.contains(" and x2 < 0."),
            "{words}"
        );
    }
}

#[test]
fn prim_trajectory_respects_min_mass_and_pasting_never_lowers_density() {
    for (seed, min_mass) in [(5u64, 0.05), (6, 0.2), (7, 0.1)] {
        // A box in the middle of x3: both sides get peeled.
        let (x, y) = planted(1000, 4, 0.1, seed, |r| {
            r[2] > 0.3 && r[2] < 0.6 && r[0] < 0.7
        });
        let opts = PrimOptions {
            min_mass,
            resamples: 0,
            ..PrimOptions::default()
        };
        let res = prim(&x, &y, &opts).expect("prim");
        let t = &res.trajectory;
        assert!(t.len() > 5, "a real trajectory: {}", t.len());
        assert_eq!(t[0].points, 1000);
        assert_eq!(t[0].restricted_dims(), 0);
        for (i, b) in t.iter().enumerate() {
            assert!(b.mass >= min_mass, "step {i}: mass {} < {min_mass}", b.mass);
            // The stated numbers agree with the limits.
            let inside = x.iter().filter(|r| b.contains(r)).count();
            let cases = x
                .iter()
                .zip(&y)
                .filter(|(r, &c)| c && b.contains(r))
                .count();
            assert_eq!((b.points, b.cases), (inside, cases), "step {i}");
            if i > 0 {
                assert!(
                    b.density > t[i - 1].density,
                    "step {i}: peeling raises density"
                );
                assert!(b.points < t[i - 1].points);
            }
        }
        let sel = &t[res.selected];
        assert!(res.pasted.density >= sel.density, "pasting lowered density");
        assert!(res.pasted.points >= sel.points, "pasting shrank the box");
        assert!(res.pasted.mass >= min_mass);
        // Pruning only drops restrictions.
        for j in 0..4 {
            assert!(res.pasted.restricted[j] || !res.chosen.restricted[j]);
        }
        assert!(
            res.chosen.sides[2].0 && res.chosen.sides[2].1,
            "{:?}",
            res.chosen
        );
        assert!(
            res.chosen.sides[0].1 && !res.chosen.sides[0].0,
            "{:?}",
            res.chosen
        );
        assert!(
            !res.chosen.restricted[1] && !res.chosen.restricted[3],
            "{:?}",
            res.chosen
        );
        let names: Vec<String> = (1..=4).map(|i| format!("x{i}")).collect();
        let words = describe(&res.chosen, &names, &|j, v| format!("{v:.2} u{j}"));
        let (lo, hi) = res.chosen.limits[2];
        let x1hi = res.chosen.limits[0].1;
        assert_eq!(
            words,
            format!("x1 < {x1hi:.2} u0 and {lo:.2} u2 < x3 < {hi:.2} u2"),
            "seed {seed}"
        );
    }
}

#[test]
fn prim_selection_rules() {
    let (x, y) = planted(1500, 3, 0.05, 9, |r| r[0] > 0.5);
    let knee = prim(
        &x,
        &y,
        &PrimOptions {
            resamples: 0,
            ..PrimOptions::default()
        },
    )
    .expect("knee");
    assert!(
        (knee.chosen.limits[0].0 - 0.5).abs() < LIMIT_TOL,
        "{:?}",
        knee.chosen
    );
    // Density threshold: the box of highest coverage reaching it.
    let opts = PrimOptions {
        selection: Selection::MinDensity(0.8),
        resamples: 0,
        ..PrimOptions::default()
    };
    let res = prim(&x, &y, &opts).expect("min density");
    let t = &res.trajectory;
    let sel = &t[res.selected];
    assert!(sel.density >= 0.8);
    assert!(t
        .iter()
        .all(|b| b.density < 0.8 || b.coverage <= sel.coverage));
    // Unreachable threshold: the densest box.
    let opts = PrimOptions {
        selection: Selection::MinDensity(1.0),
        resamples: 0,
        ..PrimOptions::default()
    };
    let res = prim(&x, &y, &opts).expect("densest");
    let best = res.trajectory.iter().map(|b| b.density).fold(0.0, f64::max);
    assert_eq!(res.trajectory[res.selected].density, best);
}

#[test]
fn prim_refuses_bad_data() {
    let x = vec![vec![0.0], vec![1.0]];
    let e = prim(&x, &[true, true], &PrimOptions::default()).expect_err("one class");
    assert!(e.to_string().contains("2 of 2"), "{e}");
    let e = prim(&x, &[true], &PrimOptions::default()).expect_err("shape");
    assert!(e.to_string().contains("label"), "{e}");
    let e = prim(
        &[vec![f64::NAN], vec![1.0]],
        &[true, false],
        &PrimOptions::default(),
    )
    .expect_err("nan");
    assert!(e.to_string().contains("finite"), "{e}");
    let bad = PrimOptions {
        peel_alpha: 0.0,
        ..PrimOptions::default()
    };
    assert!(prim(&x, &[true, false], &bad).is_err());
}

#[test]
fn prim_resamples_are_reproducible() {
    let (x, y) = planted(600, 4, 0.1, 21, |r| r[3] < 0.4);
    let opts = PrimOptions {
        resamples: 10,
        seed: 3,
        ..PrimOptions::default()
    };
    let a = prim(&x, &y, &opts).expect("a");
    let b = prim(&x, &y, &opts).expect("b");
    assert_eq!(a, b);
}

use assert_cmd::Command;
use std::fs;
use std::path::Path;

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

fn discover(scenario: &str, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    ddrsim()
        .args([
            "discover",
            scenario,
            "--points",
            "60",
            "-n",
            "4",
            "--resamples",
            "5",
            "-q",
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

/// The range of the effect printed by an impossible threshold.
fn effect_range(err: &str) -> Option<(f64, f64)> {
    let tail = err.split(" ranges from ").nth(1)?;
    let (lo, rest) = tail.split_once(" to ")?;
    let hi = rest.split_whitespace().next()?;
    Some((lo.parse().ok()?, hi.parse().ok()?))
}

#[test]
fn discover_outputs_do_not_depend_on_threads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let gap = "tests/fixtures/gap.toml";
    // The effect's range in this ensemble, to set a threshold inside it.
    let probe = discover(
        gap,
        &a,
        &["--policy", "kick", "--threshold", "1e12", "-j", "1"],
    )
    .failure();
    let err = stderr(&probe);
    let (lo, hi) = effect_range(&err).unwrap_or_else(|| panic!("no range in: {err}"));
    assert!(lo < hi, "{err}");
    assert!(!a.exists(), "a failed run leaves no folder");
    let t = format!("{}", (lo + hi) / 2.0);
    for (dir, j) in [(&a, "1"), (&b, "2")] {
        discover(gap, dir, &["--policy", "kick", "--threshold", &t, "-j", j]).success();
    }
    for f in [
        "discover.csv",
        "points.csv",
        "scenario.toml",
        "discover.png",
        "discover.svg",
    ] {
        let (x, y) = (fs::read(a.join(f)).expect(f), fs::read(b.join(f)).expect(f));
        assert!(x == y, "{f} differs between 1 and 2 threads");
    }
    // The files say the same thing: cases in points.csv, chosen box in discover.csv.
    let points = fs::read_to_string(a.join("points.csv")).expect("points");
    let mut rd = csv::Reader::from_reader(points.as_bytes());
    let h = rd.headers().expect("h").clone();
    let col = |n: &str| h.iter().position(|x| x == n).expect(n);
    let (ce, cc, cb) = (col("effect_mean"), col("case"), col("in_box"));
    let (mut cases, mut inside, mut both) = (0, 0, 0);
    for r in rd.records() {
        let r = r.expect("row");
        let effect: f64 = r[ce].parse().expect("effect");
        let case = &r[cc] == "1";
        // rerecruited: lower is better, a case is a cut of more than t.
        assert_eq!(case, -effect > (lo + hi) / 2.0, "{r:?}");
        cases += usize::from(case);
        inside += usize::from(&r[cb] == "1");
        both += usize::from(case && &r[cb] == "1");
    }
    let disc = fs::read_to_string(a.join("discover.csv")).expect("discover");
    let mut rd = csv::Reader::from_reader(disc.as_bytes());
    let h = rd.headers().expect("h").clone();
    let col = |n: &str| h.iter().position(|x| x == n).expect(n);
    let chosen: Vec<csv::StringRecord> = rd
        .records()
        .map(|r| r.expect("row"))
        .filter(|r| &r[0] == "chosen")
        .collect();
    assert!(!chosen.is_empty());
    let r = &chosen[0];
    assert_eq!(r[col("worlds")].parse::<usize>().expect("worlds"), inside);
    assert_eq!(r[col("cases")].parse::<usize>().expect("cases"), both);
    let cov: f64 = r[col("coverage")].parse().expect("coverage");
    assert!((cov - both as f64 / cases as f64).abs() < 1e-12);
    // The documented columns are the written ones, in order.
    let docs = fs::read_to_string(super::common::path("docs/discover.md")).expect("docs");
    let header = |f: &str| -> Vec<String> {
        let text = fs::read_to_string(a.join(f)).expect(f);
        text.lines()
            .next()
            .expect("header")
            .split(',')
            .map(String::from)
            .collect()
    };
    assert_eq!(
        documented(&docs, "### `discover.csv`"),
        header("discover.csv")
    );
    let mut pts = documented(&docs, "### `points.csv`");
    let names: Vec<String> = header("points.csv");
    let k = names.len() - pts.len();
    pts.splice(1..1, names[1..=k].iter().cloned());
    assert_eq!(pts, names);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(a.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["cases"], cases);
    assert_eq!(manifest["policy"], "kick");
}

#[test]
fn discover_runs_on_every_bundled_scenario_or_says_why_not() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut ran = 0;
    for entry in fs::read_dir(common_path("scenarios")).expect("scenarios") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .to_string();
        let s = path.to_string_lossy().to_string();
        let out = tmp.path().join(&name);
        let probe = discover(&s, &out, &["--threshold", "1e12"]).failure();
        let err = stderr(&probe);
        if err.contains("no uncertain parameter") {
            // A fixed scenario: --vary makes one of its keys uncertain.
            let a = discover(
                &s,
                &out,
                &["--threshold", "1e12", "--vary", "pledge.mdtf.delay=0..24"],
            );
            let err = stderr(&a.failure());
            assert!(effect_range(&err).is_some(), "{name} with --vary: {err}");
            continue;
        }
        if err.contains("nothing to discover") {
            continue;
        }
        let (lo, hi) = effect_range(&err).unwrap_or_else(|| panic!("{name}: {err}"));
        let t = format!("{}", (lo + hi) / 2.0);
        discover(&s, &out, &["--threshold", &t]).success();
        assert!(out.join("discover.csv").is_file() && out.join("discover.png").is_file());
        ran += 1;
    }
    assert!(ran >= 4, "discover ran on {ran} bundled scenarios");
}

fn common_path(rel: &str) -> std::path::PathBuf {
    super::common::path(rel)
}

#[test]
fn discover_errors_name_the_problem() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("x");
    let gap = "tests/fixtures/gap.toml";
    let err = stderr(&discover(gap, &out, &["--policy", "nope", "--threshold", "1"]).failure());
    assert!(
        err.contains("--policy 'nope'") && err.contains("kick"),
        "{err}"
    );
    let err = stderr(&discover(gap, &out, &["--outcome", "nope", "--threshold", "1"]).failure());
    assert!(
        err.contains("--outcome 'nope'") && err.contains("rerecruited"),
        "{err}"
    );
    let err = stderr(&discover(gap, &out, &["--threshold", "-1e12"]).failure());
    assert!(err.contains("every point is a case"), "{err}");
    let err = stderr(
        &discover(
            gap,
            &out,
            &["--threshold", "1", "--vary", "pledge.nope.delay=1..2"],
        )
        .failure(),
    );
    assert!(err.contains("pledge.nope.delay"), "{err}");
    let err = stderr(&discover(gap, &out, &["--threshold", "1", "--min-density", "2"]).failure());
    assert!(err.contains("--min-density"), "{err}");
    assert!(!out.exists());
}

/// Column names listed (in backticks, first cell) in the table following `heading`.
fn documented(docs: &str, heading: &str) -> Vec<String> {
    let start = docs.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    let mut out = Vec::new();
    let mut in_table = false;
    for line in docs[start..].lines().skip(1) {
        if line.starts_with('|') {
            in_table = true;
            let cell = line.split('|').nth(1).unwrap_or("").trim();
            for part in cell.split(", ") {
                if let Some(name) = part.strip_prefix('`').and_then(|p| p.strip_suffix('`')) {
                    out.push(name.to_string());
                }
            }
        } else if in_table {
            break;
        }
    }
    out
}
