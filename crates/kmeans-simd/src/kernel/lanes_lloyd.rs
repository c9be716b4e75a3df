//! Lloyd's iteration with points in the lanes: for few centroids (`k` not a multiple of the
//! vector width, as the slides' k = 26 in 8-lane `f64` vectors), the dot kernel's panels of
//! centroids pad lanes that still cost whole FMAs. Here a vector holds one coordinate of a
//! block of points (the data laid out once per fit, [`PointLanes`]), each centroid's
//! coordinate is broadcast, and every FMA is useful work; the arg-max is vertical (lane by
//! lane across centroids), with no horizontal reduction per point.

use kmeans_core::{Points, Scalar};
use num_traits::Float;

use super::{Job, Sums, Tiles, add_block};
use crate::pack::Aligned;
use crate::vector::{Elem, Vector};

use super::few_centers::PointLanes;

/// Centroids per group of [`score_group`] for an ISA with `registers` vector registers: 8
/// with 32 registers (two blocks of points: 16 accumulators), 6 with 16 (two blocks: 12
/// accumulators, two point vectors and a broadcast) — two blocks keep twice the FMAs in
/// flight that one block's chains can (measured on the AVX2 path: see `MEASUREMENTS.md`).
pub(crate) const fn group_size(registers: usize) -> usize {
    if registers >= 32 { 8 } else { 6 }
}

/// Blocks of points every group scores before the next blocks: the largest register tile.
const SUPER: usize = 4;

/// Interleaved sums of the inertia read off the scores (`f64`): the add's latency over its
/// throughput, so the sums do not wait on each other.
const SUMS: usize = 8;

/// The centroids of one iteration, shifted by the layout's `μ`, `c′ = c − μ`, in groups of
/// `group` ([`group_size`]) stored coordinate-major (group `g` from `g·group·d`: coordinate `t` of its
/// centroids together, so the kernel reads them at fixed offsets from one pointer), and the
/// start of each centroid's score, `−‖c′‖²/2`.
pub(crate) struct ShiftedCentroids<T> {
    pub rows: Vec<T>,
    pub start: Vec<T>,
}

impl<T: Elem> ShiftedCentroids<T> {
    /// `centroids` shifted by `mu`, in groups of `group`.
    pub fn new(centroids: Points<'_, T>, mu: &[T], group: usize) -> Self {
        let (k, d) = centroids.shape();
        let mut rows = vec![T::zero(); k * d];
        let mut start = Vec::with_capacity(k);
        let half = T::of_f64(0.5);
        for (j, c) in centroids.rows().enumerate() {
            let (first, at) = (j / group * group, j % group);
            let width = group.min(k - first);
            let mut norm = T::zero();
            for (t, (&v, &m)) in c.iter().zip(mu).enumerate() {
                let s = v - m;
                rows[first * d + t * width + at] = s;
                norm += s * s;
            }
            start.push(-(half * norm));
        }
        Self { rows, start }
    }
}

/// Input and output of [`lanes_lloyd_chunk`]: the chunk's points (rows `first ..` of the data,
/// `first` a multiple of the lanes), laid out in `layout` (shifted by `μ`, with `norms[i] =
/// ‖x′_i‖²` in `f64`); labels, inertia and (fused) sums as every chunk kernel.
pub(crate) struct LanesLloydJob<'a, T> {
    pub layout: &'a PointLanes<'a, T>,
    pub norms: &'a [f64],
    pub first: usize,
    pub points: Points<'a, T>,
    pub centroids: Points<'a, T>,
    pub shifted: &'a ShiftedCentroids<T>,
    pub labels: &'a mut [u32],
    pub sums: Option<Sums<'a, T>>,
    /// `f32`: the exact distances are summed lane-wise over runs of this many points, then in
    /// `f64` — the dot kernel's register tile for these centroids, so both report the same
    /// inertia for the same labels, bit for bit.
    pub inertia_run: usize,
}

