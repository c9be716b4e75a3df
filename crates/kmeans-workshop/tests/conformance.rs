//! The one conformance suite: every variant of every registered backend, through the kit in
//! `kmeans_core::testkit`. A new variant is tested by registering it — nothing here names one.

use kmeans_core::testkit::{self, check_slides_fit};
use kmeans_workshop::{
    AssignVariant, IterationVariant, Registry, Scalar, UpdateVariant, VariantInfo, registry,
};

fn report(kind: &str, failures: Vec<String>, checked: usize) {
    assert!(checked > 0, "no {kind} variant was checked");
    assert!(
        failures.is_empty(),
        "{} {kind} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{kind}: {checked} (variant, float type) pairs conform");
}

fn run<V>(kind: &str, variants: &[V], check: impl Fn(&V) -> (&str, Result<bool, String>)) {
    let mut failures = Vec::new();
    let mut checked = 0;
    for v in variants {
        match check(v) {
            (_, Ok(true)) => checked += 1,
            (_, Ok(false)) => {}
            (name, Err(e)) => failures.push(format!("{name}: {e}")),
        }
    }
    report(kind, failures, checked);
}

fn assign<T: Scalar>(v: &AssignVariant) -> (&str, Result<bool, String>) {
    (&v.info.name, testkit::check_assign_variant::<T>(v))
}
fn update<T: Scalar>(v: &UpdateVariant) -> (&str, Result<bool, String>) {
    (&v.info.name, testkit::check_update_variant::<T>(v))
}
fn iterate<T: Scalar>(v: &IterationVariant) -> (&str, Result<bool, String>) {
    (&v.info.name, testkit::check_iteration_variant::<T>(v))
}

#[test]
fn assignment_steps_f64() {
    run("assign f64", &registry().assign, assign::<f64>);
}

#[test]
fn assignment_steps_f32() {
    run("assign f32", &registry().assign, assign::<f32>);
}

#[test]
fn update_steps_f64() {
    run("update f64", &registry().update, update::<f64>);
}

#[test]
fn update_steps_f32() {
    run("update f32", &registry().update, update::<f32>);
}

#[test]
fn iteration_steps_f64() {
    run("iterate f64", &registry().iterate, iterate::<f64>);
}

#[test]
fn iteration_steps_f32() {
    run("iterate f32", &registry().iterate, iterate::<f32>);
}

#[test]
fn names_are_unique_and_follow_backend_step_variant() {
    let r: Registry = registry();
    assert!(
        r.duplicate_names().is_empty(),
        "duplicates: {:?}",
        r.duplicate_names()
    );
    let kinds = [
        ("assign", r.assign.len()),
        ("update", r.update.len()),
        ("iter", r.iterate.len()),
    ];
    let mut i = 0;
    for (kind, count) in kinds {
        for name in &r.names()[i..i + count] {
            let parts: Vec<&str> = name.split('/').collect();
            assert!(
                parts.len() == 3 && parts[1] == kind,
                "{name} is not backend/{kind}/variant"
            );
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "/-+.".contains(c)),
                "{name}"
            );
        }
        i += count;
    }
    for v in &r.assign {
        assert!(!v.info.summary.is_empty(), "{} has no summary", v.info.name);
    }
}

/// The slides' headline: `kmeans(data, 26)` with 50 fixed iterations on 5000 × 26 uniform data.
/// Every assignment step (with the reference update), every update step (with the reference
/// assignment) and every whole iteration runs all 50 and ends where the reference ends.
#[test]
fn every_variant_reproduces_the_slides_fit() {
    let r = registry();
    let reference = kmeans_core::reference::Reference;
    let ref_assign = AssignVariant::new(
        VariantInfo::new("reference/assign/exact", "oracle"),
        reference,
    );
    let ref_update = UpdateVariant::new(
        VariantInfo::new("reference/update/exact", "oracle"),
        reference,
    );
    let mut candidates: Vec<IterationVariant> = r.iterate.clone();
    candidates.extend(
        r.assign
            .iter()
            .map(|a| IterationVariant::compose_named(a, &ref_update)),
    );
    candidates.extend(
        r.update
            .iter()
            .map(|u| IterationVariant::compose_named(&ref_assign, u)),
    );
    let failures: Vec<String> = candidates
        .iter()
        .filter(|v| v.supports::<f64>())
        .filter_map(|v| check_slides_fit(v, 50).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fastest_supports_both_float_types() {
    assert!(kmeans_workshop::fastest::<f32>().supports::<f32>());
    assert!(kmeans_workshop::fastest::<f64>().supports::<f64>());
}
