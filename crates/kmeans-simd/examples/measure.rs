//! Side-by-side measurements for the SIMD backend: per-iteration medians of every registered
//! whole-iteration variant (this backend's and the loops backend's), assignment GFLOP/s, and
//! this machine's matrix-product peak measured in the same run (ndarray's GEMM, matrixmultiply's kernels).
//!
//! ```text
//! cargo run --release -p kmeans-simd --example measure -- [--threads T] [--size NAME]...
//!     [--export DIR] [--fit N,K,D,f32|f64,ITERS] [--sweep] [--precision] [--only NAME]
//! ```
//!
//! Sizes: `slides` (n = 5000, k = 26, d = 26, f64), `large` (10⁶, 256, 64, f32), `medium`
//! (10⁵, 64, 32, f32), `mnist` (60 000, 10, 784, f32). `--export DIR` also writes each size's
//! data and initial centroids as raw little-endian files for `scripts/sklearn_lloyd.py`, so
//! scikit-learn runs on the same numbers. `--fit` only runs one fit with the fastest variant
//! (for `/usr/bin/time -v` peak RSS). `--sweep` times the dot kernel over blocking sizes;
//! `--precision` counts wrong labels of each distance form far from the origin; `--only`
//! keeps variants whose name contains NAME; `--no-peak` skips the GEMM peak.

use std::io::Write;
use std::time::{Duration, Instant};

use kmeans_core::{IterationVariant, Matrix, Scalar, Shape, data};
use kmeans_simd::{Blocking, Dot, Isa};

/// One benchmark size.
#[derive(Clone, Copy)]
struct Size {
    name: &'static str,
    n: usize,
    k: usize,
    d: usize,
    f64: bool,
}

const SIZES: [Size; 4] = [
    Size {
        name: "slides",
        n: 5000,
        k: 26,
        d: 26,
        f64: true,
    },
    Size {
        name: "medium",
        n: 100_000,
        k: 64,
        d: 32,
        f64: false,
    },
    Size {
        name: "mnist",
        n: 60_000,
        k: 10,
        d: 784,
        f64: false,
    },
    Size {
        name: "large",
        n: 1_000_000,
        k: 256,
        d: 64,
        f64: false,
    },
];

/// Median of timings of `f` until `runs` runs or about `budget` elapsed (at least 3 runs),
/// after one warm-up.
fn median(runs: usize, budget: Duration, mut f: impl FnMut()) -> (Duration, usize) {
    f();
    let start = Instant::now();
    let mut times = Vec::new();
    while times.len() < runs && (times.len() < 3 || start.elapsed() < budget) {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times.len())
}

fn ms(t: Duration) -> f64 {
    t.as_secs_f64() * 1e3
}

/// GFLOP/s of a GEMM on `m × m × m` (ndarray's `general_mat_mul`, i.e. matrixmultiply's
/// kernels), one GEMM per thread of the current pool running at once (so with 2 threads it is
/// the two-core aggregate).
fn gemm_peak<T: Scalar>(m: usize, threads: usize) -> f64 {
    fn product<F: ndarray::LinalgScalar + Send + Sync>(
        m: usize,
        threads: usize,
        of: fn(f64) -> F,
    ) -> Duration {
        let a = ndarray::Array2::from_shape_fn((m, m), |(i, j)| of(((i * m + j) % 7) as f64 * 0.1));
        let mut cs: Vec<ndarray::Array2<F>> = (0..threads)
            .map(|_| ndarray::Array2::zeros((m, m)))
            .collect();
        let (t, _) = median(7, Duration::from_secs(3), || {
            use rayon::prelude::*;
            cs.par_iter_mut()
                .for_each(|c| ndarray::linalg::general_mat_mul(F::one(), &a, &a, F::zero(), c));
        });
        t
    }
    let t = match T::DTYPE {
        kmeans_core::Dtype::F32 => product::<f32>(m, threads, |v| v as f32),
        kmeans_core::Dtype::F64 => product::<f64>(m, threads, |v| v),
    };
    threads as f64 * 2.0 * (m * m * m) as f64 / t.as_secs_f64() / 1e9
}

