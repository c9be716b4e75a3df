//! The fitted model from Rust: it knows its solver, predicts, transforms and scores, saves and
//! loads (same labels, bit-identical centroids, in f32 and f64), and a damaged file is an error
//! naming what is wrong. Plus the threads bound and the ndarray interop through the facade.

use kmeans_workshop::ndarray::{Array2, ShapeBuilder, s};
use kmeans_workshop::{
    AnyModel, Error, KMeans, KMeansModel, Matrix, Points, Scalar, Shape, data, fastest,
    load_any_model, load_model, max_threads, registry,
};

fn fitted<T: Scalar>() -> (Matrix<T>, KMeansModel<T>) {
    let blobs = data::blobs::<T>(600, 4, 3, 0.5, 11);
    let model = KMeans::new(4)
        .seed(5)
        .n_init(2)
        .fit_model(&fastest::<T>(), blobs.data.view())
        .unwrap();
    (blobs.data, model)
}

fn round_trip<T: Scalar>() {
    let (points, model) = fitted::<T>();
    assert_eq!(model.backend(), fastest::<T>().name());
    assert_eq!(model.labels().len(), 600);
    assert!(model.n_iter() >= 1 && model.n_iter() == model.history().len());
    assert_eq!(model.predict(points.view()).unwrap(), model.labels());
    let score = model.score(points.view()).unwrap();
    assert!((score + model.inertia()).abs() <= 1e-6 * model.inertia());

    let json = model.to_json();
    let loaded = load_model::<T>(&json).unwrap();
    assert_eq!(loaded.backend(), model.backend());
    assert_eq!(loaded.parameters(), model.parameters());
    assert_eq!(loaded.n_iter(), model.n_iter());
    assert_eq!(loaded.converged(), model.converged());
    assert_eq!(loaded.inertia().to_bits(), model.inertia().to_bits());
    let bits =
        |m: &Matrix<T>| -> Vec<u64> { m.as_slice().iter().map(|v| v.as_f64().to_bits()).collect() };
    assert_eq!(
        bits(loaded.centroids()),
        bits(model.centroids()),
        "centroids bit for bit"
    );
    assert_eq!(loaded.predict(points.view()).unwrap(), model.labels());
    assert!(loaded.labels().is_empty() && loaded.history().is_empty());
    match load_any_model(&json).unwrap() {
        AnyModel::F32(m) => assert_eq!((T::DTYPE.name(), m.k()), ("f32", 4)),
        AnyModel::F64(m) => assert_eq!((T::DTYPE.name(), m.k()), ("f64", 4)),
    }
}

#[test]
fn a_saved_model_reloads_and_predicts_the_same_labels_f32() {
    round_trip::<f32>();
}

#[test]
fn a_saved_model_reloads_and_predicts_the_same_labels_f64() {
    round_trip::<f64>();
}

#[test]
fn transform_is_the_distance_to_every_centroid_and_its_minimum_is_the_label() {
    let (points, model) = fitted::<f64>();
    let distances = model.transform(points.view()).unwrap();
    assert_eq!(distances.shape(), (600, 4));
    for (i, row) in distances.view().rows().enumerate() {
        let nearest = (0..4).min_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
        assert_eq!(nearest as u32, model.labels()[i]);
        let c = model.centroids().row(nearest);
        let d2: f64 = points
            .row(i)
            .iter()
            .zip(c)
            .map(|(x, y)| (x - y) * (x - y))
            .sum();
        assert!((row[nearest] - d2.sqrt()).abs() <= 1e-12 * d2.sqrt().max(1.0));
    }
    let wrong_d = Matrix::from_vec(vec![1.0f64; 10], 5, 2).unwrap();
    assert_eq!(
        model.transform(wrong_d.view()).unwrap_err(),
        Error::DimensionMismatch {
            data: 2,
            centroids: 3
        }
    );
}

fn reason(json: &str) -> String {
    match load_model::<f64>(json) {
        Err(Error::InvalidModel { reason }) => reason,
        other => panic!("expected InvalidModel, got {other:?}"),
    }
}

