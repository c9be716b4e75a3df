//! What one exercise's program runs: every file in `exercises/` ends with
//! `fn main() -> ExitCode { harness::main(register::exN(YourType)) }`. The checker builds that
//! program, runs it, and reads its exit status; the same [`report`] checks the reference
//! solutions in-process (`check --solutions`).

use std::process::ExitCode;
use std::time::Duration;

use crate::check::{Outcome, Spread, Timing, Workload, conformance, measure, quiet_panics};
use crate::{Exercise, Path, Step, reference, take_path};

/// Exit status of an exercise's program whose code passed the conformance kit.
pub const EXIT_PASSED: u8 = 0;
/// Exit status when the kit found a wrong result or the code panicked.
pub const EXIT_FAILED: u8 = 1;
/// Exit status for bad arguments.
pub const EXIT_USAGE: u8 = 2;
/// Exit status when the code reached its `todo!()`.
pub const EXIT_NOT_STARTED: u8 = 3;

/// The checker's command, as the messages print it.
pub const CHECK: &str = "cargo run --release -p kmeans-exercises --bin check --";

/// Longest kit message printed when several exercises are checked; one exercise prints it
/// whole.
const MAX_MESSAGE: usize = 700;

/// Options of one report.
#[derive(Clone, Debug)]
pub struct Options {
    /// Rounds timed per side.
    pub runs: usize,
    /// The file to edit, as the messages name it.
    pub file: String,
    /// Whether this is the student's code (else the reference solution).
    pub student: bool,
    /// Print the kit's message whole instead of cut at 700 characters.
    pub full_messages: bool,
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

fn fmt_spread(s: Spread) -> String {
    format!("{:.2}× (quartiles {:.2}–{:.2})", s.median, s.low, s.high)
}

/// One line (newlines folded), cut at [`MAX_MESSAGE`] characters unless `full`.
fn one_line(message: &str, full: bool) -> String {
    let folded = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if !full && folded.chars().count() > MAX_MESSAGE {
        let cut: String = folded.chars().take(MAX_MESSAGE).collect();
        format!("{cut} … (check this exercise alone for the whole message)")
    } else {
        folded
    }
}

/// The path the exercise takes on this machine, from one more call after the timing (the
/// reference solution, timed alternately, reports a path of its own).
fn path_that_ran(exercise: &Exercise, workload: &Workload) -> Option<Path> {
    let Step::Assign(v) = &exercise.step else {
        return None;
    };
    let step = v.get::<f64>()?;
    take_path();
    let mut labels = vec![0u32; workload.data.n()];
    step.assign(workload.data.view(), workload.centroids.view(), &mut labels);
    take_path()
}

fn print_timing(exercise: &Exercise, timing: &Timing, opts: &Options) {
    let meta = exercise.meta;
    let medians = format!(
        "medians {} vs {}",
        fmt_duration(timing.exercise),
        fmt_duration(timing.baseline)
    );
    if !opts.student {
        println!(
            "          speed-up over {}: {} — {medians}, {} rounds",
            timing.baseline_name,
            fmt_spread(timing.speedup),
            timing.runs,
        );
        return;
    }
    println!(
        "          speed-up over {}: {}; the reference solution in the same run: {} — {medians}, {} rounds",
        timing.baseline_name,
        fmt_spread(timing.speedup),
        fmt_spread(timing.reference_speedup),
        timing.runs,
    );
    let goal = meta.target * timing.reference_speedup.median;
    let verdict = if timing.speedup.median >= goal {
        "reached"
    } else if timing.speedup.high >= goal {
        "within the spread: run it again with --runs 31"
    } else {
        "not there yet"
    };
    println!(
        "          target: {} ({goal:.2}× here): {verdict}",
        meta.target_text()
    );
}

/// Check one exercise and print its status lines (not its title: the checker prints that,
/// also for a program that does not compile). Returns the kit's verdict.
pub fn report(exercise: &Exercise, workload: &Workload, opts: &Options) -> Outcome {
    let meta = exercise.meta;
    let outcome = conformance(exercise);
    match &outcome {
        Outcome::Passed { dtypes } => {
            println!(
                "    PASS  conformance kit: edge cases, random shapes and fits agree with the reference ({})",
                dtypes.join(", ")
            );
            let reference = reference(meta.number).expect("every exercise has a solution");
            let timing = measure(exercise, &reference, workload, opts.runs);
            print_timing(exercise, &timing, opts);
            if meta.number == 10 {
                match path_that_ran(exercise, workload) {
                    Some(Path::Avx2Fma) => println!("          path that ran: AVX2 + FMA"),
                    Some(Path::Scalar) => println!("          path that ran: the scalar fallback"),
                    None => println!(
                        "          path that ran: not reported — call kmeans_exercises::ran(Path::Avx2Fma) or ran(Path::Scalar) in each branch"
                    ),
                }
            }
            if meta.number == 11 {
                println!("          rayon threads: {}", rayon::current_num_threads());
            }
        }
        Outcome::NotStarted { location } => {
            let at = location
                .as_ref()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            println!(
                "    TODO  not started yet: todo!() reached{at} — hint 1: {}",
                meta.hints[0]
            );
            println!(
                "          edit {} · next hint: {CHECK} --hint {} 2",
                opts.file, meta.number
            );
        }
        Outcome::Failed(message) | Outcome::Panicked(message) => {
            let what = if matches!(outcome, Outcome::Failed(_)) {
                "wrong result"
            } else {
                "panicked"
            };
            println!(
                "    FAIL  {what}: {}",
                one_line(message, opts.full_messages)
            );
            if opts.student {
                println!(
                    "          edit {} · hints: {CHECK} --hint {}",
                    opts.file, meta.number
                );
            }
        }
    }
    outcome
}

/// The exit status for an outcome.
pub fn exit_code(outcome: &Outcome) -> u8 {
    match outcome {
        Outcome::Passed { .. } => EXIT_PASSED,
        Outcome::NotStarted { .. } => EXIT_NOT_STARTED,
        Outcome::Failed(_) | Outcome::Panicked(_) => EXIT_FAILED,
    }
}

/// The `main` of an exercise's program: `[--runs R] [--file PATH] [--full]`, then [`report`]
/// on your code. The checker passes the arguments; run alone, the program uses 11 rounds.
pub fn main(exercise: Exercise) -> ExitCode {
    let mut opts = Options {
        runs: 11,
        file: format!("crates/kmeans-exercises/exercises/{}", exercise.meta.file),
        student: true,
        full_messages: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        match (args[i].as_str(), args.get(i + 1)) {
            ("--runs", Some(r)) => match r.parse::<usize>() {
                Ok(r) if r > 0 => opts.runs = r,
                _ => {
                    eprintln!("error: --runs {r}: need a positive number");
                    return ExitCode::from(EXIT_USAGE);
                }
            },
            ("--file", Some(f)) => opts.file = f.clone(),
            ("--full", _) => {
                opts.full_messages = true;
                i += 1;
                continue;
            }
            (other, _) => {
                eprintln!(
                    "error: unknown argument {other:?} (usage: [--runs R] [--file PATH] [--full])"
                );
                return ExitCode::from(EXIT_USAGE);
            }
        }
        i += 2;
    }
    quiet_panics();
    let outcome = report(&exercise, &Workload::slides(), &opts);
    ExitCode::from(exit_code(&outcome))
}
