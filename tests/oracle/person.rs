//! The individual-level oracle: MODEL.md sections 2-7 written person by
//! person, one uniform draw per person per risk per month, from its own
//! generator (not the engine's keyed streams). Written from MODEL.md, not
//! from src/engine/sim.rs.
//!
//! Only the concrete per-replicate inputs ([`Inputs`]: caseloads, schedules,
//! costs in cents, hazards, assessed cash per month, drawn pledges, kick-start
//! amounts, bridge caps) are shared with the engine, so parameter draws match
//! and only the process randomness differs.
//!
//! Interpretations of places where MODEL.md leaves a choice open (each is
//! marked `INTERPRETATION` below):
//! - A place line whose unit cost is 0 funds all its places (the formula
//!   `floor(B * D_line / D / unit)` divides by 0).
//! - Within one stage (same group, same state, same `j` or `k`) people are
//!   exchangeable, so which of them get the funded places is arbitrary; the
//!   oracle uses person order.
//! - Tranches of the same month are taken in pledge order (file order, then
//!   appeals in launch order); this only matters for which pool keeps the
//!   remainder after bridge repayment.
//! - The bridge base `P` counts every tranche's full amount as "received"
//!   (including the part that repays advances); a pledge's nominal amount
//!   counts from its (shifted) pledge month even if its tranches fall after
//!   `T`.
//! - `offset_voluntary` deducts only from tranches that will still arrive
//!   within the horizon (month > t and <= T), earliest month first, pledge
//!   order within a month. "What the kick-start paid" is the spending from the
//!   kick-start pool (`added`) or, for `reallocated`, the assessed money spent
//!   on reintegration inside the window (as docs/model.md words it).
//! - An `added` kick-start amount is split into equal instalments (the last
//!   takes the cent remainder) over the window as written; when the window
//!   is cut at `T` the instalments after `T` never arrive (docs/model.md).
//! - A set of competing exits uses one uniform per person: with total
//!   probability `P = 1 - exp(-sum h)`, `u < P h_1 / sum h` gives exit 1,
//!   `u < P` exit 2 (re-recruitment always has its own draw first).
//! - `s(t)` with `ssr_monthly_requirement = 0`: the ratio
//!   `spend / (requirement x T)` is taken as 1 (nothing required = fully met).
//! - `idle_share = (W + X + unpaid S) / N` is counted at the end of the
//!   month, person by person: people in `W` or `X`, plus people still in `S`
//!   whose payment this month was due and not paid. An unpaid person who
//!   moved from `S[r]` to `W[0]` is counted once (as `W`); an unpaid person
//!   who was re-recruited is not idle (they are armed).
//! - Appeals: "no appeal launched in the last `cooldown` months" = the last
//!   appeal month `m` satisfies `t - m >= cooldown`; the appeal delay is
//!   rounded half up and at least 1 (cash of month `t` has already arrived
//!   when the appeal is launched at its end); "that group's admission cost" is
//!   the admission cost of section 5 step 3 under the policy's admission
//!   rule.

use ddrsim::model::inputs::{Cents, Inputs};
use ddrsim::model::record::st;
use ddrsim::scenario::{Admission, Category, Component, Earmark, KickstartMode, Param, Scenario};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Where a person is (MODEL.md section 2). Stages are 1-based as in the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum St {
    /// Armed.
    A,
    /// In D&D, month j.
    D(usize),
    /// In reinsertion, month j.
    S(usize),
    /// Waiting, k whole months waited.
    W(usize),
    /// In a course, j months of d done.
    R(usize),
    /// Dropped out.
    X,
    /// Completed, reintegrated.
    Reint,
    /// Self-reintegrated.
    SelfR,
    /// Absorbed through SSR.
    Absorbed,
    /// Re-recruited.
    Rerecruited,
    /// Lost.
    Lost,
}

