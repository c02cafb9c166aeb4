//! Morris elementary effects (Morris 1991, with the mu* of Campolongo,
//! Cariboni & Saltelli 2007): `r` one-at-a-time trajectories on a 4-level
//! grid of the unit cube. Pure and I/O-free: [`design`] gives the points,
//! the caller evaluates the model at them, [`effects`] turns the outputs
//! into mu, mu* and sigma per factor.
//!
//! Grid: levels {0, 1/3, 2/3, 1} per factor and a step of
//! [`DELTA`] = 2/3. A trajectory starts at a random grid point and moves
//! each factor once, in a random order, by +2/3 from levels 0 and 1/3 or by
//! −2/3 from levels 2/3 and 1, so every step stays on the grid and every
//! level is equally likely at the start. An elementary effect is the change
//! of the output divided by the signed step, in output units per unit of
//! the grid coordinate: the change the output would show if the factor
//! crossed the whole grid (0 to 1) at that rate.

use crate::engine::rng::StreamRng;
use crate::stats::random::{below, percentile_interval};

/// Number of grid levels per factor.
pub const LEVELS: u8 = 4;

/// The step, in grid units: `LEVELS / (2 (LEVELS − 1))` = 2/3.
pub const DELTA: f64 = 2.0 / 3.0;

/// A Morris design: `r` trajectories of `k + 1` points each.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisDesign {
    /// Number of factors.
    pub k: usize,
    /// Number of trajectories.
    pub r: usize,
    /// Points in evaluation order, trajectory after trajectory: each a
    /// vector of `k` grid coordinates in {0, 1/3, 2/3, 1}.
    pub points: Vec<Vec<f64>>,
    /// Per trajectory, per step `j` (0..k): the factor moved between
    /// point `j` and point `j + 1` of the trajectory and the sign of its move.
    pub steps: Vec<Vec<(usize, f64)>>,
}

/// Builds `r` trajectories over `k` factors, deterministic from `seed`.
pub fn design(k: usize, r: usize, seed: u64) -> MorrisDesign {
    let mut rng = StreamRng::from_key(seed ^ 0x4d4f_5252_4953_0001);
    let mut points = Vec::with_capacity(r * (k + 1));
    let mut steps = Vec::with_capacity(r);
    for _ in 0..r {
        // Start levels 0..=3; the direction follows from the level.
        let mut level: Vec<u8> = (0..k)
            .map(|_| below(&mut rng, u64::from(LEVELS)) as u8)
            .collect();
        let mut order: Vec<usize> = (0..k).collect();
        for i in (1..k).rev() {
            let j = below(&mut rng, i as u64 + 1) as usize;
            order.swap(i, j);
        }
        points.push(coords(&level));
        let mut traj = Vec::with_capacity(k);
        for &f in &order {
            let Some(l) = level.get_mut(f) else {
                continue;
            };
            let sign = if *l < LEVELS / 2 {
                *l += LEVELS / 2;
                1.0
            } else {
                *l -= LEVELS / 2;
                -1.0
            };
            traj.push((f, sign));
            points.push(coords(&level));
        }
        steps.push(traj);
    }
    MorrisDesign {
        k,
        r,
        points,
        steps,
    }
}

fn coords(level: &[u8]) -> Vec<f64> {
    level
        .iter()
        .map(|&l| f64::from(l) / f64::from(LEVELS - 1))
        .collect()
}

/// One statistic with its bootstrap 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WithInterval {
    /// The estimate.
    pub value: f64,
    /// Low end of the 95% percentile bootstrap interval.
    pub ci_low: f64,
    /// High end.
    pub ci_high: f64,
}

/// The Morris statistics of one factor, in output units per unit of the
/// grid coordinate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MorrisIndices {
    /// Mean elementary effect (signed; effects of opposite signs cancel).
    pub mu: WithInterval,
    /// Mean absolute elementary effect: the ranking measure.
    pub mu_star: WithInterval,
    /// Standard deviation of the elementary effects (n − 1 denominator):
    /// large when the effect depends on the other factors or is not linear.
    pub sigma: WithInterval,
}

