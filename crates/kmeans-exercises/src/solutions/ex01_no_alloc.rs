//! Reference solution to exercise 1 (slide 34): one distance buffer per call, reused for every
//! point; each difference is squared and summed as it is produced, never stored.

use kmeans_core::{AssignStep, Points, Scalar};

use super::argmin;

/// Exercise 1, solved: distances to all centroids into one reused buffer, then its argmin.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAlloc;

// ANCHOR: solution
impl<T: Scalar> AssignStep<T> for NoAlloc {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        // One allocation per call, not one per (point, centroid) pair.
        let mut distances = vec![T::zero(); centroids.n()];
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            for (dist, c) in distances.iter_mut().zip(centroids.rows()) {
                let mut sum = T::zero();
                for (&p, &q) in point.iter().zip(c) {
                    sum += (p - q) * (p - q);
                }
                *dist = sum.sqrt();
            }
            *label = argmin(&distances) as u32;
        }
    }
}
// ANCHOR_END: solution
