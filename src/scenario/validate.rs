//! From [`ScenarioFile`] to [`Scenario`]: every range of MODEL.md section 3
//! checked, every problem reported at once with its key path and what is
//! allowed, defaults resolved, months resolved to model indices.

use super::file::*;
use super::month::{MonthRef, Schedule, YearMonth};
use super::param::{Param, SharedDist};
use super::*;
use std::collections::HashSet;
use std::fmt;

/// Sanity limits on structural integers and sizes, so hostile files fail cleanly.
pub mod limits {
    /// Longest horizon in months (100 years).
    pub const MAX_HORIZON: i64 = 1200;
    /// Largest caseload of one group.
    pub const MAX_CASELOAD: f64 = 1e9;
    /// Largest fixed amount of money in USD (10 trillion).
    pub const MAX_USD: f64 = 1e13;
    /// Largest capacity per month.
    pub const MAX_CAPACITY: f64 = 1e12;
    /// Longest stage (D&D, reinsertion, course) in months.
    pub const MAX_STAGE: i64 = 240;
    /// Most tranches of one pledge.
    pub const MAX_TRANCHES: i64 = 1200;
    /// Most groups, pledges or policies.
    pub const MAX_ITEMS: usize = 1000;
    /// Most replicates in one run.
    pub const MAX_REPLICATES: i64 = 1_000_000_000;
}

/// One problem found in a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Key path, e.g. `group.women.hazard.dropout`.
    pub key: String,
    /// What is wrong and what is allowed.
    pub message: String,
    /// Line and column (1-based) where the key, or its nearest written parent, is.
    pub at: Option<(usize, usize)>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.at {
            Some((line, col)) => write!(
                f,
                "line {line}, column {col}: {}: {}",
                self.key, self.message
            ),
            None => write!(f, "{}: {}", self.key, self.message),
        }
    }
}

/// Why a scenario text could not be turned into a [`Scenario`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// The TOML could not be read into the file format (message includes line and column).
    #[error("{0}")]
    Parse(String),
    /// The file parsed but values are invalid; every problem is listed.
    #[error("{} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// Parses TOML text and validates it.
pub fn parse_and_validate(text: &str) -> Result<Scenario, ScenarioError> {
    let file: ScenarioFile =
        toml::from_str(text).map_err(|e| ScenarioError::Parse(e.to_string()))?;
    validate(&file).map_err(|e| match e {
        ScenarioError::Invalid(problems) => ScenarioError::Invalid(
            problems
                .into_iter()
                .map(|p| Problem {
                    at: super::locate::locate(text, &p.key),
                    ..p
                })
                .collect(),
        ),
        other => other,
    })
}

/// An allowed interval for a parameter.
#[derive(Debug, Clone, Copy)]
struct Range {
    lo: f64,
    lo_open: bool,
    hi: f64,
    /// Largest fixed value accepted (sanity limit; draws are clamped to it).
    max_fixed: f64,
}

const PROB: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: 1.0,
    max_fixed: 1.0,
};
const RATE: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: f64::INFINITY,
    max_fixed: 1e3,
};
const EFFECT: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: f64::INFINITY,
    max_fixed: 1e6,
};
const AT_LEAST_ONE: Range = Range {
    lo: 1.0,
    lo_open: false,
    hi: f64::INFINITY,
    max_fixed: 1e6,
};
const USD_NONNEG: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: f64::INFINITY,
    max_fixed: limits::MAX_USD,
};
const USD_POS: Range = Range {
    lo: 0.0,
    lo_open: true,
    hi: f64::INFINITY,
    max_fixed: limits::MAX_USD,
};
const CAPACITY: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: f64::INFINITY,
    max_fixed: limits::MAX_CAPACITY,
};
const CASELOAD: Range = Range {
    lo: 0.0,
    lo_open: true,
    hi: f64::INFINITY,
    max_fixed: limits::MAX_CASELOAD,
};
const MONTHS: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: f64::INFINITY,
    max_fixed: limits::MAX_HORIZON as f64,
};
const APPROVAL: Range = Range {
    lo: 0.0,
    lo_open: false,
    hi: 11.0,
    max_fixed: 11.0,
};

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let open = if self.lo_open { "(" } else { "[" };
        if self.hi.is_infinite() {
            write!(f, "{open}{}, {}]", self.lo, self.max_fixed)
        } else {
            write!(f, "{open}{}, {}]", self.lo, self.hi)
        }
    }
}

