//! Yinyang k-means (Ding, Zhao, Shen, Musuvathi & Mytkowicz, ICML 2015), kept per fit in an
//! [`IterationState`].
//!
//! Once per fit the centroids are put into `t = max(1, ⌊k/10⌋)` groups (a few Lloyd steps on
//! the initial centroids, [`Groups::new`]; any grouping is exact, a good one prunes more). Per
//! point `i` with label `a` the state keeps an *upper bound* `u_i ≥ ‖x_i − c_a‖` and, per group
//! `g`, a *lower bound* `l_ig` on the distance to every centroid of `g` but `a`. Each
//! iteration, with the drifts `δ_j = ‖c_j(new) − c_j(old)‖`, per group `Δ_g = max_{j∈g} δ_j`,
//! and `s_a` = half the distance from `c_a` to its nearest other centroid:
//!
//! 1. `u_i ← u_i + δ_a` and `l_ig ← l_ig − Δ_g` (the triangle inequality);
//! 2. **global filter**: if `u_i ≤ max(min_g l_ig, s_a)` the point keeps its label without a
//!    single distance;
//! 3. otherwise `u_i ← ‖x_i − c_a‖` (one distance) and the same test;
//! 4. **group filter**: a point that still fails (a *survivor*) recomputes only its own group
//!    and the groups with `l_ig < u_i`. The survivors of a chunk are taken a block at a time,
//!    and for each group the block's survivors that recompute it are gathered into one dense
//!    pass of the exact distance kernel against that group's centroids (stored contiguously,
//!    group by group), so the surviving work stays a SIMD register tile. The nearest centroid
//!    over the recomputed groups is the label (the smaller index on a tie, as Lloyd's arg-min),
//!    and each recomputed group gets a fresh `l_ig` (the smallest distance in it but the
//!    label's). A group not recomputed had `l_ig ≥ u_i ≥ ‖x_i − c_a‖`: none of its centroids is
//!    nearer than `c_a`, and it does not hold `a`, so its bound stays valid.
//!
//! Then, in point order, every point's exact distance to its centroid is added to the inertia
//! and the point into its cluster's sum in one pass ([`kernel::sq_diff_add`]), as `Exact` does:
//! with the same labels the centroids and the inertia are bit-identical to
//! `simd/iter/exact-par`. Why the filters are exact: see the module docs of `bounds`.
//!
//! **Memory.** `t + 1` `f32` per point (`4·n·(t + 1)` bytes), `O(k·d)` per iteration (drifts,
//! the grouped centroids, the half-gaps' `k × k`), and per chunk in flight a block of gathered
//! survivors and their `block × k` distances; never `n × k`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use kmeans_core::{IterationState, Points, Scalar};
use num_traits::Float;

use super::{
    Config, Pool, SURVIVOR_BLOCK, Scratch, down_f32, drifts, half_gaps, lock, lower,
    nearest_two_of, up_f32, upper,
};
use crate::isa::Dispatch;
use crate::kernel::{self, Job, Nearest, Sums, Tiles};
use crate::run::{chunk_rows, finish_means, run_chunks_at};
use crate::vector::{Elem, Vector};

bounds_variant!(
    /// Yinyang k-means: centroids in `t ≈ k/10` groups, an upper bound and `t` group lower
    /// bounds per point; a global filter skips every distance of most points, a group filter
    /// limits the rest to a few groups, each recomputed as a dense SIMD pass per block of
    /// points. Exact precision; optionally multi-threaded (the fixed chunks of `run.rs`, so
    /// results are bit-identical for any thread count).
    Yinyang,
    YinyangState
);

/// Groups for `k` centroids: one per ten (Ding et al.'s choice), at least one.
pub(crate) fn groups_for(k: usize) -> usize {
    (k / 10).max(1)
}

/// A partition of the centroids into groups, fixed for the fit.
struct Groups {
    /// Centroid indices, group by group: group `g` holds `order[start[g]..start[g + 1]]`.
    order: Vec<usize>,
    start: Vec<usize>,
    /// The group of each centroid.
    of: Vec<usize>,
}

