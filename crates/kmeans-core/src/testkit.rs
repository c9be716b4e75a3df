//! The conformance kit: any registered variant is checked against the [`reference`](crate::reference)
//! on hand-picked edge cases and on proptest-generated random shapes, data kinds and magnitudes.
//!
//! ## Tolerances
//!
//! Write `ε` for the variant's float type's machine epsilon, `D_j` for the exact squared distance
//! (in `f64`) from a point `x` to centroid `c_j` and `D*` for the smallest of them.
//!
//! - **Labels.** A label `j` is accepted when `D_j − D* ≤ slack`: the variant may disagree with
//!   the reference only at a genuine tie, i.e. when the two distances are closer than its
//!   arithmetic can tell apart.
//!   - [`Precision::Exact`] (sums of `(x − c)²`): `slack = 4·(d + 3)·ε·D_j` — each squared
//!     distance carries a relative error of at most about `(d + 3)·ε`.
//!   - [`Precision::DotProduct`] (`‖x‖² − 2·x·c + ‖c‖²`): `slack = 8·(d + 3)·ε·(‖x‖² + ‖c_j‖² +
//!     ‖c*‖²)` — the error scales with the norms, not with the distance, so it is large when the
//!     data sit far from the origin compared with their spread (the cancellation the GEMM trick
//!     is known for). Variants that centre the data first are well inside this bound.
//! - **Means.** For a non-empty cluster of `m` points, each coordinate must be within
//!   `4·(m + 2)·ε·mean(|x|)` of the exact mean (the error bound of a plain sequential sum,
//!   then a division). Counts must be exact. Rows of empty clusters are not checked: the update
//!   step may leave them as anything (the slides' code leaves NaN) and the driver relocates them.
//! - **Inertia** returned by an iteration step: within `4·(n + d + 3)·ε` relative of the exact
//!   inertia of its own labels, plus the summed label slack for dot-product variants.
//! - **Fits**: the per-iteration inertia never increases by more than the summed slack; final
//!   labels are consistent with final centroids; same seed ⇒ bit-identical result, with 1 or 2
//!   threads alike; no NaN anywhere, also when a cluster empties.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::points::{Matrix, Points};
use crate::reference;
use crate::registry::{AssignVariant, IterationVariant, UpdateVariant};
use crate::scalar::Scalar;
use crate::step::{AssignStep, IterationStep, Precision, Shape, UpdateStep};
use crate::{Init, KMeans, inertia, sq_dist_f64};

/// Variants whose declared extra memory at a case exceeds this are skipped on that case.
pub const MEMORY_LIMIT_BYTES: f64 = 256.0 * 1024.0 * 1024.0;

/// One test input: points, centroids to assign against, and labels to update from.
#[derive(Clone, Debug)]
pub struct Case<T> {
    /// What the case is about.
    pub name: String,
    /// `n × d` points.
    pub data: Matrix<T>,
    /// `k × d` centroids.
    pub centroids: Matrix<T>,
    /// A label in `0..k` per point, for update steps (some clusters may be empty).
    pub labels: Vec<u32>,
}

impl<T: Scalar> Case<T> {
    fn new(
        name: impl Into<String>,
        data: Matrix<T>,
        centroids: Matrix<T>,
        labels: Vec<u32>,
    ) -> Self {
        Self {
            name: name.into(),
            data,
            centroids,
            labels,
        }
    }

    /// `(n, k, d)` as a [`Shape`].
    pub fn shape(&self) -> Shape {
        Shape {
            n: self.data.n(),
            k: self.centroids.n(),
            d: self.data.d(),
            elem: T::DTYPE.bytes(),
        }
    }
}

fn eps<T: Scalar>() -> f64 {
    T::epsilon().as_f64()
}

fn sq_norm<T: Scalar>(x: &[T]) -> f64 {
    x.iter().map(|v| v.as_f64() * v.as_f64()).sum()
}

/// How far above the nearest distance `D*` a chosen centroid's distance may lie (see the module
/// docs): `x` is the point, `chosen` and `best` the chosen and the exactly nearest centroid.
pub fn label_slack<T: Scalar>(precision: Precision, x: &[T], chosen: &[T], best: &[T]) -> f64 {
    let d = x.len() as f64;
    match precision {
        Precision::Exact => 4.0 * (d + 3.0) * eps::<T>() * sq_dist_f64(x, chosen),
        Precision::DotProduct => {
            8.0 * (d + 3.0) * eps::<T>() * (sq_norm(x) + sq_norm(chosen) + sq_norm(best))
        }
    }
}

