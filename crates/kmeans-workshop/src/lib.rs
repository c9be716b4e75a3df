//! # kmeans-workshop
//!
//! All backends of the workshop behind one [`registry`], and [`fastest`] to pick the best
//! whole-iteration variant for a float type on this CPU. Everything of
//! [`kmeans_core`] is re-exported, so this is the one crate a user depends on.
//!
//! ```
//! use kmeans_workshop::{data, fastest, KMeans};
//!
//! // The slides' setting: 5000 uniform points in 26 dimensions, 26 clusters.
//! let points = data::uniform::<f64>(5000, 26, 0);
//! let fit = KMeans::new(26).seed(42).fit_variant(&fastest::<f64>(), points.view())?;
//! println!("{} iterations, inertia {:.2}", fit.iterations, fit.inertia);
//! assert_eq!(fit.centroids.shape(), (26, 26));
//! # Ok::<(), kmeans_workshop::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub use kmeans_core::*;

/// Every registered variant of every backend, backend by backend in the slides' order: plain
/// loops, then ndarray (+ sprs), then nalgebra.
pub fn registry() -> Registry {
    kmeans_loops::registry()
        .merge(kmeans_ndarray::registry())
        .merge(kmeans_nalgebra::registry())
        .merge(kmeans_simd::registry())
}

/// Whole-iteration variants from fastest to slowest as measured on x86-64 (kmeans-simd's
/// `measure` example; the bench harness will confirm in `reports/summary.md`); [`fastest`]
/// takes the first one registered for the type.
pub const PREFERENCE: &[&str] = &[
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

/// The README's code blocks, compiled and run as doctests so they cannot rot.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
