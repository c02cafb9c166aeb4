//! The sampler against exact binomial probabilities: chi-square goodness of
//! fit over a grid of `(n, p)` that covers every method, both sides of every
//! boundary between methods and the flip at `p = 1/2`, plus edge cases.
//!
//! The hazard form [`sample_hazard`] is tested the same way against
//! `Binomial(n, 1 - exp(-h))`.
//!
//! Each case draws `DRAWS` values from its own fixed-seed stream; bins are
//! pooled left to right until each expects at least 5 draws. The grid is one
//! family tested at family-wise level `ALPHA` (Bonferroni: each case at
//! `ALPHA / cases`). The exact probabilities are computed independently of
//! the sampler: by the ratio `P(k+1)/P(k) = (n-k) p / ((k+1) q)` outward from
//! the mode, normalised by their sum (terms below 1e-20 of the mode dropped),
//! and checked against statrs for small `n`.

use super::*;
use crate::engine::rng::StreamRng;
use statrs::distribution::{ChiSquared, ContinuousCDF, Discrete};

const DRAWS: usize = 500_000;
const ALPHA: f64 = 1e-3;

/// Exact probabilities of `Binomial(n, p)` on `[lo, lo + len)`; mass outside is below 1e-18.
fn exact_pmf(n: u64, p: f64) -> (u64, Vec<f64>) {
    let q = 1.0 - p;
    let m = (((n as f64) + 1.0) * p).floor().min(n as f64) as u64;
    let ratio_up = |k: u64| (n - k) as f64 / (k + 1) as f64 * (p / q);
    let mut up = vec![1.0f64];
    let mut k = m;
    while k < n {
        let next = up.last().unwrap() * ratio_up(k);
        if next < 1e-20 {
            break;
        }
        up.push(next);
        k += 1;
    }
    let mut down = Vec::new();
    let mut w = 1.0f64;
    let mut k = m;
    while k > 0 {
        w /= ratio_up(k - 1);
        if w < 1e-20 {
            break;
        }
        down.push(w);
        k -= 1;
    }
    let lo = m - down.len() as u64;
    let mut pmf: Vec<f64> = down.into_iter().rev().chain(up).collect();
    let total: f64 = pmf.iter().sum();
    pmf.iter_mut().for_each(|x| *x /= total);
    (lo, pmf)
}

/// Chi-square statistic and degrees of freedom of `DRAWS` draws of `Binomial(n, p)`
/// from `draw`, with bins pooled to expected counts of at least 5.
fn chi_square(n: u64, p: f64, mut draw: impl FnMut() -> u64) -> (f64, u64) {
    let (lo, pmf) = exact_pmf(n, p);
    let total = DRAWS as f64;
    // bin_of[i]: pooled bin of value lo + i; values outside go to the end bins.
    let mut bin_of = Vec::with_capacity(pmf.len());
    let mut expected = vec![0.0f64];
    for &x in &pmf {
        if *expected.last().unwrap() >= 5.0 {
            expected.push(0.0);
        }
        *expected.last_mut().unwrap() += x * total;
        bin_of.push(expected.len() - 1);
    }
    if expected.len() > 1 && *expected.last().unwrap() < 5.0 {
        let last = expected.pop().unwrap();
        *expected.last_mut().unwrap() += last;
        let top = expected.len() - 1;
        bin_of.iter_mut().for_each(|b| *b = (*b).min(top));
    }
    let mut observed = vec![0u64; expected.len()];
    for _ in 0..DRAWS {
        let k = draw();
        assert!(k <= n, "draw {k} above n = {n}");
        let i = k.saturating_sub(lo).min(pmf.len() as u64 - 1) as usize;
        observed[bin_of[i]] += 1;
    }
    let stat = observed
        .iter()
        .zip(&expected)
        .map(|(&o, &e)| (o as f64 - e).powi(2) / e)
        .sum();
    (stat, expected.len() as u64 - 1)
}

/// Upper `alpha` quantile of chi-square with `df` degrees of freedom.
fn critical(df: u64, alpha: f64) -> f64 {
    ChiSquared::new(df as f64).unwrap().inverse_cdf(1.0 - alpha)
}

