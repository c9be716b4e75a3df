//! The readers never panic: random bytes, truncated and bit-flipped valid files all come back
//! as a value or an error.

use kmeans_cli::input::{CsvOptions, HeaderRow, read_csv, read_npy_bytes};
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
