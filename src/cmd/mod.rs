//! One module per subcommand: its `run` function.

#![deny(clippy::indexing_slicing)]

pub mod claim;
pub mod completions;
pub mod discover;
pub mod explore;
pub mod json;
pub mod man;
pub mod merge;
pub mod new;
pub mod plot;
pub mod run;
pub mod schema;
pub mod sensitivity;
pub mod sweep;
pub mod validate;

use anyhow::{Context, Result};
use ddrsim::scenario::overrides::{self, Override};
use ddrsim::scenario::validate::limits;
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
    /// `--set` overrides applied to the text, as given.
    pub overrides: Vec<String>,
}

/// Reads a scenario file (or the bundled default), applies `--set`
/// overrides to its text and validates the result exactly like a file.
pub fn load_with(path: Option<&Path>, overrides: &[Override]) -> Result<Loaded> {
    let (text, source) = read(path)?;
    if overrides.is_empty() {
        let scenario =
            parse_and_validate(&text).with_context(|| format!("scenario '{source}' is invalid"))?;
        return Ok(Loaded {
            scenario,
            text,
            source,
            overrides: Vec::new(),
        });
    }
    let list = overrides
        .iter()
        .map(|o| format!("--set {o}"))
        .collect::<Vec<_>>()
        .join(" ");
    let text = overrides::apply(&text, overrides).map_err(|problems| {
        anyhow::anyhow!(
            "cannot apply the overrides to scenario '{source}':\n  - {}",
            problems.join("\n  - ")
        )
    })?;
    let scenario = parse_and_validate(&text).with_context(|| {
        format!(
            "scenario '{source}' with overrides ({list}) is invalid (line numbers refer to the file with the overrides applied)"
        )
    })?;
    Ok(Loaded {
        scenario,
        text,
        source,
        overrides: overrides.iter().map(|o| o.to_string()).collect(),
    })
}

/// Reads a scenario file as UTF-8 text, refusing one larger than
/// [`limits::MAX_FILE_BYTES`] before reading it.
pub fn read_text(path: &Path) -> Result<String> {
    let size = std::fs::metadata(path)?.len();
    anyhow::ensure!(
        size <= limits::MAX_FILE_BYTES as u64,
        "toml: the file is {size} bytes: at most {} bytes are read",
        limits::MAX_FILE_BYTES
    );
    let bytes = std::fs::read(path)?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "toml: not UTF-8 text (invalid byte at offset {}): a scenario is a TOML text file",
            e.utf8_error().valid_up_to()
        )
    })
}

fn read(path: Option<&Path>) -> Result<(String, String)> {
    Ok(match path {
        Some(p) => (
            read_text(p).with_context(|| format!("cannot read scenario file '{}'", p.display()))?,
            p.display().to_string(),
        ),
        None => (DEFAULT_SCENARIO.to_string(), "bundled:default".to_string()),
    })
}

/// The worker threads of a command: all cores by default, refused at 0,
/// capped (with a warning) at [`ddrsim::engine::run::max_threads`].
pub fn threads(requested: Option<usize>) -> Result<usize> {
    let cap = ddrsim::engine::run::max_threads();
    Ok(match requested {
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        Some(0) => anyhow::bail!("--threads must be at least 1"),
        Some(n) if n > cap => {
            eprintln!(
                "warning: --threads {n} is above the cap of {cap} (4 x the available cores, at most 256); using {cap}"
            );
            cap
        }
        Some(n) => n,
    })
}
