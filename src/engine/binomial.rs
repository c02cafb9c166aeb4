//! An exact binomial sampler with cheap setup, for the many small draws of
//! the monthly step (MODEL.md section 1: compartments split by binomial
//! draws under monthly hazards).
//!
//! `Binomial(n, p)` is drawn by
//! - `p > 1/2`: `n - Binomial(n, 1 - p)` (`1 - p` is exact in floating point
//!   for `p` in `[1/2, 1]`), so the methods below see `p <= 1/2`;
//! - `n = 1`: one uniform compared with `p`;
//! - `n p < 10`: inversion by sequential search from 0 (algorithm BINV of
//!   Kachitvichyanukul & Schmeiser 1988): one uniform, about `n p + 1` steps,
//!   and `(1 - p)^n` computed by repeated multiplication for `n <= 32`
//!   (no transcendental function), by `exp(n ln(1 - p))` otherwise, and not
//!   at all when the uniform is below `1 - n p <= (1 - p)^n` (then the draw
//!   is 0: most draws when `n p` is small);
//! - `n p >= 10`: BTPE (Kachitvichyanukul & Schmeiser, "Binomial random
//!   variate generation", Commun. ACM 31(2), 1988, 216-222), an exact
//!   acceptance-rejection method whose cost does not grow with `n`; the
//!   final acceptance test uses the Stirling-corrected log ratio with the
//!   signs of the GSL and rand_distr implementations.
//!
//! Both methods are exact in distribution up to floating-point rounding
//! (relative errors in the probabilities of order 1e-14): inversion
//! restarts, rather than truncates, if rounding leaves the uniform above the
//! computed cumulative sum. Validated against exact probabilities with
//! chi-square tests over every branch and its boundaries (tests below).

use rand::Rng;

/// `n p` below which inversion is used (the paper's choice; BTPE above).
pub const INVERSION_MAX_NP: f64 = 10.0;

/// Largest `n` for which `(1 - p)^n` is computed by repeated multiplication
/// (relative error at most about `(n + 5)` units in the last place, 1e-14).
const POWI_MAX_N: u64 = 32;

pub use crate::stats::random::unit as uniform;

/// Which method draws `Binomial(n, p)` (for tests and draw counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// No draw: `n = 0`, `p <= 0`, `p >= 1` or `p` not a number.
    Trivial,
    /// One Bernoulli trial.
    Bernoulli,
    /// Inversion with `(1 - p)^n` by multiplication.
    InversionSmallN,
    /// Inversion with `(1 - p)^n = exp(n ln(1 - p))`.
    Inversion,
    /// BTPE.
    Btpe,
}

/// The method [`sample`] uses for `(n, p)`.
pub fn method(n: u64, p: f64) -> Method {
    if n == 0 || p.is_nan() || p <= 0.0 || p >= 1.0 {
        return Method::Trivial;
    }
    let p = p.min(1.0 - p);
    if n == 1 {
        Method::Bernoulli
    } else if (n as f64) * p < INVERSION_MAX_NP {
        if n <= POWI_MAX_N {
            Method::InversionSmallN
        } else {
            Method::Inversion
        }
    } else {
        Method::Btpe
    }
}

/// Draws `Binomial(n, p)`. `p <= 0` or not a number gives 0, `p >= 1` gives `n`.
#[inline]
pub fn sample<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        n - sample_low(rng, n, 1.0 - p)
    } else {
        sample_low(rng, n, p)
    }
}

/// `Binomial(n, p)` for `n >= 1` and `0 < p <= 1/2`.
#[inline]
fn sample_low<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 1 {
        return (uniform(rng) < p) as u64;
    }
    let nf = n as f64;
    if nf * p < INVERSION_MAX_NP {
        inversion(rng, n, p)
    } else {
        btpe(rng, n, p)
    }
}

/// `1/k` for `k < 64`: the search multiplies instead of dividing.
const RECIPROCAL: [f64; 64] = {
    let mut t = [0.0; 64];
    let mut k = 1;
    while k < 64 {
        t[k] = 1.0 / k as f64;
        k += 1;
    }
    t
};