/// Lloyd steps that group the centroids: the grouping only decides how much is pruned.
const GROUPING_STEPS: usize = 5;

impl Groups {
    /// Group `centroids` into (at most) `t` groups by [`GROUPING_STEPS`] Lloyd steps on them,
    /// seeded with evenly spaced centroids; deterministic. Groups that end empty are dropped.
    fn new<T: Scalar>(centroids: Points<'_, T>, t: usize) -> Groups {
        let (k, d) = centroids.shape();
        let t = t.clamp(1, k.max(1));
        let mut centers: Vec<f64> = (0..t)
            .flat_map(|g| centroids.row(g * k / t).iter().map(|v| v.as_f64()))
            .collect();
        let mut of = vec![0usize; k];
        for step in 0..=GROUPING_STEPS {
            for (j, c) in centroids.rows().enumerate() {
                let dist = |g: usize| -> f64 {
                    c.iter()
                        .zip(&centers[g * d..(g + 1) * d])
                        .map(|(&a, &b)| (a.as_f64() - b).powi(2))
                        .sum()
                };
                of[j] = (0..t)
                    .min_by(|&a, &b| dist(a).total_cmp(&dist(b)))
                    .unwrap_or(0);
            }
            if step == GROUPING_STEPS {
                break;
            }
            let mut sums = vec![0.0; t * d];
            let mut counts = vec![0usize; t];
            for (j, c) in centroids.rows().enumerate() {
                counts[of[j]] += 1;
                for (s, &v) in sums[of[j] * d..].iter_mut().zip(c) {
                    *s += v.as_f64();
                }
            }
            for g in (0..t).filter(|&g| counts[g] > 0) {
                for (c, &s) in centers[g * d..(g + 1) * d].iter_mut().zip(&sums[g * d..]) {
                    *c = s / counts[g] as f64;
                }
            }
        }
        let (mut order, mut start) = (Vec::with_capacity(k), vec![0]);
        for g in 0..t {
            let before = order.len();
            order.extend((0..k).filter(|&j| of[j] == g));
            if order.len() > before {
                start.push(order.len());
            }
        }
        for g in 0..start.len() - 1 {
            for &j in &order[start[g]..start[g + 1]] {
                of[j] = g;
            }
        }
        Groups { order, start, of }
    }

    fn count(&self) -> usize {
        self.start.len() - 1
    }

    /// Positions of group `g` in `order`.
    fn range(&self, g: usize) -> std::ops::Range<usize> {
        self.start[g]..self.start[g + 1]
    }
}

/// `l − by` rounded down and clamped at 0 (a distance's lower bound can always be 0): the `f32`
/// subtraction rounds to nearest, so the result is stepped one ulp down (0 and ∞ stay).
/// Branch-free, so the loop over a point's groups vectorises.
#[inline(always)]
fn sub_down(l: f32, by: f32) -> f32 {
    let y = (l - by).max(0.0);
    let b = y.to_bits();
    f32::from_bits(b - u32::from(b != 0 && b != f32::INFINITY.to_bits()))
}

/// `u + by` (both ≥ 0) rounded up: one ulp above the rounded sum (∞ stays).
#[inline(always)]
fn add_up(u: f32, by: f32) -> f32 {
    let b = (u + by).to_bits();
    f32::from_bits(b + u32::from(b < f32::INFINITY.to_bits()))
}

/// What every chunk needs to know about this iteration's centroids.
struct Moves<'a, T> {
    /// No bounds yet: every point recomputes every group.
    first: bool,
    groups: &'a Groups,
    /// The centroids group by group (rows in `groups.order`), `k × d`.
    grouped: &'a [T],
    /// Per centroid: its drift, rounded up.
    drift: Vec<f32>,
    /// Per group: its largest drift, rounded up.
    group_drift: Vec<f32>,
    /// Per centroid: `s_j`, rounded down.
    half: Vec<f32>,
}

