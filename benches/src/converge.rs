//! The `converge` group: fits to `tol = 1e-4` from the *same* initial centroids (our k-means++,
//! seeded by the round), ours with and without bounds against scikit-learn's `lloyd` and
//! `elkan` and scikit-learn-intelex, rounds alternating in one run (the peers through the
//! `default-fit` group's worker, `benches/python/default_fit.py`, op `fit_from`). Each of our
//! rows notes the share of plain Lloyd's `n·k` distances its iterations computed
//! (`IterationLog::distances`). The init is not timed: every contender starts from it.

use std::path::Path;
use std::time::Instant;

use kmeans_workshop::{Init, IterationVariant, KMeans, Matrix, Points, Scalar, data};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

use crate::default_fit::{DATA_SEED, Dataset, Plan, SETTLE, Sample, Worker, median, outcome};
use crate::python::PythonEnv;
use crate::results::{FitStats, Outcome, Row, Source};
use crate::{Context, GroupOutput};

/// The group id in rows and reports.
pub const GROUP: &str = "converge";

/// The convergence tolerance of every contender (scikit-learn's default).
const TOL: f64 = 1e-4;

/// One workload: `data::blobs(n, k, d, std)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Workload {
    /// Short id, used in the row's parameters.
    pub id: &'static str,
    /// Points.
    pub n: usize,
    /// Dimensions.
    pub d: usize,
    /// Clusters.
    pub k: usize,
    /// `true`: f32, else f64.
    pub f32: bool,
    /// The blobs' spread (the centres are uniform in [−10, 10]^d): 1 separates them well; 5
    /// at d = 64 makes them overlap, so the fit takes tens of iterations.
    pub std: f64,
}

/// Issue 14's two target shapes.
pub const WORKLOADS: &[Workload] = &[
    Workload {
        id: "blobs",
        n: 200_000,
        d: 16,
        k: 128,
        f32: true,
        std: 1.0,
    },
    Workload {
        id: "overlapping",
        n: 100_000,
        d: 64,
        k: 64,
        f32: false,
        std: 5.0,
    },
];

/// Our contenders: plain Lloyd (the default before the bounds), the default (`auto`) and the
/// bounds variants, by registry name.
pub const OURS: &[&str] = &[
    "simd/iter/dot-blocked-par",
    "simd/iter/auto",
    "simd/iter/hamerly-dot",
    "simd/iter/hamerly",
    "simd/iter/yinyang",
];

/// The peers: row name, worker peer, algorithm.
pub const PEERS: &[(&str, &str, &str)] = &[
    ("scikit-learn/converge/lloyd", "scikit-learn", "lloyd"),
    ("scikit-learn/converge/elkan", "scikit-learn", "elkan"),
    (
        "scikit-learn-intelex/converge/KMeans",
        "scikit-learn-intelex",
        "lloyd",
    ),
];

/// Rounds per cell: few in quick (one thread only there), more in full (1 thread and all).
fn plan(profile: &str) -> (Plan, bool) {
    if profile == "full" {
        (
            Plan {
                min: 5,
                max: 9,
                budget_s: 90.0,
            },
            true,
        )
    } else {
        (
            Plan {
                min: 3,
                max: 3,
                budget_s: 15.0,
            },
            false,
        )
    }
}

fn make(w: &Workload) -> Dataset {
    if w.f32 {
        Dataset::F32(data::blobs(w.n, w.k, w.d, w.std, DATA_SEED).data)
    } else {
        Dataset::F64(data::blobs(w.n, w.k, w.d, w.std, DATA_SEED).data)
    }
}

/// The round's initial centroids: our k-means++ (on the default Lloyd rung's distance
/// kernel) with the round's seed, as rows of f64.
fn initial(ds: &Dataset, k: usize, seed: u64) -> Result<Vec<Vec<f64>>, String> {
    fn run<T: Scalar>(m: &Matrix<T>, k: usize, seed: u64) -> Result<Vec<Vec<f64>>, String> {
        let variant = kmeans_workshop::fastest::<T>();
        let kernel = variant.require::<T>().map_err(|e| e.to_string())?;
        let mut rng = StdRng::seed_from_u64(seed);
        let c = Init::<T>::KMeansPlusPlus
            .centroids_with(m.view(), k, &mut rng, kernel)
            .map_err(|e| e.to_string())?;
        Ok(rows_f64(&c))
    }
    match ds {
        Dataset::F32(m) => run(m, k, seed),
        Dataset::F64(m) => run(m, k, seed),
    }
}

fn rows_f64<T: Scalar>(m: &Matrix<T>) -> Vec<Vec<f64>> {
    (0..m.n())
        .map(|j| m.row(j).iter().map(|v| v.as_f64()).collect())
        .collect()
}

