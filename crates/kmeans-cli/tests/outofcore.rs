//! Data bigger than memory: `.npy` fitted in place from a map (and the same result read into
//! memory with `--no-mmap`), `--mini-batch`, and `kmeans convert` (CSV → .npy, streamed).

mod common;

use common::{Dir, assert_fails_with, files_in, kmeans, read_npy2_f64, write_npy2};

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// 600 points in 3 dimensions around 4 centres, f32.
fn blobs(dir: &Dir, name: &str) -> std::path::PathBuf {
    let path = dir.path(name);
    let mut values = Vec::new();
    for i in 0..600u32 {
        let c = (i % 4) as f32 * 10.0;
        let jitter = ((i * 7919) % 101) as f32 / 100.0;
        values.extend([c + jitter, -c + jitter * 0.5, jitter]);
    }
    write_npy2::<f32>(&path, 600, 3, values);
    path
}

#[test]
fn a_mapped_fit_equals_an_in_memory_fit() {
    let dir = Dir::new();
    let data = blobs(&dir, "data.npy");
    let run = |extra: &[&str]| {
        let out = kmeans()
            .arg("fit")
            .arg(&data)
            .args(["-k", "4", "--json", "--centroids-out"])
            .arg(dir.path(&format!("c{}.npy", extra.len())))
            .args(extra)
            .output()
            .unwrap();
        json(&out)
    };
    let (mapped, read) = (run(&[]), run(&["--no-mmap"]));
    assert_eq!(mapped["inertia"], read["inertia"]);
    assert_eq!(mapped["iterations"], read["iterations"]);
    assert_eq!(
        std::fs::read(dir.path("c0.npy")).unwrap(),
        std::fs::read(dir.path("c1.npy")).unwrap()
    );
}

#[test]
fn fortran_order_is_copied_with_a_note() {
    let dir = Dir::new();
    let path = dir.path("f.npy");
    use ndarray::ShapeBuilder;
    let a = ndarray::Array2::from_shape_fn((50, 2).f(), |(i, j)| (i * 2 + j) as f64);
    ndarray_npy::WriteNpyExt::write_npy(&a, std::fs::File::create(&path).unwrap()).unwrap();
    let out = kmeans()
        .arg("fit")
        .arg(&path)
        .args(["-k", "2"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note:") && stderr.contains("Fortran"),
        "{stderr}"
    );
}

#[test]
fn mini_batch_fits_are_deterministic_and_close_to_lloyd() {
    let dir = Dir::new();
    let data = blobs(&dir, "data.npy");
    let fit = |extra: &[&str]| {
        let mut v = json(
            &kmeans()
                .arg("fit")
                .arg(&data)
                .args(["-k", "4", "--json", "--seed", "3"])
                .args(extra)
                .output()
                .unwrap(),
        );
        // Timings differ from run to run.
        v["fit_seconds"] = 0.into();
        v["read_seconds"] = 0.into();
        v
    };
    let lloyd = fit(&[]);
    let one = fit(&["--mini-batch", "64"]);
    let again = fit(&["--mini-batch", "64"]);
    assert_eq!(one, again);
    assert_eq!(one["mini_batch"], 64);
    let (a, b) = (
        one["inertia"].as_f64().unwrap(),
        lloyd["inertia"].as_f64().unwrap(),
    );
    assert!(a <= b * 1.05, "mini-batch {a} vs Lloyd {b}");
    let out = kmeans()
        .arg("fit")
        .arg(&data)
        .args(["-k", "4", "--mini-batch", "0"])
        .output()
        .unwrap();
    assert_fails_with(&out, "--mini-batch 0");
}

#[test]
fn convert_streams_csv_to_npy_that_fits_alike() {
    let dir = Dir::new();
    let csv = dir.path("data.csv");
    std::fs::write(&csv, "x,y\n1,2\n3.5,-4e1\n# comment\n5,6\n").unwrap();
    let npy = dir.path("data.npy");
    let out = kmeans()
        .arg("convert")
        .arg(&csv)
        .arg(&npy)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        read_npy2_f64(&npy),
        (3, 2, vec![1.0, 2.0, 3.5, -40.0, 5.0, 6.0])
    );
    let f32_out = dir.path("data32.npy");
    let out = kmeans()
        .arg("convert")
        .arg(&csv)
        .arg(&f32_out)
        .args(["--dtype", "f32", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success() && out.stdout.is_empty());
    let a = ndarray::Array2::<f32>::read_npy(std::fs::File::open(&f32_out).unwrap()).unwrap();
    assert_eq!(a.as_slice().unwrap(), &[1.0, 2.0, 3.5, -40.0, 5.0, 6.0]);
}

use ndarray_npy::ReadNpyExt;

#[test]
fn convert_refuses_bad_rows_and_overwriting_its_input() {
    let dir = Dir::new();
    let csv = dir.path("bad.csv");
    std::fs::write(&csv, "1,2\n3,4\n5,abc\n").unwrap();
    let before = files_in(dir.0.path());
    let out = kmeans()
        .arg("convert")
        .arg(&csv)
        .arg(dir.path("out.npy"))
        .output()
        .unwrap();
    assert_fails_with(&out, "bad.csv line 3, column 2: expected a number");
    assert_eq!(files_in(dir.0.path()), before, "a partial output was left");

    std::fs::write(&csv, "1,2\n1e300,4\n").unwrap();
    let out = kmeans()
        .arg("convert")
        .arg(&csv)
        .arg(dir.path("out.npy"))
        .args(["--dtype", "f32"])
        .output()
        .unwrap();
    assert_fails_with(&out, "line 2, column 1: 1e300 does not fit in float32");

    // The input under another name (a hard link) is still the input.
    let npy = dir.path("same.npy");
    std::fs::hard_link(&csv, &npy).unwrap();
    let out = kmeans()
        .arg("convert")
        .arg(&csv)
        .arg(&npy)
        .output()
        .unwrap();
    assert_fails_with(&out, "would overwrite the input");
    let out = kmeans()
        .arg("convert")
        .arg(&npy)
        .arg(dir.path("x.npy"))
        .output()
        .unwrap();
    assert_fails_with(&out, "convert reads CSV or TSV");
    let out = kmeans()
        .arg("convert")
        .arg(&csv)
        .arg(dir.path("x.csv"))
        .output()
        .unwrap();
    assert_fails_with(&out, "convert writes .npy files");
}

#[test]
fn a_truncated_npy_is_an_error_not_a_crash() {
    let dir = Dir::new();
    let data = blobs(&dir, "data.npy");
    let bytes = std::fs::read(&data).unwrap();
    std::fs::write(&data, &bytes[..bytes.len() - 7]).unwrap();
    let out = kmeans()
        .arg("fit")
        .arg(&data)
        .args(["-k", "2"])
        .output()
        .unwrap();
    assert_fails_with(&out, "truncated");
}
