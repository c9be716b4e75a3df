//! # Exercise 7 (stretch) — an AVX2 + FMA distance kernel, with a scalar fallback
//!
//! **Slide 28 · Try it out!** — past where the slides stop. Exercise 6 *asked* LLVM to
//! vectorise; here you say exactly which instructions to use, with `std::arch::x86_64`: 4 `f64`
//! per 256-bit register, and a fused multiply-add (`a·b + c` in one instruction, one rounding).
//! Not every CPU has AVX2 and FMA, so detect them at run time
//! (`is_x86_feature_detected!`) and fall back to portable code otherwise — also on other
//! architectures, where the `x86_64` code must not even be compiled.
//!
//! **Goal.** Implement [`Avx2Fma`] (`f64`): a `#[target_feature(enable = "avx2,fma")]` kernel for
//! the squared distance, the running argmin around it, runtime detection, a scalar fallback.
//! This is the one file of your exercises where `unsafe` is allowed: every `unsafe` block gets a
//! `// SAFETY:` comment saying why it is sound (`unsafe_op_in_unsafe_fn` is denied, so an
//! `unsafe fn` needs explicit blocks too).
//!
//! **Starting point.** Exercise 6's rung, `loops/assign/v5-lanes` (assignment table of
//! `reports/summary.md`).
//!
//! **Target.** Aim for at least 5× faster than v1 (on a CPU with AVX2 and FMA; the checker says
//! which path ran). The checker measures it; no test asserts it.
//!
//! Check: `cargo run --release -p kmeans-exercises --bin check -- 7` ·
//! hints: `cargo run --release -p kmeans-exercises --bin check -- --hint 7`
#![allow(unsafe_code)]

use kmeans_core::{AssignStep, Points};

/// Exercise 7: the assignment step with a hand-written AVX2 + FMA distance, detected at run
/// time, and a scalar fallback.
#[derive(Clone, Copy, Debug, Default)]
pub struct Avx2Fma;

// ANCHOR: exercise
impl AssignStep<f64> for Avx2Fma {
    fn assign(&self, data: Points<'_, f64>, centroids: Points<'_, f64>, labels: &mut [u32]) {
        todo!("exercise 7: detect AVX2 + FMA, call your kernel, else the scalar fallback")
    }
}
// ANCHOR_END: exercise
