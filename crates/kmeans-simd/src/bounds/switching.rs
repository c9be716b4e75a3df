//! Lloyd while many points move, Hamerly's bounds once few do: the default's choice between
//! the GEMM-style Lloyd rung and the bounds, made per fit from what the fit does.
//!
//! The bounds cost a dense exact pass to set up, and then pay off only while most points keep
//! their centroid; in the first iterations of a fit many points move and Lloyd's dot-product
//! tile (one multiply-add per coordinate, near GEMM peak) is the cheaper way to assign them.
//! So a [`LloydThenHamerly`] fit runs `simd/iter/dot-blocked-par`'s iterations until one moves
//! at most [`SWITCH_MOVED`] of the points, then continues on a Hamerly state; if the bounds
//! then still compute more than [`GIVE_UP`] of Lloyd's `n·k` distances in an iteration after
//! their first, the fit goes back to Lloyd for good. Shapes where the bounds' per-point
//! bookkeeping costs more than Lloyd's whole row of distances (`k·d` below [`MIN_KD`], or
//! `k < MIN_K`) never switch. Every decision counts labels and distances, never time, so a fit
//! is reproducible bit for bit. The constants come from the measurements in `MEASUREMENTS.md`.
//!
//! Exactness: each iteration is either Lloyd's or Hamerly's, and both assign every point its
//! nearest centroid up to genuine ties; the Lloyd iterations use the dot-product form, so the
//! variant declares [`Precision::DotProduct`](kmeans_core::Precision) like the rung it starts
//! on.

use kmeans_core::{IterationState, IterationStep, Points};

use super::hamerly::HamerlyState;
use super::{Config, Dense};
use crate::isa::Dispatch;
use crate::{Blocking, Dot};

/// Switch to the bounds after a Lloyd iteration that moved at most this share of the points.
pub const SWITCH_MOVED: f64 = 0.05;

/// Back to Lloyd for good when a bounds iteration (after the dense first one) computed more
/// than this share of `n·k` distances: its survivors' exact pass costs more per distance than
/// Lloyd's tile, so near this share the bounds no longer pay.
pub const GIVE_UP: f64 = 0.35;

/// No bounds where a point's row of distances is shorter than this (`k·d` multiply-adds):
/// there the bounds' fixed work per point (one exact distance, a square root, the bound
/// updates) is not smaller than Lloyd's whole row.
pub const MIN_KD: usize = 1024;

/// No bounds for fewer centroids than this: the one lower bound is loose and nearly every
/// point survives.
pub const MIN_K: usize = 16;

/// Lloyd (`simd/iter/dot-blocked-par`) while many points move, then Hamerly's bounds; see the
/// module docs. Threads as both: fixed chunks on rayon's current pool.
#[derive(Clone, Copy, Debug)]
pub struct LloydThenHamerly {
    lloyd: Dot,
    bounds: Config,
}

impl Default for LloydThenHamerly {
    fn default() -> Self {
        Self::new()
    }
}

impl LloydThenHamerly {
    /// On the ISA [`Isa::detected`](crate::Isa::detected) picked, multi-threaded like the
    /// default Lloyd rung.
    pub fn new() -> Self {
        Self {
            lloyd: Dot::new(Blocking::Cache).parallel(true),
            bounds: Config {
                machine: crate::isa::Machine::detected(),
                exact: crate::Exact::new().parallel(true),
                parallel: true,
                dense: Dense::Dot,
            },
        }
    }

    /// Pinned to `isa`; `None` when this CPU lacks it.
    pub fn with_isa(isa: crate::Isa) -> Option<Self> {
        Some(Self {
            lloyd: Dot::with_isa(isa, Blocking::Cache)?.parallel(true),
            bounds: Config {
                machine: crate::isa::Machine::new(isa)?,
                exact: crate::Exact::with_isa(isa)?.parallel(true),
                parallel: true,
                dense: Dense::Dot,
            },
        })
    }

    /// The ISA this step runs.
    pub fn isa(&self) -> crate::Isa {
        self.lloyd.isa()
    }

    /// Whether a fit of `k` centroids in `d` dimensions may switch to the bounds at all.
    pub fn may_switch(k: usize, d: usize) -> bool {
        k >= MIN_K && k * d >= MIN_KD
    }
}

