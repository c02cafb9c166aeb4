//! `ddrsim sweep`: runs a scenario at every point of a grid or Latin
//! hypercube of `--set`-style overrides and writes `sweep.csv`, a persistent
//! per-point state for `--resume`, and effect charts (docs/sweep.md).

use super::run::{run_batches, Batches, Precision, PRECISION_BATCH};
use crate::cli::SweepArgs;
use anyhow::{bail, Context, Result};
use ddrsim::engine::run::RunOptions;
use ddrsim::experiment::{self, Design, Factor, PointRow, SWEEP_METRICS};
use ddrsim::output::atomic::{folder_name, write_file, StagedDir};
use ddrsim::output::number::stat;
use ddrsim::output::shard::ShardSpec;
use ddrsim::plot::sweep::{EffectChart, EffectPoint};
use ddrsim::plot::Chart;
use ddrsim::scenario::overrides::{self, Override};
use ddrsim::scenario::{parse_and_validate, Scenario};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Format name written in `sweep.json`.
const PLAN_FORMAT: &str = "ddrsim-sweep 1";

/// The fields of `sweep.json`, for messages naming those that differ.
const PLAN_FIELDS: [&str; 13] = [
    "format",
    "ddrsim_version",
    "scenario",
    "scenario_sha256",
    "params_sha256",
    "overrides",
    "design",
    "seed",
    "replicates",
    "precision",
    "rounding",
    "points",
    "shard",
];

/// Runs `ddrsim sweep`.
pub fn run(args: &SweepArgs) -> Result<()> {
    if !args.merge.is_empty() {
        return merge(args);
    }
    let loaded = super::load_with(args.scenario.as_deref(), &args.set)?;
    let base = &loaded.scenario;
    let seed = args.seed.unwrap_or(base.seed);
    let replicates = args.replicates.unwrap_or(base.replicates);
    anyhow::ensure!(
        replicates >= 1,
        "--replicates: at least 1 replicate per point"
    );
    let precision = args
        .precision
        .as_deref()
        .map(|p| Precision::parse(base, p, replicates, args.max_replicates))
        .transpose()?;
    let shard = args.shard.as_deref().map(ShardSpec::parse).transpose()?;

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
        "scenario_sha256": loaded.sha256(),
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

    let total = design.points.len();
    let mine: Vec<usize> = match shard {
        Some(s) => experiment::shard_points(total, s.k, s.n),
        None => (0..total).collect(),
    };
    if let Some(obj) = plan.as_object_mut() {
        if let Some((_, _, text)) = &posterior {
            obj.insert(
                "params_sha256".into(),
                serde_json::json!(super::sha256_hex(text)),
            );
        }
        if let Some(p) = &precision {
            obj.insert(
                "precision".into(),
                serde_json::json!({
                    "metric": p.metric,
                    "target": p.target,
                    "max_replicates": p.max,
                    "batch": PRECISION_BATCH,
                }),
            );
        }
        if let Some(s) = shard {
            obj.insert(
                "shard".into(),
                serde_json::json!({
                    "k": s.k,
                    "n": s.n,
                    "points": mine.iter().map(|i| i + 1).collect::<Vec<_>>(),
                }),
            );
        }
    }
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("output").join(format!("{}-sweep", folder_name(&base.name)))
    });
    prepare_folder(&out, &plan, args.resume, args.force)?;
    let _lock = lock_folder(&out)?;
    remove_partials(&out);
    write_file(&out.join("scenario.toml"), loaded.text.as_bytes())?;
    let points_dir = out.join("points");
    fs::create_dir_all(&points_dir)
        .with_context(|| format!("cannot create folder '{}'", points_dir.display()))?;
    remove_partials(&points_dir);
    if let (Some(s), false) = (shard, args.quiet) {
        eprintln!(
            "shard {}/{}: {} of the {total} points ({})",
            s.k,
            s.n,
            mine.len(),
            list_points(&mine.iter().map(|i| i + 1).collect::<Vec<_>>())
        );
    }

    let header = header(&design.keys);
    let mut finished: Vec<Option<String>> = vec![None; total];
    let mut ran = 0usize;
    let mut short = Vec::new();
    for &i in &mine {
        let (Some(values), Some(sc)) = (design.points.get(i), scenarios.get(i)) else {
            continue;
        };
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
        let Batches { acc, done, reached } =
            run_batches(sc, &opts, &adjust, precision.as_ref(), |_| Ok(()), |_| {})?;
        let rows = experiment::point_rows(sc, &acc);
        let body = point_csv(i, values, done, &rows)?;
        write_file(&file, format!("{header}{body}").as_bytes())?;
        if let Some(slot) = finished.get_mut(i) {
            *slot = Some(body);
        }
        write_sweep_csv(&out, &header, &finished)?;
        ran += 1;
        let reach = match (&precision, reached) {
            (Some(p), Some((widest, ok))) => {
                if !ok {
                    short.push(i + 1);
                }
                format!(
                    "{done} replicates, {} half-width {} {} {}; ",
                    p.metric,
                    experiment::format_significant(widest, 3),
                    if ok { "<" } else { ">=" },
                    p.target
                )
            }
            _ => String::new(),
        };
        if !args.quiet {
            eprintln!(
                "point {}/{total} ({}): {reach}{:.1} s",
                i + 1,
                describe(&design.keys, values),
                started.elapsed().as_secs_f64()
            );
        }
    }
    write_sweep_csv(&out, &header, &finished)?;
    if !args.quiet {
        let per_point = match &precision {
            Some(p) => format!(
                "{replicates} to {} replicates per point (--precision {}={})",
                p.max, p.metric, p.target
            ),
            None => format!("{replicates} replicates"),
        };
        eprintln!(
            "{ran} point(s) run, {} already finished; {} points x {per_point} (seed {seed})",
            mine.len() - ran,
            mine.len()
        );
    }
    if let Some(p) = &precision {
        if !short.is_empty() {
            eprintln!(
                "warning: --precision {}={} NOT reached at point(s) {} (stopped at --max-replicates {})",
                p.metric,
                p.target,
                list_points(&short),
                p.max
            );
        }
    }

    if let Some(s) = shard {
        if !args.quiet {
            eprintln!(
                "shard {}/{} written to {}; assemble every shard with `ddrsim sweep --merge SHARD_DIR... --out DIR` (which draws the charts)",
                s.k,
                s.n,
                out.display()
            );
        }
        return Ok(());
    }
    if !args.no_charts {
        let reps = precision.is_none().then_some(replicates);
        for note in draw_charts(&out, &design, base, &policy, &args.metric, reps)? {
            eprintln!("note: {note}");
        }
    }
    if !args.quiet {
        eprintln!("wrote {}", out.join("sweep.csv").display());
    }
    Ok(())
}

