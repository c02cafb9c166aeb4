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

use rand::Rng;
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Normal, Triangular, Uniform};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// z-score of the 95th percentile of the standard normal distribution.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// A probability distribution for an uncertain parameter, as written in a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    Uncertain(Dist),
    /// An uncertain value drawn once per replicate and shared by every
    /// parameter carrying the same `shared` name (e.g. one waiting effect
    /// for all groups), so its uncertainty does not average out.
    Shared(SharedDist),
}

/// A distribution whose draw is shared by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedDist {
    /// The distribution (identical wherever the name is used).
    #[serde(flatten)]
    pub dist: Dist,
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

    /// The fixed value, or one draw from the distribution using `rng`.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self.dist() {
            None => self.central(),
            Some(d) => d.sample(rng),
        }
    }

    /// The distribution, if the parameter is uncertain.
    pub fn dist(&self) -> Option<&Dist> {
        match self {
            Param::Fixed(_) => None,
            Param::Uncertain(d) => Some(d),
            Param::Shared(s) => Some(&s.dist),
        }
    }
}

impl From<f64> for Param {
    fn from(v: f64) -> Self {
        Param::Fixed(v)
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ParamVisitor)
    }
}

struct ParamVisitor;

impl<'de> Visitor<'de> for ParamVisitor {
    type Value = Param;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "a number, a range \"a to b\", or a table like { dist = \"uniform\", min = 0, max = 1 }",
        )
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Param, E> {
        Ok(Param::Fixed(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Param, E> {
        Ok(Param::Fixed(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Param, E> {
        Ok(Param::Fixed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Param, E> {
        parse_range(v).map(Param::Uncertain).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Param, A::Error> {
        let mut table = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let shared = match table.as_object_mut().and_then(|o| o.remove("shared")) {
            None => None,
            Some(serde_json::Value::String(name)) => Some(name),
            Some(other) => {
                return Err(de::Error::custom(format!(
                    "`shared` must be a name (a string), not {other}"
                )))
            }
        };
        let dist: Dist = serde_json::from_value(table).map_err(de::Error::custom)?;
        Ok(match shared {
            Some(shared) => Param::Shared(SharedDist { dist, shared }),
            None => Param::Uncertain(dist),
        })
    }
}

/// Parses the shorthand `"a to b"`: a lognormal with 5th percentile `a` and
/// 95th percentile `b`.
pub fn parse_range(text: &str) -> Result<Dist, String> {
    let parts: Vec<&str> = text.split(" to ").collect();
    let bad = || {
        format!("cannot read \"{text}\": a range is written \"a to b\" with 0 < a < b (a lognormal with those 5th and 95th percentiles)")
    };
    if parts.len() != 2 {
        return Err(bad());
    }
    let a: f64 = parts[0]
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| bad())?;
    let b: f64 = parts[1]
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| bad())?;
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

    /// Checks the distribution's own parameters (not the parameter's range).
    pub fn check(&self) -> Result<(), String> {
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        match *self {
            Dist::Uniform { min, max } => {
                if !finite(&[min, max]) || min > max {
                    return Err(format!(
                        "uniform needs finite min <= max (got min = {min}, max = {max})"
                    ));
                }
            }
            Dist::Triangular { min, mode, max } => {
                if !(finite(&[min, mode, max]) && min <= mode && mode <= max) || min >= max {
                    return Err(format!(
                        "triangular needs finite min <= mode <= max with min < max (got {min}, {mode}, {max})"
                    ));
                }
            }
            Dist::Normal { mean, sd } => {
                if !finite(&[mean, sd]) || sd <= 0.0 {
                    return Err(format!(
                        "normal needs a finite mean and sd > 0 (got mean = {mean}, sd = {sd})"
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
                        "beta needs 0 < mean < 1 and 0 < sd < sqrt(mean (1 - mean)) (got mean = {mean}, sd = {sd})"
                    ));
                }
            }
            Dist::Gamma { mean, sd } => {
                if !finite(&[mean, sd]) || mean <= 0.0 || sd <= 0.0 {
                    return Err(format!(
                        "gamma needs mean > 0 and sd > 0 (got mean = {mean}, sd = {sd})"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Draws one value. The distribution must have passed [`Dist::check`];
    /// if it has not, the central value is returned rather than panicking.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let central = self.central();
        match *self {
            Dist::Uniform { min, max } => {
                if min == max {
                    return min;
                }
                Uniform::new_inclusive(min, max).map_or(central, |d| d.sample(rng))
            }
            Dist::Triangular { min, mode, max } => {
                Triangular::new(min, max, mode).map_or(central, |d| d.sample(rng))
            }
            Dist::Normal { mean, sd } => Normal::new(mean, sd).map_or(central, |d| d.sample(rng)),
            Dist::Lognormal { .. } => match self.lognormal_mu_sigma() {
                Some((mu, sigma)) => LogNormal::new(mu, sigma).map_or(central, |d| d.sample(rng)),
                None => central,
            },
            Dist::Beta { mean, sd } => {
                let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
                Beta::new(mean * k, (1.0 - mean) * k).map_or(central, |d| d.sample(rng))
            }
            Dist::Gamma { mean, sd } => {
                let shape = (mean / sd).powi(2);
                let scale = sd * sd / mean;
                Gamma::new(shape, scale).map_or(central, |d| d.sample(rng))
            }
        }
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
