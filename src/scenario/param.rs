//! Uncertain numeric parameters: a fixed number or a probability distribution
//! drawn once per replicate (MODEL.md section 3, "Uncertainty").
//!
//! In a scenario file a parameter is written as
//! - a number: `0.02`;
//! - a 90% range, read as a lognormal with those 5th and 95th percentiles:
//!   `"0.01 to 0.04"`;
//! - a table with a `dist` tag:
//!   `{ dist = "uniform", min = 0.01, max = 0.03 }`,
//!   `{ dist = "triangular", min = 0, mode = 0.1, max = 0.3 }`,
//!   `{ dist = "normal", mean = 10, sd = 2 }`,
//!   `{ dist = "lognormal", p05 = 1, p95 = 4 }` or `{ dist = "lognormal", mu = 0, sigma = 0.5 }`,
//!   `{ dist = "beta", mean = 0.8, sd = 0.1 }`, `{ dist = "gamma", mean = 12, sd = 4 }`.
//!
//! This module holds the types and the draw; it does no I/O.

#![deny(clippy::indexing_slicing)]

use rand::Rng;
use serde::{Serialize, Serializer};
use statrs::distribution::{Beta, Continuous, ContinuousCDF, Gamma, LogNormal, Normal};
use std::ops::Deref;

/// z-score of the 95th percentile of the standard normal distribution.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// Least share of a distribution's mass that must lie inside the parameter's
/// allowed range (MODEL.md section 3).
pub const MIN_MASS: f64 = 0.99;

/// Upper tail cut off every distribution: draws never exceed the
/// `1 - TAIL` quantile, so every parameter has a finite largest value
/// (used by the money-scale check of validation).
pub const TAIL: f64 = 1e-9;

/// Smallest and largest shape parameter accepted for beta and gamma
/// distributions; outside, their CDF cannot be computed reliably.
pub const SHAPE_LIMITS: (f64, f64) = (1e-3, 1e9);

/// A number as shown in messages: plain when moderate, else in scientific notation.
pub fn show(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-4..1e7).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A probability distribution for an uncertain parameter, as written in a file.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum Dist {
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Triangular on `[min, max]` with the given mode.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal with mean and standard deviation.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
    /// Lognormal, given either by `mu`/`sigma` of the log or by 5th/95th percentiles.
    Lognormal {
        /// Mean of the logarithm.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mu: Option<f64>,
        /// Standard deviation of the logarithm.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sigma: Option<f64>,
        /// 5th percentile (with `p95`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        p05: Option<f64>,
        /// 95th percentile (with `p05`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        p95: Option<f64>,
    },
    /// Beta on [0, 1] given by its mean and standard deviation.
    Beta {
        /// Mean, in (0, 1).
        mean: f64,
        /// Standard deviation, with sd^2 < mean (1 - mean).
        sd: f64,
    },
    /// Gamma on [0, inf) given by its mean and standard deviation.
    Gamma {
        /// Mean (> 0).
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
}

/// A numeric parameter: a fixed value or a distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Param {
    /// A fixed value.
    Fixed(f64),
    /// An uncertain value, drawn once per replicate.
    Uncertain(Truncated),
    /// An uncertain value drawn once per replicate and shared by every
    /// parameter carrying the same `shared` name (e.g. one waiting effect
    /// for all groups), so its uncertainty does not average out.
    Shared(SharedDist),
}

/// A distribution whose draw is shared by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedDist {
    /// The distribution (identical wherever the name is used), truncated
    /// to the intersection of the ranges of every parameter using the name.
    #[serde(flatten)]
    pub dist: Truncated,
    /// The shared name.
    pub shared: String,
}

impl Param {
    /// True when the parameter is a distribution rather than a number.
    pub fn is_uncertain(&self) -> bool {
        matches!(self, Param::Uncertain(_) | Param::Shared(_))
    }

    /// The value used when no draw is made: the number itself, or the
    /// distribution's central value (mean; median for the lognormal).
    pub fn central(&self) -> f64 {
        match self {
            Param::Fixed(v) => *v,
            Param::Uncertain(d) => d.central(),
            Param::Shared(s) => s.dist.central(),
        }
    }

