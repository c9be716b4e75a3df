//! The reference implementation: obviously correct, computed in `f64`, not fast.
//!
//! It is the oracle of the conformance kit and never appears in a registry: every registered
//! variant is measured against it.

use crate::metrics::sq_dist_f64;
use crate::points::Points;
use crate::scalar::Scalar;
use crate::step::{AssignStep, IterationStep, UpdateStep};

/// The nearest centroid to `point` and the squared distance to it; ties go to the lowest index.
pub fn nearest<T: Scalar>(point: &[T], centroids: Points<'_, T>) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centroids.rows().enumerate() {
        let dist = sq_dist_f64(point, c);
        if dist < best.1 {
            best = (j, dist);
        }
    }
    best
}

/// Means (in `f64`, `k × d` row-major) and sizes of the clusters `labels` describe. Rows of
/// empty clusters are 0.
pub fn means<T: Scalar>(data: Points<'_, T>, labels: &[u32], k: usize) -> (Vec<f64>, Vec<u32>) {
    let d = data.d();
    let mut sums = vec![0.0f64; k * d];
    let mut counts = vec![0u32; k];
    for (x, &l) in data.rows().zip(labels) {
        let l = l as usize;
        counts[l] += 1;
        for (s, &v) in sums[l * d..(l + 1) * d].iter_mut().zip(x) {
            *s += v.as_f64();
        }
    }
    for (j, &c) in counts.iter().enumerate() {
        if c > 0 {
            sums[j * d..(j + 1) * d]
                .iter_mut()
                .for_each(|s| *s /= f64::from(c));
        }
    }
    (sums, counts)
}

/// The reference as a step implementation, so it can drive the Lloyd driver.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

impl<T: Scalar> AssignStep<T> for Reference {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        for (x, l) in data.rows().zip(labels.iter_mut()) {
            *l = nearest(x, centroids).0 as u32;
        }
    }
}

impl<T: Scalar> UpdateStep<T> for Reference {
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]) {
        let (m, c) = means(data, labels, counts.len());
        for (dst, src) in centroids.iter_mut().zip(m) {
            *dst = T::of_f64(src);
        }
        counts.copy_from_slice(&c);
    }
}

impl<T: Scalar> IterationStep<T> for Reference {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) -> f64 {
        let mut total = 0.0;
        for (x, l) in data.rows().zip(labels.iter_mut()) {
            let (j, dist) = nearest(x, centroids);
            *l = j as u32;
            total += dist;
        }
        total
    }

    fn iterate(
        &self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
    ) -> f64 {
        let inertia = IterationStep::assign(self, data, centroids, labels);
        UpdateStep::update(self, data, labels, new_centroids, counts);
        inertia
    }
}
