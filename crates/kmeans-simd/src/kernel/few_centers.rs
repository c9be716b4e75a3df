//! Distances to a few centers at a time: the inits' kernels. k-means++ asks, once per chosen
//! centroid, for every point's distance to its `2 + ⌊ln k⌋` candidates — too few to fill the
//! vectors of the Lloyd kernels' centroid panels.
//!
//! - [`lanes_chunk`] puts *points* in the lanes instead: the data is laid out once per init
//!   ([`PointLanes`]) and every call then runs a subtract and an FMA per lane-full of points,
//!   candidate and coordinate, with the candidate's coordinate broadcast.
//! - [`distances_chunk`] works on the data as it is, with the centers in the lanes: for a
//!   single pass (k-means||, Hamerly's centroid distances), for k-means++ with fewer passes
//!   than repay the copy (k < 16), or for data too big to copy.
//! - [`row_distances`] works on the data as it is with *coordinates* in the lanes, for rows
//!   of at least [`ROWS_MIN_BYTES`] ([`coordinates_in_lanes`]): there a pass is bound by
//!   reading the data, and the copy above (and its page faults) cost more than the passes
//!   gained from it.
//!
//! The first two compute each value as `Σ_c (x_c − c_c)²` with one FMA per coordinate in
//! coordinate order, so they agree bit for bit; the third sums lane by lane and then across
//! the lanes, and is the only kernel for its rows (both entry points choose it by `d` alone),
//! so every path still agrees with every other. In all three a point equal to a center gets
//! exactly 0.

use std::ops::Range;

use kmeans_core::Points;
use num_traits::Zero;
use rayon::prelude::*;

use super::{Job, Tiles, sq_diff_group};
use crate::pack::Aligned;
use crate::vector::{Elem, Vector};

impl<T: Elem> Job<T> for DistJob<'_, T> {
    type Output = ();
    #[inline(always)]
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) {
        // SAFETY: forwarded from the caller.
        unsafe {
            if coordinates_in_lanes::<V::T>(self.points.d()) {
                row_distances::<V>(self)
            } else {
                distances_chunk::<V>(self)
            }
        }
    }
}

/// Bytes of a row from which the inits' distances run with coordinates in the lanes
/// ([`row_distances`]), on the data where it is, and k-means++ does not lay the data out
/// ([`coordinates_in_lanes`]).
const ROWS_MIN_BYTES: usize = 1024;

/// Whether rows of `d` values of `T` take [`row_distances`]: from [`ROWS_MIN_BYTES`] (16 vectors
/// of AVX-512, 32 of AVX2), where the sums across the lanes are a small part of a row's work.
/// A function of the row alone, so every entry point (a single block, k-means++'s passes)
/// chooses the same kernel for the same data. k-means++ at 10⁵ × 256 `f32`, k = 20, one
/// thread: the init 287–295 → 177–225 ms; 4·10⁴ × 300: 96 → 51 ms; 4·10⁴ × 128 `f64`: 69–73
/// → 43–45 ms. Below it the copy still pays: 10⁵ × 96, k = 64: 197–219 against 241–246 ms;
/// 2·10⁴ × 128, k = 32: 20–21 against 22–24 ms (`MEASUREMENTS.md`).
pub(crate) fn coordinates_in_lanes<T>(d: usize) -> bool {
    d.saturating_mul(size_of::<T>()) >= ROWS_MIN_BYTES
}

/// How far ahead of its loads [`row_distances`] asks for the data: the rows follow one another,
/// so this reaches into the next rows. Without it a pass over 10⁵ × 256 `f32` (102 MB, from
/// memory) took 14.4–15.5 ms, with it 9.9–11.1 (1 KiB ahead 11.2–12.5, 8 KiB 10.4–11.4);
/// 4·10⁴ × 300: 3.1–4.8 → 2.6–2.9 ms.
const ROWS_PREFETCH_BYTES: usize = 4096;

/// Centers [`row_distances`] keeps accumulators for at once.
const ROWS_GROUP: usize = 8;

