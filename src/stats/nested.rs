//! Estimators for nested `(p, q)` designs (MODEL.md section 7): `P`
//! parameter draws, each run on `Q` process replicates. The variance of a
//! replicate-level quantity splits into a parameter part (between draws)
//! and a process part (within draws); the mean's standard error is
//! clustered by draw; Holm's step-down adjusts several tests at once; a
//! rank regression on the draws' parameter values apportions the parameter
//! part between blocks of parameters. No I/O.

use super::moments::Welford;
use super::random::{below, percentile};
use statrs::distribution::{ContinuousCDF, Normal};

/// The variance split of a nested design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VarianceSplit {
    /// Draws used.
    pub draws: usize,
    /// Variance of the draw means (`P - 1` denominator).
    pub between: f64,
    /// Process variance: the mean within-draw variance of one replicate.
    pub process: f64,
    /// Parameter variance: `between - mean(within / n)`, truncated at 0.
    pub parameter: f64,
    /// True when `between - mean(within / n)` was negative and set to 0.
    pub truncated: bool,
    /// Percentile bootstrap 95% interval of `parameter` (resampling draws).
    pub parameter_ci: (f64, f64),
}

impl VarianceSplit {
    /// Share of the replicate-level variance due to parameters:
    /// `parameter / (parameter + process)`; NaN when both are 0.
    pub fn parameter_share(&self) -> f64 {
        let total = self.parameter + self.process;
        if total > 0.0 {
            self.parameter / total
        } else {
            f64::NAN
        }
    }
}

/// `between - mean(within_p / n_p)` of a set of draws, with its parts.
fn components(draws: &[&Welford]) -> (f64, f64, f64) {
    let mut means = Welford::default();
    let mut within = 0.0;
    let mut noise = 0.0;
    let mut used = 0usize;
    for w in draws.iter().filter(|w| w.n > 0) {
        means.add(w.mean);
        within += w.var();
        noise += w.var() / w.n as f64;
        used += 1;
    }
    if used == 0 {
        return (0.0, 0.0, 0.0);
    }
    // Within-draw variance needs two replicates in some draw: without them
    // the split is not identified.
    if !draws.iter().any(|w| w.n >= 2) {
        return (means.var(), f64::NAN, f64::NAN);
    }
    let between = means.var();
    let process = within / used as f64;
    (between, process, between - noise / used as f64)
}

/// Splits the variance of a nested design from each draw's replicate
/// statistics, with a bootstrap over draws (`resamples` resamples drawn
/// with `rng`) for the parameter part.
pub fn variance_split(
    draws: &[Welford],
    resamples: usize,
    rng: &mut (impl rand::Rng + ?Sized),
) -> VarianceSplit {
    let all: Vec<&Welford> = draws.iter().collect();
    let (between, process, raw) = components(&all);
    let n = draws.len();
    let mut boot = Vec::with_capacity(resamples);
    if n > 1 {
        let mut pick: Vec<&Welford> = Vec::with_capacity(n);
        for _ in 0..resamples {
            pick.clear();
            for _ in 0..n {
                let i = below(rng, n as u64) as usize;
                if let Some(w) = draws.get(i) {
                    pick.push(w);
                }
            }
            let c = components(&pick).2;
            if c.is_finite() {
                boot.push(c.max(0.0));
            }
        }
    }
    boot.sort_by(f64::total_cmp);
    VarianceSplit {
        draws: n,
        between,
        process,
        parameter: if raw.is_nan() { f64::NAN } else { raw.max(0.0) },
        truncated: raw < 0.0,
        parameter_ci: (percentile(&boot, 0.025), percentile(&boot, 0.975)),
    }
}

/// The mean of the draw means and its standard error clustered by draw:
/// `sd(draw means) / sqrt(P)`.
pub fn clustered_mean(draws: &[Welford]) -> (f64, f64) {
    let mut m = Welford::default();
    for w in draws.iter().filter(|w| w.n > 0) {
        m.add(w.mean);
    }
    if m.n == 0 {
        return (f64::NAN, f64::NAN);
    }
    (m.mean, (m.var() / m.n as f64).sqrt())
}

/// Two-sided p-value of `mean / se` under a standard normal; 1 when both
/// are 0 (no difference at all), 0 when only `se` is 0.
pub fn p_value(mean: f64, se: f64) -> f64 {
    if se > 0.0 {
        let z = (mean / se).abs();
        2.0 * (1.0 - standard_normal().cdf(z))
    } else if mean == 0.0 {
        1.0
    } else {
        0.0
    }
}