impl Range {
    fn contains(&self, x: f64) -> bool {
        x.is_finite()
            && (if self.lo_open {
                x > self.lo
            } else {
                x >= self.lo
            })
            && x <= self.hi
            && x <= self.max_fixed
    }

    fn support_ok(&self, (lo, hi): (f64, f64)) -> bool {
        lo >= self.lo && hi <= self.hi
    }
}

struct Ctx {
    start: YearMonth,
    horizon: i64,
    params: Vec<ParamSlot>,
    problems: Vec<Problem>,
    warnings: Vec<String>,
}

impl Ctx {
    fn problem(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.into(),
            message: message.into(),
            at: None,
        });
    }

    fn slot(&mut self, key: String, param: Param, kind: SlotKind) -> Pid {
        self.params.push(ParamSlot { key, param, kind });
        self.params.len() - 1
    }

    fn param_kind(&mut self, key: &str, p: &Param, range: Range, kind: SlotKind) -> Pid {
        match p {
            Param::Fixed(x) => {
                if !range.contains(*x) {
                    self.problem(key, format!("{x} is out of range: allowed {range}"));
                }
            }
            Param::Uncertain(d) | Param::Shared(SharedDist { dist: d, .. }) => {
                if let Param::Shared(sd) = p {
                    self.check_shared(key, sd);
                }
                if let Err(e) = d.check() {
                    self.problem(key, e);
                } else if !range.support_ok(d.support()) {
                    let (lo, hi) = d.support();
                    self.problem(
                        key,
                        format!(
                            "the distribution's support [{lo}, {hi}] leaves the allowed range {range}; use one bounded to it (e.g. beta for a share, lognormal or gamma for a positive value)"
                        ),
                    );
                } else if !d.central().is_finite() || d.central() > range.max_fixed {
                    self.problem(
                        key,
                        format!(
                            "the distribution's centre {} exceeds the limit {}",
                            d.central(),
                            range.max_fixed
                        ),
                    );
                }
            }
        }
        self.slot(key.to_string(), p.clone(), kind)
    }

    /// A shared name must be an identifier and carry the same distribution everywhere.
    fn check_shared(&mut self, key: &str, sd: &SharedDist) {
        let name = &sd.shared;
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.problem(
                key,
                format!("shared name \"{name}\" is not valid: use letters, digits, '-' and '_'"),
            );
            return;
        }
        let earlier = self.params.iter().find_map(|slot| match &slot.param {
            Param::Shared(other) if other.shared == *name => {
                Some((slot.key.clone(), other.dist.clone()))
            }
            _ => None,
        });
        if let Some((other_key, other)) = earlier {
            if other != sd.dist {
                self.problem(
                    key,
                    format!("shared draw \"{name}\" has a different distribution at {other_key}; every use of a shared name must give the same distribution"),
                );
            }
        }
    }

    fn param(&mut self, key: &str, p: &Param, range: Range) -> Pid {
        self.param_kind(key, p, range, SlotKind::Parameter)
    }

    fn opt_param(&mut self, key: &str, p: &Option<Param>, default: Param, range: Range) -> Pid {
        self.param(key, p.as_ref().unwrap_or(&default), range)
    }

    fn month(&mut self, key: &str, m: &MonthRef) -> u32 {
        match m.resolve(self.start) {
            Ok(t) if (1..=self.horizon).contains(&t) => t as u32,
            Ok(t) => {
                let end = self.start.of_index(self.horizon as u32);
                self.problem(
                    key,
                    format!("month {m} (model month {t}) is outside the horizon: allowed 1..{} or \"{}\"..\"{end}\"", self.horizon, self.start),
                );
                1
            }
            Err(e) => {
                self.problem(key, e);
                1
            }
        }
    }

    fn schedule(&mut self, key: &str, s: &Schedule, range: Range) -> StepSchedule {
        match s {
            Schedule::Constant(p) => StepSchedule {
                steps: vec![(1, self.param(key, p, range))],
            },
            Schedule::Steps(list) => {
                if list.is_empty() {
                    self.problem(key, "a schedule needs at least one [month, value] step");
                }
                let mut steps = Vec::with_capacity(list.len());
                let mut last = 0;
                for (i, (m, p)) in list.iter().enumerate() {
                    let k = format!("{key}.{}", i + 1);
                    let t = self.month(&k, m);
                    if t <= last {
                        self.problem(
                            &k,
                            format!(
                                "step months must increase (month {m} after model month {last})"
                            ),
                        );
                    }
                    last = t;
                    steps.push((t, self.param(&k, p, range)));
                }
                StepSchedule { steps }
            }
        }
    }

    fn integer(&mut self, key: &str, v: i64, lo: i64, hi: i64) -> u32 {
        if v < lo || v > hi {
            self.problem(
                key,
                format!("{v} is out of range: allowed an integer in [{lo}, {hi}]"),
            );
            return lo.max(0) as u32;
        }
        v as u32
    }

    fn categories(&mut self, key: &str, names: &[String]) -> CategorySet {
        let mut cats = Vec::new();
        for n in names {
            match Category::parse(n) {
                Some(c) => cats.push(c),
                None => self.problem(key, format!("unknown component \"{n}\": allowed overhead, dd, reinsertion, reintegration, ssr")),
            }
        }
        CategorySet::of(&cats)
    }

    fn admission(&mut self, key: &str, a: &Option<String>, default: Admission) -> Admission {
        match a.as_deref() {
            None => default,
            Some("full_course") => Admission::FullCourse,
            Some("first_month") => Admission::FirstMonth,
            Some(other) => {
                self.problem(
                    key,
                    format!("unknown admission rule \"{other}\": allowed full_course, first_month"),
                );
                default
            }
        }
    }

    fn priority(
        &mut self,
        key: &str,
        p: &Option<Vec<String>>,
        default: [Component; 7],
    ) -> [Component; 7] {
        let Some(list) = p else { return default };
        let mut out = Vec::new();
        for n in list {
            match Component::parse(n) {
                Some(c) if out.contains(&c) => {
                    self.problem(key, format!("\"{n}\" is listed twice"))
                }
                Some(c) => out.push(c),
                None => self.problem(
                    key,
                    format!(
                        "unknown line \"{n}\": allowed {}",
                        Component::ALL.map(|c| c.name()).join(", ")
                    ),
                ),
            }
        }
        match <[Component; 7]>::try_from(out) {
            Ok(a) => a,
            Err(_) => {
                self.problem(
                    key,
                    format!(
                        "must list all seven lines once each: {}",
                        Component::ALL.map(|c| c.name()).join(", ")
                    ),
                );
                default
            }
        }
    }

    fn identifier(&mut self, key: &str, id: &str, seen: &mut HashSet<String>) {
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            self.problem(
                key,
                format!("\"{id}\" is not a valid id: use letters, digits, '-' and '_'"),
            );
        }
        if !seen.insert(id.to_string()) {
            self.problem(
                key,
                format!("id \"{id}\" is used twice; ids must be unique"),
            );
        }
    }
}

