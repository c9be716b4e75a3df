"""kmeans_workshop: the kmeans-workshop Rust k-means, called from NumPy.

>>> import numpy as np, kmeans_workshop
>>> X = np.random.default_rng(0).normal(size=(1000, 4)).astype(np.float32)
>>> km = kmeans_workshop.KMeans(n_clusters=3, random_state=0).fit(X)
>>> km.cluster_centers_.shape, km.cluster_centers_.dtype
((3, 4), dtype('float32'))

`kmeans_workshop.KMeans` follows `sklearn.cluster.KMeans`; `kmeans_workshop.dask.KMeans` fits a
`dask.array` chunked along rows on a Dask cluster (import it explicitly: it needs dask).
"""

from . import _core
from ._estimator import KMeans
from ._params import as_data

__version__ = "0.1.0"


def backends():
    """Every whole-iteration backend name with its dtypes: ``[(name, ["f32", "f64"]), ...]``.

    ``backend="ASSIGN+UPDATE"`` also accepts any pair of the step names of ``steps()``.
    """
    return _core.backends()


def steps():
    """``(assignment step names, update step names)``, for ``backend="ASSIGN+UPDATE"``."""
    return _core.steps()


def default_backend(dtype="f64"):
    """The backend a fit uses for ``dtype`` ("f32" or "f64") when ``backend=None``."""
    return _core.default_backend(dtype)


__all__ = ["KMeans", "as_data", "backends", "steps", "default_backend", "__version__"]
