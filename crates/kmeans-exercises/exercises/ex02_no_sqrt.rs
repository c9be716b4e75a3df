//! # Exercise 2 — drop the square root, and measure whether it paid
//!
//! **Slide 58 · Assignment Step v4 - Improving Norm.** "Do we need that square root? No, it is
//! monotonic so doesn't affect the argmin." The nearest centroid by squared distance is the
//! nearest centroid by distance, one `sqrt` per (point, centroid) pair cheaper.
//!
//! **Goal.** Implement [`NoSqrt`]: exercise 1's assignment step, comparing squared distances.
//! The code change is one line; the exercise is the measurement. Before you run the checker,
//! predict the gain over exercise 1; then read the spread the checker prints next to it. If
//! the difference is inside the spread, you have measured nothing — the book's "Measuring
//! honestly" page is about exactly this rung.
//!
//! **Starting point.** Exercise 1's rung, `loops/assign/v2-no-alloc`.
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 2` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 2`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{AssignStep, Points, Scalar};
use kmeans_exercises::{harness, register};

/// Exercise 2: the assignment step on squared distances (no `sqrt`).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSqrt;

// ANCHOR: exercise
impl<T: Scalar> AssignStep<T> for NoSqrt {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        todo!("exercise 2: squared distances, no sqrt")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex2(NoSqrt))
}
