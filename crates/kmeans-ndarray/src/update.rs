//! Update steps: the slides' mask per cluster (slide 63), the dense one-hot matmul (slide 78),
//! the sparse CSC one-hot (slide 83), and the one-pass accumulate they all approximate.

use kmeans_core::{Points, Shape, UpdateStep};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut2, Axis, Zip};
use sprs::{CsMat, TriMat};

use crate::{NdScalar, array};

/// The caller's `k × d` centroid buffer as a mutable `(k, d)` array (zero copy).
fn output<T: NdScalar>(centroids: &mut [T], d: usize) -> ArrayViewMut2<'_, T> {
    let k = centroids.len() / d;
    ArrayViewMut2::from_shape((k, d), centroids).expect("centroids hold k · d values")
}

/// `np.bincount(labels, minlength=k)`, written into `counts` (`k = counts.len()`).
// ANCHOR: bincount
pub fn bincount(labels: &[u32], counts: &mut [u32]) {
    counts.fill(0);
    for &l in labels {
        counts[l as usize] += 1;
    }
}
// ANCHOR_END: bincount

/// `sums / counts[:, None]` into `out`: every row divided by its cluster's size. An empty
/// cluster divides `0 / 0 = NaN`, exactly as the slides' NumPy code does (the driver relocates
/// it).
fn divide_rows<T: NdScalar>(mut out: ArrayViewMut2<'_, T>, sums: &Array2<T>, counts: &[u32]) {
    let counts: Array1<T> = counts.iter().map(|&c| T::of_usize(c as usize)).collect();
    // (k, d) / (k, 1): the counts broadcast along each row.
    out.assign(&(sums / &counts.insert_axis(Axis(1))));
}

/// Slide 63, "Original Update Step": `np.stack([data[labels == i].mean(axis=0) for i in
/// range(k)])`. Per cluster: the boolean mask over all `n` labels, a copy of the selected rows
/// (ndarray has no boolean indexing; `select` with the mask's true positions is the same
/// copy), and their mean along axis 0.
///
/// **Deliberately slow** — the baseline: `k` passes over the labels and a copy of the data,
/// the slides' `O(n·k·d)`. Faithful down to the empty cluster: NumPy's mean of no rows is
/// `NaN`, and so is this (`mean_axis` returns `None` there).
#[derive(Clone, Copy, Debug, Default)]
pub struct V1Mask;

// ANCHOR: v1_mask
impl<T: NdScalar> UpdateStep<T> for V1Mask {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        let data = array(data);
        let labels = ArrayView1::from(labels);
        let mut out = output(centroids, data.ncols());
        for (i, (mut centroid, count)) in out.rows_mut().into_iter().zip(counts).enumerate() {
            // mask = labels == i
            let mask = labels.mapv(|l| l as usize == i);
            // data[mask]: the rows where the mask is true, copied
            let rows: Vec<usize> = (0..mask.len()).filter(|&j| mask[j]).collect();
            let selected = data.select(Axis(0), &rows);
            // .mean(axis=0)
            match selected.mean_axis(Axis(0)) {
                Some(mean) => centroid.assign(&mean),
                None => centroid.fill(T::nan()), // np.mean of no rows
            }
            *count = rows.len() as u32;
        }
    }
}
// ANCHOR_END: v1_mask

/// Slide 78, "Putting it all together…": `onehot = np.eye(k)[labels]` is the `(n, k)` matrix
/// with a single 1 per row (in the point's cluster's column); `onehot.T @ data` sums the points
/// of every cluster in one matrix product; `np.bincount` counts them.
///
/// What changed from the mask: one matrix product (a tuned, cache-blocked kernel) replaces `k`
/// passes and copies. But it still multiplies by all the zeros: `2·n·k·d` flops for `n·d`
/// useful additions, and an `(n, k)` matrix to build — "time complexity still O(ndk)".
#[derive(Clone, Copy, Debug, Default)]
pub struct OneHotMatmul;

// ANCHOR: onehot_matmul
impl<T: NdScalar> UpdateStep<T> for OneHotMatmul {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        let data = array(data);
        let k = counts.len();
        // onehot = np.eye(k)[labels]                            # (n, k)
        let labels_idx: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
        let onehot = Array2::<T>::eye(k).select(Axis(0), &labels_idx);
        // cluster_sums = onehot.T @ data                        # (k, d)
        let sums = onehot.t().dot(&data);
        // cluster_counts = np.bincount(labels, minlength=k)    # (k,)
        bincount(labels, counts);
        // return cluster_sums / cluster_counts[:, None]         # (k, d)
        divide_rows(output(centroids, data.ncols()), &sums, counts);
    }
}
// ANCHOR_END: onehot_matmul

