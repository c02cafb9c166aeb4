//! Concrete inputs of one replicate: every uncertain parameter drawn once
//! (MODEL.md section 3), converted to model units (people, whole cents,
//! per-month arrays). The same [`Inputs`] serve every policy of the
//! replicate, which is what makes policy comparisons paired.

use crate::scenario::validate::limits;
use crate::scenario::{Category, CategorySet, Earmark, Scenario, StepSchedule};

/// Money in whole US cents.
pub type Cents = i64;

/// Largest amount of money held anywhere, in cents (keeps sums and squares in range).
pub const MAX_CENTS: Cents = 1 << 50;

/// Converts US dollars to whole cents, rounding to nearest and clamping to `[0, MAX_CENTS]`.
pub fn usd_to_cents(usd: f64) -> Cents {
    if !usd.is_finite() || usd <= 0.0 {
        return if usd == f64::INFINITY { MAX_CENTS } else { 0 };
    }
    (usd * 100.0).round().min(MAX_CENTS as f64) as Cents
}

/// Rounds half up to a whole number, clamped to `[lo, hi]`.
pub fn round_half_up(x: f64, lo: u64, hi: u64) -> u64 {
    if x.is_nan() {
        return lo;
    }
    (x + 0.5).floor().clamp(lo as f64, hi as f64) as u64
}

/// Per-group inputs of one replicate.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupInputs {
    /// People in the group.
    pub caseload: u64,
    /// Turnout by month (index 0 unused).
    pub turnout: Vec<f64>,
    /// D&D site capacity by month.
    pub site_capacity: Vec<u64>,
    /// Reintegration intake capacity by month.
    pub intake_capacity: Vec<u64>,
    /// Absorption capacity by month (0 without absorption).
    pub absorb_capacity: Vec<u64>,
    /// Months in D&D.
    pub dd_months: usize,
    /// D&D cost per admission.
    pub dd_cost: Cents,
    /// Reinsertion payment due in each reinsertion month.
    pub payments: Vec<Cents>,
    /// Course length.
    pub reint_months: usize,
    /// Course start-up cost.
    pub reint_startup: Cents,
    /// Cost per course month.
    pub reint_monthly: Cents,
    /// Share eligible for absorption.
    pub absorb_share: f64,
    /// Cost per absorption.
    pub absorb_cost: Cents,
    /// `h_rr0`.
    pub h_rr0: f64,
    /// `beta_wait`.
    pub beta_wait: f64,
    /// `K`.
    pub wait_cap: usize,
    /// `beta_sec`.
    pub beta_sec: f64,
    /// `h_rr_programme`.
    pub h_rr_programme: f64,
    /// `m_unpaid`.
    pub m_unpaid: f64,
    /// `h_self`.
    pub h_self: f64,
    /// `h_lost`.
    pub h_lost: f64,
    /// `h_drop`.
    pub h_drop: f64,
    /// `h_drop_interrupted`.
    pub h_drop_interrupted: f64,
    /// `h_relapse`.
    pub h_relapse: f64,
    /// `h_relapse_self`.
    pub h_relapse_self: f64,
}

/// A drawn pledge.
#[derive(Debug, Clone, PartialEq)]
pub struct PledgeInputs {
    /// Nominal amount.
    pub amount: Cents,
    /// Amount actually paid (amount x fulfilment).
    pub paid: Cents,
    /// Pledge month before any shift.
    pub month: u32,
    /// Months to the first tranche.
    pub delay: u32,
    /// Number of tranches.
    pub tranches: u32,
    /// Months between tranches.
    pub interval: u32,
    /// Destination.
    pub earmark: Earmark,
}

