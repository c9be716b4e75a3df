//! The `default-fit` group: the fit a user actually runs — `KMeans::new(k)` (k-means++,
//! `tol = 1e-4`, to convergence, one init) on the fastest variant — timed from data to result,
//! against scikit-learn, scikit-learn-intelex and faiss on their defaults, in alternating rounds
//! of the same run (`benches/python/default_fit.py` is the peers' long-lived worker).
//!
//! Not a criterion group: criterion times one function at a time, and rounds must alternate
//! between processes. Each round runs every contender once, in a rotated order, with the round
//! number as every contender's seed; the rows hold the medians over rounds (time, iterations,
//! inertia, our init time). One uncounted fit of every contender on the smallest workload warms
//! imports and pools first.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::time::Instant;

use kmeans_workshop::{Init, KMeans, Matrix, Points, Scalar, data, fastest};
use serde_json::{Value, json};

use crate::python::PythonEnv;
use crate::results::{FitStats, Outcome, Row, Source};
use crate::{Context, GroupOutput};

/// The group id in rows and reports.
pub const GROUP: &str = "default-fit";

/// How a workload's data is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `data::blobs(n, k, d, std 1)`: `k` well-separated Gaussian blobs.
    Blobs,
    /// `data::uniform(n, d)`: no cluster structure at all.
    Uniform,
    /// scikit-learn's bundled `load_digits()` (1797 × 64, float64), exported by Python.
    Digits,
}

/// One workload of the group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Workload {
    /// Short id, used in the row's parameters.
    pub id: &'static str,
    /// Points (for `Digits`, the bundled file's).
    pub n: usize,
    /// Dimensions.
    pub d: usize,
    /// Clusters.
    pub k: usize,
    /// `true`: f32, else f64.
    pub f32: bool,
    /// How the data is made.
    pub kind: Kind,
}

/// The workloads of issue 11, in report order.
pub const WORKLOADS: &[Workload] = &[
    Workload {
        id: "blobs",
        n: 100_000,
        d: 32,
        k: 64,
        f32: true,
        kind: Kind::Blobs,
    },
    Workload {
        id: "uniform",
        n: 300_000,
        d: 8,
        k: 100,
        f32: false,
        kind: Kind::Uniform,
    },
    Workload {
        id: "high-d-blobs",
        n: 40_000,
        d: 300,
        k: 20,
        f32: true,
        kind: Kind::Blobs,
    },
    Workload {
        id: "digits",
        n: 1797,
        d: 64,
        k: 10,
        f32: false,
        kind: Kind::Digits,
    },
];

/// Pause before each timed fit, so no contender runs while another's threads still spin.
pub(crate) const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// Seed of the synthetic workloads' data.
pub(crate) const DATA_SEED: u64 = 11;

/// Our inits measured by the group, as they appear in row names: the default (k-means++)
/// first, then k-means|| (`Init::kmeans_parallel()`: ℓ = 2k, 5 rounds; "parallel" in names,
/// since a `|` would split a Markdown table cell).
pub const OUR_INITS: &[&str] = &["k-means++", "k-means-parallel"];

fn our_init<T: Scalar>(name: &str) -> Option<Init<T>> {
    match name {
        "k-means++" => Some(Init::KMeansPlusPlus),
        "k-means-parallel" => Some(Init::kmeans_parallel()),
        _ => None,
    }
}

/// The peers, by row name, with the pip package each needs.
pub const PEERS: &[(&str, &str, &str)] = &[
    (
        "scikit-learn/default/KMeans",
        "scikit-learn",
        "scikit-learn",
    ),
    (
        "scikit-learn-intelex/default/KMeans",
        "scikit-learn-intelex",
        "scikit-learn-intelex",
    ),
    ("faiss/default/Kmeans", "faiss", "faiss-cpu"),
];

pub(crate) enum Dataset {
    F32(Matrix<f32>),
    F64(Matrix<f64>),
}

