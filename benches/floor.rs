//! The RNG floor: how long the random draws of one replicate take on their
//! own, against the engine on the same replicates. Draws each replicate's
//! uncertain parameters (one variate per uncertain slot or shared name, by
//! inverse CDF as the engine does) and reads the record of
//! every binomial draw of 64 replicates (seed 1) of
//! `scenarios/bench-fixed.toml` and `bench-large.toml`, with the
//! probability the engine computed ahead and the stream each draw came
//! from, and the count of every other 64-bit word
//! (`examples/record_draws.rs`), then times drawing exactly those binomials,
//! from as many streams as the engine made, and those raw words in a tight
//! loop, next to the engine (the ratio engine / floor is in BENCHMARKS.md).
//!
//! Run: `cargo run --release --features draw-log --example record_draws`
//! then `cargo bench --bench floor`. This benchmark is built without the
//! `draw-log` feature: neither side carries the recording's checks.

#[path = "common/floor_record.rs"]
mod floor_record;

use criterion::{criterion_group, criterion_main, Criterion};
use ddrsim::engine::binomial::{method, Method};
use ddrsim::engine::draw::{binomial, binomial_hazard_of, prob, Hazard};
use ddrsim::engine::rng::StreamRng;
use ddrsim::engine::run::run_replicate;
use ddrsim::scenario::{parse_and_validate, Param, Scenario, Truncated};
use floor_record::Replicate;
use rand::Rng;
use std::collections::BTreeMap;
use std::hint::black_box;

/// Prints what one replicate draws, on average over the record.
fn describe(name: &str, sc: &Scenario, recs: &[Replicate]) {
    let mut by_method: BTreeMap<Method, (u64, u64)> = BTreeMap::new();
    for d in recs.iter().flat_map(|r| &r.draws) {
        let p = match (d.hazard, d.p) {
            (false, _) => d.x,
            (true, Some(p)) => p,
            (true, None) => prob(d.x),
        };
        let e = by_method.entry(method(d.n, p)).or_default();
        e.0 += 1;
        e.1 += d.n;
    }
    let r = recs.len() as f64;
    let sum = |f: fn(&Replicate) -> u64| recs.iter().map(f).sum::<u64>() as f64 / r;
    eprintln!(
        "{name}: per replicate ({} policies), mean of {}:",
        sc.policies.len(),
        recs.len()
    );
    for (m, (k, n)) in &by_method {
        eprintln!(
            "  binomial {m:?}: {:.0} draws, mean n {:.1}",
            *k as f64 / r,
            *n as f64 / (*k).max(1) as f64
        );
    }
    eprintln!(
        "  uncertain parameters: {} variates ({:.0} words)",
        variates(sc).len(),
        sum(|r| r.param_words)
    );
    eprintln!(
        "  streams made: {:.0}; 64-bit words drawn: {:.0} ({:.0} outside binomials)",
        sum(|r| r.streams),
        sum(|r| r.words),
        sum(|r| r.other_words)
    );
}

/// CPU time of this thread in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`, to
/// the nanosecond on Linux; `/proc/thread-self/schedstat`, used before,
/// counts in scheduler ticks of 4 ms on the project machine, a twelfth of a
/// 64-replicate pass).
fn thread_cpu_ns() -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// The uncertain parameters' distributions, one per variate a replicate
/// draws: each uncertain slot, and each shared name once.
fn variates(sc: &Scenario) -> Vec<&Truncated> {
    let mut shared: Vec<&str> = Vec::new();
    sc.params
        .iter()
        .filter_map(|slot| match &slot.param {
            Param::Fixed(_) => None,
            Param::Uncertain(d) => Some(d),
            Param::Shared(s) if shared.contains(&s.shared.as_str()) => None,
            Param::Shared(s) => {
                shared.push(&s.shared);
                Some(&s.dist)
            }
        })
        .collect()
}