/// The transposed one-hot as a sparse `(k, n)` CSC matrix, built as slide 83 builds it:
/// `sparse.csc_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))` — values with
/// their (row, column) coordinates (a triplet/COO matrix), converted to compressed columns.
///
/// Column `i` holds a single 1, in row `labels[i]`. sprs converts triplets to CSC by sorting
/// them (`O(n log n)`); scipy uses a counting pass (`O(n + k)`). [`onehot_csc_direct`] skips
/// the conversion.
// ANCHOR: onehot_csc
pub fn onehot_csc<T: NdScalar>(labels: &[u32], k: usize) -> CsMat<T> {
    let n = labels.len();
    let rows: Vec<usize> = labels.iter().map(|&l| l as usize).collect(); // labels
    let cols: Vec<usize> = (0..n).collect(); // np.arange(n)
    let ones = vec![T::one(); n]; // np.ones(n)
    TriMat::from_triplets((k, n), rows, cols, ones).to_csc()
}
// ANCHOR_END: onehot_csc

/// The same `(k, n)` CSC matrix as [`onehot_csc`], written down directly: with exactly one
/// entry per column, column `i`'s entries start at `indptr[i] = i`, its row index is
/// `labels[i]` and its value 1. No triplets, no sort — three `O(n)` arrays.
// ANCHOR: onehot_csc_direct
pub fn onehot_csc_direct<T: NdScalar>(labels: &[u32], k: usize) -> CsMat<T> {
    let n = labels.len();
    let indptr: Vec<usize> = (0..=n).collect();
    let indices: Vec<usize> = labels.iter().map(|&l| l as usize).collect();
    CsMat::new_csc((k, n), indptr, indices, vec![T::one(); n])
}
// ANCHOR_END: onehot_csc_direct

/// Declared extra memory of the CSC updates: the CSC matrix (`indptr`, `indices`, ones) and the
/// `(k, d)` sums; through triplets (`via_triplets`) also the row and column index vectors, the
/// ones, and sprs's sort buffer of `(row, column, value)` tuples, all alive at the peak.
pub fn csc_memory(s: Shape, via_triplets: bool) -> f64 {
    let idx = std::mem::size_of::<usize>() as f64;
    let (n, e) = (s.n as f64, s.elem as f64);
    let csc = (2.0 * n + 1.0) * idx + n * e;
    let sums = (s.k * s.d + s.k) as f64 * e;
    let triplets = if via_triplets {
        // rows + cols + ones, and the sort buffer (two indices and a value, padded to 8 bytes).
        2.0 * n * idx + n * e + n * (2.0 * idx + e.max(idx))
    } else {
        0.0
    };
    csc + sums + triplets
}

/// Slide 83, "Sparse": the one-hot, transposed, as a sparse CSC matrix ([`onehot_csc`]) times
/// the dense data. sprs's product walks the `n` stored ones and adds row `i` of the data into
/// row `labels[i]` of the result: `O(d·(n + k))`.
///
/// What changed from the dense one-hot: the zeros are neither stored nor multiplied — `n·d`
/// additions instead of `2·n·k·d` flops, `O(n)` memory instead of `O(n·k)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CscOneHot;

// ANCHOR: csc_onehot
impl<T: NdScalar> UpdateStep<T> for CscOneHot {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        let data = array(data);
        // onehotT = sparse.csc_matrix((ones, (labels, arange(n))), shape=(k, n))
        let onehot_t = onehot_csc::<T>(labels, counts.len());
        // group_counts = np.bincount(labels, minlength=k)
        bincount(labels, counts);
        // return onehotT @ data / group_counts[:, None]
        let sums: Array2<T> = &onehot_t * &data;
        divide_rows(output(centroids, data.ncols()), &sums, counts);
    }
}
// ANCHOR_END: csc_onehot

/// Slide 83's product with the CSC matrix built directly ([`onehot_csc_direct`]): what changed
/// from [`CscOneHot`] is only the construction — no triplet vectors and no sort.
#[derive(Clone, Copy, Debug, Default)]
pub struct CscDirect;

