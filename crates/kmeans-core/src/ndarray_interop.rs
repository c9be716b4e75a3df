//! ndarray interop (feature `ndarray`): points from an `ArrayView2` without a copy when it is
//! row-major, matrices to and from `Array2`.

use ndarray::{Array2, ArrayView2};

use crate::error::{Error, Result};
use crate::points::{Matrix, Points};
use crate::scalar::Scalar;

/// A standard-layout (C order, contiguous) view, borrowed as is: no copy.
///
/// # Errors
/// [`Error::NotRowMajor`] for any other layout (a transposed, sliced or Fortran-order view):
/// copy it with [`Matrix::from_array_view`]; and as [`Points::with_shape`] (zero columns).
impl<'a, T: Scalar> TryFrom<ArrayView2<'a, T>> for Points<'a, T> {
    type Error = Error;

    fn try_from(view: ArrayView2<'a, T>) -> Result<Self> {
        let (n, d) = view.dim();
        let strides = view.strides();
        match view.to_slice() {
            Some(data) => Points::with_shape(data, n, d),
            None => Err(Error::NotRowMajor {
                shape: (n, d),
                strides: (strides[0], strides[1]),
            }),
        }
    }
}

/// Borrow an owned array's points (standard layout only, as for a view).
impl<'a, T: Scalar> TryFrom<&'a Array2<T>> for Points<'a, T> {
    type Error = Error;

    fn try_from(array: &'a Array2<T>) -> Result<Self> {
        Points::try_from(array.view())
    }
}

impl<T: Scalar> Matrix<T> {
    /// Copy any 2-D view, whatever its layout, into a row-major matrix (rows in logical order).
    ///
    /// # Errors
    /// As [`Points::with_shape`] (zero columns).
    pub fn from_array_view(view: ArrayView2<'_, T>) -> Result<Self> {
        let (n, d) = view.dim();
        Matrix::from_vec(view.iter().copied().collect(), n, d)
    }

    /// As an `Array2` (moves the buffer, no copy).
    pub fn into_array(self) -> Array2<T> {
        let (n, d) = self.shape();
        Array2::from_shape_vec((n, d), self.into_vec())
            .expect("a matrix's buffer holds exactly n × d values")
    }
}

impl<'a, T: Scalar> Points<'a, T> {
    /// As an `ArrayView2` of the same memory (no copy).
    pub fn as_array_view(&self) -> ArrayView2<'a, T> {
        ArrayView2::from_shape((self.n(), self.d()), self.as_slice())
            .expect("a view's buffer holds exactly n × d values")
    }
}

/// The matrix as an `Array2` (moves the buffer).
impl<T: Scalar> From<Matrix<T>> for Array2<T> {
    fn from(m: Matrix<T>) -> Self {
        m.into_array()
    }
}

impl<T: Scalar> crate::model::KMeansModel<T> {
    /// The centroids as a `k × d` `Array2` (a copy).
    pub fn centroids_array(&self) -> Array2<T> {
        self.centroids().clone().into_array()
    }

    /// [`predict`](crate::model::KMeansModel::predict) for any 2-D view: a row-major one is
    /// read in place, any other layout is copied first.
    ///
    /// # Errors
    /// As `predict`.
    pub fn predict_array(&self, data: ArrayView2<'_, T>) -> Result<Vec<u32>> {
        match Points::try_from(data) {
            Ok(points) => self.predict(points),
            Err(Error::NotRowMajor { .. }) => self.predict(Matrix::from_array_view(data)?.view()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ShapeBuilder, array};

    #[test]
    fn a_standard_view_is_borrowed_without_a_copy() {
        let a = array![[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let p = Points::try_from(a.view()).unwrap();
        assert_eq!(p.shape(), (2, 3));
        assert_eq!(p.as_slice().as_ptr(), a.as_ptr());
        assert_eq!(p.as_array_view(), a.view());
    }

    #[test]
    fn other_layouts_are_an_error_or_an_explicit_copy() {
        let a = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let t = a.t();
        let e = Points::try_from(t).unwrap_err();
        assert!(
            matches!(
                e,
                Error::NotRowMajor {
                    shape: (3, 2),
                    strides: (1, 3)
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("Matrix::from_array_view"), "{e}");
        let m = Matrix::from_array_view(t).unwrap();
        assert_eq!(m.as_slice(), &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let f = Array2::<f64>::zeros((4, 2).f());
        assert!(Points::try_from(f.view()).is_err());
        let stepped = a.slice(ndarray::s![.., ..;2]);
        assert!(Points::try_from(stepped).is_err());
        assert_eq!(
            Matrix::from_array_view(stepped).unwrap().as_slice(),
            &[1.0, 3.0, 4.0, 6.0]
        );
    }

    #[test]
    fn zero_columns_are_an_error_and_matrices_convert_back() {
        let empty = Array2::<f64>::zeros((3, 0));
        assert_eq!(
            Points::try_from(empty.view()).unwrap_err(),
            Error::ZeroDimensions
        );
        let m = Matrix::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], 2, 2).unwrap();
        let a: Array2<f64> = m.clone().into();
        assert_eq!(a, array![[1.0, 2.0], [3.0, 4.0]]);
        assert_eq!(Matrix::from_array_view(a.view()).unwrap(), m);
    }
}
