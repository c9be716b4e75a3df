//! `.npy` data fitted in place: the file is memory-mapped and its bytes are viewed as the points,
//! so the data is never copied into the process's memory (the page cache holds it, and the
//! kernel can drop those pages and read them again, so a file larger than RAM still fits).
//!
//! C-order float32/float64 files whose data starts at an aligned offset (every `.npy` NumPy
//! writes: format 1.0/2.0 headers pad the data to a multiple of 64 bytes) are viewed; a
//! Fortran-order or misaligned file, or a dtype that has to be converted, is copied into memory
//! with a note, and refused when the copy would not fit in the memory available.
//!
//! **A file changed while it is mapped.** The mapping shows the file as it is *now*: a file
//! rewritten during a fit changes the points under the fit, and a file truncated under the map
//! makes the next read of a vanished page raise `SIGBUS`, which ends the process (exit status
//! 135) — before any output is renamed into place, so no partial output is left. The CLI
//! checks the file's length and modification time again after the fit ([`MappedNpy::check_unchanged`])
//! and reports a changed file as an error, writing nothing. The recovery is to run again on an
//! intact file, or to pass `--no-mmap`, which reads a private copy first.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use kmeans_workshop::{Dtype, Matrix, Points, Scalar};
use memmap2::Mmap;
use ndarray::ArrayView2;
use ndarray_npy::{ViewElement, ViewNpyError, ViewNpyExt};

use super::{
    CsvOptions, Data, Format, ReadError, check_preamble, io_reason, is_float32, npy_error,
    read_matrix,
};
use crate::error::{CliError, Result};

/// A mapped `.npy` file of 2-D float32 or float64 values, C order or not.
pub struct MappedNpy {
    path: PathBuf,
    map: Mmap,
    dtype: Dtype,
    shape: (usize, usize),
    /// Whether the values can be viewed in place (C order, aligned).
    in_place: bool,
    /// Length and modification time at open, to detect a file changed during a fit.
    len: u64,
    modified: Option<SystemTime>,
}

impl std::fmt::Debug for MappedNpy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedNpy")
            .field("path", &self.path)
            .field("dtype", &self.dtype)
            .field("shape", &self.shape)
            .field("in_place", &self.in_place)
            .finish_non_exhaustive()
    }
}

impl MappedNpy {
    /// Map `path` and check its header and length against each other (nothing of the data is
    /// read yet).
    ///
    /// # Errors
    /// An unreadable file, and every header error of [`read_npy_bytes`](super::read_npy_bytes)
    /// (not a `.npy`, truncated, wrong dtype or number of dimensions, big-endian), naming `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| CliError::at(path, io_reason(&e)))?;
        let meta = file
            .metadata()
            .map_err(|e| CliError::at(path, io_reason(&e)))?;
        if meta.is_dir() {
            return Err(CliError::at(path, "is a directory, not a file"));
        }
        if meta.len() == 0 {
            return Err(CliError::at(path, "the file is empty"));
        }
        // SAFETY: a mapping is only sound while nobody else changes the file. We cannot stop
        // another process from doing so; what it costs is documented in the module docs: a
        // rewrite changes the values (detected by `check_unchanged` after the fit: an error,
        // no output), a truncation raises SIGBUS on the next read of a vanished page and ends
        // the process before any output is renamed into place. `--no-mmap` avoids both.
        #[allow(unsafe_code)]
        let map = unsafe { Mmap::map(&file) }.map_err(|e| CliError::at(path, io_reason(&e)))?;
        // The fit reads the data front to back, once per iteration.
        let _ = map.advise(memmap2::Advice::Sequential);
        let (dtype, shape, in_place) = probe(&map).map_err(|e| e.in_file(path))?;
        Ok(Self {
            path: path.to_owned(),
            map,
            dtype,
            shape,
            in_place,
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }

    /// The file's float type.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// `(rows, columns)`.
    pub fn shape(&self) -> (usize, usize) {
        self.shape
    }

    /// Bytes of data (without the header).
    pub fn data_bytes(&self) -> usize {
        self.shape.0 * self.shape.1 * self.dtype.bytes()
    }

    /// Whether [`points`](Self::points) views the file in place for its own dtype (C order and
    /// aligned); otherwise the values have to be copied.
    pub fn in_place(&self) -> bool {
        self.in_place
    }

    /// The points, viewed in place: `Some` when `T` is the file's dtype and the file is C order
    /// and aligned.
    pub fn points<T: Scalar + ViewElement>(&self) -> Option<Points<'_, T>> {
        if T::DTYPE != self.dtype || !self.in_place {
            return None;
        }
        let view = ArrayView2::<T>::view_npy(&self.map).ok()?;
        let (n, d) = self.shape;
        Points::with_shape(view.to_slice()?, n, d).ok()
    }

