//! Output folders under faults: signals (exit 130/143, nothing half
//! written), a kill between the two renames of a commit (the next run puts
//! the previous results back), the advisory lock against a concurrent run,
//! a scenario name too long for a folder name, and write errors that name
//! the file.

use ddrsim::output::atomic::{siblings, StagedDir, MAX_FOLDER_NAME};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ddrsim");

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `ddrsim run tests/fixtures/gap.toml --quiet --no-charts --out <out> <extra>`.
fn run_gap(out: &Path, extra: &[&str]) -> Output {
    Command::new(BIN)
        .args(["run", "--quiet", "--no-charts", "--threads", "1", "--out"])
        .arg(out)
        .arg(fixture("tests/fixtures/gap.toml"))
        .args(extra)
        .output()
        .expect("run ddrsim")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Hidden entries (staging folders, lock files, set-aside results) in `dir`.
fn hidden_entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// A run long enough to be interrupted, writing into `out`.
fn spawn_long(out: &Path) -> Child {
    Command::new(BIN)
        .args(["run", "--quiet", "--no-charts", "--threads", "1"])
        .args(["--replicates-csv", "csv", "-n", "100000000"])
        .arg("--out")
        .arg(out)
        .arg(fixture("tests/fixtures/gap.toml"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ddrsim")
}

/// Waits until `cond` holds (at most 60 s).
fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for `child` to exit (at most 60 s; killed and failed otherwise).
fn wait_exit(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            panic!("ddrsim did not stop within 60 s of the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(ok.success(), "kill -{name} failed");
}

/// Every file of an output folder, by name, with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("output folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    files.sort();
    files
}

#[cfg(unix)]
#[test]
fn sigterm_and_sigint_exit_143_and_130_and_a_concurrent_run_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    let o = run_gap(&out, &["-n", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = snapshot(&out);
    let staging = siblings(&out).expect("siblings").staging;
    for (name, code) in [("TERM", 143), ("INT", 130)] {
        let mut child = spawn_long(&out);
        wait_for("the run's staging folder", || {
            staging.join("replicates.csv").is_file()
        });
        // A second run into the same folder meanwhile is refused, naming the
        // folder and the process that holds it.
        let second = run_gap(&out, &["-n", "5"]);
        assert!(!second.status.success(), "a concurrent run must be refused");
        let msg = stderr(&second);
        assert!(
            msg.contains(&out.display().to_string())
                && msg.contains(&format!("process {}", child.id()))
                && msg.contains("another ddrsim run"),
            "refusal should name the folder and the other process: {msg}"
        );
        signal(&child, name);
        let status = wait_exit(&mut child);
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut err).ok();
        }
        assert_eq!(status.code(), Some(code), "SIG{name}: {status:?}; {err}");
        assert!(err.contains(&format!("SIG{name}")), "{err}");
        assert_eq!(
            snapshot(&out),
            before,
            "SIG{name}: previous results changed"
        );
        let left = hidden_entries(tmp.path());
        assert!(left.is_empty(), "SIG{name} left {left:?}");
    }
}

/// Output folder with a previous result and a sentinel file.
fn previous_output(tmp: &Path) -> (PathBuf, Vec<(String, Vec<u8>)>) {
    let out = tmp.join("o");
    let o = run_gap(&out, &["-n", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    fs::write(out.join("sentinel.txt"), "previous").expect("sentinel");
    let snap = snapshot(&out);
    (out, snap)
}

#[test]
fn results_left_aside_by_a_kill_between_the_renames_are_put_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (out, before) = previous_output(tmp.path());
    let sib = siblings(&out).expect("siblings");
    // The state a SIGKILL between the two renames of a commit leaves: the
    // previous results set aside, the target missing, a staging folder.
    fs::rename(&out, &sib.old).expect("set aside");
    fs::create_dir(&sib.staging).expect("staging");
    fs::write(sib.staging.join("summary.csv"), "half").expect("half");
    assert!(!out.exists());
    // Opening a staging folder (the first step of any run) puts them back,
    // and abandoning it leaves them as they were.
    let staged = StagedDir::new(&out, "manifest.json").expect("staged");
    assert!(staged.recovered());
    assert_eq!(snapshot(&out), before);
    assert!(!sib.old.exists());
    drop(staged);
    assert_eq!(snapshot(&out), before, "recovered results must be intact");
    assert!(hidden_entries(tmp.path()).is_empty());

    // Through the command: the run says so and then replaces them as usual.
    fs::rename(&out, &sib.old).expect("set aside");
    let o = run_gap(&out, &["-n", "5", "--seed", "99"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("put back the previous results"),
        "{}",
        stderr(&o)
    );
    assert!(out.join("manifest.json").is_file() && !out.join("sentinel.txt").exists());
    assert!(hidden_entries(tmp.path()).is_empty());
}

#[test]
fn results_set_aside_after_a_completed_commit_are_removed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (out, before) = previous_output(tmp.path());
    let sib = siblings(&out).expect("siblings");
    // Killed after the second rename: new results in place, old ones aside.
    fs::create_dir(&sib.old).expect("old");
    fs::write(sib.old.join("manifest.json"), "{}").expect("old manifest");
    let staged = StagedDir::new(&out, "manifest.json").expect("staged");
    assert!(!staged.recovered());
    assert!(!sib.old.exists());
    drop(staged);
    assert_eq!(snapshot(&out), before);
    assert!(hidden_entries(tmp.path()).is_empty());
}

#[test]
fn a_held_lock_refuses_a_run_and_names_the_folder_and_holder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (out, before) = previous_output(tmp.path());
    let lock_path = siblings(&out).expect("siblings").lock;
    let mut lock = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&lock_path)
        .expect("lock file");
    lock.try_lock().expect("take the lock");
    writeln!(lock, "{}", std::process::id()).expect("pid");
    let o = run_gap(&out, &["-n", "5"]);
    assert!(!o.status.success(), "a run into a locked folder must fail");
    let msg = stderr(&o);
    assert!(msg.contains(&out.display().to_string()), "{msg}");
    assert!(
        msg.contains(&format!("process {}", std::process::id())),
        "{msg}"
    );
    assert_eq!(snapshot(&out), before);
    // In the same process too (a second staging folder for the same target).
    assert!(StagedDir::new(&out, "manifest.json").is_err());
    drop(lock);
    let o = run_gap(&out, &["-n", "5"]);
    assert!(o.status.success(), "after release: {}", stderr(&o));
    assert!(hidden_entries(tmp.path()).is_empty());
}

#[test]
fn a_300_character_scenario_name_is_refused_and_a_long_one_runs_into_a_bounded_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = fs::read_to_string(fixture("tests/fixtures/gap.toml")).expect("fixture");
    let run = |name: &str| {
        let text = text.replacen("name = \"gap\"", &format!("name = \"{name}\""), 1);
        assert!(text.contains(name));
        let file = tmp.path().join("long.toml");
        fs::write(&file, text).expect("write");
        Command::new(BIN)
            .current_dir(tmp.path())
            .args(["run", "--quiet", "-n", "5", "--threads", "1"])
            .arg(&file)
            .output()
            .expect("run")
    };
    // 300 characters: refused by validation, naming the key; nothing written.
    let o = run(&"x".repeat(300));
    assert!(!o.status.success());
    assert!(stderr(&o).contains("scenario.name"), "{}", stderr(&o));
    assert!(
        !tmp.path().join("output").exists(),
        "an output folder was created"
    );
    // The longest accepted name runs into a bounded folder.
    let name = "x".repeat(64);
    let o = run(&name);
    assert!(o.status.success(), "{}", stderr(&o));
    let output = tmp.path().join("output");
    let folders: Vec<_> = fs::read_dir(&output)
        .expect("output/")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    let folder = &folders[0];
    assert!(folder.len() <= MAX_FOLDER_NAME && folder.starts_with("xxxx"));
    let manifest = fs::read_to_string(output.join(folder).join("manifest.json")).expect("m");
    assert!(manifest.contains(&name), "the manifest keeps the full name");
    assert!(output.join(folder).join("report.html").is_file());
}

#[cfg(unix)]
#[test]
fn a_write_error_names_the_file_and_folder_and_keeps_the_previous_results() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (out, before) = previous_output(tmp.path());
    // A file size limit of 8 blocks (4 or 8 KiB) makes replicates.csv fail
    // to grow (EFBIG, SIGXFSZ ignored), as a full disk would, whoever runs
    // the test (root ignores read-only folders).
    let o = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 8 && exec \"$@\"")
        .arg("sh")
        .arg(BIN)
        .args([
            "run",
            "--quiet",
            "--no-charts",
            "--threads",
            "1",
            "-n",
            "400",
        ])
        .arg("--out")
        .arg(&out)
        .arg(fixture("tests/fixtures/gap.toml"))
        .output()
        .expect("run");
    assert!(!o.status.success());
    let msg = stderr(&o);
    let staging = siblings(&out).expect("siblings").staging;
    assert!(
        msg.contains("cannot write replicates.csv")
            && msg.contains(&staging.display().to_string())
            && msg.contains(&format!("'{}'", out.display())),
        "the error should name the file, the staging folder and the target: {msg}"
    );
    assert_eq!(snapshot(&out), before);
    assert!(hidden_entries(tmp.path()).is_empty());
}
