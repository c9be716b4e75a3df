//! # Exercise 8 (stretch) — parallel assignment with rayon, deterministic
//!
//! **Slide 28 · Try it out!** — past where the slides stop. Every point's label depends only on
//! that point and the centroids, so the points can be split over threads with no locks and no
//! shared writes — and the result cannot depend on how many threads ran.
//!
//! **Goal.** Implement [`Parallel`]: split the labels into fixed-size chunks with rayon
//! (`par_chunks_mut`), and assign each chunk's points on whichever thread picks it up, with
//! your fastest single-threaded kernel (exercise 6's, or exercise 3's).
//!
//! **Starting point.** Exercise 6's rung, `loops/assign/v5-lanes`, on one thread (assignment
//! table of `reports/summary.md`).
//!
//! **Target.** Aim for at least 6× faster than v1 with 2 cores (the machine the workshop was
//! measured on has 2; more cores, more speed-up). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 8` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 8`

use kmeans_core::{AssignStep, Points, Scalar};

/// Exercise 8: the assignment step over fixed chunks of points in parallel with rayon.
#[derive(Clone, Copy, Debug, Default)]
pub struct Parallel;

// ANCHOR: exercise
impl<T: Scalar> AssignStep<T> for Parallel {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        todo!("exercise 8: par_chunks_mut over the labels, fixed chunk size")
    }
}
// ANCHOR_END: exercise
