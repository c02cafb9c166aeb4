//! The self-contained HTML report of a run.
use anyhow::Result;
use std::path::{Path, PathBuf};
/// Writes `out_dir/report.html`.
pub fn write_report(out_dir: &Path) -> Result<PathBuf> {
    anyhow::bail!("not yet: {}", out_dir.display())
}
