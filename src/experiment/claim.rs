//! `ddrsim claim`: does the chosen kick-start change outcomes, over the
//! scenario's parameter uncertainty? A nested design of `P` parameter draws
//! x `Q` process replicates (MODEL.md section 7) runs the baseline, the
//! policy and, for an added kick-start, its *offset twin* (the same money
//! deducted from later voluntary tranches: earlier money, not more). Per
//! headline outcome it gives the paired effect with an interval clustered
//! by draw and Holm-adjusted over the outcomes, its spread, the variance
//! split (parameters vs process; behaviour vs funding by rank regression),
//! the split into earlier and more money, and a verdict (docs/claim.md).
//! No I/O; the command writes the files.

use crate::engine::point::nested_rows;
use crate::experiment::factors::{factor_values, FactorGroup, UncertainFactor};
use crate::model::outcome::{outcome_columns, Better, Unit};
use crate::scenario::{KickstartMode, Policy, Scenario};
use crate::stats::moments::Welford;
use crate::stats::nested::{
    clustered_mean, holm, p_value, rank_regression, variance_split, z_quantile, VarianceSplit,
};
use crate::stats::random::percentile;

/// The headline outcomes a claim is tested on, with their labels.
pub const HEADLINE: [(&str, &str); 5] = [
    ("completed", "people who completed reintegration"),
    ("rerecruited", "people re-recruited"),
    ("relapse", "risk of relapse into conflict"),
    ("peak_waiting", "peak waiting list"),
    ("mean_wait_months", "mean wait (months)"),
];

/// Columns read besides the headline outcomes: the money spent by the
/// policy and the offset twin's shortfall.
const EXTRA: [&str; 2] = ["outlay", "offset_shortfall"];

/// Family-wise error rate of the verdicts.
pub const ALPHA: f64 = 0.05;

/// Share of per-draw effects that must share the mean's sign for *changes*
/// or *worsens*; each sign needs at least `1 - SIGN_SHARE` for *depends on
/// conditions*.
pub const SIGN_SHARE: f64 = 0.9;

/// Bootstrap resamples of the parameter variance.
pub const RESAMPLES: usize = 1000;

/// The policies of a claim, as a reduced scenario: the baseline (0), the
/// policy (1) and, when it exists, the offset twin (2).
#[derive(Debug, Clone)]
pub struct ClaimSetup {
    /// The scenario with only the claim's policies.
    pub scenario: Scenario,
    /// Id of the policy tested.
    pub policy: String,
    /// Id of the offset twin and whether it was made for the claim (not in the file).
    pub twin: Option<(String, bool)>,
    /// Why there is no twin, when there is none.
    pub no_twin: Option<String>,
}