/// Everything a replicate needs, in model units.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// Horizon `T`.
    pub horizon: usize,
    /// Groups.
    pub groups: Vec<GroupInputs>,
    /// Total caseload `N`.
    pub total_caseload: u64,
    /// Overhead per month.
    pub overhead: Cents,
    /// Assessed cash arriving each month (index 0 unused).
    pub assessed_cash: Vec<Cents>,
    /// True in months where the unspent assessed balance lapses first.
    pub assessed_lapse: Vec<bool>,
    /// Categories the assessed budget pays.
    pub assessed_eligible: CategorySet,
    /// Pledges.
    pub pledges: Vec<PledgeInputs>,
    /// National cash each month (index 0 unused).
    pub national_cash: Vec<Cents>,
    /// Categories national money pays.
    pub national_eligible: CategorySet,
    /// Appeal trigger, if appeals are on.
    pub appeal_trigger: Option<Cents>,
    /// SSR institutional requirement per month.
    pub ssr_requirement: Cents,
    /// Security index at start.
    pub s0: f64,
    /// Security index at full SSR funding.
    pub s_max: f64,
    /// Insecurity per armed share.
    pub kappa: f64,
    /// Conflict base hazard.
    pub lambda0: f64,
    /// Armed-share effect.
    pub b_armed: f64,
    /// Idle-share effect.
    pub b_idle: f64,
    /// Security effect.
    pub b_sec: f64,
    /// Drawn kick-start amount per policy (0 if none).
    pub kickstart_amount: Vec<Cents>,
    /// Drawn bridge cap per policy (None if no bridge).
    pub bridge_cap: Vec<Option<Cents>>,
}

fn expand(s: &StepSchedule, v: &[f64], horizon: usize) -> Vec<f64> {
    let mut out = vec![0.0; horizon + 1];
    let mut cur = 0.0;
    let mut next = 0;
    for (t, slot) in out.iter_mut().enumerate().skip(1) {
        while next < s.steps.len() && s.steps[next].0 as usize <= t {
            cur = v[s.steps[next].1];
            next += 1;
        }
        *slot = cur;
    }
    out
}

fn capacity(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        0
    } else {
        x.floor().min(limits::MAX_CAPACITY) as u64
    }
}