    /// The values as an owned `Matrix<T>` in row-major order: a copy, converting the dtype if
    /// needed (for Fortran order, misaligned data or another float type).
    ///
    /// # Errors
    /// A copy larger than the memory available (when the system says how much that is), and a
    /// finite float64 value too large for float32, by row and column.
    pub fn to_matrix<T: Scalar>(&self) -> Result<Matrix<T>> {
        let (n, d) = self.shape;
        let bytes = n * d * T::DTYPE.bytes();
        if let Some(available) = kmeans_workshop::memory::available_memory()
            && bytes as u64 > available
        {
            return Err(CliError::at(
                &self.path,
                format!(
                    "a {} copy of the data ({} MB) would not fit in the {} MB of memory available: \
                     save it as a C-order {} array (np.ascontiguousarray(x, dtype=np.{})) so it is fitted in place",
                    T::DTYPE,
                    bytes >> 20,
                    available >> 20,
                    T::DTYPE,
                    if T::DTYPE == Dtype::F32 {
                        "float32"
                    } else {
                        "float64"
                    },
                ),
            ));
        }
        let m = match self.dtype {
            Dtype::F32 => copy_as::<f32, T>(&self.map, n, d),
            Dtype::F64 => copy_as::<f64, T>(&self.map, n, d),
        };
        m.map_err(|e| e.in_file(&self.path))
    }

    /// The file's values read into memory with plain reads (no mapping, so the page cache is
    /// not counted in this process's memory): one copy of the data, in the file's dtype.
    ///
    /// # Errors
    /// An unreadable file, naming it.
    pub fn read(self) -> Result<Data> {
        if !self.in_place {
            // Fortran order or misaligned: converted through a view of the map (rare).
            return Ok(match self.dtype {
                Dtype::F32 => Data::F32(self.to_matrix::<f32>()?),
                Dtype::F64 => Data::F64(self.to_matrix::<f64>()?),
            });
        }
        let (dtype, (n, d)) = (self.dtype, self.shape);
        // The header and length were checked against each other: the data is the file's tail.
        let offset = self.len - self.data_bytes() as u64;
        let path = self.path.clone();
        drop(self);
        let read = |bytes: &mut [u8]| -> std::io::Result<()> {
            use std::io::{Read, Seek, SeekFrom};
            let mut file = File::open(&path)?;
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(bytes)
        };
        let failed = |e: std::io::Error| CliError::at(&path, io_reason(&e));
        let shape = |e: kmeans_workshop::Error| CliError::at(&path, e.to_string());
        // The values are in native byte order (ndarray-npy refused the others when mapping).
        Ok(match dtype {
            Dtype::F32 => {
                let mut v = vec![0f32; n * d];
                read(bytemuck::cast_slice_mut(&mut v)).map_err(failed)?;
                Data::F32(Matrix::from_vec(v, n, d).map_err(shape)?)
            }
            Dtype::F64 => {
                let mut v = vec![0f64; n * d];
                read(bytemuck::cast_slice_mut(&mut v)).map_err(failed)?;
                Data::F64(Matrix::from_vec(v, n, d).map_err(shape)?)
            }
        })
    }

    /// Why the data has to be copied for `T`, if it has to (for the user's note).
    pub fn copy_reason<T: Scalar>(&self) -> Option<String> {
        if T::DTYPE != self.dtype {
            Some(format!(
                "the file holds {} values and the fit runs in {}: they are converted into memory",
                self.dtype,
                T::DTYPE
            ))
        } else if !self.in_place {
            Some("the file is in Fortran order (or its data is misaligned): it is copied into memory in row-major order".into())
        } else {
            None
        }
    }

