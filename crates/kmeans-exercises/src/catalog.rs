//! Every exercise's metadata and progressive hints, in one table (as rustlings keeps them in
//! `info.toml`): the checker prints from it, the book page lists it, and a test checks that the
//! exercises package declares one program per entry.

/// Which step an exercise speeds up, and so which slide-literal version it is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// An assignment step, measured against `loops/assign/v1-literal` (slide 32).
    Assign,
    /// An update step, measured against `loops/update/v1-mask` (slide 63).
    Update,
    /// A whole Lloyd iteration, measured against `loops/iter/slides` (slide 27's loop body).
    Iterate,
}

impl StepKind {
    /// The registered slide-literal variant this kind of exercise is timed against.
    pub fn baseline_name(self) -> &'static str {
        match self {
            StepKind::Assign => "loops/assign/v1-literal",
            StepKind::Update => "loops/update/v1-mask",
            StepKind::Iterate => "loops/iter/slides",
        }
    }
}

/// One exercise's metadata.
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    /// 1-based exercise number, as on the command line (`check -- 3`).
    pub number: usize,
    /// Short stable name, as in variant names (`exercises/assign/ex3-running-argmin`).
    pub slug: &'static str,
    /// One-line title.
    pub title: &'static str,
    /// The slide it comes from: number and title, as in the registries.
    pub slide: &'static str,
    /// Which step it speeds up.
    pub kind: StepKind,
    /// The file under `exercises/` (your code) and `src/solutions/` (the reference).
    pub file: &'static str,
    /// Whether it is a stretch goal.
    pub stretch: bool,
    /// The target, as a fraction of the reference solution's speed-up over the slide-literal
    /// version, both measured side by side in the same run. A fraction, not a fixed speed-up:
    /// what a rung is worth depends on the machine, and the checker calibrates on yours.
    pub target: f64,
    /// Hints, from a nudge to nearly the answer; `check -- --hint N` prints them one at a time.
    pub hints: &'static [&'static str],
}

impl Meta {
    /// The program the exercises package builds from this exercise's file, e.g. `ex3`.
    pub fn bin(&self) -> String {
        format!("ex{}", self.number)
    }

    /// The target as the checker and the book write it, e.g. `"80 % of the reference's
    /// speed-up"`.
    pub fn target_text(&self) -> String {
        format!(
            "{} % of the reference's speed-up",
            (self.target * 100.0).round()
        )
    }
}

