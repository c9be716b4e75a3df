//! The student stubs stay unsolved: each one panics with `todo!()` when called, so nobody
//! commits a solution into a stub by accident (solutions belong in `src/solutions/`). And the
//! checker turns that panic into "not started yet", not a failure message or a backtrace.
//!
//! Skipped with `--features student`: then you are solving the stubs.

use std::panic::{self, AssertUnwindSafe};

use kmeans_core::data;
use kmeans_exercises::check::{Outcome, TODO_MESSAGE, conformance, panic_message};
use kmeans_exercises::{Step, Student, exercises};

/// What calling a step once did.
enum Call {
    /// No implementation for this float type.
    Unsupported,
    /// It returned: the stub has been solved.
    Returned,
    /// It panicked with this message.
    Panicked(String),
}

/// Call a stub's step once, for float type `T`, on a small input.
fn call<T: kmeans_core::Scalar>(step: &Step) -> Call {
    let points = data::uniform::<T>(6, 3, 1);
    let centroids = data::uniform::<T>(2, 3, 2);
    let labels = [0, 1, 0, 1, 1, 0];
    let result = panic::catch_unwind(AssertUnwindSafe(|| match step {
        Step::Assign(v) => {
            let step = v.get::<T>()?;
            let mut out = [0u32; 6];
            step.assign(points.view(), centroids.view(), &mut out);
            Some(())
        }
        Step::Update(v) => {
            let step = v.get::<T>()?;
            let (mut sums, mut counts) = (vec![T::zero(); 6], [0u32; 2]);
            step.update(points.view(), &labels, &mut sums, &mut counts);
            Some(())
        }
    }));
    match result {
        Ok(None) => Call::Unsupported,
        Ok(Some(())) => Call::Returned,
        Err(payload) => Call::Panicked(panic_message(&*payload)),
    }
}

#[test]
#[cfg_attr(feature = "student", ignore = "you are solving the stubs")]
fn every_stub_still_panics_with_todo() {
    let stubs = exercises::<Student>();
    assert_eq!(stubs.len(), kmeans_exercises::CATALOG.len());
    for stub in &stubs {
        let mut called = 0;
        for (dtype, result) in [
            ("f64", call::<f64>(&stub.step)),
            ("f32", call::<f32>(&stub.step)),
        ] {
            match result {
                Call::Unsupported => {}
                Call::Panicked(message) => {
                    assert!(
                        message.starts_with(TODO_MESSAGE),
                        "{} [{dtype}] panicked with {message:?}, not todo!()",
                        stub.path
                    );
                    called += 1;
                }
                Call::Returned => panic!(
                    "{} [{dtype}] returned instead of reaching todo!(): a solution was committed \
                     into the stub? Solutions belong in src/solutions/.",
                    stub.path
                ),
            }
        }
        assert!(called > 0, "{}: no float type registered", stub.path);
    }
}

#[test]
#[cfg_attr(feature = "student", ignore = "you are solving the stubs")]
fn the_checker_reports_an_unsolved_stub_as_not_started() {
    for stub in exercises::<Student>() {
        let outcome = conformance(&stub);
        assert!(
            matches!(outcome, Outcome::NotStarted { .. }),
            "{}: {outcome:?}",
            stub.path
        );
    }
}
