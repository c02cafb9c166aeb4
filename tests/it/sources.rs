//! The sources page and the citation rule (docs/sources.md, "The citation
//! rule"): every row id cited in a bundled scenario, a doc page or the
//! README is a row of docs/sources.md; row ids are unique; every value line
//! of a bundled scenario cites a row or says "assumption". The checkers are
//! plain functions, also run on small texts that break each rule, so the
//! tests can fail.

use super::common::path;
use std::collections::BTreeMap;
use std::fs;

/// Text keys that set no value the model computes with (exempt from the rule).
const TEXT_KEYS: [&str; 5] = ["name", "description", "id", "label", "donor"];

/// A row id `S<n>` at byte `at` of `s`, standing alone (not inside a word):
/// returns the number and the byte just after it.
fn id_at(s: &str, at: usize) -> Option<(u32, usize)> {
    let b = s.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    if b.get(at) != Some(&b'S') || (at > 0 && word(b[at - 1])) {
        return None;
    }
    let digits = b[at + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let end = at + 1 + digits;
    if digits == 0 || b.get(end).is_some_and(|&c| word(c)) {
        return None;
    }
    s[at + 1..end].parse().ok().map(|n| (n, end))
}

/// Every row id cited in a text, with its 1-based line.
fn cited_ids(text: &str) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut at = 0;
        while at < line.len() {
            match id_at(line, at) {
                Some((n, end)) => {
                    out.push((n, i + 1));
                    at = end;
                }
                None => at += line[at..].chars().next().map_or(1, char::len_utf8),
            }
        }
    }
    out
}

/// The rows defined by a sources page: table lines `| S<n> | figure |
/// meaning | source |`, id -> line. Errors name each malformed or repeated row.
fn defined_rows(text: &str) -> Result<BTreeMap<u32, usize>, Vec<String>> {
    let (mut rows, mut errors) = (BTreeMap::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        let Some(rest) = t.strip_prefix('|') else {
            continue;
        };
        let first = rest.split('|').next().unwrap_or("").trim();
        let Some((n, end)) = id_at(first, 0) else {
            continue;
        };
        if end != first.len() {
            continue;
        }
        let cells: Vec<&str> = rest.trim_end_matches('|').split('|').collect();
        if cells.len() != 4 || cells.iter().any(|c| c.trim().is_empty()) {
            errors.push(format!(
                "line {}: row S{n} must have 4 non-empty cells (id, figure, meaning, source), found {}",
                i + 1,
                cells.len()
            ));
        }
        if let Some(prev) = rows.insert(n, i + 1) {
            errors.push(format!(
                "line {}: row S{n} is defined again (first at line {prev})",
                i + 1
            ));
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Splits a TOML line into code and comment (`#` outside strings), and
/// returns the change in bracket depth of the code.
fn split_line(line: &str) -> (&str, &str, i32) {
    let (mut depth, mut quote, mut escaped) = (0i32, None::<char>, false);
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => depth -= 1,
                '#' => return (&line[..i], &line[i + 1..], depth),
                _ => {}
            },
        }
    }
    (line, "", depth)
}

/// Value lines of a scenario that neither cite a row nor say "assumption":
/// one message per offending statement (a statement spanning several lines
/// may carry its comment on any of them).
fn uncited_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let (code, comment, mut depth) = split_line(line);
        let code = code.trim();
        if code.is_empty() || code.starts_with('[') {
            continue;
        }
        let Some((key, _)) = code.split_once('=') else {
            out.push(format!("line {}: not a `key = value` line: {code}", i + 1));
            continue;
        };
        let key = key.trim().trim_matches('"').trim_matches('\'').to_string();
        let mut comments = comment.to_string();
        while depth > 0 {
            let Some((_, next)) = lines.next() else {
                break;
            };
            let (_, c, d) = split_line(next);
            comments.push(' ');
            comments.push_str(c);
            depth += d;
        }
        if TEXT_KEYS.contains(&key.as_str()) {
            continue;
        }
        let cites = !cited_ids(&comments).is_empty();
        if !cites && !comments.to_lowercase().contains("assumption") {
            out.push(format!(
                "line {}: `{key}` neither cites a row (S<n>) nor says \"assumption\"",
                i + 1
            ));
        }
    }
    out
}

