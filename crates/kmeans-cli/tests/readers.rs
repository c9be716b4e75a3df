//! The readers never panic: random bytes, truncated and bit-flipped valid files all come back
//! as a value or an error.

use kmeans_cli::input::{CsvOptions, HeaderRow, read_csv, read_csv_bytes, read_npy_bytes};
use ndarray_npy::WriteNpyExt;
use proptest::prelude::*;

fn valid_npy(rows: usize, cols: usize, f32: bool) -> Vec<u8> {
    let mut buf = Vec::new();
    let values: Vec<f64> = (0..rows * cols).map(|i| i as f64 * 0.5 - 3.0).collect();
    let a = ndarray::Array2::from_shape_vec((rows, cols), values).unwrap();
    if f32 {
        a.mapv(|v| v as f32).write_npy(&mut buf).unwrap();
    } else {
        a.write_npy(&mut buf).unwrap();
    }
    buf
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn npy_reader_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_npy_bytes(&bytes);
    }

    #[test]
    fn npy_reader_never_panics_on_a_random_body_after_a_real_magic(
        version in 1u8..4,
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut bytes = b"\x93NUMPY".to_vec();
        bytes.extend([version, 0]);
        bytes.extend(body);
        let _ = read_npy_bytes(&bytes);
    }

    #[test]
    fn npy_reader_rejects_every_truncation_and_survives_bit_flips(
        rows in 1usize..6, cols in 1usize..5, f32 in any::<bool>(),
        cut in any::<prop::sample::Index>(), flip in any::<prop::sample::Index>(), bit in 0u8..8,
    ) {
        let bytes = valid_npy(rows, cols, f32);
        let whole = read_npy_bytes(&bytes).expect("a valid file reads");
        prop_assert_eq!(whole.shape(), (rows, cols));
        let cut = cut.index(bytes.len());
        prop_assert!(read_npy_bytes(&bytes[..cut]).is_err(), "a file cut at {} of {} read", cut, bytes.len());
        let mut flipped = bytes.clone();
        flipped[flip.index(bytes.len())] ^= 1 << bit;
        let _ = read_npy_bytes(&flipped);
    }

    #[test]
    fn npy_header_with_any_shape_text_never_panics(shape in "[0-9(), ]{0,40}", descr in "[<>|=]?[fiucbUSO][0-9]{0,2}") {
        let header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        let mut dict = header.into_bytes();
        while !(10 + dict.len() + 1).is_multiple_of(64) {
            dict.push(b' ');
        }
        dict.push(b'\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((dict.len() as u16).to_le_bytes());
        bytes.extend(dict);
        bytes.extend([0u8; 64]);
        let _ = read_npy_bytes(&bytes);
    }

    #[test]
    fn csv_reader_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512), header in any::<bool>()) {
        let options = CsvOptions {
            header: if header { HeaderRow::Present } else { HeaderRow::Auto },
            delimiter: None,
        };
        let _ = read_csv(bytes.as_slice(), &options);
    }

    #[test]
    fn csv_reader_never_panics_on_number_like_text(text in "[0-9eE+\\-.,;\\t \\nainfINFx#\"]{0,300}") {
        let _ = read_csv(text.as_bytes(), &CsvOptions::default());
    }

    #[test]
    fn csv_reader_on_truncated_files_reads_a_prefix_or_names_the_last_line(
        rows in 1usize..8, cols in 1usize..5, cut in any::<prop::sample::Index>(),
    ) {
        let mut text = String::new();
        for r in 0..rows {
            let row: Vec<String> = (0..cols).map(|c| format!("{}", (r * cols + c) as f64 * 1.25)).collect();
            text.push_str(&row.join(","));
            text.push('\n');
        }
        let whole = read_csv(text.as_bytes(), &CsvOptions::default()).unwrap();
        prop_assert_eq!(whole.shape(), (rows, cols));
        let cut = cut.index(text.len());
        match read_csv(&text.as_bytes()[..cut], &CsvOptions::default()) {
            Ok(m) => {
                // A cut inside the only row leaves a shorter, still consistent, row.
                prop_assert!(m.d() == cols || m.n() == 1, "{:?}", m.shape());
                prop_assert!(m.n() <= rows);
            }
            Err(e) => prop_assert!(e.line.is_none() || e.line <= Some(rows as u64), "{:?}", e),
        }
    }
}

#[test]
fn a_deeply_nested_npy_header_is_an_error_not_a_stack_overflow() {
    let mut dict = "[".repeat(60_000).into_bytes();
    dict.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((dict.len() as u16).to_le_bytes());
    bytes.extend(dict);
    let e = read_npy_bytes(&bytes).unwrap_err();
    assert!(e.message.contains("nested too deeply"), "{e}");
}