    /// Map the file's pages into the process now, when the whole file fits in half the memory
    /// available: a fit reads every page anyway, and one call fills the page tables in a batch
    /// where the fit's first pass would take a fault every 16 pages (~0.5 ms of a 10⁵ × 32
    /// `f32` fit; the process's total time stays the same, the cost moves from the fit to the
    /// read, where it belongs). A larger file is left to fault page by page, so a file larger
    /// than memory still streams through the page cache. Only a hint: a kernel before Linux
    /// 5.14 refuses it, and nothing changes then.
    pub fn populate_if_it_fits(&self) {
        #[cfg(target_os = "linux")]
        if kmeans_workshop::memory::available_memory()
            .is_some_and(|available| self.map.len() as u64 <= available / 2)
        {
            let _ = self.map.advise(memmap2::Advice::PopulateRead);
        }
    }

    /// Check that the file still has the length and modification time it had when it was
    /// mapped: a file changed during a fit may have changed the points under it.
    ///
    /// # Errors
    /// A changed, vanished or unreadable file, naming it.
    pub fn check_unchanged(&self) -> Result<()> {
        let changed = || {
            CliError::at(
                &self.path,
                "the file changed while it was being read (its size or modification time differ): \
                 nothing was written; run again on an intact file, or with --no-mmap",
            )
        };
        let meta = std::fs::metadata(&self.path).map_err(|_| changed())?;
        if meta.len() != self.len || meta.modified().ok() != self.modified {
            return Err(changed());
        }
        Ok(())
    }
}

/// A data file as opened for a fit: a `.npy` mapped (unless `--no-mmap`), anything else read.
#[derive(Debug)]
pub enum Source {
    /// A mapped `.npy`.
    Mapped(MappedNpy),
    /// Read into memory (CSV, or `--no-mmap`).
    Memory(Data),
}

impl Source {
    /// Open `path`: map a `.npy` when `map` is true, else read it (as [`read_matrix`]).
    ///
    /// # Errors
    /// As [`MappedNpy::open`] and [`read_matrix`].
    pub fn open(path: &Path, csv: &CsvOptions, map: bool) -> Result<Self> {
        if map && Format::of(path)? == Format::Npy {
            MappedNpy::open(path).map(Self::Mapped)
        } else {
            read_matrix(path, csv).map(Self::Memory)
        }
    }

    /// A mapped file's pages mapped in now, when it fits ([`MappedNpy::populate_if_it_fits`]):
    /// for a fit that reads every point (not a mini-batch fit, which reads only its batches).
    pub fn populate_if_it_fits(&self) {
        if let Self::Mapped(m) = self {
            m.populate_if_it_fits();
        }
    }

    /// The float type of the file's values.
    pub fn dtype(&self) -> Dtype {
        match self {
            Self::Mapped(m) => m.dtype(),
            Self::Memory(d) => d.dtype(),
        }
    }

    /// The points as `T`: the map itself when it can be viewed as `T`, else a copy (converted),
    /// with the reason for the copy in [`Loaded::note`].
    ///
    /// # Errors
    /// As [`MappedNpy::to_matrix`] and [`Data::into_typed`], naming `path`.
    pub fn into_typed<T: Scalar + ViewElement>(self, path: &Path) -> Result<Loaded<T>> {
        match self {
            Self::Mapped(m) if m.points::<T>().is_some() => Ok(Loaded {
                mapped: Some(m),
                owned: None,
                note: None,
            }),
            Self::Mapped(m) => Ok(Loaded {
                owned: Some(m.to_matrix::<T>()?),
                note: m.copy_reason::<T>(),
                mapped: None,
            }),
            Self::Memory(d) => Ok(Loaded {
                owned: Some(d.into_typed::<T>().map_err(|e| e.in_file(path))?),
                mapped: None,
                note: None,
            }),
        }
    }
}

/// Points ready for a fit: viewed in a mapped file, or owned.
#[derive(Debug)]
pub struct Loaded<T> {
    mapped: Option<MappedNpy>,
    owned: Option<Matrix<T>>,
    /// Why a mapped file had to be copied (for the user), if it had to.
    pub note: Option<String>,
}

