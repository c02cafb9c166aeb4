//! The `ddrsim` command end to end (assert_cmd): the default run, thread
//! independence of every CSV byte, bad scenarios, and the CSV schemas of
//! docs/outputs.md.

use assert_cmd::Command;
use std::fs;
use std::path::Path;

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

fn header(dir: &Path, file: &str) -> Vec<String> {
    let text = fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    text.lines()
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::to_string)
        .collect()
}

/// `ddrsim run tests/fixtures/gap.toml --quiet --no-charts <extra> --out <out>`.
fn run_gap(out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    ddrsim()
        .args(["run", "tests/fixtures/gap.toml", "--quiet", "--no-charts"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
}

/// Standard error of a finished command, as text.
fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).to_string()
}

/// Hidden entries (staging folders) left in `dir`.
fn hidden_entries(dir: &Path) -> Vec<std::ffi::OsString> {
    fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect()
}

#[test]
fn default_run_writes_every_file_and_prints_the_comparison() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("default");
    let assert = ddrsim()
        .args(["run", "--replicates", "40", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    for needle in [
        "baseline",
        "kickstart-12m",
        "Effect of each policy vs baseline",
        "Money per policy",
        "re-recruited",
        "relapse probability",
        "cost per completion",
    ] {
        assert!(stdout.contains(needle), "stdout lacks {needle}:\n{stdout}");
    }
    for f in [
        "manifest.json",
        "scenario.toml",
        "replicates.csv",
        "summary.csv",
        "comparison.csv",
        "timeseries.csv",
        "funding.csv",
        "channels.csv",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).expect("manifest"))
            .expect("json");
    for key in [
        "ddrsim_version",
        "format_version",
        "scenario",
        "scenario_sha256",
        "seed",
        "replicates",
        "policies",
        "threads",
        "rng",
        "command_line",
        "wall_seconds",
    ] {
        assert!(manifest.get(key).is_some(), "manifest lacks {key}");
    }
    assert_eq!(manifest["replicates"], 40);
    assert_eq!(manifest["scenario_sha256"].as_str().map(str::len), Some(64));
    // No staging folders are left beside the output.
    let leftovers = hidden_entries(tmp.path());
    assert!(leftovers.is_empty(), "staging folders left: {leftovers:?}");
}

#[test]
fn csv_schemas_match_the_documented_columns() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    run_gap(&out, &["-n", "20"]).success();
    assert_eq!(
        header(&out, "summary.csv"),
        [
            "policy", "group", "metric", "n", "mean", "sd", "mcse", "p05", "p25", "p50", "p75",
            "p95", "ci_low", "ci_high"
        ]
    );
    assert_eq!(
        header(&out, "comparison.csv"),
        [
            "policy",
            "baseline",
            "group",
            "metric",
            "n",
            "mean_diff",
            "mcse",
            "ci_low",
            "ci_high",
            "p05",
            "p50",
            "p95",
            "p_better",
            "p_worse",
            "p_tie"
        ]
    );
    assert_eq!(
        header(&out, "timeseries.csv"),
        ["policy", "group", "month", "date", "metric", "mean", "p05", "p25", "p50", "p75", "p95"]
    );
    assert_eq!(
        header(&out, "funding.csv"),
        [
            "policy",
            "fiscal_year",
            "source",
            "component",
            "measure",
            "mean",
            "p05",
            "p50",
            "p95"
        ]
    );
    let rep = header(&out, "replicates.csv");
    assert_eq!(&rep[..2], ["policy", "replicate"]);
    for name in [
        "disarmed",
        "completed",
        "reintegrated",
        "rerecruited",
        "self_reintegrated",
        "absorbed",
        "lost",
        "still_armed",
        "waiting_end",
        "peak_waiting",
        "mean_wait_months",
        "dropouts",
        "relapse",
        "relapse_month",
        "spent_total",
        "backlog_peak",
        "backlog_end",
        "voluntary_unspent",
        "outlay",
        "lapsed",
        "cost_per_completed",
        "completed.men",
        "rerecruited.women",
        "param.group.women.caseload",
        "param.pledge.early.fulfilment",
    ] {
        assert!(rep.iter().any(|c| c == name), "replicates.csv lacks {name}");
    }
    // Timeseries: people states sum to the caseload every month (means are exact sums / n).
    let ts = fs::read_to_string(out.join("timeseries.csv")).expect("timeseries");
    let states = ddrsim::model::record::STATES;
    let mut sums = std::collections::BTreeMap::<(String, String), f64>::new();
    for line in ts.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[1] == "men" && states.contains(&f[4]) {
            *sums
                .entry((f[0].to_string(), f[2].to_string()))
                .or_default() += f[5].parse::<f64>().expect("mean");
        }
    }
    assert!(!sums.is_empty());
    for (k, v) in sums {
        assert!((v - 800.0).abs() < 1e-9 * 800.0, "{k:?}: states sum to {v}");
    }
    // comparison.csv carries the donor's cost-effectiveness rows.
    let cmp = fs::read_to_string(out.join("comparison.csv")).expect("comparison");
    assert!(
        cmp.contains(",extra_spent_per_rerecruitment_averted,")
            && cmp.contains(",extra_spent_per_extra_completion,")
            && cmp.contains(",outlay_per_extra_completion,")
            && cmp.contains(",extra_completions_per_musd_outlay,")
    );
    assert!(cmp.contains(",relapse,"));
}

