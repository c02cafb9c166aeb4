//! The raw scenario file: a mirror of the TOML, close to what the user
//! wrote, filled by [`super::read`] (which rejects unknown keys). [`super::validate`] turns it into a
//! [`super::Scenario`] that cannot be invalid.
//!
//! Field names and units are documented in docs/scenario-format.md; money is
//! in US dollars, months are indices `1..T` or `"YYYY-MM"` dates.

#![deny(clippy::indexing_slicing)]

use super::month::{MonthRef, Schedule};
use super::param::Param;
use schemars::JsonSchema;
use serde::Serialize;
use std::collections::BTreeMap;

/// A whole scenario file.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Metadata and scenario-wide rules.
    pub scenario: MetaFile,
    /// Caseload groups, at least one.
    #[serde(default)]
    pub group: Vec<GroupFile>,
    /// The assessed (mandatory) peacekeeping budget.
    pub assessed: AssessedFile,
    /// Voluntary pledges.
    #[serde(default)]
    pub pledge: Vec<PledgeFile>,
    /// National contribution (optional).
    #[serde(default)]
    pub national: Option<NationalFile>,
    /// Funding appeals (optional).
    #[serde(default)]
    pub appeal: Option<AppealFile>,
    /// Security sector reform: institutional requirement and the security index.
    pub ssr: SsrFile,
    /// Conflict-relapse hazard.
    pub conflict: ConflictFile,
    /// Policies; the first is the baseline.
    #[serde(default)]
    pub policy: Vec<PolicyFile>,
}

/// `[scenario]`: metadata and scenario-wide rules.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetaFile {
    /// Short name, used for the output folder (letters, digits, `-`, `_`).
    pub name: String,
    /// One or two sentences for reports.
    #[serde(default)]
    pub description: String,
    /// Calendar month of model month 1, `"YYYY-MM"`.
    pub start: String,
    /// Number of months simulated, `T`.
    pub horizon_months: i64,
    /// Default number of replicates.
    #[serde(default = "default_replicates")]
    pub replicates: i64,
    /// Default master seed.
    #[serde(default = "default_seed")]
    pub seed: i64,
    /// First calendar month of the fiscal year (1..12; UN peacekeeping: 7).
    #[serde(default = "default_fy_start")]
    pub fiscal_year_start: i64,
    /// `full_course` (default) or `first_month`.
    #[serde(default)]
    pub admission: Option<String>,
    /// Order of the seven allocation lines.
    #[serde(default)]
    pub priority: Option<Vec<String>>,
    /// Programme overhead per month (USD).
    #[serde(default)]
    pub overhead_monthly: Option<Param>,
}

fn default_replicates() -> i64 {
    1000
}
fn default_seed() -> i64 {
    1
}
fn default_fy_start() -> i64 {
    7
}

/// `[[group]]`: one caseload group with its own track.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupFile {
    /// Identifier used in key paths and output columns.
    pub id: String,
    /// Human-readable label for reports (defaults to the id).
    #[serde(default)]
    pub label: Option<String>,
    /// People in the group.
    pub caseload: Param,
    /// Share of the still-armed presenting each month (schedule).
    pub turnout: Schedule,
    /// Maximum admissions to disarmament and demobilisation per month (schedule).
    pub site_capacity: Schedule,
    /// Months in cantonment (integer >= 1).
    pub dd_months: i64,
    /// Cost per person admitted to D&D (USD > 0).
    pub dd_cost: Param,
    /// Reinsertion payment due in each reinsertion month (USD >= 0).
    pub reinsertion_payments: Vec<Param>,
    /// Length of the reintegration course (integer >= 1).
    pub reint_months: i64,
    /// Start-up cost per person admitted to reintegration (USD >= 0).
    pub reint_startup: Param,
    /// Cost per person per course month (USD >= 0).
    pub reint_monthly: Param,
    /// Maximum new reintegration starts per month (schedule).
    pub intake_capacity: Schedule,
    /// Absorption into reformed security forces (optional).
    #[serde(default)]
    pub absorption: Option<AbsorptionFile>,
    /// Monthly hazards.
    pub hazard: HazardFile,
}

