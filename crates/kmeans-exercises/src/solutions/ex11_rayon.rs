//! Reference solution to exercise 11: fixed chunks of points assigned in parallel with rayon.
//! Each label depends only on its own point, so the result is the same for any thread count.

use kmeans_core::{AssignStep, Points, Scalar};
use rayon::prelude::*;

use super::ex09_lanes::nearest;

/// Points per parallel task: large enough that handing a task to a thread is small next to its
/// work (256 × k × d multiply-adds: 170 000 at the slides' size), small enough that 5000
/// points make 20 tasks to balance over the cores.
pub const CHUNK: usize = 256;

/// Exercise 11, solved: `par_chunks_mut` over the labels, exercise 9's kernel in each chunk.
#[derive(Clone, Copy, Debug, Default)]
pub struct Parallel;

// ANCHOR: solution
impl<T: Scalar> AssignStep<T> for Parallel {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        labels
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(chunk, out)| {
                let start = chunk * CHUNK;
                let points = data.slice_rows(start, start + out.len());
                for (point, label) in points.rows().zip(out) {
                    *label = nearest(point, centroids).0 as u32;
                }
            });
    }
}
// ANCHOR_END: solution
