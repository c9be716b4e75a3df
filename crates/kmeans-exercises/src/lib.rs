//! # kmeans-exercises
//!
//! The workshop's slide 28, "Try it out!", as Rust exercises: make the assignment and update
//! steps of k-means faster, one rung of the slides' ladder at a time.
//!
//! - [`exercises`] — **your code**: one stub per exercise, each panicking with `todo!()` until
//!   you write it. Each file's doc comment says the goal, the slide, where you start and the
//!   speed-up to aim for.
//! - [`solutions`] — the reference solutions, with the same types and trait impls.
//! - [`catalog`] — titles, slides, targets and progressive hints, in one table.
//! - [`check`] — the conformance check and the side-by-side timing the checker binary prints.
//!
//! ```text
//! cargo run --release -p kmeans-exercises --bin check            # all exercises, your code
//! cargo run --release -p kmeans-exercises --bin check -- 3       # exercise 3 only
//! cargo run --release -p kmeans-exercises --bin check -- --hint 3
//! cargo run --release -p kmeans-exercises --bin check -- all --solutions
//! cargo test -p kmeans-exercises --features student              # the tests, on your code
//! ```
//!
//! Stubs and solutions are two implementations of one [`Track`]: its associated types fix the
//! trait each exercise implements, and [`exercises`] registers either track through the same
//! function, so a stub and its solution cannot drift apart in signature. The tests run on
//! [`Tested`]: the solutions by default (so `cargo test --workspace` proves them while the stubs
//! are unsolved), your code with `--features student`.
#![deny(unsafe_code)] // allowed only in exercise 7 (`ex7_avx2.rs`), its one SIMD exercise
#![deny(unsafe_op_in_unsafe_fn)]

pub mod catalog;
pub mod check;
// A stub ignores its inputs until it is solved.
#[allow(unused_variables)]
pub mod exercises;
pub mod solutions;

use kmeans_core::{AssignStep, AssignVariant, Shape, UpdateStep, UpdateVariant, VariantInfo};

pub use catalog::{CATALOG, Meta, StepKind};

/// One set of implementations of all the exercises: the student stubs ([`Student`]) or the
/// reference solutions ([`Solutions`]). The bounds are the contract every exercise's type must
/// meet; both tracks are registered through [`exercises`].
pub trait Track: 'static {
    /// `"exercises"` or `"solutions"`: the backend part of the variant names.
    const NAME: &'static str;
    /// The track's source folder, relative to the workspace root.
    const DIR: &'static str;
    /// Exercise 1: one distance buffer, no allocation per pair.
    type NoAlloc: AssignStep<f32> + AssignStep<f64> + Default;
    /// Exercise 2: no square root.
    type NoSqrt: AssignStep<f32> + AssignStep<f64> + Default;
    /// Exercise 3: the fused running argmin.
    type RunningArgmin: AssignStep<f32> + AssignStep<f64> + Default;
    /// Exercise 4: the one-pass update.
    type OnePass: UpdateStep<f32> + UpdateStep<f64> + Default;
    /// Exercise 5: the sparse one-hot update (`f64`).
    type SparseOneHot: UpdateStep<f64> + Default;
    /// Exercise 6: independent accumulators.
    type Lanes: AssignStep<f32> + AssignStep<f64> + Default;
    /// Exercise 7: AVX2 + FMA with a scalar fallback (`f64`).
    type Avx2Fma: AssignStep<f64> + Default;
    /// Exercise 8: parallel assignment with rayon.
    type Parallel: AssignStep<f32> + AssignStep<f64> + Default;
}

/// Your code: the stubs in `src/exercises/`.
#[derive(Debug)]
pub enum Student {}

/// The reference solutions in `src/solutions/`.
#[derive(Debug)]
pub enum Solutions {}

impl Track for Student {
    const NAME: &'static str = "exercises";
    const DIR: &'static str = "crates/kmeans-exercises/src/exercises";
    type NoAlloc = exercises::ex1_no_alloc::NoAlloc;
    type NoSqrt = exercises::ex2_no_sqrt::NoSqrt;
    type RunningArgmin = exercises::ex3_running_argmin::RunningArgmin;
    type OnePass = exercises::ex4_one_pass::OnePass;
    type SparseOneHot = exercises::ex5_sparse_onehot::SparseOneHot;
    type Lanes = exercises::ex6_lanes::Lanes;
    type Avx2Fma = exercises::ex7_avx2::Avx2Fma;
    type Parallel = exercises::ex8_rayon::Parallel;
}

