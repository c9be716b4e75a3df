//! Bounds against plain Lloyd, side by side: fits to `tol = 1e-4` from the same k-means++
//! init (its time excluded), one thread, rounds alternating between the variants; medians and ratios.
//!
//! ```text
//! cargo run --release -p kmeans-simd --example converge -- [ROUNDS] [ONLY]
//! ```
//!
//! `ONLY` keeps the rows whose description contains it; `VARIANTS=a,b,…` (registry names)
//! replaces the variants compared, the first being the baseline of the ratios.
//!
//! ```text
//! ```

use std::time::Instant;

use kmeans_core::{IterationVariant, KMeans, Matrix, Scalar, data};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run<T: Scalar>(what: &str, points: &Matrix<T>, k: usize, rounds: usize) {
    if !std::env::args()
        .nth(2)
        .is_none_or(|only| what.contains(&only))
    {
        return;
    }
    let registry = kmeans_simd::registry();
    // `VARIANTS=a,b,…` (registry names) replaces the list; the first is the baseline.
    let chosen = std::env::var("VARIANTS").ok();
    let names: Vec<&str> = match &chosen {
        Some(list) => list.split(',').collect(),
        None => vec![
            "simd/iter/dot-blocked-par",
            "simd/iter/hamerly",
            "simd/iter/yinyang",
            "simd/iter/hamerly-dot",
            "simd/iter/auto",
        ],
    };
    let variants: Vec<IterationVariant> = names
        .iter()
        .map(|n| {
            registry
                .iteration_named(n)
                .unwrap_or_else(|| panic!("{n} is not registered"))
        })
        .collect();
    // The same k-means++ init for all: it runs on the same exact distance kernel.
    let params = KMeans::new(k).seed(5).tol(1e-4).threads(Some(1));
    let mut times = vec![Vec::new(); variants.len()];
    let mut fits = Vec::new();
    for round in 0..rounds {
        fits.clear();
        fits.resize_with(variants.len(), || None);
        // Rotate who goes first, so no variant always runs on a warmer machine.
        for i in 0..variants.len() {
            let c = (i + round) % variants.len();
            let start = Instant::now();
            let fit = params
                .fit_variant(&variants[c], points.view())
                .expect("fit");
            // Lloyd's iterations only: the init is the same for all.
            times[c].push(start.elapsed().as_secs_f64() - fit.init_seconds);
            fits[c] = Some(fit);
        }
    }
    let fits: Vec<_> = fits
        .into_iter()
        .map(|f| f.expect("every variant ran"))
        .collect();
    let m: Vec<f64> = times.into_iter().map(median).collect();
    let mut line = format!("{what:<34} {:>5}", T::DTYPE);
    for (i, f) in fits.iter().enumerate() {
        let short = names[i].rsplit('/').next().unwrap_or(names[i]);
        // Of the n·k distances per iteration plain Lloyd computes, the share this fit did.
        let all = (f.iterations * points.n() * k) as f64;
        let done: u64 = f.history.iter().map(|h| h.distances).sum();
        line += &format!(
            "  {short} {:>8.1} ms ({:>3} it, {:>5.1} % dist.)",
            m[i] * 1e3,
            f.iterations,
            100.0 * done as f64 / all
        );
        if i > 0 {
            let differ = f
                .labels
                .iter()
                .zip(&fits[0].labels)
                .filter(|(a, b)| a != b)
                .count();
            line += &format!(" ×{:.3} [{differ} labels ≠]", m[i] / m[0]);
        }
    }
    println!("{line}");
}

/// How a row's points are drawn.
#[derive(Clone, Copy)]
enum Kind {
    /// `data::blobs` with `k` centres and this spread.
    Blobs { std: f64 },
    /// `data::uniform`.
    Uniform,
}

/// One workload: `n × d` points of `data`, fitted with `k` centroids.
struct Row {
    what: &'static str,
    n: usize,
    d: usize,
    k: usize,
    data: Kind,
    seed: u64,
    f32: bool,
}

use Kind::{Blobs, Uniform};

const F32: bool = true;
const F64: bool = false;

/// A row of `data::blobs` (`k` centres with spread `std`) in f32 (`F32`) or f64.
const fn blobs(
    what: &'static str,
    n: usize,
    d: usize,
    k: usize,
    std: f64,
    seed: u64,
    f32: bool,
) -> Row {
    Row {
        what,
        n,
        d,
        k,
        data: Blobs { std },
        seed,
        f32,
    }
}

/// A row of `data::uniform`.
const fn uniform(what: &'static str, n: usize, d: usize, k: usize, seed: u64, f32: bool) -> Row {
    Row {
        what,
        n,
        d,
        k,
        data: Uniform,
        seed,
        f32,
    }
}

/// The rows, from the issue's two target shapes to the shapes that decide `auto`'s rule.
#[rustfmt::skip]
const ROWS: &[Row] = &[
    blobs("blobs 2e5 x 16, k = 128", 200_000, 16, 128, 1.0, 1, F32),
    blobs("blobs 1e5 x 64, k = 64", 100_000, 64, 64, 1.0, 2, F64),
    uniform("uniform 2e5 x 16, k = 128", 200_000, 16, 128, 3, F32),
    uniform("uniform 1e5 x 64, k = 64", 100_000, 64, 64, 4, F64),
    blobs("blobs 1e5 x 4, k = 32 (low d)", 100_000, 4, 32, 1.0, 5, F32),
    blobs("overlapping 1e5 x 64, k = 64, std 5", 100_000, 64, 64, 5.0, 7, F64),
    blobs("blobs 1e5 x 32, k = 64", 100_000, 32, 64, 1.0, 8, F32),
    blobs("blobs 1e5 x 8, k = 64 (k·d = 512)", 100_000, 8, 64, 1.0, 9, F32),
    blobs("blobs 1e5 x 32, k = 16 (k·d = 512)", 100_000, 32, 16, 1.0, 10, F32),
    uniform("uniform 1e5 x 4, k = 256 (low d)", 100_000, 4, 256, 11, F32),
    uniform("uniform 1e5 x 8, k = 8 (small k)", 100_000, 8, 8, 12, F32),
    uniform("uniform 2e4 x 128, k = 16 (high d, no structure)", 20_000, 128, 16, 13, F32),
    uniform("uniform 2e4 x 512, k = 32 (high d, no structure)", 20_000, 512, 32, 14, F32),
    uniform("slides' shape: uniform 5000 x 26, k = 26", 5000, 26, 26, 15, F64),
    uniform("uniform 1e5 x 26, k = 26", 100_000, 26, 26, 15, F64),
    blobs("blobs 5000 x 26, k = 26 (small n)", 5000, 26, 26, 1.0, 15, F64),
    uniform("uniform 5000 x 64, k = 64 (small n)", 5000, 64, 64, 15, F64),
    uniform("uniform 2e4 x 26, k = 26", 20_000, 26, 26, 15, F64),
    blobs("blobs 2e4 x 256, k = 64 (high d)", 20_000, 256, 64, 1.0, 6, F32),
];

fn points<T: Scalar>(r: &Row) -> Matrix<T> {
    match r.data {
        Blobs { std } => data::blobs::<T>(r.n, r.k, r.d, std, r.seed).data,
        Uniform => data::uniform::<T>(r.n, r.d, r.seed),
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    for r in ROWS {
        if r.f32 {
            run(r.what, &points::<f32>(r), r.k, rounds);
        } else {
            run(r.what, &points::<f64>(r), r.k, rounds);
        }
    }
}