/// The grid: every method, both sides of `n p = 10`, of `n = 32` and of `p = 1/2`.
const GRID: &[(u64, f64)] = &[
    // Bernoulli, and its flip.
    (1, 0.3),
    (1, 0.5),
    (1, 0.9),
    // Inversion, (1 - p)^n by multiplication (n <= 32).
    (2, 0.5),
    (5, 0.1),
    (20, 0.49),
    (32, 0.01),
    (32, 0.3),
    (32, 0.7),
    (32, 0.5 + 1e-9),
    // Inversion, exp(n ln(1 - p)) (n >= 33), just below n p = 10, huge n, tiny p.
    (33, 0.3),
    (100, 0.0999),
    (1000, 0.005),
    (1000, 0.9995),
    (10_000, 1e-6),
    (1_000_000, 5e-6),
    (1_000_000_000, 9e-9),
    (1_000_000_000, 9.999e-9),
    // BTPE: at and just above n p = 10, small and large n p q, flipped, huge n.
    (20, 0.5),
    (21, 0.48),
    (100, 0.1),
    (100, 0.1001),
    (1000, 0.05),
    (1000, 0.3),
    (1000, 0.5),
    (1000, 0.7),
    (100_000, 0.02),
    (1_000_000, 0.2),
    (1_000_000_000, 1e-8),
    (1_000_000_000, 0.3),
    (1_000_000_000, 0.5),
    (1_000_000_000, 0.999_999_99),
];

/// Hazard draws `(n, h)`: `Binomial(n, 1 - exp(-h))`, both sides of `n h = 1`
/// (zero squeeze and search from its uniform below; search with
/// `exp(-n h)` above), both sides of `n p = 10` (search; [`sample`]'s BTPE),
/// `n = 1` with `1 - exp(-h) > 1/2` below `n h = 1`, and a flip.
const HAZARD_GRID: &[(u64, f64)] = &[
    (1, 0.01),
    (1, 0.8),
    (1, 1.5),
    (2, 0.3),
    (32, 0.03),
    (33, 0.0303),
    (100, 0.00999),
    (100, 0.0101),
    (1000, 0.0005),
    (10_000, 1e-6),
    (1_000_000_000, 5e-10),
    (20, 0.05),
    (1000, 0.009),
    (1000, 0.01),
    (1000, 0.0101),
    (1000, 0.02),
    (50, 2.0),
];

/// Number of chi-square tests in the family.
fn family() -> f64 {
    (GRID.len() + HAZARD_GRID.len()) as f64
}

#[test]
fn grid_covers_every_method_and_both_sides_of_each_boundary() {
    let methods: std::collections::BTreeSet<Method> =
        GRID.iter().map(|&(n, p)| method(n, p)).collect();
    for m in [
        Method::Bernoulli,
        Method::InversionSmallN,
        Method::Inversion,
        Method::Btpe,
    ] {
        assert!(methods.contains(&m), "{m:?} not covered");
    }
    assert_eq!(method(20, 0.49), Method::InversionSmallN); // n p = 9.8
    assert_eq!(method(20, 0.5), Method::Btpe); // n p = 10
    assert_eq!(method(32, 0.3), Method::InversionSmallN);
    assert_eq!(method(33, 0.3), Method::Inversion);
    assert_eq!(method(1_000_000_000, 9.999e-9), Method::Inversion);
    assert_eq!(method(1_000_000_000, 1e-8), Method::Btpe);
    assert_eq!(method(1000, 0.9995), Method::Inversion); // flipped
    assert_eq!(method(1000, 0.7), Method::Btpe); // flipped
}