/// Picks the policy (`--policy`, or the first added kick-start without an
/// offset, or the first kick-start) and its offset twin.
pub fn setup(sc: &Scenario, policy: Option<&str>) -> Result<ClaimSetup, String> {
    let ids = || {
        sc.policies
            .iter()
            .skip(1)
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let base = sc.policies.first().ok_or("the scenario has no policies")?;
    let chosen: &Policy = match policy {
        Some(id) => sc
            .policies
            .get(sc.compared_policy(id)?)
            .ok_or("the scenario has no policies")?,
        None => {
            let kick = |p: &&Policy| p.kickstart.is_some();
            let plain = |p: &&Policy| {
                p.kickstart
                    .as_ref()
                    .is_some_and(|k| k.mode == KickstartMode::Added && !k.offset_voluntary)
            };
            let rest = || sc.policies.iter().skip(1);
            rest().find(plain).or_else(|| rest().find(kick)).ok_or_else(|| {
                format!(
                    "the scenario has no kick-start policy; choose one with --policy (policies: {})",
                    ids()
                )
            })?
        }
    };
    let mut policies = vec![base.clone(), chosen.clone()];
    let (twin, no_twin) = match &chosen.kickstart {
        None => (None, Some(format!("{} has no kick-start", chosen.id))),
        Some(k) if k.mode == KickstartMode::Reallocated => (
            None,
            Some(format!(
                "{} reallocates the assessed pool: there is no money to offset",
                chosen.id
            )),
        ),
        Some(k) if k.offset_voluntary => (
            None,
            Some(format!(
                "{} already offsets its money against voluntary tranches: its effect is earlier money alone",
                chosen.id
            )),
        ),
        Some(k) => {
            let mut t = chosen.clone();
            let mut tk = k.clone();
            tk.offset_voluntary = true;
            t.kickstart = Some(tk);
            let existing = sc.policies.iter().find(|p| same_policy(sc, p, &t));
            match existing {
                Some(p) => {
                    policies.push(p.clone());
                    (Some((p.id.clone(), false)), None)
                }
                None => {
                    t.id = format!("{}-offset-twin", chosen.id);
                    t.description = format!(
                        "{} with the kick-start deducted from later voluntary tranches (made by claim)",
                        chosen.id
                    );
                    let id = t.id.clone();
                    policies.push(t);
                    (Some((id, true)), None)
                }
            }
        }
    };
    let mut scenario = sc.clone();
    scenario.policies = policies;
    Ok(ClaimSetup {
        scenario,
        policy: chosen.id.clone(),
        twin,
        no_twin,
    })
}

/// Whether two policies do the same thing (ids and descriptions aside):
/// parameters are compared by value, since each policy has its own slots.
fn same_policy(sc: &Scenario, a: &Policy, b: &Policy) -> bool {
    let value = |pid: Option<usize>| pid.and_then(|i| sc.params.get(i)).map(|s| &s.param);
    let kick = match (&a.kickstart, &b.kickstart) {
        (Some(x), Some(y)) => {
            x.start == y.start
                && x.months == y.months
                && x.instalments == y.instalments
                && x.mode == y.mode
                && x.offset_voluntary == y.offset_voluntary
                && value(x.amount) == value(y.amount)
        }
        (None, None) => true,
        _ => false,
    };
    kick && value(a.bridge_cap) == value(b.bridge_cap)
        && a.admission == b.admission
        && a.priority == b.priority
        && a.pledge_shift == b.pledge_shift
}

/// The raw results of a nested design, grown draw by draw.
#[derive(Debug, Clone, Default)]
pub struct NestedData {
    /// Each draw's factor values (in factor order).
    pub factors: Vec<Vec<f64>>,
    /// `[draw][q][policy][column]` rows of the claim's columns.
    pub rows: Vec<Vec<Vec<Vec<Option<i64>>>>>,
}

impl NestedData {
    /// Number of parameter draws so far.
    pub fn draws(&self) -> u64 {
        self.rows.len() as u64
    }
}

/// How to run a claim.
#[derive(Debug, Clone)]
pub struct ClaimOptions {
    /// Master seed.
    pub seed: u64,
    /// Process replicates per draw (`Q`).
    pub per_draw: u64,
    /// Worker threads (0 = all).
    pub threads: usize,
}

/// The claim's columns (headline, then `EXTRA`) as indices into the
/// scenario's outcome columns, with their units and directions.
pub fn claim_columns(sc: &Scenario) -> Vec<(usize, &'static str, Unit, Better)> {
    let cols = outcome_columns(sc);
    HEADLINE
        .iter()
        .map(|(n, _)| *n)
        .chain(EXTRA)
        .filter_map(|name| {
            cols.iter()
                .position(|c| c.group.is_none() && c.metric.name == name)
                .map(|i| {
                    let m = cols[i].metric;
                    (i, m.name, m.unit, m.better)
                })
        })
        .collect()
}

/// Adds draws `data.draws() .. data.draws() + more` to the design; draw `p`
/// takes its parameter values from `values_of(p)`.
pub fn extend(
    setup: &ClaimSetup,
    factors: &[UncertainFactor],
    opts: &ClaimOptions,
    data: &mut NestedData,
    more: u64,
    values_of: &(dyn Fn(u64) -> Vec<f64> + Sync),
) {
    let sc = &setup.scenario;
    let first = data.draws();
    let values: Vec<Vec<f64>> = (first..first + more).map(values_of).collect();
    let columns: Vec<usize> = claim_columns(sc).iter().map(|c| c.0).collect();
    let policies: Vec<usize> = (0..sc.policies.len()).collect();
    let rows = nested_rows(
        sc,
        &values,
        opts.seed,
        first,
        opts.per_draw,
        &policies,
        &columns,
        opts.threads,
    );
    data.factors
        .extend(values.iter().map(|v| factor_values(factors, v)));
    data.rows.extend(rows);
}

/// The verdict on one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The Holm-adjusted interval excludes 0 in the better direction and at
    /// least [`SIGN_SHARE`] of per-draw effects share its sign.
    Changes,
    /// As `Changes`, in the worse direction.
    Worsens,
    /// Each sign is taken by at least `1 - SIGN_SHARE` of per-draw effects,
    /// or the interval excludes 0 but fewer than [`SIGN_SHARE`] of per-draw
    /// effects share its sign.
    Depends,
    /// None of the above: the run cannot tell the effect from 0.
    NoDetectable,
}

