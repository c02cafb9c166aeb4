//! MODEL.md section 10 invariants on real runs: every month of every
//! replicate, many seeds, every bundled scenario and fixture, and random
//! valid scenarios generated with proptest.

use super::common::{check_invariants, load, replicate};
use proptest::prelude::*;

fn check_file(rel: &str, seeds: u64, reps: u64) {
    let sc = load(rel);
    for seed in 0..seeds {
        for i in 0..reps {
            let (inp, trajs) = replicate(&sc, seed * 7919 + 1, i);
            for (p, traj) in trajs.iter().enumerate() {
                check_invariants(
                    &inp,
                    traj,
                    &format!("{rel} seed {seed} rep {i} policy {}", sc.policies[p].id),
                );
            }
        }
    }
}

#[test]
fn invariants_hold_on_fixture_with_funding_gap() {
    check_file("tests/fixtures/gap.toml", 10, 20);
}

#[test]
fn invariants_hold_on_every_bundled_scenario() {
    for entry in std::fs::read_dir(super::common::path("scenarios")).expect("scenarios folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let rel = format!(
                "scenarios/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            check_file(&rel, 2, 5);
        }
    }
}

/// Inputs of a random valid scenario.
struct Gen {
    caseloads: Vec<u32>,
    dd: u32,
    pays: Vec<u32>,
    d: u32,
    intake: u32,
    hazards: [f64; 6],
    assessed: u32,
    pledges: Vec<(u32, u32, u8, f64, u32, u32)>,
    first_month: bool,
    kick: (u32, u32, u32, bool),
    bridge: u32,
    appeal: bool,
}

/// A random valid scenario covering admissions, earmarks, kick-starts, bridges, appeals.
fn scenario_text(g: &Gen) -> String {
    let Gen {
        caseloads,
        dd,
        pays,
        d,
        intake,
        hazards,
        assessed,
        pledges,
        first_month,
        kick,
        bridge,
        appeal,
    } = g;
    let (dd, d, intake, assessed, first_month, bridge, appeal) =
        (*dd, *d, *intake, *assessed, *first_month, *bridge, *appeal);
    let mut s = format!(
        "[scenario]\nname = \"prop\"\nstart = \"2020-03\"\nhorizon_months = 30\nadmission = \"{}\"\noverhead_monthly = 500\n",
        if first_month { "first_month" } else { "full_course" }
    );
    for (g, &n) in caseloads.iter().enumerate() {
        s += &format!(
            "[[group]]\nid = \"g{g}\"\ncaseload = {n}\nturnout = [[1, 0.3], [10, 0.05]]\nsite_capacity = 60\ndd_months = {dd}\ndd_cost = 100\nreinsertion_payments = {pays:?}\nreint_months = {d}\nreint_startup = 50\nreint_monthly = 40\nintake_capacity = {intake}\n[group.absorption]\nshare = 0.2\ncapacity = 5\ncost = 300\n[group.hazard]\nrerecruit = {}\nwait_effect = 0.1\nwait_cap = 6\ninsecurity_effect = 0.5\nrerecruit_programme = {}\nunpaid_multiplier = 2\nself_reintegration = {}\nlost = {}\ndropout = {}\ndropout_interrupted = 0.2\nrelapse = {}\n",
            hazards[0], hazards[1], hazards[2], hazards[3], hazards[4], hazards[5]
        );
    }
    s += &format!("[assessed]\nannual = {assessed}\napproval_delay = 2\n");
    let earmarks = [
        "pooled",
        "reintegration",
        "dd",
        "reinsertion",
        "ssr",
        "overhead",
    ];
    for (i, (amount, month, e, f, tranches, interval)) in pledges.iter().enumerate() {
        s += &format!(
            "[[pledge]]\nid = \"p{i}\"\namount = {amount}\nmonth = {month}\nearmark = \"{}\"\nfulfilment = {f}\ndelay = 3\ntranches = {tranches}\ninterval = {interval}\n",
            earmarks[*e as usize % earmarks.len()]
        );
    }
    s += "[national]\nmonthly = 200\nfrom = 5\nto = 20\neligible = [\"reintegration\", \"ssr\"]\n";
    if appeal {
        s += "[appeal]\ntrigger = 1000\ncooldown = 4\nshare = { dist = \"uniform\", min = 0.1, max = 0.5 }\ndelay = 2\n";
    }
    s += "[ssr]\nmonthly_requirement = 300\ns0 = 0.3\ns_max = 0.8\nkappa = 0.4\n[conflict]\nlambda0 = 0.01\nb_armed = 1\nb_idle = 1\nb_sec = 1\n";
    s += "[[policy]]\nid = \"base\"\n";
    let (start, months, amount, offset) = *kick;
    s += &format!(
        "[[policy]]\nid = \"kick\"\n[policy.kickstart]\nstart = {start}\nmonths = {months}\namount = {amount}\nmode = \"added\"\noffset_voluntary = {offset}\n"
    );
    s += &format!("[[policy]]\nid = \"realloc\"\npledge_shift = -2\n[policy.kickstart]\nstart = {start}\nmonths = {months}\nmode = \"reallocated\"\n");
    s += &format!("[[policy]]\nid = \"bridge\"\npriority = [\"reintegration_new\", \"reintegration_continuing\", \"overhead\", \"dd\", \"reinsertion\", \"ssr_absorption\", \"ssr_institutional\"]\n[policy.bridge]\ncap = {bridge}\n");
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn invariants_hold_on_random_valid_scenarios(
        caseloads in prop::collection::vec(1u32..400, 1..4),
        dd in 1u32..4,
        pays in prop::collection::vec(0u32..200, 1..5),
        d in 1u32..6,
        intake in 0u32..80,
        hazards in prop::array::uniform6(0.0f64..0.3),
        assessed in 0u32..200_000,
        pledges in prop::collection::vec((0u32..100_000, 1u32..30, 0u8..6, 0.0f64..=1.0, 1u32..4, 1u32..6), 0..5),
        first_month in any::<bool>(),
        kick in (1u32..30, 1u32..40, 0u32..50_000, any::<bool>()),
        bridge in 0u32..50_000,
        appeal in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let text = scenario_text(&Gen { caseloads, dd, pays, d, intake, hazards, assessed, pledges, first_month, kick, bridge, appeal });
        let sc = ddrsim::scenario::parse_and_validate(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        for i in 0..3 {
            let (inp, trajs) = replicate(&sc, seed, i);
            for traj in &trajs {
                check_invariants(&inp, traj, "proptest");
            }
        }
    }
}
