//! Exact, mergeable moment accumulators over scaled integers (MODEL.md
//! section 9): count, sum and sum of squares held in 128-bit integers, so
//! that any split of replicates into shards merges to the same bits.

use serde::{Deserialize, Serialize};

/// Count, sum and sum of squares of integer values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moments {
    /// Number of values.
    pub n: u64,
    /// Sum of values.
    pub sum: i128,
    /// Sum of squared values.
    pub sum_sq: i128,
}

impl Moments {
    /// Adds one value.
    #[inline]
    pub fn add(&mut self, x: i64) {
        self.n += 1;
        self.sum += x as i128;
        self.sum_sq += (x as i128) * (x as i128);
    }

    /// Adds another accumulator (exact).
    pub fn merge(&mut self, o: &Moments) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
    }

    /// Mean in scaled units (NaN when empty).
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.sum as f64 / self.n as f64
        }
    }

    /// Sample standard deviation in scaled units (NaN when n < 2), computed
    /// from the exact numerator `n * sum_sq - sum^2` in 256-bit arithmetic.
    pub fn sd(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        let num = wide::sub(
            wide::mul_u128(self.sum_sq as u128, self.n as u128),
            wide::square(self.sum),
        );
        let n = self.n as f64;
        (wide::to_f64(num) / (n * (n - 1.0))).max(0.0).sqrt()
    }

    /// Monte Carlo standard error of the mean, scaled units.
    pub fn mcse(&self) -> f64 {
        self.sd() / (self.n as f64).sqrt()
    }
}

/// Cross moments of two paired integer series, for ratio estimators.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossMoments {
    /// The first series.
    pub x: Moments,
    /// The second series.
    pub y: Moments,
    /// Sum of products.
    pub sum_xy: i128,
}

impl CrossMoments {
    /// Adds one pair.
    pub fn add(&mut self, x: i64, y: i64) {
        self.x.add(x);
        self.y.add(y);
        self.sum_xy += x as i128 * y as i128;
    }

    /// Adds another accumulator.
    pub fn merge(&mut self, o: &CrossMoments) {
        self.x.merge(&o.x);
        self.y.merge(&o.y);
        self.sum_xy += o.sum_xy;
    }

    /// Sample covariance (scaled units).
    pub fn cov(&self) -> f64 {
        let n = self.x.n as f64;
        if self.x.n < 2 {
            return f64::NAN;
        }
        (self.sum_xy as f64 - self.x.sum as f64 * self.y.sum as f64 / n) / (n - 1.0)
    }

    /// Ratio of means `mean(x) / mean(y)` with a delta-method standard error.
    pub fn ratio(&self) -> (f64, f64) {
        let (mx, my) = (self.x.mean(), self.y.mean());
        let r = mx / my;
        let n = self.x.n as f64;
        let (vx, vy) = (self.x.sd().powi(2), self.y.sd().powi(2));
        let var = (vx - 2.0 * r * self.cov() + r * r * vy) / (my * my * n);
        (r, var.max(0.0).sqrt())
    }
}

/// Minimal 256-bit two's-complement arithmetic for the variance numerator.
mod wide {
    /// (high, low) 128-bit halves.
    pub type U256 = (u128, u128);

    fn mul_64(a: u128, b: u128) -> U256 {
        let (a1, a0) = (a >> 64, a & u64::MAX as u128);
        let (b1, b0) = (b >> 64, b & u64::MAX as u128);
        let p00 = a0 * b0;
        let p01 = a0 * b1;
        let p10 = a1 * b0;
        let p11 = a1 * b1;
        let mid = (p00 >> 64) + (p01 & u64::MAX as u128) + (p10 & u64::MAX as u128);
        let lo = (p00 & u64::MAX as u128) | (mid << 64);
        let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
        (hi, lo)
    }

    /// Unsigned product.
    pub fn mul_u128(a: u128, b: u128) -> U256 {
        mul_64(a, b)
    }

    /// Square of a signed value (non-negative).
    pub fn square(a: i128) -> U256 {
        let m = a.unsigned_abs();
        mul_64(m, m)
    }

    /// a - b (wrapping, two's complement).
    pub fn sub(a: U256, b: U256) -> U256 {
        let (lo, borrow) = a.1.overflowing_sub(b.1);
        let hi = a.0.wrapping_sub(b.0).wrapping_sub(borrow as u128);
        (hi, lo)
    }

    /// To f64, reading the value as signed.
    pub fn to_f64(a: U256) -> f64 {
        let neg = a.0 >> 127 == 1;
        let v = if neg { sub((0, 0), a) } else { a };
        let f = v.0 as f64 * 2f64.powi(128) + v.1 as f64;
        if neg {
            -f
        } else {
            f
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_match_direct_formulas_and_merge_exactly() {
        let xs: Vec<i64> = (0..1000)
            .map(|i| (i * 7919 % 1013) as i64 * 1_000_000_007)
            .collect();
        let mut all = Moments::default();
        xs.iter().for_each(|&x| all.add(x));
        let mut a = Moments::default();
        let mut b = Moments::default();
        xs[..333].iter().for_each(|&x| a.add(x));
        xs[333..].iter().for_each(|&x| b.add(x));
        a.merge(&b);
        assert_eq!(a, all);
        let n = xs.len() as f64;
        let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = xs.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
        assert!((all.mean() - mean).abs() / mean < 1e-12);
        assert!((all.sd() - var.sqrt()).abs() / var.sqrt() < 1e-9);
    }

    #[test]
    fn sd_of_large_constant_is_zero() {
        let mut m = Moments::default();
        for _ in 0..10 {
            m.add(1 << 50);
        }
        assert_eq!(m.sd(), 0.0);
    }
}

/// Running mean and variance (Welford) of values in a fixed order.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Welford {
    /// Number of values.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl Welford {
    /// Adds one value.
    pub fn add(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Sample variance (n - 1 denominator); 0 below two values.
    pub fn var(&self) -> f64 {
        if self.n > 1 {
            self.m2 / (self.n - 1) as f64
        } else {
            0.0
        }
    }

    /// The mean, or NaN without values.
    pub fn mean_or_nan(&self) -> f64 {
        if self.n > 0 {
            self.mean
        } else {
            f64::NAN
        }
    }
}
