//! A whole Lloyd iteration in one pass over the data, as scikit-learn's Lloyd does it.

use kmeans_core::{IterationStep, Points, Scalar};

use crate::assign::nearest_lanes;

/// Assign a point and immediately add it into its cluster's sum: the data is read once per
/// iteration instead of twice (once to assign, once to update), which matters as soon as the
/// data no longer fits in cache. The exact squared distance of the winner is summed (in `f64`)
/// into the inertia on the way.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fused;

// ANCHOR: fused
impl<T: Scalar> IterationStep<T> for Fused {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) -> f64 {
        let mut inertia = 0.0f64;
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            let (best, dist) = nearest_lanes(point, centroids);
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
        new_centroids.fill(T::zero());
        counts.fill(0);
        let mut inertia = 0.0f64;
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            let (best, dist) = nearest_lanes(point, centroids);
            *label = best as u32;
            inertia += dist.as_f64();
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
// ANCHOR_END: fused
