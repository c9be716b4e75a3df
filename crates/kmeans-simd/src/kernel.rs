//! The algorithms, written once over [`Vector`]: each `#[target_feature]` entry point in
//! `arch/` instantiates them for its registers. Every function here that touches a vector is
//! `#[inline(always)]`, so the whole chunk kernel is compiled inside that entry point, with its
//! instruction set enabled.
//!
//! A *chunk kernel* handles a run of consecutive points: it writes their labels, returns the
//! inertia of those labels (summed in `f64`: the exact distance to the winner for the scalar
//! and exact kernels, the distance read off the winning score for the dot kernel — see
//! [`dot_chunk`]), and — for a fused iteration — adds each point into its cluster's sum in the
//! same pass, while the point is still in cache. `run.rs` splits the data into chunks and
//! reduces their partial sums.

use kmeans_core::{Points, Scalar};
use num_traits::{Float, Zero};

use crate::pack::{Aligned, Packed};
use crate::vector::{Elem, Vector};

mod dot_rows;
mod dot_two;
mod few_centers;
mod lanes_lloyd;
pub(crate) use dot_rows::{DotRowsJob, dot_rows_chunk};
pub(crate) use dot_two::{DotNearest, DotTwoJob, DotTwoScratch, dot_two_chunk};
pub(crate) use few_centers::{DistJob, LanesJob, PointLanes, coordinates_in_lanes, layout_budget};
pub(crate) use lanes_lloyd::{LanesLloydJob, ShiftedCentroids, group_size as lanes_group_size};

/// A chunk kernel written once over [`Vector`]: each instruction set runs every job through one
/// `#[target_feature]` entry point per float type (`arch/`), which instantiates `run` with its
/// vector type and register tiles — so adding a kernel adds no per-ISA code.
pub(crate) trait Job<T: Elem> {
    /// What the kernel returns.
    type Output;
    /// Run the kernel with vector type `V` and register tiles `S`.
    ///
    /// # Safety
    /// `V`'s instruction set must be available.
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) -> Self::Output;
}

/// An instruction set's register tiles for the dot kernel: [`dot_chunk`] instantiated with its
/// `MR × NV` shapes (const generics cannot come from a trait's constants on stable Rust).
pub(crate) trait Tiles {
    /// [`dot_chunk`] with the tile the centroids were packed for.
    ///
    /// # Safety
    /// `V`'s instruction set must be available.
    unsafe fn dot<V: Vector>(job: DotJob<'_, V::T>) -> f64;
    /// [`dot_two_chunk`] with the tile the centroids were packed for.
    ///
    /// # Safety
    /// `V`'s instruction set must be available.
    unsafe fn dot_two<V: Vector>(job: DotTwoJob<'_, V::T>);
    /// [`dot_rows_chunk`] with the ISA's points × centroids per pass along the rows.
    ///
    /// # Safety
    /// `V`'s instruction set must be available.
    unsafe fn dot_rows<V: Vector>(job: DotRowsJob<'_, V::T>) -> f64;
}

impl<T: Elem> Job<T> for ExactJob<'_, T> {
    type Output = f64;
    #[inline(always)]
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) -> f64 {
        // SAFETY: forwarded from the caller.
        unsafe { exact_chunk::<V>(self) }
    }
}

impl<T: Elem> Job<T> for DotJob<'_, T> {
    type Output = f64;
    #[inline(always)]
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) -> f64 {
        // SAFETY: forwarded from the caller.
        unsafe { S::dot::<V>(self) }
    }
}

/// Where a fused chunk kernel adds its points: `k` rows of sums (in the data's float type, for
/// one chunk only, so they stay accurate) and `k` counts.
///
/// Row `j` starts at `j · stride` ([`sum_stride`]: `d` rounded up to a whole cache line, on a
/// cache-line-aligned buffer), and the padding after its `d` sums is scratch that stays zero:
/// a kernel adds a point with whole aligned vectors — the tail too, as a full-width load and
/// store of the sums plus a masked (zero-filled) load of the point — so no store is masked and
/// none straddles two cache lines (with d = 26 f64, unpadded rows would split most of them).
pub(crate) struct Sums<'a, T> {
    pub sums: &'a mut [T],
    pub stride: usize,
    pub counts: &'a mut [u32],
}

/// Bytes the rows of [`Sums`] are padded and aligned to: a cache line, which is also one
/// AVX-512 register (so a multiple of every ISA's vector).
pub(crate) const LINE_BYTES: usize = 64;

/// The row stride of [`Sums`] for `d` values of `T`: `d` rounded up to a whole cache line.
pub(crate) fn sum_stride<T>(d: usize) -> usize {
    let per_line = LINE_BYTES / std::mem::size_of::<T>();
    d.div_ceil(per_line) * per_line
}

/// Input and output of the exact-difference chunk kernel.
pub(crate) struct ExactJob<'a, T> {
    pub points: Points<'a, T>,
    pub centroids: Points<'a, T>,
    pub labels: &'a mut [u32],
    pub sums: Option<Sums<'a, T>>,
}

/// Input and output of the register-blocked dot-form chunk kernel.
pub(crate) struct DotJob<'a, T> {
    pub points: Points<'a, T>,
    pub packed: &'a Packed<'a, T>,
    pub blocking: Blocking,
    pub labels: &'a mut [u32],
    pub sums: Option<Sums<'a, T>>,
    /// Check the points' values while packing them (see [`ValueCheck`]).
    pub check: Option<&'a ValueCheck<T>>,
}

/// A check of the data's values made while the dot kernel packs the points anyway (the
/// driver's first iteration on data it has not checked): every value's magnitude must be at
/// most `bound`; NaN and ±∞ fail too. `failed` is set when some value does not pass.
pub(crate) struct ValueCheck<T> {
    pub bound: T,
    pub failed: std::sync::atomic::AtomicBool,
}

