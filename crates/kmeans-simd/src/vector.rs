//! The small vector trait the algorithm is written against once (memchr's `Vector`), and the
//! float types it runs on.
//!
//! Each instruction set implements [`Vector`] for its registers (`__m512`, `__m256d`, …) in
//! `arch/`; the portable fallback implements it for one plain float. The kernels in
//! `kernel.rs` are generic over `V: Vector` and `#[inline(always)]`, so each ISA's
//! `#[target_feature]` entry point gets its own fully inlined copy compiled for that ISA.

use kmeans_core::Scalar;

/// A SIMD register of `LANES` floats of type [`Vector::T`].
///
/// # Safety (for implementors and callers)
/// Every method may execute instructions of the implementing ISA: callers must only call them
/// where that ISA is known to be available (inside that ISA's `#[target_feature]` kernels, which
/// are only reachable through a token proving the CPU has it). Pointer arguments must be valid
/// for reading (or writing) `LANES` values; no alignment is required.
pub(crate) trait Vector: Copy {
    /// The float type of a lane.
    type T: Elem;
    /// Floats per register.
    const LANES: usize;
    /// Vector registers the ISA has (for register tiles that must not spill).
    const REGISTERS: usize;

    /// Every lane `x`.
    unsafe fn splat(x: Self::T) -> Self;
    /// `LANES` consecutive values from `p` (unaligned).
    unsafe fn load(p: *const Self::T) -> Self;
    /// Write the lanes to `p` (unaligned).
    unsafe fn store(self, p: *mut Self::T);
    /// The first `len < LANES` values from `p`, zeros in the other lanes (a masked load: no
    /// memory past `p + len` is touched), for the tail of a row.
    unsafe fn load_partial(p: *const Self::T, len: usize) -> Self;
    /// Lane-wise `self + b`.
    unsafe fn add(self, b: Self) -> Self;
    /// Lane-wise `self − b`.
    unsafe fn sub(self, b: Self) -> Self;
    /// Lane-wise `self · b + c`, with one rounding (a fused multiply-add).
    unsafe fn fmadd(self, b: Self, c: Self) -> Self;
    /// The running arg-max step, lane-wise: where `self > best`, take `(self, idx)`, else keep
    /// `(best, best_idx)`. Strictly greater, so the earlier index wins a tie. Index vectors
    /// carry integer bit patterns ([`Elem::from_index`]); a blend moves bits without reading
    /// them as floats.
    unsafe fn gt_select(self, best: Self, idx: Self, best_idx: Self) -> (Self, Self);
    /// The sum of the lanes.
    unsafe fn reduce_add(self) -> Self::T;
    /// The largest lane.
    unsafe fn reduce_max(self) -> Self::T;
    /// The largest lane and, among the lanes equal to it, the smallest index in `idx` (index
    /// bit patterns, all below 2³²): the end of the running arg-max, without branches.
    unsafe fn argmax_lanes(self, idx: Self) -> (Self::T, usize);
}

/// `f32` or `f64`, plus what the kernels need beyond [`Scalar`].
pub trait Elem: Scalar + Copy {
    /// Whether the dot kernel reads each point's squared distance to its winner off the
    /// winning score (`‖x′‖² − 2·score`) instead of recomputing `Σ (x − c)²`. The score carries
    /// the dot form's rounding, about `d·ε·‖x′‖²` for a point `x′` (shifted) far from the
    /// centroids' median: negligible in `f64` (measured relative inertia errors ≤ 10⁻⁹, even
    /// for clusters 10⁴ times tighter than their spacing), but in `f32` such tight clusters lose
    /// 10⁻³ to 10⁻¹ of their inertia, so `f32` keeps the exact distance (see `measure
    /// --precision` and `MEASUREMENTS.md`).
    const INERTIA_FROM_SCORE: bool;
    /// A centroid index as the bit pattern of a float (so that it can ride in a float register
    /// through blends): exact for any `j < 2^32`.
    fn from_index(j: usize) -> Self;
    /// The index stored by [`from_index`](Elem::from_index).
    fn to_index(self) -> usize;
}

impl Elem for f32 {
    const INERTIA_FROM_SCORE: bool = false;
    #[inline(always)]
    fn from_index(j: usize) -> Self {
        f32::from_bits(j as u32)
    }
    #[inline(always)]
    fn to_index(self) -> usize {
        self.to_bits() as usize
    }
}

impl Elem for f64 {
    const INERTIA_FROM_SCORE: bool = true;
    #[inline(always)]
    fn from_index(j: usize) -> Self {
        f64::from_bits(j as u64)
    }
    #[inline(always)]
    fn to_index(self) -> usize {
        self.to_bits() as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_survive_the_float_bit_pattern_round_trip() {
        for j in [0usize, 1, 2, 255, 1 << 20, u32::MAX as usize] {
            assert_eq!(f32::from_index(j).to_index(), j);
            assert_eq!(f64::from_index(j).to_index(), j);
        }
    }
}
