//! One replicate's outcomes as a flat, named vector, built the same way from
//! the engine's [`Trajectory`] and from the oracle's [`OracleResult`].

use super::person::OracleResult;
use ddrsim::model::record::{src, st, Trajectory, STATES};
use ddrsim::scenario::Component;

/// The common view of one replicate.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Final people by group and state.
    pub final_people: Vec<[u64; 11]>,
    /// People by group and state at the snapshot months ([`snapshot_months`]).
    pub snapshots: Vec<Vec<[u64; 11]>>,
    /// Per group: disarmed, turned_away, completed, dropouts, interrupted_months.
    pub tallies: Vec<[u64; 5]>,
    /// Per group: admitted to a course, sum of months waited by those admitted.
    pub admitted: Vec<[u64; 2]>,
    /// Per group: person-months waiting, peak waiting.
    pub waiting: Vec<[u64; 2]>,
    /// Spending by component over the run (USD).
    pub spent: [f64; 7],
    /// Spending by source over the run (USD): kickstart, assessed, voluntary, national, bridge.
    pub spent_by_source: [f64; 5],
    /// Lapsed money (USD).
    pub lapsed: f64,
    /// Unpaid reinsertion person-months.
    pub unpaid: u64,
    /// Conflict relapsed (0/1).
    pub relapse: u64,
    /// Bridge advances drawn, repaid, outstanding at T (USD).
    pub bridge: [f64; 3],
    /// Voluntary money removed by `offset_voluntary` (USD).
    pub offset: f64,
    /// Appeals launched.
    pub appeals: u64,
    /// Months with a reintegration gap.
    pub gap_months: u64,
}

/// The headline totals of the brief (summed over groups).
pub const HEADLINE: [&str; 8] = [
    "total.disarmed",
    "total.completed",
    "total.rerecruited",
    "total.self_reintegrated",
    "total.lost",
    "total.absorbed",
    "total.waiting",
    "total.dropouts",
];

/// Months at which the whole state vector is compared as well as at T:
/// about a third and two thirds of the horizon.
pub fn snapshot_months(horizon: usize) -> [usize; 2] {
    [(horizon / 3).max(1), (2 * horizon / 3).max(1)]
}

fn usd(c: i64) -> f64 {
    c as f64 / 100.0
}

impl Summary {
    /// From the compartment engine.
    pub fn from_engine(tr: &Trajectory) -> Summary {
        let ng = tr.tallies.len();
        let last = tr.months.last().expect("at least one month");
        let mut waiting = vec![[0u64; 2]; ng];
        // Money is summed in whole cents and converted once, exactly as the
        // oracle does, so equal amounts give equal floats (the KS test
        // compares values exactly).
        let mut spent = [0i64; 7];
        let mut by_source = [0i64; 5];
        let (mut lapsed, mut drawn, mut repaid, mut offset) = (0i64, 0i64, 0i64, 0i64);
        let mut unpaid = 0u64;
        let mut gap_months = 0u64;
        let (ci_c, ci_n) = (
            Component::ReintegrationContinuing as usize,
            Component::ReintegrationNew as usize,
        );
        for (m, month_people) in tr.months.iter().zip(tr.monthly_people()) {
            for (wg, people) in waiting.iter_mut().zip(month_people) {
                let w = people[st::WAITING];
                wg[0] += w;
                wg[1] = wg[1].max(w);
            }
            for (total, by_src) in spent.iter_mut().zip(&m.spent) {
                *total += by_src.iter().sum::<i64>();
                for (v, &c) in by_source.iter_mut().zip(by_src) {
                    *v += c;
                }
            }
            lapsed += m.lapsed;
            drawn += m.received[src::BRIDGE];
            repaid += m.bridge_repaid;
            offset += m.offset;
            unpaid += m.unpaid_reinsertion;
            if m.gap(ci_c) + m.gap(ci_n) > 0 {
                gap_months += 1;
            }
        }
        Summary {
            final_people: tr.final_people().to_vec(),
            snapshots: snapshot_months(tr.months.len())
                .iter()
                .map(|&t| tr.people_at(t - 1).to_vec())
                .collect(),
            tallies: tr
                .tallies
                .iter()
                .map(|t| {
                    [
                        t.disarmed,
                        t.turned_away,
                        t.completed,
                        t.dropouts,
                        t.interrupted_months,
                    ]
                })
                .collect(),
            admitted: tr
                .tallies
                .iter()
                .map(|t| {
                    [
                        t.wait_hist.iter().sum(),
                        t.wait_hist
                            .iter()
                            .enumerate()
                            .map(|(k, &n)| k as u64 * n)
                            .sum(),
                    ]
                })
                .collect(),
            waiting,
            spent: spent.map(usd),
            spent_by_source: by_source.map(usd),
            lapsed: usd(lapsed),
            unpaid,
            relapse: tr.relapse_month.is_some() as u64,
            bridge: [usd(drawn), usd(repaid), usd(last.bridge_outstanding)],
            offset: usd(offset),
            appeals: tr.appeals as u64,
            gap_months,
        }
    }

