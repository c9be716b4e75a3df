//! Mini-batch k-means on every registered variant (each whole iteration, and each assignment
//! step composed with the reference update), through the conformance kit: what applies to a
//! stochastic fit — k finite centroids, final labels nearest to them (the kit's label slack),
//! bit-identical results for a seed and a thread count (and across 1 and 2 threads, since every
//! variant's assignment is), a starved centroid reassigned, and an inertia close to Lloyd's on
//! well-separated blobs.

use kmeans_core::testkit::check_labels;
use kmeans_workshop::reference::Reference;
use kmeans_workshop::{
    Init, IterationVariant, KMeans, Matrix, MiniBatchKMeans, Points, Scalar, UpdateVariant,
    VariantInfo, data, registry,
};

/// Every whole iteration, plus every assignment step composed with the reference update (the
/// mini-batch fit only calls `assign`, so this covers every assignment kernel).
fn variants() -> Vec<IterationVariant> {
    let r = registry();
    let reference = UpdateVariant::new(
        VariantInfo::new("reference/update/exact", "oracle"),
        Reference,
    );
    let mut all = r.iterate.clone();
    all.extend(
        r.assign
            .iter()
            .map(|a| IterationVariant::compose_named(a, &reference)),
    );
    all
}

fn check<T: Scalar>(variant: &IterationVariant) -> Result<bool, String> {
    if !variant.supports::<T>() {
        return Ok(false);
    }
    let precision = variant.info.precision;
    let blobs = data::blobs::<T>(3000, 6, 5, 0.3, 11);
    let lloyd = KMeans::new(6)
        .seed(2)
        .fit(&Reference, blobs.data.view())
        .map_err(|e| e.to_string())?;
    // Two tight groups and a far initial centroid that no batch point is nearest to.
    let rows: Vec<[T; 2]> = (0..400)
        .map(|i| {
            [
                T::of_f64((i % 2) as f64 * 10.0 + i as f64 * 1e-3),
                T::of_f64(1.0),
            ]
        })
        .collect();
    let groups = Matrix::from_rows(&rows).map_err(|e| e.to_string())?;
    let far =
        Matrix::from_rows(&[[0.0, 1.0], [10.0, 1.0], [500.0, 500.0]].map(|r| r.map(T::of_f64)))
            .map_err(|e| e.to_string())?;
    let cases: Vec<(&str, Points<'_, T>, MiniBatchKMeans<T>)> = vec![
        (
            "blobs, k-means++",
            blobs.data.view(),
            MiniBatchKMeans::new(6).batch_size(200).seed(5),
        ),
        (
            "starved centroid",
            groups.view(),
            MiniBatchKMeans::new(3)
                .init(Init::Centroids(far))
                .batch_size(64)
                .max_iter(3)
                .seed(1),
        ),
    ];
    for (what, data, params) in cases {
        let context = |e: String| format!("mini-batch on {what}: {e}");
        let fit = |threads| {
            params
                .clone()
                .threads(Some(threads))
                .fit_variant(variant, data)
                .map_err(|e| context(e.to_string()))
        };
        let (one, again, two) = (fit(1)?, fit(1)?, fit(2)?);
        if again.centroids != one.centroids || again.labels != one.labels {
            return Err(context("the same seed gave a different result".into()));
        }
        if two.centroids != one.centroids
            || two.labels != one.labels
            || two.inertia.to_bits() != one.inertia.to_bits()
        {
            return Err(context("1 and 2 threads give different results".into()));
        }
        if one.centroids.shape() != (params.k(), data.d()) {
            return Err(context(format!(
                "centroids of shape {:?}",
                one.centroids.shape()
            )));
        }
        if one.centroids.as_slice().iter().any(|v| !v.is_finite()) || !one.inertia.is_finite() {
            return Err(context(format!("non-finite result: {:?}", one.centroids)));
        }
        check_labels(precision, data, one.centroids.view(), &one.labels)
            .map_err(|e| context(format!("final labels: {e}")))?;
        if what.starts_with("blobs") && one.inertia > lloyd.inertia * 1.05 {
            return Err(context(format!(
                "inertia {} more than 5 % above Lloyd's {}",
                one.inertia, lloyd.inertia
            )));
        }
        if what.starts_with("starved") {
            if one.history.iter().all(|h| h.reassigned == 0) {
                return Err(context("the far centroid was never reassigned".into()));
            }
            if one.centroids.row(2)[0].as_f64() > 20.0 {
                return Err(context(format!(
                    "the far centroid stayed: {:?}",
                    one.centroids
                )));
            }
        }
    }
    Ok(true)
}

fn run<T: Scalar>() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for v in variants() {
        match check::<T>(&v) {
            Ok(true) => checked += 1,
            Ok(false) => {}
            Err(e) => failures.push(format!("{} [{}]: {e}", v.info.name, T::DTYPE)),
        }
    }
    assert!(checked > 0, "no variant was checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("mini-batch {}: {checked} variants conform", T::DTYPE);
}

#[test]
fn minibatch_on_every_variant_f64() {
    run::<f64>();
}

#[test]
fn minibatch_on_every_variant_f32() {
    run::<f32>();
}
