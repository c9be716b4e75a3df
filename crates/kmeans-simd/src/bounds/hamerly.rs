//! Hamerly's bounds (Hamerly 2010), kept per fit in an [`IterationState`].
//!
//! Per point `i` with label `a` the state keeps a *lower bound* `l_i` on the distance to every
//! other centroid. Each iteration, with the centroids' drifts `δ_j = ‖c_j(new) − c_j(old)‖`
//! and `s_a` = half the distance from `c_a` to its nearest other centroid:
//!
//! 1. `l_i ← l_i − max_{j≠a} δ_j` (the triangle inequality: no other centroid came nearer by
//!    more than it moved);
//! 2. `u_i = ‖x_i − c_a‖`, computed exactly (one distance, `d` flops; it is also the point's
//!    inertia term, so nothing is estimated);
//! 3. if `u_i ≤ max(s_a, l_i)`, no centroid can be nearer than `c_a` and the point keeps its
//!    label without any other distance;
//! 4. otherwise the point *survives*. The survivors of a chunk are gathered into a contiguous
//!    block and go through one dense pass of the exact distance kernel against all `k`
//!    centroids ([`kernel::DistJob`]'s kernel: a SIMD register tile, as dense as Lloyd's), which
//!    gives the new label and a fresh lower bound (the second-smallest distance).
//!
//! Then, in point order, every point's exact distance to its centroid is added to the inertia
//! and the point into its cluster's sum, exactly as [`Exact`]'s fused kernel does it: with the
//! same labels, the new centroids and the inertia are bit-identical to `simd/iter/exact-par`.
//!
//! Why this is exact: see the module docs of `bounds`.
//!
//! **Memory.** One `f32` per point (`4·n` bytes) plus, per chunk, the gathered survivors
//! (at most a chunk of points) and their `chunk × k` distances; the n × k matrix never exists.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use kmeans_core::{IterationState, Points, Scalar};
use num_traits::{Float, Zero};

use super::{
    Config, Dense, Pool, SURVIVOR_BLOCK, Scratch, down_f32, drifts, half_gaps, lock, lower, margin,
    nearest_two_of,
};
use crate::isa::Dispatch;
use crate::kernel::{self, DotNearest, DotTwoJob, Job, Sums, Tiles};
use crate::pack::Packed;
use crate::run::{chunk_rows, finish_means, run_chunks_at};
use crate::vector::{Elem, Vector};

bounds_variant!(
    /// Hamerly's algorithm: one lower bound per point, centroid drifts and half the distance
    /// to the nearest other centroid decide which points need their distances; those survivors
    /// get a dense SIMD pass per chunk. Exact precision; optionally multi-threaded (the fixed
    /// chunks of `run.rs`, so results are bit-identical for any thread count).
    Hamerly,
    HamerlyState
);

impl Hamerly {
    /// Run the dense pass on Lloyd's dot-product register tile instead of exact differences:
    /// at Lloyd's speed, with the survivors' labels of `simd/iter/dot-blocked-par` (so the
    /// variant's precision is `DotProduct`); the lower bounds allow for the dot form's
    /// rounding, so kept points are still proven nearest. The first iteration of a fit is
    /// then Lloyd's own (`dot-blocked-par`'s kernel) with every lower bound at 0, so the
    /// second tests the half gaps alone and sends the rest through the dense pass: measured,
    /// this beats a dense first pass (which tracks runners-up for every point) on every
    /// `converge` row with structure, and ties on the uniform ones.
    pub fn dot_dense(mut self, on: bool) -> Self {
        self.0.dense = if on { Dense::Dot } else { Dense::Exact };
        self
    }
}

/// What every chunk needs to know about this iteration's centroids.
struct Moves<'a, T> {
    /// No bounds yet: every point goes through the dense pass.
    first: bool,
    /// `s_j`: half the distance from centroid `j` to its nearest other one, rounded down
    /// (∞ for `k = 1`).
    half: Vec<f64>,
    /// The largest drift, rounded up, and which centroid moved it.
    max: f64,
    argmax: usize,
    /// The second-largest drift (what the lower bound of a point of `argmax` loses).
    second: f64,
    /// With [`Dense::Dot`]: the centroids packed for the dot tile, and the largest `‖c′‖²`
    /// of them (for the dot form's rounding margin).
    packed: Option<(Packed<'a, T>, f64)>,
}

