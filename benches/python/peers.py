#!/usr/bin/env python3
"""Time the slides' NumPy code and scikit-learn's Lloyd on the data `cargo bench` exported.

Called by the bench harness (benches/src/peers.rs) as

    python3 benches/python/peers.py MANIFEST.json OUT.json

MANIFEST lists the cases (.npy files of data, initial centroids and dummy labels); OUT gets one
row per measurement in the harness's row format. Needs numpy, scipy and scikit-learn
(`cargo bench` installs them into a venv under target/ when they are missing).
"""

import json
import statistics
import sys
import time

import numpy as np
import scipy
import sklearn
from scipy import sparse
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_info, threadpool_limits


# --- The slides' code, verbatim apart from names --------------------------------------------

# ANCHOR: kmeans_initial
def kmeans_initial(data, k, num_iter=50):
    n, d = data.shape
    centroids = data[np.random.choice(n, k, replace=False)]  # (k, d)
    labels = np.zeros(n)  # (n,)
    for _ in range(num_iter):
        # ASSIGNMENT STEP
        for i, point in enumerate(data):
            distances = [np.linalg.norm(point - c) for c in centroids]
            labels[i] = np.argmin(distances)  # idx of closest centroid
        # UPDATE STEP (average within each group)
        centroids = np.stack([data[labels == i].mean(axis=0)
                              for i in range(k)])  # (k, d)
    return centroids
# ANCHOR_END: kmeans_initial


# ANCHOR: assign_v1
def assignment_step_v1(data, centroids):
    labels = np.empty(data.shape[0])  # (n,)
    for i, point in enumerate(data):
        distances = [np.linalg.norm(point - c) for c in centroids]
        labels[i] = np.argmin(distances)
    return labels
# ANCHOR_END: assign_v1


# ANCHOR: assign_v2
def assignment_step_v2(data, centroids):
    labels = np.empty(data.shape[0])  # (n,)
    for i, point in enumerate(data):
        distances = np.linalg.norm(point - centroids, axis=1)  # (k,)
        labels[i] = np.argmin(distances)
    return labels
# ANCHOR_END: assign_v2


# ANCHOR: assign_v3
def assignment_step_v3(data, centroids):
    diff = data[:, None] - centroids[None]  # (n, k, d)
    distances = np.linalg.norm(diff, axis=2)  # (n, k)
    return np.argmin(distances, axis=1)  # (n,)
# ANCHOR_END: assign_v3


# ANCHOR: assign_v4
def assignment_step_v4(data, centroids):
    diff = data[:, None] - centroids[None]  # (n, k, d)
    distances = (diff ** 2).sum(axis=2)  # (n, k)
    return np.argmin(distances, axis=1)
# ANCHOR_END: assign_v4


# ANCHOR: assign_v5
def assignment_step_v5(data, centroids):
    diff = data[:, None] - centroids[None]  # (n, k, d)
    distances = np.einsum('nkd,nkd->nk', diff, diff)  # (n, k)
    return np.argmin(distances, axis=1)
# ANCHOR_END: assign_v5


# ANCHOR: assign_gemm
def assignment_step_gemm(data, centroids):
    """Beyond the slides: ||c||^2 - 2 X C^T (||x||^2 cannot change the argmin)."""
    distances = (centroids ** 2).sum(axis=1)[None, :] - 2.0 * data @ centroids.T
    return np.argmin(distances, axis=1)
# ANCHOR_END: assign_gemm


# ANCHOR: update_original
def update_step_original(data, labels, k):
    return np.stack([data[labels == i].mean(axis=0) for i in range(k)])
# ANCHOR_END: update_original


# ANCHOR: update_matmul
def update_step_matmul(data, labels, k):
    onehot = np.eye(k)[labels]  # (n, k)
    cluster_sums = onehot.T @ data  # (k, d)
    cluster_counts = np.bincount(labels, minlength=k)[:, None]  # (k, 1)
    return cluster_sums / cluster_counts
# ANCHOR_END: update_matmul


# ANCHOR: update_csc
def update_step_csc(data, labels, k):
    n, d = data.shape
    onehotT = sparse.csc_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
    group_counts = np.bincount(labels, minlength=k)[:, None]  # (k, 1)
    return onehotT @ data / group_counts
# ANCHOR_END: update_csc


# ANCHOR: kmeans
# Slide 27's refactored kmeans, with the initial centroids and both steps as arguments.
def kmeans(data, centroids, num_iter, assignment_step, update_step):
    k = centroids.shape[0]
    for _ in range(num_iter):
        labels = assignment_step(data, centroids).astype(np.int64)
        centroids = update_step(data, labels, k)
    return centroids
# ANCHOR_END: kmeans


# --- Timing ---------------------------------------------------------------------------------