#[test]
fn one_thread_and_two_threads_give_byte_identical_csv() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        ddrsim()
            .args([
                "run",
                "tests/fixtures/gap.toml",
                "-n",
                "150",
                "--seed",
                "5",
                "--quiet",
                "--no-charts",
                "--threads",
                threads,
                "--out",
            ])
            .arg(dir)
            .assert()
            .success();
    }
    for f in [
        "replicates.csv",
        "summary.csv",
        "comparison.csv",
        "timeseries.csv",
        "funding.csv",
        "scenario.toml",
    ] {
        assert!(
            fs::read(a.join(f)).expect("a") == fs::read(b.join(f)).expect("b"),
            "{f} differs between 1 and 2 threads"
        );
    }
}

#[test]
fn an_invalid_scenario_lists_every_problem_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("bad.toml");
    let text = fs::read_to_string("tests/fixtures/gap.toml")
        .expect("fixture")
        .replace("dropout = 0.02", "dropout = -0.5")
        .replace("fulfilment = 0.7", "fulfilment = 1.7")
        .replace("dd_months = 2", "dd_months = 0")
        .replace("id = \"kick-offset\"", "id = \"kick\"");
    fs::write(&bad, text).expect("write");
    let out = tmp.path().join("never");
    let assert = ddrsim()
        .arg("run")
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure();
    let err = stderr(&assert);
    for needle in [
        "bad.toml",
        "group.women.hazard.dropout",
        "pledge.late.fulfilment",
        "group.women.dd_months",
        "used twice",
        "allowed",
    ] {
        assert!(err.contains(needle), "stderr lacks {needle}:\n{err}");
    }
    assert!(
        !out.exists(),
        "no output folder may be created for an invalid scenario"
    );
    assert!(!err.contains("panicked"));
}

#[test]
fn malformed_toml_names_the_line_and_unknown_keys_are_rejected() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("typo.toml");
    let text = fs::read_to_string("tests/fixtures/gap.toml")
        .expect("fixture")
        .replace("reint_months = 4", "reint_monthz = 4");
    fs::write(&bad, text).expect("write");
    let assert = ddrsim()
        .arg("run")
        .arg(&bad)
        .arg("--out")
        .arg(tmp.path().join("x"))
        .assert()
        .failure();
    let err = stderr(&assert);
    assert!(
        err.contains("typo.toml") && err.contains("reint_monthz") && err.contains("line"),
        "{err}"
    );
    let missing = ddrsim()
        .args(["run", "no/such/file.toml"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&missing.get_output().stderr).to_string();
    assert!(err.contains("no/such/file.toml"), "{err}");
}

