//! `ddrsim run`: simulate every policy of a scenario, write the output
//! folder atomically, print the headline comparison.

#![deny(clippy::indexing_slicing)]

use super::load_with;
use crate::cli::{ChannelsMode, RunArgs};
use anyhow::{Context, Result};
use ddrsim::engine::channels::{decomposition_cost, run_channels};
use ddrsim::engine::run::{run_with as run_replicates, Adjust, RunOptions};
use ddrsim::model::outcome::{outcome_columns, Unit};
use ddrsim::output::atomic::{folder_name, write_file, StagedDir};
use ddrsim::output::channels::{channel_rows, write_channels, ChannelRow};
use ddrsim::output::manifest::{Manifest, FORMAT_VERSION};
use ddrsim::output::number::human;
use ddrsim::output::replicates::{ReplicateWriter, ReplicatesCsv, Sink};
use ddrsim::output::shard::{self, ShardInfo, ShardSpec, ShardState};
use ddrsim::output::tables::{self, pair_stats, ratio_stats, stats, Badge};
use ddrsim::scenario::Scenario;
use ddrsim::stats::accum::{ReplicateResult, RunAccumulator};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

/// Largest decomposition `--channels auto` runs, in simulated
/// policy-replicates (about a minute on 2 cores).
pub const CHANNELS_AUTO_LIMIT: u64 = 100_000;

