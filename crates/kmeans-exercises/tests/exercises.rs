//! Every exercise through the conformance kit (`kmeans_core::testkit`): edge cases, proptest's
//! random shapes and magnitudes, and whole Lloyd fits, against the reference implementation.
//!
//! The same tests run on either track: the reference solutions by default, so `cargo test
//! --workspace` proves every solution; your code with
//! `cargo test -p kmeans-exercises --features student` (or one: `… --features student ex3_`).

use kmeans_core::testkit::{check_assign_variant, check_update_variant};
use kmeans_exercises::{CATALOG, Step, Tested, Track, exercises};

/// Run the kit on exercise `number` of the tested track, for `f64` and (where the exercise
/// supports it) `f32`; `f64` must be supported.
fn check(number: usize) {
    let all = exercises::<Tested>();
    let exercise = &all[number - 1];
    assert_eq!(exercise.meta.number, number);
    let context = format!("exercise {number} ({})", exercise.path);
    let (f64_checked, f32_result) = match &exercise.step {
        Step::Assign(v) => (
            check_assign_variant::<f64>(v),
            check_assign_variant::<f32>(v),
        ),
        Step::Update(v) => (
            check_update_variant::<f64>(v),
            check_update_variant::<f32>(v),
        ),
    };
    match f64_checked {
        Ok(true) => {}
        Ok(false) => panic!("{context}: no f64 implementation registered"),
        Err(e) => panic!("{context} [f64]: {e}"),
    }
    if let Err(e) = f32_result {
        panic!("{context} [f32]: {e}");
    }
    eprintln!("{context}: conforms ({} track)", Tested::NAME);
}

#[test]
fn ex1_no_alloc() {
    check(1);
}

#[test]
fn ex2_no_sqrt() {
    check(2);
}

#[test]
fn ex3_running_argmin() {
    check(3);
}

#[test]
fn ex4_one_pass() {
    check(4);
}

#[test]
fn ex5_sparse_onehot() {
    check(5);
}

#[test]
fn ex6_lanes() {
    check(6);
}

#[test]
fn ex7_avx2() {
    check(7);
}

#[test]
fn ex8_rayon() {
    check(8);
}

/// One test per catalog entry above: adding an exercise without its test fails here.
#[test]
fn every_exercise_has_a_test() {
    let source = include_str!("exercises.rs");
    for meta in CATALOG {
        let test = format!("fn {}()", meta.file.trim_end_matches(".rs"));
        assert!(
            source.contains(&test),
            "no test `{test}` for exercise {}",
            meta.number
        );
    }
}
