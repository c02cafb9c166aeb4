//! Command-line definitions (clap derive) only; each command lives in `cmd/`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// The description under NAME in the manual page (`ddrsim man`).
pub const LONG_ABOUT: &str = "Monte Carlo simulator of DDR/SSR programme funding. Does paying for \
reintegration from the assessed UN peacekeeping budget for a limited time (a \"kick-start\"), \
instead of waiting for voluntary donor money, change DDR programme outcomes, and under which \
conditions? ddrsim runs a scenario file (TOML) under several funding policies with common random \
numbers and writes CSV tables, charts and report.html. With no command it runs the bundled \
default scenario.";

/// ddrsim: Monte Carlo simulator of DDR/SSR programme funding.
///
/// Does paying for reintegration from the assessed UN peacekeeping budget for a
/// limited time (a "kick-start"), instead of waiting for voluntary donor money,
/// change DDR programme outcomes, and under which conditions?
#[derive(Debug, Parser)]
#[command(
    name = "ddrsim",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "With no command, ddrsim runs the bundled default scenario (the same as `ddrsim run`).\nDocs: README.md, docs/model.md (the model), docs/outputs.md (every output column)."
)]
pub struct Cli {
    /// The command (default: `run` on the bundled default scenario).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario with all its policies and write results.
    #[command(
        after_help = "Examples:\n  ddrsim run\n  ddrsim run scenarios/liberia-2003.toml --replicates 2000 --seed 7\n  ddrsim run my.toml --out results/my-run --threads 2 --quiet"
    )]
    Run(RunArgs),
    /// Run a scenario over a grid or Latin hypercube of parameter values.
    #[command(
        after_help = "Examples:\n  ddrsim sweep scenarios/default.toml --grid pledge.mdtf.delay=3,9,15 --grid policy.kickstart-12m.kickstart.amount=5e6..20e6:4 -n 200\n  ddrsim sweep my.toml --lhs 20 --vary pledge.mdtf.fulfilment=0.3..1 --vary pledge.mdtf.delay=0..18\n  ddrsim sweep my.toml --grid pledge.mdtf.delay=3,9 --out results/sw --resume\n  ddrsim sweep my.toml --grid pledge.mdtf.delay=3,9 --precision rerecruited=50\n  for k in 1 2 3; do ddrsim sweep my.toml --grid pledge.mdtf.delay=0..18:7 --shard $k/3 --out sw/shards/$k; done\n  ddrsim sweep --merge sw/shards/* --out sw/results\nDocs: docs/sweep.md."
    )]
    Sweep(SweepArgs),
    /// Scenario discovery: where in the scenario's uncertainty does a policy's effect beat a threshold (PRIM).
    #[command(
        after_help = "The threshold is stated in the outcome's better direction: for a lower-is-better outcome\n(rerecruited, peak_waiting, relapse, ...) `--threshold 500` asks where the policy cuts it by\nmore than 500; for a higher-is-better one (completed, ...) where it raises it by more than 500.\nA negative threshold asks where the policy does not make it worse by more than |X|.\n\nExamples:\n  ddrsim discover scenarios/default.toml --policy kickstart-12m --outcome rerecruited --threshold 500\n  ddrsim discover my.toml --policy kick --outcome completed --threshold 1000 --vary pledge.mdtf.delay=0..18 --points 800 -n 40\nDocs: docs/discover.md."
    )]
    Discover(DiscoverArgs),
    /// Rank the scenario's uncertain parameters by their influence on an outcome or a policy's effect (Morris or Sobol').
    #[command(
        after_help = "Examples:\n  ddrsim sensitivity --policy kickstart-12m\n  ddrsim sensitivity scenarios/liberia-2003.toml --outcome completed --trajectories 20\n  ddrsim sensitivity --method sobol --samples 512 --policy kickstart-12m\n  ddrsim sensitivity scenarios/bench-fixed.toml --vary pledge.mdtf.fulfilment=0.3..1 --vary pledge.mdtf.delay=0..18\nDocs: docs/sensitivity.md."
    )]
    Sensitivity(SensitivityArgs),
    /// Does the kick-start change outcomes? The paired effect over the scenario's parameter uncertainty, with a verdict per headline outcome.
    #[command(
        after_help = "Examples:\n  ddrsim claim\n  ddrsim claim scenarios/liberia-2003.toml --draws 800 --per-draw 10\n  ddrsim claim --policy kickstart-12m --precision rerecruited=50 --json\nDocs: docs/claim.md."
    )]
    Claim(ClaimArgs),
    /// Write explorer.html: one self-contained page to explore a sweep's effects.
    #[command(
        after_help = "Example:\n  ddrsim sweep my.toml --grid pledge.late.delay=2,6,10 --out results/sw\n  ddrsim explore results/sw   # writes results/sw/explorer.html\nDocs: docs/sweep.md."
    )]
    Explore(ExploreArgs),
    /// Fit the shared behavioural block to observed outcomes of several programmes (ABC-SMC).
    #[command(
        after_help = "Examples:\n  ddrsim calibrate calibration/targets.toml\n  ddrsim calibrate calibration/targets.toml --leave-out angola --out output/calibration-no-angola\n  ddrsim run --params output/calibration/posterior.csv\nDocs: docs/calibration.md."
    )]
    Calibrate(CalibrateArgs),
    /// Redraw the charts and report.html of an output folder from its CSV files.
    #[command(after_help = "Example:\n  ddrsim plot output/default")]
    Plot(PlotArgs),
    /// Check scenario files without running them.
    #[command(after_help = "Example:\n  ddrsim validate scenarios/*.toml")]
    Validate(ValidateArgs),
    /// Merge the shard folders of a sharded run into the outputs of a single run.
    #[command(
        after_help = "Example:\n  for k in 1 2 3 4; do ddrsim run my.toml --shard $k/4 --out shards/$k; done\n  ddrsim merge shards/* --out results/my-run"
    )]
    Merge(MergeArgs),
    /// Print the JSON Schema of the scenario file format.
    #[command(after_help = "Example:\n  ddrsim schema > scenario.schema.json")]
    Schema,
    /// Write a commented starter scenario to edit.
    #[command(after_help = "Example:\n  ddrsim new my-country && ddrsim validate my-country.toml")]
    New(NewArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Examples:\n  ddrsim completions bash > ~/.local/share/bash-completion/completions/ddrsim\n  ddrsim completions zsh > ~/.zfunc/_ddrsim\n  ddrsim completions fish > ~/.config/fish/completions/ddrsim.fish"
    )]
    Completions(CompletionsArgs),
    /// Write the manual page (roff) to stdout, or one page per command into a folder.
    #[command(
        after_help = "Examples:\n  ddrsim man | man -l -\n  ddrsim man --out ~/.local/share/man/man1"
    )]
    Man(ManArgs),
}

