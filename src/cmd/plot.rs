//! `ddrsim plot`: redraws charts and the report from an output folder's CSV
//! files; it never re-simulates.

#![deny(clippy::indexing_slicing)]

use crate::cli::PlotArgs;
use anyhow::{bail, Result};

/// Redraws charts and report.html in place.
pub fn run(args: &PlotArgs) -> Result<()> {
    if !args.dir.join("summary.csv").exists() {
        bail!(
            "'{}' is not a ddrsim output folder (no summary.csv); run `ddrsim run` first",
            args.dir.display()
        );
    }
    let charts = ddrsim::plot::render_charts(&args.dir)?;
    let report = ddrsim::report::write_report(&args.dir)?;
    println!(
        "wrote {} chart files and {}",
        charts.len(),
        report.display()
    );
    Ok(())
}