/// One chunk's bounds: `upper[i]`, and `lower[i·t + g]` for its `t` groups.
#[derive(Default)]
struct ChunkBounds {
    upper: Vec<f32>,
    lower: Vec<f32>,
}

/// Input and output of the Yinyang chunk kernel.
struct YinyangJob<'a, T> {
    points: Points<'a, T>,
    centroids: Points<'a, T>,
    labels: &'a mut [u32],
    sums: Option<Sums<'a, T>>,
    bounds: &'a mut ChunkBounds,
    scratch: &'a mut Scratch<T>,
    moves: &'a Moves<'a, T>,
}

impl<T: Elem> Job<T> for YinyangJob<'_, T> {
    /// The chunk's inertia and the distances it computed.
    type Output = (f64, u64);
    #[inline(always)]
    unsafe fn run<V: Vector<T = T>, S: Tiles>(self) -> (f64, u64) {
        // SAFETY: forwarded from the caller.
        unsafe { yinyang_chunk::<V>(self) }
    }
}

/// Filter the chunk's points by their bounds, recompute the survivors' open groups in dense
/// passes, then add every point into its cluster in point order. Returns the chunk's inertia
/// and how many point–centroid distances it computed.
///
/// # Safety
/// `V`'s instruction set must be available.
#[inline(always)]
unsafe fn yinyang_chunk<V: Vector>(job: YinyangJob<'_, V::T>) -> (f64, u64) {
    let YinyangJob {
        points,
        centroids,
        labels,
        mut sums,
        bounds,
        scratch,
        moves,
    } = job;
    let (n, d) = (points.n(), points.d());
    let groups = moves.groups;
    let t = groups.count();
    let ChunkBounds {
        upper: up,
        lower: low,
    } = bounds;
    let Scratch {
        survivors,
        gather,
        near,
        packed,
        group_packed,
        members,
        examined,
        groups: nearest,
        ..
    } = scratch;
    let mut computed = 0u64;
    survivors.clear();
    if moves.first {
        survivors.extend(0..n);
    } else {
        for i in 0..n {
            let a = labels[i] as usize;
            let bounds = &mut low[i * t..(i + 1) * t];
            // Two loops, so that the update vectorises (the min's NaN rules keep a fused one
            // scalar).
            for (l, &by) in bounds.iter_mut().zip(&moves.group_drift) {
                *l = sub_down(*l, by);
            }
            let global = bounds
                .iter()
                .fold(f32::INFINITY, |m, &l| if l < m { l } else { m });
            let keep = global.max(moves.half[a]);
            let mut u = add_up(up[i], moves.drift[a]);
            if u > keep {
                // SAFETY: both rows hold `d` values; the caller guarantees the ISA.
                let du2 = unsafe {
                    kernel::sq_diff::<V>(points.row(i).as_ptr(), centroids.row(a).as_ptr(), d)
                        .reduce_add()
                };
                u = upper(du2, d);
                computed += 1;
            }
            up[i] = u;
            if u > keep {
                survivors.push(i);
            }
        }
    }
    if moves.first {
        // No bounds yet: every point's nearest two among all centroids. The second-nearest
        // distance bounds every centroid but the label, so it starts every group's bound;
        // a group whose bound is loose is opened, and tightened, when it matters.
        packed.pack(centroids, V::LANES);
        for block in survivors.chunks(SURVIVOR_BLOCK) {
            // SAFETY: `packed` holds the centroids packed for `V`; the caller guarantees the
            // ISA.
            unsafe { nearest_two_of::<V>(points, block.iter().copied(), packed, gather, near) };
            for (&i, found) in block.iter().zip(near.iter()) {
                labels[i] = found.at;
                up[i] = upper(found.first, d);
                low[i * t..(i + 1) * t].fill(lower(found.second, d));
            }
            computed += (block.len() * centroids.n()) as u64;
        }
        survivors.clear();
    }
    group_packed.resize_with(t, Default::default);
    let mut packed_groups = vec![false; t];
    for block in survivors.chunks(SURVIVOR_BLOCK) {
        let m = block.len();
        examined.clear();
        examined.resize(m * t, false);
        for (r, &i) in block.iter().enumerate() {
            let own = groups.of[labels[i] as usize];
            for (g, e) in examined[r * t..(r + 1) * t].iter_mut().enumerate() {
                *e = g == own || low[i * t + g] < up[i];
            }
        }
        nearest.resize(m * t, Nearest::default());
        for g in 0..t {
            members.clear();
            members.extend((0..m).filter(|&r| examined[r * t + g]));
            if members.is_empty() {
                continue;
            }
            let range = groups.range(g);
            if !packed_groups[g] {
                let centers = Points::new(&moves.grouped[range.start * d..range.end * d], d)
                    .expect("whole rows of the group");
                group_packed[g].pack(centers, V::LANES);
                packed_groups[g] = true;
            }
            let rows = members.iter().map(|&r| block[r]);
            // SAFETY: group `g`'s centroids were packed for `V` above; the caller guarantees
            // the ISA.
            unsafe { nearest_two_of::<V>(points, rows, &group_packed[g], gather, near) };
            for (&r, found) in members.iter().zip(near.iter()) {
                nearest[r * t + g] = *found;
            }
            computed += (members.len() * range.len()) as u64;
        }
        for (r, &i) in block.iter().enumerate() {
            let open = &examined[r * t..(r + 1) * t];
            let found = &nearest[r * t..(r + 1) * t];
            // The nearest over the recomputed groups; on a tie the smaller centroid index
            // (within a group, `nearest_two_chunk` already keeps the first, and `order` is
            // ascending there).
            let (mut best, mut best_v, mut best_g) = (usize::MAX, V::T::infinity(), 0);
            for g in (0..t).filter(|&g| open[g]) {
                let j = groups.order[groups.start[g] + found[g].at as usize];
                if found[g].first < best_v || (found[g].first == best_v && j < best) {
                    (best, best_v, best_g) = (j, found[g].first, g);
                }
            }
            labels[i] = best as u32;
            up[i] = upper(best_v, d);
            for g in (0..t).filter(|&g| open[g]) {
                let v = if g == best_g {
                    found[g].second
                } else {
                    found[g].first
                };
                low[i * t + g] = lower(v, d);
            }
        }
    }
    let mut inertia = 0.0f64;
    for (i, x) in points.rows().enumerate() {
        let j = labels[i] as usize;
        let c = centroids.row(j).as_ptr();
        // SAFETY: both rows hold `d` values; row `j` of `sums` is padded to `stride >= d`
        // rounded up to LANES and distinct from the data; the caller guarantees the ISA.
        let du2 = unsafe {
            match sums.as_mut() {
                Some(s) => {
                    s.counts[j] += 1;
                    let row = s.sums[j * s.stride..].as_mut_ptr();
                    kernel::sq_diff_add::<V>(x.as_ptr(), c, row, d)
                }
                None => kernel::sq_diff::<V>(x.as_ptr(), c, d),
            }
            .reduce_add()
        };
        inertia += du2.as_f64();
    }
    (inertia, computed)
}

