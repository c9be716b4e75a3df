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

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    run(
        "blobs 2e5 x 16, k = 128",
        &data::blobs::<f32>(200_000, 128, 16, 1.0, 1).data,
        128,
        rounds,
    );
    run(
        "blobs 1e5 x 64, k = 64",
        &data::blobs::<f64>(100_000, 64, 64, 1.0, 2).data,
        64,
        rounds,
    );
    run(
        "uniform 2e5 x 16, k = 128",
        &data::uniform::<f32>(200_000, 16, 3),
        128,
        rounds,
    );
    run(
        "uniform 1e5 x 64, k = 64",
        &data::uniform::<f64>(100_000, 64, 4),
        64,
        rounds,
    );
    run(
        "blobs 1e5 x 4, k = 32 (low d)",
        &data::blobs::<f32>(100_000, 32, 4, 1.0, 5).data,
        32,
        rounds,
    );
    run(
        "overlapping 1e5 x 64, k = 64, std 5",
        &data::blobs::<f64>(100_000, 64, 64, 5.0, 7).data,
        64,
        rounds,
    );
    run(
        "blobs 1e5 x 32, k = 64",
        &data::blobs::<f32>(100_000, 64, 32, 1.0, 8).data,
        64,
        rounds,
    );
    run(
        "blobs 1e5 x 8, k = 64 (k·d = 512)",
        &data::blobs::<f32>(100_000, 64, 8, 1.0, 9).data,
        64,
        rounds,
    );
    run(
        "blobs 1e5 x 32, k = 16 (k·d = 512)",
        &data::blobs::<f32>(100_000, 16, 32, 1.0, 10).data,
        16,
        rounds,
    );
    run(
        "uniform 1e5 x 4, k = 256 (low d)",
        &data::uniform::<f32>(100_000, 4, 11),
        256,
        rounds,
    );
    run(
        "uniform 1e5 x 8, k = 8 (small k)",
        &data::uniform::<f32>(100_000, 8, 12),
        8,
        rounds,
    );
    run(
        "uniform 2e4 x 128, k = 16 (high d, no structure)",
        &data::uniform::<f32>(20_000, 128, 13),
        16,
        rounds,
    );
    run(
        "uniform 2e4 x 512, k = 32 (high d, no structure)",
        &data::uniform::<f32>(20_000, 512, 14),
        32,
        rounds,
    );
    run(
        "slides' shape: uniform 5000 x 26, k = 26",
        &data::uniform::<f64>(5000, 26, 15),
        26,
        rounds,
    );
    run(
        "uniform 1e5 x 26, k = 26",
        &data::uniform::<f64>(100_000, 26, 15),
        26,
        rounds,
    );
    run(
        "blobs 5000 x 26, k = 26 (small n)",
        &data::blobs::<f64>(5000, 26, 26, 1.0, 15).data,
        26,
        rounds,
    );
    run(
        "uniform 5000 x 64, k = 64 (small n)",
        &data::uniform::<f64>(5000, 64, 15),
        64,
        rounds,
    );
    run(
        "uniform 2e4 x 26, k = 26",
        &data::uniform::<f64>(20_000, 26, 15),
        26,
        rounds,
    );
    run(
        "blobs 2e4 x 256, k = 64 (high d)",
        &data::blobs::<f32>(20_000, 64, 256, 1.0, 6).data,
        64,
        rounds,
    );
}