fn read(rel: &str) -> String {
    fs::read_to_string(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Files (relative paths, sorted) in `dir` whose names end with `ext`.
fn files(dir: &str, ext: &str) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(path(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(ext))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    v.sort();
    v
}

/// Bundled scenarios under the citation rule (benchmark inputs are not).
fn bundled_scenarios() -> Vec<String> {
    files("scenarios", ".toml")
        .into_iter()
        .filter(|f| !f.starts_with("scenarios/bench-"))
        .collect()
}

fn rows() -> BTreeMap<u32, usize> {
    defined_rows(&read("docs/sources.md"))
        .unwrap_or_else(|e| panic!("docs/sources.md:\n{}", e.join("\n")))
}

#[test]
fn source_rows_are_unique_and_well_formed() {
    let rows = rows();
    assert!(
        rows.len() >= 50,
        "docs/sources.md defines {} rows",
        rows.len()
    );
}

#[test]
fn every_cited_row_exists() {
    let rows = rows();
    let mut texts = files("scenarios", ".toml");
    texts.extend(files("docs", ".md"));
    texts.push("README.md".into());
    let mut missing = Vec::new();
    let mut cited = 0;
    for f in &texts {
        for (n, line) in cited_ids(&read(f)) {
            cited += 1;
            if !rows.contains_key(&n) {
                missing.push(format!("{f}:{line}: S{n} is not a row of docs/sources.md"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(cited > 100, "only {cited} citations found");
}

#[test]
fn every_scenario_value_cites_a_row_or_is_an_assumption() {
    let scenarios = bundled_scenarios();
    assert!(scenarios.len() >= 5, "{scenarios:?}");
    let mut problems = Vec::new();
    for f in &scenarios {
        let text = read(f);
        problems.extend(
            uncited_values(&text)
                .into_iter()
                .map(|p| format!("{f}: {p}")),
        );
        assert!(
            !cited_ids(&text).is_empty(),
            "{f} cites no row of docs/sources.md"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The sourced-figures file of the project's notes is not in the repository:
/// scenarios cite docs/sources.md instead.
#[test]
fn scenarios_cite_no_file_outside_the_repository() {
    for f in files("scenarios", ".toml") {
        let text = read(&f);
        for (i, line) in text.lines().enumerate() {
            assert!(
                !line.contains("DATA.md"),
                "{f}:{}: cites DATA.md, which is not in the repository; cite a row of docs/sources.md",
                i + 1
            );
        }
    }
}

#[test]
fn the_checks_catch_each_broken_rule() {
    // Citations: standalone ids only.
    let ids: Vec<u32> = cited_ids("S1, S12 and (S3); not IDDRS 3.41 s7, XS4, S5a or S")
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(ids, vec![1, 12, 3]);

    // Rows: a repeated id and a row with a missing cell are errors.
    let page = "| id | figure | meaning | source |\n|---|---|---|---|\n\
                | S1 | a | b | c |\n| S2 | a | b | c |\n| S1 | d | e | f |\n| S3 | a |  | c |\n";
    let errors = defined_rows(page).expect_err("broken page accepted");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("S1 is defined again (first at line 3)"));
    assert!(errors[1].contains("row S3 must have 4 non-empty cells"));
    let good = defined_rows("| S7 | a | b | c |\n| S9 | a | b | c |\n").expect("valid page");
    assert_eq!(good.keys().copied().collect::<Vec<_>>(), vec![7, 9]);

    // Values: a bare value, a comment without a row or the word, and a
    // multi-line value without a comment are caught; text keys, cited rows,
    // assumptions, `#` inside strings and comments on a later line pass.
    let scenario = "\
[scenario]
name = \"x\"
description = \"a # inside a string\"
seed = 1
horizon_months = 12            # a comment without the word
start = \"2025-07\"              # S2
[[group]]
id = \"men\"
caseload = 100                 # Assumption: round number
turnout = [
  [\"2025-08\", 0.1],            # S37
]
site_capacity = [
  [\"2025-08\", 10],
]
";
    let problems = uncited_values(scenario);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].starts_with("line 4: `seed`"), "{problems:?}");
    assert!(problems[1].starts_with("line 5: `horizon_months`"));
    assert!(problems[2].starts_with("line 13: `site_capacity`"));
}

/// docs/assumptions.md, section 1: in every bundled scenario each group
/// hazard is a draw shared by all groups under the hazard's own name (fixed:
/// `wait_cap` only, an integer), `relapse_self` is not a parameter of its own
/// (the same draw as `relapse`), the conflict effects and `kappa` are
/// uncertain, and the whole block is identical across the scenarios.
#[test]
fn the_behavioural_block_is_uncertain_shared_and_identical() {
    use ddrsim::scenario::Param;
    let block_keys = [
        "ssr.s0",
        "ssr.s_max",
        "ssr.kappa",
        "conflict.lambda0",
        "conflict.b_armed",
        "conflict.b_idle",
        "conflict.b_sec",
    ];
    let fixed_on_purpose = ["ssr.s0", "ssr.s_max"];
    let mut block: BTreeMap<String, (String, Param)> = BTreeMap::new();
    let mut same = |what: String, file: &str, p: &Param| match block.get(&what) {
        Some((first, q)) => assert_eq!(q, p, "{what}: {file} differs from {first}"),
        None => {
            block.insert(what, (file.to_string(), p.clone()));
        }
    };
    for f in bundled_scenarios() {
        let sc = super::common::load(&f);
        let mut hazards = 0;
        for slot in &sc.params {
            let parts: Vec<&str> = slot.key.split('.').collect();
            if let ["group", _, "hazard", name] = parts[..] {
                hazards += 1;
                assert_ne!(name, "relapse_self", "{f}: {} is its own draw", slot.key);
                match &slot.param {
                    Param::Shared(sd) => assert_eq!(sd.shared, name, "{f}: {}", slot.key),
                    other => panic!("{f}: {} is not a shared draw: {other:?}", slot.key),
                }
                same(format!("hazard.{name}"), &f, &slot.param);
            } else if block_keys.contains(&slot.key.as_str()) {
                assert_eq!(
                    slot.param.is_uncertain(),
                    !fixed_on_purpose.contains(&slot.key.as_str()),
                    "{f}: {}",
                    slot.key
                );
                same(slot.key.clone(), &f, &slot.param);
            }
        }
        assert_eq!(hazards, 10 * sc.groups.len(), "{f}: hazards per group");
    }
    assert_eq!(block.len(), 10 + block_keys.len(), "{:?}", block.keys());
}
