//! `cargo bench`: every registered variant through criterion, then charts, tables and JSON in
//! `reports/` (and the charts in `book/src/img/`), in the same run.
//!
//! Profiles: `quick` (default, a few minutes on 2 cores) and `full` (`KMEANS_BENCH=full`).
//! Budgets: a variant whose declared extra memory exceeds `KMEANS_BENCH_MEMORY_GIB` (default 1)
//! or whose predicted time per call exceeds the profile's limit is skipped and reported as such.
//! criterion's own arguments work as usual: `cargo bench -- assign`, `--save-baseline`, … .

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use criterion::{BenchmarkId, Criterion, SamplingMode};

mod outofcore;
use kmeans_benches::cases::{Case, LARGE, MID, MNIST, case};
use kmeans_benches::machine::MachineInfo;
use kmeans_benches::report::{Peak, Report};
use kmeans_benches::results::{Outcome, Row, Source, read_criterion};
use kmeans_benches::{Context, Group, converge, default_fit, python};
use kmeans_workshop::{
    Init, IterationStep, KMeans, Points, Registry, Scalar, Shape, VariantInfo, data, registry,
};

/// What a profile allows.
struct Profile {
    name: &'static str,
    /// Longest predicted time of one call that is still measured.
    max_call_s: f64,
    /// Longest predicted time of one call in the scaling sweeps.
    max_sweep_call_s: f64,
    /// Longest predicted time of one call at the large shape (the SIMD backend's headline).
    max_large_call_s: f64,
    warm_up: Duration,
    measurement: Duration,
    samples: usize,
    sweep_warm_up: Duration,
    sweep_measurement: Duration,
    sweep_n: &'static [usize],
    sweep_k: &'static [usize],
    sweep_d: &'static [usize],
}

const QUICK: Profile = Profile {
    name: "quick",
    max_call_s: 0.6,
    max_sweep_call_s: 0.15,
    max_large_call_s: 2.0,
    warm_up: Duration::from_millis(300),
    measurement: Duration::from_millis(800),
    samples: 10,
    sweep_warm_up: Duration::from_millis(100),
    sweep_measurement: Duration::from_millis(300),
    sweep_n: &[1_000, 10_000, 100_000, 1_000_000],
    sweep_k: &[2, 16, 128, 1024],
    sweep_d: &[2, 16, 128, 1024],
};

