//! Distances, inertia and column statistics shared by the driver, the reference and the kit.

use rayon::prelude::*;

use crate::points::Points;
use crate::scalar::Scalar;

/// Rows per work item when a helper runs over rayon. Fixed, and partial results are combined in
/// chunk order, so results are bit-identical whatever the number of threads.
pub const CHUNK_ROWS: usize = 4096;

/// Values below which [`map_chunks`] runs a pass on the calling thread: waking a pool's
/// sleeping threads (or handing work into a pool from outside it) costs tens of µs to ~0.1 ms
/// in a VM, about what a second thread saves of a pass over 2¹⁸ values (1–2 MB). At the
/// slides' 5000 × 26 `f64` the `lanes` fit's passes before its first iteration went from
/// ~0.5 to ~0.25 ms (`MEASUREMENTS.md`).
pub const MIN_PARALLEL_VALUES: usize = 1 << 18;

/// Multiply-adds (`n·k·d`, or `n·t·d` for `t` candidate centres) below which a pass that
/// computes distances runs on the calling thread: at scikit-learn's digits (1797 × 64, k = 10,
/// 1.2·10⁶) a second thread made whole fits slower, at the slides' 5000 × 26 × 26 (3.4·10⁶)
/// it pays (`MEASUREMENTS.md`).
pub const MIN_PARALLEL_WORK: usize = 1 << 21;

/// Items a rayon task takes at least in a pass of `amount` (values, or multiply-adds) against
/// `threshold` ([`MIN_PARALLEL_VALUES`], [`MIN_PARALLEL_WORK`]): all of them below it, so the
/// pass runs on the calling thread and wakes no other, else 1. The items do not change, so
/// neither does any bit of a result combined in their order.
pub fn min_task_len(amount: usize, threshold: usize) -> usize {
    if amount < threshold { usize::MAX } else { 1 }
}

/// Whether work started here may go to rayon's pool
/// ([`check_global_pool_env`](crate::check_global_pool_env) passes). Fits and predicts refuse
/// a bad `RAYON_NUM_THREADS` with an error; a helper of this module called on its own runs on
/// the calling thread instead of starting a pool from it (a huge count takes minutes to start).
pub(crate) fn may_run_parallel() -> bool {
    crate::lloyd::check_global_pool_env().is_ok()
}

/// `f` of each `chunk`-value chunk of `values` (the last may be shorter), in chunk order: on
/// rayon's current pool from [`MIN_PARALLEL_VALUES`] values up (unless
/// [`may_run_parallel`] says no), else on the calling thread. The chunks and their order are
/// the same either way, so no bit of a result that combines them in order depends on which
/// ran.
pub fn map_chunks<T: Sync, R: Send>(
    values: &[T],
    chunk: usize,
    f: impl Fn(&[T]) -> R + Sync + Send,
) -> Vec<R> {
    let chunk = chunk.max(1);
    if values.len() < MIN_PARALLEL_VALUES || !may_run_parallel() {
        values.chunks(chunk).map(f).collect()
    } else {
        values.par_chunks(chunk).map(f).collect()
    }
}

/// Squared Euclidean distance computed in `f64` from the exact widened values.
#[inline]
pub fn sq_dist_f64<T: Scalar>(a: &[T], b: &[T]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let t = x.as_f64() - y.as_f64();
            t * t
        })
        .sum()
}

