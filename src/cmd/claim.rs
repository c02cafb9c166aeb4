//! `ddrsim claim`: the mission's question in one command (docs/claim.md).
//! Runs the nested design of [`ddrsim::experiment::claim`], the channel
//! decomposition of the policy, and writes claim.csv, claim_draws.csv,
//! channels.csv, a chart, report.html and the manifest.

use crate::cli::{ClaimArgs, SensitivityMethodOrNone};
use anyhow::{Context, Result};
use ddrsim::engine::channels::run_channels;
use ddrsim::engine::point::prior_values;
use ddrsim::engine::rng::RNG_NAME;
use ddrsim::engine::run::RunOptions;
use ddrsim::experiment::claim::{
    analyse, extend, setup, ClaimOptions, ClaimResult, ClaimSetup, NestedData, HEADLINE,
};
use ddrsim::experiment::factors::{factors, UncertainFactor};
use ddrsim::experiment::sensitivity::{analyse as analyse_sensitivity, Analysis, Method, Settings};
use ddrsim::model::outcome::outcome_columns;
use ddrsim::output::atomic::{folder_name, write_file, StagedDir};
use ddrsim::output::channels::{channel_rows, write_channels};
use ddrsim::output::manifest::FORMAT_VERSION;
use ddrsim::report::channels::explain;
use ddrsim::report::claim as words;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

/// Parameter draws added per batch by `--precision`.
pub const PRECISION_BATCH: u64 = 50;

/// Fewest parameter draws a claim runs (the clustered interval needs them).
pub const MIN_DRAWS: u64 = 20;

/// `--precision METRIC=X`, checked.
fn parse_precision(s: &str) -> Result<(String, f64)> {
    let (m, x) = s
        .split_once('=')
        .with_context(|| format!("--precision '{s}': expected METRIC=X, e.g. rerecruited=50"))?;
    let names: Vec<&str> = HEADLINE.iter().map(|h| h.0).collect();
    anyhow::ensure!(
        names.contains(&m),
        "--precision '{s}': '{m}' is not a headline outcome (allowed: {})",
        names.join(", ")
    );
    let x: f64 = x
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite() && *v > 0.0)
        .with_context(|| format!("--precision '{s}': X must be a positive number"))?;
    Ok((m.to_string(), x))
}

