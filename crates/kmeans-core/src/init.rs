//! Initial centroids: the slides' random choice, greedy k-means++, or centroids the user gives.

use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::metrics::{CHUNK_ROWS, MIN_PARALLEL_WORK, min_task_len, sq_dist};
use crate::points::{Matrix, Points};
use crate::reference::Reference;
use crate::scalar::Scalar;
use crate::step::{FewCenterDistances, IterationStep, RowDistances};
use crate::validate;

/// How to choose the initial centroids.
#[derive(Clone, Debug, PartialEq)]
pub enum Init<T> {
    /// The slides' `data[np.random.choice(n, k, replace=False)]`: `k` points at distinct indices,
    /// uniformly at random. Cheap, but two centroids can start in the same blob.
    Random,
    /// Greedy k-means++ as scikit-learn runs it: each new centroid is the best (lowest total
    /// inertia) of `2 + ⌊ln k⌋` candidates drawn with probability proportional to their squared
    /// distance to the centroids chosen so far. Costs `(3 + ⌊ln k⌋)·n·k·d` distance terms in `k`
    /// sequential passes over the data, usually repaid in fewer iterations and a better optimum.
    KMeansPlusPlus,
    /// k-means|| (Bahmani et al., 2012), the scalable init of Spark MLlib and Dask-ML: `rounds`
    /// passes over the data, each keeping every point independently with probability
    /// `min(1, oversampling·k·D(x)²/φ)`; the ≈ `oversampling·k·rounds` candidates are weighted by
    /// the points nearest to each, and weighted greedy k-means++ picks `k` of them. Each pass is
    /// one assignment against the new candidates on the fit's own kernel, so the data is read
    /// `rounds` times instead of `k` times. [`Init::kmeans_parallel`] has the usual defaults.
    /// It computes more distances than k-means++ (`≈ oversampling·rounds·k` per point, 10k by
    /// default, against `(3 + ⌊ln k⌋)·k`), so it pays where k-means++ is bound by reading the
    /// data (short rows, many passes) and costs where the arithmetic dominates: long rows and
    /// few clusters (`MEASUREMENTS.md` of kmeans-simd, "k-means|| at long rows").
    KMeansParallel {
        /// `ℓ / k`: candidates kept per round, as a multiple of `k` (Bahmani et al.'s ℓ = 2k is
        /// `2.0`). Finite and positive.
        oversampling: f64,
        /// Sampling rounds (5 by default, as Spark); at least 1.
        rounds: usize,
    },
    /// Exactly these centroids (`k × d`).
    Centroids(Matrix<T>),
}

impl<T: Scalar> Init<T> {
    /// k-means|| with its usual defaults: oversampling `ℓ = 2k`, 5 rounds.
    pub const fn kmeans_parallel() -> Self {
        Init::KMeansParallel {
            oversampling: 2.0,
            rounds: 5,
        }
    }

    /// Check the init's own parameters (the data is checked by the caller).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a k-means|| oversampling factor that is not finite and
    /// positive, or zero rounds.
    pub fn check_parameters(&self) -> Result<()> {
        if let Init::KMeansParallel {
            oversampling,
            rounds,
        } = *self
        {
            if !(oversampling.is_finite() && oversampling > 0.0) {
                return Err(Error::InvalidParameter {
                    name: "oversampling",
                    reason: format!(
                        "k-means|| oversampling factor must be a finite number > 0, got {oversampling:e}"
                    ),
                });
            }
            if rounds == 0 {
                return Err(Error::InvalidParameter {
                    name: "rounds",
                    reason: "k-means|| needs at least 1 round".into(),
                });
            }
        }
        Ok(())
    }

    /// The initial centroids for `data` (validated by the caller), drawing from `rng`, with the
    /// distance work on the portable reference kernel. [`Init::centroids_with`] runs it on a
    /// fit's own kernels, as [`KMeans::fit`](crate::KMeans::fit) does.
    ///
    /// # Errors
    /// As [`Init::centroids_with`].
    pub fn centroids(&self, data: Points<'_, T>, k: usize, rng: &mut StdRng) -> Result<Matrix<T>> {
        self.centroids_with(data, k, rng, &Reference)
    }

