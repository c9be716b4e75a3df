//! Initial centroids: the slides' random choice, greedy k-means++, or centroids the user gives.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::error::Result;
use crate::metrics::{CHUNK_ROWS, sq_dist_f64};
use crate::points::{Matrix, Points};
use crate::scalar::Scalar;
use crate::validate;

/// How to choose the initial centroids.
#[derive(Clone, Debug, PartialEq)]
pub enum Init<T> {
    /// The slides' `data[np.random.choice(n, k, replace=False)]`: `k` points at distinct indices,
    /// uniformly at random. Cheap, but two centroids can start in the same blob.
    Random,
    /// Greedy k-means++ as scikit-learn runs it: each new centroid is the best (lowest total
    /// inertia) of `2 + ⌊ln k⌋` candidates drawn with probability proportional to their squared
    /// distance to the centroids chosen so far. Costs `O(n·k·d·log k)`, usually repaid in fewer
    /// iterations and a better optimum.
    KMeansPlusPlus,
    /// Exactly these centroids (`k × d`).
    Centroids(Matrix<T>),
}

impl<T: Scalar> Init<T> {
    /// The initial centroids for `data` (validated by the caller), drawing from `rng`.
    ///
    /// # Errors
    /// For [`Init::Centroids`] of the wrong shape or with non-finite values.
    pub fn centroids(&self, data: Points<'_, T>, k: usize, rng: &mut StdRng) -> Result<Matrix<T>> {
        match self {
            Init::Random => Ok(random(data, k, rng)),
            Init::KMeansPlusPlus => Ok(kmeans_plus_plus(data, k, rng)),
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
    let rows: Vec<&[T]> = chosen.iter().map(|i| data.row(i)).collect();
    gather(&rows, data.d())
}

fn gather<T: Scalar>(rows: &[&[T]], d: usize) -> Matrix<T> {
    let mut m = Matrix::zeros(rows.len(), d);
    for (j, r) in rows.iter().enumerate() {
        m.row_mut(j).copy_from_slice(r);
    }
    m
}

/// Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's `2 + ⌊ln k⌋` local trials).
///
/// Deterministic for a given `rng` state whatever the number of threads: distances are computed
/// in fixed chunks and summed in chunk order.
pub fn kmeans_plus_plus<T: Scalar>(data: Points<'_, T>, k: usize, rng: &mut StdRng) -> Matrix<T> {
    let n = data.n();
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut chosen = Vec::with_capacity(k);
    let first = rng.random_range(0..n);
    chosen.push(first);
    // Squared distance of each point to its nearest chosen centroid.
    let mut closest: Vec<f64> = (0..n)
        .map(|i| sq_dist_f64(data.row(i), data.row(first)))
        .collect();
    let mut cumulative = vec![0.0f64; n];
    while chosen.len() < k {
        let mut acc = 0.0;
        for (c, &v) in cumulative.iter_mut().zip(&closest) {
            acc += v;
            *c = acc;
        }
        // Draw candidates with probability proportional to `closest`. Searching for the first
        // cumulative sum strictly above the draw never picks a point at distance 0 (an existing
        // centroid or its duplicate); validation guarantees k distinct points, so acc > 0.
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                let r = rng.random::<f64>() * acc;
                cumulative.partition_point(|&c| c <= r).min(n - 1)
            })
            .collect();
        // Potential (total inertia) if each candidate were added.
        let potentials = candidate_potentials(data, &closest, &candidates);
        let (best, _) = potentials
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("at least two trials");
        let best = candidates[best];
        if closest[best] == 0.0 {
            // Only when every remaining point coincides with a centroid: impossible after
            // validation, but fall back to the first unchosen point rather than loop forever.
            let fallback = (0..n).find(|&i| closest[i] > 0.0).unwrap_or(0);
            chosen.push(fallback);
        } else {
            chosen.push(best);
        }
        let c = data.row(*chosen.last().expect("just pushed"));
        closest
            .par_chunks_mut(CHUNK_ROWS)
            .enumerate()
            .for_each(|(ci, chunk)| {
                for (j, v) in chunk.iter_mut().enumerate() {
                    let dist = sq_dist_f64(data.row(ci * CHUNK_ROWS + j), c);
                    if dist < *v {
                        *v = dist;
                    }
                }
            });
    }
    let rows: Vec<&[T]> = chosen.iter().map(|&i| data.row(i)).collect();
    gather(&rows, data.d())
}

/// For each candidate, `Σ_i min(closest[i], ‖x_i − x_candidate‖²)`, in one pass over the data.
fn candidate_potentials<T: Scalar>(
    data: Points<'_, T>,
    closest: &[f64],
    candidates: &[usize],
) -> Vec<f64> {
    let rows: Vec<&[T]> = candidates.iter().map(|&c| data.row(c)).collect();
    let partial: Vec<Vec<f64>> = closest
        .par_chunks(CHUNK_ROWS)
        .enumerate()
        .map(|(ci, chunk)| {
            let mut sums = vec![0.0f64; rows.len()];
            for (j, &best) in chunk.iter().enumerate() {
                let x = data.row(ci * CHUNK_ROWS + j);
                for (s, c) in sums.iter_mut().zip(&rows) {
                    *s += sq_dist_f64(x, c).min(best);
                }
            }
            sums
        })
        .collect();
    let mut total = vec![0.0f64; rows.len()];
    for p in partial {
        total.iter_mut().zip(p).for_each(|(t, v)| *t += v);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
