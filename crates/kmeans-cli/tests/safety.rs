//! No data loss and no panics from the environment (issue 13): an output that is an input is
//! refused before any work, a bad `KMEANS_SIMD_ISA` or `--threads` is one error line, huge and
//! tiny numbers print in scientific notation. Every refusal: exit 2, one `error:` line, every
//! input byte for byte unchanged, no output file.

mod common;

use std::path::Path;

use common::*;

const DATA: &[u8] = b"1,2\n1.5,2.5\n10,11\n10.5,11.5\n20,21\n20.5,21.5\n";

/// Every file of `dir` with its bytes, to compare before and after.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_in(dir)
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.join(&name)).unwrap_or_default();
            (name, bytes)
        })
        .collect()
}

/// Run `args` in `dir`; assert a clean refusal mentioning `needle` and that the folder holds
/// exactly what it held, byte for byte.
fn refused(dir: &Dir, args: &[&str], env: &[(&str, &str)], needle: &str) -> String {
    let before = snapshot(dir.0.path());
    let mut cmd = kmeans();
    cmd.current_dir(dir.0.path()).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let line = assert_fails_with(&out, needle);
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(snapshot(dir.0.path()), before, "a file changed or appeared");
    line
}

fn dir_with_data() -> Dir {
    let dir = Dir::new();
    std::fs::write(dir.path("data.csv"), DATA).unwrap();
    let values: Vec<f64> = (0..12).map(|i| f64::from(i) * 1.5).collect();
    write_npy2(&dir.path("data.npy"), 6, 2, values);
    dir
}

#[test]
fn an_output_that_is_the_input_is_refused_before_any_work() {
    let dir = dir_with_data();
    // The case: the labels over the data.
    refused(
        &dir,
        &["fit", "data.npy", "-k", "2", "--labels-out", "data.npy"],
        &[],
        "--labels-out would overwrite the input DATA",
    );
    refused(
        &dir,
        &[
            "fit",
            "data.csv",
            "-k",
            "2",
            "--centroids-out",
            "./data.csv",
        ],
        &[],
        "--centroids-out would overwrite the input DATA",
    );
    // The same file by another name: through a parent folder, a symlink, a hard link.
    std::fs::create_dir(dir.path("sub")).unwrap();
    refused(
        &dir,
        &[
            "fit",
            "data.csv",
            "-k",
            "2",
            "--labels-out",
            "sub/../data.csv",
        ],
        &[],
        "would overwrite the input DATA",
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path("data.csv"), dir.path("link.csv")).unwrap();
        refused(
            &dir,
            &["fit", "data.csv", "-k", "2", "--labels-out", "link.csv"],
            &[],
            "would overwrite the input DATA",
        );
        refused(
            &dir,
            &["fit", "link.csv", "-k", "2", "--centroids-out", "data.csv"],
            &[],
            "would overwrite the input DATA",
        );
    }
    std::fs::hard_link(dir.path("data.npy"), dir.path("hard.npy")).unwrap();
    refused(
        &dir,
        &["fit", "data.npy", "-k", "2", "--labels-out", "hard.npy"],
        &[],
        "would overwrite the input DATA",
    );
    // The init file is an input too, and two outputs may not share a file.
    std::fs::write(dir.path("init.csv"), "1,2\n10,11\n").unwrap();
    refused(
        &dir,
        &[
            "fit",
            "data.csv",
            "-k",
            "2",
            "--init",
            "init.csv",
            "--centroids-out",
            "init.csv",
        ],
        &[],
        "--centroids-out would overwrite the input --init",
    );
    refused(
        &dir,
        &[
            "fit",
            "data.csv",
            "-k",
            "2",
            "--labels-out",
            "out.csv",
            "--centroids-out",
            "out.csv",
        ],
        &[],
        "--labels-out and --centroids-out name the same file",
    );
    refused(
        &dir,
        &["fit", "data.csv", "-k", "2", "--model-out", "data.csv"],
        &[],
        "must end in .json",
    );
    refused(
        &dir,
        &[
            "generate",
            "--n",
            "10",
            "--d",
            "2",
            "--k",
            "2",
            "--out",
            "g.csv",
            "--labels-out",
            "g.csv",
        ],
        &[],
        "--out and --labels-out name the same file",
    );
}

#[test]
fn predict_refuses_to_write_over_its_data_centroids_or_model() {
    let dir = dir_with_data();
    let ok = kmeans()
        .current_dir(dir.0.path())
        .args([
            "fit",
            "data.csv",
            "-k",
            "3",
            "--centroids-out",
            "c.csv",
            "--model-out",
            "m.json",
        ])
        .output()
        .unwrap();
    assert!(ok.status.success(), "{ok:?}");
    for (args, needle) in [
        (
            vec![
                "predict",
                "data.csv",
                "--model",
                "m.json",
                "--labels-out",
                "data.csv",
            ],
            "--labels-out would overwrite the input DATA",
        ),
        (
            vec![
                "predict",
                "data.csv",
                "--centroids",
                "c.csv",
                "--labels-out",
                "c.csv",
            ],
            "--labels-out would overwrite the input --centroids",
        ),
    ] {
        refused(&dir, &args, &[], needle);
    }
    let before = std::fs::read(dir.path("m.json")).unwrap();
    let out = kmeans()
        .current_dir(dir.0.path())
        .args([
            "predict",
            "data.csv",
            "--model",
            "m.json",
            "--labels-out",
            "m.json",
        ])
        .output()
        .unwrap();
    // `.json` is no labels format: refused for that reason first; the model is untouched.
    assert_fails_with(&out, "m.json");
    assert_eq!(std::fs::read(dir.path("m.json")).unwrap(), before);
}

