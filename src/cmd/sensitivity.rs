//! `ddrsim sensitivity`: Morris elementary effects or Sobol' indices of one
//! outcome (or one policy's paired effect) over the scenario's uncertain
//! parameters; writes sensitivity.csv, manifest.json, scenario.toml and a
//! bar chart into an atomically replaced output folder (docs/sensitivity.md).

#![deny(clippy::indexing_slicing)]

use crate::cli::{SensitivityArgs, SensitivityMethod};
use anyhow::{bail, Context, Result};
use ddrsim::experiment::factors::{factors, UncertainFactor};
use ddrsim::experiment::sensitivity::{analyse, Analysis, Method, Settings};
use ddrsim::experiment::{format_number, format_significant, sobol};
use ddrsim::model::outcome::outcome_columns;
use ddrsim::output::atomic::{folder_name, write_file, StagedDir};
use ddrsim::output::manifest::Manifest;
use ddrsim::plot::sensitivity::{Bar, SensitivityChart};
use ddrsim::plot::Chart;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

/// The file whose presence marks a folder as a sensitivity output (one an
/// `--out` may replace).
pub const MARKER: &str = "sensitivity.csv";

/// Default Morris trajectories.
pub const DEFAULT_TRAJECTORIES: usize = 10;

/// Default Sobol' base sample.
pub const DEFAULT_SAMPLES: usize = 256;

/// Columns of sensitivity.csv.
pub const COLUMNS: [&str; 13] = [
    "method",
    "outcome",
    "unit",
    "policy",
    "versus",
    "factor",
    "group",
    "rank",
    "index",
    "value",
    "ci_low",
    "ci_high",
    "replicates",
];

