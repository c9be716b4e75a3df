"""`kmeans_workshop.dask.KMeans`: Lloyd's k-means over a `dask.array` chunked along rows.

The data stays where Dask keeps it (on the workers of a `dask.distributed` cluster, or in this
process with the local schedulers). Each Lloyd iteration is one task per row block that calls
the Rust kernel with the GIL released and returns that block's partial sums (float64, k × d),
counts (k) and inertia: ``k·(d+1) + 1`` numbers per block, whatever its size. The client adds
them up in block order (so the result does not depend on which worker finished first), divides,
and sends the new ``k × d`` centroids back out with the next iteration's tasks.

From the same initial centroids the fit lands on the in-memory ``kmeans_workshop.KMeans`` fit
(same backend): same iterations, centroids equal to rounding (1e-9 relative in float64), and
empty clusters relocated exactly as in memory (the farthest points, found block by block).

Many machines::

    dask scheduler                                  # on one host: tcp://HOST:8786
    dask worker tcp://HOST:8786 --nthreads 1        # on every host, once per core (or
                                                    # --nworkers N --nthreads 1)

    from dask.distributed import Client
    client = Client("tcp://HOST:8786")
    X = dask.array.from_zarr(...)                   # or any row-chunked dask array
    km = kmeans_workshop.dask.KMeans(n_clusters=64).fit(X)

Every worker needs this package installed (``pip install ./crates/kmeans-py``).
"""

from __future__ import annotations

import math

import numpy as np

try:
    import dask
    import dask.array as da
except ImportError as e:  # pragma: no cover - only without dask
    raise ImportError(
        "kmeans_workshop.dask needs dask: pip install 'dask[array,distributed]'"
    ) from e

from . import _core
from ._params import (
    BaseEstimator,
    ClusterMixin,
    TransformerMixin,
    as_data,
    check_int,
    check_threads,
    check_tol,
    init_array,
    seed_from,
)

# -------------------------------------------------------------------------------------------
# The tasks. Module-level functions, so workers unpickle them by reference.


def _block(x):
    # Blocks of a C-ordered array are C-contiguous already; others are copied once, here, on
    # the worker that holds them.
    return as_data(x, dtype=x.dtype if x.dtype in (np.float32, np.float64) else np.float64)


def _centers(c, x):
    # Centroids may arrive deserialised in another layout; they are k × d, so this is cheap.
    return as_data(c, dtype=x.dtype, name="centroids")


def _check_task(x, row_offset):
    return x.shape[0], _core.chunk_check(_block(x), row_offset)


def _sq_dev_task(x, mean):
    return _core.chunk_sq_dev(_block(x), np.require(mean, np.float64, ["C_CONTIGUOUS", "ALIGNED"]))


def _step_task(x, centroids, n_threads, backend):
    x = _block(x)
    return _core.chunk_step(x, _centers(centroids, x), n_threads, backend)


def _farthest_task(x, centroids, m, n_threads, backend):
    x = _block(x)
    dist, rows, labels = _core.chunk_farthest(x, _centers(centroids, x), m, n_threads, backend)
    return dist, rows, labels, x[rows]


def _min_dist_task(x, centroids, n_threads, backend):
    x = _block(x)
    return _core.chunk_min_dist(x, _centers(centroids, x), n_threads, backend)[1]


def _cost_task(d2):
    return float(d2.sum())


def _sample_task(x, d2, phi, ell, seed):
    # Each point joins with probability min(1, ℓ·d²/φ) (Bahmani et al. 2012), drawn from a
    # generator seeded by (fit seed, round, block): deterministic whatever the scheduling.
    if phi <= 0:
        return np.empty((0, x.shape[1]), dtype=x.dtype)
    u = np.random.default_rng(seed).random(d2.shape[0])
    return _block(x)[u < ell * d2 / phi]


def _weights_task(x, centroids, n_threads, backend):
    x = _block(x)
    labels, _ = _core.predict(x, _centers(centroids, x), n_threads, backend)
    return np.bincount(labels, minlength=centroids.shape[0])


def _predict_block(x, centroids, n_threads, backend):
    x = _block(x)
    return _core.predict(x, _centers(centroids, x), n_threads, backend)[0]


def _sum_in_order(values):
    total = 0.0
    for v in values:
        total += v
    return total


# -------------------------------------------------------------------------------------------


