//! Honest answers (MODEL.md 1.2): the channel decomposition, money that
//! reconciles, the unfunded backlog as a stock, offsets and pledge shifts
//! reported as applied, and strict P(better/worse/tie).

use super::common::{load, path, replicate};
use ddrsim::engine::channels::run_channels;
use ddrsim::engine::inputs::draw_values;
use ddrsim::engine::rng::Streams;
use ddrsim::engine::run::{run, run_replicate, RunOptions};
use ddrsim::model::channels::{ChannelSet, CHANNELS};
use ddrsim::model::inputs::Inputs;
use ddrsim::model::outcome::outcome_columns;
use ddrsim::model::record::st;
use ddrsim::output::tables::pair_stats;
use ddrsim::scenario::{parse_and_validate, Admission, Scenario};
use ddrsim::stats::channels::{ChannelAccumulator, RowKind, CHANNEL_METRICS};

/// Allowed distance from 0, in Monte Carlo standard errors, for a mean that
/// MODEL.md says is 0 in distribution (two-sided p about 6e-5 per check).
const Z_NULL: f64 = 4.0;

fn opts(replicates: u64) -> RunOptions {
    RunOptions {
        seed: 11,
        first: 0,
        replicates,
        threads: 2,
    }
}

fn row(acc: &ChannelAccumulator, policy: usize, metric: &str, kind: RowKind) -> (f64, f64, u64) {
    let mi = CHANNEL_METRICS
        .iter()
        .position(|(m, _)| *m == metric)
        .expect("metric");
    let ri = RowKind::all().iter().position(|k| *k == kind).expect("row");
    let m = &acc.rows[policy - 1][mi][ri];
    (m.mean(), m.mcse(), m.n)
}

fn decomposition(rel: &str, replicates: u64) -> (Scenario, ChannelAccumulator) {
    let sc = load(rel);
    let acc = run_channels(&sc, &opts(replicates), |_| Ok::<(), ()>(())).expect("runs");
    (sc, acc)
}

/// Null-world funding condition with every channel active: the total effect
/// is clearly non-zero (the check has power), and with channels (a)-(g)
/// off re-recruitment does not move beyond Monte Carlo error; with (h)
/// also off relapse does not move at all.
#[test]
fn channels_off_leave_no_effect_in_the_null_world_condition() {
    let (sc, acc) = decomposition("tests/fixtures/channels.toml", 400);
    for p in 1..sc.policies.len() {
        let id = &sc.policies[p].id;
        let (total, se, _) = row(&acc, p, "rerecruited", RowKind::Total);
        assert!(
            total.abs() > Z_NULL * se,
            "{id}: the fixture must give a clear total effect ({total} ± {se})"
        );
        let (off, se, n) = row(&acc, p, "rerecruited", RowKind::AllOff);
        assert_eq!(n, 400);
        assert!(
            off.abs() <= Z_NULL * se.max(f64::MIN_POSITIVE),
            "{id}: with every channel off re-recruitment moved by {off} (mcse {se})"
        );
        // Channel (h) never acts on re-recruitment: switching it off alone changes nothing.
        let (h_off, h_se, _) = row(&acc, p, "rerecruited", RowKind::Without(7));
        assert_eq!((h_off, h_se), (0.0, 0.0), "{id}");
        let (rel_total, _, _) = row(&acc, p, "relapse", RowKind::Total);
        assert!(rel_total != 0.0, "{id}: relapse must move with channels on");
        let (rel_off, rel_se, _) = row(&acc, p, "relapse", RowKind::AllOff);
        assert_eq!(
            (rel_off, rel_se),
            (0.0, 0.0),
            "{id}: with (a)-(h) off the conflict hazard is the same constant under every policy"
        );
    }
}

/// Channel (a) reversed (h_rr0 < h_rr_programme, other channels off in the
/// file): the kick-start raises re-recruitment, and channel (a) alone carries it.
#[test]
fn reversed_waiting_channel_makes_the_kickstart_raise_rerecruitment() {
    let (sc, acc) = decomposition("tests/fixtures/channels-reversed.toml", 400);
    let k = sc
        .policies
        .iter()
        .position(|p| p.id == "kickstart")
        .expect("kickstart policy");
    let (total, se, _) = row(&acc, k, "rerecruited", RowKind::Total);
    assert!(total - Z_NULL * se > 0.0, "total {total} ± {se}");
    let (alone_a, se_a, _) = row(&acc, k, "rerecruited", RowKind::Alone(0));
    assert!(
        alone_a - Z_NULL * se_a > 0.0,
        "alone (a) {alone_a} ± {se_a}"
    );
    // The total of the decomposition is the run's paired difference, replicate for replicate.
    let acc_run = run(&sc, &opts(400), |_| Ok::<(), ()>(())).expect("runs");
    let cols = outcome_columns(&sc);
    let ci = cols
        .iter()
        .position(|c| c.metric.name == "rerecruited" && c.group.is_none())
        .expect("column");
    let p = pair_stats(&acc_run, k, ci, &cols[ci]);
    assert!((p.mean - total).abs() < 1e-12, "{} vs {total}", p.mean);
}