/// The exercises, in the order of the ladder: the assignment rungs (loops, then ndarray), the
/// update rungs, the fused iteration, then past the slides.
pub const CATALOG: &[Meta] = &[
    Meta {
        number: 1,
        slug: "no-alloc",
        title: "one distance buffer, no allocation per pair",
        slide: "34 · Broadcasting Distance Computation",
        kind: StepKind::Assign,
        file: "ex01_no_alloc.rs",
        stretch: false,
        target: 0.8,
        hints: &[
            "allocate the distances once per call, before the loop over points \
             (`let mut distances = vec![T::zero(); centroids.n()];`), and overwrite them for \
             every point.",
            "for each point, zip `distances.iter_mut()` with `centroids.rows()`; sum \
             `(p - q) * (p - q)` over the coordinates into a local `T` (no difference Vec), \
             then store `sum.sqrt()`.",
            "the label is the buffer's argmin: keep the index of the first smallest value \
             (`if v < distances[best] { best = j; }`) and write `*label = best as u32`. \
             `kmeans_loops::assign::V2NoAlloc` is this rung in the plain-loops backend.",
        ],
    },
    Meta {
        number: 2,
        slug: "no-sqrt",
        title: "drop the square root, and measure whether it paid",
        slide: "58 · Assignment Step v4 - Improving Norm",
        kind: StepKind::Assign,
        file: "ex02_no_sqrt.rs",
        stretch: false,
        target: 0.8,
        hints: &[
            "sqrt is monotonic: if a ≤ b then √a ≤ √b, so the smallest squared distance \
             belongs to the nearest centroid.",
            "start from your exercise 1 and store `sum` instead of `sum.sqrt()`; nothing else \
             has to change. Then compare the checker's line with exercise 1's: is the \
             difference larger than the spread it prints?",
            "k square roots per point are few next to k·d multiply-adds, and a square root \
             is pipelined: expect a change inside the spread. That is the lesson of the book's \
             'Measuring honestly' page.",
        ],
    },
    Meta {
        number: 3,
        slug: "running-argmin",
        title: "the fused running argmin (einsum's lesson)",
        slide: "59 · Assignment Step v5 - Einsum",
        kind: StepKind::Assign,
        file: "ex03_running_argmin.rs",
        stretch: false,
        target: 0.8,
        hints: &[
            "einsum beat `(diff**2).sum(axis=2)` by never writing the squared differences to \
             memory. Do you need to store a point's k distances to find the smallest?",
            "keep two locals per point: `best` (an index, starting at 0) and `best_dist` \
             (starting at `T::infinity()`); after each centroid's squared distance, replace \
             both when it is smaller.",
            "compare with a strict `<` so the first of equal distances wins, like np.argmin; \
             then `*label = best as u32`. No buffer, no allocation.",
        ],
    },
    Meta {
        number: 4,
        slug: "ndarray-einsum",
        title: "broadcasting and Zip in ndarray: from v3 to v5",
        slide: "59 · Assignment Step v5 - Einsum",
        kind: StepKind::Assign,
        file: "ex04_ndarray_einsum.rs",
        stretch: false,
        target: 0.8,
        hints: &[
            "`None` in a NumPy index is `insert_axis` in ndarray: `data.insert_axis(Axis(1))` \
             is `data[:, None]`, shape (n, 1, d), and `centroids.insert_axis(Axis(0))` is \
             `centroids[None]`, (1, k, d). `&a - &b` broadcasts them to the (n, k, d) \
             difference, as v3 does.",
            "einsum('nkd,nkd->nk', diff, diff) reduces every d-lane: make `let mut distances = \
             Array2::<T>::zeros((n, k));` and `Zip::from(&mut distances).and(diff.lanes(Axis(2)))\
             .for_each(|dist, lane| *dist = lane.dot(&lane));` — no `diff**2` array.",
            "the labels are `np.argmin(distances, axis=1)`: for each row of `distances` \
             (`distances.rows().into_iter().zip(labels.iter_mut())`), the index of its first \
             smallest value.",
        ],
    },
    Meta {
        number: 5,
        slug: "gemm",
        title: "the GEMM trick: distances from one matrix product",
        slide: "59 · Assignment Step v5 - Einsum",
        kind: StepKind::Assign,
        file: "ex05_gemm.rs",
        stretch: false,
        target: 0.8,
        hints: &[
            "‖x − c‖² = ‖x‖² − 2·x·c + ‖c‖², and ‖x‖² is the same for every centroid: the \
             centroid with the smallest ‖c‖² − 2·x·c is the nearest.",
            "all the x·c at once are one matrix product: `let dots = data.dot(&centroids.t());` \
             is the (n, k) array of `einsum('nd,kd->nk')`; the norms are \
             `centroids.rows().into_iter().map(|c| c.dot(&c))`.",
            "for each row i of `dots`, the label is the j with the smallest \
             `c_norms[j] - two * dots[[i, j]]` (`let two = T::of_f64(2.0);`), first on ties.",
        ],
    },
    Meta {
        number: 6,
        slug: "one-pass",
        title: "the one-pass update: sums and counts",
        slide: "64 · Original Update Step - Time Complexity",
        kind: StepKind::Update,
        file: "ex06_one_pass.rs",
        stretch: false,
        target: 0.8,
        hints: &[
            "the mask version scans all n labels once per cluster (O(n·k)) and copies the \
             selected rows. Visit each point exactly once instead.",
            "zero `centroids` (it holds the sums until the end) and `counts` first; then for \
             each point with label l: `counts[l] += 1` and add the point into row l, \
             `centroids[l * d..(l + 1) * d]`.",
            "finally divide each row by its count, only where the count is not 0 (an empty \
             cluster may keep anything: the driver relocates it). \
             `centroids.chunks_exact_mut(d).zip(counts.iter())` walks rows and counts together.",
        ],
    },
    Meta {
        number: 7,
        slug: "sparse-onehot",
        title: "the sparse one-hot update with sprs",
        slide: "83 · Sparse",
        kind: StepKind::Update,
        file: "ex07_sparse_onehot.rs",
        stretch: false,
        target: 0.8,
        hints: &[
            "the transposed one-hot is a k × n matrix with exactly one 1 per column: column i \
             has its 1 in row labels[i]. In CSC form that is three arrays: indptr (where each \
             column's entries start), indices (their rows) and data (their values).",
            "with one entry per column, indptr is 0..=n, indices are the labels as usize and \
             data is n ones: `sprs::CsMat::new_csc((k, n), indptr, indices, data)`. (The \
             slide's triplet form, `sprs::TriMat::from_triplets((k, n), rows, cols, ones)\
             .to_csc()`, builds the same matrix, sorting first.)",
            "view the points as ndarray without copying: \
             `ndarray::ArrayView2::from_shape((n, d), data.as_slice())`; `&onehot_t * &view` is \
             the (k, d) array of sums. Count the labels (np.bincount) into `counts`, then \
             write row j of the sums divided by `counts[j]` into `centroids`.",
        ],
    },
    Meta {
        number: 8,
        slug: "fused",
        title: "the fused iteration: assign and accumulate in one pass",
        slide: "28 · Try it out!",
        kind: StepKind::Iterate,
        file: "ex08_fused.rs",
        stretch: false,
        target: 0.8,
        hints: &[
            "the assignment reads every point once and the update reads it again: do both in \
             the same loop, while the point is still in cache.",
            "zero `new_centroids` and `counts`; for each point find the nearest centroid and its \
             squared distance (exercise 3's loop), write the label, add `dist.as_f64()` into \
             the inertia, `counts[best] += 1`, and add the point into row `best`.",
            "after the loop divide each non-empty row by its count (exercise 6's end). `assign` \
             is the same loop without the sums; both return the inertia. Then compare the \
             reference's speed-up with exercise 6's and 3's: at the slides' size all the data \
             fits in cache, so reading it once instead of twice saves little.",
        ],
    },
    Meta {
        number: 9,
        slug: "lanes",
        title: "independent accumulators, so LLVM vectorises",
        slide: "28 · Try it out!",
        kind: StepKind::Assign,
        file: "ex09_lanes.rs",
        stretch: false,
        target: 0.8,
        hints: &[
            "float addition is not associative, so the compiler must add `sum += …` in your \
             order, each add waiting for the previous one: no SIMD. Give it several \
             independent sums.",
            "keep `let mut acc = [T::zero(); 8];` and walk both rows with `chunks_exact(8)`; in \
             each chunk add lane l's squared difference into `acc[l]` (`for l in 0..8`). That \
             inner loop becomes SIMD instructions.",
            "the last d % 8 coordinates are in `chunks_exact(8).remainder()`: sum them in a \
             plain loop, add the 8 lanes together at the end, and use this distance in \
             exercise 3's running argmin.",
        ],
    },
    Meta {
        number: 10,
        slug: "avx2",
        title: "an AVX2 + FMA distance kernel, with a scalar fallback",
        slide: "28 · Try it out!",
        kind: StepKind::Assign,
        file: "ex10_avx2.rs",
        stretch: true,
        target: 0.8,
        hints: &[
            "write the scalar fallback first (exercise 9's code). Then a function under \
             `#[cfg(target_arch = \"x86_64\")]` marked `#[target_feature(enable = \
             \"avx2,fma\")]`, and pick between them with `is_x86_feature_detected!(\"avx2\") \
             && is_x86_feature_detected!(\"fma\")`; calling the target-feature function then \
             needs `unsafe` with a `// SAFETY:` comment naming that check. Call \
             `kmeans_exercises::ran(Path::Avx2Fma)` or `ran(Path::Scalar)` in each branch, so \
             the checker can say which one ran.",
            "inside, `std::arch::x86_64::_mm256_loadu_pd(ptr)` loads 4 f64s (unsafe: say in a \
             SAFETY comment why the 4 values are in bounds); `_mm256_sub_pd` and \
             `_mm256_fmadd_pd(t, t, acc)` accumulate the squares. Two accumulators hide part of \
             the FMA latency.",
            "horizontal sum: `_mm_add_pd(_mm256_castpd256_pd128(v), \
             _mm256_extractf128_pd::<1>(v))`, then `_mm_cvtsd_f64(_mm_add_sd(p, \
             _mm_unpackhi_pd(p, p)))`. The last d % 4 coordinates go through a scalar loop.",
        ],
    },
    Meta {
        number: 11,
        slug: "rayon",
        title: "parallel assignment with rayon, deterministic",
        slide: "28 · Try it out!",
        kind: StepKind::Assign,
        file: "ex11_rayon.rs",
        stretch: true,
        target: 0.8,
        hints: &[
            "each label depends only on its own point, so points can be assigned on \
             different threads with no locks, and the result cannot depend on the thread count.",
            "`use rayon::prelude::*;` then `labels.par_chunks_mut(CHUNK).enumerate()` hands out \
             disjoint label slices with their chunk number c; their points are \
             `data.slice_rows(c * CHUNK, c * CHUNK + out.len())`.",
            "use a fixed chunk size (256 points: large enough to amortise scheduling, small \
             enough to balance 5000 points over the cores), and in each chunk run exercise 9's \
             (or 3's) nearest-centroid loop.",
        ],
    },
];

/// The metadata of exercise `number` (1-based).
pub fn meta(number: usize) -> Option<&'static Meta> {
    CATALOG.iter().find(|m| m.number == number)
}
