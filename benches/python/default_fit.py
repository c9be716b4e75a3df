#!/usr/bin/env python3
"""The `default-fit` group's Python peers: a long-lived worker that the bench harness drives
round by round, so our fit and every peer's alternate on the same data in the same run.

    python default_fit.py export-digits OUT.npy     # scikit-learn's bundled load_digits(), f64
    python default_fit.py serve MANIFEST.json       # JSON lines on stdin/stdout (see below)

MANIFEST: {"workloads": [{"id": ..., "x": "path.npy", "k": K}, ...]}. The worker answers one
JSON line at start-up ({"ready": true, "versions": ..., "peers": {name: null or why not}}),
then one line per request:

    {"op": "fit", "peer": NAME, "workload": ID, "threads": T, "seed": S}
        -> {"seconds": .., "iterations": .., "inertia": ..}  (or {"error": ..})
    {"op": "inertia", "workload": ID, "centroids": [[..], ..]}
        -> {"inertia": ..}
    {"op": "fit_from", "peer": NAME, "algorithm": "lloyd" | "elkan", "workload": ID,
     "threads": T, "init": [[..], ..], "tol": TOL}
        -> {"seconds": .., "iterations": .., "inertia": ..}   (the `converge` group)
    {"op": "quit"}

Every peer runs its defaults: scikit-learn `KMeans(n_clusters=k, n_init=1)`, scikit-learn-intelex
`sklearnex.cluster.KMeans(n_clusters=k, n_init=1)` (threads via `daal4py.daalinit`), faiss
`faiss.Kmeans(d, k)` with `max_points_per_centroid` raised so it trains on every point (float32
data only). The inertia of every result, ours included, is computed here by one function.
"""

import json
import os
from importlib import metadata
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

PEERS = ("scikit-learn", "scikit-learn-intelex", "faiss")