class _Blocks:
    """The row blocks of a persisted array, and one call per block, results in block order.

    On a `dask.distributed` cluster the calls are `client.submit`s on the blocks' futures (one
    message per task, no graph to build each iteration); with the local schedulers they are
    `dask.delayed` calls computed together.
    """

    def __init__(self, X):
        self.client = None
        self.handles = list(X.to_delayed().ravel())
        try:
            from distributed import futures_of
        except ImportError:  # dask without distributed: local schedulers only
            return
        futures = {f.key: f for f in futures_of(X)}
        keys = [row[0] for row in X.__dask_keys__()]
        if futures and all(key in futures for key in keys):
            self.client = next(iter(futures.values())).client
            self.handles = [futures[key] for key in keys]

    def submit_one(self, fn, *args):
        """`fn(*args)` as one task (futures or delayed values among the arguments)."""
        if self.client is not None:
            return self.client.submit(fn, *args, pure=False)
        return dask.delayed(fn)(*args)

    def submit(self, fn, *args, per_block=None):
        """`fn(block, *per_block[i], *args)` for every block, not yet gathered."""
        return [
            self.submit_one(fn, h, *(per_block[i] if per_block is not None else ()), *args)
            for i, h in enumerate(self.handles)
        ]

    def gather(self, handles):
        """The results of `handles`, in order."""
        if self.client is not None:
            return self.client.gather(handles)
        return list(dask.compute(*handles))

    def map(self, fn, *args, per_block=None):
        """`submit`, then `gather`: one round trip."""
        return self.gather(self.submit(fn, *args, per_block=per_block))


def _as_dask(X):
    """X as a 2-D float32/float64 dask array with all columns in one block."""
    if not isinstance(X, da.Array):
        X = da.from_array(as_data(X))
    if X.ndim != 2:
        raise ValueError(
            f"X must be a 2-D array (n_samples, n_features), got a {X.ndim}-D array of "
            f"shape {X.shape}"
        )
    if X.dtype not in (np.float32, np.float64):
        if X.dtype.kind not in "fiub":
            raise ValueError(f"X has dtype {X.dtype}: kmeans_workshop needs real numbers")
        X = X.astype(np.float64)
    if any(math.isnan(c) for c in X.chunks[0]):
        raise ValueError("X has unknown chunk sizes: call X.compute_chunk_sizes() first")
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})  # chunked along rows only: a block holds whole points
    return X


