//! The Python peers: with a Python that imports numpy, scipy and scikit-learn (found or set up
//! by [`crate::python`]), time the slides' NumPy code and scikit-learn's Lloyd on the same data
//! (exported as `.npy`) and merge the rows. Without them the report says why; nothing fails.

use std::path::Path;

use kmeans_workshop::Scalar;
use serde::Deserialize;
use serde_json::json;

use crate::cases::{LARGE, MID, MNIST, case};
use crate::python::{PIP_LINE, PythonEnv};
use crate::report::Peak;
use crate::results::Row;

#[derive(Deserialize)]
struct PeersOutput {
    versions: String,
    rows: Vec<Row>,
}

fn write_case<T: Scalar + ndarray_npy::WritableElement>(
    dir: &Path,
    name: &str,
    (n, k, d): (usize, usize, usize),
) -> Result<serde_json::Value, String> {
    let c = case::<T>(n, k, d);
    let dtype = T::DTYPE.name();
    let file = |what: &str| dir.join(format!("{name}-{dtype}-{what}.npy"));
    let x =
        ndarray::ArrayView2::from_shape((n, d), c.data.as_slice()).map_err(|e| e.to_string())?;
    let c0 = ndarray::ArrayView2::from_shape((k, d), c.centroids.as_slice())
        .map_err(|e| e.to_string())?;
    let labels = ndarray::ArrayView1::from(&c.labels[..]).mapv(i64::from);
    ndarray_npy::write_npy(file("x"), &x).map_err(|e| e.to_string())?;
    ndarray_npy::write_npy(file("c0"), &c0).map_err(|e| e.to_string())?;
    ndarray_npy::write_npy(file("labels"), &labels).map_err(|e| e.to_string())?;
    Ok(json!({
        "name": name, "dtype": dtype, "n": n, "k": k, "d": d,
        "x": file("x"), "c0": file("c0"), "labels": file("labels"),
    }))
}

/// Run `benches/python/peers.py` if Python and its libraries are there; append its rows and
/// its matrix-product peaks (NumPy's BLAS, one thread). Returns a one-line status for the report.
pub fn run(
    python: &Result<PythonEnv, String>,
    root: &Path,
    dir: &Path,
    profile: &str,
    cores: usize,
    rows: &mut Vec<Row>,
    peaks: &mut Vec<Peak>,
) -> String {
    let env = match python {
        Err(e) => return format!("not run: {e} (or by hand: `{PIP_LINE}`)"),
        Ok(env) => env,
    };
    if let Some(why) = env.core_missing() {
        return format!("not run: {why} (or by hand: `{PIP_LINE}`)");
    }
    eprintln!(
        "== {} Python peers: the slides' NumPy code and scikit-learn on the same data",
        crate::since_start()
    );
    let result = (|| -> Result<PeersOutput, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let cases = vec![
            write_case::<f64>(dir, "slides", (5000, 26, 26))?,
            write_case::<f32>(dir, "mid", MID)?,
            write_case::<f64>(dir, "mid", MID)?,
            write_case::<f32>(dir, "mnist", MNIST)?,
            write_case::<f32>(dir, "large", LARGE)?,
        ];
        let manifest = dir.join("manifest.json");
        let out = dir.join("peers.json");
        let manifest_json = json!({ "profile": profile, "cores": cores, "cases": cases });
        std::fs::write(&manifest, manifest_json.to_string()).map_err(|e| e.to_string())?;
        let script = root.join("benches").join("python").join("peers.py");
        let status = env
            .command()
            .arg(&script)
            .arg(&manifest)
            .arg(&out)
            .status()
            .map_err(|e| format!("could not start {}: {e}", env.exe.display()))?;
        if !status.success() {
            return Err(format!("{} exited with {status}", script.display()));
        }
        let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", out.display()))
    })();
    match result {
        Ok(peers) => {
            let count = peers.rows.len();
            for r in peers.rows {
                match r.outcome.median() {
                    Some(t) if r.group == "peak" => peaks.push(Peak {
                        dtype: r.dtype.clone(),
                        size: r.n,
                        gflops: 2.0 * (r.n as f64).powi(3) / t / 1e9,
                        method: r.note.clone().unwrap_or_else(|| "NumPy matmul".into()),
                    }),
                    _ => rows.push(r),
                }
            }
            format!(
                "ran in this run ({count} rows, {}): {}",
                env.origin, peers.versions
            )
        }
        Err(e) => {
            eprintln!("warning: Python peers failed: {e}");
            format!("failed: {e}")
        }
    }
}
