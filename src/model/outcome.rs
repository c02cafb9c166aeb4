//! Outcome metrics (MODEL.md section 8): the catalogue of metric names,
//! units and better directions, and their computation from a
//! [`Trajectory`]. Every value is an exact scaled integer (people, cents, or
//! billionths for fractions) so that sums over replicates are exact and
//! mergeable (MODEL.md section 9).

use super::inputs::{Cents, Inputs};
use super::record::{src, st, Trajectory, SOURCES, STATES, VOLUNTARY_POOLS};
use crate::scenario::{Component, KickstartMode, Policy, Scenario};

/// Unit of a metric, which fixes how its integer value is scaled and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of people (or person-months, person-events).
    People,
    /// US dollars, held as whole cents.
    Usd,
    /// Months (a duration), held in billionths.
    Months,
    /// A model month index 1..T.
    MonthIndex,
    /// A share in [0, 1], held in billionths.
    Share,
    /// A 0/1 indicator.
    Flag,
    /// A count of events.
    Count,
}

impl Unit {
    /// Integer units per printed unit.
    pub fn scale(self) -> i64 {
        match self {
            Unit::Usd => 100,
            Unit::Months | Unit::Share => 1_000_000_000,
            Unit::People | Unit::MonthIndex | Unit::Flag | Unit::Count => 1,
        }
    }

    /// Decimal places printed for an exact value.
    pub fn decimals(self) -> usize {
        match self {
            Unit::Usd => 2,
            Unit::Months | Unit::Share => 9,
            _ => 0,
        }
    }

    /// Name used in docs and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Unit::People => "people",
            Unit::Usd => "USD",
            Unit::Months => "months",
            Unit::MonthIndex => "model month",
            Unit::Share => "share",
            Unit::Flag => "0/1",
            Unit::Count => "count",
        }
    }

    /// Converts a real value to the scaled integer (rounded to nearest).
    pub fn to_scaled(self, x: f64) -> i64 {
        (x * self.scale() as f64).round() as i64
    }
}

/// Which direction of a metric is better for the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Better {
    /// Lower is better.
    Lower,
    /// Higher is better.
    Higher,
    /// No direction.
    Neither,
}

impl Better {
    /// Name used in docs.
    pub fn name(self) -> &'static str {
        match self {
            Better::Lower => "lower",
            Better::Higher => "higher",
            Better::Neither => "",
        }
    }
}

/// One outcome metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metric {
    /// Column name.
    pub name: &'static str,
    /// Unit.
    pub unit: Unit,
    /// Better direction.
    pub better: Better,
    /// Reported per group as well as in total.
    pub per_group: bool,
    /// Meaning, for docs/outputs.md.
    pub doc: &'static str,
}

const fn m(
    name: &'static str,
    unit: Unit,
    better: Better,
    per_group: bool,
    doc: &'static str,
) -> Metric {
    Metric {
        name,
        unit,
        better,
        per_group,
        doc,
    }
}

use Better::{Higher, Lower, Neither};
use Unit::*;

/// People outcomes, reported per group and in total.
pub const PEOPLE_METRICS: &[Metric] = &[
    m(
        "disarmed",
        People,
        Higher,
        true,
        "people admitted to disarmament and demobilisation",
    ),
    m(
        "turned_away",
        People,
        Lower,
        true,
        "person-events: presented but not admitted (capacity or money)",
    ),
    m(
        "absorbed",
        People,
        Higher,
        true,
        "absorbed into reformed security forces",
    ),
    m(
        "started_reintegration",
        People,
        Higher,
        true,
        "admitted to a reintegration course (ever)",
    ),
    m(
        "completed",
        People,
        Higher,
        true,
        "completed a reintegration course (ever)",
    ),
    m(
        "completed_share",
        Share,
        Higher,
        true,
        "completed / caseload",
    ),
    m(
        "reintegrated",
        People,
        Higher,
        true,
        "reintegrated at the horizon (completed and not relapsed)",
    ),
    m(
        "rerecruited",
        People,
        Lower,
        true,
        "returned to an armed group by the horizon (all routes)",
    ),
    m(
        "self_reintegrated",
        People,
        Neither,
        true,
        "reintegrated without the programme, at the horizon",
    ),
    m(
        "lost",
        People,
        Neither,
        true,
        "died, migrated or lost to follow-up",
    ),
    m(
        "still_armed",
        People,
        Lower,
        true,
        "never disarmed by the horizon",
    ),
    m(
        "waiting_end",
        People,
        Lower,
        true,
        "waiting for a reintegration place at the horizon",
    ),
    m(
        "peak_waiting",
        People,
        Lower,
        true,
        "largest end-of-month waiting list",
    ),
    m(
        "peak_waiting_month",
        MonthIndex,
        Neither,
        true,
        "model month of the peak waiting list (first if tied; empty if nobody waited)",
    ),
    m(
        "mean_wait_months",
        Months,
        Lower,
        true,
        "mean whole months waited by those admitted to reintegration (empty if none)",
    ),
    m(
        "p90_wait_months",
        Months,
        Lower,
        true,
        "90th percentile of months waited by those admitted (empty if none)",
    ),
    m(
        "person_months_waiting",
        People,
        Lower,
        true,
        "sum over months of the end-of-month waiting list",
    ),
    m(
        "dropouts",
        People,
        Lower,
        true,
        "drop-outs from reintegration courses",
    ),
    m(
        "interrupted_months",
        People,
        Lower,
        true,
        "person-months in a course month that was not paid",
    ),
];

