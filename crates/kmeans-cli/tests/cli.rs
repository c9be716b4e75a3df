//! The `kmeans` binary end to end: every subcommand, and every kind of bad input failing with
//! exit code 2, one `error:` line, no panic or backtrace, and no output file left behind.

mod common;

use common::*;
use kmeans_workshop::{fastest, registry};

// ---------------------------------------------------------------------------------------------
// fit

#[test]
fn fit_prints_backend_iterations_convergence_inertia_and_time() {
    let dir = Dir::new();
    let data = dir.text("data.csv", &three_groups_csv(90));
    let out = kmeans()
        .arg("fit")
        .arg(&data)
        .args(["-k", "3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let fastest = fastest::<f64>();
    for key in ["backend", "iterations", "converged", "inertia", "fit time"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(key)),
            "{key} in {stdout}"
        );
    }
    assert!(stdout.contains(fastest.name()), "{stdout}");
    assert!(stdout.contains("90 points × 2 dimensions, f64"), "{stdout}");
    // Not a terminal: no progress bar, nothing on stderr.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fit_json_is_one_object_with_the_result_and_the_default_backend_per_dtype() {
    let dir = Dir::new();
    let data = dir.path("data.npy");
    let values: Vec<f32> = (0..200).map(|i| ((i * 37) % 101) as f32 / 10.0).collect();
    write_npy2(&data, 100, 2, values);
    let out = kmeans()
        .arg("fit")
        .arg(&data)
        .args(["-k", "4", "--json", "--seed", "3", "--n-init", "2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["backend"], fastest::<f32>().name());
    assert_eq!(
        json["dtype"], "f32",
        "a float32 .npy computes in f32 by default"
    );
    assert_eq!(
        (json["n"].as_u64(), json["d"].as_u64(), json["k"].as_u64()),
        (Some(100), Some(2), Some(4))
    );
    assert!(json["iterations"].as_u64().unwrap() >= 1);
    assert!(json["converged"].is_boolean());
    assert!(json["inertia"].as_f64().unwrap() > 0.0);
    assert!(json["fit_seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(json["n_init"], 2);

    // --dtype overrides the file's.
    let out = kmeans()
        .arg("fit")
        .arg(&data)
        .args(["-k", "4", "--json", "--dtype", "f64"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["dtype"], "f64");
    assert_eq!(json["backend"], fastest::<f64>().name());
}

#[test]
fn fit_verbose_logs_every_iteration_on_stderr_and_quiet_prints_nothing() {
    let dir = Dir::new();
    let data = dir.text("data.csv", &three_groups_csv(60));
    let out = kmeans()
        .arg("fit")
        .arg(&data)
        .args([
            "-k",
            "3",
            "--tol",
            "0",
            "--max-iter",
            "7",
            "--verbose",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["iterations"], 7,
        "tol = 0 runs exactly max_iter iterations"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 7, "{stderr}");
    for (i, line) in lines.iter().enumerate() {
        assert!(
            line.starts_with(&format!("iteration {:>4}", i + 1)),
            "{line}"
        );
        assert!(line.contains("inertia") && line.contains("shift"), "{line}");
        // The CLI's default variant: plain Lloyd at this shape (k = 3), every distance.
        assert!(line.ends_with("distances 100.0 %"), "{line}");
    }

    let out = kmeans()
        .arg("fit")
        .arg(&data)
        .args(["-k", "3", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn fit_runs_any_registered_backend_and_composed_steps() {
    let dir = Dir::new();
    let data = dir.text("data.csv", &three_groups_csv(60));
    let reg = registry();
    let mut names: Vec<String> = reg
        .iterate
        .iter()
        .filter(|v| v.supports::<f64>())
        .map(|v| v.name().to_owned())
        .collect();
    let assign = reg.assign.iter().rfind(|v| v.supports::<f64>()).unwrap();
    let update = reg.update.iter().rfind(|v| v.supports::<f64>()).unwrap();
    names.push(format!("{}+{}", assign.name(), update.name()));
    let mut inertias = Vec::new();
    for name in &names {
        let out = kmeans()
            .arg("fit")
            .arg(&data)
            .args([
                "-k",
                "3",
                "--json",
                "--init",
                "random",
                "--seed",
                "5",
                "--backend",
                name,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["backend"], name.as_str());
        inertias.push(json["inertia"].as_f64().unwrap());
    }
    // Same init, same data: every exact backend lands on the same optimum.
    let first = inertias[0];
    for (name, i) in names.iter().zip(&inertias) {
        assert!((i - first).abs() <= 1e-9 * first, "{name}: {i} vs {first}");
    }
}

#[test]
fn fit_writes_labels_and_centroids_that_predict_reproduces() {
    for ext in ["npy", "csv"] {
        let dir = Dir::new();
        let data = dir.text("data.csv", &three_groups_csv(99));
        let labels = dir.path(&format!("labels.{ext}"));
        let centroids = dir.path(&format!("centroids.{ext}"));
        let out = kmeans()
            .arg("fit")
            .arg(&data)
            .args(["-k", "3", "--quiet", "--labels-out"])
            .arg(&labels)
            .arg("--centroids-out")
            .arg(&centroids)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let again = dir.path(&format!("again.{ext}"));
        let out = kmeans()
            .arg("predict")
            .arg(&data)
            .arg("--centroids")
            .arg(&centroids)
            .arg("--labels-out")
            .arg(&again)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let (fit_labels, predicted) = if ext == "npy" {
            (read_labels_npy(&labels), read_labels_npy(&again))
        } else {
            let read = |p| -> Vec<u32> {
                std::fs::read_to_string(p)
                    .unwrap()
                    .lines()
                    .map(|l| l.parse().unwrap())
                    .collect()
            };
            (read(&labels), read(&again))
        };
        assert_eq!(fit_labels.len(), 99);
        assert_eq!(fit_labels, predicted, "{ext}");
        // Three groups of 33: every label used 33 times.
        for j in 0..3 {
            assert_eq!(fit_labels.iter().filter(|&&l| l == j).count(), 33);
        }
        let mut expected = vec![
            "data.csv".to_owned(),
            format!("labels.{ext}"),
            format!("centroids.{ext}"),
            format!("again.{ext}"),
        ];
        expected.sort();
        assert_eq!(dir.files(), expected, "no temporary file left behind");
    }
}

#[test]
fn fit_reads_tsv_semicolons_a_byte_order_mark_and_forced_headers() {
    let dir = Dir::new();
    let tsv = dir.text("d.tsv", "1\t2\n1.1\t2\n9\t9\n9.1\t9\n");
    let semi = dir.text("d.csv", "\u{feff}1;2\n1.1;2\n9;9\n9.1;9\n");
    let headed = dir.text("h.csv", "10,20\n1,2\n1.1,2\n9,9\n9.1,9\n");
    for (path, extra) in [
        (&tsv, vec![]),
        (&semi, vec!["--delimiter", ";"]),
        (&headed, vec!["--header"]),
    ] {
        let out = kmeans()
            .arg("fit")
            .arg(path)
            .args(["-k", "2", "--json"])
            .args(&extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{path:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["n"], 4, "{path:?}");
        assert!(
            (json["inertia"].as_f64().unwrap() - 0.01).abs() < 1e-9,
            "{json}"
        );
    }
}

#[test]
fn fortran_order_npy_reads_as_its_logical_rows() {
    let dir = Dir::new();
    let c = dir.path("c.npy");
    let f = dir.path("f.npy");
    let values: Vec<f64> = (0..40).map(|i| ((i * 7) % 13) as f64).collect();
    let a = ndarray::Array2::from_shape_vec((20, 2), values).unwrap();
    use ndarray_npy::WriteNpyExt;
    a.write_npy(std::fs::File::create(&c).unwrap()).unwrap();
    // The same array stored column by column (NumPy's np.asfortranarray).
    let fortran = a.t().as_standard_layout().into_owned().reversed_axes();
    assert!(fortran.t().is_standard_layout());
    fortran
        .write_npy(std::fs::File::create(&f).unwrap())
        .unwrap();
    assert!(
        std::fs::read(&f)
            .unwrap()
            .windows(20)
            .any(|w| w == b"'fortran_order': Tru")
    );
    let run = |p: &std::path::Path| {
        let out = kmeans()
            .arg("fit")
            .arg(p)
            .args(["-k", "3", "--json", "--init", "random"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["inertia"].clone()
    };
    assert_eq!(run(&c), run(&f));
}

// ---------------------------------------------------------------------------------------------
// predict, backends, demo, generate

#[test]
fn predict_prints_one_label_per_line_or_json() {
    let dir = Dir::new();
    let data = dir.text("data.csv", "0,0\n0.1,0\n5,5\n5.1,5\n");
    let cents = dir.text("c.csv", "0,0\n5,5\n");
    let out = kmeans()
        .arg("predict")
        .arg(&data)
        .arg("--centroids")
        .arg(&cents)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "0\n0\n1\n1\n");
    let out = kmeans()
        .arg("predict")
        .arg(&data)
        .arg("--centroids")
        .arg(&cents)
        .arg("--json")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["labels"], serde_json::json!([0, 0, 1, 1]));
    assert!((json["inertia"].as_f64().unwrap() - 0.02).abs() < 1e-12);
}

#[test]
fn predict_survives_a_closed_stdout() {
    use std::process::{Command, Stdio};
    let dir = Dir::new();
    let data = dir.text("data.csv", &three_groups_csv(30_000));
    let cents = dir.text("c.csv", "0,0\n10,0\n20,0\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kmeans"))
        .env("RUST_BACKTRACE", "1")
        .arg("predict")
        .arg(&data)
        .arg("--centroids")
        .arg(&cents)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Like `kmeans predict … | head -0`: the reader goes away before the labels are written.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn backends_lists_every_registered_variant_with_its_dtypes() {
    let out = kmeans().arg("backends").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let reg = registry();
    for name in reg.names() {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(name)),
            "{name} missing"
        );
    }
    let out = kmeans().args(["backends", "--json"]).output().unwrap();
    let json: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.len(), reg.names().len());
    for v in &reg.iterate {
        let entry = json.iter().find(|e| e["name"] == v.name()).unwrap();
        assert_eq!(entry["kind"], "iter");
        let dtypes: Vec<&str> = entry["dtypes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        assert_eq!(dtypes.contains(&"f32"), v.supports::<f32>());
        assert_eq!(dtypes.contains(&"f64"), v.supports::<f64>());
    }
    let default = json
        .iter()
        .find(|e| e["name"] == fastest::<f64>().name())
        .unwrap();
    assert!(
        default["default_for"]
            .as_array()
            .unwrap()
            .contains(&"f64".into())
    );
}

#[test]
fn demo_renders_the_slides_six_pictures() {
    let dir = Dir::new();
    let out_dir = dir.path("pictures");
    let out = kmeans()
        .arg("demo")
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let files = files_in(&out_dir);
    assert_eq!(files.len(), 6, "{files:?}");
    for i in 0..=5 {
        let svg =
            std::fs::read_to_string(out_dir.join(format!("kmeans-k3-iteration-{i}.svg"))).unwrap();
        assert!(svg.contains(&format!("K = 3, Iteration = {i}")));
    }
}

#[test]
fn generate_writes_blobs_and_their_labels() {
    let dir = Dir::new();
    let data = dir.path("blobs.npy");
    let labels = dir.path("truth.csv");
    let out = kmeans()
        .args([
            "generate", "--n", "50", "--d", "3", "--k", "5", "--dtype", "f64", "--seed", "1",
            "--out",
        ])
        .arg(&data)
        .arg("--labels-out")
        .arg(&labels)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (n, d, values) = read_npy2_f64(&data);
    assert_eq!((n, d), (50, 3));
    let truth = kmeans_workshop::data::blobs::<f64>(50, 5, 3, 1.0, 1);
    assert_eq!(values, truth.data.as_slice());
    let read: Vec<u32> = std::fs::read_to_string(&labels)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(read, truth.labels);
}

// ---------------------------------------------------------------------------------------------
// Bad input: exit code 2, one line, no output file

/// Run `fit` with both outputs requested in a fresh folder holding `files`; assert the clean
/// failure and that the folder holds exactly the input files afterwards.
fn fit_fails(files: &[(&str, &[u8])], args: &[&str], needle: &str) -> String {
    let dir = Dir::new();
    for (name, bytes) in files {
        std::fs::write(dir.path(name), bytes).unwrap();
    }
    let before = dir.files();
    let out = kmeans()
        .current_dir(dir.0.path())
        .arg("fit")
        .args(args)
        .args([
            "--labels-out",
            "labels.npy",
            "--centroids-out",
            "centroids.csv",
        ])
        .output()
        .unwrap();
    let line = assert_fails_with(&out, needle);
    assert_eq!(dir.files(), before, "an output was written");
    assert!(out.stdout.is_empty());
    line
}

fn npy_bytes<T: ndarray_npy::WritableElement>(shape: (usize, usize), values: Vec<T>) -> Vec<u8> {
    let mut buf = Vec::new();
    use ndarray_npy::WriteNpyExt;
    ndarray::Array2::from_shape_vec(shape, values)
        .unwrap()
        .write_npy(&mut buf)
        .unwrap();
    buf
}

const GOOD: &[u8] = b"1,2,3\n4,5,6\n7,8,9\n10,11,12\n";

#[test]
fn ragged_csv_rows_name_the_line() {
    let line = fit_fails(
        &[("data.csv", b"1,2,3\n4,5,6\n7,8,9\n1,2\n")],
        &["data.csv", "-k", "2"],
        "line 4",
    );
    assert_eq!(line, "error: data.csv line 4: expected 3 fields, found 2");
}

#[test]
fn non_numeric_fields_name_line_and_column() {
    let line = fit_fails(
        &[("data.csv", b"x,y\n1,2\n3,oops\n")],
        &["data.csv", "-k", "1"],
        "line 3",
    );
    assert_eq!(
        line,
        "error: data.csv line 3, column 2: expected a number, found \"oops\""
    );
    fit_fails(
        &[("data.csv", b"1,2\n3,\n")],
        &["data.csv", "-k", "1"],
        "line 2, column 2: expected a number, found an empty field",
    );
    fit_fails(
        &[("data.csv", b"1,2\n\xff\xfe,3\n")],
        &["data.csv", "-k", "1"],
        "line 2, column 1: expected a number",
    );
}

#[test]
fn nan_and_infinity_name_row_and_column() {
    fit_fails(
        &[("data.csv", b"1,2\n3,NaN\n")],
        &["data.csv", "-k", "1"],
        "data.csv line 2, column 2: \"NaN\" is not a finite number",
    );
    fit_fails(
        &[("data.csv", b"1,2\n-inf,4\n")],
        &["data.csv", "-k", "1"],
        "data.csv line 2, column 1: \"-inf\" is not a finite number",
    );
    let npy = npy_bytes((3, 2), vec![1.0f64, 2.0, 3.0, 4.0, 5.0, f64::INFINITY]);
    fit_fails(
        &[("data.npy", &npy)],
        &["data.npy", "-k", "1"],
        "data.npy: data has a non-finite value (inf) at row 2, column 1",
    );
    let npy = npy_bytes((2, 2), vec![1.0f32, f32::NAN, 3.0, 4.0]);
    fit_fails(
        &[("data.npy", &npy)],
        &["data.npy", "-k", "1"],
        "non-finite value (NaN) at row 0, column 1",
    );
    fit_fails(
        &[("data.csv", GOOD), ("init.csv", b"1,2,nan\n")],
        &["data.csv", "-k", "1", "--init", "init.csv"],
        "init.csv line 1, column 3",
    );
}

#[test]
fn empty_files_are_named() {
    fit_fails(
        &[("data.csv", b"")],
        &["data.csv", "-k", "1"],
        "data.csv: the file holds no data",
    );
    fit_fails(
        &[("data.csv", b"# only a comment\n\n")],
        &["data.csv", "-k", "1"],
        "data.csv: the file holds no data",
    );
    fit_fails(
        &[("data.csv", b"x,y\n")],
        &["data.csv", "-k", "1"],
        "data.csv: the file has a header but no data rows",
    );
    fit_fails(
        &[("data.npy", b"")],
        &["data.npy", "-k", "1"],
        "data.npy: the file is empty",
    );
    let npy = npy_bytes::<f64>((0, 3), vec![]);
    fit_fails(
        &[("data.npy", &npy)],
        &["data.npy", "-k", "1"],
        "data.npy: the data is empty",
    );
}

#[test]
fn k_out_of_range() {
    fit_fails(
        &[("data.csv", GOOD)],
        &["data.csv", "-k", "0"],
        "k must be at least 1",
    );
    fit_fails(
        &[("data.csv", GOOD)],
        &["data.csv", "-k", "5"],
        "data.csv: k = 5 is larger than the number of points, n = 4",
    );
    fit_fails(
        &[("data.csv", b"1,1\n1,1\n1,1\n")],
        &["data.csv", "-k", "2"],
        "only 1 distinct point",
    );
}

#[test]
fn init_with_the_wrong_shape() {
    fit_fails(
        &[("data.csv", GOOD), ("init.csv", b"1,2,3\n4,5,6\n")],
        &["data.csv", "-k", "3", "--init", "init.csv"],
        "init.csv: initial centroids must have shape (3, 3) but has shape (2, 3)",
    );
    fit_fails(
        &[
            ("data.csv", GOOD),
            ("init.npy", &npy_bytes((2, 2), vec![1.0f64, 2.0, 3.0, 4.0])),
        ],
        &["data.csv", "-k", "2", "--init", "init.npy"],
        "init.npy: initial centroids must have shape (2, 3) but has shape (2, 2)",
    );
    fit_fails(
        &[("data.csv", GOOD)],
        &["data.csv", "-k", "2", "--init", "kmeans+"],
        "--init kmeans+: expected `random`, `kmeans++`",
    );
}

#[test]
fn unreadable_paths_and_unknown_extensions() {
    fit_fails(
        &[],
        &["missing.csv", "-k", "1"],
        "missing.csv: no such file",
    );
    fit_fails(
        &[("data.csv", GOOD)],
        &["data.csv", "-k", "1", "--init", "nowhere.npy"],
        "nowhere.npy: no such file",
    );
    fit_fails(
        &[("data.json", GOOD)],
        &["data.json", "-k", "1"],
        "data.json: unknown file type '.json'",
    );
    fit_fails(
        &[("data", GOOD)],
        &["data", "-k", "1"],
        "data: no file extension",
    );
    // A folder where a file should be.
    let dir = Dir::new();
    std::fs::create_dir(dir.path("points.csv")).unwrap();
    let out = kmeans()
        .current_dir(dir.0.path())
        .args(["fit", "points.csv", "-k", "1"])
        .output()
        .unwrap();
    assert_fails_with(&out, "points.csv: is a directory");
    // Outputs: unknown extension, missing folder, checked before the fit.
    for (flag, path, needle) in [
        (
            "--labels-out",
            "labels.txt",
            "labels.txt: unknown file type '.txt'",
        ),
        (
            "--centroids-out",
            "no/such/dir/c.npy",
            "c.npy: cannot write: the folder no/such/dir does not exist",
        ),
    ] {
        let dir = Dir::new();
        std::fs::write(dir.path("data.csv"), GOOD).unwrap();
        let out = kmeans()
            .current_dir(dir.0.path())
            .args(["fit", "data.csv", "-k", "1", flag, path])
            .output()
            .unwrap();
        assert_fails_with(&out, needle);
        assert_eq!(dir.files(), ["data.csv"]);
    }
}

#[test]
fn npy_of_the_wrong_kind_names_what_was_found() {
    let mut one_d = Vec::new();
    use ndarray_npy::WriteNpyExt;
    ndarray::Array1::from(vec![1.0f64, 2.0, 3.0])
        .write_npy(&mut one_d)
        .unwrap();
    fit_fails(
        &[("data.npy", &one_d)],
        &["data.npy", "-k", "1"],
        "data.npy: expected a 2-D array (one row per point), found a 1-D array",
    );
    // Points without coordinates, mapped and read alike.
    let no_columns = npy_bytes::<f64>((10, 0), vec![]);
    for extra in [&[][..], &["--no-mmap"][..]] {
        let args: Vec<&str> = ["data.npy", "-k", "1"]
            .iter()
            .chain(extra)
            .copied()
            .collect();
        fit_fails(
            &[("data.npy", &no_columns)],
            &args,
            "data.npy: the array has shape (10, 0): each point needs at least one coordinate",
        );
    }
    let ints = npy_bytes((2, 2), vec![1i64, 2, 3, 4]);
    fit_fails(
        &[("data.npy", &ints)],
        &["data.npy", "-k", "1"],
        "data.npy: the array holds 64-bit integers ('<i8')",
    );
    let good = npy_bytes((4, 2), vec![1.0f64; 8]);
    fit_fails(
        &[("data.npy", &good[..good.len() - 5])],
        &["data.npy", "-k", "1"],
        "data.npy: the file is truncated: 5 bytes of data are missing",
    );
    fit_fails(
        &[("data.npy", &good[..20])],
        &["data.npy", "-k", "1"],
        "data.npy: the .npy header is truncated",
    );
    fit_fails(
        &[("data.npy", b"x,y\n1,2\n")],
        &["data.npy", "-k", "1"],
        "data.npy: not a .npy file",
    );
    // A CSV extension on a .npy file: read as text, the error names a line.
    fit_fails(
        &[("data.csv", &good)],
        &["data.csv", "-k", "1"],
        "data.csv line ",
    );
}

#[test]
fn unknown_backends_say_how_to_list_them() {
    let line = fit_fails(
        &[("data.csv", GOOD)],
        &["data.csv", "-k", "1", "--backend", "nope"],
        "unknown backend 'nope'",
    );
    assert!(line.contains("kmeans backends"), "{line}");
    let reg = registry();
    let update = reg.update[0].name();
    fit_fails(
        &[("data.csv", GOOD)],
        &[
            "data.csv",
            "-k",
            "1",
            "--backend",
            &format!("nope+{update}"),
        ],
        "unknown assignment step 'nope'",
    );
}

#[test]
fn a_failed_fit_leaves_an_existing_output_untouched() {
    let dir = Dir::new();
    std::fs::write(dir.path("data.csv"), GOOD).unwrap();
    std::fs::write(dir.path("labels.csv"), "old labels\n").unwrap();
    let out = kmeans()
        .current_dir(dir.0.path())
        .args(["fit", "data.csv", "-k", "9", "--labels-out", "labels.csv"])
        .output()
        .unwrap();
    assert_fails_with(&out, "k = 9 is larger");
    assert_eq!(
        std::fs::read_to_string(dir.path("labels.csv")).unwrap(),
        "old labels\n"
    );
    assert_eq!(dir.files(), ["data.csv", "labels.csv"]);
}

#[test]
fn predict_errors() {
    let dir = Dir::new();
    std::fs::write(dir.path("data.csv"), GOOD).unwrap();
    std::fs::write(dir.path("c2.csv"), "1,2\n3,4\n").unwrap();
    std::fs::write(dir.path("bad.csv"), "1,2,3\n4,x,6\n").unwrap();
    for (cents, needle) in [
        (
            "c2.csv",
            "data.csv has 3 dimensions but the centroids in c2.csv have 2",
        ),
        ("bad.csv", "bad.csv line 2, column 2: expected a number"),
        ("none.npy", "none.npy: no such file"),
    ] {
        let out = kmeans()
            .current_dir(dir.0.path())
            .args([
                "predict",
                "data.csv",
                "--centroids",
                cents,
                "--labels-out",
                "out.npy",
            ])
            .output()
            .unwrap();
        assert_fails_with(&out, needle);
        assert!(!dir.path("out.npy").exists());
    }
}

#[test]
fn bad_generate_and_thread_arguments() {
    let dir = Dir::new();
    std::fs::write(dir.path("data.csv"), GOOD).unwrap();
    for (args, needle) in [
        (
            vec!["fit", "data.csv", "-k", "1", "--tol", "-1"],
            "invalid parameter tol",
        ),
        (
            vec![
                "generate", "--n", "10", "--d", "2", "--k", "0", "--out", "x.npy",
            ],
            "-k must be at least 1",
        ),
        (
            vec![
                "generate", "--n", "10", "--d", "2", "--k", "2", "--std", "-1", "--out", "x.npy",
            ],
            "--std must be",
        ),
        (
            vec![
                "generate",
                "--n",
                "10",
                "--d",
                "2",
                "--k",
                "2",
                "--out",
                "x.parquet",
            ],
            "unknown file type",
        ),
    ] {
        let out = kmeans()
            .current_dir(dir.0.path())
            .args(&args)
            .output()
            .unwrap();
        assert_fails_with(&out, needle);
    }
    let out = kmeans()
        .current_dir(dir.0.path())
        .args(["fit", "data.csv", "-k", "1", "--threads", "0"])
        .output()
        .unwrap();
    assert_fails_with(&out, "threads: must be at least 1");
    assert_eq!(dir.files(), ["data.csv"]);
}
