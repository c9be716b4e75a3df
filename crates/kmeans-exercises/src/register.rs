//! One registration function per exercise. Its bounds are the exercise's contract (which step
//! trait, which float types): your program in `exercises/` and the reference solution in
//! [`crate::solutions`] both go through it, so they cannot drift apart in signature. Each also
//! declares the variant's memory and work models and precision, which the conformance kit uses.

use kmeans_core::{
    AssignStep, AssignVariant, IterationStep, IterationVariant, Precision, Shape, UpdateStep,
    UpdateVariant, VariantInfo,
};

use crate::{CATALOG, Exercise, Meta, Step, StepKind};

fn meta(number: usize) -> &'static Meta {
    &CATALOG[number - 1]
}

fn info(number: usize) -> VariantInfo {
    let meta = meta(number);
    let kind = match meta.kind {
        StepKind::Assign => "assign",
        StepKind::Update => "update",
        StepKind::Iterate => "iter",
    };
    let name = format!("exercise/{kind}/ex{}-{}", meta.number, meta.slug);
    VariantInfo::new(name, meta.title).slide(meta.slide)
}

fn bytes(count: usize, s: Shape) -> f64 {
    count as f64 * s.elem as f64
}

fn exercise(number: usize, step: Step) -> Exercise {
    Exercise {
        meta: meta(number),
        step,
    }
}

/// Exercise 1: one distance buffer per call, generic over the float type.
pub fn ex1<S: AssignStep<f32> + AssignStep<f64> + 'static>(step: S) -> Exercise {
    let info = info(1).memory(|s| bytes(s.k, s));
    exercise(1, Step::Assign(AssignVariant::new(info, step)))
}

/// Exercise 2: no square root, generic over the float type.
pub fn ex2<S: AssignStep<f32> + AssignStep<f64> + 'static>(step: S) -> Exercise {
    let info = info(2).memory(|s| bytes(s.k, s));
    exercise(2, Step::Assign(AssignVariant::new(info, step)))
}

/// Exercise 3: the running argmin, generic over the float type.
pub fn ex3<S: AssignStep<f32> + AssignStep<f64> + 'static>(step: S) -> Exercise {
    exercise(3, Step::Assign(AssignVariant::new(info(3), step)))
}

/// Exercise 4: ndarray broadcasting and `Zip` (slide 59's v5), generic over the float type.
/// It keeps the slide's `(n, k, d)` difference, so its memory grows as `n·k·d`.
pub fn ex4<S: AssignStep<f32> + AssignStep<f64> + 'static>(step: S) -> Exercise {
    let info = info(4).memory(|s| bytes(s.n * s.k * s.d + s.n * s.k, s));
    exercise(4, Step::Assign(AssignVariant::new(info, step)))
}

/// Exercise 5: the GEMM trick, generic over the float type. The dot-product form cancels, so
/// the kit holds it to the norm-relative bound ([`Precision::DotProduct`]).
pub fn ex5<S: AssignStep<f32> + AssignStep<f64> + 'static>(step: S) -> Exercise {
    let info = info(5)
        .memory(|s| bytes(s.n * s.k + s.k, s))
        .work(|s| s.gemm_flops())
        .precision(Precision::DotProduct);
    exercise(5, Step::Assign(AssignVariant::new(info, step)))
}

/// Exercise 6: the one-pass update, generic over the float type.
pub fn ex6<S: UpdateStep<f32> + UpdateStep<f64> + 'static>(step: S) -> Exercise {
    let info = info(6).work(|s| (s.n * s.d + s.k * s.d) as f64);
    exercise(6, Step::Update(UpdateVariant::new(info, step)))
}

/// Exercise 7: the sparse one-hot update, `f64` only (as the slide's scipy code).
pub fn ex7<S: UpdateStep<f64> + 'static>(step: S) -> Exercise {
    // The CSC matrix (indptr, indices, ones) and the (k, d) sums.
    let info = info(7)
        .memory(|s| (3 * s.n + 1 + s.k * s.d) as f64 * 8.0)
        .work(|s| (s.n * s.d + s.k * s.d) as f64);
    exercise(7, Step::Update(UpdateVariant::f64_only(info, step)))
}

/// Exercise 8: the fused iteration, generic over the float type.
pub fn ex8<S: IterationStep<f32> + IterationStep<f64> + 'static>(step: S) -> Exercise {
    exercise(8, Step::Iterate(IterationVariant::new(info(8), step)))
}

/// Exercise 9: independent accumulators, generic over the float type.
pub fn ex9<S: AssignStep<f32> + AssignStep<f64> + 'static>(step: S) -> Exercise {
    exercise(9, Step::Assign(AssignVariant::new(info(9), step)))
}

/// Exercise 10: AVX2 + FMA with a scalar fallback, `f64` only.
pub fn ex10<S: AssignStep<f64> + 'static>(step: S) -> Exercise {
    exercise(10, Step::Assign(AssignVariant::f64_only(info(10), step)))
}

/// Exercise 11: parallel assignment with rayon, generic over the float type.
pub fn ex11<S: AssignStep<f32> + AssignStep<f64> + 'static>(step: S) -> Exercise {
    let info = info(11).parallel();
    exercise(11, Step::Assign(AssignVariant::new(info, step)))
}
