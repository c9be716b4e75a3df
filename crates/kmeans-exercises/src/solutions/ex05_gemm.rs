//! Reference solution to exercise 5: the GEMM trick. `‖x − c‖² = ‖x‖² − 2·x·c + ‖c‖²`; `‖x‖²`
//! cannot change the argmin, and every `x·c` at once is one matrix product, `X · Cᵀ`, which
//! ndarray's `dot` hands to matrixmultiply's cache- and register-blocked SIMD kernels.

use kmeans_core::{AssignStep, Points, Scalar};
use ndarray::{Array1, LinalgScalar};

use crate::view;

/// Exercise 5, solved: scores `‖c‖² − 2·x·c` from one `(n, k)` matrix product.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gemm;

// ANCHOR: solution
impl<T: Scalar + LinalgScalar> AssignStep<T> for Gemm {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let (data, centroids) = (view(data), view(centroids));
        // ‖c‖² for every centroid: (k,)
        let c_norms: Array1<T> = centroids.rows().into_iter().map(|c| c.dot(&c)).collect();
        // every x·c at once: np.einsum('nd,kd->nk', data, centroids), (n, k)
        let dots = data.dot(&centroids.t());
        let two = T::of_f64(2.0);
        for (row, label) in dots.rows().into_iter().zip(labels.iter_mut()) {
            let (mut best, mut best_score) = (0, T::infinity());
            for (j, (&dot, &c_norm)) in row.iter().zip(&c_norms).enumerate() {
                let score = c_norm - two * dot; // ‖x − c‖² − ‖x‖²
                if score < best_score {
                    (best, best_score) = (j, score);
                }
            }
            *label = best as u32;
        }
    }
}
// ANCHOR_END: solution
