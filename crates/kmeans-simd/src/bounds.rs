//! Exact k-means that skips distance work: Hamerly's bounds (Hamerly 2010), kept per fit in an
//! [`IterationState`], on the SIMD kernels.
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
//!    centroids ([`kernel::distances_chunk`]: a SIMD register tile, as dense as Lloyd's), which
//!    gives the new label and a fresh lower bound (the second-smallest distance).
//!
//! Then, in point order, every point's exact distance to its centroid is added to the inertia
//! and the point into its cluster's sum, exactly as [`Exact`]'s fused kernel does it: with the
//! same labels, the new centroids and the inertia are bit-identical to `simd/iter/exact-par`.
//!
//! **Why it is exact.** A point is kept only when the bound *proves* `c_a` nearest: the computed
//! squared distance to `c_a` is rounded up by `2·(d + 3)·ε` (the relative error of a sum of
//! `d` squared differences is below `(d + 3)·ε`), the second-smallest distance and the
//! centroid-to-centroid distances are rounded down by as much, drifts up, and the lower bounds
//! are stored in `f32` rounded *down* (toward −∞), so every stored bound stays on its safe side
//! whatever the data's type. Points too close to call go through the dense pass. Labels can
//! therefore differ from plain Lloyd's only where Lloyd's own rounding cannot tell two
//! centroids apart: a genuine tie.
//!
//! **Memory.** One `f32` per point (`4·n` bytes) plus, per chunk, the gathered survivors
//! (at most a chunk of points) and their `chunk × k` distances; the n × k matrix never exists.

use std::sync::Mutex;

use kmeans_core::{AssignStep, IterationState, IterationStep, Points, Scalar};
use num_traits::{Float, Zero};

use crate::isa::{Dispatch, Isa, Machine};
use crate::kernel::{self, DistJob, Job, Sums, Tiles};
use crate::run::{chunk_rows, finish_means, run_chunks_at};
use crate::steps::Exact;
use crate::vector::{Elem, Vector};

/// Hamerly's algorithm: one lower bound per point, centroid drifts and half the distance to
/// the nearest other centroid decide which points need their distances; those survivors get a
/// dense SIMD pass per chunk. Exact precision; optionally multi-threaded (the fixed chunks of
/// `run.rs`, so results are bit-identical for any thread count).
#[derive(Clone, Copy, Debug)]
pub struct Hamerly {
    machine: Machine,
    exact: Exact,
    parallel: bool,
}

impl Default for Hamerly {
    fn default() -> Self {
        Self::new()
    }
}

impl Hamerly {
    /// Single-threaded, on the ISA [`Isa::detected`] picked.
    pub fn new() -> Self {
        Self {
            machine: Machine::detected(),
            exact: Exact::new(),
            parallel: false,
        }
    }

    /// Pinned to `isa`; `None` when this CPU lacks it.
    pub fn with_isa(isa: Isa) -> Option<Self> {
        Some(Self {
            machine: Machine::new(isa)?,
            exact: Exact::with_isa(isa)?,
            parallel: false,
        })
    }

    /// Run chunks on rayon's current pool.
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self.exact = self.exact.parallel(parallel);
        self
    }

    /// The ISA this step runs.
    pub fn isa(&self) -> Isa {
        self.machine.isa()
    }
}

/// Relative rounding margin of a computed squared distance over `d` coordinates: twice the
/// `(d + 3)·ε` bound of the conformance kit.
fn margin<T: Scalar>(d: usize) -> f64 {
    2.0 * (d + 3) as f64 * T::epsilon().as_f64()
}

/// `x` rounded toward −∞ to `f32`, one more `f64` rounding's worth below (so a lower bound
/// computed in `f64` stays a lower bound); `f32::MAX` for finite `x` beyond it, ∞ for ∞.
fn down_f32(x: f64) -> f32 {
    if x == f64::INFINITY {
        return f32::INFINITY;
    }
    let x = x - x.abs() * f64::EPSILON;
    let y = x as f32;
    if f64::from(y) > x { y.next_down() } else { y }
}