/// Validates a parsed file. Every problem is collected before returning.
pub fn validate(f: &ScenarioFile) -> Result<Scenario, ScenarioError> {
    let mut problems = Vec::new();
    let start = YearMonth::parse(&f.scenario.start).unwrap_or_else(|e| {
        problems.push(Problem {
            key: "scenario.start".into(),
            message: e,
            at: None,
        });
        YearMonth {
            year: 2000,
            month: 1,
        }
    });
    let mut cx = Ctx {
        start,
        horizon: 1,
        params: Vec::new(),
        problems,
        warnings: Vec::new(),
    };
    let m = &f.scenario;
    let horizon = cx.integer(
        "scenario.horizon_months",
        m.horizon_months,
        1,
        limits::MAX_HORIZON,
    );
    cx.horizon = horizon as i64;
    let replicates = cx.integer(
        "scenario.replicates",
        m.replicates,
        1,
        limits::MAX_REPLICATES,
    ) as u64;
    if m.seed < 0 {
        cx.problem(
            "scenario.seed",
            format!("{} is out of range: allowed an integer >= 0", m.seed),
        );
    }
    let fiscal_year_start = cx.integer("scenario.fiscal_year_start", m.fiscal_year_start, 1, 12);
    let mut seen = HashSet::new();
    if m.name.is_empty()
        || !m
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        || m.name.starts_with('.')
    {
        cx.problem("scenario.name", format!("\"{}\" is not a valid name: use letters, digits, '-', '_' and '.' (it names the output folder)", m.name));
    }
    let admission = cx.admission("scenario.admission", &m.admission, Admission::FullCourse);
    let priority = cx.priority("scenario.priority", &m.priority, Component::ALL);
    let overhead_monthly = cx.opt_param(
        "scenario.overhead_monthly",
        &m.overhead_monthly,
        Param::Fixed(0.0),
        USD_NONNEG,
    );

    if f.group.is_empty() {
        cx.problem(
            "group",
            "at least one [[group]] is needed (the caseload N must be > 0)",
        );
    }
    if f.group.len() > limits::MAX_ITEMS
        || f.pledge.len() > limits::MAX_ITEMS
        || f.policy.len() > limits::MAX_ITEMS
    {
        cx.problem(
            "scenario",
            format!(
                "at most {} groups, pledges and policies each",
                limits::MAX_ITEMS
            ),
        );
    }
    let groups: Vec<Group> = f
        .group
        .iter()
        .enumerate()
        .map(|(i, g)| group(&mut cx, i, g, &mut seen))
        .collect();

    let assessed = assessed(&mut cx, &f.assessed);
    let mut seen = HashSet::new();
    let pledges: Vec<Pledge> = f
        .pledge
        .iter()
        .enumerate()
        .map(|(i, p)| pledge(&mut cx, i, p, &mut seen))
        .collect();
    let national = f.national.as_ref().map(|n| {
        let from = cx.month("national.from", &n.from);
        let to = cx.month("national.to", &n.to);
        if to < from {
            cx.problem("national.to", "must not be before national.from");
        }
        National {
            monthly: cx.param("national.monthly", &n.monthly, USD_NONNEG),
            from,
            to,
            eligible: cx.categories("national.eligible", &n.eligible),
        }
    });
    let appeal = f.appeal.as_ref().map(|a| {
        for (k, p, r) in [
            ("appeal.share", &a.share, PROB),
            ("appeal.delay", &a.delay, MONTHS),
        ] {
            // Checked like a parameter but drawn per appeal, so not a slot.
            cx.param(k, p, r);
            cx.params.pop();
        }
        Appeal {
            trigger: cx.param("appeal.trigger", &a.trigger, USD_NONNEG),
            cooldown: cx.integer("appeal.cooldown", a.cooldown, 1, limits::MAX_HORIZON),
            share: a.share.clone(),
            delay: a.delay.clone(),
        }
    });
    let ssr = Ssr {
        monthly_requirement: cx.param(
            "ssr.monthly_requirement",
            &f.ssr.monthly_requirement,
            USD_NONNEG,
        ),
        s0: cx.param("ssr.s0", &f.ssr.s0, PROB),
        s_max: cx.param("ssr.s_max", &f.ssr.s_max, PROB),
        kappa: cx.param("ssr.kappa", &f.ssr.kappa, EFFECT),
    };
    let conflict = Conflict {
        lambda0: cx.param("conflict.lambda0", &f.conflict.lambda0, RATE),
        b_armed: cx.param("conflict.b_armed", &f.conflict.b_armed, EFFECT),
        b_idle: cx.param("conflict.b_idle", &f.conflict.b_idle, EFFECT),
        b_sec: cx.param("conflict.b_sec", &f.conflict.b_sec, EFFECT),
    };
    if f.policy.is_empty() {
        cx.problem(
            "policy",
            "at least one [[policy]] is needed; the first is the baseline",
        );
    }
    let mut seen = HashSet::new();
    let policies: Vec<Policy> = f
        .policy
        .iter()
        .map(|p| policy(&mut cx, p, admission, priority, &mut seen))
        .collect();
    for (i, g) in f.group.iter().enumerate() {
        if g.caseload.central() > 1e7 {
            let id = if g.id.is_empty() {
                (i + 1).to_string()
            } else {
                g.id.clone()
            };
            cx.warnings.push(format!(
                "group.{id}.caseload: over 10 million people is unusual for a DDR programme"
            ));
        }
    }
    if let Some(base) = policies.first() {
        for p in policies.iter().skip(1) {
            let same = Policy {
                id: base.id.clone(),
                description: base.description.clone(),
                ..p.clone()
            };
            if same == *base {
                cx.warnings.push(format!(
                    "policy.{}: identical to the baseline '{}' (it changes no rule)",
                    p.id, base.id
                ));
            }
        }
    }
    if !cx.problems.is_empty() {
        return Err(ScenarioError::Invalid(cx.problems));
    }
    Ok(Scenario {
        name: m.name.clone(),
        description: m.description.clone(),
        start,
        horizon,
        replicates,
        seed: m.seed as u64,
        fiscal_year_start,
        overhead_monthly,
        params: cx.params,
        groups,
        assessed,
        pledges,
        national,
        appeal,
        ssr,
        conflict,
        policies,
        warnings: cx.warnings,
    })
}

