//! `ddrsim discover`: scenario discovery with PRIM over a Latin hypercube
//! of the scenario's uncertain parameters (docs/discover.md). Writes
//! discover.csv, points.csv, discover.png/.svg, manifest.json and
//! scenario.toml into a staged output folder.

use crate::cli::DiscoverArgs;
use anyhow::{bail, Context, Result};
use ddrsim::experiment::discover::{discover, total_column, DiscoverRequest, Discovery};
use ddrsim::experiment::format_significant;
use ddrsim::experiment::prim::{describe, PrimBox, PrimOptions, Selection};
use ddrsim::model::outcome::{outcome_columns, Better, Unit};
use ddrsim::output::atomic::{folder_name, write_file, StagedDir};
use ddrsim::output::number::stat;
use ddrsim::plot::discover::{BoxPoint, TradeoffChart};
use ddrsim::plot::Chart;
use std::path::PathBuf;
use std::time::Instant;

/// Format name written in the manifest.
const FORMAT: &str = "ddrsim-discover 1";

/// File marking a discover output folder (so `--out` never replaces an unrelated folder).
const MARKER: &str = "discover.csv";

/// Quasi-p value above which a restriction is dropped.
const PRUNE_P: f64 = 0.05;

/// Runs `ddrsim discover`.
pub fn run(args: &DiscoverArgs) -> Result<()> {
    let started = Instant::now();
    anyhow::ensure!(
        args.threshold.is_finite(),
        "--threshold: {} is not a finite number",
        args.threshold
    );
    anyhow::ensure!(
        args.points >= 20,
        "--points: at least 20 worlds, not {}",
        args.points
    );
    anyhow::ensure!(
        args.replicates >= 1,
        "--replicates: at least 1 replicate per world"
    );
    if let Some(d) = args.min_density {
        anyhow::ensure!(
            (0.0..=1.0).contains(&d),
            "--min-density: a share in [0, 1], not {d}"
        );
    }
    let loaded = super::load_with_vary(args.scenario.as_deref(), &args.set, &args.vary)?;
    let sc = &loaded.scenario;
    for w in &sc.warnings {
        eprintln!("warning: {w}");
    }
    let policy = match args.policy.as_deref() {
        Some(p) => sc.compared_policy(p).map_err(anyhow::Error::msg)?,
        None if sc.policies.len() > 1 => 1,
        None => bail!(
            "the scenario has no policy besides the baseline: discovery compares a policy with it"
        ),
    };
    let cols = outcome_columns(sc);
    let column = total_column(&cols, &args.outcome).with_context(|| {
        let mut names: Vec<&str> = cols
            .iter()
            .filter(|c| c.group.is_none())
            .map(|c| c.metric.name)
            .collect();
        names.dedup();
        format!(
            "--outcome '{}': not an outcome (allowed: {})",
            args.outcome,
            names.join(", ")
        )
    })?;
    let metric = cols
        .get(column)
        .map(|c| c.metric)
        .context("outcome column")?;
    let seed = args.seed.unwrap_or(sc.seed);
    let selection = match args.min_density {
        Some(d) => Selection::MinDensity(d),
        None => Selection::Knee,
    };
    let req = DiscoverRequest {
        policy,
        column,
        threshold: args.threshold,
        points: args.points,
        replicates: args.replicates,
        seed,
        threads: args.threads.unwrap_or(0),
        prim: PrimOptions {
            selection,
            prune_p: PRUNE_P,
            resamples: args.resamples,
            ..PrimOptions::default()
        },
    };
    let target = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-discover", folder_name(&sc.name)))
    });
    let staged = StagedDir::new(&target, MARKER)?;
    let total = args.points;
    let quiet = args.quiet;
    let mut last_shown = 0usize;
    let found = discover(sc, &req, |done| {
        if !quiet && (done == total || done >= last_shown + total / 10) {
            eprintln!("worlds {done}/{total}");
            last_shown = done;
        }
    })
    .map_err(|e| anyhow::anyhow!("discover on scenario '{}': {e}", loaded.source))?;

    let policy_id = sc.policies.get(policy).map_or("", |p| p.id.as_str());
    let words = Words {
        policy: policy_id.to_string(),
        noun: noun(metric.name),
        unit: metric.unit,
        better: metric.better,
        threshold: args.threshold,
    };
    let names: Vec<String> = found.factors.iter().map(|f| f.name.clone()).collect();
    let fmt = |j: usize, v: f64| value_text(names.get(j).map_or("", String::as_str), v);
    let box_words = describe(&found.prim.chosen, &names, &fmt);
    let rule = match selection {
        Selection::Knee => "Chosen box: the knee of the trajectory (farthest from the line from its first to its last box), pasted, non-significant restrictions dropped.".to_string(),
        Selection::MinDensity(d) => format!(
            "Chosen box: the one of highest coverage with density at least {:.0}%, pasted, non-significant restrictions dropped.",
            d * 100.0
        ),
    };

    let dir = staged.path().to_path_buf();
    write_file(&dir.join("scenario.toml"), loaded.text.as_bytes())?;
    write_file(&dir.join("points.csv"), &points_csv(&found, &names)?)?;
    write_file(&dir.join("discover.csv"), &discover_csv(&found, &names)?)?;
    if !args.no_charts {
        let bp = |b: &PrimBox| BoxPoint {
            coverage: b.coverage,
            density: b.density,
            restricted: b.restricted_dims(),
        };
        let chart = TradeoffChart {
            scenario: sc.name.clone(),
            case: words.case(),
            worlds: found.prim.points,
            replicates: args.replicates,
            trajectory: found.prim.trajectory.iter().map(bp).collect(),
            selected: found.prim.selected,
            chosen: bp(&found.prim.chosen),
            rule: rule.clone(),
        };
        chart
            .save(&dir.join("discover"))
            .with_context(|| format!("cannot draw the chart in '{}'", dir.display()))?;
    }
    let summary = summary(&found, &words, &box_words, &names, args.replicates);
    let manifest = serde_json::json!({
        "format": FORMAT,
        "ddrsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": sc.name,
        "scenario_source": loaded.source,
        "scenario_sha256": loaded.sha256(),
        "overrides": loaded.overrides,
        "seed": seed,
        "points": args.points,
        "replicates": args.replicates,
        "process_streams": "common: world i, replicate q uses streams (seed, COMMON_P, q), the same in every world",
        "policy": policy_id,
        "baseline": sc.baseline().id,
        "outcome": metric.name,
        "better": metric.better.name(),
        "threshold": args.threshold,
        "case": words.case(),
        "prim": {
            "peel_alpha": req.prim.peel_alpha,
            "paste_alpha": req.prim.paste_alpha,
            "min_mass": req.prim.min_mass,
            "prune_p": req.prim.prune_p,
            "selection": match selection { Selection::Knee => "knee".to_string(), Selection::MinDensity(d) => format!("min_density {d}") },
            "resamples": args.resamples,
        },
        "factors": found.factors.iter().map(|f| serde_json::json!({
            "name": f.name,
            "group": f.group.name(),
            "keys": f.slots.iter().filter_map(|&s| sc.params.get(s).map(|p| p.key.clone())).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "worlds_used": found.used.len(),
        "cases": found.prim.cases,
        "chosen": {
            "step": found.prim.selected,
            "description": box_words,
            "coverage": found.prim.chosen.coverage,
            "density": found.prim.chosen.density,
            "mass": found.prim.chosen.mass,
        },
        "stability": found.prim.stability.as_ref().map(|s| serde_json::json!({
            "resamples": s.resamples,
            "same_factors": s.same_factors,
            "coverage": s.coverage,
            "density": s.density,
            "mass": s.mass,
        })),
        "threads": args.threads.unwrap_or(0),
        "command_line": std::env::args().collect::<Vec<_>>().join(" "),
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    write_file(
        &dir.join("manifest.json"),
        (serde_json::to_string_pretty(&manifest)? + "\n").as_bytes(),
    )?;
    let out = staged.commit()?;
    if !quiet {
        println!("{summary}");
        println!(
            "wrote {} ({:.1} s)",
            out.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// The words of a case.
struct Words {
    policy: String,
    noun: String,
    unit: Unit,
    better: Better,
    threshold: f64,
}

impl Words {
    /// `kickstart-12m cuts re-recruitment by more than 500`.
    fn case(&self) -> String {
        let x = self.threshold;
        let amount = amount_text(x.abs(), self.unit);
        let (up, down) = ("raises", "cuts");
        let (good, bad) = match self.better {
            Better::Lower => (down, up),
            _ => (up, down),
        };
        if x >= 0.0 {
            format!("{} {good} {} by more than {amount}", self.policy, self.noun)
        } else {
            format!("{} {bad} {} by less than {amount}", self.policy, self.noun)
        }
    }
}

/// Plain noun of an outcome.
fn noun(metric: &str) -> String {
    match metric {
        "rerecruited" => "re-recruitment",
        "completed" => "completed reintegration",
        "peak_waiting" => "the peak waiting list",
        "mean_wait_months" => "the mean wait",
        "relapse" => "the relapse probability",
        "cost_per_completed" => "the cost per completed course",
        "backlog_peak" => "the peak unfunded backlog",
        other => other,
    }
    .to_string()
}

/// A threshold amount with its unit.
fn amount_text(x: f64, unit: Unit) -> String {
    let v = format_significant(x, 6);
    match unit {
        Unit::Usd => format!("USD {v}"),
        Unit::Months => format!("{v} months"),
        Unit::Share => format!("{v} (share)"),
        _ => v,
    }
}

/// A factor value in words: 3 significant digits, months for delays.
fn value_text(name: &str, v: f64) -> String {
    let t = format_significant(v, 3);
    let last = name.rsplit('.').next().unwrap_or(name);
    if last == "delay" || last.ends_with("months") {
        format!("{t} months")
    } else {
        t
    }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// The console answer.
fn summary(
    found: &Discovery,
    w: &Words,
    box_words: &str,
    names: &[String],
    replicates: u64,
) -> String {
    let p = &found.prim;
    let b = &p.chosen;
    let mut out = Vec::new();
    out.push(format!(
        "Scenario discovery: {} vs the baseline on {} ({} is better), {} worlds x {} replicates.",
        w.policy,
        w.noun,
        if w.better == Better::Lower {
            "lower"
        } else {
            "higher"
        },
        found.points.len(),
        replicates,
    ));
    if found.used.len() < found.points.len() {
        out.push(format!(
            "{} worlds left out: the outcome is undefined there in every replicate.",
            found.points.len() - found.used.len()
        ));
    }
    out.push(format!(
        "Cases: {} in {} of {} worlds ({}).",
        w.case(),
        p.cases,
        p.points,
        pct(p.cases as f64 / p.points.max(1) as f64)
    ));
    if p.pasted.restricted_dims() == 0 {
        out.push(format!(
            "PRIM names no region: no peel of the {} uncertain parameters raised the share of cases (the whole ensemble is the only box).",
            names.len()
        ));
    } else if b.restricted_dims() == 0 {
        out.push(format!(
            "PRIM names no region: no box of ranges of the {} uncertain parameters concentrates the cases with restrictions significant at p <= {} (the chosen box, {} on the trajectory, lost all of them when pruned).",
            names.len(),
            PRUNE_P,
            p.selected
        ));
    } else {
        out.push(format!(
            "{} in {} of worlds where {}",
            w.case(),
            pct(b.density),
            box_words
        ));
        out.push(format!(
            "  (these worlds are {} of the ensemble and hold {} of the cases; box {} of {} on the peeling trajectory, pasted, non-significant restrictions dropped).",
            pct(b.mass),
            pct(b.coverage),
            p.selected,
            p.trajectory.len() - 1
        ));
        let qp: Vec<String> = p
            .quasi_p
            .iter()
            .zip(names)
            .filter_map(|(q, n)| q.map(|q| format!("{n} {}", p_text(q))))
            .collect();
        out.push(format!("  Quasi-p of each restriction: {}.", qp.join(", ")));
    }
    let before = &p.pasted;
    let dropped: Vec<&str> = before
        .restricted
        .iter()
        .zip(&b.restricted)
        .zip(names)
        .filter(|((&was, &is), _)| was && !is)
        .map(|(_, n)| n.as_str())
        .collect();
    if !dropped.is_empty() {
        out.push(format!(
            "  Before dropping restrictions with quasi-p > {PRUNE_P}, the selected box (pasted) restricted {} parameters: density {}, coverage {}, mass {}; dropped: {}.",
            before.restricted_dims(),
            pct(before.density),
            pct(before.coverage),
            pct(before.mass),
            dropped.join(", ")
        ));
    }
    if let Some(s) = &p.stability {
        let mut shares: Vec<(f64, &String)> = s
            .restricted_share
            .iter()
            .copied()
            .zip(names)
            .filter(|(v, _)| *v > 0.0)
            .collect();
        shares.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let listed: Vec<String> = shares
            .iter()
            .take(5)
            .map(|(v, n)| format!("{n} {}", pct(*v)))
            .collect();
        let rest = shares.len().saturating_sub(5);
        out.push(format!(
            "Stability over {} bootstrap resamples: parameters restricted {}{}; the same parameters as above in {} of them; their boxes on the whole ensemble: density {}, coverage {}, mass {}.",
            s.resamples,
            if listed.is_empty() { "none".to_string() } else { listed.join(", ") },
            if rest > 0 { format!(" and {rest} more") } else { String::new() },
            pct(s.same_factors),
            pct(s.density),
            pct(s.coverage),
            pct(s.mass)
        ));
    }
    out.join("\n")
}

fn p_text(q: f64) -> String {
    if q < 0.001 {
        "p < 0.001".to_string()
    } else {
        format!("p = {}", format_significant(q, 2))
    }
}

/// `points.csv`: every world's parameter values and effect.
fn points_csv(found: &Discovery, names: &[String]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["point".to_string()];
    head.extend(names.iter().cloned());
    head.extend(
        [
            "baseline_mean",
            "policy_mean",
            "effect_mean",
            "effect_mcse",
            "replicates_defined",
            "case",
            "in_box",
        ]
        .map(String::from),
    );
    w.write_record(&head)?;
    for (i, p) in found.points.iter().enumerate() {
        let mut rec = vec![(i + 1).to_string()];
        rec.extend(p.values.iter().map(|&v| stat(v)));
        rec.extend([p.baseline_mean, p.policy_mean, p.effect, p.effect_mcse].map(stat));
        rec.push(p.defined.to_string());
        rec.push(match p.case {
            Some(true) => "1".to_string(),
            Some(false) => "0".to_string(),
            None => String::new(),
        });
        rec.push(
            if found.prim.chosen.contains(&p.values) {
                "1"
            } else {
                "0"
            }
            .to_string(),
        );
        w.write_record(&rec)?;
    }
    Ok(w.into_inner()?)
}

/// `discover.csv`: the peeling trajectory, the chosen box and the
/// stability check, one row per box (or check) and parameter.
fn discover_csv(found: &Discovery, names: &[String]) -> Result<Vec<u8>> {
    let p = &found.prim;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "kind",
        "step",
        "parameter",
        "lower",
        "upper",
        "restricted",
        "coverage",
        "density",
        "mass",
        "worlds",
        "cases",
        "restricted_parameters",
        "quasi_p",
        "restricted_share",
        "same_parameters",
    ])?;
    let box_rows = |w: &mut csv::Writer<Vec<u8>>,
                    kind: &str,
                    step: usize,
                    b: &PrimBox,
                    qp: bool|
     -> Result<()> {
        for (j, name) in names.iter().enumerate() {
            let (lo, hi) = b.limits.get(j).copied().unwrap_or((f64::NAN, f64::NAN));
            let r = b.restricted.get(j).copied().unwrap_or(false);
            let q = if qp {
                p.quasi_p.get(j).copied().flatten()
            } else {
                None
            };
            w.write_record([
                kind.to_string(),
                step.to_string(),
                name.clone(),
                stat(lo),
                stat(hi),
                u8::from(r).to_string(),
                stat(b.coverage),
                stat(b.density),
                stat(b.mass),
                b.points.to_string(),
                b.cases.to_string(),
                b.restricted_dims().to_string(),
                q.map_or_else(String::new, stat),
                String::new(),
                String::new(),
            ])?;
        }
        Ok(())
    };
    for (step, b) in p.trajectory.iter().enumerate() {
        box_rows(&mut w, "trajectory", step, b, false)?;
    }
    box_rows(&mut w, "pasted", p.selected, &p.pasted, false)?;
    box_rows(&mut w, "chosen", p.selected, &p.chosen, true)?;
    if let Some(s) = &p.stability {
        for (j, name) in names.iter().enumerate() {
            w.write_record([
                "stability".to_string(),
                String::new(),
                name.clone(),
                String::new(),
                String::new(),
                String::new(),
                stat(s.coverage),
                stat(s.density),
                stat(s.mass),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                stat(s.restricted_share.get(j).copied().unwrap_or(f64::NAN)),
                stat(s.same_factors),
            ])?;
        }
    }
    Ok(w.into_inner()?)
}