/// The bounds of one fit (see the module docs).
struct YinyangState<T> {
    config: Config,
    first: bool,
    /// Built from the first iteration's centroids.
    groups: Option<Groups>,
    /// The centroids the bounds were computed against (`k × d`).
    previous: Vec<T>,
    /// The centroids group by group, rewritten every iteration.
    grouped: Vec<T>,
    /// Bounds, one set per fixed chunk of `run.rs`; each chunk locks only its own.
    bounds: Vec<Mutex<ChunkBounds>>,
    scratch: Pool<T>,
    /// Point–centroid distances the last iteration computed.
    distances: u64,
}

impl<T: Dispatch> YinyangState<T> {
    fn new(config: Config, n: usize, k: usize, d: usize) -> Self {
        let rows = chunk_rows(n);
        let t = groups_for(k);
        let bounds = (0..n.div_ceil(rows))
            .map(|c| {
                let len = rows.min(n - c * rows);
                Mutex::new(ChunkBounds {
                    upper: vec![0.0; len],
                    lower: vec![0.0; len * t],
                })
            })
            .collect();
        Self {
            config,
            first: true,
            groups: None,
            previous: vec![T::zero(); k * d],
            grouped: vec![T::zero(); k * d],
            bounds,
            scratch: Pool::default(),
            distances: 0,
        }
    }
}