/// The inits' distance block with coordinates in the lanes: per point, per vector of its
/// coordinates, a subtract and an FMA for each of up to [`ROWS_GROUP`] centers (their rows
/// stay in L1; [`sq_diff_group`]), the tail by masked loads (zeros subtract to zero); then a
/// sum across the lanes per center. No copy of the data and no padding of the few centers to
/// a vector: at long rows a pass is bound by reading the data, which is asked for
/// [`ROWS_PREFETCH_BYTES`] ahead of each load (at the start of each row instead, the 4·10⁴ ×
/// 300 init took 63–65 ms against 48–49).
///
/// # Safety
/// `V`'s instruction set must be available; `out` holds `points.n() × centers.n()` values.
#[inline(always)]
pub(crate) unsafe fn row_distances<V: Vector>(job: DistJob<'_, V::T>) {
    let DistJob {
        points,
        centers,
        out,
    } = job;
    let (d, t) = (points.d(), centers.n());
    assert_eq!(out.len(), points.n() * t, "distance block length");
    assert_eq!(centers.d(), d, "centers' dimension");
    for (x, out) in points.rows().zip(out.chunks_exact_mut(t.max(1))) {
        let mut first = 0;
        while first < t {
            let group = (t - first).min(ROWS_GROUP);
            let out = &mut out[first..first + group];
            // SAFETY: `x` and every center row hold `d` values (asserted above); the caller
            // guarantees the ISA.
            unsafe {
                match group {
                    1 => row_group::<V, 1>(x, centers, first, out),
                    2 => row_group::<V, 2>(x, centers, first, out),
                    3 => row_group::<V, 3>(x, centers, first, out),
                    4 => row_group::<V, 4>(x, centers, first, out),
                    5 => row_group::<V, 5>(x, centers, first, out),
                    6 => row_group::<V, 6>(x, centers, first, out),
                    7 => row_group::<V, 7>(x, centers, first, out),
                    _ => row_group::<V, ROWS_GROUP>(x, centers, first, out),
                }
            }
            first += group;
        }
    }
}

/// `out[j] = ‖x − c_{first + j}‖²` for `G` centers of [`row_distances`].
///
/// # Safety
/// `V`'s instruction set must be available; `x.len() == centers.d()`.
#[inline(always)]
unsafe fn row_group<V: Vector, const G: usize>(
    x: &[V::T],
    centers: Points<'_, V::T>,
    first: usize,
    out: &mut [V::T],
) {
    let center: [*const V::T; G] = std::array::from_fn(|j| centers.row(first + j).as_ptr());
    // SAFETY: `x` and the `G` center rows hold `x.len()` values each; the caller guarantees
    // the ISA.
    let dist = unsafe { sq_diff_group::<V, G, ROWS_PREFETCH_BYTES>(x.as_ptr(), center, x.len()) };
    out.copy_from_slice(&dist);
}

impl<T: Elem> Job<T> for LanesJob<'_, T> {
    type Output = ();
    #[inline(always)]
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) {
        // SAFETY: forwarded from the caller.
        unsafe { lanes_chunk::<V>(self) }
    }
}

/// Input and output of the distance-block kernel: `out[i·t + j] = ‖x_i − c_j‖²` for the `t`
/// rows of `centers` (the inits' candidates).
pub(crate) struct DistJob<'a, T> {
    pub points: Points<'a, T>,
    pub centers: Points<'a, T>,
    pub out: &'a mut [T],
}

/// Points per register tile of [`distances_chunk`]: `DIST_MR` accumulators (one vector of
/// centers each), the panel row and a broadcast fit in 16 registers, and `DIST_MR`
/// independent FMA chains cover the FMA latency at two FMAs per cycle.
const DIST_MR: usize = 8;

