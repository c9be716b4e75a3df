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
    /// Overwrite the first bytes of the staged file: a header whose contents are known only
    /// once the rest is written (`kmeans convert`'s row count).
    ///
    /// # Errors
    /// When the temporary file cannot be written.
    pub fn overwrite_start(&mut self, bytes: &[u8]) -> Result<()> {
        use std::io::{Seek, SeekFrom};
        let file = self.file.as_file_mut();
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(bytes))
            .and_then(|()| file.flush())
            .map_err(|e| CliError::at(&self.dest, format!("cannot write: {}", io_reason(&e))))
    }

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
    check_place(path)?;
    Ok(format)
}

/// [`check_output`] for a model file: a `.json` extension and an existing folder.
///
/// # Errors
/// Another extension, a missing folder, or a path that is a folder.
pub fn check_model_output(path: &Path) -> Result<()> {
    let ext = path.extension().and_then(|e| e.to_str());
    if !ext.is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        return Err(CliError::at(
            path,
            "a model file must end in .json (it is written as JSON)",
        ));
    }
    check_place(path)
}

fn check_place(path: &Path) -> Result<()> {
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
    Ok(())
}

/// A file named on the command line, with the option or argument that named it.
#[derive(Clone, Copy, Debug)]
pub struct Named<'a> {
    /// `--labels-out`, `DATA`, …
    pub name: &'a str,
    /// The path as given.
    pub path: &'a Path,
}

/// Refuse, before any work, an output that is one of the inputs (the same file once links are
/// followed: same device and inode on Unix, same canonical path elsewhere) or two outputs
/// that are the same file: writing either would destroy data.
///
/// # Errors
/// Naming both options and the file.
pub fn check_distinct(inputs: &[Named<'_>], outputs: &[Named<'_>]) -> Result<()> {
    for (i, out) in outputs.iter().enumerate() {
        let id = FileId::of(out.path);
        if let Some(input) = inputs
            .iter()
            .find(|f| id.is_some() && FileId::of(f.path) == id)
        {
            return Err(CliError::at(
                out.path,
                format!(
                    "{} would overwrite the input {} ({}): choose another output file",
                    out.name,
                    input.name,
                    input.path.display()
                ),
            ));
        }
        let here = place(out.path);
        if let Some(other) = outputs[..i].iter().find(|o| {
            here.is_some() && place(o.path) == here || id.is_some() && FileId::of(o.path) == id
        }) {
            return Err(CliError::at(
                out.path,
                format!(
                    "{} and {} name the same file: give each output its own file",
                    other.name, out.name
                ),
            ));
        }
    }
    Ok(())
}

/// The identity of an existing file, links followed.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FileId {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Canonical(PathBuf),
}

impl FileId {
    fn of(path: &Path) -> Option<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(path)
                .ok()
                .map(|m| Self::Inode(m.dev(), m.ino()))
        }
        #[cfg(not(unix))]
        {
            std::fs::canonicalize(path).ok().map(Self::Canonical)
        }
    }
}

/// Where a (possibly not yet existing) file would be: its folder, canonical, and its name.
fn place(path: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(parent(path)).ok()?;
    Some(dir.join(path.file_name()?))
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
/// the same values (the shortest decimal that round-trips, in scientific notation when huge or
/// tiny).
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
                    write!(w, "{}", kmeans_workshop::format_number(*v))?;
                }
                writeln!(w)?;
            }
            Ok(())
        }),
    }
}
