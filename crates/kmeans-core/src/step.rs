//! The shared trait: k-means as an assignment step and an update step (the slides' refactor), plus
//! a whole-iteration step so that fused variants can do both in one pass over the data.
//!
//! Contract for every implementation: inputs are valid (validated once at the library boundary:
//! shapes agree, values finite, `1 <= k <= n`), so kernels stay branch-free and never fail.

use std::sync::Arc;

use crate::points::Points;
use crate::scalar::Scalar;

/// The slides' `assignment_step(data, centroids) -> labels`.
// ANCHOR: assign_trait
pub trait AssignStep<T: Scalar>: Send + Sync {
    /// Write into `labels[i]` the index of the centroid nearest to point `i` (squared Euclidean
    /// distance; any of several equally near centroids is acceptable).
    ///
    /// `labels.len() == data.n()`, `centroids.d() == data.d()`, `centroids.n() >= 1`.
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]);
}
// ANCHOR_END: assign_trait

/// The slides' `update_step(data, labels, k) -> centroids`.
// ANCHOR: update_trait
pub trait UpdateStep<T: Scalar>: Send + Sync {
    /// Write the mean of each cluster into row `j` of `centroids` (`k × d`, row-major, with
    /// `k = counts.len()`) and the number of points labelled `j` into `counts[j]`.
    ///
    /// Rows of empty clusters (`counts[j] == 0`) may hold anything, NaN included — the slides'
    /// update divides 0 by 0 there. The Lloyd driver relocates empty clusters afterwards, so no
    /// NaN ever reaches a result.
    fn update(&self, data: Points<'_, T>, labels: &[u32], centroids: &mut [T], counts: &mut [u32]);
}
// ANCHOR_END: update_trait

/// One whole Lloyd iteration. Separate assignment and update steps compose into one through
/// [`Composed`]; a fused variant assigns and accumulates in a single pass over the data.
pub trait IterationStep<T: Scalar>: Send + Sync {
    /// Assign every point to its nearest centroid in `centroids` (`k × d`) and return the
    /// inertia of that assignment: the sum over points of the squared distance to their centroid.
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) -> f64;

    /// Assign (as [`assign`](Self::assign)), then write the new means into `new_centroids` and
    /// the cluster sizes into `counts`, with the same empty-cluster contract as
    /// [`UpdateStep::update`]. Returns the inertia of the assignment (w.r.t. the old centroids).
    fn iterate(
        &self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
    ) -> f64;

    /// [`iterate`](Self::iterate) on data whose values nobody has checked yet: `None` when some
    /// value is not finite or its magnitude is above `bound` (then what it wrote means
    /// nothing, and the caller names the value with
    /// [`validate::check_values`](crate::validate::check_values)), else the iteration's
    /// inertia. The driver calls it for a fit's first iteration when nothing before it read all
    /// the data (a random or given init and no tolerance) and the step keeps no state (a
    /// stateful step's data is checked before its state starts), so that a step which reads every
    /// value anyway can check it on the way instead of in a pass of its own. The default checks
    /// first ([`validate::values_within`](crate::validate::values_within)), then iterates.
    fn iterate_checking(
        &self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
        bound: T,
    ) -> Option<f64> {
        crate::validate::values_within(data, bound)
            .then(|| self.iterate(data, centroids, labels, new_centroids, counts))
    }

    /// Squared Euclidean distances from every point of `data` to each of a few `centers`
    /// (`t × d`, `t >= 1`), written row-major into `out` (`data.n() × t`): `out[i·t + j] =
    /// ‖x_i − c_j‖²`, by exact differences in the data's own type, single-threaded (callers
    /// split the data into chunks). The inits (k-means++, k-means||) run their distance work
    /// through this, so they run on the fit's own kernels; a point equal to a center gets
    /// exactly 0. The default is a portable loop the compiler can vectorise.
    fn sq_distances(&self, data: Points<'_, T>, centers: Points<'_, T>, out: &mut [T]) {
        crate::metrics::sq_distances(data, centers, out);
    }

    /// `data` made ready for the many distance blocks of k-means++ (one per chosen centroid,
    /// each against a few candidates; `passes` of them over the whole data), computed as
    /// [`sq_distances`](Self::sq_distances) would, bit for bit. A step may lay the data out once
    /// for that when the passes repay it (a SIMD step puts points in vector lanes, since the
    /// candidates are too few to fill them); the default reads `data` where it is, through
    /// `sq_distances` ([`RowDistances`]).
    fn prepare_distances<'a>(
        &'a self,
        data: Points<'a, T>,
        passes: usize,
    ) -> Box<dyn FewCenterDistances<T> + 'a> {
        let _ = passes;
        Box::new(RowDistances { step: self, data })
    }

    /// A per-fit state for a variant that carries information from one iteration to the next
    /// (the bounds of Hamerly's or Yinyang's algorithm), created once per Lloyd run on `data`
    /// with `k` centroids; the driver then calls [`IterationState::iterate`] instead of
    /// [`iterate`](Self::iterate). `None` (the default) for stateless variants: plain Lloyd.
    fn start(&self, data: Points<'_, T>, k: usize) -> Option<Box<dyn IterationState<T>>> {
        let _ = (data, k);
        None
    }
}

