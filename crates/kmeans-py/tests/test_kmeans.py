"""kmeans_workshop.KMeans: agreement with scikit-learn, the estimator API, errors, pickling."""

import pickle
import threading

import numpy as np
import pytest

import kmeans_workshop as kw

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.cluster import KMeans as SkKMeans  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def blobs(n=2000, d=5, k=6, dtype=np.float64, seed=0, std=1.0):
    X, _ = make_blobs(n_samples=n, n_features=d, centers=k, cluster_std=std, random_state=seed)
    return np.ascontiguousarray(X, dtype=dtype)


def first_rows_init(X, k, seed=1):
    rows = np.random.default_rng(seed).choice(X.shape[0], k, replace=False)
    return X[np.sort(rows)].copy()


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-9), (np.float32, 1e-4)])
def test_agrees_with_sklearn_from_the_same_init(dtype, rtol):
    # Overlapping blobs, so Lloyd takes several iterations before it settles.
    X = blobs(n=3000, d=4, k=5, dtype=dtype, std=2.5)
    C0 = first_rows_init(X, 5)
    sk = SkKMeans(5, init=C0, n_init=1, max_iter=50, tol=0, algorithm="lloyd").fit(X)
    ours = kw.KMeans(5, init=C0, max_iter=50, tol=0).fit(X)
    assert sk.n_iter_ < 50, "scikit-learn should have converged for this comparison"
    assert ours.cluster_centers_.dtype == dtype
    np.testing.assert_allclose(ours.cluster_centers_, sk.cluster_centers_, rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(ours.labels_, sk.labels_)
    assert ours.inertia_ == pytest.approx(sk.inertia_, rel=max(rtol, 1e-7))
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))
    assert ours.labels_.dtype == np.int32


@pytest.mark.parametrize("backend", [None, "loops/iter/fused", "simd/iter/exact-par"])
def test_every_backend_lands_on_the_same_centroids(backend):
    X = blobs(n=1500, d=3, k=4)
    C0 = first_rows_init(X, 4)
    ref = SkKMeans(4, init=C0, n_init=1, max_iter=100, tol=0, algorithm="lloyd").fit(X)
    ours = kw.KMeans(4, init=C0, max_iter=100, tol=0, backend=backend).fit(X)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-9)


def test_composed_backend_name_is_accepted():
    assign, update = kw.steps()
    X = blobs(n=500, d=3, k=3)
    km = kw.KMeans(3, random_state=0, backend=f"{assign[0]}+{update[0]}").fit(X)
    assert km.cluster_centers_.shape == (3, 3)


def test_transform_score_fit_predict():
    X = blobs(n=800, d=3, k=4)
    km = kw.KMeans(4, random_state=3).fit(X)
    D = km.transform(X)
    assert D.shape == (800, 4)
    expected = np.sqrt(((X[:, None, :] - km.cluster_centers_[None]) ** 2).sum(axis=2))
    np.testing.assert_allclose(D, expected, rtol=1e-12)
    np.testing.assert_array_equal(D.argmin(axis=1), km.labels_)
    assert km.score(X) == pytest.approx(-km.inertia_, rel=1e-12)
    assert km.score(X) == pytest.approx(-(D.min(axis=1) ** 2).sum(), rel=1e-9)
    np.testing.assert_array_equal(kw.KMeans(4, random_state=3).fit_predict(X), km.labels_)
    assert km.n_features_in_ == 3
    assert 1 <= km.n_iter_ <= 300


def test_same_seed_same_result_whatever_the_threads():
    X = blobs(n=5000, d=8, k=10)
    a = kw.KMeans(10, init="random", n_init=3, random_state=7, n_threads=1).fit(X)
    b = kw.KMeans(10, init="random", n_init=3, random_state=7, n_threads=2).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert a.inertia_ == b.inertia_


@pytest.mark.parametrize("init", ["k-means++", "k-means||"])
def test_seeded_inits_find_well_separated_blobs(init):
    X = blobs(n=4000, d=4, k=8, std=0.3, seed=4)
    best = SkKMeans(8, n_init=10, random_state=0).fit(X)
    ours = kw.KMeans(8, init=init, random_state=2).fit(X)
    assert ours.inertia_ == pytest.approx(best.inertia_, rel=1e-6)


def test_more_restarts_never_end_worse():
    X = blobs(n=3000, d=4, k=12, std=3.0)
    one = kw.KMeans(12, init="random", n_init=1, random_state=5).fit(X)
    five = kw.KMeans(12, init="random", n_init=5, random_state=5).fit(X)
    assert five.inertia_ <= one.inertia_


