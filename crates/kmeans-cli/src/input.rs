//! Reading points and centroids: `.npy` (float32/float64, 2-D) and CSV, with errors that name
//! the file, the line and the column, and never a panic, whatever the bytes.

use std::any::Any;
use std::fmt;
use std::path::Path;

use kmeans_workshop::{Dtype, Matrix, Scalar};
use ndarray::{Array2, ArrayView2};
use ndarray_npy::{ReadNpyError, ReadNpyExt, ViewElement, ViewNpyError, ViewNpyExt};

use crate::error::{CliError, Result};

pub mod mmap;
pub use mmap::{Loaded, MappedNpy, Source};

/// The file formats the CLI reads and writes, chosen by file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// NumPy's `.npy`: one array, with its dtype and shape in the header.
    Npy,
    /// Comma-separated values (`.csv`), or tab-separated (`.tsv`).
    Csv {
        /// The delimiter the extension implies (`,` or tab); `--delimiter` overrides it.
        delimiter: u8,
    },
}

impl Format {
    /// The format of `path`, from its extension (case-insensitive).
    ///
    /// # Errors
    /// A missing or unknown extension, naming the ones that are known.
    pub fn of(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("npy") => Ok(Self::Npy),
            Some("csv") => Ok(Self::Csv { delimiter: b',' }),
            Some("tsv") => Ok(Self::Csv { delimiter: b'\t' }),
            Some(other) => Err(CliError::at(
                path,
                format!("unknown file type '.{other}': use .npy, .csv or .tsv"),
            )),
            None => Err(CliError::at(
                path,
                "no file extension: use .npy, .csv or .tsv so the format is known",
            )),
        }
    }
}

/// Whether the first CSV row is a header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HeaderRow {
    /// A header if none of its fields is a number (`x,y,z` is, `1,2,3` and `x,2,3` are not).
    #[default]
    Auto,
    /// Always skip the first row (`--header`).
    Present,
}

/// How to read CSV files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// Header detection.
    pub header: HeaderRow,
    /// Field delimiter; `None` takes the extension's (`,` for `.csv`, tab for `.tsv`).
    pub delimiter: Option<u8>,
}

/// A reading error, without the path (the caller adds it): at a line (and column) of a text
/// file, or about the file as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line of a text file, when the error is at one.
    pub line: Option<u64>,
    /// 1-based column (field) on that line, when the error is at one.
    pub column: Option<usize>,
    /// What is wrong, for the user.
    pub message: String,
}

impl ReadError {
    fn whole(message: impl Into<String>) -> Self {
        Self {
            line: None,
            column: None,
            message: message.into(),
        }
    }

    fn at_line(line: u64, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            column: None,
            message: message.into(),
        }
    }

    fn at_field(line: u64, column: usize, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }

    /// As a [`CliError`] naming `path`: `data.csv line 4: expected 3 fields, found 2`.
    pub fn in_file(self, path: &Path) -> CliError {
        if self.line.is_some() {
            CliError::msg(format!("{} {self}", path.display()))
        } else {
            CliError::at(path, self)
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(col)) => write!(f, "line {line}, column {col}: {}", self.message),
            (Some(line), None) => write!(f, "line {line}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// A matrix as read from a file, in the float type the file holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    /// float32 values.
    F32(Matrix<f32>),
    /// float64 values.
    F64(Matrix<f64>),
}

impl Data {
    /// The float type held.
    pub fn dtype(&self) -> Dtype {
        match self {
            Self::F32(_) => Dtype::F32,
            Self::F64(_) => Dtype::F64,
        }
    }

    /// `(rows, columns)`.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Self::F32(m) => m.shape(),
            Self::F64(m) => m.shape(),
        }
    }

    /// The values as `T`: moved when `T` is the type held, converted otherwise.
    ///
    /// # Errors
    /// A finite value too large for `T` (an `f64` beyond `f32::MAX`), by row and column.
    pub fn into_typed<T: Scalar>(self) -> Result<Matrix<T>, ReadError> {
        match self {
            Self::F32(m) => convert(m),
            Self::F64(m) => convert(m),
        }
    }
}

