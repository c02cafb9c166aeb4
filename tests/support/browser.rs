//! Headless Chromium for the browser tests of `tests/plot.rs` (the report)
//! and `tests/it/explore.rs` (the explorer): finding it, refusing to skip in
//! CI, and running it on a page with a throwaway profile.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Chromium, or `None` after saying the test `what` is skipped. In CI (`CI`
/// set) a missing browser fails the test instead: `.ci/run` installs it.
pub fn chromium_or_skip(what: &str) -> Option<PathBuf> {
    let found = if Path::new("/usr/bin/chromium").is_file() {
        Some(PathBuf::from("/usr/bin/chromium"))
    } else {
        std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
                .find(|p| p.is_file())
        })
    };
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        assert!(
            !ci,
            "chromium not found and CI is set: {what} must run in CI \
             (install with `apt-get install -y chromium`)"
        );
        println!("SKIPPED: chromium not found; install with `apt-get install -y chromium`");
    }
    found
}

/// Runs headless `chromium` on `url` with the profile folder `profile` and
/// the `extra` switches (`--dump-dom`, `--screenshot=...`).
pub fn run(chromium: &Path, profile: &Path, extra: &[String], url: &str) -> Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("run chromium")
}