/// Programme-wide outcomes (total only).
pub const PROGRAMME_METRICS: &[Metric] = &[
    m("spent_total", Usd, Lower, false, "all money spent"),
    m(
        "backlog_peak",
        Usd,
        Lower,
        false,
        "largest month-end unfunded backlog: people waiting x full-course cost, plus the remaining months of unpaid courses x monthly cost (a stock)",
    ),
    m(
        "backlog_end",
        Usd,
        Lower,
        false,
        "unfunded backlog at the horizon (a stock)",
    ),
    m(
        "lapsed",
        Usd,
        Neither,
        false,
        "money that lapsed (assessed at fiscal-year end, kick-start at window end)",
    ),
    m(
        "unrecovered_advances",
        Usd,
        Lower,
        false,
        "bridge advances outstanding at the horizon",
    ),
    m(
        "first_gap_month",
        MonthIndex,
        Neither,
        false,
        "first model month with a reintegration gap (empty if none)",
    ),
    m(
        "gap_months",
        Count,
        Lower,
        false,
        "months with a reintegration gap",
    ),
    m(
        "cost_per_completed",
        Usd,
        Lower,
        false,
        "spent_total / completed (empty when none completed)",
    ),
    m(
        "relapse",
        Flag,
        Lower,
        false,
        "1 if the conflict relapsed by the horizon",
    ),
    m(
        "relapse_month",
        MonthIndex,
        Neither,
        false,
        "model month of the first relapse (empty if none)",
    ),
    m(
        "received_assessed",
        Usd,
        Neither,
        false,
        "assessed cash received (excluding kick-start)",
    ),
    m(
        "received_kickstart",
        Usd,
        Neither,
        false,
        "kick-start cash received",
    ),
    m(
        "received_voluntary",
        Usd,
        Neither,
        false,
        "voluntary cash received (earmarked, pooled, appeals)",
    ),
    m(
        "received_national",
        Usd,
        Neither,
        false,
        "national cash received",
    ),
    m("bridge_drawn", Usd, Neither, false, "bridge advances drawn"),
    m(
        "bridge_repaid",
        Usd,
        Neither,
        false,
        "bridge advances repaid from voluntary cash",
    ),
    m(
        "balance_end",
        Usd,
        Neither,
        false,
        "money left in all pools at the horizon; received (all sources, with advances drawn) = spent_total + lapsed + balance_end + bridge_repaid",
    ),
    m(
        "voluntary_unspent",
        Usd,
        Neither,
        false,
        "voluntary money (earmarked and pooled) received but not spent by the horizon",
    ),
    m(
        "outlay",
        Usd,
        Neither,
        false,
        "what the policy puts in: added kick-start money spent (unspent money returns to the assessed budget) plus bridge advances drawn; 0 for a reallocated kick-start (no new money)",
    ),
    m(
        "outlay_net",
        Usd,
        Neither,
        false,
        "outlay net of voluntary money deducted by offset_voluntary and of advances repaid: kick-start spent - voluntary_offset + unrecovered_advances",
    ),
    m(
        "voluntary_offset",
        Usd,
        Neither,
        false,
        "voluntary money removed from later tranches by offset_voluntary",
    ),
    m(
        "offset_shortfall",
        Usd,
        Neither,
        false,
        "kick-start money that offset_voluntary could not deduct from later tranches (already arrived, or none left by the horizon); empty without offset",
    ),
    m(
        "offset_advance_months",
        Months,
        Neither,
        false,
        "money-weighted months by which deducted voluntary money was paid earlier by the kick-start; empty without offset or when nothing was deducted",
    ),
    m(
        "pledge_shift_applied",
        Months,
        Neither,
        false,
        "pledge shift actually applied, weighted by the amounts paid (clamping at month 1 and T shortens it); empty without pledge_shift",
    ),
    m("appeals", Count, Neither, false, "appeals launched"),
];

