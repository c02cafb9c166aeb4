//! One replicate of one policy: the monthly loop of MODEL.md section 5, in
//! its exact order. Pure: inputs and streams in, a [`Trajectory`] out.

use super::draw::{binomial, prob, rr_then_competing};
use super::rng::{entity, Purpose, Streams};
use crate::model::inputs::{earmark_pool, Cents, Inputs};
use crate::model::record::{pool, src, st, GroupTally, MonthRecord, Trajectory};
use crate::scenario::{Admission, Category, Component, Earmark, KickstartMode, Scenario};
use rand::RngExt;

/// A tranche of voluntary money scheduled to arrive.
#[derive(Debug, Clone)]
struct Tranche {
    month: u32,
    pool: usize,
    amount: Cents,
    /// Counts toward the bridge's pledged-but-unreceived base.
    bridgeable: bool,
}

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
}

impl GroupState {
    fn people(&self) -> [u64; 11] {
        let mut p = [0; 11];
        p[st::ARMED] = self.a;
        p[st::IN_DD] = self.d.iter().sum();
        p[st::IN_REINSERTION] = self.s.iter().sum();
        p[st::WAITING] = self.w[..self.w_len].iter().sum();
        p[st::IN_REINTEGRATION] = self.r.iter().sum();
        p[st::REINTEGRATED] = self.reint;
        p[st::RERECRUITED] = self.rerecruited;
        p[st::DROPPED_OUT] = self.x;
        p[st::SELF_REINTEGRATED] = self.selfr;
        p[st::ABSORBED] = self.absorbed;
        p[st::LOST] = self.lost;
        p
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

/// A demand line: a group's places at a unit cost, or a lump (`group = None`).
struct Line {
    group: Option<usize>,
    /// Reinsertion stage for reinsertion lines.
    stage: usize,
    places: u64,
    unit: Cents,
}

/// Money state of a replicate.
struct Money {
    balances: [Cents; 9],
    outstanding: Cents,
    tranches: Vec<Tranche>,
    next_tranche: usize,
    /// Nominal amounts of bridgeable pledges, by pledge month (sorted).
    bridgeable_nominal: Vec<(u32, Cents)>,
    bridgeable_received: Cents,
    cum_ssr_institutional: Cents,
}

/// Cost of admitting one person to a course under an admission rule.
fn admission_cost(gp: &crate::model::inputs::GroupInputs, admission: Admission) -> Cents {
    match admission {
        Admission::FullCourse => gp.reint_startup + gp.reint_months as Cents * gp.reint_monthly,
        Admission::FirstMonth => gp.reint_startup + gp.reint_monthly,
    }
}

/// Simulates policy `policy` of the scenario on one replicate's inputs and streams.
pub fn simulate(sc: &Scenario, inp: &Inputs, policy: usize, streams: &Streams) -> Trajectory {
    let pol = &sc.policies[policy];
    let horizon = inp.horizon;
    let n_total = inp.total_caseload.max(1) as f64;
    let kick = pol.kickstart.as_ref();
    let in_window = |t: u32| kick.is_some_and(|k| t >= k.start && t < k.start + k.months);
    let kick_added = kick.is_some_and(|k| k.mode == KickstartMode::Added);
    let kick_amount = inp.kickstart_amount[policy];
    let bridge_cap = inp.bridge_cap[policy];

    // Pledge tranches under this policy's pledge shift.
    let mut tranches = Vec::new();
    let mut bridgeable_nominal = Vec::new();
    for pl in &inp.pledges {
        let month = (pl.month as i64 + pol.pledge_shift).clamp(1, horizon as i64) as u32;
        let pool_ix = match pl.earmark {
            Earmark::Pooled => pool::POOLED,
            Earmark::To(c) => earmark_pool(c),
        };
        let bridgeable = matches!(
            pl.earmark,
            Earmark::Pooled | Earmark::To(Category::Reintegration)
        );
        if bridgeable {
            bridgeable_nominal.push((month, pl.amount));
        }
        let n = pl.tranches as i64;
        let each = pl.paid / n;
        for i in 0..n {
            let arrive = month as i64 + pl.delay as i64 + i * pl.interval as i64;
            if arrive > horizon as i64 {
                continue;
            }
            let amount = if i == n - 1 {
                pl.paid - each * (n - 1)
            } else {
                each
            };
            tranches.push(Tranche {
                month: arrive as u32,
                pool: pool_ix,
                amount,
                bridgeable,
            });
        }
    }
    tranches.sort_by_key(|t| t.month); // stable: pledge order within a month
    bridgeable_nominal.sort_by_key(|p| p.0);
    let mut money = Money {
        balances: [0; 9],
        outstanding: 0,
        tranches,
        next_tranche: 0,
        bridgeable_nominal,
        bridgeable_received: 0,
        cum_ssr_institutional: 0,
    };

    let mut groups: Vec<GroupState> = inp
        .groups
        .iter()
        .map(|g| GroupState {
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
        })
        .collect();
    let mut tallies: Vec<GroupTally> = inp
        .groups
        .iter()
        .map(|_| GroupTally {
            wait_hist: vec![0; horizon + 1],
            ..GroupTally::default()
        })
        .collect();
    let mut months = Vec::with_capacity(horizon);
    let mut s_prev = inp.s0;
    let mut relapse_month = None;
    let mut last_appeal: Option<u32> = None;
    let mut appeals = 0u32;

    for t in 1..=horizon as u32 {
        let tu = t as usize;
        let mut rec = MonthRecord {
            people: Vec::new(),
            unpaid_reinsertion: 0,
            balances: [0; 9],
            bridge_outstanding: 0,
            received: [0; 5],
            bridge_repaid: 0,
            lapsed: 0,
            offset: 0,
            spent: [[0; 5]; 7],
            demand: [0; 7],
            security: 0.0,
            relapsed: relapse_month.is_some(),
        };

        // 1. Cash arrives.
        if inp.assessed_lapse[tu] {
            rec.lapsed += money.balances[pool::ASSESSED];
            money.balances[pool::ASSESSED] = 0;
        }
        money.balances[pool::ASSESSED] += inp.assessed_cash[tu];
        rec.received[src::ASSESSED] += inp.assessed_cash[tu];
        if kick_added && in_window(t) {
            let k = kick.expect("kick-start present when in window");
            let months = k.instalments as i64;
            let each = kick_amount / months;
            let cash = if t == k.start + k.instalments - 1 {
                kick_amount - each * (months - 1)
            } else {
                each
            };
            money.balances[pool::KICKSTART] += cash;
            rec.received[src::KICKSTART] += cash;
        }
        while money.next_tranche < money.tranches.len()
            && money.tranches[money.next_tranche].month == t
        {
            let tr = money.tranches[money.next_tranche].clone();
            money.next_tranche += 1;
            rec.received[src::VOLUNTARY] += tr.amount;
            let mut amount = tr.amount;
            if tr.bridgeable {
                money.bridgeable_received += tr.amount;
                let repay = amount.min(money.outstanding);
                money.outstanding -= repay;
                rec.bridge_repaid += repay;
                amount -= repay;
            }
            money.balances[tr.pool] += amount;
        }
        money.balances[pool::NATIONAL] += inp.national_cash[tu];
        rec.received[src::NATIONAL] += inp.national_cash[tu];

        // 2. Draws that do not depend on money.
        let insecurity = 1.0 - s_prev;
        let mut candidates = vec![0u64; groups.len()];
        let mut presenting = vec![0u64; groups.len()];
        for (gi, (g, gp)) in groups.iter_mut().zip(&inp.groups).enumerate() {
            let mut rng = streams.process(Purpose::Relapse, entity(gi, 0), t);
            let r1 = binomial(&mut rng, g.reint, prob(gp.h_relapse));
            let mut rng = streams.process(Purpose::Relapse, entity(gi, 1), t);
            let r2 = binomial(&mut rng, g.selfr, prob(gp.h_relapse_self));
            g.reint -= r1;
            g.selfr -= r2;
            g.rerecruited += r1 + r2;

            let sec = 1.0 + gp.beta_sec * insecurity;
            for k in 0..g.w_len {
                let n = g.w[k];
                if n == 0 {
                    continue;
                }
                let h_rr = gp.h_rr0 * (1.0 + gp.beta_wait * k.min(gp.wait_cap) as f64) * sec;
                let mut rng = streams.process(Purpose::Waiting, entity(gi, k), t);
                let (rr, sf, lo) = rr_then_competing(&mut rng, n, h_rr, gp.h_self, gp.h_lost);
                g.w[k] -= rr + sf + lo;
                g.rerecruited += rr;
                g.selfr += sf;
                g.lost += lo;
            }
            if g.x > 0 {
                let h_rr = gp.h_rr0 * (1.0 + gp.beta_wait * gp.wait_cap as f64) * sec;
                let mut rng = streams.process(Purpose::Waiting, entity(gi, u32::MAX as usize), t);
                let (rr, sf, lo) = rr_then_competing(&mut rng, g.x, h_rr, gp.h_self, gp.h_lost);
                g.x -= rr + sf + lo;
                g.rerecruited += rr;
                g.selfr += sf;
                g.lost += lo;
            }
            let last_dd = g.d[gp.dd_months - 1];
            let mut rng = streams.process(Purpose::Absorption, entity(gi, 0), t);
            candidates[gi] = binomial(&mut rng, last_dd, gp.absorb_share);
            let mut rng = streams.process(Purpose::Presenting, entity(gi, 0), t);
            presenting[gi] = binomial(&mut rng, g.a, gp.turnout[tu]);
        }

        // 3-4. Demand lines and allocation, components in priority order.
        let admission = pol.admission;
        let mut funded: Vec<Funded> = inp
            .groups
            .iter()
            .map(|g| Funded {
                reinsertion: vec![0; g.payments.len()],
                ..Funded::default()
            })
            .collect();
        let mut kick_paid: Cents = 0;
        for &comp in &pol.priority {
            let lines: Vec<Line> = match comp {
                Component::Overhead => vec![Line {
                    group: None,
                    stage: 0,
                    places: 1,
                    unit: inp.overhead,
                }],
                Component::SsrInstitutional => {
                    vec![Line {
                        group: None,
                        stage: 0,
                        places: 1,
                        unit: inp.ssr_requirement,
                    }]
                }
                Component::Dd => (0..groups.len())
                    .map(|gi| Line {
                        group: Some(gi),
                        stage: 0,
                        places: presenting[gi].min(inp.groups[gi].site_capacity[tu]),
                        unit: inp.groups[gi].dd_cost,
                    })
                    .collect(),
                Component::Reinsertion => {
                    let mut v = Vec::new();
                    for (gi, g) in groups.iter().enumerate() {
                        for (j, &pay) in inp.groups[gi].payments.iter().enumerate() {
                            if pay > 0 && g.s[j] > 0 {
                                v.push(Line {
                                    group: Some(gi),
                                    stage: j,
                                    places: g.s[j],
                                    unit: pay,
                                });
                            }
                        }
                    }
                    v
                }
                Component::ReintegrationContinuing => {
                    if admission == Admission::FirstMonth {
                        (0..groups.len())
                            .map(|gi| {
                                let d = inp.groups[gi].reint_months;
                                Line {
                                    group: Some(gi),
                                    stage: 0,
                                    places: groups[gi].r[..d - 1].iter().sum(),
                                    unit: inp.groups[gi].reint_monthly,
                                }
                            })
                            .collect()
                    } else {
                        Vec::new()
                    }
                }
                Component::ReintegrationNew => (0..groups.len())
                    .map(|gi| {
                        let gp = &inp.groups[gi];
                        let waiting: u64 = groups[gi].w[..groups[gi].w_len].iter().sum();
                        let unit = admission_cost(gp, admission);
                        Line {
                            group: Some(gi),
                            stage: 0,
                            places: waiting.min(gp.intake_capacity[tu]),
                            unit,
                        }
                    })
                    .collect(),
                Component::SsrAbsorption => (0..groups.len())
                    .map(|gi| Line {
                        group: Some(gi),
                        stage: 0,
                        places: candidates[gi].min(inp.groups[gi].absorb_capacity[tu]),
                        unit: inp.groups[gi].absorb_cost,
                    })
                    .collect(),
            };
            let ci = comp as usize;
            let cat = comp.category();
            let demand: i128 = lines
                .iter()
                .map(|l| l.places as i128 * l.unit as i128)
                .sum();
            rec.demand[ci] = demand as Cents;
            // Eligible pools, in the order money is taken.
            let reint = cat == Category::Reintegration;
            let mut order: [Option<usize>; 5] = [None; 5];
            if reint && kick_added {
                order[0] = Some(pool::KICKSTART);
            }
            let reallocated =
                reint && in_window(t) && kick.is_some_and(|k| k.mode == KickstartMode::Reallocated);
            if inp.assessed_eligible.contains(cat) || reallocated {
                order[1] = Some(pool::ASSESSED);
            }
            order[2] = Some(earmark_pool(cat));
            if inp.national_eligible.contains(cat) {
                order[3] = Some(pool::NATIONAL);
            }
            order[4] = Some(pool::POOLED);
            let headroom = match bridge_cap {
                Some(cap) if reint => {
                    let nominal: Cents = money
                        .bridgeable_nominal
                        .iter()
                        .take_while(|p| p.0 <= t)
                        .map(|p| p.1)
                        .sum();
                    let p = (nominal - money.bridgeable_received).max(0);
                    (cap.min(p) - money.outstanding).max(0)
                }
                _ => 0,
            };
            let available: i128 = order
                .iter()
                .flatten()
                .map(|&p| money.balances[p] as i128)
                .sum::<i128>()
                + headroom as i128;
            let budget = available.min(demand);
            let mut cost: i128 = 0;
            if demand > 0 {
                for l in &lines {
                    let line_demand = l.places as i128 * l.unit as i128;
                    if l.group.is_none() {
                        cost += budget * line_demand / demand;
                        continue;
                    }
                    let places = if l.unit == 0 {
                        l.places
                    } else {
                        (budget * line_demand / (demand * l.unit as i128)) as u64
                    };
                    cost += places as i128 * l.unit as i128;
                    let f = &mut funded[l.group.unwrap_or(0)];
                    match comp {
                        Component::Dd => f.dd = places,
                        Component::Reinsertion => f.reinsertion[l.stage] = places,
                        Component::ReintegrationContinuing => f.continuing = places,
                        Component::ReintegrationNew => f.new = places,
                        Component::SsrAbsorption => f.absorption = places,
                        Component::Overhead | Component::SsrInstitutional => {}
                    }
                }
            }
            // Take the cost from the pools in order, then the bridge.
            let mut due = cost as Cents;
            for p in order.iter().flatten() {
                let take = due.min(money.balances[*p]);
                money.balances[*p] -= take;
                due -= take;
                let source = match *p {
                    pool::KICKSTART => src::KICKSTART,
                    pool::ASSESSED => src::ASSESSED,
                    pool::NATIONAL => src::NATIONAL,
                    _ => src::VOLUNTARY,
                };
                rec.spent[ci][source] += take;
                if (*p == pool::KICKSTART) || (*p == pool::ASSESSED && reallocated && !kick_added) {
                    kick_paid += take;
                }
            }
            if due > 0 {
                // Only reachable with bridge headroom: budget <= available.
                money.outstanding += due;
                rec.received[src::BRIDGE] += due;
                rec.spent[ci][src::BRIDGE] += due;
            }
            if comp == Component::SsrInstitutional {
                money.cum_ssr_institutional += cost as Cents;
            }
        }
        // Kick-start window end: unspent kick-start money lapses.
        if let Some(k) = kick {
            if kick_added && t == k.start + k.months - 1 {
                rec.lapsed += money.balances[pool::KICKSTART];
                money.balances[pool::KICKSTART] = 0;
            }
            if k.offset_voluntary && kick_paid > 0 {
                let mut left = kick_paid;
                for tr in money.tranches[money.next_tranche..].iter_mut() {
                    if left == 0 {
                        break;
                    }
                    if tr.bridgeable && tr.month > t {
                        let cut = left.min(tr.amount);
                        tr.amount -= cut;
                        left -= cut;
                        rec.offset += cut;
                    }
                }
            }
        }

        // 5. Transitions that depend on money, end of pipeline first.
        let h_rr_wait0 =
            |gp: &crate::model::inputs::GroupInputs| gp.h_rr0 * (1.0 + gp.beta_sec * insecurity);
        let mut unpaid_total = 0u64;
        // Unpaid people still in reinsertion at the end of the month (idle, step 7).
        let mut unpaid_idle = 0u64;
        for (gi, (g, gp)) in groups.iter_mut().zip(&inp.groups).enumerate() {
            let f = &funded[gi];
            let tally = &mut tallies[gi];
            // 5.1 Courses.
            let d = gp.reint_months;
            let p_rr = prob(gp.h_rr_programme);
            let mut new_r = vec![0u64; d];
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
                    let mut rng = streams.process(Purpose::Course, entity(gi, 2 * j), t);
                    let rr = binomial(&mut rng, n, p_rr);
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
            }
            // 5.2 New starts: longest-waiting first.
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
            for k in (1..top).rev() {
                g.w[k] = g.w[k - 1];
            }
            g.w[0] = 0;
            g.w_len = top;
            // 5.3 Reinsertion.
            let r = gp.payments.len();
            let p_unpaid = prob(h_rr_wait0(gp) * gp.m_unpaid);
            let mut to_wait = 0;
            for j in (0..r).rev() {
                let n = g.s[j];
                g.s[j] = 0;
                if n == 0 {
                    continue;
                }
                let paid = if gp.payments[j] > 0 {
                    f.reinsertion[j].min(n)
                } else {
                    n
                };
                let unpaid = n - paid;
                unpaid_total += unpaid;
                let mut rng = streams.process(Purpose::Reinsertion, entity(gi, 2 * j), t);
                let rr_p = binomial(&mut rng, paid, p_rr);
                let mut rng = streams.process(Purpose::Reinsertion, entity(gi, 2 * j + 1), t);
                let rr_u = binomial(&mut rng, unpaid, p_unpaid);
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
            // 5.4 D&D completes.
            let dd = gp.dd_months;
            let done = g.d[dd - 1];
            let absorbed = f.absorption.min(done);
            g.absorbed += absorbed;
            g.s[0] += done - absorbed;
            for j in (1..dd).rev() {
                g.d[j] = g.d[j - 1];
            }
            g.d[0] = 0;
            // 5.5 Admissions.
            let admitted = f.dd.min(g.a);
            g.a -= admitted;
            g.d[0] += admitted;
            tally.disarmed += admitted;
            tally.turned_away += presenting[gi] - admitted;
        }
        rec.unpaid_reinsertion = unpaid_total;

        // 6. Security index.
        let armed: u64 = groups.iter().map(|g| g.a + g.rerecruited).sum();
        let armed_share = armed as f64 / n_total;
        let ratio = if inp.ssr_requirement == 0 {
            1.0
        } else {
            (money.cum_ssr_institutional as f64 / (inp.ssr_requirement as f64 * horizon as f64))
                .min(1.0)
        };
        let s = (inp.s0 + (inp.s_max - inp.s0) * ratio - inp.kappa * armed_share).clamp(0.0, 1.0);

        // 7. Conflict relapse.
        let idle: u64 = groups
            .iter()
            .map(|g| g.w[..g.w_len].iter().sum::<u64>() + g.x)
            .sum::<u64>()
            + unpaid_idle;
        let idle_share = idle as f64 / n_total;
        let hazard = inp.lambda0
            * (inp.b_armed * armed_share + inp.b_idle * idle_share - inp.b_sec * (s - inp.s0))
                .exp();
        let u: f64 = streams.process(Purpose::Conflict, 0, t).random();
        if relapse_month.is_none() && u < prob(hazard) {
            relapse_month = Some(t);
        }

        // Appeals, at the end of the month.
        if let (Some(trigger), Some(ap)) = (inp.appeal_trigger, sc.appeal.as_ref()) {
            let gap = rec.demand[Component::ReintegrationContinuing as usize]
                + rec.demand[Component::ReintegrationNew as usize]
                - rec.spent[Component::ReintegrationContinuing as usize]
                    .iter()
                    .sum::<Cents>()
                - rec.spent[Component::ReintegrationNew as usize]
                    .iter()
                    .sum::<Cents>();
            let cooled = last_appeal.is_none_or(|m| t - m >= ap.cooldown);
            if gap > trigger && cooled {
                let mut rng = streams.process(Purpose::Appeal, appeals as u64, 0);
                let share = match ap.share.dist() {
                    None => ap.share.central(),
                    Some(dist) => dist.sample(&mut rng),
                }
                .clamp(0.0, 1.0);
                let delay = match ap.delay.dist() {
                    None => ap.delay.central(),
                    Some(dist) => dist.sample(&mut rng),
                };
                let delay =
                    crate::model::inputs::round_half_up(delay, 1, horizon as u64 + 1) as u32;
                let need: i128 = groups
                    .iter()
                    .zip(&inp.groups)
                    .map(|(g, gp)| {
                        let unit = admission_cost(gp, pol.admission);
                        g.w[..g.w_len].iter().sum::<u64>() as i128 * unit as i128
                    })
                    .sum();
                let amount = ((need as f64) * share)
                    .round()
                    .min(crate::model::inputs::MAX_CENTS as f64)
                    as Cents;
                appeals += 1;
                last_appeal = Some(t);
                money.bridgeable_nominal.push((t, amount));
                let arrive = t + delay;
                if arrive as usize <= horizon && amount > 0 {
                    let pos = money.tranches[money.next_tranche..]
                        .iter()
                        .position(|tr| tr.month > arrive)
                        .map_or(money.tranches.len(), |p| p + money.next_tranche);
                    money.tranches.insert(
                        pos,
                        Tranche {
                            month: arrive,
                            pool: earmark_pool(Category::Reintegration),
                            amount,
                            bridgeable: true,
                        },
                    );
                }
            }
        }

        // 8. Record.
        rec.people = groups.iter().map(GroupState::people).collect();
        rec.balances = money.balances;
        rec.bridge_outstanding = money.outstanding;
        rec.security = s;
        rec.relapsed = relapse_month.is_some();
        months.push(rec);
        s_prev = s;
    }
    Trajectory {
        months,
        tallies,
        relapse_month,
        appeals,
    }
}
