//! x86-64 kernels: AVX2 + FMA (256-bit) and AVX-512F (512-bit).

mod avx2;
mod avx512;

pub(crate) use avx2::Avx2;
pub(crate) use avx512::Avx512;

/// Register-tile shapes, for packing centroids into panels of the right width.
pub(crate) mod tiles {
    pub(crate) use super::avx2::{
        MR as AVX2_MR, MR1 as AVX2_MR1, NV as AVX2_NV, ROWS_KB as AVX2_ROWS_KB,
        ROWS_PAIR_KB as AVX2_ROWS_PAIR_KB,
    };
    pub(crate) use super::avx512::{
        MR as AVX512_MR, MR1 as AVX512_MR1, NV as AVX512_NV, ROWS_KB as AVX512_ROWS_KB,
        ROWS_PAIR_KB as AVX512_ROWS_PAIR_KB,
    };
}