/// Runs the command.
pub fn run(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let loaded = load_with(args.scenario.as_deref(), &args.set)?;
    let sc = &loaded.scenario;
    let replicates = args.replicates.unwrap_or(sc.replicates);
    anyhow::ensure!(replicates >= 1, "--replicates must be at least 1");
    let precision = args
        .precision
        .as_deref()
        .map(|p| Precision::parse(sc, p, replicates, args.max_replicates))
        .transpose()?;
    anyhow::ensure!(
        precision.is_none() || args.shard.is_none(),
        "--precision cannot be used with --shard: a shard's share of replicates is fixed by N"
    );
    let seed = args.seed.unwrap_or(sc.seed);
    let threads = super::threads(args.threads)?;
    let posterior = args
        .params
        .as_deref()
        .map(|p| super::calibrate::load_posterior(p, sc))
        .transpose()?;
    let adjust = |i: u64, v: &mut [f64]| {
        if let Some((post, slots, _)) = &posterior {
            post.apply_slots(slots, seed, i, v);
        }
    };
    anyhow::ensure!(
        posterior.is_none() || args.channels != ChannelsMode::On,
        "--channels on cannot be combined with --params: the decomposition draws the scenario's own parameters"
    );
    let shard_spec = args.shard.as_deref().map(ShardSpec::parse).transpose()?;
    let (first, last) = shard_spec.map_or((0, replicates), |s| s.range(replicates));
    let rows_mode = args.replicates_csv.map_or_else(
        || ReplicatesCsv::default_for(precision.as_ref().map_or(replicates, |p| p.max)),
        |m| m.mode(),
    );
    // The scenario's size (memory, money) was checked by validation: what
    // `validate` accepts, `run` runs.
    let target = args.out.clone().unwrap_or_else(|| match shard_spec {
        Some(s) => PathBuf::from("output").join(format!("{}-shard-{}-of-{}", sc.name, s.k, s.n)),
        None => PathBuf::from("output").join(folder_name(&sc.name)),
    });
    for w in &sc.warnings {
        eprintln!("warning: {w}");
    }

    // Ctrl-C (or SIGTERM, SIGHUP) stops the run between blocks; the staging
    // folder is then removed and the previous results stay in place.
    let stop = Stop::install();
    let marker = if shard_spec.is_some() {
        shard::SHARD_FILE
    } else {
        "manifest.json"
    };
    let staged = StagedDir::new(&target, marker)?;
    if staged.recovered() {
        eprintln!(
            "note: put back the previous results in '{}', left aside by a run that was killed \
             while replacing them",
            target.display()
        );
    }
    let dir = staged.path().to_path_buf();
    // Write errors name the file, the folder being written and the target.
    let failed = |name: &str| {
        format!(
            "cannot write {name} in '{}' (the staging folder of '{}')",
            dir.display(),
            target.display()
        )
    };
    write_file(&dir.join("scenario.toml"), loaded.text.as_bytes())?;
    if let Some((_, _, text)) = &posterior {
        write_file(&dir.join("params.csv"), text.as_bytes())?;
    }
    let rows_name = rows_mode.file_name().unwrap_or("replicates.csv");
    let mut rows = match Sink::create(&dir, rows_mode).with_context(|| failed(rows_name))? {
        Some(sink) => Some(ReplicateWriter::new(sink, sc).with_context(|| failed(rows_name))?),
        None => None,
    };

    let bar = progress_bar(
        last - first,
        format!("{} x {} policies", sc.name, sc.policies.len()),
    );
    let show_bar = !args.quiet && std::io::stderr().is_terminal();
    // Replicates in batches: one batch, or more until --precision is met.
    let Batches {
        acc,
        done,
        reached: precision_reached,
    } = run_batches(
        sc,
        &RunOptions {
            seed,
            first,
            replicates: last - first,
            threads,
        },
        &adjust,
        precision.as_ref(),
        |block| {
            stop.check()?;
            if let Some(rows) = rows.as_mut() {
                rows.write_block(block).with_context(|| failed(rows_name))?;
            }
            if show_bar && bar.is_hidden() && started.elapsed().as_secs_f64() > 1.0 {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            bar.inc(block.len() as u64);
            anyhow::Ok(())
        },
        |more| bar.inc_length(more),
    )?;
    bar.finish_and_clear();
    let replicates = if precision.is_some() {
        done
    } else {
        replicates
    };
    let last = if precision.is_some() { done } else { last };
    let opts = RunOptions {
        seed,
        first,
        replicates: last - first,
        threads,
    };
    let mut precision_line = None;
    if let (Some(p), Some((widest, reached))) = (&precision, precision_reached) {
        let line = format!(
            "--precision {}={}: {} after {replicates} replicates (widest 95% half-width of a paired difference vs the baseline: {})",
            p.metric,
            p.target,
            if reached { "reached" } else { "NOT reached (--max-replicates)" },
            widest
        );
        if reached {
            eprintln!("note: {line}");
        } else {
            eprintln!("warning: {line}");
        }
        precision_line = Some(line);
    }
    if let Some(rows) = rows {
        rows.finish()
            .and_then(|s| s.finish())
            .with_context(|| failed(rows_name))?;
    }

    let cost = decomposition_cost(sc, replicates);
    let with_channels = sc.policies.len() > 1
        && posterior.is_none()
        && match args.channels {
            ChannelsMode::On => true,
            ChannelsMode::Off => false,
            ChannelsMode::Auto => cost <= CHANNELS_AUTO_LIMIT,
        };
    if sc.policies.len() > 1
        && args.channels == ChannelsMode::Auto
        && !with_channels
        && posterior.is_none()
        && !args.quiet
    {
        eprintln!(
            "note: channel decomposition skipped: it would simulate {cost} policy-replicates \
             (auto limit {CHANNELS_AUTO_LIMIT}); add --channels on to compute it"
        );
    }
    let channel_acc = if with_channels {
        let bar = progress_bar(last - first, "channel decomposition".to_string());
        let chan_started = Instant::now();
        let acc = run_channels(sc, &opts, |n| {
            stop.check()?;
            if show_bar && bar.is_hidden() && chan_started.elapsed().as_secs_f64() > 1.0 {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            bar.inc(n);
            anyhow::Ok(())
        })?;
        bar.finish_and_clear();
        Some(acc)
    } else {
        None
    };
    if let Some(spec) = shard_spec {
        let info = ShardInfo {
            ddrsim_version: env!("CARGO_PKG_VERSION").to_string(),
            format_version: FORMAT_VERSION,
            scenario_sha256: loaded.sha256(),
            scenario: sc.name.clone(),
            scenario_source: loaded.source.clone(),
            seed,
            total_replicates: replicates,
            shard: spec,
            first_replicate: first,
            replicates: last - first,
            channels: channel_acc.is_some(),
            replicates_file: rows_mode.file_name().map(str::to_string),
            overrides: loaded.overrides.clone(),
        };
        shard::write_state(
            &dir.join(shard::STATE_FILE),
            &ShardState {
                acc,
                channels: channel_acc,
            },
        )?;
        write_file(
            &dir.join(shard::SHARD_FILE),
            serde_json::to_string_pretty(&info)?.as_bytes(),
        )?;
        stop.check()?;
        let out = staged.commit()?;
        if !args.quiet {
            println!(
                "Shard {}/{} of \"{}\": replicates {} to {} of {}, seed {}, {:.1} s. Shard folder {}/ \
                 (merge every shard with `ddrsim merge SHARD_DIR... --out DIR`)",
                spec.k,
                spec.n,
                sc.name,
                first,
                last.saturating_sub(1),
                replicates,
                seed,
                started.elapsed().as_secs_f64(),
                out.display()
            );
        }
        return Ok(());
    }
    let channel_table: Option<Vec<ChannelRow>> = channel_acc.map(|a| channel_rows(sc, &a));

    finish(
        staged,
        &Finish {
            loaded: &loaded,
            acc: &acc,
            channel_table,
            seed,
            replicates,
            threads,
            started,
            rows_file: rows_mode.file_name(),
            quiet: args.quiet,
            json: args.json,
            no_charts: args.no_charts,
            precision: precision_line,
            params: args.params.as_ref().map(|p| p.display().to_string()),
        },
        &|| stop.check(),
    )
}

/// What a finished run (or a merge of shards) writes and prints.
pub(super) struct Finish<'a> {
    /// The scenario.
    pub loaded: &'a super::Loaded,
    /// Accumulators of every replicate.
    pub acc: &'a RunAccumulator,
    /// Rows of channels.csv, when the decomposition ran.
    pub channel_table: Option<Vec<ChannelRow>>,
    /// Master seed.
    pub seed: u64,
    /// Replicates of the run.
    pub replicates: u64,
    /// Worker threads.
    pub threads: usize,
    /// When the command started.
    pub started: Instant,
    /// The replicate rows file written, if any.
    pub rows_file: Option<&'static str>,
    /// No table on stdout.
    pub quiet: bool,
    /// A JSON summary on stdout instead of the table.
    pub json: bool,
    /// How `--precision` stopped, if it was given.
    pub precision: Option<String>,
    /// The `--params` file, if one was given.
    pub params: Option<String>,
    /// No charts or report.
    pub no_charts: bool,
}

/// Writes the summary tables, manifest, charts and report into the staged
/// folder, commits it and prints the tables.
pub(super) fn finish(staged: StagedDir, f: &Finish, check: &dyn Fn() -> Result<()>) -> Result<()> {
    let Finish {
        loaded,
        acc,
        ref channel_table,
        seed,
        replicates,
        threads,
        started,
        rows_file,
        quiet,
        json,
        no_charts,
        ref precision,
        ref params,
    } = *f;
    let sc = &loaded.scenario;
    let dir = staged.path().to_path_buf();
    let failed = |name: &str| {
        format!(
            "cannot write {name} in '{}' (the staging folder of '{}')",
            dir.display(),
            staged.target().display()
        )
    };
    let write_table = |name: &str, f: &dyn Fn(BufWriter<File>) -> Result<()>| -> Result<()> {
        let file = File::create(dir.join(name)).with_context(|| failed(name))?;
        f(BufWriter::new(file)).with_context(|| failed(name))
    };
    write_table("summary.csv", &|w| tables::write_summary(w, sc, acc))?;
    write_table("comparison.csv", &|w| tables::write_comparison(w, sc, acc))?;
    write_table("timeseries.csv", &|w| tables::write_timeseries(w, sc, acc))?;
    write_table("funding.csv", &|w| tables::write_funding(w, sc, acc))?;
    if let Some(rows) = &channel_table {
        write_table("channels.csv", &|w| write_channels(w, sc, rows))?;
    }
    let shortfalls = offset_shortfalls(sc, acc);
    for (policy, mean) in &shortfalls {
        eprintln!(
            "warning: policy '{policy}': offset_voluntary could not deduct USD {} on average of \
             what the kick-start paid (tranches already arrived or none left by the horizon): \
             it is partly more money, not only earlier money (offset_shortfall in summary.csv)",
            human(*mean, 0)
        );
    }

    let manifest =
        Manifest {
            precision: precision.clone(),
            params: params.clone(),
            warnings: sc
                .warnings
                .iter()
                .cloned()
                .chain(shortfalls.iter().map(|(p, m)| {
                    format!("policy '{p}': mean offset_shortfall USD {}", human(*m, 0))
                }))
                .collect(),
            ..loaded.manifest(
                seed,
                replicates,
                sc.policies.iter().map(|p| p.id.clone()).collect(),
                threads,
                started,
            )
        };
    write_file(
        &dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    if !no_charts {
        ddrsim::plot::render_charts(&dir)
            .with_context(|| format!("cannot draw charts in '{}'", dir.display()))?;
        ddrsim::report::write_report(&dir)
            .with_context(|| format!("cannot write report.html in '{}'", dir.display()))?;
    }
    check()?;
    let out = staged.commit()?;
    if json {
        return super::json::print(sc, &loaded.source, acc, seed, &out);
    }
    if !quiet {
        print_headline(sc, acc, replicates, seed, started.elapsed().as_secs_f64());
        print_effects(sc, acc);
        print_money(sc, acc);
        if let Some(rows) = &channel_table {
            print_channels(sc, rows);
        }
        println!(
            "\nResults in {}/ (summary.csv, comparison.csv, timeseries.csv, funding.csv{}{}{})",
            out.display(),
            rows_file.map_or(String::new(), |f| format!(", {f}")),
            if channel_table.is_some() {
                ", channels.csv"
            } else {
                ""
            },
            if no_charts {
                ""
            } else {
                ", charts/, report.html"
            }
        );
    }
    Ok(())
}

/// Replicates added per batch by `--precision`.
pub const PRECISION_BATCH: u64 = 250;

/// What [`run_batches`] ran.
pub(super) struct Batches {
    /// Accumulators of every replicate run.
    pub acc: RunAccumulator,
    /// One past the last replicate index run.
    pub done: u64,
    /// With a precision: the widest 95% half-width reached and whether it
    /// is below the target.
    pub reached: Option<(f64, bool)>,
}

/// Runs the replicates of `opts`, then, with a `precision`, batches of
/// [`PRECISION_BATCH`] more replicates (indices following on, capped at its
/// `max`) until the widest 95% half-width of a non-baseline policy's paired
/// difference is below its target. Accumulators merge exactly, so the
/// result equals a plain run with the final number of replicates.
/// `on_block` sees each block of results in replicate order; `on_grow` is
/// told how many replicates each new batch adds. Shared by `run` and
/// `sweep` (each point).
pub(super) fn run_batches(
    sc: &Scenario,
    opts: &RunOptions,
    adjust: Adjust,
    precision: Option<&Precision>,
    mut on_block: impl FnMut(&[ReplicateResult]) -> Result<()>,
    mut on_grow: impl FnMut(u64),
) -> Result<Batches> {
    // The first batch's accumulator is the run's (merging it into an empty
    // one would give the same, at the cost of a copy of every histogram).
    let mut acc = run_replicates(sc, opts, adjust, &mut on_block)?;
    let mut done = opts.first + opts.replicates;
    let reached = loop {
        let Some(p) = precision else {
            break None;
        };
        let widest = p.widest(sc, &acc);
        if widest < p.target || done >= p.max {
            break Some((widest, widest < p.target));
        }
        let end = (done + PRECISION_BATCH).min(p.max);
        on_grow(end - done);
        let batch = RunOptions {
            first: done,
            replicates: end - done,
            ..*opts
        };
        acc.merge(&run_replicates(sc, &batch, adjust, &mut on_block)?);
        done = end;
    };
    Ok(Batches { acc, done, reached })
}

/// `--precision METRIC=X` of `run` and `sweep`: every non-baseline policy's
/// paired difference vs the baseline on METRIC must have a 95% half-width
/// below X.
#[derive(Debug, Clone)]
pub(super) struct Precision {
    /// Outcome metric (a total column of summary.csv).
    pub metric: String,
    column: usize,
    /// Target 95% half-width.
    pub target: f64,
    /// Most replicates (`--max-replicates`).
    pub max: u64,
}

impl Precision {
    /// Parses `METRIC=X` for the scenario, with `min` the first batch
    /// (`--replicates`) and `max` the cap.
    pub(super) fn parse(sc: &Scenario, s: &str, min: u64, max: u64) -> Result<Self> {
        let cols = ddrsim::model::outcome::outcome_columns(sc);
        let (m, x) = s.split_once('=').with_context(|| {
            format!("--precision '{s}': expected METRIC=X, e.g. rerecruited=50")
        })?;
        let column = cols
            .iter()
            .position(|c| c.group.is_none() && c.metric.name == m)
            .with_context(|| {
                format!("--precision '{s}': '{m}' is not an outcome column of summary.csv (all groups), e.g. rerecruited, completed, relapse")
            })?;
        let target: f64 = x
            .trim()
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v > 0.0)
            .with_context(|| format!("--precision '{s}': X must be a positive number"))?;
        anyhow::ensure!(
            sc.policies.len() > 1,
            "--precision needs a policy besides the baseline to compare"
        );
        anyhow::ensure!(
            max >= min,
            "--max-replicates {max} is below --replicates {min}"
        );
        Ok(Precision {
            metric: m.to_string(),
            column,
            target,
            max,
        })
    }

    /// The widest 95% half-width over the non-baseline policies.
    pub(super) fn widest(&self, sc: &Scenario, acc: &RunAccumulator) -> f64 {
        let cols = ddrsim::model::outcome::outcome_columns(sc);
        let Some(c) = cols.get(self.column) else {
            return f64::INFINITY;
        };
        (1..sc.policies.len())
            .map(|p| {
                let st = ddrsim::output::tables::pair_stats(acc, p, self.column, c);
                if st.n >= 2 {
                    (st.ci.1 - st.ci.0) / 2.0
                } else {
                    f64::INFINITY
                }
            })
            .fold(0.0, f64::max)
    }
}

/// A run stopped by a signal; `main` exits with 128 + the signal number.
#[derive(Debug)]
pub struct Interrupted(pub i32);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.0 {
            1 => "SIGHUP".to_string(),
            2 => "SIGINT".to_string(),
            15 => "SIGTERM".to_string(),
            n => format!("signal {n}"),
        };
        write!(
            f,
            "interrupted by {name}: nothing was written; previous results (if any) are unchanged"
        )
    }
}