fn group(cx: &mut Ctx, i: usize, g: &GroupFile, seen: &mut HashSet<String>) -> Group {
    let base = if g.id.is_empty() {
        format!("group.{}", i + 1)
    } else {
        format!("group.{}", g.id)
    };
    cx.identifier(&format!("{base}.id"), &g.id, seen);
    let k = |s: &str| format!("{base}.{s}");
    let caseload = cx.param_kind(&k("caseload"), &g.caseload, CASELOAD, SlotKind::Caseload);
    let turnout = cx.schedule(&k("turnout"), &g.turnout, PROB);
    let site_capacity = cx.schedule(&k("site_capacity"), &g.site_capacity, CAPACITY);
    let dd_months = cx.integer(&k("dd_months"), g.dd_months, 1, limits::MAX_STAGE);
    let dd_cost = cx.param(&k("dd_cost"), &g.dd_cost, USD_POS);
    if g.reinsertion_payments.is_empty()
        || g.reinsertion_payments.len() > limits::MAX_STAGE as usize
    {
        cx.problem(
            k("reinsertion_payments"),
            format!(
                "needs 1..{} monthly amounts (use [0] for no reinsertion payment)",
                limits::MAX_STAGE
            ),
        );
    }
    let payments = g
        .reinsertion_payments
        .iter()
        .enumerate()
        .map(|(j, p)| {
            cx.param(
                &format!("{base}.reinsertion_payments.{}", j + 1),
                p,
                USD_NONNEG,
            )
        })
        .collect();
    let reint_months = cx.integer(&k("reint_months"), g.reint_months, 1, limits::MAX_STAGE);
    let reint_startup = cx.param(&k("reint_startup"), &g.reint_startup, USD_NONNEG);
    let reint_monthly = cx.param(&k("reint_monthly"), &g.reint_monthly, USD_NONNEG);
    if g.reint_startup.central() + g.reint_monthly.central() <= 0.0
        && !g.reint_startup.is_uncertain()
        && !g.reint_monthly.is_uncertain()
    {
        cx.problem(
            k("reint_monthly"),
            "reint_startup + reint_monthly must be > 0",
        );
    }
    let intake_capacity = cx.schedule(&k("intake_capacity"), &g.intake_capacity, CAPACITY);
    let absorption = g.absorption.as_ref().map(|a| Absorption {
        share: cx.param(&k("absorption.share"), &a.share, PROB),
        capacity: cx.schedule(&k("absorption.capacity"), &a.capacity, CAPACITY),
        cost: cx.param(&k("absorption.cost"), &a.cost, USD_POS),
    });
    let h = &g.hazard;
    let hk = |s: &str| format!("{base}.hazard.{s}");
    let dropout = cx.param(&hk("dropout"), &h.dropout, RATE);
    let relapse = cx.param(&hk("relapse"), &h.relapse, RATE);
    let hazard = Hazards {
        rerecruit: cx.param(&hk("rerecruit"), &h.rerecruit, RATE),
        wait_effect: cx.param(&hk("wait_effect"), &h.wait_effect, EFFECT),
        wait_cap: cx.integer(&hk("wait_cap"), h.wait_cap, 0, limits::MAX_HORIZON),
        insecurity_effect: cx.param(&hk("insecurity_effect"), &h.insecurity_effect, EFFECT),
        rerecruit_programme: cx.opt_param(
            &hk("rerecruit_programme"),
            &h.rerecruit_programme,
            Param::Fixed(0.0),
            RATE,
        ),
        unpaid_multiplier: cx.opt_param(
            &hk("unpaid_multiplier"),
            &h.unpaid_multiplier,
            Param::Fixed(1.0),
            AT_LEAST_ONE,
        ),
        self_reintegration: cx.param(&hk("self_reintegration"), &h.self_reintegration, RATE),
        lost: cx.param(&hk("lost"), &h.lost, RATE),
        dropout,
        dropout_interrupted: match &h.dropout_interrupted {
            Some(p) => cx.param(&hk("dropout_interrupted"), p, RATE),
            None => dropout,
        },
        relapse,
        relapse_self: match &h.relapse_self {
            Some(p) => cx.param(&hk("relapse_self"), p, RATE),
            None => relapse,
        },
    };
    Group {
        id: g.id.clone(),
        label: g.label.clone().unwrap_or_else(|| g.id.clone()),
        caseload,
        turnout,
        site_capacity,
        dd_months,
        dd_cost,
        payments,
        reint_months,
        reint_startup,
        reint_monthly,
        intake_capacity,
        absorption,
        hazard,
    }
}

