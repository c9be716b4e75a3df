"""scikit-learn's Lloyd per iteration on the data kmeans-simd's `measure` example exported.

    cargo run --release -p kmeans-simd --example measure -- --export /tmp/km --size slides
    python3 crates/kmeans-simd/scripts/sklearn_lloyd.py /tmp/km slides 1

Times KMeans(init=C0, n_init=1, max_iter=N, tol=0, algorithm="lloyd").fit(X) and divides by
its n_iter_ (it may stop early on "strict convergence"), with the given number of threads
(threadpoolctl limits OpenMP and BLAS). Prints the median of several fits.
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


def main():
    folder, name, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fits = int(sys.argv[4]) if len(sys.argv) > 4 else 7
    n, k, d, dtype, iters = SIZES[name]
    X = np.fromfile(f"{folder}/{name}_X.bin", dtype=dtype).reshape(n, d)
    C0 = np.fromfile(f"{folder}/{name}_C0.bin", dtype=dtype).reshape(k, d)
    per_iter = []
    with threadpool_limits(limits=threads):
        for _ in range(fits + 1):
            km = KMeans(n_clusters=k, init=C0, n_init=1, max_iter=iters, tol=0,
                        algorithm="lloyd")
            t = time.perf_counter()
            km.fit(X)
            per_iter.append((time.perf_counter() - t) / km.n_iter_)
    per_iter = sorted(per_iter[1:])  # drop the warm-up fit
    med = per_iter[len(per_iter) // 2]
    print(f"sklearn {name} n={n} k={k} d={d} {np.dtype(dtype).name} threads={threads}: "
          f"{med * 1e3:.3f} ms/iter (median of {len(per_iter)} fits, n_iter_={km.n_iter_}), "
          f"inertia {km.inertia_:.6e}")


if __name__ == "__main__":
    main()
