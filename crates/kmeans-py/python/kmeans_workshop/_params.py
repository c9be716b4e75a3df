"""Input conversion and parameter checks shared by the in-memory and the Dask estimators.

Arrays reach Rust without a copy when they are C-contiguous, aligned, native-endian float32 or
float64; anything else (Fortran order, strided views, integers, lists, big-endian) is copied
once into a C-contiguous float array, float32 staying float32 and everything else becoming
float64, as scikit-learn does.
"""

from __future__ import annotations

import numbers

import numpy as np

try:  # scikit-learn is optional: with it, the estimators are real sklearn estimators.
    from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin

    HAVE_SKLEARN = True
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    HAVE_SKLEARN = False

    class BaseEstimator:  # type: ignore[no-redef]
        """get_params/set_params as scikit-learn's, from the constructor's signature."""

        @classmethod
        def _get_param_names(cls):
            import inspect

            sig = inspect.signature(cls.__init__)
            return sorted(p for p in sig.parameters if p != "self")

        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(
                        f"Invalid parameter {key!r} for estimator {type(self).__name__}; "
                        f"valid parameters are {valid}"
                    )
                setattr(self, key, value)
            return self

        def __repr__(self):
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            return f"{type(self).__name__}({args})"

    class ClusterMixin:  # type: ignore[no-redef]
        """fit_predict from fit."""

        def fit_predict(self, X, y=None, **kwargs):
            return self.fit(X, **kwargs).labels_

    class TransformerMixin:  # type: ignore[no-redef]
        """fit_transform from fit and transform."""

        def fit_transform(self, X, y=None, **kwargs):
            return self.fit(X, **kwargs).transform(X)


INITS = ("k-means++", "random", "k-means||")


def as_data(X, dtype=None, name="X"):
    """X as a C-contiguous 2-D float32/float64 array: itself when it already is one (no copy).

    `dtype` forces a float type (predict on a model fitted in float32, say).
    """
    if hasattr(X, "tocsr") or hasattr(X, "toarray"):
        raise ValueError(
            f"{name} is a sparse matrix: kmeans_workshop needs dense data (use {name}.toarray())"
        )
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (n_samples, n_features), got a {X.ndim}-D array of "
            f"shape {X.shape}; reshape with .reshape(-1, 1) for one feature or "
            f".reshape(1, -1) for one sample"
        )
    if dtype is None:
        if X.dtype.kind == "f" and X.dtype.itemsize == 4:
            dtype = np.float32
        elif X.dtype.kind in "fiub":
            dtype = np.float64
        else:
            raise ValueError(
                f"{name} has dtype {X.dtype}: kmeans_workshop needs real numbers "
                f"(float32, float64, integers or booleans)"
            )
    try:
        return np.require(X, dtype=dtype, requirements=["C_CONTIGUOUS", "ALIGNED"])
    except (TypeError, ValueError) as e:  # e.g. float128 that does not fit
        raise ValueError(f"{name} cannot be converted to {np.dtype(dtype).name}: {e}") from None


def check_int(name, value, minimum):
    """`value` as an int >= minimum, else a ValueError naming the parameter."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or not minimum <= value < 2**63
    ):
        raise ValueError(f"{name} must be an integer >= {minimum} (and < 2**63), got {value!r}")
    return int(value)


def check_tol(tol):
    """`tol` as a finite float >= 0."""
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not (
        np.isfinite(tol) and tol >= 0
    ):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    return float(tol)


def check_threads(n_threads):
    """None (every core) or an int >= 1."""
    return None if n_threads is None else check_int("n_threads", n_threads, 1)


def seed_from(random_state):
    """A 64-bit seed from scikit-learn's random_state (None, an int or a RandomState)."""
    if random_state is None:
        return int(np.random.randint(0, np.iinfo(np.int32).max))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state) % (1 << 64)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 1 << 63))
    raise ValueError(
        f"random_state must be None, an int, a numpy RandomState or Generator, "
        f"got {random_state!r}"
    )


def init_array(init, n_clusters, n_features, dtype):
    """Explicit initial centroids as a C-contiguous (n_clusters, n_features) array of `dtype`."""
    C = as_data(init, dtype=dtype, name="init")
    if C.shape != (n_clusters, n_features):
        raise ValueError(
            f"init must have shape (n_clusters, n_features) = ({n_clusters}, {n_features}) "
            f"but has shape {C.shape}"
        )
    return C


def check_init(init):
    """A known init name, or an array-like (returned unchanged)."""
    if isinstance(init, str):
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS} or an array, got {init!r}")
        return init
    if callable(init):
        raise ValueError("init as a callable is not supported: pass the centroids as an array")
    return init
