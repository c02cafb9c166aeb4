//! `ddrsim explore SWEEP_DIR`: writes `explorer.html`, one self-contained
//! page to explore a sweep's paired effects (docs/sweep.md, "Explorer").

use crate::cli::ExploreArgs;
use anyhow::{anyhow, Context, Result};
use ddrsim::report::explorer;
use std::fs;

/// Reads `sweep.json` and `sweep.csv` of the sweep folder and writes the
/// explorer page (default `SWEEP_DIR/explorer.html`) under a temporary name,
/// renamed into place when complete.
pub fn run(args: &ExploreArgs) -> Result<()> {
    let dir = &args.sweep_dir;
    let json_path = dir.join("sweep.json");
    let csv_path = dir.join("sweep.csv");
    let json = fs::read_to_string(&json_path).with_context(|| {
        format!(
            "cannot read {} (is {} a sweep folder written by `ddrsim sweep`?)",
            json_path.display(),
            dir.display()
        )
    })?;
    let csv = fs::read_to_string(&csv_path)
        .with_context(|| format!("cannot read {}", csv_path.display()))?;
    let data =
        explorer::explorer_data(&json, &csv).map_err(|e| anyhow!("{} in {}", e, dir.display()))?;
    let html = explorer::explorer_html(&data);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| dir.join("explorer.html"));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "explorer.html".to_string());
    let tmp = out.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    fs::write(&tmp, html.as_bytes()).with_context(|| format!("cannot write {}", tmp.display()))?;
    if let Err(e) = fs::rename(&tmp, &out) {
        let _ = fs::remove_file(&tmp);
        return Err(e)
            .with_context(|| format!("cannot move {} to {}", tmp.display(), out.display()));
    }
    if !args.quiet {
        eprintln!("wrote {} ({} bytes)", out.display(), html.len());
    }
    Ok(())
}