/// The standard normal quantile of `p`.
pub fn z_quantile(p: f64) -> f64 {
    standard_normal().inverse_cdf(p.clamp(1e-300, 1.0 - 1e-16))
}

fn standard_normal() -> Normal {
    // Parameters (0, 1) are always valid.
    Normal::standard()
}

/// Holm's step-down adjustment: adjusted p-values (same order as `p`) and,
/// for each test, the family-wise level `alpha / (m - rank + 1)` at which it
/// is tested (rank 1 = smallest p-value).
pub fn holm(p: &[f64], alpha: f64) -> Vec<(f64, f64)> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p.get(a).unwrap_or(&1.0).total_cmp(p.get(b).unwrap_or(&1.0)));
    let mut out = vec![(1.0, alpha); m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        let k = (m - rank) as f64;
        let pi = p.get(i).copied().unwrap_or(1.0);
        running = running.max((k * pi).min(1.0));
        if let Some(o) = out.get_mut(i) {
            *o = (running, alpha / k);
        }
    }
    out
}

/// Ranks (1-based, ties averaged) of values.
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// A least-squares fit of `y` on the columns of `x` (with an intercept) on
/// standardised ranks: the coefficient of each column (standardised rank
/// regression coefficients, SRRC) and the fit's R^2. Columns with no spread
/// get a coefficient of 0. `None` when there are too few rows (at most
/// columns + 2) or `y` has no spread.
pub fn rank_regression(x: &[Vec<f64>], y: &[f64]) -> Option<(Vec<f64>, f64)> {
    let n = y.len();
    let k = x.len();
    if n <= k + 2 {
        return None;
    }
    let std = |v: &[f64]| -> Option<Vec<f64>> {
        let r = ranks(v);
        let mean = r.iter().sum::<f64>() / n as f64;
        let sd = (r.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        (sd > 0.0).then(|| r.iter().map(|a| (a - mean) / sd).collect())
    };
    let ys = std(y)?;
    let cols: Vec<Option<Vec<f64>>> = x.iter().map(|c| std(c)).collect();
    let used: Vec<usize> = (0..k).filter(|&j| cols[j].is_some()).collect();
    let m = used.len();
    // Normal equations on standardised columns (no intercept needed).
    let mut a = vec![vec![0.0; m + 1]; m];
    for (ai, &i) in used.iter().enumerate() {
        let ci = cols[i].as_deref().unwrap_or(&[]);
        for (aj, &j) in used.iter().enumerate() {
            let cj = cols[j].as_deref().unwrap_or(&[]);
            a[ai][aj] = ci.iter().zip(cj).map(|(u, v)| u * v).sum();
        }
        a[ai][m] = ci.iter().zip(&ys).map(|(u, v)| u * v).sum();
        // A tiny ridge keeps collinear columns solvable.
        a[ai][ai] += 1e-9 * n as f64;
    }
    let beta = solve(a)?;
    let mut coef = vec![0.0; k];
    for (bi, &j) in used.iter().enumerate() {
        coef[j] = beta[bi];
    }
    let mut ss_res = 0.0;
    for (r, yv) in ys.iter().enumerate() {
        let fit: f64 = used
            .iter()
            .zip(&beta)
            .map(|(&j, b)| b * cols[j].as_deref().map_or(0.0, |c| c[r]))
            .sum();
        ss_res += (yv - fit).powi(2);
    }
    let r2 = (1.0 - ss_res / (n - 1) as f64).clamp(0.0, 1.0);
    Some((coef, r2))
}

/// Solves an augmented linear system by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let m = a.len();
    for col in 0..m {
        let piv = (col..m).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, piv);
        let pivot_row = a[col].clone();
        for (row, r) in a.iter_mut().enumerate() {
            if row != col {
                let f = r[col] / pivot_row[col];
                if f != 0.0 {
                    for (x, p) in r.iter_mut().zip(&pivot_row).skip(col) {
                        *x -= f * p;
                    }
                }
            }
        }
    }
    Some((0..m).map(|i| a[i][m] / a[i][i]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::StreamRng;
    use crate::stats::random::open_unit;

    fn normal(rng: &mut StreamRng) -> f64 {
        // Box-Muller from two uniforms.
        let u1 = open_unit(rng);
        let u2 = open_unit(rng);
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// y_pq = a_p + e_pq with Var(a) = 4, Var(e) = 9: the split recovers both
    /// within a tolerance derived from the estimators' sampling error.
    #[test]
    fn variance_split_recovers_known_components() {
        let (p, q) = (2000usize, 10usize);
        let mut rng = StreamRng::from_key(42);
        let draws: Vec<Welford> = (0..p)
            .map(|_| {
                let a = 2.0 * normal(&mut rng);
                let mut w = Welford::default();
                for _ in 0..q {
                    w.add(a + 3.0 * normal(&mut rng));
                }
                w
            })
            .collect();
        let s = variance_split(&draws, 200, &mut StreamRng::from_key(7));
        // SE of the mean within variance: 9 * sqrt(2 / (P (Q - 1))).
        let se_within = 9.0 * (2.0 / (p * (q - 1)) as f64).sqrt();
        assert!((s.process - 9.0).abs() < 4.0 * se_within, "{s:?}");
        // SE of the between variance of the means: Var(mean) sqrt(2 / (P - 1)).
        let var_mean = 4.0 + 9.0 / q as f64;
        let se_between = var_mean * (2.0 / (p - 1) as f64).sqrt();
        assert!((s.parameter - 4.0).abs() < 4.0 * se_between, "{s:?}");
        assert!(s.parameter_ci.0 < 4.0 && 4.0 < s.parameter_ci.1, "{s:?}");
        assert!(!s.truncated);
    }

    /// No parameter variance: the estimate is small, often truncated at 0,
    /// and the interval reaches down to 0.
    #[test]
    fn variance_split_without_parameter_part() {
        let mut rng = StreamRng::from_key(3);
        let draws: Vec<Welford> = (0..400)
            .map(|_| {
                let mut w = Welford::default();
                for _ in 0..5 {
                    w.add(normal(&mut rng));
                }
                w
            })
            .collect();
        let s = variance_split(&draws, 500, &mut StreamRng::from_key(1));
        let var_mean = 1.0 / 5.0;
        assert!(s.parameter < 4.0 * var_mean * (2.0 / 399.0f64).sqrt());
        assert!(s.parameter_ci.0 < 1e-3);
    }

    /// One replicate per draw: the split is not identified and says so.
    #[test]
    fn variance_split_needs_two_replicates_somewhere() {
        let draws: Vec<Welford> = (0..50)
            .map(|i| {
                let mut w = Welford::default();
                w.add(i as f64);
                w
            })
            .collect();
        let s = variance_split(&draws, 100, &mut StreamRng::from_key(1));
        assert!(s.process.is_nan() && s.parameter.is_nan(), "{s:?}");
        assert!(s.between > 0.0);
    }

    #[test]
    fn holm_matches_hand_computation() {
        let adj = holm(&[0.01, 0.04, 0.03, 0.5], 0.05);
        // Sorted: 0.01 (x4 = 0.04), 0.03 (x3 = 0.09), 0.04 (x2 = 0.08 -> 0.09), 0.5 (x1).
        let expect = [0.04, 0.09, 0.09, 0.5];
        for ((a, _), e) in adj.iter().zip(expect) {
            assert!((a - e).abs() < 1e-12, "{adj:?}");
        }
        assert!((adj[0].1 - 0.0125).abs() < 1e-12);
        assert!((adj[3].1 - 0.05).abs() < 1e-12);
    }

    #[test]
    fn clustered_se_and_p_value() {
        let mk = |v: f64| {
            let mut w = Welford::default();
            w.add(v);
            w
        };
        let draws: Vec<Welford> = [1.0, 2.0, 3.0, 4.0].iter().map(|&v| mk(v)).collect();
        let (m, se) = clustered_mean(&draws);
        assert!((m - 2.5).abs() < 1e-12);
        assert!((se - (5.0f64 / 3.0 / 4.0).sqrt()).abs() < 1e-12);
        assert_eq!(p_value(0.0, 0.0), 1.0);
        assert!((p_value(1.959_963_984_540_054, 1.0) - 0.05).abs() < 1e-9);
    }

    #[test]
    fn rank_regression_finds_the_driver() {
        let mut rng = StreamRng::from_key(9);
        let n = 500;
        let x: Vec<Vec<f64>> = (0..3)
            .map(|_| (0..n).map(|_| normal(&mut rng)).collect())
            .collect();
        let y: Vec<f64> = (0..n)
            .map(|i| 3.0 * x[1][i] + 0.1 * normal(&mut rng))
            .collect();
        let (coef, r2) = rank_regression(&x, &y).unwrap();
        assert!(
            coef[1] > 0.9 && coef[0].abs() < 0.1 && coef[2].abs() < 0.1,
            "{coef:?}"
        );
        assert!(r2 > 0.9);
        assert_eq!(ranks(&[3.0, 1.0, 3.0]), vec![2.5, 1.0, 2.5]);
    }
}
