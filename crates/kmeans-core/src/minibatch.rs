//! Mini-batch k-means (Sculley 2010, "Web-scale k-means clustering"), step for step as
//! scikit-learn's `MiniBatchKMeans` runs it: random batches drawn with replacement, a
//! per-centroid learning rate of `1 / count`, random reassignment of clusters that receive too
//! few points, and an early stop when the smoothed batch inertia stops improving.
//!
//! Each batch is assigned by the fit's [`IterationStep::assign`], so a mini-batch fit runs on
//! whatever kernel the variant has (the SIMD one, by default in the CLI). Memory beyond the data
//! is `O(batch·d + k·d)` during the steps, plus the final labels (`n × u32`); the data is only
//! read, so it can be a memory-mapped file.

use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::error::{Error, Result};
use crate::init::Init;
use crate::points::{Matrix, Points};
use crate::registry::IterationVariant;
use crate::scalar::Scalar;
use crate::step::IterationStep;

/// One line of the per-step log of a mini-batch fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MiniBatchLog {
    /// Step number, from 1.
    pub step: usize,
    /// Inertia of this step's batch w.r.t. the centroids it started from, per point of the batch
    /// (scikit-learn's "mean batch inertia").
    pub batch_inertia: f64,
    /// The exponentially weighted average of `batch_inertia` that the early stop watches
    /// (`None` on step 1, whose inertia only measures the init).
    pub smoothed_inertia: Option<f64>,
    /// `Σ_j ‖c_j(new) − c_j(old)‖²`, computed only when `tol > 0` (else 0), as scikit-learn.
    pub shift: f64,
    /// Centroids moved to a random point of the batch in this step.
    pub reassigned: usize,
}

/// A callback that sees every [`MiniBatchLog`] as it happens.
pub type MiniBatchObserver = Arc<dyn Fn(&MiniBatchLog) + Send + Sync>;

/// The result of [`MiniBatchKMeans::fit`].
#[derive(Clone, Debug)]
pub struct MiniBatchFit<T> {
    /// `k × d` centroids.
    pub centroids: Matrix<T>,
    /// The nearest of the returned centroids for every point (one full pass at the end, as
    /// scikit-learn's `compute_labels=True`).
    pub labels: Vec<u32>,
    /// Inertia of `labels` over the whole data set.
    pub inertia: f64,
    /// Mini-batch steps run (scikit-learn's `n_steps_`).
    pub steps: usize,
    /// Passes over the data those steps amount to, rounded up (scikit-learn's `n_iter_`).
    pub epochs: usize,
    /// Whether the fit stopped early (centroid shift within `tol`, or `max_no_improvement`
    /// steps without a lower smoothed inertia) rather than after `max_iter` epochs.
    pub converged: bool,
    /// Points each centroid has absorbed (its learning rate is `1 / count`); reassigned
    /// centroids restart from the smallest count of the others, as scikit-learn does.
    pub counts: Vec<f64>,
    /// One entry per step.
    pub history: Vec<MiniBatchLog>,
    /// Wall-clock seconds spent choosing the initial centroids.
    pub init_seconds: f64,
}

/// Mini-batch k-means parameters, with scikit-learn's defaults. Build with
/// [`MiniBatchKMeans::new`] and the setters, then [`fit`](MiniBatchKMeans::fit) with any
/// iteration step.
///
/// ```
/// use kmeans_core::{data, reference::Reference, MiniBatchKMeans};
///
/// let blobs = data::blobs::<f64>(5_000, 4, 3, 0.5, 1);
/// let fit = MiniBatchKMeans::new(4).batch_size(256).seed(3).fit(&Reference, blobs.data.view())?;
/// assert_eq!(fit.centroids.shape(), (4, 3));
/// assert!(fit.centroids.as_slice().iter().all(|v| v.is_finite()));
/// # Ok::<(), kmeans_core::Error>(())
/// ```
#[derive(Clone)]
pub struct MiniBatchKMeans<T> {
    k: usize,
    batch_size: usize,
    max_iter: usize,
    tol: f64,
    max_no_improvement: Option<usize>,
    init: Init<T>,
    init_size: Option<usize>,
    reassignment_ratio: f64,
    seed: u64,
    threads: Option<usize>,
    observer: Option<MiniBatchObserver>,
}

