//! What is specific to the SIMD backend (the conformance suite in kmeans-workshop already runs
//! every registered variant on the dispatched ISA): every ISA this CPU has, forced one by one
//! through the whole conformance kit; tails of `d` and `n` around the vector, tile, block and
//! chunk sizes; data that starts at an odd offset; and bit-identical results for any thread
//! count at sizes with many chunks.

use kmeans_core::testkit::{self, check_iterate_case, random_case};
use kmeans_core::validate;
use kmeans_core::{
    AssignVariant, IterationStep, IterationVariant, KMeans, Matrix, Points, Precision, Scalar,
    VariantInfo, data,
};
use kmeans_simd::{Auto, Blocking, CHUNK_ROWS, Dot, DotKernel, Exact, Hamerly, Isa, Lanes};

/// The step configurations that depend on the ISA, with the precision each declares.
fn configurations(isa: Isa) -> Vec<(String, Precision, IterationVariant, AssignVariant)> {
    let exact = Exact::with_isa(isa).expect("caller checked availability");
    let mut out = Vec::new();
    let mut push = |name: String, precision, iv: IterationVariant, av: AssignVariant| {
        out.push((name, precision, iv, av));
    };
    let info = |name: &str, p: Precision, parallel: bool| {
        let i = VariantInfo::new(format!("simd-test/iter/{name}-{isa}"), "forced ISA").precision(p);
        if parallel { i.parallel() } else { i }
    };
    let ainfo = |name: &str, p: Precision| {
        VariantInfo::new(format!("simd-test/assign/{name}-{isa}"), "forced ISA").precision(p)
    };
    push(
        format!("exact-{isa}"),
        Precision::Exact,
        IterationVariant::new(info("exact", Precision::Exact, false), exact),
        AssignVariant::new(ainfo("exact", Precision::Exact), exact),
    );
    push(
        format!("exact-par-{isa}"),
        Precision::Exact,
        IterationVariant::new(
            info("exact-par", Precision::Exact, true),
            exact.parallel(true),
        ),
        AssignVariant::new(ainfo("exact-par", Precision::Exact), exact.parallel(true)),
    );
    let hamerly = Hamerly::with_isa(isa).unwrap().parallel(true);
    push(
        format!("hamerly-{isa}"),
        Precision::Exact,
        IterationVariant::new(info("hamerly", Precision::Exact, true), hamerly),
        AssignVariant::new(ainfo("hamerly", Precision::Exact), hamerly),
    );
    let hamerly_dot = Hamerly::with_isa(isa)
        .unwrap()
        .dot_dense(true)
        .parallel(true);
    push(
        format!("hamerly-dot-{isa}"),
        Precision::DotProduct,
        IterationVariant::new(
            info("hamerly-dot", Precision::DotProduct, true),
            hamerly_dot,
        ),
        AssignVariant::new(ainfo("hamerly-dot", Precision::DotProduct), hamerly_dot),
    );
    let lanes = Lanes::with_isa(isa).unwrap().parallel(true);
    push(
        format!("lanes-{isa}"),
        Precision::DotProduct,
        IterationVariant::new(info("lanes", Precision::DotProduct, true), lanes),
        AssignVariant::new(ainfo("lanes", Precision::DotProduct), lanes),
    );
    let auto = Auto::with_isa(isa).unwrap();
    push(
        format!("auto-{isa}"),
        Precision::DotProduct,
        IterationVariant::new(info("auto", Precision::DotProduct, true), auto),
        AssignVariant::new(ainfo("auto", Precision::DotProduct), auto),
    );
    for (name, blocking, parallel) in [
        ("dot-regblock", Blocking::Register, false),
        ("dot-blocked", Blocking::Cache, false),
        ("dot-blocked-par", Blocking::Cache, true),
        // Tiny blocks and tiles, so that the kit's small cases cross block and tile borders.
        (
            "dot-tiny-blocks",
            Blocking::Custom { rows: 1, panels: 1 },
            false,
        ),
    ] {
        let dot = Dot::with_isa(isa, blocking).unwrap().parallel(parallel);
        push(
            format!("{name}-{isa}"),
            Precision::DotProduct,
            IterationVariant::new(info(name, Precision::DotProduct, parallel), dot),
            AssignVariant::new(ainfo(name, Precision::DotProduct), dot),
        );
    }
    // The row kernel at every shape (dot-blocked-par runs it only for few centroids and long
    // rows, which the kit's small cases are not).
    let rows = Dot::with_isa(isa, Blocking::Cache)
        .unwrap()
        .parallel(true)
        .kernel(DotKernel::Rows);
    push(
        format!("dot-rows-{isa}"),
        Precision::DotProduct,
        IterationVariant::new(info("dot-rows", Precision::DotProduct, true), rows),
        AssignVariant::new(ainfo("dot-rows", Precision::DotProduct), rows),
    );
    // And fitted to a tiny L1, so that it reads the rows in spans of a vector or two: the
    // path centroids larger than L1 take.
    let spans = rows.l1d_bytes(1024);
    push(
        format!("dot-rows-spans-{isa}"),
        Precision::DotProduct,
        IterationVariant::new(info("dot-rows-spans", Precision::DotProduct, true), spans),
        AssignVariant::new(ainfo("dot-rows-spans", Precision::DotProduct), spans),
    );
    out
}