def test_sklearn_clone_pipeline_and_params():
    km = kw.KMeans(5, init="random", n_threads=1, backend="loops/iter/fused")
    assert km.get_params()["backend"] == "loops/iter/fused"
    c = clone(km)
    assert c.get_params() == km.get_params() and c is not km
    km.set_params(n_clusters=3)
    assert km.n_clusters == 3
    X = blobs(n=600, d=4, k=3)
    pipe = make_pipeline(StandardScaler(), kw.KMeans(3, random_state=0)).fit(X)
    labels = pipe.predict(X)
    assert labels.shape == (600,) and set(np.unique(labels)) == {0, 1, 2}


def test_pickled_model_predicts_the_same():
    X = blobs(n=700, d=3, k=4, dtype=np.float32)
    km = kw.KMeans(4, random_state=1).fit(X)
    back = pickle.loads(pickle.dumps(km))
    np.testing.assert_array_equal(back.cluster_centers_, km.cluster_centers_)
    assert back.inertia_ == km.inertia_ and back.get_params() == km.get_params()
    np.testing.assert_array_equal(back.predict(X), km.predict(X))


def test_c_contiguous_float_arrays_are_used_in_place():
    for dtype in (np.float32, np.float64):
        X = blobs(n=100, d=3, k=2, dtype=dtype)
        assert kw.as_data(X) is X
        X.flags.writeable = False  # read-only buffers are fine: Rust only reads
        kw.KMeans(2, random_state=0).fit(X)


def test_other_layouts_and_dtypes_are_copied_once_and_give_the_same_fit():
    X = blobs(n=400, d=3, k=3)
    C0 = first_rows_init(X, 3)
    ref = kw.KMeans(3, init=C0, tol=0, max_iter=20).fit(X)
    for variant in (np.asfortranarray(X), np.hstack([X, X])[:, :3], X.tolist()):
        converted = kw.as_data(variant)
        assert converted.flags.c_contiguous and converted.dtype == np.float64
        km = kw.KMeans(3, init=C0, tol=0, max_iter=20).fit(variant)
        np.testing.assert_array_equal(km.cluster_centers_, ref.cluster_centers_)
    ints = np.arange(40).reshape(20, 2)
    assert kw.KMeans(2, random_state=0).fit(ints).cluster_centers_.dtype == np.float64
    big_endian = X.astype(">f8")
    np.testing.assert_array_equal(
        kw.KMeans(3, init=C0, tol=0, max_iter=20).fit(big_endian).cluster_centers_,
        ref.cluster_centers_,
    )


def test_the_fit_releases_the_gil():
    X = blobs(n=200_000, d=16, k=32, dtype=np.float32)
    km = kw.KMeans(32, init="random", tol=0, max_iter=30, n_threads=1)
    t = threading.Thread(target=km.fit, args=(X,))
    ticks = 0
    t.start()
    while t.is_alive():
        ticks += 1
    t.join()
    assert hasattr(km, "cluster_centers_")
    # With the GIL held for the whole fit this loop could not run while Rust computes.
    assert ticks > 10_000, ticks


def test_empty_clusters_never_give_nan():
    # The slides' failure: duplicated points and a far-away initial centroid.
    X = np.vstack([np.zeros((50, 2)), np.ones((50, 2)), [[5.0, 5.0]]])
    C0 = np.array([[0.0, 0.0], [100.0, 100.0], [200.0, 200.0]])
    km = kw.KMeans(3, init=C0, max_iter=10).fit(X)
    assert np.isfinite(km.cluster_centers_).all()
    assert set(np.unique(km.labels_)) == {0, 1, 2}


BAD = [
    (np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 3.0]]), 2, "non-finite value (NaN) at row 1, column 0"),
    (np.array([[1.0, 2.0], [2.0, np.inf]]), 1, "non-finite value (inf) at row 1, column 1"),
    (np.array([[1.0, 2.0], [2.0, 1.0]], dtype=np.float32) * np.float32(np.inf), 1, "non-finite"),
    (np.array([1.0, 2.0, 3.0]), 1, "must be a 2-D array"),
    (np.zeros((2, 2, 2)), 1, "must be a 2-D array"),
    (np.zeros((3, 2)) + np.arange(3)[:, None], 5, "k = 5 is larger than the number of points, n = 3"),
    (np.zeros((0, 3)), 1, "the data is empty"),
    (np.zeros((4, 0)), 1, "0 dimensions"),
    (np.ones((10, 2)), 2, "only 1 distinct point"),
    (np.array([["a", "b"]]), 1, "needs real numbers"),
    (np.array([[1 + 1j, 2]]), 1, "needs real numbers"),
    (np.array([[1e300, 0.0], [0.0, 1.0]]), 1, "too large"),
]