impl<T: Elem> Job<T> for LanesLloydJob<'_, T> {
    type Output = f64;
    #[inline(always)]
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) -> f64 {
        // SAFETY: forwarded from the caller.
        unsafe { lanes_lloyd_chunk::<V>(self) }
    }
}

// ANCHOR: lanes_lloyd_chunk
/// One chunk: for each group of at most [`group_size`] centroids, for each register tile of blocks of
/// points, the scores `x′·c′ − ‖c′‖²/2` in accumulators (one FMA per lane-full of points,
/// centroid and coordinate), folded into each block's running maximum and its index, lane by
/// lane (strictly greater: the lowest index wins a tie, as everywhere). Then each point's
/// label, its inertia (read off the score in `f64`, or recomputed exactly in `f32`, as
/// [`dot_chunk`](super::dot_chunk) does), and its add into its cluster's sum.
///
/// # Safety
/// `V`'s instruction set must be available; `layout` is laid out for `V::LANES` and holds the
/// chunk's points (`first` a multiple of `V::LANES`); `shifted` holds the centroids shifted
/// by the layout's `μ`; the sums (if any) are padded rows as [`Sums`] says.
#[inline(always)]
pub(crate) unsafe fn lanes_lloyd_chunk<V: Vector>(job: LanesLloydJob<'_, V::T>) -> f64 {
    let LanesLloydJob {
        layout,
        norms,
        first,
        points,
        centroids,
        shifted,
        labels,
        mut sums,
        inertia_run,
    } = job;
    let lanes = V::LANES;
    let (n, d, k) = (points.n(), points.d(), centroids.n());
    assert!(first % lanes == 0 && first + n <= layout.n() && layout.lanes() == lanes);
    assert!(layout.d() == d && centroids.d() == d && labels.len() == n);
    assert!(shifted.rows.len() == k * d && shifted.start.len() == k && norms.len() >= first + n);
    let blocks = n.div_ceil(lanes);
    let mut best = Aligned::<V::T>::zeros(blocks * lanes);
    let mut best_idx = Aligned::<V::T>::zeros(blocks * lanes);
    let (best, best_idx) = (best.as_mut_slice(), best_idx.as_mut_slice());
    best.fill(V::T::neg_infinity());
    let mut tiles = Tile {
        values: layout.values()[first * d..].as_ptr(),
        d,
        best,
        best_idx,
    };
    // Blocks in the outer loop, centroid groups inside: a super-block of points is read from
    // memory once and from cache by every group (with groups outside, large `d` streamed the
    // whole chunk from memory once per group).
    for first_block in (0..blocks).step_by(SUPER) {
        let span = first_block..blocks.min(first_block + SUPER);
        let mut group = 0;
        while group < k {
            let g = (k - group).min(group_size(V::REGISTERS));
            let cs = Centres {
                rows: &shifted.rows[group * d..(group + g) * d],
                start: &shifted.start[group..group + g],
                first: group,
            };
            let span = span.clone();
            // SAFETY: forwarded from the caller; `cs` holds `G` centroids.
            unsafe {
                match g {
                    1 => score_group::<V, 1, 4>(&mut tiles, &cs, span),
                    2 => score_group::<V, 2, 4>(&mut tiles, &cs, span),
                    3 => score_group::<V, 3, 2>(&mut tiles, &cs, span),
                    4 => score_group::<V, 4, 2>(&mut tiles, &cs, span),
                    5 => score_group::<V, 5, 2>(&mut tiles, &cs, span),
                    6 => score_group::<V, 6, 2>(&mut tiles, &cs, span),
                    // Groups of 7 and 8 only with 32 registers.
                    7 => score_group::<V, 7, 2>(&mut tiles, &cs, span),
                    _ => score_group::<V, 8, 2>(&mut tiles, &cs, span),
                }
            }
            group += g;
        }
    }
    // The inertia read off the scores in `SUMS` interleaved sums, added in a fixed order at the
    // end: one running sum waited on the add's latency, point after point.
    let mut sums_of = [0.0f64; SUMS];
    let winners = tiles.best_idx.iter().zip(&*tiles.best);
    let points_of = labels.iter_mut().zip(winners).zip(&norms[first..]);
    for (i, ((label, (at, &score)), &norm)) in points_of.enumerate() {
        *label = at.to_index() as u32;
        if V::T::INERTIA_FROM_SCORE {
            sums_of[i % SUMS] += norm - 2.0 * score.as_f64();
        }
    }
    let inertia = sums_of.iter().sum::<f64>();
    // The update, and in `f32` the exact distances, as the dot kernel does them.
    // SAFETY: the labels were just written, each `< k` (strictly greater scores only replace
    // the start at −∞ with a centroid of this chunk's groups); the chunk's rows exist; the
    // caller guarantees the ISA and the padded rows of sums.
    inertia
        + unsafe {
            add_block::<V>(
                points,
                centroids,
                (0, n),
                labels,
                sums.as_mut(),
                inertia_run,
            )
        }
}
// ANCHOR_END: lanes_lloyd_chunk

