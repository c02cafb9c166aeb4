//! The draws the engine makes: binomial splits of compartments under
//! monthly hazards (MODEL.md section 1).

use super::binomial;
use rand::Rng;

/// Probability that a single risk with monthly hazard `h` happens in a month.
#[inline]
pub fn prob(h: f64) -> f64 {
    if h <= 0.0 {
        0.0
    } else {
        -(-h).exp_m1()
    }
}

/// `Binomial(n, p)`, with the trivial cases answered without a draw
/// (exact sampler: [`binomial::sample`]).
#[inline]
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    #[cfg(feature = "draw-log")]
    if log::active() {
        let before = super::rng::count::words();
        let k = binomial::sample(rng, n, p);
        log::record(n, log::Drawn::P(p), super::rng::count::words() - before);
        return k;
    }
    binomial::sample(rng, n, p)
}

/// `Binomial(n, prob(h))`: how many of `n` people a single risk with hazard
/// `h` strikes, without computing `prob(h)` when the draw is clearly 0
/// (exact sampler: [`binomial::sample_hazard`]).
#[inline]
pub fn binomial_hazard<R: Rng + ?Sized>(rng: &mut R, n: u64, h: f64) -> u64 {
    #[cfg(feature = "draw-log")]
    if log::active() {
        let before = super::rng::count::words();
        let k = binomial::sample_hazard(rng, n, h);
        log::record(
            n,
            log::Drawn::Hazard(h, None),
            super::rng::count::words() - before,
        );
        return k;
    }
    binomial::sample_hazard(rng, n, h)
}

/// A monthly hazard with its probability `prob(h)` when computed ahead
/// (for a hazard constant over many draws).
#[derive(Debug, Clone, Copy)]
pub struct Hazard {
    /// The hazard.
    pub h: f64,
    /// `prob(h)`, or `None` when left to the draw.
    pub p: Option<f64>,
}

impl Hazard {
    /// A hazard with its probability computed now.
    pub fn new(h: f64) -> Self {
        Hazard {
            h,
            p: Some(prob(h)),
        }
    }

    /// A hazard whose probability the draw computes if it needs it.
    pub fn lazy(h: f64) -> Self {
        Hazard { h, p: None }
    }

    /// `prob(h)`, computed now if it was not ahead.
    #[inline]
    pub fn prob(self) -> f64 {
        self.p.unwrap_or_else(|| prob(self.h))
    }
}

/// [`binomial_hazard`] for a [`Hazard`]: the same draw.
#[inline]
pub fn binomial_hazard_of<R: Rng + ?Sized>(rng: &mut R, n: u64, hz: Hazard) -> u64 {
    #[cfg(feature = "draw-log")]
    if log::active() {
        let before = super::rng::count::words();
        let k = binomial::sample_hazard_p(rng, n, hz.h, hz.p);
        log::record(
            n,
            log::Drawn::Hazard(hz.h, hz.p),
            super::rng::count::words() - before,
        );
        return k;
    }
    binomial::sample_hazard_p(rng, n, hz.h, hz.p)
}

/// Splits `n` people facing re-recruitment first (hazard `rr`, a single
/// risk) and then two competing exits among the rest: `exit` is their total
/// hazard `h_a + h_b`, and `share_a` the first one's share of it,
/// [`exit_share`]`(h_a, exit.h)` (computed once by the caller for hazards
/// constant over many draws). Returns `(rerecruited, exit_a, exit_b)`.
#[inline]
pub fn rr_then_competing<R: Rng + ?Sized>(
    rng: &mut R,
    n: u64,
    rr: Hazard,
    exit: Hazard,
    share_a: f64,
) -> (u64, u64, u64) {
    let rr = binomial_hazard_of(rng, n, rr);
    let rest = n - rr;
    let total = exit.h;
    if total <= 0.0 || rest == 0 {
        return (rr, 0, 0);
    }
    let exits = binomial_hazard_of(rng, rest, exit);
    let a = binomial(rng, exits, share_a);
    (rr, a, exits - a)
}

/// The share `h_a / total` of a competing exit in the total hazard, as
/// [`rr_then_competing`] takes it (unused, and 0 here, when `total <= 0`).
#[inline]
pub fn exit_share(h_a: f64, total: f64) -> f64 {
    if total > 0.0 {
        h_a / total
    } else {
        0.0
    }
}

/// A record of every binomial draw the engine asks for on this thread, for
/// the RNG floor benchmark (`--features draw-log`; absent from normal builds).
/// While no record is open the draws cost one relaxed atomic load more.
#[cfg(feature = "draw-log")]
pub mod log {
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// True between [`start`] and [`take`] (on any thread).
    static ACTIVE: AtomicBool = AtomicBool::new(false);

    /// Whether a record is open (draws and stream words are being counted).
    #[inline]
    pub fn active() -> bool {
        ACTIVE.load(Ordering::Relaxed)
    }

    /// What one binomial draw was asked for, besides its `n`.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub enum Drawn {
        /// `Binomial(n, p)` ([`super::binomial`]).
        P(f64),
        /// `Binomial(n, prob(h))` ([`super::binomial_hazard`],
        /// [`super::binomial_hazard_of`]), with `prob(h)` when the engine had
        /// computed it ahead (`None`: the draw computes it if it needs it).
        Hazard(f64, Option<f64>),
    }

    /// One binomial draw as the engine asked for it.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Logged {
        /// Number of trials.
        pub n: u64,
        /// Its probability or hazard.
        pub what: Drawn,
        /// Serial number, on this thread, of the stream it drew from
        /// (draws from one stream share it).
        pub stream: u64,
    }

    /// The binomial draws of a stretch of work.
    #[derive(Debug, Clone, Default)]
    pub struct DrawLog {
        /// Every draw, in order.
        pub draws: Vec<Logged>,
        /// 64-bit words those draws took from their streams.
        pub words: u64,
    }

    thread_local! {
        static LOG: RefCell<Option<DrawLog>> = const { RefCell::new(None) };
    }

    /// Starts recording (clears an earlier record).
    pub fn start() {
        LOG.with(|l| *l.borrow_mut() = Some(DrawLog::default()));
        ACTIVE.store(true, Ordering::Relaxed);
    }

    /// Stops recording and returns what was drawn since [`start`].
    pub fn take() -> DrawLog {
        ACTIVE.store(false, Ordering::Relaxed);
        LOG.with(|l| l.borrow_mut().take().unwrap_or_default())
    }

    pub(crate) fn record(n: u64, what: Drawn, words: u64) {
        LOG.with(|l| {
            if let Some(log) = l.borrow_mut().as_mut() {
                log.draws.push(Logged {
                    n,
                    what,
                    stream: crate::engine::rng::count::streams(),
                });
                log.words += words;
            }
        });
    }
}