/// Arguments of `ddrsim run`.
#[derive(Debug, Args, Default, Clone)]
pub struct RunArgs {
    /// Scenario file (TOML). Default: the bundled default scenario.
    pub scenario: Option<PathBuf>,
    /// Number of replicates (default: the scenario's `replicates`).
    #[arg(short = 'n', long)]
    pub replicates: Option<u64>,
    /// Master seed (default: the scenario's `seed`).
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores; at most 4 x cores and 256). Results do not depend on it.
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario name>). Replaced as a whole.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// No progress bar and no table on stdout.
    #[arg(short, long)]
    pub quiet: bool,
    /// Skip charts and report.html (CSV and manifest only).
    #[arg(long)]
    pub no_charts: bool,
    /// Channel decomposition of every policy's effect (channels.csv): `auto`
    /// runs it when it costs at most 100,000 simulated policy-replicates
    /// (about a minute on 2 cores), `on` always, `off` never.
    #[arg(long, value_enum, default_value_t = ChannelsMode::Auto)]
    pub channels: ChannelsMode,
    /// Override a scenario value (repeatable): `--set pledge.mdtf.delay=9`,
    /// `--set group.*.hazard.dropout=0.02`, `--set shared.rerecruit=0.004`,
    /// `--set policy.kickstart-12m.kickstart.amount=20e6`. Values in the
    /// file's syntax (numbers, "a to b", { dist = ... }); see docs/scenario-format.md.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<ddrsim::scenario::overrides::Override>,
    /// Print a machine-readable JSON summary on stdout instead of the table
    /// (progress, notes and warnings go to stderr).
    #[arg(long)]
    pub json: bool,
    /// Replicate rows: `csv` (replicates.csv), `gz` (replicates.csv.gz) or
    /// `none`. Default: csv below 10,000 replicates, gz from 10,000.
    #[arg(long, value_enum)]
    pub replicates_csv: Option<RowsMode>,
    /// Run only shard K of N (contiguous block of replicates, indices as in
    /// a single run) and write a shard folder for `ddrsim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Take the shared draws from a calibration posterior (posterior.csv of
    /// `ddrsim calibrate`): replicate i uses a weighted resample of its rows
    /// keyed on i, every other value comes from the scenario. No channel
    /// decomposition. Docs: docs/calibration.md.
    #[arg(long, value_name = "POSTERIOR_CSV")]
    pub params: Option<PathBuf>,
    /// Add replicates in batches of 250 after the first `--replicates` until
    /// the 95% half-width of every policy's paired difference vs the
    /// baseline on METRIC is below X (e.g. `rerecruited=50`). The result
    /// equals a plain run with the replicates used (docs/outputs.md).
    #[arg(long, value_name = "METRIC=X", conflicts_with = "shard")]
    pub precision: Option<String>,
    /// Most replicates `--precision` may use.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_replicates: u64,
}

