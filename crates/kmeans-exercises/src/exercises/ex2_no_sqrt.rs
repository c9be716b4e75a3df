//! # Exercise 2 — drop the square root
//!
//! **Slide 58 · Assignment Step v4 - Improving Norm.** "Do we need that square root? No, it is
//! monotonic so doesn't affect the argmin." The nearest centroid by squared distance is the
//! nearest centroid by distance, one `sqrt` per (point, centroid) pair cheaper.
//!
//! **Goal.** Implement [`NoSqrt`]: exercise 1's assignment step, comparing squared distances.
//!
//! **Starting point.** Exercise 1's rung, `loops/assign/v2-no-alloc` (its time and speed-up over
//! v1 are in the assignment table of `reports/summary.md`).
//!
//! **Target.** Aim for at least 2.5× faster than v1. The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 2` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 2`

use kmeans_core::{AssignStep, Points, Scalar};

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
