//! # kmeans-cli
//!
//! The `kmeans` command (`src/main.rs`) and what it is made of, as a library so that tests and
//! the book can use the same readers, writers and demo pictures:
//!
//! - [`args`]: the command line (clap);
//! - [`input`]: `.npy` and CSV readers whose errors name the file, line and column;
//! - [`output`]: writers that stage into a temporary file and rename, never leaving a partial file;
//! - [`commands`]: `fit`, `predict`, `backends`, `demo`, `generate`, one module each;
//! - [`demo`]: the slides' K = 3 pictures, computed by the real driver, drawn with plotters;
//! - [`error`]: one error line and exit code 2 for every failure.
//!
//! Backends are found through [`kmeans_workshop::registry`] only: a variant registered there is
//! usable with `--backend` and listed by `kmeans backends` without any change here.
// `deny`, not `forbid`: the one exception is `Mmap::map` in `input::mmap` (see its SAFETY note).
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod args;
pub mod commands;
pub mod demo;
pub mod error;
pub mod input;
pub mod output;
pub mod progress;

pub use error::{CliError, EXIT_FAILURE, Result};

/// Run one parsed command line.
///
/// # Errors
/// Every failure, as one line for the user.
pub fn run(cli: args::Cli) -> Result<()> {
    // A bad KMEANS_SIMD_ISA is an error here, not the library's silent fallback.
    kmeans_workshop::check_environment().map_err(|e| CliError::msg(e.to_string()))?;
    match cli.command {
        args::Command::Fit(a) => commands::fit(&a),
        args::Command::Predict(a) => commands::predict(&a),
        args::Command::Backends(a) => commands::backends(&a),
        args::Command::Demo(a) => commands::demo(&a),
        args::Command::Generate(a) => commands::generate(&a),
        args::Command::Convert(a) => commands::convert(&a),
    }
}
