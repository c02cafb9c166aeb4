//! Engine behaviour: determinism, common random numbers, golden values,
//! the null world and the deterministic timing invariant.

use super::common::{load, replicate};
use ddrsim::engine::run::{run, run_replicate, RunOptions};
use ddrsim::model::outcome::outcome_columns;
use ddrsim::scenario::parse_and_validate;
use ddrsim::stats::accum::ReplicateResult;

fn collect(
    sc: &ddrsim::scenario::Scenario,
    seed: u64,
    first: u64,
    n: u64,
    threads: usize,
) -> (Vec<ReplicateResult>, ddrsim::stats::accum::RunAccumulator) {
    let mut all = Vec::new();
    let acc = run(
        sc,
        &RunOptions {
            seed,
            first,
            replicates: n,
            threads,
        },
        |b| {
            all.extend_from_slice(b);
            Ok::<(), ()>(())
        },
    )
    .expect("run");
    (all, acc)
}

#[test]
fn same_seed_same_results_and_thread_count_does_not_matter() {
    let sc = load("tests/fixtures/gap.toml");
    let (a, acc_a) = collect(&sc, 42, 0, 150, 1);
    let (b, acc_b) = collect(&sc, 42, 0, 150, 2);
    let (c, _) = collect(&sc, 42, 0, 150, 2);
    assert_eq!(a, b);
    assert_eq!(b, c);
    assert_eq!(acc_a, acc_b);
    let (d, _) = collect(&sc, 43, 0, 150, 2);
    assert_ne!(a, d, "a different seed must give different results");
}

#[test]
fn replicate_alone_equals_the_same_replicate_in_a_batch() {
    let sc = load("tests/fixtures/gap.toml");
    let (batch, _) = collect(&sc, 9, 0, 100, 2);
    for i in [0u64, 37, 99] {
        assert_eq!(run_replicate(&sc, 9, i), batch[i as usize]);
    }
}

#[test]
fn shards_merge_to_the_whole_run_exactly() {
    let sc = load("tests/fixtures/gap.toml");
    let (_, whole) = collect(&sc, 3, 0, 130, 2);
    let (_, mut first) = collect(&sc, 3, 0, 45, 1);
    let (_, second) = collect(&sc, 3, 45, 85, 2);
    first.merge(&second);
    assert_eq!(first, whole);
}

#[test]
fn a_policy_that_changes_nothing_has_exactly_zero_paired_difference() {
    let sc = load("tests/fixtures/null.toml");
    let nothing = sc
        .policies
        .iter()
        .position(|p| p.id == "nothing")
        .expect("policy");
    for i in 0..200 {
        let r = run_replicate(&sc, 1, i);
        assert_eq!(r.policies[0], r.policies[nothing], "replicate {i}");
    }
}

/// Golden fixed-seed values. Update deliberately, with a note in the commit
/// message saying why the model changed, when a change is intended.
///
/// Updated when the random stream changed but the model did not: the
/// streams became SplitMix64 in counter mode (was Xoshiro256++ seeded from
/// the same keys) and binomial draws an exact sampler of our own (was
/// rand_distr's; hazard draws skip computing `1 - exp(-h)` when the uniform
/// already says 0). Every draw still has exactly the distribution it had
/// (exactness: chi-square tests against exact pmfs in
/// src/engine/binomial/tests.rs; every oracle, closed-form, null-world and
/// invariant test passes unchanged in its tolerances); only the values one
/// seed gives changed. Updated again when uncertain parameters became
/// inverse-CDF draws truncated to their allowed range (MODEL.md 1.2 section
/// 3): the same seed consumes its uniforms differently, and the drawn
/// distribution changes only by the excluded tail (at most 1% of the mass,
/// none for gap.toml's in-range distributions). `backlog_peak` replaced the
/// summed monthly gap (MODEL.md 1.2 section 8).
#[test]
fn golden_fixed_seed_outcomes() {
    let sc = load("tests/fixtures/gap.toml");
    let cols = outcome_columns(&sc);
    let pick = |r: &ReplicateResult, p: usize, name: &str| {
        let c = cols
            .iter()
            .position(|c| c.metric.name == name && c.group.is_none())
            .expect("column");
        r.policies[p].outcomes[c]
    };
    let r = run_replicate(&sc, 1, 0);
    let got: Vec<_> = [
        "disarmed",
        "completed",
        "rerecruited",
        "peak_waiting",
        "spent_total",
        "backlog_peak",
    ]
    .iter()
    .map(|n| (pick(&r, 0, n), pick(&r, 1, n)))
    .collect();
    let expected = vec![
        (Some(853), Some(853)),
        (Some(654), Some(745)),
        (Some(154), Some(111)),
        (Some(671), Some(433)),
        (Some(111654000), Some(117308000)),
        (Some(40365000), Some(26025000)),
    ];
    assert_eq!(got, expected);
}