/// Runs `ddrsim sensitivity`.
pub fn run(args: &SensitivityArgs) -> Result<()> {
    let started = Instant::now();
    let loaded = super::load_with_vary(args.scenario.as_deref(), &args.set, &args.vary)?;
    let sc = &loaded.scenario;
    for w in &sc.warnings {
        eprintln!("warning: {w}");
    }
    let fs = factors(sc);
    if fs.is_empty() {
        bail!(
            "scenario '{}' has no uncertain parameters to analyse: every value is fixed. Give some a range with --vary key=lo..hi (e.g. --vary pledge.<id>.fulfilment=0.3..1) or a distribution in the file (docs/scenario-format.md section 2)",
            loaded.source
        );
    }
    let cols = outcome_columns(sc);
    let Some(column) = cols
        .iter()
        .position(|c| c.group.is_none() && c.metric.name == args.outcome)
    else {
        let names: Vec<&str> = cols
            .iter()
            .filter(|c| c.group.is_none())
            .map(|c| c.metric.name)
            .collect();
        bail!(
            "--outcome '{}': not an outcome (allowed: {})",
            args.outcome,
            names.join(", ")
        );
    };
    let unit = cols.get(column).map(|c| c.metric.unit);
    let scale = unit.map_or(1.0, |u| u.scale() as f64);
    let baseline = sc.baseline().id.clone();
    let policy = args
        .policy
        .as_deref()
        .map(|p| sc.compared_policy(p))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let method = match args.method {
        SensitivityMethod::Morris => Method::Morris,
        SensitivityMethod::Sobol => Method::Sobol,
    };
    let (samples, trajectories) = match method {
        Method::Morris => {
            anyhow::ensure!(
                args.samples.is_none(),
                "--samples sets the Sobol' base sample: use it with --method sobol (Morris takes --trajectories)"
            );
            (
                DEFAULT_SAMPLES,
                args.trajectories.unwrap_or(DEFAULT_TRAJECTORIES),
            )
        }
        Method::Sobol => {
            anyhow::ensure!(
                args.trajectories.is_none(),
                "--trajectories sets the Morris design: use it with --method morris (Sobol' takes --samples)"
            );
            (
                args.samples.unwrap_or(DEFAULT_SAMPLES),
                DEFAULT_TRAJECTORIES,
            )
        }
    };
    if method == Method::Sobol {
        sobol::check_samples(samples).map_err(|e| anyhow::anyhow!("--samples: {e}"))?;
        anyhow::ensure!(
            fs.len() <= sobol::MAX_FACTORS,
            "Sobol' indices need at most {} factors; scenario '{}' has {}: fix some values with --set, or use --method morris",
            sobol::MAX_FACTORS,
            loaded.source,
            fs.len()
        );
    } else {
        anyhow::ensure!(
            trajectories >= 2,
            "--trajectories: Morris needs at least 2 trajectories (for sigma and intervals), not {}",
            trajectories
        );
    }
    anyhow::ensure!(
        args.replicates >= 1,
        "--replicates: at least 1 process replicate per point"
    );
    let threads = super::threads(args.threads)?;
    let seed = args.seed.unwrap_or(sc.seed);
    let settings = Settings {
        method,
        trajectories,
        samples,
        replicates: args.replicates,
        seed,
        threads,
        policy,
        column,
        scale,
    };
    let total = settings.points(fs.len());
    let design = match method {
        Method::Morris => format!("Morris, {trajectories} trajectories"),
        Method::Sobol => format!("Sobol', base sample {samples}"),
    };

    let target = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-sensitivity", folder_name(&sc.name)))
    });
    let staged = StagedDir::new(&target, MARKER)?;
    if staged.recovered() {
        eprintln!(
            "note: put back the previous results in '{}', left aside by a run that was killed while replacing them",
            target.display()
        );
    }
    let dir = staged.path().to_path_buf();

    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} points, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(format!("{} {}", sc.name, method.name()));
    let show_bar = !args.quiet && std::io::stderr().is_terminal();
    let analysis = analyse(sc, &fs, &settings, |done, _| {
        if show_bar && bar.is_hidden() && started.elapsed().as_secs_f64() > 1.0 {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_position(done as u64);
    })
    .map_err(|e| anyhow::anyhow!("scenario '{}': {e}", loaded.source))?;
    bar.finish_and_clear();

    let unit_name = unit.map_or("", |u| u.name());
    let what = Subject {
        outcome: &args.outcome,
        unit: unit_name,
        policy: args.policy.as_deref().unwrap_or(&baseline),
        versus: if policy.is_some() { &baseline } else { "" },
        replicates: args.replicates,
    };
    write_file(&dir.join("scenario.toml"), loaded.text.as_bytes())?;
    write_file(
        &dir.join("sensitivity.csv"),
        &sensitivity_csv(&analysis, &fs, &what)?,
    )?;
    let policies: Vec<String> = std::iter::once(baseline.clone())
        .chain(args.policy.clone())
        .collect();
    let manifest = Manifest {
        warnings: sc
            .warnings
            .iter()
            .chain(&analysis.warnings)
            .cloned()
            .collect(),
        ..loaded.manifest(seed, args.replicates, policies, threads, started)
    };
    let mut json = serde_json::to_value(&manifest)?;
    if let Some(o) = json.as_object_mut() {
        o.insert(
            "sensitivity".to_string(),
            serde_json::json!({
                "method": method.name(),
                "outcome": args.outcome,
                "unit": unit_name,
                "policy": what.policy,
                "versus": what.versus,
                "trajectories": (method == Method::Morris).then_some(trajectories),
                "samples": (method == Method::Sobol).then_some(samples),
                "replicates_per_point": args.replicates,
                "process_streams": "common: replicate q uses streams (seed, 2^64 - 1, q) at every point",
                "points": analysis.points,
                "bootstrap_resamples": ddrsim::experiment::sensitivity::RESAMPLES,
                "output_mean": finite(analysis.output_mean),
                "output_sd": finite(analysis.output_sd),
                "noise_share": finite(analysis.noise_share),
                "points_partly_defined": analysis.partly_defined,
                "vary": args.vary.iter().map(|r| format!("{}={}..{}", r.key, format_number(r.lo), format_number(r.hi))).collect::<Vec<_>>(),
                "factors": fs.iter().map(|f| serde_json::json!({
                    "name": f.name,
                    "group": f.group.name(),
                    "keys": f.slots.iter().filter_map(|&s| sc.params.get(s).map(|p| p.key.clone())).collect::<Vec<_>>(),
                    "p05": finite(f.at(0.05)),
                    "p50": finite(f.at(0.5)),
                    "p95": finite(f.at(0.95)),
                })).collect::<Vec<_>>(),
            }),
        );
    }
    write_file(
        &dir.join("manifest.json"),
        (serde_json::to_string_pretty(&json)? + "\n").as_bytes(),
    )?;
    if !args.no_charts {
        let chart = chart(sc.name.as_str(), &analysis, &fs, &what, &design);
        chart
            .save(&dir.join("sensitivity"))
            .with_context(|| format!("cannot draw the chart in '{}'", dir.display()))?;
    }
    let out = staged.commit()?;

    if args.quiet {
        for w in &analysis.warnings {
            eprintln!("warning: {w}");
        }
    } else {
        print_table(
            &analysis,
            &fs,
            &what,
            &design,
            seed,
            started.elapsed().as_secs_f64(),
        );
        println!(
            "Results in {}/ (sensitivity.csv, manifest.json, scenario.toml{})",
            out.display(),
            if args.no_charts {
                ""
            } else {
                ", sensitivity.png, sensitivity.svg"
            }
        );
    }
    Ok(())
}

