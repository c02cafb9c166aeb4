//! Sharded runs (issue 11): shards run as separate processes and merged
//! give the bytes of a single run; incomplete, duplicated or mismatched
//! sets are refused; `--replicates-csv`; the cluster scripts parse.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

const SCENARIO: &str = "tests/fixtures/gap.toml";
const REPLICATES: &str = "130";

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

/// A single run of the fixture into `out`.
fn single(out: &Path, extra: &[&str]) {
    ddrsim()
        .args(["run", SCENARIO, "--quiet", "--no-charts", "-n", REPLICATES])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

/// Shards `ks` of `n` of the fixture, each a separate process, into `dir/K`.
fn shards(dir: &Path, ks: &[u64], n: u64, extra: &[&str]) -> Vec<PathBuf> {
    ks.iter()
        .map(|k| {
            let out = dir.join(k.to_string());
            ddrsim()
                .args(["run", SCENARIO, "--quiet", "-n", REPLICATES, "-j", "1"])
                .args(["--shard", &format!("{k}/{n}")])
                .args(extra)
                .arg("--out")
                .arg(&out)
                .assert()
                .success();
            out
        })
        .collect()
}

/// `ddrsim merge DIRS... --out OUT EXTRA`.
fn merge(dirs: &[PathBuf], out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    ddrsim()
        .arg("merge")
        .args(dirs)
        .arg("--out")
        .arg(out)
        .args(["--quiet"])
        .args(extra)
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

/// Names of the files of `dir` ending in `suffix`, sorted.
fn files(dir: &Path, suffix: &str) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("output folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(suffix))
        .collect();
    v.sort();
    v
}

#[test]
fn four_shards_merged_give_the_bytes_of_one_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let one = tmp.path().join("one");
    single(&one, &["--channels", "on", "-j", "2"]);
    let dirs = shards(
        &tmp.path().join("shards"),
        &[1, 2, 3, 4],
        4,
        &["--channels", "on"],
    );
    let merged = tmp.path().join("merged");
    merge(&dirs, &merged, &[]).success();
    let csvs = files(&one, ".csv");
    for f in [
        "summary.csv",
        "comparison.csv",
        "timeseries.csv",
        "funding.csv",
        "replicates.csv",
        "channels.csv",
    ] {
        assert!(
            csvs.contains(&f.to_string()),
            "{f} written by the single run"
        );
    }
    assert_eq!(files(&merged, ".csv"), csvs);
    for f in &csvs {
        let a = fs::read(one.join(f)).expect("single run file");
        let b = fs::read(merged.join(f)).expect("merged file");
        assert!(
            a == b,
            "{f} differs between the single run and the merge of 4 shards"
        );
    }
    // Merge draws the charts and the report unless told not to.
    assert!(merged.join("report.html").is_file());
    assert!(merged.join("charts").is_dir());
    // The manifest describes the whole run.
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(merged.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(m["replicates"], 130);
    assert_eq!(m["first_replicate"], 0);
}

#[test]
fn gzip_rows_of_shards_merge_to_the_bytes_of_one_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let one = tmp.path().join("one");
    single(&one, &["--channels", "off", "--replicates-csv", "gz"]);
    let plain = tmp.path().join("plain");
    single(&plain, &["--channels", "off"]);
    assert!(!one.join("replicates.csv").exists());
    let dirs = shards(
        &tmp.path().join("shards"),
        &[1, 2, 3],
        3,
        &["--channels", "off", "--replicates-csv", "gz"],
    );
    let merged = tmp.path().join("merged");
    merge(&dirs, &merged, &["--no-charts", "--replicates-csv", "gz"]).success();
    let a = fs::read(one.join("replicates.csv.gz")).expect("single run rows");
    let b = fs::read(merged.join("replicates.csv.gz")).expect("merged rows");
    assert!(
        a == b,
        "replicates.csv.gz differs between the single run and the merge"
    );
    // The compressed rows are the plain rows.
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&a[..]), &mut text).expect("gzip");
    assert_eq!(
        text,
        fs::read(plain.join("replicates.csv")).expect("plain rows")
    );
    // Charts read the compressed rows: `plot` on the gz folder succeeds.
    ddrsim().arg("plot").arg(&one).assert().success();
}

