//! # Exercise 4 — broadcasting and `Zip` in ndarray: from v3 to v5
//!
//! **Slide 59 · Assignment Step v5 - Einsum**, the slides' own lesson, in ndarray. Slide 52's
//! v3 broadcasts every point against every centroid and reduces with two temporaries:
//!
//! ```python
//! diff = data[:, None] - centroids[None]        # (n, k, d)
//! distances = (diff**2).sum(axis=2)             # (n, k), through a second (n, k, d) array
//! labels = np.argmin(distances, axis=1)
//! ```
//!
//! v5 replaces the middle line by `np.einsum('nkd,nkd->nk', diff, diff)`: the same numbers,
//! without ever writing `diff**2`.
//!
//! **Goal.** Implement [`NdarrayEinsum`] with ndarray: the `(n, k, d)` difference by
//! broadcasting (`insert_axis` is NumPy's `None`), then the einsum as a [`ndarray::Zip`] of an
//! `(n, k)` output with the `d`-lanes of the difference, then the argmin of every row.
//! `kmeans_exercises::view(points)` gives you the `(n, d)` `ArrayView2` of a `Points`, no copy.
//!
//! **Starting point.** `loops/assign/v1-literal`, like every assignment exercise. Compare your
//! line with exercise 1's: the broadcast does all the work in large array operations, and in
//! Rust that is not the same as fast.
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 4` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 4`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{AssignStep, Points, Scalar};
use kmeans_exercises::{harness, register};
use ndarray::LinalgScalar;

/// Exercise 4: the slides' v5 in ndarray — a broadcast difference reduced lane by lane.
#[derive(Clone, Copy, Debug, Default)]
pub struct NdarrayEinsum;

// ANCHOR: exercise
impl<T: Scalar + LinalgScalar> AssignStep<T> for NdarrayEinsum {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        // Useful: kmeans_exercises::view, ndarray::{Array2, Axis, Zip}, insert_axis, lanes, dot.
        todo!("exercise 4: broadcast with insert_axis, reduce each d-lane with Zip")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex4(NdarrayEinsum))
}
