//! # Exercise 9 — independent accumulators, so LLVM vectorises
//!
//! **Slide 28 · Try it out!** — past where the slides stop. Float addition is not associative,
//! so for `sum += (p - q) * (p - q)` the compiler must add in exactly your order: one add after
//! another, each waiting for the previous result, one number at a time. Several independent
//! partial sums give it work it may do side by side — in SIMD registers, several adds in flight.
//!
//! **Goal.** Implement [`Lanes`]: exercise 3's running argmin, with each squared distance summed
//! over 8 independent accumulators (plus a tail for `d % 8` coordinates), added up at the end.
//!
//! **Starting point.** Exercise 3's rung, `loops/assign/v4-running-argmin`.
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 9` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 9`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{AssignStep, Points, Scalar};
use kmeans_exercises::{harness, register};

/// Exercise 9: the running-argmin assignment with the distance summed in 8 independent lanes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lanes;

// ANCHOR: exercise
impl<T: Scalar> AssignStep<T> for Lanes {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        todo!("exercise 9: 8 independent partial sums per distance")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex9(Lanes))
}
