//! NumPy arrays in and out, and library errors as Python exceptions.

use ndarray::Array2;
use numpy::{
    Element, IntoPyArray, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use kmeans_workshop::{Error, Matrix, Points, Scalar};

/// A borrowed, read-only 2-D NumPy array of `T` (no copy is made).
pub(crate) struct Array<'py, T: Element> {
    array: PyReadonlyArray2<'py, T>,
    what: &'static str,
}

impl<'py, T: Scalar + Element> Array<'py, T> {
    /// The array's buffer as a row-major `n × d` view, in place.
    ///
    /// # Errors
    /// `ValueError` if the array is not C-contiguous (the Python layer makes it so), or for a
    /// shape the library rejects (no columns).
    pub(crate) fn points(&self) -> PyResult<Points<'_, T>> {
        let (n, d) = (self.array.shape()[0], self.array.shape()[1]);
        // `as_slice` also accepts Fortran order, which read row-major would be other points.
        let c_order = self.array.is_c_contiguous() || n * d == 0;
        let slice = self.array.as_slice().ok().filter(|_| c_order).ok_or_else(|| {
            PyValueError::new_err(format!(
                "{} must be C-contiguous and aligned (numpy.require(a, requirements=\"CA\") makes it so)",
                self.what
            ))
        })?;
        Points::with_shape(slice, n, d).map_err(to_py_err)
    }
}

/// `obj` as a borrowed 2-D array of exactly `T`.
///
/// # Errors
/// `ValueError` naming `what` when it is not a 2-D NumPy array of `T`'s dtype, or is being
/// written to elsewhere.
pub(crate) fn typed<'py, T: Scalar + Element>(
    obj: &Bound<'py, PyAny>,
    what: &'static str,
) -> PyResult<Array<'py, T>> {
    let array = obj.cast::<PyArray2<T>>().map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be a 2-D numpy array of dtype {}",
            numpy_name::<T>()
        ))
    })?;
    let array = array
        .try_readonly()
        .map_err(|e| PyValueError::new_err(format!("{what} cannot be read: {e}")))?;
    Ok(Array { array, what })
}

fn numpy_name<T: Scalar>() -> &'static str {
    match T::DTYPE {
        kmeans_workshop::Dtype::F32 => "float32",
        _ => "float64",
    }
}

/// The data array, whichever float type it holds.
pub(crate) enum Single<'py> {
    /// float32 data.
    F32(Array<'py, f32>),
    /// float64 data.
    F64(Array<'py, f64>),
}

impl<'py> Single<'py> {
    /// `x` as float32 or float64 data.
    ///
    /// # Errors
    /// `ValueError` for anything but a 2-D float32/float64 NumPy array.
    pub(crate) fn extract(x: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(a) = typed::<f32>(x, "X") {
            return Ok(Single::F32(a));
        }
        typed::<f64>(x, "X").map(Single::F64).map_err(|_| {
            PyValueError::new_err("X must be a 2-D numpy array of dtype float32 or float64")
        })
    }
}

/// Data and centroids of the same float type.
pub(crate) enum Pair<'py> {
    /// float32 data and centroids.
    F32(Array<'py, f32>, Array<'py, f32>),
    /// float64 data and centroids.
    F64(Array<'py, f64>, Array<'py, f64>),
}

impl<'py> Pair<'py> {
    /// `x` and `c` (called `what` in errors) as arrays of one float type, `x`'s.
    ///
    /// # Errors
    /// As [`Single::extract`], and when `c` is not a 2-D array of `x`'s dtype.
    pub(crate) fn extract(
        x: &Bound<'py, PyAny>,
        c: &Bound<'py, PyAny>,
        what: &'static str,
    ) -> PyResult<Self> {
        Ok(match Single::extract(x)? {
            Single::F32(a) => Pair::F32(a, typed(c, what)?),
            Single::F64(a) => Pair::F64(a, typed(c, what)?),
        })
    }
}

/// An owned matrix as a new `(n, d)` NumPy array (the buffer moves, it is not copied).
pub(crate) fn matrix_to_py<'py, T: Scalar + Element>(
    py: Python<'py>,
    m: Matrix<T>,
) -> PyResult<Bound<'py, PyArray2<T>>> {
    let shape = m.shape();
    Array2::from_shape_vec(shape, m.into_vec())
        .map(|a| a.into_pyarray(py))
        .map_err(|e| PyRuntimeError::new_err(format!("internal shape error: {e}")))
}

/// The library's error as a Python exception with the library's message: `ValueError` for
/// bad input, `RuntimeError` when the operating system refuses threads.
pub(crate) fn to_py_err(e: Error) -> PyErr {
    match e {
        Error::ThreadPool { .. } => PyRuntimeError::new_err(e.to_string()),
        // The library's `threads` is this package's `n_threads`: name the one the user set.
        Error::InvalidParameter {
            name: "threads",
            reason,
        } => PyValueError::new_err(format!("invalid parameter n_threads: {reason}")),
        _ => PyValueError::new_err(e.to_string()),
    }
}
