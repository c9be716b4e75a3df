//! `kmeans`: fit / predict on CSV and .npy with every backend of the workshop.
//!
//! `kmeans --help` lists the subcommands; the work is done in the `kmeans_cli` library.
#![forbid(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = kmeans_cli::args::Cli::parse();
    match kmeans_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !matches!(e, kmeans_cli::CliError::BrokenPipe) {
                // eprintln! would panic if stderr were closed; there is no one to tell then.
                let _ = writeln!(std::io::stderr(), "error: {e}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}
