//! Distances, inertia and column statistics shared by the driver, the reference and the kit.

use rayon::prelude::*;

use crate::points::Points;
use crate::scalar::Scalar;

/// Rows per work item when a helper runs over rayon. Fixed, and partial results are combined in
/// chunk order, so results are bit-identical whatever the number of threads.
pub const CHUNK_ROWS: usize = 4096;

/// Squared Euclidean distance computed in `f64` from the exact widened values.
#[inline]
pub fn sq_dist_f64<T: Scalar>(a: &[T], b: &[T]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let t = x.as_f64() - y.as_f64();
            t * t
        })
        .sum()
}

/// The inertia of `labels`: the sum over points of the squared distance to their centroid,
/// computed in `f64` (exact differences, so it is the trustworthy number the driver reports).
pub fn inertia<T: Scalar>(data: Points<'_, T>, centroids: Points<'_, T>, labels: &[u32]) -> f64 {
    let partial: Vec<f64> = data
        .as_slice()
        .par_chunks(CHUNK_ROWS * data.d())
        .zip(labels.par_chunks(CHUNK_ROWS))
        .map(|(rows, labels)| {
            rows.chunks_exact(data.d())
                .zip(labels)
                .map(|(x, &l)| sq_dist_f64(x, centroids.row(l as usize)))
                .sum::<f64>()
        })
        .collect();
    partial.iter().sum()
}

/// Mean over columns of each column's variance (population variance, as NumPy's `var`), in
/// `f64`. scikit-learn scales `tol` by this, so `tol` means the same for data in metres or in
/// millimetres.
pub fn mean_column_variance<T: Scalar>(data: Points<'_, T>) -> f64 {
    let (n, d) = data.shape();
    let mut mean = vec![0.0f64; d];
    for row in data.rows() {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v.as_f64();
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let mut var = 0.0f64;
    for row in data.rows() {
        for (m, &v) in mean.iter().zip(row) {
            let t = v.as_f64() - m;
            var += t * t;
        }
    }
    var / (n as f64 * d as f64)
}

/// Sum over rows of the squared distance between two equally shaped centroid matrices: how far
/// the centroids moved in one iteration. (Row by row or as one long vector, it is the same sum.)
pub fn centroid_shift<T: Scalar>(old: &[T], new: &[T]) -> f64 {
    sq_dist_f64(old, new)
}
