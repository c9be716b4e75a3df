//! What the checker does for one exercise: run the conformance kit on it (catching a panic, so
//! an unsolved stub is one clear line, not a backtrace), and time it side by side with the
//! slide-literal v1 at the slides' size.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kmeans_core::testkit::{check_assign_variant, check_iteration_variant, check_update_variant};
use kmeans_core::{Matrix, data};

use crate::{Exercise, Step, baseline};

/// What `todo!()` panics with; a stub that reaches it is "not started yet".
pub const TODO_MESSAGE: &str = "not yet implemented";

/// The result of the conformance kit on one exercise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every edge case, every random shape and every fit agreed with the reference, for each
    /// float type listed.
    Passed {
        /// The float types checked (`"f64"`, and `"f32"` where the exercise supports it).
        dtypes: Vec<&'static str>,
    },
    /// The code reached a `todo!()`.
    NotStarted {
        /// Where, when the checker's panic hook saw it (`file:line`).
        location: Option<String>,
    },
    /// The code ran but the kit found a wrong result: its message names the case.
    Failed(String),
    /// The code panicked (other than `todo!()`): the panic message and where.
    Panicked(String),
}

impl Outcome {
    /// Whether the exercise passed.
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Passed { .. })
    }
}

/// Where the last panic happened, recorded by the hook [`quiet_panics`] installs.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Replace the default panic hook (which prints the message and, with `RUST_BACKTRACE=1`, a
/// backtrace) by one that only records where the panic happened; [`conformance`] turns the
/// panic into one line. For the checker binary: tests keep the default hook.
pub fn quiet_panics() {
    panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = location;
        }
    }));
}

fn take_last_panic_location() -> Option<String> {
    LAST_PANIC.lock().ok().and_then(|mut last| last.take())
}

/// The message a panic payload carries (`panic!` with a literal or a format string).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Run the conformance kit (`kmeans_core::testkit`) on an exercise: for `f64` and, where the
/// exercise supports it, `f32` — edge cases, proptest-generated shapes and whole Lloyd fits
/// against the reference. A panic is caught and classified.
pub fn conformance(exercise: &Exercise) -> Outcome {
    take_last_panic_location();
    let run = || -> Result<Vec<&'static str>, String> {
        let mut dtypes = Vec::new();
        let (f64_checked, f32_checked) = match &exercise.step {
            Step::Assign(v) => (
                check_assign_variant::<f64>(v)?,
                check_assign_variant::<f32>(v)?,
            ),
            Step::Update(v) => (
                check_update_variant::<f64>(v)?,
                check_update_variant::<f32>(v)?,
            ),
            Step::Iterate(v) => (
                check_iteration_variant::<f64>(v)?,
                check_iteration_variant::<f32>(v)?,
            ),
        };
        if f64_checked {
            dtypes.push("f64");
        }
        if f32_checked {
            dtypes.push("f32");
        }
        if dtypes.is_empty() {
            return Err("the exercise is registered for neither f64 nor f32".into());
        }
        Ok(dtypes)
    };
    match panic::catch_unwind(AssertUnwindSafe(run)) {
        Ok(Ok(dtypes)) => Outcome::Passed { dtypes },
        // proptest catches panics inside its cases itself and reports them as a failure.
        Ok(Err(message)) if message.contains(TODO_MESSAGE) => Outcome::NotStarted {
            location: take_last_panic_location(),
        },
        Ok(Err(message)) => Outcome::Failed(message),
        Err(payload) => {
            let message = panic_message(&*payload);
            let location = take_last_panic_location();
            if message.starts_with(TODO_MESSAGE) {
                Outcome::NotStarted { location }
            } else {
                match location {
                    Some(at) => Outcome::Panicked(format!("{message} (at {at})")),
                    None => Outcome::Panicked(message),
                }
            }
        }
    }
}

/// The slides' timing setting: `n, k, d = 5000, 26, 26` uniform `f64` data, centroids drawn
/// from the data (`data[np.random.choice(n, k, replace=False)]`) and uniform random labels
/// (`np.random.randint(0, k, size=n)`), all seeded.
#[derive(Clone, Debug)]
pub struct Workload {
    /// `n × d` points.
    pub data: Matrix<f64>,
    /// `k × d` centroids.
    pub centroids: Matrix<f64>,
    /// A label in `0..k` per point, for update steps.
    pub labels: Vec<u32>,
}

