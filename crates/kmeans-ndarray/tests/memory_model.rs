//! Slide 11, "A quick note on the memory model…", as tested examples: an array is a buffer plus a
//! shape and strides, and `reshape`, `[::2]` and `.T` make new views of the same buffer — no copy.
//! The book includes the anchored parts (`crates/kmeans-ndarray/tests/memory_model.rs`).
//!
//! The slide shows, next to each expression, the buffer `[10, 20, …, 80]` as it lies in memory
//! (unchanged by every operation); NumPy *prints* the view. Both are asserted below: the view's
//! elements in logical order, and the memory it points into.

use ndarray::{Array1, ArrayView2, s};

fn slide_array() -> Array1<i64> {
    // ANCHOR: array
    // >> array
    // [10, 20, 30, 40, 50, 60, 70, 80]
    let array = Array1::from_iter((1..=8).map(|i| i * 10));
    // ANCHOR_END: array
    array
}

#[test]
fn reshape_is_a_view_with_new_strides() {
    let array = slide_array();
    // ANCHOR: reshape
    // >> array.reshape((4, 2))
    // [[10, 20], [30, 40], [50, 60], [70, 80]]
    let reshaped: ArrayView2<i64> = array.view().into_shape_with_order((4, 2)).unwrap();
    assert_eq!(
        reshaped,
        ndarray::arr2(&[[10, 20], [30, 40], [50, 60], [70, 80]])
    );
    assert_eq!(reshaped.as_ptr(), array.as_ptr()); // the same buffer…
    assert_eq!(reshaped.strides(), &[2, 1]); // …read two values per row
    // ANCHOR_END: reshape
}

#[test]
fn step_slicing_is_a_view_that_skips_rows() {
    let array = slide_array();
    let reshaped = array.view().into_shape_with_order((4, 2)).unwrap();
    // ANCHOR: step_slice
    // >> array.reshape((4, 2))[::2]
    let every_other = reshaped.slice(s![..;2, ..]); // NumPy's [::2]
    assert_eq!(every_other, ndarray::arr2(&[[10, 20], [50, 60]]));
    assert_eq!(every_other.as_ptr(), array.as_ptr()); // no copy:
    assert_eq!(every_other.strides(), &[4, 2 - 1]); // a row stride of 4 skips rows 1 and 3
    assert!(!every_other.is_standard_layout()); // (so it is no longer contiguous)
    // ANCHOR_END: step_slice
}

#[test]
fn transpose_swaps_the_strides_and_keeps_the_memory() {
    let array = slide_array();
    let reshaped = array.view().into_shape_with_order((4, 2)).unwrap();
    // ANCHOR: transpose
    // >> array.reshape((4, 2)).T
    let transposed = reshaped.t();
    assert_eq!(transposed.shape(), &[2, 4]);
    assert_eq!(
        transposed,
        ndarray::arr2(&[[10, 30, 50, 70], [20, 40, 60, 80]])
    );
    assert_eq!(transposed.strides(), &[1, 2]); // (2, 1) swapped: column-major
    assert_eq!(transposed.as_ptr(), array.as_ptr());
    // In memory nothing moved — what the slide shows: [[10, 20, 30, 40], [50, 60, 70, 80]]
    let memory = transposed.as_slice_memory_order().unwrap();
    assert_eq!(memory, &[10, 20, 30, 40, 50, 60, 70, 80]);
    assert_eq!(
        memory.chunks(4).collect::<Vec<_>>(),
        [[10, 20, 30, 40], [50, 60, 70, 80]]
    );
    // ANCHOR_END: transpose
}
