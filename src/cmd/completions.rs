//! `ddrsim completions SHELL`: prints a completion script generated from the
//! clap definitions in `cli.rs`.

#![deny(clippy::indexing_slicing)]

use crate::cli::{Cli, CompletionsArgs};
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;

/// Writes the completion script for `args.shell` to stdout.
pub fn run(args: &CompletionsArgs) -> Result<()> {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "ddrsim", &mut buf);
    let mut out = std::io::stdout().lock();
    out.write_all(&buf)
        .and_then(|()| out.flush())
        .context("cannot write the completion script to stdout")
}