/// Arguments of `ddrsim calibrate`.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Targets file (TOML; format in docs/calibration.md).
    pub targets: PathBuf,
    /// Fit without this programme's targets; they are still predicted (out of sample).
    #[arg(long, value_name = "PROGRAMME")]
    pub leave_out: Option<String>,
    /// Particles per generation (default: the file's `particles`).
    #[arg(long)]
    pub particles: Option<usize>,
    /// Generations after the prior one (default: the file's `generations`).
    #[arg(long)]
    pub generations: Option<usize>,
    /// Master seed (default: the file's `seed`).
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/calibration, or output/calibration-without-PROGRAMME).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// No progress on stderr and no table on stdout.
    #[arg(short, long)]
    pub quiet: bool,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
}

/// How replicate rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RowsMode {
    /// Not at all.
    None,
    /// replicates.csv.
    Csv,
    /// replicates.csv.gz.
    Gz,
}

impl RowsMode {
    /// The library's mode.
    pub fn mode(self) -> ddrsim::output::replicates::ReplicatesCsv {
        use ddrsim::output::replicates::ReplicatesCsv;
        match self {
            RowsMode::None => ReplicatesCsv::None,
            RowsMode::Csv => ReplicatesCsv::Csv,
            RowsMode::Gz => ReplicatesCsv::Gz,
        }
    }
}

/// Arguments of `ddrsim merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard folders written by `ddrsim run --shard K/N` (every K once).
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder. Replaced as a whole.
    #[arg(short, long)]
    pub out: PathBuf,
    /// Replicate rows: csv, gz or none. Default: csv below 10,000
    /// replicates, gz from 10,000 (none if the shards wrote none).
    #[arg(long, value_enum)]
    pub replicates_csv: Option<RowsMode>,
    /// No table on stdout.
    #[arg(short, long)]
    pub quiet: bool,
    /// Skip charts and report.html (CSV and manifest only).
    #[arg(long)]
    pub no_charts: bool,
}

