//! Reference solution to exercise 3 (slide 59): the argmin fused into the distance loop, as
//! einsum fuses the reduction — the `k` distances are never stored.

use kmeans_core::{AssignStep, Points, Scalar};

/// Exercise 3, solved: the best centroid so far in two locals; no buffer at all.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunningArgmin;

// ANCHOR: solution
impl<T: Scalar> AssignStep<T> for RunningArgmin {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            let (mut best, mut best_dist) = (0, T::infinity());
            for (j, c) in centroids.rows().enumerate() {
                let mut sum = T::zero();
                for (&p, &q) in point.iter().zip(c) {
                    sum += (p - q) * (p - q);
                }
                // Strictly smaller: the first of equal distances wins, like np.argmin.
                if sum < best_dist {
                    (best, best_dist) = (j, sum);
                }
            }
            *label = best as u32;
        }
    }
}
// ANCHOR_END: solution