impl Verdict {
    /// Name used in claim.csv and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Changes => "changes",
            Verdict::Worsens => "worsens",
            Verdict::Depends => "depends on conditions",
            Verdict::NoDetectable => "no detectable change",
        }
    }
}

/// A paired effect with its clustered standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    /// Mean over all replicates (mean of the draw means).
    pub mean: f64,
    /// Standard error clustered by draw.
    pub se: f64,
}

impl Effect {
    /// 95% interval.
    pub fn ci95(&self) -> (f64, f64) {
        let z = z_quantile(0.975);
        (self.mean - z * self.se, self.mean + z * self.se)
    }
}

/// The claim about one headline outcome.
#[derive(Debug, Clone)]
pub struct OutcomeClaim {
    /// Metric name.
    pub metric: &'static str,
    /// Label for sentences.
    pub label: &'static str,
    /// Unit.
    pub unit: Unit,
    /// Better direction.
    pub better: Better,
    /// Baseline mean.
    pub baseline: f64,
    /// Mean with the policy.
    pub with_policy: f64,
    /// The paired effect policy − baseline.
    pub effect: Effect,
    /// Two-sided p-value of the effect (normal, clustered SE).
    pub p_value: f64,
    /// Holm-adjusted p-value over the headline outcomes.
    pub p_holm: f64,
    /// Level of the Holm step at which the outcome is tested.
    pub holm_level: f64,
    /// Interval at the Holm step's level (`1 - holm_level`).
    pub ci_holm: (f64, f64),
    /// 5th, 50th and 95th percentiles of the replicate-level paired difference.
    pub spread: [f64; 3],
    /// Shares of replicates where the policy is strictly better, worse, tied.
    pub p_better: f64,
    /// See `p_better`.
    pub p_worse: f64,
    /// See `p_better`.
    pub p_tie: f64,
    /// Shares of draws whose estimated effect ([`OutcomeClaim::shrunk`]) is
    /// strictly better, worse.
    pub draws_better: f64,
    /// See `draws_better`.
    pub draws_worse: f64,
    /// Each draw's mean effect over its replicates.
    pub per_draw: Vec<f64>,
    /// Each draw's effect estimated without its process noise: the draw
    /// mean shrunk towards the overall mean by `V_par / (V_par + s2 / n_p)`
    /// (`s2` the pooled process variance)
    /// (empirical Bayes), so that process noise alone does not spread the
    /// draws over both signs.
    pub shrunk: Vec<f64>,
    /// Variance split of the replicate-level effect.
    pub split: VarianceSplit,
    /// R^2 of rank regressions of the per-draw effect on the behaviour
    /// factors alone, the funding factors alone, and all factors.
    pub r2: [Option<f64>; 3],
    /// Standardised rank regression coefficient of each factor (all factors
    /// in one fit), in factor order.
    pub srrc: Vec<f64>,
    /// Effect of the offset twin vs baseline (earlier money).
    pub earlier: Option<Effect>,
    /// Effect of the policy vs its offset twin (more money).
    pub more: Option<Effect>,
    /// The verdict.
    pub verdict: Verdict,
    /// For *depends on conditions*: the PRIM box of parameter values where
    /// the policy is better (see [`Conditions`]).
    pub conditions: Option<Conditions>,
    /// Largest absolute mean effect not ruled out by the 95% interval
    /// (effects beyond it are ruled out).
    pub rules_out: f64,
}

