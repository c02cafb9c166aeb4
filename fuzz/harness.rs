//! The fuzzing harness, shared by the cargo-fuzz target
//! (fuzz/fuzz_targets/scenario.rs) and the stable-Rust mutation fuzzer
//! (examples/fuzz_stable.rs): any input must either be refused by
//! parse + validate with a message, or run one replicate and write every
//! table without a panic, without NaN or infinity in any cell, and with
//! the people and money of every month conserved (MODEL.md section 10).

use ddrsim::engine::inputs::draw_values;
use ddrsim::engine::rng::Streams;
use ddrsim::engine::run::{new_accumulator, run_replicate};
use ddrsim::engine::simulate;
use ddrsim::model::inputs::Inputs;
use ddrsim::model::record::Trajectory;
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
    for p in 0..sc.policies.len() {
        let traj = simulate(&sc, &inputs, p, &streams);
        check_trajectory(&inputs, &traj, &sc.policies[p].id);
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

/// People and money conserved in every month, nothing negative.
fn check_trajectory(inp: &Inputs, traj: &Trajectory, policy: &str) {
    let (mut inflow, mut spent, mut lapsed, mut repaid) = (0i128, 0i128, 0i128, 0i128);
    for (t, m) in traj.months.iter().enumerate() {
        let month = t + 1;
        for (g, people) in traj.people_at(t).iter().enumerate() {
            let total: u128 = people.iter().map(|&p| u128::from(p)).sum();
            assert_eq!(
                total,
                u128::from(inp.groups[g].caseload),
                "policy {policy}: group {g} month {month}: people not conserved: {people:?}"
            );
        }
        inflow += m.received.iter().map(|&x| i128::from(x)).sum::<i128>();
        spent += i128::from(m.spent_total());
        lapsed += i128::from(m.lapsed);
        repaid += i128::from(m.bridge_repaid);
        let balances: i128 = m.balances.iter().map(|&x| i128::from(x)).sum();
        assert_eq!(
            inflow,
            spent + balances + lapsed + repaid,
            "policy {policy}: month {month}: money not conserved"
        );
        assert!(
            m.balances.iter().all(|&b| b >= 0)
                && m.bridge_outstanding >= 0
                && m.received.iter().all(|&r| r >= 0)
                && m.lapsed >= 0
                && m.offset >= 0,
            "policy {policy}: month {month}: a negative balance or flow"
        );
        for c in 0..7 {
            assert!(
                m.spent[c].iter().all(|&x| x >= 0) && m.gap(c) >= 0,
                "policy {policy}: month {month}: component {c}: negative spending or gap"
            );
        }
        assert!(
            (0.0..=1.0).contains(&m.security),
            "policy {policy}: month {month}: security {}",
            m.security
        );
    }
}

/// Bundled scenarios that [`values_input`] mutates.
const BASES: [&str; 7] = [
    include_str!("../scenarios/default.toml"),
    include_str!("../scenarios/liberia-2003.toml"),
    include_str!("../scenarios/sierra-leone-1998.toml"),
    include_str!("../scenarios/drc-2004.toml"),
    include_str!("../scenarios/burundi-2004.toml"),
    include_str!("../tests/fixtures/gap.toml"),
    include_str!("../tests/fixtures/channels.toml"),
];

/// A bundled scenario with some of its numbers replaced, driven by `data`:
/// the first byte picks the scenario, then one byte per number (in comments
/// and table headers none) says whether to keep it (about 90%) or replace
/// it with an edge value, a scaled copy or raw bits. Most results parse, so
/// fuzzing with this reaches the engine far more often than raw bytes.
pub fn values_input(data: &[u8]) -> Option<String> {
    let (&first, mut rest) = data.split_first()?;
    let base = BASES[usize::from(first) % BASES.len()];
    let mut out = String::with_capacity(base.len() + 64);
    let mut take = |n: usize| -> Option<Vec<u8>> {
        if rest.len() < n {
            return None;
        }
        let (a, b) = rest.split_at(n);
        rest = b;
        Some(a.to_vec())
    };
    for line in base.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with('[') && !trimmed.contains('=') {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '#' {
                out.extend(&chars[i..]);
                break;
            }
            let starts_number = c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
            let after_word = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
            if !starts_number || after_word {
                out.push(c);
                i += 1;
                continue;
            }
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || "._+-".contains(chars[j]))
            {
                j += 1;
            }
            let token: String = chars[i..j].iter().collect();
            i = j;
            let Some(pick) = take(1) else {
                out.push_str(&token);
                continue;
            };
            if pick[0] < 230 {
                out.push_str(&token);
                continue;
            }
            let original: f64 = token.replace('_', "").parse().unwrap_or(1.0);
            let bits = take(8).map_or(0u64, |b| {
                b.iter().fold(0u64, |a, &x| (a << 8) | u64::from(x))
            });
            let new = match pick[0] % 8 {
                0 => [
                    "0",
                    "-1",
                    "1",
                    "0.5",
                    "1e-300",
                    "1e300",
                    "1e13",
                    "9223372036854775807",
                ][(bits % 8) as usize]
                    .to_string(),
                1 => format!("{:e}", original * 10f64.powi((bits % 25) as i32 - 12)),
                2 => format!("{:e}", f64::from_bits(bits))
                    .replace("inf", "1e308")
                    .replace("NaN", "0"),
                3 => format!("{}", bits % 1_000_000),
                4 => format!("{}", original + (bits % 7) as f64 - 3.0),
                5 => format!("{}", original * 2.0),
                6 => format!("{}", (original / 2.0).floor()),
                _ => format!("{}", bits as i64),
            };
            out.push_str(&new);
        }
        out.push('\n');
    }
    Some(out)
}