    /// The fixed value, or one draw from the (truncated) distribution using `rng`.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self.dist() {
            None => self.central(),
            Some(d) => d.sample(rng),
        }
    }

    /// The distribution with its truncation, if the parameter is uncertain.
    pub fn dist(&self) -> Option<&Truncated> {
        match self {
            Param::Fixed(_) => None,
            Param::Uncertain(d) => Some(d),
            Param::Shared(s) => Some(&s.dist),
        }
    }

    /// The largest value the parameter can take: the number itself, or the
    /// upper end of the distribution's truncated support.
    pub fn upper(&self) -> f64 {
        match self.dist() {
            None => self.central(),
            Some(d) => d.hi,
        }
    }
}

impl From<f64> for Param {
    fn from(v: f64) -> Self {
        Param::Fixed(v)
    }
}

/// Parses the shorthand `"a to b"`: a lognormal with 5th percentile `a` and
/// 95th percentile `b`.
pub fn parse_range(text: &str) -> Result<Dist, String> {
    let parts: Vec<&str> = text.split(" to ").collect();
    let bad = || {
        format!("cannot read \"{text}\": a range is written \"a to b\" with 0 < a < b (a lognormal with those 5th and 95th percentiles)")
    };
    let [a, b] = parts.as_slice() else {
        return Err(bad());
    };
    let a: f64 = a.trim().replace('_', "").parse().map_err(|_| bad())?;
    let b: f64 = b.trim().replace('_', "").parse().map_err(|_| bad())?;
    Ok(Dist::Lognormal {
        mu: None,
        sigma: None,
        p05: Some(a),
        p95: Some(b),
    })
}

impl Dist {
    /// Lognormal `(mu, sigma)` from either form; `None` when incomplete.
    pub fn lognormal_mu_sigma(&self) -> Option<(f64, f64)> {
        match self {
            Dist::Lognormal {
                mu: Some(mu),
                sigma: Some(sigma),
                p05: None,
                p95: None,
            } => Some((*mu, *sigma)),
            Dist::Lognormal {
                mu: None,
                sigma: None,
                p05: Some(a),
                p95: Some(b),
            } if *a > 0.0 && *b > *a => {
                let (la, lb) = (a.ln(), b.ln());
                Some(((la + lb) / 2.0, (lb - la) / (2.0 * Z95)))
            }
            _ => None,
        }
    }