impl std::error::Error for Interrupted {}

/// The termination signals a run stops on.
#[cfg(unix)]
const STOP_SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];
#[cfg(not(unix))]
const STOP_SIGNALS: [i32; 2] = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];

/// Which termination signal arrived: the first one stops the run at the
/// next check, a second one exits at once (128 + its number).
struct Stop {
    flag: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

impl Stop {
    fn install() -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let signal = Arc::new(AtomicUsize::new(0));
        for sig in STOP_SIGNALS {
            // If a handler cannot be installed the signal keeps its default
            // action, which also ends the run without committing.
            let _ =
                signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&flag));
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&signal), sig as usize);
            let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
        }
        Stop { flag, signal }
    }

    fn check(&self) -> Result<()> {
        if self.flag.load(Ordering::SeqCst) {
            let sig = self.signal.load(Ordering::SeqCst);
            return Err(Interrupted(i32::try_from(sig).unwrap_or(2)).into());
        }
        Ok(())
    }
}

fn cell(mean: f64, half: f64, digits: usize) -> String {
    if half.is_finite() {
        format!("{} ± {}", human(mean, digits), human(half, digits))
    } else {
        human(mean, digits)
    }
}

// Cannot fail: column indices are positions in `outcome_columns(sc)`, policy
// indices positions in `sc.policies`, and the accumulator has this scenario's
// layout (built by the engine for it, or merged from shards checked against it).
#[allow(clippy::indexing_slicing)]
pub(super) fn print_headline(
    sc: &Scenario,
    acc: &RunAccumulator,
    replicates: u64,
    seed: u64,
    secs: f64,
) {
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
}

