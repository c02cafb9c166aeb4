//! Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC,
//! the population Monte Carlo scheme of Beaumont, Cornuet, Marin & Robert,
//! *Biometrika* 96(4), 2009), with an adaptive tolerance: generation `t`
//! accepts a proposal when its distance to the observations is at most
//! the `quantile` of generation `t - 1`'s distances (weighted by its
//! importance weights), in the spirit of Del Moral, Doucet & Jasra
//! (*Statistics and Computing* 22, 2012).
//!
//! Parameters live in the unit cube: coordinate `u_i` in `[0, 1]` is the
//! prior CDF of parameter `i` (see [`crate::experiment::factors`]), so the
//! prior is uniform on the cube and its density is 1 inside, 0 outside.
//! Proposals are a particle of the previous generation drawn by weight and
//! moved by a Gaussian kernel, independent across coordinates, with twice
//! the previous generation's weighted variance per coordinate (Beaumont et
//! al. 2009) and truncated to the cube (its normalising constant is part of
//! the importance weight, so the truncation is exact). Importance weight of
//! an accepted proposal `u`: `1 / sum_j W_j K_j(u)`.
//!
//! Determinism: every proposal `i` of generation `t` draws its random
//! numbers from its own stream keyed by `(seed, t, i)`, and the model is
//! asked for `simulate(u, key)` with a key unique to the proposal.
//! Proposals are evaluated in batches in parallel and collected in index
//! order; the first `particles` accepted in index order form the
//! generation. Results therefore do not depend on the thread count.

use crate::engine::rng::{mix64, StreamRng};
use crate::engine::run::Workers;
use crate::stats::random::open_unit;
use rayon::prelude::*;

/// Settings of one ABC-SMC run.
#[derive(Debug, Clone, PartialEq)]
pub struct AbcSettings {
    /// Particles per generation.
    pub particles: usize,
    /// Generations after the prior one (generation 0 samples the prior).
    pub generations: usize,
    /// Tolerance of generation `t`: this quantile (0-1) of generation `t - 1`'s
    /// weighted distances.
    pub quantile: f64,
    /// Most proposals a generation may make, as a multiple of `particles`;
    /// a generation that cannot accept `particles` within it ends the run,
    /// keeping the previous generation.
    pub budget: usize,
    /// Master seed.
    pub seed: u64,
    /// Worker threads (0 = all cores); results do not depend on it.
    pub threads: usize,
}

/// What one generation did.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// Tolerance: largest distance accepted (infinite for the prior generation).
    pub tolerance: f64,
    /// Proposals simulated.
    pub proposals: usize,
    /// Proposals within the tolerance, among all simulated (the generation
    /// keeps the first `particles` of them in proposal order).
    pub accepted: usize,
    /// Effective sample size of the importance weights, `1 / sum w^2`.
    pub ess: f64,
    /// Whether the generation was kept (at least `particles` proposals
    /// were within the tolerance).
    pub kept: bool,
}

impl Generation {
    /// Accepted / proposals.
    pub fn acceptance(&self) -> f64 {
        if self.proposals == 0 {
            0.0
        } else {
            self.accepted as f64 / self.proposals as f64
        }
    }
}

/// A weighted population of particles.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// Unit-cube coordinates of each particle.
    pub u: Vec<Vec<f64>>,
    /// Normalised importance weights (sum 1).
    pub weights: Vec<f64>,
    /// Distance of each particle's simulation to the observations.
    pub distances: Vec<f64>,
}

impl Population {
    /// Effective sample size `1 / sum w^2`.
    pub fn ess(&self) -> f64 {
        let s: f64 = self.weights.iter().map(|w| w * w).sum();
        if s > 0.0 {
            1.0 / s
        } else {
            0.0
        }
    }