impl Track for Solutions {
    const NAME: &'static str = "solutions";
    const DIR: &'static str = "crates/kmeans-exercises/src/solutions";
    type NoAlloc = solutions::ex1_no_alloc::NoAlloc;
    type NoSqrt = solutions::ex2_no_sqrt::NoSqrt;
    type RunningArgmin = solutions::ex3_running_argmin::RunningArgmin;
    type OnePass = solutions::ex4_one_pass::OnePass;
    type SparseOneHot = solutions::ex5_sparse_onehot::SparseOneHot;
    type Lanes = solutions::ex6_lanes::Lanes;
    type Avx2Fma = solutions::ex7_avx2::Avx2Fma;
    type Parallel = solutions::ex8_rayon::Parallel;
}

/// The track the tests check: the solutions, or your code with `--features student`.
#[cfg(not(feature = "student"))]
pub type Tested = Solutions;
/// The track the tests check: the solutions, or your code with `--features student`.
#[cfg(feature = "student")]
pub type Tested = Student;

/// An exercise's implementation, registered like any backend's variant so that the
/// conformance kit of `kmeans_core::testkit` can check it.
#[derive(Clone, Debug)]
pub enum Step {
    /// An assignment step.
    Assign(AssignVariant),
    /// An update step.
    Update(UpdateVariant),
}

impl Step {
    /// The variant's metadata.
    pub fn info(&self) -> &VariantInfo {
        match self {
            Step::Assign(v) => &v.info,
            Step::Update(v) => &v.info,
        }
    }
}

/// One exercise of one track: its metadata and its implementation.
#[derive(Clone, Debug)]
pub struct Exercise {
    /// Title, slide, target, hints.
    pub meta: &'static Meta,
    /// The track's implementation, as a registered variant.
    pub step: Step,
    /// The source file, relative to the workspace root.
    pub path: String,
}

fn info<K: Track>(meta: &'static Meta) -> VariantInfo {
    let kind = match meta.kind {
        StepKind::Assign => "assign",
        StepKind::Update => "update",
    };
    let name = format!("{}/{kind}/ex{}-{}", K::NAME, meta.number, meta.slug);
    VariantInfo::new(name, meta.title).slide(meta.slide)
}

/// Every exercise of track `K`, in order: the one registration path for stubs and solutions.
pub fn exercises<K: Track>() -> Vec<Exercise> {
    let elem = |s: Shape| s.elem as f64;
    CATALOG
        .iter()
        .map(|meta| {
            let info = info::<K>(meta);
            let step = match meta.number {
                1 => Step::Assign(AssignVariant::new(
                    info.memory(move |s| s.k as f64 * elem(s)),
                    K::NoAlloc::default(),
                )),
                2 => Step::Assign(AssignVariant::new(
                    info.memory(move |s| s.k as f64 * elem(s)),
                    K::NoSqrt::default(),
                )),
                3 => Step::Assign(AssignVariant::new(info, K::RunningArgmin::default())),
                4 => Step::Update(UpdateVariant::new(
                    info.work(|s| (s.n * s.d + s.k * s.d) as f64),
                    K::OnePass::default(),
                )),
                5 => Step::Update(UpdateVariant::f64_only(
                    // The CSC matrix (indptr, indices, ones) and the (k, d) sums.
                    info.memory(|s| (3 * s.n + 1 + s.k * s.d) as f64 * 8.0)
                        .work(|s| (s.n * s.d + s.k * s.d) as f64),
                    K::SparseOneHot::default(),
                )),
                6 => Step::Assign(AssignVariant::new(info, K::Lanes::default())),
                7 => Step::Assign(AssignVariant::f64_only(info, K::Avx2Fma::default())),
                8 => Step::Assign(AssignVariant::new(info.parallel(), K::Parallel::default())),
                n => unreachable!("the catalog has no exercise {n}"),
            };
            Exercise {
                meta,
                step,
                path: format!("{}/{}", K::DIR, meta.file),
            }
        })
        .collect()
}

/// The slide-literal v1 an exercise of this kind is measured against: the plain-loops
/// `loops/assign/v1-literal` (slide 32) or `loops/update/v1-mask` (slide 63).
pub fn baseline(kind: StepKind) -> Step {
    let registry = kmeans_loops::registry();
    match kind {
        StepKind::Assign => Step::Assign(
            registry
                .assign_named("loops/assign/v1-literal")
                .expect("kmeans-loops registers its v1")
                .clone(),
        ),
        StepKind::Update => Step::Update(
            registry
                .update_named("loops/update/v1-mask")
                .expect("kmeans-loops registers its v1")
                .clone(),
        ),
    }
}
