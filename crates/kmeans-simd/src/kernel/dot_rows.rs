//! The dot form along the rows: for few centroids and long rows (60 000 × 784, k = 10).
//!
//! [`dot_chunk`]'s register tile puts centroids in the lanes and broadcasts one coordinate of
//! each point per FMA. With few centroids most of a panel's lanes are padding (k = 10 fills
//! 10 of AVX-512's 16 f32 lanes), and with long rows the tile's packed points no longer fit
//! in L1 (24 rows × 784 f32 = 75 KiB), so every broadcast comes from L2 while packing waits on
//! memory. Here the *coordinates* are in the lanes instead: `MR` points against `KB`
//! centroids, one vector of each point's row against one vector of each centroid's row per
//! FMA, `MR · KB` accumulators reduced to scores once per row. The points are read in order,
//! straight from the data (shifted by `μ` in registers, no packing) with a prefetch one run
//! ahead; the few centroids stay in L1 — all of them, or where they do not fit, the part of
//! them for one span of coordinates while a block of rows passes ([`in_spans`]).
//!
//! The scores are the same `x′·c′ − ‖c′‖²/2` as [`dot_chunk`]'s (with the same shift `μ`),
//! summed in another order, so a near-tie may go the other way; the arg-max keeps the lower
//! index on an exact tie. The update and, in `f64`, the inertia (read off the score) are
//! [`add_block`]'s; in `f32` the exact distance to the winner is [`finish_run`]'s.
//!
//! [`dot_chunk`]: super::dot_chunk

use kmeans_core::{Points, Scalar};
use num_traits::{Float, Zero};

use super::{CheckFlags, Job, Sums, Tiles, ValueCheck, add_block, prefetch_line};
use crate::pack::RowCentroids;
use crate::vector::{Elem, Vector};

impl<T: Elem> Job<T> for DotRowsJob<'_, T> {
    type Output = f64;
    #[inline(always)]
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) -> f64 {
        // SAFETY: forwarded from the caller.
        unsafe { S::dot_rows::<V>(self) }
    }
}

/// Input and output of [`dot_rows_chunk`]: as [`DotJob`](super::DotJob)'s, with the centroids
/// row-major.
pub(crate) struct DotRowsJob<'a, T> {
    pub points: Points<'a, T>,
    pub centroids: &'a RowCentroids<'a, T>,
    pub labels: &'a mut [u32],
    pub sums: Option<Sums<'a, T>>,
    /// Check the points' values while reading them (see [`ValueCheck`]).
    pub check: Option<&'a ValueCheck<T>>,
}