def measure(f, budget_s, min_reps=3, max_reps=200):
    """Median and spread of repeated calls after one warm-up call."""
    f()
    times = []
    start = time.perf_counter()
    while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() - start < budget_s):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {
        "status": "measured",
        "median_s": med,
        "mad_s": statistics.median([abs(t - med) for t in times]),
        "lower_s": min(times),
        "upper_s": max(times),
    }


def row(case, group, name, threads, outcome, slide=None, note=None, step=""):
    step = f" {step}" if step else ""
    return {
        "group": group,
        "name": name,
        "param": f"n={case['n']} k={case['k']} d={case['d']} {case['dtype']}{step} t={threads}",
        "n": case["n"], "k": case["k"], "d": case["d"], "dtype": case["dtype"],
        "threads": threads,
        "slide": slide,
        "source": "python",
        "outcome": outcome,
        "note": note,
    }


def intelex_kmeans():
    """scikit-learn-intelex's KMeans (oneDAL) and its version, or None when it does not import
    (the rows are then left out; the default-fit report says why)."""
    try:
        import daal4py  # noqa: F401
        from importlib import metadata
        from sklearnex.cluster import KMeans as IntelexKMeans
        return IntelexKMeans, metadata.version("scikit-learn-intelex")
    except Exception:
        return None


def sklearn_per_iteration(x, c0, iters, threads, budget_s, intelex=None):
    """Per-iteration time of scikit-learn's Lloyd (or, with `intelex` = `intelex_kmeans()`,
    scikit-learn-intelex's): the slope of fit time between `iters` and `3·iters` iterations,
    which removes the fixed cost of input checks and the final E-step."""
    if intelex is not None:
        import daal4py
        daal4py.daalinit(threads)

    def fit(max_iter):
        if intelex is None:
            km = KMeans(n_clusters=c0.shape[0], init=c0, n_init=1, max_iter=max_iter, tol=0.0, algorithm="lloyd")
        else:
            km = intelex[0](n_clusters=c0.shape[0], init=c0, n_init=1, max_iter=max_iter, tol=0.0)
        with threadpool_limits(threads):
            km.fit(x)
        return km.n_iter_

    short, long_ = fit(iters), fit(3 * iters)
    a = measure(lambda: fit(iters), budget_s, min_reps=5)
    b = measure(lambda: fit(3 * iters), budget_s, min_reps=5)
    per_fit = b["median_s"] / long_
    slope = (b["median_s"] - a["median_s"]) / (long_ - short) if long_ > short else 0.0
    if 0.0 < slope <= per_fit:
        per, spread = slope, (b["mad_s"] + a["mad_s"]) / (long_ - short)
        how = f"slope of fit time between {short} and {long_} iterations"
    else:
        # Early convergence, or noise made the slope meaningless: the whole fit's time per
        # iteration (which includes the fixed costs, so it flatters us slightly).
        per, spread = per_fit, b["mad_s"] / long_
        how = f"fit time ÷ n_iter_ = {long_}"
    outcome = {"status": "measured", "median_s": per, "mad_s": spread, "lower_s": per - spread, "upper_s": per + spread}
    if intelex is not None:
        return outcome, f"scikit-learn-intelex {intelex[1]} KMeans(n_init=1, tol=0), threads by daal4py.daalinit: {how}"
    return outcome, f"scikit-learn {sklearn.__version__} KMeans(algorithm='lloyd', n_init=1, tol=0): {how}"


def blas_kernel():
    """NumPy's BLAS and the kernel it runs, as threadpoolctl reports them."""
    for info in threadpool_info():
        if info.get("user_api") == "blas" and "numpy" in info.get("filepath", ""):
            return f"{info.get('internal_api')} {info.get('version')}, {info.get('architecture', '?')} kernel"
    return "BLAS unknown"


