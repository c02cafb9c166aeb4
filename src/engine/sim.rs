//! One replicate of one policy: the monthly loop of MODEL.md section 5, in
//! its exact order, one method per step. Pure: inputs and streams in, a
//! [`Trajectory`] out. Money lives in [`super::money`], the sharing of a
//! component's budget among its lines in [`super::allocate`].

use super::allocate::{self, Line};
use super::draw::{binomial, prob, rr_then_competing};
use super::money::Money;
use super::rng::{entity, Purpose, StreamRng, Streams};
use crate::model::inputs::{earmark_pool, round_half_up, Cents, GroupInputs, Inputs, MAX_CENTS};
use crate::model::record::{pool, src, st, GroupTally, MonthRecord, Trajectory};
use crate::scenario::{Admission, Category, Component, Kickstart, KickstartMode, Policy, Scenario};
use rand::RngExt;

/// People of one group by stage.
#[derive(Debug, Clone)]
struct GroupState {
    a: u64,
    d: Vec<u64>,
    s: Vec<u64>,
    /// `w[k]`: waiting with k whole months waited.
    w: Vec<u64>,
    /// One past the highest possibly non-empty waiting bin.
    w_len: usize,
    r: Vec<u64>,
    x: u64,
    reint: u64,
    selfr: u64,
    absorbed: u64,
    rerecruited: u64,
    lost: u64,
    /// Remaining course months of people whose course month was not paid
    /// this month (set by the course transitions; for the backlog).
    unpaid_course_months: u64,
}

impl GroupState {
    fn new(g: &GroupInputs, horizon: usize) -> Self {
        GroupState {
            a: g.caseload,
            d: vec![0; g.dd_months],
            s: vec![0; g.payments.len()],
            w: vec![0; horizon + 2],
            w_len: 0,
            r: vec![0; g.reint_months],
            x: 0,
            reint: 0,
            selfr: 0,
            absorbed: 0,
            rerecruited: 0,
            lost: 0,
            unpaid_course_months: 0,
        }
    }

    /// People waiting for a reintegration place.
    fn waiting(&self) -> u64 {
        self.w[..self.w_len].iter().sum()
    }

    fn people(&self) -> [u64; 11] {
        let mut p = [0; 11];
        p[st::ARMED] = self.a;
        p[st::IN_DD] = self.d.iter().sum();
        p[st::IN_REINSERTION] = self.s.iter().sum();
        p[st::WAITING] = self.waiting();
        p[st::IN_REINTEGRATION] = self.r.iter().sum();
        p[st::REINTEGRATED] = self.reint;
        p[st::RERECRUITED] = self.rerecruited;
        p[st::DROPPED_OUT] = self.x;
        p[st::SELF_REINTEGRATED] = self.selfr;
        p[st::ABSORBED] = self.absorbed;
        p[st::LOST] = self.lost;
        p
    }

    /// Exits of `n` idle people (waiting or dropped out): re-recruitment at
    /// `h_rr` first, then self-reintegration and loss competing. Returns how
    /// many left.
    fn idle_exits(&mut self, rng: &mut StreamRng, n: u64, h_rr: f64, gp: &GroupInputs) -> u64 {
        let (rr, sf, lo) = rr_then_competing(rng, n, h_rr, gp.h_self, gp.h_lost);
        self.rerecruited += rr;
        self.selfr += sf;
        self.lost += lo;
        rr + sf + lo
    }
}

/// Funded places per group decided by this month's allocation.
#[derive(Debug, Clone, Default)]
struct Funded {
    dd: u64,
    reinsertion: Vec<u64>,
    continuing: u64,
    new: u64,
    absorption: u64,
}