/// Squared Euclidean distance in the data's own type, by exact differences: eight independent
/// partial sums, so the compiler can vectorise it without reassociating a single running sum.
#[inline]
pub fn sq_dist<T: Scalar>(a: &[T], b: &[T]) -> T {
    const LANES: usize = 8;
    let mut acc = [T::zero(); LANES];
    let (a_main, a_tail) = a.split_at(a.len() - a.len() % LANES);
    let b_main = &b[..a_main.len()];
    for (x, y) in a_main.chunks_exact(LANES).zip(b_main.chunks_exact(LANES)) {
        for l in 0..LANES {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    for (&x, &y) in a_tail.iter().zip(&b[a_main.len()..]) {
        let t = x - y;
        acc[0] += t * t;
    }
    acc.iter().fold(T::zero(), |s, &v| s + v)
}

/// The portable [`IterationStep::sq_distances`](crate::IterationStep::sq_distances): `out[i·t
/// + j] = ‖x_i − c_j‖²` for the `t` rows of `centers`.
pub fn sq_distances<T: Scalar>(data: Points<'_, T>, centers: Points<'_, T>, out: &mut [T]) {
    let t = centers.n();
    for (x, row) in data.rows().zip(out.chunks_exact_mut(t)) {
        for (o, c) in row.iter_mut().zip(centers.rows()) {
            *o = sq_dist(x, c);
        }
    }
}

/// The inertia of `labels`: the sum over points of the squared distance to their centroid,
/// computed in `f64` (exact differences, so it is the trustworthy number the driver reports),
/// in fixed chunks added in order: on rayon's current pool when [`may_run_parallel`], else on
/// the calling thread, with the same bits.
pub fn inertia<T: Scalar>(data: Points<'_, T>, centroids: Points<'_, T>, labels: &[u32]) -> f64 {
    let chunk = |(rows, labels): (&[T], &[u32])| {
        rows.chunks_exact(data.d())
            .zip(labels)
            .map(|(x, &l)| sq_dist_f64(x, centroids.row(l as usize)))
            .sum::<f64>()
    };
    let rows = CHUNK_ROWS * data.d();
    let partial: Vec<f64> = if may_run_parallel() {
        data.as_slice()
            .par_chunks(rows)
            .zip(labels.par_chunks(CHUNK_ROWS))
            .map(chunk)
            .collect()
    } else {
        data.as_slice()
            .chunks(rows)
            .zip(labels.chunks(CHUNK_ROWS))
            .map(chunk)
            .collect()
    };
    partial.iter().sum()
}

/// Mean over columns of each column's variance (population variance, as NumPy's `var`), in
/// `f64`. scikit-learn scales `tol` by this, so `tol` means the same for data in metres or in
/// millimetres.
///
/// One pass, in parallel over fixed chunks (their sums added in chunk order, so the result does
/// not depend on the threads): the sums of `x − x₀` and `(x − x₀)²` per column, shifted by the
/// first row so that data far from the origin does not cancel. No points: 0.
pub fn mean_column_variance<T: Scalar>(data: Points<'_, T>) -> f64 {
    if data.n() == 0 {
        return 0.0;
    }
    let origin = column_origin(data);
    let partial = map_chunks(data.as_slice(), CHUNK_ROWS * data.d(), |rows| {
        chunk_column_sums(rows, data.d(), &origin, |_| true)
            .expect("a block check that accepts every block")
    });
    variance_of_sums(&partial, data.n(), data.d())
}

/// The shift of [`mean_column_variance`]: the first row, in `f64` (the data is not empty).
pub(crate) fn column_origin<T: Scalar>(data: Points<'_, T>) -> Vec<f64> {
    data.row(0).iter().map(|v| v.as_f64()).collect()
}

/// One chunk's `[Σ(x − x₀) for each column, then Σ(x − x₀)² for each column]` for
/// [`mean_column_variance`], or `None` as soon as `block_ok` refuses a block of its rows (the
/// value check reads each block just before the sums do, while it is in L1). Eight columns at
/// a time down a block of rows, in accumulators that stay in registers (adding each row into
/// one row of sums in memory chained every add through a store and a load); each column is
/// still summed in row order. The blocks keep the rows in L1 while every group of columns
/// walks them: down a whole chunk (4.9 MB at d = 300) each group read the chunk from memory
/// again.
pub(crate) fn chunk_column_sums<T: Scalar>(
    rows: &[T],
    d: usize,
    origin: &[f64],
    block_ok: impl Fn(&[T]) -> bool,
) -> Option<Vec<f64>> {
    let mut sums = vec![0.0f64; 2 * d];
    let block_rows = (COLUMN_BLOCK_BYTES / (d * std::mem::size_of::<T>()).max(1)).max(1);
    for block in rows.chunks(block_rows * d) {
        if !block_ok(block) {
            return None;
        }
        for c0 in (0..d).step_by(COLUMNS) {
            let width = COLUMNS.min(d - c0);
            let (a, b) = sums.split_at_mut(d);
            let (a, b) = (&mut a[c0..c0 + width], &mut b[c0..c0 + width]);
            if width == COLUMNS {
                column_sums::<T, COLUMNS>(block, d, c0, origin, a, b);
            } else {
                for c in 0..width {
                    column_sums::<T, 1>(block, d, c0 + c, origin, &mut a[c..=c], &mut b[c..=c]);
                }
            }
        }
    }
    Some(sums)
}

/// [`mean_column_variance`] from the chunks' [`chunk_column_sums`], added in chunk order.
pub(crate) fn variance_of_sums(partial: &[Vec<f64>], n: usize, d: usize) -> f64 {
    let mut sums = vec![0.0f64; 2 * d];
    for p in partial {
        sums.iter_mut().zip(p).for_each(|(s, v)| *s += v);
    }
    let n = n as f64;
    let var: f64 = (0..d)
        .map(|j| {
            let mean = sums[j] / n;
            (sums[d + j] / n - mean * mean).max(0.0)
        })
        .sum();
    var / d as f64
}

/// Columns summed together by [`mean_column_variance`].
const COLUMNS: usize = 8;

/// Bytes of rows [`chunk_column_sums`] takes at a time: well inside any x86-64 L1d.
const COLUMN_BLOCK_BYTES: usize = 16 << 10;

/// Adds `Σ (x − x₀)` and `Σ (x − x₀)²` over the rows of `rows` (`d` values each), in row
/// order, for the `W` columns from `c0` into `a` and `b`.
fn column_sums<T: Scalar, const W: usize>(
    rows: &[T],
    d: usize,
    c0: usize,
    origin: &[f64],
    a_out: &mut [f64],
    b_out: &mut [f64],
) {
    let o: [f64; W] = std::array::from_fn(|j| origin[c0 + j]);
    let mut a: [f64; W] = std::array::from_fn(|j| a_out[j]);
    let mut b: [f64; W] = std::array::from_fn(|j| b_out[j]);
    for row in rows.chunks_exact(d) {
        let x = &row[c0..c0 + W];
        for j in 0..W {
            let t = x[j].as_f64() - o[j];
            a[j] += t;
            b[j] += t * t;
        }
    }
    a_out.copy_from_slice(&a);
    b_out.copy_from_slice(&b);
}

/// Sum over rows of the squared distance between two equally shaped centroid matrices: how far
/// the centroids moved in one iteration. (Row by row or as one long vector, it is the same sum.)
pub fn centroid_shift<T: Scalar>(old: &[T], new: &[T]) -> f64 {
    sq_dist_f64(old, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_chunks_keeps_chunk_order_and_runs_small_passes_on_the_caller() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        // Slow chunks, so that a pass handed to the pool would surely be shared.
        let first_of = |c: &[u32]| {
            std::thread::sleep(std::time::Duration::from_micros(200));
            (c[0], rayon::current_thread_index())
        };
        let chunk = MIN_PARALLEL_VALUES / 32;
        pool.install(|| {
            let caller = rayon::current_thread_index();
            let small: Vec<u32> = (0..MIN_PARALLEL_VALUES as u32 - 1).collect();
            let got = map_chunks(&small, chunk, first_of);
            assert_eq!(got.len(), 32);
            for (c, &(first, thread)) in got.iter().enumerate() {
                assert_eq!(first as usize, c * chunk, "chunk order");
                assert_eq!(thread, caller, "a small pass stays on the calling thread");
            }
            let large: Vec<u32> = (0..2 * MIN_PARALLEL_VALUES as u32).collect();
            let got = map_chunks(&large, chunk, first_of);
            assert!(
                got.iter()
                    .enumerate()
                    .all(|(c, &(f, _))| f as usize == c * chunk)
            );
            assert!(
                got.iter().any(|&(_, thread)| thread != caller),
                "a large pass is shared"
            );
        });
    }
}
