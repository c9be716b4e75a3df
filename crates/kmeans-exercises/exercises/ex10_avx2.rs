//! # Exercise 10 (stretch) — an AVX2 + FMA distance kernel, with a scalar fallback
//!
//! **Slide 28 · Try it out!** — past where the slides stop. Exercise 9 *asked* LLVM to
//! vectorise; here you say exactly which instructions to use, with `std::arch::x86_64`: 4 `f64`
//! per 256-bit register, and a fused multiply-add (`a·b + c` in one instruction, one rounding).
//! Not every CPU has AVX2 and FMA, so detect them at run time
//! (`is_x86_feature_detected!`) and fall back to portable code otherwise — also on other
//! architectures, where the `x86_64` code must not even be compiled.
//!
//! **Goal.** Implement [`Avx2Fma`] (`f64`): a `#[target_feature(enable = "avx2,fma")]` kernel for
//! the squared distance, the running argmin around it, runtime detection, a scalar fallback.
//! In each branch call `ran(Path::Avx2Fma)` or `ran(Path::Scalar)`: the checker prints the
//! path that really ran, not what the CPU supports. Every `unsafe` block gets a `// SAFETY:`
//! comment saying why it is sound.
//!
//! **Starting point.** Exercise 9's rung, `loops/assign/v5-lanes`.
//!
//! **Target.** At least 80 % of the reference solution's speed-up over the slides' version,
//! both measured side by side in the same run on your machine, with their spread (quartiles of
//! the rounds). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 10` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 10`
#![allow(unused_variables)] // a stub ignores its inputs until you write it

use std::process::ExitCode;

use kmeans_core::{AssignStep, Points};
#[allow(unused_imports)] // for your `ran(Path::…)` calls
use kmeans_exercises::{Path, harness, ran, register};

/// Exercise 10: the assignment step with a hand-written AVX2 + FMA distance, detected at run
/// time, and a scalar fallback.
#[derive(Clone, Copy, Debug, Default)]
pub struct Avx2Fma;

// ANCHOR: exercise
impl AssignStep<f64> for Avx2Fma {
    fn assign(&self, data: Points<'_, f64>, centroids: Points<'_, f64>, labels: &mut [u32]) {
        todo!("exercise 10: detect AVX2 + FMA, call your kernel, else the scalar fallback")
    }
}
// ANCHOR_END: exercise

// The checker builds this file as a program of its own and runs it: keep this `main`.
fn main() -> ExitCode {
    harness::main(register::ex10(Avx2Fma))
}