/// Spending per component is added as `spent_<component>`. The monthly gap
/// of a component is a flow: it is reported per month in timeseries.csv,
/// never summed over months.
pub fn component_metrics() -> Vec<Metric> {
    const SPENT: [&str; 7] = [
        "spent_overhead",
        "spent_dd",
        "spent_reinsertion",
        "spent_reintegration_continuing",
        "spent_reintegration_new",
        "spent_ssr_absorption",
        "spent_ssr_institutional",
    ];
    SPENT
        .iter()
        .map(|n| m(n, Usd, Neither, false, "spent on this component"))
        .collect()
}

/// One outcome column: a metric for a group (`None` = all groups).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The metric.
    pub metric: Metric,
    /// Group index, or `None` for the total.
    pub group: Option<usize>,
}

/// The ordered outcome columns of a scenario: totals, then per group.
pub fn outcome_columns(sc: &Scenario) -> Vec<Column> {
    let mut cols: Vec<Column> = PEOPLE_METRICS
        .iter()
        .map(|&metric| Column {
            metric,
            group: None,
        })
        .collect();
    cols.extend(PROGRAMME_METRICS.iter().map(|&metric| Column {
        metric,
        group: None,
    }));
    cols.extend(component_metrics().into_iter().map(|metric| Column {
        metric,
        group: None,
    }));
    for gi in 0..sc.groups.len() {
        cols.extend(PEOPLE_METRICS.iter().map(|&metric| Column {
            metric,
            group: Some(gi),
        }));
    }
    cols
}

fn wait_stats(hist: &[u64]) -> (Option<i64>, Option<i64>) {
    let n: u64 = hist.iter().sum();
    if n == 0 {
        return (None, None);
    }
    let total: u128 = hist
        .iter()
        .enumerate()
        .map(|(k, &c)| k as u128 * c as u128)
        .sum();
    let mean = (total * 1_000_000_000 + n as u128 / 2) / n as u128;
    // p90: nearest rank.
    let rank = (n * 9).div_ceil(10);
    let mut cum = 0;
    let mut p90 = 0;
    for (k, &c) in hist.iter().enumerate() {
        cum += c;
        if cum >= rank {
            p90 = k;
            break;
        }
    }
    (Some(mean as i64), Some(p90 as i64 * 1_000_000_000))
}

