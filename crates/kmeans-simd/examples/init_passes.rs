//! Scratch: time the k-means++ layout copy and one distance pass, prepared and not.
use kmeans_core::{Matrix, data};
use std::time::Instant;
fn main() {
    let a: Vec<usize> = std::env::args()
        .skip(1)
        .map(|s| s.parse().unwrap())
        .collect();
    let (n, d, t) = (a[0], a[1], a[2]);
    let x = data::blobs::<f32>(n, 20, d, 1.0, 11).data;
    let reg = kmeans_simd::registry();
    let v = reg.iteration_named("simd/iter/auto").unwrap();
    let step = v.require::<f32>().unwrap();
    let mut cands = Matrix::<f32>::zeros(t, d);
    for j in 0..t {
        cands.row_mut(j).copy_from_slice(x.view().row(j * 7));
    }
    let mut out = vec![0f32; 4096 * t];
    for round in 0..5 {
        let s = Instant::now();
        let prep = step.prepare_distances(x.view(), 100);
        let copy = s.elapsed().as_secs_f64() * 1e3;
        let s = Instant::now();
        for _ in 0..5 {
            for c in (0..n).step_by(4096) {
                let e = (c + 4096).min(n);
                prep.sq_distances(c..e, cands.view(), &mut out[..(e - c) * t]);
            }
        }
        let lanes = s.elapsed().as_secs_f64() * 1e3 / 5.0;
        drop(prep);
        let rows = step.prepare_distances(x.view(), 1);
        let s = Instant::now();
        for _ in 0..5 {
            for c in (0..n).step_by(4096) {
                let e = (c + 4096).min(n);
                rows.sq_distances(c..e, cands.view(), &mut out[..(e - c) * t]);
            }
        }
        let rowp = s.elapsed().as_secs_f64() * 1e3 / 5.0;
        println!(
            "round {round}: copy {copy:.1} ms, lanes pass {lanes:.2} ms, rows pass {rowp:.2} ms"
        );
    }
}
