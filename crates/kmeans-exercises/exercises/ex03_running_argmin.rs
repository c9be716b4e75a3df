//! # Exercise 3 — the fused running argmin (einsum's lesson)
//!
//! **Slide 59 · Assignment Step v5 - Einsum.** `np.einsum('nkd,nkd->nk', diff, diff)` beat
//! `(diff**2).sum(axis=2)` because it never writes the squared differences to memory: the
//! reduction happens as the values are produced. Apply the same lesson to the argmin — the `k`
//! distances of a point need not be stored either.
//!
//! **Goal.** Implement [`RunningArgmin`]: for every point, keep the best centroid so far and its
//! squared distance in two local variables while you walk the centroids. No distance buffer, no
//! allocation at all.
//!
//! **Starting point.** Exercise 2's rung, `loops/assign/v3-no-sqrt`. A `k`-long buffer stays in
//! L1 cache, so in Rust this rung is about memory traffic you no longer cause, more than about
//! speed. Exercise 9 cashes it in.
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 3` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 3`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{AssignStep, Points, Scalar};
use kmeans_exercises::{harness, register};

/// Exercise 3: the assignment step with the argmin fused into the distance loop.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunningArgmin;

// ANCHOR: exercise
impl<T: Scalar> AssignStep<T> for RunningArgmin {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        todo!("exercise 3: keep the best centroid so far in two locals")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex3(RunningArgmin))
}