#[test]
fn rerunning_replaces_the_output_folder_whole() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    fs::create_dir_all(&out).expect("mkdir");
    fs::write(out.join("stale.txt"), "old").expect("write");
    fs::write(out.join("manifest.json"), "{}").expect("write");
    // A staging folder left by an interrupted run is cleaned up.
    let interrupted = ddrsim::output::atomic::siblings(&out)
        .expect("siblings")
        .staging;
    fs::create_dir_all(&interrupted).expect("mkdir");
    run_gap(&out, &["-n", "5"]).success();
    assert!(!out.join("stale.txt").exists());
    assert!(!interrupted.exists(), "stale staging folder not removed");
    assert!(out.join("summary.csv").exists());
}

#[test]
fn validate_reports_valid_and_invalid_files() {
    ddrsim()
        .args([
            "validate",
            "tests/fixtures/gap.toml",
            "tests/fixtures/null.toml",
        ])
        .assert()
        .success();
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, "[scenario]\nname = 1\n").expect("write");
    ddrsim().arg("validate").arg(&bad).assert().code(1);
}

#[test]
fn new_writes_a_valid_starter_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("mine.toml");
    ddrsim()
        .args(["new", "mine", "--out"])
        .arg(&path)
        .assert()
        .success();
    let text = fs::read_to_string(&path).expect("written");
    assert!(text.contains("name = \"mine\"") && text.contains("# assumption"));
    ddrsim::scenario::parse_and_validate(&text).expect("starter validates");
    ddrsim()
        .args(["new", "mine", "--out"])
        .arg(&path)
        .assert()
        .failure();
    ddrsim().args(["new", "bad name"]).assert().failure();
}

#[test]
fn validate_warns_about_suspicious_but_legal_values() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("odd.toml");
    let text = fs::read_to_string("tests/fixtures/gap.toml")
        .expect("fixture")
        .replace("delay = 4\n", "delay = 48\n")
        + "\n[[policy]]\nid = \"same\"\n";
    fs::write(&path, text).expect("write");
    let assert = ddrsim().arg("validate").arg(&path).assert().success();
    let out = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        out.contains("pledge.late.delay") && out.contains("36 months"),
        "{out}"
    );
    assert!(
        out.contains("policy.same") && out.contains("identical to the baseline"),
        "{out}"
    );
}

#[test]
fn a_scenario_too_large_to_summarise_fails_fast_with_a_clear_message() {
    let base = fs::read_to_string("tests/fixtures/gap.toml")
        .expect("fixture")
        .replace("horizon_months = 36", "horizon_months = 1200");
    let start = base.find("[[group]]").expect("group");
    let second = base[start + 1..].find("[[group]]").expect("second group") + start + 1;
    let end = base.find("[assessed]").expect("assessed");
    let group = &base[start..second];
    let groups: String = (0..30)
        .map(|i| group.replace("id = \"men\"", &format!("id = \"g{i}\"")))
        .collect();
    let text = format!("{}{}{}", &base[..start], groups, &base[second..end]) + &base[end..];
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("huge.toml");
    fs::write(&path, text).expect("write");
    let out = tmp.path().join("out");
    let assert = ddrsim()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure();
    let err = stderr(&assert);
    assert!(
        err.contains("too large") && err.contains("huge.toml"),
        "{err}"
    );
    assert!(!out.exists());
}

