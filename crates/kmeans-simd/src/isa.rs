//! Which instruction set runs: detected once, cached, optionally pinned, and counted.
//!
//! [`Isa::detected`] asks the CPU once (the answer is cached in a `OnceLock`) and picks the
//! widest kernels it supports. The environment variable `KMEANS_SIMD_ISA` (`portable`, `avx2`,
//! `avx512`) pins that choice for a whole process, so CI can run the suite once per path.
//! [`Isa::pinned`] reports a value that names no ISA or one this CPU lacks as an error, for
//! programs to check first (the `kmeans` CLI exits with it); where no error can be returned
//! (building a step) such a value is ignored with one warning on stderr and the widest
//! available ISA runs, never a panic.
//! Every step type can also be built for one ISA explicitly (`with_isa`), which is how the
//! tests run every path the CPU has in one process. [`Isa::kernel_calls`] counts the chunk
//! kernels each ISA ran, so a test can prove a path really ran instead of silently falling
//! back.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::arch::portable;
#[cfg(target_arch = "x86_64")]
use crate::arch::x86_64::{Avx2, Avx512, tiles};
use crate::kernel::Job;

/// The environment variable that pins [`Isa::detected`].
pub const ISA_ENV: &str = "KMEANS_SIMD_ISA";

/// A `KMEANS_SIMD_ISA` value that cannot be obeyed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IsaEnvError {
    value: String,
    reason: String,
}

impl std::fmt::Display for IsaEnvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{ISA_ENV}={:?}: {}", self.value, self.reason)
    }
}

impl std::error::Error for IsaEnvError {}

impl IsaEnvError {
    /// The variable's value (lossily decoded when it is not UTF-8).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What is wrong with it.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// An instruction set this crate has kernels for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Isa {
    /// Plain Rust, one float at a time: runs on every CPU.
    Portable,
    /// x86-64 AVX2 + FMA: 256-bit vectors (8 × f32, 4 × f64), 16 registers.
    Avx2,
    /// x86-64 AVX-512F: 512-bit vectors (16 × f32, 8 × f64), 32 registers.
    Avx512,
}

static CALLS: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

impl Isa {
    /// Every ISA this crate knows, narrowest first.
    pub const ALL: [Isa; 3] = [Isa::Portable, Isa::Avx2, Isa::Avx512];

    /// The lowercase name used by `KMEANS_SIMD_ISA` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// The ISA called `name` (as [`name`](Isa::name) prints it), if any.
    pub fn parse(name: &str) -> Option<Isa> {
        Isa::ALL
            .into_iter()
            .find(|isa| isa.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether this CPU can run this ISA's kernels.
    pub fn is_available(self) -> bool {
        Machine::new(self).is_some()
    }

    /// The ISAs this CPU can run, narrowest first (always starts with [`Isa::Portable`]).
    pub fn available() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|i| i.is_available()).collect()
    }

    /// The ISA `KMEANS_SIMD_ISA` pins, or `None` when it is unset or empty.
    ///
    /// # Errors
    /// A value that names no ISA (or is not UTF-8), or an ISA this CPU lacks.
    pub fn pinned() -> Result<Option<Isa>, IsaEnvError> {
        let Some(value) = std::env::var_os(ISA_ENV) else {
            return Ok(None);
        };
        let error = |reason: String| IsaEnvError {
            value: value.to_string_lossy().into_owned(),
            reason,
        };
        let Some(text) = value.to_str() else {
            return Err(error("not UTF-8".into()));
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        let names = || {
            let names: Vec<&str> = Isa::ALL.iter().map(|i| i.name()).collect();
            names.join(", ")
        };
        let isa = Isa::parse(text).ok_or_else(|| error(format!("expected one of {}", names())))?;
        if !isa.is_available() {
            let has: Vec<&str> = Isa::available().iter().map(|i| i.name()).collect();
            return Err(error(format!(
                "this CPU lacks {isa} (it runs {})",
                has.join(", ")
            )));
        }
        Ok(Some(isa))
    }

    /// The ISA the dispatched (default) kernels use: the one `KMEANS_SIMD_ISA` pins, else the
    /// widest one available. Decided once per process. A value [`Isa::pinned`] rejects is
    /// ignored with one warning on stderr (the widest ISA runs); a pinned CI run proves its
    /// path by comparing this with the variable.
    pub fn detected() -> Isa {
        Machine::detected().isa()
    }

    /// How many chunk kernels of this ISA have run in this process (all float types and
    /// algorithms). Tests use it to prove that a path they meant to exercise really ran.
    pub fn kernel_calls(self) -> u64 {
        CALLS[self as usize].load(Ordering::Relaxed)
    }
}

impl std::fmt::Display for Isa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An ISA together with the proof that this CPU supports it (the token types of `arch/`).
/// Kernels are reached only through a `Machine`, so none runs on a CPU that lacks it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Machine {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2(Avx2),
    #[cfg(target_arch = "x86_64")]
    Avx512(Avx512),
}

