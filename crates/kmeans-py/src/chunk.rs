//! Per-chunk kernels of the Dask front end (`kmeans_workshop.dask`).
//!
//! A Dask task holds one block of rows; each function here reads it in place with the GIL
//! released and returns little: one Lloyd iteration sends back `k·(d+1) + 1` numbers (f64
//! partial sums, counts, inertia) whatever the block's size. The client reduces the blocks'
//! results in block order, so the fit is deterministic whatever the scheduling.
//!
//! `chunk_check` validates a block once per fit (NaN/∞ named by their global row and column);
//! the per-iteration kernels then trust the block, as the library's kernels trust validated data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use kmeans_workshop::{Error, Matrix, Points, Scalar, sq_dist_f64, validate};

use crate::{Pair, Single, matrix_to_py, solver_for, to_py_err};

/// Before work on rayon's global pool: refuse a thread count in the environment that the pool
/// would misread ([`kmeans_workshop::check_global_pool_env`]).
pub(crate) fn check_global_pool() -> PyResult<()> {
    kmeans_workshop::check_global_pool_env().map_err(to_py_err)
}

/// Run `f` in a rayon pool of `threads` threads (cached per size, so a Dask worker does not
/// build a pool per task), or in rayon's global pool for `None`.
///
/// # Errors
/// `ValueError` for 0 threads or, for `None`, a bad `RAYON_NUM_THREADS`
/// ([`kmeans_workshop::check_global_pool_env`]); `RuntimeError` if the pool cannot start.
pub(crate) fn in_pool<R: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> R + Send,
) -> PyResult<R> {
    let Some(threads) = threads else {
        check_global_pool()?;
        return Ok(f());
    };
    if threads == 0 {
        return Err(PyValueError::new_err(
            "invalid parameter n_threads: must be at least 1",
        ));
    }
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    let pool = {
        let mut pools = POOLS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match pools.get(&threads) {
            Some(p) => p.clone(),
            None => {
                let p = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .map_err(|e| {
                        to_py_err(Error::ThreadPool {
                            threads,
                            reason: e.to_string(),
                        })
                    })?;
                let p = Arc::new(p);
                pools.insert(threads, p.clone());
                p
            }
        }
    };
    Ok(pool.install(f))
}

/// Shapes the per-iteration kernels rely on (cheap: no pass over the values).
fn check_shapes<T: Scalar>(data: Points<'_, T>, centroids: Points<'_, T>) -> PyResult<()> {
    if centroids.n() == 0 {
        return Err(to_py_err(Error::ZeroClusters));
    }
    if data.d() != centroids.d() {
        return Err(to_py_err(Error::DimensionMismatch {
            data: data.d(),
            centroids: centroids.d(),
        }));
    }
    if data.n() > u32::MAX as usize {
        return Err(to_py_err(Error::TooLarge {
            what: "n",
            value: data.n(),
            max: u32::MAX as usize,
        }));
    }
    Ok(())
}

/// Labels of a block against `centroids` (validated: finite), with the chosen backend.
fn labels_of<T: Scalar>(
    data: Points<'_, T>,
    centroids: Points<'_, T>,
    threads: Option<usize>,
    backend: Option<&str>,
) -> PyResult<(Vec<u32>, f64)> {
    check_shapes(data, centroids)?;
    validate::check_values("centroids", centroids).map_err(to_py_err)?;
    let variant = solver_for::<T>(backend)?;
    let solver = variant.require::<T>().map_err(to_py_err)?;
    let mut labels = vec![0u32; data.n()];
    let inertia = if data.n() == 0 {
        0.0
    } else {
        in_pool(threads, || solver.assign(data, centroids, &mut labels))?
    };
    Ok((labels, inertia))
}

// ---------------------------------------------------------------------------------------------
// Validation and column statistics (once per fit)

fn check_typed<T: Scalar>(data: Points<'_, T>, row_offset: usize) -> Result<Vec<f64>, Error> {
    validate::check_values("data", data).map_err(|e| match e {
        Error::NonFinite {
            what,
            row,
            col,
            value,
        } => Error::NonFinite {
            what,
            row: row + row_offset,
            col,
            value,
        },
        Error::ValueTooLarge {
            what,
            row,
            col,
            value,
            limit,
        } => Error::ValueTooLarge {
            what,
            row: row + row_offset,
            col,
            value,
            limit,
        },
        other => other,
    })?;
    let mut sums = vec![0.0f64; data.d()];
    for row in data.rows() {
        for (s, &v) in sums.iter_mut().zip(row) {
            *s += v.as_f64();
        }
    }
    Ok(sums)
}