/// One fit of ours from `init`: seconds, iterations, the share of `n·k` distances computed,
/// and the final centroids.
fn fit_ours<T: Scalar>(
    points: Points<'_, T>,
    variant: &IterationVariant,
    init: &[Vec<f64>],
    threads: usize,
) -> Result<(Sample, f64), String> {
    let rows: Vec<Vec<T>> = init
        .iter()
        .map(|r| r.iter().map(|&v| T::of_f64(v)).collect())
        .collect();
    let init = Matrix::from_rows(&rows).map_err(|e| e.to_string())?;
    let k = init.n();
    let params = KMeans::<T>::new(k)
        .init(Init::Centroids(init))
        .tol(TOL)
        .threads(Some(threads));
    let start = Instant::now();
    let fit = params
        .fit_variant(variant, points)
        .map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    let done: u64 = fit.history.iter().map(|h| h.distances).sum();
    let all = (fit.iterations * points.n() * k) as f64;
    Ok((
        Sample {
            seconds,
            iterations: fit.iterations as f64,
            init_s: None,
            inertia: None,
            centroids: Some(rows_f64(&fit.centroids)),
        },
        done as f64 / all,
    ))
}

/// Every contender's row name: ours first, then the peers.
fn contenders() -> Vec<String> {
    OURS.iter()
        .map(|v| {
            format!(
                "kmeans-workshop/converge/{}",
                v.rsplit('/').next().unwrap_or(v)
            )
        })
        .chain(PEERS.iter().map(|p| p.0.to_string()))
        .collect()
}