impl St {
    /// Column in the engine's `STATES` order.
    pub fn slot(self) -> usize {
        match self {
            St::A => st::ARMED,
            St::D(_) => st::IN_DD,
            St::S(_) => st::IN_REINSERTION,
            St::W(_) => st::WAITING,
            St::R(_) => st::IN_REINTEGRATION,
            St::X => st::DROPPED_OUT,
            St::Reint => st::REINTEGRATED,
            St::SelfR => st::SELF_REINTEGRATED,
            St::Absorbed => st::ABSORBED,
            St::Rerecruited => st::RERECRUITED,
            St::Lost => st::LOST,
        }
    }
}

#[derive(Clone, Debug)]
struct Person {
    g: usize,
    st: St,
    /// Drawn in step 2.4 this month.
    presenting: bool,
    /// Drawn in step 2.3 this month.
    candidate: bool,
    /// Payment due and not paid this month (step 5.3), still in `S`.
    unpaid_in_s: bool,
}

/// Everything the oracle reports for one replicate of one policy.
#[derive(Clone, Debug, Default)]
pub struct OracleResult {
    /// People by month (index t-1), group and state (`STATES` order).
    pub people: Vec<Vec<[u64; 11]>>,
    /// Admitted to D&D, per group.
    pub disarmed: Vec<u64>,
    /// Presenting but not admitted (person-events), per group.
    pub turned_away: Vec<u64>,
    /// Completed a course, per group.
    pub completed: Vec<u64>,
    /// Dropped out of a course, per group.
    pub dropouts: Vec<u64>,
    /// Person-months in an unpaid course month, per group.
    pub interrupted_months: Vec<u64>,
    /// `wait_hist[g][k]`: people admitted to a course after k months waited.
    pub wait_hist: Vec<Vec<u64>>,
    /// Spending over the run by component (`Component::ALL` order).
    pub spent: [Cents; 7],
    /// Demand over the run by component.
    pub demand: [Cents; 7],
    /// Money lapsed over the run.
    pub lapsed: Cents,
    /// Person-months with a reinsertion payment due and not paid.
    pub unpaid_reinsertion: u64,
    /// Month of the first conflict relapse.
    pub relapse_month: Option<u32>,
    /// Bridge advances outstanding at T.
    pub bridge_outstanding: Cents,
    /// Appeals launched.
    pub appeals: u32,
    /// Months with a reintegration gap (continuing + new) > 0.
    pub gap_months: u32,
    /// Spending over the run by source: kickstart, assessed, voluntary
    /// (earmarked or pooled), national, bridge advances.
    pub spent_by_source: [Cents; 5],
    /// Bridge advances drawn over the run.
    pub bridge_drawn: Cents,
    /// Bridge advances repaid over the run.
    pub bridge_repaid: Cents,
    /// Voluntary money removed from future tranches by `offset_voluntary`.
    pub offset: Cents,
}

// Pool layout of the oracle (its own; not the engine's).
const KICK: usize = 0;
const ASSESSED: usize = 1;
const EARMARK0: usize = 2; // + category index 0..5
const NATIONAL: usize = 7;
const POOLED: usize = 8;
const NPOOLS: usize = 9;

fn cat_ix(c: Category) -> usize {
    match c {
        Category::Overhead => 0,
        Category::Dd => 1,
        Category::Reinsertion => 2,
        Category::Reintegration => 3,
        Category::Ssr => 4,
    }
}

fn category_of(c: Component) -> Category {
    match c {
        Component::Overhead => Category::Overhead,
        Component::Dd => Category::Dd,
        Component::Reinsertion => Category::Reinsertion,
        Component::ReintegrationContinuing | Component::ReintegrationNew => Category::Reintegration,
        Component::SsrAbsorption | Component::SsrInstitutional => Category::Ssr,
    }
}

fn comp_ix(c: Component) -> usize {
    Component::ALL
        .iter()
        .position(|x| *x == c)
        .expect("component listed")
}

/// `1 - exp(-h)`: a single risk with monthly hazard h.
pub fn p1(h: f64) -> f64 {
    if h <= 0.0 {
        0.0
    } else {
        1.0 - (-h).exp()
    }
}