/// When `run` computes the channel decomposition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ChannelsMode {
    /// When it is cheap enough (see `--channels`).
    #[default]
    Auto,
    /// Always.
    On,
    /// Never.
    Off,
}

/// Arguments of `ddrsim plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// An output folder written by `ddrsim run`.
    pub dir: PathBuf,
}

/// Arguments of `ddrsim validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Override a value in every file before checking it (repeatable; as on `run`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<ddrsim::scenario::overrides::Override>,
}

/// Arguments of `ddrsim new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Scenario name (letters, digits, '-', '_'); the file is NAME.toml.
    pub name: String,
    /// Write to this path instead of NAME.toml.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `ddrsim completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `ddrsim man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `ddrsim.1` and one `ddrsim-<command>.1` per command into this
    /// folder (created if missing) instead of printing `ddrsim.1` to stdout.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `ddrsim sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (TOML). Default: the bundled default scenario.
    pub scenario: Option<PathBuf>,
    /// A swept key and its levels (repeatable; the points are every
    /// combination): `key=a,b,c` or `key=lo..hi:n` (n evenly spaced levels).
    #[arg(long, value_name = "KEY=LEVELS", value_parser = ddrsim::experiment::parse_grid, conflicts_with = "lhs")]
    pub grid: Vec<ddrsim::experiment::Factor>,
    /// A Latin hypercube of N points instead of a grid: over the `--vary`
    /// ranges, or without `--vary` over the scenario's own uncertain
    /// parameters (each point fixes every one of them).
    #[arg(long, value_name = "N")]
    pub lhs: Option<usize>,
    /// A range for `--lhs` (repeatable): `key=lo..hi`.
    #[arg(long, value_name = "KEY=LO..HI", value_parser = ddrsim::experiment::parse_vary, requires = "lhs")]
    pub vary: Vec<ddrsim::experiment::Range>,
    /// Override a scenario value at every point (repeatable), as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<ddrsim::scenario::overrides::Override>,
    /// Replicates per point (default: the scenario's `replicates`).
    #[arg(short = 'n', long)]
    pub replicates: Option<u64>,
    /// Master seed, the same at every point (default: the scenario's `seed`).
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario name>-sweep).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Complete an interrupted sweep in its output folder: the plan must
    /// match; only the missing points run.
    #[arg(long)]
    pub resume: bool,
    /// Replace an existing sweep folder (one holding sweep.json).
    #[arg(long, conflicts_with = "resume")]
    pub force: bool,
    /// Policy whose paired effect the charts show (default: the first
    /// policy after the baseline).
    #[arg(long)]
    pub policy: Option<String>,
    /// Metric the charts show (default: rerecruited).
    #[arg(long, default_value = "rerecruited")]
    pub metric: String,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Skip the charts.
    #[arg(long)]
    pub no_charts: bool,
    /// Take the shared draws from a calibration posterior (posterior.csv of
    /// `ddrsim calibrate`) at every point, as `run --params` does; the sweep
    /// may not vary a draw the file sets.
    #[arg(long, value_name = "POSTERIOR_CSV")]
    pub params: Option<PathBuf>,
    /// Run only shard K of N of the design's points (a fixed shuffle of the
    /// points dealt out in turn, listed in the shard's sweep.json) into its
    /// own folder; `sweep --merge` assembles the shards (docs/sweep.md).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Assemble the shard folders of a sharded sweep (every K of N once, same
    /// plan) into one sweep folder `--out`: sweep.csv, point files, charts.
    #[arg(
        long,
        value_name = "SHARD_DIR",
        num_args = 1..,
        conflicts_with_all = ["scenario", "grid", "lhs", "vary", "set", "replicates", "seed", "resume", "shard", "params", "precision", "threads"]
    )]
    pub merge: Vec<PathBuf>,
    /// At each point, add replicates in batches of 250 after the first
    /// `--replicates` until the 95% half-width of every policy's paired
    /// difference vs the baseline on METRIC is below X (e.g.
    /// `rerecruited=50`); sweep.csv gives the replicates used per point.
    #[arg(long, value_name = "METRIC=X")]
    pub precision: Option<String>,
    /// Most replicates `--precision` may use at a point.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_replicates: u64,
}

