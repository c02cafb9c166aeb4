//! A mergeable, bounded log-linear histogram of integers (HDR-style), for
//! percentiles whose memory does not grow with the number of replicates.
//!
//! At resolution `r`, values with magnitude below `2^r` are kept exactly;
//! larger values fall in buckets of relative width at most `2^-r`. Each
//! bucket keeps its count and the exact sum of its values and is reported at
//! the mean of its values, so a reported percentile lies in the same bucket
//! as the sample quantile: within `2^-r` relative of it, and exact whenever
//! the bucket holds a single distinct value.
//!
//! A histogram holds at most `cap` non-empty buckets. It starts at its
//! finest resolution; when the values seen would need more than `cap`
//! buckets, the resolution drops by one bit (adjacent bucket pairs merge,
//! since the buckets at `r - 1` are unions of buckets at `r`) until they fit
//! (resolution 0, powers of two, always fits in 128 buckets). The resolution
//! is therefore the finest at which *all* the values seen fit, a function of
//! the multiset of values alone: adding values in any order, or merging
//! shards in any order, gives the same histogram. Counts and sums add, so
//! merging is exact.

use serde::{Deserialize, Serialize};

/// Sparse log-linear histogram: buckets sorted by index, each with its
/// count and the exact sum of its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    bits: u32,
    cap: u32,
    buckets: Vec<Bucket>,
    n: u64,
}

/// One non-empty bucket, 24 bytes: the exact sum of its values is held in
/// 96 bits (`sum_hi:sum_lo`), exact while a bucket holds fewer than 2^32
/// values (every value has magnitude below 2^63).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Bucket {
    count: u64,
    sum_lo: u64,
    sum_hi: i32,
    index: i32,
}

impl Bucket {
    fn new(index: i64, count: u64, sum: i128) -> Self {
        let mut b = Bucket {
            count,
            sum_lo: 0,
            sum_hi: 0,
            index: index as i32,
        };
        b.set_sum(sum);
        b
    }

    fn sum(&self) -> i128 {
        ((self.sum_hi as i128) << 64) | self.sum_lo as i128
    }

    fn set_sum(&mut self, s: i128) {
        self.sum_lo = s as u64;
        self.sum_hi = (s >> 64) as i32;
    }

    fn add(&mut self, count: u64, sum: i128) {
        self.count += count;
        let s = self.sum() + sum;
        self.set_sum(s);
    }
}

/// Bucket index of `v` at resolution `bits`.
fn index_at(bits: u32, v: i64) -> i64 {
    let m = v.unsigned_abs();
    let exact = 1u64 << bits;
    let idx = if m < exact {
        m as i64
    } else {
        let e = 63 - m.leading_zeros(); // floor(log2 m) >= bits
        let shift = e - bits;
        let mant = (m >> shift) - exact; // 0..2^bits
        ((shift as i64 + 1) << bits) + mant as i64
    };
    if v < 0 {
        -idx - 1
    } else {
        idx
    }
}

/// Smallest magnitude in bucket `idx` (>= 0) at resolution `bits`.
fn lower_magnitude(bits: u32, idx: i64) -> u64 {
    let exact = 1i64 << bits;
    if idx < exact {
        idx as u64
    } else {
        let shift = (idx >> bits) - 1;
        let mant = idx & (exact - 1);
        ((exact + mant) as u64) << shift
    }
}

/// Index at resolution `bits - 1` of the bucket `idx` at resolution `bits`.
fn coarser(bits: u32, idx: i64) -> i64 {
    if idx < 0 {
        -coarser(bits, -idx - 1) - 1
    } else {
        index_at(bits - 1, lower_magnitude(bits, idx) as i64)
    }
}

impl Histogram {
    /// New histogram with `bits` bits of mantissa (finest relative
    /// resolution `2^-bits`) and at most `cap` non-empty buckets (at least 128).
    pub fn new(bits: u32, cap: u32) -> Self {
        Histogram {
            bits: bits.clamp(1, 20),
            cap: cap.max(128),
            buckets: Vec::new(),
            n: 0,
        }
    }

    /// Current resolution in bits: percentiles are within `2^-bits` relative.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Non-empty buckets held.
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    /// Number of values.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Reads the buckets front to back (one in two: every 64-byte line), so
    /// that the searches of the next [`add`](Self::add)s find them in cache:
    /// a search in a histogram not in cache waits on up to 7 dependent
    /// memory loads, a front-to-back read overlaps its loads. Changes
    /// nothing; returns a value of the read (for `black_box`).
    #[inline]
    pub fn touch(&self) -> u64 {
        // One load per 64-byte line (a bucket is 24 bytes).
        self.buckets.iter().step_by(2).fold(0, |a, b| a ^ b.count)
    }

    /// Adds a value.
    #[inline]
    pub fn add(&mut self, v: i64) {
        self.add_to(index_at(self.bits, v), 1, v as i128);
        self.n += 1;
        self.fit();
    }

    #[inline]
    fn add_to(&mut self, index: i64, count: u64, sum: i128) {
        match self
            .buckets
            .binary_search_by_key(&index, |b| b.index as i64)
        {
            Ok(i) => self.buckets[i].add(count, sum),
            Err(i) => {
                if self.buckets.len() == self.buckets.capacity() {
                    // Grow by doubling but never past the cap (plus the one
                    // bucket that triggers a coarsening).
                    let want = (self.buckets.len() * 2).clamp(4, self.cap as usize + 1);
                    self.buckets
                        .reserve_exact(want.saturating_sub(self.buckets.len()).max(1));
                }
                self.buckets.insert(i, Bucket::new(index, count, sum))
            }
        }
    }

