//! Exact k-means that skips distance work, on the SIMD kernels: bounds kept per fit in an
//! [`IterationState`](kmeans_core::IterationState) prove, for most points, that their centroid
//! is still the nearest, so they need no (or one) distance; the rest — the *survivors* — are
//! gathered into blocks and go through a dense pass, a SIMD register tile as dense as Lloyd's.
//!
//! - [`Hamerly`] (Hamerly 2010): one lower bound per point, on its distance to every other
//!   centroid. Its dense pass is exact differences ([`kernel::nearest_two_chunk`]), or with
//!   [`Hamerly::dot_dense`] (`simd/iter/hamerly-dot`) Lloyd's dot-product tile
//!   ([`kernel::dot_two_chunk`]), which runs at Lloyd's speed.
//! - [`Yinyang`] (Ding et al. 2015): the centroids in `t ≈ k/10` groups, one lower bound per
//!   point and group; a survivor recomputes only the groups its bounds cannot rule out.
//! - [`Auto`] (`simd/iter/auto`, the default fit's variant): `hamerly-dot` where the shape
//!   lets the bounds pay, Lloyd elsewhere (the rule is in `auto.rs`).
//!
//! The exact variants add every point into its cluster in point order, with the same kernel
//! as [`Exact`](crate::Exact): with the same labels, their centroids and inertia are
//! bit-identical to `simd/iter/exact-par`. `hamerly-dot` adds a kept point in the pass that
//! tests its bounds (one pass over the data), so its means equal `dot-blocked-par`'s within
//! rounding.
//!
//! **Why they are exact.** A point is kept only when the bounds *prove* its centroid nearest.
//! Every computed squared distance is rounded up by [`margin`] (the relative error of a sum of
//! `d` squared differences is below `(d + 3)·ε`) where it serves as an upper bound and down
//! where it serves as a lower bound; a lower bound from the dot form also loses that form's
//! worst-case rounding ([`kernel::DotNearest::lower_sq`]); drifts are rounded up; and the
//! bounds are stored in `f32` rounded toward their safe side ([`down_f32`], [`up_f32`], and
//! each later `f32` update stepped one ulp further), whatever the data's type. Points too
//! close to call survive. Labels can therefore differ from plain Lloyd's only where Lloyd's
//! own rounding cannot tell two centroids apart: a genuine tie.

/// A bounds variant's public type: the ISA, the exact step that plain assignments (and the
/// first iteration of a fit without state) go through, threads; and its [`IterationStep`],
/// which starts a `$state` per fit (`$state::new(config, n, k, d)`).
macro_rules! bounds_variant {
    ($(#[$doc:meta])* $name:ident, $state:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name(super::Config);

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $name {
            /// Single-threaded, on the ISA [`Isa::detected`](crate::Isa::detected) picked.
            pub fn new() -> Self {
                Self(super::Config {
                    machine: crate::isa::Machine::detected(),
                    exact: crate::Exact::new(),
                    parallel: false,
                    dense: super::Dense::Exact,
                })
            }

            /// Pinned to `isa`; `None` when this CPU lacks it.
            pub fn with_isa(isa: crate::Isa) -> Option<Self> {
                Some(Self(super::Config {
                    machine: crate::isa::Machine::new(isa)?,
                    exact: crate::Exact::with_isa(isa)?,
                    parallel: false,
                    dense: super::Dense::Exact,
                }))
            }

            /// Run chunks on rayon's current pool.
            pub fn parallel(mut self, parallel: bool) -> Self {
                self.0.parallel = parallel;
                self.0.exact = self.0.exact.parallel(parallel);
                self
            }

            /// The ISA this step runs.
            pub fn isa(&self) -> crate::Isa {
                self.0.machine.isa()
            }
        }

        bounds_variant!(@steps $name, $state, f32);
        bounds_variant!(@steps $name, $state, f64);
    };
    (@steps $name:ident, $state:ident, $t:ty) => {
        impl kmeans_core::IterationStep<$t> for $name {
            fn assign(
                &self,
                data: Points<'_, $t>,
                centroids: Points<'_, $t>,
                labels: &mut [u32],
            ) -> f64 {
                kmeans_core::IterationStep::assign(&self.0.exact, data, centroids, labels)
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
                $state::new(self.0, data.n(), centroids.n(), data.d())
                    .iterate(data, centroids, labels, new_centroids, counts)
            }
            fn sq_distances(&self, data: Points<'_, $t>, centers: Points<'_, $t>, out: &mut [$t]) {
                kmeans_core::IterationStep::sq_distances(&self.0.exact, data, centers, out);
            }
            fn prepare_distances<'a>(
                &'a self,
                data: Points<'a, $t>,
                passes: usize,
            ) -> Box<dyn kmeans_core::FewCenterDistances<$t> + 'a> {
                kmeans_core::IterationStep::prepare_distances(&self.0.exact, data, passes)
            }
            fn start(
                &self,
                data: Points<'_, $t>,
                k: usize,
            ) -> Option<Box<dyn IterationState<$t>>> {
                Some(Box::new($state::<$t>::new(self.0, data.n(), k, data.d())))
            }
        }
        impl kmeans_core::AssignStep<$t> for $name {
            fn assign(&self, data: Points<'_, $t>, centroids: Points<'_, $t>, labels: &mut [u32]) {
                kmeans_core::AssignStep::assign(&self.0.exact, data, centroids, labels);
            }
        }
    };
}