/// Mean offset shortfall per offset policy, where it is not 0.
// Cannot fail: column indices are positions in `outcome_columns(sc)`, policy
// indices positions in `sc.policies`, and the accumulator has this scenario's
// layout (built by the engine for it, or merged from shards checked against it).
#[allow(clippy::indexing_slicing)]
pub(super) fn offset_shortfalls(sc: &Scenario, acc: &RunAccumulator) -> Vec<(String, f64)> {
    let cols = outcome_columns(sc);
    let Some(ci) = cols
        .iter()
        .position(|c| c.metric.name == "offset_shortfall" && c.group.is_none())
    else {
        return Vec::new();
    };
    sc.policies
        .iter()
        .zip(&acc.policies)
        .filter_map(|(p, pacc)| {
            let st = stats(&pacc.outcomes[ci], Unit::Usd);
            (st.n > 0 && st.mean > 0.0).then(|| (p.id.clone(), st.mean))
        })
        .collect()
}

/// A progress bar over `len` replicates, hidden until the caller shows it
/// (after a second, on a terminal).
fn progress_bar(len: u64, msg: String) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {pos}/{len} replicates, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(msg);
    bar
}

/// Signed, human-formatted number.
fn signed(x: f64, digits: usize) -> String {
    ddrsim::output::number::signed_human(x, digits)
}

