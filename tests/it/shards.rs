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
