//! `kmeans_workshop._core`: the Rust side of the Python package.
//!
//! The Python layer (`python/kmeans_workshop/`) checks types and converts arrays (at most one
//! copy, only for arrays that are not C-contiguous float32/float64); everything here borrows
//! the NumPy buffer in place, releases the GIL while it computes, and turns every
//! [`kmeans_workshop::Error`] into a `ValueError` carrying the library's message.
//!
//! Besides the in-memory `fit`/`predict`/`transform`, the `chunk_*` functions are the per-chunk
//! kernels of the Dask front end: each reads one block of rows and returns only a few numbers
//! per cluster (partial sums in f64, counts, inertia), so the client reduces them in chunk order.
#![forbid(unsafe_code)]

mod chunk;
mod convert;

use numpy::{PyArray1, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use kmeans_workshop::{Init, IterationVariant, KMeans, Matrix, Points, Scalar};

pub(crate) use convert::{Array, Pair, Single, matrix_to_py, to_py_err, typed};

/// The whole-iteration variant called `name` (or `ASSIGN+UPDATE`), or the fastest for `T`.
pub(crate) fn solver_for<T: Scalar>(backend: Option<&str>) -> PyResult<IterationVariant> {
    let Some(name) = backend else {
        return Ok(kmeans_workshop::fastest::<T>());
    };
    let registry = kmeans_workshop::registry();
    match registry.iteration_named(name) {
        Some(v) if v.supports::<T>() => Ok(v),
        Some(_) => Err(PyValueError::new_err(format!(
            "backend {name} has no {} implementation: kmeans_workshop.backends() lists every \
             backend with its dtypes",
            T::DTYPE.name()
        ))),
        None => Err(PyValueError::new_err(format!(
            "unknown backend '{name}': kmeans_workshop.backends() lists the names (a whole \
             iteration, or ASSIGN+UPDATE)"
        ))),
    }
}

/// Parameters of one in-memory fit, as the Python layer passes them.
struct FitParams {
    k: usize,
    init: String,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    seed: u64,
    n_threads: Option<usize>,
    backend: Option<String>,
}

type FitOutput<'py, T> = (
    Bound<'py, PyArray2<T>>,
    Bound<'py, PyArray1<i32>>,
    f64,
    usize,
    bool,
    f64,
);

fn fit_typed<'py, T: Scalar + numpy::Element>(
    py: Python<'py>,
    data: &Array<'py, T>,
    init_centroids: Option<&Array<'py, T>>,
    p: &FitParams,
) -> PyResult<FitOutput<'py, T>> {
    let points = data.points()?;
    let init = match (p.init.as_str(), init_centroids) {
        (_, Some(c)) => Init::Centroids(c.points()?.to_matrix()),
        ("k-means++", None) => Init::KMeansPlusPlus,
        ("random", None) => Init::Random,
        ("k-means||", None) => Init::kmeans_parallel(),
        (other, None) => {
            return Err(PyValueError::new_err(format!(
                "init must be 'k-means++', 'random', 'k-means||' or an array of shape \
                 (n_clusters, n_features), got {other:?}"
            )));
        }
    };
    let solver = solver_for::<T>(p.backend.as_deref())?;
    let model = KMeans::<T>::new(p.k)
        .init(init)
        .n_init(p.n_init)
        .max_iter(p.max_iter)
        .tol(p.tol)
        .seed(p.seed)
        .threads(p.n_threads);
    let (fit, seconds) = py.detach(|| {
        let start = std::time::Instant::now();
        let fit = model.fit_variant(&solver, points);
        (fit, start.elapsed().as_secs_f64())
    });
    let fit = fit.map_err(to_py_err)?;
    let labels: Vec<i32> = fit.labels.iter().map(|&l| l as i32).collect();
    Ok((
        matrix_to_py(py, fit.centroids)?,
        PyArray1::from_vec(py, labels),
        fit.inertia,
        fit.iterations,
        fit.converged,
        seconds,
    ))
}

/// Fit k-means to `x` (a C-contiguous float32 or float64 array, borrowed in place).
///
/// Returns `(centroids, labels, inertia, n_iter, converged, seconds)`, `seconds` being the
/// library call alone (as the CLI's "fit time"); `init_centroids`, when given, has `x`'s dtype
/// and overrides `init`.
#[pyfunction]
#[pyo3(signature = (x, k, init, init_centroids, n_init, max_iter, tol, seed, n_threads, backend))]
fn fit<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    k: usize,
    init: String,
    init_centroids: Option<&Bound<'py, PyAny>>,
    n_init: usize,
    max_iter: usize,
    tol: f64,
    seed: u64,
    n_threads: Option<usize>,
    backend: Option<String>,
) -> PyResult<(Py<PyAny>, Py<PyAny>, f64, usize, bool, f64)> {
    let params = FitParams {
        k,
        init,
        n_init,
        max_iter,
        tol,
        seed,
        n_threads,
        backend,
    };
    match Single::extract(x)? {
        Single::F32(a) => {
            let c = init_centroids
                .map(|c| typed::<f32>(c, "init"))
                .transpose()?;
            let (c, l, i, n, conv, s) = fit_typed(py, &a, c.as_ref(), &params)?;
            Ok((c.into_any().unbind(), l.into_any().unbind(), i, n, conv, s))
        }
        Single::F64(a) => {
            let c = init_centroids
                .map(|c| typed::<f64>(c, "init"))
                .transpose()?;
            let (c, l, i, n, conv, s) = fit_typed(py, &a, c.as_ref(), &params)?;
            Ok((c.into_any().unbind(), l.into_any().unbind(), i, n, conv, s))
        }
    }
}

