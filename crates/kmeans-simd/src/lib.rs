//! # kmeans-simd
//!
//! Hand-written `std::arch` kernels for k-means — AVX2 + FMA and AVX-512F on x86-64, and a
//! portable fallback — that go past where the slides stop: one pass over the data per Lloyd
//! iteration, distances that never leave registers, cache blocking, and threads.
//!
//! Laid out like memchr: the algorithm is written once (`kernel.rs`) over a small vector
//! trait (`vector.rs`: `splat`, `load`, `fmadd`, a running arg-max, …); each instruction set
//! (`arch/`) implements the trait for its registers and instantiates the kernels in
//! `#[target_feature]` entry points behind a token type (`Avx2::new() -> Option<Avx2>`). The
//! CPU is asked once ([`Isa::detected`], cached; `KMEANS_SIMD_ISA` pins it), and every step
//! can be pinned to one ISA (`with_isa`) so the tests run every path the CPU has.
//!
//! ## The ladder (all registered in [`registry`], each as an assignment step and a fused
//! whole iteration)
//!
//! | rung | assignment / iteration | what changed |
//! |---|---|---|
//! | 1 | `simd/assign/scalar`, `simd/iter/scalar-fused` | scalar, exact differences, update fused into the same pass |
//! | 2 | `simd/assign/exact`, `simd/iter/exact-fused` | SIMD along `d`, 4 centroids per pass |
//! | 3 | `simd/assign/dot-regblock`, `simd/iter/dot-regblock-fused` | dot-product form as a GEMM-like register tile, arg-min in registers |
//! | 4 | `simd/assign/dot-blocked`, `simd/iter/dot-blocked-fused` | + cache blocking: centroid tiles reused from L1, point blocks from L2 |
//! | 5 | `simd/assign/dot-blocked-par`, `simd/iter/dot-blocked-par` | + threads: fixed chunks, partial sums added in chunk order; for few centroids and long rows ([`rows_pay`]) the tile turned to put coordinates in the lanes (`kernel/dot_rows.rs`) |
//! | — | `simd/iter/exact-par` | rung 2 with threads: exact precision, parallel |
//! | — | `simd/iter/hamerly` | Hamerly's bounds on a per-fit state: most points skip all but one distance; the survivors get a dense exact pass per block (see `bounds/`) |
//! | — | `simd/iter/yinyang` | Yinyang's bounds: centroids in `k/10` groups; most points skip every distance, the survivors recompute only the groups they cannot rule out, a dense pass per group and block |
//! | — | `simd/iter/hamerly-dot` | Hamerly's bounds with the dense pass on rung 5's dot-product tile: as fast per distance as Lloyd, the survivors' labels `dot-blocked-par`'s; one pass over the data per iteration once settled |
//! | — | `simd/iter/auto` | the default: `hamerly-dot` where the shape lets the bounds pay, rung 5's Lloyd elsewhere (see `bounds/auto.rs`) |
//!
//! ## Precision
//!
//! The exact rungs sum `(x − c)²`. The dot rungs use `‖x‖² − 2·x·c + ‖c‖²` (dropping `‖x‖²`,
//! which cannot change the arg-min), which cancels when the data sit far from the origin
//! compared with their spread. They first shift points and centroids by the coordinate-wise
//! median of the centroids (translation does not change distances; the median, unlike the
//! mean, is not dragged away by one far centroid): O(k·d) per iteration, and the points are
//! shifted block by block as they are packed, never copied whole. Measured with
//! `measure --precision` (n = 20 000, k = 64, d = 16, blobs of spread ≈ 0.1 around an offset):
//! in f32 the unshifted form labels 126 points wrongly (beyond a genuine tie) at offset 10³
//! and 19 612 at 10⁴; the shifted form and the exact differences 0 at every offset (f64: 0
//! everywhere).
//!
//! The inertia is summed in `f64`, in a fixed order (register tile by register tile, chunk by
//! chunk), so it is bit-identical for any thread count and blocking. The scalar and exact
//! rungs and every `f32` run sum the exact distance to the winner. In `f64` the dot rungs read
//! it off the winning score instead, `‖x′‖² − 2·(x′·c′ − ‖c′‖²/2) = ‖x′ − c′‖²` with `‖x′‖²`
//! summed while the points are packed — no second pass over `d` per point. The trade-off is
//! the dot form's rounding, about `d·ε·(‖x′‖² + ‖c′‖²)` per point with the *shifted* norms
//! (inside the conformance kit's `DotProduct` slack), instead of `d·ε·‖x − c‖²`. Measured
//! (`measure --precision`, relative error of one iteration's inertia): ≤ 3·10⁻¹⁵ on the
//! slides' data and shifted blobs, 8·10⁻¹⁰ for clusters 10⁴ times tighter than their spacing.
//! In `f32` the same reading would cost those tight clusters 10⁻¹ of their inertia
//! (1.4·10⁻⁵ at spacing/spread 10², 1.2·10⁻¹ at 10⁴), so `f32` keeps the exact distance.
//! Cluster sums are kept in the data's type for at most [`CHUNK_ROWS`] points, then in `f64`.
//!
//! ## Measured
//!
//! `MEASUREMENTS.md` (beside this crate's `Cargo.toml`) has the side-by-side table against
//! scikit-learn, the slides' NumPy and the loops backend, with the commands that produce it;
//! `cargo bench` regenerates the book's tables on your machine. One run, labelled: on
//! 2026-11-25, on 2 shared cores of an Intel Xeon (Sapphire Rapids class, AVX-512F dispatched;
//! the machine is described in `MEASUREMENTS.md`), the fused, threaded dot form ran the
//! 10⁶ × 256 × 64 f32 assignment at 145 GFLOP/s per core (≈ 80 % of what a register-only loop
//! of FMAs issued there) and a whole iteration 3.8× faster than scikit-learn; at the slides'
//! setting (f64, one thread) a whole iteration was 2.55–2.64× scikit-learn and 36–39× the
//! slides' best NumPy. An AVX2-only CPU runs the AVX2 kernels: expect other ratios there.
//!
//! ```
//! use kmeans_core::{data, KMeans};
//!
//! let registry = kmeans_simd::registry();
//! let fastest = registry.iteration_named("simd/iter/dot-blocked-par").expect("registered");
//! let points = data::blobs::<f32>(10_000, 8, 16, 1.0, 42).data;
//! let fit = KMeans::new(8).seed(7).threads(Some(2)).fit_variant(&fastest, points.view())?;
//! assert_eq!(fit.labels.len(), 10_000);
//! # Ok::<(), kmeans_core::Error>(())
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod arch;
mod bounds;
mod cache;
mod isa;
mod kernel;
mod lanes;
mod pack;
mod run;
mod steps;
mod vector;