impl<T: Dispatch> IterationState<T> for YinyangState<T> {
    fn iterate(
        &mut self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
    ) -> f64 {
        let (k, d) = centroids.shape();
        let groups = self
            .groups
            .get_or_insert_with(|| Groups::new(centroids, groups_for(k)));
        for (row, &j) in self.grouped.chunks_exact_mut(d).zip(&groups.order) {
            row.copy_from_slice(centroids.row(j));
        }
        let machine = self.config.machine;
        let (drift, group_drift) = if self.first {
            (vec![0.0; k], vec![0.0; groups.count()])
        } else {
            let drift: Vec<f32> = drifts(centroids, &self.previous)
                .into_iter()
                .map(up_f32)
                .collect();
            let group_drift = (0..groups.count())
                .map(|g| {
                    groups.order[groups.range(g)]
                        .iter()
                        .map(|&j| drift[j])
                        .fold(0.0, f32::max)
                })
                .collect();
            (drift, group_drift)
        };
        let moves = Moves {
            first: self.first,
            groups,
            grouped: &self.grouped,
            drift,
            group_drift,
            half: half_gaps(machine, centroids)
                .into_iter()
                .map(down_f32)
                .collect(),
        };
        let (bounds, pool) = (&self.bounds, &self.scratch);
        let distances = AtomicU64::new(0);
        let totals = run_chunks_at(
            data,
            labels,
            k,
            true,
            self.config.parallel,
            &|c, points, labels, sums| {
                pool.with(|scratch| {
                    let (inertia, computed) = T::run(
                        machine,
                        YinyangJob {
                            points,
                            centroids,
                            labels,
                            sums,
                            bounds: &mut lock(&bounds[c]),
                            scratch,
                            moves: &moves,
                        },
                    );
                    distances.fetch_add(computed, Ordering::Relaxed);
                    inertia
                })
            },
        );
        finish_means(&totals, d, new_centroids, counts);
        self.previous.copy_from_slice(centroids.as_slice());
        self.first = false;
        self.distances = distances.into_inner();
        totals.inertia
    }

    fn distances(&self) -> Option<u64> {
        Some(self.distances)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_partition_the_centroids() {
        let rows: Vec<[f64; 2]> = (0..37).map(|j| [(j % 7) as f64, (j / 7) as f64]).collect();
        let c = kmeans_core::Matrix::from_rows(&rows).unwrap();
        for t in [1, 3, 10, 37, 50] {
            let g = Groups::new(c.view(), t);
            assert!(g.count() >= 1 && g.count() <= t.min(37), "t = {t}");
            let mut seen = g.order.clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..37).collect::<Vec<_>>(), "t = {t}");
            for gr in 0..g.count() {
                assert!(!g.range(gr).is_empty(), "t = {t}: empty group {gr}");
                for p in g.range(gr) {
                    assert_eq!(g.of[g.order[p]], gr);
                }
            }
        }
    }

    #[test]
    fn f32_bound_updates_round_to_their_safe_side() {
        for (l, by) in [
            (1.0f32, 0.1f32),
            (0.3, 0.3),
            (0.1, 0.5),
            (1e-3, 1e-9),
            (f32::INFINITY, 1.0),
        ] {
            let exact = f64::from(l) - f64::from(by);
            assert!(f64::from(sub_down(l, by)) <= exact.max(0.0), "{l} - {by}");
            assert!(sub_down(l, by) >= 0.0);
            assert!(
                f64::from(add_up(l, by)) >= f64::from(l) + f64::from(by),
                "{l} + {by}"
            );
        }
    }
}
