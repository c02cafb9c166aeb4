//! Calibration checks (docs/validation.md): historical figures must lie inside
//! the 5-95% band of the baseline policy's simulated outcomes, with the shared
//! behavioural block of docs/assumptions.md (never per-country values).
//!
//! Each check runs only the baseline policy of a bundled scenario (policies
//! share random streams, so dropping the others leaves the baseline's results
//! unchanged; `truncating_policies_leaves_the_baseline_unchanged` checks it),
//! with the scenario's own seed and 1,000 replicates, and computes exact
//! nearest-rank percentiles of the replicate values. Run with
//! `cargo test --release calibration -- --nocapture` to print the bands.

use super::common::load;
use ddrsim::engine::run::{run, RunOptions};
use ddrsim::model::outcome::{outcome_columns, series_columns};
use ddrsim::scenario::Scenario;
use ddrsim::stats::accum::{PolicyResult, ReplicateResult};

/// Replicates per check: the bands' end points move by well under the
/// distance to the historical figures between seeds at this size, and a
/// check takes about a second in release.
const REPLICATES: u64 = 1_000;

/// The scenario with only its first (baseline) policy.
fn baseline_only(rel: &str) -> Scenario {
    let mut sc = load(rel);
    sc.policies.truncate(1);
    sc
}

fn opts(sc: &Scenario, replicates: u64) -> RunOptions {
    RunOptions {
        seed: sc.seed,
        first: 0,
        replicates,
        threads: 0,
    }
}

/// Runs the baseline and keeps `f(baseline result)` per replicate, in
/// replicate order (the full results are dropped block by block).
fn per_replicate<T>(sc: &Scenario, f: impl Fn(&PolicyResult) -> T) -> Vec<T> {
    let mut out = Vec::with_capacity(REPLICATES as usize);
    run(sc, &opts(sc, REPLICATES), |block: &[ReplicateResult]| {
        out.extend(block.iter().map(|r| f(&r.policies[0])));
        Ok::<(), ()>(())
    })
    .expect("run");
    out
}

fn group(sc: &Scenario, id: &str) -> usize {
    sc.groups
        .iter()
        .position(|g| g.id == id)
        .unwrap_or_else(|| panic!("{}: no group {id}", sc.name))
}

/// Index of an outcome column (`group` `None` = all groups).
fn outcome(sc: &Scenario, metric: &str, group: Option<usize>) -> usize {
    outcome_columns(sc)
        .iter()
        .position(|c| c.metric.name == metric && c.group == group)
        .unwrap_or_else(|| panic!("no outcome {metric} for {group:?}"))
}

/// Index of a monthly series (`group` `None` = all groups).
fn series(sc: &Scenario, name: &str, group: Option<usize>) -> usize {
    series_columns(sc)
        .iter()
        .position(|s| s.name == name && s.group == group)
        .unwrap_or_else(|| panic!("no series {name} for {group:?}"))
}

/// Model month (1..T) of a calendar month `YYYY-MM`.
fn month(sc: &Scenario, date: &str) -> usize {
    (1..=sc.horizon)
        .find(|&t| sc.date(t).to_string() == date)
        .unwrap_or_else(|| panic!("{date} is not inside {}", sc.name)) as usize
}

/// Exact nearest-rank percentile (the definition of summary.csv): the
/// smallest value with at least `p` percent of the values at or below it.
fn percentile(values: &[f64], p: u32) -> f64 {
    assert!(!values.is_empty() && values.iter().all(|v| v.is_finite()));
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = (v.len() * p as usize).div_ceil(100).max(1);
    v[rank - 1]
}

/// The 5th, 50th and 95th percentiles.
fn band(values: &[f64]) -> (f64, f64, f64) {
    (
        percentile(values, 5),
        percentile(values, 50),
        percentile(values, 95),
    )
}

/// Prints the band and asserts the historical figure lies inside it.
fn check(what: &str, values: &[f64], historical: f64) {
    let (lo, mid, hi) = band(values);
    println!(
        "{what}: 5-95% band [{lo}, {hi}], median {mid}, historical {historical} ({} replicates)",
        values.len()
    );
    assert!(
        lo <= historical && historical <= hi,
        "{what}: historical figure {historical} outside the baseline's 5-95% band \
         [{lo}, {hi}] (median {mid}); see docs/validation.md before changing anything"
    );
}

#[test]
fn truncating_policies_leaves_the_baseline_unchanged() {
    for rel in [
        "scenarios/sierra-leone-1998.toml",
        "scenarios/burundi-2004.toml",
    ] {
        let full = load(rel);
        let short = baseline_only(rel);
        let collect = |sc: &Scenario| {
            let mut all = Vec::new();
            run(sc, &opts(sc, 16), |b: &[ReplicateResult]| {
                all.extend(b.iter().map(|r| (r.params.clone(), r.policies[0].clone())));
                Ok::<(), ()>(())
            })
            .expect("run");
            all
        };
        assert!(full.policies.len() > 1);
        assert_eq!(collect(&full), collect(&short), "{rel}");
    }
}