// ANCHOR: distances_chunk
/// The distance block of the inits, by exact differences (so a point equal to a center gets
/// exactly 0 and is never drawn again). The few centers (k-means++'s `2 + ⌊ln k⌋` candidates)
/// are packed coordinate-major into panels of `LANES`, so one vector holds a point's distance
/// to a whole panel: per coordinate, one broadcast of the point's value, a subtract and an FMA
/// for every center at once — no horizontal sum per pair, which cost more than the arithmetic
/// at small `d`. [`DIST_MR`] points share each panel row load.
///
/// # Safety
/// `V`'s instruction set must be available; `out` holds `points.n() × centers.n()` values.
#[inline(always)]
pub(crate) unsafe fn distances_chunk<V: Vector>(job: DistJob<'_, V::T>) {
    let DistJob {
        points,
        centers,
        out,
    } = job;
    let (d, t, lanes) = (points.d(), centers.n(), V::LANES);
    let panels = t.div_ceil(lanes);
    // Panel p, row c: coordinate c of centers p·LANES .. p·LANES + LANES (zeros past t).
    let mut packed = vec![V::T::zero(); panels * d * lanes];
    for (j, c) in centers.rows().enumerate() {
        let (p, lane) = (j / lanes, j % lanes);
        for (q, &v) in c.iter().enumerate() {
            packed[(p * d + q) * lanes + lane] = v;
        }
    }
    let mut row = vec![V::T::zero(); lanes];
    let n = points.n();
    let mut i = 0;
    while i < n {
        let mr = DIST_MR.min(n - i);
        // Panels in descending order, points in ascending order: a whole-vector store of the
        // last (partial) panel spills past its row into the next rows' first panel, which is
        // stored after it — so every value ends right, with no masked store (slow on some
        // CPUs) and no per-point copy. Only stores that would run past `out` go lane by lane.
        for p in (0..panels).rev() {
            let panel = packed[p * d * lanes..].as_ptr();
            // SAFETY: panel rows are `lanes` values each, `d` rows per panel; every point row
            // holds `d` values; the caller guarantees the ISA.
            let acc: [V; DIST_MR] = unsafe {
                let mut acc = [V::splat(V::T::zero()); DIST_MR];
                let x: [*const V::T; DIST_MR] =
                    std::array::from_fn(|r| points.row(i + r.min(mr - 1)).as_ptr());
                for c in 0..d {
                    let cv = V::load(panel.add(c * lanes));
                    for r in 0..DIST_MR {
                        let diff = V::splat(*x[r].add(c)).sub(cv);
                        acc[r] = diff.fmadd(diff, acc[r]);
                    }
                }
                acc
            };
            let width = lanes.min(t - p * lanes);
            for (r, a) in acc.iter().enumerate().take(mr) {
                let o = (i + r) * t + p * lanes;
                if o + lanes <= out.len() {
                    // SAFETY: `o + lanes <= out.len()`; the caller guarantees the ISA.
                    unsafe { a.store(out.as_mut_ptr().add(o)) };
                } else {
                    // SAFETY: `row` holds `lanes` values.
                    unsafe { a.store(row.as_mut_ptr()) };
                    for (dst, &v) in out[o..o + width].iter_mut().zip(&row) {
                        *dst = v;
                    }
                }
            }
        }
        i += mr;
    }
}
// ANCHOR_END: distances_chunk

/// The largest copy [`PointLanes`] makes of `data`: at most 1 GiB and half the memory the
/// system has available. Bigger data stays where it is and goes through [`distances_chunk`]
/// (the copy doubles the init's memory, and only makes it faster). Data of at most
/// [`SMALL_LAYOUT_BYTES`] is laid out without asking the system: reading `/proc/meminfo`
/// costs ~20 µs, a tenth of laying out the slides' data.
pub(crate) fn layout_budget<T: kmeans_core::Scalar>(data: Points<'_, T>) -> usize {
    if std::mem::size_of_val(data.as_slice()) <= SMALL_LAYOUT_BYTES {
        return usize::MAX;
    }
    let half_available = kmeans_core::memory::available_memory()
        .map_or(usize::MAX, |a| usize::try_from(a / 2).unwrap_or(usize::MAX));
    (1usize << 30).min(half_available)
}