/// Validate one block whose first row is row `row_offset` of the whole array (errors name the
/// global row) and return its column sums in f64, for the data's mean.
#[pyfunction]
fn chunk_check<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    row_offset: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    check_global_pool()?;
    let sums = match Single::extract(x)? {
        Single::F32(a) => {
            let p = a.points()?;
            py.detach(|| check_typed(p, row_offset))
        }
        Single::F64(a) => {
            let p = a.points()?;
            py.detach(|| check_typed(p, row_offset))
        }
    }
    .map_err(to_py_err)?;
    Ok(PyArray1::from_vec(py, sums))
}

fn sq_dev_typed<T: Scalar>(data: Points<'_, T>, mean: &[f64]) -> f64 {
    data.rows()
        .map(|row| {
            row.iter()
                .zip(mean)
                .map(|(&v, m)| {
                    let t = v.as_f64() - m;
                    t * t
                })
                .sum::<f64>()
        })
        .sum()
}

/// `Σ (x − mean)²` over a block (f64): with the row count, the data's mean column variance,
/// which scales `tol` as in the in-memory fit.
#[pyfunction]
fn chunk_sq_dev<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    mean: PyReadonlyArray1<'py, f64>,
) -> PyResult<f64> {
    let mean = mean.as_slice().map_err(|_| {
        PyValueError::new_err("mean must be a C-contiguous, aligned float64 vector")
    })?;
    let check = |d: usize| {
        if d == mean.len() {
            Ok(())
        } else {
            Err(PyValueError::new_err(format!(
                "mean has {} values but the data has {d} columns",
                mean.len()
            )))
        }
    };
    match Single::extract(x)? {
        Single::F32(a) => {
            let p = a.points()?;
            check(p.d())?;
            Ok(py.detach(|| sq_dev_typed(p, mean)))
        }
        Single::F64(a) => {
            let p = a.points()?;
            check(p.d())?;
            Ok(py.detach(|| sq_dev_typed(p, mean)))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// One Lloyd iteration: partial sums, counts, inertia

/// Per-cluster sums (f64, `k × d`), counts and the inertia of one block's assignment.
fn step_typed<T: Scalar>(
    data: Points<'_, T>,
    centroids: Points<'_, T>,
    threads: Option<usize>,
    backend: Option<&str>,
) -> PyResult<(Matrix<f64>, Vec<i64>, f64)> {
    let (labels, inertia) = labels_of(data, centroids, threads, backend)?;
    let (k, d) = centroids.shape();
    let mut sums = Matrix::<f64>::zeros(k, d);
    let mut counts = vec![0i64; k];
    for (x, &l) in data.rows().zip(&labels) {
        let l = l as usize;
        counts[l] += 1;
        for (s, &v) in sums.row_mut(l).iter_mut().zip(x) {
            *s += v.as_f64();
        }
    }
    Ok((sums, counts, inertia))
}

/// One Lloyd iteration over a block: `(sums (k, d) float64, counts (k,) int64, inertia)` of the
/// block's points assigned to `centroids` (the data's dtype). The block must have passed
/// `chunk_check`.
#[pyfunction]
#[pyo3(signature = (x, centroids, n_threads=None, backend=None))]
fn chunk_step<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    centroids: &Bound<'py, PyAny>,
    n_threads: Option<usize>,
    backend: Option<String>,
) -> PyResult<(Bound<'py, PyArray2<f64>>, Bound<'py, PyArray1<i64>>, f64)> {
    let backend = backend.as_deref();
    let (sums, counts, inertia) = match Pair::extract(x, centroids, "centroids")? {
        Pair::F32(a, c) => {
            let (p, c) = (a.points()?, c.points()?);
            py.detach(|| step_typed(p, c, n_threads, backend))?
        }
        Pair::F64(a, c) => {
            let (p, c) = (a.points()?, c.points()?);
            py.detach(|| step_typed(p, c, n_threads, backend))?
        }
    };
    Ok((
        matrix_to_py(py, sums)?,
        PyArray1::from_vec(py, counts),
        inertia,
    ))
}

// ---------------------------------------------------------------------------------------------
// Empty-cluster relocation: the block's farthest points

/// Squared distance of every point of a block to its nearest centroid (exact, f64), with the
/// labels.
fn min_dist_typed<T: Scalar>(
    data: Points<'_, T>,
    centroids: Points<'_, T>,
    threads: Option<usize>,
    backend: Option<&str>,
) -> PyResult<(Vec<u32>, Vec<f64>)> {
    let (labels, _) = labels_of(data, centroids, threads, backend)?;
    let dist = data
        .rows()
        .zip(&labels)
        .map(|(x, &l)| sq_dist_f64(x, centroids.row(l as usize)))
        .collect();
    Ok((labels, dist))
}

/// Labels (int32) and squared distances to the nearest centroid (float64, exact) of every
/// point of a block: what k-means|| samples from and what relocation ranks by.
#[pyfunction]
#[pyo3(signature = (x, centroids, n_threads=None, backend=None))]
fn chunk_min_dist<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    centroids: &Bound<'py, PyAny>,
    n_threads: Option<usize>,
    backend: Option<String>,
) -> PyResult<(Bound<'py, PyArray1<i32>>, Bound<'py, PyArray1<f64>>)> {
    let backend = backend.as_deref();
    let (labels, dist) = match Pair::extract(x, centroids, "centroids")? {
        Pair::F32(a, c) => {
            let (p, c) = (a.points()?, c.points()?);
            py.detach(|| min_dist_typed(p, c, n_threads, backend))?
        }
        Pair::F64(a, c) => {
            let (p, c) = (a.points()?, c.points()?);
            py.detach(|| min_dist_typed(p, c, n_threads, backend))?
        }
    };
    let labels: Vec<i32> = labels.iter().map(|&l| l as i32).collect();
    Ok((PyArray1::from_vec(py, labels), PyArray1::from_vec(py, dist)))
}

/// The `m` points of a block farthest from their nearest centroid, in the order the in-memory
/// relocation visits them (distance descending, then row ascending): `(dist, rows, labels)`
/// with rows local to the block.
#[pyfunction]
#[pyo3(signature = (x, centroids, m, n_threads=None, backend=None))]
fn chunk_farthest<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    centroids: &Bound<'py, PyAny>,
    m: usize,
    n_threads: Option<usize>,
    backend: Option<String>,
) -> PyResult<(
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
)> {
    let (labels, dist) = chunk_min_dist(py, x, centroids, n_threads, backend)?;
    let labels = labels.readonly();
    let dist = dist.readonly();
    let (labels, dist) = (
        labels
            .as_slice()
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?,
        dist.as_slice()
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?,
    );
    let order = py.detach(|| farthest(dist, m));
    let d: Vec<f64> = order.iter().map(|&i| dist[i]).collect();
    let l: Vec<i64> = order.iter().map(|&i| i64::from(labels[i])).collect();
    let rows: Vec<i64> = order.iter().map(|&i| i as i64).collect();
    Ok((
        PyArray1::from_vec(py, d),
        PyArray1::from_vec(py, rows),
        PyArray1::from_vec(py, l),
    ))
}

/// Indices of the `m` largest distances, largest first, ties by index.
fn farthest(dist: &[f64], m: usize) -> Vec<usize> {
    let cmp = |a: &usize, b: &usize| dist[*b].total_cmp(&dist[*a]).then(a.cmp(b));
    let mut order: Vec<usize> = (0..dist.len()).collect();
    let m = m.min(order.len());
    if m == 0 {
        return Vec::new();
    }
    if m < order.len() {
        order.select_nth_unstable_by(m - 1, cmp);
        order.truncate(m);
    }
    order.sort_unstable_by(cmp);
    order
}

/// Add the per-chunk kernels to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(chunk_check, m)?)?;
    m.add_function(wrap_pyfunction!(chunk_sq_dev, m)?)?;
    m.add_function(wrap_pyfunction!(chunk_step, m)?)?;
    m.add_function(wrap_pyfunction!(chunk_min_dist, m)?)?;
    m.add_function(wrap_pyfunction!(chunk_farthest, m)?)?;
    Ok(())
}