/// Bytes of packed points per cache block: the block is re-read once per centroid tile, so it
/// must stay in L2 (2 MiB per core here, 1 MiB on older server cores) next to the streaming
/// data. Chosen by `measure --sweep` (interleaved rounds, quiet machine): at n = 10⁶, k = 256,
/// d = 64 f32, blocks of 32 and 128 KiB time alike and 512 KiB is ~3 % slower; 128 KiB keeps
/// the block count low while leaving room on smaller L2s.
pub const PACK_BYTES: usize = 128 * 1024;

/// Bytes of centroid panels per tile: the tile is re-read by every register tile of points
/// in the block, so it should stay in L1d (48 KiB per core here; 32 KiB on older cores):
/// half of the smaller L1 leaves room for the packed points streaming through. The same
/// sweep shows tiles of 8–64 KiB within ~4 % of each other, and register blocking alone
/// (every panel from L2 for every tile) within 2 % of all of them: on this machine the
/// FMA-bound tile hides L2 latency, so cache blocking buys nothing measurable yet. It is kept
/// (and measured, as its own rung) for larger `k·d` and smaller caches.
pub const TILE_BYTES: usize = 16 * 1024;

/// How the dot-form kernel walks the (points × centroids) iteration space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocking {
    /// Register blocking only: one register tile of points at a time against *all* centroid
    /// panels (so with large `k·d` every panel comes from L2 or further for every tile).
    Register,
    /// Cache blocking on top: a block of [`PACK_BYTES`] of points against a tile of
    /// [`TILE_BYTES`] of centroid panels, so the tile is reused from L1 by every register tile
    /// of the block and the block from L2 by every tile.
    Cache,
    /// Explicit sizes, for sweeps: points per block (rounded up to the register tile) and
    /// panels per tile (at least one).
    Custom {
        /// Points per packed block.
        rows: usize,
        /// Centroid panels per tile.
        panels: usize,
    },
}

impl Blocking {
    /// `(points per block, panels per tile)` for a register tile of `mr × nr`, dimension `d`,
    /// `elem`-byte floats and `panels` panels in all.
    pub fn resolve(
        self,
        mr: usize,
        nr: usize,
        d: usize,
        elem: usize,
        panels: usize,
    ) -> (usize, usize) {
        let round = |rows: usize| (rows / mr).max(1) * mr;
        match self {
            Blocking::Register => (mr, panels.max(1)),
            Blocking::Cache => {
                let tile = (TILE_BYTES / (d * nr * elem)).clamp(1, panels.max(1));
                // One tile holds every panel: nothing to reuse across tiles, so a block of
                // one register tile keeps the points in L1 until they are finished.
                let rows = if tile >= panels {
                    mr
                } else {
                    round(PACK_BYTES / (d * elem))
                };
                (rows, tile)
            }
            Blocking::Custom { rows, panels: p } => {
                (rows.div_ceil(mr).max(1) * mr, p.clamp(1, panels.max(1)))
            }
        }
    }
}

/// The lane-wise partial sums of `(x − c)²` over `d` coordinates: vector main loop, then one
/// masked vector for the tail (no scalar loop). Reduce with [`Vector::reduce_add`].
///
/// # Safety
/// `V`'s instruction set must be available; `x` and `c` are valid for `d` reads.
#[inline(always)]
pub(crate) unsafe fn sq_diff<V: Vector>(x: *const V::T, c: *const V::T, d: usize) -> V {
    let lanes = V::LANES;
    let main = d - d % lanes;
    // SAFETY: full loads read `lanes` values at `t + lanes <= main <= d`, the partial loads
    // `d − main` values at `main`; the caller guarantees the ISA.
    unsafe {
        let mut acc = V::splat(V::T::zero());
        let mut t = 0;
        while t < main {
            let diff = V::load(x.add(t)).sub(V::load(c.add(t)));
            acc = diff.fmadd(diff, acc);
            t += lanes;
        }
        if main < d {
            let diff =
                V::load_partial(x.add(main), d - main).sub(V::load_partial(c.add(main), d - main));
            acc = diff.fmadd(diff, acc);
        }
        acc
    }
}

/// [`sq_diff`] of `x` and `c`, and `sums[..d] += x[..d]` as in [`add_row`], in one pass over
/// `x` (for large `d` the point is not in L1 twice).
///
/// # Safety
/// As [`sq_diff`] and [`add_row`]; `sums` does not overlap `x` or `c`.
#[inline(always)]
pub(crate) unsafe fn sq_diff_add<V: Vector>(
    x: *const V::T,
    c: *const V::T,
    sums: *mut V::T,
    d: usize,
) -> V {
    let lanes = V::LANES;
    let main = d - d % lanes;
    // SAFETY: as in `sq_diff` and `add_row`: `x` and `c` are read within their first `d`
    // values, `sums` within its padded row.
    unsafe {
        let mut acc = V::splat(V::T::zero());
        let mut t = 0;
        while t < main {
            let xv = V::load(x.add(t));
            let diff = xv.sub(V::load(c.add(t)));
            acc = diff.fmadd(diff, acc);
            V::load(sums.add(t)).add(xv).store(sums.add(t));
            t += lanes;
        }
        if main < d {
            let n = d - main;
            let xv = V::load_partial(x.add(main), n);
            let diff = xv.sub(V::load_partial(c.add(main), n));
            acc = diff.fmadd(diff, acc);
            V::load(sums.add(main)).add(xv).store(sums.add(main));
        }
        acc
    }
}

