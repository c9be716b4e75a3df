//! Slides 65–79, the one-hot matrix and the sum by cluster, as tested examples with the slides'
//! own numbers (n = 5, d = 2, k = 3). The book includes the anchored parts.

use ndarray::{Array1, Array2, Axis, arr1, arr2};

#[test]
fn one_hot_rows_select_rows_of_the_identity() {
    // ANCHOR: onehot_eye
    // >> labels                       >> np.eye(k)[labels]
    // [1, 0, 2, 2, 1]                 one row of the identity per label
    let labels = [1usize, 0, 2, 2, 1];
    let k = 3;
    let onehot: Array2<f64> = Array2::eye(k).select(Axis(0), &labels); // (n, k)
    assert_eq!(
        onehot,
        arr2(&[
            [0., 1., 0.],
            [1., 0., 0.],
            [0., 0., 1.],
            [0., 0., 1.],
            [0., 1., 0.]
        ])
    );
    // ANCHOR_END: onehot_eye
}

#[test]
fn the_transposed_one_hot_times_the_data_sums_each_cluster() {
    let labels = [1usize, 0, 2, 2, 1];
    let onehot: Array2<f64> = Array2::eye(3).select(Axis(0), &labels);
    // ANCHOR: sum_by_cluster
    // onehot.T @ data = sum_by_cluster   (slide 72)
    let data = arr2(&[[8., 0.], [8., 6.], [1., 7.], [5., 8.], [9., 3.]]); // (n, d)
    let sum_by_cluster = onehot.t().dot(&data); // (k, n) · (n, d) → (k, d)
    assert_eq!(sum_by_cluster, arr2(&[[8., 6.], [17., 3.], [6., 15.]]));
    // Row j of onehot.T has a 1 exactly at the points labelled j: row 1 adds points 0 and 4,
    // [8, 0] + [9, 3] = [17, 3].
    // ANCHOR_END: sum_by_cluster
    // ANCHOR: counts
    // cluster_counts = np.bincount(labels, minlength=k)   (slide 77)
    let mut counts = Array1::<f64>::zeros(3);
    for &l in &labels {
        counts[l] += 1.0;
    }
    assert_eq!(counts, arr1(&[1., 2., 2.]));
    // the same counts are the row sums of onehot.T
    assert_eq!(onehot.sum_axis(Axis(0)), counts);
    // cluster_sums / cluster_counts[:, None] is the new centroids
    let centroids = &sum_by_cluster / &counts.insert_axis(Axis(1));
    assert_eq!(centroids, arr2(&[[8., 6.], [8.5, 1.5], [3., 7.5]]));
    // ANCHOR_END: counts
}