    /// The initial centroids for `data` (`1 <= k <= n` checked by the caller; for the inits that
    /// read every point, also the values and `k` distinct points — a random init may run on data
    /// whose values the first iteration checks),
    /// drawing from `rng`, with every distance computed by `kernel` (its
    /// [`prepare_distances`](IterationStep::prepare_distances) for k-means++, its
    /// [`sq_distances`](IterationStep::sq_distances) and [`assign`](IterationStep::assign) for
    /// k-means||). Deterministic for a given `rng` state and kernel,
    /// whatever the number of threads.
    ///
    /// # Errors
    /// For [`Init::Centroids`] of the wrong shape or with non-finite values, and the parameter
    /// errors of [`Init::check_parameters`].
    pub fn centroids_with(
        &self,
        data: Points<'_, T>,
        k: usize,
        rng: &mut StdRng,
        kernel: &dyn IterationStep<T>,
    ) -> Result<Matrix<T>> {
        self.check_parameters()?;
        match self {
            Init::Random => Ok(random(data, k, rng)),
            Init::KMeansPlusPlus => Ok(kmeans_plus_plus_with(data, k, rng, kernel)),
            &Init::KMeansParallel {
                oversampling,
                rounds,
            } => Ok(kmeans_parallel(data, k, oversampling, rounds, rng, kernel)),
            Init::Centroids(c) => {
                validate::check_centroids(c.view(), k, data.d())?;
                Ok(c.clone())
            }
        }
    }
}

/// The slides' random choice with its own seed: `k` rows of `data` at distinct indices drawn by
/// an RNG seeded with `seed` (so benchmarks and tools can share one set of initial centroids).
///
/// # Panics
/// If `k > data.n()`.
pub fn random_seeded<T: Scalar>(data: Points<'_, T>, k: usize, seed: u64) -> Matrix<T> {
    random(data, k, &mut StdRng::seed_from_u64(seed))
}

/// `k` rows of `data` at distinct random indices.
pub fn random<T: Scalar>(data: Points<'_, T>, k: usize, rng: &mut StdRng) -> Matrix<T> {
    let chosen = rand::seq::index::sample(rng, data.n(), k);
    gather(data, chosen.iter())
}

fn gather<T: Scalar>(data: Points<'_, T>, rows: impl ExactSizeIterator<Item = usize>) -> Matrix<T> {
    let mut m = Matrix::zeros(rows.len(), data.d());
    for (j, i) in rows.enumerate() {
        m.row_mut(j).copy_from_slice(data.row(i));
    }
    m
}

/// Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's `2 + ⌊ln k⌋` local
/// trials) on the portable reference kernel; see [`kmeans_plus_plus_with`].
pub fn kmeans_plus_plus<T: Scalar>(data: Points<'_, T>, k: usize, rng: &mut StdRng) -> Matrix<T> {
    kmeans_plus_plus_with(data, k, rng, &Reference)
}

/// Greedy k-means++ with every distance computed by `kernel`, in the data's own type.
///
/// Per new centroid, one pass over the data computes the distances of every point to all the
/// candidates at once (a block of `trials` columns of `chunk` distances from the kernel's
/// [`prepare_distances`](IterationStep::prepare_distances)), sums the candidates'
/// potentials in `f64`, and a second, `1/trials` as long, updates each point's distance to its
/// nearest chosen centroid. Chunks are fixed and their sums are added in chunk order, so the
/// result is the same whatever the number of threads.
pub fn kmeans_plus_plus_with<T: Scalar>(
    data: Points<'_, T>,
    k: usize,
    rng: &mut StdRng,
    kernel: &dyn IterationStep<T>,
) -> Matrix<T> {
    let chosen = greedy(data, None, k, rng, kernel)
        .expect("validation guarantees k distinct points, so k-means++ always finds k");
    gather(data, chosen.into_iter())
}

