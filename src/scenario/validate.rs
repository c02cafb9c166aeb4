//! From [`ScenarioFile`] to [`Scenario`]: every range of MODEL.md section 3
//! checked, every problem reported at once with its key path and what is
//! allowed, defaults resolved, months resolved to model indices.

#![deny(clippy::indexing_slicing)]

use super::file::*;
use super::month::{MonthRef, Schedule, YearMonth};
use super::param::{show, Param, SharedDist, Truncated};
use super::read::{quoted, Broken};
use super::*;
use std::collections::{HashMap, HashSet};
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
    /// Most problems listed for one file (the rest are counted).
    pub const MAX_PROBLEMS: usize = 100;
    /// Largest scenario file, in bytes (8 MiB).
    pub const MAX_FILE_BYTES: usize = 8 << 20;
    /// Longest scenario name or id, in characters (the name names a folder).
    pub const MAX_NAME: usize = 64;
    /// Longest description, label or donor name, in characters.
    pub const MAX_TEXT: usize = 10_000;
    /// Most monthly-series cells (series x months x policies) a run accumulates.
    pub const MAX_SERIES_CELLS: u64 = 1_000_000;
    /// Largest money scale of a scenario in USD: twice the horizon times the
    /// caseload times the largest cost a person can incur in a month, plus
    /// the horizon times the monthly lines, plus every source of funding,
    /// each parameter at its largest possible draw. 1e13 USD is 1e15 cents,
    /// below the engine's ceiling of 2^50 cents on any amount and 9,000
    /// times below `i64::MAX`, so no sum of money can overflow.
    pub const MAX_MONEY_USD: f64 = 1e13;
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
    /// Every problem found, sorted by position: TOML syntax (key `toml`,
    /// then nothing else can be read), unknown keys, missing fields, wrong
    /// types, values out of range, inconsistencies.
    #[error("{} problem(s):\n{}", .0.len(), .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// Parses TOML text and validates it: every problem (syntax, unknown keys,
/// missing fields, wrong types, values out of range, inconsistencies) with
/// its key path, line and column, sorted by position.
pub fn parse_and_validate(text: &str) -> Result<Scenario, ScenarioError> {
    if text.len() > limits::MAX_FILE_BYTES {
        return Err(ScenarioError::Invalid(vec![Problem {
            key: "toml".into(),
            message: format!(
                "the file is {} bytes: at most {} bytes are read",
                text.len(),
                limits::MAX_FILE_BYTES
            ),
            at: None,
        }]));
    }
    let (file, reader) = super::read::read(text);
    match file {
        Some(f) => {
            let problems = reader.problems.clone();
            let broken = reader.broken.clone();
            check(&f, problems, broken, &|key| reader.locate(key))
        }
        None => Err(ScenarioError::Invalid(capped(reader.problems))),
    }
}

/// The first [`limits::MAX_PROBLEMS`] problems, and a last one saying how
/// many more there are.
fn capped(mut problems: Vec<Problem>) -> Vec<Problem> {
    if problems.len() > limits::MAX_PROBLEMS {
        let more = problems.len() - limits::MAX_PROBLEMS;
        problems.truncate(limits::MAX_PROBLEMS);
        problems.push(Problem {
            key: "toml".into(),
            message: format!(
                "{more} more problem(s) not listed: fix these first (at most {} are listed)",
                limits::MAX_PROBLEMS
            ),
            at: None,
        });
    }
    problems
}

/// Validates a file already read (no positions are known).
pub fn validate(f: &ScenarioFile) -> Result<Scenario, ScenarioError> {
    check(f, Vec::new(), Broken::default(), &|_| None)
}

/// Validates `f`, starting from the reading problems and broken keys, and
/// gives every problem the position of its key (or nearest written parent).
fn check(
    f: &ScenarioFile,
    problems: Vec<Problem>,
    broken: Broken,
    locate: &dyn Fn(&str) -> Option<(usize, usize)>,
) -> Result<Scenario, ScenarioError> {
    let result = validate_with(f, problems, broken);
    let Err(ScenarioError::Invalid(mut problems)) = result else {
        return result;
    };
    for p in &mut problems {
        if p.at.is_none() {
            p.at = locate(&p.key);
        }
    }
    // By position; problems without one (whole-file checks) last.
    problems.sort_by_key(|p| p.at.map_or((usize::MAX, 0), |a| a));
    Err(ScenarioError::Invalid(capped(problems)))
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
        write!(f, "{open}{}, {}]", show(self.lo), show(self.top()))
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

    /// Upper end of the truncation interval: the range's end or its sanity limit.
    fn top(&self) -> f64 {
        self.hi.min(self.max_fixed)
    }
}

