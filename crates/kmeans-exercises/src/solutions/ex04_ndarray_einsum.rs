//! Reference solution to exercise 4 (slide 59): the slides' v5 in ndarray — the `(n, k, d)`
//! broadcast of v3 built with `insert_axis` (NumPy's `None`), then einsum's
//! `'nkd,nkd->nk'` as a `Zip` over the `d`-lanes, so `diff**2` is never written.

use kmeans_core::{AssignStep, Points, Scalar};
use ndarray::{Array2, Axis, LinalgScalar, Zip};

use crate::view;

/// Exercise 4, solved: one `(n, k, d)` temporary (v3 had two), reduced lane by lane.
#[derive(Clone, Copy, Debug, Default)]
pub struct NdarrayEinsum;

// ANCHOR: solution
impl<T: Scalar + LinalgScalar> AssignStep<T> for NdarrayEinsum {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let (data, centroids) = (view(data), view(centroids));
        // diff = data[:, None] - centroids[None]                  # (n, k, d)
        let diff = &data.insert_axis(Axis(1)) - &centroids.insert_axis(Axis(0));
        // distances = np.einsum('nkd,nkd->nk', diff, diff)        # (n, k)
        let mut distances = Array2::<T>::zeros((data.nrows(), centroids.nrows()));
        Zip::from(&mut distances)
            .and(diff.lanes(Axis(2)))
            .for_each(|dist, lane| *dist = lane.dot(&lane));
        // labels = np.argmin(distances, axis=1)
        for (row, label) in distances.rows().into_iter().zip(labels.iter_mut()) {
            let (mut best, mut best_dist) = (0, T::infinity());
            for (j, &v) in row.iter().enumerate() {
                if v < best_dist {
                    (best, best_dist) = (j, v);
                }
            }
            *label = best as u32;
        }
    }
}
// ANCHOR_END: solution
