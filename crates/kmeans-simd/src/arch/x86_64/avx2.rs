//! AVX2 + FMA: 256-bit registers (8 × f32, 4 × f64), 16 of them.

use core::arch::x86_64::*;

use crate::kernel::{self, DotJob, DotTwoJob, Job, Tiles};
use crate::vector::Vector;

/// Proof that the CPU has AVX2 and FMA: only [`Avx2::new`] (which checks) makes one, so its safe methods may run AVX2 code.
#[derive(Clone, Copy, Debug)]
pub struct Avx2(());

impl Avx2 {
    /// `Some` when this CPU supports AVX2 and FMA (detected at run time), else `None`.
    #[inline]
    pub fn new() -> Option<Self> {
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            Some(Avx2(()))
        } else {
            None
        }
    }

    /// Run a chunk kernel on `f32` data with this instruction set.
    #[inline]
    pub(crate) fn run_f32<J: Job<f32>>(self, job: J) -> J::Output {
        // SAFETY: `self` proves the CPU has AVX2 and FMA.
        unsafe { run_f32(job) }
    }
    /// Run a chunk kernel on `f64` data with this instruction set.
    #[inline]
    pub(crate) fn run_f64<J: Job<f64>>(self, job: J) -> J::Output {
        // SAFETY: `self` proves the CPU has AVX2 and FMA.
        unsafe { run_f64(job) }
    }
}

/// Points per register tile. 6 points × 2 vectors = 12 accumulators, + 2 centroid vectors + 1
/// broadcast = 15 of the 16 ymm registers (the classic 6×16 sgemm tile).
pub(crate) const MR: usize = 6;
/// Vectors of centroids per register tile (a panel is `NV · LANES` centroids wide).
pub(crate) const NV: usize = 2;
/// Points per register tile of the narrow tile (one vector of centroids), used when a panel of
/// `NV` vectors would be mostly padding (small `k`, e.g. k = 10 in 16-lane f32):
/// 12 points × 1 vector = 12 accumulators + 1 panel vector + 1 broadcast fit the 16 ymm registers.
pub(crate) const MR1: usize = 12;

/// Centroids per pass of the row kernel ([`kernel::dot_rows_chunk`]) for long rows: one point
/// against 10, as on AVX-512 (10 accumulators, the point's vector, `μ` and a centroid vector:
/// 13 of the 16 ymm registers). Pinned on the AVX-512 Xeon, 60 000 × 784, k = 10 f32 ran in
/// 0.67–0.69× the tile's time.
pub(crate) const ROWS_KB: usize = 10;
/// Centroids per pass of the row kernel for shorter rows: two points against 5, so each
/// centroid vector loaded serves two FMAs. Pinned on the same Xeon, 10⁵ × 10 × 128 ran in 0.93×
/// the tile's time where one point against 10 ran 1.17× (`MEASUREMENTS.md`).
pub(crate) const ROWS_PAIR_KB: usize = 5;

/// Avx2's register tiles.
struct Tile;