fn row(w: &Workload, name: &str, threads: usize, outcome: Outcome) -> Row {
    let dtype = if w.f32 { "f32" } else { "f64" };
    Row {
        group: GROUP.into(),
        name: name.into(),
        param: format!(
            "n={} k={} d={} {dtype} {} std={} t={threads}",
            w.n, w.k, w.d, w.id, w.std
        ),
        n: w.n,
        k: w.k,
        d: w.d,
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

/// The peers' worker on this group's data, or why not.
fn worker(cfg: &Context<'_>, datasets: &[Dataset]) -> Result<Worker, String> {
    let env: &PythonEnv = match cfg.python {
        None => return Err("not run: no Python peers in this invocation".into()),
        Some(Err(e)) => return Err(format!("not run: {e}")),
        Some(Ok(env)) => env,
    };
    if let Some(why) = env.why_missing("scikit-learn") {
        return Err(format!("not run: {why}"));
    }
    std::fs::create_dir_all(&cfg.dir).map_err(|e| format!("{}: {e}", cfg.dir.display()))?;
    let mut workloads = Vec::new();
    for (w, ds) in WORKLOADS.iter().zip(datasets) {
        let path = cfg.dir.join(format!("{}.npy", w.id));
        ds.write_npy(&path)?;
        workloads.push(json!({"id": w.id, "x": path, "k": w.k}));
    }
    let manifest = cfg.dir.join("manifest.json");
    std::fs::write(&manifest, json!({ "workloads": workloads }).to_string())
        .map_err(|e| format!("{}: {e}", manifest.display()))?;
    let script = Path::new(&cfg.root)
        .join("benches")
        .join("python")
        .join("default_fit.py");
    Worker::start(env, &script, &manifest).map_err(|e| format!("not run: {e}"))
}

/// One fit's sample and, for ours, the share of `n·k` distances it computed.
type Measured = (Sample, Option<f64>);

/// One fit of contender `c` (index into [`contenders`]) from `init`.
fn fit_contender(
    c: usize,
    ds: &Dataset,
    w: &Workload,
    init: &[Vec<f64>],
    threads: usize,
    worker: &mut Result<Worker, String>,
) -> Result<Measured, String> {
    if let Some(name) = OURS.get(c) {
        let variant = kmeans_workshop::registry()
            .iteration_named(name)
            .ok_or_else(|| format!("{name} is not registered"))?;
        let (mut s, share) = match ds {
            Dataset::F32(m) => fit_ours(m.view(), &variant, init, threads)?,
            Dataset::F64(m) => fit_ours(m.view(), &variant, init, threads)?,
        };
        if let (Ok(wk), Some(centroids)) = (worker.as_mut(), s.centroids.take()) {
            s.inertia = wk.inertia(w.id, &centroids);
        }
        return Ok((s, Some(share)));
    }
    let (_, peer, algorithm) = PEERS[c - OURS.len()];
    let wk = worker.as_mut().map_err(|e| e.clone())?;
    let r = wk.request(json!({
        "op": "fit_from", "peer": peer, "algorithm": algorithm, "workload": w.id,
        "threads": threads, "init": init, "tol": TOL,
    }))?;
    Ok((
        Sample {
            seconds: r["seconds"].as_f64().ok_or("no seconds in the reply")?,
            iterations: r["iterations"].as_f64().unwrap_or(f64::NAN),
            init_s: None,
            inertia: r["inertia"].as_f64(),
            centroids: None,
        },
        None,
    ))
}

/// Run the group; its rows (none in the smoke test) and a status line for the peers.
pub fn run(cfg: &Context<'_>) -> GroupOutput {
    let (plan, all_cores) = plan(cfg.profile);
    let mut thread_counts = vec![1];
    if all_cores && cfg.cores > 1 {
        thread_counts.push(cfg.cores);
    }
    eprintln!(
        "== {} group {GROUP}: fits to tol = {TOL} from the same init, {}–{} rounds alternating",
        crate::since_start(),
        plan.min,
        plan.max
    );
    if !cfg.benchmarking {
        // Smoke test: every variant of ours once on a small workload of each kind.
        for w in WORKLOADS {
            let small = Workload { n: 3000, ..*w };
            let ds = make(&small);
            let outcome = initial(&ds, w.k, 0).and_then(|init| {
                (0..OURS.len()).try_for_each(|c| {
                    fit_contender(c, &ds, &small, &init, 1, &mut Err(String::new())).map(|_| ())
                })
            });
            if let Err(e) = outcome {
                eprintln!("error: {GROUP}/{}: {e}", w.id);
                std::process::exit(1);
            }
        }
        return GroupOutput {
            rows: Vec::new(),
            status: "smoke test: ours only".into(),
        };
    }
    let datasets: Vec<Dataset> = WORKLOADS.iter().map(make).collect();
    let mut worker = worker(cfg, &datasets);
    let status = match &worker {
        Ok(w) => format!("ran in this run: {}", w.versions),
        Err(e) => e.clone(),
    };
    let names = contenders();
    let mut rows = Vec::new();
    for (w, ds) in WORKLOADS.iter().zip(&datasets) {
        for &threads in &thread_counts {
            eprintln!("   {} n={} d={} k={} t={threads}", w.id, w.n, w.d, w.k);
            let mut skip: Vec<Option<String>> = names
                .iter()
                .enumerate()
                .map(|(c, _)| {
                    if c < OURS.len() {
                        return None;
                    }
                    match &worker {
                        Err(e) => Some(e.clone()),
                        Ok(wk) => {
                            // The worker knows its peers by their default-fit row names.
                            let prefix = format!("{}/default/", PEERS[c - OURS.len()].1);
                            wk.unavailable
                                .iter()
                                .find(|(p, _)| p.starts_with(&prefix))
                                .map(|(_, why)| format!("not run: {why}"))
                        }
                    }
                })
                .collect();
            let mut samples: Vec<Vec<Measured>> = vec![Vec::new(); names.len()];
            let started = Instant::now();
            for round in 0..plan.max {
                if round >= plan.min && started.elapsed().as_secs_f64() > plan.budget_s {
                    break;
                }
                let init = match initial(ds, w.k, round as u64 + 1) {
                    Ok(i) => i,
                    Err(e) => {
                        eprintln!("   init: {e}");
                        break;
                    }
                };
                let m = names.len();
                for i in 0..m {
                    // Rotate who goes first, so no contender always runs on a warmer machine.
                    let c = (i + round) % m;
                    if skip[c].is_some() {
                        continue;
                    }
                    std::thread::sleep(SETTLE);
                    match fit_contender(c, ds, w, &init, threads, &mut worker) {
                        Ok(s) => samples[c].push(s),
                        Err(e) => {
                            eprintln!("   {}: {e}", names[c]);
                            skip[c] = Some(format!("failed: {e}"));
                        }
                    }
                }
            }
            for (c, name) in names.iter().enumerate() {
                let s = &samples[c];
                let times: Vec<f64> = s.iter().map(|(s, _)| s.seconds).collect();
                let outcome = match &skip[c] {
                    Some(why) => Outcome::Missing {
                        reason: why.clone(),
                    },
                    None => outcome(&times),
                };
                let mut r = row(w, name, threads, outcome);
                if !s.is_empty() && skip[c].is_none() {
                    let of = |f: &dyn Fn(&Measured) -> Option<f64>| {
                        median(&s.iter().filter_map(f).collect::<Vec<_>>())
                    };
                    r.fit = Some(FitStats {
                        iterations: of(&|s| Some(s.0.iterations)).unwrap_or(f64::NAN),
                        inertia: of(&|s| s.0.inertia),
                        init_s: None,
                        rounds: s.len(),
                    });
                    r.note = of(&|s| s.1)
                        .map(|share| format!("{:.1} % of n·k distances computed", 100.0 * share));
                }
                eprintln!(
                    "     {name}: {}",
                    median(&times).map_or("—".into(), |t| format!("{:.3} s", t))
                );
                rows.push(r);
            }
        }
    }
    GroupOutput { rows, status }
}
