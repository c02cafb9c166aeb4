//! Scenarios: the file format ([`file`](mod@file)), uncertain parameters ([`param`]),
//! months and schedules ([`month`]), and the validated [`Scenario`] that the
//! engine runs ([`validate`]). No I/O here: reading files is the caller's job.

#![deny(clippy::indexing_slicing)]

pub mod file;
pub mod locate;
pub mod month;
pub mod overrides;
pub mod param;
pub mod read;
pub mod validate;

pub use month::YearMonth;
pub use param::{Dist, Param, SharedDist, Truncated};
pub use validate::{parse_and_validate, Problem, ScenarioError};

/// Index of a numeric parameter in [`Scenario::params`].
pub type Pid = usize;

/// How a parameter slot is drawn (MODEL.md section 7: purposes `parameter` and `caseload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// An ordinary parameter, drawn from the `parameter` stream keyed by its key path.
    Parameter,
    /// A group caseload, drawn from the `caseload` stream and rounded half up.
    Caseload,
}

/// One numeric parameter of the scenario, with its key path.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSlot {
    /// Key path, e.g. `group.women.hazard.dropout`.
    pub key: String,
    /// Fixed value or distribution.
    pub param: Param,
    /// Which stream it is drawn from.
    pub kind: SlotKind,
}

/// A step schedule resolved to model months: `(month, value)` sorted by month,
/// value 0 before the first step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSchedule {
    /// Steps as (first model month, parameter).
    pub steps: Vec<(u32, Pid)>,
}

/// Budget categories: what an earmark or a funding source may pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Programme overhead.
    Overhead,
    /// Disarmament and demobilisation.
    Dd,
    /// Reinsertion payments.
    Reinsertion,
    /// Reintegration courses (continuing and new).
    Reintegration,
    /// SSR absorption and institutional reform.
    Ssr,
}

impl Category {
    /// All categories in a fixed order.
    pub const ALL: [Category; 5] = [
        Category::Overhead,
        Category::Dd,
        Category::Reinsertion,
        Category::Reintegration,
        Category::Ssr,
    ];

    /// Name as written in files.
    pub fn name(self) -> &'static str {
        match self {
            Category::Overhead => "overhead",
            Category::Dd => "dd",
            Category::Reinsertion => "reinsertion",
            Category::Reintegration => "reintegration",
            Category::Ssr => "ssr",
        }
    }

    /// Parses a file name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }

    /// Bit for [`CategorySet`].
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CategorySet(u8);

impl CategorySet {
    /// Builds a set from categories.
    pub fn of(cats: &[Category]) -> Self {
        CategorySet(cats.iter().fold(0, |acc, c| acc | c.bit()))
    }
    /// Membership.
    pub fn contains(self, c: Category) -> bool {
        self.0 & c.bit() != 0
    }
    /// The members in fixed order.
    pub fn members(self) -> Vec<Category> {
        Category::ALL
            .into_iter()
            .filter(|c| self.contains(*c))
            .collect()
    }
}

/// The seven allocation lines of MODEL.md section 4 step 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// Overhead (one lump line).
    Overhead,
    /// Admissions to D&D.
    Dd,
    /// Reinsertion payments due.
    Reinsertion,
    /// Continuing course months (`first_month` admission only).
    ReintegrationContinuing,
    /// New reintegration starts.
    ReintegrationNew,
    /// SSR absorption places.
    SsrAbsorption,
    /// SSR institutional requirement (one lump line).
    SsrInstitutional,
}

impl Component {
    /// All components in the default priority order.
    pub const ALL: [Component; 7] = [
        Component::Overhead,
        Component::Dd,
        Component::Reinsertion,
        Component::ReintegrationContinuing,
        Component::ReintegrationNew,
        Component::SsrAbsorption,
        Component::SsrInstitutional,
    ];

    /// Name as written in files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Component::Overhead => "overhead",
            Component::Dd => "dd",
            Component::Reinsertion => "reinsertion",
            Component::ReintegrationContinuing => "reintegration_continuing",
            Component::ReintegrationNew => "reintegration_new",
            Component::SsrAbsorption => "ssr_absorption",
            Component::SsrInstitutional => "ssr_institutional",
        }
    }

    /// Parses a file name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }

    /// The budget category the component belongs to.
    pub fn category(self) -> Category {
        match self {
            Component::Overhead => Category::Overhead,
            Component::Dd => Category::Dd,
            Component::Reinsertion => Category::Reinsertion,
            Component::ReintegrationContinuing | Component::ReintegrationNew => {
                Category::Reintegration
            }
            Component::SsrAbsorption | Component::SsrInstitutional => Category::Ssr,
        }
    }
}

