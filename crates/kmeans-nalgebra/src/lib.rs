//! # kmeans-nalgebra
//!
//! k-means with [`nalgebra`], whose matrices are **column-major**: element `(r, c)` of an
//! `R × C` matrix lies at `r + c · R`. The shared data is **row-major**: value `t` of point `i`
//! lies at `t + i · d`. Those are the same formula with `r = t`, `c = i`, `R = d` — so the
//! `n × d` row-major buffer *is* a `d × n` column-major matrix, one point per column, and
//! [`columns`] views it as one without copying a value. That is the memory-model slide (11)
//! in action: `.T` of a row-major array is the column-major reading of the same buffer.
//!
//! ```
//! use kmeans_core::{data, KMeans};
//!
//! let registry = kmeans_nalgebra::registry();
//! let gemm = registry.assign_named("nalgebra/assign/gemm").expect("registered");
//! let update = registry.update_named("nalgebra/update/onehot-matmul").expect("registered");
//! let iteration = kmeans_core::IterationVariant::compose_named(gemm, update);
//! let points = data::uniform::<f64>(1000, 4, 1);
//! let fit = KMeans::new(5).seed(3).fit_variant(&iteration, points.view())?;
//! assert_eq!(fit.labels.len(), 1000);
//! # Ok::<(), kmeans_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

use kmeans_core::{
    AssignStep, AssignVariant, Points, Precision, Registry, Shape, UpdateStep, UpdateVariant,
    VariantInfo,
};
use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut, DVector, Dyn, RealField, U1};

/// The float types the nalgebra variants run on: [`kmeans_core::Scalar`] and nalgebra's
/// [`RealField`] (what `norm_squared` and `gemm` ask for). Implemented for `f32` and `f64`.
pub trait NaScalar: kmeans_core::Scalar + RealField {}

impl<T: kmeans_core::Scalar + RealField> NaScalar for T {}