impl Machine {
    /// `isa` if this CPU has it.
    pub(crate) fn new(isa: Isa) -> Option<Machine> {
        match isa {
            Isa::Portable => Some(Machine::Portable),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => Avx2::new().map(Machine::Avx2),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => Avx512::new().map(Machine::Avx512),
            #[cfg(not(target_arch = "x86_64"))]
            _ => None,
        }
    }

    /// The process-wide choice (see [`Isa::detected`]), decided once.
    pub(crate) fn detected() -> Machine {
        static DETECTED: OnceLock<Machine> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            let widest = Isa::ALL
                .into_iter()
                .rev()
                .find_map(Machine::new)
                .unwrap_or(Machine::Portable);
            match Isa::pinned() {
                Ok(pinned) => pinned.and_then(Machine::new).unwrap_or(widest),
                Err(e) => {
                    use std::io::Write;
                    // Once per process (inside the OnceLock); a closed stderr is no reason to stop.
                    let _ = writeln!(
                        std::io::stderr(),
                        "warning: {e}; using {}, the widest ISA this CPU runs",
                        widest.isa()
                    );
                    widest
                }
            }
        })
    }

    /// Vector registers of this ISA: the [`Vector::REGISTERS`](crate::vector::Vector) of its
    /// vectors (a test checks that they agree), for choices made before a kernel runs.
    pub(crate) fn registers(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Machine::Avx512(_) => 32,
            _ => 16,
        }
    }

    /// Which ISA this is.
    pub(crate) fn isa(self) -> Isa {
        match self {
            Machine::Portable => Isa::Portable,
            #[cfg(target_arch = "x86_64")]
            Machine::Avx2(_) => Isa::Avx2,
            #[cfg(target_arch = "x86_64")]
            Machine::Avx512(_) => Isa::Avx512,
        }
    }

    fn count(self) {
        CALLS[self.isa() as usize].fetch_add(1, Ordering::Relaxed);
    }
}

/// Shortest rows for which the row kernel runs one point at a time: measured better from
/// d = 384 (k = 10 and 20, AVX-512 and AVX2), tied at 320, worse at 256 and below
/// (`MEASUREMENTS.md`, "Few centroids, long rows" and "Centroids larger than L1").
pub(crate) const ROWS_LONG_D: usize = 384;

/// The per-float-type kernel table: which entry point runs a job on a [`Machine`], and the
/// register tile it needs the centroids packed for. Implemented for `f32` and `f64` only.
pub(crate) trait Dispatch: crate::vector::Elem {
    /// Points × centroids of the register tile of `machine`'s dot kernel for `k` centroids:
    /// `(MR, NR)`. Of the wide tile (2 vectors of centroids) and the narrow one (1 vector,
    /// more points), the one that pads `k` less; the wide one on a tie (fewer broadcasts
    /// per FMA).
    fn tile(machine: Machine, k: usize) -> (usize, usize);
    /// Values of this type per vector register of `machine`.
    fn lanes(machine: Machine) -> usize;
    /// Centroids per pass of `machine`'s row kernel (`kernel::dot_rows_chunk`) for rows of `d`:
    /// one point against `ROWS_KB` for rows of at least [`ROWS_LONG_D`], else two points
    /// against `ROWS_PAIR_KB` (x86-64; the portable kernel has one shape).
    fn rows_kb(machine: Machine, d: usize) -> usize {
        let long = d >= ROWS_LONG_D;
        match machine {
            Machine::Portable => portable::ROWS_KB,
            #[cfg(target_arch = "x86_64")]
            Machine::Avx2(_) if long => tiles::AVX2_ROWS_KB,
            #[cfg(target_arch = "x86_64")]
            Machine::Avx2(_) => tiles::AVX2_ROWS_PAIR_KB,
            #[cfg(target_arch = "x86_64")]
            Machine::Avx512(_) if long => tiles::AVX512_ROWS_KB,
            #[cfg(target_arch = "x86_64")]
            Machine::Avx512(_) => tiles::AVX512_ROWS_PAIR_KB,
        }
    }
    /// Run a chunk kernel on `machine` (and count it).
    fn run<J: Job<Self>>(machine: Machine, job: J) -> J::Output;
}