/// Distances from rows of one fixed data set to a few centers at a time (see
/// [`IterationStep::prepare_distances`]).
pub trait FewCenterDistances<T: Scalar>: Sync {
    /// The number of points.
    fn n(&self) -> usize;

    /// For the `t` rows of `centers` and the points `rows`, `out[j·len + i] = ‖x_{rows.start + i}
    /// − c_j‖²` (`len = rows.len()`; one contiguous column per center), as
    /// [`IterationStep::sq_distances`] computes each value. Single-threaded: callers split the
    /// rows.
    fn sq_distances(&self, rows: std::ops::Range<usize>, centers: Points<'_, T>, out: &mut [T]);
}

/// [`FewCenterDistances`] on the data as it is, by a step's [`IterationStep::sq_distances`]
/// (then each block turned center-major): the default, and what an init uses for a single
/// pass, where laying the data out first would not pay.
pub struct RowDistances<'a, S: ?Sized, T> {
    /// The step whose `sq_distances` computes the values.
    pub step: &'a S,
    /// The points.
    pub data: Points<'a, T>,
}

impl<S: IterationStep<T> + ?Sized, T: Scalar> FewCenterDistances<T> for RowDistances<'_, S, T> {
    fn n(&self) -> usize {
        self.data.n()
    }

    fn sq_distances(&self, rows: std::ops::Range<usize>, centers: Points<'_, T>, out: &mut [T]) {
        let (len, t) = (rows.len(), centers.n());
        let points = self.data.slice_rows(rows.start, rows.end);
        if t == 0 {
            return; // no centers, no distances
        }
        if t == 1 {
            return self.step.sq_distances(points, centers, out);
        }
        let mut by_row = vec![T::zero(); len * t];
        self.step.sq_distances(points, centers, &mut by_row);
        for (i, row) in by_row.chunks_exact(t).enumerate() {
            for (j, &v) in row.iter().enumerate() {
                out[j * len + i] = v;
            }
        }
    }
}

/// The state of one fit of a stateful variant (see [`IterationStep::start`]).
///
/// Contract: every call gets the same `data` and the `labels` this state wrote last time, and
/// `centroids` are the previous call's means; the driver starts a fresh state whenever it
/// changes labels itself (relocating an empty cluster), so bounds never outlive the labels
/// they were computed for. Results must be those of [`IterationStep::iterate`] up to genuine
/// ties.
pub trait IterationState<T: Scalar>: Send {
    /// One whole iteration, as [`IterationStep::iterate`]: assign, write the new means and
    /// counts, return the inertia of the assignment w.r.t. `centroids`.
    fn iterate(
        &mut self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
    ) -> f64;

    /// How many point–centroid distances the last [`iterate`](Self::iterate) computed (plain
    /// Lloyd computes `n·k`), or `None` when the state does not count them. What the bounds
    /// skip is `n·k` minus this.
    fn distances(&self) -> Option<u64> {
        None
    }

    /// The fit's final labels pass: label `data` for `centroids` (the last call's means, as
    /// for [`iterate`](Self::iterate)) and return the inertia, as
    /// [`IterationStep::assign`] would up to genuine ties — or `None` when the state has no
    /// cheaper way than that, and the driver calls `IterationStep::assign`. By default one
    /// more [`iterate`](Self::iterate), its means discarded: on a bounds state that costs a
    /// fraction of a full assignment once the fit has settled.
    fn assign(
        &mut self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
    ) -> Option<f64> {
        let (k, d) = centroids.shape();
        let (mut means, mut counts) = (vec![T::zero(); k * d], vec![0; k]);
        Some(self.iterate(data, centroids, labels, &mut means, &mut counts))
    }
}

/// Problem size, for the memory and work models of [`VariantInfo`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Points.
    pub n: usize,
    /// Clusters.
    pub k: usize,
    /// Dimensions.
    pub d: usize,
    /// Bytes per value (4 for `f32`, 8 for `f64`).
    pub elem: usize,
}

impl Shape {
    /// The slides' setting: `n = 5000, k = 26, d = 26`, f64.
    pub const SLIDES: Shape = Shape {
        n: 5000,
        k: 26,
        d: 26,
        elem: 8,
    };

    /// The floating-point operations of one exact assignment step, `3·n·k·d` (subtract,
    /// multiply, add per coordinate pair), the conventional count for distance kernels.
    pub fn assign_flops(&self) -> f64 {
        3.0 * self.n as f64 * self.k as f64 * self.d as f64
    }