/// The row-major `n × d` points as nalgebra's column-major `d × n` matrix: column `i` is point
/// `i`. Zero copy — the same buffer, read with row stride 1 and column stride `d`.
// ANCHOR: columns
pub fn columns<T: NaScalar>(points: Points<'_, T>) -> DMatrixView<'_, T> {
    DMatrixView::from_slice(points.as_slice(), points.d(), points.n())
}
// ANCHOR_END: columns

/// The same buffer read the other way: the `n × d` matrix itself (row stride `d`, column
/// stride 1), i.e. the transpose of [`columns`] as a view — slide 11's `.T`, without a copy.
// ANCHOR: rows
pub fn rows<T: NaScalar>(points: Points<'_, T>) -> DMatrixView<'_, T, Dyn, U1> {
    let (n, d) = points.shape();
    DMatrixView::from_slice_with_strides_generic(points.as_slice(), Dyn(n), Dyn(d), Dyn(d), U1)
}
// ANCHOR_END: rows

/// Slide 32's loop with nalgebra vectors: for each point (a column), `(x − c).norm_squared()`
/// against each centroid (a column), keeping the nearest.
///
/// **Deliberately slow**: with a run-time dimension, `x − c` is a heap-allocated `DVector`, so
/// this allocates `n · k` times, like the slides' v1 — and nalgebra has no fused
/// "squared distance" for `Dyn` columns short of writing the loop by hand.
#[derive(Clone, Copy, Debug, Default)]
pub struct PerPoint;

// ANCHOR: per_point
impl<T: NaScalar> AssignStep<T> for PerPoint {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let centroids = columns(centroids); // d × k
        for (x, label) in columns(data).column_iter().zip(labels) {
            let (mut best, mut best_dist) = (0, T::infinity());
            for (j, c) in centroids.column_iter().enumerate() {
                let diff: DVector<T> = x - c; // a new vector per pair
                let dist = diff.norm_squared();
                if dist < best_dist {
                    (best, best_dist) = (j, dist);
                }
            }
            *label = best as u32;
        }
    }
}
// ANCHOR_END: per_point

/// Points per block of [`Gemm`]: its `k × GEMM_COLS` distance buffer stays in cache.
pub const GEMM_COLS: usize = 256;

/// The GEMM trick with nalgebra's [`gemm`](nalgebra::Matrix::gemm): for a block of points (the
/// columns of `X`, `d × b`) the `k × b` matrix `‖c‖² − 2 · Cᵀ X` holds, in column `i`, the
/// squared distances of point `i` to every centroid up to `‖xᵢ‖²` (which cannot change the
/// argmin). nalgebra hands the views to `matrixmultiply` when every dimension exceeds 5.
///
/// `Cᵀ` is copied (`k · d` values, once per call) rather than read through [`rows`]: below
/// that size nalgebra 0.35's fallback (`axcpy`) loops over a strided column's whole memory
/// span instead of its length and reads out of bounds (dimforge/nalgebra#1616), so every
/// matrix given to `gemm` here has contiguous columns.
///
/// What changed from [`PerPoint`]: `2·n·k·d` flops in a cache-blocked kernel, no allocation per
/// pair. **Precision**: the cancellation of the `‖x‖² − 2·x·c + ‖c‖²` form (see
/// [`Precision::DotProduct`]) — bad when the data sit far from the origin.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gemm;

// ANCHOR: gemm
impl<T: NaScalar> AssignStep<T> for Gemm {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let (x, c) = (columns(data), columns(centroids));
        let c_t = c.transpose(); // k × d, contiguous columns (see the doc comment)
        let k = c.ncols();
        let c_norms: DVector<T> =
            DVector::from_iterator(k, c.column_iter().map(|c| c.norm_squared()));
        let minus_two = T::of_f64(-2.0);
        let mut buffer = DMatrix::<T>::zeros(k, x.ncols().min(GEMM_COLS));
        for (start, labels) in (0..x.ncols())
            .step_by(GEMM_COLS)
            .zip(labels.chunks_mut(GEMM_COLS))
        {
            let block = x.columns(start, labels.len()); // d × b, a view
            let mut distances = buffer.columns_mut(0, labels.len()); // k × b
            for mut column in distances.column_iter_mut() {
                column.copy_from(&c_norms); // starts at ‖c‖²
            }
            // distances = −2 · Cᵀ · X + 1 · distances
            distances.gemm(minus_two, &c_t, &block, T::one());
            for (column, label) in distances.column_iter().zip(labels) {
                *label = column.argmin().0 as u32;
            }
        }
    }
}
// ANCHOR_END: gemm

/// Slide 78's one-hot matmul in nalgebra: the `n × k` one-hot (column `j` marks the points of
/// cluster `j`), and `X · onehot` (`d × n` times `n × k`) is the `d × k` matrix of cluster sums
/// — written by `gemm` straight into the caller's `k × d` row-major centroid buffer, viewed as
/// `d × k` column-major (zero copy again), then each column divided by its count.
///
/// Like the slides' version it multiplies all the zeros: `O(n·k·d)`. Empty clusters divide
/// `0 / 0 = NaN` as the slides' code does; the driver relocates them.
#[derive(Clone, Copy, Debug, Default)]
pub struct OneHotMatmul;

// ANCHOR: onehot_matmul
impl<T: NaScalar> UpdateStep<T> for OneHotMatmul {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        let (d, n, k) = (data.d(), data.n(), counts.len());
        let mut onehot = DMatrix::<T>::zeros(n, k);
        counts.fill(0);
        for (i, &l) in labels.iter().enumerate() {
            onehot[(i, l as usize)] = T::one();
            counts[l as usize] += 1;
        }
        let mut sums = DMatrixViewMut::from_slice(centroids, d, k); // the output buffer, d × k
        sums.gemm(T::one(), &columns(data), &onehot, T::zero());
        for (mut column, &count) in sums.column_iter_mut().zip(counts.iter()) {
            column /= T::of_usize(count as usize); // 0 / 0 = NaN for an empty cluster
        }
    }
}
// ANCHOR_END: onehot_matmul

