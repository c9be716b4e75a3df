//! AVX-512F: 512-bit registers (16 × f32, 8 × f64), 32 of them, and mask registers.

use core::arch::x86_64::*;

use crate::kernel::{self, DotJob, DotTwoJob, Job, Tiles};
use crate::vector::Vector;

/// Proof that the CPU has AVX-512F (and FMA, which every AVX-512F CPU has): only
/// [`Avx512::new`] (which checks) makes one.
#[derive(Clone, Copy, Debug)]
pub struct Avx512(());

impl Avx512 {
    /// `Some` when this CPU supports AVX-512F (detected at run time), else `None`.
    #[inline]
    pub fn new() -> Option<Self> {
        if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
            Some(Avx512(()))
        } else {
            None
        }
    }

    /// Run a chunk kernel on `f32` data with this instruction set.
    #[inline]
    pub(crate) fn run_f32<J: Job<f32>>(self, job: J) -> J::Output {
        // SAFETY: `self` proves the CPU has AVX-512F and FMA.
        unsafe { run_f32(job) }
    }
    /// Run a chunk kernel on `f64` data with this instruction set.
    #[inline]
    pub(crate) fn run_f64<J: Job<f64>>(self, job: J) -> J::Output {
        // SAFETY: `self` proves the CPU has AVX-512F and FMA.
        unsafe { run_f64(job) }
    }
}

/// Points per register tile. 12 points × 2 vectors = 24 accumulators, plus 2 centroid
/// vectors and broadcasts, stay within the 32 zmm registers. Per coordinate the tile issues
/// 24 FMAs for 2 vector loads and 12 broadcast loads, so FMAs (not loads) bound it — the
/// shape of the usual 12×32 / 14×32 AVX-512 sgemm tiles.
pub(crate) const MR: usize = 12;
/// Vectors of centroids per register tile (a panel is `NV · LANES` centroids wide).
pub(crate) const NV: usize = 2;
/// Points per register tile of the narrow tile (one vector of centroids), used when a panel of
/// `NV` vectors would be mostly padding (small `k`, e.g. k = 10 in 16-lane f32):
/// 24 points × 1 vector = 24 accumulators + 1 panel vector + broadcasts fit the 32 zmm registers.
pub(crate) const MR1: usize = 24;

/// Centroids per pass of the row kernel ([`kernel::dot_rows_chunk`]) for long rows: one point
/// against 10, so the accumulators, the point's vector, `μ` and a centroid vector stay in
/// registers (with 2 points × 10 or 12 centroids LLVM spilled accumulators to the stack) and
/// the row is read as one stream. At 60 000 × 784, k = 10 f32 on AVX-512 this ran in 0.64× the
/// tile's time against 0.71–0.73× for 2 × 5; groups of 8 (two passes) 1.01×, of 16 0.93×.
pub(crate) const ROWS_KB: usize = 10;
/// Centroids per pass of the row kernel for shorter rows: two points against 5, so each
/// centroid vector loaded serves two FMAs (10 accumulators). 0.50–0.82× the tile's time at d
/// = 128–300 on AVX-512, where one point against 10 ran 0.79–0.95× (`MEASUREMENTS.md`).
pub(crate) const ROWS_PAIR_KB: usize = 5;

/// Avx512's register tiles.
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

#[target_feature(enable = "avx512f,fma")]
unsafe fn run_f32<J: Job<f32>>(job: J) -> J::Output {
    // SAFETY: AVX-512F and FMA are enabled here and guaranteed by the caller's token.
    unsafe { job.run::<F32x16, Tile>() }
}
#[target_feature(enable = "avx512f,fma")]
unsafe fn run_f64<J: Job<f64>>(job: J) -> J::Output {
    // SAFETY: as above.
    unsafe { job.run::<F64x8, Tile>() }
}

/// 16 × f32 in a zmm register.
#[derive(Clone, Copy, Debug)]
pub(crate) struct F32x16(__m512);

impl Vector for F32x16 {
    type T = f32;
    const LANES: usize = 16;
    const REGISTERS: usize = 32;

