//! The fit a user actually runs — `KMeans::new(k)`: k-means++, `tol = 1e-4`, to convergence —
//! timed from data to result, with the init's share, at 1 and 2 threads, for each init.
//!
//! `cargo run --release -p kmeans-workshop --example default_fit -- [N D K [f32|f64] [ROUNDS] [SEED]]`
//!
//! Blobs with data seed SEED (default 0; the `default-fit` bench group's is 11). Prints the
//! median of ROUNDS fits (default 5) per row; `cargo bench` measures the same fits
//! (group `default-fit`) side by side with scikit-learn, scikit-learn-intelex and faiss.

use std::time::Instant;

use kmeans_workshop::{Init, KMeans, Matrix, Scalar, data, fastest};

fn run<T: Scalar>(points: &Matrix<T>, k: usize, rounds: usize) {
    let variant = fastest::<T>();
    println!(
        "{} × {} {}, k = {k}, backend {}",
        points.n(),
        points.d(),
        T::DTYPE,
        variant.name()
    );
    let inits: [(&str, Init<T>); 2] = [
        ("k-means++", Init::KMeansPlusPlus),
        ("k-means||", Init::kmeans_parallel()),
    ];
    for threads in [1, 2] {
        for (name, init) in &inits {
            let mut rows: Vec<(f64, f64, usize, f64)> = (0..rounds)
                .map(|_| {
                    let started = Instant::now();
                    let fit = KMeans::new(k)
                        .init(init.clone())
                        .threads(Some(threads))
                        .fit_variant(&variant, points.view())
                        .expect("valid input");
                    let total = started.elapsed().as_secs_f64();
                    (total, fit.init_seconds, fit.iterations, fit.inertia)
                })
                .collect();
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (total, init_s, iterations, inertia) = rows[rounds / 2];
            println!(
                "  {threads} thread(s) {name:<9}  fit {:8.1} ms  init {:7.1} ms ({:4.1} %)  {iterations:3} iterations  inertia {inertia:.6e}",
                total * 1e3,
                init_s * 1e3,
                100.0 * init_s / total
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: usize| -> usize {
        args.get(i).map_or(default, |s| {
            s.parse().unwrap_or_else(|_| {
                eprintln!("error: argument {} ({s:?}) is not a whole number", i + 1);
                std::process::exit(2)
            })
        })
    };
    let (n, d, k) = (num(0, 100_000), num(1, 32), num(2, 64));
    let rounds = num(4, 5).max(1);
    let seed = num(5, 0) as u64;
    match args.get(3).map_or("f32", String::as_str) {
        "f32" => run(&data::blobs::<f32>(n, k, d, 1.0, seed).data, k, rounds),
        "f64" => run(&data::blobs::<f64>(n, k, d, 1.0, seed).data, k, rounds),
        other => {
            eprintln!("error: dtype {other:?}: expected f32 or f64");
            std::process::exit(2)
        }
    }
}
