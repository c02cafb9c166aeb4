//! The draws the engine makes: binomial splits of compartments under
//! monthly hazards (MODEL.md section 1).

use rand::Rng;
use rand_distr::{Binomial, Distribution};

/// Probability that a single risk with monthly hazard `h` happens in a month.
#[inline]
pub fn prob(h: f64) -> f64 {
    if h <= 0.0 {
        0.0
    } else {
        -(-h).exp_m1()
    }
}

/// `Binomial(n, p)`, with the trivial cases answered without a draw.
#[inline]
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 || p.is_nan() {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    match Binomial::new(n, p) {
        Ok(d) => d.sample(rng),
        Err(_) => 0,
    }
}

/// Splits `n` people facing re-recruitment first (hazard `h_rr`, a single
/// risk) and then the competing exits `h_a`, `h_b` among the rest.
/// Returns `(rerecruited, exit_a, exit_b)`.
#[inline]
pub fn rr_then_competing<R: Rng + ?Sized>(
    rng: &mut R,
    n: u64,
    h_rr: f64,
    h_a: f64,
    h_b: f64,
) -> (u64, u64, u64) {
    let rr = binomial(rng, n, prob(h_rr));
    let rest = n - rr;
    let total = h_a + h_b;
    if total <= 0.0 || rest == 0 {
        return (rr, 0, 0);
    }
    let exits = binomial(rng, rest, prob(total));
    let a = binomial(rng, exits, h_a / total);
    (rr, a, exits - a)
}
