//! The portable fallback: the same algorithm with one float per "register". It runs on every
//! CPU (and is what non-x86-64 targets get until a NEON module lands).

use crate::kernel::{self, DotJob, DotTwoJob, Job, Tiles};
use crate::vector::{Elem, Vector};

/// One float as a one-lane vector.
#[derive(Clone, Copy, Debug)]
pub(crate) struct One<T>(T);

impl<T: Elem> Vector for One<T> {
    type T = T;
    const LANES: usize = 1;
    const REGISTERS: usize = 16;

    #[inline(always)]
    unsafe fn splat(x: T) -> Self {
        One(x)
    }
    #[inline(always)]
    unsafe fn load(p: *const T) -> Self {
        // SAFETY: the caller guarantees `p` is valid for reading one value.
        One(unsafe { p.read_unaligned() })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut T) {
        // SAFETY: the caller guarantees `p` is valid for writing one value.
        unsafe { p.write_unaligned(self.0) }
    }
    #[inline(always)]
    unsafe fn load_partial(_: *const T, _: usize) -> Self {
        // One lane: a partial vector is empty.
        One(T::zero())
    }
    #[inline(always)]
    unsafe fn add(self, b: Self) -> Self {
        One(self.0 + b.0)
    }
    #[inline(always)]
    unsafe fn sub(self, b: Self) -> Self {
        One(self.0 - b.0)
    }
    #[inline(always)]
    unsafe fn fmadd(self, b: Self, c: Self) -> Self {
        // `mul_add` would call libm's software fma on CPUs without the instruction: far slower
        // than the two roundings it saves. The portable path is for portability, not precision.
        One(self.0 * b.0 + c.0)
    }
    #[inline(always)]
    unsafe fn gt_select(self, best: Self, idx: Self, best_idx: Self) -> (Self, Self) {
        if self.0 > best.0 {
            (self, idx)
        } else {
            (best, best_idx)
        }
    }
    #[inline(always)]
    unsafe fn reduce_add(self) -> T {
        self.0
    }
    #[inline(always)]
    unsafe fn reduce_max(self) -> T {
        self.0
    }
    #[inline(always)]
    unsafe fn argmax_lanes(self, idx: Self) -> (T, usize) {
        (self.0, idx.0.to_index())
    }
}

/// Points per register tile: 4 × 4 scalar accumulators fill x86-64's 16 baseline registers.
pub(crate) const MR: usize = 4;
/// Centroid "vectors" (of one lane) per register tile.
pub(crate) const NV: usize = 4;

/// Centroids per pass of the row kernel ([`kernel::dot_rows_chunk`], two points at a time):
/// 2 × 4 scalar accumulators within x86-64's 16 baseline registers.
pub(crate) const ROWS_KB: usize = 4;

/// The portable register tile.
struct Tile;

impl Tiles for Tile {
    #[inline(always)]
    unsafe fn dot<V: Vector>(job: DotJob<'_, V::T>) -> f64 {
        // SAFETY: forwarded; `job` was built for this kernel's panel width `MR`/`NV` by the
        // dispatcher (checked again inside `dot_chunk`).
        unsafe { kernel::dot_chunk::<V, MR, NV>(job) }
    }
    #[inline(always)]
    unsafe fn dot_two<V: Vector>(job: DotTwoJob<'_, V::T>) {
        // SAFETY: as `dot`.
        unsafe { kernel::dot_two_chunk::<V, MR, NV>(job) }
    }
    #[inline(always)]
    unsafe fn dot_rows<V: Vector>(job: kernel::DotRowsJob<'_, V::T>) -> f64 {
        // SAFETY: forwarded from the caller.
        unsafe { kernel::dot_rows_chunk::<V, 2, ROWS_KB>(job) }
    }
}

/// Run a chunk kernel with the portable one-lane "vectors".
pub(crate) fn run<T: Elem, J: Job<T>>(job: J) -> J::Output {
    // SAFETY: `One<T>` uses only plain Rust arithmetic: no instruction-set requirement.
    unsafe { job.run::<One<T>, Tile>() }
}
