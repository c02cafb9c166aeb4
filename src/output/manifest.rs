//! `manifest.json`: what produced an output folder, for reproducibility.

#![deny(clippy::indexing_slicing)]

use serde::{Deserialize, Serialize};

/// Version of the output file formats (bump when a column changes meaning).
pub const FORMAT_VERSION: u32 = 1;

/// A group as listed in the manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManifestGroup {
    /// Group id.
    pub id: String,
    /// Label.
    pub label: String,
}

/// The manifest of a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// ddrsim version.
    pub ddrsim_version: String,
    /// Output format version.
    pub format_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Where the scenario came from (a path, or `bundled:default`).
    pub scenario_source: String,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_sha256: String,
    /// Master seed.
    pub seed: u64,
    /// First replicate index.
    pub first_replicate: u64,
    /// Replicates run.
    pub replicates: u64,
    /// Policy ids, baseline first.
    pub policies: Vec<String>,
    /// The baseline policy.
    pub baseline: String,
    /// Worker threads used.
    pub threads: usize,
    /// Random number generator and stream keying.
    pub rng: String,
    /// Command line.
    pub command_line: String,
    /// Wall time of the simulation and writing, seconds.
    pub wall_seconds: f64,
    /// Calendar month of model month 1.
    pub start: String,
    /// Horizon in months.
    pub horizon_months: u32,
    /// Groups.
    pub groups: Vec<ManifestGroup>,
    /// Validation warnings.
    pub warnings: Vec<String>,
    /// `--set` overrides applied to the scenario (scenario.toml and its
    /// hash are the scenario with them applied).
    pub overrides: Vec<String>,
    /// How `--precision` stopped, when it was given: the target, the
    /// half-width reached and whether it was met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
    /// The `--params` posterior file the shared draws came from (copied
    /// into the folder as `params.csv`), when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<String>,
}
