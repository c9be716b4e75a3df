//! The algorithms, written once over [`Vector`]: each `#[target_feature]` entry point in
//! `arch/` instantiates them for its registers. Every function here that touches a vector is
//! `#[inline(always)]`, so the whole chunk kernel is compiled inside that entry point, with its
//! instruction set enabled.
//!
//! A *chunk kernel* handles a run of consecutive points: it writes their labels, returns the
//! inertia of those labels (exact distance to the winner, summed in `f64`), and — for a fused
//! iteration — adds each point into its cluster's sum in the same pass, while the point is
//! still in cache. `run.rs` splits the data into chunks and reduces their partial sums.

use kmeans_core::{Points, Scalar};
use num_traits::{Float, Zero};

use crate::pack::Packed;
use crate::vector::{Elem, Vector};

/// Where a fused chunk kernel adds its points: `k × d` sums (in the data's float type, for one
/// chunk only, so they stay accurate) and `k` counts.
pub(crate) struct Sums<'a, T> {
    pub sums: &'a mut [T],
    pub counts: &'a mut [u32],
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
unsafe fn sq_diff<V: Vector>(x: *const V::T, c: *const V::T, d: usize) -> V {
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

/// [`sq_diff`] of `x` and `c`, and `sums[..d] += x[..d]`, in one pass over `x` (the fused
/// update reads each point once).
///
/// # Safety
/// As [`sq_diff`] and [`add_row`]; `sums` does not overlap `x` or `c`.
#[inline(always)]
unsafe fn sq_diff_add<V: Vector>(x: *const V::T, c: *const V::T, sums: *mut V::T, d: usize) -> V {
    let lanes = V::LANES;
    let main = d - d % lanes;
    // SAFETY: as in `sq_diff`: every access is within the first `d` values of each row.
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
            V::load_partial(sums.add(main), n)
                .add(xv)
                .store_partial(sums.add(main), n);
        }
        acc
    }
}

