//! One module per subcommand: its `run` function.

pub mod merge;
pub mod new;
pub mod plot;
pub mod run;
pub mod schema;
pub mod validate;

use anyhow::{Context, Result};
use ddrsim::scenario::{parse_and_validate, Scenario};
use std::path::Path;

/// The bundled default scenario, compiled in so `ddrsim run` works anywhere.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.toml");

/// A scenario loaded for a command: the parsed scenario, its bytes and where it came from.
pub struct Loaded {
    /// The validated scenario.
    pub scenario: Scenario,
    /// The file's text.
    pub text: String,
    /// Path or `bundled:default`.
    pub source: String,
}

/// Reads and validates a scenario file, or the bundled default.
pub fn load(path: Option<&Path>) -> Result<Loaded> {
    let (text, source) = match path {
        Some(p) => (
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read scenario file '{}'", p.display()))?,
            p.display().to_string(),
        ),
        None => (DEFAULT_SCENARIO.to_string(), "bundled:default".to_string()),
    };
    let scenario =
        parse_and_validate(&text).with_context(|| format!("scenario '{source}' is invalid"))?;
    Ok(Loaded {
        scenario,
        text,
        source,
    })
}
