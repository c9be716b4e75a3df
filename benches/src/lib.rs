//! The benchmark harness's library half: result rows, criterion result reading, machine info,
//! charts and the markdown summary. The criterion `main` is `benches/kmeans.rs`.
#![forbid(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod cases;
pub mod machine;
pub mod peers;
pub mod render;
pub mod report;
pub mod results;