/// Guard below `1 - n p` in the zero squeeze: four units in the last place
/// of 1, more than the rounding of the computed `(1 - p)^n`.
const SQUEEZE_GUARD: f64 = 4.0 * f64::EPSILON;

/// Sequential search from 0: `P(0) = q^n`, `P(k) = P(k-1) s (n + 1 - k) / k`
/// with `s = p / q`. Expected `n p + 1` steps. Since `q^n >= 1 - n p`, a
/// uniform below `1 - n p` (less [`SQUEEZE_GUARD`]) is 0 without computing `q^n`.
#[inline]
fn inversion<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    let u = uniform(rng);
    if u < 1.0 - n as f64 * p - SQUEEZE_GUARD {
        return 0;
    }
    let f0 = if n <= POWI_MAX_N {
        (1.0 - p).powi(n as i32)
    } else {
        // ln_1p keeps (1 - p)^n accurate when 1 - p rounds (tiny p).
        (n as f64 * (-p).ln_1p()).exp()
    };
    inversion_from(rng, n, p, u, f0)
}

/// The search of [`inversion`] for the uniform `u` already drawn, with
/// `f0 = (1 - p)^n`. Exact for any `0 < p < 1`; fast when `n p` is small.
#[inline]
fn inversion_from<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64, u: f64, f0: f64) -> u64 {
    if u < f0 {
        return 0;
    }
    let s = p / (1.0 - p);
    let n1 = n as f64 + 1.0;
    let mut u = u;
    loop {
        let mut f = f0;
        let mut k = 0u64;
        while u >= f {
            u -= f;
            k += 1;
            let r = if k < 64 {
                RECIPROCAL[k as usize]
            } else {
                1.0 / k as f64
            };
            f *= s * (n1 - k as f64) * r;
            if k > n || f <= 0.0 {
                break;
            }
        }
        if k <= n && u < f {
            return k;
        }
        // Rounding left u above the computed cumulative sum (probability of
        // order 1e-16): start again with a fresh uniform.
        u = uniform(rng);
    }
}

/// Draws `Binomial(n, 1 - exp(-h))`: how many of `n` people a single risk
/// with monthly hazard `h` strikes (the same distribution as
/// `sample(rng, n, draw::prob(h))`). Where inversion applies, `(1 - p)^n`
/// is `exp(-n h)` (no logarithm), and when `n h < 1` one uniform below
/// `1 - n h <= exp(-n h)` gives 0 without computing anything else; otherwise
/// the search continues from that uniform, so the draw stays exact.
#[inline]
pub fn sample_hazard<R: Rng + ?Sized>(rng: &mut R, n: u64, h: f64) -> u64 {
    sample_hazard_p(rng, n, h, None)
}

/// [`sample_hazard`] with `p_known = 1 - exp(-h)` computed by the caller
/// as `draw::prob(h)` (`None`: not known, computed here when needed). The same
/// draws as [`sample_hazard`], without the `exp_m1` per draw for a hazard
/// that stays constant over many draws.
#[inline]
pub fn sample_hazard_p<R: Rng + ?Sized>(rng: &mut R, n: u64, h: f64, p_known: Option<f64>) -> u64 {
    let p_of = |h: f64| p_known.unwrap_or_else(|| -(-h).exp_m1());
    if n == 0 || h.is_nan() || h <= 0.0 {
        return 0;
    }
    let x = n as f64 * h;
    if x < 1.0 {
        // Here p = 1 - exp(-h) < h < 1/n: inversion from 0 is cheap.
        let u = uniform(rng);
        if u < 1.0 - x - SQUEEZE_GUARD {
            return 0;
        }
        return inversion_from(rng, n, p_of(h), u, (-x).exp());
    }
    let p = p_of(h);
    if n > 1 && p <= 0.5 && n as f64 * p < INVERSION_MAX_NP {
        let u = uniform(rng);
        inversion_from(rng, n, p, u, (-x).exp())
    } else {
        sample(rng, n, p)
    }
}

