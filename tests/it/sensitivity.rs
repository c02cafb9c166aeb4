//! `ddrsim sensitivity`: the files it writes, byte-identical results for 1
//! and 2 threads, common process streams (a factor that cannot act on the
//! analysed quantity gets exactly zero), `--vary` and `--set`, and clear
//! refusals (a Sobol' sample that is not a power of 2, a scenario without
//! uncertain factors, an unknown outcome or policy).

use assert_cmd::Command;
use ddrsim::experiment::sensitivity::Method;
use ddrsim::plot::sensitivity::{Bar, SensitivityChart};
use ddrsim::plot::Chart;
use std::fs;
use std::path::Path;

fn ddrsim() -> Command {
    Command::cargo_bin("ddrsim").expect("binary")
}

const GAP: &str = "tests/fixtures/gap.toml";

fn read(p: &Path) -> Vec<u8> {
    fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn text(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Rows of sensitivity.csv as maps from column to value.
fn rows(p: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut rd = csv::Reader::from_path(p).expect("csv");
    let header: Vec<String> = rd
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    rd.records()
        .map(|r| {
            let r = r.expect("record");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn morris_run_writes_its_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("s");
    let assert = ddrsim()
        .args([
            "sensitivity",
            GAP,
            "--policy",
            "kick",
            "--trajectories",
            "6",
            "--replicates",
            "4",
            "--set",
            "pledge.late.delay=5",
            "--vary",
            "policy.kick-offset.kickstart.amount=1e5..5e5",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("Sensitivity of the effect of kick vs baseline on rerecruited"));
    assert!(stdout.contains("process noise"), "{stdout}");
    for f in [
        "sensitivity.csv",
        "manifest.json",
        "scenario.toml",
        "sensitivity.png",
        "sensitivity.svg",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let header = text(&out.join("sensitivity.csv"))
        .lines()
        .next()
        .map(String::from)
        .unwrap_or_default();
    assert_eq!(
        header,
        "method,outcome,unit,policy,versus,factor,group,rank,index,value,ci_low,ci_high,replicates"
    );
    let rs = rows(&out.join("sensitivity.csv"));
    // 4 factors (women's caseload, the shared-free wait effect, the early
    // pledge's fulfilment, the varied amount) x mu_star, sigma, mu.
    assert_eq!(rs.len(), 4 * 3);
    for r in &rs {
        assert_eq!(r["method"], "morris");
        assert_eq!(r["policy"], "kick");
        assert_eq!(r["versus"], "baseline");
        assert_eq!(r["unit"], "people per grid range");
    }
    let factors: Vec<&str> = rs.iter().map(|r| r["factor"].as_str()).collect();
    for f in [
        "group.women.caseload",
        "group.women.hazard.wait_effect",
        "pledge.early.fulfilment",
        "policy.kick-offset.kickstart.amount",
    ] {
        assert!(factors.contains(&f), "{f} not in {factors:?}");
    }
    // Ranks follow mu*, rank 1 first.
    let mu: Vec<(usize, f64)> = rs
        .iter()
        .filter(|r| r["index"] == "mu_star")
        .map(|r| {
            (
                r["rank"].parse().expect("rank"),
                r["value"].parse().expect("v"),
            )
        })
        .collect();
    assert!(mu
        .windows(2)
        .all(|w| w[0].0 + 1 == w[1].0 && w[0].1 >= w[1].1));
    // The scenario stored is the one with the overrides applied; the
    // manifest lists them and describes the design.
    let toml = text(&out.join("scenario.toml"));
    assert!(toml.contains("delay = 5  # set by --set"));
    assert!(toml.contains("{ dist = \"uniform\", min = 100000, max = 500000 }"));
    let m: serde_json::Value =
        serde_json::from_str(&text(&out.join("manifest.json"))).expect("manifest");
    assert_eq!(m["overrides"].as_array().map(Vec::len), Some(2));
    assert_eq!(m["sensitivity"]["method"], "morris");
    assert_eq!(m["sensitivity"]["points"], 6 * 5);
    assert_eq!(m["sensitivity"]["replicates_per_point"], 4);
    assert_eq!(
        m["sensitivity"]["factors"].as_array().map(Vec::len),
        Some(4)
    );
    assert!(m["sensitivity"]["noise_share"].as_f64().is_some());
}

/// Common process streams: replicate q has the same random numbers at every
/// point, so a factor that neither the baseline nor `kick` reads (the
/// amount of the `kick-offset` policy) changes nothing: every elementary
/// effect and every Sobol' index is exactly 0. With streams that differed
/// between points it would pick up process noise.
#[test]
fn a_factor_no_analysed_policy_reads_gets_exactly_zero() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (method, extra) in [
        ("morris", ["--trajectories", "5"]),
        ("sobol", ["--samples", "8"]),
    ] {
        let out = tmp.path().join(method);
        ddrsim()
            .args(["sensitivity", GAP, "--policy", "kick", "--method", method])
            .args(extra)
            .args([
                "--replicates",
                "3",
                "--quiet",
                "--no-charts",
                "--vary",
                "policy.kick-offset.kickstart.amount=1e5..5e5",
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        let rs = rows(&out.join("sensitivity.csv"));
        let inert: Vec<_> = rs
            .iter()
            .filter(|r| r["factor"] == "policy.kick-offset.kickstart.amount")
            .collect();
        assert_eq!(inert.len(), if method == "morris" { 3 } else { 2 });
        for r in inert {
            assert_eq!(r["value"], "0", "{method}: {r:?}");
            assert_eq!(r["rank"], "4", "{method}: ranked last");
        }
        // The others move the effect.
        assert!(rs
            .iter()
            .any(|r| r["rank"] == "1" && r["value"].parse::<f64>().expect("v") > 0.0));
    }
}

#[test]
fn one_and_two_threads_give_identical_bytes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (method, extra) in [
        ("sobol", ["--samples", "16"]),
        ("morris", ["--trajectories", "4"]),
    ] {
        let (a, b) = (
            tmp.path().join(format!("{method}-1")),
            tmp.path().join(format!("{method}-2")),
        );
        for (dir, threads) in [(&a, "1"), (&b, "2")] {
            ddrsim()
                .args([
                    "sensitivity",
                    GAP,
                    "--method",
                    method,
                    "--outcome",
                    "completed",
                    "--replicates",
                    "3",
                    "--seed",
                    "9",
                    "--quiet",
                    "--threads",
                    threads,
                ])
                .args(extra)
                .arg("--out")
                .arg(dir)
                .assert()
                .success();
        }
        for f in [
            "sensitivity.csv",
            "scenario.toml",
            "sensitivity.png",
            "sensitivity.svg",
        ] {
            assert!(
                read(&a.join(f)) == read(&b.join(f)),
                "{method}: {f} differs between 1 and 2 threads"
            );
        }
        // Without --policy the baseline's outcome is analysed.
        let rs = rows(&a.join("sensitivity.csv"));
        assert!(rs
            .iter()
            .all(|r| r["policy"] == "baseline" && r["versus"].is_empty()));
        if method == "sobol" {
            assert_eq!(rs.len(), 3 * 2);
            assert!(rs.iter().all(|r| r["unit"] == "share of variance"));
        }
    }
}

#[test]
fn a_sobol_sample_that_is_not_a_power_of_two_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("s");
    let assert = ddrsim()
        .args(["sensitivity", GAP, "--method", "sobol", "--samples", "300"])
        .arg("--out")
        .arg(&out)
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        err.contains("--samples") && err.contains("power of 2") && err.contains("not 300"),
        "{err}"
    );
    assert!(err.contains("try 256 or 512"), "{err}");
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn a_scenario_without_uncertain_factors_is_refused_until_a_range_is_given() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("s");
    let assert = ddrsim()
        .args(["sensitivity", "scenarios/bench-fixed.toml", "--out"])
        .arg(&out)
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        err.contains("no uncertain parameters") && err.contains("--vary"),
        "{err}"
    );
    assert!(!out.exists());
    // One --vary range makes one factor.
    ddrsim()
        .args([
            "sensitivity",
            "scenarios/bench-fixed.toml",
            "--vary",
            "pledge.mdtf.fulfilment=0.3..1",
            "--trajectories",
            "3",
            "--replicates",
            "2",
            "--quiet",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let rs = rows(&out.join("sensitivity.csv"));
    assert_eq!(rs.len(), 3);
    assert!(rs.iter().all(|r| r["factor"] == "pledge.mdtf.fulfilment"));
}

#[test]
fn bad_flags_are_refused_with_what_is_allowed() {
    let cases: [(&[&str], &[&str]); 7] = [
        (&["--samples", "64"], &["--samples", "--method sobol"]),
        (
            &["--method", "sobol", "--trajectories", "4"],
            &["--trajectories", "--method morris"],
        ),
        (
            &["--outcome", "happiness"],
            &["--outcome 'happiness'", "rerecruited"],
        ),
        (&["--policy", "baseline"], &["--policy 'baseline'", "kick"]),
        (&["--trajectories", "1"], &["--trajectories", "at least 2"]),
        (
            &["--vary", "pledge.late.delay=4..4"],
            &["--vary", "lo < hi"],
        ),
        (
            &["--vary", "group.men.hazard.nonsense=0..1"],
            &[
                "group.men.hazard.nonsense",
                "--vary key=lo..hi is applied as --set",
            ],
        ),
    ];
    for (args, needles) in cases {
        let assert = ddrsim()
            .args(["sensitivity", GAP, "--out", "/nonexistent/never"])
            .args(args)
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        for n in needles {
            assert!(err.contains(n), "{args:?}: '{n}' not in: {err}");
        }
    }
}

#[test]
fn the_chart_legend_lists_what_it_drew() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bar = |f: &str, g: &str, v: f64| Bar {
        factor: f.to_string(),
        group: g.to_string(),
        main: (v, 0.8 * v, 1.2 * v),
        second: (0.5 * v, 0.3 * v, 0.7 * v),
    };
    for method in [Method::Morris, Method::Sobol] {
        let chart = SensitivityChart {
            scenario: "t".to_string(),
            method,
            subject: "rerecruited under baseline".to_string(),
            unit: "people".to_string(),
            design: "test".to_string(),
            replicates: 5,
            noise_share: 0.01,
            bars: (0..25)
                .map(|i| {
                    bar(
                        &format!("factor.{i}"),
                        if i % 2 == 0 { "behaviour" } else { "funding" },
                        0.9 - 0.03 * f64::from(i),
                    )
                })
                .collect(),
        };
        let (files, rec) = chart.save(&tmp.path().join(method.name())).expect("draw");
        assert_eq!(files.len(), 2);
        assert!(files.iter().all(|f| f.is_file()));
        let mut legend = rec.legend.clone();
        let mut series = rec.series.clone();
        legend.sort();
        series.sort();
        assert_eq!(legend, series, "{method:?}");
        // At most 20 rows, the top ones.
        assert_eq!(rec.categories.len(), 20);
        assert!(rec.categories[0].starts_with("factor.0"));
        assert_eq!(rec.replicates, Some(5));
    }
}

/// In the Burundi scenario the kick-start changes nothing (its paired effect
/// is 0 in every replicate): the analysis still runs, says so, gives every
/// elementary effect as 0 and leaves the undefined Sobol' indices empty.
#[test]
fn an_effect_that_is_zero_everywhere_is_reported_not_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (method, extra) in [
        ("morris", ["--trajectories", "2"]),
        ("sobol", ["--samples", "4"]),
    ] {
        let out = tmp.path().join(method);
        let assert = ddrsim()
            .args([
                "sensitivity",
                "scenarios/burundi-2004.toml",
                "--policy",
                "kickstart-12m",
                "--method",
                method,
                "--replicates",
                "2",
                "--quiet",
            ])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(
            err.contains("the output is the same (0) at every design point"),
            "{err}"
        );
        let rs = rows(&out.join("sensitivity.csv"));
        assert!(!rs.is_empty());
        let want = if method == "morris" { "0" } else { "" };
        assert!(rs.iter().all(|r| r["value"] == want), "{method}");
        assert!(out.join("sensitivity.png").is_file());
    }
}