/// Bytes of data [`layout_budget`] always lets [`PointLanes`] copy.
const SMALL_LAYOUT_BYTES: usize = 4 << 20;

/// Points a rayon task lays out at once.
const LAYOUT_ROWS: usize = 4096;

/// The data with points in vector lanes: block `b` holds points `b·lanes .. b·lanes + lanes`
/// coordinate-major, `values[(b·d + c)·lanes + l]` = coordinate `c` of point `b·lanes + l`
/// (zeros past the last point). With one lane that is the data itself, which is then borrowed.
pub(crate) struct PointLanes<'a, T> {
    values: Values<'a, T>,
    n: usize,
    d: usize,
    lanes: usize,
}

enum Values<'a, T> {
    Copied(Aligned<T>),
    Borrowed(&'a [T]),
}

impl<'a, T: Elem> PointLanes<'a, T> {
    /// `data` laid out for vectors of `lanes`, or `None` when the copy would take more than
    /// `max_bytes` (or `d = 0`). Lays the blocks out in parallel.
    pub fn new(data: Points<'a, T>, lanes: usize, max_bytes: usize) -> Option<Self> {
        let (n, d) = data.shape();
        if lanes == 1 {
            let values = Values::Borrowed(data.as_slice());
            return Some(Self {
                values,
                n,
                d,
                lanes,
            });
        }
        copy(data, lanes, None, max_bytes)
    }

    /// The number of points.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The number of coordinates.
    pub fn d(&self) -> usize {
        self.d
    }

    /// The lanes the blocks were laid out for.
    pub fn lanes(&self) -> usize {
        self.lanes
    }

    /// The laid-out values (see [`PointLanes`]).
    pub fn values(&self) -> &[T] {
        match &self.values {
            Values::Copied(v) => v.as_slice(),
            Values::Borrowed(v) => v,
        }
    }
}

impl<T: Elem> PointLanes<'static, T> {
    /// `x − mu` for every point of `data`, laid out for vectors of `lanes` (always a copy),
    /// with each shifted point's `‖x − mu‖²` in `f64`; `None` over `max_bytes` (or `d = 0`).
    pub fn shifted(
        data: Points<'_, T>,
        lanes: usize,
        mu: &[T],
        max_bytes: usize,
    ) -> Option<(Self, Vec<f64>)> {
        assert_eq!(mu.len(), data.d(), "one shift per coordinate");
        let mut norms = vec![0.0f64; data.n().div_ceil(lanes) * lanes];
        let laid = copy(data, lanes, Some((mu, &mut norms)), max_bytes)?;
        norms.truncate(data.n());
        Some((laid, norms))
    }
}

/// The copy behind [`PointLanes::new`] and [`PointLanes::shifted`]: with a shift, `x − mu`,
/// and each point's squared norm summed lane by lane as each block is laid out (coordinate
/// after coordinate, as a sum per point would be, but for a whole block at once). Lays the
/// blocks out in parallel.
fn copy<'b, T: Elem>(
    data: Points<'_, T>,
    lanes: usize,
    shift: Option<(&[T], &mut [f64])>,
    max_bytes: usize,
) -> Option<PointLanes<'b, T>> {
    let (n, d) = data.shape();
    let len = n.div_ceil(lanes) * lanes * d;
    if d == 0 || len.saturating_mul(std::mem::size_of::<T>()) > max_bytes {
        return None;
    }
    let mut values = Aligned::zeros(len);
    let block = d * lanes;
    let rows = LAYOUT_ROWS.next_multiple_of(lanes);
    let src = data.as_slice();
    // Subtracting a zero shift is exact: both copies are one loop.
    let zeros = vec![T::zero(); d];
    let lay = |task: usize, out: &mut [T], mu: &[T], mut norms: Option<&mut [f64]>| {
        for (b, out) in out.chunks_exact_mut(block).enumerate() {
            let first = task * rows + b * lanes;
            let points = &src[first * d..(first + lanes).min(n) * d];
            for (l, row) in points.chunks_exact(d).enumerate() {
                for (c, (&v, &m)) in row.iter().zip(mu).enumerate() {
                    out[c * lanes + l] = v - m;
                }
            }
            if let Some(norms) = norms.as_deref_mut() {
                let norms = &mut norms[b * lanes..(b + 1) * lanes];
                for coordinate in out.chunks_exact(lanes) {
                    for (s, &v) in norms.iter_mut().zip(coordinate) {
                        *s += v.as_f64() * v.as_f64();
                    }
                }
            }
        }
    };
    // A small copy on the calling thread, in one task (see `MIN_PARALLEL_VALUES`).
    let min_len = kmeans_core::min_task_len(len, kmeans_core::MIN_PARALLEL_VALUES);
    let tasks = values.as_mut_slice().par_chunks_mut(rows * d);
    match shift {
        None => tasks
            .enumerate()
            .with_min_len(min_len)
            .for_each(|(task, out)| lay(task, out, &zeros, None)),
        Some((mu, norms)) => tasks
            .zip(norms.par_chunks_mut(rows))
            .enumerate()
            .with_min_len(min_len)
            .for_each(|(task, (out, norms))| lay(task, out, mu, Some(norms))),
    }
    Some(PointLanes {
        values: Values::Copied(values),
        n,
        d,
        lanes,
    })
}

