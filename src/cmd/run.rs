//! `ddrsim run`: simulate every policy of a scenario, write the output
//! folder atomically, print the headline comparison.

use super::load;
use crate::cli::{ChannelsMode, RunArgs};
use anyhow::{Context, Result};
use ddrsim::engine::channels::{decomposition_cost, run_channels};
use ddrsim::engine::rng::RNG_NAME;
use ddrsim::engine::run::{run as run_replicates, RunOptions};
use ddrsim::model::outcome::{outcome_columns, Unit};
use ddrsim::output::atomic::{folder_name, write_file, StagedDir};
use ddrsim::output::channels::{channel_rows, write_channels, ChannelRow};
use ddrsim::output::manifest::{Manifest, ManifestGroup, FORMAT_VERSION};
use ddrsim::output::number::human;
use ddrsim::output::replicates::ReplicateWriter;
use ddrsim::output::tables::{self, pair_stats, ratio_stats, stats, Badge};
use ddrsim::scenario::Scenario;
use ddrsim::stats::accum::RunAccumulator;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};
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

/// Most monthly-series accumulators a run may hold (a few GB at worst).
const MAX_SERIES_CELLS: u64 = 1_000_000;

/// Runs the command.
pub fn run(args: &RunArgs) -> Result<()> {
    let started = Instant::now();
    let loaded = load(args.scenario.as_deref())?;
    let sc = &loaded.scenario;
    let replicates = args.replicates.unwrap_or(sc.replicates);
    anyhow::ensure!(replicates >= 1, "--replicates must be at least 1");
    let seed = args.seed.unwrap_or(sc.seed);
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    anyhow::ensure!(threads >= 1, "--threads must be at least 1");
    // Guard memory: monthly series are accumulated per policy, series and month.
    let cells = ddrsim::model::outcome::series_columns(sc).len() as u64
        * sc.horizon as u64
        * sc.policies.len() as u64;
    anyhow::ensure!(
        cells <= MAX_SERIES_CELLS,
        "scenario '{}' is too large to summarise month by month: {} groups x {} months x {} \
         policies make {cells} monthly series cells (at most {MAX_SERIES_CELLS}); use fewer \
         groups, policies or months",
        loaded.source,
        sc.groups.len(),
        sc.horizon,
        sc.policies.len()
    );
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(folder_name(&sc.name)));
    for w in &sc.warnings {
        eprintln!("warning: {w}");
    }

    // Ctrl-C (or SIGTERM, SIGHUP) stops the run between blocks; the staging
    // folder is then removed and the previous results stay in place.
    let stop = Stop::install();
    let staged = StagedDir::new(&target, "manifest.json")?;
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
    let file =
        File::create(dir.join("replicates.csv")).with_context(|| failed("replicates.csv"))?;
    let mut rows =
        ReplicateWriter::new(BufWriter::new(file), sc).with_context(|| failed("replicates.csv"))?;

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
        stop.check()?;
        rows.write_block(block)
            .with_context(|| failed("replicates.csv"))?;
        if show_bar && bar.is_hidden() && started.elapsed().as_secs_f64() > 1.0 {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.inc(block.len() as u64);
        anyhow::Ok(())
    })?;
    bar.finish_and_clear();
    rows.finish().with_context(|| failed("replicates.csv"))?;

    let cost = decomposition_cost(sc, replicates);
    let with_channels = sc.policies.len() > 1
        && match args.channels {
            ChannelsMode::On => true,
            ChannelsMode::Off => false,
            ChannelsMode::Auto => cost <= CHANNELS_AUTO_LIMIT,
        };
    if sc.policies.len() > 1 && args.channels == ChannelsMode::Auto && !with_channels && !args.quiet
    {
        eprintln!(
            "note: channel decomposition skipped: it would simulate {cost} policy-replicates \
             (auto limit {CHANNELS_AUTO_LIMIT}); add --channels on to compute it"
        );
    }
    let channel_table: Option<Vec<ChannelRow>> = if with_channels {
        let bar = ProgressBar::with_draw_target(Some(replicates), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {pos}/{len} replicates, {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message("channel decomposition");
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
        Some(channel_rows(sc, &acc))
    } else {
        None
    };

    let write_table = |name: &str, f: &dyn Fn(BufWriter<File>) -> Result<()>| -> Result<()> {
        let file = File::create(dir.join(name)).with_context(|| failed(name))?;
        f(BufWriter::new(file)).with_context(|| failed(name))
    };
    write_table("summary.csv", &|w| tables::write_summary(w, sc, &acc))?;
    write_table("comparison.csv", &|w| tables::write_comparison(w, sc, &acc))?;
    write_table("timeseries.csv", &|w| tables::write_timeseries(w, sc, &acc))?;
    write_table("funding.csv", &|w| tables::write_funding(w, sc, &acc))?;
    if let Some(rows) = &channel_table {
        write_table("channels.csv", &|w| write_channels(w, sc, rows))?;
    }
    let shortfalls = offset_shortfalls(sc, &acc);
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
            warnings: sc
                .warnings
                .iter()
                .cloned()
                .chain(shortfalls.iter().map(|(p, m)| {
                    format!("policy '{p}': mean offset_shortfall USD {}", human(*m, 0))
                }))
                .collect(),
        };
    write_file(
        &dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    if !args.no_charts {
        ddrsim::plot::render_charts(&dir).with_context(|| failed("charts/"))?;
        ddrsim::report::write_report(&dir).with_context(|| failed("report.html"))?;
    }
    stop.check()?;
    let out = staged.commit()?;
    if !args.quiet {
        print_headline(sc, &acc, replicates, seed, started.elapsed().as_secs_f64());
        print_effects(sc, &acc);
        print_money(sc, &acc);
        if let Some(rows) = &channel_table {
            print_channels(sc, rows);
        }
        println!("\nResults in {}/ (summary.csv, comparison.csv, timeseries.csv, funding.csv, replicates.csv{}{})", out.display(), if channel_table.is_some() { ", channels.csv" } else { "" }, if args.no_charts { "" } else { ", charts/, report.html" });
    }
    Ok(())
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
}

/// Mean offset shortfall per offset policy, where it is not 0.
fn offset_shortfalls(sc: &Scenario, acc: &RunAccumulator) -> Vec<(String, f64)> {
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

/// Signed, human-formatted number.
fn signed(x: f64, digits: usize) -> String {
    let s = human(x, digits);
    if x > 0.0
        && s.chars()
            .any(|c| c.is_ascii_digit() && c != '0' && c != '.')
    {
        format!("+{s}")
    } else {
        s
    }
}

/// The paired effects: each policy vs the baseline, with the spread of the
/// effect across replicates first and the precision of its mean beside it.
fn print_effects(sc: &Scenario, acc: &RunAccumulator) {
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
        sc.policies[0].id
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
fn print_money(sc: &Scenario, acc: &RunAccumulator) {
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
    if sc.policies.len() < 2 {
        return;
    }
    println!("\nPer dollar, vs {} (ratio of mean effect to mean money; empty when the policy brings no new money):", sc.policies[0].id);
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
fn print_channels(sc: &Scenario, rows: &[ChannelRow]) {
    println!("\nWhy (channel decomposition of the effect on re-recruitment, same random numbers; channels.csv):");
    for pol in sc.policies.iter().skip(1) {
        for line in
            ddrsim::report::channels::explain(rows, &pol.id, "rerecruited", "re-recruitment")
        {
            println!("  {}: {line}", pol.id);
        }
    }
}
