//! # kmeans-exercises
//!
//! The workshop's slide 28, "Try it out!", as Rust exercises: make the assignment and update
//! steps of k-means faster, one rung of the slides' ladder at a time.
//!
//! - `exercises/` (beside this crate's `Cargo.toml`) — **your code**: one file per exercise,
//!   each a small program of its own package (not a member of the workspace), so that a
//!   half-typed stub never stops another exercise from building, nor `cargo test --workspace`.
//! - [`solutions`] — the reference solutions, tested by `cargo test --workspace`.
//! - [`register`] — one function per exercise: the one place that fixes its step trait, for
//!   your code and the solution alike, so that the two cannot drift apart in signature.
//! - [`catalog`] — titles, slides, targets and progressive hints, in one table.
//! - [`check`] and [`harness`] — the conformance check and the side-by-side timing.
//!
//! ```text
//! cargo run --release -p kmeans-exercises --bin check            # all exercises, your code
//! cargo run --release -p kmeans-exercises --bin check -- 3       # exercise 3 only
//! cargo run --release -p kmeans-exercises --bin check -- --hint 3
//! cargo run --release -p kmeans-exercises --bin check -- all --solutions
//! ```
#![deny(unsafe_code)] // allowed only in exercise 10 (`ex10_avx2.rs`), its one SIMD exercise
#![deny(unsafe_op_in_unsafe_fn)]

pub mod catalog;
pub mod check;
pub mod harness;
pub mod register;
pub mod solutions;

use std::sync::atomic::{AtomicU8, Ordering};

use kmeans_core::{AssignVariant, IterationVariant, Points, Scalar, UpdateVariant, VariantInfo};
use ndarray::ArrayView2;

pub use catalog::{CATALOG, Meta, StepKind};
pub use check::Outcome;

/// An exercise's implementation, registered like any backend's variant so that the
/// conformance kit of `kmeans_core::testkit` can check it.
#[derive(Clone, Debug)]
pub enum Step {
    /// An assignment step.
    Assign(AssignVariant),
    /// An update step.
    Update(UpdateVariant),
    /// A whole Lloyd iteration.
    Iterate(IterationVariant),
}

impl Step {
    /// The variant's metadata.
    pub fn info(&self) -> &VariantInfo {
        match self {
            Step::Assign(v) => &v.info,
            Step::Update(v) => &v.info,
            Step::Iterate(v) => &v.info,
        }
    }

    /// Whether the step has an implementation for `T`.
    pub fn supports<T: Scalar>(&self) -> bool {
        match self {
            Step::Assign(v) => v.supports::<T>(),
            Step::Update(v) => v.supports::<T>(),
            Step::Iterate(v) => v.supports::<T>(),
        }
    }
}

/// One exercise: its metadata and an implementation (yours or the reference solution).
#[derive(Clone, Debug)]
pub struct Exercise {
    /// Title, slide, target, hints.
    pub meta: &'static Meta,
    /// The implementation, as a registered variant.
    pub step: Step,
}

/// The slide-literal version an exercise of this kind is measured against (see
/// [`StepKind::baseline_name`]).
pub fn baseline(kind: StepKind) -> Step {
    let registry = kmeans_loops::registry();
    let name = kind.baseline_name();
    let missing = "kmeans-loops registers its slide-literal variants";
    match kind {
        StepKind::Assign => Step::Assign(registry.assign_named(name).expect(missing).clone()),
        StepKind::Update => Step::Update(registry.update_named(name).expect(missing).clone()),
        StepKind::Iterate => Step::Iterate(registry.iteration_named(name).expect(missing)),
    }
}

/// The reference solution of exercise `number` (1-based), registered as the checker times it.
pub fn reference(number: usize) -> Option<Exercise> {
    solutions::all()
        .into_iter()
        .find(|e| e.meta.number == number)
}

/// The shared row-major `n × d` view as an ndarray `(n, d)` array view: the same buffer, no
/// copy (`Points` always holds exactly `n · d` values, so this cannot fail).
pub fn view<T: Scalar>(points: Points<'_, T>) -> ArrayView2<'_, T> {
    ArrayView2::from_shape(points.shape(), points.as_slice())
        .expect("a Points view holds exactly n · d values")
}

/// Which code path a dispatching exercise (exercise 10) took, as it reports with [`ran`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// The `#[target_feature(enable = "avx2,fma")]` kernel.
    Avx2Fma,
    /// The portable fallback.
    Scalar,
}

/// The last path reported: 0 none, 1 AVX2 + FMA, 2 scalar.
static LAST_PATH: AtomicU8 = AtomicU8::new(0);

/// Record the path that is running, from inside the branch that runs it: the checker prints
/// the path that really ran, not what the CPU supports.
pub fn ran(path: Path) {
    let code = match path {
        Path::Avx2Fma => 1,
        Path::Scalar => 2,
    };
    LAST_PATH.store(code, Ordering::Relaxed);
}

/// The path reported by the last call of [`ran`], and forget it (`None`: nothing reported).
pub fn take_path() -> Option<Path> {
    match LAST_PATH.swap(0, Ordering::Relaxed) {
        1 => Some(Path::Avx2Fma),
        2 => Some(Path::Scalar),
        _ => None,
    }
}
