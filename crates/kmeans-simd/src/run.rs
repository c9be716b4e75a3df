//! Chunks and threads: the data is cut into chunks of at most [`CHUNK_ROWS`] points (fewer for
//! small `n`, see `chunk_rows`), each chunk kernel accumulates its own partial sums (in the
//! data's type), and the partials are added into `f64` totals in chunk order. Neither the
//! chunks nor the order depend on the number of threads, so neither does any bit of the
//! result. With `parallel`, chunks run on rayon's current pool (the driver's pool of
//! `KMeans::threads`): all in one wave when their partial sums are small, else in waves of a
//! few per thread; each wave's buffers are allocated once per call and reused, so no thread
//! waits on the allocator.

use kmeans_core::{Points, Scalar};
use rayon::prelude::*;

use crate::kernel::{Sums, sum_stride};
use crate::pack::Aligned;
use crate::vector::Elem;

// ANCHOR: chunk_rows
/// Points per chunk, at most. Never derived from the thread count, so results are
/// bit-identical for any number of threads. Small enough that per-chunk sums in `f32` stay
/// accurate (at most 2048 terms before they are widened to `f64`) and that 10⁵ points make 49
/// chunks to balance over threads; large enough that the per-chunk `k × d` partial is
/// negligible next to the chunk's `2·k·d` flops per point.
pub const CHUNK_ROWS: usize = 2048;

/// Chunks the data is cut into at least, while chunks stay above [`MIN_CHUNK_ROWS`]: enough
/// for two threads to share evenly at small `n` (the slides' n = 5000 makes 10 chunks of 512
/// points, not 3 of 2048 — with 3, one thread does twice the other's work).
const MIN_CHUNKS: usize = 16;

/// The smallest chunk: each chunk's `k × d` partial sums are added into the totals (one scalar
/// `f64` add per value), which stays under ~3 % of the chunk's FMAs from 512 points up.
const MIN_CHUNK_ROWS: usize = 512;

/// Points per chunk for `n` points: [`CHUNK_ROWS`] for large `n`, smaller (down to
/// [`MIN_CHUNK_ROWS`]) so that small data still makes [`MIN_CHUNKS`] chunks. A function of `n`
/// alone — never of the thread count — so results stay bit-identical for any number of threads.
pub(crate) fn chunk_rows(n: usize) -> usize {
    n.div_ceil(MIN_CHUNKS)
        .next_multiple_of(64)
        .clamp(MIN_CHUNK_ROWS, CHUNK_ROWS)
}
// ANCHOR_END: chunk_rows

/// Chunks per thread in one parallel wave when the data has many: enough to balance uneven
/// chunks (the last one is short), few enough that the wave's `k × d` buffers stay small.
const CHUNKS_PER_THREAD: usize = 4;

/// Partial sums a wave may hold at once: below this, all chunks run in one wave (one fork-join
/// per call instead of one per `CHUNKS_PER_THREAD × threads` chunks).
const WAVE_BYTES: usize = 4 << 20;

/// Chunks per parallel wave: all of them when their partial sums (`partial_bytes` each) fit
/// [`WAVE_BYTES`], else [`CHUNKS_PER_THREAD`] per thread.
pub(crate) fn wave(chunks: usize, partial_bytes: usize, threads: usize) -> usize {
    if chunks * partial_bytes <= WAVE_BYTES {
        chunks
    } else {
        (CHUNKS_PER_THREAD * threads).min(chunks)
    }
}

/// Extra bytes a fused run over `n` points holds for `k × d` sums of `elem`-byte values on
/// `threads` threads: one wave of chunk partials (rows padded to cache lines) and the `f64`
/// totals.
pub(crate) fn partial_memory(n: usize, k: usize, d: usize, elem: usize, threads: usize) -> usize {
    let per_line = crate::kernel::LINE_BYTES / elem;
    let partial = k * d.div_ceil(per_line) * per_line * elem;
    let chunks = n.div_ceil(chunk_rows(n)).max(1);
    wave(chunks, partial, threads) * partial + k * d * 8
}

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
    run_chunks_at(data, labels, k, accumulate, parallel, &|_, p, l, s| {
        chunk(p, l, s)
    })
}

/// [`run_chunks`] for kernels with per-chunk state (the bounds of `bounds.rs`): `chunk` also
/// gets the chunk's index, `0..n.div_ceil(chunk_rows(n))`.
pub(crate) fn run_chunks_at<T, F>(
    data: Points<'_, T>,
    labels: &mut [u32],
    k: usize,
    accumulate: bool,
    parallel: bool,
    chunk: &F,
) -> Totals
where
    T: Elem,
    F: Fn(usize, Points<'_, T>, &mut [u32], Option<Sums<'_, T>>) -> f64 + Sync,
{
    let (n, d) = data.shape();
    let stride = sum_stride::<T>(d);
    let rows = chunk_rows(n);
    let chunks = n.div_ceil(rows);
    let partial_bytes = if accumulate {
        k * stride * std::mem::size_of::<T>()
    } else {
        0
    };
    let wave = if parallel {
        wave(chunks, partial_bytes, rayon::current_num_threads())
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
        let start = c * rows;
        let points = data.slice_rows(start, (start + rows).min(n));
        p.sums.as_mut_slice().fill(T::zero());
        p.counts.fill(0);
        let sums = accumulate.then_some(Sums {
            sums: p.sums.as_mut_slice(),
            stride,
            counts: &mut p.counts,
        });
        p.inertia = chunk(c, points, labels, sums);
    };
    // ANCHOR: ordered_reduction
    for first in (0..chunks).step_by(wave.max(1)) {
        let end = (first + wave).min(chunks);
        let labels = &mut labels[first * rows..(end * rows).min(n)];
        let partials = &mut partials[..end - first];
        if parallel {
            partials
                .par_iter_mut()
                .zip(labels.par_chunks_mut(rows))
                .enumerate()
                .for_each(|(i, pair)| run_one((first + i, pair)));
        } else {
            partials
                .iter_mut()
                .zip(labels.chunks_mut(rows))
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
