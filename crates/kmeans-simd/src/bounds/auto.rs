//! The default fit's variant, `simd/iter/auto`: Hamerly's bounds on the dot tile
//! (`simd/iter/hamerly-dot`) where the shape lets them pay, plain Lloyd elsewhere
//! (`simd/iter/lanes` for small data, see below; `simd/iter/dot-blocked-par` otherwise).
//!
//! A bounds iteration costs a fixed part per point — the distance to its own centroid, the
//! bound updates, adding the point into its cluster — plus a dense pass for the points its
//! bounds cannot settle, on the same register tile as Lloyd's, and a part per iteration that
//! does not shrink with `n` (centroid gaps and drifts, packing, a dense pass per chunk). Lloyd
//! costs `k·d` multiply-adds per point. Where `k·d` is small the fixed part is not much
//! cheaper than Lloyd's whole row, where `k` is small the one lower bound is loose and most
//! points survive, and where `n` is small the per-iteration part weighs: so below [`MIN_K`]
//! centroids, [`MIN_KD`] multiply-adds per point or [`MIN_N`] points the fit stays on Lloyd.
//! The thresholds come from the `converge` example's rows in `MEASUREMENTS.md`: every row at
//! `n ≥ 2·10⁴`, `k·d ≥ 512` and `k ≥ 16` was faster with the bounds or within 7 % (0.34×–1.07×
//! of Lloyd's time), the rows at `k·d ≤ 128` or `k = 8` slower (1.4×–1.7×), and at `n = 5000`
//! uniform data lost (the slides' shape 1.24×, 64 dimensions 1.05×) where blobs won (0.63×).
//!
//! A guard covers data the shapes do not predict: once [`SETTLE`] bounds iterations are
//! past (the first ones, while centroids still move far, can need every distance), a fit
//! whose last [`WINDOW`] bounds iterations computed more than [`GIVE_UP`] of Lloyd's `n·k`
//! distances on average — looked at after every iteration from then on, the first time over
//! iterations 6–10 — goes back to Lloyd for good. Measured (`examples/trace`): a bounds
//! iteration costs ~1.4× Lloyd's when every point survives and breaks even near 60–65 %; on
//! uniform data the share falls slowly, and where the bounds paid over the whole fit
//! (2e5 × 16, k = 128; 1e5 × 64, k = 64) iterations 6–10 averaged 60–80 %, where they did not
//! (2e4 × 512, k = 32) 101 %. Every decision counts labels and distances, never time, so a fit
//! is reproducible bit for bit, and the same for any thread count.
//!
//! Lloyd's phase runs on points in the lanes (`simd/iter/lanes`) where the data takes at most
//! [`MAX_LANES_DATA`] bytes and has at least [`MIN_LANES_N`] points: there the layout's copy stays in the caches next to the data, and
//! with no packing per iteration, no padded lane and a vertical arg-max it beat
//! `dot-blocked-fused` on every small shape measured (`MEASUREMENTS.md`); on larger data the
//! update's second read of the data (the rows, besides the layout) cost more than it saved.
//!
//! Precision: each iteration is Lloyd's dot form or a bounds iteration whose survivors take
//! the dot form's winner, so the variant declares `DotProduct` like `dot-blocked-par`.

use kmeans_core::{IterationState, IterationStep, Points};

use super::hamerly::HamerlyState;
use super::{Config, Dense};
use crate::isa::Dispatch;
use crate::{Blocking, Dot, DotKernel, Lanes};

/// No bounds for fewer centroids than this.
pub const MIN_K: usize = 16;

/// No bounds where a point's row of distances is shorter than this (`k·d` multiply-adds).
pub const MIN_KD: usize = 512;

/// No bounds for fewer points than this.
pub const MIN_N: usize = 20_000;

/// Bounds iterations the guard lets pass before it looks.
pub const SETTLE: usize = 5;

/// Iterations the guard averages over: the last ones, after every iteration past
/// `SETTLE + WINDOW − 1`.
pub const WINDOW: usize = 5;

/// The guard's limit: the share of `n·k` distances above which the bounds no longer pay.
pub const GIVE_UP: f64 = 0.9;

/// Lloyd's phase on points in the lanes for data of at most this many bytes (see the module
/// docs): a 2.5 MB data set was faster that way, a 12.8 MB one slower.
pub const MAX_LANES_DATA: usize = 4 << 20;

/// ... and of at least this many points: the layout costs a fixed 0.1–0.5 ms here (mostly the
/// first touch of its fresh pages), which the 1797 points of scikit-learn's digits (64
/// dimensions, k = 10) did not win back in a default fit of 23 iterations, while the slides'
/// 5000 points did within about 15.
pub const MIN_LANES_N: usize = 4096;

/// Whether `auto`'s Lloyd phase runs on points in the lanes for `n` points of `bytes` bytes.
pub fn uses_lanes(n: usize, bytes: usize) -> bool {
    n >= MIN_LANES_N && bytes <= MAX_LANES_DATA
}

