//! Reference solution to exercise 7 (slide 83): the transposed one-hot as a sparse `(k × n)`
//! CSC matrix times the dense `(n × d)` data, divided by the cluster sizes.

use kmeans_core::{Points, UpdateStep};
use ndarray::{Array2, ArrayView2};
use sprs::CsMat;

/// The slide's `sparse.csc_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))`, written
/// down directly: column `i` holds one entry, a 1 in row `labels[i]`, so column `i`'s entries
/// start at `indptr[i] = i`. No triplets and no sort (`sprs::TriMat::from_triplets(..).to_csc()`
/// builds the same matrix the slide's way, sorting the `n` triplets first).
// ANCHOR: onehot_t
pub fn onehot_t(labels: &[u32], k: usize) -> CsMat<f64> {
    let n = labels.len();
    let indptr: Vec<usize> = (0..=n).collect();
    let indices: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
    CsMat::new_csc((k, n), indptr, indices, vec![1.0; n])
}
// ANCHOR_END: onehot_t

/// Exercise 7, solved: `onehotT @ data / group_counts` with sprs and ndarray.
#[derive(Clone, Copy, Debug, Default)]
pub struct SparseOneHot;

// ANCHOR: solution
impl UpdateStep<f64> for SparseOneHot {
    fn update(
        &self,
        data: Points<'_, f64>,
        labels: &[u32],
        centroids: &mut [f64],
        counts: &mut [u32],
    ) {
        let (n, d) = data.shape();
        let onehot_t = onehot_t(labels, counts.len()); // (k, n), n stored ones
        // The points as an (n, d) ndarray view: no copy.
        let data = ArrayView2::from_shape((n, d), data.as_slice()).expect("n · d values");
        let sums: Array2<f64> = &onehot_t * &data; // (k, d), O(d·(n + k))
        // group_counts = np.bincount(labels, minlength=k)
        counts.fill(0);
        for &l in labels {
            counts[l as usize] += 1;
        }
        // sums / group_counts[:, None]; an empty cluster gives 0 / 0 = NaN, as on the slide
        // (the Lloyd driver relocates it).
        for ((out, sum), &count) in centroids.chunks_exact_mut(d).zip(sums.rows()).zip(&*counts) {
            for (o, &s) in out.iter_mut().zip(sum) {
                *o = s / f64::from(count);
            }
        }
    }
}
// ANCHOR_END: solution
