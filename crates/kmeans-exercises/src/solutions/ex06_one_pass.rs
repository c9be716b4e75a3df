//! Reference solution to exercise 6 (slide 64): one pass adds every point into its cluster's
//! sum and count — what the slides' one-hot products compute — then one division per value.

use kmeans_core::{Points, Scalar, UpdateStep};

/// Exercise 6, solved: sums and counts in one pass over the data, `O(n·d + k·d)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct OnePass;

// ANCHOR: solution
impl<T: Scalar> UpdateStep<T> for OnePass {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        let d = data.d();
        centroids.fill(T::zero()); // the sums, until the division below
        counts.fill(0);
        for (point, &l) in data.rows().zip(labels) {
            let l = l as usize;
            counts[l] += 1;
            for (s, &v) in centroids[l * d..(l + 1) * d].iter_mut().zip(point) {
                *s += v;
            }
        }
        for (sum, &count) in centroids.chunks_exact_mut(d).zip(counts.iter()) {
            if count > 0 {
                let count = T::of_usize(count as usize);
                sum.iter_mut().for_each(|s| *s /= count);
            }
        }
    }
}
// ANCHOR_END: solution
