//! Where a fit's time goes, iteration by iteration: one fit to `tol = 1e-4` from k-means++
//! (seed 5), one thread, printing each iteration's milliseconds and the share of plain
//! Lloyd's `n·k` distances it computed, then the final labels pass.
//!
//! ```text
//! cargo run --release -p kmeans-simd --example trace -- VARIANT [WORKLOAD]
//! cargo run --release -p kmeans-simd --example trace -- simd/iter/hamerly-dot overlapping
//! ```
//!
//! Workloads (those of the `converge` example and bench group): `blobs` (2e5 × 16 f32,
//! k = 128, the default), `overlapping` (1e5 × 64 f64, k = 64, std 5), `uniform` (2e5 × 16
//! f32, k = 128), `uniform64` (1e5 × 64 f64, k = 64), `uniform512` (2e4 × 512 f32, k = 32),
//! `high-d` (the `default-fit` group's 4e4 × 300 f32 blobs, k = 20, its data seed), `slides`
//! (5000 × 26 f64 uniform, k = 26). The first iteration's time includes what the fit does
//! before it (the value check, the variance for `tol`); the init is not timed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kmeans_core::{KMeans, Matrix, Scalar, data};

fn trace<T: Scalar>(name: &str, points: &Matrix<T>, k: usize) {
    let registry = kmeans_simd::registry();
    let Some(variant) = registry.iteration_named(name) else {
        eprintln!("error: no variant named {name} (see `kmeans backends`)");
        std::process::exit(2);
    };
    let marks = Arc::new(Mutex::new(Vec::new()));
    let log = marks.clone();
    let all = (points.n() * k) as f64;
    let params = KMeans::new(k)
        .seed(5)
        .tol(1e-4)
        .threads(Some(1))
        .on_iteration(move |it| {
            let share = it.distances as f64 / all;
            log.lock().unwrap().push((Instant::now(), share));
        });
    let start = Instant::now();
    let fit = params.fit_variant(&variant, points.view()).expect("fit");
    let end = Instant::now();
    let marks = marks.lock().unwrap();
    let mut previous = start + Duration::from_secs_f64(fit.init_seconds);
    let mut line = String::new();
    for (i, (at, share)) in marks.iter().enumerate() {
        if i % 10 == 0 {
            line.push_str("\n ");
        }
        let ms = (*at - previous).as_secs_f64() * 1e3;
        line.push_str(&format!(" {ms:5.1} ms {:3.0} %", share * 100.0));
        previous = *at;
    }
    println!(
        "{name}: {} iterations, {:.1} ms after the init, final labels pass {:.1} ms{line}",
        fit.iterations,
        (end - start).as_secs_f64() * 1e3 - fit.init_seconds * 1e3,
        (end - previous).as_secs_f64() * 1e3
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(name) = args.get(1) else {
        eprintln!(
            "usage: trace VARIANT [blobs | overlapping | uniform | uniform64 | uniform512 | high-d | slides]"
        );
        std::process::exit(2);
    };
    match args.get(2).map_or("blobs", String::as_str) {
        "blobs" => trace(
            name,
            &data::blobs::<f32>(200_000, 128, 16, 1.0, 1).data,
            128,
        ),
        "overlapping" => trace(name, &data::blobs::<f64>(100_000, 64, 64, 5.0, 7).data, 64),
        "uniform" => trace(name, &data::uniform::<f32>(200_000, 16, 3), 128),
        "uniform64" => trace(name, &data::uniform::<f64>(100_000, 64, 4), 64),
        "uniform512" => trace(name, &data::uniform::<f32>(20_000, 512, 14), 32),
        "high-d" => trace(name, &data::blobs::<f32>(40_000, 20, 300, 1.0, 11).data, 20),
        "slides" => trace(name, &data::uniform::<f64>(5000, 26, 15), 26),
        other => {
            eprintln!(
                "error: unknown workload {other}: blobs, overlapping, uniform, uniform64, uniform512, high-d or slides"
            );
            std::process::exit(2);
        }
    }
}