/// Full-course cost of one person (start-up + d x monthly), whatever the admission rule.
fn full_course_cost(gp: &GroupInputs) -> i128 {
    gp.reint_startup as i128 + gp.reint_months as i128 * gp.reint_monthly as i128
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
    tallies: Vec<GroupTally>,
    /// Security index of the previous month, `s(t-1)`.
    s_prev: f64,
    relapse_month: Option<u32>,
    last_appeal: Option<u32>,
    appeals: u32,
}

/// Draws of step 2 that the allocation needs.
struct Drawn {
    candidates: Vec<u64>,
    presenting: Vec<u64>,
}

/// Simulates policy `policy` of the scenario on one replicate's inputs and streams.
pub fn simulate(sc: &Scenario, inp: &Inputs, policy: usize, streams: &Streams) -> Trajectory {
    let pol = &sc.policies[policy];
    let horizon = inp.horizon;
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
    };
    let months = (1..=horizon as u32).map(|t| run.month(t)).collect();
    Trajectory {
        months,
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

    /// One month, steps 1 to 8.
    fn month(&mut self, t: u32) -> MonthRecord {
        let mut rec = MonthRecord {
            people: Vec::new(),
            unpaid_reinsertion: 0,
            balances: [0; 9],
            bridge_outstanding: 0,
            received: [0; 5],
            bridge_repaid: 0,
            lapsed: 0,
            offset: 0,
            offset_shortfall: 0,
            offset_advance: 0,
            backlog: 0,
            spent: [[0; 5]; 7],
            demand: [0; 7],
            security: 0.0,
            relapsed: false,
        };
        self.cash_arrives(t, &mut rec);
        let drawn = self.draw_unfunded(t);
        let funded = self.allocate(t, &drawn, &mut rec);
        let unpaid_idle = self.transitions(t, &drawn, &funded, &mut rec);
        let (s, armed_share) = self.security();
        self.conflict(t, s, armed_share, unpaid_idle);
        self.appeal(t, &rec);
        rec.people = self.groups.iter().map(GroupState::people).collect();
        rec.backlog = self.backlog();
        rec.balances = self.money.balances;
        rec.bridge_outstanding = self.money.outstanding;
        rec.security = s;
        rec.relapsed = self.relapse_month.is_some();
        self.s_prev = s;
        rec
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

    /// Step 2: relapse, exits from waiting and drop-out, absorption candidates, presenting.
    fn draw_unfunded(&mut self, t: u32) -> Drawn {
        let streams = self.streams;
        let insecurity = 1.0 - self.s_prev;
        let n = self.groups.len();
        let mut drawn = Drawn {
            candidates: vec![0; n],
            presenting: vec![0; n],
        };
        for (gi, (g, gp)) in self.groups.iter_mut().zip(&self.inp.groups).enumerate() {
            let r1 = binomial(
                &mut streams.process(Purpose::Relapse, entity(gi, 0), t),
                g.reint,
                prob(gp.h_relapse),
            );
            let r2 = binomial(
                &mut streams.process(Purpose::Relapse, entity(gi, 1), t),
                g.selfr,
                prob(gp.h_relapse_self),
            );
            g.reint -= r1;
            g.selfr -= r2;
            g.rerecruited += r1 + r2;

            let sec = 1.0 + gp.beta_sec * insecurity;
            let h_rr = |k: usize| gp.h_rr0 * (1.0 + gp.beta_wait * k.min(gp.wait_cap) as f64) * sec;
            for k in 0..g.w_len {
                let n = g.w[k];
                if n > 0 {
                    let mut rng = streams.process(Purpose::Waiting, entity(gi, k), t);
                    g.w[k] -= g.idle_exits(&mut rng, n, h_rr(k), gp);
                }
            }
            if g.x > 0 {
                let mut rng = streams.process(Purpose::Waiting, entity(gi, u32::MAX as usize), t);
                let x = g.x;
                g.x -= g.idle_exits(&mut rng, x, h_rr(gp.wait_cap), gp);
            }
            let last_dd = g.d[gp.dd_months - 1];
            drawn.candidates[gi] = binomial(
                &mut streams.process(Purpose::Absorption, entity(gi, 0), t),
                last_dd,
                gp.absorb_share,
            );
            drawn.presenting[gi] = binomial(
                &mut streams.process(Purpose::Presenting, entity(gi, 0), t),
                g.a,
                gp.turnout[t as usize],
            );
        }
        drawn
    }

    /// Step 3: the demand lines of one component.
    fn lines(&self, comp: Component, t: u32, drawn: &Drawn) -> Vec<Line> {
        let tu = t as usize;
        let per_group = |f: &dyn Fn(usize, &GroupState, &GroupInputs) -> Line| -> Vec<Line> {
            self.groups
                .iter()
                .zip(&self.inp.groups)
                .enumerate()
                .map(|(gi, (g, gp))| f(gi, g, gp))
                .collect()
        };
        let admission = self.pol.admission;
        match comp {
            Component::Overhead => vec![Line::lump(self.inp.overhead)],
            Component::SsrInstitutional => vec![Line::lump(self.inp.ssr_requirement)],
            Component::Dd => per_group(&|gi, _, gp| {
                Line::places(
                    gi,
                    0,
                    drawn.presenting[gi].min(gp.site_capacity[tu]),
                    gp.dd_cost,
                )
            }),
            Component::Reinsertion => {
                let mut v = Vec::new();
                for (gi, (g, gp)) in self.groups.iter().zip(&self.inp.groups).enumerate() {
                    for (j, &pay) in gp.payments.iter().enumerate() {
                        if pay > 0 && g.s[j] > 0 {
                            v.push(Line::places(gi, j, g.s[j], pay));
                        }
                    }
                }
                v
            }
            Component::ReintegrationContinuing if admission == Admission::FirstMonth => {
                per_group(&|gi, g, gp| {
                    Line::places(
                        gi,
                        0,
                        g.r[..gp.reint_months - 1].iter().sum(),
                        gp.reint_monthly,
                    )
                })
            }
            Component::ReintegrationContinuing => Vec::new(),
            Component::ReintegrationNew => per_group(&|gi, g, gp| {
                Line::places(
                    gi,
                    0,
                    g.waiting().min(gp.intake_capacity[tu]),
                    admission_cost(gp, admission),
                )
            }),
            Component::SsrAbsorption => per_group(&|gi, _, gp| {
                Line::places(
                    gi,
                    0,
                    drawn.candidates[gi].min(gp.absorb_capacity[tu]),
                    gp.absorb_cost,
                )
            }),
        }
    }

    /// Step 4: components in priority order, each funded from its eligible
    /// pools; then the kick-start's lapse and offset.
    fn allocate(&mut self, t: u32, drawn: &Drawn, rec: &mut MonthRecord) -> Vec<Funded> {
        let mut funded: Vec<Funded> = self
            .inp
            .groups
            .iter()
            .map(|g| Funded {
                reinsertion: vec![0; g.payments.len()],
                ..Funded::default()
            })
            .collect();
        let kick_added = self.kick_added();
        let mut kick_paid: Cents = 0;
        for &comp in &self.pol.priority {
            let lines = self.lines(comp, t, drawn);
            let ci = comp as usize;
            let cat = comp.category();
            rec.demand[ci] = allocate::demand(&lines) as Cents;
            // Eligible pools, in the order money is taken.
            let reint = cat == Category::Reintegration;
            let reallocated = reint
                && self.in_window(t)
                && self
                    .kick()
                    .is_some_and(|k| k.mode == KickstartMode::Reallocated);
            let order = [
                (reint && kick_added).then_some(pool::KICKSTART),
                (self.inp.assessed_eligible.contains(cat) || reallocated).then_some(pool::ASSESSED),
                Some(earmark_pool(cat)),
                self.inp
                    .national_eligible
                    .contains(cat)
                    .then_some(pool::NATIONAL),
                Some(pool::POOLED),
            ];
            let headroom = match self.bridge_cap {
                Some(cap) if reint => self.money.bridge_headroom(cap, t),
                _ => 0,
            };
            let available: i128 = order
                .iter()
                .flatten()
                .map(|&p| self.money.balances[p] as i128)
                .sum::<i128>()
                + headroom as i128;
            let (cost, places) = allocate::fund(&lines, available);
            for (l, &n) in lines.iter().zip(&places) {
                let Some(gi) = l.group else { continue };
                let f = &mut funded[gi];
                match comp {
                    Component::Dd => f.dd = n,
                    Component::Reinsertion => f.reinsertion[l.stage] = n,
                    Component::ReintegrationContinuing => f.continuing = n,
                    Component::ReintegrationNew => f.new = n,
                    Component::SsrAbsorption => f.absorption = n,
                    Component::Overhead | Component::SsrInstitutional => {}
                }
            }
            let taken = self.money.pay(&order, cost, ci, rec);
            kick_paid += taken[pool::KICKSTART];
            if reallocated && !kick_added {
                kick_paid += taken[pool::ASSESSED];
            }
            if comp == Component::SsrInstitutional {
                self.money.cum_ssr_institutional += cost;
            }
        }
        if let Some(k) = self.kick() {
            // Kick-start window end: unspent kick-start money lapses.
            if kick_added && t == k.start + k.months - 1 {
                self.money.lapse(pool::KICKSTART, rec);
            }
            if k.offset_voluntary && kick_paid > 0 {
                self.money.offset_future(t, kick_paid, rec);
            }
        }
        funded
    }

    /// Step 5: transitions that depend on money, end of the pipeline first.
    /// Returns the unpaid people still in reinsertion (idle, step 7).
    fn transitions(
        &mut self,
        t: u32,
        drawn: &Drawn,
        funded: &[Funded],
        rec: &mut MonthRecord,
    ) -> u64 {
        let streams = self.streams;
        let admission = self.pol.admission;
        let insecurity = 1.0 - self.s_prev;
        let mut unpaid_idle = 0;
        for (gi, (g, gp)) in self.groups.iter_mut().zip(&self.inp.groups).enumerate() {
            let f = &funded[gi];
            let tally = &mut self.tallies[gi];
            // 5.1 Courses.
            let d = gp.reint_months;
            let p_rr = prob(gp.h_rr_programme);
            let mut new_r = vec![0u64; d];
            g.unpaid_course_months = 0;
            let mut funded_left = match admission {
                Admission::FullCourse => u64::MAX,
                Admission::FirstMonth => f.continuing,
            };
            for j in (0..d).rev() {
                let n = g.r[j];
                if n == 0 {
                    continue;
                }
                if j == d - 1 {
                    let rr = binomial(
                        &mut streams.process(Purpose::Course, entity(gi, 2 * j), t),
                        n,
                        p_rr,
                    );
                    g.rerecruited += rr;
                    g.reint += n - rr;
                    tally.completed += n - rr;
                    continue;
                }
                let paid = n.min(funded_left);
                funded_left -= paid;
                let unpaid = n - paid;
                tally.interrupted_months += unpaid;
                let mut rng = streams.process(Purpose::Course, entity(gi, 2 * j), t);
                let (rr_p, drop_p, _) =
                    rr_then_competing(&mut rng, paid, gp.h_rr_programme, gp.h_drop, 0.0);
                let mut rng = streams.process(Purpose::Course, entity(gi, 2 * j + 1), t);
                let (rr_u, drop_u, _) = rr_then_competing(
                    &mut rng,
                    unpaid,
                    gp.h_rr_programme,
                    gp.h_drop_interrupted,
                    0.0,
                );
                g.rerecruited += rr_p + rr_u;
                g.x += drop_p + drop_u;
                tally.dropouts += drop_p + drop_u;
                new_r[j + 1] += paid - rr_p - drop_p;
                new_r[j] += unpaid - rr_u - drop_u;
                // Stage j (0-based) has j + 1 months done: d - j - 1 remain.
                g.unpaid_course_months += (unpaid - rr_u - drop_u) * (d - j - 1) as u64;
            }
            // 5.2 New starts: longest-waiting first; the rest wait one more month.
            let mut starts = f.new;
            for k in (0..g.w_len).rev() {
                if starts == 0 {
                    break;
                }
                let take = g.w[k].min(starts);
                g.w[k] -= take;
                starts -= take;
                tally.wait_hist[k] += take;
                new_r[0] += take;
            }
            g.r = new_r;
            let top = (g.w_len + 1).min(g.w.len());
            g.w.copy_within(0..top - 1, 1);
            g.w[0] = 0;
            g.w_len = top;
            // 5.3 Reinsertion: unpaid people face the waiting hazard times m_unpaid.
            let r = gp.payments.len();
            let p_unpaid = prob(gp.h_rr0 * (1.0 + gp.beta_sec * insecurity) * gp.m_unpaid);
            let mut to_wait = 0;
            for j in (0..r).rev() {
                let n = std::mem::take(&mut g.s[j]);
                if n == 0 {
                    continue;
                }
                let paid = if gp.payments[j] > 0 {
                    f.reinsertion[j].min(n)
                } else {
                    n
                };
                let unpaid = n - paid;
                rec.unpaid_reinsertion += unpaid;
                let rr_p = binomial(
                    &mut streams.process(Purpose::Reinsertion, entity(gi, 2 * j), t),
                    paid,
                    p_rr,
                );
                let rr_u = binomial(
                    &mut streams.process(Purpose::Reinsertion, entity(gi, 2 * j + 1), t),
                    unpaid,
                    p_unpaid,
                );
                g.rerecruited += rr_p + rr_u;
                let survivors = n - rr_p - rr_u;
                if j + 1 < r {
                    g.s[j + 1] += survivors;
                    unpaid_idle += unpaid - rr_u;
                } else {
                    to_wait += survivors;
                }
            }
            g.w[0] += to_wait;
            if to_wait > 0 && g.w_len == 0 {
                g.w_len = 1;
            }
            // 5.4 D&D completes: funded absorption places, the rest to reinsertion.
            let dd = gp.dd_months;
            let done = g.d[dd - 1];
            let absorbed = f.absorption.min(done);
            g.absorbed += absorbed;
            g.s[0] += done - absorbed;
            g.d.copy_within(0..dd - 1, 1);
            g.d[0] = 0;
            // 5.5 Admissions; presenting but not admitted are turned away.
            let admitted = f.dd.min(g.a);
            g.a -= admitted;
            g.d[0] += admitted;
            tally.disarmed += admitted;
            tally.turned_away += drawn.presenting[gi] - admitted;
        }
        unpaid_idle
    }

    /// Unfunded backlog at the month end (MODEL.md section 8), in cents.
    fn backlog(&self) -> Cents {
        let total: i128 = self
            .groups
            .iter()
            .zip(&self.inp.groups)
            .map(|(g, gp)| {
                g.waiting() as i128 * full_course_cost(gp)
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

    /// Step 7: one draw for the first conflict relapse.
    fn conflict(&mut self, t: u32, s: f64, armed_share: f64, unpaid_idle: u64) {
        let inp = self.inp;
        let idle: u64 = self.groups.iter().map(|g| g.waiting() + g.x).sum::<u64>() + unpaid_idle;
        let idle_share = idle as f64 / inp.total_caseload.max(1) as f64;
        let hazard = inp.lambda0
            * (inp.b_armed * armed_share + inp.b_idle * idle_share - inp.b_sec * (s - inp.s0))
                .exp();
        let u: f64 = self.streams.process(Purpose::Conflict, 0, t).random();
        if self.relapse_month.is_none() && u < prob(hazard) {
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
