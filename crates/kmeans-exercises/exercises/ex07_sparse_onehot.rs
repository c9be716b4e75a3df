//! # Exercise 7 — the sparse one-hot update with `sprs`
//!
//! **Slide 83 · Sparse.** The one-hot matrix of the labels is almost all zeros: `n` ones among
//! `n·k` entries. scipy's CSC format stores only the ones, and the product `onehotT @ data`
//! then costs `O(d·(n + k))` instead of the dense `O(n·k·d)`:
//!
//! ```python
//! onehotT = sparse.csc_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
//! group_counts = np.bincount(labels, minlength=k)[:, None]  # (k, 1)
//! return onehotT @ data / group_counts
//! ```
//!
//! **Goal.** Implement [`SparseOneHot`] the slide's way, with the `sprs` crate: build the
//! transposed one-hot as a `(k × n)` CSC matrix (`sprs::CsMat`), multiply it by the data
//! viewed as an `ndarray` `(n × d)` array, count the labels, divide. `f64` only.
//!
//! **Starting point.** `loops/update/v1-mask`. Then compare with exercise 6: its plain loop
//! computes the same sums without building a matrix at all.
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 7` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 7`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{Points, UpdateStep};
use kmeans_exercises::{harness, register};

/// Exercise 7: the update step as a sparse CSC one-hot times the dense data.
#[derive(Clone, Copy, Debug, Default)]
pub struct SparseOneHot;

// ANCHOR: exercise
impl UpdateStep<f64> for SparseOneHot {
    fn update(
        &self,
        data: Points<'_, f64>,
        labels: &[u32],
        centroids: &mut [f64],
        counts: &mut [u32],
    ) {
        // Useful: sprs::CsMat::new_csc, ndarray::ArrayView2::from_shape, `&csc * &view`.
        todo!("exercise 7: onehotT (CSC, k × n) @ data / counts")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex7(SparseOneHot))
}
