//! `ddrsim schema`: every bundled scenario validates against the JSON
//! Schema, the schema rejects what the parser rejects, and every field of
//! the schema is documented in docs/scenario-format.md.

use super::common::path;
use ddrsim::scenario::file::json_schema;
use std::collections::BTreeSet;

fn as_json(toml_text: &str) -> serde_json::Value {
    let v: toml::Value = toml::from_str(toml_text).expect("toml");
    serde_json::to_value(v).expect("json")
}

fn toml_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/fixtures"] {
        for e in std::fs::read_dir(path(dir)).expect("dir").flatten() {
            if e.path().extension().is_some_and(|x| x == "toml") {
                files.push(e.path());
            }
        }
    }
    files
}

#[test]
fn every_bundled_scenario_validates_against_the_schema() {
    let schema = json_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let files = toml_files();
    assert!(files.len() >= 5);
    for f in files {
        let doc = as_json(&std::fs::read_to_string(&f).expect("read"));
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
}

#[test]
fn the_schema_rejects_unknown_keys_and_wrong_types() {
    let schema = json_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let text = std::fs::read_to_string(path("tests/fixtures/gap.toml")).expect("fixture");
    for bad in [
        text.replace("reint_months = 4", "reint_monthz = 4"),
        text.replace("horizon_months = 36", "horizon_months = \"36\""),
        text.replace("month = 3\n", "month = \"March\"\n"),
    ] {
        assert!(!validator.is_valid(&as_json(&bad)));
    }
}

fn property_names(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            map.values().for_each(|x| property_names(x, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|x| property_names(x, out)),
        _ => {}
    }
}

#[test]
fn every_schema_field_is_documented() {
    let mut names = BTreeSet::new();
    property_names(&json_schema(), &mut names);
    assert!(names.len() > 60, "schema has {} fields", names.len());
    let doc =
        std::fs::read_to_string(path("docs/scenario-format.md")).expect("docs/scenario-format.md");
    // Identifiers written inside `code` spans of the document.
    let mut documented = BTreeSet::new();
    for (i, span) in doc.split('`').enumerate() {
        if i % 2 == 1 {
            documented.extend(
                span.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_string),
            );
        }
    }
    let missing: Vec<_> = names.iter().filter(|n| !documented.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "fields not documented in docs/scenario-format.md: {missing:?}"
    );
}
