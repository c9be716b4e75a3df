//! The Lloyd driver: the library API, in the spirit of scikit-learn's `KMeans`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::error::{Error, Result};
use crate::init::Init;
use crate::metrics::{centroid_shift, sq_dist_f64};
use crate::points::{Matrix, Points};
use crate::registry::IterationVariant;
use crate::scalar::Scalar;
use crate::step::IterationStep;
use crate::validate;

/// The most threads a fit may ask for: 4 × the available parallelism. More only slows a fit
/// down, and a huge count makes the thread pool spin for minutes or abort while starting.
pub fn max_threads() -> usize {
    4 * std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// The variables rayon sizes its global pool by — the pool a fit without
/// [`KMeans::threads`] and every [`predict`] run on — in the order it reads them
/// (`RAYON_RS_NUM_CPUS` is the deprecated name, read when the first is unset or not a number).
pub const THREAD_ENV: [&str; 2] = ["RAYON_NUM_THREADS", "RAYON_RS_NUM_CPUS"];

/// Check the thread counts the environment gives rayon's global pool ([`THREAD_ENV`]): each
/// unset, empty, or a whole number from 0 (rayon's "one thread per core") to [`max_threads`].
/// Rayon itself ignores a value it cannot parse (and starts one thread per core, whatever the
/// user meant), and starts as many threads as a huge value asks for, which takes minutes;
/// [`KMeans::fit`] and [`predict`] refuse both instead whenever they would start that pool.
///
/// # Errors
/// [`Error::Environment`] naming the variable and its value.
pub fn check_thread_env() -> Result<()> {
    for variable in THREAD_ENV {
        let Some(raw) = std::env::var_os(variable) else {
            continue;
        };
        let value = raw.to_string_lossy().into_owned();
        let error = |reason: String| Error::Environment {
            variable,
            value: value.clone(),
            reason,
        };
        let Some(text) = raw.to_str() else {
            return Err(error("not UTF-8".into()));
        };
        if text.is_empty() {
            continue;
        }
        let accepted = |max: usize| format!("give 0 (one per core) to {max}, or unset it");
        match text.parse::<usize>() {
            Err(_) => {
                return Err(error(format!(
                    "not a whole number (rayon would ignore it and start one thread per core); {}",
                    accepted(max_threads())
                )));
            }
            Ok(threads) if threads > max_threads() => {
                let max = max_threads();
                return Err(error(format!(
                    "more than {max} (4 × the {} cores available): more threads only slow a fit down, and a huge count takes minutes to start; {}",
                    max / 4,
                    accepted(max)
                )));
            }
            Ok(_) => {}
        }
    }
    Ok(())
}

/// [`check_thread_env`] when work started here would run on rayon's global pool: on a thread
/// of no pool (on a pool's thread, the work stays in that pool). The one test every entry
/// point that may start the global pool makes (the fit, [`predict`], the core's parallel
/// helpers, the Python package).
///
/// # Errors
/// As [`check_thread_env`], off a pool's thread only.
pub fn check_global_pool_env() -> Result<()> {
    if rayon::current_thread_index().is_none() {
        check_thread_env()
    } else {
        Ok(())
    }
}

/// One line of the per-iteration log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IterationLog {
    /// Which restart (0-based) of `n_init`.
    pub run: usize,
    /// Iteration number, from 1.
    pub iteration: usize,
    /// Inertia of this iteration's assignment, w.r.t. the centroids it started from.
    pub inertia: f64,
    /// `Σ_j ‖c_j(new) − c_j(old)‖²`: how far the centroids moved.
    pub shift: f64,
    /// Empty clusters relocated in this iteration.
    pub relocated: usize,
    /// Point–centroid distances this iteration computed: `n·k` for plain Lloyd, fewer for a
    /// variant whose bounds skip some (see [`IterationState::distances`](crate::IterationState::distances)).
    pub distances: u64,
}

/// A callback that sees every [`IterationLog`] as it happens (verbose output, progress bars).
pub type Observer = Arc<dyn Fn(&IterationLog) + Send + Sync>;

