//! `ddrsim calibrate TARGETS`: reads the targets file and its programmes'
//! scenarios, fits the shared behavioural block by ABC-SMC
//! ([`ddrsim::calibrate`]) and writes posterior.csv, calibration.csv, the
//! charts and manifest.json (docs/calibration.md).

use crate::cli::CalibrateArgs;
use anyhow::{bail, Context, Result};
use ddrsim::calibrate::targets::read;
use ddrsim::calibrate::{Calibration, Fit, ParameterSummary, TargetSummary};
use ddrsim::plot::calibrate::{parameters_chart, targets_chart, ParameterPanel};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Runs the command.
pub fn run(args: &CalibrateArgs) -> Result<()> {
    let started = Instant::now();
    let path = &args.targets;
    let text = super::read_text(path)
        .with_context(|| format!("cannot read targets file '{}'", path.display()))?;
    let mut file = read(&text).map_err(|problems| {
        problem_list(
            format!("targets file '{}' is invalid", path.display()),
            &problems,
        )
    })?;
    if let Some(n) = args.particles {
        if !(10..=1_000_000).contains(&n) {
            bail!("--particles {n}: must be from 10 to 1,000,000");
        }
        file.settings.particles = n;
    }
    if let Some(g) = args.generations {
        if g > 100 {
            bail!("--generations {g}: must be at most 100");
        }
        file.settings.generations = g;
    }
    if let Some(s) = args.seed {
        file.settings.seed = s;
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let mut scenarios = Vec::new();
    let mut scenario_files = Vec::new();
    for p in &file.programmes {
        let sp = base.join(&p.scenario);
        let loaded = super::load_with(Some(&sp), &[]).with_context(|| {
            format!(
                "targets file '{}', line {}: programme {}",
                path.display(),
                p.at.0,
                p.id
            )
        })?;
        scenario_files.push((
            p.id.clone(),
            sp.display().to_string(),
            super::sha256_hex(&loaded.text),
        ));
        scenarios.push(loaded.scenario);
    }
    let cal =
        Calibration::new(&file, scenarios, args.leave_out.as_deref()).map_err(|problems| {
            let what = format!(
                "targets file '{}' does not fit its scenarios",
                path.display()
            );
            problem_list(what, &problems)
        })?;
    let threads = args.threads.unwrap_or(0);
    let out = args.out.clone().unwrap_or_else(|| match &args.leave_out {
        Some(l) => PathBuf::from(format!("output/calibration-without-{l}")),
        None => PathBuf::from("output/calibration"),
    });
    if !args.quiet {
        eprintln!(
            "calibrating {} parameters on {} targets ({} fitted) of {} programmes: {} particles, {} generations, seed {}",
            cal.parameters.len(),
            cal.targets.len(),
            cal.targets.iter().filter(|t| t.fitted).count(),
            cal.programmes.len(),
            cal.settings.particles,
            cal.settings.generations,
            cal.settings.seed
        );
    }
    let quiet = args.quiet;
    let mut gen = 0usize;
    let fit = cal.fit(threads, |g| {
        if !quiet {
            eprintln!(
                "  generation {gen}: tolerance {:.3}, {} proposals, acceptance {:.3}, ESS {:.0}{} ({:.0} s)",
                g.tolerance,
                g.proposals,
                g.acceptance(),
                g.ess,
                if g.kept { "" } else { " - not enough accepted within the budget: stopped, previous generation kept" },
                started.elapsed().as_secs_f64()
            );
        }
        gen += 1;
    });
    let params = cal.parameter_summary(&fit);
    let targets = cal.target_summary(&fit);
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create output folder '{}'", out.display()))?;
    let write = |name: &str, body: &str| -> Result<()> {
        let p = out.join(name);
        std::fs::write(&p, body).with_context(|| format!("cannot write '{}'", p.display()))
    };
    write("posterior.csv", &cal.posterior(&fit).to_csv())?;
    write("calibration.csv", &diagnostics(&fit, &params, &targets))?;
    if !args.no_charts {
        let what = match &cal.leave_out {
            Some(l) => format!(" (without {l})"),
            None => String::new(),
        };
        parameters_chart(
            &out,
            &panels(&cal, &fit, &params),
            &format!("Calibration{what}: prior vs posterior of the shared behavioural block"),
        )?;
        targets_chart(
            &out,
            &targets,
            &format!("Calibration{what}: predictive intervals vs observed figures"),
        )?;
    }
    let manifest = serde_json::json!({
        "tool": "ddrsim calibrate",
        "version": env!("CARGO_PKG_VERSION"),
        "targets_file": path.display().to_string(),
        "targets_sha256": super::sha256_hex(&text),
        "scenarios": scenario_files.iter().map(|(id, p, h)| serde_json::json!({"programme": id, "path": p, "sha256": h})).collect::<Vec<_>>(),
        "leave_out": cal.leave_out,
        "parameters": cal.parameters.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
        "settings": {
            "particles": cal.settings.particles,
            "generations": cal.settings.generations,
            "quantile": cal.settings.quantile,
            "budget": cal.settings.budget,
            "seed": cal.settings.seed,
        },
        "generations_kept": fit.abc.generations.iter().filter(|g| g.kept).count() - 1,
        "simulations": fit.abc.generations.iter().map(|g| g.proposals).sum::<usize>() + fit.posterior_predictive.len() + fit.prior_predictive.len(),
        "threads": threads,
        "seconds": started.elapsed().as_secs_f64(),
        "files": ["posterior.csv", "calibration.csv", "calibration-parameters.png", "calibration-targets.png"],
    });
    write("manifest.json", &serde_json::to_string_pretty(&manifest)?)?;
    if !args.quiet {
        print_tables(&params, &targets);
        println!(
            "\nWrote {} (posterior.csv, calibration.csv{}, manifest.json) in {:.0} s",
            out.display(),
            if args.no_charts {
                ""
            } else {
                ", calibration-parameters.png, calibration-targets.png"
            },
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Number in the shortest round-trip form, or empty if not finite.
fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:?}")
    } else {
        String::new()
    }
}

/// calibration.csv: one row per generation, per parameter and per target.
fn diagnostics(fit: &Fit, params: &[ParameterSummary], targets: &[TargetSummary]) -> String {
    let mut s = String::from(
        "kind,id,programme,fitted,tolerance,proposals,accepted,acceptance,ess,observed,sd,prior_p05,prior_p50,prior_p95,posterior_p05,posterior_p50,posterior_p95,inside,width_ratio\n",
    );
    for (i, g) in fit.abc.generations.iter().enumerate() {
        let _ = writeln!(
            s,
            "generation,{i},,{},{},{},{},{},{},,,,,,,,,,",
            g.kept,
            num(g.tolerance),
            g.proposals,
            g.accepted,
            num(g.acceptance()),
            num(g.ess)
        );
    }
    for p in params {
        let _ = writeln!(
            s,
            "parameter,{},,,,,,,,,,{},{},{},{},{},{},,{}",
            p.name,
            num(p.prior[0]),
            num(p.prior[1]),
            num(p.prior[2]),
            num(p.posterior[0]),
            num(p.posterior[1]),
            num(p.posterior[2]),
            num(p.width_ratio())
        );
    }
    for t in targets {
        let _ = writeln!(
            s,
            "target,{},{},{},,,,,,{},{},{},{},{},{},{},{},{},",
            t.id,
            t.programme,
            t.fitted,
            num(t.observed),
            num(t.sd),
            num(t.prior[0]),
            num(t.prior[1]),
            num(t.prior[2]),
            num(t.posterior[0]),
            num(t.posterior[1]),
            num(t.posterior[2]),
            t.inside
        );
    }
    s
}

/// Prior draws at 2,000 evenly spaced quantiles and the weighted posterior, per parameter.
fn panels(cal: &Calibration, fit: &Fit, params: &[ParameterSummary]) -> Vec<ParameterPanel> {
    let post = cal.posterior(fit);
    params
        .iter()
        .zip(&cal.parameters)
        .enumerate()
        .map(|(i, (s, p))| ParameterPanel {
            summary: s.clone(),
            prior: (0..2000)
                .map(|k| p.prior.at((k as f64 + 0.5) / 2000.0))
                .collect(),
            posterior: post
                .draws
                .iter()
                .zip(&post.weights)
                .filter_map(|(d, w)| d.get(i).map(|x| (*x, *w)))
                .collect(),
        })
        .collect()
}

fn print_tables(params: &[ParameterSummary], targets: &[TargetSummary]) {
    println!("\nParameter                    prior 5-95%                 posterior 5-95% (median)              width");
    for p in params {
        println!(
            "{:<28} {:>10.4e} - {:<10.4e}   {:>10.4e} - {:<10.4e} ({:.4e})   x{:.2}",
            p.name,
            p.prior[0],
            p.prior[2],
            p.posterior[0],
            p.posterior[2],
            p.posterior[1],
            p.width_ratio()
        );
    }
    println!("\nTarget                         observed        posterior predictive 5-95% (median)     inside");
    for t in targets {
        println!(
            "{:<30} {:>12.4} {:>12.4} - {:<12.4} ({:.4})   {}{}",
            t.id,
            t.observed,
            t.posterior[0],
            t.posterior[2],
            t.posterior[1],
            if t.inside { "yes" } else { "NO" },
            if t.fitted { "" } else { "  (left out)" }
        );
    }
}

/// Reads a posterior.csv for `--params` and binds it to a scenario: the
/// posterior, the scenario slots of each column and the file's text.
/// Unknown shared names are an error naming the file.
pub fn load_posterior(
    path: &Path,
    sc: &ddrsim::scenario::Scenario,
) -> Result<(
    ddrsim::calibrate::posterior::Posterior,
    Vec<Vec<usize>>,
    String,
)> {
    let text = super::read_text(path)
        .with_context(|| format!("cannot read --params file '{}'", path.display()))?;
    let post = ddrsim::calibrate::posterior::Posterior::from_csv(&text)
        .map_err(|e| anyhow::anyhow!("--params file '{}': {e}", path.display()))?;
    let slots = post
        .slots(sc)
        .map_err(|e| anyhow::anyhow!("--params file '{}': {e}", path.display()))?;
    Ok((post, slots, text))
}

/// `heading:` followed by one `  - problem` line per problem.
fn problem_list(heading: String, problems: &[impl std::fmt::Display]) -> anyhow::Error {
    let lines: Vec<String> = problems.iter().map(|p| format!("\n  - {p}")).collect();
    anyhow::anyhow!("{heading}:{}", lines.concat())
}