fn init_centroids<T: Scalar>(points: &Matrix<T>, k: usize) -> Matrix<T> {
    // Every (n / k)-th point: deterministic, spread over the data, like a random init.
    let (n, d) = points.shape();
    let rows: Vec<Vec<T>> = (0..k).map(|j| points.row(j * (n / k)).to_vec()).collect();
    let _ = d;
    Matrix::from_rows(&rows).expect("k rows")
}

fn export<T: Scalar>(dir: &str, size: &Size, points: &Matrix<T>, init: &Matrix<T>) {
    std::fs::create_dir_all(dir).expect("create export dir");
    let write = |what: &str, m: &Matrix<T>| {
        let path = format!("{dir}/{}_{what}.bin", size.name);
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        for &v in m.as_slice() {
            if T::DTYPE == kmeans_core::Dtype::F32 {
                f.write_all(&(v.as_f64() as f32).to_le_bytes()).unwrap();
            } else {
                f.write_all(&v.as_f64().to_le_bytes()).unwrap();
            }
        }
    };
    write("X", points);
    write("C0", init);
}

/// Timed runs per variant (`KMEANS_MEASURE_RUNS`, default 15; more for profiling).
fn runs_wanted() -> usize {
    std::env::var("KMEANS_MEASURE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15)
}

/// One size: every whole-iteration variant (skipping ones predicted far too slow), then the
/// assignment steps of this backend with GFLOP/s against `peak`.
fn run_size<T: Scalar>(
    size: &Size,
    threads: usize,
    peak: f64,
    export_dir: Option<&str>,
    only: &[String],
) {
    let keep = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    let (n, k, d) = (size.n, size.k, size.d);
    let points: Matrix<T> = data::uniform(n, d, 2022);
    let init = init_centroids(&points, k);
    if let Some(dir) = export_dir {
        export(dir, size, &points, &init);
    }
    let shape = Shape {
        n,
        k,
        d,
        elem: T::DTYPE.bytes(),
    };
    let registry = kmeans_workshop_registry();
    println!(
        "\n## {} — n = {n}, k = {k}, d = {d}, {}, {threads} thread(s); 2·n·k·d = {:.3} GFLOP",
        size.name,
        T::DTYPE,
        shape.gemm_flops() / 1e9
    );
    println!(
        "{:<34} {:>11} {:>9} {:>7} {:>5}",
        "variant", "ms/iter", "GFLOP/s", "% peak", "runs"
    );
    let (data, cents) = (points.view(), init.view());
    let mut labels = vec![0u32; n];
    let mut next = vec![T::zero(); k * d];
    let mut counts = vec![0u32; k];
    let too_slow = |v: &IterationVariant| {
        // Skip the deliberately slow teaching variants and scalar loops at big sizes.
        let name = &v.info.name;
        name.contains("slides")
            || (shape.gemm_flops() > 2e9 && (name.starts_with("loops/") || name.contains("scalar")))
    };
    for v in registry
        .iterate
        .iter()
        .filter(|v| !too_slow(v) && keep(&v.info.name))
    {
        let Some(step) = v.get::<T>() else { continue };
        let (t, runs) = median(runs_wanted(), Duration::from_secs(4), || {
            step.iterate(data, cents, &mut labels, &mut next, &mut counts);
        });
        let gflops = shape.gemm_flops() / t.as_secs_f64() / 1e9;
        println!(
            "{:<34} {:>11.3} {:>9.1} {:>6.0}% {:>5}",
            v.info.name,
            ms(t),
            gflops,
            100.0 * gflops / peak,
            runs
        );
    }
    for v in registry
        .assign
        .iter()
        .filter(|v| v.info.backend() == "simd" && keep(&v.info.name))
    {
        if shape.gemm_flops() > 2e9 && v.info.name.contains("scalar") {
            continue;
        }
        let Some(step) = v.get::<T>() else { continue };
        let (t, runs) = median(15, Duration::from_secs(4), || {
            step.assign(data, cents, &mut labels)
        });
        let gflops = shape.gemm_flops() / t.as_secs_f64() / 1e9;
        println!(
            "{:<34} {:>11.3} {:>9.1} {:>6.0}% {:>5}",
            v.info.name,
            ms(t),
            gflops,
            100.0 * gflops / peak,
            runs
        );
    }
    // The same fused iteration pinned to each ISA.
    for isa in Isa::available().into_iter().filter(|i| keep(i.name())) {
        let v = variant(
            Dot::with_isa(isa, Blocking::Cache)
                .unwrap()
                .parallel(threads > 1),
        );
        let step = v.get::<T>().unwrap();
        let (t, runs) = median(9, Duration::from_secs(3), || {
            step.iterate(data, cents, &mut labels, &mut next, &mut counts);
        });
        let gflops = shape.gemm_flops() / t.as_secs_f64() / 1e9;
        println!(
            "{:<34} {:>11.3} {:>9.1} {:>6.0}% {:>5}",
            format!("  dot-blocked iter on {isa}"),
            ms(t),
            gflops,
            100.0 * gflops / peak,
            runs
        );
    }
}

/// A step as a variant, so generic code can pick its `T` implementation.
fn variant(step: Dot) -> IterationVariant {
    IterationVariant::new(
        kmeans_core::VariantInfo::new("simd/iter/measure", "measured"),
        step,
    )
}

fn kmeans_workshop_registry() -> kmeans_core::Registry {
    kmeans_loops::registry().merge(kmeans_simd::registry())
}

/// Time the fused dot iteration over block and tile sizes (how the blocking constants were
/// chosen).
fn sweep<T: Scalar>(size: &Size) {
    let (n, k, d) = (size.n, size.k, size.d);
    let points: Matrix<T> = data::uniform(n, d, 2022);
    let init = init_centroids(&points, k);
    let mut labels = vec![0u32; n];
    let mut next = vec![T::zero(); k * d];
    let mut counts = vec![0u32; k];
    println!("\n## blocking sweep, {} ({}), ms/iter", size.name, T::DTYPE);
    let mut configs = vec![
        ("register".to_string(), Blocking::Register),
        ("cache (default)".to_string(), Blocking::Cache),
    ];
    for kib in [32usize, 128, 512] {
        for tile_kib in [8usize, 16, 32, 64] {
            let rows = kib * 1024 / (d * T::DTYPE.bytes());
            let panels = (tile_kib * 1024 / (d * 32 * T::DTYPE.bytes())).max(1);
            configs.push((
                format!("block {kib} KiB, tile {tile_kib} KiB"),
                Blocking::Custom { rows, panels },
            ));
        }
    }
    // Interleaved rounds, so that load from other processes hits every configuration alike;
    // the median over rounds of each round's median.
    let mut times = vec![Vec::new(); configs.len()];
    for _ in 0..3 {
        for (c, (_, blocking)) in configs.iter().enumerate() {
            let v = variant(Dot::new(*blocking));
            let step = v.get::<T>().unwrap();
            let (t, _) = median(5, Duration::from_secs(2), || {
                step.iterate(
                    points.view(),
                    init.view(),
                    &mut labels,
                    &mut next,
                    &mut counts,
                );
            });
            times[c].push(t);
        }
    }
    for ((name, _), mut t) in configs.into_iter().zip(times) {
        t.sort();
        println!("{name:<34} {:>9.3}", ms(t[1]));
    }
}

/// Labels of each distance form against the exact f64 nearest centroid, on blobs shifted
/// `offset` away from the origin (spread about 1): how many are wrong beyond a genuine tie
/// (the exact-difference tolerance of the conformance kit).
fn precision<T: Scalar>() {
    let (n, k, d) = (20_000, 64, 16);
    println!(
        "\n## precision, {} — n = {n}, k = {k}, d = {d}: labels wrong beyond the exact tolerance",
        T::DTYPE
    );
    println!(
        "{:>10} {:>14} {:>14} {:>16}",
        "offset", "exact", "dot centred", "dot uncentred"
    );
    for offset in [0.0, 1e2, 1e3, 1e4] {
        let blobs = data::blobs::<f64>(n, k, d, 1.0, 9);
        let shift = |m: &Matrix<f64>| -> Matrix<T> {
            let v = m
                .as_slice()
                .iter()
                .map(|&x| T::of_f64(offset + 0.1 * x))
                .collect();
            Matrix::from_vec(v, m.n(), d).unwrap()
        };
        let (pts, cents) = (shift(&blobs.data), shift(&blobs.centers));
        let wrong = |v: &IterationVariant| {
            let mut labels = vec![0u32; n];
            v.get::<T>()
                .unwrap()
                .assign(pts.view(), cents.view(), &mut labels);
            (0..n)
                .filter(|&i| {
                    kmeans_core::testkit::check_labels(
                        kmeans_core::Precision::Exact,
                        pts.view().slice_rows(i, i + 1),
                        cents.view(),
                        &labels[i..i + 1],
                    )
                    .is_err()
                })
                .count()
        };
        let exact = IterationVariant::new(
            kmeans_core::VariantInfo::new("simd/iter/exact", "measured"),
            kmeans_simd::Exact::new(),
        );
        println!(
            "{offset:>10.0e} {:>14} {:>14} {:>16}",
            wrong(&exact),
            wrong(&variant(Dot::new(Blocking::Cache))),
            wrong(&variant(Dot::new(Blocking::Cache).centre(false)))
        );
    }
    inertia_error::<T>();
}

/// The relative error of the inertia a fused iteration returns, against the exact (f64)
/// inertia of the labels it chose: the exact-difference step sums `(x − c)²`, the dot step
/// reads each distance off the winning score. Blobs (spread ≈ 0.1) around an offset, as in
/// `precision`, and the slides' uniform data.
fn inertia_error<T: Scalar>() {
    println!(
        "\n## inertia, {}: |returned − exact| / exact of one iteration's inertia",
        T::DTYPE
    );
    println!("{:>22} {:>12} {:>12}", "data", "exact", "dot centred");
    let (n, k, d) = (20_000, 64, 16);
    let mut cases: Vec<(String, Matrix<T>, Matrix<T>)> = Vec::new();
    for offset in [0.0, 1e2, 1e3, 1e4] {
        let blobs = data::blobs::<f64>(n, k, d, 1.0, 9);
        let shift = |m: &Matrix<f64>| -> Matrix<T> {
            let v = m
                .as_slice()
                .iter()
                .map(|&x| T::of_f64(offset + 0.1 * x))
                .collect();
            Matrix::from_vec(v, m.n(), d).unwrap()
        };
        cases.push((
            format!("blobs at {offset:.0e}"),
            shift(&blobs.data),
            shift(&blobs.centers),
        ));
    }
    // Tight blobs: centres spread over [−10, 10], points within `std` of them, so each
    // point is far from the centroids' median compared with its distance to its own centroid.
    for std in [1e-1, 1e-2, 1e-3] {
        let blobs = data::blobs::<T>(n, k, d, std, 9);
        cases.push((
            format!("tight blobs, std {std:.0e}"),
            blobs.data,
            blobs.centers,
        ));
    }
    let uniform: Matrix<T> = data::uniform(5000, 26, 2022);
    let init = init_centroids(&uniform, 26);
    cases.push(("uniform 5000×26, k=26".into(), uniform, init));
    for (name, pts, cents) in &cases {
        let (n, d) = pts.shape();
        let k = cents.n();
        let error = |v: &IterationVariant| {
            let (mut labels, mut next, mut counts) =
                (vec![0u32; n], vec![T::zero(); k * d], vec![0u32; k]);
            let got = v.get::<T>().unwrap().iterate(
                pts.view(),
                cents.view(),
                &mut labels,
                &mut next,
                &mut counts,
            );
            let exact = kmeans_core::inertia(pts.view(), cents.view(), &labels);
            (got - exact).abs() / exact
        };
        let exact = IterationVariant::new(
            kmeans_core::VariantInfo::new("simd/iter/exact", "measured"),
            kmeans_simd::Exact::new(),
        );
        println!(
            "{name:>22} {:>12.1e} {:>12.1e}",
            error(&exact),
            error(&variant(Dot::new(Blocking::Cache)))
        );
    }
}

fn fit<T: Scalar>(n: usize, k: usize, d: usize, iters: usize) {
    let points: Matrix<T> = data::uniform(n, d, 2022);
    let init = init_centroids(&points, k);
    let data_mb = (n * d * T::DTYPE.bytes()) as f64 / (1 << 20) as f64;
    let start = Instant::now();
    let fit = kmeans_core::KMeans::new(k)
        .init(kmeans_core::Init::Centroids(init))
        .max_iter(iters)
        .tol(0.0)
        .fit_variant(
            &variant(Dot::new(Blocking::Cache).parallel(true)),
            points.view(),
        )
        .expect("valid input");
    let t = start.elapsed();
    println!(
        "fit n={n} k={k} d={d} {}: {} iterations in {:.1} ms ({:.2} ms/iter incl. driver), inertia {:.6e}; data {data_mb:.1} MiB",
        T::DTYPE,
        fit.iterations,
        ms(t),
        ms(t) / fit.iterations as f64,
        fit.inertia
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut threads = 1;
    let mut sizes = Vec::new();
    let mut export_dir = None;
    let mut do_sweep = false;
    let mut only = Vec::new();
    let mut peak = true;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--threads" => {
                threads = args[i + 1].parse().expect("--threads N");
                i += 1;
            }
            "--size" => {
                sizes.push(args[i + 1].clone());
                i += 1;
            }
            "--export" => {
                export_dir = Some(args[i + 1].clone());
                i += 1;
            }
            "--sweep" => do_sweep = true,
            "--no-peak" => peak = false,
            "--precision" => {
                precision::<f32>();
                precision::<f64>();
                return;
            }
            "--only" => {
                only.push(args[i + 1].clone());
                i += 1;
            }
            "--fit" => {
                let p: Vec<&str> = args[i + 1].split(',').collect();
                let num = |s: &str| s.parse::<usize>().expect("--fit N,K,D,f32|f64,ITERS");
                let (n, k, d, iters) = (num(p[0]), num(p[1]), num(p[2]), num(p[4]));
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                pool.install(|| match p[3] {
                    "f64" => fit::<f64>(n, k, d, iters),
                    _ => fit::<f32>(n, k, d, iters),
                });
                return;
            }
            other => {
                eprintln!(
                    "error: unknown argument {other}\n(see the doc comment at the top of crates/kmeans-simd/examples/measure.rs for the options)"
                );
                std::process::exit(2);
            }
        }
        i += 1;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let chosen: Vec<&Size> = SIZES
            .iter()
            .filter(|s| sizes.is_empty() || sizes.iter().any(|n| n == s.name))
            .collect();
        let (p32, p64) = if peak {
            (gemm_peak::<f32>(1024, threads), gemm_peak::<f64>(1024, threads))
        } else {
            (f64::NAN, f64::NAN)
        };
        println!(
            "# kmeans-simd measure — {threads} thread(s), dispatched ISA {}; ndarray/matrixmultiply GEMM 1024³ peak: f32 {p32:.1} GFLOP/s, f64 {p64:.1} GFLOP/s",
            Isa::detected()
        );
        for size in chosen {
            if do_sweep {
                if size.f64 { sweep::<f64>(size) } else { sweep::<f32>(size) }
                continue;
            }
            if size.f64 {
                run_size::<f64>(size, threads, p64, export_dir.as_deref(), &only);
            } else {
                run_size::<f32>(size, threads, p32, export_dir.as_deref(), &only);
            }
        }
    });
}