#[test]
fn a_header_claiming_a_huge_shape_is_an_error_without_allocating_it() {
    // 10^12 × 8 float64 values claimed, 64 bytes present.
    let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 8), }";
    let mut dict = dict.as_bytes().to_vec();
    while !(10 + dict.len() + 1).is_multiple_of(64) {
        dict.push(b' ');
    }
    dict.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((dict.len() as u16).to_le_bytes());
    bytes.extend(dict);
    bytes.extend([0u8; 64]);
    let e = read_npy_bytes(&bytes).unwrap_err();
    assert!(e.message.contains("truncated"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Mutated valid files (issue 13): headers that lie, CSV dialect noise, huge fields.

/// A `.npy` file: the header dict `dict` (padded as NumPy pads it), then `body`.
fn npy_with_header(dict: &str, body: &[u8]) -> Vec<u8> {
    let mut dict = dict.as_bytes().to_vec();
    while !(10 + dict.len() + 1).is_multiple_of(64) {
        dict.push(b' ');
    }
    dict.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((dict.len() as u16).to_le_bytes());
    bytes.extend(dict);
    bytes.extend(body);
    bytes
}

/// `values` rendered as CSV with the given dialect noise: each field quoted or not (and padded
/// with spaces), CRLF or LF line ends, a byte-order mark, a header line.
fn render_csv(values: &[Vec<f64>], quote: &[bool], crlf: bool, bom: bool, header: bool) -> Vec<u8> {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    if bom {
        text.push('\u{feff}');
    }
    if header {
        let names: Vec<String> = (0..values[0].len())
            .map(|j| format!("\"col {j}\""))
            .collect();
        text.push_str(&names.join(","));
        text.push_str(eol);
    }
    let mut q = quote.iter().cycle();
    for row in values {
        let fields: Vec<String> = row
            .iter()
            .map(|v| {
                if *q.next().unwrap() {
                    format!("\"{v:e}\"")
                } else {
                    format!(" {v} ")
                }
            })
            .collect();
        text.push_str(&fields.join(","));
        text.push_str(eol);
    }
    text.into_bytes()
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e6..1e6f64,
        (-300i32..300).prop_map(|e| 10f64.powi(e)),
        Just(0.0),
        Just(-0.0),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A header whose shape or dtype disagrees with the bytes that follow: an error (or, when
    /// the lie happens to describe the bytes exactly, a matrix that does), never a panic, and
    /// never an allocation of what the header claims: claims up to 2^62 values would abort
    /// the process if they were allocated before the file size was checked.
    #[test]
    fn npy_headers_that_lie_about_shape_or_dtype_are_errors_not_allocations(
        rows in prop_oneof![0u64..8, (1u64 << 20)..(1u64 << 40), Just(u64::MAX / 2)],
        cols in prop_oneof![0u64..6, (1u64 << 20)..(1u64 << 31)],
        descr in prop_oneof![Just("<f8"), Just("<f4"), Just(">f8"), Just("<i8"), Just("|u1"), Just("<f2")],
        fortran in any::<bool>(),
        body_values in 0usize..48,
    ) {
        let dict = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({rows}, {cols}), }}",
            if fortran { "True" } else { "False" }
        );
        let body = vec![0x3fu8; body_values * 4];
        let bytes = npy_with_header(&dict, &body);
        match read_npy_bytes(&bytes) {
            Ok(m) => {
                let (n, d) = m.shape();
                let size = if descr == "<f4" { 4 } else { 8 };
                prop_assert_eq!((n as u64, d as u64), (rows, cols));
                prop_assert_eq!(n * d * size, body.len());
            }
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
    }

    /// Numbers written with any mix of quoting, padding, CRLF, a BOM and a header row read
    /// back exactly.
    #[test]
    fn csv_dialect_noise_reads_back_the_same_values(
        values in (1usize..5).prop_flat_map(|d| proptest::collection::vec(proptest::collection::vec(finite(), d), 1..12)),
        quote in proptest::collection::vec(any::<bool>(), 1..7),
        crlf in any::<bool>(), bom in any::<bool>(), header in any::<bool>(),
    ) {
        let bytes = render_csv(&values, &quote, crlf, bom, header);
        let m = read_csv_bytes(&bytes, &CsvOptions::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(m.shape(), (values.len(), values[0].len()));
        for (row, want) in m.view().rows().zip(&values) {
            for (got, want) in row.iter().zip(want) {
                prop_assert_eq!(got, want);
            }
        }
    }

    /// Random quotes, BOMs and line ends spliced into a valid file: a value or an error
    /// naming a line, never a panic.
    #[test]
    fn csv_with_stray_quotes_boms_and_line_ends_never_panics(
        rows in 1usize..6, cols in 1usize..4,
        splices in proptest::collection::vec((any::<prop::sample::Index>(), prop_oneof![
            Just(&b"\""[..]), Just(&b"\r"[..]), Just(&b"\r\n"[..]), Just(&b"\xEF\xBB\xBF"[..]),
            Just(&b"\"\""[..]), Just(&b","[..]), Just(&b"\xff"[..]), Just(&b"#"[..]),
        ]), 1..6),
    ) {
        let values: Vec<Vec<f64>> = (0..rows).map(|r| (0..cols).map(|c| (r * cols + c) as f64).collect()).collect();
        let mut bytes = render_csv(&values, &[false], false, false, false);
        for (at, what) in splices {
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, what.iter().copied());
        }
        match read_csv_bytes(&bytes, &CsvOptions::default()) {
            Ok(m) => prop_assert!(m.n() >= 1 && m.d() >= 1),
            Err(e) => prop_assert!(!e.message.is_empty() && e.message.len() < 400, "{}", e.message),
        }
    }

    /// A huge field (a number of up to 200 000 digits, or as many letters): an error or a value,
    /// and a message that quotes only the start of the field.
    #[test]
    fn huge_csv_fields_give_short_messages(len in 1000usize..200_000, digit in any::<bool>(), quoted in any::<bool>()) {
        let field = if digit { "9".repeat(len) } else { "x".repeat(len) };
        let field = if quoted { format!("\"{field}\"") } else { field };
        let text = format!("1,2\n3,{field}\n");
        match read_csv_bytes(text.as_bytes(), &CsvOptions::default()) {
            Ok(m) => prop_assert_eq!(m.shape(), (2, 2)),
            Err(e) => {
                prop_assert_eq!((e.line, e.column), (Some(2), Some(2)));
                prop_assert!(e.message.len() < 200, "{}", e.message.len());
            }
        }
    }
}