struct Ctx {
    start: YearMonth,
    horizon: i64,
    /// False when the start or the horizon is unusable: months are then not
    /// checked against the horizon (no follow-on errors).
    months_ok: bool,
    params: Vec<ParamSlot>,
    /// Allowed range of every slot (for shared draws' intersections).
    ranges: Vec<Range>,
    problems: Vec<Problem>,
    /// Key paths already reported as unreadable or unusable.
    broken: Broken,
    /// First use (key path, distribution) of every shared name.
    shared_first: HashMap<String, (String, Dist)>,
    warnings: Vec<String>,
}

impl Ctx {
    /// Records a problem, unless `key` lies under a key already broken.
    fn problem(&mut self, key: impl Into<String>, message: impl Into<String>) {
        let key = key.into();
        if self.is_broken(&key) {
            return;
        }
        self.problems.push(Problem {
            key,
            message: message.into(),
            at: None,
        });
    }

    /// Records a problem and marks its key broken.
    fn problem_broken(&mut self, key: &str, message: impl Into<String>) {
        self.problem(key, message);
        self.broken.insert(key);
    }

    fn is_broken(&self, key: &str) -> bool {
        self.broken.covers(key)
    }

    fn slot(&mut self, key: String, param: Param, kind: SlotKind, range: Range) -> Pid {
        self.params.push(ParamSlot { key, param, kind });
        self.ranges.push(range);
        self.params.len() - 1
    }

    /// Checks a parameter against its range; a distribution comes back
    /// truncated to the range.
    fn checked(&mut self, key: &str, p: &Param, range: Range) -> Param {
        match p {
            Param::Fixed(x) => {
                if !range.contains(*x) {
                    self.problem(
                        key,
                        format!("{} is out of range: allowed {range}", show(*x)),
                    );
                }
                p.clone()
            }
            Param::Uncertain(d) => match Truncated::within(d.dist.clone(), range.lo, range.top()) {
                Ok(t) => Param::Uncertain(t),
                Err(e) => {
                    self.problem(key, e);
                    p.clone()
                }
            },
            Param::Shared(sd) => {
                self.check_shared(key, sd);
                // Truncated to the intersection of ranges once every use is known.
                p.clone()
            }
        }
    }

    fn param_kind(&mut self, key: &str, p: &Param, range: Range, kind: SlotKind) -> Pid {
        let param = self.checked(key, p, range);
        self.slot(key.to_string(), param, kind, range)
    }