    #[inline(always)]
    unsafe fn splat(x: f32) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        F32x16(unsafe { _mm512_set1_ps(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: `p` is valid for 16 reads (trait contract); loadu needs no alignment.
        F32x16(unsafe { _mm512_loadu_ps(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: `p` is valid for 16 writes (trait contract).
        unsafe { _mm512_storeu_ps(p, self.0) }
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f32, len: usize) -> Self {
        let mask = (1 << len) as __mmask16 - 1;
        // SAFETY: masked-off lanes are not read; the first `len` are valid (trait contract).
        F32x16(unsafe { _mm512_maskz_loadu_ps(mask, p) })
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        F32x16(unsafe { _mm512_add_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        F32x16(unsafe { _mm512_sub_ps(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn fmadd(self, b: Self, c: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        F32x16(unsafe { _mm512_fmadd_ps(self.0, b.0, c.0) })
    }
    #[inline(always)]
    unsafe fn gt_select(self, best: Self, idx: Self, best_idx: Self) -> (Self, Self) {
        // SAFETY: AVX-512F is available (trait contract).
        unsafe {
            let m = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(self.0, best.0);
            (
                F32x16(_mm512_mask_blend_ps(m, best.0, self.0)),
                F32x16(_mm512_mask_blend_ps(m, best_idx.0, idx.0)),
            )
        }
    }
    #[inline(always)]
    unsafe fn reduce_add(self) -> f32 {
        // SAFETY: AVX-512F is available (trait contract).
        unsafe { _mm512_reduce_add_ps(self.0) }
    }
    #[inline(always)]
    unsafe fn reduce_max(self) -> f32 {
        // SAFETY: AVX-512F is available (trait contract).
        unsafe { _mm512_reduce_max_ps(self.0) }
    }
    #[inline(always)]
    unsafe fn argmax_lanes(self, idx: Self) -> (f32, usize) {
        // SAFETY: AVX-512F is available (trait contract).
        unsafe {
            let top = _mm512_reduce_max_ps(self.0);
            let eq = _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(self.0, _mm512_set1_ps(top));
            let idx = _mm512_castps_si512(idx.0);
            // Almost always one lane holds the maximum: move its index to lane 0 (a
            // compress), no reduction. A tie across lanes takes the smallest index.
            let j = if eq & eq.wrapping_sub(1) == 0 {
                _mm_cvtsi128_si32(_mm512_castsi512_si128(_mm512_maskz_compress_epi32(eq, idx)))
                    as u32
            } else {
                _mm512_mask_reduce_min_epu32(eq, idx)
            };
            (top, j as usize)
        }
    }
}

/// 8 × f64 in a zmm register.
#[derive(Clone, Copy, Debug)]
pub(crate) struct F64x8(__m512d);

impl Vector for F64x8 {
    type T = f64;
    const LANES: usize = 8;
    const REGISTERS: usize = 32;

    #[inline(always)]
    unsafe fn splat(x: f64) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        F64x8(unsafe { _mm512_set1_pd(x) })
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> Self {
        // SAFETY: `p` is valid for 8 reads (trait contract).
        F64x8(unsafe { _mm512_loadu_pd(p) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f64) {
        // SAFETY: `p` is valid for 8 writes (trait contract).
        unsafe { _mm512_storeu_pd(p, self.0) }
    }
    #[inline(always)]
    unsafe fn load_partial(p: *const f64, len: usize) -> Self {
        let mask = (1 << len) as __mmask8 - 1;
        // SAFETY: masked-off lanes are not read; the first `len` are valid (trait contract).
        F64x8(unsafe { _mm512_maskz_loadu_pd(mask, p) })
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        F64x8(unsafe { _mm512_add_pd(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        F64x8(unsafe { _mm512_sub_pd(self.0, b.0) })
    }
    #[inline(always)]
    unsafe fn fmadd(self, b: Self, c: Self) -> Self {
        // SAFETY: AVX-512F is available (trait contract).
        F64x8(unsafe { _mm512_fmadd_pd(self.0, b.0, c.0) })
    }
    #[inline(always)]
    unsafe fn gt_select(self, best: Self, idx: Self, best_idx: Self) -> (Self, Self) {
        // SAFETY: AVX-512F is available (trait contract).
        unsafe {
            let m = _mm512_cmp_pd_mask::<_CMP_GT_OQ>(self.0, best.0);
            (
                F64x8(_mm512_mask_blend_pd(m, best.0, self.0)),
                F64x8(_mm512_mask_blend_pd(m, best_idx.0, idx.0)),
            )
        }
    }
    #[inline(always)]
    unsafe fn reduce_add(self) -> f64 {
        // SAFETY: AVX-512F is available (trait contract).
        unsafe { _mm512_reduce_add_pd(self.0) }
    }
    #[inline(always)]
    unsafe fn reduce_max(self) -> f64 {
        // SAFETY: AVX-512F is available (trait contract).
        unsafe { _mm512_reduce_max_pd(self.0) }
    }
    #[inline(always)]
    unsafe fn argmax_lanes(self, idx: Self) -> (f64, usize) {
        // SAFETY: AVX-512F is available (trait contract).
        unsafe {
            let top = _mm512_reduce_max_pd(self.0);
            let eq = _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(self.0, _mm512_set1_pd(top));
            let idx = _mm512_castpd_si512(idx.0);
            // As for f32: one lane (almost always) by a compress, a tie by a reduction.
            let j = if eq & eq.wrapping_sub(1) == 0 {
                _mm_cvtsi128_si64(_mm512_castsi512_si128(_mm512_maskz_compress_epi64(eq, idx)))
                    as u64
            } else {
                _mm512_mask_reduce_min_epu64(eq, idx)
            };
            (top, j as usize)
        }
    }
}
