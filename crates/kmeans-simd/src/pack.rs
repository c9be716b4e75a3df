//! Centroids packed for the register-blocked kernel: shifted, in panels, with their norms.

use kmeans_core::Points;

use crate::vector::Elem;

/// Alignment of a panel row: a cache line, so a 512-bit load never straddles two lines.
const ALIGN_BYTES: usize = 64;

/// A `Vec` whose used part starts on a cache-line boundary (safe code: over-allocate, then
/// skip to the first aligned element).
#[derive(Debug)]
pub(crate) struct Aligned<T> {
    buf: Vec<T>,
    offset: usize,
    len: usize,
}

impl<T> Aligned<T> {
    /// No values (and no allocation).
    pub(crate) const fn empty() -> Self {
        Self {
            buf: Vec::new(),
            offset: 0,
            len: 0,
        }
    }
}

impl<T: Copy + Default> Aligned<T> {
    /// `len` zeros (`T::default()`), the first on a cache-line boundary; the buffer owns the
    /// whole lines they take, so no other allocation shares a line with them (no false
    /// sharing between threads writing neighbouring buffers).
    pub(crate) fn zeros(len: usize) -> Self {
        let slack = (ALIGN_BYTES / std::mem::size_of::<T>()).max(1);
        let buf = vec![T::default(); len.next_multiple_of(slack) + slack];
        let offset = match buf.as_ptr().align_offset(ALIGN_BYTES) {
            o if o <= slack => o,
            _ => 0, // cannot happen for f32/f64/u32; unaligned is only slower
        };
        Self { buf, offset, len }
    }
    /// The aligned values.
    pub(crate) fn as_slice(&self) -> &[T] {
        &self.buf[self.offset..self.offset + self.len]
    }
    /// The aligned values, mutably.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.buf[self.offset..self.offset + self.len]
    }
}

/// `k` centroids in panels of `nr`, ready for [`dot_chunk`](crate::kernel::dot_chunk).
///
/// **The shift.** Distances do not change when points and centroids move together, so every
/// centroid is stored as `c′ = c − μ` and the kernel packs each point as `x′ = x − μ` on the
/// fly (into a small per-block buffer, never a copy of the data). The dot-product form
/// `‖x′‖² − 2·x′·c′ + ‖c′‖²` then works with the spread of the data instead of its distance
/// from the origin: unshifted, data at 10⁴ ± 1 in f32 loses all of the distance differences
/// to cancellation (see the `centring` test). `μ` is the coordinate-wise *median* of the
/// centroids, not their mean: one far centroid (an outlier, or a cluster about to be
/// relocated) drags the mean away from the data, and the shift then makes the points farther
/// from the origin than they were — the conformance kit has exactly that case. The median
/// ignores up to half the centroids. Costs O(d·k) per iteration (a selection per coordinate)
/// plus one subtraction per packed coordinate.
///
/// **The layout.** Panel `p` holds centroids `p·nr .. p·nr + nr`, coordinate-major: row `t` of
/// the panel is the `t`-th coordinate of its `nr` centroids, contiguous and cache-line
/// aligned, so the kernel reads it with `nr / LANES` aligned vector loads while it broadcasts
/// one coordinate of each point. Missing centroids of the last panel are zeros with a score
/// of −∞, so they never win and no branch handles the tail.
#[derive(Debug)]
pub(crate) struct Packed<'a, T> {
    /// The original centroids (for the exact distance to the winner).
    pub centroids: Points<'a, T>,
    /// Centroids per panel.
    pub nr: usize,
    /// Number of panels, `ceil(k / nr)`.
    pub panels: usize,
    /// The shift `μ` (zero when not centring).
    pub mu: Vec<T>,
    /// `panels × d × nr` shifted coordinates.
    panel_data: Aligned<T>,
    /// `panels × nr`: `−‖c′_j‖² / 2` (the accumulators' start value), −∞ for padding.
    pub init: Vec<T>,
    /// `panels × nr`: the centroid index as a float bit pattern ([`Elem::from_index`]).
    pub idx: Vec<T>,
}

impl<'a, T: Elem> Packed<'a, T> {
    /// Pack `centroids` into panels of `nr`, shifted by their coordinate-wise median when `centre`
    /// is true.
    pub(crate) fn new(centroids: Points<'a, T>, nr: usize, centre: bool) -> Self {
        let (k, d) = centroids.shape();
        let panels = k.div_ceil(nr);
        let mu = median_shift(centroids, centre);
        let mut panel_data = Aligned::zeros(panels * d * nr);
        let mut init = vec![T::neg_infinity(); panels * nr];
        let mut idx = vec![T::from_index(0); panels * nr];
        let data = panel_data.as_mut_slice();
        let scores = shift_into(centroids, &mu, |j, t, shifted| {
            data[j / nr * d * nr + t * nr + j % nr] = shifted;
        });
        init[..k].copy_from_slice(&scores);
        for (j, idx) in idx.iter_mut().enumerate().take(k) {
            *idx = T::from_index(j);
        }
        Self {
            centroids,
            nr,
            panels,
            mu,
            panel_data,
            init,
            idx,
        }
    }

