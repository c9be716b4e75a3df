//! `kmeans convert IN OUT`: CSV/TSV to `.npy`, streamed: one row in memory at a time, so a CSV
//! larger than memory becomes a `.npy` that `kmeans fit` maps in place.
//!
//! The `.npy` header holds the shape, known only at the end: a fixed-size header is written
//! first and rewritten once the rows are counted, in the staged file, before it is renamed into
//! place (so a bad row leaves no partial output).

use std::time::Instant;

use kmeans_workshop::{Dtype, Scalar};

use crate::args::ConvertArgs;
use crate::error::{CliError, Result};
use crate::input::{self, CsvOptions, Format, ReadError};
use crate::output::{self, Named};

/// Bytes of the `.npy` header we write (preamble included): room for any `u64` shape, and a
/// multiple of 64 so the data is aligned for in-place viewing.
const HEADER_BYTES: usize = 128;

/// The `.npy` (format 1.0) header of an `n × d` C-order array of `dtype`, exactly
/// [`HEADER_BYTES`] long.
pub fn npy_header(dtype: Dtype, n: usize, d: usize) -> Vec<u8> {
    let descr = match dtype {
        Dtype::F32 => "<f4",
        Dtype::F64 => "<f8",
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({n}, {d}), }}");
    let mut header = b"\x93NUMPY\x01\x00".to_vec();
    let len = HEADER_BYTES - 10;
    header.extend_from_slice(&(len as u16).to_le_bytes());
    header.extend_from_slice(dict.as_bytes());
    // Padded with spaces and ended by a newline, as NumPy writes it.
    header.resize(HEADER_BYTES - 1, b' ');
    header.push(b'\n');
    header
}

/// `kmeans convert`.
///
/// # Errors
/// An input that is not CSV/TSV, an output that is not `.npy` or is the input, an unreadable
/// input, a bad row (by line and column), a value too large for float32, a write failure.
pub fn convert(a: &ConvertArgs) -> Result<()> {
    let Format::Csv { delimiter } = Format::of(&a.input)? else {
        return Err(CliError::at(
            &a.input,
            "convert reads CSV or TSV (.csv, .tsv): a .npy can be fitted as it is",
        ));
    };
    if output::check_output(&a.output)? != Format::Npy {
        return Err(CliError::at(&a.output, "convert writes .npy files"));
    }
    output::check_distinct(
        &[Named {
            name: "IN",
            path: &a.input,
        }],
        &[Named {
            name: "OUT",
            path: &a.output,
        }],
    )?;
    let options = CsvOptions {
        delimiter: Some(a.csv.delimiter.unwrap_or(delimiter)),
        ..a.csv.options()
    };
    let dtype = a.dtype.map_or(Dtype::F64, Dtype::from);
    let file =
        std::fs::File::open(&a.input).map_err(|e| CliError::at(&a.input, input::io_reason(&e)))?;
    let reader = skip_bom(std::io::BufReader::with_capacity(1 << 16, file))
        .map_err(|e| CliError::at(&a.input, input::io_reason(&e)))?;
    let start = Instant::now();
    let mut shape = (0, 0);
    let mut failure: Option<ReadError> = None;
    let mut staged = output::stage(&a.output, |w| {
        w.write_all(&npy_header(dtype, 0, 0))?;
        let mut bytes = Vec::new();
        let result = input::for_each_csv_row(reader, &options, |row| {
            bytes.clear();
            match dtype {
                Dtype::F64 => row.iter().for_each(|v| bytes.extend(v.to_le_bytes())),
                Dtype::F32 => {
                    for (col, &v) in row.iter().enumerate() {
                        let narrow = f32::of_f64(v);
                        if !narrow.is_finite() {
                            return Err(ReadError {
                                line: None,
                                column: Some(col + 1),
                                message: format!(
                                    "{} does not fit in float32 (use --dtype f64)",
                                    kmeans_workshop::format_number(v)
                                ),
                            });
                        }
                        bytes.extend(narrow.to_le_bytes());
                    }
                }
            }
            w.write_all(&bytes).map_err(|e| ReadError {
                line: None,
                column: None,
                message: format!("writing {}: {}", a.output.display(), input::io_reason(&e)),
            })
        });
        match result {
            Ok(s) => shape = s,
            Err(e) => failure = Some(e),
        }
        Ok(())
    })?;
    if let Some(e) = failure {
        // The staged file is dropped (deleted) here: nothing is left behind.
        return Err(e.in_file(&a.input));
    }
    let (n, d) = shape;
    staged.overwrite_start(&npy_header(dtype, n, d))?;
    staged.commit()?;
    if !a.quiet {
        println!(
            "wrote {}: {n} points × {d} dimensions, {dtype}, from {} in {:.2} s",
            a.output.display(),
            a.input.display(),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Spreadsheets often start their CSV with a UTF-8 byte-order mark.
fn skip_bom<R: std::io::BufRead>(mut reader: R) -> std::io::Result<R> {
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok(reader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use ndarray_npy::ReadNpyExt;

    #[test]
    fn the_header_is_fixed_size_and_numpy_readable() {
        for (n, d) in [(0, 0), (3, 2), (usize::MAX, usize::MAX)] {
            let h = npy_header(Dtype::F64, n, d);
            assert_eq!(h.len(), HEADER_BYTES);
            assert!(h.ends_with(b"\n"));
        }
        let mut bytes = npy_header(Dtype::F32, 2, 2);
        for v in [1.0f32, 2.0, 3.0, 4.0] {
            bytes.extend(v.to_le_bytes());
        }
        let a = Array2::<f32>::read_npy(&bytes[..]).unwrap();
        assert_eq!(a, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
    }
}
