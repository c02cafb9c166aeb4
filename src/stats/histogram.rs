//! A mergeable log-linear histogram of integers (HDR-style), for
//! percentiles whose memory does not grow with the number of replicates.
//!
//! Values with magnitude below `2^bits` are kept exactly; larger values fall
//! in buckets of relative width at most `2^-bits`. Each bucket keeps its
//! count and the exact sum of its values and is reported at the mean of its
//! values, so a reported percentile lies in the same bucket as the sample
//! quantile: within `2^-bits` relative of it (0.1% at 10 bits, 0.8% at 7
//! bits), and exact whenever the bucket holds a single distinct value.
//! Counts and sums add, so merging shards is exact.

use serde::{Deserialize, Serialize};

/// Sparse log-linear histogram: buckets sorted by index, each with its
/// count and the exact sum of its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    bits: u32,
    buckets: Vec<Bucket>,
    n: u64,
}

/// One non-empty bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Bucket {
    index: i64,
    count: u64,
    sum: i128,
}

impl Histogram {
    /// New histogram with `bits` bits of mantissa (relative resolution `2^-bits`).
    pub fn new(bits: u32) -> Self {
        Histogram {
            bits: bits.clamp(1, 20),
            buckets: Vec::new(),
            n: 0,
        }
    }

    /// Number of values.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    fn index(&self, v: i64) -> i64 {
        let m = v.unsigned_abs();
        let exact = 1u64 << self.bits;
        let idx = if m < exact {
            m as i64
        } else {
            let e = 63 - m.leading_zeros(); // floor(log2 m) >= bits
            let shift = e - self.bits;
            let mant = (m >> shift) - exact; // 0..2^bits
            ((shift as i64 + 1) << self.bits) + mant as i64
        };
        if v < 0 {
            -idx - 1
        } else {
            idx
        }
    }

    /// Adds a value.
    #[inline]
    pub fn add(&mut self, v: i64) {
        self.add_to(self.index(v), 1, v as i128);
        self.n += 1;
    }

    #[inline]
    fn add_to(&mut self, index: i64, count: u64, sum: i128) {
        match self.buckets.binary_search_by_key(&index, |b| b.index) {
            Ok(i) => {
                self.buckets[i].count += count;
                self.buckets[i].sum += sum;
            }
            Err(i) => self.buckets.insert(i, Bucket { index, count, sum }),
        }
    }

    /// Adds another histogram of the same resolution (exact).
    pub fn merge(&mut self, o: &Histogram) {
        debug_assert_eq!(self.bits, o.bits);
        for b in &o.buckets {
            self.add_to(b.index, b.count, b.sum);
        }
        self.n += o.n;
    }

    /// Quantiles `qs` (each in [0, 1]) by nearest rank: the smallest value
    /// whose cumulative count reaches `ceil(q n)`. NaN when empty.
    pub fn quantiles(&self, qs: &[f64]) -> Vec<f64> {
        if self.n == 0 {
            return vec![f64::NAN; qs.len()];
        }
        let ranks: Vec<u64> = qs
            .iter()
            .map(|q| ((q * self.n as f64).ceil() as u64).clamp(1, self.n))
            .collect();
        let mut out = vec![f64::NAN; qs.len()];
        let mut cum = 0;
        for &Bucket { count: c, sum, .. } in &self.buckets {
            let before = cum;
            cum += c;
            for (o, &r) in out.iter_mut().zip(&ranks) {
                if r > before && r <= cum {
                    *o = sum as f64 / c as f64;
                }
            }
            if cum >= *ranks.iter().max().unwrap_or(&0) {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact() {
        let mut h = Histogram::new(7);
        for v in 1..=100 {
            h.add(v);
        }
        assert_eq!(
            h.quantiles(&[0.0, 0.05, 0.5, 0.95, 1.0]),
            vec![1.0, 5.0, 50.0, 95.0, 100.0]
        );
    }

    #[test]
    fn large_values_within_stated_accuracy() {
        for bits in [7u32, 10] {
            let mut h = Histogram::new(bits);
            let vals: Vec<i64> = (0..5000).map(|i| 1_000_000 + i * 3_331).collect();
            vals.iter().for_each(|&v| h.add(v));
            let mut sorted = vals.clone();
            sorted.sort();
            for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
                let exact = sorted[((q * 5000.0f64).ceil() as usize).max(1) - 1] as f64;
                let got = h.quantiles(&[q])[0];
                let tol = exact * 2f64.powi(-(bits as i32));
                assert!(got >= 1_000_000.0, "inside the data range");
                assert!(
                    (got - exact).abs() <= tol,
                    "bits {bits} q {q}: {got} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn negative_values_and_merge() {
        let mut a = Histogram::new(7);
        let mut b = Histogram::new(7);
        let mut all = Histogram::new(7);
        for v in -500..500 {
            all.add(v * 1000);
            if v % 2 == 0 {
                a.add(v * 1000)
            } else {
                b.add(v * 1000)
            }
        }
        a.merge(&b);
        assert_eq!(a, all);
        let q = all.quantiles(&[0.0])[0];
        assert!((q + 500_000.0).abs() <= 500_000.0 / 128.0);
    }

    #[test]
    fn a_constant_is_reported_exactly() {
        let mut h = Histogram::new(7);
        for _ in 0..50 {
            h.add(40_000);
        }
        assert_eq!(h.quantiles(&[0.05, 0.5, 0.95]), vec![40_000.0; 3]);
    }
}