@pytest.mark.parametrize("X, k, message", BAD)
def test_bad_data_raises_value_error_with_the_library_message(X, k, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        kw.KMeans(k, random_state=0).fit(X)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(n_clusters=0), "n_clusters must be an integer >= 1"),
        (dict(n_clusters=-3), "n_clusters must be an integer >= 1"),
        (dict(n_clusters=2.5), "n_clusters must be an integer >= 1"),
        (dict(max_iter=0), "max_iter must be an integer >= 1"),
        (dict(max_iter=2**70), "max_iter must be an integer >= 1"),
        (dict(n_init=0), "n_init must be an integer >= 1"),
        (dict(tol=-1.0), "tol must be a finite number >= 0"),
        (dict(tol=float("nan")), "tol must be a finite number >= 0"),
        (dict(n_threads=0), "n_threads must be an integer >= 1"),
        (dict(n_threads=10**6), "invalid parameter n_threads: 1000000 is more than"),
        (dict(init="kmeans"), "init must be one of"),
        (dict(init=np.zeros((3, 2))), r"init must have shape \(n_clusters, n_features\) = \(2, 3\)"),
        (dict(init=np.array([[0.0, 0, 0], [np.nan, 0, 0]])), "initial centroids has a non-finite"),
        (dict(backend="fused"), "unknown backend 'fused'"),
        (dict(random_state=-1), "random_state must be >= 0"),
        (dict(random_state="x"), "random_state must be None"),
    ],
)
def test_bad_parameters_raise_value_error(params, message):
    X = blobs(n=50, d=3, k=2)
    params = {"n_clusters": 2, **params}
    with pytest.raises(ValueError, match=message):
        kw.KMeans(**params).fit(X)


def test_predict_errors():
    X = blobs(n=50, d=3, k=2)
    km = kw.KMeans(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="the data has 2 dimensions but the centroids have 3"):
        km.predict(X[:, :2])
    with pytest.raises(ValueError, match="row 4, column 2"):
        Y = X.copy()
        Y[4, 2] = np.nan
        km.predict(Y)
    with pytest.raises(ValueError, match="sparse"):
        from scipy import sparse

        km.predict(sparse.csr_matrix(X))
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        kw.KMeans(2).predict(X)


def test_backends_lists_names_and_dtypes():
    names = dict(kw.backends())
    assert kw.default_backend("f32") in names and kw.default_backend("f64") in names
    assert "f64" in names["loops/iter/fused"] and "f32" in names["loops/iter/fused"]


def test_the_kernels_reject_bad_arrays_with_value_error_not_a_panic():
    from kmeans_workshop import _core

    X = blobs(n=50, d=3, k=2)
    good = X[:2].copy()
    with pytest.raises(ValueError, match="the data has 3 dimensions but the centroids have 2"):
        _core.chunk_step(X, np.ascontiguousarray(good[:, :2]))
    with pytest.raises(ValueError, match="k must be at least 1"):
        _core.chunk_step(X, np.empty((0, 3)))
    with pytest.raises(ValueError, match="dtype float64"):
        _core.chunk_step(X, good.astype(np.float32))
    with pytest.raises(ValueError, match="C-contiguous"):
        _core.predict(np.asfortranarray(X), good)
    with pytest.raises(ValueError, match="float32 or float64"):
        _core.transform(X.astype(np.int64), good)
    with pytest.raises(ValueError, match="n_threads"):
        _core.chunk_min_dist(X, good, 0)
    dist, rows, labels = _core.chunk_farthest(X, good, 500)
    assert len(rows) == 50 and (np.diff(dist) <= 0).all()


@pytest.mark.parametrize("value", ["abc", "100000"])
def test_a_bad_thread_count_in_the_environment_is_a_value_error(value):
    # Rayon reads RAYON_NUM_THREADS once per process (ignoring "abc", starting minutes of
    # threads for "100000"), so the fit runs in a child with the variable set.
    import os
    import subprocess
    import sys

    code = (
        "import numpy as np, kmeans_workshop as kw\n"
        "X = np.random.default_rng(0).normal(size=(200, 3))\n"
        "km = kw.KMeans(3, n_threads=1).fit(X)\n"
        "print(km.n_iter_ > 0)\n"
        "km.set_params(n_threads=None)\n"
        "for call in (lambda: kw.KMeans(3).fit(X), lambda: km.predict(X)):\n"
        "    try:\n"
        "        call()\n"
        "        print('ran')\n"
        "    except ValueError as e:\n"
        "        print('ValueError', e)\n"
    )
    env = dict(os.environ, RAYON_NUM_THREADS=value)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    # Its own pool never reads the variable; the global pool's fit and predict refuse it.
    assert lines[0] == "True", out.stdout
    assert len(lines) == 3, out.stdout
    for line in lines[1:]:
        assert line.startswith(f'ValueError RAYON_NUM_THREADS="{value}"'), out.stdout
