//! Calibration of the shared behavioural block against observed outcomes
//! of several programmes at once (docs/calibration.md): a targets file
//! ([`targets`]) names programmes (scenarios) and observed figures mapped
//! to model quantities; [`Calibration::fit`] runs ABC-SMC ([`abc`]) over
//! the shared draws, with every other uncertain value of a scenario drawn
//! from its own distribution; the weighted posterior ([`posterior`]) can
//! then replace the prior of those draws in any run.
//!
//! No I/O here: the command (`ddrsim calibrate`) reads the files.

pub mod abc;
pub mod posterior;
pub mod targets;

use crate::engine::point::prior_values;
use crate::engine::rng::Streams;
use crate::engine::run::Workers;
use crate::engine::sim::simulate;
use crate::experiment::factors::{factors, FactorGroup};
use crate::model::inputs::Inputs;
use crate::model::outcome::{outcome_columns, outcome_row};
use crate::model::record::{st, STATES};
use crate::scenario::month::YearMonth;
use crate::scenario::read::quoted;
use crate::scenario::validate::Problem;
use crate::scenario::{Scenario, Truncated};
use abc::{abc_smc, distance, proposal_key, weighted_quantile, AbcResult, AbcSettings, Generation};
use posterior::Posterior;
use rayon::prelude::*;
use targets::{QuantityKind, Settings, TargetSpec, TargetsFile};

/// People outcomes a target may sum over groups (counts over the run or at the horizon).
pub const OUTCOME_METRICS: [&str; 10] = [
    "disarmed",
    "absorbed",
    "started_reintegration",
    "completed",
    "reintegrated",
    "rerecruited",
    "self_reintegrated",
    "lost",
    "still_armed",
    "waiting_end",
];

/// A programme of the calibration: its id and scenario (baseline policy only).
#[derive(Debug, Clone)]
pub struct Programme {
    /// Programme id.
    pub id: String,
    /// The scenario, with only its first (baseline) policy.
    pub scenario: Scenario,
}

/// A fitted parameter: a shared draw with the same prior in every programme.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// `shared.NAME`.
    pub name: String,
    /// The prior (truncated to the parameter's range).
    pub prior: Truncated,
}

#[derive(Debug, Clone, PartialEq)]
enum Measure {
    State { state: usize, month: usize },
    Outcome { columns: Vec<usize> },
    Reached,
    Rerecruited,
}

/// A target resolved against its programme's scenario.
#[derive(Debug, Clone)]
pub struct Target {
    /// The target as written.
    pub spec: TargetSpec,
    /// Index of its programme in [`Calibration::programmes`].
    pub programme: usize,
    /// Whether the fit uses it (false when its programme is left out).
    pub fitted: bool,
    /// Groups summed (indices into the scenario's groups).
    groups: Vec<usize>,
    measure: Measure,
}

/// A calibration problem ready to fit.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// Programmes, in file order.
    pub programmes: Vec<Programme>,
    /// Targets, in file order.
    pub targets: Vec<Target>,
    /// Fitted parameters.
    pub parameters: Vec<Parameter>,
    /// Settings of the fit.
    pub settings: Settings,
    /// Programme left out of the fit, if any.
    pub leave_out: Option<String>,
    /// `[programme][parameter]`: slots of the scenario taking the parameter.
    slots: Vec<Vec<Vec<usize>>>,
}

fn problem(key: &str, at: impl Into<Option<(usize, usize)>>, message: String) -> Problem {
    Problem {
        key: key.to_string(),
        message,
        at: at.into(),
    }
}