/// Check that every label is in range and names a nearest centroid up to [`label_slack`].
///
/// # Errors
/// The first offending point, with both distances.
pub fn check_labels<T: Scalar>(
    precision: Precision,
    data: Points<'_, T>,
    centroids: Points<'_, T>,
    labels: &[u32],
) -> Result<(), String> {
    if labels.len() != data.n() {
        return Err(format!("{} labels for {} points", labels.len(), data.n()));
    }
    for (i, (x, &l)) in data.rows().zip(labels).enumerate() {
        let l = l as usize;
        if l >= centroids.n() {
            return Err(format!(
                "point {i}: label {l} out of range 0..{}",
                centroids.n()
            ));
        }
        let (best, best_dist) = reference::nearest(x, centroids);
        if l == best {
            continue;
        }
        let dist = sq_dist_f64(x, centroids.row(l));
        let slack = label_slack(precision, x, centroids.row(l), centroids.row(best));
        if dist - best_dist > slack {
            return Err(format!(
                "point {i}: label {l} at squared distance {dist:e}, but centroid {best} is at \
                 {best_dist:e} (allowed slack {slack:e})"
            ));
        }
    }
    Ok(())
}

/// Check counts equal the label counts exactly and non-empty rows equal the exact means.
///
/// # Errors
/// The first wrong count or coordinate.
pub fn check_means<T: Scalar>(
    data: Points<'_, T>,
    labels: &[u32],
    centroids: &[T],
    counts: &[u32],
) -> Result<(), String> {
    let (k, d) = (counts.len(), data.d());
    let (expected, expected_counts) = reference::means(data, labels, k);
    if counts != expected_counts.as_slice() {
        return Err(format!("counts {counts:?}, expected {expected_counts:?}"));
    }
    let mut abs_sum = vec![0.0f64; k * d];
    for (x, &l) in data.rows().zip(labels) {
        for (s, v) in abs_sum[l as usize * d..(l as usize + 1) * d]
            .iter_mut()
            .zip(x)
        {
            *s += v.as_f64().abs();
        }
    }
    for j in (0..k).filter(|&j| counts[j] > 0) {
        let m = f64::from(counts[j]);
        for t in 0..d {
            let (got, want) = (centroids[j * d + t].as_f64(), expected[j * d + t]);
            let tol = 4.0 * (m + 2.0) * eps::<T>() * abs_sum[j * d + t] / m + f64::MIN_POSITIVE;
            if got.is_nan() || (got - want).abs() > tol {
                return Err(format!(
                    "cluster {j} (of {m} points), coordinate {t}: mean {got:e}, expected {want:e} \
                     (tolerance {tol:e})"
                ));
            }
        }
    }
    Ok(())
}

/// Summed label slack of a whole assignment: how much an inertia may differ from exact.
fn inertia_slack<T: Scalar>(
    precision: Precision,
    data: Points<'_, T>,
    centroids: Points<'_, T>,
) -> f64 {
    match precision {
        Precision::Exact => 0.0,
        Precision::DotProduct => {
            let max_c = centroids.rows().map(sq_norm).fold(0.0, f64::max);
            let d = data.d() as f64;
            data.rows()
                .map(|x| 8.0 * (d + 3.0) * eps::<T>() * (sq_norm(x) + 2.0 * max_c))
                .sum()
        }
    }
}

/// Check that `got` is the inertia of `labels` w.r.t. `centroids`, within the rounding a
/// variant of `precision` may add.
///
/// # Errors
/// Both values and the tolerance.
pub fn check_inertia<T: Scalar>(
    precision: Precision,
    data: Points<'_, T>,
    centroids: Points<'_, T>,
    labels: &[u32],
    got: f64,
) -> Result<(), String> {
    let exact = inertia(data, centroids, labels);
    let (n, d) = (data.n() as f64, data.d() as f64);
    let tol = 4.0 * (n + d + 3.0) * eps::<T>() * exact
        + inertia_slack(precision, data, centroids)
        + f64::MIN_POSITIVE;
    if got.is_nan() || (got - exact).abs() > tol {
        return Err(format!(
            "inertia {got:e}, exact {exact:e} (tolerance {tol:e})"
        ));
    }
    Ok(())
}

