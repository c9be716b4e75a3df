//! The Lloyd driver's contract: errors for every kind of bad input, determinism, convergence
//! rules, restarts, relocation of empty clusters, and scikit-learn's golden example.

use std::sync::{Arc, Mutex};

use kmeans_core::reference::Reference;
use kmeans_core::{Error, Init, KMeans, Matrix, Points, data, predict, relocate_empty_clusters};

fn m(rows: &[&[f64]]) -> Matrix<f64> {
    Matrix::from_rows(rows).unwrap()
}

fn fit_err(params: KMeans<f64>, data: Points<'_, f64>) -> Error {
    params.fit(&Reference, data).unwrap_err()
}

#[test]
fn empty_input_is_an_error() {
    let empty = Points::<f64>::new(&[], 3).unwrap();
    assert_eq!(fit_err(KMeans::new(1), empty), Error::EmptyInput);
    assert_eq!(
        Matrix::<f64>::from_rows::<Vec<f64>>(&[]).unwrap_err(),
        Error::EmptyInput
    );
}

#[test]
fn shape_errors_name_the_shape() {
    assert_eq!(
        Points::<f64>::new(&[1.0; 7], 0).unwrap_err(),
        Error::ZeroDimensions
    );
    let e = Points::<f64>::new(&[1.0; 7], 3).unwrap_err();
    assert_eq!(e, Error::RaggedBuffer { len: 7, d: 3 });
    assert_eq!(
        e.to_string(),
        "a buffer of 7 values is not a whole number of rows of 3 values"
    );
    let e = Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0], vec![4.0, 5.0]]).unwrap_err();
    assert_eq!(e.to_string(), "row 1 has 1 values but row 0 has 2");
    let e = Points::<f64>::with_shape(&[1.0; 6], 2, 2).unwrap_err();
    assert!(
        matches!(
            e,
            Error::ShapeMismatch {
                expected: (2, 2),
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn k_out_of_range_is_an_error() {
    let d = data::uniform::<f64>(5, 2, 1);
    assert_eq!(fit_err(KMeans::new(0), d.view()), Error::ZeroClusters);
    let e = fit_err(KMeans::new(6), d.view());
    assert_eq!(e, Error::TooManyClusters { k: 6, n: 5 });
    assert_eq!(
        e.to_string(),
        "k = 6 is larger than the number of points, n = 5"
    );
}

#[test]
fn too_few_distinct_points_is_an_error() {
    // Three distinct points (0.0 and -0.0 are the same point), k = 4.
    let d = m(&[
        &[0.0, 1.0],
        &[-0.0, 1.0],
        &[2.0, 2.0],
        &[2.0, 2.0],
        &[3.0, 1.0],
    ]);
    let e = fit_err(KMeans::new(4), d.view());
    assert_eq!(e, Error::TooFewDistinct { k: 4, distinct: 3 });
    assert!(KMeans::new(3).fit(&Reference, d.view()).is_ok());
}

#[test]
fn non_finite_values_name_row_and_column() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let d = m(&[&[0.0, 1.0], &[2.0, 3.0], &[4.0, bad]]);
        let e = fit_err(KMeans::new(2), d.view());
        assert!(
            matches!(
                e,
                Error::NonFinite {
                    what: "data",
                    row: 2,
                    col: 1,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("row 2, column 1"), "{e}");
    }
    let f = Matrix::<f32>::from_rows(&[[1.0f32], [f32::NAN]]).unwrap();
    let e = KMeans::new(1).fit(&Reference, f.view()).unwrap_err();
    assert!(
        matches!(e, Error::NonFinite { row: 1, col: 0, .. }),
        "{e:?}"
    );
}

#[test]
fn values_that_would_overflow_squared_distances_are_an_error() {
    let f = Matrix::<f32>::from_rows(&[[1.0f32, 0.0], [0.0, 3e19]]).unwrap();
    let e = KMeans::new(1).fit(&Reference, f.view()).unwrap_err();
    assert!(
        matches!(e, Error::ValueTooLarge { row: 1, col: 1, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("overflow"), "{e}");
    // The same magnitude is fine in f64.
    let d = f.cast::<f64>();
    assert!(KMeans::new(1).fit(&Reference, d.view()).is_ok());
}

#[test]
fn invalid_parameters_are_errors() {
    let d = data::uniform::<f64>(20, 2, 1);
    let name = |e: Error| match e {
        Error::InvalidParameter { name, .. } => name,
        other => panic!("expected InvalidParameter, got {other:?}"),
    };
    assert_eq!(
        name(fit_err(KMeans::new(2).max_iter(0), d.view())),
        "max_iter"
    );
    assert_eq!(name(fit_err(KMeans::new(2).n_init(0), d.view())), "n_init");
    assert_eq!(name(fit_err(KMeans::new(2).tol(-1.0), d.view())), "tol");
    assert_eq!(name(fit_err(KMeans::new(2).tol(f64::NAN), d.view())), "tol");
    assert_eq!(
        name(fit_err(KMeans::new(2).threads(Some(0)), d.view())),
        "threads"
    );
}

#[test]
fn given_centroids_are_checked() {
    let d = data::uniform::<f64>(20, 2, 1);
    let wrong = data::uniform::<f64>(3, 3, 1);
    let e = fit_err(KMeans::new(3).init(Init::Centroids(wrong)), d.view());
    assert_eq!(
        e.to_string(),
        "initial centroids must have shape (3, 2) but has shape (3, 3)",
    );
    let nan = m(&[&[0.0, 0.0], &[f64::NAN, 1.0]]);
    let e = fit_err(KMeans::new(2).init(Init::Centroids(nan)), d.view());
    assert!(
        matches!(
            e,
            Error::NonFinite {
                what: "initial centroids",
                row: 1,
                col: 0,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn predict_checks_dimensions_and_values() {
    let d = data::uniform::<f64>(20, 2, 1);
    let c = data::uniform::<f64>(3, 3, 1);
    let e = predict(&Reference, d.view(), c.view()).unwrap_err();
    assert_eq!(
        e,
        Error::DimensionMismatch {
            data: 2,
            centroids: 3
        }
    );
    let bad = m(&[&[0.0, f64::INFINITY]]);
    let e = predict(&Reference, bad.view(), m(&[&[0.0, 0.0]]).view()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonFinite {
                what: "data",
                row: 0,
                col: 1,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn same_seed_same_result_different_seed_different_init() {
    let d = data::uniform::<f64>(400, 5, 3);
    let fit = |seed| {
        KMeans::new(6)
            .seed(seed)
            .max_iter(5)
            .tol(0.0)
            .fit(&Reference, d.view())
            .unwrap()
    };
    let (a, b, c) = (fit(9), fit(9), fit(10));
    assert_eq!(a.centroids, b.centroids);
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.inertia.to_bits(), b.inertia.to_bits());
    assert_ne!(a.centroids, c.centroids);
}

#[test]
fn tol_zero_runs_exactly_max_iter_and_tol_stops_early() {
    let b = data::blobs::<f64>(600, 3, 2, 0.2, 5);
    let fixed = KMeans::new(3)
        .seed(1)
        .max_iter(40)
        .tol(0.0)
        .fit(&Reference, b.data.view())
        .unwrap();
    assert_eq!(fixed.iterations, 40);
    assert_eq!(fixed.history.len(), 40);
    assert!(
        fixed.converged,
        "labels stop changing on well-separated blobs"
    );
    let early = KMeans::new(3)
        .seed(1)
        .max_iter(40)
        .fit(&Reference, b.data.view())
        .unwrap();
    assert!(early.converged);
    assert!(early.iterations < 40, "ran {}", early.iterations);
    assert_eq!(early.centroids, fixed.centroids);
}

#[test]
fn not_converging_within_max_iter_is_reported() {
    let d = data::uniform::<f64>(2000, 4, 8);
    let fit = KMeans::new(20)
        .seed(2)
        .max_iter(2)
        .tol(1e-12)
        .fit(&Reference, d.view())
        .unwrap();
    assert_eq!(fit.iterations, 2);
    assert!(!fit.converged);
}

#[test]
fn labels_match_the_returned_centroids_and_predict() {
    let d = data::uniform::<f64>(500, 3, 4);
    let fit = KMeans::slides(7, 3)
        .seed(3)
        .fit(&Reference, d.view())
        .unwrap();
    let labels = fit.predict(&Reference, d.view()).unwrap();
    assert_eq!(labels, fit.labels);
    let (_, inertia) = predict(&Reference, d.view(), fit.centroids.view()).unwrap();
    assert_eq!(inertia, fit.inertia);
}

#[test]
fn more_restarts_never_do_worse() {
    let d = data::uniform::<f64>(300, 2, 6);
    let one = KMeans::new(8)
        .init(Init::Random)
        .seed(4)
        .fit(&Reference, d.view())
        .unwrap();
    let five = KMeans::new(8)
        .init(Init::Random)
        .seed(4)
        .n_init(5)
        .fit(&Reference, d.view())
        .unwrap();
    assert!(five.inertia <= one.inertia);
    let runs: std::collections::BTreeSet<usize> = five.history.iter().map(|h| h.run).collect();
    assert_eq!(runs.len(), 1, "history is the kept run's only");
}

#[test]
fn observer_sees_every_iteration() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let d = data::uniform::<f64>(100, 2, 1);
    let fit = KMeans::slides(4, 6)
        .on_iteration(move |log| sink.lock().unwrap().push(log.iteration))
        .fit(&Reference, d.view())
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(fit.history.len(), 6);
}

#[test]
fn an_empty_cluster_is_relocated_to_the_farthest_point_never_nan() {
    // Centroid 2 starts far from everything, so the first assignment leaves it empty.
    let d = m(&[&[0.0], &[1.0], &[2.0], &[10.0], &[11.0], &[30.0]]);
    let init = m(&[&[1.0], &[10.0], &[1000.0]]);
    let fit = KMeans::new(3)
        .init(Init::Centroids(init))
        .max_iter(10)
        .fit(&Reference, d.view())
        .unwrap();
    assert_eq!(fit.history[0].relocated, 1);
    // The point farthest from its centroid (30, at distance 20 from 10) founds cluster 2.
    assert_eq!(fit.centroids.as_slice(), &[1.0, 10.5, 30.0]);
    assert_eq!(fit.labels, vec![0, 0, 0, 1, 1, 2]);
    assert!(fit.centroids.as_slice().iter().all(|v| v.is_finite()));
}

#[test]
fn relocation_keeps_the_donor_cluster_mean_exact() {
    let d = m(&[&[0.0], &[2.0], &[4.0], &[100.0]]);
    let old = m(&[&[2.0], &[100.0], &[-50.0]]);
    // As the slides' update leaves it: cluster 2 empty (NaN row), clusters 0 and 1 averaged.
    let mut labels = vec![0, 0, 0, 1];
    let mut next = m(&[&[2.0], &[100.0], &[f64::NAN]]);
    let mut counts = vec![3, 1, 0];
    let moved = relocate_empty_clusters(d.view(), old.view(), &mut labels, &mut next, &mut counts);
    assert_eq!(moved, 1);
    // 100 is farthest from nothing (distance 0 to its own centroid); 0 and 4 are at distance 4;
    // the lower index (0) moves, and cluster 0's mean becomes mean(2, 4) = 3.
    assert_eq!(next.as_slice(), &[3.0, 100.0, 0.0]);
    assert_eq!(counts, vec![2, 1, 1]);
    assert_eq!(labels, vec![2, 0, 0, 1]);
}

#[test]
fn scikit_learn_golden_example() {
    // sklearn/cluster/tests/test_k_means.py: X = [[0,0],[.5,0],[.5,1],[1,1]], sample weights
    // [3,1,1,3], init [[0,0],[1,1]] ⇒ centres [[.125,0],[.875,1]]. Weights as repeated points:
    let x = m(&[
        &[0.0, 0.0],
        &[0.0, 0.0],
        &[0.0, 0.0],
        &[0.5, 0.0],
        &[0.5, 1.0],
        &[1.0, 1.0],
        &[1.0, 1.0],
        &[1.0, 1.0],
    ]);
    let init = m(&[&[0.0, 0.0], &[1.0, 1.0]]);
    let fit = KMeans::new(2)
        .init(Init::Centroids(init))
        .fit(&Reference, x.view())
        .unwrap();
    assert_eq!(fit.centroids.as_slice(), &[0.125, 0.0, 0.875, 1.0]);
    assert_eq!(fit.labels, vec![0, 0, 0, 0, 1, 1, 1, 1]);
    assert!(fit.converged);
    assert_eq!(
        fit.inertia,
        2.0 * (3.0 * 0.125f64.powi(2) + 0.375f64.powi(2))
    );
}

#[test]
fn the_first_bad_value_is_named_whatever_chunk_holds_it() {
    // Bad values in two chunks of the parallel check: the error names the earlier one.
    let mut data = data::uniform::<f64>(30_000, 3, 9);
    let (first, later) = (12_345, 25_000);
    data.row_mut(later)[0] = f64::NAN;
    data.row_mut(first)[2] = f64::INFINITY;
    let err = fit_err(KMeans::new(2), data.view());
    assert!(
        matches!(err, Error::NonFinite { row, col: 2, .. } if row == first),
        "{err}"
    );
}

#[test]
fn column_variance_is_exact_far_from_the_origin() {
    // Columns at 1e8 ± small spread: one shifted pass matches the two-pass definition.
    let rows: Vec<[f64; 2]> = (0..50_001)
        .map(|i| [1e8 + (i % 7) as f64, -3e7 + 0.5 * (i % 3) as f64])
        .collect();
    let data = Matrix::from_rows(&rows).unwrap();
    let n = rows.len() as f64;
    let two_pass: f64 = (0..2)
        .map(|j| {
            let mean = rows.iter().map(|r| r[j]).sum::<f64>() / n;
            rows.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / n
        })
        .sum::<f64>()
        / 2.0;
    let one_pass = kmeans_core::mean_column_variance(data.view());
    assert!(
        (one_pass - two_pass).abs() <= 1e-9 * two_pass,
        "{one_pass} vs {two_pass}"
    );
}

#[test]
fn column_variance_covers_every_column_whatever_d() {
    // Columns are summed eight at a time, then one by one, down blocks of 16 KiB of rows:
    // every d around those groups (and rows longer than a block: d = 2049), each column with
    // its own spread, against the two-pass definition.
    for d in [1, 3, 7, 8, 9, 16, 19, 300, 2049] {
        let n = if d > 100 { 700 } else { 5000 };
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..d)
                    .map(|j| ((i * (j + 3)) % 101) as f64 * (j + 1) as f64)
                    .collect()
            })
            .collect();
        let data = Matrix::from_rows(&rows).unwrap();
        let two_pass: f64 = (0..d)
            .map(|j| {
                let mean = rows.iter().map(|r| r[j]).sum::<f64>() / n as f64;
                rows.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / n as f64
            })
            .sum::<f64>()
            / d as f64;
        let one_pass = kmeans_core::mean_column_variance(data.view());
        assert!(
            (one_pass - two_pass).abs() <= 1e-10 * two_pass,
            "d = {d}: {one_pass} vs {two_pass}"
        );
    }
}

#[test]
fn a_converged_fit_returns_the_labels_and_inertia_of_its_centroids() {
    // Converges well before max_iter: the labels and inertia returned without a final pass
    // equal a fresh prediction against the returned centroids.
    let blobs = data::blobs::<f64>(3000, 4, 3, 0.2, 8);
    let fit = KMeans::new(4)
        .seed(1)
        .tol(0.0)
        .max_iter(60)
        .fit(&Reference, blobs.data.view())
        .unwrap();
    assert!(fit.converged && fit.iterations == 60);
    let (labels, inertia) = predict(&Reference, blobs.data.view(), fit.centroids.view()).unwrap();
    assert_eq!(labels, fit.labels);
    assert_eq!(inertia.to_bits(), fit.inertia.to_bits());
}

#[test]
fn the_fused_check_and_variance_pass_matches_the_separate_passes() {
    use kmeans_core::validate::{check_values, check_values_and_variance};
    // Bit for bit: every d around the eight-column blocks, n around the chunks of 4096 rows
    // (and, for rows of 300 and 2049 values, around the 16 KiB blocks of rows inside a chunk).
    for d in [1, 7, 8, 9, 19, 300, 2049] {
        let ns: &[usize] = if d > 100 {
            &[1, 13, 14, 4097]
        } else {
            &[1, 4095, 4096, 4097, 9000]
        };
        for &n in ns {
            let x = data::uniform::<f32>(n, d, (n + d) as u64);
            let fused = check_values_and_variance("data", x.view()).unwrap();
            let separate = kmeans_core::mean_column_variance(x.view());
            assert_eq!(fused.to_bits(), separate.to_bits(), "f32 n = {n}, d = {d}");
            let x = x.cast::<f64>();
            let fused = check_values_and_variance("data", x.view()).unwrap();
            let separate = kmeans_core::mean_column_variance(x.view());
            assert_eq!(fused.to_bits(), separate.to_bits(), "f64 n = {n}, d = {d}");
        }
    }
    let empty = Points::<f32>::new(&[], 3).unwrap();
    assert_eq!(kmeans_core::mean_column_variance(empty), 0.0);
    assert_eq!(check_values_and_variance("data", empty), Ok(0.0));
    // And the same error, naming the first bad value in row order, for every kind of bad value.
    let mut x = data::uniform::<f32>(20_000, 5, 3);
    x.row_mut(17_000)[1] = f32::NAN;
    x.row_mut(9_001)[4] = 3e19;
    let want = check_values("data", x.view()).unwrap_err();
    assert!(
        matches!(
            want,
            Error::ValueTooLarge {
                row: 9_001,
                col: 4,
                ..
            }
        ),
        "{want:?}"
    );
    assert_eq!(
        check_values_and_variance("data", x.view()).unwrap_err(),
        want
    );
    x.row_mut(5)[0] = f32::NEG_INFINITY;
    let want = check_values("data", x.view()).unwrap_err();
    assert!(
        matches!(want, Error::NonFinite { row: 5, col: 0, .. }),
        "{want:?}"
    );
    assert_eq!(
        check_values_and_variance("data", x.view()).unwrap_err(),
        want
    );
}

#[test]
fn fits_with_and_without_a_tolerance_reject_bad_data_alike() {
    // tol > 0 checks the data in the variance's pass; tol = 0 with k-means++ on its own; a
    // random or given init without a tolerance in the first iteration: the same errors.
    let mut x = data::uniform::<f64>(10_000, 3, 4);
    x.row_mut(7_777)[2] = f64::INFINITY;
    let given = Init::Centroids(Matrix::from_vec(vec![0.5; 9], 3, 3).unwrap());
    for threads in [None, Some(1), Some(2)] {
        let with = fit_err(KMeans::new(3).tol(1e-4).threads(threads), x.view());
        for init in [Init::KMeansPlusPlus, Init::Random, given.clone()] {
            let params = KMeans::new(3).tol(0.0).init(init).threads(threads);
            assert_eq!(fit_err(params, x.view()), with);
        }
        assert!(
            matches!(
                with,
                Error::NonFinite {
                    row: 7_777,
                    col: 2,
                    ..
                }
            ),
            "{with:?}"
        );
    }
    let few = m(&[&[1.0, 1.0], &[1.0, 1.0], &[2.0, 2.0]]);
    for (tol, init) in [
        (0.0, Init::Random),
        (0.0, Init::KMeansPlusPlus),
        (1e-4, Init::Random),
    ] {
        assert_eq!(
            fit_err(KMeans::new(3).tol(tol).init(init), few.view()),
            Error::TooFewDistinct { k: 3, distinct: 2 }
        );
    }
    // Bad given centroids and bad data: the centroids are named first, whatever the tolerance.
    let wrong = Init::Centroids(Matrix::from_vec(vec![0.5; 4], 2, 2).unwrap());
    for tol in [0.0, 1e-4] {
        let e = fit_err(KMeans::new(2).tol(tol).init(wrong.clone()), x.view());
        assert!(matches!(e, Error::ShapeMismatch { .. }), "{e:?}");
    }
    // Too few distinct points and a bad value: the value is named first, as before.
    let both = m(&[&[1.0, 1.0], &[1.0, 1.0], &[2.0, f64::NAN]]);
    for tol in [0.0, 1e-4] {
        let e = fit_err(KMeans::new(3).tol(tol).init(Init::Random), both.view());
        assert!(
            matches!(e, Error::NonFinite { row: 2, col: 1, .. }),
            "{e:?}"
        );
    }
}
