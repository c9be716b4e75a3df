//! # kmeans-loops
//!
//! The workshop's ladder in plain `Vec`/slice loops, without any array library: what each of
//! the slides' NumPy tricks buys once the interpreter is gone, and what is left to gain.
//!
//! In Python the first lesson is "leave the loop to NumPy". In Rust a loop is already compiled,
//! so the rungs that matter are the ones about *work* and *memory*: no allocation per pair, no
//! square root, no stored intermediate, and sums the compiler may vectorise.
//!
//! ```
//! use kmeans_core::{data, KMeans};
//!
//! let registry = kmeans_loops::registry();
//! let fastest = registry.iteration_named("loops/iter/fused").expect("registered");
//! let points = data::uniform::<f64>(1000, 4, 1);
//! let fit = KMeans::new(5).seed(3).fit_variant(&fastest, points.view())?;
//! assert_eq!(fit.labels.len(), 1000);
//! # Ok::<(), kmeans_core::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod assign;
pub mod fused;
pub mod update;

use kmeans_core::{AssignVariant, IterationVariant, Registry, Shape, UpdateVariant, VariantInfo};

/// Every plain-loops variant, in the slides' order.
pub fn registry() -> Registry {
    let elem = |s: Shape| s.elem as f64;
    let assign = vec![
        AssignVariant::new(
            VariantInfo::new(
                "loops/assign/v1-literal",
                "the slides' code as written: a new difference Vec per (point, centroid), sqrt, a list of distances, argmin",
            )
            .slide("32 · Original Assignment Step")
            .memory(move |s| (s.d + s.k) as f64 * elem(s)),
            assign::V1Literal,
        ),
        AssignVariant::new(
            VariantInfo::new(
                "loops/assign/v2-no-alloc",
                "distances to all centroids per point into one reused buffer: no allocation per pair",
            )
            .slide("34 · Broadcasting Distance Computation")
            .memory(move |s| s.k as f64 * elem(s)),
            assign::V2NoAlloc,
        ),
        AssignVariant::new(
            VariantInfo::new("loops/assign/v3-no-sqrt", "squared distances: sqrt is monotonic, so the argmin is the same")
                .slide("58 · Assignment Step v4 - Improving Norm")
                .memory(move |s| s.k as f64 * elem(s)),
            assign::V3NoSqrt,
        ),
        AssignVariant::new(
            VariantInfo::new(
                "loops/assign/v4-running-argmin",
                "fuse the argmin into the distance loop (einsum's lesson): no distance buffer at all",
            )
            .slide("59 · Assignment Step v5 - Einsum"),
            assign::V4RunningArgmin,
        ),
        AssignVariant::new(
            VariantInfo::new(
                "loops/assign/v5-lanes",
                "8 independent partial sums break the add chain, so LLVM vectorises the distance",
            ),
            assign::V5Lanes,
        ),
    ];
    let update = vec![
        UpdateVariant::new(
            VariantInfo::new(
                "loops/update/v1-mask",
                "the slides' code: per cluster, a mask over all labels and a copy of the selected rows, then the mean",
            )
            .slide("63 · Original Update Step")
            .memory(move |s| s.n as f64 + s.n as f64 * s.d as f64 * elem(s))
            .work(|s| (s.n * s.k + 2 * s.n * s.d) as f64),
            update::V1Mask,
        ),
        UpdateVariant::new(
            VariantInfo::new("loops/update/v2-one-pass", "one pass adds every point into its cluster's sum and count")
                .slide("83 · Sparse")
                .work(|s| (s.n * s.d + s.k * s.d) as f64),
            update::V2OnePass,
        ),
    ];
    // Compositions name their parts, so reordering or inserting a step cannot rewire them.
    let mut registry = Registry {
        assign,
        update,
        iterate: Vec::new(),
    };
    registry.iterate = vec![
        registry.compose(
            VariantInfo::new(
                "loops/iter/slides",
                "the slides' initial kmeans: v1-literal assignment + v1-mask update",
            )
            .slide("27 · Refactored Implementation"),
            "loops/assign/v1-literal",
            "loops/update/v1-mask",
        ),
        registry.compose(
            VariantInfo::new(
                "loops/iter/v5-lanes+one-pass",
                "the fastest loops assignment + the one-pass update",
            ),
            "loops/assign/v5-lanes",
            "loops/update/v2-one-pass",
        ),
        IterationVariant::new(
            VariantInfo::new(
                "loops/iter/fused",
                "assign each point and add it to its cluster's sum in the same pass: the data is read once per iteration",
            ),
            fused::Fused,
        ),
    ];
    registry
}