impl<T: Scalar> std::fmt::Debug for MiniBatchKMeans<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniBatchKMeans")
            .field("k", &self.k)
            .field("batch_size", &self.batch_size)
            .field("max_iter", &self.max_iter)
            .field("tol", &self.tol)
            .field("max_no_improvement", &self.max_no_improvement)
            .field("init", &self.init)
            .field("init_size", &self.init_size)
            .field("reassignment_ratio", &self.reassignment_ratio)
            .field("seed", &self.seed)
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

impl<T: Scalar> MiniBatchKMeans<T> {
    /// `k` clusters with scikit-learn's defaults: `batch_size = 1024`, `max_iter = 100` (epochs),
    /// `tol = 0`, `max_no_improvement = 10`, k-means++ on `init_size = 3·batch_size` random
    /// points, `reassignment_ratio = 0.01`, `seed = 0`, rayon's default thread count.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            batch_size: 1024,
            max_iter: 100,
            tol: 0.0,
            max_no_improvement: Some(10),
            init: Init::KMeansPlusPlus,
            init_size: None,
            reassignment_ratio: 0.01,
            seed: 0,
            threads: None,
            observer: None,
        }
    }

    /// Points per batch (capped at `n`).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Upper bound on the work, in passes over the data: the fit runs at most
    /// `max_iter · n / batch_size` steps.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Stop when one step moves the centroids by at most `tol · mean(var(data, axis=0))` in
    /// total squared distance; 0 (the default) disables this test.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Stop after this many consecutive steps without a lower smoothed batch inertia; `None`
    /// disables the early stop.
    pub fn max_no_improvement(mut self, steps: Option<usize>) -> Self {
        self.max_no_improvement = steps;
        self
    }

    /// How to choose the initial centroids; random and k-means++ draw from `init_size` random
    /// points, not the whole data.
    pub fn init(mut self, init: Init<T>) -> Self {
        self.init = init;
        self
    }

    /// Points drawn (with replacement) to run the init on; `None` = `3 · batch_size`, raised to
    /// `3 · k` when smaller than `k` and capped at `n`, as scikit-learn.
    pub fn init_size(mut self, init_size: Option<usize>) -> Self {
        self.init_size = init_size;
        self
    }

    /// A centroid whose count falls below this fraction of the largest count is moved to a
    /// random point of the batch (checked each time `10 · k` points have been seen, or when a
    /// centroid has no point at all); 0 disables reassignment.
    pub fn reassignment_ratio(mut self, ratio: f64) -> Self {
        self.reassignment_ratio = ratio;
        self
    }

    /// Seed of every random choice; same seed, same variant, same thread count ⇒ same result.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Threads for the whole fit (the data check, the batch assignments and the final labels
    /// pass): `Some(t)` runs it in the process's pool of `t` threads, `None` on the caller's
    /// rayon pool (the global one outside any).
    pub fn threads(mut self, threads: Option<usize>) -> Self {
        self.threads = threads;
        self
    }

    /// Call `observer` after every step.
    pub fn on_step(mut self, observer: impl Fn(&MiniBatchLog) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The number of clusters.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Fit with a registered variant, using its implementation for `T`.
    ///
    /// # Errors
    /// [`Error::UnsupportedDtype`] if the variant has no `T` implementation, else as
    /// [`fit`](MiniBatchKMeans::fit).
    pub fn fit_variant(
        &self,
        variant: &IterationVariant,
        data: Points<'_, T>,
    ) -> Result<MiniBatchFit<T>> {
        self.fit(variant.require::<T>()?, data)
    }

    /// Run mini-batch k-means on `data`, assigning each batch with `solver`.
    ///
    /// # Errors
    /// Invalid parameters (`batch_size = 0`, `max_iter = 0`, `init_size < k`, negative or
    /// non-finite `tol` or `reassignment_ratio`, `threads` 0 or above [`max_threads`](crate::max_threads)), [`Error::ThreadPool`](crate::Error::ThreadPool) when the fit's pool cannot be started, and every data error of
    /// [`validate::check_fit_input`](crate::validate::check_fit_input) and, for given centroids, [`validate::check_centroids`](crate::validate::check_centroids).
    pub fn fit(
        &self,
        solver: &dyn IterationStep<T>,
        data: Points<'_, T>,
    ) -> Result<MiniBatchFit<T>> {
        self.check_parameters()?;
        // As `KMeans::fit`: checked in the fit's pool, the tolerance scaled in the same pass.
        crate::lloyd::in_pool(self.threads, (data, self.k), || {
            let tol = crate::lloyd::checked_tolerance(data, self.k, self.tol)?;
            self.run(solver, data, tol)
        })
    }

    fn check_parameters(&self) -> Result<()> {
        let invalid = |name, reason: &str| {
            Err(Error::InvalidParameter {
                name,
                reason: reason.into(),
            })
        };
        if self.batch_size == 0 {
            return invalid("batch_size", "must be at least 1");
        }
        if self.max_iter == 0 {
            return invalid("max_iter", "must be at least 1");
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return invalid("tol", "must be a finite number >= 0");
        }
        if !(self.reassignment_ratio >= 0.0 && self.reassignment_ratio.is_finite()) {
            return invalid("reassignment_ratio", "must be a finite number >= 0");
        }
        if self.threads == Some(0) {
            return invalid("threads", "must be at least 1");
        }
        if let Some(threads) = self.threads.filter(|&t| t > crate::max_threads()) {
            return invalid(
                "threads",
                &format!(
                    "{threads} is more than {} (4 × the cores available)",
                    crate::max_threads()
                ),
            );
        }
        if self.init_size.is_some_and(|s| s < self.k) {
            return invalid("init_size", "must be at least k");
        }
        let max = u32::MAX as usize;
        if self.k > max {
            return Err(Error::TooLarge {
                what: "k",
                value: self.k,
                max,
            });
        }
        Ok(())
    }

    /// The initial centroids: given ones as they are, else the init run on `init_size` points
    /// drawn with replacement (scikit-learn's `_init_centroids(..., init_size)`).
    fn initial_centroids(&self, data: Points<'_, T>, rng: &mut StdRng) -> Result<Matrix<T>> {
        let (n, k) = (data.n(), self.k);
        if let Init::Centroids(_) = self.init {
            return self.init.centroids(data, k, rng);
        }
        let batch = self.batch_size.min(n);
        let mut size = self.init_size.unwrap_or(3 * batch);
        if size < k {
            size = 3 * k;
        }
        if size >= n {
            return self.init.centroids(data, k, rng);
        }
        let indices: Vec<usize> = (0..size).map(|_| rng.random_range(0..n)).collect();
        let sample = gather(data, &indices);
        self.init.centroids(sample.view(), k, rng)
    }

    /// The fit on checked data, `tol` already scaled by the data's variance.
    fn run(
        &self,
        solver: &dyn IterationStep<T>,
        data: Points<'_, T>,
        tol: f64,
    ) -> Result<MiniBatchFit<T>> {
        let (n, d, k) = (data.n(), data.d(), self.k);
        let batch = self.batch_size.min(n);
        let mut rng = StdRng::seed_from_u64(self.seed);
        let started = std::time::Instant::now();
        let mut centroids = self.initial_centroids(data, &mut rng)?;
        let init_seconds = started.elapsed().as_secs_f64();

        let steps_max = (self.max_iter.saturating_mul(n) / batch).max(1);
        let mut state = State::new(k, d, batch);
        let mut rows = vec![T::zero(); batch * d];
        let mut next = centroids.clone();
        let mut history = Vec::new();
        let mut stop = EarlyStop::new(batch, n, tol, self.max_no_improvement);
        let mut converged = false;
        for step in 1..=steps_max {
            for row in rows.chunks_exact_mut(d) {
                row.copy_from_slice(data.row(rng.random_range(0..n)));
            }
            // Decided before the update, from the counts so far (scikit-learn's
            // `_random_reassign` is evaluated as an argument of the step).
            state.seen += batch;
            let reassign = if state.counts.contains(&0.0) || state.seen >= 10 * k {
                state.seen = 0;
                true
            } else {
                false
            };
            let view = Points::with_shape(&rows, batch, d)?;
            let batch_inertia = solver.assign(view, centroids.view(), &mut state.labels);
            state.update(view, centroids.view(), &mut next);
            let reassigned = if reassign && self.reassignment_ratio > 0.0 {
                state.reassign(view, &mut next, self.reassignment_ratio, &mut rng)
            } else {
                0
            };
            let shift = if tol > 0.0 {
                crate::centroid_shift(centroids.as_slice(), next.as_slice())
            } else {
                0.0
            };
            std::mem::swap(&mut centroids, &mut next);
            let per_point = batch_inertia / batch as f64;
            let done = stop.update(step, per_point, shift);
            let log = MiniBatchLog {
                step,
                batch_inertia: per_point,
                smoothed_inertia: stop.ewa,
                shift,
                reassigned,
            };
            if let Some(observer) = &self.observer {
                observer(&log);
            }
            history.push(log);
            // `next` must start each step equal to the current centroids (rows of clusters the
            // batch misses are not written by the update).
            next.as_mut_slice().copy_from_slice(centroids.as_slice());
            if done {
                converged = true;
                break;
            }
        }
        let mut labels = vec![0u32; n];
        let inertia = solver.assign(data, centroids.view(), &mut labels);
        let steps = history.len();
        Ok(MiniBatchFit {
            centroids,
            labels,
            inertia,
            steps,
            epochs: (steps * batch).div_ceil(n),
            converged,
            counts: state.counts,
            history,
            init_seconds,
        })
    }
}

