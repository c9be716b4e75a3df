//! The benchmark inputs: the same data, initial centroids and dummy labels for every variant of
//! a group, and for the Python peers (exported as `.npy`).

use kmeans_workshop::{Matrix, Scalar, data, init};

/// n = 100 000, k = 64, d = 32: a mid-sized problem (one of the SIMD backend's targets).
pub const MID: (usize, usize, usize) = (100_000, 64, 32);
/// n = 60 000, k = 10, d = 784: MNIST-shaped.
pub const MNIST: (usize, usize, usize) = (60_000, 10, 784);
/// n = 1 000 000, k = 256, d = 64: large enough that the data (256 MB in f32) leaves the caches.
pub const LARGE: (usize, usize, usize) = (1_000_000, 256, 64);

/// Seed of the uniform data.
pub const DATA_SEED: u64 = 2022;
/// Seed of the random choice of initial centroids.
pub const INIT_SEED: u64 = 7;

/// One benchmark input.
#[derive(Clone, Debug)]
pub struct Case<T> {
    /// `n × d` points, uniform in [0, 1) like the slides' `np.random.uniform(size=(n, d))`.
    pub data: Matrix<T>,
    /// `k` distinct rows of the data, the slides' random init.
    pub centroids: Matrix<T>,
    /// The slides' dummy labels for the update step (`np.random.randint(0, k, size=n)`).
    pub labels: Vec<u32>,
}

/// The input of shape `(n, k, d)`; the same every time.
pub fn case<T: Scalar>(n: usize, k: usize, d: usize) -> Case<T> {
    let data = data::uniform::<T>(n, d, DATA_SEED);
    let centroids = init::random_seeded(data.view(), k, INIT_SEED);
    // A multiplicative hash spreads labels over 0..k like randint, without another RNG.
    let labels = (0..n as u64)
        .map(|i| (i.wrapping_mul(2_654_435_761) % k as u64) as u32)
        .collect();
    Case {
        data,
        centroids,
        labels,
    }
}