/// Every ISA the CPU supports runs the whole conformance kit (edge cases, proptest shapes,
/// fits through the driver with 1 and 2 threads), for f32 and f64, as an assignment step and
/// as a fused iteration — and the kernel-call counter proves that ISA's kernels ran.
#[test]
fn every_available_isa_passes_the_conformance_kit() {
    let mut failures = Vec::new();
    for isa in Isa::available() {
        let before = isa.kernel_calls();
        for (name, _, iv, av) in configurations(isa) {
            for (dtype, r) in [
                ("f64 iter", testkit::check_iteration_variant::<f64>(&iv)),
                ("f32 iter", testkit::check_iteration_variant::<f32>(&iv)),
                ("f64 assign", testkit::check_assign_variant::<f64>(&av)),
                ("f32 assign", testkit::check_assign_variant::<f32>(&av)),
            ] {
                match r {
                    Ok(true) => {}
                    Ok(false) => failures.push(format!("{name} [{dtype}]: not implemented")),
                    Err(e) => failures.push(format!("{name} [{dtype}]: {e}")),
                }
            }
        }
        assert!(
            isa.kernel_calls() > before,
            "{isa}: conformance ran but no {isa} kernel was called"
        );
        eprintln!("{isa}: {} kernel calls", isa.kernel_calls() - before);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Fails (instead of silently skipping) when the CPU has an instruction set this crate has
/// kernels for but `Isa::available` does not offer it, so its path would go untested.
#[test]
fn every_path_the_cpu_supports_is_offered() {
    let available = Isa::available();
    assert!(available.contains(&Isa::Portable));
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            assert!(available.contains(&Isa::Avx2), "CPU has AVX2+FMA");
        } else {
            eprintln!("skipped: CPU lacks AVX2+FMA");
        }
        if is_x86_feature_detected!("avx512f") {
            assert!(available.contains(&Isa::Avx512), "CPU has AVX-512F");
        } else {
            eprintln!("skipped: CPU lacks AVX-512F");
        }
    }
    // A CI run pinned with KMEANS_SIMD_ISA must really dispatch there (a bad pin fails here
    // rather than silently testing the fallback).
    match Isa::pinned() {
        Ok(Some(pinned)) => assert_eq!(Isa::detected(), pinned),
        Ok(None) => {}
        Err(e) => panic!("{e}"),
    }
    eprintln!("available: {available:?}, dispatched: {}", Isa::detected());
}

/// Run one iteration of `step` on a case and check it with the kit.
fn check<T: Scalar>(
    step: &dyn IterationStep<T>,
    precision: Precision,
    n: usize,
    k: usize,
    d: usize,
    seed: u64,
) -> Result<(), String> {
    let case = random_case::<T>(n, k, d, 0, 1, seed);
    check_iterate_case(step, precision, &case)
}