/// Where a pledge's money goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Earmark {
    /// The pooled voluntary fund: pays anything.
    Pooled,
    /// A category-earmarked pool.
    To(Category),
}

impl Earmark {
    /// Name as written in files.
    pub fn name(self) -> &'static str {
        match self {
            Earmark::Pooled => "pooled",
            Earmark::To(c) => c.name(),
        }
    }
}

/// When reintegration is paid (MODEL.md section 4 step 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The whole course is paid at admission.
    FullCourse,
    /// Start-up and the first month at admission; later months as they come.
    FirstMonth,
}

impl Admission {
    /// Name as written in files.
    pub fn name(self) -> &'static str {
        match self {
            Admission::FullCourse => "full_course",
            Admission::FirstMonth => "first_month",
        }
    }
}

/// SSR absorption parameters of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Absorption {
    /// Share eligible.
    pub share: Pid,
    /// Places per month.
    pub capacity: StepSchedule,
    /// Cost per person (USD).
    pub cost: Pid,
}

/// Hazards of a group (MODEL.md section 3).
#[derive(Debug, Clone, PartialEq)]
pub struct Hazards {
    /// `h_rr0`.
    pub rerecruit: Pid,
    /// `beta_wait`.
    pub wait_effect: Pid,
    /// `K`.
    pub wait_cap: u32,
    /// `beta_sec`.
    pub insecurity_effect: Pid,
    /// `h_rr_programme`.
    pub rerecruit_programme: Pid,
    /// `m_unpaid`.
    pub unpaid_multiplier: Pid,
    /// `h_self`.
    pub self_reintegration: Pid,
    /// `h_lost`.
    pub lost: Pid,
    /// `h_drop`.
    pub dropout: Pid,
    /// `h_drop_interrupted`.
    pub dropout_interrupted: Pid,
    /// `h_relapse`.
    pub relapse: Pid,
    /// `h_relapse_self`.
    pub relapse_self: Pid,
}

/// A validated caseload group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Identifier.
    pub id: String,
    /// Label for reports.
    pub label: String,
    /// Caseload (drawn and rounded half up).
    pub caseload: Pid,
    /// Turnout schedule.
    pub turnout: StepSchedule,
    /// D&D site capacity schedule.
    pub site_capacity: StepSchedule,
    /// Months in D&D.
    pub dd_months: u32,
    /// D&D cost per person.
    pub dd_cost: Pid,
    /// Reinsertion payments, one per reinsertion month.
    pub payments: Vec<Pid>,
    /// Course length.
    pub reint_months: u32,
    /// Course start-up cost.
    pub reint_startup: Pid,
    /// Cost per course month.
    pub reint_monthly: Pid,
    /// Intake capacity schedule.
    pub intake_capacity: StepSchedule,
    /// SSR absorption, if any.
    pub absorption: Option<Absorption>,
    /// Hazards.
    pub hazard: Hazards,
}

/// The assessed budget.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessed {
    /// Default annual appropriation.
    pub annual: Pid,
    /// Appropriations by fiscal year (year the FY starts in).
    pub by_year: Vec<(i32, Pid)>,
    /// Categories it may pay.
    pub eligible: CategorySet,
    /// Instalments withheld at the start of each FY.
    pub approval_delay: Pid,
}

/// A validated pledge.
#[derive(Debug, Clone, PartialEq)]
pub struct Pledge {
    /// Identifier.
    pub id: String,
    /// Donor.
    pub donor: String,
    /// Amount (USD).
    pub amount: Pid,
    /// Model month of the pledge (before any policy shift).
    pub month: u32,
    /// Destination pool.
    pub earmark: Earmark,
    /// Share paid.
    pub fulfilment: Pid,
    /// Months to first tranche.
    pub delay: Pid,
    /// Number of tranches.
    pub tranches: u32,
    /// Months between tranches.
    pub interval: u32,
}

/// National contribution.
#[derive(Debug, Clone, PartialEq)]
pub struct National {
    /// Amount per month.
    pub monthly: Pid,
    /// First model month.
    pub from: u32,
    /// Last model month.
    pub to: u32,
    /// Categories it may pay.
    pub eligible: CategorySet,
}

/// Appeals.
#[derive(Debug, Clone, PartialEq)]
pub struct Appeal {
    /// Gap trigger (USD).
    pub trigger: Pid,
    /// Cooldown months.
    pub cooldown: u32,
    /// Share raised, drawn per appeal.
    pub share: Param,
    /// Delay, drawn per appeal.
    pub delay: Param,
}

/// SSR and the security index.
#[derive(Debug, Clone, PartialEq)]
pub struct Ssr {
    /// Monthly institutional requirement (USD).
    pub monthly_requirement: Pid,
    /// Initial security index.
    pub s0: Pid,
    /// Security index at full institutional funding.
    pub s_max: Pid,
    /// Insecurity per armed share.
    pub kappa: Pid,
}

