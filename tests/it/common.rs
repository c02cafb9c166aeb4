//! Shared helpers for the integration tests.

use ddrsim::engine::inputs::draw_values;
use ddrsim::engine::rng::Streams;
use ddrsim::engine::simulate;
use ddrsim::model::inputs::Inputs;
use ddrsim::model::record::Trajectory;
use ddrsim::scenario::{parse_and_validate, Scenario};
use std::path::PathBuf;

/// Path of a fixture or bundled scenario relative to the crate root.
pub fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Loads and validates a scenario file, panicking with the problems if invalid.
pub fn load(rel: &str) -> Scenario {
    let text = std::fs::read_to_string(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    parse_and_validate(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Inputs and trajectories of every policy for replicate `i`.
pub fn replicate(sc: &Scenario, seed: u64, i: u64) -> (Inputs, Vec<Trajectory>) {
    let streams = Streams::replicate(seed, i);
    let inp = Inputs::build(sc, &draw_values(sc, &streams));
    let trajs = (0..sc.policies.len())
        .map(|p| simulate(sc, &inp, p, &streams))
        .collect();
    (inp, trajs)
}

/// Checks MODEL.md section 10's people and money invariants on every month.
pub fn check_invariants(inp: &Inputs, traj: &Trajectory, what: &str) {
    let (mut inflow, mut spent, mut lapsed, mut repaid) = (0i128, 0i128, 0i128, 0i128);
    for (t, m) in traj.months.iter().enumerate() {
        let month = t + 1;
        for (g, people) in traj.people_at(t).iter().enumerate() {
            let total: u64 = people.iter().sum();
            assert_eq!(
                total, inp.groups[g].caseload,
                "{what}: group {g} month {month}: people not conserved: {people:?}"
            );
            assert!(
                people.iter().all(|&p| p <= inp.groups[g].caseload),
                "{what}: wrapped count {people:?}"
            );
        }
        inflow += m.received.iter().map(|&x| x as i128).sum::<i128>();
        spent += m.spent_total() as i128;
        lapsed += m.lapsed as i128;
        repaid += m.bridge_repaid as i128;
        let balances: i128 = m.balances.iter().map(|&x| x as i128).sum();
        assert_eq!(
            inflow,
            spent + balances + lapsed + repaid,
            "{what}: month {month}: money not conserved"
        );
        assert!(
            m.balances.iter().all(|&b| b >= 0),
            "{what}: month {month}: negative balance {:?}",
            m.balances
        );
        assert!(
            m.bridge_outstanding >= 0
                && m.received.iter().all(|&r| r >= 0)
                && m.lapsed >= 0
                && m.offset >= 0
        );
        for c in 0..7 {
            assert!(
                m.spent[c].iter().all(|&s| s >= 0),
                "{what}: negative spending"
            );
            assert!(
                m.gap(c) >= 0,
                "{what}: month {month}: component {c} spent more than its demand"
            );
        }
        assert!((0.0..=1.0).contains(&m.security));
    }
    // Advances outstanding are exactly the drawn minus the repaid.
    let drawn: i128 = traj.months.iter().map(|m| m.received[4] as i128).sum();
    let last = traj.months.last().map_or(0, |m| m.bridge_outstanding) as i128;
    assert_eq!(drawn - repaid, last, "{what}: bridge ledger");
}
