//! The bounds variants (Hamerly, Yinyang) are exact: from the same init and for the same number of iterations,
//! their fits equal plain Lloyd's (`Exact`, the same distance kernel without bounds) — labels
//! identical and, since the points are then added in the same order, centroids and inertia
//! bit-identical — on every ISA, with 1 and 2 threads, on well and badly separated data, the
//! kit's edge cases (duplicates, ties, `k = 1`, `k = n`) and a fit that relocates a cluster.
//!
//! The variants whose dense pass runs on the dot-product tile (`hamerly-dot`, and the default
//! `auto`) are checked iteration by iteration against the dot-form Lloyd step
//! on the same centroids: labels equal but for genuine ties (the dot form's slack), counts
//! exact, means those of their labels within rounding, inertia that of their labels.

use kmeans_core::testkit::{self, edge_cases};
use kmeans_core::{
    Fit, Init, IterationStep, KMeans, Matrix, Precision, Scalar, data, relocate_empty_clusters,
};
use kmeans_simd::{Auto, Blocking, Dot, Exact, Hamerly, Isa, Lanes, Yinyang};

/// The bounds variants under test, by name, pinned to `isa` and threaded.
fn bounded<T: Scalar>(isa: Isa) -> Vec<(&'static str, Box<dyn IterationStep<T>>)>
where
    Hamerly: IterationStep<T>,
    Yinyang: IterationStep<T>,
{
    vec![
        (
            "hamerly",
            Box::new(Hamerly::with_isa(isa).unwrap().parallel(true)),
        ),
        (
            "yinyang",
            Box::new(Yinyang::with_isa(isa).unwrap().parallel(true)),
        ),
    ]
}

/// Fit `data` with every bounds variant and with plain `Exact` Lloyd from `init`,
/// `iterations` iterations (`tol = 0`), and demand equal results; the last variant's fit.
fn same_fit<T: Scalar>(
    what: &str,
    data: &Matrix<T>,
    init: Matrix<T>,
    iterations: usize,
    isa: Isa,
    threads: usize,
) -> Result<Fit<T>, String>
where
    Hamerly: IterationStep<T>,
    Yinyang: IterationStep<T>,
    Exact: IterationStep<T>,
{
    let params = KMeans::new(init.n())
        .init(Init::Centroids(init))
        .max_iter(iterations)
        .tol(0.0)
        .threads(Some(threads));
    let plain = Exact::with_isa(isa).unwrap().parallel(true);
    let want = params
        .fit(&plain, data.view())
        .map_err(|e| format!("{what} [{isa}, {threads} threads, {}]: {e}", T::DTYPE))?;
    let mut last = None;
    for (name, bounds) in bounded::<T>(isa) {
        let context = |e: String| {
            format!(
                "{what} [{name}, {isa}, {threads} threads, {}]: {e}",
                T::DTYPE
            )
        };
        let got = params
            .fit(bounds.as_ref(), data.view())
            .map_err(|e| context(e.to_string()))?;
        check_same(&got, &want, data).map_err(context)?;
        last = Some(got);
    }
    Ok(last.expect("at least one bounds variant"))
}

/// `got` equals `want` (plain Lloyd's): labels identical but for genuine ties, and with the
/// same labels, centroids, inertia and per-iteration shifts bit for bit. No iteration
/// computed more than `n·(k + 1)` distances (a point whose bounds all fail costs its own
/// centroid's distance and then the dense pass).
fn check_same<T: Scalar>(got: &Fit<T>, want: &Fit<T>, data: &Matrix<T>) -> Result<(), String> {
    let all = (data.n() * (got.centroids.n() + 1)) as u64;
    if let Some(h) = got.history.iter().find(|h| h.distances > all) {
        return Err(format!(
            "iteration {} counted {} distances, more than n·(k + 1) = {all}",
            h.iteration, h.distances
        ));
    }
    if got.labels != want.labels {
        let i = (0..want.labels.len())
            .find(|&i| got.labels[i] != want.labels[i])
            .unwrap_or(0);
        // A genuine tie is the only acceptable difference.
        testkit::check_labels(
            Precision::Exact,
            data.view(),
            got.centroids.view(),
            &got.labels,
        )
        .map_err(|e| format!("labels differ from Lloyd's at point {i}: {e}"))?;
        return Ok(());
    }
    if got.centroids != want.centroids || got.inertia.to_bits() != want.inertia.to_bits() {
        return Err(format!(
            "same labels but different centroids or inertia ({} vs {})",
            got.inertia, want.inertia
        ));
    }
    let shifts = |f: &Fit<T>| f.history.iter().map(|h| h.shift).collect::<Vec<_>>();
    if shifts(got) != shifts(want) {
        return Err("different per-iteration history".into());
    }
    Ok(())
}

fn cases<T: Scalar>() -> Vec<(String, Matrix<T>, Matrix<T>, usize)> {
    let mut out = Vec::new();
    // Well separated, many chunks (n > 16 · 512), mid d.
    let blobs = data::blobs::<T>(20_000, 24, 12, 0.5, 7);
    let init =
        Matrix::from_rows(&(0..24).map(|i| blobs.data.row(i * 811)).collect::<Vec<_>>()).unwrap();
    out.push(("blobs 20000 x 12, k = 24".into(), blobs.data, init, 30));
    // Badly separated: uniform data, low d.
    let uniform = data::uniform::<T>(9_000, 3, 11);
    let init =
        Matrix::from_rows(&(0..40).map(|i| uniform.row(i * 97)).collect::<Vec<_>>()).unwrap();
    out.push(("uniform 9000 x 3, k = 40".into(), uniform, init, 40));
    // Overlapping clusters, k = 64: six Yinyang groups, so the group filter decides.
    let overlap = data::blobs::<T>(6_000, 64, 5, 2.0, 9);
    let init = Matrix::from_rows(
        &(0..64)
            .map(|i| overlap.data.row(i * 89))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    out.push((
        "overlapping blobs 6000 x 5, k = 64".into(),
        overlap.data,
        init,
        25,
    ));
    for case in edge_cases::<T>() {
        out.push((case.name, case.data, case.centroids, 8));
    }
    out
}

fn check_all<T: Scalar>()
where
    Hamerly: IterationStep<T>,
    Yinyang: IterationStep<T>,
    Exact: IterationStep<T>,
{
    let mut failures = Vec::new();
    for isa in Isa::available() {
        for (what, data, init, iterations) in cases::<T>() {
            for threads in [1, 2] {
                if let Err(e) = same_fit(&what, &data, init.clone(), iterations, isa, threads) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bounds_fits_equal_plain_lloyd_f64() {
    check_all::<f64>();
}

#[test]
fn bounds_fits_equal_plain_lloyd_f32() {
    check_all::<f32>();
}

/// The dot-form bounds variants under test, pinned to `isa` and threaded.
fn bounded_dot<T: Scalar>(isa: Isa) -> Vec<(&'static str, Box<dyn IterationStep<T>>)>
where
    Hamerly: IterationStep<T>,
    Auto: IterationStep<T>,
{
    vec![
        (
            "hamerly-dot",
            Box::new(
                Hamerly::with_isa(isa)
                    .unwrap()
                    .dot_dense(true)
                    .parallel(true),
            ),
        ),
        ("auto", Box::new(Auto::with_isa(isa).unwrap())),
    ]
}

/// Run `step`'s per-fit state for `iterations` iterations from `init` as the driver does
/// (relocating empty clusters, restarting the state when it did), and check every iteration
/// against `lloyd`'s assignment to the same centroids.
fn same_steps<T: Scalar>(
    step: &dyn IterationStep<T>,
    lloyd: &dyn IterationStep<T>,
    data: &Matrix<T>,
    init: Matrix<T>,
    iterations: usize,
) -> Result<(), String> {
    let (n, k, d) = (data.n(), init.n(), data.d());
    let points = data.view();
    let mut state = step.start(points, k).ok_or("the variant keeps no state")?;
    let mut centroids = init;
    let mut labels = vec![0u32; n];
    let mut want = vec![0u32; n];
    for iteration in 1..=iterations {
        let at = |e: String| format!("iteration {iteration}: {e}");
        let mut next = Matrix::zeros(k, d);
        let mut counts = vec![0u32; k];
        let got = state.iterate(
            points,
            centroids.view(),
            &mut labels,
            next.as_mut_slice(),
            &mut counts,
        );
        let computed = state.distances().ok_or("no distance count")?;
        if computed > (n * (k + 1)) as u64 {
            return Err(at(format!("{computed} distances, above n·(k + 1)")));
        }
        lloyd.assign(points, centroids.view(), &mut want);
        if labels != want {
            testkit::check_labels(Precision::DotProduct, points, centroids.view(), &labels)
                .map_err(at)?;
        }
        testkit::check_means(points, &labels, next.as_slice(), &counts).map_err(at)?;
        testkit::check_inertia(
            Precision::DotProduct,
            points,
            centroids.view(),
            &labels,
            got,
        )
        .map_err(at)?;
        if relocate_empty_clusters(
            points,
            centroids.view(),
            &mut labels,
            &mut next,
            &mut counts,
        ) > 0
        {
            state = step.start(points, k).ok_or("the variant keeps no state")?;
        }
        centroids = next;
    }
    Ok(())
}

fn check_all_dot<T: Scalar>()
where
    Hamerly: IterationStep<T>,
    Auto: IterationStep<T>,
    Dot: IterationStep<T>,
{
    let mut failures = Vec::new();
    for isa in Isa::available() {
        let lloyd = Dot::with_isa(isa, Blocking::Cache).unwrap();
        for (what, data, init, iterations) in cases::<T>() {
            for threads in [1, 2] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                for (name, step) in bounded_dot::<T>(isa) {
                    pool.install(|| {
                        same_steps(step.as_ref(), &lloyd, &data, init.clone(), iterations)
                    })
                    .unwrap_or_else(|e| {
                        failures.push(format!(
                            "{what} [{name}, {isa}, {threads} threads, {}]: {e}",
                            T::DTYPE
                        ))
                    });
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dot_bounds_steps_equal_dot_lloyd_f64() {
    check_all_dot::<f64>();
}

#[test]
fn dot_bounds_steps_equal_dot_lloyd_f32() {
    check_all_dot::<f32>();
}

/// A cluster that empties is relocated by the driver; the bounds restart and stay exact.
#[test]
fn bounds_survive_relocation() {
    let rows: Vec<Vec<f64>> = (0..60)
        .map(|i| vec![(i % 2) as f64 * 10.0 + (i as f64) * 1e-3, 1.0])
        .collect();
    let data = Matrix::from_rows(&rows).unwrap();
    let far = Matrix::from_rows(&[[0.0, 1.0], [10.0, 1.0], [500.0, 500.0]]).unwrap();
    for isa in Isa::available() {
        let fit = same_fit("relocation", &data, far.clone(), 10, isa, 1).unwrap();
        assert!(fit.history[0].relocated > 0, "{isa}: nothing was relocated");
    }
}

/// The bounds do skip work: on well-separated blobs, after a few iterations, each variant
/// computes a small part of plain Lloyd's `n·k` distances (and all of them in the first).
#[test]
fn bounds_skip_most_distances_once_settled() {
    let blobs = data::blobs::<f32>(20_000, 40, 8, 0.5, 3);
    let init =
        Matrix::from_rows(&(0..40).map(|i| blobs.data.row(i * 401)).collect::<Vec<_>>()).unwrap();
    let all = (20_000 * 40) as u64;
    for isa in Isa::available() {
        for (name, step) in bounded::<f32>(isa) {
            let fit = KMeans::new(40)
                .init(Init::Centroids(init.clone()))
                .max_iter(12)
                .tol(0.0)
                .threads(Some(1))
                .fit(step.as_ref(), blobs.data.view())
                .unwrap();
            assert_eq!(
                fit.history[0].distances, all,
                "{name} [{isa}]: first iteration"
            );
            let last = fit.history.last().unwrap().distances;
            assert!(
                last * 5 < all,
                "{name} [{isa}]: {last} of {all} distances at the end"
            );
        }
    }
}

/// `auto` picks by shape: below `k·d = 512`, `k = 16` or `n = 2·10⁴` it is Lloyd, bit for
/// bit, computing every distance — `lanes` for data of at most `MAX_LANES_DATA` bytes and at
/// least `MIN_LANES_N` points, `dot-blocked-par` otherwise; above those shapes, it runs on the bounds and skips most of them
/// once settled.
#[test]
fn auto_picks_the_bounds_by_shape() {
    let dot = Dot::new(Blocking::Cache).parallel(true);
    let lanes = Lanes::new().parallel(true);
    let mut picked = [false; 2];
    for (n, d, k) in [
        (20_000, 8, 16),
        (20_000, 64, 8),
        (20_000, 4, 64),
        (5000, 64, 40),
    ] {
        let small = data::blobs::<f32>(n, k, d, 0.5, 4);
        let params = KMeans::new(k)
            .seed(2)
            .max_iter(20)
            .tol(0.0)
            .threads(Some(2));
        let in_lanes = kmeans_simd::auto::uses_lanes(n, n * d * 4);
        picked[usize::from(in_lanes)] = true;
        let want = if in_lanes {
            params.fit(&lanes, small.data.view()).unwrap()
        } else {
            params.fit(&dot, small.data.view()).unwrap()
        };
        let got = params.fit(&Auto::new(), small.data.view()).unwrap();
        assert!(!Auto::uses_bounds(n, k, d));
        assert_eq!(
            (&got.labels, &got.centroids),
            (&want.labels, &want.centroids)
        );
        assert_eq!(got.inertia.to_bits(), want.inertia.to_bits());
        assert!(got.history.iter().all(|h| h.distances == (n * k) as u64));
    }
    assert_eq!(picked, [true, true], "both Lloyd kernels covered");
    let blobs = data::blobs::<f32>(20_000, 40, 64, 0.5, 3);
    assert!(Auto::uses_bounds(20_000, 40, 64));
    let fit = KMeans::new(40)
        .seed(1)
        .max_iter(12)
        .tol(0.0)
        .fit(&Auto::new(), blobs.data.view())
        .unwrap();
    let last = fit.history.last().unwrap().distances;
    assert!(last * 5 < 20_000 * 40, "{last} distances at the end");
}

/// Where the bounds keep failing (uniform data in 512 dimensions: all distances alike), the
/// guard sends the fit back to Lloyd for good after `SETTLE + WINDOW` bounds iterations.
#[test]
fn auto_gives_up_bounds_that_do_not_pay() {
    use kmeans_simd::auto::{SETTLE, WINDOW};
    let (n, d, k) = (20_000, 512, 32);
    let uniform = data::uniform::<f32>(n, d, 14);
    assert!(Auto::uses_bounds(n, k, d));
    let fit = KMeans::new(k)
        .seed(5)
        .max_iter(SETTLE + WINDOW + 10)
        .tol(0.0)
        .threads(Some(1))
        .fit(&Auto::new(), uniform.view())
        .unwrap();
    let all = (n * k) as u64;
    let (bounds, lloyd) = fit.history.split_at(SETTLE + WINDOW);
    assert!(
        bounds.iter().any(|h| h.distances != all),
        "bounds never ran"
    );
    assert!(
        lloyd.iter().all(|h| h.distances == all),
        "the guard did not give up"
    );
}

/// `lanes` (and `auto`'s Lloyd phase on it) is the same bit for bit on 1, 2 and 3 threads on
/// data of several chunks: the layout's shift (the column means) is summed in chunk order, not
/// by a parallel reduction whose grouping follows the threads.
#[test]
fn lanes_fits_are_the_same_for_any_thread_count() {
    let (n, d, k) = (30_000, 8, 8);
    let blobs = data::blobs::<f64>(n, k, d, 2.0, 9);
    assert!(kmeans_simd::auto::uses_lanes(n, n * d * 8));
    let fits: Vec<_> = [1, 2, 3]
        .into_iter()
        .flat_map(|threads| {
            let params = KMeans::new(k)
                .seed(4)
                .max_iter(15)
                .tol(0.0)
                .threads(Some(threads));
            [
                params
                    .fit(&Lanes::new().parallel(true), blobs.data.view())
                    .unwrap(),
                params.fit(&Auto::new(), blobs.data.view()).unwrap(),
            ]
        })
        .collect();
    for fit in &fits[1..] {
        assert_eq!(
            (&fit.labels, &fit.centroids),
            (&fits[0].labels, &fits[0].centroids)
        );
        assert_eq!(fit.inertia.to_bits(), fits[0].inertia.to_bits());
    }
}