    /// The support `[lo, hi]` of the distribution (infinite ends allowed).
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Dist::Uniform { min, max } | Dist::Triangular { min, max, .. } => (min, max),
            Dist::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Dist::Lognormal { .. } | Dist::Gamma { .. } => (0.0, f64::INFINITY),
            Dist::Beta { .. } => (0.0, 1.0),
        }
    }

    /// Central value: the mean, or the median of a lognormal.
    pub fn central(&self) -> f64 {
        match *self {
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::Normal { mean, .. } | Dist::Beta { mean, .. } | Dist::Gamma { mean, .. } => mean,
            Dist::Lognormal { .. } => self
                .lognormal_mu_sigma()
                .map_or(f64::NAN, |(mu, _)| mu.exp()),
        }
    }

    /// The distribution's name as written after `dist =`.
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Uniform { .. } => "uniform",
            Dist::Triangular { .. } => "triangular",
            Dist::Normal { .. } => "normal",
            Dist::Lognormal { .. } => "lognormal",
            Dist::Beta { .. } => "beta",
            Dist::Gamma { .. } => "gamma",
        }
    }

    /// Checks the distribution's own parameters (not the parameter's range).
    pub fn check(&self) -> Result<(), String> {
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        match *self {
            Dist::Uniform { min, max } => {
                if !finite(&[min, max]) || min > max {
                    return Err(format!(
                        "uniform needs finite min <= max (got min = {}, max = {})",
                        show(min),
                        show(max)
                    ));
                }
            }
            Dist::Triangular { min, mode, max } => {
                if !(finite(&[min, mode, max]) && min <= mode && mode <= max) || min >= max {
                    return Err(format!(
                        "triangular needs finite min <= mode <= max with min < max (got {}, {}, {})", show(min), show(mode), show(max)
                    ));
                }
            }
            Dist::Normal { mean, sd } => {
                if !finite(&[mean, sd]) || sd <= 0.0 {
                    return Err(format!(
                        "normal needs a finite mean and sd > 0 (got mean = {}, sd = {})",
                        show(mean),
                        show(sd)
                    ));
                }
            }
            Dist::Lognormal { .. } => match self.lognormal_mu_sigma() {
                Some((mu, sigma)) if mu.is_finite() && sigma.is_finite() && sigma > 0.0 => {}
                _ => return Err(
                    "lognormal needs either mu and sigma > 0, or 0 < p05 < p95 (not both forms)"
                        .to_string(),
                ),
            },
            Dist::Beta { mean, sd } => {
                if !finite(&[mean, sd])
                    || mean <= 0.0
                    || mean >= 1.0
                    || sd <= 0.0
                    || sd * sd >= mean * (1.0 - mean)
                {
                    return Err(format!(
                        "beta needs 0 < mean < 1 and 0 < sd < sqrt(mean (1 - mean)) (got mean = {}, sd = {})", show(mean), show(sd)
                    ));
                }
                let (a, b) = Self::beta_shapes(mean, sd);
                if !shape_ok(a) || !shape_ok(b) {
                    return Err(format!(
                        "beta with mean = {} and sd = {} has shape parameters {a:e} and {b:e}, outside [{:e}, {:e}]: it cannot be drawn from reliably; use a larger mean or sd",
                        show(mean), show(sd), SHAPE_LIMITS.0, SHAPE_LIMITS.1
                    ));
                }
            }
            Dist::Gamma { mean, sd } => {
                if !finite(&[mean, sd]) || mean <= 0.0 || sd <= 0.0 {
                    return Err(format!(
                        "gamma needs mean > 0 and sd > 0 (got mean = {}, sd = {})",
                        show(mean),
                        show(sd)
                    ));
                }
                let (shape, rate) = Self::gamma_shape_rate(mean, sd);
                if !(shape_ok(shape) && rate.is_finite() && rate > 0.0) {
                    return Err(format!(
                        "gamma with mean = {} and sd = {} has shape {shape:e} and rate {rate:e}: the shape must be in [{:e}, {:e}] and the rate finite; it cannot be drawn from reliably otherwise",
                        show(mean), show(sd), SHAPE_LIMITS.0, SHAPE_LIMITS.1
                    ));
                }
            }
        }
        Ok(())
    }

    /// Shape parameters `(a, b)` of a beta given by mean and sd.
    fn beta_shapes(mean: f64, sd: f64) -> (f64, f64) {
        let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
        (mean * k, (1.0 - mean) * k)
    }

    /// Shape and rate of a gamma given by mean and sd.
    fn gamma_shape_rate(mean: f64, sd: f64) -> (f64, f64) {
        ((mean / sd).powi(2), mean / (sd * sd))
    }

    /// Cumulative distribution function `F(x)`; NaN when the parameters are
    /// undefined (see [`Dist::check`]). Never panics.
    pub fn cdf(&self, x: f64) -> f64 {
        if x.is_nan() {
            return f64::NAN;
        }
        if x == f64::NEG_INFINITY {
            return 0.0;
        }
        if x == f64::INFINITY {
            return 1.0;
        }
        match *self {
            Dist::Uniform { min, max } => {
                if x < min {
                    0.0
                } else if x >= max {
                    1.0
                } else {
                    (x - min) / (max - min)
                }
            }
            Dist::Triangular { min, mode, max } => {
                if x <= min {
                    0.0
                } else if x >= max {
                    1.0
                } else if x <= mode {
                    (x - min).powi(2) / ((max - min) * (mode - min))
                } else {
                    1.0 - (max - x).powi(2) / ((max - min) * (max - mode))
                }
            }
            Dist::Normal { mean, sd } => Normal::new(mean, sd).map_or(f64::NAN, |d| d.cdf(x)),
            Dist::Lognormal { .. } => match self.lognormal_mu_sigma() {
                Some((mu, sigma)) if x > 0.0 => {
                    LogNormal::new(mu, sigma).map_or(f64::NAN, |d| d.cdf(x))
                }
                Some(_) => 0.0,
                None => f64::NAN,
            },
            Dist::Beta { mean, sd } => {
                let (a, b) = Self::beta_shapes(mean, sd);
                match Beta::new(a, b) {
                    Ok(_) if x <= 0.0 => 0.0,
                    Ok(_) if x >= 1.0 => 1.0,
                    Ok(d) => d.cdf(x),
                    Err(_) => f64::NAN,
                }
            }
            Dist::Gamma { mean, sd } => {
                let (shape, rate) = Self::gamma_shape_rate(mean, sd);
                match Gamma::new(shape, rate) {
                    Ok(_) if x <= 0.0 => 0.0,
                    // statrs would panic on an infinite argument.
                    Ok(_) if !(x * rate).is_finite() => 1.0,
                    Ok(d) => d.cdf(x),
                    Err(_) => f64::NAN,
                }
            }
        }
    }

    /// Quantile function `F^-1(p)` for `p` in `[0, 1]`; NaN when `p` is
    /// outside or the parameters are undefined. Never panics.
    pub fn quantile(&self, p: f64) -> f64 {
        if !(0.0..=1.0).contains(&p) {
            return f64::NAN;
        }
        match *self {
            Dist::Uniform { min, max } => min + p * (max - min),
            Dist::Triangular { min, mode, max } => {
                let w = max - min;
                if p * w <= mode - min {
                    min + (p * w * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - p) * w * (max - mode)).sqrt()
                }
            }
            Dist::Normal { mean, sd } => {
                Normal::new(mean, sd).map_or(f64::NAN, |d| d.inverse_cdf(p))
            }
            Dist::Lognormal { .. } => match self.lognormal_mu_sigma() {
                Some((mu, sigma)) => {
                    LogNormal::new(mu, sigma).map_or(f64::NAN, |d| d.inverse_cdf(p))
                }
                None => f64::NAN,
            },
            Dist::Beta { mean, sd } => {
                let (a, b) = Self::beta_shapes(mean, sd);
                Beta::new(a, b).map_or(f64::NAN, |d| d.inverse_cdf(p))
            }
            Dist::Gamma { mean, sd } => {
                let (shape, rate) = Self::gamma_shape_rate(mean, sd);
                Gamma::new(shape, rate).map_or(f64::NAN, |d| gamma_quantile(&d, rate, p))
            }
        }
    }
}