impl Dataset {
    fn make(w: &Workload, digits: Option<&Path>) -> Result<Self, String> {
        Ok(match (w.kind, w.f32) {
            (Kind::Blobs, true) => Dataset::F32(data::blobs(w.n, w.k, w.d, 1.0, DATA_SEED).data),
            (Kind::Blobs, false) => Dataset::F64(data::blobs(w.n, w.k, w.d, 1.0, DATA_SEED).data),
            (Kind::Uniform, true) => Dataset::F32(data::uniform(w.n, w.d, DATA_SEED)),
            (Kind::Uniform, false) => Dataset::F64(data::uniform(w.n, w.d, DATA_SEED)),
            (Kind::Digits, _) => {
                let path = digits.ok_or("load_digits() needs the Python peers' scikit-learn")?;
                let a: ndarray::Array2<f64> =
                    ndarray_npy::read_npy(path).map_err(|e| format!("{}: {e}", path.display()))?;
                let (n, d) = a.dim();
                let m = Matrix::from_vec(a.iter().copied().collect(), n, d)
                    .map_err(|e| e.to_string())?;
                if w.f32 {
                    Dataset::F32(m.cast())
                } else {
                    Dataset::F64(m)
                }
            }
        })
    }

    pub(crate) fn shape(&self) -> (usize, usize) {
        match self {
            Dataset::F32(m) => m.shape(),
            Dataset::F64(m) => m.shape(),
        }
    }

    pub(crate) fn write_npy(&self, path: &Path) -> Result<(), String> {
        let (n, d) = self.shape();
        let r = match self {
            Dataset::F32(m) => ndarray::ArrayView2::from_shape((n, d), m.as_slice())
                .map_err(|e| e.to_string())
                .and_then(|a| ndarray_npy::write_npy(path, &a).map_err(|e| e.to_string())),
            Dataset::F64(m) => ndarray::ArrayView2::from_shape((n, d), m.as_slice())
                .map_err(|e| e.to_string())
                .and_then(|a| ndarray_npy::write_npy(path, &a).map_err(|e| e.to_string())),
        };
        r.map_err(|e| format!("{}: {e}", path.display()))
    }

    /// One default fit of ours: seconds, iterations, init seconds, centroids as rows of f64.
    fn fit(
        &self,
        init: &str,
        k: usize,
        threads: Option<usize>,
        seed: u64,
    ) -> Result<Sample, String> {
        match self {
            Dataset::F32(m) => fit_ours(m.view(), init, k, threads, seed),
            Dataset::F64(m) => fit_ours(m.view(), init, k, threads, seed),
        }
    }
}

/// One contender's result in one round.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sample {
    pub seconds: f64,
    pub iterations: f64,
    pub init_s: Option<f64>,
    pub inertia: Option<f64>,
    pub centroids: Option<Vec<Vec<f64>>>,
}

fn fit_ours<T: Scalar>(
    points: Points<'_, T>,
    init: &str,
    k: usize,
    threads: Option<usize>,
    seed: u64,
) -> Result<Sample, String> {
    let init = our_init::<T>(init).ok_or_else(|| format!("unknown init {init}"))?;
    let variant = fastest::<T>();
    let params = KMeans::<T>::new(k).init(init).seed(seed).threads(threads);
    let start = Instant::now();
    let fit = params
        .fit_variant(&variant, points)
        .map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    let centroids = (0..fit.centroids.n())
        .map(|j| fit.centroids.row(j).iter().map(|v| v.as_f64()).collect())
        .collect();
    Ok(Sample {
        seconds,
        iterations: fit.iterations as f64,
        init_s: Some(fit.init_seconds),
        inertia: None,
        centroids: Some(centroids),
    })
}

/// The peers' worker process: one JSON request per line in, one reply per line out.
pub(crate) struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Peer row name → why it cannot run at all (import failure), from the worker's greeting.
    pub unavailable: Vec<(String, String)>,
    pub versions: String,
}

