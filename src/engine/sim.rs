//! One replicate of one policy: the monthly loop of MODEL.md section 5, in
//! its exact order, one method per step. Pure: inputs and streams in, a
//! [`Trajectory`] out. This file holds the replicate's state, the month's
//! order and steps 1, 6, 7 and appeals; step 2 is in `unfunded`, steps 3-4
//! in `funding`, step 5 in `transitions`, a group's people in `group`,
//! the groups' stream keys in `keys`. Money lives in `super::money`, the
//! sharing of a component's budget among its lines in `super::allocate`.
//! The monthly step allocates nothing: scratch buffers live in `Run`, and
//! the month records and head counts go into vectors sized for the horizon.

mod funding;
mod group;
mod keys;
mod transitions;
mod unfunded;

use super::allocate::Line;
use super::draw::{binomial, prob};
use super::money::Money;
use super::rng::{EntityKey, Purpose, Streams};
use crate::model::inputs::{round_half_up, Cents, GroupInputs, Inputs, MAX_CENTS};
use crate::model::record::{pool, src, st, GroupTally, MonthRecord, Trajectory};
use crate::scenario::{Admission, Component, Kickstart, KickstartMode, Policy, Scenario};
use group::{Funded, GroupState};
use keys::GroupKeys;
use rand::RngExt;

/// `Binomial(n, p)` from the stream of the entity keyed `key` in month `t`.
/// When the draw is 0 without drawing a word (`n = 0`, `p <= 0` or not a
/// number) the stream is not built: the same value, as the streams are
/// keyed, not sequential.
#[inline]
fn keyed_binomial(streams: &Streams, key: EntityKey, t: u32, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    binomial(&mut streams.at(key, t), n, p)
}

/// Cost of admitting one person to a course under an admission rule.
fn admission_cost(gp: &GroupInputs, admission: Admission) -> Cents {
    match admission {
        Admission::FullCourse => gp.reint_startup + gp.reint_months as Cents * gp.reint_monthly,
        Admission::FirstMonth => gp.reint_startup + gp.reint_monthly,
    }
}

/// The state of one replicate of one policy as the months go by.
struct Run<'a> {
    sc: &'a Scenario,
    inp: &'a Inputs,
    pol: &'a Policy,
    streams: &'a Streams,
    kick_amount: Cents,
    bridge_cap: Option<Cents>,
    money: Money,
    groups: Vec<GroupState>,
    /// Each group's stream keys.
    keys: Vec<GroupKeys>,
    tallies: Vec<GroupTally>,
    /// Security index of the previous month, `s(t-1)`.
    s_prev: f64,
    relapse_month: Option<u32>,
    last_appeal: Option<u32>,
    appeals: u32,
    /// Step 2 per group: absorption candidates (scratch, rewritten monthly).
    candidates: Vec<u64>,
    /// Step 2 per group: people presenting (scratch, rewritten monthly).
    presenting: Vec<u64>,
    /// Step 4 per group: funded places (scratch, cleared monthly).
    funded: Vec<Funded>,
    /// Month-end head counts by month and group (the trajectory's).
    people: Vec<[u64; 11]>,
    /// Step 3: one component's demand lines (scratch).
    lines: Vec<Line>,
    /// Step 4: funded places of each line (scratch).
    places: Vec<u64>,
}

