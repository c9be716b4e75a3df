//! The checker's parts: it tells a wrong result from a panic from an unsolved stub, times an
//! exercise against the right v1, and the catalog agrees with the files it describes.

use std::path::Path;

use kmeans_core::{AssignStep, AssignVariant, Points, Scalar, VariantInfo};
use kmeans_exercises::check::{Outcome, Spread, Workload, conformance, measure};
use kmeans_exercises::{CATALOG, Exercise, Step, solutions};

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
fn measure_times_each_kind_against_its_slide_literal_version_and_the_reference() {
    let workload = Workload::slides();
    assert_eq!(workload.data.shape(), (5000, 26));
    assert_eq!(workload.centroids.shape(), (26, 26));
    assert!(workload.labels.iter().all(|&l| l < 26));
    let solutions = solutions::all();
    for (number, base) in [
        (3, "loops/assign/v1-literal"),
        (6, "loops/update/v1-mask"),
        (8, "loops/iter/slides"),
    ] {
        let s = &solutions[number - 1];
        let timing = measure(s, s, &workload, 3);
        assert_eq!(timing.baseline_name, base);
        assert_eq!(timing.runs, 3);
        for spread in [timing.speedup, timing.reference_speedup] {
            assert!(spread.low <= spread.median && spread.median <= spread.high);
            assert!(spread.low.is_finite() && spread.low > 0.0, "{spread:?}");
        }
    }
}

#[test]
fn the_spread_is_the_median_and_quartiles() {
    let s = Spread::of(&[5.0, 1.0, 3.0, 2.0, 4.0]);
    assert_eq!((s.low, s.median, s.high), (2.0, 3.0, 4.0));
    let one = Spread::of(&[7.0]);
    assert_eq!((one.low, one.median, one.high), (7.0, 7.0, 7.0));
    let even = Spread::of(&[1.0, 2.0, 3.0, 4.0]);
    assert_eq!((even.low, even.median, even.high), (1.75, 2.5, 3.25));
}

/// The exercises package declares one program per catalog entry, built from the catalog's
/// file, and each file and its solution carry the anchors the book includes. (Nothing here
/// reads what you wrote in the files: only that the anchors the book needs are there.)
#[test]
fn the_catalog_matches_the_exercises_package() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("exercises/Cargo.toml")).unwrap();
    for (i, meta) in CATALOG.iter().enumerate() {
        assert_eq!(meta.number, i + 1, "exercises are numbered 1, 2, …");
        assert!(
            meta.hints.len() >= 2,
            "exercise {}: hints are progressive",
            meta.number
        );
        assert!(
            meta.target > 0.0 && meta.target <= 1.0,
            "exercise {}: a target is a fraction of the reference's speed-up",
            meta.number
        );
        let bin = format!("name = \"{}\"\npath = \"{}\"", meta.bin(), meta.file);
        assert!(
            manifest.contains(&bin),
            "exercises/Cargo.toml lacks [[bin]] {bin}"
        );
        let solution = std::fs::read_to_string(root.join("src/solutions").join(meta.file)).unwrap();
        assert!(solution.contains("// ANCHOR: solution"), "{}", meta.file);
        assert!(
            !solution.contains("todo!("),
            "{}: todo!() only in stubs",
            meta.file
        );
    }
    assert_eq!(
        manifest.matches("[[bin]]").count(),
        CATALOG.len(),
        "one program per exercise"
    );
}

/// The book's exercises page lists every exercise with its file, slide and target, and
/// includes its stub and its solution.
#[test]
fn the_book_page_matches_the_catalog() {
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src/exercises.md"),
    )
    .unwrap();
    for meta in CATALOG {
        let row = page
            .lines()
            .find(|l| l.starts_with(&format!("| {} |", meta.number)))
            .unwrap_or_else(|| panic!("no table row for exercise {}", meta.number));
        assert!(row.contains(&format!("`{}`", meta.file)), "{row}");
        assert!(row.contains(meta.slide), "{row}");
        assert!(row.contains(&meta.target_text()), "{row}");
        for include in [
            format!("kmeans-exercises/exercises/{}:exercise}}}}", meta.file),
            format!("kmeans-exercises/src/solutions/{}:solution}}}}", meta.file),
        ] {
            assert!(
                page.contains(&include),
                "the page lacks {{{{#include …{include}"
            );
        }
    }
}

/// Exercise 10's solution reports the branch it took, so the checker prints the path that ran:
/// AVX2 + FMA exactly when the CPU has both, the scalar fallback otherwise.
#[test]
fn exercise_10_reports_the_path_that_ran() {
    use kmeans_exercises::solutions::ex10_avx2::{Avx2Fma, has_avx2_fma};
    use kmeans_exercises::{Path, take_path};
    let points = kmeans_core::data::uniform::<f64>(40, 5, 1);
    let centroids = kmeans_core::data::uniform::<f64>(3, 5, 2);
    let mut labels = vec![0u32; 40];
    take_path();
    Avx2Fma.assign(points.view(), centroids.view(), &mut labels);
    let want = if has_avx2_fma() {
        Path::Avx2Fma
    } else {
        Path::Scalar
    };
    assert_eq!(take_path(), Some(want));
    assert_eq!(take_path(), None, "taking the path forgets it");
}
