//! **The reference solutions**, one file per exercise, with the same types and trait impls as
//! the stubs in [`crate::exercises`] (both are registered through [`crate::Track`]). The default
//! `cargo test --workspace` runs every exercise's tests against these, so CI proves each one.
//!
//! Try the exercise first: `cargo run --release -p kmeans-exercises --bin check -- --hint N`
//! gives hints one at a time.

pub mod ex1_no_alloc;
pub mod ex2_no_sqrt;
pub mod ex3_running_argmin;
pub mod ex4_one_pass;
pub mod ex5_sparse_onehot;
pub mod ex6_lanes;
pub mod ex7_avx2;
pub mod ex8_rayon;

use kmeans_core::Scalar;

/// Index of the first smallest value, like `np.argmin` (exercises 1 and 2).
// ANCHOR: argmin
pub fn argmin<T: Scalar>(values: &[T]) -> usize {
    let mut best = 0;
    for (j, &v) in values.iter().enumerate() {
        if v < values[best] {
            best = j;
        }
    }
    best
}
// ANCHOR_END: argmin
