//! `ddrsim run`: simulate every policy of a scenario, write the output
//! folder atomically, print the headline comparison.

use super::load;
use crate::cli::RunArgs;
use anyhow::{Context, Result};
use ddrsim::engine::rng::RNG_NAME;
use ddrsim::engine::run::{run as run_replicates, RunOptions};
use ddrsim::model::outcome::{outcome_columns, Unit};
use ddrsim::output::atomic::{write_file, StagedDir};
use ddrsim::output::manifest::{Manifest, ManifestGroup, FORMAT_VERSION};
use ddrsim::output::number::human;
use ddrsim::output::replicates::ReplicateWriter;
use ddrsim::output::tables::{self, pair_stats, stats};
use ddrsim::scenario::Scenario;
use ddrsim::stats::accum::RunAccumulator;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Headline outcomes shown on stdout: (metric, label, decimals).
const HEADLINE: [(&str, &str, usize); 6] = [
    ("completed", "completed reintegration", 0),
    ("rerecruited", "re-recruited", 0),
    ("peak_waiting", "peak waiting list", 0),
    ("mean_wait_months", "mean months waited", 2),
    ("relapse", "relapse probability", 3),
    ("cost_per_completed", "cost per completion (USD)", 0),
];

/// Runs the command.
pub fn run(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let loaded = load(args.scenario.as_deref())?;
    let sc = &loaded.scenario;
    let replicates = args.replicates.unwrap_or(sc.replicates);
    anyhow::ensure!(replicates >= 1, "--replicates must be at least 1");
    let seed = args.seed.unwrap_or(sc.seed);
    let cap = ddrsim::engine::run::max_threads();
    let threads = match args.threads {
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        Some(0) => anyhow::bail!("--threads must be at least 1"),
        Some(n) if n > cap => {
            eprintln!(
                "warning: --threads {n} is above the cap of {cap} (4 x the available cores, at most 256); using {cap}"
            );
            cap
        }
        Some(n) => n,
    };
    // The scenario's size (memory, money) was checked by validation: what
    // `validate` accepts, `run` runs.
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&sc.name));
    for w in &sc.warnings {
        eprintln!("warning: {w}");
    }

    // Ctrl-C (or SIGTERM) stops the run between blocks; the staging folder is
    // then removed and the previous results stay in place.
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = Arc::clone(&interrupted);
        // A second handler cannot be installed (e.g. in tests): keep the default.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    }
    let staged = StagedDir::new(&target, "manifest.json")?;
    let dir = staged.path().to_path_buf();
    write_file(&dir.join("scenario.toml"), loaded.text.as_bytes())?;
    let file = File::create(dir.join("replicates.csv")).context("cannot create replicates.csv")?;
    let mut rows = ReplicateWriter::new(BufWriter::new(file), sc)?;

    let bar = ProgressBar::with_draw_target(Some(replicates), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {pos}/{len} replicates, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(format!("{} x {} policies", sc.name, sc.policies.len()));
    let show_bar = !args.quiet && std::io::stderr().is_terminal();
    let opts = RunOptions {
        seed,
        first: 0,
        replicates,
        threads,
    };
    let acc = run_replicates(sc, &opts, |block| {
        if interrupted.load(Ordering::SeqCst) {
            anyhow::bail!(
                "interrupted: nothing was written; previous results (if any) are unchanged"
            );
        }
        rows.write_block(block)?;
        if show_bar && bar.is_hidden() && started.elapsed().as_secs_f64() > 1.0 {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.inc(block.len() as u64);
        anyhow::Ok(())
    })?;
    bar.finish_and_clear();
    rows.finish()?;

    let write_table = |name: &str, f: &dyn Fn(BufWriter<File>) -> Result<()>| -> Result<()> {
        let file = File::create(dir.join(name)).with_context(|| format!("cannot create {name}"))?;
        f(BufWriter::new(file)).with_context(|| format!("cannot write {name}"))
    };
    write_table("summary.csv", &|w| tables::write_summary(w, sc, &acc))?;
    write_table("comparison.csv", &|w| tables::write_comparison(w, sc, &acc))?;
    write_table("timeseries.csv", &|w| tables::write_timeseries(w, sc, &acc))?;
    write_table("funding.csv", &|w| tables::write_funding(w, sc, &acc))?;

    let manifest = Manifest {
        ddrsim_version: env!("CARGO_PKG_VERSION").to_string(),
        format_version: FORMAT_VERSION,
        scenario: sc.name.clone(),
        scenario_source: loaded.source.clone(),
        scenario_sha256: hex(&Sha256::digest(loaded.text.as_bytes())),
        seed,
        first_replicate: 0,
        replicates,
        policies: sc.policies.iter().map(|p| p.id.clone()).collect(),
        baseline: sc.policies[0].id.clone(),
        threads,
        rng: RNG_NAME.to_string(),
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
    };
    write_file(
        &dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    if !args.no_charts {
        ddrsim::plot::render_charts(&dir).context("cannot draw charts")?;
        ddrsim::report::write_report(&dir).context("cannot write report.html")?;
    }
    anyhow::ensure!(
        !interrupted.load(Ordering::SeqCst),
        "interrupted: nothing was written; previous results (if any) are unchanged"
    );
    let out = staged.commit()?;
    if !args.quiet {
        print_headline(sc, &acc, replicates, seed, started.elapsed().as_secs_f64());
        println!("\nResults in {}/ (summary.csv, comparison.csv, timeseries.csv, funding.csv, replicates.csv{})", out.display(), if args.no_charts { "" } else { ", charts/, report.html" });
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn cell(mean: f64, half: f64, digits: usize) -> String {
    if half.is_finite() {
        format!("{} ± {}", human(mean, digits), human(half, digits))
    } else {
        human(mean, digits)
    }
}

fn print_headline(sc: &Scenario, acc: &RunAccumulator, replicates: u64, seed: u64, secs: f64) {
    let cols = outcome_columns(sc);
    let find = |name: &str| {
        cols.iter()
            .position(|c| c.metric.name == name && c.group.is_none())
    };
    println!(
        "ddrsim {} | scenario \"{}\" | {} replicates, seed {} | {} policies | {:.1} s",
        env!("CARGO_PKG_VERSION"),
        sc.name,
        replicates,
        seed,
        sc.policies.len(),
        secs
    );
    let width = 26;
    let colw = 22;
    println!(
        "\nOutcomes per policy: mean ± half-width of its 95% interval (relapse: Wilson interval)"
    );
    print!("{:width$}", "");
    for p in &sc.policies {
        print!("{:>colw$}", p.id);
    }
    println!();
    for (name, label, digits) in HEADLINE {
        let Some(ci) = find(name) else { continue };
        print!("{label:width$}");
        for pacc in &acc.policies {
            let st = stats(&pacc.outcomes[ci], cols[ci].metric.unit);
            let text = if st.n == 0 {
                "-".to_string()
            } else if cols[ci].metric.unit == Unit::Flag {
                format!("{:.3} [{:.3}, {:.3}]", st.mean, st.ci.0, st.ci.1)
            } else {
                cell(st.mean, (st.ci.1 - st.ci.0) / 2.0, digits)
            };
            print!("{text:>colw$}");
        }
        println!();
    }
    if sc.policies.len() < 2 {
        return;
    }
    println!(
        "\nPaired difference vs {} (policy minus baseline, common random numbers): mean ± 95% half-width, P(better)",
        sc.policies[0].id
    );
    print!("{:width$}", "");
    for p in &sc.policies[1..] {
        print!("{:>colw$}", p.id);
    }
    println!();
    for (name, label, digits) in HEADLINE {
        let Some(ci) = find(name) else { continue };
        print!("{label:width$}");
        for pi in 1..sc.policies.len() {
            let p = pair_stats(acc, pi, ci, &cols[ci]);
            let text = if p.n == 0 {
                "-".to_string()
            } else {
                let d = if digits == 0 { 0 } else { digits };
                let pb = if p.p_better.is_finite() {
                    format!(" ({:.2})", p.p_better)
                } else {
                    String::new()
                };
                format!("{}{pb}", cell(p.mean, (p.ci.1 - p.ci.0) / 2.0, d))
            };
            print!("{text:>colw$}");
        }
        println!();
    }
}