/// Every nalgebra variant.
pub fn registry() -> Registry {
    let values = |count: usize, s: Shape| (count * s.elem) as f64;
    let assign = vec![
        AssignVariant::new(
            VariantInfo::new(
                "nalgebra/assign/v1-per-point",
                "per point and centroid, `(x - c).norm_squared()` on column views: a heap DVector per pair",
            )
            .slide("32 · Original Assignment Step")
            .memory(move |s| values(s.d, s)),
            PerPoint,
        ),
        AssignVariant::new(
            VariantInfo::new(
                "nalgebra/assign/gemm",
                "‖c‖² − 2·Cᵀ·X per block of 256 points with nalgebra's gemm (matrixmultiply): no allocation per pair",
            )
            .memory(move |s| values(s.k * s.n.min(GEMM_COLS) + s.k * s.d + s.k, s))
            .work(|s| s.gemm_flops() + (s.n * s.k) as f64)
            .precision(Precision::DotProduct),
            Gemm,
        ),
    ];
    let update = vec![UpdateVariant::new(
        VariantInfo::new(
            "nalgebra/update/onehot-matmul",
            "X · onehot with gemm into the centroid buffer viewed as d × k: one matrix product, still O(n·k·d)",
        )
        .slide("78 · Putting it all together…")
        .memory(move |s| values(s.n * s.k, s))
        .work(|s| s.gemm_flops()),
        OneHotMatmul,
    )];
    Registry {
        assign,
        update,
        iterate: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmeans_core::Matrix;

    fn sample() -> Matrix<f64> {
        // 4 points in 3 dimensions, values 0..12 row by row.
        Matrix::from_vec((0..12).map(f64::from).collect(), 4, 3).unwrap()
    }

    #[test]
    fn columns_is_the_row_major_buffer_read_column_major_at_zero_copy() {
        let m = sample();
        let x = columns(m.view());
        assert_eq!(x.shape(), (3, 4));
        assert_eq!(x.strides(), (1, 3));
        assert_eq!(x.as_ptr(), m.as_slice().as_ptr());
        for i in 0..4 {
            assert_eq!(x.column(i).iter().copied().collect::<Vec<_>>(), m.row(i));
        }
    }

    #[test]
    fn rows_is_the_transpose_of_columns_without_a_copy() {
        let m = sample();
        let (x, x_t) = (columns(m.view()), rows(m.view()));
        assert_eq!(x_t.shape(), (4, 3));
        assert_eq!(x_t.strides(), (3, 1));
        assert_eq!(x_t.as_ptr(), x.as_ptr());
        assert_eq!(x_t.into_owned(), x.transpose());
    }

    #[test]
    fn onehot_matmul_writes_the_slides_cluster_sums_into_the_row_major_buffer() {
        // Slide 72: labels [1, 0, 2, 2, 1], k = 3.
        let data = Matrix::from_rows(&[[8.0, 0.0], [8.0, 6.0], [1.0, 7.0], [5.0, 8.0], [9.0, 3.0]])
            .unwrap();
        let labels = [1, 0, 2, 2, 1];
        let (mut means, mut counts) = (vec![0.0; 6], vec![0u32; 3]);
        OneHotMatmul.update(data.view(), &labels, &mut means, &mut counts);
        assert_eq!(counts, [1, 2, 2]);
        // Row j of the k × d output is the mean of cluster j, computed here by hand.
        for (j, mean) in means.chunks(2).enumerate() {
            let members: Vec<&[f64]> = (0..5)
                .filter(|&i| labels[i] == j as u32)
                .map(|i| data.row(i))
                .collect();
            for t in 0..2 {
                let want = members.iter().map(|r| r[t]).sum::<f64>() / members.len() as f64;
                assert_eq!(mean[t], want, "cluster {j}, coordinate {t}");
            }
        }
    }
}
