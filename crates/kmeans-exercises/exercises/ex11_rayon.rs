//! # Exercise 11 (stretch) — parallel assignment with rayon, deterministic
//!
//! **Slide 28 · Try it out!** — past where the slides stop. Every point's label depends only on
//! that point and the centroids, so the points can be split over threads with no locks and no
//! shared writes — and the result cannot depend on how many threads ran.
//!
//! **Goal.** Implement [`Parallel`]: split the labels into fixed-size chunks with rayon
//! (`par_chunks_mut`), and assign each chunk's points on whichever thread picks it up, with
//! your fastest single-threaded kernel (exercise 9's, or exercise 3's).
//!
//! **Starting point.** Exercise 9's rung, `loops/assign/v5-lanes`, on one thread. The checker
//! prints how many threads rayon used; the reference solution's speed-up in the same run is
//! what your cores allow.
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 11` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 11`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{AssignStep, Points, Scalar};
use kmeans_exercises::{harness, register};

/// Exercise 11: the assignment step over fixed chunks of points in parallel with rayon.
#[derive(Clone, Copy, Debug, Default)]
pub struct Parallel;

// ANCHOR: exercise
impl<T: Scalar> AssignStep<T> for Parallel {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        todo!("exercise 11: par_chunks_mut over the labels, fixed chunk size")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex11(Parallel))
}
