//! Everything that can be wrong with user input, as values rather than panics.

/// What went wrong, with the row, column or shape that tells the user where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No points at all.
    #[error("the data is empty: k-means needs at least one point")]
    EmptyInput,
    /// Points with no coordinates.
    #[error("the points have 0 dimensions: each point needs at least one coordinate")]
    ZeroDimensions,
    /// A flat buffer that is not a whole number of rows.
    #[error("a buffer of {len} values is not a whole number of rows of {d} values")]
    RaggedBuffer {
        /// Values in the buffer.
        len: usize,
        /// Values per row.
        d: usize,
    },
    /// One row of a list of rows has a different length from the first.
    #[error("row {row} has {found} values but row 0 has {expected}")]
    RaggedRow {
        /// Zero-based row index.
        row: usize,
        /// Length of row 0.
        expected: usize,
        /// Length of this row.
        found: usize,
    },
    /// A matrix whose shape is not the one required.
    #[error("{what} must have shape ({}, {}) but has shape ({}, {})", expected.0, expected.1, found.0, found.1)]
    ShapeMismatch {
        /// Which matrix ("initial centroids", "buffer", …).
        what: &'static str,
        /// `(rows, columns)` required.
        expected: (usize, usize),
        /// `(rows, columns)` given.
        found: (usize, usize),
    },
    /// Points and centroids of different dimension (e.g. in `predict`).
    #[error("the data has {data} dimensions but the centroids have {centroids}")]
    DimensionMismatch {
        /// Dimension of the points.
        data: usize,
        /// Dimension of the centroids.
        centroids: usize,
    },
    /// `k = 0`.
    #[error("k must be at least 1")]
    ZeroClusters,
    /// More clusters than points.
    #[error("k = {k} is larger than the number of points, n = {n}")]
    TooManyClusters {
        /// Clusters asked for.
        k: usize,
        /// Points given.
        n: usize,
    },
    /// Fewer distinct points than clusters: some cluster would have to stay empty.
    #[error("k = {k} but the data holds only {distinct} distinct point(s)")]
    TooFewDistinct {
        /// Clusters asked for.
        k: usize,
        /// Distinct points found.
        distinct: usize,
    },
    /// NaN or ±infinity in the input.
    #[error("{what} has a non-finite value ({value}) at row {row}, column {col}")]
    NonFinite {
        /// Which matrix ("data", "initial centroids", …).
        what: &'static str,
        /// Zero-based row index.
        row: usize,
        /// Zero-based column index.
        col: usize,
        /// The value itself, printed.
        value: String,
    },
    /// A value so large that squared distances would overflow to infinity.
    #[error(
        "{what} has a value too large for k-means ({value}) at row {row}, column {col}: magnitudes above {limit:e} make squared distances overflow"
    )]
    ValueTooLarge {
        /// Which matrix.
        what: &'static str,
        /// Zero-based row index.
        row: usize,
        /// Zero-based column index.
        col: usize,
        /// The value itself, printed.
        value: String,
        /// The largest allowed magnitude for this dimension and float type.
        limit: f64,
    },
    /// More points or clusters than `u32` labels can count.
    #[error("{what} = {value} exceeds the supported maximum of {max}")]
    TooLarge {
        /// What is too large.
        what: &'static str,
        /// Its value.
        value: usize,
        /// The limit.
        max: usize,
    },
    /// A parameter outside its domain.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// Parameter name as in the builder.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// The requested variant is not implemented for this float type.
    #[error("variant {name} has no {dtype} implementation")]
    UnsupportedDtype {
        /// Variant name.
        name: String,
        /// The float type asked for.
        dtype: crate::Dtype,
    },
    /// A saved model that cannot be loaded: damaged, truncated, another version, or
    /// inconsistent.
    #[error("invalid model file: {reason}")]
    InvalidModel {
        /// What is wrong, naming the field.
        reason: String,
    },
    /// An array whose memory layout cannot be viewed as row-major points without a copy.
    #[error(
        "the array is not in standard (row-major, contiguous) layout (shape {shape:?}, strides {strides:?}): copy it with Matrix::from_array_view or .as_standard_layout()"
    )]
    NotRowMajor {
        /// `(rows, columns)`.
        shape: (usize, usize),
        /// The strides, in elements.
        strides: (isize, isize),
    },
    /// An environment variable the library reads holds a value it cannot obey.
    #[error("{variable}={value:?}: {reason}")]
    Environment {
        /// The variable's name.
        variable: &'static str,
        /// Its value (lossily decoded when it is not UTF-8).
        value: String,
        /// What is wrong, and what it accepts.
        reason: String,
    },
    /// The thread pool could not be built.
    #[error("could not start {threads} thread(s): {reason}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// The operating system's reason.
        reason: String,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