/// `sums[..d] += x[..d]`, vectorised, the tail with a masked load and store.
///
/// # Safety
/// `V`'s instruction set must be available; `sums` is valid for `d` reads and writes, `x`
/// for `d` reads, and they do not overlap.
#[inline(always)]
unsafe fn add_row<V: Vector>(sums: *mut V::T, x: *const V::T, d: usize) {
    let lanes = V::LANES;
    let main = d - d % lanes;
    // SAFETY: as in `sq_diff`: every access is within the first `d` values.
    unsafe {
        let mut t = 0;
        while t < main {
            V::load(sums.add(t))
                .add(V::load(x.add(t)))
                .store(sums.add(t));
            t += lanes;
        }
        if main < d {
            let n = d - main;
            V::load_partial(sums.add(main), n)
                .add(V::load_partial(x.add(main), n))
                .store_partial(sums.add(main), n);
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
        let d = x.len();
        add(&mut s.sums[j * d..(j + 1) * d], x);
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

// ANCHOR: exact_chunk
/// SIMD exact differences: the distance `Σ (x − c)²` vectorised along `d`, for one point
/// against [`EXACT_GROUP`] centroids at a time, then a horizontal sum per centroid. Exact
/// (no cancellation), but each vector does a subtract *and* an FMA, the tail of `d` that does
/// not fill a vector is scalar, and every pair ends in a horizontal sum.
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
    let (d, k, lanes) = (points.d(), centroids.n(), V::LANES);
    let main = d - d % lanes;
    let mut inertia = 0.0f64;
    for (i, x) in points.rows().enumerate() {
        let (mut best, mut best_dist) = (0, V::T::infinity());
        let mut j = 0;
        while j + EXACT_GROUP <= k {
            let c: [&[V::T]; EXACT_GROUP] = std::array::from_fn(|q| centroids.row(j + q));
            // SAFETY: as in `sq_diff` (the same operations in the same order, so a pair's
            // distance does not depend on its group); the caller guarantees the ISA.
            let dist: [V::T; EXACT_GROUP] = unsafe {
                let mut acc = [V::splat(V::T::zero()); EXACT_GROUP];
                let mut t = 0;
                while t < main {
                    let xv = V::load(x.as_ptr().add(t));
                    for q in 0..EXACT_GROUP {
                        let diff = xv.sub(V::load(c[q].as_ptr().add(t)));
                        acc[q] = diff.fmadd(diff, acc[q]);
                    }
                    t += lanes;
                }
                if main < d {
                    let xv = V::load_partial(x.as_ptr().add(main), d - main);
                    for q in 0..EXACT_GROUP {
                        let diff = xv.sub(V::load_partial(c[q].as_ptr().add(main), d - main));
                        acc[q] = diff.fmadd(diff, acc[q]);
                    }
                }
                std::array::from_fn(|q| acc[q].reduce_add())
            };
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
        // SAFETY: `s` is a row of `d` sums, distinct from the data; the caller guarantees
        // the ISA.
        record(i, x, best, labels, &mut sums, |s, x| unsafe {
            add_row::<V>(s.as_mut_ptr(), x.as_ptr(), d)
        });
    }
    inertia
}
// ANCHOR_END: exact_chunk

// ANCHOR: microkernel
/// The register tile: `MR` packed points (rows of `d`) against one panel of `NR = NV · LANES`
/// centroids. Per coordinate `t`: `NV` vector loads of the panel row, `MR` broadcasts of the
/// points' coordinate, `MR · NV` FMAs into accumulators that never leave registers. Accumulators start
/// at `−‖c′‖²/2`, so they end as `x′·c′ − ‖c′‖²/2 = (‖x′‖² − ‖x′ − c′‖²) / 2`: the largest is
/// the nearest centroid, with no epilogue arithmetic.
///
/// # Safety
/// `a` is valid for `MR · d` reads, `b` for `NR · d`, `init` for `NR`; `V`'s ISA is available.
#[inline(always)]
unsafe fn microkernel<V: Vector, const MR: usize, const NV: usize>(
    d: usize,
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
                let x = V::splat(*a.add(i * d + t));
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
/// from each row directly), the last tile padded with zero rows whose results are never read.
///
/// # Safety
/// `V`'s instruction set must be available.
#[inline(always)]
unsafe fn pack_points<V: Vector>(
    points: Points<'_, V::T>,
    start: usize,
    rows: usize,
    mu: &[V::T],
    out: &mut [V::T],
) {
    let (d, lanes) = (points.d(), V::LANES);
    let main = d - d % lanes;
    for (r, out) in out.chunks_exact_mut(d).enumerate() {
        if r >= rows {
            out.fill(V::T::zero());
            continue;
        }
        let x = points.row(start + r);
        let mut t = 0;
        while t < main {
            // SAFETY: `t + lanes <= main <= d`; `x`, `mu` and `out` have length `d`.
            unsafe {
                let v = V::load(x.as_ptr().add(t)).sub(V::load(mu.as_ptr().add(t)));
                v.store(out.as_mut_ptr().add(t));
            }
            t += lanes;
        }
        if main < d {
            let n = d - main;
            // SAFETY: the first `d − main` values at `main` are within all three slices.
            unsafe {
                let v = V::load_partial(x.as_ptr().add(main), n)
                    .sub(V::load_partial(mu.as_ptr().add(main), n));
                v.store_partial(out.as_mut_ptr().add(main), n);
            }
        }
    }
}

// ANCHOR: dot_chunk
/// The register- and cache-blocked dot form (a GEMM-like microkernel with the arg-min fused):
/// for each block of points (packed, shifted), for each tile of centroid panels, for each
/// register tile of `MR` points, for each panel in the tile: [`microkernel`], then a lane-wise
/// running arg-max per point kept in a small buffer. The `n × k` matrix of distances never
/// exists; at the end of a block each point's lanes are reduced to its label, its exact
/// distance to the winner is summed into the inertia and (fused) it is added to its cluster.
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
    } = job;
    let (lanes, nr) = (V::LANES, NV * V::LANES);
    assert_eq!(packed.nr, nr, "centroids packed for another register tile");
    let (n, d) = points.shape();
    let elem = std::mem::size_of::<V::T>();
    let (block_rows, tile_panels) = blocking.resolve(MR, nr, d, elem, packed.panels);
    let block_rows = block_rows.min(n.div_ceil(MR) * MR);
    let mut a = vec![V::T::zero(); block_rows * d];
    let mut best = vec![V::T::zero(); block_rows * lanes];
    let mut best_idx = vec![V::T::zero(); block_rows * lanes];
    let mut inertia = 0.0f64;
    for start in (0..n).step_by(block_rows) {
        let rows = block_rows.min(n - start);
        let tiles = rows.div_ceil(MR);
        // SAFETY: the caller guarantees the ISA.
        unsafe { pack_points::<V>(points, start, rows, &packed.mu, &mut a[..tiles * MR * d]) };
        for tile_start in (0..packed.panels).step_by(tile_panels) {
            let tile_end = (tile_start + tile_panels).min(packed.panels);
            for tile in 0..tiles {
                let at = &a[tile * MR * d..(tile + 1) * MR * d];
                let bv = &mut best[tile * MR * lanes..(tile + 1) * MR * lanes];
                let bi = &mut best_idx[tile * MR * lanes..(tile + 1) * MR * lanes];
                // SAFETY: `at` holds MR·d values, each panel d·nr, init and idx nr per panel,
                // `bv`/`bi` MR·lanes; the caller guarantees the ISA.
                unsafe {
                    // The first tile starts from −∞ (index 0) in registers; later tiles
                    // continue from the running maxima of the earlier ones.
                    let (mut top, mut arg): ([V; MR], [V; MR]) = if tile_start == 0 {
                        (
                            [V::splat(V::T::neg_infinity()); MR],
                            [V::splat(V::T::from_index(0)); MR],
                        )
                    } else {
                        (
                            std::array::from_fn(|i| V::load(bv.as_ptr().add(i * lanes))),
                            std::array::from_fn(|i| V::load(bi.as_ptr().add(i * lanes))),
                        )
                    };
                    for p in tile_start..tile_end {
                        let acc = microkernel::<V, MR, NV>(
                            d,
                            at.as_ptr(),
                            packed.panel(p).as_ptr(),
                            packed.init.as_ptr().add(p * nr),
                        );
                        for v in 0..NV {
                            let idx = V::load(packed.idx.as_ptr().add(p * nr + v * lanes));
                            for i in 0..MR {
                                (top[i], arg[i]) = acc[i][v].gt_select(top[i], idx, arg[i]);
                            }
                        }
                    }
                    for i in 0..MR {
                        top[i].store(bv.as_mut_ptr().add(i * lanes));
                        arg[i].store(bi.as_mut_ptr().add(i * lanes));
                    }
                }
            }
        }
        // The exact squared distance of each point to its winner, summed lane-wise over a
        // register tile of points (at most MR·⌈d/LANES⌉ terms per lane in `T`), then in f64:
        // one horizontal sum per tile instead of one per point.
        // SAFETY: the caller guarantees the ISA.
        let mut tile_sum = unsafe { V::splat(V::T::zero()) };
        let (xs, cs) = (
            points.as_slice().as_ptr(),
            packed.centroids.as_slice().as_ptr(),
        );
        for r in 0..rows {
            let i = start + r;
            // SAFETY: row `r` of `best`/`best_idx` holds `lanes` values. Every index in
            // `best_idx` came from `packed.idx`, whose entries are all `< k` (padding lanes
            // carry index 0), so `j < k`; `i < n`. Rows of the data and of the centroids are
            // valid for `d` reads; a row of `sums` (a separate `k × d` buffer) for `d` writes;
            // the caller guarantees the ISA.
            unsafe {
                // Across lanes: the largest score, the lowest index on a tie (as in a lane).
                let (_, j) = V::load(best.as_ptr().add(r * lanes))
                    .argmax_lanes(V::load(best_idx.as_ptr().add(r * lanes)));
                debug_assert!(j < packed.centroids.n());
                let (x, c) = (xs.add(i * d), cs.add(j * d));
                let dist = match sums.as_mut() {
                    Some(s) => {
                        *s.counts.get_unchecked_mut(j) += 1;
                        sq_diff_add::<V>(x, c, s.sums.as_mut_ptr().add(j * d), d)
                    }
                    None => sq_diff::<V>(x, c, d),
                };
                tile_sum = tile_sum.add(dist);
                if (r + 1) % MR == 0 || r + 1 == rows {
                    inertia += tile_sum.reduce_add().as_f64();
                    tile_sum = V::splat(V::T::zero());
                }
                *labels.get_unchecked_mut(i) = j as u32;
            }
        }
    }
    inertia
}
// ANCHOR_END: dot_chunk