/// Input and output of [`lanes_chunk`]: `out[j·len + i] = ‖x_{rows.start + i} − c_j‖²` for the
/// `t` rows of `centers` (`len = rows.len()`, one column per center).
pub(crate) struct LanesJob<'a, T> {
    pub points: &'a PointLanes<'a, T>,
    pub rows: Range<usize>,
    pub centers: Points<'a, T>,
    pub out: &'a mut [T],
}

// ANCHOR: lanes_chunk
/// The inits' distance block with points in the lanes: per coordinate, one load of a
/// lane-full of points, then for each center a broadcast of its coordinate, a subtract and an
/// FMA. Centers go in groups of at most 8 (accumulators in registers); a group of few centers
/// takes several blocks of points at once, so enough independent FMAs are in flight.
///
/// # Safety
/// `V`'s instruction set must be available; `points` is laid out for `V::LANES`;
/// `rows.end <= points.n()`; `centers` has `points.d` coordinates; `out` holds `rows.len() ×
/// centers.n()` values.
#[inline(always)]
pub(crate) unsafe fn lanes_chunk<V: Vector>(job: LanesJob<'_, V::T>) {
    let t = job.centers.n();
    let mut first = 0;
    while first < t {
        let group = (t - first).min(8);
        let g = Group {
            points: job.points,
            rows: job.rows.clone(),
            centers: job.centers,
            first,
        };
        let out = &mut *job.out;
        // SAFETY: forwarded from the caller; `first + G <= t`.
        unsafe {
            match group {
                1 => lanes_group::<V, 1, 4>(g, out),
                2 => lanes_group::<V, 2, 4>(g, out),
                3 => lanes_group::<V, 3, 2>(g, out),
                4 => lanes_group::<V, 4, 2>(g, out),
                5 => lanes_group::<V, 5, 1>(g, out),
                6 => lanes_group::<V, 6, 1>(g, out),
                7 => lanes_group::<V, 7, 1>(g, out),
                _ => lanes_group::<V, 8, 1>(g, out),
            }
        }
        first += group;
    }
}

/// Centers `first .. first + G` of a [`LanesJob`].
struct Group<'a, T> {
    points: &'a PointLanes<'a, T>,
    rows: Range<usize>,
    centers: Points<'a, T>,
    first: usize,
}