/// `sums[..d] += x[..d]`, vectorised; the tail of `x` with a masked load (zeros past `d`)
/// added to a full vector of `sums`, whose padding therefore stays zero (see [`Sums`]).
///
/// # Safety
/// `V`'s instruction set must be available; `sums` is valid for `d` rounded up to `LANES`
/// reads and writes, `x` for `d` reads, and they do not overlap.
#[inline(always)]
pub(crate) unsafe fn add_row<V: Vector>(sums: *mut V::T, x: *const V::T, d: usize) {
    let lanes = V::LANES;
    let main = d - d % lanes;
    // SAFETY: `x` is read within its first `d` values, `sums` within its padded row.
    unsafe {
        let mut t = 0;
        while t < main {
            V::load(sums.add(t))
                .add(V::load(x.add(t)))
                .store(sums.add(t));
            t += lanes;
        }
        if main < d {
            V::load(sums.add(main))
                .add(V::load_partial(x.add(main), d - main))
                .store(sums.add(main));
        }
    }
}

/// Record point `x` (row `i` of the chunk) as a member of cluster `j` at exact squared
/// distance `dist`: label, inertia, and (fused) its cluster's sum and count.
#[inline(always)]
fn record<T: Elem>(
    i: usize,
    x: &[T],
    j: usize,
    labels: &mut [u32],
    sums: &mut Option<Sums<'_, T>>,
    add: impl FnOnce(&mut [T], &[T]),
) {
    labels[i] = j as u32;
    if let Some(s) = sums.as_mut() {
        add(&mut s.sums[j * s.stride..(j + 1) * s.stride], x);
        s.counts[j] += 1;
    }
}

// ANCHOR: scalar_fused
/// The starting rung, no SIMD: for each point, each centroid, `Σ (x − c)²` with one running
/// sum, the running arg-min, then the point is added into its cluster's sum.
pub(crate) fn scalar_chunk<T: Elem>(
    points: Points<'_, T>,
    centroids: Points<'_, T>,
    labels: &mut [u32],
    mut sums: Option<Sums<'_, T>>,
) -> f64 {
    let mut inertia = 0.0f64;
    for (i, x) in points.rows().enumerate() {
        let (mut best, mut best_dist) = (0, T::infinity());
        for (j, c) in centroids.rows().enumerate() {
            let mut dist = T::zero();
            for (&a, &b) in x.iter().zip(c) {
                dist += (a - b) * (a - b);
            }
            if dist < best_dist {
                (best, best_dist) = (j, dist);
            }
        }
        inertia += best_dist.as_f64();
        record(i, x, best, labels, &mut sums, |s, x| {
            s.iter_mut().zip(x).for_each(|(s, &v)| *s += v)
        });
    }
    inertia
}
// ANCHOR_END: scalar_fused

/// Centroids compared per pass over a point's coordinates in [`exact_chunk`]: four
/// independent accumulators hide the FMA latency (4 cycles) that a single running sum waits on.
const EXACT_GROUP: usize = 4;

/// `Σ (x − c_q)²` for `G` centroids at once, vectorised along `d`: one load of each
/// coordinate vector of `x` serves all of them. The same operations in the same order as
/// [`sq_diff`], so a pair's distance does not depend on its group. [`exact_chunk`] runs it on
/// [`EXACT_GROUP`] centroids, the inits' long-row kernel (`few_centers::row_distances`) on up
/// to eight candidates, asking for the data `AHEAD` bytes past each vector of `x` it loads (0:
/// no prefetch); interleaved with the loads, where a burst of prefetches per row measured
/// slower.
///
/// # Safety
/// `V`'s instruction set must be available; `x` and every `c[q]` are valid for `d` reads.
#[inline(always)]
pub(crate) unsafe fn sq_diff_group<V: Vector, const G: usize, const AHEAD: usize>(
    x: *const V::T,
    c: [*const V::T; G],
    d: usize,
) -> [V::T; G] {
    let lanes = V::LANES;
    let main = d - d % lanes;
    // SAFETY: full loads read `lanes` values at `t + lanes <= main <= d`, the partial loads
    // `d − main` values at `main`; the caller guarantees the ISA.
    unsafe {
        let mut acc = [V::splat(V::T::zero()); G];
        let mut t = 0;
        while t < main {
            if AHEAD > 0 {
                prefetch_line(x.wrapping_add(t).cast::<u8>().wrapping_add(AHEAD));
            }
            let xv = V::load(x.add(t));
            for q in 0..G {
                let diff = xv.sub(V::load(c[q].add(t)));
                acc[q] = diff.fmadd(diff, acc[q]);
            }
            t += lanes;
        }
        if main < d {
            let xv = V::load_partial(x.add(main), d - main);
            for q in 0..G {
                let diff = xv.sub(V::load_partial(c[q].add(main), d - main));
                acc[q] = diff.fmadd(diff, acc[q]);
            }
        }
        std::array::from_fn(|q| acc[q].reduce_add())
    }
}

