//! What one simulated replicate of one policy produces: the state at the end
//! of every month ([`MonthRecord`]) and per-group counters ([`GroupTally`]).
//! Outcome columns (MODEL.md section 8) are derived from these in
//! [`crate::model::outcome`].

use super::inputs::Cents;

/// People states reported per group (MODEL.md section 2, stages summed).
pub const STATES: [&str; 11] = [
    "armed",
    "in_dd",
    "in_reinsertion",
    "waiting",
    "in_reintegration",
    "reintegrated",
    "rerecruited",
    "dropped_out",
    "self_reintegrated",
    "absorbed",
    "lost",
];

/// Index of each state in [`STATES`].
pub mod st {
    /// `A`.
    pub const ARMED: usize = 0;
    /// `D[*]`.
    pub const IN_DD: usize = 1;
    /// `S[*]`.
    pub const IN_REINSERTION: usize = 2;
    /// `W[*]`.
    pub const WAITING: usize = 3;
    /// `R[*]`.
    pub const IN_REINTEGRATION: usize = 4;
    /// `REINT`.
    pub const REINTEGRATED: usize = 5;
    /// `RERECRUITED`.
    pub const RERECRUITED: usize = 6;
    /// `X`.
    pub const DROPPED_OUT: usize = 7;
    /// `SELF`.
    pub const SELF_REINTEGRATED: usize = 8;
    /// `ABSORBED`.
    pub const ABSORBED: usize = 9;
    /// `LOST`.
    pub const LOST: usize = 10;
}

/// Funding pools (MODEL.md section 4), in the order balances are reported.
pub const POOLS: [&str; 9] = [
    "kickstart",
    "assessed",
    "earmark_overhead",
    "earmark_dd",
    "earmark_reinsertion",
    "earmark_reintegration",
    "earmark_ssr",
    "pooled",
    "national",
];

/// Indices of the voluntary pools (the earmarks and pooled) in [`POOLS`].
pub const VOLUNTARY_POOLS: std::ops::Range<usize> = 2..8;

/// Pool indices.
pub mod pool {
    /// Kick-start pool.
    pub const KICKSTART: usize = 0;
    /// Assessed budget.
    pub const ASSESSED: usize = 1;
    /// Pooled voluntary fund.
    pub const POOLED: usize = 7;
    /// National contribution.
    pub const NATIONAL: usize = 8;
}

/// Sources of money as reported (voluntary = earmarked + pooled).
pub const SOURCES: [&str; 5] = ["kickstart", "assessed", "voluntary", "national", "bridge"];

/// Source indices.
pub mod src {
    /// Kick-start.
    pub const KICKSTART: usize = 0;
    /// Assessed.
    pub const ASSESSED: usize = 1;
    /// Voluntary (earmarked or pooled).
    pub const VOLUNTARY: usize = 2;
    /// National.
    pub const NATIONAL: usize = 3;
    /// Bridge advances.
    pub const BRIDGE: usize = 4;
}

/// One month of one replicate, recorded at the end of the month (step 8).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonthRecord {
    /// People whose reinsertion payment was due and not paid this month.
    pub unpaid_reinsertion: u64,
    /// Pool balances after this month's spending ([`POOLS`] order).
    pub balances: [Cents; 9],
    /// Bridge advances outstanding.
    pub bridge_outstanding: Cents,
    /// Cash received this month by source (bridge = advances drawn).
    pub received: [Cents; 5],
    /// Advances repaid this month.
    pub bridge_repaid: Cents,
    /// Money that lapsed this month (assessed at FY start, kick-start at window end).
    pub lapsed: Cents,
    /// Voluntary money removed from future tranches by `offset_voluntary` this month.
    pub offset: Cents,
    /// Money the kick-start paid this month that `offset_voluntary` could
    /// not deduct from later tranches (already arrived, or none left).
    pub offset_shortfall: Cents,
    /// Deducted cents times the months by which they arrived earlier
    /// (cent-months), for the money-weighted advance.
    pub offset_advance: i128,
    /// Unfunded backlog at the end of the month (MODEL.md section 8): people
    /// waiting times the full-course cost, plus the remaining course months
    /// of people whose course month was not paid this month, at the monthly cost.
    pub backlog: Cents,
    /// Spending this month by component (priority-independent order of
    /// `Component::ALL`) and source ([`SOURCES`] order).
    pub spent: [[Cents; 5]; 7],
    /// Demand this month by component.
    pub demand: [Cents; 7],
    /// Security index `s(t)`.
    pub security: f64,
    /// True once the conflict has relapsed (this month or before).
    pub relapsed: bool,
}

impl MonthRecord {
    /// Total spent this month.
    pub fn spent_total(&self) -> Cents {
        self.spent.iter().flatten().sum()
    }

    /// Gap of a component this month (demand minus spending).
    pub fn gap(&self, component: usize) -> Cents {
        self.demand[component] - self.spent[component].iter().sum::<Cents>()
    }
}

/// Per-group counters over a whole replicate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupTally {
    /// Admitted to D&D.
    pub disarmed: u64,
    /// Presenting but not admitted (person-events).
    pub turned_away: u64,
    /// Completed a reintegration course.
    pub completed: u64,
    /// Dropped out of a course.
    pub dropouts: u64,
    /// Person-months in a course month that was not paid.
    pub interrupted_months: u64,
    /// Months waited at admission to reintegration: `wait_hist[k]` people admitted after `k` months.
    pub wait_hist: Vec<u64>,
}

/// Everything one replicate of one policy produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// Month records, month 1 first.
    pub months: Vec<MonthRecord>,
    /// People by month, group and state ([`STATES`] order) at the end of
    /// each month, month-major: month index `i` (month `i + 1`), group `g`
    /// at `people[i * groups + g]`, with one group per tally (see
    /// [`Trajectory::people_at`]).
    pub people: Vec<[u64; 11]>,
    /// Per-group counters.
    pub tallies: Vec<GroupTally>,
    /// Month of the first conflict relapse, if any.
    pub relapse_month: Option<u32>,
    /// Number of appeals launched.
    pub appeals: u32,
    /// Money-weighted pledge shift actually applied, in months (`None`
    /// when the policy does not shift pledges or no pledged money is paid).
    pub shift_applied: Option<f64>,
}

impl Trajectory {
    /// Number of groups (one tally each).
    pub fn groups(&self) -> usize {
        self.tallies.len()
    }

    /// People by group at the end of month index `i` (month `i + 1`).
    pub fn people_at(&self, i: usize) -> &[[u64; 11]] {
        let n = self.groups();
        &self.people[i * n..(i + 1) * n]
    }

    /// People by group at the end of each month, month 1 first.
    pub fn monthly_people(&self) -> impl ExactSizeIterator<Item = &[[u64; 11]]> + '_ {
        self.people.chunks_exact(self.groups().max(1))
    }

    /// People by group at the end of the last month (empty without months).
    pub fn final_people(&self) -> &[[u64; 11]] {
        match self.months.len() {
            0 => &[],
            n => self.people_at(n - 1),
        }
    }
}
