//! The book's NumPy ↔ ndarray cheat sheet, as tests: every listing on that page is one of the
//! anchored blocks below, and each asserts the result NumPy gives (in the comment above it).

use ndarray::{Array1, Array2, Axis, Zip, array, s};

#[test]
fn none_is_insert_axis() {
    // ANCHOR: none_axis
    // x[:, None] and x[None] — views with one more axis of length 1, no copy
    let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]; // (3, 2)
    let column = x.view().insert_axis(Axis(1)); // (3, 1, 2), x[:, None]
    let row = x.view().insert_axis(Axis(0)); // (1, 3, 2), x[None]
    assert_eq!(column.shape(), &[3, 1, 2]);
    assert_eq!(row.shape(), &[1, 3, 2]);
    // x[:, None] - x[None]: every row minus every row, (3, 3, 2)
    let diff = &column - &row;
    assert_eq!(diff.shape(), &[3, 3, 2]);
    assert_eq!(diff[[2, 0, 1]], 6.0 - 2.0);
    // ANCHOR_END: none_axis
}

#[test]
fn boolean_masks_are_select_or_zip() {
    // ANCHOR: mask
    let data = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]];
    let labels = [0, 1, 0, 1];
    // data[labels == 0]: no boolean indexing; select the true positions (a copy)
    let rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == 0).collect();
    let selected = data.select(Axis(0), &rows);
    assert_eq!(selected, array![[1.0, 2.0], [5.0, 6.0]]);
    // np.where(x > 2, x, 0) — element-wise with Zip, no mask array at all
    let x = array![1.0, 3.0, 2.0, 5.0];
    let mut out = Array1::zeros(4);
    Zip::from(&mut out)
        .and(&x)
        .for_each(|o, &v| *o = if v > 2.0 { v } else { 0.0 });
    assert_eq!(out, array![0.0, 3.0, 0.0, 5.0]);
    // ANCHOR_END: mask
}

#[test]
fn add_at_and_bincount_are_loops() {
    // ANCHOR: add_at
    let data = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let labels = [1usize, 0, 1];
    // sums = np.zeros((k, d)); np.add.at(sums, labels, data)
    let mut sums = Array2::<f64>::zeros((2, 2));
    for (row, &l) in data.rows().into_iter().zip(&labels) {
        let mut sum = sums.row_mut(l);
        sum += &row;
    }
    assert_eq!(sums, array![[3.0, 4.0], [6.0, 8.0]]);
    // np.bincount(labels, minlength=k)
    let mut counts = vec![0u32; 2];
    for &l in &labels {
        counts[l] += 1;
    }
    assert_eq!(counts, [1, 2]);
    // ANCHOR_END: add_at
}

#[test]
fn einsum_is_zip_dot_or_fold() {
    // ANCHOR: einsum
    // (n, k, d) = (2, 2, 2)
    let a = array![[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]];
    // np.einsum('nkd,nkd->nk', a, a): reduce every d-lane
    let mut nk = Array2::<f64>::zeros((2, 2));
    Zip::from(&mut nk)
        .and(a.lanes(Axis(2)))
        .for_each(|o, lane| *o = lane.dot(&lane));
    assert_eq!(nk, array![[5.0, 25.0], [61.0, 113.0]]);
    // np.einsum('nd,kd->nk', x, c): a matrix product
    let (x, c) = (
        array![[1.0, 2.0], [3.0, 4.0]],
        array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
    );
    assert_eq!(x.dot(&c.t()), array![[1.0, 2.0, 3.0], [3.0, 4.0, 7.0]]);
    // np.einsum('ij->', m) and np.einsum('ij->j', m): sum, sum_axis, or a fold
    let m = array![[1.0, 2.0], [3.0, 4.0]];
    assert_eq!(m.sum(), 10.0);
    assert_eq!(m.sum_axis(Axis(0)), array![4.0, 6.0]);
    assert_eq!(m.fold(0.0, |acc, &v| acc + v * v), 30.0); // np.einsum('ij,ij->', m, m)
    // ANCHOR_END: einsum
}

#[test]
fn argmin_slicing_and_views() {
    // ANCHOR: misc
    let d = array![[3.0, 1.0, 2.0], [0.5, 0.5, 9.0]];
    // np.argmin(d, axis=1): ndarray has no argmin; the first smallest of each row
    let labels: Vec<usize> = d
        .rows()
        .into_iter()
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v < row[best] {
                    best = j;
                }
            }
            best
        })
        .collect();
    assert_eq!(labels, [1, 0]);
    // d[:, 1:], d[::2], d.T — views, as in NumPy
    assert_eq!(d.slice(s![.., 1..]), array![[1.0, 2.0], [0.5, 9.0]]);
    assert_eq!(d.slice(s![..;2, ..]).shape(), &[1, 3]);
    assert_eq!(d.t().shape(), &[3, 2]);
    // np.linalg.norm(x, axis=1) and (x**2).sum(axis=1)
    let sq = d.mapv(|v| v * v).sum_axis(Axis(1));
    assert_eq!(sq, array![14.0, 81.5]);
    assert_eq!(sq.mapv(f64::sqrt)[0], 14.0f64.sqrt());
    // ANCHOR_END: misc
}
