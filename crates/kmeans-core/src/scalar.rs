//! The float types k-means runs on: `f32` and `f64`, nothing else.

use std::fmt::{Debug, Display};
use std::iter::Sum;

use num_traits::{Float, NumAssignOps};

use crate::registry::{Kind, Variant};

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
/// which lets a registry hold one implementation per type and hand back the right one.
pub trait Scalar:
    Float + NumAssignOps + Default + Debug + Display + Sum + Send + Sync + 'static + sealed::Sealed
{
    /// This type as a [`Dtype`].
    const DTYPE: Dtype;

    /// Round an `f64` to this type.
    fn of_f64(v: f64) -> Self;

    /// Widen to `f64` (exact for both types).
    fn as_f64(self) -> f64;

    /// A count as this type (exact below 2^24 for `f32`, 2^53 for `f64`).
    fn of_usize(v: usize) -> Self;

    /// The implementation of `variant` for this type, if it has one.
    fn pick<K: Kind>(variant: &Variant<K>) -> Option<&K::Dyn<Self>>;
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

    fn pick<K: Kind>(variant: &Variant<K>) -> Option<&K::Dyn<Self>> {
        variant.f32.as_deref()
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

    fn pick<K: Kind>(variant: &Variant<K>) -> Option<&K::Dyn<Self>> {
        variant.f64.as_deref()
    }
}