pub mod auto;
mod hamerly;
mod yinyang;

pub use auto::Auto;
pub use hamerly::Hamerly;
pub use yinyang::Yinyang;
pub(crate) use yinyang::groups_for;

use std::sync::Mutex;

use kmeans_core::{Points, Scalar};

use crate::isa::{Dispatch, Machine};
use crate::kernel::{self, DistJob, DotNearest, DotTwoScratch, NearPanels, Nearest};
use crate::vector::{Elem, Vector};

/// What every bounds variant is configured with.
#[derive(Clone, Copy, Debug)]
struct Config {
    machine: Machine,
    /// The exact step plain assignments go through.
    exact: crate::Exact,
    parallel: bool,
    /// How the survivors find their nearest two centroids.
    dense: Dense,
}

/// The bounds variants' dense pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dense {
    /// Exact differences ([`kernel::nearest_two_chunk`]): the labels, centroids and inertia
    /// of `simd/iter/exact-par`, bit for bit.
    Exact,
    /// Lloyd's dot-product register tile ([`kernel::dot_two_chunk`]): the survivors' labels
    /// are `simd/iter/dot-blocked-par`'s, at its speed; the lower bounds subtract the dot
    /// form's worst-case rounding ([`kernel::DotNearest::lower_sq`]).
    Dot,
}

/// Survivors per dense pass: small enough that their `SURVIVOR_BLOCK × k` distances stay in
/// L2 and the scratch stays far below `n × k`, large enough to fill the register tiles.
pub(crate) const SURVIVOR_BLOCK: usize = 256;

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

/// `x ≥ 0` rounded toward +∞ to `f32`, one more `f64` rounding's worth above (so an upper
/// bound computed in `f64` stays an upper bound).
fn up_f32(x: f64) -> f32 {
    let x = x + x.abs() * f64::EPSILON;
    let y = x as f32;
    if f64::from(y) < x { y.next_up() } else { y }
}

/// An upper bound on `‖x − c‖` from its computed square `sq` over `d` coordinates.
fn upper<T: Scalar>(sq: T, d: usize) -> f32 {
    let tiny = T::min_positive_value().as_f64();
    up_f32((sq.as_f64() * (1.0 + margin::<T>(d)) + tiny).sqrt())
}

/// A lower bound on `‖x − c‖` from its computed square `sq` over `d` coordinates.
fn lower<T: Scalar>(sq: T, d: usize) -> f32 {
    down_f32((sq.as_f64() * (1.0 - margin::<T>(d))).max(0.0).sqrt())
}

/// How far each centroid moved since the bounds were computed, rounded up: `‖c_j(new) −
/// c_j(old)‖` from `f64` differences, plus `4·(d + 2)·ε` of it for the sum's rounding.
fn drifts<T: Scalar>(centroids: Points<'_, T>, previous: &[T]) -> Vec<f64> {
    let d = centroids.d();
    centroids
        .rows()
        .zip(previous.chunks_exact(d))
        .map(|(c, p)| {
            let sq: f64 = c
                .iter()
                .zip(p)
                .map(|(&a, &b)| (a.as_f64() - b.as_f64()).powi(2))
                .sum();
            sq.sqrt() * (1.0 + 4.0 * (d + 2) as f64 * f64::EPSILON)
        })
        .collect()
}

