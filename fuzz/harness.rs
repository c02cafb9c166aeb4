//! The fuzzing harness, shared by the cargo-fuzz target
//! (fuzz/fuzz_targets/scenario.rs) and the stable-Rust mutation fuzzer
//! (examples/fuzz_stable.rs): any input must either be refused by
//! parse + validate with a message, or run one replicate and write every
//! table without a panic and without NaN or infinity in any cell.

use ddrsim::engine::rng::Streams;
use ddrsim::engine::run::{new_accumulator, run_replicate};
use ddrsim::model::inputs::{draw_values, Inputs};
use ddrsim::output::replicates::ReplicateWriter;
use ddrsim::output::tables;

/// Largest input tried, in bytes.
pub const MAX_INPUT: usize = 64 * 1024;
/// Largest horizon run, in months.
pub const MAX_HORIZON: u32 = 240;
/// Most groups run.
pub const MAX_GROUPS: usize = 16;
/// Most policies run.
pub const MAX_POLICIES: usize = 8;
/// Largest total caseload run (in the first replicate's draw).
pub const MAX_CASELOAD: u64 = 10_000_000;

/// What became of one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not UTF-8 or longer than [`MAX_INPUT`].
    Skipped,
    /// Refused by parse + validate.
    Rejected,
    /// Valid but above a harness cap.
    TooLarge,
    /// Valid and run.
    Ran,
}

/// Checks one input; panics on any defect.
pub fn check(data: &[u8]) -> Outcome {
    if data.len() > MAX_INPUT {
        return Outcome::Skipped;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Skipped;
    };
    let sc = match ddrsim::scenario::parse_and_validate(text) {
        Ok(sc) => sc,
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.trim().is_empty(), "empty error message");
            return Outcome::Rejected;
        }
    };
    if sc.horizon > MAX_HORIZON || sc.groups.len() > MAX_GROUPS || sc.policies.len() > MAX_POLICIES
    {
        return Outcome::TooLarge;
    }
    let seed = sc.seed;
    let streams = Streams::replicate(seed, 0);
    let inputs = Inputs::build(&sc, &draw_values(&sc, &streams));
    if inputs.total_caseload > MAX_CASELOAD {
        return Outcome::TooLarge;
    }
    let result = run_replicate(&sc, seed, 0);
    let mut acc = new_accumulator(&sc);
    acc.add_block(std::slice::from_ref(&result));
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut rows = Vec::new();
    {
        let mut w = ReplicateWriter::new(&mut rows, &sc).expect("replicates.csv header");
        w.write_block(std::slice::from_ref(&result))
            .expect("replicates.csv rows");
        w.finish().expect("replicates.csv finish");
    }
    files.push(("replicates.csv", rows));
    let mut buf = Vec::new();
    tables::write_summary(&mut buf, &sc, &acc).expect("summary.csv");
    files.push(("summary.csv", std::mem::take(&mut buf)));
    tables::write_comparison(&mut buf, &sc, &acc).expect("comparison.csv");
    files.push(("comparison.csv", std::mem::take(&mut buf)));
    tables::write_timeseries(&mut buf, &sc, &acc).expect("timeseries.csv");
    files.push(("timeseries.csv", std::mem::take(&mut buf)));
    tables::write_funding(&mut buf, &sc, &acc).expect("funding.csv");
    files.push(("funding.csv", buf));
    for (name, bytes) in &files {
        let text = std::str::from_utf8(bytes).expect("CSV is UTF-8");
        for (n, line) in text.lines().enumerate() {
            for cell in line.split(',') {
                let c = cell.trim_matches('"').to_ascii_lowercase();
                assert!(
                    !matches!(
                        c.as_str(),
                        "nan" | "inf" | "-inf" | "+inf" | "infinity" | "-infinity"
                    ),
                    "{name} line {} has a non-finite cell: {line}",
                    n + 1
                );
            }
        }
    }
    Outcome::Ran
}
