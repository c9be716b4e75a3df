//! The step types the registry exposes: each rung of the ladder as an [`AssignStep`] and a
//! fused [`IterationStep`], for `f32` and `f64`.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use kmeans_core::{AssignStep, FewCenterDistances, IterationStep, Points, RowDistances};

use crate::isa::{Dispatch, Isa, Machine};
use crate::kernel::{
    self, Blocking, DistJob, DotJob, DotRowsJob, ExactJob, LanesJob, PointLanes, Sums, ValueCheck,
};
use crate::pack::{Packed, RowCentroids};
use crate::run::{chunk_rows, finish_means, run_chunks_at};

/// Assign (and, with `out`, accumulate and finish the means) through `chunk` over all chunks;
/// `chunk` also gets the index of the chunk's first point.
pub(crate) fn drive<T, F>(
    data: Points<'_, T>,
    k: usize,
    labels: &mut [u32],
    out: Option<(&mut [T], &mut [u32])>,
    parallel: bool,
    chunk: &F,
) -> f64
where
    T: crate::vector::Elem,
    F: Fn(usize, Points<'_, T>, &mut [u32], Option<Sums<'_, T>>) -> f64 + Sync,
{
    let rows = chunk_rows(data.n());
    let totals = run_chunks_at(data, labels, k, out.is_some(), parallel, &|c, p, l, s| {
        chunk(c * rows, p, l, s)
    });
    if let Some((centroids, counts)) = out {
        finish_means(&totals, data.d(), centroids, counts);
    }
    totals.inertia
}

/// The first rung: scalar code, exact differences, one running sum per distance, the update
/// fused into the same pass over the data. Single-threaded.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScalarFused;

impl ScalarFused {
    fn run<T: Dispatch>(
        self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        out: Option<(&mut [T], &mut [u32])>,
    ) -> f64 {
        drive(data, centroids.n(), labels, out, false, &|_, p, l, s| {
            kernel::scalar_chunk(p, centroids, l, s)
        })
    }
}

/// SIMD exact differences: `Σ (x − c)²` vectorised along `d` (see `kernel::exact_chunk`),
/// update fused. Exact precision; optionally multi-threaded.
#[derive(Clone, Copy, Debug)]
pub struct Exact {
    machine: Machine,
    parallel: bool,
}

impl Default for Exact {
    fn default() -> Self {
        Self::new()
    }
}

impl Exact {
    /// Single-threaded, on the ISA [`Isa::detected`] picked.
    pub fn new() -> Self {
        Self {
            machine: Machine::detected(),
            parallel: false,
        }
    }

    /// Pinned to `isa`; `None` when this CPU lacks it.
    pub fn with_isa(isa: Isa) -> Option<Self> {
        Machine::new(isa).map(|machine| Self {
            machine,
            parallel: false,
        })
    }

    /// Run chunks on rayon's current pool.
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }

    /// The ISA this step runs.
    pub fn isa(&self) -> Isa {
        self.machine.isa()
    }

    fn run<T: Dispatch>(
        self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        out: Option<(&mut [T], &mut [u32])>,
    ) -> f64 {
        let machine = self.machine;
        drive(
            data,
            centroids.n(),
            labels,
            out,
            self.parallel,
            &|_, p, l, s| {
                T::run(
                    machine,
                    ExactJob {
                        points: p,
                        centroids,
                        labels: l,
                        sums: s,
                    },
                )
            },
        )
    }
}

/// The dot-product form, register-blocked like a GEMM microkernel, with the arg-min and the
/// update fused (see `kernel::dot_chunk`); optionally cache-blocked and multi-threaded.
#[derive(Clone, Copy, Debug)]
pub struct Dot {
    machine: Machine,
    blocking: Blocking,
    parallel: bool,
    centre: bool,
    kernel: DotKernel,
    l1d: usize,
}

impl Default for Dot {
    fn default() -> Self {
        Self::new(Blocking::Cache)
    }
}

/// Which register tile [`Dot`] runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DotKernel {
    /// The GEMM-like tile: centroids in the lanes, each point's coordinates broadcast, points
    /// packed block by block (`kernel::dot_chunk`). The default.
    #[default]
    Tile,
    /// Coordinates in the lanes: a few points against a few centroids per pass along the
    /// rows, read straight from the data (`kernel::dot_rows_chunk`); for few centroids and
    /// long rows.
    Rows,
    /// [`Rows`](DotKernel::Rows) where the shape favours it ([`rows_pay`]), else
    /// [`Tile`](DotKernel::Tile).
    ByShape,
}

/// Whether the row kernel beats the GEMM-like tile for `k` centroids of `d` coordinates of
/// `elem` bytes on this core ([`rows_pay_on`] with [`crate::l1d_bytes`]).
pub fn rows_pay(k: usize, d: usize, elem: usize) -> bool {
    rows_pay_on(k, d, elem, crate::l1d_bytes())
}

