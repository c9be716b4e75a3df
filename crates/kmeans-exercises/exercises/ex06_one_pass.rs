//! # Exercise 6 — the one-pass update: sums and counts
//!
//! **Slide 64 · Original Update Step - Time Complexity.** `np.stack([data[labels == i].mean(
//! axis=0) for i in range(k)])` compares all `n` labels once per cluster (`O(n·k)`) and copies
//! and averages each cluster's rows (`O(n·d)` in all): `O(n·k + n·d)`. The slides answer with a
//! one-hot matrix product (slide 78, `O(n·k·d)`) and then a sparse one (slide 83, exercise 7);
//! both compute, per cluster, the sum of its points and their number. You can compute exactly
//! that in one pass over the data.
//!
//! **Goal.** Implement [`OnePass`]: visit every point once, add it into its cluster's running
//! sum and count, then divide each non-empty cluster's sum by its count. `O(n·d + k·d)`.
//!
//! **Starting point.** `loops/update/v1-mask`, the slides' update as written.
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 6` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 6`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{Points, Scalar, UpdateStep};
use kmeans_exercises::{harness, register};

/// Exercise 6: the update step as one pass of sums and counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct OnePass;

// ANCHOR: exercise
impl<T: Scalar> UpdateStep<T> for OnePass {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        // `centroids` is k × d row-major (k = counts.len()): row j is
        // `centroids[j * d..(j + 1) * d]`. Empty clusters (count 0) may be left as anything.
        todo!("exercise 6: one pass of sums and counts")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex6(OnePass))
}
