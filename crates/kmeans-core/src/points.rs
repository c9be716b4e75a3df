//! Row-major `n × d` data: a borrowed view ([`Points`]) and an owned buffer ([`Matrix`]).
//!
//! Row-major is what a NumPy user has in mind (`data[i]` is point `i`), it is zero-copy into
//! `ndarray::ArrayView2`, and the same buffer read column-major is nalgebra's `d × n` matrix.

use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// A borrowed, row-major `n × d` matrix: `n` points of `d` coordinates, point `i` at
/// `data[i * d..(i + 1) * d]`. Copy, so kernels take it by value.
#[derive(Clone, Copy, Debug)]
pub struct Points<'a, T> {
    data: &'a [T],
    n: usize,
    d: usize,
}

impl<'a, T: Scalar> Points<'a, T> {
    /// View `data` as rows of `d` values.
    ///
    /// # Errors
    /// [`Error::ZeroDimensions`] if `d == 0`; [`Error::RaggedBuffer`] if `data.len()` is not a
    /// multiple of `d`.
    pub fn new(data: &'a [T], d: usize) -> Result<Self> {
        if d == 0 {
            return Err(Error::ZeroDimensions);
        }
        if !data.len().is_multiple_of(d) {
            return Err(Error::RaggedBuffer { len: data.len(), d });
        }
        Ok(Self {
            data,
            n: data.len() / d,
            d,
        })
    }

    /// View `data` as an `n × d` matrix, checking that the buffer holds exactly `n * d` values.
    ///
    /// # Errors
    /// [`Error::ZeroDimensions`] if `d == 0`; [`Error::ShapeMismatch`] if `data.len() != n * d`.
    pub fn with_shape(data: &'a [T], n: usize, d: usize) -> Result<Self> {
        if d == 0 {
            return Err(Error::ZeroDimensions);
        }
        if n.checked_mul(d) != Some(data.len()) {
            return Err(Error::ShapeMismatch {
                what: "buffer",
                expected: (n, d),
                found: (data.len() / d, d),
            });
        }
        Ok(Self { data, n, d })
    }

    /// Number of points (rows).
    #[inline]
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of coordinates per point (columns).
    #[inline]
    pub fn d(&self) -> usize {
        self.d
    }

    /// `(n, d)`, like NumPy's `.shape`.
    #[inline]
    pub fn shape(&self) -> (usize, usize) {
        (self.n, self.d)
    }

    /// The whole buffer, row-major.
    #[inline]
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }

    /// Point `i`.
    ///
    /// # Panics
    /// If `i >= n` (an indexing bug, not bad user input).
    #[inline]
    pub fn row(&self, i: usize) -> &'a [T] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// The points in order.
    #[inline]
    pub fn rows(&self) -> std::slice::ChunksExact<'a, T> {
        self.data.chunks_exact(self.d)
    }

    /// Points `start..end` as a view of their own (for chunking work over threads).
    #[inline]
    pub fn slice_rows(&self, start: usize, end: usize) -> Points<'a, T> {
        Points {
            data: &self.data[start * self.d..end * self.d],
            n: end - start,
            d: self.d,
        }
    }

    /// Copy into an owned [`Matrix`].
    pub fn to_matrix(&self) -> Matrix<T> {
        Matrix {
            data: self.data.to_vec(),
            n: self.n,
            d: self.d,
        }
    }
}

/// An owned, row-major `n × d` matrix (centroids, generated data).
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix<T> {
    data: Vec<T>,
    n: usize,
    d: usize,
}

impl<T: Scalar> Matrix<T> {
    /// Take ownership of `data` as an `n × d` matrix.
    ///
    /// # Errors
    /// As [`Points::with_shape`].
    pub fn from_vec(data: Vec<T>, n: usize, d: usize) -> Result<Self> {
        Points::with_shape(&data, n, d)?;
        Ok(Self { data, n, d })
    }

    /// An `n × d` matrix of zeros.
    ///
    /// # Panics
    /// If `d == 0` (a programming error: callers validate shapes first).
    pub fn zeros(n: usize, d: usize) -> Self {
        assert!(d > 0, "a matrix needs at least one column");
        Self {
            data: vec![T::zero(); n * d],
            n,
            d,
        }
    }

    /// Build from rows; every row must have the same, non-zero length.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] without rows, [`Error::ZeroDimensions`] for empty rows, and
    /// [`Error::RaggedRow`] naming the first row whose length differs from the first row's.
    pub fn from_rows<R: AsRef<[T]>>(rows: &[R]) -> Result<Self> {
        let first = rows.first().ok_or(Error::EmptyInput)?.as_ref().len();
        if first == 0 {
            return Err(Error::ZeroDimensions);
        }
        let mut data = Vec::with_capacity(rows.len() * first);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != first {
                return Err(Error::RaggedRow {
                    row: i,
                    expected: first,
                    found: r.len(),
                });
            }
            data.extend_from_slice(r);
        }
        Ok(Self {
            data,
            n: rows.len(),
            d: first,
        })
    }

    /// Borrow as a [`Points`] view.
    #[inline]
    pub fn view(&self) -> Points<'_, T> {
        Points {
            data: &self.data,
            n: self.n,
            d: self.d,
        }
    }

    /// Number of rows.
    #[inline]
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of columns.
    #[inline]
    pub fn d(&self) -> usize {
        self.d
    }

    /// `(rows, columns)`.
    #[inline]
    pub fn shape(&self) -> (usize, usize) {
        (self.n, self.d)
    }

    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> &[T] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// Row `i`, mutable.
    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        &mut self.data[i * self.d..(i + 1) * self.d]
    }

    /// The buffer, row-major.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// The buffer, row-major, mutable.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// Give back the buffer.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// Convert every value to another float type (rounding when narrowing).
    pub fn cast<U: Scalar>(&self) -> Matrix<U> {
        Matrix {
            data: self.data.iter().map(|&v| U::of_f64(v.as_f64())).collect(),
            n: self.n,
            d: self.d,
        }
    }
}
