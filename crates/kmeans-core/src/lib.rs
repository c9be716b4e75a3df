//! # kmeans-core
//!
//! The shared ground of the kmeans-workshop backends:
//!
//! - [`Points`] / [`Matrix`]: row-major `n × d` data, borrowed or owned, over `f32` or `f64`
//!   ([`Scalar`]); labels are `u32` cluster ids.
//! - The shared trait, as the slides refactor k-means: an [`AssignStep`] and an [`UpdateStep`],
//!   plus an [`IterationStep`] for variants that fuse both; each variant is registered with its
//!   [`VariantInfo`] (stable name, slide, what changed, memory and work models) in a [`Registry`].
//! - [`KMeans`]: the Lloyd driver with scikit-learn's parameters (`k`, `max_iter`, `tol`, `init`,
//!   `seed`, `n_init`, threads), empty-cluster relocation and a per-iteration log; [`predict`].
//! - [`MiniBatchKMeans`]: mini-batch k-means as scikit-learn's `MiniBatchKMeans`, each batch
//!   assigned by any iteration step.
//! - [`KMeansModel`]: what [`KMeans::fit_model`] returns: centroids plus the solver that
//!   fitted them, with `predict`, `transform`, `score`, and versioned JSON save/load.
//! - [`Error`]: every way user input can be wrong, as a value, never a panic.
//! - [`data`]: seeded generators (the slides' uniform data, Gaussian blobs).
//! - [`reference`](mod@reference): an obviously correct implementation, the oracle of the conformance kit
//!   (`testkit`, behind the feature of the same name).
//!
//! ```
//! use kmeans_core::{data, reference::Reference, KMeans};
//!
//! let blobs = data::blobs::<f64>(300, 3, 2, 0.3, 42);
//! let fit = KMeans::new(3).seed(7).fit(&Reference, blobs.data.view())?;
//! assert_eq!(fit.centroids.shape(), (3, 2));
//! assert!(fit.converged);
//! // Inertia never increases from one iteration to the next.
//! let history = fit.inertia_per_iteration();
//! assert!(history.windows(2).all(|w| w[1] <= w[0]));
//! # Ok::<(), kmeans_core::Error>(())
//! ```
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod data;
mod error;
pub mod init;
mod lloyd;
pub mod memory;
mod metrics;
mod minibatch;
pub mod model;
#[cfg(feature = "ndarray")]
mod ndarray_interop;
mod placement;
mod points;
pub mod reference;
mod registry;
mod scalar;
mod step;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod validate;

pub use error::{Error, Result};
pub use init::Init;
pub use lloyd::{
    Fit, IterationLog, KMeans, Observer, THREAD_ENV, check_global_pool_env, check_thread_env,
    max_threads, predict, relocate_empty_clusters, start_pool,
};
pub use metrics::{
    CHUNK_ROWS, MIN_PARALLEL_VALUES, MIN_PARALLEL_WORK, centroid_shift, inertia, map_chunks,
    mean_column_variance, min_task_len, sq_dist, sq_dist_f64, sq_distances,
};
pub use minibatch::{MiniBatchFit, MiniBatchKMeans, MiniBatchLog, MiniBatchObserver};
pub use model::{AnyModel, KMeansModel, Parameters};
pub use points::{Matrix, Points};
pub use registry::{
    Assign, AssignVariant, Iterate, IterationVariant, Kind, Registry, Update, UpdateVariant,
    Variant,
};
pub use scalar::{Dtype, Scalar, format_number};
pub use step::{
    AssignStep, Composed, CostModel, FewCenterDistances, IterationState, IterationStep, Precision,
    RowDistances, Shape, UpdateStep, VariantInfo,
};
