//! Reference solution to exercise 8: one whole Lloyd iteration in one pass over the data —
//! each point is assigned and immediately added into its cluster's sum, while it is still in
//! cache (scikit-learn's Lloyd does the same).

use kmeans_core::{IterationStep, Points, Scalar};

/// The nearest centroid to `point` (the first of equal ones) and its squared distance
/// (exercise 3's loop).
fn nearest<T: Scalar>(point: &[T], centroids: Points<'_, T>) -> (usize, T) {
    let (mut best, mut best_dist) = (0, T::infinity());
    for (j, c) in centroids.rows().enumerate() {
        let mut sum = T::zero();
        for (&p, &q) in point.iter().zip(c) {
            sum += (p - q) * (p - q);
        }
        if sum < best_dist {
            (best, best_dist) = (j, sum);
        }
    }
    (best, best_dist)
}

/// Exercise 8, solved: assignment, inertia and cluster sums in the same loop.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fused;

// ANCHOR: solution
impl<T: Scalar> IterationStep<T> for Fused {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) -> f64 {
        let mut inertia = 0.0f64;
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            let (best, dist) = nearest(point, centroids);
            *label = best as u32;
            inertia += dist.as_f64();
        }
        inertia
    }

    fn iterate(
        &self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
    ) -> f64 {
        let d = data.d();
        new_centroids.fill(T::zero()); // the sums, until the division below
        counts.fill(0);
        let mut inertia = 0.0f64;
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            let (best, dist) = nearest(point, centroids);
            *label = best as u32;
            inertia += dist.as_f64();
            // The same point, still in cache: add it into its cluster's sum.
            counts[best] += 1;
            for (s, &v) in new_centroids[best * d..(best + 1) * d]
                .iter_mut()
                .zip(point)
            {
                *s += v;
            }
        }
        for (sum, &count) in new_centroids.chunks_exact_mut(d).zip(counts.iter()) {
            if count > 0 {
                let count = T::of_usize(count as usize);
                sum.iter_mut().for_each(|s| *s /= count);
            }
        }
        inertia
    }
}
// ANCHOR_END: solution