fn assessed(cx: &mut Ctx, a: &AssessedFile) -> Assessed {
    let annual = cx.param("assessed.annual", &a.annual, USD_NONNEG);
    let mut by_year = Vec::new();
    for (y, p) in &a.by_year {
        let key = format!("assessed.by_year.{y}");
        match y.parse::<i32>() {
            Ok(year) if (1900..=2200).contains(&year) => by_year.push((year, cx.param(&key, p, USD_NONNEG))),
            _ => cx.problem(&key, format!("\"{y}\" is not a fiscal year: use the calendar year the fiscal year starts in, e.g. \"2004\"")),
        }
    }
    let default_eligible = vec![
        "overhead".to_string(),
        "dd".to_string(),
        "reinsertion".to_string(),
    ];
    let eligible = cx.categories(
        "assessed.eligible",
        a.eligible.as_ref().unwrap_or(&default_eligible),
    );
    let approval_delay = cx.opt_param(
        "assessed.approval_delay",
        &a.approval_delay,
        Param::Fixed(0.0),
        APPROVAL,
    );
    Assessed {
        annual,
        by_year,
        eligible,
        approval_delay,
    }
}

fn pledge(cx: &mut Ctx, i: usize, p: &PledgeFile, seen: &mut HashSet<String>) -> Pledge {
    let base = if p.id.is_empty() {
        format!("pledge.{}", i + 1)
    } else {
        format!("pledge.{}", p.id)
    };
    cx.identifier(&format!("{base}.id"), &p.id, seen);
    let k = |s: &str| format!("{base}.{s}");
    let earmark = match p.earmark.as_deref() {
        None | Some("pooled") => Earmark::Pooled,
        Some(name) => match Category::parse(name) {
            Some(c) => Earmark::To(c),
            None => {
                cx.problem(k("earmark"), format!("unknown earmark \"{name}\": allowed pooled, overhead, dd, reinsertion, reintegration, ssr"));
                Earmark::Pooled
            }
        },
    };
    let delay = cx.opt_param(&k("delay"), &p.delay, Param::Fixed(0.0), MONTHS);
    if p.delay.as_ref().is_some_and(|d| d.central() > 36.0) {
        cx.warnings.push(format!(
            "{}: a pledge delay over 36 months is unusual",
            k("delay")
        ));
    }
    Pledge {
        id: p.id.clone(),
        donor: p.donor.clone(),
        amount: cx.param(&k("amount"), &p.amount, USD_NONNEG),
        month: cx.month(&k("month"), &p.month),
        earmark,
        fulfilment: cx.opt_param(&k("fulfilment"), &p.fulfilment, Param::Fixed(1.0), PROB),
        delay,
        tranches: cx.integer(
            &k("tranches"),
            p.tranches.unwrap_or(1),
            1,
            limits::MAX_TRANCHES,
        ),
        interval: cx.integer(
            &k("interval"),
            p.interval.unwrap_or(1),
            1,
            limits::MAX_HORIZON,
        ),
    }
}