/// Simulates policy `policy` of the scenario on one replicate's inputs and streams.
pub fn simulate(sc: &Scenario, inp: &Inputs, policy: usize, streams: &Streams) -> Trajectory {
    let pol = &sc.policies[policy];
    let horizon = inp.horizon;
    let n = inp.groups.len();
    let lines_cap = n + inp.groups.iter().map(|g| g.payments.len()).sum::<usize>();
    let mut run = Run {
        sc,
        inp,
        pol,
        streams,
        kick_amount: inp.kickstart_amount[policy],
        bridge_cap: inp.bridge_cap[policy],
        money: Money::new(inp, pol.pledge_shift),
        groups: inp
            .groups
            .iter()
            .map(|g| GroupState::new(g, horizon))
            .collect(),
        keys: inp
            .groups
            .iter()
            .enumerate()
            .map(|(gi, g)| GroupKeys::new(streams, gi, g, horizon))
            .collect(),
        tallies: inp
            .groups
            .iter()
            .map(|_| GroupTally {
                wait_hist: vec![0; horizon + 1],
                ..GroupTally::default()
            })
            .collect(),
        s_prev: inp.s0,
        relapse_month: None,
        last_appeal: None,
        appeals: 0,
        candidates: vec![0; n],
        presenting: vec![0; n],
        funded: inp
            .groups
            .iter()
            .map(|g| Funded::new(g.payments.len()))
            .collect(),
        people: Vec::with_capacity(horizon * n),
        lines: Vec::with_capacity(lines_cap.max(1)),
        places: Vec::with_capacity(lines_cap.max(1)),
    };
    // Each month is recorded in place (a record is about 500 bytes).
    let mut months = vec![MonthRecord::default(); horizon];
    for (t, rec) in (1..).zip(months.iter_mut()) {
        run.month(t, rec);
    }
    Trajectory {
        months,
        people: run.people,
        tallies: run.tallies,
        relapse_month: run.relapse_month,
        appeals: run.appeals,
        shift_applied: run.money.shift_applied,
    }
}

