//! # kmeans-ndarray
//!
//! The slides' NumPy code, slide by slide, in [`ndarray`] (and [`sprs`] for the sparse one-hot
//! of slide 83): the same arrays, the same broadcasting, the same temporaries — so the
//! measurements say which of NumPy's lessons are about the interpreter and which are about
//! the work and the memory.
//!
//! The data never moves: [`array()`] sees the shared row-major [`Points`] view as an
//! [`ArrayView2`] at zero copy (the memory-model slide in action: an array is a buffer plus a
//! shape and strides).
//!
//! ```
//! use kmeans_core::{data, KMeans};
//!
//! let registry = kmeans_ndarray::registry();
//! let best = registry.iteration_named("ndarray/iter/slides-best").expect("registered");
//! let points = data::uniform::<f64>(1000, 4, 1);
//! let fit = KMeans::new(5).seed(3).fit_variant(&best, points.view())?;
//! assert_eq!(fit.labels.len(), 1000);
//! # Ok::<(), kmeans_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod assign;
pub mod update;

use kmeans_core::{AssignVariant, Points, Precision, Registry, Shape, UpdateVariant, VariantInfo};
use ndarray::{ArrayView2, LinalgScalar, ScalarOperand};
use num_traits::FromPrimitive;

/// The float types the ndarray variants run on: [`kmeans_core::Scalar`] plus what ndarray's
/// matrix product, scalar operators and `mean_axis` and sprs's sparse product ask for.
/// Implemented for every type that has all of it, i.e. `f32` and `f64`.
pub trait NdScalar:
    kmeans_core::Scalar + LinalgScalar + ScalarOperand + FromPrimitive + sprs::MulAcc
{
}

impl<T> NdScalar for T where
    T: kmeans_core::Scalar + LinalgScalar + ScalarOperand + FromPrimitive + sprs::MulAcc
{
}