/// For each run of `MR` points: the centroids in groups of `KB`, each group one pass along
/// the rows ([`row_group`]), then each point's best score (strictly greater: the lower index
/// wins a tie) is its label; at the end of the run the fused update and the inertia
/// ([`end_run`]). When the centroids do not all fit in L1 ([`RowCentroids::span`] shorter
/// than the rows), [`in_spans`] instead. The last group is padded with zero centroids whose
/// scores are never read, and the last run with copies of its last point whose labels are
/// never written.
///
/// # Safety
/// `V`'s instruction set must be available.
#[inline(always)]
pub(crate) unsafe fn dot_rows_chunk<V: Vector, const MR: usize, const KB: usize>(
    job: DotRowsJob<'_, V::T>,
) -> f64 {
    let DotRowsJob {
        points,
        centroids,
        labels,
        mut sums,
        check,
    } = job;
    let (n, d) = points.shape();
    let k = centroids.k();
    assert!(labels.len() == n && centroids.centroids.d() == d && k > 0);
    assert!(
        centroids.lanes == V::LANES && centroids.kb == KB,
        "centroids laid out for another row kernel"
    );
    // SAFETY: the caller guarantees the ISA.
    let mut flags = unsafe { CheckFlags::<V>::new(check.map(|c| c.bound)) };
    let mut inertia = 0.0f64;
    if centroids.span < d {
        // SAFETY: the centroids were laid out for `LANES` and `KB` (asserted above) by
        // `RowCentroids::new`, whose span is a positive multiple of `LANES` when shorter than
        // the rows; the caller guarantees the ISA.
        inertia = unsafe {
            in_spans::<V, MR, KB>(points, centroids, labels, sums.as_mut(), flags.as_mut())
        };
    } else {
        let mut i = 0;
        while i < n {
            let rows = MR.min(n - i);
            let x = run_rows::<V::T, MR>(points, i, rows);
            let mut best = [V::T::neg_infinity(); MR];
            let mut arg = [0u32; MR];
            let mut norm = [V::T::zero(); MR];
            for g in (0..k).step_by(KB) {
                // SAFETY: every `x[r]` is a row of `d` values; the centroids were laid out
                // for `LANES` and `KB` (asserted above); the caller guarantees the ISA.
                let (scores, sq) = unsafe {
                    group_pass::<V, MR, KB, 1>(x, centroids, g, (0, d, d), flags.as_mut())
                };
                if g == 0 {
                    norm = sq;
                }
                for j in 0..KB.min(k - g) {
                    let init = centroids.init[g + j];
                    for r in 0..MR {
                        let score = scores[r][j] + init;
                        if score > best[r] {
                            (best[r], arg[r]) = (score, (g + j) as u32);
                        }
                    }
                }
            }
            // SAFETY: each `arg[r]` is `< k` (they start at 0 and only take indices
            // `g + j < k`); rows `i .. i + rows` are within the chunk; the caller guarantees
            // the ISA.
            inertia += unsafe {
                end_run::<V, MR, KB>(
                    points,
                    centroids,
                    (i, rows),
                    (&best, &arg, &norm),
                    labels,
                    sums.as_mut(),
                )
            };
            i += rows;
        }
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

/// [`dot_rows_chunk`] for centroids larger than L1: the points in blocks; for each block,
/// each span of [`RowCentroids::span`] coordinates (whose part of the centroids stays in L1
/// while the block's rows pass), for each run of `MR` points in it, the groups' passes along
/// the span, the dot products added up across spans; then per run the best scores and
/// [`end_run`]. A block's rows ([`ROWS_BLOCK_BYTES`]) stay in L2 from one span to the next and
/// for the end.
///
/// # Safety
/// `V`'s instruction set must be available; the centroids were laid out for `LANES` and
/// `KB` with a span that is a positive multiple of `LANES`, for rows of `points`' length.
#[inline(always)]
unsafe fn in_spans<V: Vector, const MR: usize, const KB: usize>(
    points: Points<'_, V::T>,
    centroids: &RowCentroids<'_, V::T>,
    labels: &mut [u32],
    mut sums: Option<&mut Sums<'_, V::T>>,
    mut flags: Option<&mut CheckFlags<V>>,
) -> f64 {
    let (n, d) = points.shape();
    let (k, span) = (centroids.k(), centroids.span);
    assert!(span > 0 && span.is_multiple_of(V::LANES));
    let block = (ROWS_BLOCK_BYTES / (d * std::mem::size_of::<V::T>()))
        .div_ceil(MR)
        .max(1)
        * MR;
    let kp = k.div_ceil(KB) * KB;
    let mut dots = vec![V::T::zero(); block * kp];
    let mut norms = vec![V::T::zero(); block];
    let mut inertia = 0.0f64;
    let mut i = 0;
    while i < n {
        let size = block.min(n - i);
        dots.fill(V::T::zero());
        norms.fill(V::T::zero());
        for t0 in (0..d).step_by(span) {
            for run in (0..size).step_by(MR) {
                let x = run_rows::<V::T, MR>(points, i + run, MR.min(size - run));
                for g in (0..k).step_by(KB) {
                    // SAFETY: every `x[r]` is a row of `d` values, `t0` a multiple of
                    // `LANES` below `d`; the layout as documented; the caller guarantees
                    // the ISA.
                    let (part, sq) = unsafe {
                        let span = (t0, span.min(d - t0), d);
                        group_pass::<V, MR, KB, ROWS_SPAN_AHEAD>(
                            x,
                            centroids,
                            g,
                            span,
                            flags.as_deref_mut(),
                        )
                    };
                    for r in 0..MR {
                        let at = (run + r) * kp + g;
                        for (sum, p) in dots[at..at + KB].iter_mut().zip(part[r]) {
                            *sum += p;
                        }
                        if g == 0 {
                            norms[run + r] += sq[r];
                        }
                    }
                }
            }
        }
        for run in (0..size).step_by(MR) {
            let rows = MR.min(size - run);
            let mut best = [V::T::neg_infinity(); MR];
            let mut arg = [0u32; MR];
            let mut norm = [V::T::zero(); MR];
            for r in 0..rows {
                let point = &dots[(run + r) * kp..(run + r) * kp + k];
                for (j, (&dot, &init)) in point.iter().zip(&centroids.init).enumerate() {
                    let score = dot + init;
                    if score > best[r] {
                        (best[r], arg[r]) = (score, j as u32);
                    }
                }
                norm[r] = norms[run + r];
            }
            // SAFETY: each `arg[r]` is `< k`; rows `i + run ..` are within the chunk; the
            // caller guarantees the ISA.
            inertia += unsafe {
                end_run::<V, MR, KB>(
                    points,
                    centroids,
                    (i + run, rows),
                    (&best, &arg, &norm),
                    labels,
                    sums.as_deref_mut(),
                )
            };
        }
        i += size;
    }
    inertia
}

/// The rows of a run of `rows ≤ MR` points from `i`, the last repeated to fill `MR`.
#[inline(always)]
fn run_rows<T: Scalar, const MR: usize>(
    points: Points<'_, T>,
    i: usize,
    rows: usize,
) -> [*const T; MR] {
    std::array::from_fn(|r| points.row(i + r.min(rows - 1)).as_ptr())
}

/// [`row_group`] for group `g`; the first (`g == 0`) also computes the points' norms, checks
/// their values when `flags` is given and prefetches the rows `AHEAD` runs on.
///
/// # Safety
/// As [`row_group`]'s.
#[inline(always)]
unsafe fn group_pass<V: Vector, const MR: usize, const KB: usize, const AHEAD: usize>(
    x: [*const V::T; MR],
    centroids: &RowCentroids<'_, V::T>,
    g: usize,
    span: (usize, usize, usize),
    flags: Option<&mut CheckFlags<V>>,
) -> ([[V::T; KB]; MR], [V::T; MR]) {
    // SAFETY: forwarded from the caller.
    unsafe {
        match (g, flags) {
            (0, Some(f)) => {
                row_group::<V, MR, KB, AHEAD, true, true>(x, centroids, g, span, Some(f))
            }
            (0, None) => row_group::<V, MR, KB, AHEAD, true, false>(x, centroids, g, span, None),
            _ => row_group::<V, MR, KB, AHEAD, false, false>(x, centroids, g, span, None),
        }
    }
}

/// The end of a run of `rows` points from `at` whose best scores, labels and (in `f64`) norms
/// are known: the labels written, the fused update and the run's inertia ([`add_block`] in
/// `f64`, read off the scores; [`finish_run`] with the exact distance in `f32`).
///
/// # Safety
/// `V`'s instruction set must be available; every label is `< centroids.k()`; rows
/// `at .. at + rows` are within `points`; the centroids were laid out for `LANES` and `KB`;
/// a row of `sums` holds `d` rounded up to `LANES` values.
#[inline(always)]
unsafe fn end_run<V: Vector, const MR: usize, const KB: usize>(
    points: Points<'_, V::T>,
    centroids: &RowCentroids<'_, V::T>,
    (at, rows): (usize, usize),
    (best, arg, norm): (&[V::T; MR], &[u32; MR], &[V::T; MR]),
    labels: &mut [u32],
    sums: Option<&mut Sums<'_, V::T>>,
) -> f64 {
    let mut inertia = 0.0;
    for r in 0..rows {
        labels[at + r] = arg[r];
        if V::T::INERTIA_FROM_SCORE {
            inertia += norm[r].as_f64() - 2.0 * best[r].as_f64();
        }
    }
    let labels = &labels[at..at + rows];
    // SAFETY: as documented.
    inertia
        + unsafe {
            if V::T::INERTIA_FROM_SCORE {
                add_block::<V>(points, centroids.centroids, (at, rows), labels, sums, MR)
            } else {
                let x = run_rows::<V::T, MR>(points, at, rows);
                finish_run::<V, KB>(&x[..rows], centroids, labels, sums, points.shape().1)
            }
        }
}

/// How many runs ahead [`in_spans`] prefetches (whole rows: the next run). A span's pass is
/// shorter than a row's, so the next run's part of its rows would arrive too late.
const ROWS_SPAN_AHEAD: usize = 2;

/// The points per block when the rows are read in several spans: enough rows to pay for
/// reloading each span's centroids into L1, few enough to stay in the L2 of any x86-64 core
/// (256 KiB or more) next to the centroids and the sums.
pub(crate) const ROWS_BLOCK_BYTES: usize = 96 * 1024;

// ANCHOR: row_group
/// One pass along coordinates `t0 .. t0 + len` of `MR` points' rows against centroids
/// `g .. g + KB` (the last group padded with zero centroids): `x′ = x − μ` a vector at a time,
/// one FMA per point, centroid and vector of coordinates, then each accumulator reduced.
/// Returns the dot products `x′·c′` over the span and, with `FIRST` and
/// [`Elem::INERTIA_FROM_SCORE`], each `‖x′‖²` over it; with `CHECK`, every value read is
/// folded into `flags`. With `FIRST`, the same place in the rows `AHEAD` runs on (of `d` values
/// per row) is prefetched.
///
/// # Safety
/// `V`'s instruction set must be available; every `x[r]` is valid for `d` reads; `t0` is a
/// multiple of `LANES` and `t0 + len <= d`; `cs` was laid out for `LANES` and `KB`, and `g`
/// is a multiple of `KB` below its `k`.
#[inline(always)]
unsafe fn row_group<
    V: Vector,
    const MR: usize,
    const KB: usize,
    const AHEAD: usize,
    const FIRST: bool,
    const CHECK: bool,
>(
    mut x: [*const V::T; MR],
    cs: &RowCentroids<'_, V::T>,
    g: usize,
    (t0, len, d): (usize, usize, usize),
    mut flags: Option<&mut CheckFlags<V>>,
) -> ([[V::T; KB]; MR], [V::T; MR]) {
    let lanes = V::LANES;
    let main = len - len % lanes;
    // SAFETY: the span starts within every row and within the group and `μ` (`t0 / LANES`
    // steps of `KB` vectors into the group); then full loads of the points at
    // `t + lanes <= main <= len`, a partial load of the `len − main` values at `main`; the
    // group and `μ` are read within `d` rounded up to `LANES` (their zero padding); the
    // caller guarantees the ISA.
    unsafe {
        for p in &mut x {
            *p = p.add(t0);
        }
        let mut c = cs.group(g / KB).as_ptr().add(t0 * KB);
        let mu = cs.mu.as_slice().as_ptr().add(t0);
        let zero = V::splat(V::T::zero());
        let mut acc = [[zero; KB]; MR];
        let mut sq = [zero; MR];
        // Plain loops, no closures: a closure that the inliner leaves out of line loses the
        // ISA's target features, and every intrinsic in it becomes a call.
        let mut t = 0;
        while t < main {
            let xv = shifted::<V, MR, CHECK>(&x, t, lanes, mu, flags.as_deref_mut());
            if FIRST {
                // The same place in a later run's rows: with the hardware prefetcher alone
                // the loads of a row waited on memory (`MEASUREMENTS.md`).
                for p in x {
                    prefetch_line(p.wrapping_add(t + AHEAD * MR * d));
                }
            }
            accumulate::<V, MR, KB, FIRST>(&xv, c, &mut acc, &mut sq);
            c = c.add(KB * lanes);
            t += lanes;
        }
        if main < len {
            let xv = shifted::<V, MR, CHECK>(&x, main, len - main, mu, flags);
            accumulate::<V, MR, KB, FIRST>(&xv, c, &mut acc, &mut sq);
        }
        let mut dots = [[V::T::zero(); KB]; MR];
        let mut norms = [V::T::zero(); MR];
        for r in 0..MR {
            for j in 0..KB {
                dots[r][j] = acc[r][j].reduce_add();
            }
            if FIRST && V::T::INERTIA_FROM_SCORE {
                norms[r] = sq[r].reduce_add();
            }
        }
        (dots, norms)
    }
}

// ANCHOR_END: row_group

/// The end of a run where the score's rounding is too coarse for the inertia (`f32`): for
/// each point, `Σ ((x − μ) − c′)²` to its winner, read from the centroids' group layout (the
/// original centroids would be a second copy competing for L1 with it and the sums, which
/// cost a third of the time at 60 000 × 784, k = 10), and, fused, the point added to its
/// cluster's sum. Returns the run's inertia, summed lane-wise over the run, then in `f64`.
///
/// # Safety
/// `V`'s instruction set must be available; every `x[r]` is valid for `d` reads; `cs` was
/// laid out for `LANES` and `KB`; every label is `< cs.k()`; a row of `sums` holds `d`
/// rounded up to `LANES` values.
#[inline(always)]
unsafe fn finish_run<V: Vector, const KB: usize>(
    x: &[*const V::T],
    cs: &RowCentroids<'_, V::T>,
    labels: &[u32],
    mut sums: Option<&mut Sums<'_, V::T>>,
    d: usize,
) -> f64 {
    let lanes = V::LANES;
    let main = d - d % lanes;
    let mu = cs.mu.as_slice().as_ptr();
    // SAFETY: as documented: loads within each row's `d` values (a partial load for the
    // tail), the group's vectors and `μ` within their zero padding, the sums' padded row.
    unsafe {
        let mut total = V::splat(V::T::zero());
        for (&x, &j) in x.iter().zip(labels) {
            let j = j as usize;
            let mut c = cs.group(j / KB).as_ptr().add(j % KB * lanes);
            let row = match sums.as_mut() {
                Some(s) => {
                    *s.counts.get_unchecked_mut(j) += 1;
                    Some(s.sums.as_mut_ptr().add(j * s.stride))
                }
                None => None,
            };
            let mut t = 0;
            while t < d {
                let xv = if t < main {
                    V::load(x.add(t))
                } else {
                    V::load_partial(x.add(t), d - t)
                };
                let diff = xv.sub(V::load(mu.add(t))).sub(V::load(c));
                total = diff.fmadd(diff, total);
                if let Some(row) = row {
                    V::load(row.add(t)).add(xv).store(row.add(t));
                }
                c = c.add(KB * lanes);
                t += lanes;
            }
        }
        total.reduce_add().as_f64()
    }
}

/// The points' coordinates `t .. t + len` (`len ≤ LANES`; zeros past it), less `μ`'s: a
/// vector per point. With `CHECK`, the values read are folded into `flags`.
///
/// # Safety
/// `V`'s instruction set must be available; every `x[r]` is valid for `t + len` reads, `mu`
/// for `t + LANES`.
#[inline(always)]
unsafe fn shifted<V: Vector, const MR: usize, const CHECK: bool>(
    x: &[*const V::T; MR],
    t: usize,
    len: usize,
    mu: *const V::T,
    mut flags: Option<&mut CheckFlags<V>>,
) -> [V; MR] {
    // SAFETY: as documented; the caller guarantees the ISA.
    unsafe {
        let m = V::load(mu.add(t));
        let mut xv = [m; MR];
        for r in 0..MR {
            // A partial load reads zeros past `len`; `μ`'s padding there is zero too.
            let raw = if len == V::LANES {
                V::load(x[r].add(t))
            } else {
                V::load_partial(x[r].add(t), len)
            };
            if CHECK && let Some(f) = flags.as_mut() {
                f.fold(raw);
            }
            xv[r] = raw.sub(m);
        }
        xv
    }
}

// ANCHOR: accumulate
/// One vector of coordinates: `acc[r][j] += x′_r · c_j` (one load of each centroid's vector,
/// `c + j · LANES`, serves all `MR` points), and with `NORM` (in `f64`) `sq[r] += x′_r²`.
///
/// # Safety
/// `V`'s instruction set must be available; `c` is valid for `KB · LANES` reads.
#[inline(always)]
unsafe fn accumulate<V: Vector, const MR: usize, const KB: usize, const NORM: bool>(
    xv: &[V; MR],
    c: *const V::T,
    acc: &mut [[V; KB]; MR],
    sq: &mut [V; MR],
) {
    // SAFETY: as documented; the caller guarantees the ISA.
    unsafe {
        if NORM && V::T::INERTIA_FROM_SCORE {
            for r in 0..MR {
                sq[r] = xv[r].fmadd(xv[r], sq[r]);
            }
        }
        for j in 0..KB {
            let cv = V::load(c.add(j * V::LANES));
            for r in 0..MR {
                acc[r][j] = xv[r].fmadd(cv, acc[r][j]);
            }
        }
    }
}
// ANCHOR_END: accumulate