/// `m` as a `Matrix<U>`, without a copy when `U` is `T`.
fn convert<T: Scalar, U: Scalar>(m: Matrix<T>) -> Result<Matrix<U>, ReadError> {
    let boxed: Box<dyn Any> = Box::new(m);
    let m = match boxed.downcast::<Matrix<U>>() {
        Ok(same) => return Ok(*same),
        Err(other) => other
            .downcast::<Matrix<T>>()
            .expect("the box holds the Matrix<T> just put in it"),
    };
    let out = m.cast::<U>();
    // Narrowing rounds; only a finite value that overflows to infinity changes meaning.
    if let Some(i) = (0..m.as_slice().len())
        .find(|&i| m.as_slice()[i].is_finite() && !out.as_slice()[i].is_finite())
    {
        let (row, col) = (i / m.d(), i % m.d());
        return Err(ReadError::whole(format!(
            "the value {} at row {row}, column {col} (counting from 0) does not fit in {}",
            kmeans_workshop::format_number(m.as_slice()[i]),
            U::DTYPE
        )));
    }
    Ok(out)
}

/// Read a matrix from `path`, in the format its extension names.
///
/// # Errors
/// An unknown extension, an unreadable file, and every error of [`read_npy_bytes`] and
/// [`read_csv`], naming `path` (and the line for CSV).
pub fn read_matrix(path: &Path, csv: &CsvOptions) -> Result<Data> {
    let Format::Csv { delimiter } = Format::of(path)? else {
        // Straight into the matrix: one copy of the data (reading the whole file first and then
        // parsing it made two, a fit's peak memory twice the data).
        return MappedNpy::open(path)?.read();
    };
    let bytes = std::fs::read(path).map_err(|e| CliError::at(path, io_reason(&e)))?;
    let options = CsvOptions {
        delimiter: Some(csv.delimiter.unwrap_or(delimiter)),
        ..*csv
    };
    read_csv_bytes(&bytes, &options)
        .map(Data::F64)
        .map_err(|e| e.in_file(path))
}

/// The user-facing reason of an I/O error, without Rust's `(os error 2)` suffix.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "no such file".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "is a directory, not a file".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_owned(),
                None => s,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// .npy

/// Deepest bracket nesting accepted in a `.npy` header. A real header nests two levels
/// (`{'shape': (3, 4)}`); the header parser recurses per level, so a crafted header of
/// thousands of brackets could overflow the stack, which is an abort, not an error.
const MAX_HEADER_NESTING: usize = 8;

/// Parse a whole `.npy` file held in memory: a 2-D float32 or float64 array, in C or Fortran
/// order (Fortran order is read in its logical, row-major, order, as `numpy.load` does).
///
/// # Errors
/// An empty or truncated file, a header that is not a `.npy` header, another dtype (named, with
/// how to convert), big-endian data, fewer or more than 2 dimensions, zero rows or columns.
pub fn read_npy_bytes(bytes: &[u8]) -> Result<Data, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::whole("the file is empty"));
    }
    check_preamble(bytes)?;
    match view_npy::<f64>(bytes) {
        Ok(m) => Ok(Data::F64(m)),
        Err(ViewNpyError::WrongDescriptor(desc)) if is_float32(&desc.to_string()) => {
            view_npy::<f32>(bytes).map(Data::F32).map_err(npy_error)
        }
        Err(e) => Err(npy_error(e)),
    }
}

