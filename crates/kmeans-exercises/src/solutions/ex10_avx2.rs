//! Reference solution to exercise 10: a hand-written AVX2 + FMA squared distance, chosen at run
//! time when the CPU has both features, and a portable fallback (exercise 9's kernel) otherwise
//! and on other architectures.
//!
//! The only `unsafe` of the solutions: the two unaligned loads per step of 4 values, and the
//! call into the `#[target_feature]` function, each with its `// SAFETY:` argument.
#![allow(unsafe_code)]

use kmeans_core::{AssignStep, Points};

use super::ex09_lanes;
use crate::{Path, ran};

/// Exercise 10, solved: AVX2 + FMA when detected, the scalar fallback otherwise.
#[derive(Clone, Copy, Debug, Default)]
pub struct Avx2Fma;

/// Whether this CPU has AVX2 and FMA (what the dispatch asks; the checker prints the path that
/// really ran, which each branch reports with [`ran`]).
pub fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

// ANCHOR: solution
impl AssignStep<f64> for Avx2Fma {
    fn assign(&self, data: Points<'_, f64>, centroids: Points<'_, f64>, labels: &mut [u32]) {
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            // SAFETY: `assign_avx2` only requires the CPU to support AVX2 and FMA, which
            // `has_avx2_fma` has just detected at run time.
            unsafe { avx2::assign(data, centroids, labels) };
            ran(Path::Avx2Fma);
            return;
        }
        assign_scalar(data, centroids, labels);
        ran(Path::Scalar);
    }
}
// ANCHOR_END: solution

/// The portable fallback: exercise 9's kernel.
pub fn assign_scalar(data: Points<'_, f64>, centroids: Points<'_, f64>, labels: &mut [u32]) {
    for (point, label) in data.rows().zip(labels.iter_mut()) {
        *label = ex09_lanes::nearest(point, centroids).0 as u32;
    }
}

/// The AVX2 + FMA path (x86-64 only).
#[cfg(target_arch = "x86_64")]
pub mod avx2 {
    use std::arch::x86_64::{
        __m256d, _mm_add_pd, _mm_add_sd, _mm_cvtsd_f64, _mm_unpackhi_pd, _mm256_add_pd,
        _mm256_castpd256_pd128, _mm256_extractf128_pd, _mm256_fmadd_pd, _mm256_loadu_pd,
        _mm256_setzero_pd, _mm256_sub_pd,
    };

    use kmeans_core::Points;

    /// `f64` values per 256-bit register.
    const WIDTH: usize = 4;

    /// The running argmin over [`sq_dist`].
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA (check with `is_x86_feature_detected!`); callers that
    /// are not themselves compiled with those features need `unsafe` to call it.
    #[target_feature(enable = "avx2,fma")]
    pub fn assign(data: Points<'_, f64>, centroids: Points<'_, f64>, labels: &mut [u32]) {
        for (point, label) in data.rows().zip(labels.iter_mut()) {
            let (mut best, mut best_dist) = (0, f64::INFINITY);
            for (j, c) in centroids.rows().enumerate() {
                let dist = sq_dist(point, c);
                if dist < best_dist {
                    (best, best_dist) = (j, dist);
                }
            }
            *label = best as u32;
        }
    }

    /// Sum of the 4 lanes of `v`.
    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256d) -> f64 {
        let pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
        _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)))
    }

    /// `‖a − b‖²` with two 4-lane accumulators (two independent FMA chains hide part of the
    /// FMA latency), one more 4-lane step if 4 values remain, then a scalar tail of `d % 4`.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA, as for [`assign`]. Slices of different lengths panic.
    // ANCHOR: sq_dist_avx2
    #[target_feature(enable = "avx2,fma")]
    pub fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
        assert_eq!(
            a.len(),
            b.len(),
            "rows of one matrix pair have equal lengths"
        );
        let d = a.len();
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        let (mut acc0, mut acc1) = (_mm256_setzero_pd(), _mm256_setzero_pd());
        let mut i = 0;
        while i + 2 * WIDTH <= d {
            // SAFETY: i + 8 <= d = a.len() = b.len(), so the 4 values at i and the 4 at i + 4
            // are inside both slices; `loadu` has no alignment requirement.
            let (x0, y0, x1, y1) = unsafe {
                (
                    _mm256_loadu_pd(pa.add(i)),
                    _mm256_loadu_pd(pb.add(i)),
                    _mm256_loadu_pd(pa.add(i + WIDTH)),
                    _mm256_loadu_pd(pb.add(i + WIDTH)),
                )
            };
            let (t0, t1) = (_mm256_sub_pd(x0, y0), _mm256_sub_pd(x1, y1));
            acc0 = _mm256_fmadd_pd(t0, t0, acc0);
            acc1 = _mm256_fmadd_pd(t1, t1, acc1);
            i += 2 * WIDTH;
        }
        if i + WIDTH <= d {
            // SAFETY: i + 4 <= d = a.len() = b.len(): the 4 values at i are inside both slices.
            let (x, y) = unsafe { (_mm256_loadu_pd(pa.add(i)), _mm256_loadu_pd(pb.add(i))) };
            let t = _mm256_sub_pd(x, y);
            acc0 = _mm256_fmadd_pd(t, t, acc0);
            i += WIDTH;
        }
        let mut sum = hsum(_mm256_add_pd(acc0, acc1));
        for (&x, &y) in a[i..].iter().zip(&b[i..]) {
            sum += (x - y) * (x - y);
        }
        sum
    }
    // ANCHOR_END: sq_dist_avx2
}

#[cfg(test)]
mod tests {
    use super::*;
    use kmeans_core::data;

    /// Both paths, on every tail length around the register width, against the exact oracle.
    /// On a CPU without AVX2 + FMA the vector path cannot run: the test says so instead of
    /// silently passing.
    #[test]
    fn both_paths_agree_with_the_oracle_on_every_tail_length() {
        #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
        let mut ran_avx2 = false;
        for d in 1..=21 {
            let points = data::uniform::<f64>(64, d, d as u64);
            let centroids = data::uniform::<f64>(7, d, 100 + d as u64);
            let (data, cents) = (points.view(), centroids.view());
            let mut scalar = vec![u32::MAX; 64];
            assign_scalar(data, cents, &mut scalar);
            kmeans_core::testkit::check_labels(kmeans_core::Precision::Exact, data, cents, &scalar)
                .unwrap_or_else(|e| panic!("d = {d}: {e}"));
            #[cfg(target_arch = "x86_64")]
            if has_avx2_fma() {
                for (x, c) in data.rows().zip(cents.rows().cycle()) {
                    // SAFETY: AVX2 and FMA were detected just above.
                    let got = unsafe { avx2::sq_dist(x, c) };
                    let want = kmeans_core::sq_dist_f64(x, c);
                    assert!(
                        (got - want).abs() <= 1e-14 * want.max(1.0),
                        "d = {d}: {got} vs {want}"
                    );
                }
                let mut vector = vec![u32::MAX; 64];
                // SAFETY: AVX2 and FMA were detected just above.
                unsafe { avx2::assign(data, cents, &mut vector) };
                kmeans_core::testkit::check_labels(
                    kmeans_core::Precision::Exact,
                    data,
                    cents,
                    &vector,
                )
                .unwrap_or_else(|e| panic!("d = {d}: {e}"));
                ran_avx2 = true;
            }
        }
        if !ran_avx2 {
            eprintln!("skipped the AVX2 + FMA path: this CPU lacks AVX2 or FMA");
        }
    }
}
