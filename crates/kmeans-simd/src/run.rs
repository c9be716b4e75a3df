//! Chunks and threads: the data is cut into fixed chunks of [`CHUNK_ROWS`] points, each chunk
//! kernel accumulates its own partial sums (in the data's type), and the partials are added
//! into `f64` totals in chunk order. Neither the chunks nor the order depend on the number of
//! threads, so neither does any bit of the result. With `parallel`, chunks run in waves of a
//! few per thread on rayon's current pool (the driver's pool of `KMeans::threads`); each wave's
//! buffers are allocated once per call and reused, so no thread waits on the allocator.

use kmeans_core::{Points, Scalar};
use rayon::prelude::*;

use crate::kernel::{Sums, sum_stride};
use crate::pack::Aligned;
use crate::vector::Elem;

// ANCHOR: chunk_rows
/// Points per chunk. Fixed (never derived from the thread count) so results are bit-identical
/// for any number of threads. Small enough that per-chunk sums in `f32` stay accurate (at most
/// 2048 terms before they are widened to `f64`) and that 10⁵ points make 49 chunks to balance
/// over threads; large enough that the per-chunk `k × d` partial is negligible next to the
/// chunk's `2·k·d` flops per point.
pub const CHUNK_ROWS: usize = 2048;
// ANCHOR_END: chunk_rows

/// Chunks per thread in one parallel wave: enough to balance uneven chunks (the last one is
/// short), few enough that the wave's `k × d` buffers stay small.
const CHUNKS_PER_THREAD: usize = 4;

/// What a run over all chunks adds up: sums and counts (fused iterations only) and inertia.
pub(crate) struct Totals {
    /// `k × d` cluster sums in `f64` (empty when not accumulating).
    pub sums: Vec<f64>,
    /// `k` cluster sizes (empty when not accumulating).
    pub counts: Vec<u64>,
    /// Σ squared distance of each point to its label's centroid.
    pub inertia: f64,
}

/// One chunk's partial result, reused from wave to wave.
struct Partial<T> {
    /// `k` rows of [`sum_stride`] values (see [`Sums`]).
    sums: Aligned<T>,
    counts: Vec<u32>,
    inertia: f64,
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
    T: Elem,
    F: Fn(Points<'_, T>, &mut [u32], Option<Sums<'_, T>>) -> f64 + Sync,
{
    let (n, d) = data.shape();
    let stride = sum_stride::<T>(d);
    let chunks = n.div_ceil(CHUNK_ROWS);
    let wave = if parallel {
        CHUNKS_PER_THREAD * rayon::current_num_threads()
    } else {
        1
    };
    let size = if accumulate { k * d } else { 0 };
    let mut partials: Vec<Partial<T>> = (0..wave.min(chunks))
        .map(|_| Partial {
            sums: Aligned::zeros(if accumulate { k * stride } else { 0 }),
            counts: vec![0; if accumulate { k } else { 0 }],
            inertia: 0.0,
        })
        .collect();
    let mut totals = Totals {
        sums: vec![0.0; size],
        counts: vec![0; if accumulate { k } else { 0 }],
        inertia: 0.0,
    };
    let run_one = |(c, (p, labels)): (usize, (&mut Partial<T>, &mut [u32]))| {
        let start = c * CHUNK_ROWS;
        let points = data.slice_rows(start, (start + CHUNK_ROWS).min(n));
        p.sums.as_mut_slice().fill(T::zero());
        p.counts.fill(0);
        let sums = accumulate.then_some(Sums {
            sums: p.sums.as_mut_slice(),
            stride,
            counts: &mut p.counts,
        });
        p.inertia = chunk(points, labels, sums);
    };
    // ANCHOR: ordered_reduction
    for first in (0..chunks).step_by(wave.max(1)) {
        let end = (first + wave).min(chunks);
        let labels = &mut labels[first * CHUNK_ROWS..(end * CHUNK_ROWS).min(n)];
        let partials = &mut partials[..end - first];
        if parallel {
            partials
                .par_iter_mut()
                .zip(labels.par_chunks_mut(CHUNK_ROWS))
                .enumerate()
                .for_each(|(i, pair)| run_one((first + i, pair)));
        } else {
            partials
                .iter_mut()
                .zip(labels.chunks_mut(CHUNK_ROWS))
                .enumerate()
                .for_each(|(i, pair)| run_one((first + i, pair)));
        }
        // In chunk order, whatever thread computed which chunk.
        for p in partials.iter() {
            totals.inertia += p.inertia;
            if accumulate {
                let rows = p.sums.as_slice().chunks_exact(stride);
                for (t, s) in totals.sums.chunks_exact_mut(d).zip(rows) {
                    for (t, &s) in t.iter_mut().zip(s) {
                        *t += s.as_f64();
                    }
                }
            }
            for (t, &c) in totals.counts.iter_mut().zip(&p.counts) {
                *t += u64::from(c);
            }
        }
    }
    // ANCHOR_END: ordered_reduction
    totals
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