/// Replays one replicate's draws; returns a checksum. Through the engine's
/// own draw functions and generator, with a new stream wherever the engine
/// started one (keyed by a counter: no key hash): the uncertain
/// parameters' variates, the binomials, then the other raw words.
fn replay(rec: &Replicate, variates: &[&Truncated], salt: u64) -> u64 {
    let mut acc = 0u64;
    for (j, d) in variates.iter().enumerate() {
        let x = d.sample(&mut StreamRng::from_key(j as u64 ^ salt << 40));
        acc ^= x.to_bits();
    }
    let mut rng = StreamRng::from_key(salt);
    for (j, d) in rec.draws.iter().enumerate() {
        if d.new_stream {
            rng = StreamRng::from_key(j as u64 ^ salt << 40);
        }
        let (n, x) = (black_box(d.n), black_box(d.x));
        // A hazard's probability computed ahead by the engine is computed
        // ahead here too (it is in the record).
        let k = if d.hazard {
            binomial_hazard_of(&mut rng, n, Hazard { h: x, p: d.p })
        } else {
            binomial(&mut rng, n, x)
        };
        acc = acc.wrapping_add(k);
    }
    for j in 0..rec.other_words - rec.param_words {
        acc ^= StreamRng::from_key(j ^ salt << 40).next_u64();
    }
    acc
}

/// Engine and floor per replicate in thread CPU time (robust on a busy
/// machine, unlike wall time): the best of `ROUNDS` alternating passes over
/// the recorded replicates.
fn cpu_ratio(sc: &Scenario, name: &str, recs: &[Replicate]) {
    const ROUNDS: u64 = 7;
    let variates = variates(sc);
    let (mut engine, mut floor) = (u64::MAX, u64::MAX);
    for round in 0..ROUNDS {
        let Some(t0) = thread_cpu_ns() else {
            eprintln!("  (no thread CPU clock: CPU-time ratio skipped)");
            return;
        };
        for i in 0..recs.len() as u64 {
            black_box(run_replicate(sc, 1, i));
        }
        let t1 = thread_cpu_ns().unwrap_or(t0);
        for rec in recs {
            black_box(replay(rec, &variates, round));
        }
        let t2 = thread_cpu_ns().unwrap_or(t1);
        engine = engine.min(t1 - t0);
        floor = floor.min(t2 - t1);
    }
    let per = |ns: u64| ns as f64 / recs.len() as f64 / 1e6;
    eprintln!(
        "  {name} CPU per replicate (best of {ROUNDS}): engine {:.3} ms, floor {:.3} ms, engine / floor {:.2}",
        per(engine),
        per(floor),
        engine as f64 / floor as f64
    );
}

/// Keeps freed memory in the heap instead of returning it to the kernel.
/// This loop frees each replicate's half megabyte at once, and glibc's
/// default (trim above 128 KiB free at the heap top) then hands it back and
/// faults it in again on the next replicate: 0-10% of the engine's time,
/// varying between processes with the heap's layout. `ddrsim run` keeps its
/// accumulators above the replicates' memory and sees about 18 page faults
/// per replicate (`perf stat -e page-faults`), so the engine is timed here
/// without the trimming.
fn keep_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes glibc's malloc parameters; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
    }
}

fn floor(c: &mut Criterion) {
    keep_heap();
    for name in ["bench-fixed", "bench-large"] {
        let path = format!("scenarios/{name}.toml");
        let text = std::fs::read_to_string(&path).expect("bundled scenario");
        let sc = parse_and_validate(&text).expect("valid scenario");
        let file = floor_record::path(name);
        let first = run_replicate(&sc, 1, 0);
        let rows: Vec<_> = first.policies.iter().map(|p| &p.outcomes[..]).collect();
        let recs = match floor_record::read(&file) {
            Ok((engine, recs)) if engine == floor_record::fingerprint(&rows) => recs,
            Ok(_) => {
                eprintln!(
                    "floor: the record of {name}'s draws ({}) was made by an engine that draws differently; skipped.\n  Record them again: cargo run --release --features draw-log --example record_draws",
                    file.display()
                );
                continue;
            }
            Err(e) => {
                // Without a record there is nothing to compare: say how to
                // make one and leave the other benchmarks to run.
                eprintln!(
                    "floor: no usable record of {name}'s draws ({e}); skipped.\n  Record them first: cargo run --release --features draw-log --example record_draws"
                );
                continue;
            }
        };
        describe(&path, &sc, &recs);
        cpu_ratio(&sc, name, &recs);
        // The engine on the same replicates, next to its floor.
        let n = recs.len() as u64;
        let mut r = 0u64;
        c.bench_function(&format!("engine/{name} (one replicate)"), |b| {
            b.iter(|| {
                let out = run_replicate(&sc, 1, r % n);
                r += 1;
                black_box(out)
            })
        });
        let variates = variates(&sc);
        let mut i = 0usize;
        c.bench_function(&format!("floor/{name} (one replicate's draws)"), |b| {
            b.iter(|| {
                let rec = &recs[i % recs.len()];
                i += 1;
                black_box(replay(rec, &variates, i as u64))
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
