//! **The reference solutions**, one file per exercise, each registered through the same
//! [`crate::register`] function as your program in `exercises/`. `cargo test --workspace` runs
//! every one through the conformance kit, so CI proves each.
//!
//! Try the exercise first: `cargo run --release -p kmeans-exercises --bin check -- --hint N`
//! gives hints one at a time.

pub mod ex01_no_alloc;
pub mod ex02_no_sqrt;
pub mod ex03_running_argmin;
pub mod ex04_ndarray_einsum;
pub mod ex05_gemm;
pub mod ex06_one_pass;
pub mod ex07_sparse_onehot;
pub mod ex08_fused;
pub mod ex09_lanes;
pub mod ex10_avx2;
pub mod ex11_rayon;

use kmeans_core::Scalar;

use crate::{Exercise, register};

/// Every reference solution, in catalog order.
pub fn all() -> Vec<Exercise> {
    vec![
        register::ex1(ex01_no_alloc::NoAlloc),
        register::ex2(ex02_no_sqrt::NoSqrt),
        register::ex3(ex03_running_argmin::RunningArgmin),
        register::ex4(ex04_ndarray_einsum::NdarrayEinsum),
        register::ex5(ex05_gemm::Gemm),
        register::ex6(ex06_one_pass::OnePass),
        register::ex7(ex07_sparse_onehot::SparseOneHot),
        register::ex8(ex08_fused::Fused),
        register::ex9(ex09_lanes::Lanes),
        register::ex10(ex10_avx2::Avx2Fma),
        register::ex11(ex11_rayon::Parallel),
    ]
}

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