/// Input and output of the bounds chunk kernel.
struct HamerlyJob<'a, T> {
    points: Points<'a, T>,
    centroids: Points<'a, T>,
    labels: &'a mut [u32],
    sums: Option<Sums<'a, T>>,
    /// The chunk's lower bounds: per point, on its distance to every centroid but its own
    /// (`f32`, rounded down).
    lower: &'a mut [f32],
    scratch: &'a mut Scratch<T>,
    moves: &'a Moves<'a, T>,
}

impl<T: Elem> Job<T> for HamerlyJob<'_, T> {
    type Output = f64;
    #[inline(always)]
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) -> f64 {
        // SAFETY: forwarded from the caller.
        unsafe {
            if self.moves.packed.is_some() {
                hamerly_dot_chunk::<V, S>(self)
            } else {
                hamerly_chunk::<V>(self)
            }
        }
    }
}

/// Filter the chunk's points by their bounds, re-assign the survivors in one dense pass, then
/// add every point into its cluster in point order. Returns the chunk's inertia.
///
/// # Safety
/// `V`'s instruction set must be available.
#[inline(always)]
unsafe fn hamerly_chunk<V: Vector>(job: HamerlyJob<'_, V::T>) -> f64 {
    let HamerlyJob {
        points,
        centroids,
        labels,
        mut sums,
        lower: bound,
        scratch,
        moves,
    } = job;
    let (n, d) = (points.n(), points.d());
    let margin = margin::<V::T>(d);
    let tiny = V::T::min_positive_value().as_f64();
    let Scratch {
        dist,
        survivors,
        gather,
        near,
        packed,
        ..
    } = scratch;
    survivors.clear();
    dist.resize(n, V::T::zero());
    for i in 0..n {
        if moves.first {
            survivors.push(i);
            continue;
        }
        let a = labels[i] as usize;
        // SAFETY: both rows hold `d` values; the caller guarantees the ISA.
        let du2 = unsafe {
            kernel::sq_diff::<V>(points.row(i).as_ptr(), centroids.row(a).as_ptr(), d).reduce_add()
        };
        dist[i] = du2;
        let upper = (du2.as_f64() * (1.0 + margin) + tiny).sqrt();
        let drift = if a == moves.argmax {
            moves.second
        } else {
            moves.max
        };
        let lower = f64::from(bound[i]) - drift;
        bound[i] = down_f32(lower);
        if upper > moves.half[a].max(lower) {
            survivors.push(i);
        }
    }
    if !survivors.is_empty() {
        packed.pack(centroids, V::LANES);
    }
    for block in survivors.chunks(SURVIVOR_BLOCK) {
        // SAFETY: `packed` holds the centroids packed for `V`; the caller guarantees the ISA.
        unsafe { nearest_two_of::<V>(points, block.iter().copied(), packed, gather, near) };
        for (&i, nearest) in block.iter().zip(near.iter()) {
            let best = nearest.at as usize;
            labels[i] = best as u32;
            bound[i] = lower(nearest.second, d);
            // The same kernel as for kept points (and as `Exact`), so the inertia term does
            // not depend on which path the point took.
            // SAFETY: both rows hold `d` values; the caller guarantees the ISA.
            dist[i] = unsafe {
                kernel::sq_diff::<V>(points.row(i).as_ptr(), centroids.row(best).as_ptr(), d)
                    .reduce_add()
            };
        }
    }
    let mut inertia = 0.0f64;
    for (i, x) in points.rows().enumerate() {
        inertia += dist[i].as_f64();
        if let Some(s) = sums.as_mut() {
            let j = labels[i] as usize;
            // SAFETY: row `j` of `sums` is padded to `stride >= d` rounded up to LANES and
            // distinct from the data; the caller guarantees the ISA.
            unsafe { kernel::add_row::<V>(s.sums[j * s.stride..].as_mut_ptr(), x.as_ptr(), d) };
            s.counts[j] += 1;
        }
    }
    inertia
}

