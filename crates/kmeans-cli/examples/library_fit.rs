//! The library's time for the fit that `kmeans fit` runs, to compare with the CLI's: the same
//! data as `kmeans generate --n N --d D --k K --dtype f32 --seed S --std STD` (generated in
//! memory, so no file is read), the same default parameters and backend as `kmeans fit DATA -k K`.
//!
//! `cargo run --release -p kmeans-cli --example library_fit -- 1000000 16 8 0 1.0`

use std::time::Instant;

use kmeans_workshop::{KMeans, data, fastest};

fn main() {
    let args: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("arguments: N D K SEED STD"))
        .collect();
    let [n, d, k, seed, std] = args[..] else {
        eprintln!("usage: library_fit N D K SEED STD");
        std::process::exit(2);
    };
    let (n, d, k) = (n as usize, d as usize, k as usize);
    let points = data::blobs::<f32>(n, k, d, std, seed as u64).data;
    let variant = fastest::<f32>();
    let start = Instant::now();
    let fit = KMeans::new(k)
        .fit_variant(&variant, points.view())
        .expect("valid input");
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "backend {}  n {n}  d {d}  k {k}  iterations {}  converged {}  inertia {}  fit_seconds {seconds:.3}",
        variant.name(),
        fit.iterations,
        fit.converged,
        fit.inertia
    );
}
