//! Small sampling helpers shared by the engine's draws, the designs of
//! experiments (Latin hypercubes, Morris trajectories, Sobol' scrambling),
//! bootstrap resamples and calibration: uniforms from 53 random bits, an
//! unbiased index, and percentiles of sorted values. The generators
//! themselves live in `engine::rng`; these work with any [`rand::Rng`].

use rand::Rng;

/// A uniform double in `[0, 1)` with 53 random bits.
#[inline]
pub fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform double in the open interval `(0, 1)`: the midpoint of one of
/// 2^53 equal cells, so neither 0 nor 1 (safe for `ln` and inverse CDFs).
#[inline]
pub fn open_unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Uniform on `0..n` by rejection, so it is unbiased; 0 for `n = 0`.
pub fn below<R: Rng + ?Sized>(rng: &mut R, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let zone = u64::MAX - u64::MAX % n;
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % n;
        }
    }
}

/// Percentile `q` of sorted values by linear interpolation between order
/// statistics (NaN when empty).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    let a = sorted.get(lo).copied().unwrap_or(f64::NAN);
    let b = sorted.get(hi).copied().unwrap_or(a);
    a + (h - lo as f64) * (b - a)
}

/// The central `level` percentile interval of the finite values; NaN ends
/// without values.
pub fn percentile_interval(values: &[f64], level: f64) -> (f64, f64) {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    (percentile(&v, tail), percentile(&v, 1.0 - tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::StreamRng;

    #[test]
    fn percentile_interval_interpolates() {
        let v: Vec<f64> = (0..=100).map(f64::from).collect();
        let (lo, hi) = percentile_interval(&v, 0.95);
        assert!((lo - 2.5).abs() < 1e-9 && (hi - 97.5).abs() < 1e-9);
        assert_eq!(percentile_interval(&[3.0], 0.95), (3.0, 3.0));
        assert!(percentile_interval(&[f64::NAN], 0.95).0.is_nan());
    }

    #[test]
    fn below_is_uniform() {
        // 6000 draws on 0..3: each count has sd sqrt(6000 * 2/9) = 36.5.
        let mut r = StreamRng::from_key(1);
        let mut c = [0u32; 3];
        for _ in 0..6000 {
            c[below(&mut r, 3) as usize] += 1;
        }
        assert!(c
            .iter()
            .all(|&x| (f64::from(x) - 2000.0).abs() < 4.0 * 36.5));
    }

    #[test]
    fn open_unit_is_inside_and_unit_is_half_open() {
        let mut r = StreamRng::from_key(9);
        for _ in 0..1000 {
            let u = open_unit(&mut r);
            assert!(u > 0.0 && u < 1.0);
            let v = unit(&mut r);
            assert!((0.0..1.0).contains(&v));
        }
    }
}