/// Point numbers as text: `3, 7, 12`, the first 20 then `... (N in all)`.
fn list_points(points: &[usize]) -> String {
    let mut t = points
        .iter()
        .take(20)
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if points.len() > 20 {
        t.push_str(&format!(", ... ({} in all)", points.len()));
    }
    t
}

/// Takes the advisory lock `.sweep.lock` of a sweep folder for this
/// process, or says which process holds it, so two processes never write
/// into the same sweep folder at once.
fn lock_folder(out: &Path) -> Result<File> {
    let path = out.join(".sweep.lock");
    ddrsim::output::atomic::lock_file(&path, &|who: &str| {
        format!(
            "the sweep folder '{}' is being written by another ddrsim sweep ({who}, lock file '{}'): \
             give every shard its own --out",
            out.display(),
            path.display()
        )
    })
}

/// One shard folder given to `sweep --merge`.
struct ShardDir {
    dir: PathBuf,
    plan: serde_json::Value,
    k: u64,
    n: u64,
    /// Its points, 0-based.
    points: Vec<usize>,
}

/// Reads a shard folder's `sweep.json`.
fn read_shard(dir: &Path) -> Result<ShardDir> {
    let path = dir.join("sweep.json");
    let text = fs::read_to_string(&path).with_context(|| {
        format!(
            "'{}' is not a sweep shard folder: cannot read '{}'",
            dir.display(),
            path.display()
        )
    })?;
    let plan: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("'{}' is not valid JSON", path.display()))?;
    anyhow::ensure!(
        plan.get("format").and_then(|f| f.as_str()) == Some(PLAN_FORMAT),
        "'{}' is not a sweep plan of this version (format '{PLAN_FORMAT}')",
        path.display()
    );
    let Some(sh) = plan.get("shard") else {
        bail!(
            "'{}' holds a whole sweep (written without --shard K/N), not a shard: nothing to merge",
            dir.display()
        );
    };
    let bad = || anyhow::anyhow!("'{}': its \"shard\" entry is malformed", path.display());
    let k = sh.get("k").and_then(|v| v.as_u64()).ok_or_else(bad)?;
    let n = sh.get("n").and_then(|v| v.as_u64()).ok_or_else(bad)?;
    let points = sh
        .get("points")
        .and_then(|v| v.as_array())
        .ok_or_else(bad)?
        .iter()
        .map(|p| {
            p.as_u64()
                .filter(|&p| p >= 1)
                .map(|p| p as usize - 1)
                .ok_or_else(bad)
        })
        .collect::<Result<Vec<_>>>()?;
    let total = plan
        .get("points")
        .and_then(|p| p.as_array())
        .map_or(0, Vec::len);
    anyhow::ensure!(
        k >= 1 && k <= n && points == experiment::shard_points(total, k, n),
        "'{}': shard {k}/{n} does not list the points of shard {k}/{n} of {total} points",
        path.display()
    );
    Ok(ShardDir {
        dir: dir.to_path_buf(),
        plan,
        k,
        n,
        points,
    })
}