/// A claim's result.
#[derive(Debug, Clone)]
pub struct ClaimResult {
    /// Parameter draws `P`.
    pub draws: u64,
    /// Process replicates per draw `Q`.
    pub per_draw: u64,
    /// One entry per headline outcome.
    pub outcomes: Vec<OutcomeClaim>,
    /// Mean outlay of the policy (USD) with its clustered SE.
    pub outlay: Effect,
    /// Mean offset shortfall of the twin (USD), when there is a twin.
    pub shortfall: Option<Effect>,
}

/// Per-draw statistics of `f(row)` over the draw's replicates (`None` values skipped).
fn per_draw(data: &NestedData, f: impl Fn(&[Vec<Option<i64>>]) -> Option<f64>) -> Vec<Welford> {
    data.rows
        .iter()
        .map(|draw| {
            let mut w = Welford::default();
            for rep in draw {
                if let Some(x) = f(rep) {
                    w.add(x);
                }
            }
            w
        })
        .collect()
}

fn effect_of(draws: &[Welford]) -> Effect {
    let (mean, se) = clustered_mean(draws);
    Effect { mean, se }
}

/// Analyses the design's data.
pub fn analyse(
    setup: &ClaimSetup,
    factors: &[UncertainFactor],
    opts: &ClaimOptions,
    data: &NestedData,
) -> ClaimResult {
    let cols = claim_columns(&setup.scenario);
    let twin = setup.twin.is_some();
    let col = |name: &str| cols.iter().position(|c| c.1 == name);
    let value = |rep: &[Vec<Option<i64>>], pol: usize, c: usize, scale: f64| {
        rep.get(pol)
            .and_then(|r| r.get(c))
            .copied()
            .flatten()
            .map(|v| v as f64 / scale)
    };
    let diff = |rep: &[Vec<Option<i64>>], a: usize, b: usize, c: usize, scale: f64| {
        Some(value(rep, a, c, scale)? - value(rep, b, c, scale)?)
    };
    let mut outcomes = Vec::new();
    for (ci, &(_, name, unit, better)) in cols.iter().enumerate() {
        let Some(&(_, label)) = HEADLINE.iter().find(|h| h.0 == name) else {
            continue;
        };
        let scale = unit.scale() as f64;
        let eff = per_draw(data, |r| diff(r, 1, 0, ci, scale));
        let base = per_draw(data, |r| value(r, 0, ci, scale));
        let with = per_draw(data, |r| value(r, 1, ci, scale));
        let mut all: Vec<f64> = data
            .rows
            .iter()
            .flatten()
            .filter_map(|r| diff(r, 1, 0, ci, scale))
            .collect();
        all.sort_by(f64::total_cmp);
        let sign = |x: f64| match better {
            Better::Lower => -x.signum(),
            _ => x.signum(),
        };
        let share = |v: &[f64], s: f64| {
            if v.is_empty() {
                0.0
            } else {
                v.iter().filter(|&&x| x != 0.0 && sign(x) == s).count() as f64 / v.len() as f64
            }
        };
        let per: Vec<f64> = eff.iter().filter(|w| w.n > 0).map(|w| w.mean).collect();
        let effect = effect_of(&eff);
        let mut rng =
            crate::engine::rng::StreamRng::from_key(crate::engine::rng::hash_str(name) ^ opts.seed);
        let split = variance_split(&eff, RESAMPLES, &mut rng);
        let shrunk = shrink(&eff, effect.mean, split.parameter, split.process);
        let used: Vec<usize> = (0..eff.len()).filter(|&i| eff[i].n > 0).collect();
        let fx = |pick: &dyn Fn(&UncertainFactor) -> bool| -> Vec<Vec<f64>> {
            factors
                .iter()
                .enumerate()
                .filter(|(_, f)| pick(f))
                .map(|(j, _)| {
                    used.iter()
                        .map(|&i| {
                            data.factors
                                .get(i)
                                .and_then(|v| v.get(j))
                                .copied()
                                .unwrap_or(0.0)
                        })
                        .collect()
                })
                .collect()
        };
        let full = rank_regression(&fx(&|_| true), &per);
        let r2 = [
            rank_regression(&fx(&|f| f.group == FactorGroup::Behaviour), &per).map(|r| r.1),
            rank_regression(&fx(&|f| f.group == FactorGroup::Funding), &per).map(|r| r.1),
            full.as_ref().map(|r| r.1),
        ];
        let (lo, hi) = effect.ci95();
        outcomes.push(OutcomeClaim {
            metric: name,
            label,
            unit,
            better,
            baseline: effect_of(&base).mean,
            with_policy: effect_of(&with).mean,
            effect,
            p_value: p_value(effect.mean, effect.se),
            p_holm: 1.0,
            holm_level: ALPHA,
            ci_holm: (lo, hi),
            spread: [
                percentile(&all, 0.05),
                percentile(&all, 0.5),
                percentile(&all, 0.95),
            ],
            p_better: share(&all, 1.0),
            p_worse: share(&all, -1.0),
            p_tie: if all.is_empty() {
                0.0
            } else {
                all.iter().filter(|&&x| x == 0.0).count() as f64 / all.len() as f64
            },
            draws_better: share(&shrunk, 1.0),
            draws_worse: share(&shrunk, -1.0),
            per_draw: per,
            shrunk,
            split,
            r2,
            srrc: full.map(|r| r.0).unwrap_or_default(),
            earlier: twin.then(|| effect_of(&per_draw(data, |r| diff(r, 2, 0, ci, scale)))),
            more: twin.then(|| effect_of(&per_draw(data, |r| diff(r, 1, 2, ci, scale)))),
            verdict: Verdict::NoDetectable,
            conditions: None,
            rules_out: lo.abs().max(hi.abs()),
        });
    }
    // Holm over the headline outcomes, then the verdicts.
    let adjusted = holm(
        &outcomes.iter().map(|o| o.p_value).collect::<Vec<_>>(),
        ALPHA,
    );
    for (o, (p_holm, level)) in outcomes.iter_mut().zip(adjusted) {
        o.p_holm = p_holm;
        o.holm_level = level;
        let z = z_quantile(1.0 - level / 2.0);
        o.ci_holm = (
            o.effect.mean - z * o.effect.se,
            o.effect.mean + z * o.effect.se,
        );
        o.verdict = verdict(o);
        if o.verdict == Verdict::Depends {
            o.conditions = conditions(o, factors, data, opts.seed);
        }
    }
    let outlay = col("outlay").map_or(
        Effect {
            mean: f64::NAN,
            se: f64::NAN,
        },
        |c| {
            effect_of(&per_draw(data, |r| {
                value(r, 1, c, Unit::Usd.scale() as f64)
            }))
        },
    );
    let shortfall = twin.then(|| col("offset_shortfall")).flatten().map(|c| {
        effect_of(&per_draw(data, |r| {
            value(r, 2, c, Unit::Usd.scale() as f64)
        }))
    });
    ClaimResult {
        draws: data.draws(),
        per_draw: opts.per_draw,
        outcomes,
        outlay,
        shortfall,
    }
}