/// What every chunk needs to know about this iteration's centroids.
struct Moves {
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
}

/// Survivors per dense pass: small enough that their `SURVIVOR_BLOCK × k` distances stay in
/// L2 and the scratch stays far below `n × k`, large enough to fill the register tiles.
pub(crate) const SURVIVOR_BLOCK: usize = 256;

/// One running chunk's scratch buffers, taken from a pool (one per thread in flight), so no
/// chunk allocates in the steady state and memory does not grow with the number of chunks.
#[derive(Default)]
struct Scratch<T> {
    /// Per point of the chunk: its squared distance to its centroid, in the data's type.
    dist: Vec<T>,
    /// Indices (in the chunk) of the points whose bounds failed.
    survivors: Vec<usize>,
    /// One block of survivors' coordinates, contiguous, for the dense pass.
    gather: Vec<T>,
    /// The dense pass's `block × k` squared distances.
    out: Vec<T>,
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
    moves: &'a Moves,
}

impl<T: Elem> Job<T> for HamerlyJob<'_, T> {
    type Output = f64;
    #[inline(always)]
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) -> f64 {
        // SAFETY: forwarded from the caller.
        unsafe { hamerly_chunk::<V>(self) }
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
    let (n, d, k) = (points.n(), points.d(), centroids.n());
    let margin = margin::<V::T>(d);
    let tiny = V::T::min_positive_value().as_f64();
    let Scratch {
        dist,
        survivors,
        gather,
        out,
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
    for block in survivors.chunks(SURVIVOR_BLOCK) {
        gather.clear();
        for &i in block {
            gather.extend_from_slice(points.row(i));
        }
        out.resize(block.len() * k, V::T::zero());
        let rows = Points::new(gather, d).expect("d >= 1 and whole rows were gathered");
        // SAFETY: `out` holds `block.len() × k` values; the caller guarantees the ISA.
        unsafe {
            kernel::distances_chunk::<V>(DistJob {
                points: rows,
                centers: centroids,
                out,
            });
        }
        for (r, &i) in block.iter().enumerate() {
            let (mut best, mut first, mut second) = (0, V::T::infinity(), V::T::infinity());
            for (j, &v) in out[r * k..(r + 1) * k].iter().enumerate() {
                if v < first {
                    (best, second, first) = (j, first, v);
                } else if v < second {
                    second = v;
                }
            }
            labels[i] = best as u32;
            bound[i] = down_f32((second.as_f64() * (1.0 - margin)).max(0.0).sqrt());
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

/// The bounds of one fit (see the module docs).
struct HamerlyState<T> {
    step: Hamerly,
    first: bool,
    /// The centroids the bounds were computed against (`k × d`).
    previous: Vec<T>,
    /// Lower bounds, one vector per fixed chunk of `run.rs`; each chunk locks only its own.
    lower: Vec<Mutex<Vec<f32>>>,
    /// Scratch buffers of the chunks in flight.
    scratch: Mutex<Vec<Scratch<T>>>,
}

impl<T: Dispatch> HamerlyState<T> {
    fn new(step: Hamerly, n: usize, k: usize, d: usize) -> Self {
        let rows = chunk_rows(n);
        let lower = (0..n.div_ceil(rows))
            .map(|c| Mutex::new(vec![0.0; rows.min(n - c * rows)]))
            .collect();
        Self {
            step,
            first: true,
            previous: vec![T::zero(); k * d],
            lower,
            scratch: Mutex::new(Vec::new()),
        }
    }

    /// Drifts since the last iteration and half the centroid-to-centroid distances, with
    /// their margins (see the module docs).
    fn moves(&self, centroids: Points<'_, T>) -> Moves {
        let (k, d) = centroids.shape();
        let mut half = vec![f64::INFINITY; k];
        if k > 1 {
            let mut cc = vec![T::zero(); k * k];
            T::run(
                self.step.machine,
                DistJob {
                    points: centroids,
                    centers: centroids,
                    out: &mut cc,
                },
            );
            let shrink = 1.0 - margin::<T>(d);
            for (j, h) in half.iter_mut().enumerate() {
                let nearest = cc[j * k..(j + 1) * k]
                    .iter()
                    .enumerate()
                    .filter(|&(q, _)| q != j)
                    .map(|(_, v)| v.as_f64())
                    .fold(f64::INFINITY, f64::min);
                *h = 0.5 * (nearest * shrink).max(0.0).sqrt() * (1.0 - 4.0 * f64::EPSILON);
            }
        }
        let (mut max, mut argmax, mut second) = (0.0f64, 0, 0.0f64);
        if !self.first {
            for (j, (c, p)) in centroids
                .rows()
                .zip(self.previous.chunks_exact(d))
                .enumerate()
            {
                let sq: f64 = c
                    .iter()
                    .zip(p)
                    .map(|(&a, &b)| (a.as_f64() - b.as_f64()).powi(2))
                    .sum();
                let drift = sq.sqrt() * (1.0 + 4.0 * (d + 2) as f64 * f64::EPSILON);
                if drift > max {
                    (second, max, argmax) = (max, drift, j);
                } else if drift > second {
                    second = drift;
                }
            }
        }
        Moves {
            first: self.first,
            half,
            max,
            argmax,
            second,
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
        let moves = self.moves(centroids);
        let (machine, lower, pool) = (self.step.machine, &self.lower, &self.scratch);
        let lock = |m| Mutex::lock(m).unwrap_or_else(|e| e.into_inner());
        let totals = run_chunks_at(
            data,
            labels,
            centroids.n(),
            true,
            self.step.parallel,
            &|c, points, labels, sums| {
                let mut scratch = lock(pool).pop().unwrap_or_default();
                let inertia = T::run(
                    machine,
                    HamerlyJob {
                        points,
                        centroids,
                        labels,
                        sums,
                        lower: &mut Mutex::lock(&lower[c]).unwrap_or_else(|e| e.into_inner()),
                        scratch: &mut scratch,
                        moves: &moves,
                    },
                );
                lock(pool).push(scratch);
                inertia
            },
        );
        finish_means(&totals, data.d(), new_centroids, counts);
        self.previous.copy_from_slice(centroids.as_slice());
        self.first = false;
        totals.inertia
    }
}

macro_rules! steps {
    ($($t:ty),*) => {$(
        impl IterationStep<$t> for Hamerly {
            fn assign(&self, data: Points<'_, $t>, centroids: Points<'_, $t>, labels: &mut [u32]) -> f64 {
                IterationStep::assign(&self.exact, data, centroids, labels)
            }
            fn iterate(
                &self,
                data: Points<'_, $t>,
                centroids: Points<'_, $t>,
                labels: &mut [u32],
                new_centroids: &mut [$t],
                counts: &mut [u32],
            ) -> f64 {
                // Without a fit to keep bounds for, one iteration is the dense pass.
                HamerlyState::new(*self, data.n(), centroids.n(), data.d())
                    .iterate(data, centroids, labels, new_centroids, counts)
            }
            fn sq_distances(&self, data: Points<'_, $t>, centers: Points<'_, $t>, out: &mut [$t]) {
                self.exact.sq_distances(data, centers, out);
            }
            fn start(&self, data: Points<'_, $t>, k: usize) -> Option<Box<dyn IterationState<$t>>> {
                Some(Box::new(HamerlyState::<$t>::new(*self, data.n(), k, data.d())))
            }
        }
        impl AssignStep<$t> for Hamerly {
            fn assign(&self, data: Points<'_, $t>, centroids: Points<'_, $t>, labels: &mut [u32]) {
                AssignStep::assign(&self.exact, data, centroids, labels);
            }
        }
    )*};
}
steps!(f32, f64);
