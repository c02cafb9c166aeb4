//! `ddrsim merge`: check a set of shard folders and write the outputs of the
//! single run they split (byte-identical CSV files).

#![deny(clippy::indexing_slicing)]

use super::run::{finish, Finish};
use super::Loaded;
use crate::cli::MergeArgs;
use anyhow::{bail, Context, Result};
use ddrsim::engine::run::new_accumulator;
use ddrsim::output::atomic::{write_file, StagedDir};
use ddrsim::output::channels::channel_rows;
use ddrsim::output::replicates::{ReplicatesCsv, Sink};
use ddrsim::output::shard::{self, check_set, copy_rows, read_info, read_state, ShardState};
use ddrsim::scenario::parse_and_validate;
use ddrsim::stats::channels::ChannelAccumulator;
use std::time::Instant;

/// Runs the command.
pub fn run(args: &MergeArgs) -> Result<()> {
    let started = Instant::now();
    // Sweep shards have their own assembly step.
    if !args.shards.is_empty()
        && args
            .shards
            .iter()
            .all(|d| d.join("sweep.json").is_file() && !d.join(shard::SHARD_FILE).is_file())
    {
        bail!(
            "{} are sweep shard folders (they hold sweep.json): assemble them with \
             `ddrsim sweep --merge SHARD_DIR... --out DIR` (docs/sweep.md)",
            args.shards
                .iter()
                .map(|d| format!("'{}'", d.display()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let shards = args
        .shards
        .iter()
        .map(|d| read_info(d))
        .collect::<Result<Vec<_>>>()?;
    let shards = check_set(shards, env!("CARGO_PKG_VERSION"))?;
    let Some(first_shard) = shards.first() else {
        bail!("no shard folders given");
    };
    let first = &first_shard.info;
    let total = first.total_replicates;

    // The scenario: every shard's copy must be the file its description names.
    let mut text = String::new();
    for s in &shards {
        let path = s.dir.join("scenario.toml");
        let t = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if super::sha256_hex(&t) != s.info.scenario_sha256 {
            bail!(
                "{} does not match the scenario SHA-256 in {}: the shard folder was altered",
                path.display(),
                s.dir.join(shard::SHARD_FILE).display()
            );
        }
        text = t;
    }
    let scenario = parse_and_validate(&text).with_context(|| {
        format!(
            "the scenario of shard folder '{}' is invalid",
            first_shard.dir.display()
        )
    })?;
    let loaded = Loaded {
        scenario,
        text,
        source: first.scenario_source.clone(),
        overrides: first.overrides.clone(),
    };

    // Accumulators, merged in shard order (the result does not depend on it).
    let mut acc = None;
    let mut channels = None;
    let expected = layout(&ShardState {
        acc: new_accumulator(&loaded.scenario),
        channels: Some(ChannelAccumulator::new(loaded.scenario.policies.len())),
    });
    for s in &shards {
        let state = read_state(&s.dir.join(shard::STATE_FILE))?;
        let found = layout(&state);
        if found.0 != expected.0
            || found
                .1
                .as_ref()
                .is_some_and(|c| Some(c) != expected.1.as_ref())
        {
            bail!(
                "'{}': its {} holds accumulators laid out for another scenario than its \
                 scenario.toml: the shard folder is damaged",
                s.dir.display(),
                shard::STATE_FILE
            );
        }
        if state.acc.replicates != s.info.replicates {
            bail!(
                "'{}' holds {} replicates, its {} says {}: the shard folder is damaged",
                s.dir.display(),
                state.acc.replicates,
                shard::SHARD_FILE,
                s.info.replicates
            );
        }
        match acc.as_mut() {
            None => acc = Some(state.acc),
            Some(a) => a.merge(&state.acc),
        }
        match (channels.as_mut(), state.channels) {
            (None, c) => channels = c,
            (Some(a), Some(c)) => ChannelAccumulator::merge(a, &c),
            (Some(_), None) => bail!("'{}' has no channel decomposition", s.dir.display()),
        }
    }
    let Some(acc) = acc else {
        bail!("no shard folders given");
    };

    // Replicate rows: the shards' rows in replicate order.
    let all_rows = shards.iter().all(|s| s.info.replicates_file.is_some());
    let mode = match args.replicates_csv.map(|m| m.mode()) {
        Some(m) if m != ReplicatesCsv::None && !all_rows => bail!(
            "--replicates-csv {}: some shards were run with --replicates-csv none and hold no \
             replicate rows",
            if m == ReplicatesCsv::Gz { "gz" } else { "csv" }
        ),
        Some(m) => m,
        None if all_rows => ReplicatesCsv::default_for(total),
        None => {
            if !args.quiet {
                eprintln!("note: no replicate rows written: some shards were run with --replicates-csv none");
            }
            ReplicatesCsv::None
        }
    };
    let staged = StagedDir::new(&args.out, "manifest.json")?;
    let dir = staged.path().to_path_buf();
    write_file(&dir.join("scenario.toml"), loaded.text.as_bytes())?;
    if let Some(mut sink) = Sink::create(&dir, mode)? {
        for (i, s) in shards.iter().enumerate() {
            let name = s
                .info
                .replicates_file
                .as_deref()
                .unwrap_or("replicates.csv");
            copy_rows(&s.dir.join(name), &mut sink, i == 0)?;
        }
        sink.finish()?;
    }
    let channel_table = channels.map(|c| channel_rows(&loaded.scenario, &c));
    finish(
        staged,
        &Finish {
            loaded: &loaded,
            acc: &acc,
            channel_table,
            seed: first.seed,
            replicates: total,
            threads: 1,
            started,
            rows_file: mode.file_name(),
            quiet: args.quiet,
            json: false,
            no_charts: args.no_charts,
            precision: None,
            params: None,
        },
        &|| Ok(()),
    )
}

/// The lengths of every table of a shard's accumulators: per policy, its
/// outcome, series, funding, pair and cost-effect cells; per channel policy,
/// the rows of each metric.
type Layout = (Vec<[usize; 5]>, Option<Vec<Vec<usize>>>);

/// The [`Layout`] of `state`, to check it against the scenario's before the
/// outputs index it.
fn layout(state: &ShardState) -> Layout {
    let run = state
        .acc
        .policies
        .iter()
        .map(|p| {
            [
                p.outcomes.len(),
                p.series.len(),
                p.funding.len(),
                p.pairs.len(),
                p.cost_effect.len(),
            ]
        })
        .collect();
    let channels = state.channels.as_ref().map(|c| {
        c.rows
            .iter()
            .map(|metrics| metrics.iter().map(Vec::len).collect())
            .collect()
    });
    (run, channels)
}
