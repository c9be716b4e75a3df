//! `kmeans fit --model-out` and `kmeans predict --model`: the round trip gives the fit's labels
//! in f32 and f64, and every damaged model file is one error line, exit 2, no output file.

mod common;

use common::*;

/// Fit `data` with a model and labels out; predict with the model; the labels must agree.
fn round_trip(dir: &Dir, data: &str, dtype: &str) {
    let out = kmeans()
        .current_dir(dir.0.path())
        .args(["fit", data, "-k", "3", "--seed", "4", "--n-init", "2"])
        .args([
            "--labels-out",
            "fit-labels.npy",
            "--model-out",
            "model.json",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dtype"], dtype);
    assert_eq!(report["model_out"], "model.json");

    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path("model.json")).unwrap()).unwrap();
    assert_eq!(model["format"], "kmeans-workshop-model");
    assert_eq!(model["version"], 1);
    assert_eq!(model["dtype"], dtype);
    assert_eq!(
        (model["k"].as_u64(), model["d"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(model["backend"], report["backend"]);
    assert_eq!(model["parameters"]["seed"], 4);
    assert_eq!(model["parameters"]["n_init"], 2);
    assert_eq!(model["centroids"].as_array().unwrap().len(), 3);

    let out = kmeans()
        .current_dir(dir.0.path())
        .args([
            "predict",
            data,
            "--model",
            "model.json",
            "--labels-out",
            "again.npy",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let predicted: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        predicted["backend"], report["backend"],
        "the model's backend predicts"
    );
    assert_eq!(predicted["dtype"], dtype);
    let inertia = |v: &serde_json::Value| v["inertia"].as_f64().unwrap();
    assert!((inertia(&predicted) - inertia(&report)).abs() <= 1e-9 * inertia(&report));
    assert_eq!(
        read_labels_npy(&dir.path("again.npy")),
        read_labels_npy(&dir.path("fit-labels.npy"))
    );
}

#[test]
fn a_model_saved_by_fit_predicts_the_fit_labels_f64_csv() {
    let dir = Dir::new();
    std::fs::write(dir.path("data.csv"), three_groups_csv(90)).unwrap();
    round_trip(&dir, "data.csv", "f64");
}

#[test]
fn a_model_saved_by_fit_predicts_the_fit_labels_f32_npy() {
    let dir = Dir::new();
    let values: Vec<f32> = (0..240)
        .map(|i| ((i / 2) % 3) as f32 * 7.0 + ((i * 37) % 11) as f32 / 11.0)
        .collect();
    write_npy2(&dir.path("data.npy"), 120, 2, values);
    round_trip(&dir, "data.npy", "f32");
}

#[test]
fn predict_with_a_model_takes_another_backend_and_refuses_another_dtype() {
    let dir = Dir::new();
    std::fs::write(dir.path("data.csv"), three_groups_csv(60)).unwrap();
    let fit = kmeans()
        .current_dir(dir.0.path())
        .args([
            "fit",
            "data.csv",
            "-k",
            "3",
            "--model-out",
            "m.json",
            "--labels-out",
            "l.csv",
        ])
        .output()
        .unwrap();
    assert!(fit.status.success(), "{fit:?}");
    let out = kmeans()
        .current_dir(dir.0.path())
        .args([
            "predict",
            "data.csv",
            "--model",
            "m.json",
            "--backend",
            "loops/iter/fused",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let labels: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let fitted: Vec<String> = std::fs::read_to_string(dir.path("l.csv"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(labels, fitted);
    let out = kmeans()
        .current_dir(dir.0.path())
        .args(["predict", "data.csv", "--model", "m.json", "--dtype", "f32"])
        .output()
        .unwrap();
    assert_fails_with(&out, "the model was fitted in f64");
    let out = kmeans()
        .current_dir(dir.0.path())
        .args(["predict", "data.csv"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap requires --centroids or --model"
    );
    let out = kmeans()
        .current_dir(dir.0.path())
        .args([
            "predict",
            "data.csv",
            "--model",
            "m.json",
            "--centroids",
            "l.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "not both");
}

#[test]
fn damaged_truncated_wrong_version_and_wrong_d_models_are_one_error_line() {
    let dir = Dir::new();
    std::fs::write(dir.path("data.csv"), three_groups_csv(60)).unwrap();
    std::fs::write(dir.path("d3.csv"), "1,2,3\n4,5,6\n7,8,9\n").unwrap();
    let fit = kmeans()
        .current_dir(dir.0.path())
        .args([
            "fit",
            "data.csv",
            "-k",
            "3",
            "--model-out",
            "good.json",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(fit.status.success(), "{fit:?}");
    let good = std::fs::read_to_string(dir.path("good.json")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.json",
            good.as_bytes()[..good.len() / 3].to_vec(),
            "truncated",
        ),
        ("empty.json", Vec::new(), "truncated"),
        (
            "garbage.json",
            b"\x00\x01 not json".to_vec(),
            "not valid model JSON",
        ),
        (
            "latin1.json",
            b"{\"format\": \"\xe9\"}".to_vec(),
            "not UTF-8",
        ),
        (
            "other.json",
            br#"{"name": "something else"}"#.to_vec(),
            "not a model file",
        ),
        (
            "v2.json",
            good.replacen("\"version\": 1", "\"version\": 2", 1)
                .into_bytes(),
            "version 2 is not supported (this build reads version 1)",
        ),
        (
            "k.json",
            good.replacen("\"k\": 3", "\"k\": 4", 1).into_bytes(),
            "k = 4 but the file holds 3 centroids",
        ),
        (
            "nan.json",
            good.replacen(
                "\"centroids\": [\n    [\n      ",
                "\"centroids\": [\n    [\n      null, ",
                1,
            )
            .into_bytes(),
            "not valid model JSON",
        ),
    ];
    for (name, bytes, needle) in &cases {
        std::fs::write(dir.path(name), bytes).unwrap();
        let before = dir.files();
        let out = kmeans()
            .current_dir(dir.0.path())
            .args([
                "predict",
                "data.csv",
                "--model",
                name,
                "--labels-out",
                "labels.npy",
            ])
            .output()
            .unwrap();
        let line = assert_fails_with(&out, needle);
        assert!(line.contains(name), "names the file: {line}");
        assert_eq!(dir.files(), before, "{name}: no output file");
        assert_eq!(
            &std::fs::read(dir.path(name)).unwrap(),
            bytes,
            "{name} unchanged"
        );
    }
    // A model of 2-D points on 3-D data.
    let out = kmeans()
        .current_dir(dir.0.path())
        .args([
            "predict",
            "d3.csv",
            "--model",
            "good.json",
            "--labels-out",
            "labels.npy",
        ])
        .output()
        .unwrap();
    assert_fails_with(
        &out,
        "d3.csv has 3 dimensions but the centroids in good.json have 2",
    );
    assert!(!dir.path("labels.npy").exists());
    // A model naming a backend this build lacks.
    let backend = serde_json::from_str::<serde_json::Value>(&good).unwrap()["backend"]
        .as_str()
        .unwrap()
        .to_owned();
    std::fs::write(
        dir.path("gpu.json"),
        good.replacen(&backend, "gpu/iter/magic", 1),
    )
    .unwrap();
    let out = kmeans()
        .current_dir(dir.0.path())
        .args(["predict", "data.csv", "--model", "gpu.json"])
        .output()
        .unwrap();
    assert_fails_with(&out, "backend \"gpu/iter/magic\" is not registered");
}

#[test]
fn the_model_records_a_kmeans_parallel_init_with_its_parameters() {
    let dir = Dir::new();
    std::fs::write(dir.path("data.csv"), three_groups_csv(90)).unwrap();
    let out = kmeans()
        .current_dir(dir.0.path())
        .args([
            "fit",
            "data.csv",
            "-k",
            "3",
            "--init",
            "kmeans||",
            "--model-out",
            "m.json",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["init"], "kmeans||");
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path("m.json")).unwrap()).unwrap();
    assert_eq!(model["parameters"]["init"], "kmeans||");
    assert_eq!(model["parameters"]["rounds"], 5);
    assert_eq!(model["parameters"]["oversampling"], 2.0);
    let out = kmeans()
        .current_dir(dir.0.path())
        .args(["predict", "data.csv", "--model", "m.json", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}
