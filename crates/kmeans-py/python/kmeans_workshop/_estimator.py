"""`kmeans_workshop.KMeans`: scikit-learn's KMeans interface over the Rust library."""

from __future__ import annotations

import numpy as np

from . import _core
from ._params import (
    BaseEstimator,
    ClusterMixin,
    TransformerMixin,
    as_data,
    check_init,
    check_int,
    check_threads,
    check_tol,
    init_array,
    seed_from,
)


class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    """K-means clustering (Lloyd) in Rust, with `sklearn.cluster.KMeans`'s interface.

    Parameters
    ----------
    n_clusters : int, default 8
        Number of clusters k.
    init : {"k-means++", "random", "k-means||"} or array of shape (n_clusters, n_features)
        "k-means++" is scikit-learn's greedy k-means++; "random" picks k distinct points (the
        workshop slides' init); "k-means||" is scalable k-means++ (Bahmani et al.: 5 rounds
        sampling 2k candidates each, then weighted k-means++ on them); an array gives the
        initial centroids (then one run).
    n_init : int or "auto", default "auto"
        Restarts from different random inits; the lowest inertia wins. "auto" is 1 for
        "k-means++" and given centroids, 10 for "random" (scikit-learn's rule).
    max_iter : int, default 300
        Iterations per restart.
    tol : float, default 1e-4
        Stop when the centroids move by at most `tol` times the data's mean column variance
        (as scikit-learn), or no label changes. `tol=0` runs exactly `max_iter` iterations.
    random_state : None, int, RandomState or Generator
        Seed of every random choice. Same seed, same backend: the same result whatever
        `n_threads` is.
    n_threads : int or None, default None
        Threads for the fit; None uses rayon's global pool: every core, or
        `RAYON_NUM_THREADS` (a value that is not a whole number from 0 to 4x the cores
        is a ValueError, where rayon would ignore it or take minutes to start it).
    backend : str or None, default None
        A registered whole-iteration variant (or "ASSIGN+UPDATE"); None picks the fastest for
        the data's dtype. `kmeans_workshop.backends()` lists them.

    Attributes
    ----------
    cluster_centers_ : (n_clusters, n_features) array, the data's dtype
    labels_ : (n_samples,) int32 array, the nearest centroid of each training point
    inertia_ : float, the sum of squared distances to the nearest centroid (computed in f64)
    n_iter_ : int, iterations of the kept run
    converged_ : bool, whether the kept run met the convergence rule
    n_features_in_ : int
    fit_seconds_ : float, the library call alone (what the CLI reports as "fit time")

    Data: float32 stays float32, float64 stays float64, and a C-contiguous array of either is
    read in place (no copy). Anything else is copied once (see `kmeans_workshop.as_data`). The
    GIL is released while Rust computes.
    """

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init="auto",
        max_iter=300,
        tol=1e-4,
        random_state=None,
        n_threads=None,
        backend=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.n_threads = n_threads
        self.backend = backend

    def _n_init(self, init):
        if self.n_init == "auto":
            return 10 if (isinstance(init, str) and init == "random") else 1
        return check_int("n_init", self.n_init, 1)

    def fit(self, X, y=None, sample_weight=None):
        """Compute the clustering of X (n_samples, n_features); returns self."""
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported by kmeans_workshop.KMeans")
        X = as_data(X)
        k = check_int("n_clusters", self.n_clusters, 1)
        init = check_init(self.init)
        centroids = None
        if not isinstance(init, str):
            centroids = init_array(init, k, X.shape[1], X.dtype)
            init = "array"
        centers, labels, inertia, n_iter, converged, seconds = _core.fit(
            X,
            k,
            init,
            centroids,
            self._n_init(self.init),
            check_int("max_iter", self.max_iter, 1),
            check_tol(self.tol),
            seed_from(self.random_state),
            check_threads(self.n_threads),
            self.backend,
        )
        self.cluster_centers_ = centers
        self.labels_ = labels
        self.inertia_ = float(inertia)
        self.n_iter_ = int(n_iter)
        self.converged_ = bool(converged)
        self.n_features_in_ = X.shape[1]
        # The library call alone, GIL released (what the CLI reports as "fit time").
        self.fit_seconds_ = float(seconds)
        return self

    def _check_fitted(self):
        if not hasattr(self, "cluster_centers_"):
            try:
                from sklearn.exceptions import NotFittedError
            except ImportError:  # pragma: no cover
                NotFittedError = AttributeError
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: call fit first"
            )

    def _data_like_centers(self, X):
        # New data takes the fitted dtype (one copy only if it differs).
        self._check_fitted()
        return as_data(X, dtype=self.cluster_centers_.dtype)

    def predict(self, X):
        """The index (int32) of the nearest centroid for each row of X."""
        X = self._data_like_centers(X)
        labels, _ = _core.predict(
            X, self.cluster_centers_, check_threads(self.n_threads), self.backend
        )
        return labels

    def fit_predict(self, X, y=None, sample_weight=None):
        """fit(X), then the labels of the training data."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X):
        """Euclidean distance of each row of X to every centroid, shape (n_samples, n_clusters)."""
        X = self._data_like_centers(X)
        return _core.transform(X, self.cluster_centers_)

    def fit_transform(self, X, y=None, sample_weight=None):
        """fit(X), then transform(X)."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X, y=None, sample_weight=None):
        """Minus the inertia of X against the fitted centroids (higher is better, as sklearn)."""
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported by kmeans_workshop.KMeans")
        X = self._data_like_centers(X)
        _, inertia = _core.predict(
            X, self.cluster_centers_, check_threads(self.n_threads), self.backend
        )
        return -float(inertia)