pub use bounds::{Auto, Hamerly, Yinyang, auto};
pub use cache::{DEFAULT_L1D_BYTES, l1d_bytes};
pub use isa::{ISA_ENV, Isa, IsaEnvError};
pub use kernel::{Blocking, PACK_BYTES, TILE_BYTES};
pub use lanes::Lanes;
pub use run::CHUNK_ROWS;
pub use steps::{
    Dot, DotKernel, Exact, ROWS_D_PER_K, ROWS_MAX_K, ROWS_MIN_D, ROWS_MIN_SPAN, ROWS_SPANS_MAX_K,
    ScalarFused, rows_pay, rows_pay_on,
};

use kmeans_core::{AssignVariant, IterationVariant, Precision, Registry, Shape, VariantInfo};

/// Widest panel of any ISA (AVX-512 f32: 2 × 16 centroids), for the memory models.
const MAX_NR: usize = 32;

/// Extra bytes of the dot rungs: packed centroids, one block of packed points and its
/// running maxima per thread, and (fused) the chunks' partial sums in flight; two threads
/// assumed.
fn dot_memory(s: Shape, fused: bool) -> f64 {
    let packed = (s.k + MAX_NR) * (s.d + 2) * s.elem;
    let block = PACK_BYTES + 2 * CHUNK_ROWS * 16 * s.elem;
    packed as f64 + 2.0 * block as f64 + exact_memory(s, fused)
}

/// Extra bytes of the scalar and exact rungs: (fused) the chunks' partial sums in flight, two
/// threads assumed.
fn exact_memory(s: Shape, fused: bool) -> f64 {
    if fused {
        run::partial_memory(s.n, s.k, s.d, s.elem, 2) as f64
    } else {
        0.0
    }
}

/// Extra bytes of the bounds variants: `b` `f32` bounds per point (1 for Hamerly, `t + 1` for
/// Yinyang's `t` groups), the
/// scratch of one survivor block per thread (two assumed), the `k × k` centroid distances and
/// the previous centroids, and the fused partial sums — `O(n·t + k²)`, never `n × k`.
fn bounds_memory(s: Shape, b: usize) -> f64 {
    let rows = run::chunk_rows(s.n).min(s.n);
    let scratch = rows * (s.elem + 8) + bounds::SURVIVOR_BLOCK * (s.k + s.d) * s.elem;
    (4 * s.n * b + 2 * scratch + s.k * (s.k + s.d) * s.elem) as f64 + exact_memory(s, true)
}

