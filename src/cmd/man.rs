//! `ddrsim man`: the manual page in roff, generated from the clap definitions
//! in `cli.rs` (clap_mangen), so it always matches `--help`.

#![deny(clippy::indexing_slicing)]

use crate::cli::{Cli, ManArgs, LONG_ABOUT};
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;

/// The top-level command with the long description the man page shows.
fn command() -> clap::Command {
    let mut cmd = Cli::command()
        .long_about(LONG_ABOUT)
        .disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Prints one page to stdout (`ddrsim.1` followed by a section per command
/// with its synopsis and options), or writes `ddrsim.1` and one
/// `ddrsim-<command>.1` per command into `--out DIR`.
pub fn run(args: &ManArgs) -> Result<()> {
    let cmd = command();
    match &args.out {
        None => {
            let text = single_page(&cmd).context("cannot render the manual page")?;
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .context("cannot write the manual page to stdout")
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create folder '{}'", dir.display()))?;
            let mut pages = Vec::new();
            for c in std::iter::once(&cmd).chain(subcommands(&cmd)) {
                let man = clap_mangen::Man::new(c.clone());
                let name = man.get_filename();
                let text = page(&man).context("cannot render the manual page")?;
                let path = dir.join(&name);
                std::fs::write(&path, text)
                    .with_context(|| format!("cannot write '{}'", path.display()))?;
                pages.push(name);
            }
            eprintln!(
                "wrote {} manual pages into {}: {}",
                pages.len(),
                dir.display(),
                pages.join(", ")
            );
            Ok(())
        }
    }
}

/// Renders one page, naming clap's "EXTRA" section (the `after_help`
/// text) EXAMPLES when it holds examples and NOTES otherwise.
fn page(man: &clap_mangen::Man) -> std::io::Result<String> {
    let mut buf = Vec::new();
    man.render(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line == ".SH EXTRA" {
            let examples = lines.peek().is_some_and(|n| n.starts_with("Example"));
            out.push_str(if examples {
                ".SH EXAMPLES"
            } else {
                ".SH NOTES"
            });
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    Ok(out)
}

/// Visible subcommands, in definition order.
fn subcommands(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

/// `ddrsim.1` with, for each command, a section holding its own page's
/// synopsis, description, options and examples (as subsections).
pub fn single_page(cmd: &clap::Command) -> std::io::Result<String> {
    let mut text = page(&clap_mangen::Man::new(cmd.clone()))?;
    for sub in subcommands(cmd) {
        let page = page(&clap_mangen::Man::new(sub.clone()))?;
        text.push_str(&format!(".SH \"COMMAND: ddrsim {}\"\n", sub.get_name()));
        let mut body = false;
        for line in page.lines() {
            if line.starts_with(".SH SYNOPSIS") {
                body = true;
            } else if line.starts_with(".SH VERSION") {
                break;
            }
            if !body {
                continue;
            }
            match line.strip_prefix(".SH ") {
                Some(h) => text.push_str(&format!(".SS {h}\n")),
                None => {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    Ok(text)
}