/// Where a fit is.
enum Phase<T> {
    /// Lloyd's iterations; `before` holds the labels the last one started from.
    Lloyd { before: Vec<u32>, iterations: usize },
    /// On Hamerly's bounds; `iterations` counts them (the first is the dense set-up pass).
    Bounds {
        state: Box<HamerlyState<T>>,
        iterations: usize,
    },
    /// Lloyd to the end: the shape never switches, or the bounds gave up.
    LloydOnly,
}

struct SwitchingState<T> {
    lloyd: Dot,
    bounds: Config,
    phase: Phase<T>,
    distances: u64,
}

impl<T: Dispatch> IterationState<T> for SwitchingState<T>
where
    Dot: IterationStep<T>,
{
    fn iterate(
        &mut self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
    ) -> f64 {
        let (n, k) = (data.n(), centroids.n());
        let all = (n * k) as u64;
        match &mut self.phase {
            Phase::Lloyd { before, iterations } => {
                before.copy_from_slice(labels);
                let inertia = self
                    .lloyd
                    .iterate(data, centroids, labels, new_centroids, counts);
                *iterations += 1;
                self.distances = all;
                // The first iteration's "before" is the driver's placeholder labels.
                if *iterations >= 2 {
                    let moved = labels.iter().zip(before.iter()).filter(|(a, b)| a != b);
                    if moved.count() as f64 <= SWITCH_MOVED * n as f64 {
                        self.phase = Phase::Bounds {
                            state: Box::new(HamerlyState::new(self.bounds, n, k, data.d())),
                            iterations: 0,
                        };
                    }
                }
                inertia
            }
            Phase::Bounds { state, iterations } => {
                let inertia = state.iterate(data, centroids, labels, new_centroids, counts);
                *iterations += 1;
                self.distances = state.distances().unwrap_or(all);
                if *iterations >= 2 && self.distances as f64 > GIVE_UP * all as f64 {
                    self.phase = Phase::LloydOnly;
                }
                inertia
            }
            Phase::LloydOnly => {
                self.distances = all;
                self.lloyd
                    .iterate(data, centroids, labels, new_centroids, counts)
            }
        }
    }

    fn distances(&self) -> Option<u64> {
        Some(self.distances)
    }
}

macro_rules! switching_steps {
    ($t:ty) => {
        impl IterationStep<$t> for LloydThenHamerly {
            fn assign(
                &self,
                data: Points<'_, $t>,
                centroids: Points<'_, $t>,
                labels: &mut [u32],
            ) -> f64 {
                IterationStep::assign(&self.lloyd, data, centroids, labels)
            }
            fn iterate(
                &self,
                data: Points<'_, $t>,
                centroids: Points<'_, $t>,
                labels: &mut [u32],
                new_centroids: &mut [$t],
                counts: &mut [u32],
            ) -> f64 {
                // Without a fit to switch in, one iteration is Lloyd's.
                IterationStep::iterate(&self.lloyd, data, centroids, labels, new_centroids, counts)
            }
            fn sq_distances(&self, data: Points<'_, $t>, centers: Points<'_, $t>, out: &mut [$t]) {
                IterationStep::sq_distances(&self.lloyd, data, centers, out);
            }
            fn start(&self, data: Points<'_, $t>, k: usize) -> Option<Box<dyn IterationState<$t>>> {
                let phase = if Self::may_switch(k, data.d()) {
                    Phase::Lloyd {
                        before: vec![0; data.n()],
                        iterations: 0,
                    }
                } else {
                    Phase::LloydOnly
                };
                Some(Box::new(SwitchingState::<$t> {
                    lloyd: self.lloyd,
                    bounds: self.bounds,
                    phase,
                    distances: 0,
                }))
            }
        }
        impl kmeans_core::AssignStep<$t> for LloydThenHamerly {
            fn assign(&self, data: Points<'_, $t>, centroids: Points<'_, $t>, labels: &mut [u32]) {
                kmeans_core::AssignStep::assign(&self.lloyd, data, centroids, labels);
            }
        }
    };
}

switching_steps!(f32);
switching_steps!(f64);
