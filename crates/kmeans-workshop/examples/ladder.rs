//! Quick look at the ladder before (or without) `cargo bench`: the median time of every
//! registered assignment and update step at the slides' setting (n = 5000, k = 26, d = 26, f64).
//!
//! `cargo run --release -p kmeans-workshop --example ladder`
//!
//! The bench harness measures the same with criterion, more carefully, and renders reports;
//! this prints in seconds.

use std::time::{Duration, Instant};

use kmeans_workshop::{Matrix, Points, data, registry};

/// Median of `runs` timings of `f`, after one warm-up call.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let (n, k, d) = (data::SLIDES_N, data::SLIDES_K, data::SLIDES_D);
    let points = data::uniform::<f64>(n, d, 2022);
    let centroids = Matrix::from_vec(points.as_slice()[..k * d].to_vec(), k, d).expect("k rows");
    let labels: Vec<u32> = (0..n as u32).map(|i| i % k as u32).collect();
    let (data, cents): (Points<'_, f64>, Points<'_, f64>) = (points.view(), centroids.view());
    let registry = registry();
    println!("n = {n}, k = {k}, d = {d}, f64 — median of 11 runs\n");
    for v in &registry.assign {
        let Some(step) = v.get::<f64>() else { continue };
        let mut out = vec![0u32; n];
        let t = median(11, || step.assign(data, cents, &mut out));
        println!(
            "{:<36} {:>12.3?}   {}",
            v.info.name,
            t,
            v.info.slide.unwrap_or("")
        );
    }
    println!();
    for v in &registry.update {
        let Some(step) = v.get::<f64>() else { continue };
        let (mut out, mut counts) = (vec![0.0; k * d], vec![0u32; k]);
        let t = median(11, || step.update(data, &labels, &mut out, &mut counts));
        println!(
            "{:<36} {:>12.3?}   {}",
            v.info.name,
            t,
            v.info.slide.unwrap_or("")
        );
    }
}