/// A beta or gamma shape parameter that the CDF handles reliably.
fn shape_ok(x: f64) -> bool {
    (SHAPE_LIMITS.0..=SHAPE_LIMITS.1).contains(&x)
}

/// Quantile of a gamma distribution: a bounded bracket, then safeguarded
/// Newton steps (bisection whenever a step leaves the bracket) until the
/// bracket is a few ulps wide.
fn gamma_quantile(d: &Gamma, rate: f64, p: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let cdf = |x: f64| {
        if !(x * rate).is_finite() {
            1.0
        } else {
            d.cdf(x)
        }
    };
    // A bracket [lo, hi] with F(lo) < p <= F(hi), at most a factor 2 wide.
    let (mut lo, mut hi) = (0.5 / rate, 1.0 / rate);
    for _ in 0..2100 {
        if cdf(hi) >= p || !hi.is_finite() {
            break;
        }
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..2100 {
        if cdf(lo) < p || lo == 0.0 {
            break;
        }
        hi = lo;
        lo /= 2.0;
    }
    if !hi.is_finite() {
        return f64::NAN;
    }
    if hi <= f64::MIN_POSITIVE {
        // Below the smallest normal double: the quantile is 0 in practice.
        return 0.0;
    }
    let mut x = (lo + hi) / 2.0;
    for _ in 0..300 {
        let f = cdf(x) - p;
        if f.is_nan() {
            return f64::NAN;
        }
        if f == 0.0 {
            return x;
        }
        if f < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        if hi - lo <= 4.0 * f64::EPSILON * hi {
            break;
        }
        let newton = x - f / d.pdf(x);
        x = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            lo + (hi - lo) / 2.0
        };
    }
    x
}

/// A distribution confined to an interval `[lo, hi]`: draws are made by
/// inverse CDF on the truncated support, `x = F^-1(u)` with `u` uniform in
/// `[F(lo), F(hi)]` (MODEL.md section 3), so no draw leaves the interval.
/// Validation sets the interval to the parameter's allowed range, cut at
/// the distribution's `1 - TAIL` quantile.
#[derive(Debug, Clone, PartialEq)]
pub struct Truncated {
    /// The distribution as written.
    pub dist: Dist,
    /// Smallest value drawn.
    pub lo: f64,
    /// Largest value drawn.
    pub hi: f64,
    /// `F(lo)`.
    p_lo: f64,
    /// `F(hi)`.
    p_hi: f64,
}