/// Empirical Bayes estimates of each draw's effect: the draw mean shrunk
/// towards `mean` by `parameter / (parameter + process / n_p)`, with the
/// pooled process variance (a draw's own variance is often 0 for rare
/// events, which would leave its noise unshrunk).
pub fn shrink(draws: &[Welford], mean: f64, parameter: f64, process: f64) -> Vec<f64> {
    draws
        .iter()
        .filter(|w| w.n > 0)
        .map(|w| {
            let noise = process / w.n as f64;
            let k = if parameter + noise > 0.0 {
                parameter / (parameter + noise)
            } else {
                1.0
            };
            mean + k * (w.mean - mean)
        })
        .collect()
}

/// Where a policy is better, named by PRIM over the parameter draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Conditions {
    /// The box in plain words, e.g. `shared.rerecruit > 0.004 and ...`.
    pub words: String,
    /// Share of draws inside the box where the policy is better (density).
    pub density: f64,
    /// Share of all draws where it is better that lie in the box (coverage).
    pub coverage: f64,
    /// Share of draws inside the box (mass).
    pub mass: f64,
    /// Share of draws where the policy is better.
    pub base_rate: f64,
    /// False when pruning dropped every restriction (none significant at
    /// quasi-p 0.05 with this many draws) and the box is the pasted one.
    pub confirmed: bool,
}