impl Calibration {
    /// Resolves a targets file against its programmes' scenarios (`scenarios`
    /// in the order of `file.programmes`). `leave_out` names a programme
    /// whose targets the fit does not use (they are still predicted).
    pub fn new(
        file: &TargetsFile,
        scenarios: Vec<Scenario>,
        leave_out: Option<&str>,
    ) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        if let Some(l) = leave_out {
            if !file.programmes.iter().any(|p| p.id == l) {
                let ids: Vec<&str> = file.programmes.iter().map(|p| p.id.as_str()).collect();
                problems.push(Problem {
                    key: "--leave-out".into(),
                    message: format!("no programme {}; programmes: {}", quoted(l), ids.join(", ")),
                    at: None,
                });
                return Err(problems);
            }
        }
        let programmes: Vec<Programme> = file
            .programmes
            .iter()
            .zip(scenarios)
            .map(|(p, mut sc)| {
                sc.policies.truncate(1);
                Programme {
                    id: p.id.clone(),
                    scenario: sc,
                }
            })
            .collect();
        let fitted: Vec<bool> = programmes
            .iter()
            .map(|p| leave_out != Some(p.id.as_str()))
            .collect();
        if fitted.iter().all(|f| !f) {
            problems.push(Problem {
                key: "--leave-out".into(),
                message: "leaving this programme out leaves nothing to fit".into(),
                at: None,
            });
            return Err(problems);
        }
        // Parameters: shared behavioural draws common to every fitted programme.
        let per: Vec<Vec<crate::experiment::factors::UncertainFactor>> =
            programmes.iter().map(|p| factors(&p.scenario)).collect();
        let first = fitted.iter().position(|f| *f).unwrap_or(0);
        let candidates: Vec<String> = if file.settings.parameters.is_empty() {
            per.get(first)
                .map(|fs| {
                    fs.iter()
                        .filter(|f| {
                            f.name.starts_with("shared.") && f.group == FactorGroup::Behaviour
                        })
                        .filter(|f| {
                            per.iter()
                                .zip(&fitted)
                                .filter(|(_, fit)| **fit)
                                .all(|(o, _)| o.iter().any(|g| g.name == f.name))
                        })
                        .map(|f| f.name.clone())
                        .collect()
                })
                .unwrap_or_default()
        } else {
            file.settings.parameters.clone()
        };
        let mut parameters = Vec::new();
        for name in &candidates {
            let mut prior: Option<Truncated> = None;
            for ((p, fs), fit) in programmes.iter().zip(&per).zip(&fitted) {
                match fs.iter().find(|f| &f.name == name) {
                    Some(f) => match &prior {
                        None => prior = Some(f.dist.clone()),
                        Some(d) if *d != f.dist && *fit => problems.push(problem(
                            &format!("programme.{}", p.id),
                            file.programmes.iter().find(|s| s.id == p.id).map(|s| s.at),
                            format!(
                                "{name} has a different distribution in programme {} than in the first programme: the fitted block must have one prior",
                                quoted(&p.id)
                            ),
                        )),
                        Some(_) => {}
                    },
                    None => {
                        let spec = file.programmes.iter().find(|s| s.id == p.id);
                        problems.push(problem(
                            &format!("programme.{}", p.id),
                            spec.map(|s| s.at),
                            format!(
                                "its scenario has no uncertain shared draw {name}; fitted parameters must be shared draws of every programme"
                            ),
                        ));
                    }
                }
            }
            if let Some(prior) = prior {
                parameters.push(Parameter {
                    name: name.clone(),
                    prior,
                });
            }
        }
        if parameters.is_empty() && problems.is_empty() {
            problems.push(problem(
                "calibration.parameters",
                None,
                "no shared behavioural draw is common to the fitted programmes: nothing to fit"
                    .into(),
            ));
        }
        let slots: Vec<Vec<Vec<usize>>> = per
            .iter()
            .map(|fs| {
                parameters
                    .iter()
                    .map(|par| {
                        fs.iter()
                            .find(|f| f.name == par.name)
                            .map(|f| f.slots.clone())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        let mut targets = Vec::new();
        for spec in &file.targets {
            let Some(pi) = programmes.iter().position(|p| p.id == spec.programme) else {
                continue;
            };
            let sc = &programmes[pi].scenario;
            match resolve(spec, sc) {
                Ok((groups, measure)) => targets.push(Target {
                    spec: spec.clone(),
                    programme: pi,
                    fitted: fitted[pi],
                    groups,
                    measure,
                }),
                Err(mut p) => problems.append(&mut p),
            }
        }
        if problems.is_empty() && !targets.iter().any(|t| t.fitted) {
            problems.push(problem("target", None, "no target is left to fit".into()));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Calibration {
            programmes,
            targets,
            parameters,
            settings: file.settings.clone(),
            leave_out: leave_out.map(str::to_string),
            slots,
        })
    }

    /// Indices of the programmes the fit simulates.
    pub fn fitted_programmes(&self) -> Vec<usize> {
        (0..self.programmes.len())
            .filter(|&p| self.targets.iter().any(|t| t.fitted && t.programme == p))
            .collect()
    }

    /// Parameter values at unit-cube coordinates `u`.
    pub fn values(&self, u: &[f64]) -> Vec<f64> {
        self.parameters
            .iter()
            .zip(u)
            .map(|(p, &x)| p.prior.at(x.clamp(0.0, 1.0)))
            .collect()
    }

    /// Simulated value of every target (NaN for programmes not in
    /// `programmes`) with the fitted parameters at `values` and everything
    /// else drawn from the scenarios' distributions, on streams `(seed, p, 0)`.
    pub fn simulate(&self, values: &[f64], seed: u64, p: u64, programmes: &[usize]) -> Vec<f64> {
        let mut out = vec![f64::NAN; self.targets.len()];
        for &pi in programmes {
            let Some(prog) = self.programmes.get(pi) else {
                continue;
            };
            let sc = &prog.scenario;
            let mut v = prior_values(sc, seed, p);
            for (slots, &x) in self.slots[pi].iter().zip(values) {
                for &s in slots {
                    if let Some(slot) = v.get_mut(s) {
                        *slot = x;
                    }
                }
            }
            let streams = Streams::new(seed, p, 0);
            let inputs = Inputs::build(sc, &v);
            let traj = simulate(sc, &inputs, 0, &streams);
            let needs_row = self
                .targets
                .iter()
                .any(|t| t.programme == pi && !matches!(t.measure, Measure::State { .. }));
            let row = if needs_row {
                outcome_row(&inputs, &sc.policies[0], &traj)
            } else {
                Vec::new()
            };
            let cols = if needs_row {
                outcome_columns(sc)
            } else {
                Vec::new()
            };
            let col = |name: &str, g: usize| -> f64 {
                cols.iter()
                    .position(|c| c.metric.name == name && c.group == Some(g))
                    .and_then(|i| row.get(i).copied().flatten())
                    .map_or(f64::NAN, |x| x as f64)
            };
            let state_end = |s: usize, g: usize| -> f64 {
                traj.final_people().get(g).map_or(f64::NAN, |p| p[s] as f64)
            };
            for (ti, t) in self.targets.iter().enumerate() {
                if t.programme != pi {
                    continue;
                }
                out[ti] = match &t.measure {
                    Measure::State { state, month } => t
                        .groups
                        .iter()
                        .map(|&g| {
                            (*month <= traj.months.len())
                                .then(|| traj.people_at(month - 1))
                                .and_then(|p| p.get(g))
                                .map_or(f64::NAN, |p| p[*state] as f64)
                        })
                        .sum(),
                    Measure::Outcome { columns } => columns
                        .iter()
                        .map(|&c| row.get(c).copied().flatten().map_or(f64::NAN, |x| x as f64))
                        .sum(),
                    Measure::Reached => {
                        let (mut num, mut den) = (0.0, 0.0);
                        for &g in &t.groups {
                            num += col("started_reintegration", g);
                            den += col("disarmed", g)
                                - col("absorbed", g)
                                - state_end(st::IN_DD, g)
                                - state_end(st::IN_REINSERTION, g);
                        }
                        if den > 0.0 {
                            num / den
                        } else {
                            f64::NAN
                        }
                    }
                    Measure::Rerecruited => {
                        let (mut num, mut den) = (0.0, 0.0);
                        for &g in &t.groups {
                            num += col("rerecruited", g);
                            den += col("disarmed", g) - col("absorbed", g);
                        }
                        if den > 0.0 {
                            num / den
                        } else {
                            f64::NAN
                        }
                    }
                };
            }
        }
        out
    }

    /// Runs the fit with the file's settings (or `settings`), then
    /// simulates the prior and posterior predictive distribution of every
    /// target (left-out ones included). `threads` 0 = all cores; results do
    /// not depend on it.
    pub fn fit(&self, threads: usize, mut on_generation: impl FnMut(&Generation)) -> Fit {
        let s = &self.settings;
        let abc_settings = AbcSettings {
            particles: s.particles,
            generations: s.generations,
            quantile: s.quantile,
            budget: s.budget,
            seed: s.seed,
            threads,
        };
        let fitted = self.fitted_programmes();
        let which: Vec<usize> = (0..self.targets.len())
            .filter(|&i| self.targets[i].fitted)
            .collect();
        let observed: Vec<f64> = which
            .iter()
            .map(|&i| self.targets[i].spec.observed)
            .collect();
        let sd: Vec<f64> = which.iter().map(|&i| self.targets[i].spec.sd).collect();
        let abc = abc_smc(
            self.parameters.len(),
            &abc_settings,
            |u, key| {
                let sim = self.simulate(&self.values(u), s.seed, key, &fitted);
                let x: Vec<f64> = which.iter().map(|&i| sim[i]).collect();
                distance(&x, &observed, &sd)
            },
            &mut on_generation,
        );
        let all: Vec<usize> = (0..self.programmes.len()).collect();
        let workers = Workers::new(threads);
        let n = abc.population.u.len();
        // Fresh simulations (keys no generation uses) for the predictive distributions.
        let posterior_predictive: Vec<Vec<f64>> = workers.install(|| {
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let v = self.values(&abc.population.u[i]);
                    self.simulate(&v, s.seed, proposal_key(PREDICTIVE_GEN, i), &all)
                })
                .collect()
        });
        let prior_predictive: Vec<Vec<f64>> = workers.install(|| {
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let v = prior_values_of(&self.parameters, s.seed, i as u64);
                    self.simulate(&v, s.seed, proposal_key(PRIOR_GEN, i), &all)
                })
                .collect()
        });
        Fit {
            abc,
            posterior_predictive,
            prior_predictive,
        }
    }

    /// The posterior as weighted parameter draws.
    pub fn posterior(&self, fit: &Fit) -> Posterior {
        Posterior {
            names: self.parameters.iter().map(|p| p.name.clone()).collect(),
            weights: fit.abc.population.weights.clone(),
            draws: fit
                .abc
                .population
                .u
                .iter()
                .map(|u| self.values(u))
                .collect(),
        }
    }

    /// Per parameter: prior and posterior 5/50/95 percentiles.
    pub fn parameter_summary(&self, fit: &Fit) -> Vec<ParameterSummary> {
        let pop = &fit.abc.population;
        self.parameters
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let q = |x: f64| p.prior.at(pop.quantile(i, x));
                ParameterSummary {
                    name: p.name.clone(),
                    prior: [p.prior.at(0.05), p.prior.at(0.5), p.prior.at(0.95)],
                    posterior: [q(0.05), q(0.5), q(0.95)],
                }
            })
            .collect()
    }

    /// Per target: prior and posterior predictive 5/50/95 percentiles.
    pub fn target_summary(&self, fit: &Fit) -> Vec<TargetSummary> {
        let w = &fit.abc.population.weights;
        let flat = vec![1.0; fit.prior_predictive.len()];
        self.targets
            .iter()
            .enumerate()
            .map(|(ti, t)| {
                let band = |sims: &[Vec<f64>], w: &[f64]| {
                    let (x, ww): (Vec<f64>, Vec<f64>) = sims
                        .iter()
                        .zip(w)
                        .map(|(s, w)| (s[ti], *w))
                        .filter(|(x, _)| x.is_finite())
                        .unzip();
                    [0.05, 0.5, 0.95].map(|q| weighted_quantile(&x, &ww, q))
                };
                let posterior = band(&fit.posterior_predictive, w);
                TargetSummary {
                    id: t.spec.id.clone(),
                    programme: self.programmes[t.programme].id.clone(),
                    fitted: t.fitted,
                    observed: t.spec.observed,
                    sd: t.spec.sd,
                    prior: band(&fit.prior_predictive, &flat),
                    posterior,
                    inside: posterior[0] <= t.spec.observed && t.spec.observed <= posterior[2],
                }
            })
            .collect()
    }
}

