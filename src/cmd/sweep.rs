//! `ddrsim sweep`: runs a scenario at every point of a grid or Latin
//! hypercube of `--set`-style overrides and writes `sweep.csv`, a persistent
//! per-point state for `--resume`, and effect charts (docs/sweep.md).

use crate::cli::SweepArgs;
use anyhow::{bail, Context, Result};
use ddrsim::engine::run::{run_with as run_replicates, RunOptions};
use ddrsim::experiment::{self, Design, Factor, PointRow, SWEEP_METRICS};
use ddrsim::output::atomic::{folder_name, write_file};
use ddrsim::output::number::stat;
use ddrsim::plot::sweep::{EffectChart, EffectPoint};
use ddrsim::scenario::overrides::{self, Override};
use ddrsim::scenario::{parse_and_validate, Scenario};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Format name written in `sweep.json`.
const PLAN_FORMAT: &str = "ddrsim-sweep 1";

/// Runs `ddrsim sweep`.
pub fn run(args: &SweepArgs) -> Result<()> {
    let loaded = super::load_with(args.scenario.as_deref(), &args.set)?;
    let base = &loaded.scenario;
    let seed = args.seed.unwrap_or(base.seed);
    let replicates = args.replicates.unwrap_or(base.replicates);
    anyhow::ensure!(
        replicates >= 1,
        "--replicates: at least 1 replicate per point"
    );

    // The design, with integer keys rounded.
    let mut rounding = Vec::new();
    let design = build_design(args, base, &loaded.text, seed, &mut rounding)?;
    for note in &rounding {
        eprintln!("note: {note}");
    }

    // Every point validated before anything runs.
    let scenarios = validate_points(&design, &loaded.text, &loaded.source)?;
    let policy = chart_policy(base, args.policy.as_deref())?;
    anyhow::ensure!(
        SWEEP_METRICS.contains(&args.metric.as_str()),
        "--metric '{}': not a sweep metric (allowed: {})",
        args.metric,
        SWEEP_METRICS.join(", ")
    );

    let posterior = args
        .params
        .as_deref()
        .map(|p| super::calibrate::load_posterior(p, base))
        .transpose()?;
    if let Some((post, _, _)) = &posterior {
        for n in &post.names {
            anyhow::ensure!(
                !design.keys.contains(n),
                "--params sets {n}, which the sweep varies: drop one of the two"
            );
        }
    }
    let mut plan = serde_json::json!({
        "format": PLAN_FORMAT,
        "ddrsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": loaded.source,
        "scenario_sha256": hex(&Sha256::digest(loaded.text.as_bytes())),
        "overrides": loaded.overrides,
        "design": {
            "kind": design.kind,
            "keys": design.keys,
            "grid": args.grid.iter().map(|f| format!("{}={}", f.key, f.values.join(","))).collect::<Vec<_>>(),
            "lhs": args.lhs,
            "vary": args.vary.iter().map(|r| format!("{}={}..{}", r.key, r.lo, r.hi)).collect::<Vec<_>>(),
        },
        "seed": seed,
        "replicates": replicates,
        "rounding": rounding,
        "points": design.points,
    });

    if let Some((_, _, text)) = &posterior {
        if let Some(obj) = plan.as_object_mut() {
            obj.insert(
                "params_sha256".into(),
                serde_json::json!(hex(&Sha256::digest(text.as_bytes()))),
            );
        }
    }
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-sweep", folder_name(&base.name)))
    });
    prepare_folder(&out, &plan, args.resume, args.force)?;
    let points_dir = out.join("points");
    fs::create_dir_all(&points_dir)
        .with_context(|| format!("cannot create folder '{}'", points_dir.display()))?;
    remove_partials(&points_dir);

    let header = header(&design.keys);
    let total = design.points.len();
    let mut finished: Vec<Option<String>> = vec![None; total];
    let mut ran = 0usize;
    for (i, (values, sc)) in design.points.iter().zip(&scenarios).enumerate() {
        let file = points_dir.join(point_file(i));
        if let Some(body) = read_point(&file, &header)? {
            if let Some(slot) = finished.get_mut(i) {
                *slot = Some(body);
            }
            continue;
        }
        let started = Instant::now();
        let opts = RunOptions {
            seed,
            first: 0,
            replicates,
            threads: args.threads.unwrap_or(0),
        };
        let slots = match &posterior {
            Some((post, _, _)) => post.slots(sc).map_err(anyhow::Error::msg)?,
            None => Vec::new(),
        };
        let adjust = |r: u64, v: &mut [f64]| {
            if let Some((post, _, _)) = &posterior {
                post.apply_slots(&slots, seed, r, v);
            }
        };
        let acc = run_replicates(sc, &opts, &adjust, |_| Ok::<(), anyhow::Error>(()))?;
        let rows = experiment::point_rows(sc, &acc);
        let body = point_csv(i, values, &rows)?;
        write_file(&file, format!("{header}{body}").as_bytes())?;
        if let Some(slot) = finished.get_mut(i) {
            *slot = Some(body);
        }
        write_sweep_csv(&out, &header, &finished)?;
        ran += 1;
        if !args.quiet {
            eprintln!(
                "point {}/{total} ({}): {:.1} s",
                i + 1,
                describe(&design.keys, values),
                started.elapsed().as_secs_f64()
            );
        }
    }
    write_sweep_csv(&out, &header, &finished)?;
    if !args.quiet {
        eprintln!(
            "{ran} point(s) run, {} already finished; {total} points x {replicates} replicates (seed {seed})",
            total - ran
        );
    }

    if !args.no_charts {
        for note in draw_charts(&out, &design, base, &policy, &args.metric, replicates)? {
            eprintln!("note: {note}");
        }
    }
    if !args.quiet {
        eprintln!("wrote {}", out.join("sweep.csv").display());
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `key=value, key=value` of one point.
fn describe(keys: &[String], values: &[String]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `key` takes whole numbers only: a half-integer value is refused
/// by validation with "must be a whole number".
fn is_integer_key(text: &str, key: &str, near: &str) -> bool {
    let Ok(x) = near.replace('_', "").parse::<f64>() else {
        return false;
    };
    let probe = Override {
        key: key.to_string(),
        value: experiment::format_number(x.round() + 0.5),
    };
    match overrides::apply(text, &[probe]) {
        Ok(t) => match parse_and_validate(&t) {
            Ok(_) => false,
            Err(e) => format!("{e:#}").contains("must be a whole number"),
        },
        Err(_) => false,
    }
}

fn build_design(
    args: &SweepArgs,
    base: &Scenario,
    text: &str,
    seed: u64,
    rounding: &mut Vec<String>,
) -> Result<Design> {
    if let Some(n) = args.lhs {
        let mut d = if args.vary.is_empty() {
            experiment::factor_lhs(base, n, seed)
        } else {
            experiment::lhs(n, seed, &args.vary)
        }
        .map_err(anyhow::Error::msg)?;
        for (k, key) in d.keys.clone().iter().enumerate() {
            let first = d.points.first().and_then(|p| p.get(k)).cloned();
            if !first.is_some_and(|v| is_integer_key(text, key, &v)) {
                continue;
            }
            for p in &mut d.points {
                if let Some(v) = p.get_mut(k) {
                    *v = experiment::round_level(v);
                }
            }
            rounding.push(format!(
                "{key} takes whole numbers: its Latin hypercube values are rounded to the nearest whole number"
            ));
        }
        return Ok(d);
    }
    if args.grid.is_empty() {
        bail!("give the design: --grid key=a,b,c (repeatable) or --lhs N (with --vary key=lo..hi, or over the uncertain parameters)");
    }
    let mut factors: Vec<Factor> = Vec::new();
    for f in &args.grid {
        let mut f = f.clone();
        let needs = f.numeric
            && f.values.iter().any(|v| {
                v.replace('_', "")
                    .parse::<f64>()
                    .is_ok_and(|x| x.fract() != 0.0)
            });
        if needs
            && f.values
                .first()
                .is_some_and(|v| is_integer_key(text, &f.key, v))
        {
            let before = f.values.clone();
            let mut seen = std::collections::BTreeSet::new();
            f.values = before
                .iter()
                .map(|v| experiment::round_level(v))
                .filter(|v| seen.insert(v.clone()))
                .collect();
            rounding.push(format!(
                "--grid {}: the key takes whole numbers: levels {} rounded to {}",
                f.key,
                before.join(","),
                f.values.join(",")
            ));
        }
        factors.push(f);
    }
    experiment::grid(&factors).map_err(|e| anyhow::anyhow!("--grid: {e}"))
}

/// Applies and validates every point's overrides; every problem is listed,
/// naming the point and its overrides.
fn validate_points(design: &Design, text: &str, source: &str) -> Result<Vec<Scenario>> {
    let mut scenarios = Vec::with_capacity(design.points.len());
    let mut problems = Vec::new();
    for (i, values) in design.points.iter().enumerate() {
        let ovs: Vec<Override> = design
            .keys
            .iter()
            .zip(values)
            .map(|(k, v)| Override {
                key: k.clone(),
                value: v.clone(),
            })
            .collect();
        let list = ovs
            .iter()
            .map(|o| format!("--set {o}"))
            .collect::<Vec<_>>()
            .join(" ");
        match overrides::apply(text, &ovs) {
            Err(p) => problems.push(format!(
                "point {} ({list}): cannot apply: {}",
                i + 1,
                p.join("; ")
            )),
            Ok(t) => match parse_and_validate(&t) {
                Ok(sc) => scenarios.push(sc),
                Err(e) => problems.push(format!("point {} ({list}) is invalid: {e:#}", i + 1)),
            },
        }
        if problems.len() >= 10 {
            break;
        }
    }
    if !problems.is_empty() {
        bail!(
            "the sweep of scenario '{source}' has invalid points (nothing was run):\n  - {}",
            problems.join("\n  - ")
        );
    }
    Ok(scenarios)
}

fn chart_policy(sc: &Scenario, chosen: Option<&str>) -> Result<String> {
    let ids: Vec<&str> = sc.policies.iter().map(|p| p.id.as_str()).collect();
    match chosen {
        Some(p) => {
            anyhow::ensure!(
                ids.iter().skip(1).any(|id| *id == p),
                "--policy '{p}': not a policy other than the baseline (allowed: {})",
                ids.iter().skip(1).copied().collect::<Vec<_>>().join(", ")
            );
            Ok(p.to_string())
        }
        None => Ok(ids.get(1).map(|s| s.to_string()).unwrap_or_default()),
    }
}

/// Checks or creates the output folder and writes `sweep.json`.
fn prepare_folder(out: &Path, plan: &serde_json::Value, resume: bool, force: bool) -> Result<()> {
    let plan_path = out.join("sweep.json");
    let text = serde_json::to_string_pretty(plan)? + "\n";
    if resume {
        let old = fs::read_to_string(&plan_path).with_context(|| {
            format!(
                "--resume: cannot read '{}' (is '{}' a sweep folder?)",
                plan_path.display(),
                out.display()
            )
        })?;
        let old: serde_json::Value = serde_json::from_str(&old)
            .with_context(|| format!("--resume: '{}' is not valid JSON", plan_path.display()))?;
        // The path may be spelled differently; the text's hash decides.
        let strip = |v: &serde_json::Value| {
            let mut v = v.clone();
            if let Some(o) = v.as_object_mut() {
                o.remove("scenario");
            }
            v
        };
        if strip(&old) != strip(plan) {
            let fields = [
                "format",
                "ddrsim_version",
                "scenario",
                "scenario_sha256",
                "overrides",
                "design",
                "seed",
                "replicates",
                "rounding",
                "points",
            ];
            let differ: Vec<&str> = fields
                .iter()
                .copied()
                .filter(|f| old.get(f) != plan.get(f))
                .collect();
            bail!(
                "--resume: the sweep in '{}' was planned differently ({} differ); run it with the same scenario, --set, design, seed and replicates, or start a new sweep with --force or another --out",
                out.display(),
                if differ.is_empty() { "the plans".to_string() } else { differ.join(", ") }
            );
        }
        return Ok(());
    }
    if out.exists() {
        let empty = fs::read_dir(out)
            .with_context(|| format!("cannot read folder '{}'", out.display()))?
            .next()
            .is_none();
        if !empty {
            if force && plan_path.exists() {
                fs::remove_dir_all(out).with_context(|| {
                    format!("cannot remove the old sweep folder '{}'", out.display())
                })?;
            } else if plan_path.exists() {
                bail!(
                    "the output folder '{}' holds a sweep: --resume completes it, --force replaces it",
                    out.display()
                );
            } else {
                bail!(
                    "the output folder '{}' exists and is not a sweep folder: choose another --out",
                    out.display()
                );
            }
        }
    }
    fs::create_dir_all(out).with_context(|| format!("cannot create folder '{}'", out.display()))?;
    write_file(&plan_path, text.as_bytes())
}

/// Removes temporary files a killed sweep left behind.
fn remove_partials(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().contains(".partial-") {
                fs::remove_file(e.path()).ok();
            }
        }
    }
}

