//! One module per instruction set, memchr-style: each holds its vector types (implementing
//! [`Vector`](crate::vector::Vector)), a zero-sized token type proving the CPU supports it
//! (`new() -> Option<Self>`), and thin `#[target_feature]` entry points that instantiate the
//! generic kernels of `kernel.rs`. `portable` runs everywhere.
//!
//! aarch64 NEON is future work: it cannot be compiled and tested on this project's x86-64
//! machines, and an untested kernel is worse than the portable one.

pub(crate) mod portable;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86_64;