/// Whether the row kernel beats the GEMM-like tile for `k` centroids of `d` coordinates of
/// `elem` bytes on a core with `l1d` bytes of L1 data cache: few centroids for the row's
/// length (the tile's panel would be mostly padding, while the row kernel's per-point sums
/// across lanes, one per centroid, are amortised over `d`) — at most [`ROWS_MAX_K`], at most
/// one per [`ROWS_D_PER_K`] coordinates, rows of at least [`ROWS_MIN_D`] — and the centroids
/// in L1's centroid budget (two thirds of it, `pack::centroid_budget`, the rule the spans of
/// `pack::row_span` follow), because every point reads every centroid. Where they do not fit, the
/// kernel reads the rows in spans whose part of the centroids does, which costs a pass's
/// fixed costs (the sums across lanes, the partial scores) per span and group, and rereads
/// the rows from L2 at the end: that still pays for one group of centroids
/// ([`ROWS_SPANS_MAX_K`]) in spans of [`ROWS_MIN_SPAN`] coordinates or more.
///
/// Drawn from measurements on AVX-512 and AVX2 (`MEASUREMENTS.md`, "Few centroids, long
/// rows"): with the centroids in L1 both win at k ≤ 10, d ≥ 128 and k ≤ 20, d ≥ 200, and lose
/// at k = 16, d = 128 and k = 32, d = 300; in spans they win at k = 10 (d = 784 in spans of
/// 392, fitted to a 32 KiB L1; d = 1568 and 2352) and lose or tie at k = 12, 16 and 20.
pub fn rows_pay_on(k: usize, d: usize, elem: usize, l1d: usize) -> bool {
    let spans = k
        .saturating_mul(d)
        .saturating_mul(elem)
        .div_ceil(crate::pack::centroid_budget(l1d).max(1))
        .max(1);
    d >= ROWS_MIN_D
        && k <= ROWS_MAX_K.min(d / ROWS_D_PER_K)
        && (spans == 1 || (k <= ROWS_SPANS_MAX_K && d / spans >= ROWS_MIN_SPAN))
}

/// Most centroids for which [`DotKernel::ByShape`] runs the row kernel on centroids that do
/// not fit in L1 ([`rows_pay_on`]).
pub const ROWS_SPANS_MAX_K: usize = 10;

/// Shortest span of coordinates for which [`DotKernel::ByShape`] runs the row kernel on
/// centroids that do not fit in L1 ([`rows_pay_on`]).
pub const ROWS_MIN_SPAN: usize = 384;

/// Most centroids for which [`DotKernel::ByShape`] runs the row kernel.
pub const ROWS_MAX_K: usize = 20;
/// Fewest coordinates for which [`DotKernel::ByShape`] runs the row kernel.
pub const ROWS_MIN_D: usize = 128;
/// Coordinates per centroid below which [`DotKernel::ByShape`] keeps the tile.
pub const ROWS_D_PER_K: usize = 10;

impl Dot {
    /// Single-threaded, centred, with `blocking`, on the ISA [`Isa::detected`] picked.
    pub fn new(blocking: Blocking) -> Self {
        Self {
            machine: Machine::detected(),
            blocking,
            parallel: false,
            centre: true,
            kernel: DotKernel::Tile,
            l1d: crate::l1d_bytes(),
        }
    }

    /// Pinned to `isa`; `None` when this CPU lacks it.
    pub fn with_isa(isa: Isa, blocking: Blocking) -> Option<Self> {
        Machine::new(isa).map(|machine| Self {
            machine,
            ..Self::new(blocking)
        })
    }