/// Rows `indices` of `data`, in that order.
fn gather<T: Scalar>(data: Points<'_, T>, indices: &[usize]) -> Matrix<T> {
    let mut m = Matrix::zeros(indices.len(), data.d());
    for (j, &i) in indices.iter().enumerate() {
        m.row_mut(j).copy_from_slice(data.row(i));
    }
    m
}

/// The per-fit state besides the centroids, `O(batch + k·d)`.
struct State {
    labels: Vec<u32>,
    /// Points absorbed per centroid (scikit-learn's `weight_sums`, unit weights).
    counts: Vec<f64>,
    /// This batch's per-cluster sums and sizes.
    sums: Vec<f64>,
    sizes: Vec<f64>,
    /// Points since the last reassignment check.
    seen: usize,
}

impl State {
    fn new(k: usize, d: usize, batch: usize) -> Self {
        Self {
            labels: vec![0; batch],
            counts: vec![0.0; k],
            sums: vec![0.0; k * d],
            sizes: vec![0.0; k],
            seen: 0,
        }
    }

    /// Sculley's update with a per-centroid learning rate `1 / count`, in closed form per batch
    /// (scikit-learn's `_minibatch_update_dense`): `c ← (c·w + Σ x) / (w + m)` for a centroid
    /// with count `w` that receives `m ≥ 1` points; a centroid without points keeps its place.
    fn update<T: Scalar>(
        &mut self,
        batch: Points<'_, T>,
        centroids: Points<'_, T>,
        next: &mut Matrix<T>,
    ) {
        let d = batch.d();
        self.sums.fill(0.0);
        self.sizes.fill(0.0);
        for (x, &l) in batch.rows().zip(&self.labels) {
            let l = l as usize;
            self.sizes[l] += 1.0;
            for (s, &v) in self.sums[l * d..(l + 1) * d].iter_mut().zip(x) {
                *s += v.as_f64();
            }
        }
        for j in 0..self.counts.len() {
            let m = self.sizes[j];
            if m == 0.0 {
                continue;
            }
            let w = self.counts[j];
            let total = w + m;
            let sums = &self.sums[j * d..(j + 1) * d];
            for ((out, &c), &s) in next.row_mut(j).iter_mut().zip(centroids.row(j)).zip(sums) {
                *out = T::of_f64((c.as_f64() * w + s) / total);
            }
            self.counts[j] = total;
        }
    }