#[test]
fn replicates_csv_none_writes_no_rows_and_merge_follows() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let one = tmp.path().join("one");
    single(&one, &["--channels", "off", "--replicates-csv", "none"]);
    assert!(files(&one, "").iter().all(|f| !f.starts_with("replicates")));
    // Charts and the report are drawn without rows.
    ddrsim().arg("plot").arg(&one).assert().success();
    let dirs = shards(
        &tmp.path().join("shards"),
        &[1, 2],
        2,
        &["--channels", "off", "--replicates-csv", "none"],
    );
    let a = merge(
        &dirs,
        &tmp.path().join("m1"),
        &["--no-charts", "--replicates-csv", "csv"],
    )
    .failure();
    assert!(
        stderr(&a).contains("hold no replicate rows"),
        "{}",
        stderr(&a)
    );
    merge(&dirs, &tmp.path().join("m2"), &["--no-charts"]).success();
    assert_eq!(
        fs::read(one.join("summary.csv")).expect("single"),
        fs::read(tmp.path().join("m2/summary.csv")).expect("merged")
    );
}

#[test]
fn incomplete_duplicated_or_mismatched_sets_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dirs = shards(
        &tmp.path().join("s"),
        &[1, 2, 3, 4],
        4,
        &["--channels", "off"],
    );
    let out = tmp.path().join("merged");

    let a = merge(&dirs[..3], &out, &["--no-charts"]).failure();
    let e = stderr(&a);
    assert!(
        e.contains("incomplete set") && e.contains("missing shard 4/4 (replicates 97 to 129)"),
        "{e}"
    );

    let dup = [
        dirs[0].clone(),
        dirs[1].clone(),
        dirs[1].clone(),
        dirs[2].clone(),
        dirs[3].clone(),
    ];
    let e = stderr(&merge(&dup, &out, &["--no-charts"]).failure());
    assert!(e.contains("shard 2/4 is given twice"), "{e}");

    let other = shards(
        &tmp.path().join("seed"),
        &[4],
        4,
        &["--channels", "off", "--seed", "99"],
    );
    let mixed = [
        dirs[0].clone(),
        dirs[1].clone(),
        dirs[2].clone(),
        other[0].clone(),
    ];
    let e = stderr(&merge(&mixed, &out, &["--no-charts"]).failure());
    assert!(e.contains("not from the same run: the seed is 99"), "{e}");

    let e = stderr(&merge(&[tmp.path().to_path_buf()], &out, &["--no-charts"]).failure());
    assert!(e.contains("is not a shard folder"), "{e}");
    assert!(!out.exists(), "nothing written by a refused merge");

    let a = ddrsim()
        .args(["run", SCENARIO, "--quiet", "--shard", "5/4"])
        .arg("--out")
        .arg(tmp.path().join("bad"))
        .assert()
        .failure();
    assert!(stderr(&a).contains("--shard expects K/N"), "{}", stderr(&a));
}

/// The 2x3 grid sweep of the fixture used by the sweep-shard tests.
const SWEEP_GRID: [&str; 6] = [
    "--grid",
    "policy.kick.kickstart.months=6,12",
    "--grid",
    "pledge.early.delay=2,6,10",
    "-n",
    "40",
];

/// `ddrsim sweep` of the fixture's 2x3 grid into `out`, as its own process.
fn sweep(out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    ddrsim()
        .args(["sweep", SCENARIO, "--quiet"])
        .args(SWEEP_GRID)
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
}

/// Sweep shards `ks` of `n`, each its own process, into `dir/K`.
fn sweep_shards(dir: &Path, ks: &[u64], n: u64, extra: &[&str]) -> Vec<PathBuf> {
    ks.iter()
        .map(|k| {
            let out = dir.join(k.to_string());
            let shard = format!("{k}/{n}");
            sweep(&out, &[&["-j", "1", "--shard", &shard], extra].concat()).success();
            out
        })
        .collect()
}

/// `ddrsim sweep --merge DIRS... --out OUT`.
fn sweep_merge(dirs: &[PathBuf], out: &Path) -> assert_cmd::assert::Assert {
    ddrsim()
        .args(["sweep", "--quiet", "--merge"])
        .args(dirs)
        .arg("--out")
        .arg(out)
        .assert()
}

