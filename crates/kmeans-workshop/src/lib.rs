//! # kmeans-workshop
//!
//! All backends of the workshop behind one [`registry`], and [`fastest`] to pick the best
//! whole-iteration variant for a float type on this CPU. Everything of
//! [`kmeans_core`] is re-exported, so this is the one crate a user depends on.
//!
//! ```
//! use kmeans_workshop::{data, fastest, load_model, KMeans};
//!
//! // The slides' setting: 5000 uniform points in 26 dimensions, 26 clusters.
//! let points = data::uniform::<f64>(5000, 26, 0);
//! let model = KMeans::new(26).seed(42).fit_model(&fastest::<f64>(), points.view())?;
//! println!("{} iterations, inertia {:.2}", model.n_iter(), model.inertia());
//! assert_eq!(model.centroids().shape(), (26, 26));
//!
//! // Saved and loaded again, it labels points as before, with the backend that fitted it.
//! let loaded = load_model::<f64>(&model.to_json())?;
//! assert_eq!(loaded.backend(), model.backend());
//! assert_eq!(loaded.predict(points.view())?, model.labels());
//! # Ok::<(), kmeans_workshop::Error>(())
//! ```
//!
//! With the `ndarray` feature (on by default) an `ndarray::ArrayView2` in standard layout is
//! passed in without a copy (`Points::try_from(view)`), any other layout is copied explicitly
//! (`Matrix::from_array_view`), and centroids come out as `Array2` (`centroids_array`).
#![forbid(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub use kmeans_core::*;
pub use kmeans_simd::{Isa, IsaEnvError};

/// The ndarray version the interop is built for (feature `ndarray`), re-exported so that
/// callers name the same `ArrayView2`.
#[cfg(feature = "ndarray")]
pub use ndarray;

/// Check the environment variables the library reads, so a program can report a bad value
/// before any work: `KMEANS_SIMD_ISA` (see [`kmeans_simd::Isa::pinned`]; without this check a
/// bad value is ignored with one warning on stderr and the widest ISA the CPU runs is used),
/// and the thread counts of rayon's global pool ([`check_thread_env`]; a fit or predict on that
/// pool refuses a bad one anyway).
///
/// # Errors
/// [`Error::Environment`]: `KMEANS_SIMD_ISA` naming no ISA or one this CPU lacks,
/// `RAYON_NUM_THREADS` (or `RAYON_RS_NUM_CPUS`) not a whole number or above [`max_threads`].
pub fn check_environment() -> Result<()> {
    kmeans_simd::Isa::pinned().map_err(|e| Error::Environment {
        variable: kmeans_simd::ISA_ENV,
        value: e.value().to_owned(),
        reason: e.reason().to_owned(),
    })?;
    check_thread_env()
}

/// Load a model saved with [`KMeansModel::to_json`], finding its backend in [`registry`].
///
/// # Errors
/// As [`KMeansModel::from_json`]: a damaged, truncated, wrong-version or wrong-dtype file, or a
/// backend this build does not register.
pub fn load_model<T: Scalar>(json: &str) -> Result<KMeansModel<T>> {
    KMeansModel::from_json(json, |name| registry().iteration_named(name))
}

/// Load a model of either float type (the file says which), finding its backend in
/// [`registry`].
///
/// # Errors
/// As [`load_model`].
pub fn load_any_model(json: &str) -> Result<AnyModel> {
    AnyModel::from_json(json, |name| registry().iteration_named(name))
}

/// Every registered variant of every backend, backend by backend in the slides' order: plain
/// loops, then ndarray (+ sprs), then nalgebra.
pub fn registry() -> Registry {
    kmeans_loops::registry()
        .merge(kmeans_ndarray::registry())
        .merge(kmeans_nalgebra::registry())
        .merge(kmeans_simd::registry())
}

/// Whole-iteration variants from fastest to slowest as measured on x86-64 (kmeans-simd's
/// `measure` and `converge` examples; the bench harness confirms in `reports/summary.md`);
/// [`fastest`] takes the first one registered for the type. `simd/iter/auto` is
/// `dot-blocked-par`'s Lloyd with Hamerly's bounds where the shape lets them pay (fits to
/// convergence: see its docs).
pub const PREFERENCE: &[&str] = &[
    "simd/iter/auto",
    "simd/iter/dot-blocked-par",
    "simd/iter/dot-blocked-fused",
    "simd/iter/exact-par",
    "loops/iter/fused",
];

/// The fastest registered whole-iteration variant that supports `T`.
///
/// # Panics
/// Never for `f32`/`f64`: the plain-loops fused variant supports both; a test checks it.
pub fn fastest<T: Scalar>() -> IterationVariant {
    let registry = registry();
    PREFERENCE
        .iter()
        .filter_map(|name| registry.iteration_named(name))
        .find(|v| v.supports::<T>())
        .expect("the plain-loops fused variant supports every float type")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preferred_name_is_a_registered_whole_iteration() {
        let registry = registry();
        for name in PREFERENCE {
            assert!(
                registry.iterate.iter().any(|v| v.name() == *name),
                "PREFERENCE names {name}, which is not registered"
            );
        }
        // The last resort supports every float type, so `fastest` cannot fail.
        let last = registry.iteration_named(PREFERENCE[PREFERENCE.len() - 1]);
        assert!(last.is_some_and(|v| v.supports::<f32>() && v.supports::<f64>()));
    }
}

/// The README's code blocks, compiled and run as doctests so they cannot rot.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
