//! The RNG floor: how long the random draws of one replicate take on their
//! own. Records the `(n, p)` of every binomial draw and the count of every
//! other 64-bit word the engine takes from its streams, on replicates of
//! `scenarios/bench-fixed.toml` (seed 1), then times drawing exactly those
//! binomials (each from a fresh stream, as the engine does) and those raw
//! words in a tight loop, next to the engine on the same replicates (the
//! ratio engine / floor is in BENCHMARKS.md).
//!
//! Run: `cargo bench --features draw-log --bench floor`. The feature only
//! adds the recording; the timed loop does not go through it.

use criterion::{criterion_group, criterion_main, Criterion};
use ddrsim::engine::binomial::{method, sample, sample_hazard, Method};
use ddrsim::engine::draw::log;
use ddrsim::engine::draw::prob;
use ddrsim::engine::rng::count;
use ddrsim::engine::run::run_replicate;
use ddrsim::scenario::{parse_and_validate, Scenario};
use rand::{Rng, SeedableRng};
use rand_xoshiro::SplitMix64;
use std::collections::BTreeMap;
use std::hint::black_box;

/// Replicates recorded (the timed loop cycles through them).
const REPLICATES: u64 = 64;

struct Recorded {
    draws: Vec<(u64, f64, bool)>,
    other_words: u64,
}

fn record(sc: &Scenario, path: &str) -> Vec<Recorded> {
    let mut by_method: BTreeMap<Method, (u64, u64)> = BTreeMap::new();
    let (mut words, mut streams, mut binom_words) = (0, 0, 0);
    let recs: Vec<Recorded> = (0..REPLICATES)
        .map(|i| {
            let (w0, s0) = (count::words(), count::streams());
            log::start();
            black_box(run_replicate(sc, 1, i));
            let l = log::take();
            let w = count::words() - w0;
            words += w;
            streams += count::streams() - s0;
            binom_words += l.words;
            for &(n, x, hazard) in &l.draws {
                let p = if hazard { prob(x) } else { x };
                let e = by_method.entry(method(n, p)).or_default();
                e.0 += 1;
                e.1 += n;
            }
            Recorded {
                other_words: w - l.words,
                draws: l.draws,
            }
        })
        .collect();
    let r = REPLICATES as f64;
    eprintln!(
        "{path}: per replicate ({} policies), mean of {REPLICATES}:",
        sc.policies.len()
    );
    for (m, (k, n)) in &by_method {
        eprintln!(
            "  binomial {m:?}: {:.0} draws, mean n {:.1}",
            *k as f64 / r,
            *n as f64 / (*k).max(1) as f64
        );
    }
    eprintln!(
        "  streams made: {:.0}; 64-bit words drawn: {:.0} ({:.0} by binomials, {:.0} others)",
        streams as f64 / r,
        words as f64 / r,
        binom_words as f64 / r,
        (words - binom_words) as f64 / r
    );
    recs
}

/// CPU time of this thread in nanoseconds (Linux `/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Replays one replicate's draws; returns a checksum.
fn replay(rec: &Recorded, salt: u64) -> u64 {
    let mut acc = 0u64;
    for (j, &(n, x, hazard)) in rec.draws.iter().enumerate() {
        let mut rng = SplitMix64::seed_from_u64(j as u64 ^ salt << 40);
        let (n, x) = (black_box(n), black_box(x));
        let k = if hazard {
            sample_hazard(&mut rng, n, x)
        } else {
            sample(&mut rng, n, x)
        };
        acc = acc.wrapping_add(k);
    }
    for j in 0..rec.other_words {
        acc ^= SplitMix64::seed_from_u64(j).next_u64();
    }
    acc
}

/// Engine and floor per replicate in thread CPU time (robust on a busy
/// machine, unlike wall time): the best of `ROUNDS` alternating passes over
/// the recorded replicates.
fn cpu_ratio(sc: &Scenario, name: &str, recs: &[Recorded]) {
    const ROUNDS: u64 = 7;
    let (mut engine, mut floor) = (u64::MAX, u64::MAX);
    for round in 0..ROUNDS {
        let Some(t0) = thread_cpu_ns() else {
            eprintln!("  (no /proc/thread-self/schedstat: CPU-time ratio skipped)");
            return;
        };
        for i in 0..REPLICATES {
            black_box(run_replicate(sc, 1, i));
        }
        let t1 = thread_cpu_ns().unwrap_or(t0);
        for rec in recs {
            black_box(replay(rec, round));
        }
        let t2 = thread_cpu_ns().unwrap_or(t1);
        engine = engine.min(t1 - t0);
        floor = floor.min(t2 - t1);
    }
    let per = |ns: u64| ns as f64 / REPLICATES as f64 / 1e6;
    eprintln!(
        "  {name} CPU per replicate (best of {ROUNDS}): engine {:.3} ms, floor {:.3} ms, engine / floor {:.2}",
        per(engine),
        per(floor),
        engine as f64 / floor as f64
    );
}

fn floor(c: &mut Criterion) {
    for name in ["bench-fixed", "bench-large"] {
        let path = format!("scenarios/{name}.toml");
        let text = std::fs::read_to_string(&path).expect("bundled scenario");
        let sc = parse_and_validate(&text).expect("valid scenario");
        let recs = record(&sc, &path);
        cpu_ratio(&sc, name, &recs);
        // The engine on the same replicates, next to its floor (no record open:
        // the feature costs one relaxed atomic load per draw).
        let mut r = 0u64;
        c.bench_function(&format!("engine/{name} (one replicate)"), |b| {
            b.iter(|| {
                let out = run_replicate(&sc, 1, r % REPLICATES);
                r += 1;
                black_box(out)
            })
        });
        let mut i = 0usize;
        c.bench_function(&format!("floor/{name} (one replicate's draws)"), |b| {
            b.iter(|| {
                let rec = &recs[i % recs.len()];
                i += 1;
                black_box(replay(rec, i as u64))
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = floor
}
criterion_main!(benches);