    /// Truncates every shared draw to the intersection of the ranges of the
    /// parameters using its name (MODEL.md section 3).
    // Cannot fail: every index is a position in `self.params`, which
    // `slot` grows together with `self.ranges`, and nothing is removed.
    #[allow(clippy::indexing_slicing)]
    fn truncate_shared(&mut self) {
        let mut names: Vec<String> = Vec::new();
        let mut slots: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, slot) in self.params.iter().enumerate() {
            if let Param::Shared(sd) = &slot.param {
                let uses = slots.entry(sd.shared.clone()).or_default();
                if uses.is_empty() {
                    names.push(sd.shared.clone());
                }
                uses.push(i);
            }
        }
        for name in names {
            let uses = slots.remove(&name).unwrap_or_default();
            let Some(&first) = uses.first() else { continue };
            let key = self.params[first].key.clone();
            if uses.iter().any(|&i| self.is_broken(&self.params[i].key)) {
                continue;
            }
            let lo = uses
                .iter()
                .map(|&i| self.ranges[i].lo)
                .fold(f64::NEG_INFINITY, f64::max);
            let hi = uses
                .iter()
                .map(|&i| self.ranges[i].top())
                .fold(f64::INFINITY, f64::min);
            let Param::Shared(sd) = &self.params[first].param else {
                continue;
            };
            let dist = sd.dist.dist.clone();
            if lo > hi {
                self.problem(
                    &key,
                    format!("shared draw {} is used by parameters whose allowed ranges do not overlap (intersection [{lo}, {hi}] is empty)", quoted(&name)),
                );
                continue;
            }
            match Truncated::within(dist, lo, hi) {
                Ok(t) => {
                    for &i in &uses {
                        if let Param::Shared(sd) = &mut self.params[i].param {
                            sd.dist = t.clone();
                        }
                    }
                }
                Err(e) => self.problem(
                    &key,
                    format!("{e} (shared draw {}: the intersection of the allowed ranges of its {} uses is [{lo}, {hi}])", quoted(&name), uses.len()),
                ),
            }
        }
    }

    /// A shared name must be an identifier and carry the same distribution everywhere.
    fn check_shared(&mut self, key: &str, sd: &SharedDist) {
        let name = &sd.shared;
        if !is_id(name) {
            self.problem(
                key,
                format!(
                    "shared name {} is not valid: use 1 to {} letters, digits, '-' and '_'",
                    quoted(name),
                    limits::MAX_NAME
                ),
            );
            return;
        }
        let (other_key, other) = self
            .shared_first
            .entry(name.clone())
            .or_insert_with(|| (key.to_string(), sd.dist.dist.clone()))
            .clone();
        if other != sd.dist.dist {
            self.problem(
                key,
                format!("shared draw {} has a different distribution at {other_key}; every use of a shared name must give the same distribution", quoted(name)),
            );
        }
    }

    fn param(&mut self, key: &str, p: &Param, range: Range) -> Pid {
        self.param_kind(key, p, range, SlotKind::Parameter)
    }

    fn opt_param(&mut self, key: &str, p: &Option<Param>, default: Param, range: Range) -> Pid {
        self.param(key, p.as_ref().unwrap_or(&default), range)
    }

    fn month(&mut self, key: &str, m: &MonthRef) -> u32 {
        if !self.months_ok {
            return 1;
        }
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
                    if self.months_ok && t <= last {
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
                None => {
                    let names = Category::ALL.map(|c| c.name());
                    let hint = super::read::suggest(n, &names)
                        .map_or(String::new(), |s| format!("did you mean {s}? "));
                    self.problem(key, format!("unknown component {}: {hint}allowed overhead, dd, reinsertion, reintegration, ssr", quoted(n)))
                }
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
                    format!(
                        "unknown admission rule {}: allowed full_course, first_month",
                        quoted(other)
                    ),
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
                    self.problem(key, format!("{} is listed twice", quoted(n)))
                }
                Some(c) => out.push(c),
                None => self.problem(
                    key,
                    format!(
                        "unknown line {}: allowed {}",
                        quoted(n),
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
        if !is_id(id) {
            self.problem(
                key,
                format!(
                    "{} is not a valid id: use 1 to {} letters, digits, '-' and '_'",
                    quoted(id),
                    limits::MAX_NAME
                ),
            );
        }
        if !seen.insert(id.to_string()) {
            self.problem(
                key,
                format!("id {} is used twice; ids must be unique", quoted(id)),
            );
        }
    }

    /// A free text (description, label, donor) must not be absurdly long.
    fn text(&mut self, key: &str, t: &str) {
        let n = t.chars().count();
        if n > limits::MAX_TEXT {
            self.problem(key, format!("{n} characters: at most {}", limits::MAX_TEXT));
        }
    }
}

/// True for an identifier: 1 to `MAX_NAME` ASCII letters, digits, `-`, `_`.
fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars().count() <= limits::MAX_NAME
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Validates a parsed file. Every problem is collected before returning.
fn validate_with(
    f: &ScenarioFile,
    problems: Vec<Problem>,
    broken: Broken,
) -> Result<Scenario, ScenarioError> {
    let mut cx = Ctx {
        start: YearMonth {
            year: 2000,
            month: 1,
        },
        horizon: 1,
        months_ok: true,
        params: Vec::new(),
        ranges: Vec::new(),
        problems,
        broken,
        shared_first: HashMap::new(),
        warnings: Vec::new(),
    };
    let m = &f.scenario;
    match YearMonth::parse(&m.start) {
        Ok(start) => cx.start = start,
        Err(_) => cx.problem_broken(
            "scenario.start",
            format!(
                "{} is not a month: write \"YYYY-MM\" with month 01..12, e.g. \"2004-04\"",
                quoted(&m.start)
            ),
        ),
    }
    let start = cx.start;
    let horizon = if (1..=limits::MAX_HORIZON).contains(&m.horizon_months) {
        m.horizon_months as u32
    } else {
        cx.problem_broken(
            "scenario.horizon_months",
            format!(
                "{} is out of range: allowed a whole number of months in [1, {}]",
                m.horizon_months,
                limits::MAX_HORIZON
            ),
        );
        1
    };
    cx.horizon = horizon as i64;
    cx.months_ok = !cx.is_broken("scenario.start") && !cx.is_broken("scenario.horizon_months");
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
        || m.name.chars().count() > limits::MAX_NAME
        || !m
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        || m.name.starts_with('.')
    {
        cx.problem(
            "scenario.name",
            format!(
                "{} is not a valid name: use 1 to {} letters, digits, '-', '_' and '.', not starting with '.' (it names the output folder)",
                quoted(&m.name),
                limits::MAX_NAME
            ),
        );
    }
    cx.text("scenario.description", &m.description);
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
    let appeal = f.appeal.as_ref().map(|a| Appeal {
        trigger: cx.param("appeal.trigger", &a.trigger, USD_NONNEG),
        cooldown: cx.integer("appeal.cooldown", a.cooldown, 1, limits::MAX_HORIZON),
        // Checked like parameters but drawn per appeal, so not slots.
        share: cx.checked("appeal.share", &a.share, PROB),
        delay: cx.checked("appeal.delay", &a.delay, MONTHS),
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
        .enumerate()
        .map(|(i, p)| policy(&mut cx, i, p, admission, priority, &mut seen))
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
    cx.truncate_shared();
    if !cx.problems.is_empty() {
        return Err(ScenarioError::Invalid(cx.problems));
    }
    let sc = Scenario {
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
    };
    // Whole-scenario limits, checked only on an otherwise valid scenario.
    let problems = scale_problems(&sc);
    if problems.is_empty() {
        Ok(sc)
    } else {
        Err(ScenarioError::Invalid(problems))
    }
}

/// The limits that bound a run's memory and money (see [`limits`]): what
/// `validate` accepts, `run` can run without running out of either.
fn scale_problems(sc: &Scenario) -> Vec<Problem> {
    let mut problems = Vec::new();
    let cells = crate::model::outcome::series_columns(sc).len() as u64
        * u64::from(sc.horizon)
        * sc.policies.len() as u64;
    if cells > limits::MAX_SERIES_CELLS {
        problems.push(Problem {
            key: "scenario.horizon_months".into(),
            message: format!(
                "the scenario is too large to summarise month by month: {} groups x {} months x {} policies make {cells} monthly series cells (at most {}); use fewer groups, policies or months",
                sc.groups.len(),
                sc.horizon,
                sc.policies.len(),
                limits::MAX_SERIES_CELLS
            ),
            at: None,
        });
    }
    let (total, key, part) = money_parts(sc);
    if total.is_nan() || total > limits::MAX_MONEY_USD {
        problems.push(Problem {
            key,
            message: format!(
                "the scenario's money scale is {total:.3e} USD, above the limit of {:.0e} USD that keeps every amount exact in whole cents without overflow; the largest part, {part:.3e} USD, comes from this value (twice the horizon x caseload x largest cost per person-month, plus horizon x monthly lines, plus all funding, at the largest possible draws)",
                limits::MAX_MONEY_USD
            ),
            at: None,
        });
    }
    problems
}

/// The money scale of a scenario in USD, as bounded by
/// [`limits::MAX_MONEY_USD`]: an upper bound on any sum of money a run
/// computes.
pub fn money_scale(sc: &Scenario) -> f64 {
    money_parts(sc).0
}

/// The money scale, with the key path that contributes most and its contribution.
// Cannot fail: every `Pid` in a `Scenario` is an index into its `params`,
// assigned by the validator as it pushed that parameter.
#[allow(clippy::indexing_slicing)]
fn money_parts(sc: &Scenario) -> (f64, String, f64) {
    let up = |pid: Pid| sc.params[pid].param.upper();
    let key = |pid: Pid| sc.params[pid].key.clone();
    let t = f64::from(sc.horizon);
    let mut parts: Vec<(f64, String)> = Vec::new();
    for g in &sc.groups {
        let n = up(g.caseload).max(1.0);
        let mut costs: Vec<(f64, Pid)> = vec![
            (up(g.dd_cost), g.dd_cost),
            (up(g.reint_startup), g.reint_startup),
            (
                f64::from(g.reint_months) * up(g.reint_monthly),
                g.reint_monthly,
            ),
        ];
        costs.extend(g.payments.iter().map(|&p| (up(p), p)));
        if let Some(a) = &g.absorption {
            costs.push((up(a.cost), a.cost));
        }
        let per_person: f64 = costs.iter().map(|c| c.0).sum();
        let (_, top) = costs
            .iter()
            .copied()
            .fold((f64::NEG_INFINITY, g.caseload), |a, c| {
                if c.0 > a.0 {
                    c
                } else {
                    a
                }
            });
        parts.push((2.0 * t * n * per_person, key(top)));
    }
    for pid in [sc.overhead_monthly, sc.ssr.monthly_requirement] {
        parts.push((t * up(pid), key(pid)));
    }
    if let Some(n) = &sc.national {
        parts.push((t * up(n.monthly), key(n.monthly)));
    }
    let years = t / 12.0 + 2.0;
    let fy = sc.assessed.by_year.iter().map(|(_, p)| (up(*p), *p)).fold(
        (up(sc.assessed.annual), sc.assessed.annual),
        |a, c| if c.0 > a.0 { c } else { a },
    );
    parts.push((years * fy.0, key(fy.1)));
    for p in &sc.pledges {
        parts.push((up(p.amount), key(p.amount)));
    }
    for p in &sc.policies {
        if let Some(a) = p.kickstart.as_ref().and_then(|k| k.amount) {
            parts.push((up(a), key(a)));
        }
        if let Some(b) = p.bridge_cap {
            parts.push((up(b), key(b)));
        }
    }
    let total: f64 = parts.iter().map(|p| p.0).sum();
    let (part, top) =
        parts
            .into_iter()
            .fold((f64::NEG_INFINITY, "scenario".to_string()), |a, c| {
                if c.0 > a.0 || c.0.is_nan() {
                    c
                } else {
                    a
                }
            });
    (total, top, part)
}

fn group(cx: &mut Ctx, i: usize, g: &GroupFile, seen: &mut HashSet<String>) -> Group {
    let base = super::read::item_key("group", &g.id, i);
    cx.identifier(&format!("{base}.id"), &g.id, seen);
    if let Some(label) = &g.label {
        cx.text(&format!("{base}.label"), label);
    }
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
        let key = format!("assessed.by_year.{}", super::read::escaped(y));
        match y.parse::<i32>() {
            Ok(year) if (1900..=2200).contains(&year) => by_year.push((year, cx.param(&key, p, USD_NONNEG))),
            _ => cx.problem(&key, format!("{} is not a fiscal year: use the calendar year the fiscal year starts in, 1900..2200, e.g. \"2004\"", quoted(y))),
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
    let base = super::read::item_key("pledge", &p.id, i);
    cx.identifier(&format!("{base}.id"), &p.id, seen);
    cx.text(&format!("{base}.donor"), &p.donor);
    let k = |s: &str| format!("{base}.{s}");
    let earmark = match p.earmark.as_deref() {
        None | Some("pooled") => Earmark::Pooled,
        Some(name) => match Category::parse(name) {
            Some(c) => Earmark::To(c),
            None => {
                cx.problem(k("earmark"), format!("unknown earmark {}: allowed pooled, overhead, dd, reinsertion, reintegration, ssr", quoted(name)));
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
    i: usize,
    p: &PolicyFile,
    admission: Admission,
    priority: [Component; 7],
    seen: &mut HashSet<String>,
) -> Policy {
    let base = super::read::item_key("policy", &p.id, i);
    cx.identifier(&format!("{base}.id"), &p.id, seen);
    cx.text(&format!("{base}.description"), &p.description);
    let kickstart = p.kickstart.as_ref().map(|k| {
        let kk = |s: &str| format!("{base}.kickstart.{s}");
        let start = cx.month(&kk("start"), &k.start);
        let mut months = cx.integer(&kk("months"), k.months, 1, limits::MAX_HORIZON);
        let instalments = months;
        let end = start as i64 + months as i64 - 1;
        if end > cx.horizon && cx.months_ok {
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
                    format!("unknown mode {}: allowed added, reallocated", quoted(other)),
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
        if mode == KickstartMode::Reallocated && k.offset_voluntary {
            cx.problem(
                kk("offset_voluntary"),
                "offset_voluntary applies to added kick-starts only (MODEL.md section 8): \
                 a reallocated kick-start brings no new money to deduct; allowed false",
            );
        }
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
    if cx.months_ok && pledge_shift.unsigned_abs() > cx.horizon as u64 {
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
