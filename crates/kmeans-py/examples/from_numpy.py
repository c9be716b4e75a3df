"""The workshop's setting, fitted from NumPy by the Rust library (the book's "From NumPy").

    python examples/from_numpy.py

Checks itself against the slides' NumPy loop: same initial centroids, same 50 iterations.
"""

# ANCHOR: call
import numpy as np
import kmeans_workshop

rng = np.random.default_rng(0)
data = rng.uniform(size=(5000, 26))  # the slides' setting: n = 5000, d = 26, k = 26
init = data[rng.choice(len(data), 26, replace=False)]

km = kmeans_workshop.KMeans(n_clusters=26, init=init, max_iter=50, tol=0).fit(data)
print(km.inertia_, km.n_iter_, km.cluster_centers_.shape)
# ANCHOR_END: call


def numpy_kmeans(data, centroids, num_iter):
    """The slides' fastest NumPy loop in brief: the GEMM trick, then a one-hot matmul update."""
    k = centroids.shape[0]
    for _ in range(num_iter):
        scores = (centroids**2).sum(axis=1) - 2 * data @ centroids.T
        labels = scores.argmin(axis=1)
        one_hot = np.zeros((k, len(data)))
        one_hot[labels, np.arange(len(data))] = 1
        centroids = (one_hot @ data) / one_hot.sum(axis=1, keepdims=True)
    return centroids


if __name__ == "__main__":
    reference = numpy_kmeans(data, init, 50)
    if np.isnan(reference).any():  # the slides' update divides 0 by 0 for an empty cluster
        raise SystemExit("the NumPy loop emptied a cluster: pick another seed for this check")
    np.testing.assert_allclose(km.cluster_centers_, reference, rtol=1e-9, atol=1e-12)
    print("the Rust fit and the NumPy loop agree (50 iterations, rtol 1e-9)")