/// The plan without the fields shards of one sweep may differ in.
fn common_plan(plan: &serde_json::Value) -> serde_json::Value {
    let mut v = plan.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("scenario");
        o.remove("shard");
    }
    v
}

/// `ddrsim sweep --merge SHARD_DIR... --out DIR`: checks that the shard
/// folders are every shard of one sweep, each once and finished, and writes
/// the sweep folder an unsharded sweep writes (sweep.json without the
/// shard entry, scenario.toml, points/, sweep.csv, charts), staged and
/// renamed into place.
fn merge(args: &SweepArgs) -> Result<()> {
    let out = args
        .out
        .clone()
        .context("--merge needs --out DIR: the folder of the assembled sweep")?;
    let mut shards = args
        .merge
        .iter()
        .map(|d| read_shard(d))
        .collect::<Result<Vec<_>>>()?;
    shards.sort_by_key(|s| s.k);
    let Some(first) = shards.first() else {
        bail!("--merge needs the shard folders");
    };
    let (n, common) = (first.n, common_plan(&first.plan));
    for s in &shards {
        if s.n != n {
            bail!(
                "'{}' is shard {}/{} but '{}' is shard {}/{}: the shards of a sweep share N",
                s.dir.display(),
                s.k,
                s.n,
                first.dir.display(),
                first.k,
                first.n
            );
        }
        let this = common_plan(&s.plan);
        if this != common {
            let differ: Vec<&str> = PLAN_FIELDS
                .iter()
                .copied()
                .filter(|f| this.get(f) != common.get(f))
                .collect();
            bail!(
                "'{}' and '{}' are not shards of the same sweep: their plans (sweep.json) differ in {}; \
                 every shard must be run with the same scenario, --set, design, seed, replicates, \
                 --precision, --params and ddrsim version",
                first.dir.display(),
                s.dir.display(),
                if differ.is_empty() { "their content".to_string() } else { differ.join(", ") }
            );
        }
    }
    for w in shards.windows(2) {
        if let [a, b] = w {
            if a.k == b.k {
                bail!(
                    "shard {}/{n} is given twice ('{}' and '{}'): give each shard once",
                    a.k,
                    a.dir.display(),
                    b.dir.display()
                );
            }
        }
    }
    let plan_of = |f: &str| common.get(f).cloned().unwrap_or_default();
    let keys: Vec<String> =
        serde_json::from_value(plan_of("design").get("keys").cloned().unwrap_or_default())
            .context("sweep.json: design.keys is not a list of keys")?;
    let points: Vec<Vec<String>> = serde_json::from_value(plan_of("points"))
        .context("sweep.json: points is not a list of points")?;
    let total = points.len();
    let header = header(&keys);

    let mut finished: Vec<Option<String>> = vec![None; total];
    let mut problems = Vec::new();
    for k in 1..=n {
        if !shards.iter().any(|s| s.k == k) {
            let pts: Vec<usize> = experiment::shard_points(total, k, n)
                .iter()
                .map(|i| i + 1)
                .collect();
            problems.push((pts, format!("shard {k}/{n} is not given")));
        }
    }
    for s in &shards {
        let mut unfinished = Vec::new();
        for &i in &s.points {
            match read_point(&s.dir.join("points").join(point_file(i)), &header)? {
                Some(body) => {
                    if let Some(slot) = finished.get_mut(i) {
                        *slot = Some(body);
                    }
                }
                None => unfinished.push(i + 1),
            }
        }
        if !unfinished.is_empty() {
            problems.push((
                unfinished,
                format!(
                    "shard {}/{n} ('{}') has not finished them: complete it with --resume",
                    s.k,
                    s.dir.display()
                ),
            ));
        }
    }
    if !problems.is_empty() {
        let mut missing: Vec<usize> = problems.iter().flat_map(|(p, _)| p.clone()).collect();
        missing.sort_unstable();
        bail!(
            "incomplete set of shards: {} of the {total} points have no results (points {}); nothing was written:\n  - {}",
            missing.len(),
            list_points(&missing),
            problems
                .iter()
                .map(|(p, why)| format!("points {}: {why}", list_points(p)))
                .collect::<Vec<_>>()
                .join("\n  - ")
        );
    }

    // The scenario, checked against the plan's hash, for the charts.
    let sc_path = first.dir.join("scenario.toml");
    let text = fs::read_to_string(&sc_path)
        .with_context(|| format!("cannot read '{}'", sc_path.display()))?;
    anyhow::ensure!(
        Some(super::sha256_hex(&text).as_str())
            == common.get("scenario_sha256").and_then(|h| h.as_str()),
        "'{}' does not have the SHA-256 recorded in its sweep.json: the shard folder was altered",
        sc_path.display()
    );
    let sc = parse_and_validate(&text)
        .map_err(|e| anyhow::anyhow!("'{}' is invalid: {e:#}", sc_path.display()))?;
    let policy = chart_policy(&sc, args.policy.as_deref())?;
    anyhow::ensure!(
        SWEEP_METRICS.contains(&args.metric.as_str()),
        "--metric '{}': not a sweep metric (allowed: {})",
        args.metric,
        SWEEP_METRICS.join(", ")
    );

    if out.exists()
        && fs::read_dir(&out)
            .with_context(|| format!("cannot read folder '{}'", out.display()))?
            .next()
            .is_some()
        && !args.force
    {
        bail!(
            "the output folder '{}' exists and is not empty: --force replaces a sweep folder, or choose another --out",
            out.display()
        );
    }
    let staged = StagedDir::new(&out, "sweep.json")?;
    let dir = staged.path().to_path_buf();
    let mut plan = first.plan.clone();
    if let Some(o) = plan.as_object_mut() {
        o.remove("shard");
    }
    write_file(
        &dir.join("sweep.json"),
        (serde_json::to_string_pretty(&plan)? + "\n").as_bytes(),
    )?;
    write_file(&dir.join("scenario.toml"), text.as_bytes())?;
    let points_dir = dir.join("points");
    fs::create_dir_all(&points_dir)
        .with_context(|| format!("cannot create folder '{}'", points_dir.display()))?;
    for (i, body) in finished.iter().enumerate() {
        if let Some(body) = body {
            write_file(
                &points_dir.join(point_file(i)),
                format!("{header}{body}").as_bytes(),
            )?;
        }
    }
    write_sweep_csv(&dir, &header, &finished)?;
    if !args.no_charts {
        let kind = if plan_of("design").get("kind").and_then(|k| k.as_str()) == Some("grid") {
            "grid"
        } else {
            "lhs"
        };
        let design = Design { kind, keys, points };
        let reps = common
            .get("precision")
            .is_none()
            .then(|| common.get("replicates").and_then(|r| r.as_u64()))
            .flatten();
        for note in draw_charts(&dir, &design, &sc, &policy, &args.metric, reps)? {
            eprintln!("note: {note}");
        }
    }
    let out = staged.commit()?;
    if !args.quiet {
        eprintln!(
            "merged {} shards ({total} points) into {}",
            shards.len(),
            out.join("sweep.csv").display()
        );
    }
    Ok(())
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
    Ok(match chosen {
        Some(p) => sc
            .compared_policy(p)
            .map_err(anyhow::Error::msg)
            .map(|_| p.to_string())?,
        None => sc.policies.get(1).map(|p| p.id.clone()).unwrap_or_default(),
    })
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
            let differ: Vec<&str> = PLAN_FIELDS
                .iter()
                .copied()
                .filter(|f| old.get(f) != plan.get(f))
                .collect();
            bail!(
                "--resume: the sweep in '{}' was planned differently ({} differ); run it with the same scenario, --set, design, seed, replicates, --precision and --shard, or start a new sweep with --force or another --out",
                out.display(),
                if differ.is_empty() { "the plans".to_string() } else { differ.join(", ") }
            );
        }
        return Ok(());
    }
    if out.exists() {
        // A temporary file of a plan whose writing was killed does not count.
        let empty = fs::read_dir(out)
            .with_context(|| format!("cannot read folder '{}'", out.display()))?
            .flatten()
            .all(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("sweep.partial-")
            });
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
    cols.push("replicates".to_string());
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

/// The CSV rows of one point, which ran `replicates` replicates.
fn point_csv(i: usize, values: &[String], replicates: u64, rows: &[PointRow]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        let mut rec = vec![(i + 1).to_string()];
        rec.extend(values.iter().cloned());
        rec.push(replicates.to_string());
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
    replicates: Option<u64>,
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
        replicates,
    };
    let stem = out.join(if nkeys == 2 {
        "sweep-heatmap"
    } else {
        "sweep-line"
    });
    chart.save(&stem)?;
    Ok(notes)
}