/// Each point's squared distance to its nearest chosen centre (in `T`), with the weighted
/// mass `Σ w·D²` of every chunk, so a draw walks chunk sums before it walks points.
struct Nearest<'w, T> {
    dist: Vec<T>,
    mass: Vec<f64>,
    weights: Option<&'w [f64]>,
    /// Chunks a rayon task takes at least: 1, or all of them when a pass is too small to share
    /// ([`min_task_len`]).
    min_len: usize,
}

impl<T: Scalar> Nearest<'_, T> {
    fn weight(&self, i: usize) -> f64 {
        self.weights.map_or(1.0, |w| w[i])
    }

    fn total(&self) -> f64 {
        self.mass.iter().sum()
    }

    /// The point where the cumulative mass first exceeds `r` (`0 <= r < total`), skipping
    /// points of zero mass: a chosen centre or its duplicate is never drawn. Rounding can leave
    /// `r` past the last point's cumulative sum: then the last point with mass wins.
    fn draw(&self, r: f64) -> usize {
        let mut acc = 0.0;
        let mut chunk = None;
        for (c, &m) in self.mass.iter().enumerate() {
            if m > 0.0 {
                chunk = Some(c);
                if acc + m > r {
                    break;
                }
                acc += m;
            }
        }
        let c = chunk.expect("draw is called with a positive total mass");
        let start = c * CHUNK_ROWS;
        let end = (start + CHUNK_ROWS).min(self.dist.len());
        let mut last = start;
        for i in start..end {
            let m = self.weight(i) * self.dist[i].as_f64();
            if m > 0.0 {
                last = i;
                acc += m;
                if acc > r {
                    return i;
                }
            }
        }
        last
    }

    /// Start from one centre: every point's distance to it, and the chunk masses.
    fn start(&mut self, dists: &dyn FewCenterDistances<T>, centre: &[T]) {
        let centre = Points::new(centre, centre.len()).expect("a centre is one row of the data");
        let weights = self.weights;
        self.dist
            .par_chunks_mut(CHUNK_ROWS)
            .zip(self.mass.par_iter_mut())
            .enumerate()
            .with_min_len(self.min_len)
            .for_each(|(c, (dist, mass))| {
                let start = c * CHUNK_ROWS;
                dists.sq_distances(start..start + dist.len(), centre, dist);
                *mass = weighted_sum(dist, None, weights.map(|w| &w[start..start + dist.len()]));
            });
    }

    /// For each candidate (rows of `cands`), `Σ_i w_i·min(D_i², ‖x_i − c‖²)`: the potential if it
    /// were chosen. The distances stay in `block` for [`take`](Self::take) (per chunk of
    /// `CHUNK_ROWS` points, one column per candidate), so the data is read once per new
    /// centre. Chunks' partial sums are added in chunk order.
    fn potentials(
        &self,
        dists: &dyn FewCenterDistances<T>,
        cands: Points<'_, T>,
        block: &mut [T],
    ) -> Vec<f64> {
        let t = cands.n();
        let partial: Vec<Vec<f64>> = self
            .dist
            .par_chunks(CHUNK_ROWS)
            .zip(block.par_chunks_mut(CHUNK_ROWS * t))
            .enumerate()
            .with_min_len(self.min_len)
            .map(|(c, (dist, block))| {
                let start = c * CHUNK_ROWS;
                dists.sq_distances(start..start + dist.len(), cands, block);
                let weights = self.weights.map(|w| &w[start..start + dist.len()]);
                chunk_potentials(dist, block, t, weights)
            })
            .collect();
        let mut total = vec![0.0f64; t];
        for p in partial {
            total.iter_mut().zip(p).for_each(|(t, v)| *t += v);
        }
        total
    }

    /// Candidate `j` of the last [`potentials`](Self::potentials) call (`t` candidates, their
    /// distances in `block`) is chosen: fold its distances in.
    fn take(&mut self, block: &[T], t: usize, j: usize) {
        let weights = self.weights;
        self.dist
            .par_chunks_mut(CHUNK_ROWS)
            .zip(self.mass.par_iter_mut())
            .zip(block.par_chunks(CHUNK_ROWS * t))
            .enumerate()
            .with_min_len(self.min_len)
            .for_each(|(c, ((dist, mass), block))| {
                let start = c * CHUNK_ROWS;
                let len = dist.len();
                for (d, &new) in dist.iter_mut().zip(&block[j * len..(j + 1) * len]) {
                    if new < *d {
                        *d = new;
                    }
                }
                *mass = weighted_sum(dist, None, weights.map(|w| &w[start..start + len]));
            });
    }
}