/// Generation number of the keys of the posterior predictive simulations.
pub const PREDICTIVE_GEN: usize = (1 << 23) - 1;
/// Generation number of the keys of the prior predictive simulations.
pub const PRIOR_GEN: usize = (1 << 23) - 2;

/// Prior draw `i` of the fitted parameters (their own streams).
fn prior_values_of(params: &[Parameter], seed: u64, i: u64) -> Vec<f64> {
    let streams = Streams::new(seed ^ 0x9A10_7E55, i, 0);
    params
        .iter()
        .map(|p| {
            p.prior.sample(&mut streams.parameter(
                crate::engine::rng::Purpose::Parameter,
                crate::engine::rng::hash_str(&p.name),
            ))
        })
        .collect()
}

/// A fit and its predictive simulations.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The ABC-SMC run.
    pub abc: AbcResult,
    /// `[particle][target]`: one fresh simulation per posterior particle.
    pub posterior_predictive: Vec<Vec<f64>>,
    /// `[draw][target]`: one simulation per prior draw (as many as particles).
    pub prior_predictive: Vec<Vec<f64>>,
}

/// Prior and posterior percentiles of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterSummary {
    /// `shared.NAME`.
    pub name: String,
    /// Prior 5th, 50th, 95th percentiles.
    pub prior: [f64; 3],
    /// Posterior 5th, 50th, 95th percentiles (weighted).
    pub posterior: [f64; 3],
}