/// The shared row-major `n × d` view as an ndarray [`ArrayView2`] of shape `(n, d)` and strides
/// `(d, 1)`: the same buffer, not a copy.
///
/// Why it cannot fail: [`Points`] guarantees `n · d` values, exactly what the shape needs.
// ANCHOR: array_view
pub fn array<T: kmeans_core::Scalar>(points: Points<'_, T>) -> ArrayView2<'_, T> {
    ArrayView2::from_shape(points.shape(), points.as_slice())
        .expect("a Points view holds exactly n · d values")
}
// ANCHOR_END: array_view

/// Bytes of `count` values of the variant's float type.
fn values(count: usize, s: Shape) -> f64 {
    count as f64 * s.elem as f64
}

/// Bytes of `count` `usize`s (indices, as ndarray's `select` and sprs take them).
fn indices(count: usize) -> f64 {
    (count * std::mem::size_of::<usize>()) as f64
}

/// Every ndarray/sprs variant, in the slides' order.
pub fn registry() -> Registry {
    let assign = vec![
        AssignVariant::new(
            VariantInfo::new(
                "ndarray/assign/v1-norm-per-centroid",
                "the slides' code: per point and centroid, `&point - &c` (a new array) and its norm; argmin of the list",
            )
            .slide("32 · Original Assignment Step")
            // One difference array and the list of k distances at a time.
            .memory(|s| values(s.d + s.k, s)),
            assign::V1NormPerCentroid,
        ),
        AssignVariant::new(
            VariantInfo::new(
                "ndarray/assign/v2-broadcast-point",
                "per point, `&point - &centroids` broadcasts to (k, d): one array operation instead of k",
            )
            .slide("34 · Broadcasting Distance Computation")
            // diff (k, d), diff² (k, d), distances (k,).
            .memory(|s| values(2 * s.k * s.d + s.k, s)),
            assign::V2BroadcastPoint,
        ),
        AssignVariant::new(
            VariantInfo::new(
                "ndarray/assign/v3-broadcast-nkd",
                "all points at once: (n, 1, d) - (1, k, d) broadcasts to (n, k, d); norm along axis 2, argmin along axis 1",
            )
            .slide("52 · Assignment Step v3")
            // diff (n, k, d) and diff² (n, k, d) alive together, then distances (n, k).
            .memory(|s| values(2 * s.n * s.k * s.d + s.n * s.k, s)),
            assign::V3BroadcastNkd,
        ),
        AssignVariant::new(
            VariantInfo::new(
                "ndarray/assign/v4-no-sqrt",
                "v3 without the square root: sqrt is monotonic, so the argmin is the same",
            )
            .slide("58 · Assignment Step v4 - Improving Norm")
            .memory(|s| values(2 * s.n * s.k * s.d + s.n * s.k, s)),
            assign::V4NoSqrt,
        ),
        AssignVariant::new(
            VariantInfo::new(
                "ndarray/assign/v5-einsum",
                "einsum('nkd,nkd->nk'): square and sum over d in one pass, the squared (n, k, d) array is never written",
            )
            .slide("59 · Assignment Step v5 - Einsum")
            // diff (n, k, d) and distances (n, k).
            .memory(|s| values(s.n * s.k * s.d + s.n * s.k, s)),
            assign::V5Einsum,
        ),
        AssignVariant::new(
            VariantInfo::new(
                "ndarray/assign/gemm",
                "beyond the slides: ‖c‖² − 2·x·c via one matrix product per block of rows (the ‖x‖² term cannot change the argmin)",
            )
            .memory(|s| values(s.n.min(assign::GEMM_ROWS) * s.k + s.k, s))
            .work(|s| s.gemm_flops() + (s.n * s.k) as f64)
            .precision(Precision::DotProduct),
            assign::Gemm,
        ),
    ];
    let update = vec![
        UpdateVariant::new(
            VariantInfo::new(
                "ndarray/update/v1-mask",
                "the slides' code: per cluster, the mask `labels == i`, a copy of the selected rows, their mean",
            )
            .slide("63 · Original Update Step")
            // The mask (n bools), the selected row indices and rows (at most all n).
            .memory(|s| s.n as f64 + indices(s.n) + values(s.n * s.d + s.d, s))
            .work(|s| (s.n * s.k + 2 * s.n * s.d) as f64),
            update::V1Mask,
        ),
        UpdateVariant::new(
            VariantInfo::new(
                "ndarray/update/onehot-matmul",
                "eye(k)[labels] is the (n, k) one-hot; onehotᵀ · data sums every cluster in one matrix product",
            )
            .slide("78 · Putting it all together…")
            // eye (k, k), labels as indices, onehot (n, k), the sums (k, d).
            .memory(|s| values(s.k * s.k + s.n * s.k + s.k * s.d + s.k, s) + indices(s.n))
            .work(|s| s.gemm_flops()),
            update::OneHotMatmul,
        ),
        UpdateVariant::new(
            VariantInfo::new(
                "ndarray/update/csc-onehot",
                "the one-hot as a sparse (k, n) CSC matrix: the product touches only the n ones, O(d·(n + k)) instead of O(n·k·d)",
            )
            .slide("83 · Sparse")
            .memory(|s| update::csc_memory(s, true))
            .work(|s| (2 * s.n * s.d + s.k * s.d) as f64),
            update::CscOneHot,
        ),
        UpdateVariant::new(
            VariantInfo::new(
                "ndarray/update/csc-direct",
                "the same CSC matrix written down directly (indptr 0..=n, indices = labels): no triplets, no sort",
            )
            .slide("83 · Sparse")
            .memory(|s| update::csc_memory(s, false))
            .work(|s| (2 * s.n * s.d + s.k * s.d) as f64),
            update::CscDirect,
        ),
        UpdateVariant::new(
            VariantInfo::new(
                "ndarray/update/one-pass",
                "np.add.at / bincount style: add each row into its cluster's sum in one pass, no matrix at all",
            )
            .work(|s| (s.n * s.d + s.k * s.d) as f64),
            update::OnePass,
        ),
    ];
    // Compositions name their parts, so reordering or inserting a step cannot rewire them.
    let mut registry = Registry {
        assign,
        update,
        iterate: Vec::new(),
    };
    registry.iterate = vec![
        registry.compose(
            VariantInfo::new(
                "ndarray/iter/slides",
                "the slides' initial kmeans in ndarray: v1 assignment + mask update",
            )
            .slide("27 · Refactored Implementation"),
            "ndarray/assign/v1-norm-per-centroid",
            "ndarray/update/v1-mask",
        ),
        registry.compose(
            VariantInfo::new(
                "ndarray/iter/slides-best",
                "where the slides end: the einsum assignment + the sparse CSC one-hot update",
            )
            .slide("84 · Review"),
            "ndarray/assign/v5-einsum",
            "ndarray/update/csc-onehot",
        ),
        registry.compose(
            VariantInfo::new(
                "ndarray/iter/gemm+one-pass",
                "beyond the slides: the GEMM assignment in row blocks + the one-pass update",
            ),
            "ndarray/assign/gemm",
            "ndarray/update/one-pass",
        ),
    ];
    registry
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmeans_core::Matrix;

    #[test]
    fn array_is_a_zero_copy_row_major_view() {
        let m = Matrix::from_vec((0..12).map(f64::from).collect(), 4, 3).unwrap();
        let a = array(m.view());
        assert_eq!(a.shape(), &[4, 3]);
        assert_eq!(a.strides(), &[3, 1]);
        assert_eq!(a.as_ptr(), m.as_slice().as_ptr());
        for (i, row) in a.rows().into_iter().enumerate() {
            assert_eq!(row.to_vec(), m.row(i));
        }
    }

    #[test]
    fn nkd_variants_declare_memory_proportional_to_n_k_d() {
        let r = registry();
        let small = Shape::SLIDES;
        let big = Shape {
            n: 1_000_000,
            k: 64,
            d: 64,
            elem: 8,
        };
        for name in [
            "ndarray/assign/v3-broadcast-nkd",
            "ndarray/assign/v4-no-sqrt",
            "ndarray/assign/v5-einsum",
        ] {
            let v = r.assign_named(name).unwrap();
            let nkd = (big.n * big.k * big.d * big.elem) as f64;
            assert!(v.info.memory_at(big) >= nkd, "{name}");
            assert!(v.info.memory_at(small) < v.info.memory_at(big), "{name}");
        }
        // The block-wise GEMM does not grow with n.
        let gemm = r.assign_named("ndarray/assign/gemm").unwrap();
        assert_eq!(
            gemm.info.memory_at(big),
            gemm.info.memory_at(Shape { n: 10_000, ..big })
        );
    }
}