#[test]
fn draws_match_exact_binomial_probabilities() {
    let alpha = ALPHA / family();
    let mut failures = Vec::new();
    for (i, &(n, p)) in GRID.iter().enumerate() {
        let mut rng = StreamRng::from_key(0xB1A0_0000 + i as u64);
        let (stat, df) = chi_square(n, p, || sample(&mut rng, n, p));
        assert!(df >= 1, "({n}, {p}): one bin only");
        let crit = critical(df, alpha);
        eprintln!("n={n} p={p} ({:?}): X2 = {stat:.1}, df {df}", method(n, p));
        if stat > crit {
            failures.push(format!(
                "n={n} p={p} ({:?}): X2={stat:.1} > {crit:.1} (df {df})",
                method(n, p)
            ));
        }
    }
    for (i, &(n, h)) in HAZARD_GRID.iter().enumerate() {
        let mut rng = StreamRng::from_key(0x4A2A_0000 + i as u64);
        let p = -(-h).exp_m1();
        let (stat, df) = chi_square(n, p, || sample_hazard(&mut rng, n, h));
        assert!(df >= 1, "({n}, h {h}): one bin only");
        let crit = critical(df, alpha);
        eprintln!("hazard n={n} h={h}: X2 = {stat:.1}, df {df}");
        if stat > crit {
            failures.push(format!(
                "hazard n={n} h={h}: X2={stat:.1} > {crit:.1} (df {df})"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The test has power: a sampler with `p` off by a few percent fails it in every method.
#[test]
fn chi_square_rejects_a_slightly_wrong_p() {
    let alpha = ALPHA / family();
    for (i, &(n, h)) in [(100u64, 0.005f64), (1u64, 0.8)].iter().enumerate() {
        let mut rng = StreamRng::from_key(0xBAD1_0000 + i as u64);
        let p = -(-h).exp_m1();
        let (stat, df) = chi_square(n, p, || sample_hazard(&mut rng, n, h * 1.03));
        assert!(
            stat > critical(df, alpha),
            "hazard n={n} h={h}: 1.03 h not detected (X2={stat:.1}, df {df})"
        );
    }
    for (i, &(n, p, wrong)) in [
        (1u64, 0.3, 0.306),
        (32, 0.3, 0.306),
        (1000, 0.005, 0.0052),
        (1000, 0.3, 0.303),
        (1_000_000_000, 0.3, 0.300_001),
    ]
    .iter()
    .enumerate()
    {
        let mut rng = StreamRng::from_key(0xBAD0_0000 + i as u64);
        let (stat, df) = chi_square(n, p, || sample(&mut rng, n, wrong));
        assert!(
            stat > critical(df, alpha),
            "n={n} p={p}: p={wrong} not detected (X2={stat:.1}, df {df})"
        );
    }
}

/// Relative agreement 1e-10: statrs goes through log-gamma, whose rounding
/// costs a few digits at n = 1000 (far below what 500,000 draws can resolve).
#[test]
fn exact_pmf_agrees_with_statrs() {
    for &(n, p) in &[(5u64, 0.1), (32, 0.3), (1000, 0.3), (1000, 0.005)] {
        let (lo, pmf) = exact_pmf(n, p);
        let reference = statrs::distribution::Binomial::new(p, n).unwrap();
        for (i, &x) in pmf.iter().enumerate() {
            let r = reference.pmf(lo + i as u64);
            assert!(
                (x - r).abs() <= 1e-10 * r.max(1e-300),
                "n={n} p={p} k={}: {x} vs {r}",
                lo + i as u64
            );
        }
    }
}

#[test]
fn edge_cases() {
    let mut rng = StreamRng::from_key(1);
    let untouched = rng.clone();
    assert_eq!(sample(&mut rng, 0, 0.3), 0);
    assert_eq!(sample(&mut rng, 10, 0.0), 0);
    assert_eq!(sample(&mut rng, 10, -0.5), 0);
    assert_eq!(sample(&mut rng, 10, f64::NAN), 0);
    assert_eq!(sample(&mut rng, 10, 1.0), 10);
    assert_eq!(sample(&mut rng, 10, 1.5), 10);
    assert_eq!(sample(&mut rng, 1_000_000_000, 1.0), 1_000_000_000);
    assert_eq!(sample_hazard(&mut rng, 0, 0.3), 0);
    assert_eq!(sample_hazard(&mut rng, 10, 0.0), 0);
    assert_eq!(sample_hazard(&mut rng, 10, -1.0), 0);
    assert_eq!(sample_hazard(&mut rng, 10, f64::NAN), 0);
    assert_eq!(rng, untouched, "trivial cases draw nothing");
    assert_eq!(sample_hazard(&mut rng, 10, f64::INFINITY), 10);
    // Smallest positive p with the largest n: n p = 2e-299, always 0.
    for _ in 0..1000 {
        assert_eq!(sample(&mut rng, 1_000_000_000, f64::MIN_POSITIVE), 0);
        assert_eq!(
            sample(&mut rng, 1_000_000_000, 1.0 - f64::EPSILON / 2.0),
            1_000_000_000
        );
    }
    // p = 1/2 on a huge n: the mean is within 5 standard errors.
    let k = 2000;
    let n = 1_000_000_000u64;
    let mean = (0..k).map(|_| sample(&mut rng, n, 0.5) as f64).sum::<f64>() / k as f64;
    let se = (n as f64 * 0.25 / k as f64).sqrt();
    assert!((mean - n as f64 / 2.0).abs() < 5.0 * se, "{mean}");
}
