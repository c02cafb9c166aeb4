//! One module per subcommand: its `run` function.

#![deny(clippy::indexing_slicing)]

pub mod calibrate;
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

/// Lower-case hex SHA-256 of a text (scenario and posterior hashes).
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Loaded {
    /// SHA-256 of the scenario text as run (overrides applied).
    pub fn sha256(&self) -> String {
        sha256_hex(&self.text)
    }

    /// The manifest of a folder of results of this scenario: every field
    /// from the scenario and the command line; warnings are the scenario's
    /// (a command adds its own), `precision` and `params` unset.
    pub fn manifest(
        &self,
        seed: u64,
        replicates: u64,
        policies: Vec<String>,
        threads: usize,
        started: std::time::Instant,
    ) -> ddrsim::output::manifest::Manifest {
        use ddrsim::output::manifest::{Manifest, ManifestGroup, FORMAT_VERSION};
        let sc = &self.scenario;
        Manifest {
            ddrsim_version: env!("CARGO_PKG_VERSION").to_string(),
            format_version: FORMAT_VERSION,
            scenario: sc.name.clone(),
            scenario_source: self.source.clone(),
            scenario_sha256: self.sha256(),
            seed,
            first_replicate: 0,
            replicates,
            baseline: policies.first().cloned().unwrap_or_default(),
            policies,
            threads,
            rng: ddrsim::engine::rng::RNG_NAME.to_string(),
            command_line: std::env::args().collect::<Vec<_>>().join(" "),
            wall_seconds: started.elapsed().as_secs_f64(),
            start: sc.start.to_string(),
            horizon_months: sc.horizon,
            groups: sc
                .groups
                .iter()
                .map(|g| ManifestGroup {
                    id: g.id.clone(),
                    label: g.label.clone(),
                })
                .collect(),
            warnings: sc.warnings.clone(),
            overrides: self.overrides.clone(),
            precision: None,
            params: None,
        }
    }
}

/// [`load_with`] after adding each `--vary key=lo..hi` as an override that
/// makes the key uniform on the range (`sensitivity`, `discover`); an error
/// then says how `--vary` was applied.
pub fn load_with_vary(
    path: Option<&Path>,
    set: &[Override],
    vary: &[ddrsim::experiment::Range],
) -> Result<Loaded> {
    let mut all = set.to_vec();
    for r in vary {
        all.push(r.uniform_override().map_err(anyhow::Error::msg)?);
    }
    load_with(path, &all).map_err(|e| {
        if vary.is_empty() {
            e
        } else {
            anyhow::anyhow!(
                "{e:#}\n  note: each --vary key=lo..hi is applied as --set key={{ dist = \"uniform\", min = lo, max = hi }}; a shared draw is varied with --vary shared.NAME=lo..hi"
            )
        }
    })
}