    /// scikit-learn's random reassignment: centroids whose count is below `ratio` times the
    /// largest move to distinct random points of the batch (at most half the batch, the
    /// smallest counts first), and their count restarts at the smallest count of the others so
    /// they are not reassigned again at once. Returns how many moved.
    fn reassign<T: Scalar>(
        &mut self,
        batch: Points<'_, T>,
        next: &mut Matrix<T>,
        ratio: f64,
        rng: &mut StdRng,
    ) -> usize {
        let k = self.counts.len();
        let largest = self.counts.iter().copied().fold(0.0f64, f64::max);
        let threshold = ratio * largest;
        let mut chosen: Vec<bool> = self.counts.iter().map(|&w| w < threshold).collect();
        let limit = batch.n() / 2;
        if chosen.iter().filter(|&&c| c).count() > limit {
            // Keep only the `limit` smallest counts (a stable order, so ties are deterministic).
            let mut order: Vec<usize> = (0..k).collect();
            order.sort_by(|&a, &b| self.counts[a].total_cmp(&self.counts[b]));
            for &j in &order[limit..] {
                chosen[j] = false;
            }
        }
        let moving: Vec<usize> = (0..k).filter(|&j| chosen[j]).collect();
        if moving.is_empty() {
            return 0;
        }
        let rows = rand::seq::index::sample(rng, batch.n(), moving.len());
        for (&j, i) in moving.iter().zip(rows.iter()) {
            next.row_mut(j).copy_from_slice(batch.row(i));
        }
        let floor = (0..k)
            .filter(|&j| !chosen[j])
            .map(|j| self.counts[j])
            .fold(f64::INFINITY, f64::min);
        if floor.is_finite() {
            for &j in &moving {
                self.counts[j] = floor;
            }
        }
        moving.len()
    }
}

