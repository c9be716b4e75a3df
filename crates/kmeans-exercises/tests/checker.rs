//! The checker's parts: it tells a wrong result from a panic from an unsolved stub, times an
//! exercise against the right v1, and the catalog agrees with the files it describes.

use std::path::Path;

use kmeans_core::{AssignStep, AssignVariant, Points, Scalar, VariantInfo};
use kmeans_exercises::check::{Outcome, Workload, conformance, measure};
use kmeans_exercises::{CATALOG, Exercise, Solutions, Step, StepKind, exercises};

/// A wrong assignment: every point to centroid 0.
struct AlwaysZero;
impl<T: Scalar> AssignStep<T> for AlwaysZero {
    fn assign(&self, _: Points<'_, T>, _: Points<'_, T>, labels: &mut [u32]) {
        labels.fill(0);
    }
}

/// A buggy assignment: indexes one centroid past the end.
struct OffByOne;
impl<T: Scalar> AssignStep<T> for OffByOne {
    fn assign(&self, _: Points<'_, T>, centroids: Points<'_, T>, labels: &mut [u32]) {
        let past_the_end = centroids.row(centroids.n());
        labels.fill(past_the_end.len() as u32);
    }
}

fn as_exercise_1<S: AssignStep<f32> + AssignStep<f64> + 'static>(step: S) -> Exercise {
    Exercise {
        meta: &CATALOG[0],
        step: Step::Assign(AssignVariant::new(
            VariantInfo::new("test/assign/broken", "deliberately broken"),
            step,
        )),
        path: "tests/checker.rs".into(),
    }
}

#[test]
fn a_wrong_result_is_reported_with_the_kits_message() {
    match conformance(&as_exercise_1(AlwaysZero)) {
        Outcome::Failed(message) => assert!(message.contains("label 0"), "{message}"),
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[test]
fn a_panic_other_than_todo_is_reported_as_a_panic() {
    match conformance(&as_exercise_1(OffByOne)) {
        Outcome::Panicked(message) => assert!(message.contains("out of range"), "{message}"),
        other => panic!("expected Panicked, got {other:?}"),
    }
}

#[test]
fn solutions_pass_for_every_float_type_they_register() {
    for exercise in exercises::<Solutions>() {
        let want: Vec<&str> = match &exercise.step {
            Step::Assign(v) if v.supports::<f32>() => vec!["f64", "f32"],
            Step::Update(v) if v.supports::<f32>() => vec!["f64", "f32"],
            _ => vec!["f64"],
        };
        assert_eq!(
            conformance(&exercise),
            Outcome::Passed { dtypes: want },
            "{}",
            exercise.path
        );
    }
}

#[test]
fn measure_times_each_kind_against_its_slide_literal_v1() {
    let workload = Workload::slides();
    assert_eq!(workload.data.shape(), (5000, 26));
    assert_eq!(workload.centroids.shape(), (26, 26));
    assert!(workload.labels.iter().all(|&l| l < 26));
    let solutions = exercises::<Solutions>();
    for (number, v1) in [(3, "loops/assign/v1-literal"), (4, "loops/update/v1-mask")] {
        let timing = measure(&solutions[number - 1], &workload, 1);
        assert_eq!(timing.baseline_name, v1);
        assert_eq!(timing.runs, 1);
        assert!(timing.speedup().is_finite() && timing.speedup() > 0.0);
    }
}

#[test]
fn the_catalog_matches_the_files_it_describes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (i, meta) in CATALOG.iter().enumerate() {
        assert_eq!(meta.number, i + 1, "exercises are numbered 1, 2, …");
        assert!(
            meta.hints.len() >= 2,
            "exercise {}: hints are progressive",
            meta.number
        );
        assert!(
            meta.target > 1.0,
            "exercise {}: a target is a speed-up",
            meta.number
        );
        let stub = std::fs::read_to_string(root.join("exercises").join(meta.file)).unwrap();
        let solution = std::fs::read_to_string(root.join("solutions").join(meta.file)).unwrap();
        let doc: String = stub
            .lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .collect::<Vec<_>>()
            .join(" ");
        let doc = doc.split_whitespace().collect::<Vec<_>>().join(" ");
        for (what, text) in [
            ("slide", format!("Slide {}", meta.slide)),
            (
                "target",
                format!("Aim for {} faster than v1", meta.target_text()),
            ),
            ("checker command", format!("--bin check -- {}", meta.number)),
        ] {
            assert!(
                doc.contains(&text),
                "{}: the doc comment lacks the {what} {text:?}",
                meta.file
            );
        }
        assert_eq!(
            stub.matches("todo!(").count(),
            1,
            "{}: one todo!() per stub",
            meta.file
        );
        assert!(stub.contains("// ANCHOR: exercise"), "{}", meta.file);
        assert!(solution.contains("// ANCHOR: solution"), "{}", meta.file);
        assert!(
            !solution.contains("todo!("),
            "{}: todo!() only in stubs",
            meta.file
        );
        let kind = if stub.contains("AssignStep<") {
            StepKind::Assign
        } else {
            StepKind::Update
        };
        assert_eq!(kind, meta.kind, "{}", meta.file);
    }
}

/// The book page's table lists every exercise with its file and target, and every
/// `{{#include path:anchor}}` on the page names an existing file and anchor.
#[test]
fn the_book_page_matches_the_catalog_and_its_includes_resolve() {
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src");
    let page = std::fs::read_to_string(book.join("exercises.md")).unwrap();
    for meta in CATALOG {
        let row = page
            .lines()
            .find(|l| l.starts_with(&format!("| {} |", meta.number)))
            .unwrap_or_else(|| panic!("no table row for exercise {}", meta.number));
        assert!(row.contains(&format!("`{}`", meta.file)), "{row}");
        assert!(row.contains(&format!("| {}×", meta.target)), "{row}");
        assert!(row.contains(meta.slide), "{row}");
    }
    let mut includes = 0;
    for (_, rest) in page
        .match_indices("{{#include ")
        .map(|(i, _)| page.split_at(i))
    {
        let spec = &rest["{{#include ".len()..rest.find("}}").unwrap()];
        let (path, anchor) = spec.rsplit_once(':').unwrap();
        let source =
            std::fs::read_to_string(book.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            source.contains(&format!("// ANCHOR: {anchor}\n")),
            "{path}: no anchor {anchor}"
        );
        assert!(
            source.contains(&format!("// ANCHOR_END: {anchor}\n")),
            "{path}: no end of {anchor}"
        );
        includes += 1;
    }
    assert!(
        includes >= CATALOG.len(),
        "every exercise's stub is included"
    );
}