impl<'a> Run<'a> {
    fn kick(&self) -> Option<&'a Kickstart> {
        self.pol.kickstart.as_ref()
    }

    fn kick_added(&self) -> bool {
        self.kick().is_some_and(|k| k.mode == KickstartMode::Added)
    }

    fn in_window(&self, t: u32) -> bool {
        self.kick()
            .is_some_and(|k| t >= k.start && t < k.start + k.months)
    }

    /// One month, steps 1 to 8, recorded into `rec` (empty on entry).
    fn month(&mut self, t: u32, rec: &mut MonthRecord) {
        self.cash_arrives(t, rec);
        self.draw_unfunded(t);
        self.allocate(t, rec);
        let unpaid_idle = self.transitions(t, rec);
        // Month-end head counts, taken once: the backlog and the idle share read them.
        let start = self.people.len();
        self.people
            .extend(self.groups.iter().map(GroupState::people));
        let people = &self.people[start..];
        rec.backlog = self.backlog(people);
        let (s, armed_share) = self.security();
        let idle = Self::idle(people, unpaid_idle);
        self.conflict(t, s, armed_share, idle);
        self.appeal(t, rec);
        rec.balances = self.money.balances;
        rec.bridge_outstanding = self.money.outstanding;
        rec.security = s;
        rec.relapsed = self.relapse_month.is_some();
        self.s_prev = s;
    }

    /// Step 1: FY lapse, assessed and kick-start instalments, tranches, national money.
    fn cash_arrives(&mut self, t: u32, rec: &mut MonthRecord) {
        let tu = t as usize;
        if self.inp.assessed_lapse[tu] {
            self.money.lapse(pool::ASSESSED, rec);
        }
        self.money.receive(
            pool::ASSESSED,
            src::ASSESSED,
            self.inp.assessed_cash[tu],
            rec,
        );
        if let Some(k) = self
            .kick()
            .filter(|_| self.kick_added() && self.in_window(t))
        {
            let n = k.instalments as i64;
            let each = self.kick_amount / n;
            let last = t == k.start + k.instalments - 1;
            let cash = if last {
                self.kick_amount - each * (n - 1)
            } else {
                each
            };
            self.money
                .receive(pool::KICKSTART, src::KICKSTART, cash, rec);
        }
        self.money.receive_tranches(t, rec);
        self.money.receive(
            pool::NATIONAL,
            src::NATIONAL,
            self.inp.national_cash[tu],
            rec,
        );
    }

    /// Unfunded backlog at the month end (MODEL.md section 8), in cents.
    fn backlog(&self, people: &[[u64; 11]]) -> Cents {
        let total: i128 = self
            .groups
            .iter()
            .zip(&self.inp.groups)
            .zip(people)
            .map(|((g, gp), p)| {
                p[st::WAITING] as i128 * admission_cost(gp, Admission::FullCourse) as i128
                    + g.unpaid_course_months as i128 * gp.reint_monthly as i128
            })
            .sum();
        total.min(Cents::MAX as i128) as Cents
    }

    /// Step 6: the security index `s(t)`; also returns the armed share.
    fn security(&self) -> (f64, f64) {
        let inp = self.inp;
        let armed: u64 = self.groups.iter().map(|g| g.a + g.rerecruited).sum();
        let armed_share = armed as f64 / inp.total_caseload.max(1) as f64;
        let ratio = if inp.ssr_requirement == 0 {
            1.0
        } else {
            (self.money.cum_ssr_institutional as f64
                / (inp.ssr_requirement as f64 * inp.horizon as f64))
                .min(1.0)
        };
        let s = (inp.s0 + (inp.s_max - inp.s0) * ratio - inp.kappa * armed_share).clamp(0.0, 1.0);
        (s, armed_share)
    }

    /// Idle people at the month end: waiting, dropped out, and the unpaid
    /// still in reinsertion.
    fn idle(people: &[[u64; 11]], unpaid_idle: u64) -> u64 {
        people
            .iter()
            .map(|p| p[st::WAITING] + p[st::DROPPED_OUT])
            .sum::<u64>()
            + unpaid_idle
    }

    /// Step 7: one draw for the first conflict relapse, with `idle` people
    /// idle ([`Run::idle`]).
    fn conflict(&mut self, t: u32, s: f64, armed_share: f64, idle: u64) {
        // Only the first relapse is recorded: no draw is needed after it
        // (streams are keyed, so skipping it shifts no other draw).
        if self.relapse_month.is_some() {
            return;
        }
        let inp = self.inp;
        let idle_share = idle as f64 / inp.total_caseload.max(1) as f64;
        let hazard = inp.lambda0
            * (inp.b_armed * armed_share + inp.b_idle * idle_share - inp.b_sec * (s - inp.s0))
                .exp();
        let u: f64 = self.streams.process(Purpose::Conflict, 0, t).random();
        if u < prob(hazard) {
            self.relapse_month = Some(t);
        }
    }

    /// Appeals, at the end of the month: when the reintegration gap exceeds
    /// the trigger and the cooldown has passed, a new reintegration pledge.
    fn appeal(&mut self, t: u32, rec: &MonthRecord) {
        let (Some(trigger), Some(ap)) = (self.inp.appeal_trigger, self.sc.appeal.as_ref()) else {
            return;
        };
        let gap = rec.gap(Component::ReintegrationContinuing as usize)
            + rec.gap(Component::ReintegrationNew as usize);
        let cooled = self.last_appeal.is_none_or(|m| t - m >= ap.cooldown);
        if gap <= trigger || !cooled {
            return;
        }
        let mut rng = self
            .streams
            .process(Purpose::Appeal, self.appeals as u64, 0);
        let share = ap.share.draw(&mut rng).clamp(0.0, 1.0);
        let delay = round_half_up(ap.delay.draw(&mut rng), 1, self.inp.horizon as u64 + 1) as u32;
        let need: i128 = self
            .groups
            .iter()
            .zip(&self.inp.groups)
            .map(|(g, gp)| g.waiting() as i128 * admission_cost(gp, self.pol.admission) as i128)
            .sum();
        let amount = ((need as f64) * share).round().min(MAX_CENTS as f64) as Cents;
        self.appeals += 1;
        self.last_appeal = Some(t);
        self.money
            .add_appeal(t, t + delay, amount, self.inp.horizon);
    }
}