fn point_file(i: usize) -> String {
    format!("{:04}.csv", i + 1)
}

/// The header line of `sweep.csv` and of every point file.
fn header(keys: &[String]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut cols = vec!["point".to_string()];
    cols.extend(keys.iter().cloned());
    cols.extend(["policy", "metric", "mean", "mcse", "p05", "p50", "p95"].map(String::from));
    cols.extend(ddrsim::experiment::EFFECT_COLUMNS.map(String::from));
    // A key cannot break the header: writing to memory does not fail.
    w.write_record(&cols).ok();
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A finished point's rows (without header), or None if it has not run.
fn read_point(file: &Path, header: &str) -> Result<Option<String>> {
    if !file.exists() {
        return Ok(None);
    }
    let text = fs::read_to_string(file)
        .with_context(|| format!("cannot read point file '{}'", file.display()))?;
    match text.strip_prefix(header) {
        Some(body) if !body.is_empty() => Ok(Some(body.to_string())),
        _ => bail!(
            "point file '{}' does not have the columns of this sweep: delete it to run the point again",
            file.display()
        ),
    }
}

/// The CSV rows of one point.
fn point_csv(i: usize, values: &[String], rows: &[PointRow]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        let mut rec = vec![(i + 1).to_string()];
        rec.extend(values.iter().cloned());
        rec.push(r.policy.clone());
        rec.push(r.metric.to_string());
        let s = &r.stats;
        rec.extend([s.mean, s.mcse, s.q[0], s.q[2], s.q[4]].map(stat));
        match &r.diff {
            Some(d) => rec.extend(
                [
                    d.mean,
                    d.ci.0,
                    d.ci.1,
                    d.spread[0],
                    d.spread[1],
                    d.spread[2],
                    d.p_better,
                    d.p_worse,
                    d.p_tie,
                ]
                .map(stat),
            ),
            None => rec.extend(std::iter::repeat_n(String::new(), 9)),
        }
        w.write_record(&rec)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Writes `sweep.csv`: the header and every finished point's rows in point order.
fn write_sweep_csv(out: &Path, header: &str, finished: &[Option<String>]) -> Result<()> {
    let mut text = header.to_string();
    for body in finished.iter().flatten() {
        text.push_str(body);
    }
    write_file(&out.join("sweep.csv"), text.as_bytes())
}

/// Draws the effect chart from `sweep.csv`: a heatmap for two swept keys of
/// a grid, a line chart for one key; other designs get no chart (a note says so).
fn draw_charts(
    out: &Path,
    design: &Design,
    sc: &Scenario,
    policy: &str,
    metric: &str,
    replicates: u64,
) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    if policy.is_empty() {
        notes.push("no chart: the scenario has no policy other than the baseline".to_string());
        return Ok(notes);
    }
    let nkeys = design.keys.len();
    if nkeys > 2 || (nkeys == 2 && design.kind != "grid") {
        notes.push(format!(
            "no chart: charts show one swept key (line) or two keys of a grid (heatmap); this {} sweeps {nkeys} keys",
            design.kind
        ));
        return Ok(notes);
    }
    let path = out.join("sweep.csv");
    let mut rd = csv::Reader::from_path(&path)
        .with_context(|| format!("cannot read '{}'", path.display()))?;
    let heads = rd.headers()?.clone();
    let col = |name: &str| heads.iter().position(|h| h == name);
    let (Some(cp), Some(cm), Some(cd), Some(cl), Some(ch)) = (
        col("policy"),
        col("metric"),
        col("diff_mean"),
        col("diff_ci_low"),
        col("diff_ci_high"),
    ) else {
        bail!("'{}' lacks the effect columns", path.display());
    };
    let num = |r: &csv::StringRecord, c: usize| {
        r.get(c)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    let mut points = Vec::new();
    for rec in rd.records() {
        let rec = rec?;
        if rec.get(cp) != Some(policy) || rec.get(cm) != Some(metric) {
            continue;
        }
        points.push(EffectPoint {
            levels: (1..=nkeys)
                .map(|k| rec.get(k).unwrap_or_default().to_string())
                .collect(),
            mean: num(&rec, cd),
            ci: (num(&rec, cl), num(&rec, ch)),
        });
    }
    let baseline = sc
        .policies
        .first()
        .map(|p| p.id.clone())
        .unwrap_or_default();
    let chart = EffectChart {
        scenario: sc.name.clone(),
        policy: policy.to_string(),
        baseline,
        metric: metric.to_string(),
        keys: design.keys.clone(),
        points,
        replicates: Some(replicates),
    };
    let stem = out.join(if nkeys == 2 {
        "sweep-heatmap"
    } else {
        "sweep-line"
    });
    ddrsim::plot::sweep::draw(&stem, &chart)?;
    Ok(notes)
}