fn people_values(
    traj: &Trajectory,
    group: Option<usize>,
    caseload: u64,
    out: &mut Vec<Option<i64>>,
) {
    let pick = |p: &[[u64; 11]], s: usize| -> u64 {
        match group {
            Some(g) => p[g][s],
            None => p.iter().map(|x| x[s]).sum(),
        }
    };
    let last = traj.final_people();
    let end = |s: usize| {
        if last.is_empty() {
            0
        } else {
            pick(last, s) as i64
        }
    };
    let tallies: Vec<_> = match group {
        Some(g) => vec![&traj.tallies[g]],
        None => traj.tallies.iter().collect(),
    };
    let sum = |f: &dyn Fn(&crate::model::record::GroupTally) -> u64| {
        tallies.iter().map(|t| f(t)).sum::<u64>() as i64
    };
    let mut hist = vec![0u64; tallies.first().map_or(0, |t| t.wait_hist.len())];
    for t in &tallies {
        for (h, c) in hist.iter_mut().zip(&t.wait_hist) {
            *h += c;
        }
    }
    let (mean_wait, p90_wait) = wait_stats(&hist);
    // Waiting at each month end; the first month of the largest count.
    let (mut peak, mut peak_month, mut person_months) = (0u64, 0usize, 0u64);
    let mut note = |month: usize, w: u64| {
        person_months += w;
        if w > peak {
            (peak, peak_month) = (w, month);
        }
    };
    match group {
        Some(g) => {
            let groups = traj.groups().max(1);
            for (i, p) in traj.people.iter().skip(g).step_by(groups).enumerate() {
                note(i + 1, p[st::WAITING]);
            }
        }
        None => {
            for (i, people) in traj.monthly_people().enumerate() {
                note(i + 1, people.iter().map(|p| p[st::WAITING]).sum());
            }
        }
    }
    let peak_month = (peak_month > 0).then_some(peak_month as i64);
    let completed = sum(&|t| t.completed);
    for metric in PEOPLE_METRICS {
        out.push(match metric.name {
            "disarmed" => Some(sum(&|t| t.disarmed)),
            "turned_away" => Some(sum(&|t| t.turned_away)),
            "absorbed" => Some(end(st::ABSORBED)),
            "completed" => Some(completed),
            "started_reintegration" => Some(hist.iter().sum::<u64>() as i64),
            "completed_share" => Some(
                ((completed as i128 * 1_000_000_000 + caseload as i128 / 2)
                    / caseload.max(1) as i128) as i64,
            ),
            "reintegrated" => Some(end(st::REINTEGRATED)),
            "rerecruited" => Some(end(st::RERECRUITED)),
            "self_reintegrated" => Some(end(st::SELF_REINTEGRATED)),
            "lost" => Some(end(st::LOST)),
            "still_armed" => Some(end(st::ARMED)),
            "waiting_end" => Some(end(st::WAITING)),
            "peak_waiting" => Some(peak as i64),
            "peak_waiting_month" => peak_month,
            "mean_wait_months" => mean_wait,
            "p90_wait_months" => p90_wait,
            "person_months_waiting" => Some(person_months as i64),
            "dropouts" => Some(sum(&|t| t.dropouts)),
            "interrupted_months" => Some(sum(&|t| t.interrupted_months)),
            other => unreachable!("people metric {other} has no rule"),
        });
    }
}

/// Computes one replicate's outcome row, in [`outcome_columns`] order.
pub fn outcome_row(inp: &Inputs, pol: &Policy, traj: &Trajectory) -> Vec<Option<i64>> {
    let mut out = Vec::new();
    people_values(traj, None, inp.total_caseload, &mut out);
    let total =
        |f: &dyn Fn(&super::record::MonthRecord) -> Cents| traj.months.iter().map(f).sum::<Cents>();
    let reint_gap = |m: &super::record::MonthRecord| {
        m.gap(Component::ReintegrationContinuing as usize)
            + m.gap(Component::ReintegrationNew as usize)
    };
    let spent = total(&|m| m.spent_total());
    let completed: u64 = traj.tallies.iter().map(|t| t.completed).sum();
    let first_gap = traj
        .months
        .iter()
        .position(|m| reint_gap(m) > 0)
        .map(|i| i as i64 + 1);
    let last = traj.months.last();
    let kick = pol.kickstart.as_ref();
    let added = kick.is_some_and(|k| k.mode == KickstartMode::Added);
    let offset = kick.is_some_and(|k| k.offset_voluntary);
    let kick_spent = if added {
        total(&|m| m.spent.iter().map(|c| c[src::KICKSTART]).sum())
    } else {
        0
    };
    let bridge_drawn = total(&|m| m.received[src::BRIDGE]);
    let unrecovered = last.map_or(0, |m| m.bridge_outstanding);
    let voluntary_offset = total(&|m| m.offset);
    let offset_advance: i128 = traj.months.iter().map(|m| m.offset_advance).sum();
    let months_scaled =
        |num: i128, den: i128| -> i64 { ((num * 1_000_000_000 + den / 2).div_euclid(den)) as i64 };
    for metric in PROGRAMME_METRICS {
        out.push(match metric.name {
            "spent_total" => Some(spent),
            "backlog_peak" => Some(traj.months.iter().map(|m| m.backlog).max().unwrap_or(0)),
            "backlog_end" => Some(last.map_or(0, |m| m.backlog)),
            "lapsed" => Some(total(&|m| m.lapsed)),
            "unrecovered_advances" => Some(unrecovered),
            "first_gap_month" => first_gap,
            "gap_months" => Some(traj.months.iter().filter(|m| reint_gap(m) > 0).count() as i64),
            "cost_per_completed" => {
                (completed > 0).then(|| (spent as f64 / completed as f64).round() as i64)
            }
            "relapse" => Some(traj.relapse_month.is_some() as i64),
            "relapse_month" => traj.relapse_month.map(|m| m as i64),
            "received_assessed" => Some(total(&|m| m.received[src::ASSESSED])),
            "received_kickstart" => Some(total(&|m| m.received[src::KICKSTART])),
            "received_voluntary" => Some(total(&|m| m.received[src::VOLUNTARY])),
            "received_national" => Some(total(&|m| m.received[src::NATIONAL])),
            "bridge_drawn" => Some(bridge_drawn),
            "bridge_repaid" => Some(total(&|m| m.bridge_repaid)),
            "balance_end" => Some(last.map_or(0, |m| m.balances.iter().sum())),
            "voluntary_unspent" => Some(last.map_or(0, |m| {
                m.balances[VOLUNTARY_POOLS.start..VOLUNTARY_POOLS.end]
                    .iter()
                    .sum()
            })),
            "outlay" => Some(kick_spent + bridge_drawn),
            "outlay_net" => Some(kick_spent - voluntary_offset + unrecovered),
            "voluntary_offset" => Some(voluntary_offset),
            "offset_shortfall" => offset.then(|| total(&|m| m.offset_shortfall)),
            "offset_advance_months" => (offset && voluntary_offset > 0)
                .then(|| months_scaled(offset_advance, voluntary_offset as i128)),
            "pledge_shift_applied" => traj.shift_applied.map(|x| Months.to_scaled(x)),
            "appeals" => Some(traj.appeals as i64),
            other => unreachable!("programme metric {other} has no rule"),
        });
    }
    for c in 0..7 {
        out.push(Some(total(&|m| m.spent[c].iter().sum())));
    }
    for (g, gi) in inp.groups.iter().enumerate() {
        people_values(traj, Some(g), gi.caseload, &mut out);
    }
    out
}

