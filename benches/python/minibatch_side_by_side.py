"""Mini-batch k-means side by side: `kmeans fit --mini-batch` against scikit-learn's
MiniBatchKMeans, same data, same batch size, one thread, rounds alternating.

    python minibatch_side_by_side.py KMEANS_BINARY DATA.npy [K] [BATCH] [ROUNDS]

Prints each round's fit time and final inertia (over the whole data) for both, then the
medians and the time ratio. The time is the fit alone: the CLI's "fit_seconds" (library call,
data already mapped) and scikit-learn's `fit` on the loaded array.
"""
import json
import os
import subprocess
import sys
import time

os.environ["OMP_NUM_THREADS"] = "1"  # before numpy / scikit-learn start their pools
import numpy as np  # noqa: E402
from sklearn.cluster import MiniBatchKMeans  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def main():
    binary, path = sys.argv[1], sys.argv[2]
    k = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 4096
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    x = np.load(path)
    print(f"data {path}: {x.shape} {x.dtype}, k = {k}, batch = {batch}, 1 thread")
    ours, theirs = [], []
    for r in range(rounds):
        seed = r
        out = subprocess.run(
            [binary, "fit", path, "-k", str(k), "--mini-batch", str(batch),
             "--threads", "1", "--seed", str(seed), "--json"],
            check=True, capture_output=True, text=True,
        )
        report = json.loads(out.stdout)
        ours.append((report["fit_seconds"], report["inertia"], report["iterations"]))
        with threadpool_limits(limits=1):
            model = MiniBatchKMeans(n_clusters=k, batch_size=batch, n_init=1, random_state=seed)
            start = time.perf_counter()
            model.fit(x)
            elapsed = time.perf_counter() - start
        theirs.append((elapsed, float(model.inertia_), int(model.n_steps_)))
        print(f"round {r}: kmeans {ours[-1][0]:.3f} s inertia {ours[-1][1]:.6e} steps {ours[-1][2]}"
              f" | scikit-learn {theirs[-1][0]:.3f} s inertia {theirs[-1][1]:.6e} steps {theirs[-1][2]}")
    med = lambda rows, i: float(np.median([row[i] for row in rows]))  # noqa: E731
    t_ours, t_theirs = med(ours, 0), med(theirs, 0)
    i_ours, i_theirs = med(ours, 1), med(theirs, 1)
    print(f"median time: kmeans {t_ours:.3f} s, scikit-learn {t_theirs:.3f} s, ratio {t_ours / t_theirs:.3f}")
    print(f"median inertia: kmeans {i_ours:.6e}, scikit-learn {i_theirs:.6e}, "
          f"ratio {i_ours / i_theirs:.4f}")


if __name__ == "__main__":
    main()