    /// Drops the resolution one bit at a time until the buckets fit the cap.
    fn fit(&mut self) {
        while self.buckets.len() > self.cap as usize && self.bits > 0 {
            self.coarsen();
        }
    }

    /// Halves the resolution: merges each pair of buckets that share a
    /// bucket at `bits - 1` (the index map is monotone, so runs are adjacent).
    fn coarsen(&mut self) {
        let bits = self.bits;
        let mut out: Vec<Bucket> = Vec::with_capacity(self.buckets.len());
        for b in &self.buckets {
            let index = coarser(bits, b.index as i64);
            match out.last_mut() {
                Some(last) if last.index as i64 == index => last.add(b.count, b.sum()),
                _ => out.push(Bucket::new(index, b.count, b.sum())),
            }
        }
        self.buckets.clear();
        self.buckets.extend_from_slice(&out);
        self.bits = bits - 1;
    }

    /// Adds another histogram of the same cap (exact): both are brought to
    /// the coarser of their two resolutions, then to the cap.
    pub fn merge(&mut self, o: &Histogram) {
        debug_assert_eq!(self.cap, o.cap);
        if self.n == 0 && self.bits >= o.bits && self.cap == o.cap {
            // Into an empty histogram: the result is `o` itself.
            self.clone_from(o);
            return;
        }
        let coarsened;
        let o = if o.bits > self.bits {
            let mut c = o.clone();
            while c.bits > self.bits {
                c.coarsen();
            }
            coarsened = c;
            &coarsened
        } else {
            o
        };
        while self.bits > o.bits {
            self.coarsen();
        }
        for b in &o.buckets {
            self.add_to(b.index as i64, b.count, b.sum());
        }
        self.n += o.n;
        self.fit();
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
        for b in &self.buckets {
            let (c, sum) = (b.count, b.sum());
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
    fn a_bucket_is_24_bytes_and_sums_stay_exact() {
        assert_eq!(std::mem::size_of::<Bucket>(), 24);
        let mut b = Bucket::new(3, 1, -5);
        b.add(1, i64::MIN as i128);
        b.add(1, i64::MIN as i128);
        assert_eq!(b.sum(), 2 * i64::MIN as i128 - 5);
        let mut h = Histogram::new(10, 1024);
        for _ in 0..3 {
            h.add(i64::MAX);
        }
        assert_eq!(h.buckets[0].sum(), 3 * i64::MAX as i128);
    }

    #[test]
    fn small_values_are_exact() {
        let mut h = Histogram::new(7, 1 << 20);
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
            let mut h = Histogram::new(bits, 1 << 20);
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
        let mut a = Histogram::new(7, 1 << 20);
        let mut b = Histogram::new(7, 1 << 20);
        let mut all = Histogram::new(7, 1 << 20);
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
        let mut h = Histogram::new(7, 1 << 20);
        for _ in 0..50 {
            h.add(40_000);
        }
        assert_eq!(h.quantiles(&[0.05, 0.5, 0.95]), vec![40_000.0; 3]);
    }

    /// Values spread over several octaves on both signs (a simple LCG).
    fn spread(n: usize, seed: u64) -> Vec<i64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let mag = (x >> 40) as i64 % 5_000_000;
                if x & 1 == 0 {
                    mag
                } else {
                    -mag / 7
                }
            })
            .collect()
    }

    #[test]
    fn the_cap_bounds_buckets_and_keeps_the_finest_resolution_that_fits() {
        let vals = spread(20_000, 1);
        let mut capped = Histogram::new(10, 200);
        let mut full = Histogram::new(10, 1 << 20);
        for &v in &vals {
            capped.add(v);
            full.add(v);
        }
        assert!(capped.buckets() <= 200);
        assert!(capped.bits() < 10, "the data needed coarsening");
        // The same values at the capped resolution, coarsened from the full one.
        let mut coarse = full.clone();
        while coarse.bits() > capped.bits() {
            coarse.coarsen();
        }
        assert_eq!(coarse.buckets, capped.buckets);
        // One bit finer would not have fitted.
        let mut finer = full.clone();
        while finer.bits() > capped.bits() + 1 {
            finer.coarsen();
        }
        assert!(finer.buckets() > 200);
        // Percentiles within 2^-bits relative of the sample quantiles.
        let mut sorted = vals.clone();
        sorted.sort();
        for q in [0.05, 0.25, 0.5, 0.75, 0.95] {
            let exact = sorted[((q * vals.len() as f64).ceil() as usize).max(1) - 1] as f64;
            let got = capped.quantiles(&[q])[0];
            let tol = exact.abs() * 2f64.powi(-(capped.bits() as i32));
            assert!((got - exact).abs() <= tol, "q {q}: {got} vs {exact}");
        }
    }

    #[test]
    fn merged_state_does_not_depend_on_order_or_split() {
        let vals = spread(10_000, 7);
        let mut one = Histogram::new(10, 150);
        vals.iter().for_each(|&v| one.add(v));
        let mut rev = Histogram::new(10, 150);
        vals.iter().rev().for_each(|&v| rev.add(v));
        assert_eq!(one, rev);
        // Uneven shards merged in two different orders.
        let cuts = [0, 17, 900, 5_000, 9_999, 10_000];
        let shards: Vec<Histogram> = cuts
            .windows(2)
            .map(|w| {
                let mut h = Histogram::new(10, 150);
                vals[w[0]..w[1]].iter().for_each(|&v| h.add(v));
                h
            })
            .collect();
        let mut fwd = Histogram::new(10, 150);
        shards.iter().for_each(|h| fwd.merge(h));
        let mut bwd = Histogram::new(10, 150);
        shards.iter().rev().for_each(|h| bwd.merge(h));
        assert_eq!(fwd, one);
        assert_eq!(bwd, one);
    }
}