    /// Run chunks on rayon's current pool.
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self
    }

    /// Shift points and centroids by the centroids' coordinate-wise median before the dot products (the
    /// default). `false` shows the cancellation the shift avoids; it is not registered.
    pub fn centre(mut self, centre: bool) -> Self {
        self.centre = centre;
        self
    }

    /// Which register tile to run (default [`DotKernel::Tile`]).
    pub fn kernel(mut self, kernel: DotKernel) -> Self {
        self.kernel = kernel;
        self
    }

    /// The L1 data cache, in bytes, that the row kernel fits its centroids to (default: this
    /// core's, [`l1d_bytes`](crate::l1d_bytes)): when they do not all fit, it reads the rows
    /// in spans whose part of the centroids does. Any value gives the same kind of result;
    /// a small one only makes more, shorter passes.
    pub fn l1d_bytes(mut self, bytes: usize) -> Self {
        self.l1d = bytes;
        self
    }

    /// The ISA this step runs.
    pub fn isa(&self) -> Isa {
        self.machine.isa()
    }

    /// Cache-blocked and centred on `machine`: the default Lloyd rung, for the bounds
    /// variants' first iteration.
    pub(crate) fn on(machine: Machine, parallel: bool) -> Self {
        Self {
            machine,
            parallel,
            ..Self::new(Blocking::Cache)
        }
    }

    pub(crate) fn run<T: Dispatch>(
        self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        out: Option<(&mut [T], &mut [u32])>,
    ) -> f64 {
        self.run_checking(data, centroids, labels, out, None)
    }

    /// [`IterationStep::iterate_checking`]: the values are checked while the kernel packs
    /// the points, not in a pass of their own.
    fn run_first<T: Dispatch>(
        self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        out: (&mut [T], &mut [u32]),
        bound: T,
    ) -> Option<f64> {
        let check = ValueCheck {
            bound,
            failed: AtomicBool::new(false),
        };
        let inertia = self.run_checking(data, centroids, labels, Some(out), Some(&check));
        (!check.failed.load(Ordering::Relaxed)).then_some(inertia)
    }

    /// [`run`](Self::run), checking the data's values while packing them when `check` is
    /// given (its `failed` flag is set if one does not pass).
    fn run_checking<T: Dispatch>(
        self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        out: Option<(&mut [T], &mut [u32])>,
        check: Option<&ValueCheck<T>>,
    ) -> f64 {
        let (machine, blocking) = (self.machine, self.blocking);
        let rows = match self.kernel {
            DotKernel::Tile => false,
            DotKernel::Rows => true,
            DotKernel::ByShape => rows_pay_on(
                centroids.n(),
                centroids.d(),
                std::mem::size_of::<T>(),
                self.l1d,
            ),
        };
        if rows {
            let (lanes, kb) = (T::lanes(machine), T::rows_kb(machine, centroids.d()));
            let row_centroids = RowCentroids::new(centroids, self.centre, lanes, kb, self.l1d);
            return drive(
                data,
                centroids.n(),
                labels,
                out,
                self.parallel,
                &|_, p, l, s| {
                    T::run(
                        machine,
                        DotRowsJob {
                            points: p,
                            centroids: &row_centroids,
                            labels: l,
                            sums: s,
                            check,
                        },
                    )
                },
            );
        }
        let (_, nr) = T::tile(machine, centroids.n());
        let packed = Packed::new(centroids, nr, self.centre);
        drive(
            data,
            centroids.n(),
            labels,
            out,
            self.parallel,
            &|_, p, l, s| {
                T::run(
                    machine,
                    DotJob {
                        points: p,
                        packed: &packed,
                        blocking,
                        labels: l,
                        sums: s,
                        check,
                    },
                )
            },
        )
    }
}

/// The inits' distance blocks on `machine`'s exact kernel (see
/// [`IterationStep::sq_distances`]), with the vectors that pad the few centers least.
fn distances<T: Dispatch>(
    machine: Machine,
    data: Points<'_, T>,
    centers: Points<'_, T>,
    out: &mut [T],
) {
    // The few centers in the lanes: the narrowest vectors that hold them. Coordinates in the
    // lanes (long rows): the widest.
    let machine = if kernel::coordinates_in_lanes::<T>(data.d()) {
        machine
    } else {
        machine.narrowest_for(centers.n(), std::mem::size_of::<T>())
    };
    T::run(
        machine,
        DistJob {
            points: data,
            centers,
            out,
        },
    );
}

/// Passes over the data from which k-means++ lays it out with points in the lanes: at
/// scikit-learn's digits (1797 × 64 f64, k = 10: 10 passes) the copy cost more than the
/// passes saved (the init went from 0.41 to 0.51–0.56 ms), at 10⁵ × 96, k = 64 it pays
/// (`MEASUREMENTS.md`). Rows of 1 KiB or more are never laid out
/// ([`kernel::coordinates_in_lanes`]).
const MIN_LAYOUT_PASSES: usize = 16;

/// k-means++'s distances on `machine` ([`IterationStep::prepare_distances`]): the data laid
/// out once with points in the lanes, or read where it is when its rows are long (coordinates
/// in the lanes), the passes too few to repay the copy or the copy would be too big.
fn prepare<'a, T: Dispatch, S: IterationStep<T>>(
    machine: Machine,
    step: &'a S,
    data: Points<'a, T>,
    passes: usize,
) -> Box<dyn FewCenterDistances<T> + 'a> {
    if passes < MIN_LAYOUT_PASSES || kernel::coordinates_in_lanes::<T>(data.d()) {
        return Box::new(RowDistances { step, data });
    }
    match PointLanes::new(data, T::lanes(machine), kernel::layout_budget(data)) {
        Some(points) => Box::new(LaneDistances { machine, points }),
        None => Box::new(RowDistances { step, data }),
    }
}

