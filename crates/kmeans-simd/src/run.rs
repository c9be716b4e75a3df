//! Chunks and threads: the data is cut into fixed chunks of [`CHUNK_ROWS`] points, each chunk
//! kernel accumulates its own partial sums, and the partials are combined along a fixed binary
//! tree over the chunk indices. The tree does not depend on the number of threads, so neither
//! does any bit of the result; with `parallel` the two halves of each node run through
//! `rayon::join` in the current pool (the driver's pool of `KMeans::threads`), else in order.

use kmeans_core::{Points, Scalar};

use crate::kernel::Sums;

// ANCHOR: chunk_rows
/// Points per chunk. Fixed (never derived from the thread count) so results are bit-identical
/// for any number of threads. Small enough that per-chunk sums in `f32` stay accurate (at most
/// 2048 terms before they are widened to `f64`) and that 10⁵ points make 49 chunks to balance
/// over threads; large enough that the per-chunk `k × d` partial is negligible next to the
/// chunk's `2·k·d` flops per point.
pub const CHUNK_ROWS: usize = 2048;
// ANCHOR_END: chunk_rows

/// What a run over all chunks adds up: sums and counts (fused iterations only) and inertia.
pub(crate) struct Totals {
    /// `k × d` cluster sums in `f64` (empty when not accumulating).
    pub sums: Vec<f64>,
    /// `k` cluster sizes (empty when not accumulating).
    pub counts: Vec<u64>,
    /// Σ squared distance of each point to its label's centroid.
    pub inertia: f64,
}

impl Totals {
    fn add(&mut self, other: Totals) {
        self.inertia += other.inertia;
        for (a, b) in self.sums.iter_mut().zip(other.sums) {
            *a += b;
        }
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
    }
}

/// Run `chunk` over every chunk of `data` (writing `labels`), accumulating sums for `k`
/// clusters when `accumulate`, on rayon's current pool when `parallel`.
pub(crate) fn run_chunks<T, F>(
    data: Points<'_, T>,
    labels: &mut [u32],
    k: usize,
    accumulate: bool,
    parallel: bool,
    chunk: &F,
) -> Totals
where
    T: Scalar,
    F: Fn(Points<'_, T>, &mut [u32], Option<Sums<'_, T>>) -> f64 + Sync,
{
    let chunks = data.n().div_ceil(CHUNK_ROWS);
    node(data, labels, 0, chunks, k, accumulate, parallel, chunk)
}

#[allow(clippy::too_many_arguments)]
fn node<T, F>(
    data: Points<'_, T>,
    labels: &mut [u32],
    first: usize,
    end: usize,
    k: usize,
    accumulate: bool,
    parallel: bool,
    chunk: &F,
) -> Totals
where
    T: Scalar,
    F: Fn(Points<'_, T>, &mut [u32], Option<Sums<'_, T>>) -> f64 + Sync,
{
    let d = data.d();
    if end - first <= 1 {
        if !accumulate {
            return Totals {
                sums: Vec::new(),
                counts: Vec::new(),
                inertia: chunk(data, labels, None),
            };
        }
        let mut sums = vec![T::zero(); k * d];
        let mut counts = vec![0u32; k];
        let inertia = chunk(
            data,
            labels,
            Some(Sums {
                sums: &mut sums,
                counts: &mut counts,
            }),
        );
        return Totals {
            sums: sums.iter().map(|s| s.as_f64()).collect(),
            counts: counts.iter().map(|&c| u64::from(c)).collect(),
            inertia,
        };
    }
    // Split at a chunk boundary fixed by the chunk indices alone.
    let mid = first + (end - first) / 2;
    let at = (mid - first) * CHUNK_ROWS;
    let (left_data, right_data) = (data.slice_rows(0, at), data.slice_rows(at, data.n()));
    let (left_labels, right_labels) = labels.split_at_mut(at);
    let mut left = move || {
        node(
            left_data,
            left_labels,
            first,
            mid,
            k,
            accumulate,
            parallel,
            chunk,
        )
    };
    let mut right = move || {
        node(
            right_data,
            right_labels,
            mid,
            end,
            k,
            accumulate,
            parallel,
            chunk,
        )
    };
    let (mut l, r) = if parallel {
        rayon::join(left, right)
    } else {
        (left(), right())
    };
    l.add(r);
    l
}

/// Write `sums / counts` into `centroids` and the counts into `counts`. Empty clusters keep
/// a zero row (the driver relocates them; the contract allows anything but NaN is avoided).
pub(crate) fn finish_means<T: Scalar>(
    totals: &Totals,
    d: usize,
    centroids: &mut [T],
    counts: &mut [u32],
) {
    for (j, (row, &count)) in centroids
        .chunks_exact_mut(d)
        .zip(&totals.counts)
        .enumerate()
    {
        counts[j] = count as u32;
        let sums = &totals.sums[j * d..(j + 1) * d];
        if count == 0 {
            row.fill(T::zero());
        } else {
            let m = count as f64;
            for (c, &s) in row.iter_mut().zip(sums) {
                *c = T::of_f64(s / m);
            }
        }
    }
}
