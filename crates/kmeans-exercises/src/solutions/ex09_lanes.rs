//! Reference solution to exercise 9: the running argmin of exercise 3, with the squared
//! distance summed over [`LANES`] independent accumulators so that LLVM may vectorise it.

use kmeans_core::{AssignStep, Points, Scalar};

/// Independent partial sums per distance: 8 fill an AVX-512 register of `f64` or an AVX2
/// register of `f32`, and give the adder several independent chains on narrower SIMD.
pub const LANES: usize = 8;

/// Squared distance with [`LANES`] independent partial sums, then a pairwise fold. (The order
/// of the additions changes, so the rounding does too — within the same error bound.)
// ANCHOR: sq_dist_lanes
#[inline]
pub fn sq_dist_lanes<T: Scalar>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::zero(); LANES];
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (a_tail, b_tail) = (a_chunks.remainder(), b_chunks.remainder());
    for (x, y) in a_chunks.zip(b_chunks) {
        for l in 0..LANES {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    let mut tail = T::zero();
    for (&x, &y) in a_tail.iter().zip(b_tail) {
        tail += (x - y) * (x - y);
    }
    let pairs = [
        acc[0] + acc[1],
        acc[2] + acc[3],
        acc[4] + acc[5],
        acc[6] + acc[7],
    ];
    tail + ((pairs[0] + pairs[1]) + (pairs[2] + pairs[3]))
}
// ANCHOR_END: sq_dist_lanes

/// The nearest centroid to `point` (the first of equal ones) and its squared distance.
#[inline]
pub fn nearest<T: Scalar>(point: &[T], centroids: Points<'_, T>) -> (usize, T) {
    let (mut best, mut best_dist) = (0, T::infinity());
    for (j, c) in centroids.rows().enumerate() {
        let dist = sq_dist_lanes(point, c);
        if dist < best_dist {
            (best, best_dist) = (j, dist);
        }
    }
    (best, best_dist)
}

/// Exercise 9, solved: exercise 3's running argmin over [`sq_dist_lanes`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Lanes;

// ANCHOR: solution
impl<T: Scalar> AssignStep<T> for Lanes {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            *label = nearest(point, centroids).0 as u32;
        }
    }
}
// ANCHOR_END: solution