// ANCHOR: exact_chunk
/// SIMD exact differences: the distance `Σ (x − c)²` vectorised along `d`, for one point
/// against [`EXACT_GROUP`] centroids at a time, then a horizontal sum per centroid. Exact
/// (no cancellation), but each vector does a subtract *and* an FMA, and every pair ends in a
/// horizontal sum.
///
/// # Safety
/// `V`'s instruction set must be available.
#[inline(always)]
pub(crate) unsafe fn exact_chunk<V: Vector>(job: ExactJob<'_, V::T>) -> f64 {
    let ExactJob {
        points,
        centroids,
        labels,
        mut sums,
    } = job;
    let (d, k) = (points.d(), centroids.n());
    let mut inertia = 0.0f64;
    for (i, x) in points.rows().enumerate() {
        let (mut best, mut best_dist) = (0, V::T::infinity());
        let mut j = 0;
        while j + EXACT_GROUP <= k {
            let c = std::array::from_fn(|q| centroids.row(j + q).as_ptr());
            // SAFETY: every row holds `d` values; the caller guarantees the ISA.
            let dist = unsafe { sq_diff_group::<V, EXACT_GROUP, 0>(x.as_ptr(), c, d) };
            for q in 0..EXACT_GROUP {
                if dist[q] < best_dist {
                    (best, best_dist) = (j + q, dist[q]);
                }
            }
            j += EXACT_GROUP;
        }
        for j in j..k {
            // SAFETY: the caller guarantees the ISA.
            let dist =
                unsafe { sq_diff::<V>(x.as_ptr(), centroids.row(j).as_ptr(), d).reduce_add() };
            if dist < best_dist {
                (best, best_dist) = (j, dist);
            }
        }
        inertia += best_dist.as_f64();
        // SAFETY: `s` is a padded row of sums (`stride >= d` rounded up to LANES), distinct
        // from the data; the caller guarantees the ISA.
        record(i, x, best, labels, &mut sums, |s, x| unsafe {
            add_row::<V>(s.as_mut_ptr(), x.as_ptr(), d)
        });
    }
    inertia
}
// ANCHOR_END: exact_chunk

/// Per point of [`nearest_two_chunk`]: the position (in its `centers`) of the nearest center,
/// the squared distance to it, and the second-smallest squared distance (∞ with one center).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Nearest<T> {
    pub at: u32,
    pub first: T,
    pub second: T,
}

/// Points per register tile of [`nearest_two_chunk`]: four accumulators and their three
/// running vectors (best, its index, second best) fit AVX-512's 32 registers.
const NEAR_MR: usize = 4;

/// Centers packed for [`nearest_two_chunk`]: coordinate-major panels of `LANES` (padding
/// lanes at +∞, so their distances are +∞: never nearest, and second only when there is no
/// second center), and each panel's lane indices. Packed once per chunk and reused.
#[derive(Default)]
pub(crate) struct NearPanels<T> {
    panels: Vec<T>,
    index: Vec<T>,
    t: usize,
}

impl<T: Elem> NearPanels<T> {
    /// Pack `centers` for vectors of `lanes`.
    pub fn pack(&mut self, centers: Points<'_, T>, lanes: usize) {
        let (t, d) = centers.shape();
        let panels = t.div_ceil(lanes);
        self.panels.clear();
        self.panels.resize(panels * d * lanes, T::infinity());
        for (j, c) in centers.rows().enumerate() {
            let (p, lane) = (j / lanes, j % lanes);
            for (q, &v) in c.iter().enumerate() {
                self.panels[(p * d + q) * lanes + lane] = v;
            }
        }
        self.index.clear();
        self.index.extend((0..panels * lanes).map(T::from_index));
        self.t = t;
    }
}

/// The bounds variants' dense pass: for every point, its nearest center and the two smallest
/// squared distances, by exact differences in the same order as [`DistJob`]'s kernel (so the
/// same values), kept in registers: per panel of `LANES` centers, a running maximum of the
/// negated distances with its index (strictly greater, so the earlier index wins a tie, as in
/// Lloyd's arg-min) and of the losers (the second best); only the `LANES` lanes of each are
/// reduced at the end.
///
/// # Safety
/// `V`'s instruction set must be available; `centers` were packed for `V::LANES` and `d`
/// coordinates; `out` holds `points.n()` values.
#[inline(always)]
pub(crate) unsafe fn nearest_two_chunk<V: Vector>(
    points: Points<'_, V::T>,
    centers: &NearPanels<V::T>,
    out: &mut [Nearest<V::T>],
) {
    let (d, lanes) = (points.d(), V::LANES);
    let panels = centers.t.div_ceil(lanes);
    let mut lane_best = [V::T::zero(); 64];
    let n = points.n();
    let mut i = 0;
    while i < n {
        let mr = NEAR_MR.min(n - i);
        // SAFETY: panel rows are `lanes` values each, `d` rows per panel, `index` holds a
        // vector per panel (the caller packed them so); every point row holds `d` values;
        // the caller guarantees the ISA.
        let (top, at, next) = unsafe {
            let low = V::splat(V::T::neg_infinity());
            let (mut top, mut at, mut next) = (
                [low; NEAR_MR],
                [V::splat(V::T::from_index(0)); NEAR_MR],
                [low; NEAR_MR],
            );
            let x: [*const V::T; NEAR_MR] =
                std::array::from_fn(|r| points.row(i + r.min(mr - 1)).as_ptr());
            for p in 0..panels {
                let panel = centers.panels[p * d * lanes..].as_ptr();
                let mut acc = [V::splat(V::T::zero()); NEAR_MR];
                for c in 0..d {
                    let cv = V::load(panel.add(c * lanes));
                    for r in 0..NEAR_MR {
                        let diff = V::splat(*x[r].add(c)).sub(cv);
                        acc[r] = diff.fmadd(diff, acc[r]);
                    }
                }
                let idx = V::load(centers.index.as_ptr().add(p * lanes));
                for r in 0..NEAR_MR {
                    let s = V::splat(V::T::zero()).sub(acc[r]);
                    // The loser of `s` against the best so far competes for second place.
                    let (_, loser) = s.gt_select(top[r], top[r], s);
                    (next[r], _) = loser.gt_select(next[r], loser, next[r]);
                    (top[r], at[r]) = s.gt_select(top[r], idx, at[r]);
                }
            }
            (top, at, next)
        };
        for r in 0..mr {
            // SAFETY: `lane_best` holds 64 ≥ `lanes` values; the caller guarantees the ISA.
            let (score, j, runner) = unsafe {
                let (score, j) = top[r].argmax_lanes(at[r]);
                // Second overall: the best of the seconds and of the other lanes' firsts
                // (lane `l` only ever holds indices ≡ l mod LANES, so the winner's is j % LANES).
                top[r].store(lane_best.as_mut_ptr());
                lane_best[j % lanes] = V::T::neg_infinity();
                let others = V::load(lane_best.as_ptr());
                let (merged, _) = others.gt_select(next[r], others, next[r]);
                (score, j, merged.argmax_lanes(at[r]).0)
            };
            out[i + r] = Nearest {
                at: j as u32,
                first: -score,
                second: -runner,
            };
        }
        i += mr;
    }
}