#[derive(Clone, Debug)]
struct Tranche {
    month: usize,
    pool: usize,
    amount: Cents,
    /// Index into the bridge-base list when reintegration-earmarked or pooled.
    base: Option<usize>,
}

#[derive(Clone, Debug)]
struct BasePledge {
    month: usize,
    nominal: Cents,
    received: Cents,
}

/// What a demand line funds.
#[derive(Clone, Copy, Debug)]
enum Target {
    Lump,
    Dd(usize),
    Reins(usize, usize),
    Cont(usize),
    New(usize),
    Absorb(usize),
}

#[derive(Clone, Copy, Debug)]
struct Line {
    target: Target,
    places: u64,
    unit: Cents,
}

/// Runs policy `policy` on one replicate's inputs with the oracle's own
/// generator seeded by `seed`.
pub fn simulate(sc: &Scenario, inp: &Inputs, policy: usize, seed: u64) -> OracleResult {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let pol = &sc.policies[policy];
    let tt = inp.horizon;
    let ng = inp.groups.len();
    let n_total = inp.total_caseload as f64;
    let admission = pol.admission;
    let kick = pol.kickstart.as_ref();
    let kick_window = |t: usize| {
        kick.is_some_and(|k| t >= k.start as usize && t <= (k.start + k.months - 1) as usize)
    };
    let added = kick.is_some_and(|k| k.mode == KickstartMode::Added);
    let reallocated = kick.is_some_and(|k| k.mode == KickstartMode::Reallocated);
    let kick_amount = inp.kickstart_amount[policy];
    let bridge_cap = inp.bridge_cap[policy];

    // People.
    let mut people: Vec<Person> = Vec::new();
    for (g, gi) in inp.groups.iter().enumerate() {
        for _ in 0..gi.caseload {
            people.push(Person {
                g,
                st: St::A,
                presenting: false,
                candidate: false,
                unpaid_in_s: false,
            });
        }
    }

    // Money.
    let mut bal = [0 as Cents; NPOOLS];
    let mut base: Vec<BasePledge> = Vec::new();
    let mut tranches: Vec<Tranche> = Vec::new();
    for p in &inp.pledges {
        let m = (p.month as i64 + pol.pledge_shift).clamp(1, tt as i64) as usize;
        let (pool, bridgeable) = match p.earmark {
            Earmark::Pooled => (POOLED, true),
            Earmark::To(c) => (EARMARK0 + cat_ix(c), c == Category::Reintegration),
        };
        let b = if bridgeable {
            base.push(BasePledge {
                month: m,
                nominal: p.amount,
                received: 0,
            });
            Some(base.len() - 1)
        } else {
            None
        };
        let n = p.tranches as i64;
        let each = p.paid / n;
        for i in 0..n {
            let at = m as i64 + p.delay as i64 + i * p.interval as i64;
            if at > tt as i64 {
                continue;
            }
            let amount = if i == n - 1 {
                p.paid - each * (n - 1)
            } else {
                each
            };
            tranches.push(Tranche {
                month: at as usize,
                pool,
                amount,
                base: b,
            });
        }
    }
    // Stable sort: pledge order within a month.
    tranches.sort_by_key(|x| x.month);
    let mut outstanding: Cents = 0;
    let mut cum_ssr_inst: Cents = 0;
    // Conservation totals.
    let (mut recv_total, mut spent_total, mut lapsed_total, mut repaid_total): (
        i128,
        i128,
        i128,
        i128,
    ) = (0, 0, 0, 0);

    let mut res = OracleResult {
        disarmed: vec![0; ng],
        turned_away: vec![0; ng],
        completed: vec![0; ng],
        dropouts: vec![0; ng],
        interrupted_months: vec![0; ng],
        wait_hist: vec![vec![0; tt + 2]; ng],
        ..Default::default()
    };
    let mut s_prev = inp.s0;
    let mut last_appeal: Option<usize> = None;

    for t in 1..=tt {
        // ---- 1. Cash arrives.
        if inp.assessed_lapse[t] {
            res.lapsed += bal[ASSESSED];
            lapsed_total += bal[ASSESSED] as i128;
            bal[ASSESSED] = 0;
        }
        bal[ASSESSED] += inp.assessed_cash[t];
        recv_total += inp.assessed_cash[t] as i128;
        if added && kick_window(t) {
            let k = kick.unwrap();
            // The amount is split over the window as written (docs/model.md:
            // a window cut at T keeps its instalment size; those after T never
            // arrive). INTERPRETATION of "equal monthly instalments": the last
            // instalment takes the cent remainder.
            let months = k.instalments as i64;
            let each = kick_amount / months;
            let cash = if t == (k.start + k.instalments - 1) as usize {
                kick_amount - each * (months - 1)
            } else {
                each
            };
            bal[KICK] += cash;
            recv_total += cash as i128;
        }
        for tr in tranches.iter().filter(|x| x.month == t) {
            recv_total += tr.amount as i128;
            let mut a = tr.amount;
            if let Some(b) = tr.base {
                base[b].received += tr.amount;
                let repay = a.min(outstanding);
                outstanding -= repay;
                repaid_total += repay as i128;
                a -= repay;
            }
            bal[tr.pool] += a;
        }
        bal[NATIONAL] += inp.national_cash[t];
        recv_total += inp.national_cash[t] as i128;

        // ---- 2. Draws that do not depend on money (state at start of month).
        let insec = 1.0 - s_prev;
        for p in people.iter_mut() {
            p.presenting = false;
            p.candidate = false;
            p.unpaid_in_s = false;
            let gp = &inp.groups[p.g];
            let h_rr = |k: usize| {
                gp.h_rr0
                    * (1.0 + gp.beta_wait * k.min(gp.wait_cap) as f64)
                    * (1.0 + gp.beta_sec * insec)
            };
            match p.st {
                St::Reint | St::SelfR => {
                    let h = if p.st == St::Reint {
                        gp.h_relapse
                    } else {
                        gp.h_relapse_self
                    };
                    if rng.random::<f64>() < p1(h) {
                        p.st = St::Rerecruited;
                    }
                }
                St::W(_) | St::X => {
                    let k = if let St::W(k) = p.st { k } else { gp.wait_cap };
                    if rng.random::<f64>() < p1(h_rr(k)) {
                        p.st = St::Rerecruited;
                    } else {
                        let hs = gp.h_self + gp.h_lost;
                        if hs > 0.0 {
                            let u: f64 = rng.random();
                            let pe = p1(hs);
                            if u < pe * gp.h_self / hs {
                                p.st = St::SelfR;
                            } else if u < pe {
                                p.st = St::Lost;
                            }
                        }
                    }
                }
                St::D(j) if j == gp.dd_months => {
                    p.candidate = rng.random::<f64>() < gp.absorb_share;
                }
                St::A => {
                    p.presenting = rng.random::<f64>() < gp.turnout[t];
                }
                _ => {}
            }
        }

        // Counts the demand lines need.
        let mut presenting = vec![0u64; ng];
        let mut candidates = vec![0u64; ng];
        let mut in_s: Vec<Vec<u64>> = inp
            .groups
            .iter()
            .map(|g| vec![0; g.payments.len() + 1])
            .collect();
        let mut in_r: Vec<Vec<u64>> = inp
            .groups
            .iter()
            .map(|g| vec![0; g.reint_months + 1])
            .collect();
        let mut in_w: Vec<Vec<u64>> = vec![vec![0; tt + 2]; ng];
        for p in &people {
            if p.presenting {
                presenting[p.g] += 1;
            }
            if p.candidate {
                candidates[p.g] += 1;
            }
            match p.st {
                St::S(j) => in_s[p.g][j] += 1,
                St::R(j) => in_r[p.g][j] += 1,
                St::W(k) => in_w[p.g][k] += 1,
                _ => {}
            }
        }

        // ---- 3-4. Demand lines and allocation in priority order.
        let mut f_dd = vec![0u64; ng];
        let mut f_reins: Vec<Vec<u64>> = inp
            .groups
            .iter()
            .map(|g| vec![0; g.payments.len() + 1])
            .collect();
        let mut f_cont = vec![0u64; ng];
        let mut f_new = vec![0u64; ng];
        let mut f_abs = vec![0u64; ng];
        let mut spent_month = [0 as Cents; 7];
        let mut demand_month = [0 as Cents; 7];
        let mut kick_paid: Cents = 0;
        for &comp in &pol.priority {
            let mut lines: Vec<Line> = Vec::new();
            match comp {
                Component::Overhead => lines.push(Line {
                    target: Target::Lump,
                    places: 1,
                    unit: inp.overhead,
                }),
                Component::SsrInstitutional => lines.push(Line {
                    target: Target::Lump,
                    places: 1,
                    unit: inp.ssr_requirement,
                }),
                Component::Dd => {
                    for (g, gp) in inp.groups.iter().enumerate() {
                        lines.push(Line {
                            target: Target::Dd(g),
                            places: presenting[g].min(gp.site_capacity[t]),
                            unit: gp.dd_cost,
                        });
                    }
                }
                Component::Reinsertion => {
                    for (g, gp) in inp.groups.iter().enumerate() {
                        for (i, &pay) in gp.payments.iter().enumerate() {
                            let j = i + 1; // stage S[j]
                            if pay > 0 {
                                lines.push(Line {
                                    target: Target::Reins(g, j),
                                    places: in_s[g][j],
                                    unit: pay,
                                });
                            }
                        }
                    }
                }
                Component::ReintegrationContinuing => {
                    if admission == Admission::FirstMonth {
                        for (g, gp) in inp.groups.iter().enumerate() {
                            let n: u64 = (1..gp.reint_months).map(|j| in_r[g][j]).sum();
                            lines.push(Line {
                                target: Target::Cont(g),
                                places: n,
                                unit: gp.reint_monthly,
                            });
                        }
                    }
                }
                Component::ReintegrationNew => {
                    for (g, gp) in inp.groups.iter().enumerate() {
                        let waiting: u64 = in_w[g].iter().sum();
                        let unit = match admission {
                            Admission::FullCourse => {
                                gp.reint_startup + gp.reint_months as Cents * gp.reint_monthly
                            }
                            Admission::FirstMonth => gp.reint_startup + gp.reint_monthly,
                        };
                        lines.push(Line {
                            target: Target::New(g),
                            places: waiting.min(gp.intake_capacity[t]),
                            unit,
                        });
                    }
                }
                Component::SsrAbsorption => {
                    for (g, gp) in inp.groups.iter().enumerate() {
                        lines.push(Line {
                            target: Target::Absorb(g),
                            places: candidates[g].min(gp.absorb_capacity[t]),
                            unit: gp.absorb_cost,
                        });
                    }
                }
            }
            let cat = category_of(comp);
            let ci = comp_ix(comp);
            let is_reint = cat == Category::Reintegration;
            // Eligible pools in the order money is taken.
            let mut pools: Vec<usize> = Vec::new();
            if is_reint && added {
                pools.push(KICK);
            }
            let assessed_ok =
                inp.assessed_eligible.contains(cat) || (is_reint && reallocated && kick_window(t));
            if assessed_ok {
                pools.push(ASSESSED);
            }
            pools.push(EARMARK0 + cat_ix(cat));
            if inp.national_eligible.contains(cat) {
                pools.push(NATIONAL);
            }
            pools.push(POOLED);
            let headroom: Cents = match bridge_cap {
                Some(cap) if is_reint => {
                    let p: Cents = base
                        .iter()
                        .filter(|b| b.month <= t)
                        .map(|b| b.nominal - b.received)
                        .sum();
                    (cap.min(p) - outstanding).max(0)
                }
                _ => 0,
            };
            let d: i128 = lines
                .iter()
                .map(|l| l.places as i128 * l.unit as i128)
                .sum();
            let a: i128 = pools.iter().map(|&p| bal[p] as i128).sum::<i128>() + headroom as i128;
            let b = a.min(d);
            demand_month[ci] += d as Cents;
            let mut cost: i128 = 0;
            if d > 0 {
                for l in &lines {
                    let dl = l.places as i128 * l.unit as i128;
                    match l.target {
                        Target::Lump => cost += b * dl / d,
                        tg => {
                            // INTERPRETATION: unit 0 funds every place.
                            let places = if l.unit == 0 {
                                l.places
                            } else {
                                (b * dl / d / l.unit as i128) as u64
                            };
                            cost += places as i128 * l.unit as i128;
                            match tg {
                                Target::Dd(g) => f_dd[g] = places,
                                Target::Reins(g, j) => f_reins[g][j] = places,
                                Target::Cont(g) => f_cont[g] = places,
                                Target::New(g) => f_new[g] = places,
                                Target::Absorb(g) => f_abs[g] = places,
                                Target::Lump => unreachable!(),
                            }
                        }
                    }
                }
            }
            let mut due = cost as Cents;
            for &p in &pools {
                let take = due.min(bal[p]);
                bal[p] -= take;
                due -= take;
                let source = match p {
                    KICK => 0,
                    ASSESSED => 1,
                    NATIONAL => 3,
                    _ => 2,
                };
                res.spent_by_source[source] += take;
                if p == KICK || (p == ASSESSED && is_reint && reallocated && kick_window(t)) {
                    kick_paid += take;
                }
            }
            assert!(due <= headroom, "oracle: cost beyond available money");
            if due > 0 {
                outstanding += due;
                recv_total += due as i128;
                res.bridge_drawn += due;
                res.spent_by_source[4] += due;
            }
            spent_month[ci] += cost as Cents;
            spent_total += cost;
            if comp == Component::SsrInstitutional {
                cum_ssr_inst += cost as Cents;
            }
        }
        // Kick-start: unspent balance lapses at the end of the window.
        if let Some(k) = kick {
            if added && t == (k.start + k.months - 1) as usize {
                res.lapsed += bal[KICK];
                lapsed_total += bal[KICK] as i128;
                bal[KICK] = 0;
            }
            if k.offset_voluntary && kick_paid > 0 {
                let mut left = kick_paid;
                // Tranches are kept sorted by month (pledge order within a month).
                for tr in tranches.iter_mut() {
                    if left == 0 {
                        break;
                    }
                    if tr.base.is_some() && tr.month > t && tr.month <= tt {
                        let cut = left.min(tr.amount);
                        tr.amount -= cut;
                        left -= cut;
                        res.offset += cut;
                    }
                }
            }
        }
        for c in 0..7 {
            res.spent[c] += spent_month[c];
            res.demand[c] += demand_month[c];
        }
        let ci_c = comp_ix(Component::ReintegrationContinuing);
        let ci_n = comp_ix(Component::ReintegrationNew);
        let reint_gap =
            demand_month[ci_c] + demand_month[ci_n] - spent_month[ci_c] - spent_month[ci_n];
        if reint_gap > 0 {
            res.gap_months += 1;
        }

        // ---- 5. Transitions that depend on money, end of pipeline first.
        // Funded continuing places per (group, stage): highest j first.
        let mut fund_r: Vec<Vec<u64>> = inp
            .groups
            .iter()
            .map(|g| vec![0; g.reint_months + 1])
            .collect();
        for (g, gp) in inp.groups.iter().enumerate() {
            let d = gp.reint_months;
            match admission {
                Admission::FullCourse => {
                    fund_r[g][1..=d].fill(u64::MAX);
                }
                Admission::FirstMonth => {
                    let mut left = f_cont[g];
                    for j in (1..d).rev() {
                        let x = in_r[g][j].min(left);
                        fund_r[g][j] = x;
                        left -= x;
                    }
                }
            }
        }
        // 5.1 Courses.
        for p in people.iter_mut() {
            if let St::R(j) = p.st {
                let gp = &inp.groups[p.g];
                let d = gp.reint_months;
                if j == d {
                    if rng.random::<f64>() < p1(gp.h_rr_programme) {
                        p.st = St::Rerecruited;
                    } else {
                        p.st = St::Reint;
                        res.completed[p.g] += 1;
                    }
                    continue;
                }
                let funded = fund_r[p.g][j] > 0;
                if funded {
                    fund_r[p.g][j] = fund_r[p.g][j].saturating_sub(1);
                } else {
                    res.interrupted_months[p.g] += 1;
                }
                if rng.random::<f64>() < p1(gp.h_rr_programme) {
                    p.st = St::Rerecruited;
                } else if rng.random::<f64>()
                    < p1(if funded {
                        gp.h_drop
                    } else {
                        gp.h_drop_interrupted
                    })
                {
                    p.st = St::X;
                    res.dropouts[p.g] += 1;
                } else if funded {
                    p.st = St::R(j + 1);
                }
            }
        }
        // 5.2 New starts, longest-waiting first; the rest wait one more month.
        let mut admit_w: Vec<Vec<u64>> = vec![vec![0; tt + 2]; ng];
        for g in 0..ng {
            let mut left = f_new[g];
            for k in (0..tt + 2).rev() {
                let x = in_w[g][k].min(left);
                admit_w[g][k] = x;
                left -= x;
            }
            assert_eq!(left, 0, "oracle: more funded starts than people waiting");
        }
        for p in people.iter_mut() {
            if let St::W(k) = p.st {
                if admit_w[p.g][k] > 0 {
                    admit_w[p.g][k] -= 1;
                    res.wait_hist[p.g][k] += 1;
                    p.st = St::R(1);
                } else {
                    p.st = St::W(k + 1);
                }
            }
        }
        // 5.3 Reinsertion.
        for p in people.iter_mut() {
            if let St::S(j) = p.st {
                let gp = &inp.groups[p.g];
                let r = gp.payments.len();
                let due = gp.payments[j - 1] > 0;
                let paid = if due && f_reins[p.g][j] > 0 {
                    f_reins[p.g][j] -= 1;
                    true
                } else {
                    !due
                };
                let h = if paid {
                    gp.h_rr_programme
                } else {
                    res.unpaid_reinsertion += 1;
                    gp.h_rr0 * (1.0 + gp.beta_sec * insec) * gp.m_unpaid
                };
                if rng.random::<f64>() < p1(h) {
                    p.st = St::Rerecruited;
                } else if j < r {
                    p.st = St::S(j + 1);
                    p.unpaid_in_s = !paid;
                } else {
                    p.st = St::W(0);
                }
            }
        }
        // 5.4 D&D completes (absorption for funded candidates), 5.5 admissions.
        let mut abs_left = f_abs.clone();
        let mut dd_left = f_dd.clone();
        for p in people.iter_mut() {
            let gp = &inp.groups[p.g];
            match p.st {
                St::D(j) if j == gp.dd_months => {
                    if p.candidate && abs_left[p.g] > 0 {
                        abs_left[p.g] -= 1;
                        p.st = St::Absorbed;
                    } else {
                        p.st = St::S(1);
                    }
                }
                St::D(j) => p.st = St::D(j + 1),
                St::A if p.presenting => {
                    if dd_left[p.g] > 0 {
                        dd_left[p.g] -= 1;
                        res.disarmed[p.g] += 1;
                        p.st = St::D(1);
                    } else {
                        res.turned_away[p.g] += 1;
                    }
                }
                _ => {}
            }
        }
        assert!(
            abs_left.iter().all(|&x| x == 0),
            "oracle: funded absorptions exceed candidates"
        );
        assert!(
            dd_left.iter().all(|&x| x == 0),
            "oracle: funded D&D places exceed presenting"
        );

        // ---- Record people.
        let mut counts = vec![[0u64; 11]; ng];
        let (mut armed, mut idle) = (0u64, 0u64);
        for p in &people {
            counts[p.g][p.st.slot()] += 1;
            match p.st {
                St::A | St::Rerecruited => armed += 1,
                St::W(_) | St::X => idle += 1,
                St::S(_) if p.unpaid_in_s => idle += 1,
                _ => {}
            }
        }
        for (g, gi) in inp.groups.iter().enumerate() {
            assert_eq!(
                counts[g].iter().sum::<u64>(),
                gi.caseload,
                "oracle: people not conserved"
            );
        }
        res.people.push(counts);

        // ---- 6. Security index.
        let armed_share = armed as f64 / n_total;
        let ratio = if inp.ssr_requirement == 0 {
            1.0
        } else {
            (cum_ssr_inst as f64 / (inp.ssr_requirement as f64 * tt as f64)).min(1.0)
        };
        let s = (inp.s0 + (inp.s_max - inp.s0) * ratio - inp.kappa * armed_share).clamp(0.0, 1.0);

        // ---- 7. Conflict relapse.
        let idle_share = idle as f64 / n_total;
        let hz = inp.lambda0
            * (inp.b_armed * armed_share + inp.b_idle * idle_share - inp.b_sec * (s - inp.s0))
                .exp();
        let u: f64 = rng.random();
        if res.relapse_month.is_none() && u < p1(hz) {
            res.relapse_month = Some(t as u32);
        }

        // ---- Appeal at the end of the month.
        if let (Some(trigger), Some(ap)) = (inp.appeal_trigger, sc.appeal.as_ref()) {
            let cooled = last_appeal.is_none_or(|m| t - m >= ap.cooldown as usize);
            if reint_gap > trigger && cooled {
                let draw = |prm: &Param, rng: &mut Xoshiro256PlusPlus| match prm {
                    Param::Fixed(v) => *v,
                    Param::Uncertain(dist) => dist.sample(rng),
                    Param::Shared(sd) => sd.dist.sample(rng),
                };
                let share = draw(&ap.share, &mut rng).clamp(0.0, 1.0);
                let delay = ((draw(&ap.delay, &mut rng) + 0.5).floor().max(1.0)) as usize;
                let need: i128 = (0..ng)
                    .map(|g| {
                        let gp = &inp.groups[g];
                        let unit = match admission {
                            Admission::FullCourse => {
                                gp.reint_startup + gp.reint_months as Cents * gp.reint_monthly
                            }
                            Admission::FirstMonth => gp.reint_startup + gp.reint_monthly,
                        };
                        res.people[t - 1][g][st::WAITING] as i128 * unit as i128
                    })
                    .sum();
                let amount = ((need as f64) * share).round() as Cents;
                res.appeals += 1;
                last_appeal = Some(t);
                base.push(BasePledge {
                    month: t,
                    nominal: amount,
                    received: 0,
                });
                let at = t + delay;
                if at <= tt && amount > 0 {
                    let pos = tranches
                        .iter()
                        .position(|x| x.month > at)
                        .unwrap_or(tranches.len());
                    tranches.insert(
                        pos,
                        Tranche {
                            month: at,
                            pool: EARMARK0 + cat_ix(Category::Reintegration),
                            amount,
                            base: Some(base.len() - 1),
                        },
                    );
                }
            }
        }

        // Money identity (section 4), cumulative, exact.
        assert!(bal.iter().all(|&b| b >= 0), "oracle: negative balance");
        let held: i128 = bal.iter().map(|&b| b as i128).sum();
        assert_eq!(
            recv_total,
            spent_total + held + lapsed_total + repaid_total,
            "oracle: money not conserved at month {t}"
        );

        s_prev = s;
    }
    res.bridge_outstanding = outstanding;
    res.bridge_repaid = repaid_total as Cents;
    res
}
