//! Chunks and threads: the data is cut into chunks of at most [`CHUNK_ROWS`] points (fewer for
//! small `n`, see `chunk_rows`), each chunk kernel accumulates its own partial sums (in the
//! data's type), and the partials are added into `f64` totals in chunk order. Neither the
//! chunks nor the order depend on the number of threads, so neither does any bit of the
//! result. With `parallel`, chunks run on rayon's current pool (the driver's pool of
//! `KMeans::threads`), in waves of as many chunks as have their partial sums fit
//! [`WAVE_BYTES`] (at least [`CHUNKS_PER_THREAD`] per thread); the wave's buffers are allocated
//! once per call and reused, so no thread waits on the allocator. In a wave, threads claim
//! chunks as they come free (the calling thread from the front, the others from the back), and
//! the calling thread adds finished partials into the totals, in chunk order, between its own
//! chunks.

use kmeans_core::{MIN_PARALLEL_WORK, Points, Scalar};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

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

/// Chunks per thread a parallel wave holds at least, however large their `k × d` partial sums:
/// enough for the threads to balance uneven chunks (the last one is short).
const CHUNKS_PER_THREAD: usize = 4;

/// Partial sums a wave may hold at once: as many chunks as fit run in one wave (one fork-join
/// per wave, and each costs a wake-up of the sleeping threads). Chunks whose partials are
/// larger still run [`CHUNKS_PER_THREAD`] per thread, above this.
const WAVE_BYTES: usize = 4 << 20;

/// Chunks per parallel wave: as many as have their partial sums (`partial_bytes` each) fit
/// [`WAVE_BYTES`], and at least [`CHUNKS_PER_THREAD`] per thread.
pub(crate) fn wave(chunks: usize, partial_bytes: usize, threads: usize) -> usize {
    (WAVE_BYTES / partial_bytes.max(1))
        .max(CHUNKS_PER_THREAD * threads)
        .min(chunks)
}

/// Extra bytes a fused run over `n` points holds for `k × d` sums of `elem`-byte values on
/// `threads` threads: one wave of chunk partials (rows padded to cache lines, and their `k`
/// counts) and the `f64` totals.
pub(crate) fn partial_memory(n: usize, k: usize, d: usize, elem: usize, threads: usize) -> usize {
    let line = crate::kernel::LINE_BYTES;
    let per_line = line / elem;
    let counts = (k * 4).next_multiple_of(line) + line;
    let partial = k * d.div_ceil(per_line) * per_line * elem + line + counts;
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
    /// `k` counts, in lines of their own: neighbouring chunks' counts are written by
    /// different threads at once.
    counts: Aligned<u32>,
    inertia: f64,
}

impl<T: Elem> Partial<T> {
    fn new(k: usize, stride: usize, accumulate: bool) -> Self {
        if !accumulate {
            return Partial {
                sums: Aligned::empty(),
                counts: Aligned::empty(),
                inertia: 0.0,
            };
        }
        Partial {
            sums: Aligned::zeros(k * stride),
            counts: Aligned::zeros(k),
            inertia: 0.0,
        }
    }
}

impl Totals {
    /// Add one chunk's partial (rows of `stride` values, `d` used) into the totals.
    fn add<T: Elem>(&mut self, p: &Partial<T>, stride: usize, d: usize) {
        self.inertia += p.inertia;
        let rows = p.sums.as_slice().chunks_exact(stride);
        for (t, s) in self.sums.chunks_exact_mut(d).zip(rows) {
            for (t, &s) in t.iter_mut().zip(s) {
                *t += s.as_f64();
            }
        }
        for (t, &c) in self.counts.iter_mut().zip(p.counts.as_slice()) {
            *t += u64::from(c);
        }
    }
}

/// Lock a mutex that a panicking chunk may have poisoned (the panic itself propagates
/// through rayon; the data behind the lock is plain numbers).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Run `chunk` over every chunk of `data` (writing `labels`), accumulating sums for `k`
/// clusters when `accumulate`, on rayon's current pool when `parallel`. `chunk` also gets the
/// chunk's index, `0..n.div_ceil(chunk_rows(n))` (for kernels with per-chunk state, as the
/// bounds, or a layout of the whole data, as `lanes`).
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
    let chunks = n.div_ceil(chunk_rows(n));
    let work = n.saturating_mul(k).saturating_mul(d);
    let threads = if parallel && work >= MIN_PARALLEL_WORK {
        rayon::current_num_threads()
    } else {
        1
    };
    let partial_bytes = if accumulate {
        k * sum_stride::<T>(d) * std::mem::size_of::<T>()
    } else {
        0
    };
    let wave = wave(chunks, partial_bytes, threads);
    run_in_waves(data, labels, k, accumulate, threads, wave, chunk)
}