/// scikit-learn's `_mini_batch_convergence`: an exponentially weighted average of the per-point
/// batch inertia, and a count of steps since it last reached a new minimum.
struct EarlyStop {
    alpha: f64,
    tol: f64,
    patience: Option<usize>,
    ewa: Option<f64>,
    best: Option<f64>,
    stale: usize,
}

impl EarlyStop {
    fn new(batch: usize, n: usize, tol: f64, patience: Option<usize>) -> Self {
        Self {
            alpha: (batch as f64 * 2.0 / (n as f64 + 1.0)).min(1.0),
            tol,
            patience,
            ewa: None,
            best: None,
            stale: 0,
        }
    }

    /// Whether to stop after `step` (from 1), whose batch had `inertia` per point.
    fn update(&mut self, step: usize, inertia: f64, shift: f64) -> bool {
        // Step 1's inertia only measures the init.
        if step == 1 {
            return false;
        }
        let ewa = match self.ewa {
            None => inertia,
            Some(e) => e * (1.0 - self.alpha) + inertia * self.alpha,
        };
        self.ewa = Some(ewa);
        if self.tol > 0.0 && shift <= self.tol {
            return true;
        }
        if self.best.is_none_or(|b| ewa < b) {
            self.stale = 0;
            self.best = Some(ewa);
        } else {
            self.stale += 1;
        }
        self.patience.is_some_and(|p| self.stale >= p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::Reference;

    #[test]
    fn finds_well_separated_blobs_and_is_deterministic() {
        let blobs = crate::data::blobs::<f64>(20_000, 5, 4, 0.2, 9);
        let params = MiniBatchKMeans::new(5).batch_size(512).seed(4);
        let fit = params.fit(&Reference, blobs.data.view()).unwrap();
        let lloyd = crate::KMeans::new(5)
            .seed(4)
            .fit(&Reference, blobs.data.view())
            .unwrap();
        assert!(
            fit.inertia <= lloyd.inertia * 1.05,
            "mini-batch {} vs Lloyd {}",
            fit.inertia,
            lloyd.inertia
        );
        assert!(fit.steps < 20_000 * 100 / 512, "the early stop never fired");
        assert!(fit.converged);
        let again = params.fit(&Reference, blobs.data.view()).unwrap();
        assert_eq!(again.centroids, fit.centroids);
        assert_eq!(again.labels, fit.labels);
        assert!(fit.counts.iter().sum::<f64>() >= (fit.steps * 512) as f64);
    }

    #[test]
    fn the_update_is_the_running_mean() {
        // One centroid, batches of the whole data: after one step it is the data's mean.
        let data = Matrix::from_rows(&[[0.0f64, 0.0], [2.0, 4.0], [4.0, 8.0]]).unwrap();
        let init = Matrix::from_rows(&[[10.0f64, 10.0]]).unwrap();
        let mut state = State::new(1, 2, 3);
        let mut next = init.clone();
        state.update(data.view(), init.view(), &mut next);
        assert_eq!(next.as_slice(), &[2.0, 4.0]);
        // A second batch of one point at the origin: weight 3 vs 1.
        let origin = Matrix::from_rows(&[[0.0f64, 0.0]]).unwrap();
        let mut state2 = State::new(1, 2, 1);
        state2.counts = state.counts.clone();
        let current = next.clone();
        state2.update(origin.view(), current.view(), &mut next);
        assert_eq!(next.as_slice(), &[1.5, 3.0]);
        assert_eq!(state2.counts, vec![4.0]);
    }

    #[test]
    fn starved_clusters_are_reassigned_never_nan() {
        // A far init centroid gets no point: it must be moved onto the data.
        let rows: Vec<[f64; 2]> = (0..400)
            .map(|i| [(i % 2) as f64 * 10.0 + i as f64 * 1e-3, 1.0])
            .collect();
        let data = Matrix::from_rows(&rows).unwrap();
        let far = Matrix::from_rows(&[[0.0f64, 1.0], [10.0, 1.0], [500.0, 500.0]]).unwrap();
        let fit = MiniBatchKMeans::new(3)
            .init(Init::Centroids(far))
            .batch_size(64)
            .seed(1)
            .fit(&Reference, data.view())
            .unwrap();
        assert!(fit.history.iter().any(|h| h.reassigned > 0));
        assert!(fit.centroids.as_slice().iter().all(|v| v.is_finite()));
        assert!(fit.centroids.row(2)[0] < 20.0, "{:?}", fit.centroids);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let data = crate::data::uniform::<f64>(50, 2, 1);
        for params in [
            MiniBatchKMeans::new(3).batch_size(0),
            MiniBatchKMeans::new(3).max_iter(0),
            MiniBatchKMeans::new(3).tol(f64::NAN),
            MiniBatchKMeans::new(3).reassignment_ratio(-1.0),
            MiniBatchKMeans::new(3).init_size(Some(2)),
            MiniBatchKMeans::new(3).threads(Some(0)),
            MiniBatchKMeans::new(3).threads(Some(crate::max_threads() + 1)),
        ] {
            let e = params.fit(&Reference, data.view()).unwrap_err();
            assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
        }
        let e = MiniBatchKMeans::new(60)
            .fit(&Reference, data.view())
            .unwrap_err();
        assert!(matches!(e, Error::TooManyClusters { .. }), "{e}");
    }
}
