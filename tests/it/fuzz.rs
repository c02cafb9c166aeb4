//! The fuzzing harness (fuzz/harness.rs, see docs/fuzzing.md) on the
//! bundled scenarios and on every input the fuzzer found a defect with
//! (tests/fixtures/fuzz/): each is refused with a message or runs one
//! replicate with finite tables, without a panic.

#[path = "../../fuzz/harness.rs"]
mod harness;

use harness::Outcome;
use std::fs;
use std::path::PathBuf;

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut v: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

#[test]
fn bundled_scenarios_pass_the_harness_and_run() {
    for p in files("scenarios") {
        let data = fs::read(&p).expect("read");
        assert_eq!(harness::check(&data), Outcome::Ran, "{}", p.display());
    }
}

#[test]
fn inputs_found_by_the_fuzzer_pass_the_harness() {
    for p in files("tests/fixtures/fuzz") {
        if p.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let data = fs::read(&p).expect("read");
        let outcome = std::panic::catch_unwind(|| harness::check(&data));
        assert!(outcome.is_ok(), "{}: the harness panicked", p.display());
    }
}

/// Replays a fuzzing corpus on stable Rust and counts what became of its
/// inputs: `DDRSIM_FUZZ_CORPUS=fuzz/corpus/scenario cargo test --release
/// --test tests replay_a_corpus -- --ignored --nocapture` (with
/// `DDRSIM_FUZZ_VALUES=1` for a corpus of the `values` target).
#[test]
#[ignore = "needs a corpus from a fuzzing run (docs/fuzzing.md)"]
fn replay_a_corpus() {
    let dir = std::env::var("DDRSIM_FUZZ_CORPUS").expect("set DDRSIM_FUZZ_CORPUS");
    let (mut skipped, mut rejected, mut too_large, mut ran) = (0, 0, 0, 0);
    for p in files(&dir) {
        let mut data = fs::read(&p).expect("read");
        if std::env::var_os("DDRSIM_FUZZ_VALUES").is_some() {
            data = harness::values_input(&data)
                .unwrap_or_default()
                .into_bytes();
        }
        match harness::check(&data) {
            Outcome::Skipped => skipped += 1,
            Outcome::Rejected => rejected += 1,
            Outcome::TooLarge => too_large += 1,
            Outcome::Ran => ran += 1,
        }
    }
    println!(
        "{dir}: {ran} ran, {rejected} rejected, {too_large} above the caps, {skipped} skipped"
    );
}

#[test]
fn value_mutations_of_the_bundled_scenarios_pass_the_harness() {
    // All-zero bytes keep every number: each base scenario runs as it is.
    for first in 0u8..7 {
        let text = harness::values_input(&[first; 1]).expect("input");
        assert_eq!(
            harness::check(text.as_bytes()),
            Outcome::Ran,
            "base {first}"
        );
    }
    // A short deterministic sweep (the fuzz target `values` runs it at length).
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let mut ran = 0;
    for _ in 0..150 {
        let data: Vec<u8> = (0..600)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 56) as u8
            })
            .collect();
        let text = harness::values_input(&data).expect("input");
        if harness::check(text.as_bytes()) == Outcome::Ran {
            ran += 1;
        }
    }
    assert!(
        ran > 0,
        "no mutated scenario was valid: the sweep tests nothing"
    );
}