/// The result of [`KMeans::fit`].
#[derive(Clone, Debug)]
pub struct Fit<T> {
    /// `k × d` centroids.
    pub centroids: Matrix<T>,
    /// The nearest of the returned centroids for each point (so labels and centroids agree, as
    /// in scikit-learn).
    pub labels: Vec<u32>,
    /// Sum of squared distances of the points to their labelled centroid.
    pub inertia: f64,
    /// Iterations run by the kept restart.
    pub iterations: usize,
    /// Whether the kept restart met the convergence rule (labels unchanged, or a centroid shift
    /// within `tol`) by its last iteration. With `tol = 0` the iterations continue to `max_iter`
    /// regardless, as in the slides' fixed loop; this flag still says whether the fit had settled.
    pub converged: bool,
    /// The kept restart's per-iteration log; `history[i].inertia` never increases.
    pub history: Vec<IterationLog>,
    /// Wall-clock seconds spent choosing initial centroids, summed over all restarts (the rest
    /// of a fit's time is its Lloyd iterations and the final labels pass).
    pub init_seconds: f64,
}

impl<T: Scalar> Fit<T> {
    /// Inertia after each iteration, in order (the kept restart's).
    pub fn inertia_per_iteration(&self) -> Vec<f64> {
        self.history.iter().map(|h| h.inertia).collect()
    }

    /// Labels for new points: the nearest of this fit's centroids.
    ///
    /// # Errors
    /// As [`predict`].
    pub fn predict(&self, solver: &dyn IterationStep<T>, data: Points<'_, T>) -> Result<Vec<u32>> {
        predict(solver, data, self.centroids.view()).map(|(labels, _)| labels)
    }
}

/// k-means parameters, with scikit-learn's defaults. Build with [`KMeans::new`] and the setters,
/// then [`fit`](KMeans::fit) with any iteration step.
#[derive(Clone)]
pub struct KMeans<T> {
    k: usize,
    max_iter: usize,
    tol: f64,
    init: Init<T>,
    seed: u64,
    n_init: usize,
    threads: Option<usize>,
    observer: Option<Observer>,
}

impl<T: Scalar> std::fmt::Debug for KMeans<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KMeans")
            .field("k", &self.k)
            .field("max_iter", &self.max_iter)
            .field("tol", &self.tol)
            .field("init", &self.init)
            .field("seed", &self.seed)
            .field("n_init", &self.n_init)
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

impl<T: Scalar> KMeans<T> {
    /// `k` clusters; `max_iter = 300`, `tol = 1e-4`, k-means++ init, `seed = 0`, `n_init = 1`,
    /// rayon's default thread count.
    pub fn new(k: usize) -> Self {
        Self {
            k,
            max_iter: 300,
            tol: 1e-4,
            init: Init::KMeansPlusPlus,
            seed: 0,
            n_init: 1,
            threads: None,
            observer: None,
        }
    }

    /// The slides' loop: random init, exactly `num_iter` iterations, no early stop.
    pub fn slides(k: usize, num_iter: usize) -> Self {
        Self::new(k).init(Init::Random).max_iter(num_iter).tol(0.0)
    }

    /// Upper bound on iterations per restart.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Convergence tolerance, relative to the data's mean per-column variance (as scikit-learn):
    /// stop when `Σ_j ‖c_j(new) − c_j(old)‖² ≤ tol · mean(var(data, axis=0))` or when no label
    /// changed. `tol = 0` disables both and runs exactly `max_iter` iterations, like the slides'
    /// fixed loop (scikit-learn would still stop when labels stop changing).
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// How to choose the initial centroids.
    pub fn init(mut self, init: Init<T>) -> Self {
        self.init = init;
        self
    }

    /// Seed of every random choice; same seed, same variant ⇒ same result.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Restarts from different random inits; the lowest final inertia wins. Ignored (one run)
    /// with [`Init::Centroids`], which has nothing random to restart.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// Threads for parallel variants and helpers; `None` uses rayon's global pool. The fit runs
    /// in a pool of exactly this size, so nested parallelism cannot oversubscribe the machine.
    /// `fit` refuses 0 and more than [`max_threads`].
    pub fn threads(mut self, threads: Option<usize>) -> Self {
        self.threads = threads;
        self
    }