/// The elementary effects `[factor][trajectory]` from the outputs `y`
/// (one per design point, in design order).
pub fn elementary_effects(d: &MorrisDesign, y: &[f64]) -> Vec<Vec<f64>> {
    let mut ee = vec![Vec::with_capacity(d.r); d.k];
    for (t, traj) in d.steps.iter().enumerate() {
        let base = t * (d.k + 1);
        for (j, &(f, sign)) in traj.iter().enumerate() {
            let (Some(a), Some(b)) = (y.get(base + j), y.get(base + j + 1)) else {
                continue;
            };
            if let Some(e) = ee.get_mut(f) {
                e.push((b - a) / (sign * DELTA));
            }
        }
    }
    ee
}

fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

fn sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

fn stats(ee: &[f64]) -> [f64; 3] {
    let abs: Vec<f64> = ee.iter().map(|v| v.abs()).collect();
    [mean(ee), mean(&abs), sd(ee)]
}

/// mu, mu* and sigma per factor, with 95% percentile intervals from
/// `resamples` bootstrap resamples of the trajectories (deterministic from
/// `seed`; every factor resampled on the same trajectories).
pub fn effects(d: &MorrisDesign, y: &[f64], resamples: usize, seed: u64) -> Vec<MorrisIndices> {
    let ee = elementary_effects(d, y);
    let mut rng = StreamRng::from_key(seed ^ 0x4d4f_5252_4953_0002);
    // boot[factor][stat][resample]
    let mut boot = vec![[const { Vec::new() }; 3]; d.k];
    let mut pick = vec![0usize; d.r];
    let mut sample = Vec::with_capacity(d.r);
    for _ in 0..resamples {
        for p in pick.iter_mut() {
            *p = below(&mut rng, d.r.max(1) as u64) as usize;
        }
        for (f, e) in ee.iter().enumerate() {
            sample.clear();
            sample.extend(pick.iter().filter_map(|&t| e.get(t)));
            let s = stats(&sample);
            if let Some(b) = boot.get_mut(f) {
                for (dst, v) in b.iter_mut().zip(s) {
                    dst.push(v);
                }
            }
        }
    }
    ee.iter()
        .zip(boot)
        .map(|(e, b)| {
            let s = stats(e);
            let w = |i: usize, v: &[f64]| {
                let (lo, hi) = percentile_interval(v, 0.95);
                WithInterval {
                    value: s[i],
                    ci_low: lo,
                    ci_high: hi,
                }
            };
            MorrisIndices {
                mu: w(0, &b[0]),
                mu_star: w(1, &b[1]),
                sigma: w(2, &b[2]),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trajectories_move_each_factor_once_on_the_grid() {
        let (k, r) = (7, 25);
        let d = design(k, r, 11);
        assert_eq!(d.points.len(), r * (k + 1));
        let grid = |x: f64| (0..4).any(|l| (x - f64::from(l) / 3.0).abs() < 1e-12);
        for (t, traj) in d.steps.iter().enumerate() {
            let mut moved = vec![0; k];
            for (j, &(f, sign)) in traj.iter().enumerate() {
                let a = &d.points[t * (k + 1) + j];
                let b = &d.points[t * (k + 1) + j + 1];
                assert!(a.iter().chain(b).all(|&x| grid(x)));
                for i in 0..k {
                    if i == f {
                        assert!((b[i] - a[i] - sign * DELTA).abs() < 1e-12);
                    } else {
                        assert_eq!(a[i], b[i]);
                    }
                }
                moved[f] += 1;
            }
            assert!(moved.iter().all(|&m| m == 1), "{moved:?}");
        }
        // Deterministic from the seed, different for another seed.
        assert_eq!(d, design(k, r, 11));
        assert_ne!(d.points, design(k, r, 12).points);
    }

    #[test]
    fn start_levels_and_orders_are_spread() {
        // Each of the 4 start levels has probability 1/4 per factor: with
        // 2000 x 3 starts the count of level 0 has sd sqrt(6000 * 3/16) = 33.5.
        let (k, r) = (3, 2000);
        let d = design(k, r, 3);
        let mut zeros = 0;
        let mut first = [0usize; 3];
        for (t, traj) in d.steps.iter().enumerate() {
            zeros += d.points[t * (k + 1)].iter().filter(|&&x| x == 0.0).count();
            first[traj[0].0] += 1;
        }
        assert!((zeros as f64 - 1500.0).abs() < 4.0 * 33.5, "{zeros}");
        // Each factor moves first with probability 1/3: sd sqrt(2000 * 2/9) = 21.1.
        for c in first {
            assert!((c as f64 - 2000.0 / 3.0).abs() < 4.0 * 21.1, "{first:?}");
        }
    }

    #[test]
    fn additive_function_gives_its_coefficients_exactly() {
        let c = [3.0, -2.0, 0.5, 0.0];
        let d = design(4, 8, 5);
        let y: Vec<f64> = d
            .points
            .iter()
            .map(|x| x.iter().zip(&c).map(|(a, b)| a * b).sum())
            .collect();
        let m = effects(&d, &y, 200, 1);
        for (i, ci) in c.iter().enumerate() {
            assert!((m[i].mu.value - ci).abs() < 1e-12);
            assert!((m[i].mu_star.value - ci.abs()).abs() < 1e-12);
            assert!(m[i].sigma.value.abs() < 1e-12);
            assert!((m[i].mu_star.ci_low - ci.abs()).abs() < 1e-12);
        }
    }

    /// y = x1 + 2 x2 + 4 x3 − 8 x4 + 20 x5 x6 + 16 x7: mu* is 1, 2, 4, 8,
    /// E[20 x6] = 10 for x5 and x6 (x6 at the time x5 moves is uniform on
    /// the four levels), and 16, so the ranks are known: x7, then x5 and x6,
    /// then x4, x3, x2, x1. The interaction's mu* has sd
    /// 20 sd(levels) / sqrt(r) = 20 x 0.373 / sqrt(50) = 1.05 here, so 10
    /// sits 5.7 sd from 16 and from 8.
    #[test]
    fn mu_star_recovers_known_ranks() {
        let f = |x: &[f64]| {
            x[0] + 2.0 * x[1] + 4.0 * x[2] - 8.0 * x[3] + 20.0 * x[4] * x[5] + 16.0 * x[6]
        };
        let d = design(7, 50, 2026);
        let y: Vec<f64> = d.points.iter().map(|x| f(x)).collect();
        let m = effects(&d, &y, 1000, 7);
        let mut order: Vec<usize> = (0..7).collect();
        order.sort_by(|&a, &b| m[b].mu_star.value.total_cmp(&m[a].mu_star.value));
        assert_eq!(order[0], 6);
        let mut mid = [order[1], order[2]];
        mid.sort_unstable();
        assert_eq!(mid, [4, 5]);
        assert_eq!(&order[3..], &[3, 2, 1, 0]);
        // The sign survives in mu; only interacting factors have sigma > 0.
        assert!((m[3].mu.value + 8.0).abs() < 1e-12);
        for i in [0, 1, 2, 3, 6] {
            assert!(m[i].sigma.value < 1e-12);
        }
        for i in [4, 5] {
            let s = m[i].sigma.value;
            assert!(s > 4.0 && s < 11.0, "sigma {s}");
            assert!((m[i].mu_star.value - 10.0).abs() < 4.0 * 1.05);
            let w = m[i].mu_star;
            assert!(w.ci_low < w.value && w.value < w.ci_high);
            assert!(w.ci_low < 10.0 && 10.0 < w.ci_high, "{w:?}");
        }
    }
}