/// `s_j`: half the distance from centroid `j` to its nearest other one, rounded down (∞ for
/// `k = 1`). A point within `s_a` of its centroid `a` is nearer to it than to any other.
fn half_gaps<T: Dispatch>(machine: Machine, centroids: Points<'_, T>) -> Vec<f64> {
    let (k, d) = centroids.shape();
    let mut half = vec![f64::INFINITY; k];
    if k > 1 {
        let mut cc = vec![T::zero(); k * k];
        T::run(
            machine,
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
    half
}

/// One running chunk's scratch buffers, taken from a [`Pool`] (one per thread in flight), so
/// no chunk allocates in the steady state and memory does not grow with the number of chunks.
#[derive(Default)]
struct Scratch<T> {
    /// Hamerly: per point of the chunk, its squared distance to its centroid, in the data's
    /// type.
    dist: Vec<T>,
    /// Indices (in the chunk) of the points whose bounds failed.
    survivors: Vec<usize>,
    /// One block of survivors' coordinates, contiguous, for the dense pass.
    gather: Vec<T>,
    /// The dense pass's nearest two centroids per gathered survivor.
    near: Vec<Nearest<T>>,
    /// The same from the dot-form dense pass, and its packing buffers.
    near_dot: Vec<DotNearest<T>>,
    dot: DotTwoScratch<T>,
    /// The centroids packed for the dense pass (Yinyang: all of them, then group by group).
    packed: NearPanels<T>,
    group_packed: Vec<NearPanels<T>>,
    /// Yinyang: positions (in the block) of the survivors that recompute one group; per
    /// survivor and group, whether it did and the group's nearest two.
    members: Vec<usize>,
    examined: Vec<bool>,
    groups: Vec<Nearest<T>>,
}

/// The scratch buffers of the chunks in flight.
#[derive(Default)]
struct Pool<T>(Mutex<Vec<Scratch<T>>>);

impl<T: Elem> Pool<T> {
    /// Run `f` with a scratch buffer from the pool, and give it back.
    fn with<R>(&self, f: impl FnOnce(&mut Scratch<T>) -> R) -> R {
        let mut scratch = lock(&self.0).pop().unwrap_or_default();
        let r = f(&mut scratch);
        lock(&self.0).push(scratch);
        r
    }
}

/// The dense pass of a block: the rows `rows` of `points` gathered into `gather` (contiguous,
/// for the register tile), and their nearest two among `centers` written to `near`, one per
/// row in order.
///
/// # Safety
/// `V`'s instruction set must be available; `centers` were packed for `V::LANES` and the
/// points' `d`.
#[inline(always)]
unsafe fn nearest_two_of<V: Vector>(
    points: Points<'_, V::T>,
    rows: impl Iterator<Item = usize>,
    centers: &NearPanels<V::T>,
    gather: &mut Vec<V::T>,
    near: &mut Vec<Nearest<V::T>>,
) {
    gather.clear();
    for i in rows {
        gather.extend_from_slice(points.row(i));
    }
    let rows = Points::new(gather, points.d()).expect("d >= 1 and whole rows were gathered");
    near.resize(rows.n(), Nearest::default());
    // SAFETY: `near` holds a value per gathered row; the caller guarantees the rest.
    unsafe { kernel::nearest_two_chunk::<V>(rows, centers, near) };
}

/// A lock that a panic elsewhere does not poison for good (the buffers stay usable).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundings_stay_on_their_safe_side() {
        for x in [0.0, 1e-30, 0.1, 1.0 / 3.0, 2.5, 1e30, 3.4e38] {
            assert!(f64::from(down_f32(x)) <= x, "{x}");
            assert!(f64::from(up_f32(x)) >= x, "{x}");
        }
        assert_eq!(down_f32(f64::INFINITY), f32::INFINITY);
        // The squared-distance bounds bracket the true distance.
        let sq = 2.0f32;
        assert!(f64::from(lower(sq, 4)) < 2f64.sqrt() && f64::from(upper(sq, 4)) > 2f64.sqrt());
    }
}