/// See the module docs. Threads as `dot-blocked-par`: fixed chunks on rayon's current pool.
#[derive(Clone, Copy, Debug)]
pub struct Auto {
    lloyd: Dot,
    lanes: Lanes,
    bounds: Config,
}

impl Default for Auto {
    fn default() -> Self {
        Self::new()
    }
}

impl Auto {
    /// On the ISA [`Isa::detected`](crate::Isa::detected) picked, multi-threaded.
    pub fn new() -> Self {
        Self {
            lloyd: Dot::new(Blocking::Cache)
                .parallel(true)
                .kernel(DotKernel::ByShape),
            lanes: Lanes::new().parallel(true),
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
            lloyd: Dot::with_isa(isa, Blocking::Cache)?
                .parallel(true)
                .kernel(DotKernel::ByShape),
            lanes: Lanes::with_isa(isa)?.parallel(true),
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

    /// Whether a fit of `n` points in `d` dimensions with `k` centroids runs on the bounds.
    pub fn uses_bounds(n: usize, k: usize, d: usize) -> bool {
        n >= MIN_N && k >= MIN_K && k * d >= MIN_KD
    }
}

/// Where a fit is.
enum Phase<T> {
    /// On Hamerly's bounds, with the share of `n·k` distances of each iteration so far.
    Bounds {
        state: Box<HamerlyState<T>>,
        shares: Vec<f64>,
    },
    /// Lloyd to the end on points in the lanes: small data that never uses the bounds.
    Lanes(Box<dyn IterationState<T>>),
    /// Lloyd to the end on the dot tile: the shape never uses the bounds (and the data is not
    /// for the lanes), or the guard gave up on them.
    Lloyd,
}

struct AutoState<T> {
    lloyd: Dot,
    phase: Phase<T>,
    distances: u64,
}

impl<T: Dispatch> IterationState<T> for AutoState<T>
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
        let all = (data.n() * centroids.n()) as u64;
        match &mut self.phase {
            Phase::Bounds { state, shares } => {
                let inertia = state.iterate(data, centroids, labels, new_centroids, counts);
                self.distances = state.distances().unwrap_or(all);
                shares.push(self.distances as f64 / all as f64);
                if shares.len() >= SETTLE + WINDOW {
                    let recent = &shares[shares.len() - WINDOW..];
                    if recent.iter().sum::<f64>() / WINDOW as f64 > GIVE_UP {
                        self.phase = Phase::Lloyd;
                    }
                }
                inertia
            }
            Phase::Lanes(state) => {
                self.distances = all;
                state.iterate(data, centroids, labels, new_centroids, counts)
            }
            Phase::Lloyd => {
                self.distances = all;
                self.lloyd
                    .iterate(data, centroids, labels, new_centroids, counts)
            }
        }
    }

    fn distances(&self) -> Option<u64> {
        Some(self.distances)
    }

    fn assign(
        &mut self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
    ) -> Option<f64> {
        match &mut self.phase {
            Phase::Bounds { state, .. } => state.assign(data, centroids, labels),
            // The dot kernel's assignment, as `predict` runs it (see `Lanes`).
            Phase::Lanes(_) | Phase::Lloyd => None,
        }
    }
}

macro_rules! auto_steps {
    ($t:ty) => {
        impl IterationStep<$t> for Auto {
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
                // Without a fit to keep bounds for, one iteration is Lloyd's.
                IterationStep::iterate(&self.lloyd, data, centroids, labels, new_centroids, counts)
            }
            fn sq_distances(&self, data: Points<'_, $t>, centers: Points<'_, $t>, out: &mut [$t]) {
                IterationStep::sq_distances(&self.lloyd, data, centers, out);
            }
            fn prepare_distances<'a>(
                &'a self,
                data: Points<'a, $t>,
                passes: usize,
            ) -> Box<dyn kmeans_core::FewCenterDistances<$t> + 'a> {
                IterationStep::prepare_distances(&self.lloyd, data, passes)
            }
            fn start(&self, data: Points<'_, $t>, k: usize) -> Option<Box<dyn IterationState<$t>>> {
                let phase = if Self::uses_bounds(data.n(), k, data.d()) {
                    Phase::Bounds {
                        state: Box::new(HamerlyState::new(self.bounds, data.n(), k, data.d())),
                        shares: Vec::new(),
                    }
                } else if uses_lanes(data.n(), data.n() * data.d() * std::mem::size_of::<$t>())
                    && let Some(state) = self.lanes.start(data, k)
                {
                    Phase::Lanes(state)
                } else {
                    Phase::Lloyd
                };
                Some(Box::new(AutoState::<$t> {
                    lloyd: self.lloyd,
                    phase,
                    distances: 0,
                }))
            }
        }
        impl kmeans_core::AssignStep<$t> for Auto {
            fn assign(&self, data: Points<'_, $t>, centroids: Points<'_, $t>, labels: &mut [u32]) {
                kmeans_core::AssignStep::assign(&self.lloyd, data, centroids, labels);
            }
        }
    };
}

auto_steps!(f32);
auto_steps!(f64);
