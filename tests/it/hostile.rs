//! Hostile inputs: no input may make ddrsim panic. Random text, and valid
//! scenarios with numbers replaced by extreme values, either fail
//! validation with problems or run cleanly.

use super::common::{check_invariants, path, replicate};
use ddrsim::scenario::parse_and_validate;
use proptest::prelude::*;

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
    fn extreme_values_fail_cleanly_or_run(which in 0usize..10_000, value in prop::sample::select(vec![
        "0", "-1", "1e308", "-1e308", "0.5", "1e15", "nan", "inf", "-0", "123456789012", "2", "1200", "1201",
    ])) {
        let text = std::fs::read_to_string(path("tests/fixtures/gap.toml")).expect("fixture");
        let spots = numbers(&text);
        let (a, b) = spots[which % spots.len()];
        let mutated = format!("{}{}{}", &text[..a], value, &text[b..]);
        if let Ok(sc) = parse_and_validate(&mutated) {
            let (inp, trajs) = replicate(&sc, 1, 0);
            for t in &trajs {
                check_invariants(&inp, t, "mutated");
            }
        }
    }
}