/// summary.csv agrees with replicates.csv: means exactly (to float printing),
/// percentiles within the histogram's stated accuracy (0.1% relative).
#[test]
fn summary_agrees_with_the_replicate_rows() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    run_gap(&out, &["-n", "300"]).success();
    let mut reps = csv::Reader::from_path(out.join("replicates.csv")).expect("replicates");
    let header = reps.headers().expect("header").clone();
    let rows: Vec<csv::StringRecord> = reps.records().map(|r| r.expect("row")).collect();
    let mut summary = csv::Reader::from_path(out.join("summary.csv")).expect("summary");
    let sh = summary.headers().expect("header").clone();
    let col = |h: &csv::StringRecord, n: &str| h.iter().position(|x| x == n).expect(n);
    let mut checked = 0;
    for rec in summary.records().map(|r| r.expect("row")) {
        let (policy, group, metric) = (
            &rec[col(&sh, "policy")],
            &rec[col(&sh, "group")],
            &rec[col(&sh, "metric")],
        );
        let name = if group == "all" {
            metric.to_string()
        } else {
            format!("{metric}.{group}")
        };
        let Some(c) = header.iter().position(|x| x == name) else {
            continue;
        };
        let mut vals: Vec<f64> = rows
            .iter()
            .filter(|r| &r[0] == policy)
            .filter_map(|r| r[c].parse::<f64>().ok())
            .collect();
        let n: usize = rec[col(&sh, "n")].parse().expect("n");
        assert_eq!(n, vals.len(), "{policy} {name}: n");
        if n == 0 {
            continue;
        }
        let mean = vals.iter().sum::<f64>() / n as f64;
        let got: f64 = rec[col(&sh, "mean")].parse().expect("mean");
        assert!(
            (got - mean).abs() <= 1e-9 * mean.abs().max(1.0),
            "{policy} {name}: mean {got} vs {mean}"
        );
        vals.sort_by(f64::total_cmp);
        for (q, field) in [(0.05, "p05"), (0.5, "p50"), (0.95, "p95")] {
            let exact = vals[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
            let got: f64 = rec[col(&sh, field)].parse().expect("percentile");
            assert!(
                (got - exact).abs() <= 1e-3 * exact.abs() + 1e-9,
                "{policy} {name} {field}: {got} vs {exact}"
            );
        }
        checked += 1;
    }
    assert!(checked > 200, "checked {checked} rows");
}

#[test]
fn an_existing_folder_that_is_not_an_output_is_never_replaced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let precious = tmp.path().join("thesis");
    fs::create_dir_all(&precious).expect("mkdir");
    fs::write(precious.join("chapter1.tex"), "years of work").expect("write");
    let assert = run_gap(&precious, &["-n", "5"]).failure();
    let err = stderr(&assert);
    assert!(err.contains("not a ddrsim output folder"), "{err}");
    assert_eq!(
        fs::read_to_string(precious.join("chapter1.tex")).expect("kept"),
        "years of work"
    );
    let file = tmp.path().join("file.txt");
    fs::write(&file, "x").expect("write");
    run_gap(&file, &["-n", "5"]).failure();
    assert_eq!(fs::read_to_string(&file).expect("kept"), "x");
}

#[test]
fn an_interrupted_run_leaves_the_previous_results_and_no_partial_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    run_gap(&out, &["-n", "5"]).success();
    let before = fs::read(out.join("summary.csv")).expect("summary");
    let bin = assert_cmd::cargo::cargo_bin("ddrsim");
    let mut child = std::process::Command::new(bin)
        .args([
            "run",
            "scenarios/liberia-2003.toml",
            "-n",
            "1000000",
            "--quiet",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert!(!status.success(), "an interrupted run must exit non-zero");
    assert_eq!(
        fs::read(out.join("summary.csv")).expect("summary kept"),
        before,
        "previous results must be untouched"
    );
    let leftovers = hidden_entries(tmp.path());
    assert!(leftovers.is_empty(), "staging folders left: {leftovers:?}");
}

/// Subcommand names listed under "Commands:" in `ddrsim --help` (so a new
/// command is checked without editing this test).
fn subcommands_from_help() -> Vec<String> {
    let out = ddrsim().arg("--help").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let mut names = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("Commands:") {
            inside = true;
            continue;
        }
        if inside {
            if !line.starts_with("  ") {
                break;
            }
            if let Some(name) = line.split_whitespace().next() {
                if name != "help" {
                    names.push(name.to_string());
                }
            }
        }
    }
    for known in [
        "run",
        "plot",
        "validate",
        "schema",
        "new",
        "completions",
        "man",
    ] {
        assert!(
            names.iter().any(|n| n == known),
            "`ddrsim --help` lacks {known}: {names:?}"
        );
    }
    names
}

