//! # Exercise 8 — the fused iteration: assign and accumulate in one pass
//!
//! **Slide 28 · Try it out!** — "make `kmeans` faster", the whole loop, not one step. The
//! slides' loop reads the data twice per iteration: once to assign every point, once to
//! average the clusters. scikit-learn's Lloyd reads it once: each point, while it is still in
//! cache, is assigned *and* added into its cluster's sum.
//!
//! **Goal.** Implement [`Fused`], a whole iteration (`IterationStep`): `assign` labels every
//! point and returns the inertia (the sum of the squared distances to the chosen centroids, in
//! `f64`); `iterate` does the same and, in the same loop, accumulates the cluster sums and
//! counts, then divides. The timing is of `iterate`, against the slides' whole iteration
//! (`loops/iter/slides`).
//!
//! **Then measure the idea, not just your code.** Fusion saves a second pass over the data.
//! At the slides' size the data is a megabyte: it stays in cache between the passes, so
//! compare the reference's speed-up here with what exercises 3 and 6 give separately, and ask
//! when fusion would pay (the book's "Measuring honestly" page).
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 8` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 8`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{IterationStep, Points, Scalar};
use kmeans_exercises::{harness, register};

/// Exercise 8: one Lloyd iteration in one pass over the data.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fused;

// ANCHOR: exercise
impl<T: Scalar> IterationStep<T> for Fused {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) -> f64 {
        todo!("exercise 8: label every point, return the inertia")
    }

    fn iterate(
        &self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
    ) -> f64 {
        // `new_centroids` is k × d row-major: row j is `new_centroids[j * d..(j + 1) * d]`.
        todo!("exercise 8: assign, accumulate sums and counts in the same loop, divide")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex8(Fused))
}