impl Workload {
    /// The slides' size.
    pub fn slides() -> Self {
        let (n, k, d) = (data::SLIDES_N, data::SLIDES_K, data::SLIDES_D);
        let points = data::uniform::<f64>(n, d, 2022);
        // Uniform data in random order: its first k rows are k distinct random points.
        let centroids = Matrix::from_vec(points.as_slice()[..k * d].to_vec(), k, d)
            .expect("k rows of d values");
        let labels = data::uniform::<f64>(n, 1, 2023)
            .as_slice()
            .iter()
            .map(|&u| ((u * k as f64) as u32).min(k as u32 - 1))
            .collect();
        Self {
            data: points,
            centroids,
            labels,
        }
    }
}

/// The spread of a speed-up over the rounds of one run: the median of the per-round ratios and
/// their quartiles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// Median of the per-round ratios.
    pub median: f64,
    /// Lower quartile.
    pub low: f64,
    /// Upper quartile.
    pub high: f64,
}

impl Spread {
    /// The median and quartiles of `values` (not empty).
    pub fn of(values: &[f64]) -> Self {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let at = |q: f64| {
            // Linear interpolation between the closest ranks.
            let pos = q * (v.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
        };
        Self {
            median: at(0.5),
            low: at(0.25),
            high: at(0.75),
        }
    }
}

/// An exercise timed side by side with its slide-literal baseline and its reference solution:
/// rounds of one call each, alternating, so that a busy machine slows all three alike.
#[derive(Clone, Debug)]
pub struct Timing {
    /// The baseline's name, e.g. `loops/assign/v1-literal`.
    pub baseline_name: String,
    /// Median time of one call of the baseline.
    pub baseline: Duration,
    /// Median time of one call of the exercise.
    pub exercise: Duration,
    /// Median time of one call of the reference solution.
    pub reference: Duration,
    /// The exercise's speed-up over the baseline, round by round.
    pub speedup: Spread,
    /// The reference solution's speed-up over the baseline, round by round.
    pub reference_speedup: Spread,
    /// Rounds timed.
    pub runs: usize,
}

/// Buffers for one call of any step on the workload.
struct Buffers {
    labels: Vec<u32>,
    sums: Vec<f64>,
    counts: Vec<u32>,
}

/// One call of a step on the workload, timed.
fn time_once(step: &Step, w: &Workload, b: &mut Buffers) -> Duration {
    let start = Instant::now();
    match step {
        Step::Assign(v) => {
            let s = v.get::<f64>().expect("every exercise supports f64");
            s.assign(w.data.view(), w.centroids.view(), &mut b.labels);
        }
        Step::Update(v) => {
            let s = v.get::<f64>().expect("every exercise supports f64");
            s.update(w.data.view(), &w.labels, &mut b.sums, &mut b.counts);
        }
        Step::Iterate(v) => {
            let s = v.get::<f64>().expect("every exercise supports f64");
            let inertia = s.iterate(
                w.data.view(),
                w.centroids.view(),
                &mut b.labels,
                &mut b.sums,
                &mut b.counts,
            );
            std::hint::black_box(inertia);
        }
    }
    let elapsed = start.elapsed();
    std::hint::black_box(&mut *b);
    elapsed
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Time an exercise (`f64`), its slide-literal baseline and its reference solution side by
/// side: one warm-up call each, then `runs` rounds of one call of each; medians and the spread
/// of the per-round speed-ups. Call it only on an exercise that passed [`conformance`] (a stub
/// would panic).
pub fn measure(
    exercise: &Exercise,
    reference: &Exercise,
    workload: &Workload,
    runs: usize,
) -> Timing {
    let base = baseline(exercise.meta.kind);
    let (n, k, d) = (workload.data.n(), workload.centroids.n(), workload.data.d());
    let mut buffers = Buffers {
        labels: vec![0u32; n],
        sums: vec![0.0f64; k * d],
        counts: vec![0u32; k],
    };
    let runs = runs.max(1);
    let sides = [&base, &exercise.step, &reference.step];
    for side in sides {
        time_once(side, workload, &mut buffers);
    }
    let mut times: [Vec<Duration>; 3] = Default::default();
    for _ in 0..runs {
        for (side, t) in sides.iter().zip(times.iter_mut()) {
            t.push(time_once(side, workload, &mut buffers));
        }
    }
    let ratios = |which: usize| -> Vec<f64> {
        times[0]
            .iter()
            .zip(&times[which])
            .map(|(b, e)| b.as_secs_f64() / e.as_secs_f64().max(f64::MIN_POSITIVE))
            .collect()
    };
    let (speedup, reference_speedup) = (Spread::of(&ratios(1)), Spread::of(&ratios(2)));
    let [b, e, r] = times;
    Timing {
        baseline_name: base.info().name.clone(),
        baseline: median(b),
        exercise: median(e),
        reference: median(r),
        speedup,
        reference_speedup,
        runs,
    }
}