/// Sierra Leone, Oct 2002 (docs/sources.md S50): "56,751 registered for
/// reintegration, 14,220 completed, 19,073 in training, 23,458 still to
/// serve". "Still to serve" = the waiting list (`waiting`, all groups) at the
/// end of 2002-10. Nobody is in reinsertion then in the model (the last
/// disarmament was in Jan 2002 and reinsertion lasts four months), so
/// counting reinsertion as "still to serve" would change nothing.
#[test]
fn sierra_leone_backlog_oct_2002() {
    let sc = baseline_only("scenarios/sierra-leone-1998.toml");
    let t = month(&sc, "2002-10");
    let waiting = series(&sc, "waiting", None);
    let reinsertion = series(&sc, "in_reinsertion", None);
    let rows = per_replicate(&sc, |p| {
        let m = p.series_month(t - 1);
        (m[waiting] as f64, m[reinsertion] as f64)
    });
    let w: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let in_reinsertion: Vec<f64> = rows.iter().map(|r| r.1).collect();
    println!(
        "sierra-leone-1998 in reinsertion at 2002-10: band {:?}",
        band(&in_reinsertion)
    );
    check("sierra-leone-1998 waiting at 2002-10", &w, 23_458.0);
}

/// Sierra Leone, final (docs/sources.md S51): "63,545 took part" in reintegration =
/// `started_reintegration` (all groups) at the horizon (2004-06).
#[test]
fn sierra_leone_final_participation() {
    let sc = baseline_only("scenarios/sierra-leone-1998.toml");
    let started = outcome(&sc, "started_reintegration", None);
    let v = per_replicate(&sc, |p| p.outcomes[started].expect("people") as f64);
    check("sierra-leone-1998 started_reintegration", &v, 63_545.0);
}

/// Burundi (docs/sources.md S53): 23,022 adults demobilised, 21,966 received
/// reintegration support (0.954; S27: "Burundi 0.95"). Per replicate,
/// over the adult groups (all but `children`): started_reintegration /
/// (disarmed - absorbed - still in D&D or reinsertion at the horizon). People
/// disarmed in the last 18 months cannot have reached reintegration by the
/// horizon in the model, whatever happens; they are neither successes nor
/// failures of the reintegration stage (docs/validation.md, case 3). The
/// share with them counted as failures is printed too.
#[test]
fn burundi_adults_reaching_reintegration() {
    let sc = baseline_only("scenarios/burundi-2004.toml");
    let t = sc.horizon as usize;
    let children = group(&sc, "children");
    let adults: Vec<usize> = (0..sc.groups.len()).filter(|&g| g != children).collect();
    let cols: Vec<[usize; 5]> = adults
        .iter()
        .map(|&g| {
            [
                outcome(&sc, "started_reintegration", Some(g)),
                outcome(&sc, "disarmed", Some(g)),
                outcome(&sc, "absorbed", Some(g)),
                series(&sc, "in_dd", Some(g)),
                series(&sc, "in_reinsertion", Some(g)),
            ]
        })
        .collect();
    let rows = per_replicate(&sc, |p| {
        let (mut started, mut demobilised, mut pipeline) = (0i64, 0i64, 0i64);
        for c in &cols {
            let o = |i: usize| p.outcomes[i].expect("people");
            started += o(c[0]);
            demobilised += o(c[1]) - o(c[2]);
            pipeline += p.series_month(t - 1)[c[3]] + p.series_month(t - 1)[c[4]];
        }
        (started, demobilised, pipeline)
    });
    let share: Vec<f64> = rows
        .iter()
        .map(|&(s, d, pipe)| s as f64 / (d - pipe) as f64)
        .collect();
    let strict: Vec<f64> = rows.iter().map(|&(s, d, _)| s as f64 / d as f64).collect();
    let pipeline: Vec<f64> = rows.iter().map(|&(_, d, p)| p as f64 / d as f64).collect();
    println!(
        "burundi-2004 adults' share, still in the pipeline at the horizon counted as failures: band {:?}",
        band(&strict)
    );
    println!(
        "burundi-2004 share of demobilised adults still in D&D or reinsertion at the horizon: band {:?}",
        band(&pipeline)
    );
    // The exclusion must stay a small correction, not what makes the check pass.
    assert!(
        percentile(&pipeline, 50) < 0.03,
        "the pipeline at the horizon is no longer small: revisit the definition"
    );
    check(
        "burundi-2004 adults' share reaching reintegration",
        &share,
        21_966.0 / 23_022.0,
    );
    // S27 rounds it to 0.95.
    check(
        "burundi-2004 adults' share reaching reintegration (rounded)",
        &share,
        0.95,
    );
}