fn predict_typed<'py, T: Scalar + numpy::Element>(
    py: Python<'py>,
    data: &Array<'py, T>,
    centroids: &Array<'py, T>,
    n_threads: Option<usize>,
    backend: Option<&str>,
) -> PyResult<(Bound<'py, PyArray1<i32>>, f64)> {
    let (points, c) = (data.points()?, centroids.points()?);
    let solver = solver_for::<T>(backend)?;
    let step = solver.require::<T>().map_err(to_py_err)?;
    let (labels, inertia) = py
        .detach(|| chunk::in_pool(n_threads, || kmeans_workshop::predict(step, points, c)))?
        .map_err(to_py_err)?;
    let labels: Vec<i32> = labels.iter().map(|&l| l as i32).collect();
    Ok((PyArray1::from_vec(py, labels), inertia))
}

/// Labels (int32) and inertia of `x` against `centroids` (same dtype).
#[pyfunction]
#[pyo3(signature = (x, centroids, n_threads=None, backend=None))]
fn predict<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    centroids: &Bound<'py, PyAny>,
    n_threads: Option<usize>,
    backend: Option<String>,
) -> PyResult<(Bound<'py, PyArray1<i32>>, f64)> {
    match Pair::extract(x, centroids, "centroids")? {
        Pair::F32(a, c) => predict_typed(py, &a, &c, n_threads, backend.as_deref()),
        Pair::F64(a, c) => predict_typed(py, &a, &c, n_threads, backend.as_deref()),
    }
}

fn transform_typed<'py, T: Scalar + numpy::Element>(
    py: Python<'py>,
    data: &Array<'py, T>,
    centroids: &Array<'py, T>,
) -> PyResult<Bound<'py, PyArray2<T>>> {
    let (points, c) = (data.points()?, centroids.points()?);
    chunk::check_global_pool()?;
    kmeans_workshop::validate::check_predict_input(points, c).map_err(to_py_err)?;
    let out = py.detach(|| distances(points, c));
    matrix_to_py(py, out)
}

/// `n × k` Euclidean distances, each computed exactly in f64 and rounded to `T`.
fn distances<T: Scalar>(data: Points<'_, T>, centroids: Points<'_, T>) -> Matrix<T> {
    let k = centroids.n();
    let mut out = Matrix::zeros(data.n(), k);
    for (x, row) in data.rows().zip(out.as_mut_slice().chunks_exact_mut(k)) {
        for (o, c) in row.iter_mut().zip(centroids.rows()) {
            *o = T::of_f64(kmeans_workshop::sq_dist_f64(x, c).sqrt());
        }
    }
    out
}

/// Euclidean distance of every point of `x` to every centroid, `(n, k)`, in `x`'s dtype.
#[pyfunction]
fn transform<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    centroids: &Bound<'py, PyAny>,
) -> PyResult<Py<PyAny>> {
    match Pair::extract(x, centroids, "centroids")? {
        Pair::F32(a, c) => Ok(transform_typed(py, &a, &c)?.into_any().unbind()),
        Pair::F64(a, c) => Ok(transform_typed(py, &a, &c)?.into_any().unbind()),
    }
}

/// Every backend name `fit(..., backend=NAME)` accepts as a whole iteration, with the dtypes
/// it supports: `[(name, ["f32", "f64"]), …]`. Any `ASSIGN+UPDATE` pair of the step names in
/// `steps()` is accepted too.
#[pyfunction]
fn backends() -> Vec<(String, Vec<&'static str>)> {
    let registry = kmeans_workshop::registry();
    registry
        .iterate
        .iter()
        .map(|v| {
            (
                v.name().to_string(),
                dtypes(v.supports::<f32>(), v.supports::<f64>()),
            )
        })
        .collect()
}

/// The assignment and update step names, for `backend="ASSIGN+UPDATE"`.
#[pyfunction]
fn steps() -> (Vec<String>, Vec<String>) {
    let registry = kmeans_workshop::registry();
    (
        registry
            .assign
            .iter()
            .map(|v| v.name().to_string())
            .collect(),
        registry
            .update
            .iter()
            .map(|v| v.name().to_string())
            .collect(),
    )
}

fn dtypes(f32: bool, f64: bool) -> Vec<&'static str> {
    [(f32, "f32"), (f64, "f64")]
        .into_iter()
        .filter_map(|(ok, name)| ok.then_some(name))
        .collect()
}

/// The backend a fit uses without `backend=`: the fastest registered for `dtype` ("f32"/"f64").
#[pyfunction]
fn default_backend(dtype: &str) -> PyResult<String> {
    match dtype {
        "f32" | "float32" => Ok(kmeans_workshop::fastest::<f32>().name().to_string()),
        "f64" | "float64" => Ok(kmeans_workshop::fastest::<f64>().name().to_string()),
        other => Err(PyValueError::new_err(format!(
            "dtype must be 'f32' or 'f64', got {other:?}"
        ))),
    }
}

/// The Rust extension of `kmeans_workshop`.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(predict, m)?)?;
    m.add_function(wrap_pyfunction!(transform, m)?)?;
    m.add_function(wrap_pyfunction!(backends, m)?)?;
    m.add_function(wrap_pyfunction!(steps, m)?)?;
    m.add_function(wrap_pyfunction!(default_backend, m)?)?;
    chunk::register(m)?;
    Ok(())
}