fn z_of_pair(results: &[ReplicateResult], col: usize, policy: usize) -> (f64, f64) {
    let d: Vec<f64> = results
        .iter()
        .map(|r| {
            (r.policies[policy].outcomes[col].unwrap_or(0)
                - r.policies[0].outcomes[col].unwrap_or(0)) as f64
        })
        .collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let se = (var / n).sqrt();
    (mean, if se == 0.0 { 0.0 } else { mean / se })
}

#[test]
fn null_world_no_policy_changes_rerecruitment_or_relapse_but_completions_change() {
    let sc = load("tests/fixtures/null.toml");
    let cols = outcome_columns(&sc);
    let col = |name: &str| {
        cols.iter()
            .position(|c| c.metric.name == name && c.group.is_none())
            .expect("column")
    };
    let (results, _) = collect(&sc, 2024, 0, 4000, 2);
    // Two-sided test at 0.001 per comparison: |z| < 3.29 for a correct engine.
    for policy in 1..sc.policies.len() {
        let (mean, z) = z_of_pair(&results, col("rerecruited"), policy);
        assert!(
            z.abs() < 3.29,
            "policy {}: re-recruitment changed by {mean} (z = {z})",
            sc.policies[policy].id
        );
        let (mean, z) = z_of_pair(&results, col("relapse"), policy);
        assert!(
            z.abs() < 3.29,
            "policy {}: relapse changed by {mean} (z = {z})",
            sc.policies[policy].id
        );
    }
    let (mean, z) = z_of_pair(&results, col("completed"), 1);
    assert!(
        z > 3.29,
        "the kick-start must change completions in this scenario (mean {mean}, z {z})"
    );
}

#[test]
fn without_waiting_and_interruption_effects_earlier_money_brings_no_rerecruitment_benefit() {
    let text =
        std::fs::read_to_string(super::common::path("tests/fixtures/gap.toml")).expect("fixture");
    let text = text
        .replace("rerecruit = 0.01\n", "rerecruit = 0\n")
        .replace("rerecruit = 0.008\n", "rerecruit = 0\n")
        .replace("wait_effect = 0.1\n", "wait_effect = 0\n")
        .replace(
            "wait_effect = { dist = \"uniform\", min = 0.0, max = 0.2 }\n",
            "wait_effect = 0\n",
        )
        .replace("unpaid_multiplier = 2\n", "unpaid_multiplier = 1\n")
        .replace(
            "dropout_interrupted = 0.08\n",
            "dropout_interrupted = 0.01\n",
        );
    let sc = parse_and_validate(&text).expect("valid");
    let cols = outcome_columns(&sc);
    let rr = cols
        .iter()
        .position(|c| c.metric.name == "rerecruited" && c.group.is_none())
        .expect("column");
    let (results, _) = collect(&sc, 77, 0, 2000, 2);
    for policy in 1..sc.policies.len() {
        let (mean, z) = z_of_pair(&results, rr, policy);
        // One-sided at 0.001: no detectable reduction in re-recruitment.
        assert!(
            z > -3.09,
            "policy {}: re-recruitment fell by {mean} (z = {z})",
            sc.policies[policy].id
        );
    }
}

