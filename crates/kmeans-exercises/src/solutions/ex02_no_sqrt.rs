//! Reference solution to exercise 2 (slide 58): exercise 1 without the square root — `sqrt` is
//! monotonic, so the argmin of squared distances is the same.

use kmeans_core::{AssignStep, Points, Scalar};

use super::argmin;

/// Exercise 2, solved: squared distances into one reused buffer, then its argmin.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSqrt;

// ANCHOR: solution
impl<T: Scalar> AssignStep<T> for NoSqrt {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let mut distances = vec![T::zero(); centroids.n()];
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            for (dist, c) in distances.iter_mut().zip(centroids.rows()) {
                let mut sum = T::zero();
                for (&p, &q) in point.iter().zip(c) {
                    sum += (p - q) * (p - q);
                }
                *dist = sum; // no .sqrt(): same argmin
            }
            *label = argmin(&distances) as u32;
        }
    }
}
// ANCHOR_END: solution