/// Running sums per potential: each sums every `SUM_LANES`-th point, in point order, and the
/// lanes are added in lane order at the end. Independent sums let the compiler vectorise
/// without reordering any of them (one running sum was bound by the latency of an add per
/// point), and the result still depends on nothing but the chunk.
const SUM_LANES: usize = 16;

/// `Σ_i w_i·min(a_i, b_i)` over a chunk (`b` absent: `Σ_i w_i·a_i`; `w_i = 1` without
/// weights), in [`SUM_LANES`] running sums. For values without NaN (the validated data's
/// distances): the minimum is a compare and a select, which vectorises; `f32::min`'s NaN rule
/// would not.
fn weighted_sum<T: Scalar>(a: &[T], b: Option<&[T]>, weights: Option<&[f64]>) -> f64 {
    // Whole groups as arrays (no bounds check inside, so the compiler vectorises), the tail
    // padded with values that add nothing.
    fn sum<T: Scalar, const W: bool, const B: bool>(a: &[T], b: &[T], w: &[f64]) -> f64 {
        let mut lanes = [0.0f64; SUM_LANES];
        let mut add = |a: &[T; SUM_LANES], b: &[T; SUM_LANES], w: &[f64; SUM_LANES]| {
            for l in 0..SUM_LANES {
                let v = if B && b[l] < a[l] { b[l] } else { a[l] };
                lanes[l] += if W { w[l] * v.as_f64() } else { v.as_f64() };
            }
        };
        let group = |s: &[T], i: usize| -> [T; SUM_LANES] {
            std::array::from_fn(|l| s.get(i + l).copied().unwrap_or(T::zero()))
        };
        let full = a.len() - a.len() % SUM_LANES;
        let zeros = [0.0f64; SUM_LANES];
        for i in (0..full).step_by(SUM_LANES) {
            let a: &[T; SUM_LANES] = a[i..i + SUM_LANES].try_into().expect("a whole group");
            let b: &[T; SUM_LANES] = if B {
                b[i..i + SUM_LANES].try_into().expect("a whole group")
            } else {
                a
            };
            let w: &[f64; SUM_LANES] = if W {
                w[i..i + SUM_LANES].try_into().expect("a whole group")
            } else {
                &zeros
            };
            add(a, b, w);
        }
        if full < a.len() {
            let w = std::array::from_fn(|l| {
                if W {
                    w.get(full + l).copied().unwrap_or(0.0)
                } else {
                    0.0
                }
            });
            add(&group(a, full), &group(b, full), &w);
        }
        lanes.iter().sum()
    }
    let len = a.len();
    match (b.map(|b| &b[..len]), weights.map(|w| &w[..len])) {
        (None, None) => sum::<T, false, false>(a, &[], &[]),
        (None, Some(w)) => sum::<T, true, false>(a, &[], w),
        (Some(b), None) => sum::<T, false, true>(a, b, &[]),
        (Some(b), Some(w)) => sum::<T, true, true>(a, b, w),
    }
}