impl<T: Scalar + ViewElement> Loaded<T> {
    /// The points.
    pub fn points(&self) -> Points<'_, T> {
        match (&self.owned, &self.mapped) {
            (Some(m), _) => m.view(),
            (None, Some(m)) => m
                .points::<T>()
                .expect("into_typed keeps the map only when it views as T"),
            (None, None) => unreachable!("into_typed sets one of the two"),
        }
    }

    /// Whether the points are the mapped file itself (not a copy).
    pub fn in_place(&self) -> bool {
        self.owned.is_none()
    }

    /// After a fit: an error if the mapped file changed meanwhile (see the module docs).
    ///
    /// # Errors
    /// As [`MappedNpy::check_unchanged`].
    pub fn check_unchanged(&self) -> Result<()> {
        self.mapped
            .as_ref()
            .map_or(Ok(()), MappedNpy::check_unchanged)
    }
}

/// The dtype, the shape and whether the data can be viewed in place, from the header (and the
/// file's length, which must match the shape).
fn probe(bytes: &[u8]) -> std::result::Result<(Dtype, (usize, usize), bool), ReadError> {
    check_preamble(bytes)?;
    let probed = match view_shape::<f64>(bytes) {
        Ok((shape, in_place)) => (Dtype::F64, shape, in_place),
        Err(ViewNpyError::WrongDescriptor(desc)) if is_float32(&desc.to_string()) => {
            view_shape::<f32>(bytes)
                .map(|(shape, in_place)| (Dtype::F32, shape, in_place))
                .map_err(npy_error)?
        }
        Err(e) => return Err(npy_error(e)),
    };
    // 0 rows is left to the fit's validation ("the data is empty").
    let (n, d) = probed.1;
    if d == 0 {
        return Err(ReadError::whole(format!(
            "the array has shape ({n}, 0): each point needs at least one coordinate"
        )));
    }
    Ok(probed)
}

fn view_shape<T: Scalar + ViewElement + ndarray_npy::ReadableElement>(
    bytes: &[u8],
) -> std::result::Result<((usize, usize), bool), ViewNpyError> {
    match ArrayView2::<T>::view_npy(bytes) {
        Ok(view) => Ok((view.dim(), view.is_standard_layout())),
        // Misaligned (a hand-written header): the length checks passed before alignment was
        // checked; the values are read through a copy.
        Err(ViewNpyError::MisalignedData) => {
            let shape = header_shape::<T>(bytes)?;
            Ok((shape, false))
        }
        Err(e) => Err(e),
    }
}

/// The shape of a misaligned file, through ndarray-npy's reader (which copies into an aligned
/// buffer); only used to learn the shape, so it costs one copy of a rare file.
fn header_shape<T: Scalar + ViewElement + ndarray_npy::ReadableElement>(
    bytes: &[u8],
) -> std::result::Result<(usize, usize), ViewNpyError> {
    use ndarray_npy::ReadNpyExt;
    ndarray::Array2::<T>::read_npy(bytes)
        .map(|a| a.dim())
        .map_err(|e| ViewNpyError::Io(std::io::Error::other(e.to_string())))
}