/// The chunk's laid-out points and each point's running maximum and its index.
struct Tile<'a, T> {
    values: *const T,
    d: usize,
    best: &'a mut [T],
    best_idx: &'a mut [T],
}

/// A group of shifted centroids (coordinate-major: `G` values per coordinate), their score
/// starts, and the index of the first.
struct Centres<'a, T> {
    rows: &'a [T],
    start: &'a [T],
    first: usize,
}

/// The scores of `G` centroids for the blocks `span` of the chunk, `MR` blocks per register tile
/// (`MR·G` accumulators, `MR` point vectors and a broadcast: at most 15 registers for the
/// groups [`group_size`] makes with 16, 19 with 32), folded into the running maxima.
///
/// # Safety
/// As [`lanes_lloyd_chunk`]; `c` holds `G` centroids of `d` values.
#[inline(always)]
unsafe fn score_group<V: Vector, const G: usize, const MR: usize>(
    tiles: &mut Tile<'_, V::T>,
    c: &Centres<'_, V::T>,
    span: std::ops::Range<usize>,
) {
    let (lanes, d) = (V::LANES, tiles.d);
    debug_assert_eq!(c.rows.len(), G * d);
    let centres = c.rows.as_ptr();
    let best = tiles.best.as_mut_ptr();
    let best_idx = tiles.best_idx.as_mut_ptr();
    let mut b = span.start;
    while b < span.end {
        let mr = MR.min(span.end - b);
        // SAFETY: blocks `b .. b + mr` of the chunk lie in the layout (`d` rows of `lanes`
        // values each); the group holds `d` rows of `G` values; the caller guarantees the ISA.
        unsafe {
            let x: [*const V::T; MR] =
                std::array::from_fn(|r| tiles.values.add((b + r.min(mr - 1)) * d * lanes));
            let mut acc: [[V; G]; MR] = [std::array::from_fn(|j| V::splat(c.start[j])); MR];
            for t in 0..d {
                let xv: [V; MR] = std::array::from_fn(|r| V::load(x[r].add(t * lanes)));
                let row = centres.add(t * G);
                for j in 0..G {
                    let cv = V::splat(*row.add(j));
                    for r in 0..MR {
                        acc[r][j] = xv[r].fmadd(cv, acc[r][j]);
                    }
                }
            }
            for (r, acc) in acc.iter().enumerate().take(mr) {
                // The running maximum lives in `best` and `best_idx` between groups.
                let at = (b + r) * lanes;
                let (mut m, mut idx) = (V::load(best.add(at)), V::load(best_idx.add(at)));
                for (j, &a) in acc.iter().enumerate() {
                    (m, idx) = a.gt_select(m, V::splat(V::T::from_index(c.first + j)), idx);
                }
                m.store(best.add(at));
                idx.store(best_idx.add(at));
            }
        }
        b += mr;
    }
}