#[test]
fn damaged_truncated_wrong_version_and_inconsistent_files_name_what_is_wrong() {
    let (_, model) = fitted::<f64>();
    let json = model.to_json();
    assert!(reason(&json[..json.len() / 2]).contains("truncated"));
    assert!(reason("{ not json").contains("not valid model JSON"));
    assert!(reason("[1, 2, 3]").contains("not valid model JSON"));
    assert!(reason(r#"{"a": 1}"#).contains("not a model file"));
    let edit = |from: &str, to: &str| {
        assert!(json.contains(from), "{from} in {json}");
        json.replacen(from, to, 1)
    };
    assert!(
        reason(&edit("\"version\": 1", "\"version\": 2")).contains("version 2 is not supported")
    );
    assert!(
        reason(&edit("\"version\": 1", "\"version\": \"one\"")).contains("not valid model JSON")
    );
    assert!(reason(&edit("\"d\": 3", "\"d\": 4")).contains("d = 4 but centroid 0 has 3 values"));
    assert!(reason(&edit("\"k\": 4", "\"k\": 5")).contains("k = 5 but the file holds 4 centroids"));
    assert!(reason(&edit("\"k\": 4", "\"k\": 0")).contains("at least 1"));
    let backend = format!("\"backend\": \"{}\"", model.backend());
    assert!(reason(&edit(&backend, "\"backend\": \"gpu/iter/magic\"")).contains("not registered"));
    assert!(reason(&edit("\"dtype\": \"f64\"", "\"dtype\": \"f16\"")).contains("f16"));
    // A value beyond f64, and one beyond f32 in an f32 model.
    let first = model.centroids().as_slice()[0];
    let first = format!("{first}");
    assert!(json.contains(&first));
    assert!(reason(&json.replacen(&first, "1e999", 1)).contains("not valid model JSON"));
    let f32_json = fitted::<f32>().1.to_json();
    let v = format!("{}", fitted::<f32>().1.centroids().as_slice()[0]);
    let huge = f32_json.replacen(&v, "1e300", 1);
    match load_model::<f32>(&huge) {
        Err(Error::InvalidModel { reason }) => assert!(reason.contains("non-finite"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // The dtype must be the one asked for.
    match load_model::<f32>(&json) {
        Err(Error::InvalidModel { reason }) => assert!(reason.contains("f64 centroids, not f32")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn predicting_with_the_wrong_dimension_is_an_error() {
    let (_, model) = fitted::<f32>();
    let points = Matrix::from_vec(vec![0.5f32; 8], 2, 4).unwrap();
    assert_eq!(
        model.predict(points.view()).unwrap_err(),
        Error::DimensionMismatch {
            data: 4,
            centroids: 3
        }
    );
}

#[test]
fn too_many_threads_are_refused_before_a_pool_is_built() {
    let points = data::blobs::<f64>(50, 2, 2, 0.5, 1).data;
    for threads in [max_threads() + 1, 100_000, usize::MAX] {
        let e = KMeans::new(2)
            .threads(Some(threads))
            .fit_model(&fastest::<f64>(), points.view())
            .unwrap_err();
        match e {
            Error::InvalidParameter {
                name: "threads",
                reason,
            } => {
                assert!(reason.contains("4 ×"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
    }
    let ok = KMeans::new(2).threads(Some(max_threads()));
    assert!(ok.fit_model(&fastest::<f64>(), points.view()).is_ok());
}

#[test]
fn ndarray_views_go_in_without_a_copy_and_centroids_come_out_as_arrays() {
    let (points, model) = fitted::<f64>();
    let array = Array2::from_shape_vec((600, 3), points.as_slice().to_vec()).unwrap();
    let view = Points::try_from(array.view()).unwrap();
    assert_eq!(view.as_slice().as_ptr(), array.as_ptr());
    assert_eq!(model.predict(view).unwrap(), model.labels());
    let c = model.centroids_array();
    assert_eq!(c.dim(), (4, 3));
    assert_eq!(c.as_slice().unwrap(), model.centroids().as_slice());
    // A Fortran-order copy is not row-major: an error, or predicted through an explicit copy.
    let mut fortran = Array2::<f64>::zeros((600, 3).f());
    fortran.assign(&array);
    assert!(matches!(
        Points::try_from(fortran.view()),
        Err(Error::NotRowMajor { .. })
    ));
    assert_eq!(model.predict_array(fortran.view()).unwrap(), model.labels());
    assert_eq!(
        model.predict_array(array.slice(s![..10, ..])).unwrap(),
        model.labels()[..10]
    );
}

#[test]
fn compositions_are_found_by_name_in_every_backend() {
    let r = registry();
    for (name, assign, update) in [
        (
            "loops/iter/slides",
            "loops/assign/v1-literal",
            "loops/update/v1-mask",
        ),
        (
            "loops/iter/v5-lanes+one-pass",
            "loops/assign/v5-lanes",
            "loops/update/v2-one-pass",
        ),
        (
            "ndarray/iter/slides",
            "ndarray/assign/v1-norm-per-centroid",
            "ndarray/update/v1-mask",
        ),
        (
            "ndarray/iter/slides-best",
            "ndarray/assign/v5-einsum",
            "ndarray/update/csc-onehot",
        ),
        (
            "ndarray/iter/gemm+one-pass",
            "ndarray/assign/gemm",
            "ndarray/update/one-pass",
        ),
    ] {
        let v = r.iteration_named(name).unwrap_or_else(|| panic!("{name}"));
        let a = r.assign_named(assign).unwrap();
        let u = r.update_named(update).unwrap();
        // A composition's work is the sum of its parts' and its memory the larger: the parts
        // are the named ones.
        let shape = Shape::SLIDES;
        let work = a.info.work_at(shape) + u.info.work_at(shape);
        assert_eq!(v.info.work_at(shape), work, "{name}");
        let memory = a.info.memory_at(shape).max(u.info.memory_at(shape));
        assert_eq!(v.info.memory_at(shape), memory, "{name}");
        assert_eq!(v.info.precision, a.info.precision, "{name}");
    }
}