class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    """K-means over a row-chunked `dask.array.Array`, one Rust task per block per iteration.

    Parameters
    ----------
    n_clusters : int, default 8
    init : "k-means||", "random" or array of shape (n_clusters, n_features)
        "k-means||" (the default) is scalable k-means++ (Bahmani et al.): `init_max_iter`
        rounds over the blocks, each sampling about ``oversampling_factor · n_clusters``
        points, then greedy k-means++ on the weighted candidates in the client. "random"
        takes k distinct rows. An array gives the initial centroids.
    max_iter, tol : as `kmeans_workshop.KMeans`
    random_state : None, int, RandomState or Generator
    oversampling_factor : float, default 2.0
        ℓ / k for k-means||.
    init_max_iter : int, default 5
        Rounds of k-means||.
    n_threads : int or None, default 1
        Threads per task. Dask runs one task per worker thread, so 1 keeps a worker started
        with ``--nthreads N`` at N busy cores; None lets each task use every core.
    backend : str or None
        As `kmeans_workshop.KMeans`.

    Attributes: ``cluster_centers_`` (NumPy), ``labels_`` (a lazy dask array), ``inertia_``,
    ``n_iter_``, ``n_features_in_``, ``converged_``.
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means||",
        max_iter=300,
        tol=1e-4,
        random_state=None,
        oversampling_factor=2.0,
        init_max_iter=5,
        n_threads=1,
        backend=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.oversampling_factor = oversampling_factor
        self.init_max_iter = init_max_iter
        self.n_threads = n_threads
        self.backend = backend

    # ---------------------------------------------------------------------------------------

    def fit(self, X, y=None):
        """Fit to a dask array (or anything array-like, wrapped in one block); returns self."""
        k = check_int("n_clusters", self.n_clusters, 1)
        max_iter = check_int("max_iter", self.max_iter, 1)
        tol = check_tol(self.tol)
        threads = check_threads(self.n_threads)
        backend = self.backend
        seed = seed_from(self.random_state)
        X = _as_dask(X).persist()  # read the source once; blocks stay on the workers
        dtype = X.dtype.type
        n, d = X.shape
        blocks = _Blocks(X)
        offsets = np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(int)
        if n == 0:
            _core.chunk_check(np.empty((0, max(d, 1)), dtype=dtype), 0)
            raise ValueError("the data is empty: k-means needs at least one point")
        if k > n:
            raise ValueError(f"k = {k} is larger than the number of points, n = {n}")

        # Validation (NaN/∞ named by global row and column) and the column sums, once.
        checked = blocks.map(_check_task, per_block=[(int(o),) for o in offsets])
        scale = 0.0
        if tol > 0:
            mean = _sum_in_order(s for _, s in checked) / n
            dev = blocks.map(_sq_dev_task, mean)
            scale = tol * (_sum_in_order(dev) / (n * d))

        centers = self._initial_centers(X, blocks, k, d, dtype, seed, threads, backend)
        self._lloyd(blocks, offsets, centers, k, max_iter, tol, scale, threads, backend)
        self.labels_ = X.map_blocks(
            _predict_block,
            self.cluster_centers_,
            threads,
            backend,
            dtype=np.int32,
            drop_axis=1,
        )
        self.n_features_in_ = d
        return self

    def _initial_centers(self, X, blocks, k, d, dtype, seed, threads, backend):
        init = self.init
        if not isinstance(init, str):
            if callable(init):
                raise ValueError("init as a callable is not supported: pass an array")
            return init_array(init, k, d, dtype)
        if init == "random":
            rows = np.sort(np.random.default_rng(seed).choice(X.shape[0], k, replace=False))
            return as_data(X[rows].compute(), dtype=dtype)
        if init == "k-means||":
            return self._kmeans_parallel(X, blocks, k, dtype, seed, threads, backend)
        raise ValueError(f"init must be 'k-means||', 'random' or an array, got {init!r}")

    def _kmeans_parallel(self, X, blocks, k, dtype, seed, threads, backend):
        rounds = check_int("init_max_iter", self.init_max_iter, 1)
        factor = self.oversampling_factor
        if not (isinstance(factor, (int, float)) and np.isfinite(factor) and factor > 0):
            raise ValueError(f"oversampling_factor must be a number > 0, got {factor!r}")
        rng = np.random.default_rng(seed)
        ell = factor * k
        first = int(rng.integers(X.shape[0]))
        centers = as_data(X[first : first + 1].compute(), dtype=dtype)
        for r in range(rounds):
            # One graph per round: distances stay on the workers, only φ and the samples move.
            d2 = blocks.submit(_min_dist_task, centers, threads, backend)
            phi = blocks.submit_one(_sum_in_order, [blocks.submit_one(_cost_task, v) for v in d2])
            picked = blocks.gather(
                [
                    blocks.submit_one(_sample_task, b, v, phi, ell, [seed, r, i])
                    for i, (b, v) in enumerate(zip(blocks.handles, d2))
                ]
            )
            centers = np.ascontiguousarray(np.vstack([centers, *picked]), dtype=dtype)
        centers = np.unique(centers, axis=0)
        if centers.shape[0] < k:
            raise ValueError(
                f"k-means|| found only {centers.shape[0]} distinct candidate points for "
                f"k = {k}: the data may hold fewer than k distinct points; raise "
                f"init_max_iter or oversampling_factor, or pass initial centroids"
            )
        counts = blocks.map(_weights_task, centers, threads, backend)
        weights = _sum_in_order(counts).astype(np.float64)
        return _weighted_kmeans_plus_plus(centers, weights, k, rng).astype(dtype)

    def _lloyd(self, blocks, offsets, centers, k, max_iter, tol, scale, threads, backend):
        dtype = centers.dtype.type
        converged = False
        history = []
        for iteration in range(1, max_iter + 1):
            parts = blocks.map(_step_task, centers, threads, backend)
            sums = np.zeros(centers.shape, dtype=np.float64)
            counts = np.zeros(k, dtype=np.int64)
            inertia = 0.0
            for s, cnt, i in parts:  # block order: the same sum whatever finished first
                sums += s
                counts += cnt
                inertia += i
            new = np.empty_like(centers)
            full = counts > 0
            new[full] = (sums[full] / counts[full, None]).astype(dtype)
            relocated = 0
            if not full.all():
                relocated = self._relocate(blocks, offsets, centers, new, counts, threads, backend)
            shift = float(((centers.astype(np.float64) - new.astype(np.float64)) ** 2).sum())
            centers = new
            history.append(inertia)
            strict = relocated == 0 and shift == 0.0
            converged = strict or shift <= scale
            if tol > 0 and converged:
                break
        final = blocks.map(_step_task, centers, threads, backend)
        self.cluster_centers_ = centers
        self.inertia_ = float(_sum_in_order(i for _, _, i in final))
        self.n_iter_ = len(history)
        self.converged_ = bool(converged)
        self.inertia_per_iteration_ = history

    def _relocate(self, blocks, offsets, old, new, counts, threads, backend):
        """The in-memory relocation, over blocks: each empty cluster takes the farthest point
        (distance to its own centroid, ties by row) of a cluster that keeps at least one."""
        dtype = old.dtype.type
        empty = np.flatnonzero(counts == 0)
        # A cluster can refuse at most one candidate (its last point), so len(empty) + k
        # candidates per block always suffice.
        m = len(empty) + len(counts)
        found = blocks.map(_farthest_task, old, m, threads, backend)
        cands = []
        for (dist, rows, labels, values), offset in zip(found, offsets):
            for j in range(len(rows)):
                cands.append((-dist[j], int(offset) + int(rows[j]), int(labels[j]), values[j]))
        cands.sort(key=lambda t: (t[0], t[1]))
        it = iter(cands)
        for j in empty:
            for _, _, label, x in it:
                if counts[label] >= 2:
                    c_from = dtype(counts[label])
                    new[label] = (new[label] * c_from - x) / (c_from - dtype(1))
                    counts[label] -= 1
                    new[j] = x
                    counts[j] = 1
                    break
            else:  # unreachable for n >= k: keep the old centroid rather than NaN
                new[j] = old[j]
        return len(empty)

    # ---------------------------------------------------------------------------------------

    def _check_fitted(self):
        if not hasattr(self, "cluster_centers_"):
            raise AttributeError("this KMeans is not fitted yet: call fit first")

    def predict(self, X):
        """Labels (int32) of X's rows: lazy for a dask array, a NumPy array otherwise."""
        self._check_fitted()
        threads = check_threads(self.n_threads)
        if isinstance(X, da.Array):
            X = _as_dask(X).astype(self.cluster_centers_.dtype)
            return X.map_blocks(
                _predict_block,
                self.cluster_centers_,
                threads,
                self.backend,
                dtype=np.int32,
                drop_axis=1,
            )
        X = as_data(X, dtype=self.cluster_centers_.dtype)
        return _core.predict(X, self.cluster_centers_, threads, self.backend)[0]

    def transform(self, X):
        """Distances of X's rows to every centroid (lazy for a dask array)."""
        self._check_fitted()
        if isinstance(X, da.Array):
            X = _as_dask(X).astype(self.cluster_centers_.dtype)
            return X.map_blocks(
                lambda b: _core.transform(_block(b), self.cluster_centers_),
                dtype=self.cluster_centers_.dtype,
                chunks=(X.chunks[0], (self.cluster_centers_.shape[0],)),
            )
        X = as_data(X, dtype=self.cluster_centers_.dtype)
        return _core.transform(X, self.cluster_centers_)


def _weighted_kmeans_plus_plus(points, weights, k, rng):
    """Greedy k-means++ on weighted candidates (scikit-learn's rule: 2 + ⌊ln k⌋ trials)."""
    m = points.shape[0]
    P = points.astype(np.float64)
    trials = 2 + int(np.log(k))
    first = int(rng.choice(m, p=weights / weights.sum())) if weights.sum() > 0 else 0
    chosen = [first]
    closest = ((P - P[first]) ** 2).sum(axis=1)
    while len(chosen) < k:
        pot = weights * closest
        total = pot.sum()
        if total <= 0:
            rest = [i for i in range(m) if closest[i] > 0]
            chosen.append(rest[0] if rest else 0)
        else:
            cands = np.searchsorted(np.cumsum(pot), rng.random(trials) * total, side="right")
            cands = np.minimum(cands, m - 1)
            d = ((P[None, :, :] - P[cands][:, None, :]) ** 2).sum(axis=2)
            d = np.minimum(closest[None, :], d)
            best = int(np.argmin((d * weights[None, :]).sum(axis=1)))
            chosen.append(int(cands[best]))
        closest = np.minimum(closest, ((P - P[chosen[-1]]) ** 2).sum(axis=1))
    return points[chosen]