def main():
    manifest_path, out_path = sys.argv[1], sys.argv[2]
    with open(manifest_path) as f:
        manifest = json.load(f)
    full = manifest["profile"] == "full"
    cores = manifest["cores"]
    budget = 2.0 if full else 0.7
    rows = []
    for case in manifest["cases"]:
        x = np.load(case["x"])
        c0 = np.load(case["c0"])
        labels = np.load(case["labels"]).astype(np.int64)
        k = case["k"]
        name = case["name"]
        print(f"  peers: {name} {case['dtype']} n={case['n']} k={k} d={case['d']}", file=sys.stderr, flush=True)
        if name == "slides":
            one = lambda f: measure(f, budget)  # noqa: E731
            with threadpool_limits(1):
                for variant, fn, slide in [
                    ("v1", assignment_step_v1, "32 · Original Assignment Step"),
                    ("v2", assignment_step_v2, "34 · Broadcasting Distance Computation"),
                    ("v3", assignment_step_v3, "52 · Assignment Step v3"),
                    ("v4", assignment_step_v4, "58 · Assignment Step v4 - Improving Norm"),
                    ("v5-einsum", assignment_step_v5, "59 · Assignment Step v5 - Einsum"),
                    ("gemm", assignment_step_gemm, None),
                ]:
                    reps = measure(lambda: fn(x, c0), budget, min_reps=3 if variant != "v1" else 2)
                    rows.append(row(case, "assign", f"numpy/assign/{variant}", 1, reps, slide,
                                    f"NumPy {np.__version__}, measured here"))
                for variant, fn, slide in [
                    ("v1-original", update_step_original, "63 · Original Update Step"),
                    ("matmul", update_step_matmul, "78 · Putting it all together…"),
                    ("csc", update_step_csc, "83 · Sparse"),
                ]:
                    rows.append(row(case, "update", f"numpy/update/{variant}", 1, one(lambda: fn(x, labels, k)), slide,
                                    f"NumPy {np.__version__} / SciPy {scipy.__version__}, measured here"))
                best = lambda: kmeans(x, c0, 1, assignment_step_v5, update_step_csc)  # noqa: E731
                gemm = lambda: kmeans(x, c0, 1, assignment_step_gemm, update_step_csc)  # noqa: E731
                rows.append(row(case, "iteration", "numpy/iter/slides-best", 1, one(best), None,
                                "the slides' best: v5 einsum + CSC update"))
                rows.append(row(case, "iteration", "numpy/iter/gemm+csc", 1, one(gemm), None,
                                "GEMM-trick assignment + CSC update"))
                fit50 = lambda: kmeans(x, c0, 50, assignment_step_v5, update_step_csc)  # noqa: E731
                rows.append(row(case, "fit50", "numpy/iter/slides-best", 1, measure(fit50, budget, min_reps=3), None,
                                "the slides' best (v5 + CSC), 50 iterations"))
                if full:
                    np.random.seed(0)
                    slides = lambda: kmeans_initial(x, k)  # noqa: E731
                    rows.append(row(case, "fit50", "numpy/iter/slides", 1, measure(slides, 0.0, min_reps=1), "27 · Refactored Implementation",
                                    "the slides' initial kmeans, verbatim (its own random init), 50 iterations"))
            for threads in sorted({1, cores}):
                outcome, note = sklearn_per_iteration(x, c0, 10, threads, budget)
                rows.append(row(case, "iteration", "scikit-learn/iter/lloyd", threads, outcome, None, note))
            km = lambda: KMeans(n_clusters=k, init=c0, n_init=1, max_iter=50, tol=0.0, algorithm="lloyd").fit(x)  # noqa: E731
            with threadpool_limits(1):
                iters = km().n_iter_
                rows.append(row(case, "fit50", "scikit-learn/iter/lloyd", 1, measure(km, budget), None,
                                f"scikit-learn {sklearn.__version__}, max_iter=50, tol=0: ran {iters} iterations (stops early on unchanged labels)"))
        else:
            group = name
            step = "iterate" if name == "large" else ""
            iters = 3 if name == "large" else 5
            for threads in sorted({1, cores}):
                outcome, note = sklearn_per_iteration(x, c0, iters, threads, budget)
                rows.append(row(case, group, "scikit-learn/iter/lloyd", threads, outcome, None, note, step))
            # scikit-learn-intelex per iteration (issue 12 asks to be ahead of it at the MNIST
            # shape); at 10⁶ × 64 only in the full profile (~100 s there).
            intelex = intelex_kmeans()
            if intelex is not None and (full or name != "large"):
                for threads in sorted({1, cores}):
                    outcome, note = sklearn_per_iteration(x, c0, iters, threads, budget, intelex)
                    rows.append(row(case, group, "scikit-learn-intelex/iter/lloyd", threads, outcome, None, note, step))
    # The matrix-product peak: the best of a few sizes (a 1024³ product undershoots the peak
    # that 2048³ reaches). The harness runs this script without OPENBLAS_CORETYPE/L2_SIZE.
    with threadpool_limits(1):
        for size in (1024, 2048):
            for dtype in (np.float64, np.float32):
                a = np.random.default_rng(0).random((size, size)).astype(dtype)
                outcome = measure(lambda: a @ a, budget, min_reps=3)
                name = np.dtype(dtype).name.replace("float", "f")
                rows.append({
                    "group": "peak", "name": "numpy/peak/matmul", "param": f"{name} {size}",
                    "n": size, "k": size, "d": size, "dtype": name, "threads": 1,
                    "slide": None, "source": "python", "outcome": outcome,
                    "note": f"NumPy {np.__version__} matmul ({blas_kernel()}), 1 thread",
                })
    versions = (f"python {sys.version.split()[0]}, numpy {np.__version__} ({blas_kernel()}), "
                f"scipy {scipy.__version__}, scikit-learn {sklearn.__version__}")
    with open(out_path, "w") as f:
        json.dump({"versions": versions, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