/// Run an assignment step on a case and check its labels.
///
/// # Errors
/// What was wrong, naming the case.
pub fn check_assign_case<T: Scalar>(
    step: &dyn AssignStep<T>,
    precision: Precision,
    case: &Case<T>,
) -> Result<(), String> {
    let mut labels = vec![u32::MAX; case.data.n()];
    step.assign(case.data.view(), case.centroids.view(), &mut labels);
    check_labels(precision, case.data.view(), case.centroids.view(), &labels)
        .map_err(|e| format!("{}: {e}", case.name))
}

/// Run an update step on a case's labels and check means and counts.
///
/// # Errors
/// What was wrong, naming the case.
pub fn check_update_case<T: Scalar>(
    step: &dyn UpdateStep<T>,
    case: &Case<T>,
) -> Result<(), String> {
    let (k, d) = case.centroids.shape();
    let mut centroids = vec![T::zero(); k * d];
    let mut counts = vec![u32::MAX; k];
    step.update(case.data.view(), &case.labels, &mut centroids, &mut counts);
    check_means(case.data.view(), &case.labels, &centroids, &counts)
        .map_err(|e| format!("{}: {e}", case.name))
}

/// Run one iteration on a case and check labels, inertia, means and counts (the means against
/// the step's own labels, so that a genuine tie resolved differently is not an error).
///
/// # Errors
/// What was wrong, naming the case.
pub fn check_iterate_case<T: Scalar>(
    step: &dyn IterationStep<T>,
    precision: Precision,
    case: &Case<T>,
) -> Result<(), String> {
    let (data, centroids) = (case.data.view(), case.centroids.view());
    let (k, d) = case.centroids.shape();
    let context = |e: String| format!("{}: {e}", case.name);
    let mut labels = vec![u32::MAX; data.n()];
    let got = step.assign(data, centroids, &mut labels);
    check_labels(precision, data, centroids, &labels)
        .map_err(|e| context(format!("assign: {e}")))?;
    check_inertia(precision, data, centroids, &labels, got)
        .map_err(|e| context(format!("assign: {e}")))?;

    let mut labels = vec![u32::MAX; data.n()];
    let mut next = vec![T::zero(); k * d];
    let mut counts = vec![u32::MAX; k];
    let got = step.iterate(data, centroids, &mut labels, &mut next, &mut counts);
    check_labels(precision, data, centroids, &labels)
        .map_err(|e| context(format!("iterate: {e}")))?;
    check_inertia(precision, data, centroids, &labels, got)
        .map_err(|e| context(format!("iterate: {e}")))?;
    check_means(data, &labels, &next, &counts).map_err(|e| context(format!("iterate: {e}")))
}

/// Random labels in `0..k`.
fn random_labels(n: usize, k: usize, rng: &mut StdRng) -> Vec<u32> {
    (0..n).map(|_| rng.random_range(0..k) as u32).collect()
}

/// Data of `n × d` values of kind `kind` (0: uniform in `[0, s)`, 1: Gaussian blobs around `k`
/// centres in `[-s, s]`, 2: uniform in `[100·s, 101·s)`, far from the origin), with `k`
/// centroids drawn the same way and random labels. `s = 10^scale_exp`.
pub fn random_case<T: Scalar>(
    n: usize,
    k: usize,
    d: usize,
    scale_exp: i32,
    kind: u8,
    seed: u64,
) -> Case<T> {
    let scale = 10f64.powi(scale_exp);
    let mut rng = StdRng::seed_from_u64(seed);
    let draw = |rows: usize, rng: &mut StdRng| -> Matrix<T> {
        let raw: Matrix<f64> = match kind {
            0 => crate::data::uniform(rows, d, rng.random()),
            1 => crate::data::blobs(rows, k, d, 1.0, rng.random()).data,
            _ => crate::data::uniform(rows, d, rng.random()),
        };
        let offset = if kind >= 2 { 100.0 } else { 0.0 };
        let unit = if kind == 1 { 0.1 } else { 1.0 };
        let values = raw
            .as_slice()
            .iter()
            .map(|&v| T::of_f64((offset + v) * unit * scale))
            .collect();
        Matrix::from_vec(values, rows, d).expect("shape is consistent")
    };
    let data = draw(n, &mut rng);
    let centroids = draw(k, &mut rng);
    let labels = random_labels(n, k, &mut rng);
    Case::new(
        format!("random n={n} k={k} d={d} scale=1e{scale_exp} kind={kind} seed={seed}"),
        data,
        centroids,
        labels,
    )
}