#[test]
fn a_bad_simd_isa_in_the_environment_is_one_error_line() {
    let dir = dir_with_data();
    for args in [
        vec!["fit", "data.csv", "-k", "2", "--labels-out", "l.csv"],
        vec![
            "predict",
            "data.csv",
            "--centroids",
            "data.csv",
            "--labels-out",
            "l.csv",
        ],
        vec!["backends"],
    ] {
        let line = refused(
            &dir,
            &args,
            &[("KMEANS_SIMD_ISA", "neon")],
            "KMEANS_SIMD_ISA=\"neon\"",
        );
        assert!(
            line.contains("expected one of portable, avx2, avx512"),
            "{line}"
        );
    }
    // An ISA this CPU lacks, if there is one.
    let lacking = ["avx512", "avx2"]
        .into_iter()
        .find(|name| !kmeans_workshop::Isa::parse(name).unwrap().is_available());
    if let Some(name) = lacking {
        let line = refused(
            &dir,
            &["backends"],
            &[("KMEANS_SIMD_ISA", name)],
            "this CPU lacks",
        );
        assert!(line.contains(name), "{line}");
    }
    // A valid pin, or an empty value (unset), runs.
    for value in ["portable", ""] {
        let out = kmeans()
            .current_dir(dir.0.path())
            .env("KMEANS_SIMD_ISA", value)
            .args(["fit", "data.csv", "-k", "2", "--quiet"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{value}: {out:?}");
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_bad_thread_count_in_the_environment_is_one_error_line() {
    let dir = dir_with_data();
    let max = kmeans_workshop::max_threads();
    let fit = ["fit", "data.csv", "-k", "2", "--labels-out", "l.csv"];
    // Rayon would ignore the first three (and start a thread per core) and start the last
    // two, the first of them taking minutes.
    for (variable, value, why) in [
        ("RAYON_NUM_THREADS", "abc".to_owned(), "not a whole number"),
        ("RAYON_NUM_THREADS", " 2".to_owned(), "not a whole number"),
        ("RAYON_RS_NUM_CPUS", "-1".to_owned(), "not a whole number"),
        ("RAYON_NUM_THREADS", "100000".to_owned(), "more than"),
        ("RAYON_NUM_THREADS", (max + 1).to_string(), "more than"),
    ] {
        let needle = format!("{variable}={value:?}: {why}");
        let line = refused(&dir, &fit, &[(variable, value.as_str())], &needle);
        assert!(line.contains(&format!("to {max}, or unset it")), "{line}");
    }
    // Every count rayon reads as meant, and an empty value (unset), runs.
    for value in ["0", "1", &max.to_string(), ""] {
        let out = kmeans()
            .current_dir(dir.0.path())
            .env("RAYON_NUM_THREADS", value)
            .args(["fit", "data.csv", "-k", "2", "--quiet"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{value:?}: {out:?}");
    }
}

#[test]
fn absurd_thread_counts_are_refused_at_once_without_panic_text() {
    let dir = dir_with_data();
    for threads in [
        "100000",
        "1000000",
        &(kmeans_workshop::max_threads() + 1).to_string(),
    ] {
        let line = refused(
            &dir,
            &[
                "fit",
                "data.npy",
                "-k",
                "2",
                "--threads",
                threads,
                "--labels-out",
                "l.npy",
            ],
            &[],
            "invalid parameter threads",
        );
        assert!(line.contains(threads) && line.contains("4 ×"), "{line}");
    }
    let max = kmeans_workshop::max_threads().to_string();
    let out = kmeans()
        .current_dir(dir.0.path())
        .args(["fit", "data.npy", "-k", "2", "--quiet", "--threads", &max])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn huge_and_tiny_numbers_print_in_scientific_notation() {
    let dir = Dir::new();
    // 1e200 squared overflows: refused, and the message shows 1e200, not 201 digits.
    std::fs::write(dir.path("huge.csv"), "1,2\n3,1e200\n5,6\n").unwrap();
    let line = refused(
        &dir,
        &["fit", "huge.csv", "-k", "2"],
        &[],
        "(1e200) at row 1, column 1",
    );
    assert!(!line.contains("00000000000"), "{line}");
    // Too large for f32.
    std::fs::write(dir.path("f32.csv"), "1,2\n3,1e39\n5,6\n").unwrap();
    let line = refused(
        &dir,
        &["fit", "f32.csv", "-k", "2", "--dtype", "f32"],
        &[],
        "1e39",
    );
    assert!(!line.contains("00000000000"), "{line}");

    // Large but valid values: the summary's inertia and the CSV centroids use exponents, and
    // the CSV reads back to the same values.
    std::fs::write(
        dir.path("big.csv"),
        "1e100,1e-100\n2e100,1e-100\n5e100,3e-100\n6e100,3e-100\n",
    )
    .unwrap();
    let out = kmeans()
        .current_dir(dir.0.path())
        .args([
            "fit",
            "big.csv",
            "-k",
            "2",
            "--centroids-out",
            "c.csv",
            "--seed",
            "1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let inertia = stdout.lines().find(|l| l.starts_with("inertia")).unwrap();
    assert!(
        inertia.contains("e199") || inertia.contains("e200"),
        "{inertia}"
    );
    let csv = std::fs::read_to_string(dir.path("c.csv")).unwrap();
    assert!(csv.contains("e100") && csv.contains("e-100"), "{csv}");
    assert!(csv.len() < 200, "{csv}");
    let mut rows: Vec<Vec<f64>> = csv
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    rows.sort_by(|a, b| a[0].total_cmp(&b[0]));
    let want = [[1.5e100, 1e-100], [5.5e100, 3e-100]];
    for (got, want) in rows.iter().zip(want) {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-15 * w.abs(), "{g} vs {w}");
        }
    }
}
