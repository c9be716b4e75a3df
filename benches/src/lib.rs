//! The benchmark harness's library half: result rows, criterion result reading, machine info,
//! charts and the markdown summary. The criterion `main` is `benches/kmeans.rs`.
#![forbid(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod cases;
pub mod climb;
pub mod converge;
pub mod default_fit;
pub mod machine;
pub mod peers;
pub mod python;
pub mod render;
pub mod report;
pub mod results;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

/// Seconds since the run started (the first call), as `[123 s]`: the tag on every group's
/// banner, so that a run's log shows where its time went (the quick profile's budget is 15
/// minutes on 2 cores).
pub fn since_start() -> String {
    static START: OnceLock<Instant> = OnceLock::new();
    format!(
        "[{:.0} s]",
        START.get_or_init(Instant::now).elapsed().as_secs_f64()
    )
}

/// What the harness hands a group that runs outside criterion (whole fits timed in rounds that
/// alternate with peers in other processes). Such a group is one entry in `GROUPS` of
/// `benches/kmeans.rs`.
pub struct Context<'a> {
    /// The workspace root.
    pub root: PathBuf,
    /// A scratch directory for the group's files (exported data, manifests).
    pub dir: PathBuf,
    /// `quick` or `full`.
    pub profile: &'a str,
    /// Cores available: groups measure 1 thread and this many.
    pub cores: usize,
    /// `false` in the smoke test (`cargo test --benches`): run everything once, no peers, and
    /// return no rows.
    pub benchmarking: bool,
    /// The peers' Python (found or set up once per run), or why there is none; `None` when
    /// the run needs no peers (smoke test).
    pub python: Option<&'a Result<python::PythonEnv, String>>,
}

/// What such a group returns: its rows and a one-line status of its peers for the report.
pub struct GroupOutput {
    /// Every planned row (measured, or missing with the reason).
    pub rows: Vec<results::Row>,
    /// Whether the group's peers ran, with their versions, or why not.
    pub status: String,
}

/// A group outside criterion: its id (criterion-style filters match it) and its runner.
pub type Group = (&'static str, fn(&Context<'_>) -> GroupOutput);