/// [`hamerly_chunk`] with the dense pass on the dot tile ([`Dense::Dot`]), in one pass over
/// the data: a kept point is added into its cluster right after its bounds test, while its
/// row is still in L1, and the survivors after their dense pass. (The sums are then added in
/// another order than plain Lloyd's, so they match `dot-blocked-par`'s within rounding, not
/// bit for bit; [`Dense::Exact`] keeps the point order.) The test compares squares, so a kept
/// point costs no square root. Returns the chunk's inertia (exact distances).
///
/// # Safety
/// `V`'s instruction set must be available; `job.moves.packed` is `Some`, packed for this
/// ISA's register tile.
#[inline(always)]
unsafe fn hamerly_dot_chunk<V: Vector, S: Tiles>(job: HamerlyJob<'_, V::T>) -> f64 {
    let HamerlyJob {
        points,
        centroids,
        labels,
        mut sums,
        lower: bound,
        scratch,
        moves,
    } = job;
    let Some((tile, max_c)) = &moves.packed else {
        unreachable!("the dot chunk runs with packed centroids")
    };
    let (n, d) = (points.n(), points.d());
    // `u ≤ m` tested as `u² ≤ m²`, both sides on their safe side: the computed square grown
    // by its rounding margin, `m²` shrunk by four roundings of f64.
    let grow = 1.0 + margin::<V::T>(d);
    let shrink = 1.0 - 4.0 * f64::EPSILON;
    let tiny = V::T::min_positive_value().as_f64();
    let Scratch {
        survivors,
        near_dot,
        dot,
        ..
    } = scratch;
    survivors.clear();
    let mut inertia = 0.0f64;
    // The first iteration is Lloyd's (see `HamerlyState::iterate`): here every point has a
    // label and a bound.
    debug_assert!(!moves.first);
    for i in 0..n {
        let a = labels[i] as usize;
        let x = points.row(i).as_ptr();
        // SAFETY: both rows hold `d` values; the caller guarantees the ISA.
        let du2 = unsafe { kernel::sq_diff::<V>(x, centroids.row(a).as_ptr(), d).reduce_add() };
        let du2 = du2.as_f64();
        let drift = if a == moves.argmax {
            moves.second
        } else {
            moves.max
        };
        let lower = f64::from(bound[i]) - drift;
        let m = moves.half[a].max(lower);
        if m > 0.0 && du2 * grow + tiny <= m * m * shrink {
            bound[i] = down_f32(lower);
            inertia += du2;
            if let Some(s) = sums.as_mut() {
                // SAFETY: row `a < k` of `sums` (a separate buffer) is padded to `stride ≥ d`
                // rounded up to LANES; `x` holds `d` values; the caller guarantees the ISA.
                unsafe { kernel::add_row::<V>(s.sums[a * s.stride..].as_mut_ptr(), x, d) };
                s.counts[a] += 1;
            }
        } else {
            survivors.push(i);
        }
    }
    if survivors.is_empty() {
        return inertia;
    }
    near_dot.resize(survivors.len(), DotNearest::default());
    // SAFETY: `tile` was packed for this ISA's register tile (by `Dispatch::tile`); every
    // survivor is a row of the chunk; the caller guarantees the ISA.
    unsafe {
        S::dot_two::<V>(DotTwoJob {
            points,
            rows: survivors,
            packed: tile,
            out: near_dot,
            scratch: dot,
        })
    };
    for (&i, nearest) in survivors.iter().zip(near_dot.iter()) {
        let best = nearest.at as usize;
        labels[i] = best as u32;
        bound[i] = down_f32(nearest.lower_sq(d, *max_c).sqrt());
        let (x, c) = (points.row(i).as_ptr(), centroids.row(best).as_ptr());
        // SAFETY: as in the loop above; `best < k`.
        let du2 = unsafe {
            match sums.as_mut() {
                Some(s) => {
                    s.counts[best] += 1;
                    let row = s.sums[best * s.stride..].as_mut_ptr();
                    kernel::sq_diff_add::<V>(x, c, row, d)
                }
                None => kernel::sq_diff::<V>(x, c, d),
            }
            .reduce_add()
        };
        inertia += du2.as_f64();
    }
    inertia
}