/// The file's values (`S`) as a row-major `Matrix<T>`, converted, in one pass.
fn copy_as<S, T>(bytes: &[u8], n: usize, d: usize) -> std::result::Result<Matrix<T>, ReadError>
where
    S: Scalar + ViewElement + ndarray_npy::ReadableElement,
    T: Scalar,
{
    let owned;
    let view = match ArrayView2::<S>::view_npy(bytes) {
        Ok(view) => view,
        Err(ViewNpyError::MisalignedData) => {
            use ndarray_npy::ReadNpyExt;
            owned = ndarray::Array2::<S>::read_npy(bytes)
                .map_err(|e| ReadError::whole(format!("not a valid .npy file: {e}")))?;
            owned.view()
        }
        Err(e) => return Err(npy_error(e)),
    };
    let mut out = Vec::with_capacity(n * d);
    // `iter` walks in logical (row-major) order whatever the memory order.
    for (i, &v) in view.iter().enumerate() {
        let w = T::of_f64(v.as_f64());
        if v.is_finite() && !w.is_finite() {
            return Err(ReadError::whole(format!(
                "the value {v} at row {}, column {} (counting from 0) does not fit in {}",
                i / d,
                i % d,
                T::DTYPE
            )));
        }
        out.push(w);
    }
    Matrix::from_vec(out, n, d).map_err(|e| ReadError::whole(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder};
    use ndarray_npy::WriteNpyExt;

    fn write(dir: &Path, name: &str, a: &Array2<f32>) -> PathBuf {
        let path = dir.join(name);
        a.write_npy(File::create(&path).unwrap()).unwrap();
        path
    }

    #[test]
    fn c_order_is_viewed_in_place_and_fortran_order_is_copied() {
        let dir = tempfile::tempdir().unwrap();
        let a = Array2::from_shape_fn((5, 3), |(i, j)| (i * 3 + j) as f32);
        let mapped = MappedNpy::open(&write(dir.path(), "c.npy", &a)).unwrap();
        let p = mapped.points::<f32>().expect("viewed in place");
        assert_eq!(p.shape(), (5, 3));
        assert_eq!(p.as_slice(), a.as_slice().unwrap());
        assert!(mapped.points::<f64>().is_none());
        let wide = mapped.to_matrix::<f64>().unwrap();
        assert_eq!(wide.row(4), &[12.0, 13.0, 14.0]);
        mapped.check_unchanged().unwrap();

        let mut f = Array2::<f32>::zeros((5, 3).f());
        f.assign(&a);
        let mapped = MappedNpy::open(&write(dir.path(), "f.npy", &f)).unwrap();
        assert!(!mapped.in_place());
        assert!(mapped.points::<f32>().is_none());
        assert!(mapped.copy_reason::<f32>().unwrap().contains("Fortran"));
        assert_eq!(
            mapped.to_matrix::<f32>().unwrap().as_slice(),
            a.as_slice().unwrap()
        );
    }

    /// Kilobytes of `map` resident in this process (its `Rss` in `/proc/self/smaps`).
    #[cfg(target_os = "linux")]
    fn resident_kib(map: &Mmap) -> u64 {
        let start = format!("{:x}-", map.as_ptr() as usize);
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut lines = smaps.lines().skip_while(|l| !l.starts_with(&start));
        assert!(lines.next().is_some(), "the mapping is not in smaps");
        let rss = lines.find(|l| l.starts_with("Rss:")).unwrap();
        rss.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_that_fits_is_mapped_in_before_the_fit() {
        let dir = tempfile::tempdir().unwrap();
        // 4 MiB of values: far more than the header page `open` reads and the pages the
        // kernel maps around that fault.
        let a = Array2::from_shape_fn((1 << 16, 16), |(i, j)| (i + j) as f32);
        let path = write(dir.path(), "a.npy", &a);
        let opened = MappedNpy::open(&path).unwrap();
        assert!(
            resident_kib(&opened.map) < 1024,
            "open alone maps nothing in"
        );
        let source = Source::open(&path, &CsvOptions::default(), true).unwrap();
        source.populate_if_it_fits();
        let Source::Mapped(mapped) = source else {
            panic!("a .npy is mapped")
        };
        assert!(resident_kib(&mapped.map) >= 4096, "every page mapped in");
    }

    #[test]
    fn truncated_and_changed_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let a = Array2::from_shape_fn((64, 4), |(i, j)| (i + j) as f32);
        let path = write(dir.path(), "a.npy", &a);
        let bytes = std::fs::read(&path).unwrap();
        let cut = dir.path().join("cut.npy");
        std::fs::write(&cut, &bytes[..bytes.len() - 10]).unwrap();
        let e = MappedNpy::open(&cut).unwrap_err().to_string();
        assert!(e.contains("cut.npy") && e.contains("truncated"), "{e}");

        let mapped = MappedNpy::open(&path).unwrap();
        // Grow the file (never shrink it under a live map: that is the SIGBUS case).
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(&[0u8; 64]).unwrap();
        drop(f);
        let e = mapped.check_unchanged().unwrap_err().to_string();
        assert!(e.contains("changed while it was being read"), "{e}");

        let empty = dir.path().join("empty.npy");
        std::fs::write(&empty, b"").unwrap();
        assert!(
            MappedNpy::open(&empty)
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        let e = MappedNpy::open(&dir.path().join("missing.npy"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no such file"), "{e}");
    }
}