    /// Call `observer` after every iteration (verbose logs, progress bars).
    pub fn on_iteration(
        mut self,
        observer: impl Fn(&IterationLog) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The number of clusters.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The parameters as set, for a [`KMeansModel`](crate::KMeansModel) to keep.
    pub fn parameters(&self) -> crate::model::Parameters {
        crate::model::Parameters {
            k: self.k,
            max_iter: self.max_iter,
            tol: self.tol,
            init: crate::model::init_name(&self.init).into(),
            oversampling: match self.init {
                Init::KMeansParallel { oversampling, .. } => Some(oversampling),
                _ => None,
            },
            rounds: match self.init {
                Init::KMeansParallel { rounds, .. } => Some(rounds),
                _ => None,
            },
            seed: self.seed,
            n_init: self.n_init,
            threads: self.threads,
        }
    }

    /// Fit with a registered variant, using its implementation for `T`.
    ///
    /// # Errors
    /// [`Error::UnsupportedDtype`] if the variant has no `T` implementation, else as
    /// [`fit`](KMeans::fit).
    pub fn fit_variant(&self, variant: &IterationVariant, data: Points<'_, T>) -> Result<Fit<T>> {
        self.fit(variant.require::<T>()?, data)
    }

    /// Run Lloyd's algorithm on `data` with `solver` doing each iteration.
    ///
    /// # Errors
    /// Invalid parameters (`max_iter = 0`, `n_init = 0`, negative or NaN `tol`, `threads = 0` or
    /// above [`max_threads`]), [`Error::ThreadPool`] when the fit's pool cannot be started (it
    /// is started before the data is checked, which runs in it), without `threads` a thread
    /// count in the environment that rayon's global pool would misread ([`check_thread_env`]),
    /// then for given centroids every error of [`validate::check_centroids`], then every data
    /// error of
    /// [`validate::check_fit_input`] (with a random or given init and no tolerance, a stateless
    /// step's first iteration finds the values' errors: the same errors, the same order).
    pub fn fit(&self, solver: &dyn IterationStep<T>, data: Points<'_, T>) -> Result<Fit<T>> {
        self.check_parameters()?;
        in_pool(self.threads, (data, self.k), || {
            // Without a tolerance, a random or given init reads at most `k` rows: then the
            // values are checked in the first iteration's own pass over the data
            // (`IterationStep::iterate_checking`), not in a pass before it.
            let unchecked =
                self.tol == 0.0 && matches!(self.init, Init::Random | Init::Centroids(_));
            // Given centroids are checked before the data on every path, so the first error
            // does not depend on the tolerance.
            if let Init::Centroids(c) = &self.init {
                validate::check_centroids(c.view(), self.k, data.d())?;
            }
            let tol = if unchecked {
                validate::check_sizes(data, self.k)?;
                0.0
            } else {
                checked_tolerance(data, self.k, self.tol)?
            };
            self.fit_runs(solver, data, tol, unchecked)
        })
    }

    /// Check the parameters alone, before any data is at hand (`fit` checks them too).
    ///
    /// # Errors
    /// As [`fit`](KMeans::fit) for invalid parameters.
    pub fn check(&self) -> Result<()> {
        self.check_parameters()
    }

    fn check_parameters(&self) -> Result<()> {
        let invalid = |name, reason: &str| {
            Err(Error::InvalidParameter {
                name,
                reason: reason.into(),
            })
        };
        if self.max_iter == 0 {
            return invalid("max_iter", "must be at least 1");
        }
        if self.n_init == 0 {
            return invalid("n_init", "must be at least 1");
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return invalid("tol", "must be a finite number >= 0");
        }
        if self.threads == Some(0) {
            return invalid("threads", "must be at least 1");
        }
        if let Some(threads) = self.threads.filter(|&t| t > max_threads()) {
            return invalid(
                "threads",
                &format!(
                    "{threads} is more than {} (4 × the {} cores available)",
                    max_threads(),
                    max_threads() / 4
                ),
            );
        }
        self.init.check_parameters()?;
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

    /// The `n_init` runs of a fit, `tol` already scaled by the data's variance; with
    /// `unchecked`, the data's sizes alone were checked, and the first run's first iteration
    /// checks the rest (see [`lloyd`](Self::lloyd)).
    fn fit_runs(
        &self,
        solver: &dyn IterationStep<T>,
        data: Points<'_, T>,
        tol: f64,
        mut unchecked: bool,
    ) -> Result<Fit<T>> {
        let runs = if matches!(self.init, Init::Centroids(_)) {
            1
        } else {
            self.n_init
        };
        let mut seeds = StdRng::seed_from_u64(self.seed);
        let mut best: Option<Fit<T>> = None;
        let mut init_seconds = 0.0;
        for run in 0..runs {
            let mut rng = StdRng::seed_from_u64(seeds.next_u64());
            let started = std::time::Instant::now();
            let centroids = self.init.centroids_with(data, self.k, &mut rng, solver)?;
            init_seconds += started.elapsed().as_secs_f64();
            let fit = self.lloyd(solver, data, centroids, tol, run, unchecked)?;
            unchecked = false;
            if best.as_ref().is_none_or(|b| fit.inertia < b.inertia) {
                best = Some(fit);
            }
        }
        let mut best = best.expect("n_init >= 1 was checked");
        best.init_seconds = init_seconds;
        Ok(best)
    }

    // ANCHOR: lloyd_loop
    fn lloyd(
        &self,
        solver: &dyn IterationStep<T>,
        data: Points<'_, T>,
        mut centroids: Matrix<T>,
        tol: f64,
        run: usize,
        mut unchecked: bool,
    ) -> Result<Fit<T>> {
        let (n, d, k) = (data.n(), data.d(), self.k);
        let mut labels = vec![0u32; n];
        // The labels of the iteration before (none before the second). A stateless step writes
        // every label (`IterationStep::assign`), so the two buffers trade places instead of
        // copying one into the other: a copy is a serial pass per iteration (~1 % of a
        // two-thread 10⁵-point iteration). A stateful step reads the labels it wrote last
        // time, so those are copied.
        let mut previous: Vec<u32> = Vec::new();
        let mut next = Matrix::zeros(k, d);
        let mut counts = vec![0u32; k];
        let mut history = Vec::new();
        let mut converged = false;
        let mut strict = false;
        // Bounds-based variants keep per-fit state; plain Lloyd's variants have none.
        let mut state = solver.start(data, k);
        if unchecked && state.is_some() {
            // A stateful step has no checking iteration: check first.
            validate::check_values("data", data)?;
            validate::check_distinct(data, k)?;
            unchecked = false;
        }
        for iteration in 1..=self.max_iter {
            if iteration > 1 && state.is_none() {
                std::mem::swap(&mut labels, &mut previous);
                if labels.is_empty() {
                    labels = vec![0u32; n];
                }
            }
            let (c, out) = (centroids.view(), next.as_mut_slice());
            let (inertia, distances) = match state.as_mut() {
                None if unchecked => {
                    let bound = validate::magnitude_bound::<T>(d);
                    let checked =
                        solver.iterate_checking(data, c, &mut labels, out, &mut counts, bound);
                    let inertia = match checked {
                        Some(inertia) => inertia,
                        None => {
                            // Some value failed: name it. (Should the validator pass what the
                            // step's check failed, its word holds and the iteration reruns.)
                            validate::check_values("data", data)?;
                            solver.iterate(data, c, &mut labels, out, &mut counts)
                        }
                    };
                    validate::check_distinct(data, k)?;
                    unchecked = false;
                    (inertia, None)
                }
                Some(state) => {
                    let inertia = state.iterate(data, c, &mut labels, out, &mut counts);
                    (inertia, state.distances())
                }
                None => (solver.iterate(data, c, &mut labels, out, &mut counts), None),
            };
            let distances = distances.unwrap_or((n * k) as u64);
            let relocated = relocate_empty_clusters(
                data,
                centroids.view(),
                &mut labels,
                &mut next,
                &mut counts,
            );
            if relocated > 0 && state.is_some() {
                // The bounds describe the labels before relocation: start afresh.
                state = solver.start(data, k);
            }
            let shift = centroid_shift(centroids.as_slice(), next.as_slice());
            std::mem::swap(&mut centroids, &mut next);
            let log = IterationLog {
                run,
                iteration,
                inertia,
                shift,
                relocated,
                distances,
            };
            if let Some(observer) = &self.observer {
                observer(&log);
            }
            history.push(log);
            // Labels unchanged: the next iteration would reproduce these centroids exactly.
            strict = relocated == 0 && iteration > 1 && labels == previous;
            converged = strict || shift <= tol;
            if self.tol > 0.0 && converged {
                break;
            }
            if state.is_some() {
                previous.clone_from(&labels);
            }
        }
        // Labels for the final centroids, so that labels and centroids agree. When the last
        // iteration changed no label and the one before relocated nothing, the last means are
        // the centroids it started from, bit for bit (the same sums of the same labels), so its
        // labels and inertia already are the final ones.
        // A stateful variant may label them through its state (`IterationState::assign`:
        // for bounds, one more iteration on them, a fraction of a full assignment).
        let inertia = match &history[..] {
            [.., before, last] if strict && before.relocated == 0 => last.inertia,
            _ => state
                .as_mut()
                .and_then(|s| s.assign(data, centroids.view(), &mut labels))
                .unwrap_or_else(|| solver.assign(data, centroids.view(), &mut labels)),
        };
        Ok(Fit {
            centroids,
            labels,
            inertia,
            iterations: history.len(),
            converged,
            history,
            init_seconds: 0.0,
        })
    }
    // ANCHOR_END: lloyd_loop
}

/// Run `f` in the process's pool of `threads` threads ([`pool`]), or on the caller's pool
/// when `None`. A fit runs whole in it, its data check included: the check keeps to the fit's
/// thread count, and a process that fits with `threads` never starts rayon's global pool too.
/// While a fit of `data` into `k` clusters that is not tiny runs, each of the pool's threads
/// is held on a CPU of its own (`placement.rs`), unless the caller is itself a pool's thread
/// and `threads` is `None`.
pub(crate) fn in_pool<R: Send, T: Scalar>(
    threads: Option<usize>,
    (data, k): (Points<'_, T>, usize),
    f: impl FnOnce() -> Result<R> + Send,
) -> Result<R> {
    let work = data.n().saturating_mul(data.d()).saturating_mul(k);
    // Called on a pool's thread without a count of its own, the fit is nested in the caller's
    // own parallel work, whose threads are not the fit's to place (and a broadcast to pin them
    // would wait for all of them).
    let pin = threads.is_some() || rayon::current_thread_index().is_none();
    let pinned_f = || {
        let _pinned = pin.then(|| crate::placement::Pinned::pool_threads(work));
        f()
    };
    match threads {
        None => {
            check_global_pool_env()?;
            pinned_f()
        }
        Some(threads) => pool(threads)?.install(pinned_f),
    }
}

/// Check `data` for a fit of `k` clusters, and return `tol` scaled by the data's mean column
/// variance (as scikit-learn scales it). The variance is only needed for a positive `tol`,
/// and then it comes from the check's own pass over the data.
pub(crate) fn checked_tolerance<T: Scalar>(data: Points<'_, T>, k: usize, tol: f64) -> Result<f64> {
    if tol > 0.0 {
        Ok(tol * validate::check_fit_input_and_variance(data, k)?)
    } else {
        validate::check_fit_input(data, k)?;
        Ok(0.0)
    }
}

/// Start the process's pool of `threads` threads now — the pool a fit with
/// [`KMeans::threads`]`(Some(threads))` runs in — so that a caller who knows such a fit is
/// coming can overlap the threads' start with other work, such as reading the data. A count
/// a fit would refuse (0, above [`max_threads`]) or a pool that fails to start is left for the
/// fit to report.
pub fn start_pool(threads: usize) {
    if (1..=max_threads()).contains(&threads) {
        let _ = pool(threads);
    }
}

/// The process's pools, by thread count.
static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();

/// The process's pool of exactly `threads` threads, built on first use and kept: a fit pays
/// for spawning threads once per process, not once per fit (~0.5 ms, more than a whole small fit).
fn pool(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    let mut pools = POOLS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(pool) = pools.get(&threads) {
        return Ok(pool.clone());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::ThreadPool {
            threads,
            reason: e.to_string(),
        })?;
    let pool = Arc::new(pool);
    pools.insert(threads, pool.clone());
    Ok(pool)
}

/// Give every empty cluster a point, as scikit-learn does: the points farthest from their
/// centroid move, each into one empty cluster, and the cluster each leaves has its mean
/// corrected. Only points of clusters that keep at least one point are moved, so no cluster
/// empties in turn; since `n ≥ k`, such a point always exists. Returns how many moved.
///
/// The slides' update would leave NaN (`0 / 0`) in these rows; this is why no result holds NaN.
// ANCHOR: relocate
pub fn relocate_empty_clusters<T: Scalar>(
    data: Points<'_, T>,
    old_centroids: Points<'_, T>,
    labels: &mut [u32],
    centroids: &mut Matrix<T>,
    counts: &mut [u32],
) -> usize {
    let empty: Vec<usize> = (0..counts.len()).filter(|&j| counts[j] == 0).collect();
    if empty.is_empty() {
        return 0;
    }
    let distance: Vec<f64> = data
        .rows()
        .zip(labels.iter())
        .map(|(x, &l)| sq_dist_f64(x, old_centroids.row(l as usize)))
        .collect();
    let mut order: Vec<usize> = (0..data.n()).collect();
    order.sort_by(|&a, &b| distance[b].total_cmp(&distance[a]).then(a.cmp(&b)));
    let mut candidates = order.into_iter();
    for &j in &empty {
        match candidates.find(|&p| counts[labels[p] as usize] >= 2) {
            Some(p) => {
                let from = labels[p] as usize;
                let (x, c) = (data.row(p), T::of_usize(counts[from] as usize));
                for (m, &v) in centroids.row_mut(from).iter_mut().zip(x) {
                    *m = (*m * c - v) / (c - T::one());
                }
                counts[from] -= 1;
                centroids.row_mut(j).copy_from_slice(x);
                counts[j] = 1;
                labels[p] = j as u32;
            }
            // Unreachable for valid input (n ≥ k); keep the old centroid rather than NaN.
            None => centroids.row_mut(j).copy_from_slice(old_centroids.row(j)),
        }
    }
    empty.len()
}
// ANCHOR_END: relocate

/// Labels and inertia of `data` against `centroids`, after validating both.
///
/// # Errors
/// Empty data, no centroids, a dimension mismatch, non-finite or too large values; called on
/// no pool's thread, a thread count in the environment that rayon's global pool would misread
/// ([`check_thread_env`]).
pub fn predict<T: Scalar>(
    solver: &dyn IterationStep<T>,
    data: Points<'_, T>,
    centroids: Points<'_, T>,
) -> Result<(Vec<u32>, f64)> {
    // First: checking the values of large data already runs on the global pool.
    check_global_pool_env()?;
    validate::check_predict_input(data, centroids)?;
    let mut labels = vec![0u32; data.n()];
    let inertia = solver.assign(data, centroids, &mut labels);
    Ok((labels, inertia))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_pool_starts_the_pool_a_fit_of_that_many_threads_runs_in() {
        // A count no other test asks for: the pools are the process's.
        let threads = max_threads();
        start_pool(threads);
        let started = {
            let pools = POOLS.get().expect("a pool was started");
            let pools = pools.lock().unwrap();
            pools.get(&threads).cloned().expect("the pool was started")
        };
        assert_eq!(started.current_num_threads(), threads);
        assert!(Arc::ptr_eq(&started, &pool(threads).unwrap()));
        // Counts a fit refuses start nothing (the fit reports them).
        start_pool(0);
        start_pool(max_threads() + 1);
        let pools = POOLS.get().unwrap().lock().unwrap();
        assert!(!pools.contains_key(&0) && !pools.contains_key(&(max_threads() + 1)));
    }
}
