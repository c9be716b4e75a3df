//! Where a fit's threads run.
//!
//! Linux wakes a sleeping thread on some CPU it judges free, and in the virtual machines
//! measured here it judged wrongly: once a pool's workers had slept for a while (between two
//! fits in a notebook, or after any pause), they woke stacked on one CPU and took turns on it
//! for most of the next fit while the other CPU idled (`perf sched timehist`). A 2-thread
//! default fit of 10⁵ × 32 points after a 200 ms pause took 53–63 ms against 36 ms back to back
//! (1 thread: 65–75 ms). Fresh threads (the CLI's) were not affected.
//!
//! So for the length of a fit each of its threads is held on one CPU of its own ([`Pinned`]),
//! and given back the CPUs it had when the fit ends: 41–45 ms after the same pause. Each
//! thread keeps the CPU it is on unless another thread of the pool already holds it, so
//! processes fitting side by side on a larger machine stay where the kernel spread them.

/// `n · d · k` below which a fit's threads are not pinned: pinning threads that had slept
/// cost ~0.5 ms (a 2-thread fit of 1797 × 64, k = 10, after a pause: 1.1 → 1.5 ms), more than
/// such a fit loses to stacked threads.
pub(crate) const MIN_WORK: usize = 1 << 24;

/// While alive, the current rayon pool's threads are each held on one CPU; dropping it gives
/// each thread back the CPUs it could run on before. A no-op on one thread, on one allowed
/// CPU, or off Linux.
pub(crate) struct Pinned {
    active: bool,
}

impl Pinned {
    /// Pin the threads of the pool this is called in (see the module's documentation), for
    /// a fit of `work` = `n · d · k` or more than [`MIN_WORK`].
    pub(crate) fn pool_threads(work: usize) -> Pinned {
        Pinned {
            active: work >= MIN_WORK && imp::pin_pool_threads(),
        }
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        if self.active {
            imp::unpin_pool_threads();
        }
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::cell::Cell;
    use std::sync::Mutex;

    use rustix::thread::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};

    thread_local! {
        /// The CPUs this thread could run on before the fit pinned it.
        static BEFORE: Cell<Option<CpuSet>> = const { Cell::new(None) };
    }

    /// Returns whether any thread was pinned.
    pub(super) fn pin_pool_threads() -> bool {
        let threads = rayon::current_num_threads();
        if threads < 2 {
            return false;
        }
        // CPUs already held by a thread of this pool.
        let held = Mutex::new(Vec::with_capacity(threads));
        rayon::broadcast(|_| {
            let Ok(allowed) = sched_getaffinity(None) else {
                return false;
            };
            let cpus: Vec<usize> = (0..CpuSet::MAX_CPU)
                .filter(|&cpu| allowed.is_set(cpu))
                .collect();
            if cpus.len() < 2 {
                return false;
            }
            let here = sched_getcpu();
            let cpu = {
                let mut held = held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                // The CPU this thread is on, else the next allowed one nobody holds (with
                // more threads than CPUs, the least held one).
                let start = cpus.iter().position(|&c| c == here).unwrap_or(0);
                let cpu = (0..cpus.len())
                    .map(|i| cpus[(start + i) % cpus.len()])
                    .min_by_key(|c| held.iter().filter(|h| *h == c).count())
                    .unwrap_or(here);
                held.push(cpu);
                cpu
            };
            let mut one = CpuSet::new();
            one.set(cpu);
            // A mask without the CPU the thread runs on moves it there at once.
            let pinned = sched_setaffinity(None, &one).is_ok();
            if pinned {
                BEFORE.with(|b| b.set(Some(allowed)));
            }
            pinned
        })
        .into_iter()
        .any(|pinned| pinned)
    }

    pub(super) fn unpin_pool_threads() {
        rayon::broadcast(|_| {
            if let Some(allowed) = BEFORE.with(Cell::take) {
                let _ = sched_setaffinity(None, &allowed);
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub(super) fn pin_pool_threads() -> bool {
        false
    }

    pub(super) fn unpin_pool_threads() {}
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use rustix::thread::{CpuSet, sched_getaffinity, sched_getcpu};

    use crate::Points;
    use crate::lloyd::in_pool;

    /// Each thread's CPUs and the CPU it runs on, of the pool it is called in.
    fn masks_here() -> Vec<(Vec<usize>, usize)> {
        rayon::broadcast(|_| {
            let mask = sched_getaffinity(None).expect("sched_getaffinity");
            let cpus = (0..CpuSet::MAX_CPU).filter(|&c| mask.is_set(c)).collect();
            (cpus, sched_getcpu())
        })
    }

    fn masks_only(threads: Vec<(Vec<usize>, usize)>) -> Vec<Vec<usize>> {
        threads.into_iter().map(|(mask, _)| mask).collect()
    }

    /// During a fit that is not tiny, each thread of the fit's pool runs on one CPU, spread
    /// over as many CPUs as there are (3 threads: a pool no other test of this crate uses);
    /// after it, every thread has its CPUs back.
    #[test]
    fn a_fit_holds_each_thread_on_a_cpu_and_gives_them_back() {
        let (big, tiny) = (vec![0f32; 1 << 20], vec![0f32; 16 * 16]);
        let big = Points::new(&big, 16).expect("a matrix");
        let tiny = Points::new(&tiny, 16).expect("a matrix");
        assert!(big.n() * big.d() * 16 >= super::MIN_WORK);
        let fit = |data, f: fn() -> Vec<(Vec<usize>, usize)>| {
            in_pool(Some(3), (data, 16), || Ok(f())).expect("no error")
        };
        let before = masks_only(fit(tiny, masks_here));
        let cpus = before[0].len();
        let during = fit(big, masks_here);
        if cpus >= 2 {
            for (held, at) in &during {
                assert_eq!(held, &vec![*at], "held on the CPU it runs on");
            }
            let mut used: Vec<usize> = during.iter().map(|(_, at)| *at).collect();
            used.sort_unstable();
            used.dedup();
            assert_eq!(used.len(), cpus.min(3), "threads stacked: {during:?}");
        } else {
            assert_eq!(
                masks_only(during),
                before,
                "nothing to spread over on one CPU"
            );
        }
        assert_eq!(
            masks_only(fit(tiny, masks_here)),
            before,
            "the CPUs given back"
        );
    }

    /// A tiny fit, or one nested in the caller's own pool, leaves the threads where they are.
    #[test]
    fn tiny_and_nested_fits_pin_nothing() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool of 2");
        let before = masks_only(pool.install(masks_here));
        let (big, tiny) = (vec![0f64; 1 << 20], vec![0f64; 64 * 100]);
        let big = Points::new(&big, 16).expect("a matrix");
        let tiny = Points::new(&tiny, 64).expect("a matrix");
        for (data, k) in [(tiny, 10), (big, 16)] {
            let during = pool
                .install(|| in_pool(None, (data, k), || Ok(masks_here())))
                .expect("no error");
            assert_eq!(masks_only(during), before);
        }
    }
}
