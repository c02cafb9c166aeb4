//! One replicate's outcomes as a flat, named vector, built the same way from
//! the engine's [`Trajectory`] and from the oracle's [`OracleResult`].

use super::person::OracleResult;
use ddrsim::model::record::{st, Trajectory, STATES};
use ddrsim::scenario::Component;

/// The common view of one replicate.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Final people by group and state.
    pub final_people: Vec<[u64; 11]>,
    /// Per group: disarmed, turned_away, completed, dropouts, interrupted_months.
    pub tallies: Vec<[u64; 5]>,
    /// Per group: admitted to a course, sum of months waited by those admitted.
    pub admitted: Vec<[u64; 2]>,
    /// Per group: person-months waiting, peak waiting.
    pub waiting: Vec<[u64; 2]>,
    /// Spending by component over the run (USD).
    pub spent: [f64; 7],
    /// Lapsed money (USD).
    pub lapsed: f64,
    /// Unpaid reinsertion person-months.
    pub unpaid: u64,
    /// Conflict relapsed (0/1).
    pub relapse: u64,
    /// Bridge outstanding at T (USD).
    pub bridge_outstanding: f64,
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

impl Summary {
    /// From the compartment engine.
    pub fn from_engine(tr: &Trajectory) -> Summary {
        let ng = tr.tallies.len();
        let last = tr.months.last().expect("at least one month");
        let mut waiting = vec![[0u64; 2]; ng];
        let mut spent = [0f64; 7];
        let mut lapsed = 0i64;
        let mut unpaid = 0u64;
        let mut gap_months = 0u64;
        let (ci_c, ci_n) = (
            Component::ReintegrationContinuing as usize,
            Component::ReintegrationNew as usize,
        );
        for m in &tr.months {
            for g in 0..ng {
                let w = m.people[g][st::WAITING];
                waiting[g][0] += w;
                waiting[g][1] = waiting[g][1].max(w);
            }
            for (c, s) in spent.iter_mut().enumerate() {
                *s += m.spent[c].iter().sum::<i64>() as f64 / 100.0;
            }
            lapsed += m.lapsed;
            unpaid += m.unpaid_reinsertion;
            if m.gap(ci_c) + m.gap(ci_n) > 0 {
                gap_months += 1;
            }
        }
        Summary {
            final_people: last.people.clone(),
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
            spent,
            lapsed: lapsed as f64 / 100.0,
            unpaid,
            relapse: tr.relapse_month.is_some() as u64,
            bridge_outstanding: last.bridge_outstanding as f64 / 100.0,
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
        let mut spent = [0f64; 7];
        for c in 0..7 {
            spent[c] = r.spent[c] as f64 / 100.0;
        }
        Summary {
            final_people: r.people.last().expect("at least one month").clone(),
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
            spent,
            lapsed: r.lapsed as f64 / 100.0,
            unpaid: r.unpaid_reinsertion,
            relapse: r.relapse_month.is_some() as u64,
            bridge_outstanding: r.bridge_outstanding as f64 / 100.0,
            appeals: r.appeals as u64,
            gap_months: r.gap_months as u64,
        }
    }

    /// Outcome names, in the order of [`Summary::values`].
    pub fn names(group_ids: &[String]) -> Vec<String> {
        let mut n: Vec<String> = HEADLINE.iter().map(|s| s.to_string()).collect();
        for id in group_ids {
            for s in STATES {
                n.push(format!("{id}.final.{s}"));
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
        for s in [
            "lapsed",
            "unpaid_reinsertion_person_months",
            "relapse",
            "bridge_outstanding",
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
            v.extend(self.tallies[g].iter().map(|&x| x as f64));
            v.extend(self.admitted[g].iter().map(|&x| x as f64));
            v.extend(self.waiting[g].iter().map(|&x| x as f64));
        }
        v.extend(self.spent.iter());
        v.push(self.lapsed);
        v.push(self.unpaid as f64);
        v.push(self.relapse as f64);
        v.push(self.bridge_outstanding);
        v.push(self.appeals as f64);
        v.push(self.gap_months as f64);
        v
    }
}