impl<T: NdScalar> UpdateStep<T> for CscDirect {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        let data = array(data);
        let onehot_t = onehot_csc_direct::<T>(labels, counts.len());
        bincount(labels, counts);
        let sums: Array2<T> = &onehot_t * &data;
        divide_rows(output(centroids, data.ncols()), &sums, counts);
    }
}

/// Beyond the slides: what the sparse product does, without a matrix. One pass adds each row
/// into its cluster's sum (NumPy's `np.add.at(sums, labels, data)`) and counts it
/// (`bincount`), then each sum is divided by its count — `O(n·d + k·d)`, no extra memory.
///
/// Empty clusters keep a zero row here (the contract allows anything).
#[derive(Clone, Copy, Debug, Default)]
pub struct OnePass;

// ANCHOR: one_pass
impl<T: NdScalar> UpdateStep<T> for OnePass {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        let data = array(data);
        let mut sums = output(centroids, data.ncols());
        sums.fill(T::zero());
        counts.fill(0);
        // np.add.at(sums, labels, data); counts = np.bincount(labels)
        for (row, &l) in data.rows().into_iter().zip(labels) {
            let mut sum = sums.row_mut(l as usize);
            sum += &row;
            counts[l as usize] += 1;
        }
        Zip::from(sums.rows_mut())
            .and(ArrayView1::from(&*counts))
            .for_each(|mut sum, &count| {
                if count > 0 {
                    sum /= T::of_usize(count as usize);
                }
            });
    }
}
// ANCHOR_END: one_pass

#[cfg(test)]
mod tests {
    use super::*;

    /// The slides' example (slides 65–77): labels [1, 0, 2, 2, 1], k = 3.
    const LABELS: [u32; 5] = [1, 0, 2, 2, 1];

    #[test]
    fn onehot_csc_is_the_transposed_one_hot_of_the_slides() {
        let m = onehot_csc::<f64>(&LABELS, 3);
        assert!(m.is_csc());
        assert_eq!(m.shape(), (3, 5));
        assert_eq!(m.nnz(), 5);
        // onehot.T: row j has a 1 in column i exactly when labels[i] == j.
        let dense = m.to_dense();
        for j in 0..3 {
            for (i, &l) in LABELS.iter().enumerate() {
                let want = if l as usize == j { 1.0 } else { 0.0 };
                assert_eq!(dense[[j, i]], want, "entry ({j}, {i})");
            }
        }
    }

    #[test]
    fn direct_construction_equals_the_triplet_construction() {
        let labels: Vec<u32> = (0..97u32).map(|i| (i * 7 + 3) % 11).collect();
        let a = onehot_csc::<f32>(&labels, 11);
        let b = onehot_csc_direct::<f32>(&labels, 11);
        assert_eq!(a.indptr().raw_storage(), b.indptr().raw_storage());
        assert_eq!(a.indices(), b.indices());
        assert_eq!(a.data(), b.data());
        assert_eq!(a.shape(), b.shape());
    }

    #[test]
    fn csc_product_sums_each_cluster_like_the_slides() {
        // Slide 72: onehot.T @ data = sum_by_cluster.
        let data = ndarray::arr2(&[[8.0, 0.0], [8.0, 6.0], [1.0, 7.0], [5.0, 8.0], [9.0, 3.0]]);
        let sums: Array2<f64> = &onehot_csc::<f64>(&LABELS, 3) * &data.view();
        // The sums, computed by hand from the labels rather than copied from the slide.
        let mut want = Array2::<f64>::zeros((3, 2));
        for (row, &l) in data.rows().into_iter().zip(&LABELS) {
            let mut w = want.row_mut(l as usize);
            w += &row;
        }
        assert_eq!(sums, want);
        // And the slide's printed result agrees with that.
        assert_eq!(want, ndarray::arr2(&[[8.0, 6.0], [17.0, 3.0], [6.0, 15.0]]));
    }

    #[test]
    fn bincount_counts_with_minlength() {
        let mut counts = [9u32; 4];
        bincount(&LABELS, &mut counts);
        assert_eq!(counts, [1, 2, 2, 0]);
    }

    #[test]
    fn csc_memory_counts_the_triplets_only_when_used() {
        let s = Shape::SLIDES;
        assert!(csc_memory(s, true) > csc_memory(s, false));
        assert!(csc_memory(s, false) >= (s.n * 16) as f64);
    }
}
