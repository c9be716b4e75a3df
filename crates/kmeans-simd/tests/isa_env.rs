//! A `KMEANS_SIMD_ISA` that cannot be obeyed never panics: `Isa::pinned` reports it, and the
//! dispatched kernels fall back to the widest ISA with one warning on stderr. The variable is
//! read once per process, so each case runs this test binary again as a child with the
//! variable set.

use std::process::Command;

use kmeans_core::{KMeans, data};
use kmeans_simd::{Blocking, Dot, ISA_ENV, Isa};

const CHILD: &str = "KMEANS_SIMD_ISA_ENV_CHILD";

/// In the child: report what `pinned` says, then fit through the dispatched kernels.
fn child() {
    match Isa::pinned() {
        Ok(p) => println!("pinned ok {p:?}"),
        Err(e) => println!("pinned error {e}"),
    }
    let points = data::blobs::<f32>(500, 4, 8, 0.5, 1).data;
    let fit = KMeans::new(4)
        .seed(2)
        .fit(&Dot::new(Blocking::Cache), points.view())
        .unwrap();
    assert_eq!(fit.labels.len(), 500);
    // Built twice: the warning is still printed once.
    let again = KMeans::new(4)
        .seed(2)
        .fit(&Dot::new(Blocking::Cache), points.view());
    assert!(again.is_ok());
    println!("dispatched {}", Isa::detected());
}

fn run_child(value: &str) -> (String, String) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "bad_pins_fall_back_with_one_warning",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env(ISA_ENV, value)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{value}: {stdout}\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    (stdout, stderr)
}

#[test]
fn bad_pins_fall_back_with_one_warning() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let widest = *Isa::available().last().unwrap();
    let mut bad = vec!["neon".to_owned(), "avx1024".to_owned()];
    bad.extend(
        Isa::ALL
            .into_iter()
            .filter(|i| !i.is_available())
            .map(|i| i.name().to_owned()),
    );
    for value in &bad {
        let (stdout, stderr) = run_child(value);
        assert!(
            stdout.contains(&format!("pinned error {ISA_ENV}=\"{value}\"")),
            "{stdout}"
        );
        assert!(stdout.contains(&format!("dispatched {widest}")), "{stdout}");
        let warnings: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .collect();
        assert_eq!(warnings.len(), 1, "{stderr}");
        assert!(warnings[0].contains(value) && warnings[0].contains(&format!("using {widest}")));
    }
    // A good pin is obeyed silently.
    let (stdout, stderr) = run_child("portable");
    assert!(stdout.contains("pinned ok Some(Portable)") && stdout.contains("dispatched portable"));
    assert!(!stderr.contains("warning:"), "{stderr}");
}