impl Worker {
    pub(crate) fn start(env: &PythonEnv, script: &Path, manifest: &Path) -> Result<Worker, String> {
        let mut child = env
            .command()
            .arg(script)
            .arg("serve")
            .arg(manifest)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", env.exe.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut w = Worker {
            child,
            stdin,
            stdout,
            unavailable: Vec::new(),
            versions: String::new(),
        };
        let hello = w.read()?;
        if hello.get("ready") != Some(&Value::Bool(true)) {
            return Err(format!("unexpected greeting from the worker: {hello}"));
        }
        for (name, module, package) in PEERS {
            if let Some(why) = env.why_missing(package) {
                w.unavailable.push((name.to_string(), why.to_string()));
            } else if let Some(why) = hello["peers"][module].as_str() {
                w.unavailable.push((name.to_string(), why.to_string()));
            }
        }
        w.versions = format!(
            "{}; BLAS: {}",
            hello["versions"]
                .as_object()
                .map(|o| o
                    .iter()
                    .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default(),
            hello["blas"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        );
        Ok(w)
    }

    fn read(&mut self) -> Result<Value, String> {
        let mut line = String::new();
        let read = self
            .stdout
            .read_line(&mut line)
            .map_err(|e| format!("reading from the worker: {e}"))?;
        if read == 0 {
            return Err("the Python worker exited".into());
        }
        serde_json::from_str(&line).map_err(|e| format!("the worker said {line:?}: {e}"))
    }

    pub(crate) fn request(&mut self, req: Value) -> Result<Value, String> {
        writeln!(self.stdin, "{req}").map_err(|e| format!("writing to the worker: {e}"))?;
        self.stdin
            .flush()
            .map_err(|e| format!("writing to the worker: {e}"))?;
        let reply = self.read()?;
        match reply.get("error").and_then(Value::as_str) {
            Some(e) => Err(e.to_string()),
            None => Ok(reply),
        }
    }

    fn fit(
        &mut self,
        peer: &str,
        workload: &str,
        threads: usize,
        seed: u64,
    ) -> Result<Sample, String> {
        let module = PEERS
            .iter()
            .find(|p| p.0 == peer)
            .map(|p| p.1)
            .ok_or("unknown peer")?;
        let r = self.request(
            json!({"op": "fit", "peer": module, "workload": workload, "threads": threads, "seed": seed}),
        )?;
        Ok(Sample {
            seconds: r["seconds"].as_f64().ok_or("no seconds in the reply")?,
            iterations: r["iterations"].as_f64().unwrap_or(f64::NAN),
            init_s: None,
            inertia: r["inertia"].as_f64(),
            centroids: None,
        })
    }

    pub(crate) fn inertia(&mut self, workload: &str, centroids: &[Vec<f64>]) -> Option<f64> {
        self.request(json!({"op": "inertia", "workload": workload, "centroids": centroids}))
            .ok()
            .and_then(|r| r["inertia"].as_f64())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "{}", json!({"op": "quit"}));
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

/// Median of the finite values, `None` if there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

pub(crate) fn outcome(times: &[f64]) -> Outcome {
    let Some(med) = median(times) else {
        return Outcome::Missing {
            reason: "no round completed".into(),
        };
    };
    let deviations: Vec<f64> = times.iter().map(|t| (t - med).abs()).collect();
    Outcome::Measured {
        median_s: med,
        mad_s: median(&deviations).unwrap_or(0.0),
        lower_s: times.iter().copied().fold(f64::INFINITY, f64::min),
        upper_s: times.iter().copied().fold(0.0, f64::max),
    }
}

/// The contenders of one cell: ours (one per init), then the peers.
fn contenders() -> Vec<String> {
    OUR_INITS
        .iter()
        .map(|i| format!("kmeans-workshop/default/{i}"))
        .chain(PEERS.iter().map(|p| p.0.to_string()))
        .collect()
}

fn row(w: &Workload, n: usize, d: usize, name: &str, threads: usize, outcome: Outcome) -> Row {
    let dtype = if w.f32 { "f32" } else { "f64" };
    Row {
        group: GROUP.into(),
        name: name.into(),
        param: format!("n={n} k={} d={d} {dtype} {} t={threads}", w.k, w.id),
        n,
        k: w.k,
        d,
        dtype: dtype.into(),
        threads,
        slide: None,
        source: if name.starts_with("kmeans-workshop/") {
            Source::Rust
        } else {
            Source::Python
        },
        outcome,
        note: None,
        fit: None,
    }
}

/// How many rounds a (workload, threads) cell runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// Rounds every contender runs even past the cell's budget — unless its own fits would
    /// then pass the budget: a contender stops before the fit that would take its own total
    /// over `budget_s` (down to one fit), so a slow contender can end with fewer.
    pub min: usize,
    /// Never more.
    pub max: usize,
    /// Start another round (up to `max`) while the cell has run for less than this.
    pub budget_s: f64,
}

/// The rounds of a profile: quick keeps the slow cells (3e5 × 8 uniform runs ~200 iterations to
/// converge) at three rounds.
pub fn plan(profile: &str) -> Plan {
    if profile == "full" {
        Plan {
            min: 5,
            max: 11,
            budget_s: 120.0,
        }
    } else {
        Plan {
            min: 3,
            max: 5,
            budget_s: 8.0,
        }
    }
}

/// One fit of contender `name` (ours in-process, a peer through the worker). Our threads:
/// `Some(threads)` below `all_cores`, else the default (global) pool.
fn fit_contender(
    name: &str,
    ds: &Dataset,
    w: &Workload,
    threads: usize,
    all_cores: usize,
    seed: u64,
    worker: &mut Result<Worker, String>,
) -> Result<Sample, String> {
    if let Some(init) = name.strip_prefix("kmeans-workshop/default/") {
        let ours = (threads < all_cores).then_some(threads);
        let mut s = ds.fit(init, w.k, ours, seed)?;
        if let (Ok(wk), Some(c)) = (worker.as_mut(), s.centroids.take()) {
            s.inertia = wk.inertia(w.id, &c);
        }
        Ok(s)
    } else {
        match worker.as_mut() {
            Ok(wk) => wk.fit(name, w.id, threads, seed),
            Err(e) => Err(e.clone()),
        }
    }
}

/// Run the group; its rows (none in the smoke test) and a status line for the peers.
pub fn run(cfg: &Context<'_>) -> GroupOutput {
    let plan = plan(cfg.profile);
    let mut thread_counts = vec![1, cfg.cores];
    thread_counts.dedup();
    eprintln!(
        "== {} group {GROUP}: KMeans::new(k) from data to result, {}–{} rounds alternating with the peers",
        crate::since_start(),
        plan.min,
        plan.max
    );
    if !cfg.benchmarking {
        for w in WORKLOADS.iter().filter(|w| w.kind != Kind::Digits) {
            for init in OUR_INITS {
                let outcome = Dataset::make(w, None).and_then(|ds| ds.fit(init, w.k, Some(1), 0));
                if let Err(e) = outcome {
                    eprintln!("error: {GROUP}/{}/{init}: {e}", w.id);
                    std::process::exit(1);
                }
            }
        }
        return GroupOutput {
            rows: Vec::new(),
            status: "smoke test: ours only".into(),
        };
    }
    if let Err(e) = std::fs::create_dir_all(&cfg.dir) {
        eprintln!("warning: {}: {e}", cfg.dir.display());
    }
    let script = cfg
        .root
        .join("benches")
        .join("python")
        .join("default_fit.py");
    // The peers' Python, or why not.
    let env: Result<&PythonEnv, String> = match cfg.python {
        None => Err("not run: no Python peers in this invocation".into()),
        Some(Err(e)) => Err(format!("not run: {e}")),
        Some(Ok(env)) => match env.core_missing() {
            Some(why)
                if env.why_missing("numpy").is_some()
                    || env.why_missing("threadpoolctl").is_some() =>
            {
                Err(format!("not run: {why}"))
            }
            _ => Ok(env),
        },
    };
    // scikit-learn's digits, exported once per run.
    let digits = cfg.dir.join("digits.npy");
    let digits_status: Result<PathBuf, String> = env.clone().and_then(|env| {
        if let Some(why) = env.why_missing("scikit-learn") {
            return Err(format!("not run: load_digits() needs scikit-learn ({why})"));
        }
        let out = env
            .command()
            .arg(&script)
            .arg("export-digits")
            .arg(&digits)
            .output()
            .map_err(|e| format!("not run: could not start Python: {e}"))?;
        if out.status.success() {
            Ok(digits.clone())
        } else {
            Err(format!(
                "not run: exporting load_digits() failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ))
        }
    });
    let mut datasets = Vec::new();
    for w in WORKLOADS {
        let ds =
            Dataset::make(w, digits_status.as_deref().ok()).map_err(|e| match &digits_status {
                Err(why) if w.kind == Kind::Digits => why.clone(),
                _ => format!("not run: {e}"),
            });
        let ds = ds.and_then(|ds| {
            let path = cfg.dir.join(format!("{}.npy", w.id));
            if env.is_ok() {
                ds.write_npy(&path)?;
            }
            Ok((ds, path))
        });
        datasets.push(ds);
    }
    let manifest = cfg.dir.join("manifest.json");
    let mut worker: Result<Worker, String> = env.clone().and_then(|env| {
        let workloads: Vec<Value> = WORKLOADS
            .iter()
            .zip(&datasets)
            .filter_map(|(w, ds)| {
                ds.as_ref()
                    .ok()
                    .map(|(_, p)| json!({"id": w.id, "x": p, "k": w.k}))
            })
            .collect();
        std::fs::write(&manifest, json!({ "workloads": workloads }).to_string())
            .map_err(|e| format!("not run: {}: {e}", manifest.display()))?;
        Worker::start(env, &script, &manifest).map_err(|e| format!("not run: {e}"))
    });
    let status = match (&worker, &env) {
        (Ok(w), _) => format!("ran in this run: {}", w.versions),
        (Err(e), _) => e.clone(),
    };
    let names = contenders();
    let all_cores = thread_counts.iter().copied().max().unwrap_or(1);
    // One uncounted fit of every contender on the smallest workload first: lazy imports, JIT
    // dispatch tables and thread pools are set up before anything is timed.
    if let Some((w, (ds, _))) = WORKLOADS
        .iter()
        .zip(&datasets)
        .filter_map(|(w, ds)| ds.as_ref().ok().map(|ds| (w, ds)))
        .min_by_key(|(w, _)| w.n * w.d)
    {
        for name in &names {
            for &threads in &thread_counts {
                let _ = fit_contender(name, ds, w, threads, all_cores, 0, &mut worker);
            }
        }
    }
    let mut rows = Vec::new();
    for (w, ds) in WORKLOADS.iter().zip(&datasets) {
        let (ds, _) = match ds {
            Ok(ds) => ds,
            Err(why) => {
                for &t in &thread_counts {
                    for name in &names {
                        rows.push(row(
                            w,
                            w.n,
                            w.d,
                            name,
                            t,
                            Outcome::Missing {
                                reason: why.clone(),
                            },
                        ));
                    }
                }
                continue;
            }
        };
        let (n, d) = ds.shape();
        for &threads in &thread_counts {
            eprintln!("   {} n={n} d={d} k={} t={threads}", w.id, w.k);
            // Who runs in this cell, and why the others do not.
            let mut skip: Vec<Option<String>> = names
                .iter()
                .map(|name| {
                    if name.starts_with("kmeans-workshop/") {
                        return None;
                    }
                    if name.starts_with("faiss/") && !w.f32 {
                        return Some(
                            "not run: faiss-cpu's k-means is float32-only; this workload is float64"
                                .into(),
                        );
                    }
                    match &worker {
                        Err(e) => Some(e.clone()),
                        Ok(wk) => wk
                            .unavailable
                            .iter()
                            .find(|(p, _)| p == name)
                            .map(|(_, why)| format!("not run: {why}")),
                    }
                })
                .collect();
            let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); names.len()];
            let started = Instant::now();
            let mut round = 0;
            loop {
                // Who takes part in this round: everyone up to `min` samples, then more while
                // the cell's budget lasts; a contender whose next fit would take its own total
                // past the budget stops (down to one fit: a 20-second fit in quick is one fit).
                let in_budget = started.elapsed().as_secs_f64() < plan.budget_s;
                let runs: Vec<bool> = (0..names.len())
                    .map(|c| {
                        let done = samples[c].len();
                        let own: f64 = samples[c].iter().map(|s| s.seconds).sum();
                        skip[c].is_none()
                            && round < plan.max
                            && (done == 0 || own + own / done as f64 <= plan.budget_s)
                            && (done < plan.min || in_budget)
                    })
                    .collect();
                if !runs.contains(&true) {
                    break;
                }
                let m = names.len();
                for i in 0..m {
                    // Rotate who goes first, so no contender always runs on a warmer machine.
                    let c = (i + round) % m;
                    if !runs[c] {
                        continue;
                    }
                    // Let the previous contender's idle worker threads (OpenMP, OpenBLAS, TBB
                    // spin before they sleep) stop competing for the cores.
                    std::thread::sleep(SETTLE);
                    match fit_contender(
                        &names[c],
                        ds,
                        w,
                        threads,
                        all_cores,
                        round as u64 + 1,
                        &mut worker,
                    ) {
                        Ok(s) => samples[c].push(s),
                        Err(e) => {
                            eprintln!("   {}: {e}", names[c]);
                            skip[c] = Some(format!("failed: {e}"));
                        }
                    }
                }
                round += 1;
            }
            let medians: Vec<String> = names
                .iter()
                .zip(&samples)
                .filter_map(|(name, s)| {
                    let t = median(&s.iter().map(|s| s.seconds).collect::<Vec<_>>())?;
                    // Ours by init, peers by name.
                    let short = name
                        .strip_prefix("kmeans-workshop/default/")
                        .unwrap_or_else(|| name.split('/').next().unwrap_or(name));
                    Some(format!("{short} {t:.3} s ({} fits)", s.len()))
                })
                .collect();
            eprintln!(
                "     {round} rounds in {:.0} s: {}",
                started.elapsed().as_secs_f64(),
                medians.join(", ")
            );
            for (c, name) in names.iter().enumerate() {
                let s = &samples[c];
                let outcome = match &skip[c] {
                    Some(why) => Outcome::Missing {
                        reason: why.clone(),
                    },
                    None => outcome(&s.iter().map(|s| s.seconds).collect::<Vec<_>>()),
                };
                let mut r = row(w, n, d, name, threads, outcome);
                if !s.is_empty() && skip[c].is_none() {
                    let of = |f: &dyn Fn(&Sample) -> Option<f64>| {
                        median(&s.iter().filter_map(f).collect::<Vec<_>>())
                    };
                    r.fit = Some(FitStats {
                        iterations: of(&|s| Some(s.iterations)).unwrap_or(f64::NAN),
                        inertia: of(&|s| s.inertia),
                        init_s: of(&|s| s.init_s),
                        rounds: s.len(),
                    });
                }
                rows.push(r);
            }
        }
    }
    GroupOutput { rows, status }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN]), None);
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn outcome_has_median_spread_and_range() {
        let o = outcome(&[1.0, 2.0, 4.0]);
        assert_eq!(
            o,
            Outcome::Measured {
                median_s: 2.0,
                mad_s: 1.0,
                lower_s: 1.0,
                upper_s: 4.0
            }
        );
        assert!(matches!(outcome(&[]), Outcome::Missing { .. }));
    }

    #[test]
    fn every_our_init_is_known_for_both_float_types() {
        for i in OUR_INITS {
            assert!(
                our_init::<f32>(i).is_some() && our_init::<f64>(i).is_some(),
                "{i}"
            );
        }
        assert!(our_init::<f32>("nonsense").is_none());
    }

    #[test]
    fn ours_fits_a_small_workload_and_reports_its_init() {
        let w = Workload {
            id: "t",
            n: 2000,
            d: 4,
            k: 5,
            f32: true,
            kind: Kind::Blobs,
        };
        let ds = Dataset::make(&w, None).unwrap();
        let s = ds.fit("k-means++", 5, Some(1), 3).unwrap();
        assert!(s.seconds > 0.0 && s.iterations >= 1.0);
        assert!(s.init_s.is_some_and(|t| t > 0.0 && t <= s.seconds));
        assert_eq!(s.centroids.as_ref().map(Vec::len), Some(5));
        let e = ds.fit("k-means++", 5000, Some(1), 3).unwrap_err();
        assert!(!e.is_empty(), "k > n is an error, not a panic");
    }

    #[test]
    fn digits_without_python_says_why() {
        let w = WORKLOADS.iter().find(|w| w.kind == Kind::Digits).unwrap();
        let e = Dataset::make(w, None).err().unwrap();
        assert!(e.contains("load_digits"), "{e}");
    }
}