/// [`FewCenterDistances`] by [`LanesJob`](kernel::LanesJob)'s kernel (points in the lanes).
struct LaneDistances<'a, T> {
    machine: Machine,
    points: PointLanes<'a, T>,
}

impl<T: Dispatch> FewCenterDistances<T> for LaneDistances<'_, T> {
    fn n(&self) -> usize {
        self.points.n()
    }

    fn sq_distances(&self, rows: Range<usize>, centers: Points<'_, T>, out: &mut [T]) {
        // The kernel reads and writes by these: a mismatch is a caller's bug, never UB.
        assert!(
            rows.start <= rows.end && rows.end <= self.points.n(),
            "rows {rows:?} of {}",
            self.points.n()
        );
        assert_eq!(centers.d(), self.points.d(), "centers' dimension");
        assert_eq!(out.len(), rows.len() * centers.n(), "distance block length");
        assert_eq!(
            self.points.lanes(),
            T::lanes(self.machine),
            "layout for this machine"
        );
        T::run(
            self.machine,
            LanesJob {
                points: &self.points,
                rows,
                centers,
                out,
            },
        );
    }
}

impl ScalarFused {
    fn machine(&self) -> Machine {
        Machine::new(Isa::Portable).expect("the portable kernels run everywhere")
    }
}

impl Exact {
    fn machine(&self) -> Machine {
        self.machine
    }
}

impl Dot {
    fn machine(&self) -> Machine {
        self.machine
    }
}

/// The trait impls of each step type; `Type => method` also routes
/// [`IterationStep::iterate_checking`] to `method` (a step that checks values while it reads
/// them), the others keep the trait's default (check, then iterate).
macro_rules! steps {
    (@checking $method:ident, $t:ty) => {
        fn iterate_checking(
            &self,
            data: Points<'_, $t>,
            centroids: Points<'_, $t>,
            labels: &mut [u32],
            new_centroids: &mut [$t],
            counts: &mut [u32],
            bound: $t,
        ) -> Option<f64> {
            self.$method(data, centroids, labels, (new_centroids, counts), bound)
        }
    };
    ($($ty:ty $(=> $checking:ident)?),*) => {$(
        impl AssignStep<f32> for $ty {
            fn assign(&self, data: Points<'_, f32>, centroids: Points<'_, f32>, labels: &mut [u32]) {
                self.run(data, centroids, labels, None);
            }
        }
        impl AssignStep<f64> for $ty {
            fn assign(&self, data: Points<'_, f64>, centroids: Points<'_, f64>, labels: &mut [u32]) {
                self.run(data, centroids, labels, None);
            }
        }
        impl IterationStep<f32> for $ty {
            fn assign(&self, data: Points<'_, f32>, centroids: Points<'_, f32>, labels: &mut [u32]) -> f64 {
                self.run(data, centroids, labels, None)
            }
            fn iterate(
                &self,
                data: Points<'_, f32>,
                centroids: Points<'_, f32>,
                labels: &mut [u32],
                new_centroids: &mut [f32],
                counts: &mut [u32],
            ) -> f64 {
                self.run(data, centroids, labels, Some((new_centroids, counts)))
            }
            $(steps!(@checking $checking, f32);)?
            fn sq_distances(&self, data: Points<'_, f32>, centers: Points<'_, f32>, out: &mut [f32]) {
                distances(self.machine(), data, centers, out);
            }
            fn prepare_distances<'a>(&'a self, data: Points<'a, f32>, passes: usize) -> Box<dyn FewCenterDistances<f32> + 'a> {
                prepare(self.machine(), self, data, passes)
            }
        }
        impl IterationStep<f64> for $ty {
            fn assign(&self, data: Points<'_, f64>, centroids: Points<'_, f64>, labels: &mut [u32]) -> f64 {
                self.run(data, centroids, labels, None)
            }
            fn iterate(
                &self,
                data: Points<'_, f64>,
                centroids: Points<'_, f64>,
                labels: &mut [u32],
                new_centroids: &mut [f64],
                counts: &mut [u32],
            ) -> f64 {
                self.run(data, centroids, labels, Some((new_centroids, counts)))
            }
            $(steps!(@checking $checking, f64);)?
            fn sq_distances(&self, data: Points<'_, f64>, centers: Points<'_, f64>, out: &mut [f64]) {
                distances(self.machine(), data, centers, out);
            }
            fn prepare_distances<'a>(&'a self, data: Points<'a, f64>, passes: usize) -> Box<dyn FewCenterDistances<f64> + 'a> {
                prepare(self.machine(), self, data, passes)
            }
        }
    )*};
}
steps!(ScalarFused, Exact, Dot => run_first);