/// One chunk's share of [`Nearest::potentials`]: for each of the `t` candidates (column `j` of
/// `block`: `block[j·len + i]`), `Σ_i w_i·min(D_i², block[j·len + i])`.
fn chunk_potentials<T: Scalar>(
    dist: &[T],
    block: &[T],
    t: usize,
    weights: Option<&[f64]>,
) -> Vec<f64> {
    let len = dist.len();
    (0..t)
        .map(|j| weighted_sum(&block[j * len..(j + 1) * len], Some(dist), weights))
        .collect()
}

/// Greedy (weighted) k-means++: the indices of `k` rows of `data`, or `None` when the points of
/// positive weight hold fewer than `k` distinct values.
fn greedy<T: Scalar>(
    data: Points<'_, T>,
    weights: Option<&[f64]>,
    k: usize,
    rng: &mut StdRng,
    kernel: &dyn IterationStep<T>,
) -> Option<Vec<usize>> {
    let n = data.n();
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut nearest = Nearest {
        dist: vec![T::zero(); n],
        mass: vec![0.0; n.div_ceil(CHUNK_ROWS)],
        weights,
        min_len: min_task_len(n * trials * data.d(), MIN_PARALLEL_WORK),
    };
    let first = match weights {
        None => rng.random_range(0..n),
        Some(w) => {
            // The first centre with probability proportional to its weight (scikit-learn's
            // weighted k-means++); `dist = 1` everywhere makes `draw` do exactly that.
            nearest.dist.fill(T::one());
            nearest.mass = w.chunks(CHUNK_ROWS).map(|c| c.iter().sum()).collect();
            let total = nearest.total();
            if total <= 0.0 {
                return None;
            }
            nearest.draw(rng.random::<f64>() * total)
        }
    };
    let mut chosen = Vec::with_capacity(k);
    chosen.push(first);
    // k passes over the data: worth laying it out for them once.
    let dists = kernel.prepare_distances(data, k);
    nearest.start(&*dists, data.row(first));
    let mut cands = Matrix::zeros(trials, data.d());
    let mut block = vec![T::zero(); n * trials];
    // ANCHOR: greedy_step
    while chosen.len() < k {
        let total = nearest.total();
        if total <= 0.0 {
            return None;
        }
        let idx: Vec<usize> = (0..trials)
            .map(|_| nearest.draw(rng.random::<f64>() * total))
            .collect();
        for (j, &i) in idx.iter().enumerate() {
            cands.row_mut(j).copy_from_slice(data.row(i));
        }
        let potentials = nearest.potentials(&*dists, cands.view(), &mut block);
        let best = (0..trials)
            .min_by(|&a, &b| potentials[a].total_cmp(&potentials[b]))
            .expect("at least two trials");
        chosen.push(idx[best]);
        nearest.take(&block, trials, best);
    }
    // ANCHOR_END: greedy_step
    Some(chosen)
}

