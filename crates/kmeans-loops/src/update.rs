//! Update steps in plain loops: the slides' mask per cluster, then one pass for all clusters.

use kmeans_core::{Points, Scalar, UpdateStep};

/// Slide 63, "Original Update Step", transcribed: for each cluster `i`, the mask
/// `labels == i` over all `n` labels, a copy of the selected rows (`data[labels == i]`), and
/// their mean along axis 0. The mask alone is `O(n·k)`; NumPy's boolean indexing also scans the
/// data per cluster, the slides' `O(n·d·k)`.
///
/// **Deliberately slow**, and faithful down to the empty-cluster bug: the mean of no rows is
/// `0 / 0 = NaN`, as `np.mean` of an empty array. The driver relocates such clusters.
#[derive(Clone, Copy, Debug, Default)]
pub struct V1Mask;

// ANCHOR: v1_mask
impl<T: Scalar> UpdateStep<T> for V1Mask {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        let d = data.d();
        for (i, centroid) in centroids.chunks_exact_mut(d).enumerate() {
            // mask = labels == i
            let mask: Vec<bool> = labels.iter().map(|&l| l as usize == i).collect();
            // selected = data[mask]  (a copy, as NumPy's boolean indexing makes)
            let mut selected: Vec<T> = Vec::new();
            for (row, &keep) in data.rows().zip(&mask) {
                if keep {
                    selected.extend_from_slice(row);
                }
            }
            // centroid = selected.mean(axis=0)
            let m = selected.len() / d;
            for (t, c) in centroid.iter_mut().enumerate() {
                let sum: T = selected.iter().skip(t).step_by(d).copied().sum();
                *c = sum / T::of_usize(m); // 0 / 0 = NaN for an empty cluster
            }
            counts[i] = m as u32;
        }
    }
}
// ANCHOR_END: v1_mask

/// Beyond the slides' dense tricks: one pass over the data adds each point into its cluster's
/// running sum and count (`np.add.at` / `bincount` style), then one division per coordinate.
/// `O(n·d + k·d)`: what the sparse one-hot product of slide 83 computes, without the matrix.
#[derive(Clone, Copy, Debug, Default)]
pub struct V2OnePass;

// ANCHOR: v2_one_pass
impl<T: Scalar> UpdateStep<T> for V2OnePass {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        let d = data.d();
        centroids.fill(T::zero());
        counts.fill(0);
        for (row, &l) in data.rows().zip(labels) {
            let l = l as usize;
            counts[l] += 1;
            for (s, &v) in centroids[l * d..(l + 1) * d].iter_mut().zip(row) {
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
// ANCHOR_END: v2_one_pass
