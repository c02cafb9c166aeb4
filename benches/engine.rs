//! Criterion benchmarks of the engine's hot path, seeded and deterministic:
//! one replicate (every policy) of the bundled default and Liberia scenarios
//! and of the benchmark scenarios bench-fixed and bench-large, one block of
//! accumulation, and single binomial draws by method.
//! Run: `cargo bench --bench engine`.

use criterion::{criterion_group, criterion_main, Criterion};
use ddrsim::engine::binomial::{self, method};
use ddrsim::engine::rng::StreamRng;
use ddrsim::engine::run::{new_accumulator, run_replicate};
use ddrsim::scenario::parse_and_validate;
use std::hint::black_box;

fn load(path: &str) -> ddrsim::scenario::Scenario {
    let text = std::fs::read_to_string(path).expect("bundled scenario");
    parse_and_validate(&text).expect("valid scenario")
}

fn engine(c: &mut Criterion) {
    for name in ["default", "liberia-2003", "bench-fixed", "bench-large"] {
        let sc = load(&format!("scenarios/{name}.toml"));
        let mut i = 0u64;
        c.bench_function(
            &format!("replicate/{name} ({} policies)", sc.policies.len()),
            |b| {
                b.iter(|| {
                    i += 1;
                    black_box(run_replicate(&sc, 1, i))
                })
            },
        );
    }
    let sc = load("scenarios/default.toml");
    let block: Vec<_> = (0..64).map(|i| run_replicate(&sc, 1, i)).collect();
    c.bench_function("accumulate/default (64 replicates)", |b| {
        b.iter(|| {
            let mut acc = new_accumulator(&sc);
            acc.add_block(black_box(&block));
            acc
        })
    });
}

/// One binomial draw from a fresh stream, for `(n, p)` typical of each method.
fn draws(c: &mut Criterion) {
    for (n, p) in [
        (1u64, 0.01),
        (30, 0.004),
        (100, 0.003),
        (500, 0.004),
        (5000, 0.01),
        (30_000, 0.15),
    ] {
        let mut k = 0u64;
        c.bench_function(&format!("binomial/n={n} p={p} ({:?})", method(n, p)), |b| {
            b.iter(|| {
                k += 1;
                let mut rng = StreamRng::from_key(k);
                black_box(binomial::sample(&mut rng, black_box(n), black_box(p)))
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = engine, draws
}
criterion_main!(benches);