/// Switching a channel off copies the replicate's drawn values and changes
/// nothing else.
#[test]
fn switching_a_channel_off_copies_drawn_values() {
    let sc = load("scenarios/default.toml");
    let streams = Streams::replicate(3, 17);
    let values = draw_values(&sc, &streams);
    let drawn = Inputs::build(&sc, &values);
    // The drawn parameter columns are the same whatever is switched off.
    assert_eq!(draw_values(&sc, &streams), values);
    for (i, ch) in CHANNELS.iter().enumerate() {
        let mut off = drawn.clone();
        ChannelSet::only_off(i).apply(&mut off);
        assert_ne!(
            off, drawn,
            "channel ({}) changed nothing in the default scenario",
            ch.letter
        );
        for (g, (a, b)) in off.groups.iter().zip(&drawn.groups).enumerate() {
            let mut expect = b.clone();
            match ch.letter {
                'a' => expect.h_rr_programme = b.h_rr0,
                'b' => expect.beta_wait = 0.0,
                'c' => {
                    expect.m_unpaid = 1.0;
                    expect.h_drop_interrupted = b.h_drop;
                }
                'd' => {
                    expect.h_relapse = b.h_rr0;
                    expect.h_relapse_self = b.h_rr0;
                }
                'e' => expect.beta_sec = 0.0,
                'f' => {
                    expect.h_self = 0.0;
                    expect.h_lost = 0.0;
                }
                'g' => expect.absorb_share = 0.0,
                _ => {}
            }
            assert_eq!(a, &expect, "channel ({}) group {g}", ch.letter);
        }
        let conflict = (off.b_armed, off.b_idle, off.b_sec);
        if ch.letter == 'h' {
            assert_eq!(conflict, (0.0, 0.0, 0.0));
        } else {
            assert_eq!(conflict, (drawn.b_armed, drawn.b_idle, drawn.b_sec));
        }
    }
}