/// MODEL.md section 10, last invariant: with unlimited money and capacity and
/// all hazards 0, everyone who presents ends REINT or ABSORBED at a fixed
/// time after admission to D&D. With section 5's order (new starts, 5.2,
/// come before reinsertion exits, 5.3) a person leaving reinsertion spends
/// one month-end on the waiting list with k = 0 before starting, so the
/// total is dd + r + d + 1 months; see docs/model.md.
#[test]
fn zero_hazard_unlimited_money_fixed_pipeline_duration() {
    for (dd, r, d) in [(1usize, 1usize, 1usize), (2, 3, 4), (3, 1, 6)] {
        let pays = vec!["100"; r].join(", ");
        let text = format!(
            r#"[scenario]
name = "timing"
start = "2024-01"
horizon_months = 40
[[group]]
id = "g"
caseload = 1000
turnout = [[1, 0.5], [4, 0.0]]
site_capacity = 1000000
dd_months = {dd}
dd_cost = 10
reinsertion_payments = [{pays}]
reint_months = {d}
reint_startup = 10
reint_monthly = 10
intake_capacity = 1000000
[group.hazard]
rerecruit = 0
wait_effect = 0
wait_cap = 0
insecurity_effect = 0
self_reintegration = 0
lost = 0
dropout = 0
relapse = 0
[assessed]
annual = 1e12
eligible = ["overhead", "dd", "reinsertion", "reintegration", "ssr"]
[ssr]
monthly_requirement = 0
s0 = 0.5
s_max = 0.5
kappa = 0
[conflict]
lambda0 = 0
b_armed = 0
b_idle = 0
b_sec = 0
[[policy]]
id = "base"
"#
        );
        let sc = parse_and_validate(&text).expect("valid");
        let (_, trajs) = replicate(&sc, 1, 0);
        let traj = &trajs[0];
        let lag = dd + r + d + 1;
        let people = |t: usize| traj.people_at(t - 1)[0];
        let admitted_by: Vec<u64> = (0..=40)
            .map(|t| if t == 0 { 0 } else { 1000 - people(t)[0] })
            .collect();
        for t in 1..=40usize {
            let done = people(t)[5] + people(t)[9];
            let expected = if t > lag { admitted_by[t - lag] } else { 0 };
            assert_eq!(done, expected, "dd {dd} r {r} d {d}: month {t}");
        }
        assert_eq!(
            traj.tallies[0].wait_hist.iter().skip(1).sum::<u64>(),
            0,
            "nobody waits a whole month"
        );
    }
}

#[test]
fn monthly_series_are_consistent_with_each_other() {
    use ddrsim::model::outcome::series_columns;
    let sc = load("tests/fixtures/gap.toml");
    let cols = series_columns(&sc);
    let ix = |name: &str| {
        cols.iter()
            .position(|s| s.name == name && s.group.is_none())
            .expect(name)
    };
    let components = [
        "overhead",
        "dd",
        "reinsertion",
        "reintegration_continuing",
        "reintegration_new",
        "ssr_absorption",
        "ssr_institutional",
    ];
    for i in 0..20 {
        let r = run_replicate(&sc, 4, i);
        for p in &r.policies {
            assert_eq!(p.n_series, cols.len());
            assert_eq!(p.series.len(), cols.len() * sc.horizon as usize);
            assert_eq!(p.series_month(1), &p.series[cols.len()..2 * cols.len()]);
            for month in p.series_months() {
                let spent: i64 = components
                    .iter()
                    .map(|c| month[ix(&format!("spent_{c}"))])
                    .sum();
                assert_eq!(spent, month[ix("spent_total")]);
                assert_eq!(
                    month[ix("gap_flow_reintegration_continuing")]
                        + month[ix("gap_flow_reintegration_new")],
                    month[ix("gap_flow_reintegration")]
                );
                let pools: i64 = [
                    "earmark_overhead",
                    "earmark_dd",
                    "earmark_reinsertion",
                    "earmark_reintegration",
                    "earmark_ssr",
                    "pooled",
                ]
                .iter()
                .map(|p| month[ix(&format!("balance_{p}"))])
                .sum();
                assert_eq!(pools, month[ix("balance_voluntary")]);
            }
        }
    }
}
