//! The dot-form nearest two: the bounds variants' dense pass on Lloyd's register tile.
//!
//! For each listed point, the nearest centroid and the second-best *score* `x′·c′ − ‖c′‖²/2`
//! (the same [`microkernel`] over the same packed panels as [`dot_chunk`], so the winner is
//! Lloyd's winner, ties included), plus `‖x′‖²`: the squared distances are `‖x′‖² − 2·score`.
//! Next to [`dot_chunk`]'s running arg-max each lane also keeps the best of the scores it
//! beat (the runner-up), which costs two selections per vector of scores — nothing next to
//! the `d` FMAs per vector of the tile. The exact-difference [`nearest_two_chunk`] does a
//! subtraction *and* an FMA per coordinate pair with far fewer points per register tile;
//! this pass runs at the dot kernel's speed.
//!
//! The scores carry the dot form's rounding; [`DotNearest::lower_sq`] turns the runner-up's
//! into a *lower bound* on the distance to every other centroid that stays on its safe side
//! whatever the rounding (see there). The winner's distance is not read off its score: the
//! caller computes it exactly.
//!
//! [`nearest_two_chunk`]: super::nearest_two_chunk

use kmeans_core::{Points, Scalar};
use num_traits::{Float, Zero};

use super::{Tiles, microkernel, pack_row};
use crate::kernel::Job;
use crate::pack::{Aligned, Packed};
use crate::vector::{Elem, Vector};

/// Per listed point: its nearest centroid (Lloyd's dot-form winner), the second-best score
/// and `‖x′‖²` (both in the data's type).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct DotNearest<T> {
    pub at: u32,
    pub second: T,
    pub norm: T,
}

impl<T: Scalar> DotNearest<T> {
    /// A lower bound on the squared distance to every centroid but the winner (+∞ with one
    /// centroid), from the runner-up's score less the worst-case rounding of the dot form.
    ///
    /// `x′ = fl(x − μ)` and `c′ = fl(c − μ)` each move a coordinate by at most `ε` of itself,
    /// so the distance moves by at most `ε·(‖x′‖ + ‖c′‖)`; the score's FMA chain of `d + 1`
    /// terms (from `−‖c′‖²/2`, itself rounded) errs by at most `γ_{d+2}·(‖x′‖‖c′‖ + ‖c′‖²/2)`
    /// and `‖x′‖²` by `γ_d·‖x′‖²`. Altogether the computed square is within `(d + 5)·ε·(‖x′‖ +
    /// ‖c′‖)² ≤ 2·(d + 5)·ε·(‖x′‖² + ‖c′‖²)` of the true one (to first order); `max_c` is the
    /// largest `‖c′‖²` of the centroids, and the margin taken is twice that bound. Data far
    /// from the centroids' median widens the margin (more points survive the next bounds
    /// test), but never makes the bound wrong.
    #[inline]
    pub fn lower_sq(&self, d: usize, max_c: f64) -> f64 {
        let norm = self.norm.as_f64();
        let second = norm - 2.0 * self.second.as_f64();
        let slack = 4.0 * (d + 5) as f64 * T::epsilon().as_f64() * (norm + max_c);
        (second - slack).max(0.0)
    }
}

/// Input and output of [`dot_two_chunk`]: rows `rows` of `points` (indices into it, any
/// order), the centroids packed for the ISA's tile, one [`DotNearest`] per listed row, and
/// the reusable packing buffers.
pub(crate) struct DotTwoJob<'a, T> {
    pub points: Points<'a, T>,
    pub rows: &'a [usize],
    pub packed: &'a Packed<'a, T>,
    pub out: &'a mut [DotNearest<T>],
    pub scratch: &'a mut DotTwoScratch<T>,
}

/// The packing buffers of [`dot_two_chunk`], kept by the caller so that the steady state
/// allocates nothing: packed rows; per row and lane the best score, its index and the
/// runner-up; per row `‖x′‖²`.
#[derive(Debug)]
pub(crate) struct DotTwoScratch<T> {
    a: Aligned<T>,
    top: Aligned<T>,
    arg: Aligned<T>,
    next: Aligned<T>,
    norms: Vec<T>,
}

impl<T> Default for DotTwoScratch<T> {
    fn default() -> Self {
        Self {
            a: Aligned::empty(),
            top: Aligned::empty(),
            arg: Aligned::empty(),
            next: Aligned::empty(),
            norms: Vec::new(),
        }
    }
}

impl<T: Elem> DotTwoScratch<T> {
    /// Room for `rows` packed rows of `stride` values, `lanes` per row in the running
    /// buffers.
    fn reserve(&mut self, rows: usize, stride: usize, lanes: usize) {
        fn at_least<T: Elem>(b: &mut Aligned<T>, len: usize) {
            if b.as_slice().len() < len {
                *b = Aligned::zeros(len);
            }
        }
        at_least(&mut self.a, rows * stride);
        for b in [&mut self.top, &mut self.arg, &mut self.next] {
            at_least(b, rows * lanes);
        }
        self.norms.resize(rows, T::zero());
    }
}

impl<T: Elem> Job<T> for DotTwoJob<'_, T> {
    type Output = ();
    #[inline(always)]
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) {
        // SAFETY: forwarded from the caller.
        unsafe { S::dot_two::<V>(self) }
    }
}

/// Rows packed per block: the block is re-read once per panel, so it stays in L2 (as
/// [`dot_chunk`]'s cache block, without its centroid tiling: survivors are few).
const BLOCK_BYTES: usize = 64 * 1024;