    /// Panel `p`: `d × nr` values.
    #[inline(always)]
    pub(crate) fn panel(&self, p: usize) -> &[T] {
        let size = self.centroids.d() * self.nr;
        &self.panel_data.as_slice()[p * size..(p + 1) * size]
    }
}

/// The shift `μ` of [`Packed`]: the coordinate-wise median of the centroids when `centre`, else
/// zeros.
fn median_shift<T: Elem>(centroids: Points<'_, T>, centre: bool) -> Vec<T> {
    let (k, d) = centroids.shape();
    let mut mu = vec![T::zero(); d];
    if centre {
        let mut column = Vec::with_capacity(k);
        for (t, m) in mu.iter_mut().enumerate() {
            column.clear();
            column.extend(centroids.rows().map(|c| c[t]));
            // A total order even with NaN (all equal, above every number): a first
            // iteration on unchecked data packs centroids drawn from it, and an order that
            // is not total may make the selection panic. ±0 stay equal, as before.
            let (_, median, _) = column.select_nth_unstable_by(k / 2, |a, b| {
                a.partial_cmp(b)
                    .unwrap_or_else(|| a.is_nan().cmp(&b.is_nan()))
            });
            *m = *median;
        }
    }
    mu
}

/// Each coordinate of each centroid less `mu`'s, handed to `put(centroid, coordinate, value)`
/// for a kernel's layout; returns every centroid's `−‖c − μ‖² / 2` (summed in `f64`), the
/// dot kernels' starting score.
fn shift_into<T: Elem>(
    centroids: Points<'_, T>,
    mu: &[T],
    mut put: impl FnMut(usize, usize, T),
) -> Vec<T> {
    centroids
        .rows()
        .enumerate()
        .map(|(j, c)| {
            let mut norm = 0.0f64;
            for (t, (&v, &m)) in c.iter().zip(mu).enumerate() {
                let shifted = v - m;
                put(j, t, shifted);
                norm += shifted.as_f64() * shifted.as_f64();
            }
            T::of_f64(-0.5 * norm)
        })
        .collect()
}

/// `k` centroids for [`dot_rows_chunk`](crate::kernel::dot_rows_chunk): shifted by the same
/// `μ` as [`Packed`], in groups of `kb` (the kernel's centroids per pass), each group
/// interleaved vector by vector — the `t`-th vector of coordinates of its `kb` centroids
/// side by side — so the kernel walks one pointer through a group instead of holding one per
/// centroid (which did not fit the general-purpose registers). Rows are padded with zeros to
/// whole vectors and the last group with zero centroids, whose scores are never read.
#[derive(Debug)]
pub(crate) struct RowCentroids<'a, T> {
    /// The original centroids (for the exact distance to the winner).
    pub centroids: Points<'a, T>,
    /// Values per vector.
    pub lanes: usize,
    /// Centroids per group.
    pub kb: usize,
    /// `μ`, padded with zeros to whole vectors.
    pub mu: Aligned<T>,
    /// `groups × vectors per row × kb × lanes` shifted coordinates `c′ = c − μ`.
    data: Aligned<T>,
    /// `−‖c′_j‖² / 2` per centroid.
    pub init: Vec<T>,
    /// Coordinates per pass along the rows: `d` or more for the whole row, else a multiple
    /// of `lanes` ([`row_span`]).
    pub span: usize,
}

/// Bytes of centroids the row kernel keeps in an L1 data cache of `l1d` bytes: two thirds of
/// it — every point reads every centroid, and the rest of L1 holds the rows streaming past.
/// The one rule behind both [`row_span`] and the kernel choice
/// ([`rows_pay_on`](crate::steps::rows_pay_on)).
pub(crate) fn centroid_budget(l1d: usize) -> usize {
    l1d / 3 * 2
}

/// Coordinates per pass of the row kernel over `k` centroids of `d` values of `elem` bytes
/// (both padded: `k` to whole groups, `d` to whole vectors of `lanes`): the whole row when all
/// of them fit in the [`centroid_budget`] of an L1 data cache of `l1d` bytes, else as few
/// spans as fit, of whole vectors and of even lengths (a short last span would pay a pass's
/// fixed costs for little work).
pub(crate) fn row_span(k: usize, d: usize, lanes: usize, elem: usize, l1d: usize) -> usize {
    let budget = centroid_budget(l1d);
    let per_vector = k * lanes * elem;
    let steps = d.div_ceil(lanes);
    if steps * per_vector <= budget {
        d
    } else {
        let spans = steps.div_ceil((budget / per_vector).max(1));
        steps.div_ceil(spans) * lanes
    }
}

