//! The float types k-means runs on: `f32` and `f64`, nothing else.

use std::fmt::{Debug, Display, LowerExp};
use std::iter::Sum;

use num_traits::{Float, NumAssignOps};

/// Which float type a variant or a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dtype {
    /// 32-bit IEEE float: half the memory, twice the SIMD lanes, about 7 significant digits.
    F32,
    /// 64-bit IEEE float: NumPy's default and the slides' setting.
    F64,
}

impl Dtype {
    /// The name NumPy uses (`"f32"`/`"f64"` as on the CLI).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "f32",
            Dtype::F64 => "f64",
        }
    }

    /// Size of one value in bytes.
    pub fn bytes(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::F64 => 8,
        }
    }
}

impl Display for Dtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A float type the k-means variants are generic over. Sealed: implemented for `f32` and `f64` only,
/// which lets a registry hold one implementation per type and hand back the right one (by
/// [`DTYPE`](Scalar::DTYPE)).
pub trait Scalar:
    Float
    + NumAssignOps
    + Default
    + Debug
    + Display
    + LowerExp
    + Sum
    + Send
    + Sync
    + 'static
    + sealed::Sealed
{
    /// This type as a [`Dtype`].
    const DTYPE: Dtype;

    /// Round an `f64` to this type.
    fn of_f64(v: f64) -> Self;

    /// Widen to `f64` (exact for both types).
    fn as_f64(self) -> f64;

    /// A count as this type (exact below 2^24 for `f32`, 2^53 for `f64`).
    fn of_usize(v: usize) -> Self;
}

impl Scalar for f32 {
    const DTYPE: Dtype = Dtype::F32;

    fn of_f64(v: f64) -> Self {
        v as f32
    }

    fn as_f64(self) -> f64 {
        f64::from(self)
    }

    fn of_usize(v: usize) -> Self {
        v as f32
    }
}

impl Scalar for f64 {
    const DTYPE: Dtype = Dtype::F64;

    fn of_f64(v: f64) -> Self {
        v
    }

    fn as_f64(self) -> f64 {
        self
    }

    fn of_usize(v: usize) -> Self {
        v as f64
    }
}

/// `v` for people: the shortest decimal that reads back as the same value, in scientific
/// notation when it is huge or tiny (`1e200`, not a 201-digit integer; `1.5e-9`, not
/// `0.0000000015`).
pub fn format_number<T: Scalar>(v: T) -> String {
    let magnitude = v.abs().as_f64();
    if magnitude == 0.0 || !magnitude.is_finite() || (1e-5..1e16).contains(&magnitude) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_and_tiny_numbers_print_in_scientific_notation_and_read_back() {
        assert_eq!(format_number(1e200f64), "1e200");
        assert_eq!(format_number(-2.5e-9f64), "-2.5e-9");
        assert_eq!(format_number(3.0e38f32), "3e38");
        assert_eq!(format_number(1234.5f64), "1234.5");
        assert_eq!(format_number(0.1f32), "0.1");
        assert_eq!(format_number(0.0f64), "0");
        assert_eq!(format_number(f64::NAN), "NaN");
        for v in [1e200, 1.2345678901234567e-300, 5e-324, f64::MAX, 123.456] {
            assert_eq!(format_number(v).parse::<f64>(), Ok(v));
        }
    }
}
