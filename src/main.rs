//! The `ddrsim` command: parse arguments, dispatch, print errors, exit code.

#![deny(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let result = match args
        .command
        .unwrap_or(cli::Command::Run(cli::RunArgs::default()))
    {
        cli::Command::Run(a) => cmd::run::run(&a),
        cli::Command::Sweep(a) => cmd::sweep::run(&a),
        cli::Command::Claim(a) => cmd::claim::run(&a),
        cli::Command::Sensitivity(a) => cmd::sensitivity::run(&a),
        cli::Command::Discover(a) => cmd::discover::run(&a),
        cli::Command::Explore(a) => cmd::explore::run(&a),
        cli::Command::Plot(a) => cmd::plot::run(&a),
        cli::Command::Merge(a) => cmd::merge::run(&a),
        cli::Command::New(a) => cmd::new::run(&a),
        cli::Command::Schema => cmd::schema::run(),
        cli::Command::Completions(a) => cmd::completions::run(&a),
        cli::Command::Man(a) => cmd::man::run(&a),
        cli::Command::Validate(a) => return ExitCode::from(cmd::validate::run(&a) as u8),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            // Stopped by a signal: the shell convention, 128 + its number.
            match e
                .chain()
                .find_map(|c| c.downcast_ref::<cmd::run::Interrupted>())
            {
                Some(cmd::run::Interrupted(sig)) => {
                    ExitCode::from(u8::try_from(128 + sig).unwrap_or(1))
                }
                None => ExitCode::FAILURE,
            }
        }
    }
}