// ANCHOR: microkernel
/// The register tile: `MR` packed points (rows of `d`) against one panel of `NR = NV · LANES`
/// centroids. Per coordinate `t`: `NV` vector loads of the panel row, `MR` broadcasts of the
/// points' coordinate, `MR · NV` FMAs into accumulators that never leave registers.
/// Accumulators start at `−‖c′‖²/2`, so they end as `x′·c′ − ‖c′‖²/2 = (‖x′‖² − ‖x′ − c′‖²) /
/// 2`: the largest is the nearest centroid, with no epilogue arithmetic.
///
/// # Safety
/// `a` is valid for `MR` rows of `d` reads, `stride` apart; `b` for `NR · d` reads, `init` for
/// `NR`; `V`'s ISA is available.
#[inline(always)]
unsafe fn microkernel<V: Vector, const MR: usize, const NV: usize>(
    d: usize,
    stride: usize,
    a: *const V::T,
    b: *const V::T,
    init: *const V::T,
) -> [[V; NV]; MR] {
    let (lanes, nr) = (V::LANES, NV * V::LANES);
    // SAFETY: all offsets stay within the ranges the caller guarantees.
    unsafe {
        let start: [V; NV] = std::array::from_fn(|v| V::load(init.add(v * lanes)));
        let mut acc = [start; MR];
        for t in 0..d {
            let bt = b.add(t * nr);
            let cv: [V; NV] = std::array::from_fn(|v| V::load(bt.add(v * lanes)));
            for i in 0..MR {
                let x = V::splat(*a.add(i * stride + t));
                for v in 0..NV {
                    acc[i][v] = x.fmadd(cv[v], acc[i][v]);
                }
            }
        }
        acc
    }
}
// ANCHOR_END: microkernel

/// Pack `rows` points starting at `start` for the register tiles: `x′ = x − μ`, row-major
/// (a vector subtraction per `LANES` coordinates, no transposition: the microkernel broadcasts
/// from each row directly), rows `stride` apart (`d` rounded up to whole vectors: every store
/// is a whole aligned vector, the padding zero), the last tile padded with zero rows whose
/// results are never read. With [`Elem::INERTIA_FROM_SCORE`], while each row is in registers
/// its squares are summed lane-wise over the register tile of `mr` rows: `norms[tile] = Σ
/// ‖x′‖²` of the tile's rows, from which the epilogue reads the inertia off the winning scores.
///
/// With `CHECK`, every value read is also folded into `flags` (see [`ValueCheck`]); without,
/// the check costs nothing.
///
/// # Safety
/// `V`'s instruction set must be available; `out` holds `norms.len() · mr` rows of `stride
/// ≥ d` rounded up to `LANES` values.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn pack_points<V: Vector, const CHECK: bool>(
    points: Points<'_, V::T>,
    (start, rows): (usize, usize),
    mu: &[V::T],
    (out, stride): (&mut [V::T], usize),
    mr: usize,
    norms: &mut [V::T],
    mut flags: Option<&mut CheckFlags<V>>,
) {
    let d = points.d();
    debug_assert!(start + rows <= points.n() && rows <= norms.len() * mr);
    debug_assert!(out.len() >= norms.len() * mr * stride && stride >= d);
    // Raw pointers and plain counted loops: this runs once per point, and slice indexing
    // (bounds checks, re-derived row addresses) cost as much as the vector work at small d.
    // SAFETY: rows `start..start + rows` of the data are valid for `d` reads each; `out` holds
    // `norms.len() · mr` rows of `stride` values (the caller's sizes); the caller guarantees
    // the ISA.
    unsafe {
        let mut x = points.as_slice().as_ptr().add(start * d);
        let mut row = out.as_mut_ptr();
        let (mu, zero) = (mu.as_ptr(), V::splat(V::T::zero()));
        for (tile, norm) in norms.iter_mut().enumerate() {
            let mut sq = zero;
            for r in tile * mr..(tile + 1) * mr {
                if r < rows {
                    // Each row's squares in their own accumulator, then one add: a single
                    // running sum would chain every FMA of the tile on the last one.
                    sq = sq.add(pack_row::<V, CHECK>(x, mu, row, d, flags.as_deref_mut()));
                    x = x.add(d);
                } else {
                    for t in (0..stride).step_by(V::LANES) {
                        zero.store(row.add(t));
                    }
                }
                row = row.add(stride);
            }
            if V::T::INERTIA_FROM_SCORE {
                *norm = sq.reduce_add();
            }
        }
    }
}