/// What was analysed, for the outputs.
struct Subject<'a> {
    outcome: &'a str,
    unit: &'a str,
    /// The policy whose outcome or effect.
    policy: &'a str,
    /// The baseline for an effect, empty for an outcome.
    versus: &'a str,
    replicates: u64,
}

/// A finite number rounded to 6 significant digits for the manifest.
fn finite(x: f64) -> Option<f64> {
    x.is_finite()
        .then(|| format_significant(x, 6).parse().unwrap_or(x))
}

/// A number for the CSV: 6 significant digits, empty when not finite.
fn num(x: f64) -> String {
    if x.is_finite() {
        format_significant(x, 6)
    } else {
        String::new()
    }
}

/// The unit of an index's value.
fn index_unit(method: Method, unit: &str) -> String {
    match method {
        Method::Morris => format!("{unit} per grid range"),
        Method::Sobol => "share of variance".to_string(),
    }
}

fn sensitivity_csv(a: &Analysis, fs: &[UncertainFactor], s: &Subject) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    let unit = index_unit(a.method, s.unit);
    for r in &a.rows {
        let Some(f) = fs.get(r.factor) else {
            continue;
        };
        let rank = a.ranking.iter().position(|&x| x == r.factor).unwrap_or(0) + 1;
        w.write_record([
            a.method.name(),
            s.outcome,
            &unit,
            s.policy,
            s.versus,
            &f.name,
            f.group.name(),
            &rank.to_string(),
            r.index,
            &num(r.value),
            &num(r.ci_low),
            &num(r.ci_high),
            &s.replicates.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The quantity analysed, in words.
fn describe(s: &Subject) -> String {
    if s.versus.is_empty() {
        format!("{} under {}", s.outcome, s.policy)
    } else {
        format!(
            "the effect of {} vs {} on {}",
            s.policy, s.versus, s.outcome
        )
    }
}

fn chart(
    scenario: &str,
    a: &Analysis,
    fs: &[UncertainFactor],
    s: &Subject,
    design: &str,
) -> SensitivityChart {
    let find = |f: usize, index: &str| {
        a.rows
            .iter()
            .find(|r| r.factor == f && r.index == index)
            .map(|r| (r.value, r.ci_low, r.ci_high))
    };
    let (first, second) = match a.method {
        Method::Morris => ("mu_star", "sigma"),
        Method::Sobol => ("ST", "S1"),
    };
    let bars = a
        .ranking
        .iter()
        .filter_map(|&f| {
            let fac = fs.get(f)?;
            Some(Bar {
                factor: fac.name.clone(),
                group: fac.group.name().to_string(),
                main: find(f, first)?,
                second: find(f, second)?,
            })
        })
        .collect();
    let design = format!("{design} ({} points)", a.points);
    SensitivityChart {
        scenario: scenario.to_string(),
        method: a.method,
        subject: describe(s),
        unit: s.unit.to_string(),
        design,
        replicates: s.replicates,
        noise_share: a.noise_share,
        bars,
    }
}

fn print_table(
    a: &Analysis,
    fs: &[UncertainFactor],
    s: &Subject,
    design: &str,
    seed: u64,
    secs: f64,
) {
    println!(
        "Sensitivity of {} ({}): {design}, {} factors, {} points x {} process replicates (seed {seed}), {secs:.1} s",
        describe(s),
        s.unit,
        fs.len(),
        a.points,
        s.replicates
    );
    let find = |f: usize, index: &str| {
        a.rows
            .iter()
            .find(|r| r.factor == f && r.index == index)
            .map_or((f64::NAN, f64::NAN, f64::NAN), |r| {
                (r.value, r.ci_low, r.ci_high)
            })
    };
    let width = fs
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 48);
    let g = |x: f64| {
        if x.is_finite() {
            format_significant(x, 3)
        } else {
            "-".to_string()
        }
    };
    let d3 = |x: f64| {
        if x.is_finite() {
            format!("{x:.3}")
        } else {
            "-".to_string()
        }
    };
    let ci = |(_, lo, hi): (f64, f64, f64)| format!("[{}, {}]", g(lo), g(hi));
    let ci3 = |(_, lo, hi): (f64, f64, f64)| format!("[{}, {}]", d3(lo), d3(hi));
    match a.method {
        Method::Morris => {
            println!(
                "mu* = mean |change in {}| per move across the factor's grid (its 12.5% to 87.5% quantiles); sigma = spread of those changes; mu = their signed mean",
                s.unit
            );
            println!(
                "{:>4}  {:<width$}  {:<9}  {:>10}  {:<24}  {:>10}  {:>10}",
                "rank", "factor", "group", "mu*", "95% interval", "sigma", "mu"
            );
            for (i, &f) in a.ranking.iter().enumerate() {
                let Some(fac) = fs.get(f) else { continue };
                let m = find(f, "mu_star");
                println!(
                    "{:>4}  {:<width$}  {:<9}  {:>10}  {:<24}  {:>10}  {:>10}",
                    i + 1,
                    ddrsim::plot::style::shorten(&fac.name, width),
                    fac.group.name(),
                    g(m.0),
                    ci(m),
                    g(find(f, "sigma").0),
                    g(find(f, "mu").0)
                );
            }
        }
        Method::Sobol => {
            println!(
                "ST = share of the output's variance involving the factor (with interactions); S1 = share from the factor alone"
            );
            println!(
                "{:>4}  {:<width$}  {:<9}  {:>6}  {:<16}  {:>6}  {:<16}",
                "rank", "factor", "group", "ST", "95% interval", "S1", "95% interval"
            );
            for (i, &f) in a.ranking.iter().enumerate() {
                let Some(fac) = fs.get(f) else { continue };
                let (t, one) = (find(f, "ST"), find(f, "S1"));
                println!(
                    "{:>4}  {:<width$}  {:<9}  {:>6}  {:<16}  {:>6}  {:<16}",
                    i + 1,
                    ddrsim::plot::style::shorten(&fac.name, width),
                    fac.group.name(),
                    d3(t.0),
                    ci3(t),
                    d3(one.0),
                    ci3(one)
                );
            }
        }
    }
    let noise = if a.noise_share.is_finite() {
        format!("{:.1}%", 100.0 * a.noise_share)
    } else {
        "unknown (1 replicate per point)".to_string()
    };
    println!(
        "Point outputs: mean {}, sd {} {}; process noise: {noise} of their variance.",
        g(a.output_mean),
        g(a.output_sd),
        s.unit
    );
    if a.partly_defined > 0 {
        println!(
            "{} point(s) had the outcome undefined in some replicates; their output is the mean over the rest.",
            a.partly_defined
        );
    }
    for w in &a.warnings {
        eprintln!("warning: {w}");
    }
}
