//! # Exercise 1 — one distance buffer, no allocation per pair
//!
//! **Slide 34 · Broadcasting Distance Computation.** NumPy's first big win computes one point's
//! distances to all `k` centroids in one go (`point - centroids`) instead of building a Python
//! list pair by pair. In Rust the loop is already compiled; what the slide-literal code still
//! pays for is a fresh `Vec` for every (point, centroid) difference and a fresh list of distances
//! for every point.
//!
//! **Goal.** Implement [`NoAlloc`]: for every point, write its distance to each centroid into
//! one buffer of length `k` that you allocate once per call and reuse for every point, then
//! take the argmin of the buffer. Keep the square root for now (exercise 2 drops it).
//!
//! **Starting point.** `loops/assign/v1-literal`, the slides' code as written: the checker
//! times it beside your version on your machine.
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 1` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 1`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{AssignStep, Points, Scalar};
use kmeans_exercises::{harness, register};

/// Exercise 1: the assignment step with one reused distance buffer and no allocation per pair.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAlloc;

// ANCHOR: exercise
impl<T: Scalar> AssignStep<T> for NoAlloc {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        // `data.rows()` iterates the points, `centroids.rows()` the centroids (each a `&[T]`);
        // `labels[i]` receives the index of the centroid nearest to point `i`.
        todo!("exercise 1: one distance buffer, reused for every point")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex1(NoAlloc))
}