    /// Weighted quantile `q` (0-1) of coordinate `i`.
    pub fn quantile(&self, i: usize, q: f64) -> f64 {
        let x: Vec<f64> = self
            .u
            .iter()
            .map(|u| u.get(i).copied().unwrap_or(f64::NAN))
            .collect();
        weighted_quantile(&x, &self.weights, q)
    }
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct AbcResult {
    /// Every generation tried, the prior one first.
    pub generations: Vec<Generation>,
    /// The last kept generation's population: the posterior sample.
    pub population: Population,
}

/// Scaled distance between simulated and observed values: the root mean
/// square of `(sim - obs) / sd`; infinite if any simulated value is not finite.
pub fn distance(simulated: &[f64], observed: &[f64], sd: &[f64]) -> f64 {
    if simulated.len() != observed.len() || observed.is_empty() {
        return f64::INFINITY;
    }
    let mut s = 0.0;
    for ((x, o), d) in simulated.iter().zip(observed).zip(sd) {
        if !x.is_finite() {
            return f64::INFINITY;
        }
        let z = (x - o) / d;
        s += z * z;
    }
    (s / observed.len() as f64).sqrt()
}

/// Weighted quantile `q` of `x` (the smallest value whose cumulative weight
/// reaches `q` of the total); NaN when empty.
pub fn weighted_quantile(x: &[f64], w: &[f64], q: f64) -> f64 {
    let mut idx: Vec<usize> = (0..x.len().min(w.len())).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let total: f64 = idx.iter().map(|&i| w[i]).sum();
    if idx.is_empty() || total.is_nan() || total <= 0.0 {
        return f64::NAN;
    }
    let target = q.clamp(0.0, 1.0) * total;
    let mut acc = 0.0;
    for &i in &idx {
        acc += w[i];
        if acc >= target {
            return x[i];
        }
    }
    idx.last().map_or(f64::NAN, |&i| x[i])
}

/// The key handed to `simulate` for proposal `index` of generation `gen`:
/// unique per proposal for generations below 2^24 and indices below 2^40.
pub fn proposal_key(gen: usize, index: usize) -> u64 {
    ((gen as u64) << 40) | index as u64
}

/// A standard normal (Box-Muller, one of the pair).
fn normal(rng: &mut StreamRng) -> f64 {
    let a = open_unit(rng);
    let b = open_unit(rng);
    (-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()
}

/// Standard normal CDF.
fn phi(x: f64) -> f64 {
    0.5 * (1.0 + statrs::function::erf::erf(x / std::f64::consts::SQRT_2))
}

/// The perturbation kernel: independent Gaussians with these sds,
/// truncated to the unit cube.
struct Kernel {
    sd: Vec<f64>,
}

impl Kernel {
    /// From a weighted population: twice the weighted variance per coordinate
    /// (floored, so that a collapsed coordinate can still move).
    fn from(pop: &Population, dims: usize) -> Self {
        let sd = (0..dims)
            .map(|i| {
                let mean: f64 = pop.u.iter().zip(&pop.weights).map(|(u, w)| w * u[i]).sum();
                let var: f64 = pop
                    .u
                    .iter()
                    .zip(&pop.weights)
                    .map(|(u, w)| w * (u[i] - mean) * (u[i] - mean))
                    .sum();
                (2.0 * var).sqrt().max(1e-3)
            })
            .collect();
        Kernel { sd }
    }

    /// Log of the normalising constant of the truncated kernel around `c`.
    fn log_mass(&self, c: &[f64]) -> f64 {
        c.iter()
            .zip(&self.sd)
            .map(|(&ci, &s)| (phi((1.0 - ci) / s) - phi(-ci / s)).max(1e-300).ln())
            .sum()
    }

    /// Log density (up to the factor shared by all centres) of `x` around `c`,
    /// truncated to the cube; `log_mass` is [`Kernel::log_mass`] of `c`.
    fn log_density(&self, x: &[f64], c: &[f64], log_mass: f64) -> f64 {
        let q: f64 = x
            .iter()
            .zip(c)
            .zip(&self.sd)
            .map(|((xi, ci), s)| {
                let z = (xi - ci) / s;
                -0.5 * z * z
            })
            .sum();
        q - log_mass
    }

    /// A draw around `c`, inside the cube (each coordinate redrawn until inside).
    fn draw(&self, c: &[f64], rng: &mut StreamRng) -> Vec<f64> {
        c.iter()
            .zip(&self.sd)
            .map(|(&ci, &s)| loop {
                let x = ci + s * normal(rng);
                if (0.0..=1.0).contains(&x) {
                    break x;
                }
            })
            .collect()
    }
}

/// One evaluated proposal.
struct Proposal {
    u: Vec<f64>,
    distance: f64,
}

/// Runs ABC-SMC over `dims` unit-cube coordinates. `distance_of(u, key)`
/// simulates the model at `u` with random numbers keyed by `key` (see
/// [`proposal_key`]) and returns its distance to the observations (see
/// [`distance`]). `on_generation` sees each generation when it ends.
pub fn abc_smc<F>(
    dims: usize,
    settings: &AbcSettings,
    distance_of: F,
    mut on_generation: impl FnMut(&Generation),
) -> AbcResult
where
    F: Fn(&[f64], u64) -> f64 + Sync,
{
    let n = settings.particles.max(2);
    let workers = Workers::new(settings.threads);
    let rng_of = |gen: usize, i: usize| {
        StreamRng::from_key(mix64(
            mix64(settings.seed ^ 0xABC5_3C00) ^ mix64(proposal_key(gen, i)),
        ))
    };
    // Generation 0: the prior.
    let prior: Vec<Proposal> = workers.install(|| {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let mut rng = rng_of(0, i);
                let u: Vec<f64> = (0..dims).map(|_| open_unit(&mut rng)).collect();
                let distance = distance_of(&u, proposal_key(0, i));
                Proposal { u, distance }
            })
            .collect()
    });
    let mut pop = Population {
        u: prior.iter().map(|p| p.u.clone()).collect(),
        weights: vec![1.0 / n as f64; n],
        distances: prior.iter().map(|p| p.distance).collect(),
    };
    let first = Generation {
        tolerance: f64::INFINITY,
        proposals: n,
        accepted: n,
        ess: pop.ess(),
        kept: true,
    };
    on_generation(&first);
    let mut generations = vec![first];
    for gen in 1..=settings.generations {
        let tolerance = weighted_quantile(&pop.distances, &pop.weights, settings.quantile);
        if !tolerance.is_finite() {
            break;
        }
        let kernel = Kernel::from(&pop, dims);
        let masses: Vec<f64> = pop.u.iter().map(|c| kernel.log_mass(c)).collect();
        let cumulative: Vec<f64> = pop
            .weights
            .iter()
            .scan(0.0, |acc, w| {
                *acc += w;
                Some(*acc)
            })
            .collect();
        let total = cumulative.last().copied().unwrap_or(1.0);
        let budget = settings.budget.max(1) * n;
        let mut accepted: Vec<Proposal> = Vec::with_capacity(n);
        let mut proposals = 0usize;
        let mut within = 0usize;
        while accepted.len() < n && proposals < budget {
            let batch = n.min(budget - proposals);
            let start = proposals;
            let results: Vec<Proposal> = workers.install(|| {
                (start..start + batch)
                    .into_par_iter()
                    .map(|i| {
                        let mut rng = rng_of(gen, i);
                        let r = open_unit(&mut rng) * total;
                        let j = cumulative.partition_point(|&c| c < r).min(n - 1);
                        let u = kernel.draw(&pop.u[j], &mut rng);
                        let distance = distance_of(&u, proposal_key(gen, i));
                        Proposal { u, distance }
                    })
                    .collect()
            });
            proposals += batch;
            for p in results {
                if p.distance <= tolerance {
                    within += 1;
                    if accepted.len() < n {
                        accepted.push(p);
                    }
                }
            }
        }
        if accepted.len() < n {
            let g = Generation {
                tolerance,
                proposals,
                accepted: within,
                ess: 0.0,
                kept: false,
            };
            on_generation(&g);
            generations.push(g);
            break;
        }
        // Importance weights: prior density (1 in the cube) over the mixture
        // of kernels around the previous generation.
        let log_w: Vec<f64> = workers.install(|| {
            accepted
                .par_iter()
                .map(|p| {
                    let terms: Vec<f64> = pop
                        .u
                        .iter()
                        .zip(&pop.weights)
                        .zip(&masses)
                        .map(|((c, w), m)| w.ln() + kernel.log_density(&p.u, c, *m))
                        .collect();
                    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let s: f64 = terms.iter().map(|t| (t - top).exp()).sum();
                    -(top + s.ln())
                })
                .collect()
        });
        let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let raw: Vec<f64> = log_w.iter().map(|l| (l - top).exp()).collect();
        let sum: f64 = raw.iter().sum();
        pop = Population {
            u: accepted.iter().map(|p| p.u.clone()).collect(),
            weights: raw.iter().map(|w| w / sum).collect(),
            distances: accepted.iter().map(|p| p.distance).collect(),
        };
        let g = Generation {
            tolerance,
            proposals,
            accepted: within,
            ess: pop.ess(),
            kept: true,
        };
        on_generation(&g);
        generations.push(g);
    }
    AbcResult {
        generations,
        population: pop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A conjugate check: observations y ~ N(theta, 0.1) with theta uniform
    /// on [0, 1]; with a small tolerance the ABC posterior of theta
    /// approaches N(y, 0.1) truncated to [0, 1].
    #[test]
    fn normal_mean_posterior() {
        let settings = AbcSettings {
            particles: 2_000,
            generations: 6,
            quantile: 0.5,
            budget: 50,
            seed: 3,
            threads: 2,
        };
        let obs = 0.4;
        let sd = 0.1;
        let res = abc_smc(
            1,
            &settings,
            |u, key| {
                let mut rng = StreamRng::from_key(mix64(key ^ 77));
                let y = u[0] + sd * normal(&mut rng);
                distance(&[y], &[obs], &[sd])
            },
            |_| {},
        );
        let pop = &res.population;
        let mean: f64 = pop.u.iter().zip(&pop.weights).map(|(u, w)| w * u[0]).sum();
        let var: f64 = pop
            .u
            .iter()
            .zip(&pop.weights)
            .map(|(u, w)| w * (u[0] - mean).powi(2))
            .sum();
        // The exact posterior is N(0.4, 0.1) (truncation at 0 and 1 is 3 sd away
        // or more: negligible); ABC with tolerance eps widens it by about eps^2/3
        // in variance. Monte Carlo error of the mean: sd / sqrt(ESS).
        let ess = pop.ess();
        assert!(ess > 200.0, "ess {ess}");
        let eps = res.generations.last().map(|g| g.tolerance).unwrap_or(1.0) * sd;
        let se = (var / ess).sqrt();
        println!("mean {mean} se {se} sd {} eps {eps} ess {ess}", var.sqrt());
        assert!((mean - obs).abs() < 4.0 * se, "mean {mean}");
        let sd_hat = var.sqrt();
        let expected = (sd * sd + eps * eps / 3.0).sqrt();
        // The sd of a weighted sample has relative standard error about 1/sqrt(2 ESS).
        let rel = 4.0 / (2.0 * ess).sqrt();
        assert!(
            (sd_hat / expected - 1.0).abs() < rel,
            "sd {sd_hat} vs {expected}"
        );
    }

    #[test]
    fn same_result_whatever_the_thread_count() {
        let run = |threads| {
            let settings = AbcSettings {
                particles: 200,
                generations: 3,
                quantile: 0.5,
                budget: 20,
                seed: 9,
                threads,
            };
            abc_smc(
                2,
                &settings,
                |u, key| {
                    let mut rng = StreamRng::from_key(mix64(key));
                    let y = [u[0] + 0.1 * normal(&mut rng), u[0] * u[1]];
                    distance(&y, &[0.5, 0.2], &[0.1, 0.05])
                },
                |_| {},
            )
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn weighted_quantile_picks_by_cumulative_weight() {
        let x = [3.0, 1.0, 2.0];
        let w = [0.2, 0.5, 0.3];
        assert_eq!(weighted_quantile(&x, &w, 0.5), 1.0);
        assert_eq!(weighted_quantile(&x, &w, 0.6), 2.0);
        assert_eq!(weighted_quantile(&x, &w, 0.95), 3.0);
    }
}
