//! **Your code.** One file per exercise, each a stub that panics with `todo!()` until you
//! replace its body. Run `cargo run --release -p kmeans-exercises --bin check` to see where you
//! stand, and `… --bin check -- --hint N` when stuck.
//!
//! Keep the types and signatures as they are: the checker and the tests reach your code through
//! [`crate::Track`], which the reference solutions in [`crate::solutions`] implement too.

pub mod ex1_no_alloc;
pub mod ex2_no_sqrt;
pub mod ex3_running_argmin;
pub mod ex4_one_pass;
pub mod ex5_sparse_onehot;
pub mod ex6_lanes;
pub mod ex7_avx2;
pub mod ex8_rayon;
