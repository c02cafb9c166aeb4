//! Shared draws: parameters carrying the same `shared` name get one draw
//! per replicate, so behavioural uncertainty common to all groups does not
//! average out across groups.

use super::common::path;
use ddrsim::engine::inputs::draw_values;
use ddrsim::engine::rng::Streams;
use ddrsim::model::inputs::Inputs;
use ddrsim::scenario::{parse_and_validate, ScenarioError};

fn with_wait_effects(a: &str, b: &str) -> String {
    std::fs::read_to_string(path("tests/fixtures/gap.toml"))
        .expect("fixture")
        .replacen("wait_effect = 0.1\n", &format!("wait_effect = {a}\n"), 1)
        .replacen(
            "wait_effect = { dist = \"uniform\", min = 0.0, max = 0.2 }\n",
            &format!("wait_effect = {b}\n"),
            1,
        )
}

#[test]
fn parameters_with_one_shared_name_draw_one_value() {
    let d = "{ dist = \"uniform\", min = 0.0, max = 0.2, shared = \"wait\" }";
    let sc = parse_and_validate(&with_wait_effects(d, d)).expect("valid");
    let mut distinct = std::collections::BTreeSet::new();
    for i in 0..50 {
        let inp = Inputs::build(&sc, &draw_values(&sc, &Streams::replicate(3, i)));
        assert_eq!(
            inp.groups[0].beta_wait, inp.groups[1].beta_wait,
            "replicate {i}"
        );
        distinct.insert(inp.groups[0].beta_wait.to_bits());
    }
    assert!(
        distinct.len() > 40,
        "the shared value must still vary between replicates"
    );
    // Without a shared name the two groups draw independently.
    let u = "{ dist = \"uniform\", min = 0.0, max = 0.2 }";
    let sc = parse_and_validate(&with_wait_effects(u, u)).expect("valid");
    let inp = Inputs::build(&sc, &draw_values(&sc, &Streams::replicate(3, 0)));
    assert_ne!(inp.groups[0].beta_wait, inp.groups[1].beta_wait);
}

#[test]
fn a_shared_name_with_two_distributions_is_a_problem() {
    let text = with_wait_effects(
        "{ dist = \"uniform\", min = 0.0, max = 0.2, shared = \"wait\" }",
        "{ dist = \"uniform\", min = 0.0, max = 0.3, shared = \"wait\" }",
    );
    match parse_and_validate(&text) {
        Err(ScenarioError::Invalid(problems)) => {
            assert!(
                problems
                    .iter()
                    .any(|p| p.key == "group.women.hazard.wait_effect"
                        && p.message.contains("different distribution")),
                "{problems:?}"
            );
        }
        other => panic!("expected a validation problem, got {other:?}"),
    }
    let bad_name = with_wait_effects(
        "{ dist = \"uniform\", min = 0.0, max = 0.2, shared = 3 }",
        "0.1",
    );
    assert!(
        matches!(parse_and_validate(&bad_name), Err(ScenarioError::Invalid(p))
            if p.iter().any(|p| p.key == "group.men.hazard.wait_effect.shared" && p.message.contains("string")))
    );
}

#[test]
fn the_schema_accepts_shared_names() {
    let d = "{ dist = \"uniform\", min = 0.0, max = 0.2, shared = \"wait\" }";
    let doc: toml::Value = toml::from_str(&with_wait_effects(d, d)).expect("toml");
    let schema = ddrsim::scenario::file::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema");
    assert!(validator.is_valid(&serde_json::to_value(doc).expect("json")));
}
