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
        let b = &res.chosen;
        assert_eq!(
            b.restricted,
            vec![true, true, false, false, false],
            "seed {seed}: {b:?}"
        );
        assert_eq!(b.sides[0], (true, false), "seed {seed}: x1 has only a lower limit");
        assert_eq!(b.sides[1], (false, true), "seed {seed}: x2 has only an upper limit");
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
        assert!(st.restricted_share[0] >= 0.9 && st.restricted_share[1] >= 0.9, "{st:?}");
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
        let (x, y) = planted(1000, 4, 0.1, seed, |r| r[2] > 0.3 && r[2] < 0.6 && r[0] < 0.7);
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
                assert!(b.density > t[i - 1].density, "step {i}: peeling raises density");
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
        assert!(res.chosen.sides[2].0 && res.chosen.sides[2].1, "{:?}", res.chosen);
        assert!(res.chosen.sides[0].1 && !res.chosen.sides[0].0, "{:?}", res.chosen);
        assert!(!res.chosen.restricted[1] && !res.chosen.restricted[3], "{:?}", res.chosen);
    }
}

#[test]
fn prim_selection_rules() {
    let (x, y) = planted(1500, 3, 0.05, 9, |r| r[0] > 0.5);
    let knee = prim(&x, &y, &PrimOptions { resamples: 0, ..PrimOptions::default() }).expect("knee");
    assert!((knee.chosen.limits[0].0 - 0.5).abs() < LIMIT_TOL, "{:?}", knee.chosen);
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
    assert!(t.iter().all(|b| b.density < 0.8 || b.coverage <= sel.coverage));
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
    let e = prim(&[vec![f64::NAN], vec![1.0]], &[true, false], &PrimOptions::default())
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
