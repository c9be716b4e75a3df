//! Result rows: what was measured (by criterion here, or by the Python peers script), or why not.

use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// Who measured a row.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// criterion, on a registered variant of this workspace.
    Rust,
    /// criterion, on a Rust peer crate (linfa-clustering).
    RustPeer,
    /// `benches/python/peers.py` (NumPy / SciPy / scikit-learn), in the same run.
    Python,
}

/// The outcome of one planned measurement.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Measured: times in seconds per call.
    Measured {
        /// Median time.
        median_s: f64,
        /// Median absolute deviation of the samples.
        mad_s: f64,
        /// Lower bound of the median's 95 % confidence interval.
        lower_s: f64,
        /// Upper bound of the median's 95 % confidence interval.
        upper_s: f64,
    },
    /// Not run on purpose (memory or time budget), with the reason.
    Skipped {
        /// Why.
        reason: String,
    },
    /// Planned but no result was found (filtered out on the command line, or a failure).
    Missing {
        /// Why, as far as known.
        reason: String,
    },
}

impl Outcome {
    /// The median in seconds, if measured.
    pub fn median(&self) -> Option<f64> {
        match self {
            Outcome::Measured { median_s, .. } => Some(*median_s),
            _ => None,
        }
    }
}

/// One row of the report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Row {
    /// Benchmark group (`assign`, `update`, `iteration`, `fit50`, `scale-n`, …).
    pub group: String,
    /// Variant name `backend/step/variant`, or a peer's name in the same form.
    pub name: String,
    /// Parameter string (criterion's `value_str`), e.g. `n=5000 k=26 d=26 f64 t=1`.
    pub param: String,
    /// Points.
    pub n: usize,
    /// Clusters.
    pub k: usize,
    /// Dimensions.
    pub d: usize,
    /// `f32` or `f64`.
    pub dtype: String,
    /// Threads the measurement ran on.
    pub threads: usize,
    /// The slide the variant mirrors, if any.
    pub slide: Option<String>,
    /// Who measured it.
    pub source: Source,
    /// Result.
    pub outcome: Outcome,
    /// A caveat to print beside the row.
    pub note: Option<String>,
    /// What a whole fit returned besides its time (the `default-fit` group only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<FitStats>,
}

/// Medians over the rounds of what each fit returned (besides its time).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FitStats {
    /// Iterations the fit ran (median over rounds).
    pub iterations: f64,
    /// Sum of squared distances of every point to its nearest final centroid, in f64 with exact
    /// differences, computed by the one function in `default_fit.py` for every contender
    /// (median over rounds); `None` if it could not be computed.
    pub inertia: Option<f64>,
    /// Seconds spent in the init (`Fit::init_seconds`; ours only), median over rounds.
    pub init_s: Option<f64>,
    /// Rounds (fits) the medians are over.
    #[serde(default)]
    pub rounds: usize,
}

impl Row {
    /// The backend: the part of the name before the first `/`.
    pub fn backend(&self) -> &str {
        self.name.split('/').next().unwrap_or(&self.name)
    }

    /// The variant: the part of the name after the last `/`.
    pub fn short_name(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }

    /// Achieved GFLOP/s counting `2·n·k·d` per call (the matrix product `X·Cᵀ`).
    pub fn gflops(&self) -> Option<f64> {
        let t = self.outcome.median()?;
        Some(2.0 * self.n as f64 * self.k as f64 * self.d as f64 / t / 1e9)
    }
}

/// One criterion result, in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Median.
    pub median_s: f64,
    /// Median absolute deviation.
    pub mad_s: f64,
    /// 95 % confidence interval of the median, lower bound.
    pub lower_s: f64,
    /// 95 % confidence interval of the median, upper bound.
    pub upper_s: f64,
}

impl From<Estimate> for Outcome {
    fn from(e: Estimate) -> Self {
        Outcome::Measured {
            median_s: e.median_s,
            mad_s: e.mad_s,
            lower_s: e.lower_s,
            upper_s: e.upper_s,
        }
    }
}

/// `(group_id, function_id, value_str)`, criterion's identity of a benchmark.
pub type BenchKey = (String, String, String);

#[derive(Deserialize)]
struct BenchmarkJson {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct EstimateJson {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct EstimatesJson {
    median: EstimateJson,
    median_abs_dev: EstimateJson,
}

/// Every criterion result under `dir` written at or after `since` (older ones belong to earlier
/// runs and are ignored), keyed by the ids in `benchmark.json` — directory names are sanitised
/// and cut by criterion, so they are never parsed.
pub fn read_criterion(dir: &Path, since: SystemTime) -> HashMap<BenchKey, Estimate> {
    let mut found = HashMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let is_new_benchmark = p.file_name().is_some_and(|f| f == "benchmark.json")
                && p.parent().is_some_and(|d| d.ends_with("new"));
            if !is_new_benchmark {
                continue;
            }
            let fresh = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since);
            if !fresh {
                continue;
            }
            if let Some((key, estimate)) = read_one(&p) {
                found.insert(key, estimate);
            }
        }
    }
    found
}

fn read_one(benchmark: &Path) -> Option<(BenchKey, Estimate)> {
    let id: BenchmarkJson = serde_json::from_str(&std::fs::read_to_string(benchmark).ok()?).ok()?;
    let estimates = benchmark.with_file_name("estimates.json");
    let e: EstimatesJson = serde_json::from_str(&std::fs::read_to_string(estimates).ok()?).ok()?;
    let key = (
        id.group_id,
        id.function_id.unwrap_or_default(),
        id.value_str.unwrap_or_default(),
    );
    let ns = 1e-9;
    Some((
        key,
        Estimate {
            median_s: e.median.point_estimate * ns,
            mad_s: e.median_abs_dev.point_estimate * ns,
            lower_s: e.median.confidence_interval.lower_bound * ns,
            upper_s: e.median.confidence_interval.upper_bound * ns,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fresh_results_by_their_json_ids_only() {
        let dir = std::env::temp_dir().join(format!("kmeans-bench-read-{}", std::process::id()));
        let new = dir
            .join("assign")
            .join("loops_assign_v1-lit")
            .join("n_5000")
            .join("new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(
            new.join("benchmark.json"),
            r#"{"group_id":"assign","function_id":"loops/assign/v1-literal","value_str":"n=5000","throughput":null,"full_id":"x","directory_name":"y","title":"z"}"#,
        )
        .unwrap();
        let est = |v: f64| {
            format!(
                r#"{{"point_estimate":{v},"standard_error":1.0,"confidence_interval":{{"confidence_level":0.95,"lower_bound":{},"upper_bound":{}}}}}"#,
                v - 1.0,
                v + 1.0
            )
        };
        std::fs::write(
            new.join("estimates.json"),
            format!(
                r#"{{"mean":{},"median":{},"median_abs_dev":{},"slope":null,"std_dev":{}}}"#,
                est(2000.0),
                est(1000.0),
                est(10.0),
                est(5.0)
            ),
        )
        .unwrap();
        let before = SystemTime::now() - std::time::Duration::from_secs(60);
        let found = read_criterion(&dir, before);
        let key = (
            "assign".to_string(),
            "loops/assign/v1-literal".to_string(),
            "n=5000".to_string(),
        );
        let e = found[&key];
        assert!((e.median_s - 1e-6).abs() < 1e-15);
        assert!((e.lower_s - 999e-9).abs() < 1e-15);
        assert!((e.mad_s - 10e-9).abs() < 1e-15);
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        assert!(
            read_criterion(&dir, later).is_empty(),
            "stale results are ignored"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