/// True when `program` can be started (e.g. a shell that may not be installed).
fn have(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn completion_scripts_parse_and_name_every_command() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let commands = subcommands_from_help();
    for (shell, checker, file) in [
        ("bash", "bash", "ddrsim.bash"),
        ("zsh", "zsh", "_ddrsim"),
        ("fish", "fish", "ddrsim.fish"),
    ] {
        let out = ddrsim().args(["completions", shell]).assert().success();
        let script = out.get_output().stdout.clone();
        assert!(
            out.get_output().stderr.is_empty(),
            "{shell}: {}",
            stderr(&out)
        );
        let text = String::from_utf8_lossy(&script).to_string();
        for c in &commands {
            assert!(text.contains(c.as_str()), "{shell} script lacks {c}");
        }
        assert!(text.contains("replicates") && text.contains("json"));
        let path = tmp.path().join(file);
        fs::write(&path, &script).expect("write script");
        if have(checker) {
            let o = std::process::Command::new(checker)
                .arg("-n")
                .arg(&path)
                .output()
                .expect("run shell");
            assert!(
                o.status.success(),
                "{checker} -n rejects the {shell} script: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        } else {
            assert_ne!(
                shell, "bash",
                "bash must be installed to check the bash script"
            );
            println!(
                "SKIPPED: {checker} not installed; only the {shell} script's content was checked"
            );
        }
    }
    let bad = ddrsim().args(["completions", "tcsh"]).assert().failure();
    assert!(stderr(&bad).contains("bash"), "{}", stderr(&bad));
}

#[test]
fn bash_completion_completes_commands_and_options() {
    // Source the script in bash and ask it to complete `ddrsim r` and `ddrsim run --re`.
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = ddrsim().args(["completions", "bash"]).assert().success();
    let path = tmp.path().join("ddrsim.bash");
    fs::write(&path, &out.get_output().stdout).expect("write");
    let complete = |words: &str| -> String {
        let script = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); \
             COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; _ddrsim ddrsim \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let o = std::process::Command::new("bash")
            .args(["-c", &script])
            .output()
            .expect("bash");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let cmds = complete("ddrsim r");
    assert!(cmds.lines().any(|l| l == "run"), "{cmds}");
    let opts = complete("ddrsim run --re");
    assert!(opts.lines().any(|l| l == "--replicates"), "{opts}");
    assert!(!opts.lines().any(|l| l == "--json"), "{opts}");
}

#[test]
fn man_page_documents_every_command_and_option() {
    let commands = subcommands_from_help();
    let out = ddrsim().arg("man").assert().success();
    let page = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        page.contains(".TH ddrsim 1"),
        "{}",
        &page[..page.len().min(300)]
    );
    for c in &commands {
        assert!(
            page.contains(&format!(".SH \"COMMAND: ddrsim {c}\"")),
            "man page lacks a section for {c}"
        );
        assert!(
            page.contains(&format!("ddrsim\\-{c}(1)")),
            "no ddrsim-{c}(1)"
        );
    }
    // Options of `run` (roff escapes '-' as '\-').
    for opt in ["replicates", "seed", "threads", "no\\-charts", "json"] {
        assert!(
            page.contains(&format!("\\fB\\-\\-{opt}\\fR")),
            "lacks --{opt}"
        );
    }
    if have("groff") {
        let mut child = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("groff");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(page.as_bytes())
            .expect("write");
        let o = child.wait_with_output().expect("groff");
        assert!(o.status.success());
        assert!(
            o.stderr.is_empty(),
            "groff warns: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("man1");
    ddrsim()
        .args(["man", "--out"])
        .arg(&dir)
        .assert()
        .success()
        .stdout("");
    assert!(dir.join("ddrsim.1").is_file());
    for c in &commands {
        let p = dir.join(format!("ddrsim-{c}.1"));
        let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(
            text.contains(&format!(".TH ddrsim-{c} 1")),
            "{}",
            p.display()
        );
    }
}

#[test]
fn run_json_prints_only_a_summary_that_matches_the_csv_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    // Charts on, so chart notes (if any) would show up on stdout if misrouted.
    let assert = ddrsim()
        .args([
            "run",
            "tests/fixtures/gap.toml",
            "-n",
            "30",
            "--json",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = &assert.get_output().stdout;
    let doc: serde_json::Value = serde_json::from_slice(stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}",
            String::from_utf8_lossy(stdout)
        )
    });
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["scenario"], "gap");
    assert_eq!(doc["replicates"], 30);
    assert_eq!(doc["seed"], 11);
    assert_eq!(doc["output_dir"], out.display().to_string());
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).expect("manifest"))
            .expect("json");
    let policies = manifest["policies"].as_array().expect("policies").clone();
    assert!(policies.len() >= 2);
    assert_eq!(doc["baseline"], policies[0]);
    let got = doc["policies"].as_array().expect("policies");
    assert_eq!(got.len(), policies.len());
    // summary.csv / comparison.csv rows keyed by (policy, metric), group all.
    let rows = |file: &str, value: &str| -> std::collections::HashMap<(String, String), f64> {
        let mut r = csv::Reader::from_path(out.join(file)).expect(file);
        let h = r.headers().expect("header").clone();
        let col = |n: &str| h.iter().position(|x| x == n).expect(n);
        let (p, g, m, v) = (col("policy"), col("group"), col("metric"), col(value));
        r.records()
            .map(|x| x.expect("row"))
            .filter(|x| &x[g] == "all")
            .filter_map(|x| Some(((x[p].to_string(), x[m].to_string()), x[v].parse().ok()?)))
            .collect()
    };
    let means = rows("summary.csv", "mean");
    let diffs = rows("comparison.csv", "mean_diff");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * a.abs().max(1.0);
    let headline = [
        "completed",
        "rerecruited",
        "peak_waiting",
        "mean_wait_months",
        "relapse",
        "cost_per_completed",
    ];
    for (p, want) in got.iter().zip(&policies) {
        assert_eq!(&p["id"], want);
        let outcomes = p["outcomes"].as_array().expect("outcomes");
        let names: Vec<&str> = outcomes
            .iter()
            .filter_map(|o| o["metric"].as_str())
            .collect();
        assert_eq!(names, headline);
        for o in outcomes {
            let m = o["metric"].as_str().expect("metric");
            let mean = o["mean"].as_f64().expect("mean");
            let (lo, hi) = (
                o["ci_low"].as_f64().expect("lo"),
                o["ci_high"].as_f64().expect("hi"),
            );
            assert!(lo <= mean && mean <= hi, "{want} {m}: {lo} {mean} {hi}");
            let csv = means[&(want.as_str().expect("id").to_string(), m.to_string())];
            assert!(
                close(mean, csv),
                "{want} {m}: json {mean} vs summary.csv {csv}"
            );
            assert_eq!(o["n"], 30);
        }
    }
    let d = doc["differences"].as_array().expect("differences");
    assert_eq!(d.len(), policies.len() - 1);
    for (x, want) in d.iter().zip(&policies[1..]) {
        assert_eq!(&x["policy"], want);
        assert_eq!(x["baseline"], policies[0]);
        for o in x["outcomes"].as_array().expect("outcomes") {
            let m = o["metric"].as_str().expect("metric");
            let md = o["mean_diff"].as_f64().expect("mean_diff");
            let csv = diffs[&(want.as_str().expect("id").to_string(), m.to_string())];
            assert!(
                close(md, csv),
                "{want} {m}: json {md} vs comparison.csv {csv}"
            );
            let pb = o["p_better"].as_f64().expect("p_better");
            assert!((0.0..=1.0).contains(&pb), "{want} {m}: p_better {pb}");
        }
    }
}