/// Runs `ddrsim claim`.
pub fn run(args: &ClaimArgs) -> Result<()> {
    let started = Instant::now();
    let loaded = super::load_with(args.scenario.as_deref(), &args.set)?;
    let sc = &loaded.scenario;
    let seed = args.seed.unwrap_or(sc.seed);
    let threads = super::threads(args.threads)?;
    anyhow::ensure!(
        args.draws >= MIN_DRAWS,
        "--draws {}: at least {MIN_DRAWS} parameter draws (the interval is clustered by draw)",
        args.draws
    );
    anyhow::ensure!(
        args.per_draw >= 1,
        "--per-draw: at least 1 process replicate per draw"
    );
    let precision = args.precision.as_deref().map(parse_precision).transpose()?;
    if precision.is_some() {
        anyhow::ensure!(
            args.max_draws >= args.draws,
            "--max-draws {} is below --draws {}",
            args.max_draws,
            args.draws
        );
    }
    let setup = setup(sc, args.policy.as_deref()).map_err(|e| anyhow::anyhow!(e))?;
    let factors = factors(&setup.scenario);
    for w in &sc.warnings {
        eprintln!("warning: {w}");
    }
    if factors.is_empty() {
        eprintln!(
            "warning: the scenario has no uncertain parameters: every draw is the same world, so \
             the whole variance of the effect is process randomness"
        );
    }
    let target = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(folder_name(&format!("{}-claim", sc.name)))
    });
    let staged = StagedDir::new(&target, "claim.csv")?;
    let dir = staged.path().to_path_buf();

    // The nested design, grown by --precision.
    let opts = ClaimOptions {
        seed,
        per_draw: args.per_draw,
        threads,
    };
    let posterior = args
        .params
        .as_deref()
        .map(|p| super::calibrate::load_posterior(p, &setup.scenario))
        .transpose()?;
    if posterior.is_some() && !args.quiet {
        eprintln!(
            "note: --params: shared draws from the posterior; the channel decomposition and the \
             Morris/Sobol' drivers are skipped (they draw the scenario's own ranges)"
        );
    }
    let values_of = |p: u64| {
        let mut v = prior_values(&setup.scenario, seed, p);
        if let Some((post, slots, _)) = &posterior {
            post.apply_slots(slots, seed, p, &mut v);
        }
        v
    };
    let mut data = NestedData::default();
    if !args.quiet {
        eprintln!(
            "claim: {} vs baseline, {} parameter draws x {} process replicates...",
            setup.policy, args.draws, args.per_draw
        );
    }
    extend(&setup, &factors, &opts, &mut data, args.draws, &values_of);
    let mut result = analyse(&setup, &factors, &opts, &data);
    let mut precision_note = None;
    if let Some((metric, x)) = &precision {
        loop {
            let half = result
                .outcomes
                .iter()
                .find(|o| o.metric == metric.as_str())
                .map_or(f64::INFINITY, |o| {
                    let (lo, hi) = o.effect.ci95();
                    (hi - lo) / 2.0
                });
            let reached = half < *x;
            if reached || data.draws() >= args.max_draws {
                precision_note = Some(json!({
                    "metric": metric,
                    "target_half_width": x,
                    "half_width": half,
                    "reached": reached,
                    "draws": data.draws(),
                    "batch": PRECISION_BATCH,
                }));
                if !reached {
                    eprintln!(
                        "warning: --precision {metric}={x} not reached with --max-draws {}: the 95% half-width is {half:.3}",
                        args.max_draws
                    );
                }
                break;
            }
            let more = PRECISION_BATCH.min(args.max_draws - data.draws());
            extend(&setup, &factors, &opts, &mut data, more, &values_of);
            result = analyse(&setup, &factors, &opts, &data);
        }
    }

    // Why: the channel decomposition of the policy alone.
    let mut why = Vec::new();
    if let Some((_, _, text)) = &posterior {
        write_file(&dir.join("params.csv"), text.as_bytes())?;
    }
    if args.channel_replicates > 0 && posterior.is_none() {
        let mut two = setup.scenario.clone();
        two.policies.truncate(2);
        let acc = run_channels(
            &two,
            &RunOptions {
                seed,
                first: 0,
                replicates: args.channel_replicates,
                threads,
            },
            |_| anyhow::Ok(()),
        )?;
        let rows = channel_rows(&two, &acc);
        let mut bytes = Vec::new();
        write_channels(&mut bytes, &two, &rows)?;
        write_file(&dir.join("channels.csv"), &bytes)?;
        why = explain(&rows, &setup.policy, "rerecruited", "re-recruitment");
    }

    // The parameters the effect on re-recruitment depends on.
    let drivers = match args.drivers {
        SensitivityMethodOrNone::None => None,
        _ if factors.is_empty() || posterior.is_some() => None,
        m => {
            let method = if m == SensitivityMethodOrNone::Sobol {
                Method::Sobol
            } else {
                Method::Morris
            };
            let mut two = setup.scenario.clone();
            two.policies.truncate(2);
            let cols = outcome_columns(&two);
            let column = cols
                .iter()
                .position(|c| c.group.is_none() && c.metric.name == "rerecruited")
                .context("no rerecruited column")?;
            let settings = Settings {
                method,
                trajectories: 10,
                samples: 256,
                replicates: 10,
                seed,
                threads,
                policy: Some(1),
                column,
                scale: cols
                    .get(column)
                    .map_or(1.0, |c| c.metric.unit.scale() as f64),
            };
            if !args.quiet {
                eprintln!(
                    "claim: {} sensitivity of the effect on re-recruitment ({} points x 10 replicates)...",
                    method.name(),
                    settings.points(factors.len())
                );
            }
            Some(
                analyse_sensitivity(&two, &factors, &settings, |_, _| {})
                    .map_err(|e| anyhow::anyhow!(e))?,
            )
        }
    };
    let driver_words = drivers
        .as_ref()
        .map(|a| words::sensitivity_sentence(a, &factors, 3))
        .unwrap_or_default();

    // Files.
    write_file(
        &dir.join("claim.csv"),
        claim_csv(&setup, &result, &factors, drivers.as_ref())?.as_bytes(),
    )?;
    write_file(
        &dir.join("claim_draws.csv"),
        draws_csv(&result, &factors, &data)?.as_bytes(),
    )?;
    write_file(&dir.join("scenario.toml"), loaded.text.as_bytes())?;
    let manifest = json!({
        "ddrsim_version": env!("CARGO_PKG_VERSION"),
        "format_version": FORMAT_VERSION,
        "command": "claim",
        "scenario": sc.name,
        "scenario_source": loaded.source,
        "scenario_sha256": loaded.sha256(),
        "seed": seed,
        "policies": setup.scenario.policies.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        "policy": setup.policy,
        "offset_twin": setup.twin.as_ref().map(|t| json!({"id": t.0, "made_by_claim": t.1})),
        "draws": result.draws,
        "per_draw": result.per_draw,
        "replicates": result.draws * result.per_draw,
        "channel_replicates": if posterior.is_some() { 0 } else { args.channel_replicates },
        "params": args.params.as_ref().map(|p| p.display().to_string()),
        "precision": precision_note,
        "threads": threads,
        "rng": RNG_NAME,
        "command_line": std::env::args().collect::<Vec<_>>().join(" "),
        "wall_seconds": started.elapsed().as_secs_f64(),
        "overrides": loaded.overrides,
        "warnings": sc.warnings,
    });
    write_file(
        &dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;
    if !args.no_charts {
        ddrsim::plot::claim::draw(&dir.join("claim"), &sc.name, &setup, &result)
            .with_context(|| format!("cannot draw the claim chart in '{}'", dir.display()))?;
        let svg = std::fs::read_to_string(dir.join("claim.svg"))?;
        let chart =
            ddrsim::report::html::inline_svg(&svg, "Effect of the policy on each headline outcome")
                .map_err(|e| anyhow::anyhow!("claim.svg: {e}"))?;
        let draws_from = match &args.params {
            Some(p) => format!(
                "its shared behavioural values from a weighted resample of the posterior {} and every other uncertain parameter from the scenario's distributions",
                p.display()
            ),
            None => "every uncertain parameter from the scenario's distributions".to_string(),
        };
        let html = words::page(&words::ClaimPage {
            scenario: &sc.name,
            setup: &setup,
            result: &result,
            factors: &factors,
            why: &why,
            chart: &chart,
            drivers: &driver_words,
            draws_from: &draws_from,
        });
        write_file(&dir.join("report.html"), html.as_bytes())?;
    }
    let out = staged.commit()?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary_json(&setup, &result, &factors, &out))?
        );
    } else if !args.quiet {
        print!(
            "{}",
            words::console(&setup, &result, &factors, &why, &sc.name, &driver_words)
        );
        println!(
            "\nResults in {}/ (claim.csv, claim_draws.csv{}{}) in {:.1} s",
            out.display(),
            if args.channel_replicates > 0 && posterior.is_none() {
                ", channels.csv"
            } else {
                ""
            },
            if args.no_charts {
                ""
            } else {
                ", claim.png, report.html"
            },
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// claim.csv: one row per (outcome, quantity), tidy.
fn claim_csv(
    setup: &ClaimSetup,
    r: &ClaimResult,
    factors: &[UncertainFactor],
    drivers: Option<&Analysis>,
) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "policy", "outcome", "quantity", "factor", "value", "ci_low", "ci_high", "note",
    ])?;
    let mut row =
        |outcome: &str, q: &str, factor: &str, v: f64, ci: Option<(f64, f64)>, note: &str| {
            let (lo, hi) = ci.map_or((String::new(), String::new()), |(a, b)| (num(a), num(b)));
            w.write_record([
                setup.policy.as_str(),
                outcome,
                q,
                factor,
                &num(v),
                &lo,
                &hi,
                note,
            ])
        };
    for o in &r.outcomes {
        let m = o.metric;
        row(m, "verdict", "", f64::NAN, None, o.verdict.name())?;
        if let Some(c) = &o.conditions {
            row(m, "conditions_density", "", c.density, None, &c.words)?;
            row(m, "conditions_coverage", "", c.coverage, None, &c.words)?;
            row(m, "conditions_mass", "", c.mass, None, &c.words)?;
            row(
                m,
                "conditions_confirmed",
                "",
                if c.confirmed { 1.0 } else { 0.0 },
                None,
                "1: restrictions survive pruning at quasi-p 0.05",
            )?;
        }
        row(m, "baseline_mean", "", o.baseline, None, "")?;
        row(m, "policy_mean", "", o.with_policy, None, "")?;
        row(
            m,
            "effect",
            "",
            o.effect.mean,
            Some(o.effect.ci95()),
            "95% interval clustered by draw",
        )?;
        row(
            m,
            "effect_se",
            "",
            o.effect.se,
            None,
            "standard error clustered by draw",
        )?;
        row(
            m,
            "effect_holm",
            "",
            o.effect.mean,
            Some(o.ci_holm),
            &format!("interval at the Holm step's level {}", o.holm_level),
        )?;
        row(
            m,
            "p_value",
            "",
            o.p_value,
            None,
            "two-sided, normal, clustered SE",
        )?;
        row(
            m,
            "p_holm",
            "",
            o.p_holm,
            None,
            "Holm-adjusted over the headline outcomes",
        )?;
        row(
            m,
            "diff_p05",
            "",
            o.spread[0],
            None,
            "replicate-level paired difference",
        )?;
        row(
            m,
            "diff_p50",
            "",
            o.spread[1],
            None,
            "replicate-level paired difference",
        )?;
        row(
            m,
            "diff_p95",
            "",
            o.spread[2],
            None,
            "replicate-level paired difference",
        )?;
        row(m, "p_better", "", o.p_better, None, "share of replicates")?;
        row(m, "p_worse", "", o.p_worse, None, "share of replicates")?;
        row(m, "p_tie", "", o.p_tie, None, "share of replicates")?;
        row(
            m,
            "draws_better",
            "",
            o.draws_better,
            None,
            "share of parameter draws (shrunk draw effect)",
        )?;
        row(
            m,
            "draws_worse",
            "",
            o.draws_worse,
            None,
            "share of parameter draws (shrunk draw effect)",
        )?;
        row(
            m,
            "rules_out",
            "",
            o.rules_out,
            None,
            "mean effects larger in size are outside the 95% interval",
        )?;
        row(
            m,
            "var_parameter",
            "",
            o.split.parameter,
            Some(o.split.parameter_ci),
            if o.split.truncated {
                "truncated at 0"
            } else {
                "bootstrap over draws"
            },
        )?;
        row(
            m,
            "var_process",
            "",
            o.split.process,
            None,
            "mean within-draw variance",
        )?;
        row(
            m,
            "var_between",
            "",
            o.split.between,
            None,
            "variance of the draw means",
        )?;
        row(
            m,
            "parameter_share",
            "",
            o.split.parameter_share(),
            None,
            "",
        )?;
        for (q, v) in ["r2_behaviour", "r2_funding", "r2_all"].iter().zip(o.r2) {
            row(
                m,
                q,
                "",
                v.unwrap_or(f64::NAN),
                None,
                "rank regression of the draw effect",
            )?;
        }
        for (f, c) in factors.iter().zip(&o.srrc) {
            row(m, "srrc", &f.name, *c, None, f.group.name())?;
        }
        if let (Some(e), Some(mo)) = (o.earlier, o.more) {
            let twin = setup.twin.as_ref().map_or("", |t| t.0.as_str());
            row(m, "earlier_money", "", e.mean, Some(e.ci95()), twin)?;
            row(m, "more_money", "", mo.mean, Some(mo.ci95()), twin)?;
        }
    }
    row(
        "",
        "outlay",
        "",
        r.outlay.mean,
        Some((
            r.outlay.mean - 1.96 * r.outlay.se,
            r.outlay.mean + 1.96 * r.outlay.se,
        )),
        "USD",
    )?;
    if let Some(s) = r.shortfall {
        row("", "twin_offset_shortfall", "", s.mean, None, "USD")?;
    }
    if let Some(a) = drivers {
        let note = format!(
            "{} sensitivity of the effect on re-recruitment ({} points)",
            a.method.name(),
            a.points
        );
        for ix in &a.rows {
            let name = factors.get(ix.factor).map_or("", |f| f.name.as_str());
            row(
                "rerecruited",
                ix.index,
                name,
                ix.value,
                Some((ix.ci_low, ix.ci_high)),
                &note,
            )?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// claim_draws.csv: one row per parameter draw: its factor values and its
/// mean effect on each headline outcome.
fn draws_csv(r: &ClaimResult, factors: &[UncertainFactor], data: &NestedData) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["draw".to_string()];
    head.extend(factors.iter().map(|f| f.name.clone()));
    head.extend(r.outcomes.iter().map(|o| format!("effect_{}", o.metric)));
    head.extend(r.outcomes.iter().map(|o| format!("shrunk_{}", o.metric)));
    w.write_record(&head)?;
    for (p, fv) in data.factors.iter().enumerate() {
        let mut rec = vec![p.to_string()];
        rec.extend(fv.iter().map(|v| num(*v)));
        rec.extend(
            r.outcomes
                .iter()
                .map(|o| o.per_draw.get(p).map_or(String::new(), |v| num(*v))),
        );
        rec.extend(
            r.outcomes
                .iter()
                .map(|o| o.shrunk.get(p).map_or(String::new(), |v| num(*v))),
        );
        w.write_record(&rec)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn finite(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

/// The `--json` summary.
fn summary_json(
    setup: &ClaimSetup,
    r: &ClaimResult,
    factors: &[UncertainFactor],
    out: &std::path::Path,
) -> Value {
    json!({
        "format_version": 1,
        "ddrsim_version": env!("CARGO_PKG_VERSION"),
        "policy": setup.policy,
        "baseline": setup.scenario.policies.first().map(|p| p.id.clone()),
        "draws": r.draws,
        "per_draw": r.per_draw,
        "output_dir": out.display().to_string(),
        "outcomes": r.outcomes.iter().map(|o| json!({
            "metric": o.metric,
            "verdict": o.verdict.name(),
            "effect": finite(o.effect.mean),
            "ci_low": finite(o.effect.ci95().0),
            "ci_high": finite(o.effect.ci95().1),
            "holm_ci_low": finite(o.ci_holm.0),
            "holm_ci_high": finite(o.ci_holm.1),
            "p_holm": finite(o.p_holm),
            "diff_p05": finite(o.spread[0]),
            "diff_p95": finite(o.spread[2]),
            "p_better": finite(o.p_better),
            "p_worse": finite(o.p_worse),
            "p_tie": finite(o.p_tie),
            "parameter_share": finite(o.split.parameter_share()),
            "earlier_money": o.earlier.map(|e| finite(e.mean)),
            "more_money": o.more.map(|e| finite(e.mean)),
            "srrc_top": words::drivers(o, factors, 3).into_iter().map(|(n, c)| json!({"factor": n, "srrc": finite(c)})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
