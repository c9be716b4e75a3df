//! # Exercise 5 — the GEMM trick: distances from one matrix product
//!
//! **Past slide 59**, and the biggest single win of the ladder. Expand the squared distance:
//! `‖x − c‖² = ‖x‖² − 2·x·c + ‖c‖²`. `‖x‖²` is the same for every centroid, so it cannot change
//! the argmin; `‖c‖²` is `k` numbers; and every `x·c` at once is one matrix product, `X · Cᵀ`
//! (`einsum('nd,kd->nk')`) — the operation BLAS-style kernels run near the CPU's peak.
//!
//! **Goal.** Implement [`Gemm`]: `‖c‖²` for every centroid, `data.dot(&centroids.t())` for
//! every `x·c`, and for every point the centroid with the smallest `‖c‖² − 2·x·c`.
//! `kmeans_exercises::view(points)` gives you the `(n, d)` `ArrayView2`.
//!
//! **Precision.** The subtraction cancels when points are far from the origin compared with
//! their spread; the conformance kit holds this exercise to the dot-product (norm-relative)
//! bound, as it does the library's GEMM variants.
//!
//! **Starting point.** `loops/assign/v1-literal`; compare your line with exercise 4's.
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 5` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 5`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{AssignStep, Points, Scalar};
use kmeans_exercises::{harness, register};
use ndarray::LinalgScalar;

/// Exercise 5: the assignment step through one matrix product, `X · Cᵀ`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gemm;

// ANCHOR: exercise
impl<T: Scalar + LinalgScalar> AssignStep<T> for Gemm {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        // Useful: kmeans_exercises::view, `a.dot(&b.t())`, T::of_f64(2.0).
        todo!("exercise 5: scores ‖c‖² − 2·x·c from one matrix product")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex5(Gemm))
}