/// One row of [`pack_points`]: `out = x − μ` (the tail vector zero past `d`); returns `(x −
/// μ)²` summed lane-wise when [`Elem::INERTIA_FROM_SCORE`] (else zero).
///
/// # Safety
/// `V`'s instruction set must be available; `x` and `mu` are valid for `d` reads, `out` for
/// `d` rounded up to `LANES` writes.
#[inline(always)]
unsafe fn pack_row<V: Vector, const CHECK: bool>(
    x: *const V::T,
    mu: *const V::T,
    out: *mut V::T,
    d: usize,
    mut flags: Option<&mut CheckFlags<V>>,
) -> V {
    let lanes = V::LANES;
    let main = d - d % lanes;
    // SAFETY: full loads at `t + lanes <= main <= d`, partial loads of the `d − main` values
    // at `main`; stores within the padded row; the caller guarantees the ISA.
    unsafe {
        let mut sq = V::splat(V::T::zero());
        let mut t = 0;
        while t < main {
            let raw = V::load(x.add(t));
            if CHECK && let Some(flags) = flags.as_mut() {
                flags.fold(raw);
            }
            let v = raw.sub(V::load(mu.add(t)));
            v.store(out.add(t));
            if V::T::INERTIA_FROM_SCORE {
                sq = v.fmadd(v, sq);
            }
            t += lanes;
        }
        if main < d {
            let n = d - main;
            let raw = V::load_partial(x.add(main), n);
            if CHECK && let Some(flags) = flags.as_mut() {
                flags.fold(raw);
            }
            let v = raw.sub(V::load_partial(mu.add(main), n));
            v.store(out.add(main));
            if V::T::INERTIA_FROM_SCORE {
                sq = v.fmadd(v, sq);
            }
        }
        sq
    }
}