/// Check what ndarray-npy would trust blindly: the magic string, and that the header the
/// preamble announces fits in the file and is not nested absurdly deep.
fn check_preamble(bytes: &[u8]) -> Result<(), ReadError> {
    const MAGIC: &[u8] = b"\x93NUMPY";
    if !bytes.starts_with(MAGIC) {
        return Err(ReadError::whole(
            "not a .npy file (it does not start with the \\x93NUMPY magic string)",
        ));
    }
    let (start, len): (usize, usize) = match bytes.get(6) {
        Some(1) => match bytes.get(8..10) {
            Some(b) => (10, usize::from(u16::from_le_bytes([b[0], b[1]]))),
            None => return Err(ReadError::whole("the .npy header is truncated")),
        },
        Some(2 | 3) => match bytes.get(8..12) {
            Some(b) => (12, u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
            None => return Err(ReadError::whole("the .npy header is truncated")),
        },
        Some(v) => {
            return Err(ReadError::whole(format!(
                "unsupported .npy format version {v}"
            )));
        }
        None => return Err(ReadError::whole("the .npy header is truncated")),
    };
    let header = start
        .checked_add(len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| ReadError::whole("the .npy header is truncated"))?;
    let mut depth = 0usize;
    for &b in header {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_HEADER_NESTING {
                    return Err(ReadError::whole(
                        "not a valid .npy header (brackets nested too deeply)",
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// `'<f4'` and friends: float32 in either byte order.
fn is_float32(desc: &str) -> bool {
    matches!(desc.trim_matches('\''), "<f4" | ">f4" | "=f4" | "f4")
}

/// The array as a row-major matrix. Viewing first checks the data length against the header's
/// shape without allocating; reading would allocate whatever a corrupt header claims.
fn view_npy<T>(bytes: &[u8]) -> Result<Matrix<T>, ViewNpyError>
where
    T: Scalar + ViewElement + ndarray_npy::ReadableElement,
{
    let values = match ArrayView2::<T>::view_npy(bytes) {
        Ok(view) => logical_order(view),
        // The length matched the shape before alignment was checked: reading (which copies
        // into an aligned buffer) allocates no more than the file holds.
        Err(ViewNpyError::MisalignedData) => match Array2::<T>::read_npy(bytes) {
            Ok(array) => logical_order(array.view()),
            Err(e) => return Err(read_to_view_error(e)),
        },
        Err(e) => return Err(e),
    };
    let (n, d, data) = values;
    Matrix::from_vec(data, n, d).map_err(|_| ViewNpyError::LengthOverflow)
}

fn logical_order<T: Clone>(view: ArrayView2<'_, T>) -> (usize, usize, Vec<T>) {
    let (n, d) = view.dim();
    // `iter` walks in logical (row-major) order whatever the memory order.
    let data = match view.as_slice() {
        Some(s) => s.to_vec(),
        None => view.iter().cloned().collect(),
    };
    (n, d, data)
}

fn read_to_view_error(e: ReadNpyError) -> ViewNpyError {
    match e {
        ReadNpyError::WrongDescriptor(d) => ViewNpyError::WrongDescriptor(d),
        ReadNpyError::WrongNdim(a, b) => ViewNpyError::WrongNdim(a, b),
        ReadNpyError::LengthOverflow => ViewNpyError::LengthOverflow,
        ReadNpyError::MissingData => ViewNpyError::MissingBytes(0),
        ReadNpyError::ExtraBytes(n) => ViewNpyError::ExtraBytes(n),
        other => ViewNpyError::Io(std::io::Error::other(other.to_string())),
    }
}

fn npy_error(e: ViewNpyError) -> ReadError {
    ReadError::whole(match e {
        ViewNpyError::WrongDescriptor(desc) => describe_dtype(&desc.to_string()),
        ViewNpyError::WrongNdim(_, ndim) => format!(
            "expected a 2-D array (one row per point), found a {ndim}-D array{}",
            if ndim == 1 {
                ": reshape it with x.reshape(-1, 1) for 1-D points"
            } else {
                ""
            }
        ),
        ViewNpyError::NonNativeEndian => {
            "the data is big-endian, which is not supported: save it with x.astype('<f8')".into()
        }
        ViewNpyError::MissingBytes(0) => "the file is truncated: data is missing".into(),
        ViewNpyError::MissingBytes(n) => {
            format!("the file is truncated: {n} bytes of data are missing")
        }
        ViewNpyError::ExtraBytes(n) => {
            format!("{n} unexpected bytes after the data the header describes")
        }
        ViewNpyError::LengthOverflow => {
            "the header's shape is too large: its number of values overflows this machine's memory size".into()
        }
        ViewNpyError::ParseHeader(e) => format!("not a valid .npy header: {e}"),
        ViewNpyError::Io(e) => format!("not a valid .npy file: {e}"),
        other => format!("not a valid .npy file: {other}"),
    })
}

/// "the array holds '<i8' values (64-bit integers) …": what was found and how to convert.
fn describe_dtype(desc: &str) -> String {
    let code = desc.trim_matches('\'');
    let body = code.trim_start_matches(['<', '>', '=', '|']);
    let (kind, size) = body.split_at(body.find(|c: char| c.is_ascii_digit()).unwrap_or(0));
    let bits = size.parse::<usize>().map(|b| b * 8).ok();
    let what = match (kind, bits) {
        ("", _) => format!("values of type {desc}"),
        ("f", Some(b)) => format!("{b}-bit floats"),
        ("i", Some(b)) => format!("{b}-bit integers"),
        ("u", Some(b)) => format!("{b}-bit unsigned integers"),
        ("b", _) => "booleans".into(),
        ("c", Some(b)) => format!("{b}-bit complex numbers"),
        ("U" | "S", _) => "strings".into(),
        ("O", _) => "Python objects".into(),
        _ => format!("values of type {desc}"),
    };
    format!(
        "the array holds {what} ({desc}); kmeans reads float32 ('<f4') or float64 ('<f8'): convert with x.astype(np.float64)"
    )
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Parse CSV: one point per line, every line with the same number of numeric fields. A first
/// line with no numeric field is a header (or any first line with [`HeaderRow::Present`]);
/// lines starting with `#` are comments (`numpy.savetxt` writes its header so); blank lines
/// are skipped; fields are trimmed.
///
/// # Errors
/// By 1-based line (and column): a row with a different number of fields, a field that is not
/// a number, NaN or infinity; and a file without data rows.
pub fn read_csv<R: std::io::Read>(
    reader: R,
    options: &CsvOptions,
) -> Result<Matrix<f64>, ReadError> {
    let mut values: Vec<f64> = Vec::new();
    let (rows, d) = for_each_csv_row(reader, options, |row| {
        values.extend_from_slice(row);
        Ok(())
    })?;
    Matrix::from_vec(values, rows, d).map_err(|e| ReadError::whole(e.to_string()))
}

/// The rows of a CSV file as [`read_csv`] reads them, one at a time (so a file larger than
/// memory can be streamed, as `kmeans convert` does); returns `(rows, columns)`.
///
/// # Errors
/// As [`read_csv`], and the first error `row` returns.
pub fn for_each_csv_row<R: std::io::Read>(
    reader: R,
    options: &CsvOptions,
    mut row: impl FnMut(&[f64]) -> Result<(), ReadError>,
) -> Result<(usize, usize), ReadError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(options.delimiter.unwrap_or(b','))
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let mut values: Vec<f64> = Vec::new();
    let mut fields: Option<usize> = None;
    let mut rows = 0usize;
    let mut first = true;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&e)),
        }
        let line = record.position().map_or(0, csv::Position::line);
        // A line of only spaces reads as one empty field: treat it as blank.
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if std::mem::take(&mut first) {
            let numeric = record.iter().filter(|f| parse_number(f).is_some()).count();
            if options.header == HeaderRow::Present || numeric == 0 {
                fields = Some(record.len());
                continue;
            }
        }
        let expected = *fields.get_or_insert(record.len());
        if record.len() != expected {
            return Err(ReadError::at_line(
                line,
                format!("expected {expected} fields, found {}", record.len()),
            ));
        }
        values.clear();
        for (col, field) in record.iter().enumerate() {
            let value = parse_number(field).ok_or_else(|| {
                ReadError::at_field(
                    line,
                    col + 1,
                    format!("expected a number, found {}", show_field(field)),
                )
            })?;
            if !value.is_finite() {
                return Err(ReadError::at_field(
                    line,
                    col + 1,
                    format!(
                        "{} is not a finite number (k-means needs finite values)",
                        show_field(field)
                    ),
                ));
            }
            values.push(value);
        }
        row(&values).map_err(|e| ReadError {
            line: e.line.or(Some(line)),
            ..e
        })?;
        rows += 1;
    }
    if rows == 0 {
        return Err(ReadError::whole(if fields.is_some() {
            "the file has a header but no data rows"
        } else {
            "the file holds no data"
        }));
    }
    Ok((rows, fields.unwrap_or(0)))
}

/// [`read_csv`] on a whole file held in memory, after a UTF-8 byte-order mark if there is one
/// (spreadsheets often start their CSV with one).
///
/// # Errors
/// As [`read_csv`].
pub fn read_csv_bytes(bytes: &[u8], options: &CsvOptions) -> Result<Matrix<f64>, ReadError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    read_csv(text, options)
}

fn parse_number(field: &[u8]) -> Option<f64> {
    std::str::from_utf8(field).ok()?.parse().ok()
}

/// A field as the user typed it, quoted, cut short if long.
fn show_field(field: &[u8]) -> String {
    if field.is_empty() {
        return "an empty field".into();
    }
    let text = String::from_utf8_lossy(field);
    let short: String = text.chars().take(40).collect();
    let ellipsis = if text.chars().count() > 40 { "…" } else { "" };
    format!("\"{}{ellipsis}\"", short.escape_default())
}

fn csv_error(e: &csv::Error) -> ReadError {
    let line = e.position().map(csv::Position::line);
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => io_reason(io),
        _ => e.to_string(),
    };
    match line {
        Some(line) => ReadError::at_line(line, message),
        None => ReadError::whole(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<Matrix<f64>, ReadError> {
        read_csv(text.as_bytes(), &CsvOptions::default())
    }

    #[test]
    fn csv_reads_rows_and_detects_a_header() {
        let m = csv("x,y\n1,2\n3.5, -4e1\n").unwrap();
        assert_eq!(m.shape(), (2, 2));
        assert_eq!(m.as_slice(), &[1.0, 2.0, 3.5, -40.0]);
        let m = csv("# written by numpy.savetxt\n1,2\n\n3,4\n").unwrap();
        assert_eq!(m.as_slice(), &[1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let e = csv("1,2,3\n4,5,6\n7,8,9\n1,2\n").unwrap_err();
        assert_eq!(e.to_string(), "line 4: expected 3 fields, found 2");
        let e = csv("1,2\n3,abc\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2, column 2: expected a number, found \"abc\""
        );
        let e = csv("1,2\nnan,1\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 2, column 1: \"nan\" is not a finite")
        );
        assert_eq!(csv("").unwrap_err().line, None);
        assert_eq!(
            csv("a,b\n").unwrap_err().message,
            "the file has a header but no data rows"
        );
    }

    #[test]
    fn a_mixed_first_row_is_data_with_an_error_not_a_header() {
        let e = csv("x,2\n1,2\n").unwrap_err();
        assert_eq!(e.line, Some(1));
    }

    #[test]
    fn narrowing_to_f32_rejects_overflow_but_moves_same_type() {
        let m = Matrix::from_vec(vec![1.0f64, 1e300], 2, 1).unwrap();
        let e = Data::F64(m.clone()).into_typed::<f32>().unwrap_err();
        assert!(e.message.contains("row 1, column 0"), "{e}");
        assert_eq!(Data::F64(m.clone()).into_typed::<f64>().unwrap(), m);
    }

    #[test]
    fn dtype_descriptions_name_what_was_found() {
        assert!(describe_dtype("'<i8'").contains("64-bit integers ('<i8')"));
        assert!(describe_dtype("'<f2'").contains("16-bit floats"));
        assert!(describe_dtype("'|b1'").contains("booleans"));
    }
}