impl Deref for Truncated {
    type Target = Dist;
    fn deref(&self) -> &Dist {
        &self.dist
    }
}

impl Serialize for Truncated {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.dist.serialize(s)
    }
}

impl Truncated {
    /// The distribution over its whole support (not yet checked against a range).
    pub fn whole(dist: Dist) -> Self {
        Truncated {
            dist,
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            p_lo: 0.0,
            p_hi: 1.0,
        }
    }

    /// The distribution truncated to `[lo, hi]`, cut at its `1 - TAIL`
    /// quantile. Refused, with the reason, when the distribution's
    /// parameters are undefined, when less than [`MIN_MASS`] of its mass lies
    /// in `[lo, hi]`, or when its CDF cannot be computed there.
    pub fn within(dist: Dist, lo: f64, hi: f64) -> Result<Self, String> {
        dist.check()?;
        let mass = dist.cdf(hi) - dist.cdf(lo);
        if !mass.is_finite() {
            return Err(format!(
                "the {} distribution cannot be evaluated on [{}, {}] (its parameters are too extreme)",
                dist.name(),
                show(lo),
                show(hi)
            ));
        }
        if mass < MIN_MASS {
            return Err(format!(
                "only {:.2}% of the {} distribution lies in the allowed range [{}, {}]: at least {}% must (draws are truncated to the range)",
                100.0 * mass.max(0.0),
                dist.name(),
                show(lo),
                show(hi),
                100.0 * MIN_MASS
            ));
        }
        let top = dist.quantile(1.0 - TAIL);
        let (hi, p_hi) = if top.is_finite() && top < hi {
            (top, 1.0 - TAIL)
        } else {
            (hi, dist.cdf(hi))
        };
        let t = Truncated {
            p_lo: dist.cdf(lo),
            p_hi,
            dist,
            lo,
            hi,
        };
        // Every draw must be a finite number in [lo, hi], increasing in u.
        let mut last = f64::NEG_INFINITY;
        for u in [0.0, 1e-6, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0 - 1e-6, 1.0] {
            let x = t.at(u);
            if !x.is_finite() || x < t.lo || x > t.hi || x < last {
                return Err(format!(
                    "the {} distribution cannot be drawn from on [{}, {}] (its parameters are too extreme)",
                    t.dist.name(),
                    show(lo),
                    show(t.hi)
                ));
            }
            last = x;
        }
        Ok(t)
    }

    /// The draw for a uniform `u` in `[0, 1]`: `F^-1(F(lo) + u (F(hi) - F(lo)))`,
    /// kept in `[lo, hi]` against rounding.
    pub fn at(&self, u: f64) -> f64 {
        let x = match self.dist {
            Dist::Uniform { min, max } if min == max => min,
            _ => self.dist.quantile(self.p_lo + u * (self.p_hi - self.p_lo)),
        };
        x.clamp(self.lo.min(self.hi), self.hi)
    }

    /// One draw: a uniform `u` in (0, 1) from 53 random bits, then [`Truncated::at`].
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let u = crate::stats::random::open_unit(rng);
        self.at(u)
    }
}

impl schemars::JsonSchema for Param {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Param".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // The distribution tables, each also accepting a `shared` name.
        let mut dist = serde_json::to_value(<Dist as schemars::JsonSchema>::json_schema(generator))
            .unwrap_or_default();
        add_shared(&mut dist);
        schemars::json_schema!({
            "description": "A number, a 90% range \"a to b\" (lognormal with those 5th and 95th percentiles), or a distribution table with a `dist` tag.",
            "oneOf": [
                { "type": "number" },
                { "type": "string", "pattern": "^\\s*[-+0-9._eE]+\\s+to\\s+[-+0-9._eE]+\\s*$" },
                dist
            ]
        })
    }
}

/// Adds the optional `shared` name to every distribution table of a schema.
fn add_shared(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            if let Some(serde_json::Value::Object(props)) = o.get_mut("properties") {
                if props.contains_key("dist") {
                    props.insert(
                        "shared".into(),
                        serde_json::json!({
                            "type": "string",
                            "description": "Name of a shared draw: every parameter with this name gets the same value in a replicate."
                        }),
                    );
                }
            }
            o.values_mut().for_each(add_shared);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(add_shared),
        _ => {}
    }
}