/// PRIM (peeling 0.05, pasting, minimum mass 0.05, restrictions pruned at
/// quasi-p 0.05) on the draws' parameter values, cases = draws whose shrunk
/// effect is better; the box chosen is the one of highest coverage whose
/// density is at least half-way from the base rate to 1 (and at least 0.9).
/// When pruning leaves no restriction, the pasted box is kept and marked
/// unconfirmed. `None` when PRIM cannot run (no or only cases) or restricts
/// nothing.
fn conditions(
    o: &OutcomeClaim,
    factors: &[UncertainFactor],
    data: &NestedData,
    seed: u64,
) -> Option<Conditions> {
    let better = |x: f64| match o.better {
        Better::Lower => x < 0.0,
        _ => x > 0.0,
    };
    let y: Vec<bool> = o.shrunk.iter().map(|&x| better(x)).collect();
    if y.len() != data.factors.len() || factors.is_empty() {
        return None;
    }
    let base = y.iter().filter(|&&c| c).count() as f64 / y.len().max(1) as f64;
    let opts = crate::experiment::prim::PrimOptions {
        seed,
        resamples: 0,
        selection: crate::experiment::prim::Selection::MinDensity(((1.0 + base) / 2.0).max(0.9)),
        ..Default::default()
    };
    let r = crate::experiment::prim::prim(&data.factors, &y, &opts).ok()?;
    // Pruning may drop every restriction (none is significant alone at
    // this number of draws): the pasted box is then reported as unconfirmed.
    let (b, confirmed) = if r.chosen.restricted.iter().any(|&x| x) {
        (&r.chosen, true)
    } else if r.pasted.restricted.iter().any(|&x| x) {
        (&r.pasted, false)
    } else {
        return None;
    };
    let names: Vec<String> = factors.iter().map(|f| f.name.clone()).collect();
    let fmt = |_: usize, v: f64| crate::experiment::format_significant(v, 3);
    Some(Conditions {
        words: crate::experiment::prim::describe(b, &names, &fmt),
        density: b.density,
        coverage: b.coverage,
        mass: b.mass,
        base_rate: r.cases as f64 / r.points.max(1) as f64,
        confirmed,
    })
}

/// The verdict rule of docs/claim.md.
fn verdict(o: &OutcomeClaim) -> Verdict {
    let rejected = o.p_holm < ALPHA;
    let better_on_average = match o.better {
        Better::Lower => o.effect.mean < 0.0,
        _ => o.effect.mean > 0.0,
    };
    let same_sign = if better_on_average {
        o.draws_better
    } else {
        o.draws_worse
    };
    let min_each = 1.0 - SIGN_SHARE;
    if rejected && same_sign >= SIGN_SHARE {
        if better_on_average {
            Verdict::Changes
        } else {
            Verdict::Worsens
        }
    } else if (o.draws_better >= min_each && o.draws_worse >= min_each) || rejected {
        Verdict::Depends
    } else {
        Verdict::NoDetectable
    }
}
