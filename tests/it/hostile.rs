//! Hostile inputs: no input may make ddrsim panic. Random text, and valid
//! scenarios with numbers replaced by extreme values or odd distributions,
//! either fail validation with problems or run cleanly: what `validate`
//! accepts, `run` runs (the acceptance rule), with no NaN in any output.

use super::bad_inputs::assert_no_nan;
use super::common::{check_invariants, path, replicate};
use assert_cmd::Command;
use ddrsim::scenario::parse_and_validate;
use proptest::prelude::*;

/// Replacement values: extremes, and distributions that are valid, barely
/// valid or undefined.
fn values() -> Vec<&'static str> {
    vec![
        "0",
        "-1",
        "1e308",
        "-1e308",
        "0.5",
        "1e15",
        "nan",
        "inf",
        "-0",
        "123456789012",
        "2",
        "1200",
        "1201",
        "1e13",
        "1e12",
        "1e-300",
        "\"1e-300 to 1e300\"",
        "\"0.9 to 1.1\"",
        "{ dist = \"beta\", mean = 1e-300, sd = 1e-301 }",
        "{ dist = \"beta\", mean = 0.999999, sd = 1e-9 }",
        "{ dist = \"normal\", mean = 0.5, sd = 0.5 }",
        "{ dist = \"normal\", mean = 0.97, sd = 0.01 }",
        "{ dist = \"gamma\", mean = 3, sd = 30 }",
        "{ dist = \"uniform\", min = -0.001, max = 1 }",
        "{ dist = \"triangular\", min = 0, mode = 0, max = 1e12 }",
    ]
}

/// The fixture with the `which`-th numeric literal replaced by `value`.
fn mutant(which: usize, value: &str) -> String {
    let text = std::fs::read_to_string(path("tests/fixtures/gap.toml")).expect("fixture");
    let spots = numbers(&text);
    let (a, b) = spots[which % spots.len()];
    format!("{}{}{}", &text[..a], value, &text[b..])
}

fn numbers(text: &str) -> Vec<(usize, usize)> {
    // Byte ranges of the numeric literals after `= ` on assignment lines.
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(eq) = line.find("= ") {
            let start = eq + 2;
            let end = line[start..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_' || c == '-'))
                .map_or(line.len(), |e| start + e);
            if end > start && line[start..end].chars().any(|c| c.is_ascii_digit()) {
                out.push((offset + start, offset + end));
            }
        }
        offset += line.len();
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn random_text_never_panics(text in ".{0,400}") {
        let _ = parse_and_validate(&text);
    }

    #[test]
    fn extreme_values_fail_cleanly_or_run(which in 0usize..10_000, value in prop::sample::select(values())) {
        if let Ok(sc) = parse_and_validate(&mutant(which, value)) {
            for i in 0..2 {
                let (inp, trajs) = replicate(&sc, 1, i);
                for t in &trajs {
                    check_invariants(&inp, t, "mutated");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    /// The acceptance rule on random scenarios: a mutant that `validate`
    /// accepts is run by the command, and its CSVs hold no NaN or infinity.
    #[test]
    fn accepted_mutants_run_through_the_command(which in 0usize..10_000, value in prop::sample::select(values())) {
        let text = mutant(which, value);
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("mutant.toml");
        std::fs::write(&file, &text).expect("write");
        let valid = Command::cargo_bin("ddrsim").expect("bin").arg("validate").arg(&file).output().expect("validate");
        prop_assert_eq!(valid.status.success(), parse_and_validate(&text).is_ok());
        if valid.status.success() {
            let out = tmp.path().join("out");
            let run = Command::cargo_bin("ddrsim").expect("bin")
                .arg("run").arg(&file).args(["--quiet", "-n", "3", "--out"]).arg(&out)
                .output().expect("run");
            prop_assert!(run.status.success(), "validate accepted, run failed: {}", String::from_utf8_lossy(&run.stderr));
            assert_no_nan(&out);
        } else {
            let err = String::from_utf8_lossy(&valid.stderr);
            prop_assert!(!err.contains("panicked"), "{}", err);
        }
    }
}