/// Extra bytes of `hamerly-dot`: one `f32` bound per point; per chunk in flight (two threads
/// assumed) its survivors' indices and results, the dense pass's packed block and running
/// lanes (at most 64 KiB of packed rows, 16 lanes each); the centroids packed for the tile.
fn bounds_dot_memory(s: Shape) -> f64 {
    let rows = run::chunk_rows(s.n).min(s.n);
    let block = (64 * 1024 / (s.d * s.elem).max(1)).clamp(1, rows);
    let scratch = rows * (8 + 4 + 3 * s.elem) + 64 * 1024 + 3 * block * 16 * s.elem;
    let packed = (s.k + MAX_NR) * (s.d + 2) * s.elem;
    (4 * s.n + 2 * scratch + packed + s.k * (s.k + s.d) * s.elem) as f64 + exact_memory(s, true)
}

/// Extra bytes of `lanes`: the laid-out copy of the data (blocks of up to 16 points), each
/// point's norm, the shifted centroids, per chunk in flight (two threads assumed) its running
/// maxima and indices, and the fused partial sums.
fn lanes_memory(s: Shape) -> f64 {
    let layout = s.n.div_ceil(16) * 16 * s.d * s.elem + 8 * s.n;
    let chunk = 2 * run::chunk_rows(s.n).min(s.n).next_multiple_of(16) * s.elem;
    (layout + 2 * chunk + (s.k + 1) * (s.d + 1) * s.elem) as f64 + exact_memory(s, true)
}

/// Extra bytes of `auto`: the largest of its phases' (Lloyd on the dot tile, the bounds, and
/// Lloyd on points in the lanes where it takes that).
fn auto_memory(s: Shape) -> f64 {
    let lanes = if bounds::auto::uses_lanes(s.n, s.n * s.d * s.elem) {
        lanes_memory(s)
    } else {
        0.0
    };
    dot_memory(s, true).max(bounds_dot_memory(s)).max(lanes)
}