impl Inputs {
    /// Builds the inputs from a scenario and one replicate's drawn values.
    pub fn build(sc: &Scenario, v: &[f64]) -> Inputs {
        let horizon = sc.horizon as usize;
        let caps = |s: &StepSchedule| {
            expand(s, v, horizon)
                .into_iter()
                .map(capacity)
                .collect::<Vec<_>>()
        };
        let rate = |pid: usize| v[pid].max(0.0);
        let groups: Vec<GroupInputs> = sc
            .groups
            .iter()
            .map(|g| {
                let h = &g.hazard;
                GroupInputs {
                    caseload: round_half_up(v[g.caseload], 1, limits::MAX_CASELOAD as u64),
                    turnout: expand(&g.turnout, v, horizon)
                        .into_iter()
                        .map(|x| x.clamp(0.0, 1.0))
                        .collect(),
                    site_capacity: caps(&g.site_capacity),
                    intake_capacity: caps(&g.intake_capacity),
                    absorb_capacity: g
                        .absorption
                        .as_ref()
                        .map_or(vec![0; horizon + 1], |a| caps(&a.capacity)),
                    dd_months: g.dd_months as usize,
                    dd_cost: usd_to_cents(v[g.dd_cost]),
                    payments: g.payments.iter().map(|&p| usd_to_cents(v[p])).collect(),
                    reint_months: g.reint_months as usize,
                    reint_startup: usd_to_cents(v[g.reint_startup]),
                    reint_monthly: usd_to_cents(v[g.reint_monthly]),
                    absorb_share: g
                        .absorption
                        .as_ref()
                        .map_or(0.0, |a| v[a.share].clamp(0.0, 1.0)),
                    absorb_cost: g.absorption.as_ref().map_or(0, |a| usd_to_cents(v[a.cost])),
                    h_rr0: rate(h.rerecruit),
                    beta_wait: rate(h.wait_effect),
                    wait_cap: h.wait_cap as usize,
                    beta_sec: rate(h.insecurity_effect),
                    h_rr_programme: rate(h.rerecruit_programme),
                    m_unpaid: v[h.unpaid_multiplier].max(1.0),
                    h_self: rate(h.self_reintegration),
                    h_lost: rate(h.lost),
                    h_drop: rate(h.dropout),
                    h_drop_interrupted: rate(h.dropout_interrupted),
                    h_relapse: rate(h.relapse),
                    h_relapse_self: rate(h.relapse_self),
                }
            })
            .collect();
        let total_caseload = groups.iter().map(|g| g.caseload).sum();

        // Assessed budget: 12 equal instalments per FY by calendar month.
        let fys = sc.fiscal_year_start as i64;
        let delay = round_half_up(v[sc.assessed.approval_delay], 0, 11) as i64;
        let mut assessed_cash = vec![0; horizon + 1];
        let mut assessed_lapse = vec![false; horizon + 1];
        let appropriation = |fy: i64| -> Cents {
            let pid = sc
                .assessed
                .by_year
                .iter()
                .find(|(y, _)| *y as i64 == fy)
                .map_or(sc.assessed.annual, |(_, p)| *p);
            usd_to_cents(v[pid])
        };
        let instalment = |fy: i64, i: i64| -> Cents {
            let a = appropriation(fy);
            let base = a / 12;
            if i == 11 {
                a - 11 * base
            } else {
                base
            }
        };
        for t in 1..=horizon {
            let ym = sc.date(t as u32);
            let m = ym.month as i64;
            let fy = if m >= fys {
                ym.year as i64
            } else {
                ym.year as i64 - 1
            };
            let idx = (m - fys).rem_euclid(12);
            assessed_lapse[t] = idx == 0 && t > 1;
            assessed_cash[t] = if idx < delay {
                0
            } else if idx == delay {
                (0..=delay)
                    .filter(|j| t as i64 - (delay - j) >= 1)
                    .map(|j| instalment(fy, j))
                    .sum()
            } else {
                instalment(fy, idx)
            };
        }

        let pledges = sc
            .pledges
            .iter()
            .map(|p| {
                let amount = usd_to_cents(v[p.amount]);
                let f = v[p.fulfilment].clamp(0.0, 1.0);
                PledgeInputs {
                    amount,
                    paid: ((amount as f64) * f).round().clamp(0.0, amount as f64) as Cents,
                    month: p.month,
                    delay: round_half_up(v[p.delay], 0, (horizon + 1) as u64) as u32,
                    tranches: p.tranches,
                    interval: p.interval,
                    earmark: p.earmark,
                }
            })
            .collect();

        let mut national_cash = vec![0; horizon + 1];
        let mut national_eligible = CategorySet::default();
        if let Some(n) = &sc.national {
            let c = usd_to_cents(v[n.monthly]);
            for cash in national_cash
                .iter_mut()
                .take(n.to as usize + 1)
                .skip(n.from as usize)
            {
                *cash = c;
            }
            national_eligible = n.eligible;
        }

        Inputs {
            horizon,
            groups,
            total_caseload,
            overhead: usd_to_cents(v[sc.overhead_monthly]),
            assessed_cash,
            assessed_lapse,
            assessed_eligible: sc.assessed.eligible,
            pledges,
            national_cash,
            national_eligible,
            appeal_trigger: sc.appeal.as_ref().map(|a| usd_to_cents(v[a.trigger])),
            ssr_requirement: usd_to_cents(v[sc.ssr.monthly_requirement]),
            s0: v[sc.ssr.s0].clamp(0.0, 1.0),
            s_max: v[sc.ssr.s_max].clamp(0.0, 1.0),
            kappa: v[sc.ssr.kappa].max(0.0),
            lambda0: v[sc.conflict.lambda0].max(0.0),
            b_armed: v[sc.conflict.b_armed].max(0.0),
            b_idle: v[sc.conflict.b_idle].max(0.0),
            b_sec: v[sc.conflict.b_sec].max(0.0),
            kickstart_amount: sc
                .policies
                .iter()
                .map(|p| {
                    p.kickstart
                        .as_ref()
                        .and_then(|k| k.amount)
                        .map_or(0, |a| usd_to_cents(v[a]))
                })
                .collect(),
            bridge_cap: sc
                .policies
                .iter()
                .map(|p| p.bridge_cap.map(|c| usd_to_cents(v[c])))
                .collect(),
        }
    }
}

/// Pool index of a category's earmarked pool.
pub fn earmark_pool(c: Category) -> usize {
    2 + c as usize
}