/// Arguments of `ddrsim explore`.
#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// A sweep output folder (holding sweep.json and sweep.csv).
    pub sweep_dir: PathBuf,
    /// Output file (default: SWEEP_DIR/explorer.html).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// No message on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Arguments of `ddrsim claim`.
#[derive(Debug, Args, Clone)]
pub struct ClaimArgs {
    /// Scenario file (TOML). Default: the bundled default scenario.
    pub scenario: Option<PathBuf>,
    /// Policy tested against the baseline (default: the first added
    /// kick-start without an offset, else the first kick-start).
    #[arg(long)]
    pub policy: Option<String>,
    /// Parameter draws P (each from the scenario's distributions).
    #[arg(long, value_name = "P", default_value_t = 400)]
    pub draws: u64,
    /// Process replicates Q per parameter draw.
    #[arg(long, value_name = "Q", default_value_t = 20)]
    pub per_draw: u64,
    /// Add parameter draws in batches of 50 until the 95% half-width of the
    /// policy's mean effect on METRIC is below X (e.g. `rerecruited=50`);
    /// `--draws` is then the minimum.
    #[arg(long, value_name = "METRIC=X")]
    pub precision: Option<String>,
    /// Most parameter draws `--precision` may use.
    #[arg(long, value_name = "P", default_value_t = 5000)]
    pub max_draws: u64,
    /// Master seed (default: the scenario's `seed`).
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario name>-claim). Replaced as a whole.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Override a scenario value (repeatable), as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<ddrsim::scenario::overrides::Override>,
    /// Replicates of the channel decomposition (0 = skip it).
    #[arg(long, value_name = "N", default_value_t = 300)]
    pub channel_replicates: u64,
    /// Take the shared draws from a calibration posterior (posterior.csv of
    /// `ddrsim calibrate`): draw p uses a weighted resample of its rows keyed
    /// on p, every other value comes from the scenario. The channel
    /// decomposition and the Morris/Sobol' drivers (which draw the scenario's
    /// own independent ranges) are then skipped.
    #[arg(long, value_name = "POSTERIOR_CSV")]
    pub params: Option<PathBuf>,
    /// How to find the parameters the effect on re-recruitment depends on:
    /// Morris (10 trajectories, seconds), Sobol' (N = 256, minutes) or none.
    #[arg(long, value_enum, default_value_t = SensitivityMethodOrNone::Morris)]
    pub drivers: SensitivityMethodOrNone,
    /// Print a machine-readable JSON summary on stdout instead of the answer.
    #[arg(long)]
    pub json: bool,
    /// No progress and no answer on stdout.
    #[arg(short, long)]
    pub quiet: bool,
    /// Skip the chart and report.html (CSV and manifest only).
    #[arg(long)]
    pub no_charts: bool,
}

/// The sensitivity analysis `ddrsim claim` runs for its drivers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SensitivityMethodOrNone {
    /// Morris elementary effects.
    #[default]
    Morris,
    /// Sobol' total and first-order indices.
    Sobol,
    /// No sensitivity analysis.
    None,
}

/// Method of `ddrsim sensitivity`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum SensitivityMethod {
    /// Morris elementary effects (mu*, sigma): cheap screening.
    #[default]
    Morris,
    /// Sobol' first-order and total indices: variance shares, costlier.
    Sobol,
}