impl ParameterSummary {
    /// Posterior 90% width over prior 90% width.
    pub fn width_ratio(&self) -> f64 {
        (self.posterior[2] - self.posterior[0]) / (self.prior[2] - self.prior[0])
    }
}

/// Prior and posterior predictive percentiles of one target.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSummary {
    /// Target id.
    pub id: String,
    /// Programme id.
    pub programme: String,
    /// Whether the fit used it.
    pub fitted: bool,
    /// Observed figure.
    pub observed: f64,
    /// Observation sd.
    pub sd: f64,
    /// Prior predictive 5th, 50th, 95th percentiles.
    pub prior: [f64; 3],
    /// Posterior predictive 5th, 50th, 95th percentiles.
    pub posterior: [f64; 3],
    /// Whether the observation lies in the posterior predictive 90% interval.
    pub inside: bool,
}

/// Groups and measure of a target in its scenario.
fn resolve(spec: &TargetSpec, sc: &Scenario) -> Result<(Vec<usize>, Measure), Vec<Problem>> {
    let mut problems = Vec::new();
    let ids: Vec<&str> = sc.groups.iter().map(|g| g.id.as_str()).collect();
    let mut find = |list: &[String], key: &str| -> Vec<usize> {
        let mut out = Vec::new();
        for g in list {
            match ids.iter().position(|i| i == g) {
                Some(i) => out.push(i),
                None => problems.push(problem(
                    &format!("{}.{key}", spec.key),
                    spec.at_key(key),
                    format!(
                        "scenario {} has no group {}; groups: {}",
                        quoted(&sc.name),
                        quoted(g),
                        ids.join(", ")
                    ),
                )),
            }
        }
        out
    };
    let groups: Vec<usize> = if !spec.groups.is_empty() {
        find(&spec.groups, "groups")
    } else {
        let ex = find(&spec.exclude_groups, "exclude_groups");
        (0..sc.groups.len()).filter(|g| !ex.contains(g)).collect()
    };
    if groups.is_empty() && problems.is_empty() {
        problems.push(problem(
            &format!("{}.exclude_groups", spec.key),
            spec.at_key("exclude_groups"),
            "leaves no group to sum".into(),
        ));
    }
    let measure = match spec.kind {
        QuantityKind::State => {
            let name = spec.state.clone().unwrap_or_default();
            let state = STATES.iter().position(|s| *s == name);
            if state.is_none() {
                problems.push(problem(
                    &format!("{}.state", spec.key),
                    spec.at_key("state"),
                    format!(
                        "unknown state {}; states: {}",
                        quoted(&name),
                        STATES.join(", ")
                    ),
                ));
            }
            let text = spec.month.clone().unwrap_or_default();
            let month = match YearMonth::parse(&text) {
                Ok(ym) => {
                    let t = (1..=sc.horizon).find(|&t| sc.date(t) == ym);
                    if t.is_none() {
                        problems.push(problem(
                            &format!("{}.month", spec.key),
                            spec.at_key("month"),
                            format!(
                                "{} is outside scenario {} ({} to {})",
                                quoted(&text),
                                quoted(&sc.name),
                                sc.date(1),
                                sc.date(sc.horizon)
                            ),
                        ));
                    }
                    t
                }
                Err(e) => {
                    problems.push(problem(
                        &format!("{}.month", spec.key),
                        spec.at_key("month"),
                        format!("{e}: write \"YYYY-MM\""),
                    ));
                    None
                }
            };
            Measure::State {
                state: state.unwrap_or(0),
                month: month.unwrap_or(1) as usize,
            }
        }
        QuantityKind::Outcome => {
            let name = spec.metric.clone().unwrap_or_default();
            if !OUTCOME_METRICS.contains(&name.as_str()) {
                problems.push(problem(
                    &format!("{}.metric", spec.key),
                    spec.at_key("metric"),
                    format!(
                        "{} is not a people count a target can sum over groups; allowed: {}",
                        quoted(&name),
                        OUTCOME_METRICS.join(", ")
                    ),
                ));
            }
            let cols = outcome_columns(sc);
            Measure::Outcome {
                columns: groups
                    .iter()
                    .filter_map(|&g| {
                        cols.iter()
                            .position(|c| c.metric.name == name && c.group == Some(g))
                    })
                    .collect(),
            }
        }
        QuantityKind::ReachedReintegration => Measure::Reached,
        QuantityKind::RerecruitedShare => Measure::Rerecruited,
    };
    if problems.is_empty() {
        Ok((groups, measure))
    } else {
        Err(problems)
    }
}
