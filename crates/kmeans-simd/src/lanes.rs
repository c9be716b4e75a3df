//! `simd/iter/lanes`: Lloyd's iteration with points in the vector lanes (see
//! `kernel::lanes_lloyd`). The data is laid out once per fit — shifted by its column means,
//! so the dot form works with the data's spread, not its distance from the origin — and kept
//! in the fit's state; every iteration then runs on the layout.

use kmeans_core::{AssignStep, FewCenterDistances, IterationState, IterationStep, Points};

use crate::isa::{Dispatch, Isa, Machine};
use crate::kernel::{self, LanesLloydJob, PointLanes, ShiftedCentroids};
use crate::steps::{Dot, drive};

/// Lloyd with points in the lanes: no lane padded whatever `k`, a vertical arg-max, and no
/// packing per iteration; the layout costs one copy of the data per fit. A stateless
/// [`IterationStep::iterate`] lays the data out for that one call (so the conformance kit's
/// cases run the kernel); above `kernel::layout_budget` the [`Dot`] kernel runs instead, and
/// the assignments (`assign`, a fit's final labels) are always the [`Dot`] kernel's.
#[derive(Clone, Copy, Debug)]
pub struct Lanes {
    machine: Machine,
    parallel: bool,
    /// The kernel for what the layout cannot take.
    dot: Dot,
}

impl Default for Lanes {
    fn default() -> Self {
        Self::new()
    }
}

impl Lanes {
    /// Single-threaded, on the ISA [`Isa::detected`] picked.
    pub fn new() -> Self {
        Self::on(Machine::detected())
    }

    fn on(machine: Machine) -> Self {
        Self {
            machine,
            parallel: false,
            dot: Dot::on(machine, false),
        }
    }

    /// Pinned to `isa`; `None` when this CPU lacks it.
    pub fn with_isa(isa: Isa) -> Option<Self> {
        Machine::new(isa).map(Self::on)
    }

    /// Run chunks on rayon's current pool.
    pub fn parallel(mut self, parallel: bool) -> Self {
        self.parallel = parallel;
        self.dot = Dot::on(self.machine, parallel);
        self
    }

    /// The ISA this step runs.
    pub fn isa(&self) -> Isa {
        self.machine.isa()
    }
}

/// One fit's layout of the data, and what each iteration needs from it.
struct LanesState<T: 'static> {
    machine: Machine,
    parallel: bool,
    layout: PointLanes<'static, T>,
    mu: Vec<T>,
    norms: Vec<f64>,
}

impl<T: Dispatch> LanesState<T> {
    /// The layout of `data`, or `None` over the layout budget.
    fn new(step: &Lanes, data: Points<'_, T>) -> Option<Self> {
        let mu = column_means(data);
        let lanes = T::lanes(step.machine);
        let (layout, norms) = PointLanes::shifted(data, lanes, &mu, kernel::layout_budget(data))?;
        Some(Self {
            machine: step.machine,
            parallel: step.parallel,
            layout,
            mu,
            norms,
        })
    }

    fn run(
        &self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        out: Option<(&mut [T], &mut [u32])>,
    ) -> f64 {
        assert_eq!(
            data.shape(),
            (self.layout.n(), self.layout.d()),
            "the fit's data"
        );
        let group = kernel::lanes_group_size(self.machine.registers());
        let shifted = ShiftedCentroids::new(centroids, &self.mu, group);
        let (inertia_run, _) = T::tile(self.machine, centroids.n());
        drive(
            data,
            centroids.n(),
            labels,
            out,
            self.parallel,
            &|first, p, l, s| {
                T::run(
                    self.machine,
                    LanesLloydJob {
                        layout: &self.layout,
                        norms: &self.norms,
                        first,
                        points: p,
                        centroids,
                        shifted: &shifted,
                        labels: l,
                        sums: s,
                        inertia_run,
                    },
                )
            },
        )
    }
}

/// Each column's mean (in `f64`, then rounded to `T`): the layout's shift. Chunks' sums are
/// added in chunk order (a parallel `reduce` would group them by the threads' timing), so the
/// shift, and every score after it, is the same for any thread count.
fn column_means<T: Dispatch>(data: Points<'_, T>) -> Vec<T> {
    let (n, d) = data.shape();
    let partial = kmeans_core::map_chunks(data.as_slice(), kmeans_core::CHUNK_ROWS * d, |rows| {
        let mut s = vec![0.0f64; d];
        for x in rows.chunks_exact(d.max(1)) {
            s.iter_mut().zip(x).for_each(|(s, &v)| *s += v.as_f64());
        }
        s
    });
    let mut sums = vec![0.0f64; d];
    for p in partial {
        sums.iter_mut().zip(p).for_each(|(s, p)| *s += p);
    }
    sums.into_iter()
        .map(|s| T::of_f64(s / n.max(1) as f64))
        .collect()
}

impl<T: Dispatch> IterationState<T> for LanesState<T> {
    fn iterate(
        &mut self,
        data: Points<'_, T>,
        centroids: Points<'_, T>,
        labels: &mut [u32],
        new_centroids: &mut [T],
        counts: &mut [u32],
    ) -> f64 {
        self.run(data, centroids, labels, Some((new_centroids, counts)))
    }

    /// The final labels pass is the step's own [`IterationStep::assign`] (the dot kernel), so
    /// a fit reports the inertia that `predict` with its model recomputes, bit for bit.
    fn assign(&mut self, _: Points<'_, T>, _: Points<'_, T>, _: &mut [u32]) -> Option<f64> {
        None
    }
}

macro_rules! lanes_step {
    ($($t:ty),*) => {$(
        impl AssignStep<$t> for Lanes {
            fn assign(&self, data: Points<'_, $t>, centroids: Points<'_, $t>, labels: &mut [u32]) {
                // One call: the layout would cost more than it saves.
                AssignStep::<$t>::assign(&self.dot, data, centroids, labels);
            }
        }
        impl IterationStep<$t> for Lanes {
            fn assign(&self, data: Points<'_, $t>, centroids: Points<'_, $t>, labels: &mut [u32]) -> f64 {
                // One call: the layout would cost more than it saves.
                IterationStep::<$t>::assign(&self.dot, data, centroids, labels)
            }
            fn iterate(
                &self,
                data: Points<'_, $t>,
                centroids: Points<'_, $t>,
                labels: &mut [u32],
                new_centroids: &mut [$t],
                counts: &mut [u32],
            ) -> f64 {
                match LanesState::<$t>::new(self, data) {
                    Some(state) => state.run(data, centroids, labels, Some((new_centroids, counts))),
                    None => self.dot.run(data, centroids, labels, Some((new_centroids, counts))),
                }
            }
            fn sq_distances(&self, data: Points<'_, $t>, centers: Points<'_, $t>, out: &mut [$t]) {
                IterationStep::<$t>::sq_distances(&self.dot, data, centers, out);
            }
            fn prepare_distances<'a>(
                &'a self,
                data: Points<'a, $t>,
                passes: usize,
            ) -> Box<dyn FewCenterDistances<$t> + 'a> {
                kmeans_core::IterationStep::<$t>::prepare_distances(&self.dot, data, passes)
            }
            fn start(&self, data: Points<'_, $t>, _k: usize) -> Option<Box<dyn IterationState<$t>>> {
                LanesState::<$t>::new(self, data).map(|s| Box::new(s) as Box<dyn IterationState<$t>>)
            }
        }
    )*};
}
lanes_step!(f32, f64);
