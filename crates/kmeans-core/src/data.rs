//! Seeded data generators: the slides' uniform dummy data and Gaussian blobs with known centres.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};

use crate::points::Matrix;
use crate::scalar::Scalar;

/// The slides' setting: `n, k, d = 5000, 26, 26`.
pub const SLIDES_N: usize = 5000;
/// The slides' `k`.
pub const SLIDES_K: usize = 26;
/// The slides' `d`.
pub const SLIDES_D: usize = 26;

/// The slides' dummy data, `np.random.uniform(size=(n, d))`: `n × d` values uniform in `[0, 1)`.
///
/// # Panics
/// If `d == 0`.
pub fn uniform<T: Scalar>(n: usize, d: usize, seed: u64) -> Matrix<T> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut m = Matrix::zeros(n, d);
    for v in m.as_mut_slice() {
        *v = T::of_f64(rng.random::<f64>());
    }
    m
}

/// Data drawn around known centres, with the label of the centre each point came from.
#[derive(Clone, Debug)]
pub struct Blobs<T> {
    /// `n × d` points.
    pub data: Matrix<T>,
    /// `k × d` true centres.
    pub centers: Matrix<T>,
    /// The centre each point was drawn around.
    pub labels: Vec<u32>,
}

/// `n` points around `k` centres drawn uniformly in `[-10, 10]^d`, each coordinate offset by
/// Gaussian noise of standard deviation `std`; point `i` belongs to centre `i % k`, so the blobs
/// are as balanced as `n` allows.
///
/// # Panics
/// If `d == 0`, `k == 0` or `std` is negative or not finite.
pub fn blobs<T: Scalar>(n: usize, k: usize, d: usize, std: f64, seed: u64) -> Blobs<T> {
    assert!(k > 0, "blobs need at least one centre");
    let mut rng = StdRng::seed_from_u64(seed);
    let noise = Normal::new(0.0, std).expect("std must be finite and non-negative");
    let mut centers = Matrix::zeros(k, d);
    for v in centers.as_mut_slice() {
        *v = T::of_f64(rng.random_range(-10.0..10.0));
    }
    let mut data = Matrix::zeros(n, d);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % k;
        labels.push(c as u32);
        for t in 0..d {
            let v = centers.row(c)[t].as_f64() + noise.sample(&mut rng);
            data.row_mut(i)[t] = T::of_f64(v);
        }
    }
    Blobs {
        data,
        centers,
        labels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_is_seeded_and_in_range() {
        let a = uniform::<f64>(100, 3, 42);
        assert_eq!(a, uniform::<f64>(100, 3, 42));
        assert_ne!(a, uniform::<f64>(100, 3, 43));
        assert!(a.as_slice().iter().all(|v| (0.0..1.0).contains(v)));
    }

    #[test]
    fn blobs_scatter_around_their_centres() {
        let b = blobs::<f64>(3000, 3, 2, 0.5, 9);
        assert_eq!(b.data.shape(), (3000, 2));
        for c in 0..3 {
            let members: Vec<usize> = (0..3000).filter(|&i| b.labels[i] == c as u32).collect();
            assert_eq!(members.len(), 1000);
            for t in 0..2 {
                let mean = members.iter().map(|&i| b.data.row(i)[t]).sum::<f64>() / 1000.0;
                assert!(
                    (mean - b.centers.row(c)[t]).abs() < 0.1,
                    "centre {c} dim {t}: {mean}"
                );
            }
        }
    }
}
