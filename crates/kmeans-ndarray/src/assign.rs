//! Assignment steps: the slides' ladder (slides 32 → 59) in ndarray, then the GEMM trick.
//!
//! Every rung keeps the slides' arrays: where NumPy allocates a temporary, so does the Rust
//! code, so that the time a rung saves is the time the slides' change saves.

use kmeans_core::{AssignStep, Points};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, Slice, Zip};

use crate::{NdScalar, array};

/// Index of the smallest value; the first one on ties, like `np.argmin`.
///
/// The running minimum lives in a local: indexing `values[best]` in the loop instead costs a
/// bounds check per element and, at the slides' size, doubled the time of the GEMM variant.
pub fn argmin<T: NdScalar>(values: ArrayView1<'_, T>) -> usize {
    let (mut best, mut best_value) = (0, T::infinity());
    for (j, &v) in values.iter().enumerate() {
        if v < best_value {
            (best, best_value) = (j, v);
        }
    }
    best
}

/// `labels[i] = np.argmin(distances, axis=1)[i]`: the argmin of every row of an `(n, k)` array.
// ANCHOR: argmin_axis1
pub fn argmin_axis1<T: NdScalar>(distances: ArrayView2<'_, T>, labels: &mut [u32]) {
    for (row, label) in distances.rows().into_iter().zip(labels) {
        *label = argmin(row) as u32;
    }
}
// ANCHOR_END: argmin_axis1

/// `np.linalg.norm(x)` of a vector: `sqrt(x · x)`, which is how NumPy computes it.
fn norm<T: NdScalar>(x: ArrayView1<'_, T>) -> T {
    x.dot(&x).sqrt()
}

/// Slide 32, "Original Assignment Step": for every point and every centroid, `&point - &c`
/// allocates a new array, `np.linalg.norm` reduces it, the distances go into a list, and
/// `argmin` picks the smallest.
///
/// **Deliberately slow** — the baseline: `n · k` tiny arrays allocated and freed, a square root
/// per pair, and every distance stored before it is compared. (In NumPy each of those `n · k`
/// steps is also an interpreter round-trip; here only the allocations and the work remain.)
#[derive(Clone, Copy, Debug, Default)]
pub struct V1NormPerCentroid;

// ANCHOR: v1
impl<T: NdScalar> AssignStep<T> for V1NormPerCentroid {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let (data, centroids) = (array(data), array(centroids));
        for (i, point) in data.rows().into_iter().enumerate() {
            // distances = [np.linalg.norm(point - c) for c in centroids]
            let distances: Array1<T> = centroids
                .rows()
                .into_iter()
                .map(|c| norm((&point - &c).view()))
                .collect();
            // labels[i] = np.argmin(distances)
            labels[i] = argmin(distances.view()) as u32;
        }
    }
}
// ANCHOR_END: v1

/// Slide 34, "Broadcasting Distance Computation": `point - centroids` broadcasts the `(d,)`
/// point against the `(k, d)` centroids, so one array expression replaces the inner loop;
/// `norm(axis=1)` then squares, sums each row and takes the root.
///
/// What changed from v1: one `(k, d)` difference per point instead of `k` arrays of `d`. In
/// NumPy that removes `k` interpreter round-trips per point (the slides' 14×); in Rust it
/// removes `k − 1` allocations per point, but adds a second `(k, d)` temporary (the squares).
/// **Deliberately slow** still: two temporaries and `k` square roots per point.
#[derive(Clone, Copy, Debug, Default)]
pub struct V2BroadcastPoint;

// ANCHOR: v2
impl<T: NdScalar> AssignStep<T> for V2BroadcastPoint {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let (data, centroids) = (array(data), array(centroids));
        for (i, point) in data.rows().into_iter().enumerate() {
            // distances = np.linalg.norm(point - centroids, axis=1)    # (k,)
            let diff = &point - &centroids; // (d,) - (k, d) → (k, d)
            let distances = diff.mapv(|v| v * v).sum_axis(Axis(1)).mapv_into(T::sqrt);
            // labels[i] = np.argmin(distances)
            labels[i] = argmin(distances.view()) as u32;
        }
    }
}
// ANCHOR_END: v2