/// `d` through every vector-tail length of both widths, and `n` around the register tiles
/// (6, 12 rows), the cache blocks and the chunks, on every ISA, f32 and f64.
#[test]
fn tails_of_d_and_n_on_every_isa() {
    let ds = (1..=17).chain([31, 32, 33, 63, 64, 65]);
    let mut failures = Vec::new();
    for isa in Isa::available() {
        for (name, precision, iv, _) in configurations(isa) {
            let (s32, s64) = (iv.f32.as_deref().unwrap(), iv.f64.as_deref().unwrap());
            for d in ds.clone() {
                // k = 7 and 33 take the narrow tile on the wide ISAs, k = 32 the wide one.
                for (n, k) in [(13, 7), (25, 33), (29, 32)] {
                    let seed = (d * 1000 + n) as u64;
                    if let Err(e) = check(s32, precision, n, k, d, seed) {
                        failures.push(format!("{name} f32: {e}"));
                    }
                    if let Err(e) = check(s64, precision, n, k, d, seed) {
                        failures.push(format!("{name} f64: {e}"));
                    }
                }
            }
        }
    }
    // n around the tiles, blocks and chunks (one ISA pass each on the dispatched path and
    // the portable one keeps this affordable).
    for isa in [Isa::Portable, Isa::detected()] {
        let dot = Dot::with_isa(isa, Blocking::Cache).unwrap();
        let par = dot.parallel(true);
        for n in [
            1,
            5,
            6,
            7,
            11,
            12,
            13,
            CHUNK_ROWS - 1,
            CHUNK_ROWS,
            CHUNK_ROWS + 1,
            2 * CHUNK_ROWS + 5,
        ] {
            // d = 64 f32 makes cache blocks of 512 rows, d = 200 f64 of 80 (rounded to the tile).
            for (k, d) in [(40, 64), (9, 200)] {
                let seed = n as u64;
                let k = k.min(n);
                if let Err(e) = check::<f32>(&par, Precision::DotProduct, n, k, d, seed) {
                    failures.push(format!("{isa} par f32 n={n}: {e}"));
                }
                if let Err(e) = check::<f64>(&dot, Precision::DotProduct, n, k, d, seed) {
                    failures.push(format!("{isa} f64 n={n}: {e}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Data and centroids that start at an odd offset into larger buffers (so no row is aligned
/// to anything but the float) give the same labels and sums as aligned copies.
#[test]
fn unaligned_slices_give_the_same_result() {
    let (n, k, d) = (301, 19, 23);
    let case = random_case::<f32>(n, k, d, 0, 1, 7);
    let mut buf = vec![0.0f32; n * d + 3];
    buf[1..1 + n * d].copy_from_slice(case.data.as_slice());
    let mut cbuf = vec![0.0f32; k * d + 5];
    cbuf[3..3 + k * d].copy_from_slice(case.centroids.as_slice());
    let (data, cents) = (
        Points::new(&buf[1..1 + n * d], d).unwrap(),
        Points::new(&cbuf[3..3 + k * d], d).unwrap(),
    );
    assert_ne!(data.as_slice().as_ptr() as usize % 8, 0);
    for isa in Isa::available() {
        for (name, precision, iv, _) in configurations(isa) {
            let step = iv.f32.as_deref().unwrap();
            let run = |data: Points<'_, f32>, cents: Points<'_, f32>| {
                let mut labels = vec![0u32; n];
                let mut next = vec![0.0f32; k * d];
                let mut counts = vec![0u32; k];
                let inertia = step.iterate(data, cents, &mut labels, &mut next, &mut counts);
                (labels, next, counts, inertia.to_bits())
            };
            let aligned = run(case.data.view(), case.centroids.view());
            let odd = run(data, cents);
            assert_eq!(aligned, odd, "{name}");
            testkit::check_labels(precision, data, cents, &odd.0).unwrap();
        }
    }
}

/// Thread count, blocking and sequential-vs-parallel never change a bit of the result, at a
/// size with many chunks (so the reduction tree has depth) and a ragged last chunk.
#[test]
fn results_are_bit_identical_for_any_thread_count_and_blocking() {
    let (n, k, d) = (9 * CHUNK_ROWS + 77, 37, 19);
    let points = data::blobs::<f32>(n, k, d, 2.0, 11).data;
    let init = Matrix::from_vec(points.as_slice()[..k * d].to_vec(), k, d).unwrap();
    let run = |step: &dyn IterationStep<f32>, threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut labels = vec![0u32; n];
            let mut next = vec![0.0f32; k * d];
            let mut counts = vec![0u32; k];
            let inertia = step.iterate(
                points.view(),
                init.view(),
                &mut labels,
                &mut next,
                &mut counts,
            );
            (labels, next, counts, inertia.to_bits())
        })
    };
    for isa in Isa::available() {
        let par = Dot::with_isa(isa, Blocking::Cache).unwrap().parallel(true);
        let want = run(&par, 1);
        for threads in [2, 3, 4] {
            assert!(
                run(&par, threads) == want,
                "{isa}: {threads} threads differ"
            );
        }
        for blocking in [Blocking::Register, Blocking::Custom { rows: 7, panels: 1 }] {
            let seq = Dot::with_isa(isa, blocking).unwrap();
            assert!(run(&seq, 1) == want, "{isa}: {blocking:?} differs");
        }
        let exact = Exact::with_isa(isa).unwrap();
        assert!(
            run(&exact.parallel(true), 2) == run(&exact, 1),
            "{isa}: exact 2 threads differ"
        );
    }
    // And a whole fit through the driver's thread pools.
    let fit = |threads| {
        KMeans::new(k)
            .seed(3)
            .max_iter(5)
            .tol(0.0)
            .threads(Some(threads))
            .fit(&Dot::new(Blocking::Cache).parallel(true), points.view())
            .unwrap()
    };
    let (one, two) = (fit(1), fit(2));
    assert_eq!(one.labels, two.labels);
    assert_eq!(one.centroids, two.centroids);
    assert_eq!(one.inertia.to_bits(), two.inertia.to_bits());
}

/// Far from the origin the shift by the centroids' median is what keeps the dot form honest:
/// centred, every label passes the *exact* tolerance on data at 10⁴ ± 1 in f32, where the
/// unshifted form mislabels points.
#[test]
fn centring_removes_the_cancellation_far_from_the_origin() {
    let (n, k, d) = (2000, 16, 8);
    let blobs = data::blobs::<f64>(n, k, d, 0.3, 5);
    let shift = |m: &Matrix<f64>| -> Matrix<f32> {
        let v = m
            .as_slice()
            .iter()
            .map(|&x| (1e4 + 0.05 * x) as f32)
            .collect();
        Matrix::from_vec(v, m.n(), d).unwrap()
    };
    let (pts, cents) = (shift(&blobs.data), shift(&blobs.centers));
    let wrong = |step: Dot| {
        let mut labels = vec![0u32; n];
        kmeans_core::AssignStep::<f32>::assign(&step, pts.view(), cents.view(), &mut labels);
        (0..n)
            .filter(|&i| {
                testkit::check_labels(
                    Precision::Exact,
                    pts.view().slice_rows(i, i + 1),
                    cents.view(),
                    &labels[i..i + 1],
                )
                .is_err()
            })
            .count()
    };
    let centred = wrong(Dot::new(Blocking::Cache));
    let raw = wrong(Dot::new(Blocking::Cache).centre(false));
    assert_eq!(centred, 0, "centred dot form mislabelled {centred} points");
    assert!(
        raw > 0,
        "expected the unshifted form to mislabel far from the origin"
    );
    eprintln!("far from the origin: unshifted mislabels {raw} of {n}, centred 0");
}

/// `iterate_checking` (the driver's first iteration on unchecked data) says `None` exactly
/// when the validator's pass fails, on every ISA and variant (the dot steps check while they
/// pack, the others first), and otherwise returns what `iterate` does, bit for bit. Bad values
/// sit in the first, a middle and the last row, in a full vector's lanes and in the tail past
/// the last whole vector, at the bound and one float past it.
#[test]
fn the_first_iteration_checks_the_values_like_the_validator() {
    fn case<T: Scalar>(isa: Isa, failures: &mut Vec<String>) {
        let (n, k, d) = (2 * CHUNK_ROWS + 37, 11, 19);
        let clean = random_case::<T>(n, k, d, 0, 1, 3);
        let bound = validate::magnitude_bound::<T>(d);
        let above = T::of_f64(bound.as_f64() * (1.0 + 4.0 * T::epsilon().as_f64()));
        let bad_values = [
            (T::of_f64(f64::NAN), false),
            (T::of_f64(f64::INFINITY), false),
            (T::of_f64(f64::NEG_INFINITY), false),
            (above, false),
            (T::zero() - above, false),
            (bound, true),
            (T::zero() - bound, true),
        ];
        for (name, _, iv, _) in configurations(isa) {
            let Some(step) = iv.get::<T>() else { continue };
            let run = |data: &Matrix<T>| {
                let mut labels = vec![0u32; n];
                let mut next = vec![T::zero(); k * d];
                let mut counts = vec![0u32; k];
                let r = step.iterate_checking(
                    data.view(),
                    clean.centroids.view(),
                    &mut labels,
                    &mut next,
                    &mut counts,
                    bound,
                );
                (r.map(f64::to_bits), labels, next, counts)
            };
            let plain = {
                let mut labels = vec![0u32; n];
                let mut next = vec![T::zero(); k * d];
                let mut counts = vec![0u32; k];
                let inertia = step.iterate(
                    clean.data.view(),
                    clean.centroids.view(),
                    &mut labels,
                    &mut next,
                    &mut counts,
                );
                (Some(inertia.to_bits()), labels, next, counts)
            };
            if run(&clean.data) != plain {
                failures.push(format!("{name}: clean data differs from iterate"));
            }
            for (row, col) in [(0, 0), (n / 2, 5), (n - 1, 16), (n - 1, d - 1), (1234, 17)] {
                for &(value, passes) in &bad_values {
                    let mut data = clean.data.clone();
                    data.row_mut(row)[col] = value;
                    let got = run(&data).0.is_some();
                    let validator = validate::values_within(data.view(), bound);
                    if got != validator || got != passes {
                        failures.push(format!(
                            "{name}: {} at row {row}, column {col}: step {got}, validator {validator}",
                            value.as_f64()
                        ));
                    }
                }
            }
        }
    }
    let mut failures = Vec::new();
    for isa in Isa::available() {
        case::<f32>(isa, &mut failures);
        case::<f64>(isa, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A first iteration on unchecked data whose initial centroids were drawn from it (a random
/// init), so that the centroids hold the bad values too: every variant says `None`, and
/// nothing panics (packing takes the centroids' median, which must order NaN).
#[test]
fn the_first_iteration_survives_bad_values_in_the_centroids() {
    let (n, k, d) = (2000, 150, 13);
    for isa in Isa::available() {
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 3e19] {
            let mut data = random_case::<f32>(n, k, d, 0, 1, 5).data;
            // Every third centroid row holds a bad value, in a column of its own turn.
            for row in (0..k).step_by(3).chain([400]) {
                data.row_mut(row)[row % d] = bad;
            }
            let init = Matrix::from_vec(data.as_slice()[..k * d].to_vec(), k, d).unwrap();
            let bound = validate::magnitude_bound::<f32>(d);
            for (name, _, iv, _) in configurations(isa) {
                let step = iv.f32.as_deref().unwrap();
                let (mut labels, mut next, mut counts) =
                    (vec![0u32; n], vec![0.0f32; k * d], vec![0u32; k]);
                let r = step.iterate_checking(
                    data.view(),
                    init.view(),
                    &mut labels,
                    &mut next,
                    &mut counts,
                    bound,
                );
                assert!(r.is_none(), "{name}: {bad} passed the check");
            }
        }
    }
}

/// The row kernel's two shapes on every ISA: two points at a time below 384 coordinates (the
/// kit's shapes above), one point at a time from there — with tails of `d`, partial groups of
/// centroids and runs of points, in f32 and f64.
#[test]
fn the_row_kernel_on_long_rows_on_every_isa() {
    let mut failures = Vec::new();
    for isa in Isa::available() {
        let rows = Dot::with_isa(isa, Blocking::Cache)
            .unwrap()
            .parallel(true)
            .kernel(DotKernel::Rows);
        // The whole row at once (this core's L1: the centroids of up to k = 10 fit), and in
        // spans (an 8 KiB L1: two to twenty spans, the last one with the tail of `d`; 80
        // points are several blocks of rows at d = 784).
        for (l1, step) in [("", rows), (" 8K", rows.l1d_bytes(8 * 1024))] {
            for d in [383, 384, 391, 784] {
                for (n, k) in [(13, 7), (9, 10), (25, 21), (80, 3)] {
                    let seed = (d * 100 + k) as u64;
                    if let Err(e) = check::<f32>(&step, Precision::DotProduct, n, k, d, seed) {
                        failures.push(format!("{isa}{l1} f32 n={n} k={k} d={d}: {e}"));
                    }
                    if let Err(e) = check::<f64>(&step, Precision::DotProduct, n, k, d, seed) {
                        failures.push(format!("{isa}{l1} f64 n={n} k={k} d={d}: {e}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `DotKernel::ByShape` (dot-blocked-par's choice) runs the row kernel exactly where
/// `rows_pay_on` says for the L1 the step assumes (this core's, or a smaller one), on every
/// ISA: bit for bit the forced kernel's labels and inertia there, the tile's elsewhere.
#[test]
fn by_shape_runs_the_kernel_rows_pay_names() {
    let l1 = kmeans_simd::l1d_bytes();
    for isa in Isa::available() {
        for (n, k, d) in [
            (500, 10, 300),
            (500, 20, 200),
            (500, 21, 300),
            (500, 10, 64),
            (300, 10, 784),
            (300, 20, 300),
            (300, 12, 784),
        ] {
            let data = data::blobs::<f32>(n, k, d, 1.0, 5);
            let (points, centroids) = (data.data.view(), data.centers.view());
            for bytes in [l1, 32 * 1024, 16 * 1024] {
                let run = |kernel| {
                    let step = Dot::with_isa(isa, Blocking::Cache)
                        .unwrap()
                        .kernel(kernel)
                        .l1d_bytes(bytes);
                    let mut labels = vec![0u32; n];
                    let (mut out, mut counts) = (vec![0f32; k * d], vec![0u32; k]);
                    let inertia =
                        step.iterate(points, centroids, &mut labels, &mut out, &mut counts);
                    (labels, inertia.to_bits(), out)
                };
                let expected = if kmeans_simd::rows_pay_on(k, d, 4, bytes) {
                    run(DotKernel::Rows)
                } else {
                    run(DotKernel::Tile)
                };
                // `assert!`, not `assert_eq!`: a failure should not print 10⁵ values.
                assert!(
                    run(DotKernel::ByShape) == expected,
                    "{isa} n={n} k={k} d={d} L1 {bytes}: not the kernel rows_pay_on names"
                );
            }
        }
    }
    use kmeans_simd::rows_pay_on;
    let (l1_32k, l1_48k) = (32 * 1024, 48 * 1024);
    // Short rows or many centroids: the tile.
    assert!(rows_pay_on(10, 300, 4, l1_48k) && !rows_pay_on(10, 32, 4, l1_48k));
    assert!(!rows_pay_on(64, 784, 4, l1_48k));
    // MNIST's centroids fit a 48 KiB L1, and on a 32 KiB one they are read in two spans of
    // 392; in spans of 150 (k = 20, d = 300, 32 KiB) or 130 (k = 10, d = 784, 16 KiB) the
    // sums across lanes per pass outweigh what the row kernel saves.
    assert!(rows_pay_on(10, 784, 4, l1_48k) && rows_pay_on(10, 784, 4, l1_32k));
    assert!(rows_pay_on(20, 300, 4, l1_48k) && !rows_pay_on(20, 300, 4, l1_32k));
    assert!(!rows_pay_on(10, 784, 4, 16 * 1024));
    // In spans, more than one group of centroids repeats each span's fixed costs: the tile.
    assert!(!rows_pay_on(12, 784, 4, l1_48k) && !rows_pay_on(16, 1568, 4, l1_48k));
    assert!(rows_pay_on(10, 1568, 4, l1_48k));
    // Any L1 size is an answer, none a panic.
    for l1 in [0, 1, usize::MAX] {
        assert!(!rows_pay_on(10, 32, 4, l1));
        assert_eq!(rows_pay_on(10, 784, 4, l1), l1 == usize::MAX);
    }
    // `rows_pay` is this core's.
    assert_eq!(
        kmeans_simd::rows_pay(10, 784, 4),
        rows_pay_on(10, 784, 4, l1)
    );
}

/// `Dot::default()` is `Dot::new(Blocking::Cache)` (centred, the tile, this core's ISA): the
/// same results, bit for bit.
#[test]
fn the_default_dot_step_is_the_cache_blocked_one() {
    let (n, k, d) = (300, 7, 19);
    let data = data::blobs::<f64>(n, k, d, 1.0, 9);
    let (points, centroids) = (data.data.view(), data.centers.view());
    let run = |step: Dot| {
        let mut labels = vec![0u32; n];
        let (mut out, mut counts) = (vec![0f64; k * d], vec![0u32; k]);
        let inertia = step.iterate(points, centroids, &mut labels, &mut out, &mut counts);
        (labels, inertia.to_bits(), out, step.isa())
    };
    assert!(run(Dot::default()) == run(Dot::new(Blocking::Cache)));
}