/// `[group.absorption]`: SSR absorption of those finishing D&D.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AbsorptionFile {
    /// Share of those finishing D&D eligible for absorption.
    pub share: Param,
    /// Maximum absorptions per month (schedule).
    pub capacity: Schedule,
    /// Cost per person absorbed (USD > 0).
    pub cost: Param,
}

/// `[group.hazard]`: monthly hazard rates and their modifiers.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HazardFile {
    /// `h_rr0`: re-recruitment hazard while waiting, at zero months waited.
    pub rerecruit: Param,
    /// `beta_wait`: relative increase of that hazard per month waited.
    pub wait_effect: Param,
    /// `K`: cap on months waited counted by `wait_effect` (integer >= 0).
    pub wait_cap: i64,
    /// `beta_sec`: relative increase with insecurity `1 - s`.
    pub insecurity_effect: Param,
    /// `h_rr_programme`: re-recruitment hazard in reinsertion or a course (default 0).
    #[serde(default)]
    pub rerecruit_programme: Option<Param>,
    /// `m_unpaid`: multiplier of the waiting hazard when a reinsertion payment is missed (default 1).
    #[serde(default)]
    pub unpaid_multiplier: Option<Param>,
    /// `h_self`: self-reintegration hazard while waiting or dropped out.
    pub self_reintegration: Param,
    /// `h_lost`: loss hazard (death, migration, lost to follow-up).
    pub lost: Param,
    /// `h_drop`: course drop-out hazard in a paid month.
    pub dropout: Param,
    /// `h_drop_interrupted`: drop-out hazard in an unpaid month (default = dropout).
    #[serde(default)]
    pub dropout_interrupted: Option<Param>,
    /// `h_relapse`: re-recruitment hazard after completing the course.
    pub relapse: Param,
    /// `h_relapse_self`: re-recruitment hazard after self-reintegrating (default = relapse).
    #[serde(default)]
    pub relapse_self: Option<Param>,
}

/// `[assessed]`: the assessed peacekeeping budget.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessedFile {
    /// Appropriation for fiscal years not listed in `by_year` (USD).
    pub annual: Param,
    /// Appropriation by fiscal year, keyed by the calendar year the FY starts in.
    #[serde(default)]
    pub by_year: BTreeMap<String, Param>,
    /// Components the assessed budget may pay (default overhead, dd, reinsertion).
    #[serde(default)]
    pub eligible: Option<Vec<String>>,
    /// Instalments withheld at the start of each FY (0..11).
    #[serde(default)]
    pub approval_delay: Option<Param>,
}

/// `[[pledge]]`: one voluntary pledge.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PledgeFile {
    /// Unique identifier.
    pub id: String,
    /// Donor name, for reports.
    #[serde(default)]
    pub donor: String,
    /// Pledged amount (USD).
    pub amount: Param,
    /// Month the pledge is made.
    pub month: MonthRef,
    /// `pooled` (default) or one of dd, reinsertion, reintegration, ssr, overhead.
    #[serde(default)]
    pub earmark: Option<String>,
    /// Share actually paid (default 1).
    #[serde(default)]
    pub fulfilment: Option<Param>,
    /// Months from pledge to first tranche (default 0; rounded half up).
    #[serde(default)]
    pub delay: Option<Param>,
    /// Number of tranches (default 1).
    #[serde(default)]
    pub tranches: Option<i64>,
    /// Months between tranches (default 1).
    #[serde(default)]
    pub interval: Option<i64>,
}

/// `[national]`: a monthly national contribution.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NationalFile {
    /// Amount per month (USD).
    pub monthly: Param,
    /// First month paid.
    pub from: MonthRef,
    /// Last month paid.
    pub to: MonthRef,
    /// Components it may pay.
    pub eligible: Vec<String>,
}

/// `[appeal]`: emergency appeals launched when the reintegration gap is large.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealFile {
    /// Monthly reintegration gap (USD) above which an appeal is launched.
    pub trigger: Param,
    /// Months after an appeal before another may be launched (integer >= 1).
    pub cooldown: i64,
    /// Share of the waiting list's admission cost raised (drawn per appeal).
    pub share: Param,
    /// Months from appeal to cash (drawn per appeal; rounded half up; >= 1 applied).
    pub delay: Param,
}