/// The `(n, k, d)` broadcast of slide 52: `data[:, None] - centroids[None]`, i.e. `(n, 1, d)`
/// minus `(1, k, d)`. `insert_axis` is NumPy's `None` index: a view with one more axis of
/// length 1, no copy.
// ANCHOR: nkd_diff
pub fn nkd_diff<T: NdScalar>(
    data: ArrayView2<'_, T>,
    centroids: ArrayView2<'_, T>,
) -> ndarray::Array3<T> {
    let data = data.insert_axis(Axis(1)); // (n, 1, d)
    let centroids = centroids.insert_axis(Axis(0)); // (1, k, d)
    &data - &centroids // (n, k, d)
}
// ANCHOR_END: nkd_diff

/// Slide 52, "Assignment Step v3": every point against every centroid at once — the full
/// `(n, k, d)` difference, its norm along axis 2 (an `(n, k)` distance matrix), and the argmin
/// along axis 1.
///
/// What changed from v2: no loop over points at all. In NumPy that removes the last `n`
/// interpreter round-trips (4× on the slides). In Rust the loop was never slow; what the
/// broadcast buys is a few large array operations instead of `n` small ones, and what it costs
/// is `2 · n · k · d` values of memory traffic (the difference and its squares) — at large `n`
/// that does not fit in cache, or in memory: its declared memory lets harnesses skip it.
///
/// The allocator matters too: at the slides' size each temporary is 27 MB, and glibc's malloc
/// gives memory that large back to the kernel when it is freed (here: two such blocks at the
/// top of the heap exceed the trim threshold it adapts to; v5's single block does not), so
/// every call faults in ~13 000 fresh pages. Setting `MALLOC_TRIM_THRESHOLD_` and
/// `MALLOC_MMAP_THRESHOLD_` high in the environment shows the arithmetic alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct V3BroadcastNkd;

// ANCHOR: v3
impl<T: NdScalar> AssignStep<T> for V3BroadcastNkd {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        // diff = data[:, None] - centroids[None]                # (n, k, d)
        let diff = nkd_diff(array(data), array(centroids));
        // distances = np.linalg.norm(diff, axis=2)              # (n, k)
        let distances = diff.mapv(|v| v * v).sum_axis(Axis(2)).mapv_into(T::sqrt);
        // labels = np.argmin(distances, axis=1)                 # (n,)
        argmin_axis1(distances.view(), labels);
    }
}
// ANCHOR_END: v3

/// Slide 58, "Assignment Step v4 - Improving Norm": `(diff**2).sum(axis=2)` without the square
/// root — `sqrt` is monotonic, so the argmin is the same.
///
/// What changed from v3: `n · k` square roots fewer. The slides measured 2 % (18.1 → 17.8 ms):
/// the time goes into the `(n, k, d)` temporaries, not into the `n · k` roots.
#[derive(Clone, Copy, Debug, Default)]
pub struct V4NoSqrt;

// ANCHOR: v4
impl<T: NdScalar> AssignStep<T> for V4NoSqrt {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let diff = nkd_diff(array(data), array(centroids)); // (n, k, d)
        // distances = (diff**2).sum(axis=2)                     # (n, k), no sqrt
        let distances = diff.mapv(|v| v * v).sum_axis(Axis(2));
        argmin_axis1(distances.view(), labels);
    }
}
// ANCHOR_END: v4

/// Slide 59, "Assignment Step v5 - Einsum": `np.einsum('nkd,nkd->nk', diff, diff)`.
///
/// What einsum does: the subscripts name the axes of each operand; an axis that appears in the
/// inputs but not in the output (`d`) is summed over, and the others (`n`, `k`) are kept. So
/// `'nkd,nkd->nk'` is `out[n, k] = Σ_d diff[n, k, d] · diff[n, k, d]` — the squared norm of
/// every `(n, k)` lane, computed lane by lane without ever writing `diff**2`.
///
/// ndarray has no einsum; the closest idiom is a [`Zip`] of the output with the `d`-lanes of
/// `diff` (`lanes(Axis(2))`), each reduced by a dot product with itself. What changed from v4:
/// one `(n, k, d)` temporary fewer — half the memory traffic (the slides: 17.8 → 9.94 ms).
#[derive(Clone, Copy, Debug, Default)]
pub struct V5Einsum;