    /// `2·n·k·d`: the flops of the matrix product `X·Cᵀ`, the unit of the GFLOP/s charts.
    pub fn gemm_flops(&self) -> f64 {
        2.0 * self.n as f64 * self.k as f64 * self.d as f64
    }
}

/// How a variant computes distances, which decides how close to the exact answer it must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// Sums `(x − c)²`: relative error about `d·ε` of the distance itself.
    Exact,
    /// Uses `‖x‖² − 2·x·c + ‖c‖²`: the error is about `d·ε·(‖x‖² + ‖c‖²)`, which cancels badly
    /// when the points are far from the origin compared with their spread (worst in `f32`).
    DotProduct,
}

/// A model of a cost (bytes or flops) as a function of the problem size.
pub type CostModel = Arc<dyn Fn(Shape) -> f64 + Send + Sync>;

/// What every registered variant declares about itself.
#[derive(Clone)]
pub struct VariantInfo {
    /// Stable name `backend/step/variant`, e.g. `ndarray/assign/v3-broadcast`; used by benches,
    /// reports, the book's tables and the CLI's `--backend`.
    pub name: String,
    /// The slide it mirrors (number and title), if any.
    pub slide: Option<&'static str>,
    /// One line: what changed from the previous variant and why it is faster.
    pub summary: &'static str,
    /// Extra memory in bytes beyond inputs and outputs, as a function of the problem size, so
    /// that harnesses can skip a variant whose intermediates would not fit.
    pub memory: CostModel,
    /// Approximate floating-point work per call, for predicting run time.
    pub work: CostModel,
    /// How exactly distances are computed.
    pub precision: Precision,
    /// Whether the variant runs on several threads (in rayon's current pool).
    pub parallel: bool,
}

impl std::fmt::Debug for VariantInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VariantInfo")
            .field("name", &self.name)
            .field("slide", &self.slide)
            .field("summary", &self.summary)
            .field("precision", &self.precision)
            .field("parallel", &self.parallel)
            .finish_non_exhaustive()
    }
}

impl VariantInfo {
    /// Metadata with the common defaults: exact, single-threaded, no extra memory, the work of
    /// an exact assignment.
    pub fn new(name: impl Into<String>, summary: &'static str) -> Self {
        Self {
            name: name.into(),
            slide: None,
            summary,
            memory: Arc::new(|_| 0.0),
            work: Arc::new(|s: Shape| s.assign_flops()),
            precision: Precision::Exact,
            parallel: false,
        }
    }

    /// Set the slide this variant mirrors.
    pub fn slide(mut self, slide: &'static str) -> Self {
        self.slide = Some(slide);
        self
    }

    /// Set the extra-memory model (bytes).
    pub fn memory(mut self, memory: impl Fn(Shape) -> f64 + Send + Sync + 'static) -> Self {
        self.memory = Arc::new(memory);
        self
    }

    /// Set the work model (floating-point operations).
    pub fn work(mut self, work: impl Fn(Shape) -> f64 + Send + Sync + 'static) -> Self {
        self.work = Arc::new(work);
        self
    }

    /// Predicted extra memory in bytes at `shape`.
    pub fn memory_at(&self, shape: Shape) -> f64 {
        (self.memory)(shape)
    }

    /// Predicted floating-point work at `shape`.
    pub fn work_at(&self, shape: Shape) -> f64 {
        (self.work)(shape)
    }

    /// Set the precision class.
    pub fn precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Mark as multi-threaded.
    pub fn parallel(mut self) -> Self {
        self.parallel = true;
        self
    }

    /// The backend part of the name (before the first `/`).
    pub fn backend(&self) -> &str {
        self.name.split('/').next().unwrap_or(&self.name)
    }
}

/// Any assignment step and any update step, as one iteration: assign, compute the inertia
/// exactly, update. This is how the slides' `kmeans` loop calls its two functions.
pub struct Composed<T: Scalar> {
    assign: Arc<dyn AssignStep<T>>,
    update: Arc<dyn UpdateStep<T>>,
}

impl<T: Scalar> Composed<T> {
    /// Pair an assignment step with an update step.
    pub fn new(assign: Arc<dyn AssignStep<T>>, update: Arc<dyn UpdateStep<T>>) -> Self {
        Self { assign, update }
    }
}

impl<T: Scalar> IterationStep<T> for Composed<T> {
    fn assign(&self, data: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) -> f64 {
        self.assign.assign(data, centroids, labels);
        crate::inertia(data, centroids, labels)
    }

    fn iterate(
        &self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
    ) -> f64 {
        let inertia = IterationStep::assign(self, data, centroids, labels);
        self.update.update(data, labels, new_centroids, counts);
        inertia
    }
}