/// Arguments of `ddrsim sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// Scenario file (TOML). Default: the bundled default scenario.
    pub scenario: Option<PathBuf>,
    /// Morris elementary effects or Sobol' indices.
    #[arg(long, value_enum, default_value_t = SensitivityMethod::Morris)]
    pub method: SensitivityMethod,
    /// Outcome analysed (a total metric of summary.csv, e.g. rerecruited,
    /// completed, relapse, peak_waiting).
    #[arg(long, default_value = "rerecruited")]
    pub outcome: String,
    /// Analyse this policy's paired effect on the outcome (policy minus
    /// baseline) instead of the baseline's outcome.
    #[arg(long)]
    pub policy: Option<String>,
    /// Sobol' base sample N, a power of 2; N x (factors + 2) points
    /// [default: 256; only with --method sobol].
    #[arg(long, value_name = "N")]
    pub samples: Option<usize>,
    /// Morris trajectories r; r x (factors + 1) points [default: 10; only
    /// with --method morris].
    #[arg(long, value_name = "R")]
    pub trajectories: Option<usize>,
    /// Process replicates per design point (the same random streams at every point).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub replicates: u64,
    /// Master seed (default: the scenario's `seed`).
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario name>-sensitivity). Replaced as a whole.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Override a scenario value (repeatable), as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<ddrsim::scenario::overrides::Override>,
    /// Make a value uncertain, uniform on lo..hi (repeatable): `key=lo..hi`.
    #[arg(long, value_name = "KEY=LO..HI", value_parser = ddrsim::experiment::parse_vary)]
    pub vary: Vec<ddrsim::experiment::Range>,
    /// No progress and no table.
    #[arg(short, long)]
    pub quiet: bool,
    /// Skip the chart.
    #[arg(long)]
    pub no_charts: bool,
}

/// Arguments of `ddrsim discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Scenario file (TOML). Default: the bundled default scenario.
    pub scenario: Option<PathBuf>,
    /// Policy whose paired effect against the baseline is studied (default:
    /// the first policy after the baseline).
    #[arg(long)]
    pub policy: Option<String>,
    /// Outcome (a total metric of summary.csv, e.g. rerecruited, completed,
    /// peak_waiting, mean_wait_months, relapse).
    #[arg(long, default_value = "rerecruited")]
    pub outcome: String,
    /// A world is a case when the policy's mean paired effect beats this, in
    /// the outcome's better direction and printed unit: for a
    /// lower-is-better outcome, when the policy cuts it by more than X; for
    /// a higher-is-better one, when it raises it by more than X.
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    pub threshold: f64,
    /// Worlds in the Latin hypercube over the scenario's uncertain parameters.
    #[arg(long, default_value_t = 1000)]
    pub points: usize,
    /// Process replicates per world (the same random streams in every world).
    #[arg(short = 'n', long, default_value_t = 20)]
    pub replicates: u64,
    /// Make a fixed key uncertain, uniform on lo..hi (repeatable): applied as
    /// `--set key={ dist = "uniform", min = lo, max = hi }`.
    #[arg(long, value_name = "KEY=LO..HI", value_parser = ddrsim::experiment::parse_vary)]
    pub vary: Vec<ddrsim::experiment::Range>,
    /// Override a scenario value (repeatable), as for `run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<ddrsim::scenario::overrides::Override>,
    /// Choose the box of highest coverage whose density (share of its
    /// worlds that are cases) is at least D, instead of the knee of the
    /// peeling trajectory.
    #[arg(long, value_name = "D")]
    pub min_density: Option<f64>,
    /// Bootstrap resamples of the stability check.
    #[arg(long, default_value_t = 50)]
    pub resamples: usize,
    /// Master seed (default: the scenario's `seed`).
    #[arg(short, long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario name>-discover). Replaced as a whole.
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// No progress on stderr and no summary on stdout.
    #[arg(short, long)]
    pub quiet: bool,
    /// Skip the chart.
    #[arg(long)]
    pub no_charts: bool,
}