// ANCHOR: v5
impl<T: NdScalar> AssignStep<T> for V5Einsum {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let diff = nkd_diff(array(data), array(centroids)); // (n, k, d)
        // distances = np.einsum('nkd,nkd->nk', diff, diff)      # (n, k)
        let mut distances = Array2::<T>::zeros((data.n(), centroids.n()));
        Zip::from(&mut distances)
            .and(diff.lanes(Axis(2)))
            .for_each(|dist, lane| *dist = lane.dot(&lane));
        argmin_axis1(distances.view(), labels);
    }
}
// ANCHOR_END: v5

/// Rows per block of the GEMM variant: its `GEMM_ROWS × k` distance buffer stays in cache and
/// the full `n × k` matrix is never materialised (scikit-learn's Lloyd uses the same 256).
pub const GEMM_ROWS: usize = 256;

/// Beyond the slides: the GEMM trick. `‖x − c‖² = ‖x‖² − 2·x·c + ‖c‖²`, and for all points at
/// once the middle term is one matrix product, `X · Cᵀ` — the operation BLAS-style kernels
/// (here `matrixmultiply`, behind ndarray's `dot`) run near the CPU's peak. `‖x‖²` is the same
/// for every centroid of a row, so it cannot change the argmin and is dropped (as scikit-learn
/// does): each block of [`GEMM_ROWS`] rows starts at `‖c‖²` and one
/// [`general_mat_mul`] (`dot` in place) adds `−2 · X · Cᵀ`.
///
/// What changed from v5: no `(n, k, d)` array at all — `2·n·k·d` flops in a cache-blocked
/// kernel instead of `3·n·k·d` in streaming passes over memory.
///
/// **Precision** ([`Precision::DotProduct`](kmeans_core::Precision)): the subtraction cancels.
/// The rounding error is about `d·ε·(‖x‖² + ‖c‖²)`, not `d·ε·‖x − c‖²`, so points far from the
/// origin compared with their spread (say values near 1000 spread by 1) can get a centroid that
/// is not the nearest when two are almost equally near — worst in `f32`. Centring the data
/// first (as scikit-learn does) removes most of it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gemm;

// ANCHOR: gemm
impl<T: NdScalar> AssignStep<T> for Gemm {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let (data, centroids) = (array(data), array(centroids));
        // ‖c‖² for every centroid: (k,)
        let c_norms: Array1<T> = centroids.rows().into_iter().map(|c| c.dot(&c)).collect();
        let minus_two = T::of_f64(-2.0);
        let rows = data.nrows().min(GEMM_ROWS);
        let mut buffer = Array2::<T>::zeros((rows, centroids.nrows()));
        for (x, labels) in data
            .axis_chunks_iter(Axis(0), GEMM_ROWS)
            .zip(labels.chunks_mut(GEMM_ROWS))
        {
            let mut distances = buffer.slice_axis_mut(Axis(0), Slice::from(..x.nrows()));
            distances.assign(&c_norms); // every row starts at ‖c‖² (broadcast)
            // distances = −2 · x · Cᵀ + 1 · distances
            general_mat_mul(minus_two, &x, &centroids.t(), T::one(), &mut distances);
            argmin_axis1(distances.view(), labels);
        }
    }
}
// ANCHOR_END: gemm

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmin_takes_the_first_of_equal_values_like_numpy() {
        let v = ndarray::arr1(&[3.0, 1.0, 2.0, 1.0]);
        assert_eq!(argmin(v.view()), 1);
        assert_eq!(argmin(ndarray::arr1(&[5.0f32]).view()), 0);
    }

    #[test]
    fn nkd_diff_has_shape_n_k_d_and_the_pairwise_differences() {
        let data = ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
        let centroids = ndarray::arr2(&[[0.0, 1.0], [10.0, 10.0]]);
        let diff = nkd_diff(data.view(), centroids.view());
        assert_eq!(diff.shape(), &[3, 2, 2]);
        for i in 0..3 {
            for j in 0..2 {
                for t in 0..2 {
                    assert_eq!(diff[[i, j, t]], data[[i, t]] - centroids[[j, t]]);
                }
            }
        }
    }
}
