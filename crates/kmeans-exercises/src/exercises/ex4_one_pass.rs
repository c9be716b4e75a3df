//! # Exercise 4 — the one-pass update: sums and counts
//!
//! **Slide 64 · Original Update Step - Time Complexity.** `np.stack([data[labels == i].mean(
//! axis=0) for i in range(k)])` scans all `n` labels once per cluster and copies the selected
//! rows: `O(n·d·k)`. The slides answer with a one-hot matrix product (slide 78) and then a
//! sparse one (slide 83, exercise 5); both compute, per cluster, the sum of its points and their
//! number. You can compute exactly that in one pass over the data.
//!
//! **Goal.** Implement [`OnePass`]: visit every point once, add it into its cluster's running
//! sum and count, then divide each non-empty cluster's sum by its count. `O(n·d + k·d)`.
//!
//! **Starting point.** `loops/update/v1-mask`, the slides' update as written (its time at the
//! slides' size is in the update table of `reports/summary.md`).
//!
//! **Target.** Aim for at least 5× faster than v1. The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 4` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 4`

use kmeans_core::{Points, Scalar, UpdateStep};

/// Exercise 4: the update step as one pass of sums and counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct OnePass;

// ANCHOR: exercise
impl<T: Scalar> UpdateStep<T> for OnePass {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        // `centroids` is k × d row-major (k = counts.len()): row j is
        // `centroids[j * d..(j + 1) * d]`. Empty clusters (count 0) may be left as anything.
        todo!("exercise 4: one pass of sums and counts")
    }
}
// ANCHOR_END: exercise