#[test]
fn three_sweep_shards_merged_give_the_bytes_of_one_sweep() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let one = tmp.path().join("one");
    sweep(&one, &["-j", "2"]).success();
    // Run out of order, as array tasks may be.
    let dirs = sweep_shards(&tmp.path().join("shards"), &[3, 1, 2], 3, &[]);
    // A shard folder holds only its own points and draws no chart.
    let plan: serde_json::Value =
        serde_json::from_slice(&fs::read(dirs[0].join("sweep.json")).expect("plan")).expect("json");
    let own: Vec<u64> = plan["shard"]["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| p.as_u64().expect("point"))
        .collect();
    assert_eq!(own.len(), 2);
    assert_eq!(files(&dirs[0].join("points"), ".csv").len(), 2);
    assert!(!dirs[0].join("sweep-heatmap.png").exists());
    let merged = tmp.path().join("merged");
    sweep_merge(&dirs, &merged).success();
    let mut compared = vec!["sweep.csv".to_string(), "sweep.json".to_string()];
    compared.push("scenario.toml".to_string());
    compared.extend(
        files(&one.join("points"), ".csv")
            .iter()
            .map(|f| format!("points/{f}")),
    );
    assert_eq!(compared.len(), 3 + 6);
    assert_eq!(
        files(&merged.join("points"), ".csv"),
        files(&one.join("points"), ".csv")
    );
    for f in &compared {
        let a = fs::read(one.join(f)).expect("unsharded sweep file");
        let b = fs::read(merged.join(f)).expect("merged file");
        assert!(
            a == b,
            "{f} differs between the sweep and the merge of 3 shards"
        );
    }
    assert!(merged.join("sweep-heatmap.png").is_file());
    // The merged folder is a sweep folder: --resume finds nothing to do.
    sweep(&merged, &["--resume", "--no-charts"]).success();
    assert_eq!(
        fs::read(merged.join("sweep.csv")).expect("after resume"),
        fs::read(one.join("sweep.csv")).expect("one")
    );
}

#[test]
fn an_incomplete_duplicated_or_mismatched_set_of_sweep_shards_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dirs = sweep_shards(&tmp.path().join("s"), &[1, 2, 3], 3, &[]);
    let out = tmp.path().join("merged");
    let points_of = |d: &Path| -> Vec<String> {
        let plan: serde_json::Value =
            serde_json::from_slice(&fs::read(d.join("sweep.json")).expect("plan")).expect("json");
        plan["shard"]["points"]
            .as_array()
            .expect("points")
            .iter()
            .map(|p| p.to_string())
            .collect()
    };

    // Shard 2 missing: the message names it and its points.
    let e = stderr(&sweep_merge(&[dirs[0].clone(), dirs[2].clone()], &out).failure());
    let pts = points_of(&dirs[1]).join(", ");
    assert!(
        e.contains("incomplete set of shards")
            && e.contains(&format!("points {pts}: shard 2/3 is not given")),
        "{e}"
    );

    // A shard given twice.
    let dup = [
        dirs[0].clone(),
        dirs[1].clone(),
        dirs[1].clone(),
        dirs[2].clone(),
    ];
    let e = stderr(&sweep_merge(&dup, &out).failure());
    assert!(e.contains("shard 2/3 is given twice"), "{e}");

    // A shard with an unfinished point (killed before it): named, with --resume.
    let third = points_of(&dirs[2]);
    let p: usize = third[0].parse().expect("point");
    let file = dirs[2].join(format!("points/{p:04}.csv"));
    let saved = fs::read(&file).expect("point file");
    fs::remove_file(&file).expect("rm");
    let e = stderr(&sweep_merge(&dirs, &out).failure());
    assert!(
        e.contains(&format!("points {p}: shard 3/3"))
            && e.contains("has not finished")
            && e.contains("--resume"),
        "{e}"
    );
    fs::write(&file, saved).expect("restore");

    // A shard of another plan (seed, precision) is refused, naming the field.
    let other = tmp.path().join("seed");
    sweep(&other, &["--shard", "3/3", "--seed", "99"]).success();
    let e = stderr(&sweep_merge(&[dirs[0].clone(), dirs[1].clone(), other], &out).failure());
    assert!(
        e.contains("not shards of the same sweep") && e.contains("seed"),
        "{e}"
    );
    let other = tmp.path().join("precision");
    sweep(
        &other,
        &[
            "--shard",
            "3/3",
            "--precision",
            "rerecruited=100",
            "--max-replicates",
            "40",
        ],
    )
    .success();
    let e = stderr(&sweep_merge(&[dirs[0].clone(), dirs[1].clone(), other], &out).failure());
    assert!(e.contains("precision"), "{e}");
    // Another N.
    let other = tmp.path().join("n4");
    sweep(&other, &["--shard", "3/4"]).success();
    let e = stderr(&sweep_merge(&[dirs[0].clone(), dirs[1].clone(), other], &out).failure());
    assert!(e.contains("share N"), "{e}");
    // A whole sweep, and a folder that is no sweep.
    let whole = tmp.path().join("whole");
    sweep(&whole, &["--no-charts"]).success();
    let e = stderr(&sweep_merge(&[whole], &out).failure());
    assert!(e.contains("not a shard"), "{e}");
    let e = stderr(&sweep_merge(&[tmp.path().to_path_buf()], &out).failure());
    assert!(e.contains("is not a sweep shard folder"), "{e}");
    let e = stderr(
        &ddrsim()
            .args(["sweep", "--merge"])
            .args(&dirs)
            .assert()
            .failure(),
    );
    assert!(e.contains("--merge needs --out"), "{e}");
    let e = stderr(&sweep(&tmp.path().join("bad"), &["--shard", "4/3"]).failure());
    assert!(e.contains("--shard expects K/N"), "{e}");
    assert!(!out.exists(), "nothing written by a refused merge");

    // The complete set merges; an existing folder is replaced only with --force.
    sweep_merge(&dirs, &out).success();
    let e = stderr(&sweep_merge(&dirs, &out).failure());
    assert!(e.contains("--force"), "{e}");
    ddrsim()
        .args(["sweep", "--quiet", "--force", "--merge"])
        .args(&dirs)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    // Two processes never write one sweep folder at once.
    let lock = fs::File::open(dirs[0].join(".sweep.lock")).expect("lock file");
    lock.lock().expect("hold the lock");
    let e = stderr(&sweep(&dirs[0], &["--shard", "1/3", "--resume"]).failure());
    assert!(e.contains("being written by another ddrsim sweep"), "{e}");
}

