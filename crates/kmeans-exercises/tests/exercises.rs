//! Every reference solution through the conformance kit (`kmeans_core::testkit`): edge cases,
//! proptest's random shapes and magnitudes, and whole Lloyd fits, against the reference
//! implementation. Your own code in `exercises/` is checked by the checker, never here: it is
//! not part of the workspace, so `cargo test --workspace` passes whatever state it is in.

use kmeans_exercises::check::{Outcome, conformance};
use kmeans_exercises::{CATALOG, Step, solutions};

/// Run the kit on solution `number`, for `f64` and (where it is generic) `f32`.
fn check(number: usize) {
    let all = solutions::all();
    let exercise = &all[number - 1];
    assert_eq!(exercise.meta.number, number);
    let want: Vec<&str> = if exercise.step.supports::<f32>() {
        vec!["f64", "f32"]
    } else {
        vec!["f64"]
    };
    assert_eq!(
        conformance(exercise),
        Outcome::Passed { dtypes: want },
        "solution to exercise {number} ({})",
        exercise.meta.file
    );
}

#[test]
fn ex01_no_alloc() {
    check(1);
}

#[test]
fn ex02_no_sqrt() {
    check(2);
}

#[test]
fn ex03_running_argmin() {
    check(3);
}

#[test]
fn ex04_ndarray_einsum() {
    check(4);
}

#[test]
fn ex05_gemm() {
    check(5);
}

#[test]
fn ex06_one_pass() {
    check(6);
}

#[test]
fn ex07_sparse_onehot() {
    check(7);
}

#[test]
fn ex08_fused() {
    check(8);
}

#[test]
fn ex09_lanes() {
    check(9);
}

#[test]
fn ex10_avx2() {
    check(10);
}

#[test]
fn ex11_rayon() {
    check(11);
}

/// One test per catalog entry above, and the solutions registered in catalog order with the
/// step kind the catalog says.
#[test]
fn every_exercise_has_a_test_and_a_solution_of_its_kind() {
    let source = include_str!("exercises.rs");
    let all = solutions::all();
    assert_eq!(all.len(), CATALOG.len());
    for (meta, solution) in CATALOG.iter().zip(&all) {
        let test = format!("fn {}()", meta.file.trim_end_matches(".rs"));
        assert!(
            source.contains(&test),
            "no test `{test}` for exercise {}",
            meta.number
        );
        assert_eq!(solution.meta.number, meta.number);
        let kind = match solution.step {
            Step::Assign(_) => kmeans_exercises::StepKind::Assign,
            Step::Update(_) => kmeans_exercises::StepKind::Update,
            Step::Iterate(_) => kmeans_exercises::StepKind::Iterate,
        };
        assert_eq!(kind, meta.kind, "exercise {}", meta.number);
    }
}