/// The bounds of one fit (see the module docs).
pub(super) struct HamerlyState<T> {
    config: Config,
    first: bool,
    /// The centroids the bounds were computed against (`k × d`).
    previous: Vec<T>,
    /// Lower bounds, one vector per fixed chunk of `run.rs`; each chunk locks only its own.
    lower: Vec<Mutex<Vec<f32>>>,
    /// Scratch buffers of the chunks in flight.
    scratch: Pool<T>,
    /// Point–centroid distances the last iteration computed.
    distances: u64,
}

impl<T: Dispatch> HamerlyState<T> {
    pub(super) fn new(config: Config, n: usize, k: usize, d: usize) -> Self {
        let rows = chunk_rows(n);
        let lower = (0..n.div_ceil(rows))
            .map(|c| Mutex::new(vec![0.0; rows.min(n - c * rows)]))
            .collect();
        Self {
            config,
            first: true,
            previous: vec![T::zero(); k * d],
            lower,
            scratch: Pool::default(),
            distances: 0,
        }
    }

    /// Drifts since the last iteration and half the centroid-to-centroid distances, with
    /// their margins (see the module docs).
    fn moves<'a>(&self, centroids: Points<'a, T>) -> Moves<'a, T> {
        let half = half_gaps(self.config.machine, centroids);
        let (mut max, mut argmax, mut second) = (0.0f64, 0, 0.0f64);
        if !self.first {
            for (j, drift) in drifts(centroids, &self.previous).into_iter().enumerate() {
                if drift > max {
                    (second, max, argmax) = (max, drift, j);
                } else if drift > second {
                    second = drift;
                }
            }
        }
        let packed = (self.config.dense == Dense::Dot).then(|| {
            let (_, nr) = T::tile(self.config.machine, centroids.n());
            let tile = Packed::new(centroids, nr, true);
            // `init` holds −‖c′‖²/2 (rounded to T; a relative ε is far inside the margin).
            let max_c = tile
                .init
                .iter()
                .map(|v| -2.0 * v.as_f64())
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            (tile, max_c)
        });
        Moves {
            first: self.first,
            half,
            max,
            argmax,
            second,
            packed,
        }
    }
}

impl<T: Dispatch> IterationState<T> for HamerlyState<T> {
    fn iterate(
        &mut self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
    ) -> f64 {
        if self.first && self.config.dense == Dense::Dot {
            // Lloyd's iteration on the dot tile: no runner-up to track, no bounds to write —
            // they stay 0, true of any distance — so the next iteration tests the half gaps
            // alone and sends what fails them through the dense pass.
            let inertia = crate::Dot::on(self.config.machine, self.config.parallel).run(
                data,
                centroids,
                labels,
                Some((new_centroids, counts)),
            );
            self.previous.copy_from_slice(centroids.as_slice());
            self.first = false;
            self.distances = (data.n() * centroids.n()) as u64;
            return inertia;
        }
        let moves = self.moves(centroids);
        let (machine, lower, pool) = (self.config.machine, &self.lower, &self.scratch);
        let k = centroids.n();
        let distances = AtomicU64::new(0);
        let totals = run_chunks_at(
            data,
            labels,
            k,
            true,
            self.config.parallel,
            &|c, points, labels, sums| {
                pool.with(|scratch| {
                    let inertia = T::run(
                        machine,
                        HamerlyJob {
                            points,
                            centroids,
                            labels,
                            sums,
                            lower: &mut lock(&lower[c]),
                            scratch,
                            moves: &moves,
                        },
                    );
                    // One distance per point to its own centroid (none in the first
                    // iteration), k per survivor.
                    let own = if moves.first { 0 } else { points.n() };
                    let dense = scratch.survivors.len() * k;
                    distances.fetch_add((own + dense) as u64, Ordering::Relaxed);
                    inertia
                })
            },
        );
        finish_means(&totals, data.d(), new_centroids, counts);
        self.previous.copy_from_slice(centroids.as_slice());
        self.first = false;
        self.distances = distances.into_inner();
        totals.inertia
    }

    fn distances(&self) -> Option<u64> {
        Some(self.distances)
    }
}
