//! Slides 37–47, "Broadcasting Rules", as tested examples in ndarray. NumPy's rules:
//! 1. if the arrays have different numbers of axes, prepend axes of length 1 to the shorter shape;
//! 2. axes of length 1 stretch to match the other array's length along that axis;
//! 3. any other mismatch is an error.
//!
//! ndarray follows the same rules for arithmetic between references (`&a + &b`). A broadcast is a
//! view with stride 0 along the stretched axis: nothing is copied. The book includes the anchored
//! parts.

use ndarray::{Array2, arr1, arr2};

fn a_4x3() -> Array2<i32> {
    arr2(&[[0, 0, 0], [10, 10, 10], [20, 20, 20], [30, 30, 30]])
}

#[test]
fn a_4x3_plus_b_3() {
    // ANCHOR: rule_4x3_and_3
    // a: 4 x 3, b: 3  →  b: 1 x 3  →  b: 4 x 3
    let a = a_4x3();
    let b = arr1(&[0, 1, 2]);
    let sum = &a + &b;
    assert_eq!(
        sum,
        arr2(&[[0, 1, 2], [10, 11, 12], [20, 21, 22], [30, 31, 32]])
    );
    // The stretched b is a view that reads the same 3 values for every row: stride 0.
    let stretched = b.broadcast((4, 3)).unwrap();
    assert_eq!(stretched.strides(), &[0, 1]);
    assert_eq!(stretched.as_ptr(), b.as_ptr());
    // ANCHOR_END: rule_4x3_and_3
}

#[test]
fn a_4x1_plus_b_3_stretches_both() {
    // ANCHOR: rule_4x1_and_3
    // a: 4 x 1, b: 3  →  b: 1 x 3  →  both stretch to 4 x 3
    let a = arr2(&[[0], [10], [20], [30]]);
    let b = arr1(&[0, 1, 2]);
    let sum = &a + &b;
    assert_eq!(sum.shape(), &[4, 3]);
    assert_eq!(
        sum,
        arr2(&[[0, 1, 2], [10, 11, 12], [20, 21, 22], [30, 31, 32]])
    );
    assert_eq!(a.broadcast((4, 3)).unwrap().strides(), &[1, 0]); // a repeats along columns
    // ANCHOR_END: rule_4x1_and_3
}

#[test]
fn a_4x3_plus_b_1x4_fails() {
    // ANCHOR: rule_fail
    // a: 4 x 3, b: 1 x 4  →  3 ≠ 4 and neither is 1: an error
    let a = a_4x3();
    let b = arr2(&[[0, 1, 2, 3]]);
    assert!(b.broadcast((4, 3)).is_none()); // the checked form says no…
    // …and the operator panics, with ndarray's ShapeError:
    let err = std::panic::catch_unwind(|| &a + &b).unwrap_err();
    let message = err.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("ShapeError/IncompatibleShape: incompatible shapes"),
        "{message}"
    );
    // ANCHOR_END: rule_fail
}
