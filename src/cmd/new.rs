//! `ddrsim new`: writes a commented starter scenario a planner can edit,
//! based on the bundled default scenario (every value cited or marked as an
//! assumption).

#![deny(clippy::indexing_slicing)]

use super::DEFAULT_SCENARIO;
use crate::cli::NewArgs;
use anyhow::{bail, Context, Result};
use ddrsim::output::atomic::write_file;
use std::path::PathBuf;

/// Writes `<NAME>.toml` (or `--out PATH`).
pub fn run(args: &NewArgs) -> Result<()> {
    let name = &args.name;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        bail!("'{name}' is not a valid scenario name: use letters, digits, '-' and '_'");
    }
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{name}.toml")));
    if path.exists() && !args.force {
        bail!(
            "'{}' already exists; choose another name or pass --force",
            path.display()
        );
    }
    let text = DEFAULT_SCENARIO.replacen("name = \"default\"", &format!("name = \"{name}\""), 1);
    let header = format!(
        "# Starter scenario '{name}', written by `ddrsim new` from the bundled default.\n\
         # Edit the values below; keep a source comment or `# assumption` beside each.\n\
         # Check it with `ddrsim validate {p}` and run it with `ddrsim run {p}`.\n\
         # Field reference: docs/scenario-format.md\n\n",
        p = path.display()
    );
    ddrsim::scenario::parse_and_validate(&text)
        .context("internal error: the starter scenario does not validate")?;
    write_file(&path, format!("{header}{text}").as_bytes())?;
    println!("wrote {}", path.display());
    Ok(())
}
