//! `ddrsim schema`: prints the JSON Schema of the scenario file format.

#![deny(clippy::indexing_slicing)]

/// Prints the schema to stdout.
pub fn run() -> anyhow::Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(&ddrsim::scenario::file::json_schema())?
    );
    Ok(())
}