/// The paired effects: each policy vs the baseline, with the spread of the
/// effect across replicates first and the precision of its mean beside it.
// Cannot fail: column indices are positions in `outcome_columns(sc)`, policy
// indices positions in `sc.policies`, and the accumulator has this scenario's
// layout (built by the engine for it, or merged from shards checked against it).
#[allow(clippy::indexing_slicing)]
pub(super) fn print_effects(sc: &Scenario, acc: &RunAccumulator) {
    if sc.policies.len() < 2 {
        return;
    }
    let cols = outcome_columns(sc);
    let find = |name: &str| {
        cols.iter()
            .position(|c| c.metric.name == name && c.group.is_none())
    };
    println!(
        "\nEffect of each policy vs {} (policy minus baseline, paired on common random numbers):\n  \
         median effect [5th to 95th percentile across replicates], mean ± 95% precision of the mean, \
         P(better / worse / tie)",
        sc.baseline().id
    );
    let w = sc
        .policies
        .iter()
        .map(|p| p.id.len())
        .max()
        .unwrap_or(8)
        .max(8);
    for (name, label, digits) in HEADLINE {
        let Some(ci) = find(name) else { continue };
        println!("{label}");
        for (pi, pol) in sc.policies.iter().enumerate().skip(1) {
            let p = pair_stats(acc, pi, ci, &cols[ci]);
            if p.n == 0 {
                println!("  {:w$}  -", pol.id);
                continue;
            }
            let probs = if p.p_better.is_finite() {
                format!("  P {:.2} / {:.2} / {:.2}", p.p_better, p.p_worse, p.p_tie)
            } else {
                String::new()
            };
            let badge = match p.badge() {
                Badge::Better => "  better",
                Badge::Worse => "  worse",
                Badge::Unclear => "",
            };
            println!(
                "  {:w$}  {} [{} to {}]  mean {} ± {}{probs}{badge}",
                pol.id,
                signed(p.spread[1], digits),
                signed(p.spread[0], digits),
                signed(p.spread[2], digits),
                signed(p.mean, digits),
                human((p.ci.1 - p.ci.0) / 2.0, digits.max(1)),
            );
        }
    }
    println!(
        "  (\"better\"/\"worse\": the 95% interval of the mean excludes 0 and P(better) - P(worse) is at least 0.2 in that direction)"
    );
}