impl<'a, T: Elem> RowCentroids<'a, T> {
    /// Shift `centroids` by their coordinate-wise median when `centre` is true and lay them
    /// out for vectors of `lanes` and groups of `kb`, read in spans that fit an L1 data cache
    /// of `l1d` bytes.
    pub(crate) fn new(
        centroids: Points<'a, T>,
        centre: bool,
        lanes: usize,
        kb: usize,
        l1d: usize,
    ) -> Self {
        let (k, d) = centroids.shape();
        let steps = d.div_ceil(lanes);
        let shift = median_shift(centroids, centre);
        let mut mu = Aligned::zeros(steps * lanes);
        mu.as_mut_slice()[..d].copy_from_slice(&shift);
        let mut data = Aligned::zeros(k.div_ceil(kb) * steps * kb * lanes);
        let out = data.as_mut_slice();
        let init = shift_into(centroids, &shift, |j, t, shifted| {
            out[(j / kb) * steps * kb * lanes + (t / lanes * kb + j % kb) * lanes + t % lanes] =
                shifted;
        });
        Self {
            centroids,
            lanes,
            kb,
            mu,
            data,
            init,
            span: row_span(k.div_ceil(kb) * kb, d, lanes, std::mem::size_of::<T>(), l1d),
        }
    }

    /// Number of centroids.
    pub(crate) fn k(&self) -> usize {
        self.init.len()
    }

    /// The group holding centroids `g · kb ..`: its vectors of coordinates, `kb` per step.
    #[inline(always)]
    pub(crate) fn group(&self, g: usize) -> &[T] {
        let size = self.centroids.d().div_ceil(self.lanes) * self.kb * self.lanes;
        &self.data.as_slice()[g * size..(g + 1) * size]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_spans_are_whole_rows_or_even_whole_vectors_that_fit() {
        let kib = 1024;
        // 10 × 784 f32 = 31 KiB: within two thirds of 48 KiB, not of 32 KiB, where two
        // spans of 24.5 vectors of 16 make 25 + 24 (392 + 392 would not be whole vectors).
        assert_eq!(row_span(10, 784, 16, 4, 48 * kib), 784);
        assert_eq!(row_span(10, 784, 16, 4, 32 * kib), 400);
        // Six spans at 8 KiB: 98 / 6 rounded up is 17 vectors, the last one 13.
        assert_eq!(row_span(10, 784, 8, 4, 8 * kib), 17 * 8);
        // Never less than a vector, however small the cache.
        assert_eq!(row_span(20, 300, 16, 4, 0), 16);
        for l1 in [0, 512, 4 * kib, 32 * kib] {
            for (k, d, lanes) in [(10, 784, 16), (20, 300, 8), (5, 1000, 4), (3, 7, 2)] {
                let span = row_span(k, d, lanes, 4, l1);
                assert!(
                    span >= d || (span > 0 && span.is_multiple_of(lanes)),
                    "{k} {d} {lanes} {l1}"
                );
                if span < d {
                    // The part of the centroids a span covers fits, unless a vector alone
                    // does not.
                    assert!(k * span * 4 <= 2 * l1 / 3 || span == lanes, "{k} {d} {l1}");
                }
            }
        }
    }

    #[test]
    fn panels_are_coordinate_major_shifted_aligned_and_padded() {
        // 3 centroids in 2-D, panels of 2: panel 1 has one real centroid and one pad.
        let c = [1.0f64, 2.0, 3.0, 4.0, 5.0, 9.0];
        let points = Points::new(&c, 2).unwrap();
        let p = Packed::new(points, 2, true);
        assert_eq!(p.panels, 2);
        // The coordinate-wise median of (1, 3, 5) and (2, 4, 9).
        assert_eq!(p.mu, vec![3.0, 4.0]);
        // Panel 0, row t = 0: x-coordinates of centroids 0 and 1, shifted.
        assert_eq!(p.panel(0), &[-2.0, 0.0, -2.0, 0.0]);
        assert_eq!(p.panel(1), &[2.0, 0.0, 5.0, 0.0]);
        assert_eq!(p.panel(0).as_ptr() as usize % ALIGN_BYTES, 0);
        assert_eq!(p.init[0], -0.5 * (4.0 + 4.0));
        assert_eq!(p.init[3], f64::NEG_INFINITY);
        assert_eq!(p.idx[2].to_index(), 2);
    }
}