fn policy(
    cx: &mut Ctx,
    p: &PolicyFile,
    admission: Admission,
    priority: [Component; 7],
    seen: &mut HashSet<String>,
) -> Policy {
    let base = format!("policy.{}", p.id);
    cx.identifier(&format!("{base}.id"), &p.id, seen);
    let kickstart = p.kickstart.as_ref().map(|k| {
        let kk = |s: &str| format!("{base}.kickstart.{s}");
        let start = cx.month(&kk("start"), &k.start);
        let mut months = cx.integer(&kk("months"), k.months, 1, limits::MAX_HORIZON);
        let instalments = months;
        let end = start as i64 + months as i64 - 1;
        if end > cx.horizon {
            cx.warnings.push(format!(
                "{}: the kick-start window runs past the horizon and is cut at month {}",
                kk("months"),
                cx.horizon
            ));
            months = (cx.horizon - start as i64 + 1).max(1) as u32;
        }
        let mode = match k.mode.as_str() {
            "added" => KickstartMode::Added,
            "reallocated" => KickstartMode::Reallocated,
            other => {
                cx.problem(
                    kk("mode"),
                    format!("unknown mode \"{other}\": allowed added, reallocated"),
                );
                KickstartMode::Added
            }
        };
        let amount = match (&k.amount, mode) {
            (Some(a), _) => Some(cx.param(&kk("amount"), a, USD_NONNEG)),
            (None, KickstartMode::Added) => {
                cx.problem(
                    kk("amount"),
                    "an added kick-start needs an amount (USD >= 0)",
                );
                None
            }
            (None, KickstartMode::Reallocated) => None,
        };
        Kickstart {
            start,
            months,
            instalments,
            amount,
            mode,
            offset_voluntary: k.offset_voluntary,
        }
    });
    let bridge_cap = p
        .bridge
        .as_ref()
        .map(|b| cx.param(&format!("{base}.bridge.cap"), &b.cap, USD_NONNEG));
    let pledge_shift = p.pledge_shift.unwrap_or(0);
    if pledge_shift.abs() > cx.horizon {
        cx.problem(
            format!("{base}.pledge_shift"),
            format!(
                "{pledge_shift} is out of range: allowed -{h}..{h}",
                h = cx.horizon
            ),
        );
    }
    Policy {
        id: p.id.clone(),
        description: p.description.clone(),
        kickstart,
        bridge_cap,
        admission: cx.admission(&format!("{base}.admission"), &p.admission, admission),
        priority: cx.priority(&format!("{base}.priority"), &p.priority, priority),
        pledge_shift,
    }
}
