//! Input validation, done once at the library boundary so that kernels can assume valid input.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::metrics::{self, CHUNK_ROWS};
use crate::points::Points;
use crate::scalar::Scalar;

/// The largest magnitude a value may have so that a squared distance between two points of
/// dimension `d` cannot overflow: `(2·M)²·d ≤ MAX`.
pub fn max_magnitude<T: Scalar>(d: usize) -> f64 {
    (T::max_value().as_f64() / (4.0 * d as f64)).sqrt()
}

/// [`max_magnitude`] as a value of `T`, rounded down: the bound [`check_values`] holds every
/// value's magnitude to.
pub fn magnitude_bound<T: Scalar>(d: usize) -> T {
    let max = max_magnitude::<T>(d);
    let mut bound = T::of_f64(max);
    while bound.as_f64() > max {
        bound = T::of_f64(bound.as_f64() * (1.0 - 2.0 * T::epsilon().as_f64()));
    }
    bound
}

/// Check every value of `points` is finite and small enough that squared distances stay finite.
///
/// One branch-free pass, in parallel over fixed chunks of rows (a NaN or ∞ fails the same
/// comparison as a value too large); only a chunk that fails is scanned again, in order, so the
/// error names the first bad value whatever the number of threads.
///
/// # Errors
/// [`Error::NonFinite`] or [`Error::ValueTooLarge`], naming `what`, the row and the column.
pub fn check_values<T: Scalar>(what: &'static str, points: Points<'_, T>) -> Result<()> {
    // The limit in `T` itself, so the pass compares values as they are (no conversion per
    // value: it vectorises at the type's width). Both passes use it.
    let bound = magnitude_bound::<T>(points.d());
    if values_within(points, bound) {
        return Ok(());
    }
    Err(first_bad_value(what, points, bound))
}

/// Whether every value of `points` is finite with a magnitude of at most `bound`: the pass of
/// [`check_values`], without naming the value that fails.
pub fn values_within<T: Scalar>(points: Points<'_, T>, bound: T) -> bool {
    metrics::map_chunks(points.as_slice(), CHUNK_ROWS * points.d(), |values| {
        within(values, bound)
    })
    .into_iter()
    .all(|ok| ok)
}

/// [`check_values`] and [`mean_column_variance`](crate::mean_column_variance) in one pass over
/// the data: each chunk is checked, then summed right after (while it is still in cache, for
/// moderate `d`), so a fit with a tolerance reads its data once before the first iteration
/// instead of twice. The variance is
/// bit-identical to `mean_column_variance`'s (the same chunks, summed the same way).
///
/// # Errors
/// As [`check_values`].
pub fn check_values_and_variance<T: Scalar>(
    what: &'static str,
    points: Points<'_, T>,
) -> Result<f64> {
    let (n, d) = points.shape();
    if n == 0 {
        return Ok(0.0);
    }
    let bound = magnitude_bound::<T>(d);
    let origin = metrics::column_origin(points);
    let sums: Option<Vec<Vec<f64>>> =
        metrics::map_chunks(points.as_slice(), CHUNK_ROWS * d, |rows| {
            metrics::chunk_column_sums(rows, d, &origin, |block| within(block, bound))
        })
        .into_iter()
        .collect();
    match sums {
        Some(sums) => Ok(metrics::variance_of_sums(&sums, n, d)),
        None => Err(first_bad_value(what, points, bound)),
    }
}

/// Whether every value is within `bound` (a NaN or ∞ fails the same comparison as a value too
/// large): branch-free, so it vectorises.
fn within<T: Scalar>(values: &[T], bound: T) -> bool {
    values.iter().fold(true, |ok, &v| ok & (v.abs() <= bound))
}

/// The error for the first value, in row order, that fails [`within`]: scanned again in order
/// so that the error names the same value whatever the number of threads.
fn first_bad_value<T: Scalar>(what: &'static str, points: Points<'_, T>, bound: T) -> Error {
    for (row, values) in points.rows().enumerate() {
        for (col, &v) in values.iter().enumerate() {
            if !v.is_finite() {
                return Error::NonFinite {
                    what,
                    row,
                    col,
                    value: crate::format_number(v),
                };
            }
            if v.abs() > bound {
                return Error::ValueTooLarge {
                    what,
                    row,
                    col,
                    value: crate::format_number(v),
                    limit: bound.as_f64(),
                };
            }
        }
    }
    unreachable!("a chunk failed the check, so one of its values is out of range")
}

