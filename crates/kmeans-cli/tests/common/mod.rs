//! Helpers shared by the CLI's integration tests.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::process::Output;

use ndarray::{Array1, Array2};
use ndarray_npy::{ReadNpyExt, WritableElement, WriteNpyExt};

/// The `kmeans` binary, with `RUST_BACKTRACE=1` as on the project's machines: an error must
/// still be one line, never a panic with a backtrace.
pub fn kmeans() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kmeans"));
    cmd.env("RUST_BACKTRACE", "1");
    cmd
}

/// Assert a clean failure: exit code 2, exactly one stderr line `error: …` containing
/// `needle`, no panic, no backtrace. Returns the line.
pub fn assert_fails_with(output: &Output, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "exit code, stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(
        !stderr.to_lowercase().contains("backtrace"),
        "backtrace: {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(
        lines[0].contains(needle),
        "expected {needle:?} in: {stderr}"
    );
    lines[0].to_owned()
}

/// The names in `dir`, sorted (to check nothing partial or temporary was left).
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Write a 2-D array as `.npy`.
pub fn write_npy2<T: WritableElement>(path: &Path, rows: usize, cols: usize, values: Vec<T>) {
    let a = Array2::from_shape_vec((rows, cols), values).unwrap();
    a.write_npy(std::fs::File::create(path).unwrap()).unwrap();
}

/// Read a 2-D float64 `.npy` as (rows, cols, row-major values).
pub fn read_npy2_f64(path: &Path) -> (usize, usize, Vec<f64>) {
    let a = Array2::<f64>::read_npy(std::fs::File::open(path).unwrap()).unwrap();
    let (r, c) = a.dim();
    (r, c, a.iter().copied().collect())
}

/// Read a 1-D uint32 labels `.npy`.
pub fn read_labels_npy(path: &Path) -> Vec<u32> {
    Array1::<u32>::read_npy(std::fs::File::open(path).unwrap())
        .unwrap()
        .to_vec()
}

/// A temporary folder and a path inside it.
pub struct Dir(pub tempfile::TempDir);

impl Dir {
    /// A new empty folder.
    pub fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }

    /// `name` inside it.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// Write `text` to `name` and return its path.
    pub fn text(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Its files, sorted.
    pub fn files(&self) -> Vec<String> {
        files_in(self.0.path())
    }
}

/// `n` points in three well separated groups on a line, as CSV text with a header.
pub fn three_groups_csv(n: usize) -> String {
    let mut s = String::from("x,y\n");
    for i in 0..n {
        let g = (i % 3) as f64 * 10.0;
        s.push_str(&format!(
            "{},{}\n",
            g + (i as f64 * 0.37).sin(),
            (i as f64 * 0.11).cos()
        ));
    }
    s
}