fn matrix<T: Scalar>(rows: &[&[f64]]) -> Matrix<T> {
    let rows: Vec<Vec<T>> = rows
        .iter()
        .map(|r| r.iter().map(|&v| T::of_f64(v)).collect())
        .collect();
    Matrix::from_rows(&rows).expect("edge-case literal is rectangular")
}

/// The hand-picked edge cases: `n = 1`, `k = 1`, `k = n`, `d = 1`, duplicate points, exact ties,
/// `d` around SIMD widths, tiny and huge magnitudes, coincident centroids, empty clusters.
pub fn edge_cases<T: Scalar>() -> Vec<Case<T>> {
    let mut rng = StdRng::seed_from_u64(0xC0FFEE);
    let mut cases = Vec::new();
    let mut with_random =
        |name: &str, n: usize, k: usize, d: usize, exp: i32, kind: u8, rng: &mut StdRng| {
            let mut c = random_case::<T>(n, k, d, exp, kind, rng.random());
            c.name = name.to_string();
            cases.push(c);
        };
    with_random("n = 1, k = 1, d = 1", 1, 1, 1, 0, 0, &mut rng);
    with_random("n = 1, k = 1, d = 17", 1, 1, 17, 0, 0, &mut rng);
    with_random("k = 1", 50, 1, 5, 0, 0, &mut rng);
    with_random("d = 1", 40, 4, 1, 0, 0, &mut rng);
    for d in [2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65] {
        with_random(&format!("d = {d} (SIMD tails)"), 37, 5, d, 0, 1, &mut rng);
    }
    for n in [7, 8, 9, 255, 256, 257] {
        with_random(&format!("n = {n} (block tails)"), n, 6, 13, 0, 1, &mut rng);
    }
    for k in [2, 3, 4, 5, 7, 8, 9, 16, 17, 33] {
        with_random(
            &format!("k = {k} (centroid blocks)"),
            70,
            k,
            11,
            0,
            0,
            &mut rng,
        );
    }
    with_random("tiny magnitudes (1e-6)", 60, 4, 9, -6, 0, &mut rng);
    with_random("huge magnitudes (1e6)", 60, 4, 9, 6, 1, &mut rng);
    with_random("far from the origin", 60, 4, 9, 0, 2, &mut rng);

    // k = n: centroids are the points themselves.
    let data = random_case::<T>(12, 1, 3, 0, 0, rng.random()).data;
    let labels = (0..12).collect();
    cases.push(Case::new(
        "k = n, centroids = points",
        data.clone(),
        data,
        labels,
    ));

    // Duplicate points: 3 values, 10 copies each.
    let rows: Vec<[f64; 2]> = (0..30).map(|i| [(i % 3) as f64, 1.0]).collect();
    let rows: Vec<&[f64]> = rows.iter().map(|r| r.as_slice()).collect();
    let data = matrix::<T>(&rows);
    let centroids = matrix::<T>(&[&[0.0, 1.0], &[1.0, 1.0], &[2.0, 1.0]]);
    cases.push(Case::new(
        "duplicate points",
        data,
        centroids,
        (0..30).map(|i| i % 3).collect(),
    ));

    // Exact ties: every point is equally far from both centroids.
    let data = matrix::<T>(&[
        &[0.0, 0.0],
        &[0.0, 1.0],
        &[0.0, -2.0],
        &[0.0, 3.5],
        &[0.0, 0.25],
    ]);
    let centroids = matrix::<T>(&[&[-1.0, 0.0], &[1.0, 0.0]]);
    cases.push(Case::new(
        "exact ties (perpendicular bisector)",
        data,
        centroids,
        vec![0, 1, 0, 1, 1],
    ));
    let data = matrix::<T>(&[&[0.0], &[1.0], &[2.0], &[3.0]]);
    let centroids = matrix::<T>(&[&[0.0], &[2.0]]);
    cases.push(Case::new(
        "exact ties in 1-D",
        data,
        centroids,
        vec![0, 0, 1, 1],
    ));

    // Coincident centroids: every point ties between centroids 0 and 1.
    let data = random_case::<T>(20, 1, 4, 0, 0, rng.random()).data;
    let c = data.row(3).to_vec();
    let centroids = Matrix::from_rows(&[c.clone(), c, data.row(9).to_vec()]).expect("3 rows");
    cases.push(Case::new(
        "coincident centroids",
        data,
        centroids,
        vec![2; 20],
    ));

    // Empty clusters: labels skip clusters 1, 3 and 4; a centroid far away gets no point.
    let mut c = random_case::<T>(40, 6, 5, 0, 0, rng.random());
    c.labels = (0..40).map(|i| [0, 2, 5][i % 3]).collect();
    c.centroids
        .row_mut(4)
        .iter_mut()
        .for_each(|v| *v = T::of_f64(1e3));
    c.name = "empty clusters (labels skip 1, 3, 4; centroid 4 far away)".into();
    cases.push(c);
    cases
}

