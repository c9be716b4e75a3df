//! The CLI's one error type: a single line for the user, and the exit code that goes with it.

use std::fmt;
use std::path::Path;

/// Exit code of every failure: bad input, bad arguments, unreadable or unwritable files (the
/// same code clap uses for usage errors, so scripts see one code for "you asked for something
/// that cannot be done").
pub const EXIT_FAILURE: u8 = 2;

/// What went wrong, as the one line printed after `error: `.
#[derive(Debug)]
pub enum CliError {
    /// A message for the user (already names the file, line and column where it can).
    Message(String),
    /// Standard output was closed by the reader (`kmeans predict … | head`): not a failure of
    /// ours, so the process stops quietly with success.
    BrokenPipe,
}

impl CliError {
    /// An error with this message.
    pub fn msg(message: impl Into<String>) -> Self {
        Self::Message(message.into())
    }

    /// `path: message`, the shape of every error about a file.
    pub fn at(path: &Path, message: impl fmt::Display) -> Self {
        Self::Message(format!("{}: {message}", path.display()))
    }

    /// The exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Message(_) => EXIT_FAILURE,
            Self::BrokenPipe => 0,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // One line, always: a message built from a foreign error could carry a newline.
            Self::Message(m) => f.write_str(&m.replace(['\n', '\r'], " ")),
            Self::BrokenPipe => f.write_str("broken pipe"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<kmeans_workshop::Error> for CliError {
    fn from(e: kmeans_workshop::Error) -> Self {
        Self::Message(e.to_string())
    }
}

/// Writing to standard output: a closed pipe ends the program quietly, anything else is an error.
impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self::BrokenPipe
        } else {
            Self::Message(format!("cannot write to standard output: {e}"))
        }
    }
}

/// `Result` with [`CliError`].
pub type Result<T, E = CliError> = std::result::Result<T, E>;