impl Tiles for Tile {
    #[inline(always)]
    unsafe fn dot<V: Vector>(job: DotJob<'_, V::T>) -> f64 {
        // SAFETY: the caller guarantees the ISA; the job's panels were packed for one of the
        // two tiles (checked in dot_chunk).
        unsafe {
            if job.packed.nr == NV * V::LANES {
                kernel::dot_chunk::<V, MR, NV>(job)
            } else {
                kernel::dot_chunk::<V, MR1, 1>(job)
            }
        }
    }
    #[inline(always)]
    unsafe fn dot_two<V: Vector>(job: DotTwoJob<'_, V::T>) {
        // SAFETY: as `dot` (checked in dot_two_chunk).
        unsafe {
            if job.packed.nr == NV * V::LANES {
                kernel::dot_two_chunk::<V, MR, NV>(job)
            } else {
                kernel::dot_two_chunk::<V, MR1, 1>(job)
            }
        }
    }
    #[inline(always)]
    unsafe fn dot_rows<V: Vector>(job: kernel::DotRowsJob<'_, V::T>) -> f64 {
        // SAFETY: forwarded from the caller; the centroids were laid out for one of the two
        // group sizes (checked in dot_rows_chunk).
        unsafe {
            if job.centroids.kb == ROWS_KB {
                kernel::dot_rows_chunk::<V, 1, ROWS_KB>(job)
            } else {
                kernel::dot_rows_chunk::<V, 2, ROWS_PAIR_KB>(job)
            }
        }
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn run_f32<J: Job<f32>>(job: J) -> J::Output {
    // SAFETY: AVX2 and FMA are enabled here and guaranteed by the caller's token.
    unsafe { job.run::<F32x8, Tile>() }
}
#[target_feature(enable = "avx2,fma")]
unsafe fn run_f64<J: Job<f64>>(job: J) -> J::Output {
    // SAFETY: as above.
    unsafe { job.run::<F64x4, Tile>() }
}

/// 8 × f32 in a ymm register.
#[derive(Clone, Copy, Debug)]
pub(crate) struct F32x8(__m256);

impl Vector for F32x8 {
    type T = f32;
    const LANES: usize = 8;
    const REGISTERS: usize = 16;

    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: AVX is available (trait contract).
        F32x8(unsafe { _mm256_set1_ps(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: `p` is valid for 8 reads (trait contract); loadu needs no alignment.
        F32x8(unsafe { _mm256_loadu_ps(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: `p` is valid for 8 writes (trait contract).
        unsafe { _mm256_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, len: usize) -> Self {
        // SAFETY: lanes whose mask is clear are not read; the first `len` are valid.
        unsafe {
            let mask = _mm256_cmpgt_epi32(
                _mm256_set1_epi32(len as i32),
                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
            );
            F32x8(_mm256_maskload_ps(p, mask))
        }
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        // SAFETY: AVX is available (trait contract).
        F32x8(unsafe { _mm256_add_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        // SAFETY: AVX is available (trait contract).
        F32x8(unsafe { _mm256_sub_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn fmadd(self, b: Self, c: Self) -> Self {
        // SAFETY: FMA is available (trait contract).
        F32x8(unsafe { _mm256_fmadd_ps(self.0, b.0, c.0) })
    }
    #[inline(always)]
    unsafe fn gt_select(self, best: Self, idx: Self, best_idx: Self) -> (Self, Self) {
        // SAFETY: AVX is available (trait contract).
        unsafe {
            let m = _mm256_cmp_ps::<_CMP_GT_OQ>(self.0, best.0);
            (
                F32x8(_mm256_blendv_ps(best.0, self.0, m)),
                F32x8(_mm256_blendv_ps(best_idx.0, idx.0, m)),
            )
        }
    }
    #[inline(always)]
    unsafe fn reduce_add(self) -> f32 {
        // SAFETY: AVX is available (trait contract).
        unsafe {
            let s = _mm_add_ps(
                _mm256_castps256_ps128(self.0),
                _mm256_extractf128_ps::<1>(self.0),
            );
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
            _mm_cvtss_f32(s)
        }
    }
    #[inline(always)]
    unsafe fn reduce_max(self) -> f32 {
        // SAFETY: AVX2 is available (trait contract).
        unsafe {
            let v = self.0;
            let m = _mm256_max_ps(v, _mm256_permute2f128_ps::<1>(v, v));
            let m = _mm256_max_ps(m, _mm256_shuffle_ps::<0b01_00_11_10>(m, m));
            let m = _mm256_max_ps(m, _mm256_shuffle_ps::<0b10_11_00_01>(m, m));
            _mm256_cvtss_f32(m)
        }
    }
    #[inline(always)]
    unsafe fn argmax_lanes(self, idx: Self) -> (f32, usize) {
        // SAFETY: AVX2 is available (trait contract).
        unsafe {
            // Butterfly max: swap 128-bit halves, then pairs, then neighbours.
            let v = self.0;
            let m = _mm256_max_ps(v, _mm256_permute2f128_ps::<1>(v, v));
            let m = _mm256_max_ps(m, _mm256_shuffle_ps::<0b01_00_11_10>(m, m));
            let m = _mm256_max_ps(m, _mm256_shuffle_ps::<0b10_11_00_01>(m, m));
            // Indices of the lanes equal to the max, u32::MAX elsewhere; then a butterfly min.
            let eq = _mm256_cmp_ps::<_CMP_EQ_OQ>(v, m);
            let none = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
            let i = _mm256_castps_si256(_mm256_blendv_ps(none, idx.0, eq));
            let i = _mm256_min_epu32(i, _mm256_permute2x128_si256::<1>(i, i));
            let i = _mm256_min_epu32(i, _mm256_shuffle_epi32::<0b01_00_11_10>(i));
            let i = _mm256_min_epu32(i, _mm256_shuffle_epi32::<0b10_11_00_01>(i));
            (_mm256_cvtss_f32(m), _mm256_cvtsi256_si32(i) as u32 as usize)
        }
    }
}

/// 4 × f64 in a ymm register.
#[derive(Clone, Copy, Debug)]
pub(crate) struct F64x4(__m256d);

impl Vector for F64x4 {
    type T = f64;
    const LANES: usize = 4;
    const REGISTERS: usize = 16;

    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        // SAFETY: AVX is available (trait contract).
        F64x4(unsafe { _mm256_set1_pd(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> Self {
        // SAFETY: `p` is valid for 4 reads (trait contract).
        F64x4(unsafe { _mm256_loadu_pd(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f64) {
        // SAFETY: `p` is valid for 4 writes (trait contract).
        unsafe { _mm256_storeu_pd(p, self.0) }
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f64, len: usize) -> Self {
        // SAFETY: lanes whose mask is clear are not read; the first `len` are valid.
        unsafe {
            let mask = _mm256_cmpgt_epi64(
                _mm256_set1_epi64x(len as i64),
                _mm256_setr_epi64x(0, 1, 2, 3),
            );
            F64x4(_mm256_maskload_pd(p, mask))
        }
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        // SAFETY: AVX is available (trait contract).
        F64x4(unsafe { _mm256_add_pd(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        // SAFETY: AVX is available (trait contract).
        F64x4(unsafe { _mm256_sub_pd(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn fmadd(self, b: Self, c: Self) -> Self {
        // SAFETY: FMA is available (trait contract).
        F64x4(unsafe { _mm256_fmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    unsafe fn gt_select(self, best: Self, idx: Self, best_idx: Self) -> (Self, Self) {
        // SAFETY: AVX is available (trait contract).
        unsafe {
            let m = _mm256_cmp_pd::<_CMP_GT_OQ>(self.0, best.0);
            (
                F64x4(_mm256_blendv_pd(best.0, self.0, m)),
                F64x4(_mm256_blendv_pd(best_idx.0, idx.0, m)),
            )
        }
    }
    #[inline(always)]
    unsafe fn reduce_add(self) -> f64 {
        // SAFETY: AVX is available (trait contract).
        unsafe {
            let s = _mm_add_pd(
                _mm256_castpd256_pd128(self.0),
                _mm256_extractf128_pd::<1>(self.0),
            );
            _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)))
        }
    }
    #[inline(always)]
    unsafe fn reduce_max(self) -> f64 {
        // SAFETY: AVX2 is available (trait contract).
        unsafe {
            let v = self.0;
            let m = _mm256_max_pd(v, _mm256_permute2f128_pd::<1>(v, v));
            let m = _mm256_max_pd(m, _mm256_shuffle_pd::<0b0101>(m, m));
            _mm256_cvtsd_f64(m)
        }
    }
    #[inline(always)]
    unsafe fn argmax_lanes(self, idx: Self) -> (f64, usize) {
        // SAFETY: AVX2 is available (trait contract).
        unsafe {
            let v = self.0;
            let m = _mm256_max_pd(v, _mm256_permute2f128_pd::<1>(v, v));
            let m = _mm256_max_pd(m, _mm256_shuffle_pd::<0b0101>(m, m));
            // Indices (< 2³²) of the lanes equal to the max, i64::MAX elsewhere; then a
            // butterfly min with AVX2's signed 64-bit compare.
            let eq = _mm256_cmp_pd::<_CMP_EQ_OQ>(v, m);
            let none = _mm256_castsi256_pd(_mm256_set1_epi64x(i64::MAX));
            let i = _mm256_castpd_si256(_mm256_blendv_pd(none, idx.0, eq));
            let s = _mm256_permute4x64_epi64::<0b01_00_11_10>(i);
            let i = _mm256_blendv_epi8(s, i, _mm256_cmpgt_epi64(s, i));
            let s = _mm256_shuffle_epi32::<0b01_00_11_10>(i);
            let i = _mm256_blendv_epi8(s, i, _mm256_cmpgt_epi64(s, i));
            (_mm256_cvtsd_f64(m), _mm256_extract_epi64::<0>(i) as usize)
        }
    }
}
