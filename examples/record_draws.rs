//! Records every binomial draw and stream word of 64 replicates (seed 1) of
//! `scenarios/bench-fixed.toml` and `scenarios/bench-large.toml` into
//! `target/floor/`, for the RNG floor benchmark (`benches/floor.rs`).
//!
//! Run: `cargo run --release --features draw-log --example record_draws`,
//! then `cargo bench --bench floor` (see BENCHMARKS.md).

#[path = "../benches/common/floor_record.rs"]
mod floor_record;

use ddrsim::engine::draw::log::{self, Drawn};
use ddrsim::engine::inputs::draw_values;
use ddrsim::engine::rng::{count, Streams};
use ddrsim::engine::run::run_replicate;
use ddrsim::scenario::parse_and_validate;
use floor_record::{Draw, Replicate};

/// Replicates recorded per scenario (the benchmark cycles through them).
const REPLICATES: u64 = 64;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for name in ["bench-fixed", "bench-large"] {
        let file = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        let sc = parse_and_validate(&std::fs::read_to_string(&file)?)
            .map_err(|e| format!("{file}: {e}"))?;
        let reps: Vec<Replicate> = (0..REPLICATES)
            .map(|i| {
                // The uncertain parameters' words, as `run_replicate` draws them.
                let p0 = count::words();
                log::start();
                std::hint::black_box(draw_values(&sc, &Streams::replicate(1, i)));
                log::take();
                let param_words = count::words() - p0;
                let (w0, s0) = (count::words(), count::streams());
                log::start();
                std::hint::black_box(run_replicate(&sc, 1, i));
                let l = log::take();
                let words = count::words() - w0;
                let mut last_stream = None;
                let draws = l
                    .draws
                    .iter()
                    .map(|d| {
                        let (x, hazard, p) = match d.what {
                            Drawn::P(p) => (p, false, None),
                            Drawn::Hazard(h, p) => (h, true, p),
                        };
                        let new_stream = last_stream != Some(d.stream);
                        last_stream = Some(d.stream);
                        Draw {
                            n: d.n,
                            x,
                            hazard,
                            p,
                            new_stream,
                        }
                    })
                    .collect();
                Replicate {
                    draws,
                    other_words: words - l.words,
                    streams: count::streams() - s0,
                    words,
                    param_words,
                }
            })
            .collect();
        let first = run_replicate(&sc, 1, 0);
        let rows: Vec<_> = first.policies.iter().map(|p| &p.outcomes[..]).collect();
        let out = floor_record::path(name);
        floor_record::write(&out, floor_record::fingerprint(&rows), &reps)?;
        println!(
            "{name}: {REPLICATES} replicates recorded in {}",
            out.display()
        );
    }
    Ok(())
}
