//! Quick look at the ladder before (or without) `cargo bench`: the median time of every
//! registered assignment, update and whole-iteration step at the slides' setting (n = 5000,
//! k = 26, d = 26, f64), next to the slides' NumPy timings where a variant mirrors a slide.
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

/// The slides' own NumPy timings (presenter's machine, not this one), by slide number.
const SLIDES_NUMPY: &[(&str, &str)] = &[
    ("32", "1.01 s"),
    ("34", "72.6 ms"),
    ("52", "18.1 ms"),
    ("58", "17.8 ms"),
    ("59", "9.94 ms"),
    ("63", "1.15 ms"),
    ("78", "1.03 ms"),
    ("83", "491 µs"),
];

/// `slide · title   (NumPy on the slides: t)` for a variant's slide, if it has one.
fn slide_column(slide: Option<&str>) -> String {
    let Some(slide) = slide else {
        return String::new();
    };
    let number = slide.split(' ').next().unwrap_or("");
    match SLIDES_NUMPY.iter().find(|(n, _)| *n == number) {
        Some((_, t)) => format!("{slide}   (slides' NumPy: {t})"),
        None => slide.to_string(),
    }
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
            "{:<40} {:>12.3?}   {}",
            v.info.name,
            t,
            slide_column(v.info.slide)
        );
    }
    println!();
    for v in &registry.update {
        let Some(step) = v.get::<f64>() else { continue };
        let (mut out, mut counts) = (vec![0.0; k * d], vec![0u32; k]);
        let t = median(11, || step.update(data, &labels, &mut out, &mut counts));
        println!(
            "{:<40} {:>12.3?}   {}",
            v.info.name,
            t,
            slide_column(v.info.slide)
        );
    }
    println!();
    for v in &registry.iterate {
        let Some(step) = v.get::<f64>() else { continue };
        let (mut out, mut counts, mut l) = (vec![0.0; k * d], vec![0u32; k], vec![0u32; n]);
        let t = median(11, || {
            step.iterate(data, cents, &mut l, &mut out, &mut counts);
        });
        println!(
            "{:<40} {:>12.3?}   {}",
            v.info.name,
            t,
            slide_column(v.info.slide)
        );
    }
}
