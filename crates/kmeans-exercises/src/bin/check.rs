//! The exercises' checker: pass/fail per exercise through the conformance kit, and the measured
//! speed-up over the slide-literal v1, side by side in the same run.
//!
//! ```text
//! cargo run --release -p kmeans-exercises --bin check -- [N|all] [--solutions] [--runs R]
//! cargo run --release -p kmeans-exercises --bin check -- --hint N [M]
//! cargo run --release -p kmeans-exercises --bin check -- --list
//! ```
//!
//! Exit status: 0 after checking your code, whatever passed (unsolved exercises are the normal
//! state of a workshop); with `--solutions`, 1 if any reference solution fails; 2 for bad
//! arguments.

use std::process::ExitCode;
use std::time::Duration;

use kmeans_exercises::check::{Outcome, Timing, Workload, conformance, measure, quiet_panics};
use kmeans_exercises::solutions::ex7_avx2::has_avx2_fma;
use kmeans_exercises::{CATALOG, Exercise, Meta, Solutions, Student, exercises};

const CHECK: &str = "cargo run --release -p kmeans-exercises --bin check --";
const USAGE: &str = "\
usage: cargo run --release -p kmeans-exercises --bin check -- [N|all] [--solutions] [--runs R]
       cargo run --release -p kmeans-exercises --bin check -- --hint N [M]
       cargo run --release -p kmeans-exercises --bin check -- --list

  N | all        check exercise N (1-8), or all of them (the default)
  --solutions    check the reference solutions instead of your code
  --runs R       calls timed per side for the speed-up (default 11; the median is reported)
  --hint N [M]   print exercise N's hints 1 to M (default 1): one more each time you ask
  --list         list the exercises";

/// Longest kit message printed; the test prints it whole.
const MAX_MESSAGE: usize = 700;

enum Command {
    Check {
        which: Option<usize>,
        solutions: bool,
        runs: usize,
    },
    Hint {
        number: usize,
        upto: usize,
    },
    List,
    Help,
}

fn exercise_number(arg: &str) -> Result<usize, String> {
    arg.parse::<usize>()
        .ok()
        .filter(|n| (1..=CATALOG.len()).contains(n))
        .ok_or_else(|| format!("no exercise {arg:?}: pick 1 to {} or all", CATALOG.len()))
}

fn parse(args: &[String]) -> Result<Command, String> {
    let (mut which, mut solutions, mut runs) = (None, false, 11);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--list" => return Ok(Command::List),
            "--hint" => {
                let number =
                    exercise_number(args.get(i + 1).ok_or("--hint needs an exercise number")?)?;
                let upto = match args.get(i + 2) {
                    Some(m) => m.parse().map_err(|_| {
                        format!("--hint {number} {m}: the hint number must be a number")
                    })?,
                    None => 1,
                };
                return Ok(Command::Hint { number, upto });
            }
            "--solutions" => solutions = true,
            "--runs" => {
                let r = args.get(i + 1).ok_or("--runs needs a number")?;
                runs = r
                    .parse()
                    .ok()
                    .filter(|&r| r > 0)
                    .ok_or(format!("--runs {r}: need a positive number"))?;
                i += 1;
            }
            "all" => which = None,
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => which = Some(exercise_number(other)?),
        }
        i += 1;
    }
    Ok(Command::Check {
        which,
        solutions,
        runs,
    })
}

fn hints(meta: &Meta, upto: usize) {
    let total = meta.hints.len();
    let upto = upto.clamp(1, total);
    println!(
        "Exercise {} — {} (slide {})",
        meta.number, meta.title, meta.slide
    );
    for (i, hint) in meta.hints.iter().enumerate().take(upto) {
        println!("  hint {} of {total}: {hint}", i + 1);
    }
    if upto < total {
        println!("  next hint: {CHECK} --hint {} {}", meta.number, upto + 1);
    } else {
        println!(
            "  that was the last hint; the reference solution is crates/kmeans-exercises/src/solutions/{}",
            meta.file
        );
    }
}