/// `[ssr]`: security sector reform requirement and the security index.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SsrFile {
    /// Institutional SSR requirement per month (USD); the total is this times T.
    pub monthly_requirement: Param,
    /// Security index at the start, in [0, 1].
    pub s0: Param,
    /// Security index when the institutional requirement is fully funded, in [0, 1].
    pub s_max: Param,
    /// Loss of security per unit armed share.
    pub kappa: Param,
}

/// `[conflict]`: hazard of relapse into war.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictFile {
    /// Base monthly hazard `lambda0`.
    pub lambda0: Param,
    /// Effect of the armed share.
    pub b_armed: Param,
    /// Effect of the idle share (waiting, dropped out, unpaid).
    pub b_idle: Param,
    /// Effect of security gains above `s0`.
    pub b_sec: Param,
}

/// `[[policy]]`: a named set of rule changes.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Unique identifier.
    pub id: String,
    /// Plain-words description for reports.
    #[serde(default)]
    pub description: String,
    /// Assessed-budget kick-start for reintegration.
    #[serde(default)]
    pub kickstart: Option<KickstartFile>,
    /// Bridge facility: advances against pledged money.
    #[serde(default)]
    pub bridge: Option<BridgeFile>,
    /// Admission rule override.
    #[serde(default)]
    pub admission: Option<String>,
    /// Priority order override.
    #[serde(default)]
    pub priority: Option<Vec<String>>,
    /// Months added to every pledge month (may be negative).
    #[serde(default)]
    pub pledge_shift: Option<i64>,
}

/// `[policy.kickstart]`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KickstartFile {
    /// First month of the window.
    pub start: MonthRef,
    /// Window length in months (integer >= 1).
    pub months: i64,
    /// Amount (USD) for `added`; ignored by `reallocated`.
    #[serde(default)]
    pub amount: Option<Param>,
    /// `added` or `reallocated`.
    pub mode: String,
    /// Deduct what the kick-start paid from later voluntary tranches.
    #[serde(default)]
    pub offset_voluntary: bool,
}

/// `[policy.bridge]`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BridgeFile {
    /// Maximum outstanding advances (USD).
    pub cap: Param,
}

impl MetaFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &[
        "name",
        "description",
        "start",
        "horizon_months",
        "replicates",
        "seed",
        "fiscal_year_start",
        "admission",
        "priority",
        "overhead_monthly",
    ];
}

impl GroupFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &[
        "id",
        "label",
        "caseload",
        "turnout",
        "site_capacity",
        "dd_months",
        "dd_cost",
        "reinsertion_payments",
        "reint_months",
        "reint_startup",
        "reint_monthly",
        "intake_capacity",
        "absorption",
        "hazard",
    ];
}

impl AbsorptionFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &["share", "capacity", "cost"];
}

impl HazardFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &[
        "rerecruit",
        "wait_effect",
        "wait_cap",
        "insecurity_effect",
        "rerecruit_programme",
        "unpaid_multiplier",
        "self_reintegration",
        "lost",
        "dropout",
        "dropout_interrupted",
        "relapse",
        "relapse_self",
    ];
}

impl AssessedFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &["annual", "by_year", "eligible", "approval_delay"];
}

impl PledgeFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &[
        "id",
        "donor",
        "amount",
        "month",
        "earmark",
        "fulfilment",
        "delay",
        "tranches",
        "interval",
    ];
}

impl NationalFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &["monthly", "from", "to", "eligible"];
}

impl AppealFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &["trigger", "cooldown", "share", "delay"];
}

impl SsrFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &["monthly_requirement", "s0", "s_max", "kappa"];
}

impl ConflictFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &["lambda0", "b_armed", "b_idle", "b_sec"];
}

impl PolicyFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &[
        "id",
        "description",
        "kickstart",
        "bridge",
        "admission",
        "priority",
        "pledge_shift",
    ];
}

impl KickstartFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] =
        &["start", "months", "amount", "mode", "offset_voluntary"];
}

impl BridgeFile {
    /// The keys this table may contain.
    pub const KEYS: &'static [&'static str] = &["cap"];
}

/// The JSON Schema of the scenario file format (draft 2020-12), with every
/// field's description taken from the documentation above.
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(ScenarioFile);
    serde_json::to_value(&schema).unwrap_or(serde_json::Value::Null)
}