/// A monthly series: a metric for a group (`None` = all).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Metric name.
    pub name: String,
    /// Unit.
    pub unit: Unit,
    /// Group index or `None` for all.
    pub group: Option<usize>,
}

/// Monthly money and risk series (group `all` only).
pub const MONEY_SERIES: &[(&str, Unit)] = &[
    ("balance_kickstart", Usd),
    ("balance_assessed", Usd),
    ("balance_voluntary", Usd),
    ("balance_national", Usd),
    ("bridge_outstanding", Usd),
    ("received_total", Usd),
    ("spent_total", Usd),
    ("demand_reintegration", Usd),
    ("reint_paid_kickstart", Usd),
    ("reint_paid_assessed", Usd),
    ("reint_paid_voluntary", Usd),
    ("reint_paid_national", Usd),
    ("reint_paid_bridge", Usd),
    ("gap_flow_reintegration", Usd),
    ("unfunded_backlog", Usd),
    ("unpaid_reinsertion", People),
    ("security_index", Share),
    ("relapsed_share", Flag),
    ("balance_earmark_overhead", Usd),
    ("balance_earmark_dd", Usd),
    ("balance_earmark_reinsertion", Usd),
    ("balance_earmark_reintegration", Usd),
    ("balance_earmark_ssr", Usd),
    ("balance_pooled", Usd),
    ("spent_overhead", Usd),
    ("spent_dd", Usd),
    ("spent_reinsertion", Usd),
    ("spent_reintegration_continuing", Usd),
    ("spent_reintegration_new", Usd),
    ("spent_ssr_absorption", Usd),
    ("spent_ssr_institutional", Usd),
    ("gap_flow_overhead", Usd),
    ("gap_flow_dd", Usd),
    ("gap_flow_reinsertion", Usd),
    ("gap_flow_reintegration_continuing", Usd),
    ("gap_flow_reintegration_new", Usd),
    ("gap_flow_ssr_absorption", Usd),
    ("gap_flow_ssr_institutional", Usd),
];

/// The ordered monthly series of a scenario: people states for all and per group, then money.
pub fn series_columns(sc: &Scenario) -> Vec<Series> {
    let mut v = Vec::new();
    for group in std::iter::once(None).chain((0..sc.groups.len()).map(Some)) {
        v.extend(STATES.iter().map(|s| Series {
            name: s.to_string(),
            unit: People,
            group,
        }));
    }
    v.extend(MONEY_SERIES.iter().map(|(n, u)| Series {
        name: n.to_string(),
        unit: *u,
        group: None,
    }));
    v
}

/// Number of monthly series of a scenario with `n_groups` groups
/// (the length of [`series_columns`]).
pub fn series_count(n_groups: usize) -> usize {
    STATES.len() * (n_groups + 1) + MONEY_SERIES.len()
}