/// Conflict relapse hazard parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// Base monthly hazard.
    pub lambda0: Pid,
    /// Armed-share effect.
    pub b_armed: Pid,
    /// Idle-share effect.
    pub b_idle: Pid,
    /// Security effect.
    pub b_sec: Pid,
}

/// Kick-start modes (MODEL.md section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KickstartMode {
    /// New assessed money for reintegration.
    Added,
    /// Reintegration becomes eligible for the existing assessed pool.
    Reallocated,
}

/// A validated kick-start.
#[derive(Debug, Clone, PartialEq)]
pub struct Kickstart {
    /// First model month of the window.
    pub start: u32,
    /// Window length, already cut at `T`.
    pub months: u32,
    /// Window length as written: an `added` amount is paid in this many
    /// equal instalments, of which those after `T` never arrive.
    pub instalments: u32,
    /// Amount for `added` mode.
    pub amount: Option<Pid>,
    /// Mode.
    pub mode: KickstartMode,
    /// Deduct from later voluntary tranches.
    pub offset_voluntary: bool,
}

/// A validated policy, with scenario-wide rules resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Identifier.
    pub id: String,
    /// Description.
    pub description: String,
    /// Kick-start, if any.
    pub kickstart: Option<Kickstart>,
    /// Bridge cap, if any.
    pub bridge_cap: Option<Pid>,
    /// Admission rule in force.
    pub admission: Admission,
    /// Priority order in force.
    pub priority: [Component; 7],
    /// Months added to pledge months.
    pub pledge_shift: i64,
}

/// A scenario that passed validation: every field in range, every reference resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Calendar month of model month 1.
    pub start: YearMonth,
    /// Horizon `T` in months.
    pub horizon: u32,
    /// Default replicates.
    pub replicates: u64,
    /// Default seed.
    pub seed: u64,
    /// First month of the fiscal year.
    pub fiscal_year_start: u32,
    /// Overhead per month.
    pub overhead_monthly: Pid,
    /// Every numeric parameter.
    pub params: Vec<ParamSlot>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Assessed budget.
    pub assessed: Assessed,
    /// Pledges.
    pub pledges: Vec<Pledge>,
    /// National contribution.
    pub national: Option<National>,
    /// Appeals.
    pub appeal: Option<Appeal>,
    /// SSR.
    pub ssr: Ssr,
    /// Conflict.
    pub conflict: Conflict,
    /// Policies, baseline first.
    pub policies: Vec<Policy>,
    /// Non-fatal remarks found during validation.
    pub warnings: Vec<String>,
}

impl Scenario {
    /// The baseline policy (the first).
    // Cannot fail: validation refuses a scenario without a `[[policy]]`.
    #[allow(clippy::indexing_slicing)]
    pub fn baseline(&self) -> &Policy {
        &self.policies[0]
    }

    /// The index of policy `id` as the one compared with the baseline
    /// (`--policy` of the experiment commands): an error names the policies
    /// allowed when `id` is unknown or is the baseline itself.
    pub fn compared_policy(&self, id: &str) -> Result<usize, String> {
        let others: Vec<&str> = self
            .policies
            .iter()
            .skip(1)
            .map(|p| p.id.as_str())
            .collect();
        let allowed = if others.is_empty() {
            "none: the scenario has only the baseline".to_string()
        } else {
            others.join(", ")
        };
        match self.policies.iter().position(|p| p.id == id) {
            Some(0) => Err(format!(
                "--policy '{id}' is the baseline; choose a policy to compare with it (allowed: {allowed})"
            )),
            Some(i) => Ok(i),
            None => Err(format!(
                "--policy '{id}': no such policy other than the baseline '{}' (allowed: {allowed})",
                self.baseline().id
            )),
        }
    }

    /// Calendar month of model month `t`.
    pub fn date(&self, t: u32) -> YearMonth {
        self.start.of_index(t)
    }

    /// Key paths of the uncertain parameters, in slot order.
    pub fn uncertain_keys(&self) -> Vec<&str> {
        self.params
            .iter()
            .filter(|s| s.param.is_uncertain())
            .map(|s| s.key.as_str())
            .collect()
    }

    /// Total caseload at the parameters' central values (for descriptions).
    // Cannot fail: every `Pid` in a `Scenario` is an index into its `params`,
    // assigned by the validator as it pushed that parameter.
    #[allow(clippy::indexing_slicing)]
    pub fn central_caseload(&self) -> f64 {
        self.groups
            .iter()
            .map(|g| self.params[g.caseload].param.central())
            .sum()
    }
}