// ANCHOR: dot_chunk
/// The register- and cache-blocked dot form (a GEMM-like microkernel with the arg-min fused):
/// for each block of points (packed, shifted), for each tile of centroid panels, for each
/// register tile of `MR` points, for each panel in the tile: [`microkernel`], then a lane-wise
/// running arg-max per point kept in a small buffer. The `n × k` matrix of distances never
/// exists. After the last panel of a register tile its points' lanes are reduced to their
/// labels ([`finish_tile`]); at the end of the block (fused) each point is added to its
/// cluster's sum, and in `f32` its exact distance to the winner computed in the same pass.
///
/// The per-point work is what the FMAs leave at small `k·d` (at the slides' k = d = 26 about
/// half the time), so it is kept lean: rows of packed points and of cluster sums padded to
/// whole aligned vectors (no masked or cache-line-splitting stores), raw pointers, no
/// dependency chains through a tile; `MEASUREMENTS.md` has what each change measured.
///
/// **The inertia.** With [`Elem::INERTIA_FROM_SCORE`] (`f64`) each distance is read off the
/// winning score, `‖x′‖² − 2·(x′·c′ − ‖c′‖²/2) = ‖x′ − c′‖²`, with `‖x′‖²` summed while the
/// points are packed: no second pass over `d` per point. That distance carries the dot form's
/// rounding — about `d·ε·(‖x′‖² + ‖c′‖²)` with the *shifted* norms, inside the conformance
/// kit's `DotProduct` inertia slack — instead of the exact form's `d·ε·‖x − c‖²`; in `f64`
/// the measured relative error of the inertia stays ≤ 10⁻⁹ even for clusters 10⁴ times tighter
/// than their spacing (`measure --precision`). `f32` recomputes `Σ (x − c)²` for the winner
/// (there the score's rounding would cost tight clusters up to 10⁻¹ of their inertia). Either
/// way the inertia is summed in `f64` register tile by register tile, in point order, so it
/// is the same for any blocking and any thread count.
///
/// # Safety
/// `V`'s instruction set must be available; `job.packed` must be packed with `nr = NV · LANES`
/// (asserted).
#[inline(always)]
pub(crate) unsafe fn dot_chunk<V: Vector, const MR: usize, const NV: usize>(
    job: DotJob<'_, V::T>,
) -> f64 {
    let DotJob {
        points,
        packed,
        blocking,
        labels,
        mut sums,
        check,
    } = job;
    let (lanes, nr) = (V::LANES, NV * V::LANES);
    // SAFETY: the caller guarantees the ISA.
    let mut flags = unsafe { CheckFlags::<V>::new(check.map(|c| c.bound)) };
    assert_eq!(packed.nr, nr, "centroids packed for another register tile");
    let (n, d) = points.shape();
    assert!(labels.len() == n && packed.centroids.d() == d);
    let elem = std::mem::size_of::<V::T>();
    let (block_rows, tile_panels) = blocking.resolve(MR, nr, d, elem, packed.panels);
    let block_rows = block_rows.min(n.div_ceil(MR) * MR);
    // Packed rows padded to whole vectors and aligned, so packing stores whole aligned
    // vectors (the padding stays zero) and none straddles two cache lines.
    let stride = d.div_ceil(lanes) * lanes;
    let mut a = Aligned::<V::T>::zeros(block_rows * stride);
    let a = a.as_mut_slice();
    // Each point's running maximum and its index, lane-wise, from panel to panel.
    let mut best = Aligned::<V::T>::zeros(block_rows * lanes);
    let best = best.as_mut_slice();
    let mut best_idx = Aligned::<V::T>::zeros(block_rows * lanes);
    let best_idx = best_idx.as_mut_slice();
    let mut norms = vec![V::T::zero(); block_rows / MR];
    let mut inertia = 0.0f64;
    for start in (0..n).step_by(block_rows) {
        let rows = block_rows.min(n - start);
        let tiles = rows.div_ceil(MR);
        let out = (&mut a[..tiles * MR * stride], stride);
        // SAFETY: the caller guarantees the ISA; `a` holds `tiles · MR` rows of `stride`.
        unsafe {
            match flags.as_mut() {
                None => pack_points::<V, false>(
                    points,
                    (start, rows),
                    &packed.mu,
                    out,
                    MR,
                    &mut norms[..tiles],
                    None,
                ),
                Some(flags) => pack_points::<V, true>(
                    points,
                    (start, rows),
                    &packed.mu,
                    out,
                    MR,
                    &mut norms[..tiles],
                    Some(flags),
                ),
            }
        };
        // The next block's rows, spread over this block's register tiles: packing reads each
        // row from wherever the data is, and the hardware prefetcher, which stops at every
        // 4 KiB page, had left ~10 % of a 10⁵ × 32 f32 iteration waiting there.
        let next_start = (start + rows).min(n);
        let next = &points.as_slice()[next_start * d..(next_start + rows).min(n) * d];
        let lines_per_tile = std::mem::size_of_val(next).div_ceil(CACHE_LINE * tiles);
        for tile_start in (0..packed.panels).step_by(tile_panels) {
            let tile_end = (tile_start + tile_panels).min(packed.panels);
            for tile in 0..tiles {
                if tile_start == 0 && lines_per_tile <= MAX_PREFETCH_LINES {
                    prefetch_lines(next, tile * lines_per_tile, lines_per_tile);
                }
                // SAFETY: `a` holds `tiles · MR` packed rows of `stride ≥ d`, each panel
                // `d · nr` values, `init`/`idx` `nr` per panel, `best`/`best_idx` `lanes` per
                // row of the block; the caller guarantees the ISA.
                unsafe {
                    let at = a.as_ptr().add(tile * MR * stride);
                    let bv = best.as_mut_ptr().add(tile * MR * lanes);
                    let bi = best_idx.as_mut_ptr().add(tile * MR * lanes);
                    for p in tile_start..tile_end {
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
                        // Point by point, so that only one point's running maximum is live
                        // next to the accumulators (all of them at once would not fit in the
                        // registers): the first panel starts from −∞ (index 0), later ones
                        // continue from the running maxima stored by the earlier ones.
                        for i in 0..MR {
                            let (mut top, mut arg) = if p == 0 {
                                (
                                    V::splat(V::T::neg_infinity()),
                                    V::splat(V::T::from_index(0)),
                                )
                            } else {
                                (V::load(bv.add(i * lanes)), V::load(bi.add(i * lanes)))
                            };
                            for v in 0..NV {
                                (top, arg) = acc[i][v].gt_select(top, idx[v], arg);
                            }
                            top.store(bv.add(i * lanes));
                            arg.store(bi.add(i * lanes));
                        }
                    }
                }
                if tile_end == packed.panels {
                    // SAFETY: as above; labels `start + r < n` for `r < rows`; every index in
                    // `packed.idx` is `< k` (padding lanes carry index 0).
                    inertia += unsafe {
                        finish_tile::<V>(
                            (best, best_idx),
                            (tile * MR, (tile * MR + MR).min(rows)),
                            norms[tile],
                            &mut labels[start..],
                        )
                    };
                }
            }
        }
        // SAFETY: the block's labels were just written (each `< k`); rows `start..start + rows`
        // are within the chunk; the caller guarantees the ISA.
        inertia += unsafe {
            add_block::<V>(
                points,
                packed.centroids,
                (start, rows),
                &labels[start..start + rows],
                sums.as_mut(),
                MR,
            )
        };
    }
    if let (Some(check), Some(flags)) = (check, flags) {
        // SAFETY: the caller guarantees the ISA.
        if unsafe { flags.failed() } {
            check
                .failed
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    inertia.max(0.0)
}

/// The most lines a register tile asks [`prefetch_lines`] for. Short rows (10⁵ × 32: 24 lines
/// per tile) gain from the hint, which the hardware prefetcher's stop at each 4 KiB page would
/// otherwise leave waiting; long rows stream well without it, and a burst of a thousand
/// prefetches (60 000 × 784, k = 10: the next 24 rows, 1176 lines, per tile) stalled on full
/// fill buffers before the tile's FMAs: 35 % of the samples, and 12 % of the iteration.
const MAX_PREFETCH_LINES: usize = 64;

/// Bytes of a cache line on every x86-64 (the unit of [`prefetch_lines`]).
const CACHE_LINE: usize = 64;

/// Ask for cache lines `first .. first + count` of `data` to be brought into L2 ahead of their
/// use (lines past the end of `data` are skipped). A hint: it never faults and changes no
/// result; on other architectures it does nothing.
#[inline(always)]
fn prefetch_lines<T>(data: &[T], first: usize, count: usize) {
    let lines = std::mem::size_of_val(data).div_ceil(CACHE_LINE);
    let base = data.as_ptr().cast::<u8>();
    for line in first..(first + count).min(lines) {
        // Inside `data`: `line · CACHE_LINE` is below its size.
        let at = base.wrapping_add(line * CACHE_LINE);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint that never faults and loads nothing into the program;
        // SSE, which has it, is part of every x86-64.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(at.cast());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = at;
    }
}

/// Ask for the cache line holding `at` to be brought into L1 ahead of its use. A hint: it
/// never faults (`at` may be past the data) and changes no result; on other architectures it
/// does nothing.
#[inline(always)]
pub(crate) fn prefetch_line<T>(at: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults and loads nothing into the program; SSE,
    // which has it, is part of every x86-64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// The lane-wise state of a [`ValueCheck`] while packing: where a value was above the bound or
/// below its negative, and a sum of `value · 0`, which only a NaN or ±∞ makes NaN.
#[derive(Clone, Copy)]
pub(crate) struct CheckFlags<V> {
    bound: V,
    over: V,
    nan: V,
}

impl<V: Vector> CheckFlags<V> {
    /// Flags for `bound`, or `None` when nothing is checked.
    ///
    /// # Safety
    /// `V`'s instruction set must be available.
    #[inline(always)]
    unsafe fn new(bound: Option<V::T>) -> Option<Self> {
        // SAFETY: the caller guarantees the ISA.
        bound.map(|b| unsafe {
            let zero = V::splat(V::T::zero());
            Self {
                bound: V::splat(b),
                over: zero,
                nan: zero,
            }
        })
    }

    /// Fold the values of `x` (lanes past the row are zero, which pass) into the flags.
    ///
    /// # Safety
    /// `V`'s instruction set must be available.
    #[inline(always)]
    unsafe fn fold(&mut self, x: V) {
        // SAFETY: the caller guarantees the ISA.
        unsafe {
            let (zero, one) = (V::splat(V::T::zero()), V::splat(V::T::of_f64(1.0)));
            (_, self.over) = x.gt_select(self.bound, one, self.over);
            (_, self.over) = zero.sub(x).gt_select(self.bound, one, self.over);
            self.nan = x.fmadd(zero, self.nan);
        }
    }

    /// Whether some folded value failed.
    ///
    /// # Safety
    /// `V`'s instruction set must be available.
    #[inline(always)]
    unsafe fn failed(&self) -> bool {
        // SAFETY: the caller guarantees the ISA.
        unsafe { self.over.reduce_max() > V::T::zero() || self.nan.reduce_add().is_nan() }
    }
}

/// The end of a block of [`dot_chunk`] (and of a chunk of the lanes kernel): the fused update
/// (each point added to its cluster's sum), and where the score's rounding is too coarse
/// (`f32`) the exact distance to the winner, summed lane-wise over each run of `run` points
/// (the dot kernel's register tile: the grouping of `finish_tile`) and then in `f64`, in one
/// pass over each point. Returns the block's inertia from exact distances (0 when the scores
/// supplied it). A block starts a run.
///
/// # Safety
/// `V`'s instruction set must be available; `labels` holds at least `rows` labels, each `<
/// centroids.n()`; rows `start .. start + rows` exist in `points`; a row of `sums` holds
/// `stride` (≥ `d` rounded up to whole vectors) values.
#[inline(always)]
pub(crate) unsafe fn add_block<V: Vector>(
    points: Points<'_, V::T>,
    centroids: Points<'_, V::T>,
    (start, rows): (usize, usize),
    labels: &[u32],
    mut sums: Option<&mut Sums<'_, V::T>>,
    run: usize,
) -> f64 {
    assert!(run > 0, "a run holds at least one point");
    let exact = !V::T::INERTIA_FROM_SCORE;
    let mut inertia = 0.0f64;
    if !exact && sums.is_none() {
        return inertia;
    }
    let d = points.d();
    // SAFETY: every label is `< k` and `start + r < n`; rows of the data and the centroids are
    // valid for `d` reads, a padded row of `sums` (a separate buffer) for `stride` writes; the
    // caller guarantees the ISA.
    unsafe {
        let mut x = points.as_slice().as_ptr().add(start * d);
        let cs = centroids.as_slice().as_ptr();
        let mut tile_sum = V::splat(V::T::zero());
        // Points left in the current run (a countdown: `run` is not known when compiling).
        let mut left = run;
        for r in 0..rows {
            let j = *labels.get_unchecked(r) as usize;
            let c = cs.add(j * d);
            match sums.as_mut() {
                Some(s) => {
                    *s.counts.get_unchecked_mut(j) += 1;
                    let row = s.sums.as_mut_ptr().add(j * s.stride);
                    if exact {
                        tile_sum = tile_sum.add(sq_diff_add::<V>(x, c, row, d));
                    } else {
                        add_row::<V>(row, x, d);
                    }
                }
                None => tile_sum = tile_sum.add(sq_diff::<V>(x, c, d)),
            }
            left -= 1;
            if exact && (left == 0 || r + 1 == rows) {
                inertia += tile_sum.reduce_add().as_f64();
                tile_sum = V::splat(V::T::zero());
            }
            if left == 0 {
                left = run;
            }
            x = x.add(d);
        }
    }
    inertia
}
// ANCHOR_END: dot_chunk

/// The end of a register tile in [`dot_chunk`]: for block rows `rows.0..rows.1`, each point's
/// lanes (`best`/`best_idx`) reduced to its label — the largest score, the lowest index on a
/// tie (as within a lane) — written to `labels[r]`. Returns the tile's share of the inertia
/// read off the scores, `norm − 2·Σ score` in `f64`, with [`Elem::INERTIA_FROM_SCORE`] (else
/// 0: the exact distances are summed with the update, see [`dot_chunk`]).
///
/// A loop of its own, apart from the accumulators of the microkernel, which would otherwise be
/// spilled (a loop over points cannot index registers).
///
/// # Safety
/// `V`'s instruction set must be available; `best`/`best_idx` hold `lanes` values per row up
/// to `rows.1`, each index `< k`; `labels` is longer than `rows.1`. The indices stay `< k`
/// even for data not yet checked (NaN scores): each lane's maximum starts at −∞ with index 0
/// and only moves to a score that compares strictly greater, with that score's own index.
#[inline(always)]
unsafe fn finish_tile<V: Vector>(
    (best, best_idx): (&[V::T], &[V::T]),
    rows: (usize, usize),
    norm: V::T,
    labels: &mut [u32],
) -> f64 {
    let lanes = V::LANES;
    // SAFETY: the caller's guarantees, as documented.
    unsafe {
        let mut scores = 0.0f64;
        for r in rows.0..rows.1 {
            let (score, j) = V::load(best.as_ptr().add(r * lanes))
                .argmax_lanes(V::load(best_idx.as_ptr().add(r * lanes)));
            *labels.get_unchecked_mut(r) = j as u32;
            scores += score.as_f64();
        }
        if V::T::INERTIA_FROM_SCORE {
            norm.as_f64() - 2.0 * scores
        } else {
            0.0
        }
    }
}