/// Values of every series for every month, month-major in one vector:
/// `out[(month - 1) * series_count(n_groups) + series]`.
pub fn series_rows(traj: &Trajectory, n_groups: usize) -> Vec<i64> {
    let reint = [
        Component::ReintegrationContinuing as usize,
        Component::ReintegrationNew as usize,
    ];
    let mut out = Vec::with_capacity(traj.months.len() * series_count(n_groups));
    for (m, people) in traj.months.iter().zip(traj.monthly_people()) {
        let mut all = [0u64; 11];
        for p in people {
            for (a, x) in all.iter_mut().zip(p) {
                *a += x;
            }
        }
        out.extend(all.iter().map(|&x| x as i64));
        for p in &people[..n_groups] {
            out.extend(p.iter().map(|&x| x as i64));
        }
        let paid = |source: usize| reint.iter().map(|&c| m.spent[c][source]).sum::<Cents>();
        out.extend([
            m.balances[0],
            m.balances[1],
            m.balances[2..8].iter().sum(),
            m.balances[8],
            m.bridge_outstanding,
            m.received.iter().sum(),
            m.spent_total(),
            reint.iter().map(|&c| m.demand[c]).sum(),
            paid(src::KICKSTART),
            paid(src::ASSESSED),
            paid(src::VOLUNTARY),
            paid(src::NATIONAL),
            paid(src::BRIDGE),
            reint.iter().map(|&c| m.gap(c)).sum(),
            m.backlog,
            m.unpaid_reinsertion as i64,
            Share.to_scaled(m.security),
            m.relapsed as i64,
        ]);
        out.extend_from_slice(&m.balances[2..8]);
        out.extend(m.spent.iter().map(|c| c.iter().sum::<Cents>()));
        out.extend((0..7).map(|c| m.gap(c)));
    }
    debug_assert_eq!(out.len(), traj.months.len() * series_count(n_groups));
    out
}

/// A fiscal-year funding cell: (fiscal year, source or "all", component or "all", measure).
#[derive(Debug, Clone, PartialEq)]
pub struct FundingCell {
    /// Fiscal year (calendar year it starts in).
    pub fiscal_year: i32,
    /// `kickstart`, `assessed`, `voluntary`, `national`, `bridge` or `all`.
    pub source: &'static str,
    /// Component name or `all`.
    pub component: &'static str,
    /// `received` or `spent`.
    pub measure: &'static str,
}

/// Fiscal years touched by the horizon, and each month's index into them.
pub fn fiscal_years(sc: &Scenario) -> (Vec<i32>, Vec<usize>) {
    let mut years = Vec::new();
    let mut of_month = Vec::new();
    for t in 1..=sc.horizon {
        let ym = sc.date(t);
        let fy = if ym.month >= sc.fiscal_year_start {
            ym.year
        } else {
            ym.year - 1
        };
        if years.last() != Some(&fy) {
            years.push(fy);
        }
        of_month.push(years.len() - 1);
    }
    (years, of_month)
}

/// The funding cells of a scenario, in output order.
pub fn funding_cells(sc: &Scenario) -> Vec<FundingCell> {
    let (years, _) = fiscal_years(sc);
    let mut v = Vec::new();
    for &fy in &years {
        for s in SOURCES {
            v.push(FundingCell {
                fiscal_year: fy,
                source: s,
                component: "all",
                measure: "received",
            });
        }
        for c in Component::ALL {
            for s in SOURCES.iter().chain(std::iter::once(&"all")) {
                v.push(FundingCell {
                    fiscal_year: fy,
                    source: s,
                    component: c.name(),
                    measure: "spent",
                });
            }
        }
    }
    v
}

/// One replicate's values for [`funding_cells`] (cents).
pub fn funding_row(sc: &Scenario, traj: &Trajectory) -> Vec<i64> {
    let (years, of_month) = fiscal_years(sc);
    let per_year = 5 + 7 * 6;
    let mut v = vec![0i64; years.len() * per_year];
    for (m, &fy) in traj.months.iter().zip(&of_month) {
        // The year's cells: received by source, then per component spent
        // by source and in all.
        let (received, spent) = v[fy * per_year..(fy + 1) * per_year].split_at_mut(5);
        for (r, x) in received.iter_mut().zip(&m.received) {
            *r += x;
        }
        for (cell, by_source) in spent.chunks_exact_mut(6).zip(&m.spent) {
            for (c, x) in cell.iter_mut().zip(by_source) {
                *c += x;
            }
            cell[5] += by_source.iter().sum::<Cents>();
        }
    }
    v
}
