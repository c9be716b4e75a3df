//! Assignment steps in plain loops, one per rung of the slides' ladder.

use kmeans_core::{AssignStep, Points, Scalar};

/// Slide 32, "Original Assignment Step", transcribed literally: for every point and every
/// centroid, a freshly allocated difference vector, its square-rooted norm pushed into a fresh
/// list of distances, then the argmin of that list.
///
/// **Deliberately slow** — it is the baseline the ladder climbs from: `n·k` heap allocations
/// per call, a square root per pair, and every distance stored before it is compared.
#[derive(Clone, Copy, Debug, Default)]
pub struct V1Literal;

// ANCHOR: v1_literal
impl<T: Scalar> AssignStep<T> for V1Literal {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        for (i, point) in data.rows().enumerate() {
            // distances = [np.linalg.norm(point - c) for c in centroids]
            let mut distances = Vec::new();
            for c in centroids.rows() {
                let diff: Vec<T> = point.iter().zip(c).map(|(&p, &q)| p - q).collect();
                let norm = diff.iter().map(|&v| v * v).sum::<T>().sqrt();
                distances.push(norm);
            }
            // labels[i] = np.argmin(distances)
            labels[i] = argmin(&distances) as u32;
        }
    }
}
// ANCHOR_END: v1_literal

/// Index of the smallest value; the first one on ties, like `np.argmin`.
pub fn argmin<T: Scalar>(values: &[T]) -> usize {
    let mut best = 0;
    for (j, &v) in values.iter().enumerate() {
        if v < values[best] {
            best = j;
        }
    }
    best
}

/// Slide 34's idea — compute one point's distances to all centroids in one go — in loops: the
/// difference is never stored (each coordinate is squared and summed as it is produced) and one
/// distance buffer of length `k` is reused for every point. No allocation per pair or per point.
#[derive(Clone, Copy, Debug, Default)]
pub struct V2NoAlloc;

// ANCHOR: v2_no_alloc
impl<T: Scalar> AssignStep<T> for V2NoAlloc {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let mut distances = vec![T::zero(); centroids.n()];
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            for (dist, c) in distances.iter_mut().zip(centroids.rows()) {
                let mut sum = T::zero();
                for (&p, &q) in point.iter().zip(c) {
                    sum += (p - q) * (p - q);
                }
                *dist = sum.sqrt();
            }
            *label = argmin(&distances) as u32;
        }
    }
}
// ANCHOR_END: v2_no_alloc

/// Slide 58, "Do we need that square root? No": `sqrt` is monotonic, so the argmin of squared
/// distances is the same. One square root per pair fewer (a `sqrt` costs several additions).
#[derive(Clone, Copy, Debug, Default)]
pub struct V3NoSqrt;

// ANCHOR: v3_no_sqrt
impl<T: Scalar> AssignStep<T> for V3NoSqrt {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let mut distances = vec![T::zero(); centroids.n()];
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            for (dist, c) in distances.iter_mut().zip(centroids.rows()) {
                let mut sum = T::zero();
                for (&p, &q) in point.iter().zip(c) {
                    sum += (p - q) * (p - q);
                }
                *dist = sum; // no .sqrt()
            }
            *label = argmin(&distances) as u32;
        }
    }
}
// ANCHOR_END: v3_no_sqrt

/// Slide 59's lesson — einsum wins by fusing the reduction so no intermediate array is written —
/// applied to the argmin too: keep the best centroid so far in two locals instead of storing `k`
/// distances and scanning them again.
#[derive(Clone, Copy, Debug, Default)]
pub struct V4RunningArgmin;

// ANCHOR: v4_running_argmin
impl<T: Scalar> AssignStep<T> for V4RunningArgmin {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            let (mut best, mut best_dist) = (0, T::infinity());
            for (j, c) in centroids.rows().enumerate() {
                let mut sum = T::zero();
                for (&p, &q) in point.iter().zip(c) {
                    sum += (p - q) * (p - q);
                }
                if sum < best_dist {
                    (best, best_dist) = (j, sum);
                }
            }
            *label = best as u32;
        }
    }
}
// ANCHOR_END: v4_running_argmin

/// Independent accumulators, so the compiler may vectorise the sum.
pub const LANES: usize = 8;

/// Squared distance with [`LANES`] independent partial sums. Float addition is not associative,
/// so the compiler must keep a single running sum in order — one add after another, each
/// waiting for the last. Eight separate sums remove that chain: they fill a SIMD register and
/// several adds are in flight at once. (This changes the rounding slightly, within the same
/// error bound.)
// ANCHOR: lanes
#[inline]
pub fn sq_dist_lanes<T: Scalar>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::zero(); LANES];
    let (a_main, a_tail) = a.split_at(a.len() - a.len() % LANES);
    let (b_main, b_tail) = b.split_at(a_main.len());
    for (x, y) in a_main.chunks_exact(LANES).zip(b_main.chunks_exact(LANES)) {
        for l in 0..LANES {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    let mut sum = T::zero();
    for (&x, &y) in a_tail.iter().zip(b_tail) {
        sum += (x - y) * (x - y);
    }
    // Pairwise fold: ((0+1)+(2+3))+((4+5)+(6+7)).
    let pairs = [
        acc[0] + acc[1],
        acc[2] + acc[3],
        acc[4] + acc[5],
        acc[6] + acc[7],
    ];
    sum + ((pairs[0] + pairs[1]) + (pairs[2] + pairs[3]))
}
// ANCHOR_END: lanes

/// Beyond the slides: [`V4RunningArgmin`] with the distance summed over [`LANES`] independent
/// accumulators ([`sq_dist_lanes`]), which lets LLVM use SIMD registers for the inner loop.
#[derive(Clone, Copy, Debug, Default)]
pub struct V5Lanes;

impl<T: Scalar> AssignStep<T> for V5Lanes {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            *label = nearest_lanes(point, centroids).0 as u32;
        }
    }
}

/// The nearest centroid to `point` and its squared distance, with [`sq_dist_lanes`].
#[inline]
pub fn nearest_lanes<T: Scalar>(point: &[T], centroids: Points<'_, T>) -> (usize, T) {
    let (mut best, mut best_dist) = (0, T::infinity());
    for (j, c) in centroids.rows().enumerate() {
        let dist = sq_dist_lanes(point, c);
        if dist < best_dist {
            (best, best_dist) = (j, dist);
        }
    }
    (best, best_dist)
}