/// [`lanes_chunk`] for `G` centers, `MR` blocks of points per register tile (`MR·G ≤ 8`
/// accumulators: they, `MR` point vectors and a broadcast fit AVX2's 16 registers).
///
/// # Safety
/// As [`lanes_chunk`], and `first + G <= centers.n()`.
#[inline(always)]
unsafe fn lanes_group<V: Vector, const G: usize, const MR: usize>(
    g: Group<'_, V::T>,
    out: &mut [V::T],
) {
    let Group {
        points,
        rows,
        centers,
        first,
    } = g;
    let (d, lanes, len) = (points.d, V::LANES, rows.len());
    debug_assert_eq!(points.lanes, lanes);
    let values = points.values().as_ptr();
    let center: [*const V::T; G] = std::array::from_fn(|j| centers.row(first + j).as_ptr());
    let end = rows.end.div_ceil(lanes);
    const { assert!(V::LANES <= 16, "spill holds a vector of at most 16 lanes") };
    let mut spill = [V::T::zero(); 16];
    let mut b = rows.start / lanes;
    while b < end {
        let mr = MR.min(end - b);
        // SAFETY: blocks `b .. b + mr` lie below `ceil(n / lanes)`, each `d` rows of `lanes`
        // values; each center row holds `d` values; the caller guarantees the ISA.
        let acc: [[V; G]; MR] = unsafe {
            let x: [*const V::T; MR] =
                std::array::from_fn(|r| values.add((b + r.min(mr - 1)) * d * lanes));
            let mut acc = [[V::splat(V::T::zero()); G]; MR];
            for c in 0..d {
                let xv: [V; MR] = std::array::from_fn(|r| V::load(x[r].add(c * lanes)));
                for j in 0..G {
                    let cv = V::splat(*center[j].add(c));
                    for r in 0..MR {
                        let diff = xv[r].sub(cv);
                        acc[r][j] = diff.fmadd(diff, acc[r][j]);
                    }
                }
            }
            acc
        };
        for (r, acc) in acc.iter().enumerate().take(mr) {
            let block = (b + r) * lanes;
            let (lo, hi) = (block.max(rows.start), (block + lanes).min(rows.end));
            for (j, a) in acc.iter().enumerate() {
                let o = (first + j) * len + (lo - rows.start);
                if hi - lo == lanes {
                    // SAFETY: `o + lanes <= (first + j + 1)·len <= out.len()`; the caller
                    // guarantees the ISA.
                    unsafe { a.store(out.as_mut_ptr().add(o)) };
                } else {
                    // SAFETY: `spill` holds 16 values, at least `lanes`.
                    unsafe { a.store(spill.as_mut_ptr()) };
                    out[o..o + hi - lo].copy_from_slice(&spill[lo - block..hi - block]);
                }
            }
        }
        b += mr;
    }
}
// ANCHOR_END: lanes_chunk

#[cfg(test)]
mod tests {
    use super::*;

    /// Coordinate `c` of point `i` sits at block `i / lanes`, row `c`, lane `i % lanes`; the
    /// last block's missing points are zeros; a copy over the budget is refused.
    #[test]
    fn point_lanes_put_each_value_in_its_lane_and_respect_the_budget() {
        let (n, d, lanes) = (37, 3, 8);
        let data: Vec<f32> = (0..n * d).map(|v| v as f32 + 1.0).collect();
        let points = Points::new(&data, d).unwrap();
        let laid = PointLanes::new(points, lanes, usize::MAX).expect("within the budget");
        let values = laid.values();
        assert_eq!(values.len(), n.div_ceil(lanes) * lanes * d);
        for (b, block) in values.chunks_exact(d * lanes).enumerate() {
            for c in 0..d {
                for l in 0..lanes {
                    let i = b * lanes + l;
                    let want = if i < n { data[i * d + c] } else { 0.0 };
                    assert_eq!(block[c * lanes + l], want, "point {i}, coordinate {c}");
                }
            }
        }
        let bytes = std::mem::size_of_val(values);
        assert!(PointLanes::new(points, lanes, bytes).is_some());
        assert!(PointLanes::new(points, lanes, bytes - 1).is_none());
        // One lane is the data itself: borrowed, whatever the budget.
        let one = PointLanes::new(points, 1, 0).expect("borrowed");
        assert_eq!(one.values().as_ptr(), data.as_ptr());
    }
}