def inertia(x, centroids):
    """Sum over points of the squared distance to the nearest centroid, in float64, chunked to
    bound memory. The nearest centroid is found by one matrix product (‖c‖² − 2x·c), and the
    distance to it is then taken with exact differences (no ‖x‖² − 2x·c + ‖c‖² cancellation in
    the sum). Where two centroids tie to within the product's rounding the pick may differ from
    an exhaustive search, and so the sum by no more than that rounding."""
    c = np.asarray(centroids, dtype=np.float64)
    k, d = c.shape
    c_sq = np.einsum("kd,kd->k", c, c)
    rows = max(1, (1 << 22) // max(1, k + d))
    total = 0.0
    for start in range(0, x.shape[0], rows):
        chunk = x[start:start + rows].astype(np.float64)
        nearest = np.argmin(c_sq[None, :] - 2.0 * (chunk @ c.T), axis=1)
        diff = chunk - c[nearest]
        total += float(np.einsum("nd,nd->", diff, diff))
    return total


def probe_peers():
    """Which peers import here: {name: None} when ready, else {name: "why not"}."""
    status, versions = {}, {"python": sys.version.split()[0], "numpy": np.__version__}
    try:
        import sklearn
        from sklearn.cluster import KMeans  # noqa: F401
        versions["scikit-learn"] = sklearn.__version__
        status["scikit-learn"] = None
    except Exception as e:  # any import failure is a reason to report, not a crash
        status["scikit-learn"] = f"scikit-learn does not import: {e}"
    try:
        import daal4py  # noqa: F401
        import sklearnex  # noqa: F401
        from sklearnex.cluster import KMeans  # noqa: F401,F811
        # The distribution's version: sklearnex.__version__ is a placeholder in some builds.
        versions["scikit-learn-intelex"] = metadata.version("scikit-learn-intelex")
        status["scikit-learn-intelex"] = None
    except Exception as e:
        status["scikit-learn-intelex"] = f"scikit-learn-intelex does not import: {e}"
    try:
        import faiss
        versions["faiss"] = faiss.__version__
        status["faiss"] = None
    except Exception as e:
        status["faiss"] = f"faiss does not import: {e}"
    return status, versions


def fit(peer, x, k, threads, seed):
    """One default fit, timed from data to result. Returns (seconds, iterations, centroids)."""
    if peer == "scikit-learn":
        from sklearn.cluster import KMeans
        with threadpool_limits(threads):
            t0 = time.perf_counter()
            km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(x)
            seconds = time.perf_counter() - t0
        return seconds, int(km.n_iter_), km.cluster_centers_
    if peer == "scikit-learn-intelex":
        import daal4py
        from sklearnex.cluster import KMeans
        daal4py.daalinit(threads)
        with threadpool_limits(threads):
            t0 = time.perf_counter()
            km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(x)
            seconds = time.perf_counter() - t0
        return seconds, int(km.n_iter_), km.cluster_centers_
    if peer == "faiss":
        import faiss
        faiss.omp_set_num_threads(threads)
        n, d = x.shape
        # faiss subsamples to 256 points per centroid by default; the others train on all.
        km = faiss.Kmeans(d, k, seed=seed, max_points_per_centroid=n // k + 1)
        t0 = time.perf_counter()
        km.train(x)
        seconds = time.perf_counter() - t0
        return seconds, int(km.cp.niter), km.centroids
    raise ValueError(f"unknown peer {peer}")


def fit_from(peer, algorithm, x, init, threads, tol):
    """One fit to `tol` from the given initial centroids (the `converge` group): scikit-learn
    with `algorithm` ("lloyd" or "elkan"), or scikit-learn-intelex. Returns (seconds,
    iterations, centroids)."""
    init = np.asarray(init, dtype=x.dtype)
    k = init.shape[0]
    if peer == "scikit-learn":
        from sklearn.cluster import KMeans
        with threadpool_limits(threads):
            t0 = time.perf_counter()
            km = KMeans(n_clusters=k, init=init, n_init=1, tol=tol, algorithm=algorithm).fit(x)
            seconds = time.perf_counter() - t0
        return seconds, int(km.n_iter_), km.cluster_centers_
    if peer == "scikit-learn-intelex":
        import daal4py
        from sklearnex.cluster import KMeans
        daal4py.daalinit(threads)
        with threadpool_limits(threads):
            t0 = time.perf_counter()
            km = KMeans(n_clusters=k, init=init, n_init=1, tol=tol).fit(x)
            seconds = time.perf_counter() - t0
        return seconds, int(km.n_iter_), km.cluster_centers_
    raise ValueError(f"no fit_from for peer {peer}")


def applies(peer, x):
    """Why a peer cannot run this workload, or None."""
    if peer == "faiss" and x.dtype != np.float32:
        return "faiss-cpu's k-means is float32-only; this workload is float64"
    return None


def serve(manifest_path, out):
    with open(manifest_path) as f:
        manifest = json.load(f)
    data = {w["id"]: (np.load(w["x"]), int(w["k"])) for w in manifest["workloads"]}
    status, versions = probe_peers()
    blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture', '?')})"
            for i in threadpool_info() if i.get("user_api") == "blas"]
    reply = {"ready": True, "versions": versions, "peers": status, "blas": blas,
             "openblas_env": {v: os.environ.get(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}}
    out.write(json.dumps(reply) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            op = req["op"]
            if op == "quit":
                break
            x, k = data[req["workload"]]
            if op == "fit":
                peer = req["peer"]
                why = status.get(peer, f"unknown peer {peer}") or applies(peer, x)
                if why:
                    reply = {"error": why}
                else:
                    seconds, iterations, centroids = fit(peer, x, k, int(req["threads"]), int(req["seed"]))
                    reply = {"seconds": seconds, "iterations": iterations, "inertia": inertia(x, centroids)}
            elif op == "fit_from":
                peer = req["peer"]
                why = status.get(peer, f"unknown peer {peer}")
                if why:
                    reply = {"error": why}
                else:
                    seconds, iterations, centroids = fit_from(
                        peer, req["algorithm"], x, req["init"], int(req["threads"]), float(req["tol"]))
                    reply = {"seconds": seconds, "iterations": iterations, "inertia": inertia(x, centroids)}
            elif op == "inertia":
                reply = {"inertia": inertia(x, req["centroids"])}
            else:
                reply = {"error": f"unknown op {op}"}
        except Exception as e:  # a peer that fails is a row that says why, not a dead run
            reply = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "export-digits":
        from sklearn.datasets import load_digits
        x = np.ascontiguousarray(load_digits().data, dtype=np.float64)
        np.save(sys.argv[2], x)
        print(json.dumps({"n": x.shape[0], "d": x.shape[1]}))
        return
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        # The protocol owns file descriptor 1; anything a library prints goes to stderr.
        out = os.fdopen(os.dup(1), "w")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        serve(sys.argv[2], out)
        return
    print(__doc__, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
