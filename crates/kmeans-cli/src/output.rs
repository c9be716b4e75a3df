//! Writing labels, centroids, data and pictures: each into a temporary file beside its
//! destination, renamed over it only once everything succeeded, so a failure (or an error in
//! another output of the same command) never leaves a partial file.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use kmeans_workshop::{Matrix, Scalar};
use ndarray::{Array1, Array2};
use ndarray_npy::{WritableElement, WriteNpyExt};
use tempfile::NamedTempFile;

use crate::error::{CliError, Result};
use crate::input::{Format, io_reason};

/// A file written in full to a temporary name in its destination's folder, waiting to be
/// renamed into place by [`commit`](Staged::commit). Dropped uncommitted, it is deleted.
#[derive(Debug)]
pub struct Staged {
    file: NamedTempFile,
    dest: PathBuf,
}

impl Staged {
    /// Rename into place (atomic on one file system: readers see the old file or the new one).
    ///
    /// # Errors
    /// When the rename fails (the temporary file is then deleted).
    pub fn commit(self) -> Result<()> {
        let dest = self.dest;
        self.file
            .persist(&dest)
            .map(drop)
            .map_err(|e| CliError::at(&dest, format!("cannot write: {}", io_reason(&e.error))))
    }

    /// Where the file will land.
    pub fn dest(&self) -> &Path {
        &self.dest
    }
}

/// Commit every staged file, in order.
///
/// # Errors
/// The first rename that fails.
pub fn commit_all(staged: Vec<Staged>) -> Result<()> {
    staged.into_iter().try_for_each(Staged::commit)
}

/// The format of an output path, checked before any work is done: a known extension and an
/// existing folder, so that a typo fails in a second rather than after a long fit.
///
/// # Errors
/// An unknown extension, a missing folder, or a path that is a folder.
pub fn check_output(path: &Path) -> Result<Format> {
    let format = Format::of(path)?;
    let dir = parent(path);
    if !dir.is_dir() {
        return Err(CliError::at(
            path,
            format!("cannot write: the folder {} does not exist", dir.display()),
        ));
    }
    if path.is_dir() {
        return Err(CliError::at(path, "cannot write: it is a folder"));
    }
    Ok(format)
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Stage `path` with whatever `write` puts in it.
///
/// # Errors
/// When the temporary file cannot be created or written.
pub fn stage(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Staged> {
    let cannot = |e: std::io::Error| CliError::at(path, format!("cannot write: {}", io_reason(&e)));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // `.labels.npy.Ab3xYz.tmp`: hidden, and recognisable if a killed run leaves one behind.
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // tempfile creates files readable by their owner only; an output is an ordinary file,
    // readable as the umask allows.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(parent(path)).map_err(cannot)?;
    {
        let mut out = BufWriter::new(file.as_file_mut());
        write(&mut out).map_err(cannot)?;
        out.flush().map_err(cannot)?;
    }
    Ok(Staged {
        file,
        dest: path.to_owned(),
    })
}

/// Stage labels: a 1-D uint32 `.npy`, or one label per line.
///
/// # Errors
/// An unknown extension or a write failure.
pub fn stage_labels(path: &Path, labels: &[u32]) -> Result<Staged> {
    match Format::of(path)? {
        Format::Npy => stage(path, |w| {
            Array1::from(labels.to_vec())
                .write_npy(w)
                .map_err(std::io::Error::other)
        }),
        Format::Csv { .. } => stage(path, |w| labels.iter().try_for_each(|l| writeln!(w, "{l}"))),
    }
}

/// Stage a matrix: a 2-D `.npy` of its float type, or CSV rows with enough digits to read back
/// the same values (Rust prints the shortest decimal that round-trips).
///
/// # Errors
/// An unknown extension or a write failure.
pub fn stage_matrix<T: Scalar + WritableElement>(path: &Path, m: &Matrix<T>) -> Result<Staged> {
    match Format::of(path)? {
        Format::Npy => stage(path, |w| {
            let array = Array2::from_shape_vec(m.shape(), m.as_slice().to_vec())
                .map_err(std::io::Error::other)?;
            array.write_npy(w).map_err(std::io::Error::other)
        }),
        Format::Csv { delimiter } => stage(path, |w| {
            let sep = char::from(delimiter);
            for row in m.view().rows() {
                for (j, v) in row.iter().enumerate() {
                    if j > 0 {
                        write!(w, "{sep}")?;
                    }
                    write!(w, "{v}")?;
                }
                writeln!(w)?;
            }
            Ok(())
        }),
    }
}