/// See the module docs.
///
/// # Safety
/// `V`'s instruction set must be available; `job.packed` was packed with `nr = NV · LANES`
/// (asserted); every listed row is `< points.n()`; `out` holds a value per listed row.
#[inline(always)]
pub(crate) unsafe fn dot_two_chunk<V: Vector, const MR: usize, const NV: usize>(
    job: DotTwoJob<'_, V::T>,
) {
    let DotTwoJob {
        points,
        rows,
        packed,
        out,
        scratch,
    } = job;
    let (lanes, nr) = (V::LANES, NV * V::LANES);
    assert_eq!(packed.nr, nr, "centroids packed for another register tile");
    if rows.is_empty() {
        return;
    }
    let d = points.d();
    assert!(packed.centroids.d() == d && out.len() >= rows.len());
    assert!(rows.iter().all(|&i| i < points.n()));
    let stride = d.div_ceil(lanes) * lanes;
    let elem = std::mem::size_of::<V::T>();
    let block = (BLOCK_BYTES / (stride * elem)).max(1).div_ceil(MR) * MR;
    let block = block.min(rows.len().div_ceil(MR) * MR);
    scratch.reserve(block, stride, lanes);
    let DotTwoScratch {
        a,
        top,
        arg,
        next,
        norms,
    } = scratch;
    let (a, top, arg, next) = (
        a.as_mut_slice(),
        top.as_mut_slice(),
        arg.as_mut_slice(),
        next.as_mut_slice(),
    );
    for (b, listed) in rows.chunks(block).enumerate() {
        let tiles = listed.len().div_ceil(MR);
        // SAFETY: every listed row holds `d` values; `a` holds `block ≥ tiles · MR` rows of
        // `stride ≥ d` (whole vectors); the caller guarantees the ISA.
        unsafe {
            let zero = V::splat(V::T::zero());
            for r in 0..tiles * MR {
                let row = a.as_mut_ptr().add(r * stride);
                match listed.get(r) {
                    Some(&i) => {
                        pack_row::<V, false>(
                            points.row(i).as_ptr(),
                            packed.mu.as_ptr(),
                            row,
                            d,
                            None,
                        );
                        norms[r] = norm_of::<V>(row, stride);
                    }
                    None => {
                        for t in (0..stride).step_by(lanes) {
                            zero.store(row.add(t));
                        }
                    }
                }
            }
        }
        for tile in 0..tiles {
            // SAFETY: `a` holds `tiles · MR` packed rows of `stride ≥ d`; each panel `d · nr`
            // values, `init`/`idx` `nr` per panel; `top`/`arg`/`next` `lanes` per block row;
            // the caller guarantees the ISA.
            unsafe {
                let at = a.as_ptr().add(tile * MR * stride);
                let (tv, ti, tn) = (
                    top.as_mut_ptr().add(tile * MR * lanes),
                    arg.as_mut_ptr().add(tile * MR * lanes),
                    next.as_mut_ptr().add(tile * MR * lanes),
                );
                for p in 0..packed.panels {
                    let acc = microkernel::<V, MR, NV>(
                        d,
                        stride,
                        at,
                        packed.panel(p).as_ptr(),
                        packed.init.as_ptr().add(p * nr),
                    );
                    let idx: [V; NV] = std::array::from_fn(|v| {
                        V::load(packed.idx.as_ptr().add(p * nr + v * lanes))
                    });
                    for i in 0..MR {
                        let low = V::splat(V::T::neg_infinity());
                        let (mut best, mut best_at, mut runner) = if p == 0 {
                            (low, V::splat(V::T::from_index(0)), low)
                        } else {
                            (
                                V::load(tv.add(i * lanes)),
                                V::load(ti.add(i * lanes)),
                                V::load(tn.add(i * lanes)),
                            )
                        };
                        for v in 0..NV {
                            let s = acc[i][v];
                            // Whichever of `s` and the best loses competes for second place.
                            let (_, loser) = s.gt_select(best, best, s);
                            (runner, _) = loser.gt_select(runner, loser, runner);
                            (best, best_at) = s.gt_select(best, idx[v], best_at);
                        }
                        best.store(tv.add(i * lanes));
                        best_at.store(ti.add(i * lanes));
                        runner.store(tn.add(i * lanes));
                    }
                }
            }
            for r in tile * MR..(tile * MR + MR).min(listed.len()) {
                // SAFETY: `top`/`arg`/`next` hold `lanes` values for block row `r`; the caller
                // guarantees the ISA.
                let (j, second) = unsafe {
                    let best = V::load(top.as_ptr().add(r * lanes));
                    let best_at = V::load(arg.as_ptr().add(r * lanes));
                    let (score, j) = best.argmax_lanes(best_at);
                    // Second overall: the best of the other lanes' bests and of the winning
                    // lane's runner-up. Lanes whose best equals the winning score (the
                    // winner's, and any lane tied with it) offer their runner-up instead, so
                    // a tie across lanes yields a second best below the true one: a looser
                    // lower bound, never a wrong one.
                    let runner = V::load(next.as_ptr().add(r * lanes));
                    let (_, others) = V::splat(score).gt_select(best, best, runner);
                    (j, others.reduce_max())
                };
                out[b * block + r] = DotNearest {
                    at: j as u32,
                    second,
                    norm: norms[r],
                };
            }
        }
    }
}

/// `‖row‖²` of a packed row (`stride` values, zero past `d`), summed lane-wise then reduced.
///
/// # Safety
/// `V`'s instruction set must be available; `row` is valid for `stride` reads, a multiple of
/// `LANES`.
#[inline(always)]
unsafe fn norm_of<V: Vector>(row: *const V::T, stride: usize) -> V::T {
    // SAFETY: whole vectors within the row; the caller guarantees the ISA.
    unsafe {
        let mut sq = V::splat(V::T::zero());
        for t in (0..stride).step_by(V::LANES) {
            let v = V::load(row.add(t));
            sq = v.fmadd(v, sq);
        }
        sq.reduce_add()
    }
}