impl Machine {
    /// The machine whose vectors pad `values` values of `elem` bytes least: AVX2's 256-bit
    /// vectors on an AVX-512 CPU when they fit one (k-means++'s few candidates), since a
    /// half-empty 512-bit vector costs twice as much on CPUs that split 512-bit operations in
    /// two (AMD Zen 4).
    pub(crate) fn narrowest_for(self, values: usize, elem: usize) -> Machine {
        #[cfg(target_arch = "x86_64")]
        if let (Machine::Avx512(_), Some(narrow)) = (self, Avx2::new())
            && values * elem <= 32
        {
            return Machine::Avx2(narrow);
        }
        let _ = (values, elem);
        self
    }
}

macro_rules! dispatch {
    ($t:ty, $lanes512:expr, $lanes256:expr, $run:ident) => {
        impl Dispatch for $t {
            fn tile(machine: Machine, k: usize) -> (usize, usize) {
                let pick = |wide: (usize, usize), narrow: (usize, usize)| {
                    let slots = |nr: usize| k.div_ceil(nr) * nr;
                    if slots(narrow.1) < slots(wide.1) {
                        narrow
                    } else {
                        wide
                    }
                };
                match machine {
                    Machine::Portable => (portable::MR, portable::NV),
                    #[cfg(target_arch = "x86_64")]
                    Machine::Avx2(_) => pick(
                        (tiles::AVX2_MR, tiles::AVX2_NV * $lanes256),
                        (tiles::AVX2_MR1, $lanes256),
                    ),
                    #[cfg(target_arch = "x86_64")]
                    Machine::Avx512(_) => pick(
                        (tiles::AVX512_MR, tiles::AVX512_NV * $lanes512),
                        (tiles::AVX512_MR1, $lanes512),
                    ),
                }
            }

            fn lanes(machine: Machine) -> usize {
                match machine {
                    Machine::Portable => 1,
                    #[cfg(target_arch = "x86_64")]
                    Machine::Avx2(_) => $lanes256,
                    #[cfg(target_arch = "x86_64")]
                    Machine::Avx512(_) => $lanes512,
                }
            }

            fn run<J: Job<Self>>(machine: Machine, job: J) -> J::Output {
                machine.count();
                match machine {
                    Machine::Portable => portable::run(job),
                    #[cfg(target_arch = "x86_64")]
                    Machine::Avx2(t) => t.$run(job),
                    #[cfg(target_arch = "x86_64")]
                    Machine::Avx512(t) => t.$run(job),
                }
            }
        }
    };
}
dispatch!(f32, 16, 8, run_f32);
dispatch!(f64, 8, 4, run_f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for isa in Isa::ALL {
            assert_eq!(Isa::parse(isa.name()), Some(isa));
        }
        assert_eq!(Isa::parse(" AVX2 "), Some(Isa::Avx2));
        assert_eq!(Isa::parse("neon"), None);
    }

    #[test]
    fn portable_is_always_available_and_detected_is_available() {
        assert_eq!(Isa::available()[0], Isa::Portable);
        assert!(Isa::detected().is_available());
    }

    /// What a kernel's vectors say about their registers.
    struct Registers;

    impl<T: crate::vector::Elem> Job<T> for Registers {
        type Output = usize;
        unsafe fn run<V: crate::vector::Vector<T = T>, S: crate::kernel::Tiles>(self) -> usize {
            V::REGISTERS
        }
    }

    /// `Machine::registers` (used before a kernel runs, to lay out the centroids for `lanes`)
    /// agrees with the registers of the vectors each machine's kernels run on.
    #[test]
    fn machine_registers_match_the_vectors() {
        for isa in Isa::available() {
            let machine = Machine::new(isa).expect("available");
            assert_eq!(
                f32::run(machine, Registers),
                machine.registers(),
                "{isa} f32"
            );
            assert_eq!(
                f64::run(machine, Registers),
                machine.registers(),
                "{isa} f64"
            );
        }
    }
}