/// k-means|| (Bahmani et al., 2012): see [`Init::KMeansParallel`]. Falls back to greedy
/// k-means++ on the whole data in the rare case that the candidates hold fewer than `k`
/// distinct points.
fn kmeans_parallel<T: Scalar>(
    data: Points<'_, T>,
    k: usize,
    oversampling: f64,
    rounds: usize,
    rng: &mut StdRng,
    kernel: &dyn IterationStep<T>,
) -> Matrix<T> {
    let n = data.n();
    let ell = oversampling * k as f64;
    let first = rng.random_range(0..n);
    let mut candidates = vec![first];
    let mut nearest = Nearest {
        dist: vec![T::zero(); n],
        mass: vec![0.0; n.div_ceil(CHUNK_ROWS)],
        weights: None,
        // Shared from two chunks up: besides a distance, each round draws a random number per
        // point, and at the slides' 5000 × 26 two threads take ~0.5 ms off k-means||.
        min_len: 1,
    };
    nearest.start(&RowDistances { step: kernel, data }, data.row(first));
    // The candidate each point is nearest to, for the weights.
    let mut owner = vec![0u32; n];
    let mut assigned = vec![0u32; n];
    // ANCHOR: kmeans_parallel_round
    for _ in 0..rounds {
        let phi = nearest.total();
        if phi <= 0.0 {
            break; // every point coincides with a candidate
        }
        // One seed per round, one stream per chunk: the draws do not depend on the threads.
        let round_seed = rng.next_u64();
        let kept: Vec<Vec<usize>> = nearest
            .dist
            .par_chunks(CHUNK_ROWS)
            .enumerate()
            .with_min_len(nearest.min_len)
            .map(|(c, dist)| {
                let mut chunk_rng = StdRng::seed_from_u64(
                    round_seed ^ (c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                );
                let start = c * CHUNK_ROWS;
                dist.iter()
                    .enumerate()
                    .filter(|&(_, &d)| {
                        let u: f64 = chunk_rng.random();
                        u * phi < ell * d.as_f64()
                    })
                    .map(|(i, _)| start + i)
                    .collect()
            })
            .collect();
        let new: Vec<usize> = kept.into_iter().flatten().collect();
        if new.is_empty() {
            continue;
        }
        let new_centres = gather(data, new.iter().copied());
        let base = candidates.len() as u32;
        kernel.assign(data, new_centres.view(), &mut assigned);
        nearest
            .dist
            .par_chunks_mut(CHUNK_ROWS)
            .zip(nearest.mass.par_iter_mut())
            .zip(owner.par_chunks_mut(CHUNK_ROWS))
            .zip(assigned.par_chunks(CHUNK_ROWS))
            .enumerate()
            .with_min_len(nearest.min_len)
            .for_each(|(c, (((dist, mass), owner), assigned))| {
                let start = c * CHUNK_ROWS;
                let mut m = 0.0;
                for (i, ((d, o), &a)) in dist.iter_mut().zip(owner).zip(assigned).enumerate() {
                    let new = sq_dist(data.row(start + i), new_centres.row(a as usize));
                    if new < *d {
                        *d = new;
                        *o = base + a;
                    }
                    m += d.as_f64();
                }
                *mass = m;
            });
        candidates.extend(new);
    }
    // ANCHOR_END: kmeans_parallel_round
    let mut weights = vec![0.0f64; candidates.len()];
    for &o in &owner {
        weights[o as usize] += 1.0;
    }
    let pool = gather(data, candidates.iter().copied());
    match greedy(pool.view(), Some(&weights), k, rng, kernel) {
        Some(chosen) => gather(pool.view(), chosen.into_iter()),
        None => kmeans_plus_plus_with(data, k, rng, kernel),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Zero distances, slowly (so that a pass handed to a pool is surely shared), noting the
    /// rayon thread each block ran on.
    struct SlowDistances {
        n: usize,
        threads: std::sync::Mutex<Vec<Option<usize>>>,
    }

    impl FewCenterDistances<f64> for SlowDistances {
        fn n(&self) -> usize {
            self.n
        }
        fn sq_distances(&self, _: std::ops::Range<usize>, _: Points<'_, f64>, out: &mut [f64]) {
            std::thread::sleep(std::time::Duration::from_micros(300));
            out.fill(0.0);
            self.threads
                .lock()
                .unwrap()
                .push(rayon::current_thread_index());
        }
    }

    #[test]
    fn small_init_passes_stay_on_the_calling_thread() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let n = 8 * CHUNK_ROWS;
        let centre = [0.0f64];
        // (multiply-adds of a pass, whether every block must run on the caller)
        for (work, alone) in [(n, true), (MIN_PARALLEL_WORK, false)] {
            let dists = SlowDistances {
                n,
                threads: Default::default(),
            };
            let mut nearest = Nearest {
                dist: vec![0.0f64; n],
                mass: vec![0.0; n.div_ceil(CHUNK_ROWS)],
                weights: None,
                min_len: min_task_len(work, MIN_PARALLEL_WORK),
            };
            let caller = pool.install(|| {
                nearest.start(&dists, &centre);
                rayon::current_thread_index()
            });
            let threads = dists.threads.into_inner().unwrap();
            assert_eq!(threads.len(), 8);
            assert_eq!(
                threads.iter().all(|&t| t == caller),
                alone,
                "work {work}: blocks ran on {threads:?}, the caller is {caller:?}"
            );
        }
    }

    /// The potentials of a chunk: close to the plain sums (they only add in another order),
    /// unit weights change no bit, and each candidate's column is read as its own.
    #[test]
    fn chunk_potentials_sum_each_column_against_the_nearest_distances() {
        for n in [0, 1, 15, 16, 17, 1000] {
            let dist: Vec<f32> = (0..n).map(|i| ((i * 37) % 101) as f32 * 0.25).collect();
            let ones = vec![1.0f64; n];
            let weights: Vec<f64> = (0..n).map(|i| 0.5 + ((i * 13) % 7) as f64).collect();
            for t in 1..=9 {
                let block: Vec<f32> = (0..n * t).map(|i| ((i * 53) % 97) as f32 * 0.3).collect();
                for w in [None, Some(&weights[..])] {
                    let got = chunk_potentials(&dist, &block, t, w);
                    for (j, &g) in got.iter().enumerate() {
                        let want: f64 = (0..n)
                            .map(|i| {
                                let v = block[j * n + i].min(dist[i]);
                                w.map_or(1.0, |w| w[i]) * f64::from(v)
                            })
                            .sum();
                        assert!(
                            (g - want).abs() <= 1e-12 * want.abs(),
                            "n = {n}, t = {t}, candidate {j}: {g} vs {want}"
                        );
                    }
                }
                let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
                assert_eq!(
                    bits(chunk_potentials(&dist, &block, t, None)),
                    bits(chunk_potentials(&dist, &block, t, Some(&ones))),
                    "n = {n}, t = {t}"
                );
            }
        }
    }

    #[test]
    fn random_init_picks_distinct_rows_of_the_data() {
        let data = crate::data::uniform::<f64>(50, 3, 1);
        let mut rng = StdRng::seed_from_u64(7);
        let c = random(data.view(), 10, &mut rng);
        let mut idx: Vec<usize> = (0..10)
            .map(|j| {
                (0..50)
                    .find(|&i| data.row(i) == c.row(j))
                    .expect("centroid is a data row")
            })
            .collect();
        idx.sort_unstable();
        idx.dedup();
        assert_eq!(idx.len(), 10);
    }

    #[test]
    fn kmeans_plus_plus_spreads_over_well_separated_blobs() {
        // Four tight blobs far apart: k-means++ must put one centroid in each.
        let blobs = crate::data::blobs::<f64>(400, 4, 2, 0.01, 3);
        let mut rng = StdRng::seed_from_u64(11);
        let c = kmeans_plus_plus(blobs.data.view(), 4, &mut rng);
        let mut hit = [false; 4];
        for j in 0..4 {
            let (nearest, _) = crate::reference::nearest(c.row(j), blobs.centers.view());
            hit[nearest] = true;
        }
        assert_eq!(
            hit, [true; 4],
            "centroids {c:?} vs centres {:?}",
            blobs.centers
        );
    }

    #[test]
    fn kmeans_plus_plus_never_picks_a_duplicate_point() {
        // 3 distinct values, each repeated: k = 3 must find all three.
        let rows: Vec<[f64; 1]> = (0..30).map(|i| [(i % 3) as f64]).collect();
        let data = Matrix::from_rows(&rows).unwrap();
        for seed in 0..20 {
            let mut rng = StdRng::seed_from_u64(seed);
            let c = kmeans_plus_plus(data.view(), 3, &mut rng);
            let mut v: Vec<f64> = c.as_slice().to_vec();
            v.sort_by(f64::total_cmp);
            assert_eq!(v, [0.0, 1.0, 2.0], "seed {seed}");
        }
    }

    fn distinct_sorted(c: &Matrix<f64>) -> Vec<f64> {
        let mut v: Vec<f64> = c.as_slice().to_vec();
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn kmeans_parallel_spreads_over_well_separated_blobs() {
        let blobs = crate::data::blobs::<f64>(2000, 6, 3, 0.01, 5);
        for seed in 0..5 {
            let mut rng = StdRng::seed_from_u64(seed);
            let c = Init::kmeans_parallel()
                .centroids(blobs.data.view(), 6, &mut rng)
                .unwrap();
            let mut hit = [false; 6];
            for j in 0..6 {
                let (nearest, _) = crate::reference::nearest(c.row(j), blobs.centers.view());
                hit[nearest] = true;
            }
            assert_eq!(hit, [true; 6], "seed {seed}: {c:?}");
        }
    }

    #[test]
    fn kmeans_parallel_never_picks_a_duplicate_point_and_falls_back_when_short() {
        let rows: Vec<[f64; 1]> = (0..300).map(|i| [(i % 4) as f64]).collect();
        let data = Matrix::from_rows(&rows).unwrap();
        // Tiny oversampling keeps almost no candidates: the fallback (greedy k-means++ on all
        // the data) must still find the four values.
        for oversampling in [2.0, 1e-6] {
            for seed in 0..20 {
                let init = Init::KMeansParallel {
                    oversampling,
                    rounds: 2,
                };
                let mut rng = StdRng::seed_from_u64(seed);
                let c = init.centroids(data.view(), 4, &mut rng).unwrap();
                assert_eq!(
                    distinct_sorted(&c),
                    [0.0, 1.0, 2.0, 3.0],
                    "oversampling {oversampling}, seed {seed}"
                );
            }
        }
    }

    #[test]
    fn kmeans_parallel_rejects_bad_parameters_by_name() {
        let data = crate::data::uniform::<f64>(20, 2, 1);
        for (init, name) in [
            (
                Init::KMeansParallel {
                    oversampling: 0.0,
                    rounds: 5,
                },
                "oversampling",
            ),
            (
                Init::KMeansParallel {
                    oversampling: -1.0,
                    rounds: 5,
                },
                "oversampling",
            ),
            (
                Init::KMeansParallel {
                    oversampling: f64::NAN,
                    rounds: 5,
                },
                "oversampling",
            ),
            (
                Init::KMeansParallel {
                    oversampling: f64::INFINITY,
                    rounds: 5,
                },
                "oversampling",
            ),
            (
                Init::KMeansParallel {
                    oversampling: 2.0,
                    rounds: 0,
                },
                "rounds",
            ),
        ] {
            let err = crate::KMeans::new(3)
                .init(init.clone())
                .fit(&Reference, data.view())
                .unwrap_err();
            assert!(
                matches!(&err, Error::InvalidParameter { name: n, .. } if *n == name),
                "{init:?}: {err}"
            );
        }
    }

    #[test]
    fn weighted_greedy_never_draws_a_zero_weight_point() {
        // Points 0..4 carry all the weight; 4..8 are far away but weightless.
        let rows: Vec<[f64; 1]> = (0..8)
            .map(|i| [if i < 4 { i as f64 } else { 1e3 * i as f64 }])
            .collect();
        let data = Matrix::from_rows(&rows).unwrap();
        let weights = [1.0, 2.0, 1.0, 3.0, 0.0, 0.0, 0.0, 0.0];
        for seed in 0..30 {
            let mut rng = StdRng::seed_from_u64(seed);
            let chosen = greedy(data.view(), Some(&weights), 4, &mut rng, &Reference).unwrap();
            let mut chosen = chosen.clone();
            chosen.sort_unstable();
            assert_eq!(chosen, [0, 1, 2, 3], "seed {seed}");
        }
        let mut rng = StdRng::seed_from_u64(0);
        assert!(greedy(data.view(), Some(&weights), 5, &mut rng, &Reference).is_none());
    }
}