fn proptest_config() -> Config {
    let mut config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 48;
    }
    config
}

/// Random shapes: `n` in 1..=150, `d` in 1..=40, `k` in 1..=min(n, 24), magnitudes 1e-6..1e6,
/// three data kinds.
fn random_cases<T: Scalar>() -> impl Strategy<Value = Case<T>> {
    (
        1usize..=150,
        1usize..=40,
        0usize..1000,
        -6i32..=6,
        0u8..3,
        any::<u64>(),
    )
        .prop_map(|(n, d, kf, exp, kind, seed)| {
            let k = 1 + kf % n.min(24);
            random_case::<T>(n, k, d, exp, kind, seed)
        })
}

fn run_cases<T: Scalar>(
    memory: &dyn Fn(Shape) -> f64,
    check: &dyn Fn(&Case<T>) -> Result<(), String>,
) -> Result<(), String> {
    let fits = |c: &Case<T>| memory(c.shape()) <= MEMORY_LIMIT_BYTES;
    for case in edge_cases::<T>().iter().filter(|c| fits(c)) {
        check(case)?;
    }
    let mut runner = TestRunner::new(proptest_config());
    runner
        .run(&random_cases::<T>(), |case| {
            if fits(&case) {
                check(&case).map_err(TestCaseError::fail)?;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())
}

/// The whole kit for one assignment variant and float type. `Ok(false)`: no `T` implementation.
///
/// # Errors
/// The first failing case, with the minimal failing input for random cases.
pub fn check_assign_variant<T: Scalar>(variant: &AssignVariant) -> Result<bool, String> {
    let Some(step) = variant.get::<T>() else {
        return Ok(false);
    };
    let precision = variant.info.precision;
    run_cases::<T>(&*variant.info.memory, &|c| {
        check_assign_case(step, precision, c)
    })?;
    // Also as part of a whole fit, composed with the reference update.
    let update = UpdateVariant::new(
        crate::VariantInfo::new("reference/update", "oracle"),
        reference::Reference,
    );
    let composed = IterationVariant::compose(variant.info.clone(), variant, &update);
    check_fits::<T>(&composed)?;
    Ok(true)
}

/// The whole kit for one update variant and float type. `Ok(false)`: no `T` implementation.
///
/// # Errors
/// The first failing case, with the minimal failing input for random cases.
pub fn check_update_variant<T: Scalar>(variant: &UpdateVariant) -> Result<bool, String> {
    let Some(step) = variant.get::<T>() else {
        return Ok(false);
    };
    run_cases::<T>(&*variant.info.memory, &|c| check_update_case(step, c))?;
    let assign = AssignVariant::new(
        crate::VariantInfo::new("reference/assign", "oracle"),
        reference::Reference,
    );
    let composed = IterationVariant::compose(variant.info.clone(), &assign, variant);
    check_fits::<T>(&composed)?;
    Ok(true)
}

/// The whole kit for one iteration variant and float type. `Ok(false)`: no `T` implementation.
///
/// # Errors
/// The first failing case, with the minimal failing input for random cases.
pub fn check_iteration_variant<T: Scalar>(variant: &IterationVariant) -> Result<bool, String> {
    let Some(step) = variant.get::<T>() else {
        return Ok(false);
    };
    let precision = variant.info.precision;
    run_cases::<T>(&*variant.info.memory, &|c| {
        check_iterate_case(step, precision, c)
    })?;
    check_sq_distances(&variant.info.name, step)?;
    check_fits::<T>(variant)?;
    Ok(true)
}

/// The variant's [`IterationStep::sq_distances`] (the inits' distance blocks) against the
/// `f64` oracle, through every tail of the SIMD widths: `d` and the number of centers from 1
/// past two 512-bit vectors, a few point counts, and exact zeros for a point equal to a center.
/// Its [`IterationStep::prepare_distances`] must then give the same values, bit for bit, for
/// the whole data and for row ranges that start and end inside a vector of points.
///
/// # Errors
/// The first distance off by more than the exact-difference rounding, or prepared differently.
pub fn check_sq_distances<T: Scalar>(
    name: &str,
    step: &dyn IterationStep<T>,
) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(77);
    // Long rows too: a step may put coordinates in the lanes there (kmeans-simd does from
    // 1 KiB: f32 d = 256, f64 d = 128), with a tail of every kind at d = 300.
    for d in [1, 2, 3, 7, 8, 9, 16, 17, 33, 128, 255, 256, 300] {
        for t in [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 33] {
            for n in [1, 5, 8, 9, 23, 70] {
                let data = crate::data::uniform::<T>(n, d, rng.random());
                let mut centers = crate::data::uniform::<T>(t, d, rng.random());
                // One center is a data point: its distance must be exactly 0.
                centers.row_mut(t / 2).copy_from_slice(data.row(n / 2));
                let mut out = vec![T::nan(); n * t];
                step.sq_distances(data.view(), centers.view(), &mut out);
                for i in 0..n {
                    for j in 0..t {
                        let want = sq_dist_f64(data.row(i), centers.row(j));
                        let got = out[i * t + j].as_f64();
                        let tol = 4.0 * d as f64 * eps::<T>() * want.max(f64::MIN_POSITIVE);
                        let exact_zero = i == n / 2 && j == t / 2;
                        if (exact_zero && got != 0.0) || got.is_nan() || (got - want).abs() > tol {
                            return Err(format!(
                                "{name}: sq_distances n={n} d={d} t={t}: out[{i}, {j}] = {got:e}, want {want:e}"
                            ));
                        }
                    }
                }
                // Many passes (a step may lay the data out) and one (it may not).
                for passes in [usize::MAX, 1] {
                    check_prepared(name, step, (&data, &centers, &out), passes)?;
                }
            }
        }
    }
    Ok(())
}

/// One [`IterationStep::prepare_distances`] (for `passes`) against `sq_distances`' block `out`
/// for the same data and centers, bit for bit, over row ranges that start and end inside a
/// vector of points.
fn check_prepared<T: Scalar>(
    name: &str,
    step: &dyn IterationStep<T>,
    (data, centers, out): (&Matrix<T>, &Matrix<T>, &[T]),
    passes: usize,
) -> Result<(), String> {
    let (n, d, t) = (data.n(), data.d(), centers.n());
    let prepared = step.prepare_distances(data.view(), passes);
    if prepared.n() != n {
        return Err(format!(
            "{name}: prepare_distances n={n}: n() = {}",
            prepared.n()
        ));
    }
    for rows in [0..n, n / 3..n, n.min(1)..n - n / 2, n / 2..n / 2] {
        let len = rows.len();
        let mut cols = vec![T::nan(); len * t];
        prepared.sq_distances(rows.clone(), centers.view(), &mut cols);
        for i in 0..len {
            for j in 0..t {
                let (got, want) = (cols[j * len + i], out[(rows.start + i) * t + j]);
                if got.as_f64().to_bits() != want.as_f64().to_bits() {
                    return Err(format!(
                        "{name}: prepare_distances n={n} d={d} t={t} passes={passes} rows {rows:?}: point {}, center {j}: {:e}, sq_distances gave {:e}",
                        rows.start + i,
                        got.as_f64(),
                        want.as_f64()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whole fits through the Lloyd driver: inertia never increases, labels agree with the final
/// centroids, nothing is NaN, results are bit-identical for the same seed with 1 or 2 threads,
/// and an init that empties a cluster is repaired.
///
/// # Errors
/// The first violated property.
pub fn check_fits<T: Scalar>(variant: &IterationVariant) -> Result<(), String> {
    let name = &variant.info.name;
    let precision = variant.info.precision;
    let blobs = crate::data::blobs::<T>(600, 5, 7, 1.5, 1);
    let uniform = crate::data::uniform::<T>(500, 9, 2);
    // Two tight groups and a third init centroid far from both: it gets no point at first.
    let rows: Vec<Vec<f64>> = (0..60)
        .map(|i| vec![(i % 2) as f64 * 10.0 + (i as f64) * 1e-3, 1.0])
        .collect();
    let groups = matrix::<T>(&rows.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let far = matrix::<T>(&[&[0.0, 1.0], &[10.0, 1.0], &[500.0, 500.0]]);
    let fits: Vec<(&str, Points<'_, T>, KMeans<T>)> = vec![
        (
            "blobs, k-means++",
            blobs.data.view(),
            KMeans::new(5).seed(3).max_iter(40).tol(0.0),
        ),
        (
            "uniform, random init",
            uniform.view(),
            KMeans::slides(8, 25).seed(4),
        ),
        (
            "blobs, k-means||",
            blobs.data.view(),
            KMeans::new(5)
                .init(Init::kmeans_parallel())
                .seed(6)
                .max_iter(40)
                .tol(1e-4),
        ),
        (
            "uniform, k-means++, n_init = 3",
            uniform.view(),
            KMeans::new(6).seed(5).n_init(3).tol(1e-4),
        ),
        (
            "empty cluster after init",
            groups.view(),
            KMeans::new(3)
                .init(Init::Centroids(far))
                .max_iter(10)
                .tol(0.0),
        ),
    ];
    for (what, data, params) in fits {
        let context = |e: String| format!("{name}: fit on {what}: {e}");
        let one = params
            .clone()
            .threads(Some(1))
            .fit_variant(variant, data)
            .map_err(|e| context(e.to_string()))?;
        let two = params
            .clone()
            .threads(Some(2))
            .fit_variant(variant, data)
            .map_err(|e| context(e.to_string()))?;
        if one.centroids != two.centroids
            || one.labels != two.labels
            || one.inertia.to_bits() != two.inertia.to_bits()
        {
            return Err(context("1 and 2 threads give different results".into()));
        }
        let again = params
            .clone()
            .threads(Some(1))
            .fit_variant(variant, data)
            .map_err(|e| context(e.to_string()))?;
        if again.centroids != one.centroids || again.labels != one.labels {
            return Err(context("the same seed gave a different result".into()));
        }
        if one.centroids.as_slice().iter().any(|v| !v.is_finite()) {
            return Err(context(format!("non-finite centroid: {:?}", one.centroids)));
        }
        check_labels(precision, data, one.centroids.view(), &one.labels)
            .map_err(|e| context(format!("final labels: {e}")))?;
        check_inertia(
            precision,
            data,
            one.centroids.view(),
            &one.labels,
            one.inertia,
        )
        .map_err(&context)?;
        let slack = inertia_slack(precision, data, one.centroids.view());
        let history = one.inertia_per_iteration();
        let relative = 4.0 * (data.n() + data.d()) as f64 * eps::<T>();
        for (i, w) in history.windows(2).enumerate() {
            if w[1] > w[0] * (1.0 + relative) + slack {
                return Err(context(format!(
                    "inertia rose from {:e} to {:e} at iteration {}",
                    w[0],
                    w[1],
                    i + 2
                )));
            }
        }
        if let Some(&last) = history.last()
            && one.inertia > last * (1.0 + relative) + slack
        {
            return Err(context(format!(
                "final inertia {:e} above the last iteration's {last:e}",
                one.inertia
            )));
        }
        if what.starts_with("empty") && one.history[0].relocated == 0 {
            return Err(context(
                "the far centroid should have been relocated in iteration 1".into(),
            ));
        }
    }
    Ok(())
}

/// Check fits on the slides' setting (`n = 5000, k = 26, d = 26` uniform, random init, `tol = 0`,
/// 50 iterations) agree with the reference: all 50 iterations run, labels equal, centroids within
/// `1e-9` (f64) relative. Returns the variant's fit.
///
/// # Errors
/// What disagrees.
pub fn check_slides_fit(
    variant: &IterationVariant,
    iterations: usize,
) -> Result<crate::Fit<f64>, String> {
    let data = crate::data::uniform::<f64>(crate::data::SLIDES_N, crate::data::SLIDES_D, 2022);
    let params = KMeans::slides(crate::data::SLIDES_K, iterations).seed(1);
    let want = params
        .fit(&reference::Reference, data.view())
        .map_err(|e| e.to_string())?;
    let got = params
        .fit_variant(variant, data.view())
        .map_err(|e| e.to_string())?;
    let name = &variant.info.name;
    if got.iterations != iterations {
        return Err(format!(
            "{name}: ran {} iterations, expected {iterations}",
            got.iterations
        ));
    }
    let differ = got
        .labels
        .iter()
        .zip(&want.labels)
        .filter(|(a, b)| a != b)
        .count();
    if differ > 0 {
        return Err(format!(
            "{name}: {differ} labels differ from the reference after {iterations} iterations"
        ));
    }
    for (a, b) in got
        .centroids
        .as_slice()
        .iter()
        .zip(want.centroids.as_slice())
    {
        if (a - b).abs() > 1e-9 * b.abs().max(1.0) {
            return Err(format!("{name}: centroid value {a} vs reference {b}"));
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VariantInfo;

    /// A deliberately wrong assignment: always label 0.
    struct AlwaysZero;
    impl<T: Scalar> AssignStep<T> for AlwaysZero {
        fn assign(&self, _: Points<'_, T>, _: Points<'_, T>, labels: &mut [u32]) {
            labels.fill(0);
        }
    }

    /// A deliberately wrong update: forgets the last point of the data.
    struct DropsLastPoint;
    impl<T: Scalar> UpdateStep<T> for DropsLastPoint {
        fn update(
            &self,
            data: Points<'_, T>,
            labels: &[u32],
            centroids: &mut [T],
            counts: &mut [u32],
        ) {
            let n = data.n().saturating_sub(1).max(1);
            reference::Reference.update(data.slice_rows(0, n), &labels[..n], centroids, counts);
        }
    }

    #[test]
    fn the_reference_passes_its_own_kit() {
        let info = VariantInfo::new("reference/assign/exact", "oracle");
        let assign = AssignVariant::new(info, reference::Reference);
        assert_eq!(check_assign_variant::<f64>(&assign), Ok(true));
        assert_eq!(check_assign_variant::<f32>(&assign), Ok(true));
        let update = UpdateVariant::new(
            VariantInfo::new("reference/update/exact", "oracle"),
            reference::Reference,
        );
        assert_eq!(check_update_variant::<f32>(&update), Ok(true));
        let iterate = IterationVariant::new(
            VariantInfo::new("reference/iter/exact", "oracle"),
            reference::Reference,
        );
        assert_eq!(check_iteration_variant::<f64>(&iterate), Ok(true));
    }

    #[test]
    fn the_kit_catches_a_wrong_assignment() {
        let wrong = AssignVariant::new(VariantInfo::new("broken/assign/zero", "wrong"), AlwaysZero);
        let err = check_assign_variant::<f64>(&wrong).unwrap_err();
        assert!(err.contains("label 0"), "{err}");
    }

    #[test]
    fn the_kit_catches_a_wrong_update() {
        let wrong = UpdateVariant::new(
            VariantInfo::new("broken/update/drop", "wrong"),
            DropsLastPoint,
        );
        let err = check_update_variant::<f64>(&wrong).unwrap_err();
        assert!(err.contains("counts"), "{err}");
    }

    #[test]
    fn exact_slack_rejects_a_clearly_farther_centroid_but_accepts_ties() {
        let data = matrix::<f64>(&[&[0.0, 0.0]]);
        let centroids = matrix::<f64>(&[&[1.0, 0.0], &[-1.0, 0.0], &[2.0, 0.0]]);
        assert!(check_labels(Precision::Exact, data.view(), centroids.view(), &[1]).is_ok());
        assert!(check_labels(Precision::Exact, data.view(), centroids.view(), &[2]).is_err());
        assert!(check_labels(Precision::Exact, data.view(), centroids.view(), &[3]).is_err());
    }
}
