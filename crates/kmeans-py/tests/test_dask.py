"""kmeans_workshop.dask.KMeans on a real 2-worker cluster (separate processes, loopback only)."""

import numpy as np
import pytest

import kmeans_workshop as kw

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
import kmeans_workshop.dask as kwd  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def blobs(n, d, k, dtype=np.float64, std=2.0, seed=0):
    X, _ = make_blobs(n_samples=n, n_features=d, centers=k, cluster_std=std, random_state=seed)
    return np.ascontiguousarray(X, dtype=dtype)


def test_the_cluster_has_two_worker_processes(client):
    import os

    pids = client.run(os.getpid)
    assert len(pids) == 2 and len(set(pids.values())) == 2
    assert os.getpid() not in pids.values()
    assert all(addr.startswith("tcp://127.0.0.1:") for addr in pids)


@pytest.mark.parametrize("tol", [0.0, 1e-4])
def test_same_init_same_fit_as_in_memory_f64(client, tol):
    X = blobs(4000, 6, 7, std=3.0)
    C0 = X[np.random.default_rng(2).choice(4000, 7, replace=False)]
    mem = kw.KMeans(7, init=C0, max_iter=60, tol=tol).fit(X)
    dX = da.from_array(X, chunks=(700, 6))  # 6 blocks, the last one short
    dk = kwd.KMeans(7, init=C0, max_iter=60, tol=tol).fit(dX)
    assert dk.n_iter_ == mem.n_iter_
    np.testing.assert_allclose(dk.cluster_centers_, mem.cluster_centers_, rtol=1e-9, atol=0)
    assert dk.inertia_ == pytest.approx(mem.inertia_, rel=1e-9)
    np.testing.assert_array_equal(dk.labels_.compute(), mem.labels_)
    np.testing.assert_array_equal(dk.predict(dX).compute(), mem.labels_)
    np.testing.assert_array_equal(dk.predict(X), mem.labels_)


def test_same_init_same_fit_as_in_memory_f32(client):
    X = blobs(3000, 8, 5, dtype=np.float32, std=2.5)
    C0 = X[:5].copy()
    mem = kw.KMeans(5, init=C0, max_iter=40, tol=0).fit(X)
    dk = kwd.KMeans(5, init=C0, max_iter=40, tol=0).fit(da.from_array(X, chunks=(1000, 8)))
    assert dk.cluster_centers_.dtype == np.float32
    np.testing.assert_allclose(dk.cluster_centers_, mem.cluster_centers_, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(dk.labels_.compute(), mem.labels_)


def test_empty_clusters_are_relocated_as_in_memory(client):
    X = blobs(2000, 3, 4, std=1.0)
    # Two initial centroids so far away that no point picks them: both clusters start empty.
    C0 = np.vstack([X[:3], [[1e4, 1e4, 1e4]], [[-1e4, 2e4, 0.0]]])
    mem = kw.KMeans(5, init=C0, max_iter=30, tol=0).fit(X)
    dk = kwd.KMeans(5, init=C0, max_iter=30, tol=0).fit(da.from_array(X, chunks=(300, 3)))
    assert np.isfinite(dk.cluster_centers_).all()
    np.testing.assert_allclose(dk.cluster_centers_, mem.cluster_centers_, rtol=1e-9)
    np.testing.assert_array_equal(dk.labels_.compute(), mem.labels_)


def test_kmeans_parallel_init_is_deterministic_and_finds_the_blobs(client):
    X = blobs(6000, 4, 8, std=0.5, seed=3)
    dX = da.from_array(X, chunks=(1000, 4))
    a = kwd.KMeans(8, random_state=11).fit(dX)
    b = kwd.KMeans(8, random_state=11).fit(dX.rechunk((1000, 4)))
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    best = kw.KMeans(8, n_init=5, random_state=0).fit(X)
    assert a.inertia_ <= best.inertia_ * (1 + 1e-9)


def test_random_init_and_threaded_scheduler_without_client():
    X = blobs(1000, 3, 3)
    dX = da.from_array(X, chunks=(250, 3))
    with distributed_free_scheduler():
        a = kwd.KMeans(3, init="random", random_state=4).fit(dX)
    b = kw.KMeans(3, init=a_init(X, 3, 4), tol=1e-4).fit(X)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-9)


def a_init(X, k, seed):
    # What the Dask front end's init="random" picks: sorted distinct rows from the seed.
    rows = np.sort(np.random.default_rng(seed).choice(X.shape[0], k, replace=False))
    return X[rows]


def distributed_free_scheduler():
    import dask

    return dask.config.set(scheduler="threads")


def test_bad_data_names_the_global_row(client):
    X = blobs(1000, 3, 3)
    X[734, 2] = np.nan
    with pytest.raises(ValueError, match=r"non-finite value \(NaN\) at row 734, column 2"):
        kwd.KMeans(3).fit(da.from_array(X, chunks=(200, 3)))
    with pytest.raises(ValueError, match="k = 10 is larger than the number of points, n = 5"):
        kwd.KMeans(10).fit(da.from_array(X[:5], chunks=(2, 3)))
    with pytest.raises(ValueError, match="must be a 2-D array"):
        kwd.KMeans(2).fit(da.ones(10, chunks=5))


def test_columns_split_across_blocks_are_rechunked(client):
    X = blobs(900, 6, 3)
    C0 = X[:3].copy()
    mem = kw.KMeans(3, init=C0, max_iter=20, tol=0).fit(X)
    dk = kwd.KMeans(3, init=C0, max_iter=20, tol=0).fit(da.from_array(X, chunks=(300, 2)))
    np.testing.assert_allclose(dk.cluster_centers_, mem.cluster_centers_, rtol=1e-9)
