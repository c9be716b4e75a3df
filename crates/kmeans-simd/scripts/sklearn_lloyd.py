"""scikit-learn's Lloyd per iteration on the data kmeans-simd's `measure` example exported
(and, with a fifth argument `numpy`, the slides' best NumPy iteration instead).

    cargo run --release -p kmeans-simd --example measure -- --export /tmp/km --size slides
    python3 crates/kmeans-simd/scripts/sklearn_lloyd.py /tmp/km slides 1

Times KMeans(init=C0, n_init=1, max_iter=N, tol=0, algorithm="lloyd").fit(X) and divides by
its n_iter_ (it may stop early on "strict convergence"), with the given number of threads
(threadpoolctl limits OpenMP and BLAS). Prints the median of several fits.

    python3 crates/kmeans-simd/scripts/sklearn_lloyd.py /tmp/km slides 1 7 numpy

times the slides' fastest NumPy: assignment v5 (broadcast difference + einsum, slide 59) and
the scipy.sparse CSC update (slide 83), one iteration per call, same data and init.

    python3 crates/kmeans-simd/scripts/sklearn_lloyd.py /tmp/km mnist 1 7 intelex

times scikit-learn-intelex's KMeans (oneDAL) the same way, threads set by `daal4py.daalinit`.
"""

import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

SIZES = {
    "slides": (5000, 26, 26, np.float64, 50),
    "medium": (100_000, 64, 32, np.float32, 10),
    "mnist": (60_000, 10, 784, np.float32, 10),
    "large": (1_000_000, 256, 64, np.float32, 3),
}


def assignment_step_v5(data, centroids):
    diff = data[:, None] - centroids[None]  # (n, k, d)
    distances = np.einsum("nkd,nkd->nk", diff, diff)  # (n, k)
    return np.argmin(distances, axis=1)  # (n,)


def update_step_csc(data, labels, k):
    from scipy import sparse
    n, d = data.shape
    onehot_t = sparse.csc_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
    group_counts = np.bincount(labels, minlength=k)[:, None]  # (k, 1)
    return onehot_t @ data / group_counts


def slides_numpy(X, C0, iters, threads, fits, name):
    k = C0.shape[0]
    per_iter = []
    with threadpool_limits(limits=threads):
        for _ in range(fits + 1):
            centroids = C0.copy()
            t = time.perf_counter()
            for _ in range(iters):
                labels = assignment_step_v5(X, centroids)
                centroids = update_step_csc(X, labels, k)
            per_iter.append((time.perf_counter() - t) / iters)
    per_iter = sorted(per_iter[1:])
    med = per_iter[len(per_iter) // 2]
    print(f"numpy-slides {name} threads={threads}: {med * 1e3:.3f} ms/iter "
          f"(v5 einsum + CSC, median of {len(per_iter)} runs of {iters} iterations)")


def main():
    folder, name, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fits = int(sys.argv[4]) if len(sys.argv) > 4 else 7
    n, k, d, dtype, iters = SIZES[name]
    X = np.fromfile(f"{folder}/{name}_X.bin", dtype=dtype).reshape(n, d)
    C0 = np.fromfile(f"{folder}/{name}_C0.bin", dtype=dtype).reshape(k, d)
    if len(sys.argv) > 5 and sys.argv[5] == "numpy":
        slides_numpy(X, C0, iters, threads, fits, name)
        return
    intelex = len(sys.argv) > 5 and sys.argv[5] == "intelex"
    estimator, label = KMeans, "sklearn"
    if intelex:
        import daal4py
        from sklearnex.cluster import KMeans as IntelexKMeans
        daal4py.daalinit(threads)
        estimator, label = IntelexKMeans, "sklearnex"
    per_iter = []
    with threadpool_limits(limits=threads):
        for _ in range(fits + 1):
            km = estimator(n_clusters=k, init=C0, n_init=1, max_iter=iters, tol=0,
                           algorithm="lloyd")
            t = time.perf_counter()
            km.fit(X)
            per_iter.append((time.perf_counter() - t) / km.n_iter_)
    per_iter = sorted(per_iter[1:])  # drop the warm-up fit
    med = per_iter[len(per_iter) // 2]
    print(f"{label} {name} n={n} k={k} d={d} {np.dtype(dtype).name} threads={threads}: "
          f"{med * 1e3:.3f} ms/iter (median of {len(per_iter)} fits, n_iter_={km.n_iter_}), "
          f"inertia {km.inertia_:.6e}")


if __name__ == "__main__":
    main()