    /// From the oracle.
    pub fn from_oracle(r: &OracleResult) -> Summary {
        let ng = r.disarmed.len();
        let mut waiting = vec![[0u64; 2]; ng];
        for m in &r.people {
            for g in 0..ng {
                let w = m[g][st::WAITING];
                waiting[g][0] += w;
                waiting[g][1] = waiting[g][1].max(w);
            }
        }
        Summary {
            final_people: r.people.last().expect("at least one month").clone(),
            snapshots: snapshot_months(r.people.len())
                .iter()
                .map(|&t| r.people[t - 1].clone())
                .collect(),
            tallies: (0..ng)
                .map(|g| {
                    [
                        r.disarmed[g],
                        r.turned_away[g],
                        r.completed[g],
                        r.dropouts[g],
                        r.interrupted_months[g],
                    ]
                })
                .collect(),
            admitted: r
                .wait_hist
                .iter()
                .map(|h| {
                    [
                        h.iter().sum(),
                        h.iter().enumerate().map(|(k, &n)| k as u64 * n).sum(),
                    ]
                })
                .collect(),
            waiting,
            spent: r.spent.map(usd),
            spent_by_source: r.spent_by_source.map(usd),
            lapsed: usd(r.lapsed),
            unpaid: r.unpaid_reinsertion,
            relapse: r.relapse_month.is_some() as u64,
            bridge: [
                usd(r.bridge_drawn),
                usd(r.bridge_repaid),
                usd(r.bridge_outstanding),
            ],
            offset: usd(r.offset),
            appeals: r.appeals as u64,
            gap_months: r.gap_months as u64,
        }
    }

    /// Outcome names, in the order of [`Summary::values`].
    pub fn names(group_ids: &[String], horizon: usize) -> Vec<String> {
        let mut n: Vec<String> = HEADLINE.iter().map(|s| s.to_string()).collect();
        for id in group_ids {
            for s in STATES {
                n.push(format!("{id}.final.{s}"));
            }
            for t in snapshot_months(horizon) {
                for s in STATES {
                    n.push(format!("{id}.month{t}.{s}"));
                }
            }
            for s in [
                "disarmed",
                "turned_away",
                "completed",
                "dropouts",
                "interrupted_months",
            ] {
                n.push(format!("{id}.{s}"));
            }
            n.push(format!("{id}.admitted_to_course"));
            n.push(format!("{id}.months_waited_by_admitted"));
            n.push(format!("{id}.person_months_waiting"));
            n.push(format!("{id}.peak_waiting"));
        }
        for c in Component::ALL {
            n.push(format!("spent.{}", c.name()));
        }
        for s in ["kickstart", "assessed", "voluntary", "national", "bridge"] {
            n.push(format!("spent_from.{s}"));
        }
        for s in [
            "lapsed",
            "unpaid_reinsertion_person_months",
            "relapse",
            "bridge_drawn",
            "bridge_repaid",
            "bridge_outstanding",
            "offset_voluntary",
            "appeals",
            "reintegration_gap_months",
        ] {
            n.push(s.to_string());
        }
        n
    }

    /// Outcome values, in the order of [`Summary::names`].
    pub fn values(&self) -> Vec<f64> {
        let tot =
            |f: &dyn Fn(usize) -> u64| (0..self.final_people.len()).map(f).sum::<u64>() as f64;
        let mut v = vec![
            tot(&|g| self.tallies[g][0]),
            tot(&|g| self.tallies[g][2]),
            tot(&|g| self.final_people[g][st::RERECRUITED]),
            tot(&|g| self.final_people[g][st::SELF_REINTEGRATED]),
            tot(&|g| self.final_people[g][st::LOST]),
            tot(&|g| self.final_people[g][st::ABSORBED]),
            tot(&|g| self.final_people[g][st::WAITING]),
            tot(&|g| self.tallies[g][3]),
        ];
        for g in 0..self.final_people.len() {
            v.extend(self.final_people[g].iter().map(|&x| x as f64));
            for snap in &self.snapshots {
                v.extend(snap[g].iter().map(|&x| x as f64));
            }
            v.extend(self.tallies[g].iter().map(|&x| x as f64));
            v.extend(self.admitted[g].iter().map(|&x| x as f64));
            v.extend(self.waiting[g].iter().map(|&x| x as f64));
        }
        v.extend(self.spent.iter());
        v.extend(self.spent_by_source.iter());
        v.push(self.lapsed);
        v.push(self.unpaid as f64);
        v.push(self.relapse as f64);
        v.extend(self.bridge.iter());
        v.push(self.offset);
        v.push(self.appeals as f64);
        v.push(self.gap_months as f64);
        v
    }
}