/// Every variant of the SIMD backend, in ladder order. Variants that depend on the
/// instruction set run the one [`Isa::detected`] picked.
pub fn registry() -> Registry {
    let dot_work = |s: Shape| s.gemm_flops() + (s.n * s.d) as f64;
    let exact = |name: &str, summary| {
        VariantInfo::new(format!("simd/{name}"), summary).memory(move |s| exact_memory(s, false))
    };
    let dot = |name: &str, summary| {
        VariantInfo::new(format!("simd/{name}"), summary)
            .precision(Precision::DotProduct)
            .memory(move |s| dot_memory(s, false))
            .work(dot_work)
    };
    let assign = vec![
        AssignVariant::new(
            exact(
                "assign/scalar",
                "the starting rung in this crate: scalar exact differences and a running arg-min, chunked",
            ),
            ScalarFused,
        ),
        AssignVariant::new(
            exact(
                "assign/exact",
                "SIMD exact differences: (x − c)² vectorised along d, 4 centroids per pass over the point",
            ),
            Exact::new(),
        ),
        AssignVariant::new(
            dot(
                "assign/dot-regblock",
                "dot-product form as a GEMM register tile: MR points × NR centroids of FMAs in registers, arg-max fused",
            ),
            Dot::new(Blocking::Register),
        ),
        AssignVariant::new(
            dot(
                "assign/dot-blocked",
                "+ cache blocking: a tile of centroid panels stays in L1 while a block of packed points streams past",
            ),
            Dot::new(Blocking::Cache),
        ),
        AssignVariant::new(
            dot(
                "assign/dot-blocked-par",
                "+ threads: fixed chunks of points on rayon's current pool; for few centroids and long rows the register tile runs along the rows",
            )
            .parallel(),
            Dot::new(Blocking::Cache)
                .parallel(true)
                .kernel(DotKernel::ByShape),
        ),
    ];
    let fused_exact = |name: &str, summary| {
        VariantInfo::new(format!("simd/{name}"), summary)
            .memory(move |s| exact_memory(s, true))
            .work(|s| s.assign_flops() + (2 * s.n * s.d) as f64)
    };
    let fused_dot = |name: &str, summary| {
        VariantInfo::new(format!("simd/{name}"), summary)
            .precision(Precision::DotProduct)
            .memory(move |s| dot_memory(s, true))
            .work(move |s| dot_work(s) + (2 * s.n * s.d) as f64)
    };
    let iterate = vec![
        IterationVariant::new(
            fused_exact(
                "iter/scalar-fused",
                "scalar exact distances, arg-min and cluster sums in one pass over the data",
            ),
            ScalarFused,
        ),
        IterationVariant::new(
            fused_exact(
                "iter/exact-fused",
                "SIMD exact differences, the update fused into the same pass",
            ),
            Exact::new(),
        ),
        IterationVariant::new(
            fused_dot(
                "iter/dot-regblock-fused",
                "GEMM-like register tile for the dot products, arg-max and update fused: no n × k matrix",
            ),
            Dot::new(Blocking::Register),
        ),
        IterationVariant::new(
            fused_dot(
                "iter/dot-blocked-fused",
                "+ cache blocking of centroid tiles (L1) and point blocks (L2)",
            ),
            Dot::new(Blocking::Cache),
        ),
        IterationVariant::new(
            fused_dot(
                "iter/dot-blocked-par",
                "+ threads: fixed chunks, partial sums added in chunk order (bit-identical for any thread count); for few centroids and long rows (k <= min(20, d/10), d >= 128, centroids within 2/3 of L1d) the register tile runs along the rows, points read straight from the data",
            )
            .parallel(),
            Dot::new(Blocking::Cache)
                .parallel(true)
                .kernel(DotKernel::ByShape),
        ),
        IterationVariant::new(
            VariantInfo::new(
                "simd/iter/lanes",
                "points in the lanes: the data laid out once per fit (shifted by its column means), one FMA per lane-full of points, centroid and coordinate, so no lane is padded whatever k; a vertical arg-max, no packing per iteration (one thread; auto runs it with threads on small data)",
            )
            .precision(Precision::DotProduct)
            .memory(lanes_memory)
            .work(move |s| s.gemm_flops() + (3 * s.n * s.d) as f64),
            Lanes::new(),
        ),
        IterationVariant::new(
            fused_exact(
                "iter/exact-par",
                "exact differences with threads: the accurate choice for data far from the origin",
            )
            .parallel(),
            Exact::new().parallel(true),
        ),
        IterationVariant::new(
            VariantInfo::new(
                "simd/iter/hamerly",
                "exact bounds (Hamerly 2010): a point whose distance to its centroid is below half the gap to the next centroid, or below its lower bound, skips all other distances; the rest get one dense SIMD pass per block; threads",
            )
            .memory(|s| bounds_memory(s, 1))
            // The worst case, the first iteration: every point through the dense pass.
            .work(|s| s.assign_flops() + (4 * s.n * s.d) as f64)
            .parallel(),
            Hamerly::new().parallel(true),
        ),
        IterationVariant::new(
            VariantInfo::new(
                "simd/iter/hamerly-dot",
                "Hamerly's bounds with the dense pass on Lloyd's dot-product register tile (the survivors' labels are dot-blocked-par's; the lower bounds allow for the dot form's rounding); the first iteration is dot-blocked-par's with the bounds at 0; threads",
            )
            .precision(Precision::DotProduct)
            .memory(bounds_dot_memory)
            .work(move |s| dot_work(s) + (4 * s.n * s.d) as f64)
            .parallel(),
            Hamerly::new().dot_dense(true).parallel(true),
        ),
        IterationVariant::new(
            VariantInfo::new(
                "simd/iter/yinyang",
                "exact bounds (Yinyang, Ding et al. 2015): centroids in k/10 groups; a global filter skips every distance of most points, a group filter limits the rest to the groups their bounds cannot rule out, each a dense SIMD pass per block; threads",
            )
            .memory(|s| bounds_memory(s, bounds::groups_for(s.k) + 1))
            // The worst case, the first iteration: every point through the dense pass.
            .work(|s| s.assign_flops() + (4 * s.n * s.d) as f64)
            .parallel(),
            Yinyang::new().parallel(true),
        ),
        IterationVariant::new(
            VariantInfo::new(
                "simd/iter/auto",
                "the default: hamerly-dot where the shape lets the bounds pay (n >= 20000, k >= 16 and k·d >= 512), else lanes for data of 4096 points to 4 MiB and dot-blocked-par otherwise; back to dot-blocked-par for good once 5 consecutive bounds iterations from the 6th on computed over 90 % of the n·k distances on average; threads",
            )
            .precision(Precision::DotProduct)
            .memory(auto_memory)
            .work(move |s| dot_work(s) + (4 * s.n * s.d) as f64)
            .parallel(),
            Auto::new(),
        ),
    ];
    Registry {
        assign,
        update: Vec::new(),
        iterate,
    }
}