fn list() {
    for m in CATALOG {
        let stretch = if m.stretch { " (stretch)" } else { "" };
        println!(
            "{:>2}. {}{stretch} — slide {} — aim for {} v1 — src/exercises/{}",
            m.number,
            m.title,
            m.slide,
            m.target_text(),
            m.file
        );
    }
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// One line (newlines folded), cut at [`MAX_MESSAGE`] characters.
fn one_line(message: &str) -> String {
    let folded = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > MAX_MESSAGE {
        let cut: String = folded.chars().take(MAX_MESSAGE).collect();
        format!("{cut} …")
    } else {
        folded
    }
}

/// Check one exercise and print its lines; returns whether it passed.
fn check_one(exercise: &Exercise, workload: &Workload, runs: usize, student: bool) -> bool {
    let meta = exercise.meta;
    let stretch = if meta.stretch { ", stretch" } else { "" };
    println!(
        "{:>2}. {} (slide {}{stretch})",
        meta.number, meta.title, meta.slide
    );
    let outcome = conformance(exercise);
    match &outcome {
        Outcome::Passed { dtypes } => {
            println!(
                "    PASS  conformance kit: edge cases, random shapes and fits agree with the reference ({})",
                dtypes.join(", ")
            );
            let timing: Timing = measure(exercise, workload, runs);
            let speedup = timing.speedup();
            let verdict = if speedup >= meta.target {
                "target reached"
            } else {
                "not there yet"
            };
            println!(
                "          speed: {} vs {} for {} → {:.2}× faster (aim for {}: {verdict})",
                fmt_duration(timing.exercise),
                fmt_duration(timing.baseline),
                timing.baseline_name,
                speedup,
                meta.target_text(),
            );
            match meta.number {
                7 => println!(
                    "          this CPU {} AVX2 + FMA",
                    if has_avx2_fma() {
                        "has"
                    } else {
                        "lacks (the scalar fallback is what ran)"
                    }
                ),
                8 => println!("          rayon threads: {}", rayon::current_num_threads()),
                _ => {}
            }
        }
        Outcome::NotStarted { location } => {
            let at = location
                .as_ref()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            println!(
                "    FAIL  not started yet: todo!() reached{at} — see hint 1: {}",
                meta.hints[0]
            );
            println!(
                "          edit {} · next hint: {CHECK} --hint {} 2",
                exercise.path, meta.number
            );
        }
        Outcome::Failed(message) | Outcome::Panicked(message) => {
            let what = if matches!(outcome, Outcome::Failed(_)) {
                "wrong result"
            } else {
                "panicked"
            };
            println!("    FAIL  {what}: {}", one_line(message));
            if student {
                println!(
                    "          edit {} · whole message: cargo test -p kmeans-exercises --features student ex{}_ · hints: {CHECK} --hint {}",
                    exercise.path, meta.number, meta.number
                );
            }
        }
    }
    outcome.passed()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (which, solutions, runs) = match command {
        Command::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Command::List => {
            list();
            return ExitCode::SUCCESS;
        }
        Command::Hint { number, upto } => {
            hints(&CATALOG[number - 1], upto);
            return ExitCode::SUCCESS;
        }
        Command::Check {
            which,
            solutions,
            runs,
        } => (which, solutions, runs),
    };
    quiet_panics();
    let all = if solutions {
        exercises::<Solutions>()
    } else {
        exercises::<Student>()
    };
    let selected: Vec<&Exercise> = all
        .iter()
        .filter(|e| which.is_none_or(|n| e.meta.number == n))
        .collect();
    let dir = if solutions {
        "the reference solutions"
    } else {
        "your code"
    };
    println!(
        "Checking {dir} in {} — speed at the slides' size (n = 5000, k = 26, d = 26, f64): \
         median of {runs} calls, side by side with the slides' v1 in this run.\n",
        all[0].path.rsplit_once('/').map_or("", |(d, _)| d)
    );
    let workload = Workload::slides();
    let mut failed = Vec::new();
    for exercise in &selected {
        if !check_one(exercise, &workload, runs, !solutions) {
            failed.push(*exercise);
        }
    }
    let passed = selected.len() - failed.len();
    println!();
    match failed.first() {
        None => println!("{passed} of {} pass.", selected.len()),
        Some(first) => println!(
            "{passed} of {} pass. Next: exercise {} — edit {}",
            selected.len(),
            first.meta.number,
            first.path
        ),
    }
    if solutions && !failed.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