/// [`run_chunks_at`] with the thread count and the chunks per wave given: sequential when
/// `threads` is 1 or there is at most one chunk, else on rayon's current pool in waves of
/// `wave` chunks.
fn run_in_waves<T, F>(
    data: Points<'_, T>,
    labels: &mut [u32],
    k: usize,
    accumulate: bool,
    threads: usize,
    wave: usize,
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
    let mut totals = Totals {
        sums: vec![0.0; if accumulate { k * d } else { 0 }],
        counts: vec![0; if accumulate { k } else { 0 }],
        inertia: 0.0,
    };
    let run_one = |c: usize, p: &mut Partial<T>, labels: &mut [u32]| {
        let start = c * rows;
        let points = data.slice_rows(start, (start + rows).min(n));
        p.sums.as_mut_slice().fill(T::zero());
        p.counts.as_mut_slice().fill(0);
        let sums = accumulate.then_some(Sums {
            sums: p.sums.as_mut_slice(),
            stride,
            counts: p.counts.as_mut_slice(),
        });
        p.inertia = chunk(c, points, labels, sums);
    };
    if threads <= 1 || chunks <= 1 {
        // One partial, added into the totals right after its chunk (still hot in cache).
        let mut p = Partial::new(k, stride, accumulate);
        for (c, labels) in labels.chunks_mut(rows).enumerate() {
            run_one(c, &mut p, labels);
            totals.add(&p, stride, d);
        }
        return totals;
    }
    let wave = wave.clamp(1, chunks);
    let partials: Vec<Mutex<Partial<T>>> = (0..wave)
        .map(|_| Mutex::new(Partial::new(k, stride, accumulate)))
        .collect();
    // ANCHOR: ordered_reduction
    for first in (0..chunks).step_by(wave) {
        let end = (first + wave).min(chunks);
        // Each chunk's labels, taken by the thread that claims the chunk.
        let slots: Vec<Mutex<Option<&mut [u32]>>> = labels[first * rows..(end * rows).min(n)]
            .chunks_mut(rows)
            .map(|l| Mutex::new(Some(l)))
            .collect();
        let done: Vec<AtomicBool> = slots.iter().map(|_| AtomicBool::new(false)).collect();
        // Chunks not yet claimed. The calling thread claims from the front, the others from
        // the back as they wake up: no thread waits for a late one, none is left with a fixed
        // share's ragged last chunk, and the calling thread and the others start at opposite
        // ends, so they do not work on neighbouring chunks until they meet (claiming from the
        // front alone interleaves them, which measured slower: see MEASUREMENTS.md).
        let left = Mutex::new(0..slots.len());
        let claim_and_run = |front: bool| {
            loop {
                let i = if front {
                    lock(&left).next()?
                } else {
                    lock(&left).next_back()?
                };
                if let Some(labels) = slots.get(i).and_then(|slot| lock(slot).take()) {
                    run_one(first + i, &mut lock(&partials[i]), labels);
                    done[i].store(true, Ordering::Release);
                    return Some(i);
                }
            }
        };
        // The calling thread alone adds the partials into the totals, in chunk order whatever
        // thread computed which chunk (so no bit depends on the thread count), after each of
        // its own chunks: the reduction of its run overlaps the other threads' work, and the
        // totals stay in one core's cache.
        let mut next = 0;
        let mut drain = |totals: &mut Totals| {
            while next < done.len() && done[next].load(Ordering::Acquire) {
                totals.add(&lock(&partials[next]), stride, d);
                next += 1;
            }
        };
        rayon::scope(|s| {
            for _ in 1..threads.min(end - first) {
                s.spawn(|_| while claim_and_run(false).is_some() {});
            }
            while claim_and_run(true).is_some() {
                drain(&mut totals);
            }
        });
        // After the scope every chunk is done: add what is left.
        drain(&mut totals);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in chunk kernel: labels each point by its first coordinate, adds it into its
    /// cluster, and returns a sum that depends on the order of its adds.
    fn toy_chunk(
        k: usize,
    ) -> impl Fn(usize, Points<'_, f32>, &mut [u32], Option<Sums<'_, f32>>) -> f64 + Sync {
        move |c, points, labels, sums| {
            let mut inertia = c as f64 * 1e-3;
            let mut sums = sums;
            for (i, label) in labels.iter_mut().enumerate() {
                let row = points.row(i);
                let j = (row[0].abs() * 7.0) as usize % k;
                *label = j as u32;
                inertia += f64::from(row.iter().sum::<f32>()).powi(2);
                if let Some(s) = sums.as_mut() {
                    for (t, &x) in s.sums[j * s.stride..].iter_mut().zip(row) {
                        *t += x;
                    }
                    s.counts[j] += 1;
                }
            }
            inertia
        }
    }

    /// Every thread count and wave size gives the sequential run's labels and totals, bit for
    /// bit: more chunks than a wave holds (several waves, a ragged last one) included.
    #[test]
    fn waves_and_threads_never_change_a_bit() {
        let (n, k, d) = (5 * CHUNK_ROWS + 333, 13, 5);
        let values: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7919) % 1013) as f32 / 101.0 - 5.0)
            .collect();
        let data = Points::new(&values, d).unwrap();
        let chunk = toy_chunk(k);
        let run = |threads: usize, wave: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut labels = vec![u32::MAX; n];
                let t = run_in_waves(data, &mut labels, k, true, threads, wave, &chunk);
                let bits: Vec<u64> = t.sums.iter().map(|s| s.to_bits()).collect();
                (labels, bits, t.counts, t.inertia.to_bits())
            })
        };
        let want = run(1, 1);
        assert!(want.0.iter().all(|&l| (l as usize) < k));
        assert_eq!(want.2.iter().sum::<u64>(), n as u64);
        for threads in [2, 3, 4] {
            for wave in [1, 2, 3, 5, 64] {
                assert!(
                    run(threads, wave) == want,
                    "{threads} threads, waves of {wave}"
                );
            }
        }
    }

    /// `chunk`, noting in `log` which pool thread ran each call.
    fn recording<'a>(
        chunk: impl Fn(usize, Points<'_, f32>, &mut [u32], Option<Sums<'_, f32>>) -> f64 + Sync + 'a,
        log: &'a Mutex<Vec<Option<usize>>>,
    ) -> impl Fn(usize, Points<'_, f32>, &mut [u32], Option<Sums<'_, f32>>) -> f64 + Sync + 'a {
        move |c, p, l, s| {
            lock(log).push(rayon::current_thread_index());
            chunk(c, p, l, s)
        }
    }

    /// A pass below `MIN_PARALLEL_WORK` runs every chunk on the calling thread, even in a
    /// pool of several; one at the threshold runs the same chunks, on whichever threads
    /// (`waves_and_threads_never_change_a_bit` checks that the threads change no bit).
    #[test]
    fn tiny_passes_stay_on_the_calling_thread() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let (k, d) = (4, 8);
        let n = MIN_PARALLEL_WORK / (k * d) - 1;
        let values: Vec<f32> = (0..(n + 1) * d).map(|i| (i % 97) as f32).collect();
        let runs = |n: usize| {
            let data = Points::new(&values[..n * d], d).unwrap();
            let threads = Mutex::new(Vec::new());
            let recorded = recording(toy_chunk(k), &threads);
            let mut labels = vec![u32::MAX; n];
            let caller = pool.install(|| {
                run_chunks_at(data, &mut labels, k, true, true, &recorded);
                rayon::current_thread_index()
            });
            drop(recorded);
            (caller, threads.into_inner().unwrap())
        };
        let (caller, tiny) = runs(n);
        assert!(tiny.len() > 1, "several chunks");
        assert!(
            tiny.iter().all(|&t| t == caller),
            "{tiny:?} not all {caller:?}"
        );
        let (_, big) = runs(n + 1);
        assert_eq!(big.len(), tiny.len(), "the same chunks either way");
    }

    #[test]
    fn a_wave_holds_what_fits_and_enough_per_thread() {
        assert_eq!(wave(49, 8 << 10, 2), 49);
        assert_eq!(wave(489, 64 << 10, 2), 64);
        assert_eq!(wave(489, 4 << 20, 2), 8);
        assert_eq!(wave(3, 4 << 20, 2), 3);
        assert_eq!(wave(100, 0, 2), 100);
    }
}