#[test]
fn cluster_scripts_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/slurm");
    let scripts = files(&dir, ".sh");
    assert!(
        scripts.len() >= 3,
        "examples/slurm has its scripts: {scripts:?}"
    );
    for s in &scripts {
        let out = std::process::Command::new("bash")
            .arg("-n")
            .arg(dir.join(s))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "bash -n {s}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let array = fs::read_to_string(dir.join("shards.sh")).expect("shards.sh");
    assert!(array.contains("#SBATCH --array=1-"));
    assert!(array.contains("--shard \"$SLURM_ARRAY_TASK_ID/"));
    let submit = fs::read_to_string(dir.join("submit.sh")).expect("submit.sh");
    assert!(submit.contains("--dependency=afterok:"));
    let sweep = fs::read_to_string(dir.join("sweep-shards.sh")).expect("sweep-shards.sh");
    assert!(sweep.contains("#SBATCH --array=1-"));
    assert!(sweep.contains("--shard \"$SLURM_ARRAY_TASK_ID/"));
    let merge = fs::read_to_string(dir.join("sweep-merge.sh")).expect("sweep-merge.sh");
    assert!(merge.contains("sweep --merge"));
    let submit = fs::read_to_string(dir.join("sweep-submit.sh")).expect("sweep-submit.sh");
    assert!(submit.contains("--dependency=afterok:") && submit.contains("sweep-merge.sh"));
}

#[test]
fn a_shard_state_of_another_layout_is_refused_not_indexed() {
    use ddrsim::output::shard::{read_state, write_state, STATE_FILE};
    let tmp = tempfile::tempdir().expect("tempdir");
    let dirs = shards(&tmp.path().join("s"), &[1, 2], 2, &[]);
    let out = tmp.path().join("merged");
    let path = dirs[1].join(STATE_FILE);
    let good = read_state(&path).expect("state");

    // One outcome column fewer for the baseline: decodable, wrong layout.
    let mut state = good.clone();
    state.acc.policies[0]
        .outcomes
        .pop()
        .expect("an outcome column");
    write_state(&path, &state).expect("write");
    let e = stderr(&merge(&dirs, &out, &["--no-charts"]).failure());
    assert!(
        e.contains("holds accumulators laid out for another scenario"),
        "{e}"
    );

    // A channel decomposition with a metric row missing.
    let mut state = good.clone();
    let channels = state.channels.as_mut().expect("channels ran");
    channels.rows[0][0].pop().expect("a row");
    write_state(&path, &state).expect("write");
    let e = stderr(&merge(&dirs, &out, &["--no-charts"]).failure());
    assert!(
        e.contains("holds accumulators laid out for another scenario"),
        "{e}"
    );
    assert!(!out.exists(), "nothing written by a refused merge");

    // The untouched state merges.
    write_state(&path, &good).expect("write");
    merge(&dirs, &out, &["--no-charts"]).success();
}

/// `ddrsim merge` given sweep shards points to `sweep --merge`.
#[test]
fn merge_of_sweep_shards_points_to_sweep_merge() {
    let dir = tempfile::tempdir().expect("tmp");
    let dirs = sweep_shards(dir.path(), &[1, 2], 2, &[]);
    let a = merge(&dirs, &dir.path().join("out"), &[]).failure();
    let err = stderr(&a);
    assert!(err.contains("sweep --merge"), "{err}");
    assert!(!dir.path().join("out").exists());
}
