//! The dot form's two register tiles side by side: `DotKernel::Tile` (centroids in the lanes,
//! points packed) and `DotKernel::Rows` (coordinates in the lanes, points read in place), one
//! fused Lloyd iteration each, rounds alternating, on blobs of the given shapes; medians and
//! their ratio to the tile. A list of L1 sizes in KiB adds the row kernel fitted to each
//! (`Dot::l1d_bytes`: how it would read the rows on a core with that L1). The measurements
//! behind `rows_pay` (`MEASUREMENTS.md`, "Few centroids, long rows").
//!
//! ```text
//! cargo run --release -p kmeans-simd --example kernel_choice -- "60000,10,784;100000,10,64" [rounds] [threads] [f32|f64] [32,16]
//! ```
//! `KMEANS_SIMD_ISA=avx2` runs the AVX2 kernels on an AVX-512 CPU.

use std::time::Instant;

use kmeans_core::{IterationStep, Scalar, data};
use kmeans_simd::{Blocking, Dot, DotKernel};

fn parse_shapes(arg: &str) -> Vec<(usize, usize, usize)> {
    arg.split(';')
        .map(|s| {
            let v: Vec<usize> = s
                .split(',')
                .map(|x| x.trim().parse().expect("shapes: \"n,k,d;n,k,d\""))
                .collect();
            assert_eq!(v.len(), 3, "a shape is n,k,d");
            (v[0], v[1], v[2])
        })
        .collect()
}

fn compare<T: Scalar>(n: usize, k: usize, d: usize, rounds: usize, l1s: &[usize])
where
    Dot: IterationStep<T>,
{
    let blobs = data::blobs::<T>(n, k, d, 1.0, 3);
    let (x, c) = (blobs.data.view(), blobs.centers.view());
    let base = Dot::new(Blocking::Cache).parallel(true);
    let mut steps = vec![
        ("tile".to_string(), base.kernel(DotKernel::Tile)),
        ("rows".to_string(), base.kernel(DotKernel::Rows)),
    ];
    for &kib in l1s {
        let step = base.kernel(DotKernel::Rows).l1d_bytes(kib * 1024);
        steps.push((format!("rows@{kib}K"), step));
    }
    let mut times = vec![Vec::new(); steps.len()];
    let (mut labels, mut out, mut counts) = (vec![0u32; n], vec![T::zero(); k * d], vec![0u32; k]);
    // About 2·10⁸ values per timing, so each takes tens of milliseconds at least.
    let reps = (2e8 / (n * d) as f64).ceil() as usize;
    for _ in 0..rounds {
        for ((_, step), times) in steps.iter().zip(&mut times) {
            step.iterate(x, c, &mut labels, &mut out, &mut counts);
            let start = Instant::now();
            for _ in 0..reps {
                step.iterate(x, c, &mut labels, &mut out, &mut counts);
            }
            times.push(start.elapsed().as_secs_f64() / reps as f64);
        }
    }
    let median = |t: &mut Vec<f64>| {
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    let medians: Vec<f64> = times.iter_mut().map(median).collect();
    let mut line = format!("n={n} k={k} d={d}:");
    for ((name, _), m) in steps.iter().zip(&medians) {
        line += &format!(" {name} {:.3} ms ({:.2})", m * 1e3, m / medians[0]);
    }
    println!("{line}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shapes = parse_shapes(args.get(1).map_or("60000,10,784", String::as_str));
    let rounds: usize = args.get(2).map_or(5, |s| s.parse().expect("rounds"));
    let threads: usize = args.get(3).map_or(1, |s| s.parse().expect("threads"));
    let f64_data = args.get(4).is_some_and(|s| s == "f64");
    let l1s: Vec<usize> = args.get(5).map_or(Vec::new(), |s| {
        s.split(',')
            .map(|x| x.trim().parse().expect("L1 sizes in KiB: \"32,16\""))
            .collect()
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    println!(
        "{} on {} thread(s), {rounds} rounds alternating",
        kmeans_simd::Isa::detected(),
        threads
    );
    pool.install(|| {
        for (n, k, d) in shapes {
            if f64_data {
                compare::<f64>(n, k, d, rounds, &l1s);
            } else {
                compare::<f32>(n, k, d, rounds, &l1s);
            }
        }
    });
}