/// Money per policy: what came in, where it went, what the policy put in,
/// and the outcome per dollar.
// Cannot fail: column indices are positions in `outcome_columns(sc)`, policy
// indices positions in `sc.policies`, and the accumulator has this scenario's
// layout (built by the engine for it, or merged from shards checked against it).
#[allow(clippy::indexing_slicing)]
pub(super) fn print_money(sc: &Scenario, acc: &RunAccumulator) {
    let cols = outcome_columns(sc);
    let mean_of = |pi: usize, name: &str| -> f64 {
        cols.iter()
            .position(|c| c.metric.name == name && c.group.is_none())
            .map_or(f64::NAN, |ci| {
                stats(&acc.policies[pi].outcomes[ci], cols[ci].metric.unit).mean
            })
    };
    let musd = |x: f64| format!("{:.1}", x / 1e6);
    println!("\nMoney per policy (means, USD million): received = spent + lapsed + balance at horizon + advances repaid");
    println!(
        "  {:22}{:>10}{:>9}{:>9}{:>10}{:>12}{:>9}{:>12}",
        "", "received", "spent", "lapsed", "balance", "(voluntary)", "outlay", "outlay net"
    );
    for (pi, pol) in sc.policies.iter().enumerate() {
        let received: f64 = [
            "received_assessed",
            "received_kickstart",
            "received_voluntary",
            "received_national",
            "bridge_drawn",
        ]
        .iter()
        .map(|n| mean_of(pi, n))
        .sum();
        println!(
            "  {:22}{:>10}{:>9}{:>9}{:>10}{:>12}{:>9}{:>12}",
            pol.id,
            musd(received),
            musd(mean_of(pi, "spent_total")),
            musd(mean_of(pi, "lapsed")),
            musd(mean_of(pi, "balance_end")),
            musd(mean_of(pi, "voluntary_unspent")),
            musd(mean_of(pi, "outlay")),
            musd(mean_of(pi, "outlay_net")),
        );
    }
    // Earlier money vs more money: what the timing policies actually did.
    for (pi, pol) in sc.policies.iter().enumerate() {
        let shift = mean_of(pi, "pledge_shift_applied");
        if pol.pledge_shift != 0 && shift.is_finite() {
            println!(
                "  {}: pledges moved by {} months on average, weighted by money paid ({} asked; clamping at month 1 shortens it)",
                pol.id,
                human(shift, 2),
                pol.pledge_shift
            );
        }
        if pol.kickstart.as_ref().is_some_and(|k| k.offset_voluntary) {
            println!(
                "  {}: USD {} million deducted from later voluntary tranches, arriving {} months earlier on average; shortfall USD {} million (kick-start money not deducted)",
                pol.id,
                musd(mean_of(pi, "voluntary_offset")),
                human(mean_of(pi, "offset_advance_months"), 1),
                musd(mean_of(pi, "offset_shortfall")),
            );
        }
    }
    if sc.policies.len() < 2 {
        return;
    }
    println!("\nPer dollar, vs {} (ratio of mean effect to mean money; empty when the policy brings no new money):", sc.baseline().id);
    for (pi, pol) in sc.policies.iter().enumerate().skip(1) {
        let r = ratio_stats(acc, pi);
        let get = |name: &str| {
            r.iter()
                .find(|x| x.name == name)
                .map_or(f64::NAN, |x| x.ratio)
        };
        let num = |x: f64, d: usize| {
            if x.is_finite() {
                human(x, d)
            } else {
                "-".into()
            }
        };
        println!(
            "  {:22} per USD 1 million of outlay: {} extra completions, {} re-recruitments averted; \
             per USD 1 million extra spent: {} extra completions, {} averted",
            pol.id,
            num(get("extra_completions_per_musd_outlay"), 1),
            num(get("rerecruitments_averted_per_musd_outlay"), 1),
            num(get("extra_completions_per_musd_extra_spent"), 1),
            num(get("rerecruitments_averted_per_musd_extra_spent"), 1),
        );
    }
}

/// Why: the channel decomposition of the effect on re-recruitment, in words
/// generated from the computed rows.
pub(super) fn print_channels(sc: &Scenario, rows: &[ChannelRow]) {
    println!("\nWhy (channel decomposition of the effect on re-recruitment, same random numbers; channels.csv):");
    for pol in sc.policies.iter().skip(1) {
        for line in
            ddrsim::report::channels::explain(rows, &pol.id, "rerecruited", "re-recruitment")
        {
            println!("  {}: {line}", pol.id);
        }
    }
}