const FULL: Profile = Profile {
    name: "full",
    max_call_s: 60.0,
    max_sweep_call_s: 5.0,
    max_large_call_s: 60.0,
    warm_up: Duration::from_secs(1),
    measurement: Duration::from_secs(3),
    samples: 20,
    sweep_warm_up: Duration::from_millis(500),
    sweep_measurement: Duration::from_millis(1500),
    sweep_n: &[1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000],
    sweep_k: &[2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    sweep_d: &[2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
};

struct Harness {
    c: Criterion,
    profile: &'static Profile,
    memory_limit: f64,
    cores: usize,
    /// Seconds per unit of declared work, per (kind, variant, bytes per value, size tier), from
    /// one timed call.
    calibration: HashMap<(&'static str, String, usize, Tier), f64>,
    rows: Vec<Row>,
    /// `cargo bench` (true) or `cargo test --benches` (false: every benchmark once, no report).
    benchmarking: bool,
}

fn param(n: usize, k: usize, d: usize, dtype: &str, threads: usize, step: &str) -> String {
    let step = if step.is_empty() {
        String::new()
    } else {
        format!(" {step}")
    };
    format!("n={n} k={k} d={d} {dtype}{step} t={threads}")
}

fn time_once(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

impl Harness {
    fn threads_for(&self, info: &VariantInfo) -> usize {
        if info.parallel { self.cores } else { 1 }
    }

    /// Decide whether to measure `name` at `shape`: within the memory budget and, predicted
    /// from the calibration, within `max_s` per call. Records a Skipped row otherwise.
    fn admit(
        &mut self,
        group: &str,
        kind: &'static str,
        info: &VariantInfo,
        shape: Shape,
        threads: usize,
        step: &str,
        max_s: f64,
    ) -> Option<String> {
        self.admit_unless(None, group, kind, info, shape, threads, step, max_s)
    }

    /// [`admit`](Self::admit) for a group that times single `iterate` calls: a variant that
    /// keeps state across a fit (`IterationStep::start`) is skipped with the reason, since one
    /// call from a fresh state is only its first iteration — what it does is measured by
    /// whole fits (`fit50`, `default-fit`, `converge`).
    fn admit_stateless<T: Scalar>(
        &mut self,
        solver: &dyn IterationStep<T>,
        data: Points<'_, T>,
        (group, info, shape, threads, step, max_s): (&str, &VariantInfo, Shape, usize, &str, f64),
    ) -> Option<String> {
        let stateful = solver.start(data, shape.k).is_some().then(|| {
            "keeps state across a fit: one call is only its first iteration; measured by \
             whole fits (fit50, default-fit, converge)"
                .to_string()
        });
        self.admit_unless(stateful, group, "iter", info, shape, threads, step, max_s)
    }

    /// [`admit`](Self::admit), skipping for `reason` when there is one.
    fn admit_unless(
        &mut self,
        reason: Option<String>,
        group: &str,
        kind: &'static str,
        info: &VariantInfo,
        shape: Shape,
        threads: usize,
        step: &str,
        max_s: f64,
    ) -> Option<String> {
        let dtype = if shape.elem == 4 { "f32" } else { "f64" };
        let p = param(shape.n, shape.k, shape.d, dtype, threads, step);
        let memory = info.memory_at(shape);
        let predicted = self.predict(kind, info, shape, threads);
        let skip = if reason.is_some() {
            reason
        } else if memory > self.memory_limit {
            Some(format!(
                "needs {:.1} GiB of intermediates (budget {:.1} GiB)",
                memory / GIB,
                self.memory_limit / GIB
            ))
        } else if let Some(t) = predicted.filter(|&t| t > max_s) {
            Some(format!(
                "predicted {:.2} s per call, over the {} profile's {max_s} s",
                t, self.profile.name
            ))
        } else {
            None
        };
        let row = Row {
            group: group.to_string(),
            name: info.name.clone(),
            param: p.clone(),
            n: shape.n,
            k: shape.k,
            d: shape.d,
            dtype: dtype.to_string(),
            threads,
            slide: info.slide.map(str::to_string),
            source: Source::Rust,
            outcome: match &skip {
                Some(reason) => Outcome::Skipped {
                    reason: reason.clone(),
                },
                None => Outcome::Missing {
                    reason: "not run in this invocation (filtered out?)".into(),
                },
            },
            note: None,
            fit: None,
        };
        self.rows.push(row);
        if let Some(reason) = skip {
            eprintln!("skip  {group}/{}/{p}: {reason}", info.name);
            return None;
        }
        Some(p)
    }

    /// A criterion group configured by the profile; `slow` (calls of milliseconds or more)
    /// samples flat, so ten samples cost ten calls rather than fifty-five.
    fn group(
        &mut self,
        name: &str,
        slow: bool,
    ) -> criterion::BenchmarkGroup<'_, criterion::measurement::WallTime> {
        let p = self.profile;
        let mut g = self.c.benchmark_group(name);
        g.warm_up_time(p.warm_up)
            .measurement_time(p.measurement)
            .sample_size(p.samples);
        if slow {
            g.sampling_mode(SamplingMode::Flat);
        }
        g
    }

    /// Time one call of every variant at the slides' shape, per float type, and one call of
    /// every whole iteration at the mid shape (where memory and a first prediction allow):
    /// large problems run at the efficiency of the larger calibration, not of the small one.
    fn calibrate(&mut self, reg: &Registry) {
        let (n, k, d) = (data::SLIDES_N, data::SLIDES_K, data::SLIDES_D);
        self.calibrate_at::<f64>(reg, (n, k, d), Tier::Slides);
        self.calibrate_at::<f32>(reg, (n, k, d), Tier::Slides);
        self.calibrate_at::<f64>(reg, MID, Tier::Mid);
        self.calibrate_at::<f32>(reg, MID, Tier::Mid);
    }

    fn calibrate_at<T: Scalar>(&mut self, reg: &Registry, (n, k, d): Dims, tier: Tier) {
        let c = case::<T>(n, k, d);
        let elem = T::DTYPE.bytes();
        let shape = Shape { n, k, d, elem };
        let (points, cents) = (c.data.view(), c.centroids.view());
        let per_work = |info: &VariantInfo, t: f64| t / info.work_at(shape).max(1.0);
        if tier == Tier::Slides {
            for v in &reg.assign {
                let Some(s) = v.get::<T>() else { continue };
                let mut labels = vec![0u32; n];
                let t = time_once(|| s.assign(points, cents, &mut labels));
                self.calibration.insert(
                    ("assign", v.info.name.clone(), elem, tier),
                    per_work(&v.info, t),
                );
            }
            for v in &reg.update {
                let Some(s) = v.get::<T>() else { continue };
                let (mut out, mut counts) = (vec![T::zero(); k * d], vec![0u32; k]);
                let t = time_once(|| s.update(points, &c.labels, &mut out, &mut counts));
                self.calibration.insert(
                    ("update", v.info.name.clone(), elem, tier),
                    per_work(&v.info, t),
                );
            }
        }
        for v in &reg.iterate {
            let Some(s) = v.get::<T>() else { continue };
            if tier == Tier::Mid {
                // Only where the small calibration says one call is affordable.
                let affordable = self
                    .predict("iter", &v.info, shape, self.cores)
                    .is_some_and(|t| t < 1.0);
                if !affordable || v.info.memory_at(shape) > self.memory_limit {
                    continue;
                }
            }
            let (mut labels, mut out, mut counts) =
                (vec![0u32; n], vec![T::zero(); k * d], vec![0u32; k]);
            let t = time_once(|| {
                s.iterate(points, cents, &mut labels, &mut out, &mut counts);
            });
            self.calibration.insert(
                ("iter", v.info.name.clone(), elem, tier),
                per_work(&v.info, t),
            );
        }
    }

    /// Predicted seconds per call at `shape` on `threads` threads, from the calibration closest
    /// in size (the mid shape's for problems at least that large).
    fn predict(
        &self,
        kind: &'static str,
        info: &VariantInfo,
        shape: Shape,
        threads: usize,
    ) -> Option<f64> {
        let key = |tier| (kind, info.name.clone(), shape.elem, tier);
        let mid = Shape {
            n: MID.0,
            k: MID.1,
            d: MID.2,
            elem: shape.elem,
        };
        let spw = if info.work_at(shape) >= info.work_at(mid) {
            self.calibration
                .get(&key(Tier::Mid))
                .or_else(|| self.calibration.get(&key(Tier::Slides)))
        } else {
            self.calibration.get(&key(Tier::Slides))
        }?;
        // Calibrations ran on every core; fewer threads take proportionally longer.
        let serial = if info.parallel {
            self.cores as f64 / threads.max(1) as f64
        } else {
            1.0
        };
        Some(spw * info.work_at(shape) * serial)
    }

    fn slides_groups(&mut self, reg: &Registry) {
        let (n, k, d) = (data::SLIDES_N, data::SLIDES_K, data::SLIDES_D);
        let c = case::<f64>(n, k, d);
        let (points, cents) = (c.data.view(), c.centroids.view());
        let shape = Shape { n, k, d, elem: 8 };
        let max = self.profile.max_call_s;

        eprintln!(
            "== {} group assign: every assignment step at the slides' setting",
            kmeans_benches::since_start()
        );
        for v in &reg.assign {
            let Some(s) = v.get::<f64>() else { continue };
            let threads = self.threads_for(&v.info);
            let Some(p) = self.admit("assign", "assign", &v.info, shape, threads, "", max) else {
                continue;
            };
            let slow = self
                .predict("assign", &v.info, shape, threads)
                .is_some_and(|t| t > 0.01);
            let mut g = self.group("assign", slow);
            let mut labels = vec![0u32; n];
            g.bench_function(BenchmarkId::new(v.info.name.clone(), &p), |b| {
                b.iter(|| s.assign(points, cents, &mut labels))
            });
            g.finish();
        }

        eprintln!(
            "== {} group update: every update step at the slides' setting",
            kmeans_benches::since_start()
        );
        for v in &reg.update {
            let Some(s) = v.get::<f64>() else { continue };
            let threads = self.threads_for(&v.info);
            let Some(p) = self.admit("update", "update", &v.info, shape, threads, "", max) else {
                continue;
            };
            let mut g = self.group("update", false);
            let (mut out, mut counts) = (vec![0.0; k * d], vec![0u32; k]);
            g.bench_function(BenchmarkId::new(v.info.name.clone(), &p), |b| {
                b.iter(|| s.update(points, &c.labels, &mut out, &mut counts))
            });
            g.finish();
        }

        eprintln!(
            "== {} group iteration: one whole Lloyd iteration at the slides' setting",
            kmeans_benches::since_start()
        );
        for v in &reg.iterate {
            let Some(s) = v.get::<f64>() else { continue };
            let threads = self.threads_for(&v.info);
            let what = ("iteration", &v.info, shape, threads, "", max);
            let Some(p) = self.admit_stateless(s, points, what) else {
                continue;
            };
            let mut g = self.group("iteration", false);
            let (mut labels, mut out, mut counts) =
                (vec![0u32; n], vec![0.0; k * d], vec![0u32; k]);
            g.bench_function(BenchmarkId::new(v.info.name.clone(), &p), |b| {
                b.iter(|| s.iterate(points, cents, &mut labels, &mut out, &mut counts))
            });
            g.finish();
        }
        self.linfa(&c, "iteration", 10);

        eprintln!(
            "== {} group fit50: the slides' 50-iteration kmeans(data, 26)",
            kmeans_benches::since_start()
        );
        for v in &reg.iterate {
            if !v.supports::<f64>() {
                continue;
            }
            let threads = self.threads_for(&v.info);
            let mut info = v.info.clone();
            let work = info.work.clone();
            info = info.work(move |s| 51.0 * work(s));
            let Some(p) = self.admit("fit50", "iter", &info, shape, threads, "", max * 10.0) else {
                continue;
            };
            let mut g = self.group("fit50", true);
            let params = KMeans::slides(k, 50).init(Init::Centroids(c.centroids.clone()));
            g.bench_function(BenchmarkId::new(v.info.name.clone(), &p), |b| {
                b.iter(|| {
                    params
                        .fit_variant(v, points)
                        .expect("valid benchmark input")
                })
            });
            g.finish();
        }
        self.linfa(&c, "fit50", 50);
    }

    /// linfa-clustering's KMeans as a comparison row: `iterations` iterations from the same
    /// centroids, reported per iteration in `iteration` and per fit in `fit50`.
    fn linfa(&mut self, c: &Case<f64>, group: &str, iterations: u64) {
        use linfa::prelude::Fit;
        use linfa_clustering::{KMeans as LinfaKMeans, KMeansInit};
        let (n, d) = c.data.shape();
        let k = c.centroids.n();
        let p = param(n, k, d, "f64", 1, "");
        let per_iteration = group == "iteration";
        self.rows.push(Row {
            group: group.into(),
            name: "linfa/iter/kmeans".into(),
            param: p.clone(),
            n,
            k,
            d,
            dtype: "f64".into(),
            threads: 1,
            slide: None,
            source: Source::RustPeer,
            outcome: Outcome::Missing { reason: "not run in this invocation (filtered out?)".into() },
            note: Some(format!(
                "linfa-clustering 0.8.1; its update counts the old centroid as one more point (m_k-means), so it never equals plain Lloyd; {}",
                if per_iteration { "a 10-iteration fit ÷ 10" } else { "50 iterations" }
            )),
            fit: None,
        });
        let records = ndarray::ArrayView2::from_shape((n, d), c.data.as_slice())
            .expect("shape")
            .to_owned();
        let init = ndarray::Array2::from_shape_vec((k, d), c.centroids.as_slice().to_vec())
            .expect("shape");
        let dataset = linfa::DatasetBase::from(records);
        let params = LinfaKMeans::params(k)
            .n_runs(1)
            .tolerance(f64::MIN_POSITIVE)
            .max_n_iterations(iterations)
            .init_method(KMeansInit::Precomputed(init));
        let mut g = self.group(group, true);
        g.bench_function(BenchmarkId::new("linfa/iter/kmeans", &p), |b| {
            b.iter_custom(|reps| {
                let start = Instant::now();
                for _ in 0..reps {
                    std::hint::black_box(params.fit(&dataset).expect("linfa fit"));
                }
                let t = start.elapsed();
                if per_iteration {
                    t / iterations as u32
                } else {
                    t
                }
            })
        });
        g.finish();
    }

    fn sweeps(&mut self, reg: &Registry) {
        let (n0, k0, d0) = (data::SLIDES_N, data::SLIDES_K, data::SLIDES_D);
        let max = self.profile.max_sweep_call_s;
        let sweeps: [(&str, Vec<Dims>); 3] = [
            (
                "scale-n",
                self.profile.sweep_n.iter().map(|&n| (n, k0, d0)).collect(),
            ),
            (
                "scale-k",
                self.profile.sweep_k.iter().map(|&k| (n0, k, d0)).collect(),
            ),
            (
                "scale-d",
                self.profile.sweep_d.iter().map(|&d| (n0, k0, d)).collect(),
            ),
        ];
        for (group, shapes) in sweeps {
            eprintln!(
                "== {} group {group}: one iteration of every whole-iteration variant",
                kmeans_benches::since_start()
            );
            for (n, k, d) in shapes {
                let c = case::<f64>(n, k, d);
                let shape = Shape { n, k, d, elem: 8 };
                for v in &reg.iterate {
                    let Some(s) = v.get::<f64>() else { continue };
                    let threads = self.threads_for(&v.info);
                    let what = (group, &v.info, shape, threads, "", max);
                    let Some(p) = self.admit_stateless(s, c.data.view(), what) else {
                        continue;
                    };
                    let (warm, measure) =
                        (self.profile.sweep_warm_up, self.profile.sweep_measurement);
                    let mut g = self.group(group, true);
                    g.warm_up_time(warm).measurement_time(measure);
                    let (mut labels, mut out, mut counts) =
                        (vec![0u32; n], vec![0.0; k * d], vec![0u32; k]);
                    let (points, cents) = (c.data.view(), c.centroids.view());
                    g.bench_function(BenchmarkId::new(v.info.name.clone(), &p), |b| {
                        b.iter(|| s.iterate(points, cents, &mut labels, &mut out, &mut counts))
                    });
                    g.finish();
                }
            }
        }
    }

    /// Whole iterations (and, with `assign_too`, assignments alone) at one target shape, for
    /// each float type in `dtypes` and at 1 thread and all threads for parallel variants.
    fn target_group<T: Scalar>(
        &mut self,
        group: &str,
        (n, k, d): (usize, usize, usize),
        reg: &Registry,
        assign_too: bool,
    ) {
        let c = case::<T>(n, k, d);
        let elem = T::DTYPE.bytes();
        let shape = Shape { n, k, d, elem };
        let max = if assign_too {
            self.profile.max_large_call_s
        } else {
            self.profile.max_call_s
        };
        for v in &reg.iterate {
            let Some(s) = v.get::<T>() else { continue };
            let thread_counts: Vec<usize> = if v.info.parallel {
                vec![1, self.cores]
            } else {
                vec![1]
            };
            for threads in thread_counts {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .expect("thread pool");
                let steps: &[&str] = if assign_too {
                    &["assign", "iterate"]
                } else {
                    &["iterate"]
                };
                for &step in steps {
                    let step_name = if assign_too { step } else { "" };
                    let what = (group, &v.info, shape, threads, step_name, max);
                    let Some(p) = self.admit_stateless(s, c.data.view(), what) else {
                        continue;
                    };
                    let mut g = self.group(group, true);
                    let (mut labels, mut out, mut counts) =
                        (vec![0u32; n], vec![T::zero(); k * d], vec![0u32; k]);
                    let (points, cents): (Points<'_, T>, Points<'_, T>) =
                        (c.data.view(), c.centroids.view());
                    g.bench_function(BenchmarkId::new(v.info.name.clone(), &p), |b| {
                        pool.install(|| {
                            if step == "assign" {
                                b.iter(|| s.assign(points, cents, &mut labels))
                            } else {
                                b.iter(|| {
                                    s.iterate(points, cents, &mut labels, &mut out, &mut counts)
                                })
                            }
                        })
                    });
                    g.finish();
                }
            }
        }
    }

    /// One-thread matrix-product peak through ndarray's `dot` (matrixmultiply's kernels), at
    /// each of [`PEAK_SIZES`]: the report takes the best, since a small product undershoots.
    fn peaks(&mut self) -> Vec<Peak> {
        eprintln!(
            "== {} group peak: the machine's matrix-product peak (ndarray dot, 1 thread)",
            kmeans_benches::since_start()
        );
        let mut peaks = Vec::new();
        let mut g = self.c.benchmark_group("peak");
        g.warm_up_time(self.profile.warm_up)
            .measurement_time(self.profile.measurement)
            .sample_size(10)
            .sampling_mode(SamplingMode::Flat);
        for &size in PEAK_SIZES {
            let a64 = ndarray::Array2::from_shape_fn((size, size), |(i, j)| {
                ((i * 7 + j * 3) % 11) as f64 / 11.0
            });
            let a32 = a64.mapv(|v| v as f32);
            g.bench_function(
                BenchmarkId::new("ndarray-dot", format!("f64 {size}")),
                |b| b.iter(|| a64.dot(&a64)),
            );
            g.bench_function(
                BenchmarkId::new("ndarray-dot", format!("f32 {size}")),
                |b| b.iter(|| a32.dot(&a32)),
            );
            for dtype in ["f64", "f32"] {
                peaks.push(Peak {
                    dtype: dtype.into(),
                    size,
                    gflops: 0.0,
                    method: "ndarray 0.16 dot (matrixmultiply)".into(),
                });
            }
        }
        g.finish();
        peaks
    }
}

/// Square matrix sizes of the peak measurement (NumPy's in `peers.py` too).
const PEAK_SIZES: &[usize] = &[1024, 2048];

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// `(n, k, d)`.
type Dims = (usize, usize, usize);

/// Which calibration a prediction scales from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Tier {
    /// The slides' shape (every variant).
    Slides,
    /// The mid shape (whole iterations that fit the budgets).
    Mid,
}

/// Groups outside criterion, in run order: whole fits timed in rounds that alternate with
/// peers in other processes. A new one is one line here (its module in `benches/src/`).
const GROUPS: &[Group] = &[
    (default_fit::GROUP, default_fit::run),
    (converge::GROUP, converge::run),
];

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

fn criterion_dir(root: &Path) -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    target_dir(root).join("criterion")
}

/// Whether a criterion-style filter selects a group outside criterion: the filter names the
/// group (`default-fit`) or a part of it (`default-fit/blobs` still runs the whole group).
fn selects(filter: Option<&str>, group: &str) -> bool {
    filter.is_none_or(|f| group.contains(f) || f.starts_with(group))
}

/// The SIMD path that ran: what `Isa::detected()` picked, and which ISAs' kernels ran.
fn isa_report() -> String {
    use kmeans_simd::Isa;
    let ran: Vec<String> = Isa::ALL
        .iter()
        .filter(|i| i.kernel_calls() > 0)
        .map(|i| format!("{i} ({} kernel calls)", i.kernel_calls()))
        .collect();
    format!(
        "{} (kmeans_simd::Isa::detected(){}); kernels that ran: {}",
        Isa::detected(),
        std::env::var(kmeans_simd::ISA_ENV)
            .map(|v| format!(", pinned by {}={v}", kmeans_simd::ISA_ENV))
            .unwrap_or_default(),
        if ran.is_empty() {
            "none".to_string()
        } else {
            ran.join(", ")
        }
    )
}

/// The benchmark filter given on the command line (`cargo bench -- FILTER`), if any: a
/// positional argument that is not the value of one of criterion's options.
fn filter_argument() -> Option<String> {
    const TAKES_VALUE: &[&str] = &[
        "--save-baseline",
        "-s",
        "--baseline",
        "-b",
        "--baseline-lenient",
        "--load-baseline",
        "--sample-size",
        "--warm-up-time",
        "--measurement-time",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--profile-time",
        "--color",
        "-c",
        "--format",
        "--output-format",
        "--plotting-backend",
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    args.iter()
        .enumerate()
        .find(|(i, a)| {
            !a.starts_with('-') && (*i == 0 || !TAKES_VALUE.contains(&args[i - 1].as_str()))
        })
        .map(|(_, a)| a.clone())
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ sits in the workspace")
        .to_path_buf();
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let profile = match std::env::var("KMEANS_BENCH").as_deref() {
        Ok("full") => &FULL,
        _ => &QUICK,
    };
    let memory_limit = std::env::var("KMEANS_BENCH_MEMORY_GIB")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(1.0)
        * GIB;
    let out = criterion_dir(&root);
    let c = Criterion::default()
        .output_directory(&out)
        .nresamples(20_000)
        .without_plots()
        .configure_from_args();
    let started = SystemTime::now();
    let clock = Instant::now();
    kmeans_benches::since_start();
    let mut h = Harness {
        c,
        profile,
        memory_limit,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        calibration: HashMap::new(),
        rows: Vec::new(),
        benchmarking,
    };
    let reg = registry();
    eprintln!(
        "kmeans-workshop benchmarks, profile {} ({} cores)",
        profile.name, h.cores
    );
    let filter = filter_argument();
    // A filter that names only groups outside criterion skips criterion's set-up as well.
    let criterion_wanted = filter
        .as_deref()
        .is_none_or(|f| !GROUPS.iter().any(|(id, _)| selects(Some(f), id)));
    // The peers' Python, found or set up (a venv under target/) once, before any measurement.
    let python = (benchmarking
        && (filter.is_none() || GROUPS.iter().any(|(id, _)| selects(filter.as_deref(), id))))
    .then(|| python::find_or_create(&target_dir(&root)));
    if let Some(Err(e)) = &python {
        eprintln!("note: the Python peers will not run: {e}");
    }
    let mut peaks = Vec::new();
    if criterion_wanted {
        h.calibrate(&reg);
        h.slides_groups(&reg);
        h.sweeps(&reg);
        eprintln!(
            "== {} group mid: n=100000 k=64 d=32, f32 and f64",
            kmeans_benches::since_start()
        );
        h.target_group::<f32>("mid", MID, &reg, false);
        h.target_group::<f64>("mid", MID, &reg, false);
        eprintln!(
            "== {} group mnist: n=60000 k=10 d=784, f32",
            kmeans_benches::since_start()
        );
        h.target_group::<f32>("mnist", MNIST, &reg, false);
        eprintln!(
            "== {} group large: n=1000000 k=256 d=64, f32",
            kmeans_benches::since_start()
        );
        h.target_group::<f32>("large", LARGE, &reg, true);
        let rows = outofcore::run(
            &mut h.c,
            h.memory_limit,
            h.cores,
            h.benchmarking,
            filter.as_deref(),
        );
        h.rows.extend(rows);
        peaks = h.peaks();
    }
    let mut statuses = std::collections::BTreeMap::new();
    for (id, run) in GROUPS {
        if !selects(filter.as_deref(), id) {
            continue;
        }
        let ctx = Context {
            root: root.clone(),
            dir: out.join(id),
            profile: profile.name,
            cores: h.cores,
            benchmarking,
            python: python.as_ref(),
        };
        let output = run(&ctx);
        h.rows.extend(output.rows);
        statuses.insert(id.to_string(), output.status);
    }
    h.c.final_summary();
    if !h.benchmarking {
        eprintln!("test mode (no --bench): every benchmark ran once; no report written");
        return;
    }
    let results = read_criterion(&out, started);
    for row in &mut h.rows {
        if matches!(row.outcome, Outcome::Missing { .. })
            && let Some(e) = results.get(&(row.group.clone(), row.name.clone(), row.param.clone()))
        {
            row.outcome = (*e).into();
        }
    }
    for p in &mut peaks {
        if let Some(e) = results.get(&(
            "peak".to_string(),
            "ndarray-dot".to_string(),
            format!("{} {}", p.dtype, p.size),
        )) {
            p.gflops = 2.0 * (p.size as f64).powi(3) / e.median_s / 1e9;
        }
    }
    peaks.retain(|p| p.gflops > 0.0);
    let python = match (&filter, &python) {
        (None, Some(env)) => kmeans_benches::peers::run(
            env,
            &root,
            &out.join("peers"),
            profile.name,
            h.cores,
            &mut h.rows,
            &mut peaks,
        ),
        (Some(f), _) => format!("not run: a benchmark filter ({f}) was given"),
        (None, None) => "not run".into(),
    };
    let report = Report {
        machine: MachineInfo::collect(),
        profile: profile.name.into(),
        rows: h.rows,
        peaks,
        python,
        isa: isa_report(),
        statuses,
    };
    // A filtered run measures part of the plan: its report must not replace the reference run.
    let reports = match &filter {
        None => root.join("reports"),
        Some(_) => out.join("filtered-report"),
    };
    let written = match &filter {
        None => report.publish(&root),
        Some(_) => report.write(&reports),
    };
    if let Some(md) = outofcore::markdown(&report.rows)
        && let Err(e) = std::fs::write(reports.join("out-of-core.md"), md)
    {
        eprintln!("error: could not write out-of-core.md: {e}");
    }
    match written {
        Ok(charts) => {
            eprintln!(
                "wrote {} and {} charts in {:.0} s",
                reports.join("summary.md").display(),
                charts.len(),
                clock.elapsed().as_secs_f64()
            );
        }
        Err(e) => {
            eprintln!("error: could not write the report: {e}");
            std::process::exit(1);
        }
    }
}