fn col(sc: &Scenario, name: &str) -> usize {
    outcome_columns(sc)
        .iter()
        .position(|c| c.metric.name == name && c.group.is_none())
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// Money reconciles exactly in every replicate and policy:
/// received (all sources, advances drawn) = spent + lapsed + balance at T + advances repaid.
#[test]
fn money_reconciles_exactly_in_every_replicate() {
    let files = [
        "scenarios/default.toml",
        "scenarios/liberia-2003.toml",
        "scenarios/sierra-leone-1998.toml",
        "scenarios/burundi-2004.toml",
        "scenarios/drc-2004.toml",
        "tests/fixtures/gap.toml",
        "tests/fixtures/channels.toml",
    ];
    for f in files {
        let sc = load(f);
        let [ra, rk, rv, rn, bd, sp, la, be, br] = [
            "received_assessed",
            "received_kickstart",
            "received_voluntary",
            "received_national",
            "bridge_drawn",
            "spent_total",
            "lapsed",
            "balance_end",
            "bridge_repaid",
        ]
        .map(|n| col(&sc, n));
        for i in 0..5 {
            let r = run_replicate(&sc, 9, i);
            for (p, res) in r.policies.iter().enumerate() {
                let v = |c: usize| res.outcomes[c].expect("defined") as i128;
                let received = v(ra) + v(rk) + v(rv) + v(rn) + v(bd);
                assert_eq!(
                    received,
                    v(sp) + v(la) + v(be) + v(br),
                    "{f} replicate {i} policy {p}"
                );
            }
        }
    }
}

/// The backlog is a stock: under `full_course` it is exactly the month-end
/// waiting list times the full-course cost; under `first_month` unpaid
/// course months add to it.
#[test]
fn unfunded_backlog_is_waiting_times_course_cost() {
    let sc = load("scenarios/default.toml");
    assert!(sc
        .policies
        .iter()
        .all(|p| p.admission == Admission::FullCourse));
    for i in 0..5 {
        let (inp, trajs) = replicate(&sc, 2, i);
        for traj in &trajs {
            let mut peak = 0;
            for (m, people) in traj.months.iter().zip(traj.monthly_people()) {
                let expect: i64 = people
                    .iter()
                    .zip(&inp.groups)
                    .map(|(p, g)| {
                        p[st::WAITING] as i64
                            * (g.reint_startup + g.reint_months as i64 * g.reint_monthly)
                    })
                    .sum();
                assert_eq!(m.backlog, expect);
                peak = peak.max(m.backlog);
            }
            assert!(peak > 0);
        }
    }
    // first_month: the backlog is never below the waiting part, and in a
    // starved fixture unpaid course months make it larger in some month.
    let sc = load("tests/fixtures/oracle-kick.toml");
    let mut extra = 0;
    for i in 0..10 {
        let (inp, trajs) = replicate(&sc, 2, i);
        for (traj, pol) in trajs.iter().zip(&sc.policies) {
            if pol.admission != Admission::FirstMonth {
                continue;
            }
            for (m, people) in traj.months.iter().zip(traj.monthly_people()) {
                let waiting: i64 = people
                    .iter()
                    .zip(&inp.groups)
                    .map(|(p, g)| {
                        p[st::WAITING] as i64
                            * (g.reint_startup + g.reint_months as i64 * g.reint_monthly)
                    })
                    .sum();
                assert!(m.backlog >= waiting);
                extra += (m.backlog > waiting) as u32;
            }
        }
    }
    assert!(
        extra > 0,
        "oracle-kick.toml must interrupt some first_month courses"
    );
}

/// Offsets: what the kick-start paid is either deducted from later tranches
/// or reported as shortfall, exactly; deducted money came earlier.
#[test]
fn offset_paid_equals_deducted_plus_shortfall() {
    let sc = load("scenarios/default.toml");
    let p = sc
        .policies
        .iter()
        .position(|p| p.kickstart.as_ref().is_some_and(|k| k.offset_voluntary))
        .expect("an offset policy");
    let [outlay, offset, short, adv] = [
        "outlay",
        "voluntary_offset",
        "offset_shortfall",
        "offset_advance_months",
    ]
    .map(|n| col(&sc, n));
    for i in 0..20 {
        let r = run_replicate(&sc, 5, i);
        let o = &r.policies[p].outcomes;
        assert_eq!(
            o[outlay].expect("outlay"),
            o[offset].expect("offset") + o[short].expect("shortfall")
        );
        if o[offset] > Some(0) {
            assert!(o[adv].expect("advance") > 0);
        }
        // Without offset the shortfall and advance are undefined (empty cells).
        assert_eq!(r.policies[0].outcomes[short], None);
        assert_eq!(r.policies[0].outcomes[adv], None);
    }
}

/// `pledge_shift` reports the shift actually applied, weighted by the money
/// paid: clamping at month 1 shortens it.
#[test]
fn pledge_shift_applied_is_money_weighted_after_clamping() {
    let text = std::fs::read_to_string(path("tests/fixtures/null.toml")).expect("fixture");
    let text = text.replace(
        "[[policy]]\nid = \"bridge\"",
        "[[policy]]\nid = \"earlier\"\npledge_shift = -6\n\n[[pledge]]\nid = \"second\"\namount = 300_000\nmonth = 20\nearmark = \"pooled\"\nfulfilment = 1\ndelay = 0\n\n[[policy]]\nid = \"bridge\"",
    );
    let sc = parse_and_validate(&text).expect("valid");
    let p = sc
        .policies
        .iter()
        .position(|p| p.id == "earlier")
        .expect("policy");
    let c = col(&sc, "pledge_shift_applied");
    let r = run_replicate(&sc, 1, 0);
    // "late": 400,000 x 0.8 at month 4 -> 1 (shift -3); "second": 300,000 at 20 -> 14 (-6).
    let expect = (-3.0 * 320_000.0 - 6.0 * 300_000.0) / 620_000.0;
    let got = r.policies[p].outcomes[c].expect("defined") as f64 / 1e9;
    assert!((got - expect).abs() < 1e-9, "{got} vs {expect}");
    assert_eq!(r.policies[0].outcomes[c], None);
}

/// P(better), P(worse) and P(tie) are strict and sum to 1; a policy that
/// changes nothing ties everywhere.
#[test]
fn better_worse_tie_are_strict_and_sum_to_one() {
    let sc = load("tests/fixtures/null.toml");
    let acc = run(&sc, &opts(200), |_| Ok::<(), ()>(())).expect("runs");
    let cols = outcome_columns(&sc);
    let nothing = sc
        .policies
        .iter()
        .position(|p| p.id == "nothing")
        .expect("policy");
    for (ci, c) in cols.iter().enumerate() {
        for p in 1..sc.policies.len() {
            let s = pair_stats(&acc, p, ci, c);
            if s.p_better.is_finite() {
                assert!((s.p_better + s.p_worse + s.p_tie - 1.0).abs() < 1e-12);
            }
            if p == nothing && s.n > 0 {
                assert_eq!(s.p_tie, 1.0, "{}", c.metric.name);
                assert_eq!(s.spread, [0.0, 0.0, 0.0]);
                assert!(s.p_better == 0.0 || s.p_better.is_nan());
            }
        }
    }
}