/// The number of distinct points, counting no further than `stop_at` (so the usual case, where
/// the first `k` rows already differ, costs `O(k·d)`).
pub fn count_distinct<T: Scalar>(points: Points<'_, T>, stop_at: usize) -> usize {
    let mut seen: HashSet<Vec<u64>> = HashSet::with_capacity(stop_at.min(points.n()));
    for row in points.rows() {
        // +0.0 and -0.0 are the same point.
        let key = row.iter().map(|&v| (v.as_f64() + 0.0).to_bits()).collect();
        seen.insert(key);
        if seen.len() >= stop_at {
            break;
        }
    }
    seen.len()
}

/// Everything `fit` needs of the data and `k`.
///
/// # Errors
/// Empty data, `k = 0`, `k > n`, too many points or clusters for `u32` labels, non-finite or
/// too large values, and fewer than `k` distinct points.
pub fn check_fit_input<T: Scalar>(data: Points<'_, T>, k: usize) -> Result<()> {
    check_sizes(data, k)?;
    check_values("data", data)?;
    check_distinct(data, k)
}

/// [`check_fit_input`], and the data's
/// [`mean_column_variance`](crate::mean_column_variance) from the same pass over the data (see
/// [`check_values_and_variance`]): what a fit with a tolerance needs before it starts.
///
/// # Errors
/// As [`check_fit_input`], in the same order.
pub fn check_fit_input_and_variance<T: Scalar>(data: Points<'_, T>, k: usize) -> Result<f64> {
    check_sizes(data, k)?;
    let variance = check_values_and_variance("data", data)?;
    check_distinct(data, k)?;
    Ok(variance)
}

/// The checks of [`check_fit_input`] on `n` and `k` alone.
///
/// # Errors
/// Empty data, `k = 0`, `k > n`, too many points for `u32` labels.
pub fn check_sizes<T: Scalar>(data: Points<'_, T>, k: usize) -> Result<()> {
    let n = data.n();
    if n == 0 {
        return Err(Error::EmptyInput);
    }
    if k == 0 {
        return Err(Error::ZeroClusters);
    }
    if k > n {
        return Err(Error::TooManyClusters { k, n });
    }
    let max = u32::MAX as usize;
    if n > max {
        return Err(Error::TooLarge {
            what: "n",
            value: n,
            max,
        });
    }
    Ok(())
}

/// At least `k` distinct points, for `k` distinct initial centroids.
///
/// # Errors
/// [`Error::TooFewDistinct`].
pub fn check_distinct<T: Scalar>(data: Points<'_, T>, k: usize) -> Result<()> {
    let distinct = count_distinct(data, k);
    if distinct < k {
        return Err(Error::TooFewDistinct { k, distinct });
    }
    Ok(())
}

/// Check that `centroids` is a valid `k × d` set of initial centroids.
///
/// # Errors
/// [`Error::ShapeMismatch`] for the wrong shape, then as [`check_values`].
pub fn check_centroids<T: Scalar>(centroids: Points<'_, T>, k: usize, d: usize) -> Result<()> {
    if centroids.shape() != (k, d) {
        return Err(Error::ShapeMismatch {
            what: "initial centroids",
            expected: (k, d),
            found: centroids.shape(),
        });
    }
    check_values("initial centroids", centroids)
}

/// Everything `predict` needs: non-empty finite data of the centroids' dimension.
///
/// # Errors
/// Empty data or centroids, a dimension mismatch, or bad values in either.
pub fn check_predict_input<T: Scalar>(data: Points<'_, T>, centroids: Points<'_, T>) -> Result<()> {
    if data.n() == 0 {
        return Err(Error::EmptyInput);
    }
    if centroids.n() == 0 {
        return Err(Error::ZeroClusters);
    }
    if data.d() != centroids.d() {
        return Err(Error::DimensionMismatch {
            data: data.d(),
            centroids: centroids.d(),
        });
    }
    let max = u32::MAX as usize;
    if data.n() > max {
        return Err(Error::TooLarge {
            what: "n",
            value: data.n(),
            max,
        });
    }
    check_values("centroids", centroids)?;
    check_values("data", data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values at the largest allowed magnitude pass; the next representable value above it is
    /// reported (row and column) by the same comparison, never missed by the second pass.
    #[test]
    fn the_magnitude_limit_is_one_comparison_in_both_passes() {
        fn check<T: Scalar>(up: fn(T) -> T) {
            let d = 3;
            let bound = magnitude_bound::<T>(d);
            assert!(bound.as_f64() <= max_magnitude::<T>(d));
            let mut values = vec![T::zero(); 4 * d];
            values[4] = bound;
            values[6] = -bound;
            assert!(check_values("data", Points::new(&values, d).unwrap()).is_ok());
            values[7] = up(bound);
            match check_values("data", Points::new(&values, d).unwrap()) {
                Err(Error::ValueTooLarge { row: 2, col: 1, .. }) => {}
                other => panic!("{}: {other:?}", T::DTYPE),
            }
        }
        check::<f32>(f32::next_up);
        check::<f64>(f64::next_up);
    }
}