/// BTPE for `n p >= 10`, `p <= 1/2` (Kachitvichyanukul & Schmeiser 1988, steps 0-5.3).
#[allow(clippy::many_single_char_names)]
fn btpe<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    // Step 0: constants.
    let nf = n as f64;
    let q = 1.0 - p;
    let np = nf * p;
    let npq = np * q;
    let f_m = np + p;
    let m = f_m as u64; // mode, floor((n + 1) p)
    let mf = m as f64;
    let p1 = (2.195 * npq.sqrt() - 4.6 * q).floor() + 0.5;
    let x_m = mf + 0.5;
    let x_l = x_m - p1;
    let x_r = x_m + p1;
    let c = 0.134 + 20.5 / (15.3 + mf);
    let p2 = p1 * (1.0 + 2.0 * c);
    let lambda = |a: f64| a * (1.0 + 0.5 * a);
    let lambda_l = lambda((f_m - x_l) / (f_m - x_l * p));
    let lambda_r = lambda((x_r - f_m) / (x_r * q));
    let p3 = p2 + c / lambda_l;
    let p4 = p3 + c / lambda_r;

    loop {
        // Step 1: region 1, the triangle.
        let u = uniform(rng) * p4;
        let mut v = uniform(rng);
        let y: u64;
        if u <= p1 {
            return (x_m - p1 * v + u) as u64;
        }
        if u <= p2 {
            // Step 2: region 2, parallelograms.
            let x = x_l + (u - p1) / c;
            v = v * c + 1.0 - (x - x_m).abs() / p1;
            if v > 1.0 {
                continue;
            }
            y = x as u64;
        } else if u <= p3 {
            // Step 3: left exponential tail.
            let yt = x_l + v.ln() / lambda_l;
            if yt < 0.0 {
                continue;
            }
            y = yt as u64;
            v *= (u - p2) * lambda_l;
        } else {
            // Step 4: right exponential tail (`as` saturates on infinity).
            y = (x_r - v.ln() / lambda_r) as u64;
            if y > n {
                continue;
            }
            v *= (u - p3) * lambda_r;
        }

        // Step 5.0: evaluate f(y) / f(m) exactly near the mode, else squeeze.
        let k = y.abs_diff(m);
        if k <= 20 || k as f64 >= 0.5 * npq - 1.0 {
            // Step 5.1: recursive evaluation from the mode.
            let s = p / q;
            let a = s * (nf + 1.0);
            let mut f = 1.0;
            if m < y {
                for i in m + 1..=y {
                    f *= a / i as f64 - s;
                }
            } else if m > y {
                for i in y + 1..=m {
                    f /= a / i as f64 - s;
                }
            }
            if v <= f {
                return y;
            }
            continue;
        }

        // Step 5.2: squeeze on ln(v) against bounds of ln f(y).
        let kf = k as f64;
        let rho = (kf / npq) * ((kf * (kf / 3.0 + 0.625) + 1.0 / 6.0) / npq + 0.5);
        let t = -0.5 * kf * kf / npq;
        let alpha = v.ln();
        if alpha < t - rho {
            return y;
        }
        if alpha > t + rho {
            continue;
        }

        // Step 5.3: final comparison with Stirling's corrections.
        let x1 = (y + 1) as f64;
        let f1 = mf + 1.0;
        let z = (n - m + 1) as f64;
        let w = (n - y + 1) as f64;
        let stirling = |a: f64| {
            let a2 = a * a;
            (13860.0 - (462.0 - (132.0 - (99.0 - 140.0 / a2) / a2) / a2) / a2) / a / 166_320.0
        };
        let y_m = if y > m {
            (y - m) as f64
        } else {
            -((m - y) as f64)
        };
        let bound = x_m * (f1 / x1).ln()
            + ((n - m) as f64 + 0.5) * (z / w).ln()
            + y_m * (w * p / (x1 * q)).ln()
            + stirling(f1)
            + stirling(z)
            - stirling(x1)
            - stirling(w);
        if alpha <= bound {
            return y;
        }
    }
}

#[cfg(test)]
mod tests;
