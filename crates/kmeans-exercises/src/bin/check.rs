//! The exercises' checker: for each exercise, build your file in `exercises/` as a program of
//! its own, run it — the conformance kit, then the speed-up over the slide-literal version
//! side by side with the reference solution's — and summarise.
//!
//! ```text
//! cargo run --release -p kmeans-exercises --bin check -- [N…|all] [--solutions] [--runs R]
//! cargo run --release -p kmeans-exercises --bin check -- --hint N [M]
//! cargo run --release -p kmeans-exercises --bin check -- --list
//! ```
//!
//! Each exercise is built separately (`cargo build --bin exN` in the exercises package, one
//! shared target directory), so a file that does not compile is reported as such and the next
//! exercise is still checked. Exit status: 0 after checking your code, whatever passed
//! (unsolved exercises are the normal state of a workshop); with `--solutions`, 1 if any
//! reference solution fails; 2 for bad arguments or when cargo itself cannot run.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use kmeans_exercises::check::{Workload, quiet_panics};
use kmeans_exercises::harness::{self, CHECK, EXIT_NOT_STARTED, EXIT_PASSED, Options};
use kmeans_exercises::{CATALOG, Meta, solutions};

const USAGE: &str = "\
usage: cargo run --release -p kmeans-exercises --bin check -- [N…|all] [--solutions] [--runs R]
       cargo run --release -p kmeans-exercises --bin check -- --hint N [M]
       cargo run --release -p kmeans-exercises --bin check -- --list

  N… | all      check exercises N… (1-11), or all of them (the default)
  --solutions    check the reference solutions instead of your code
  --runs R       rounds timed for the speed-up (default 11; medians and quartiles reported)
  --hint N [M]   print exercise N's hints 1 to M (default 1): one more each time you ask
  --list         list the exercises
  --exercises-dir DIR   the exercises package to build (default: the one beside this crate)
  --profile P    the cargo profile to build your programs with (default release)";

enum Action {
    Check(CheckArgs),
    Hint { number: usize, upto: usize },
    List,
    Help,
}

struct CheckArgs {
    /// The exercises to check, in the order given; empty: all of them.
    which: Vec<usize>,
    solutions: bool,
    runs: usize,
    dir: PathBuf,
    profile: String,
}

fn exercise_number(arg: &str) -> Result<usize, String> {
    arg.parse::<usize>()
        .ok()
        .filter(|n| (1..=CATALOG.len()).contains(n))
        .ok_or_else(|| format!("no exercise {arg:?}: pick 1 to {} or all", CATALOG.len()))
}

fn parse(args: &[String]) -> Result<Action, String> {
    let mut check = CheckArgs {
        which: Vec::new(),
        solutions: false,
        runs: 11,
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises"),
        profile: "release".into(),
    };
    let mut i = 0;
    let value = |i: usize, what: &str| -> Result<String, String> {
        args.get(i + 1)
            .cloned()
            .ok_or_else(|| format!("{} needs {what}", args[i]))
    };
    while i < args.len() {
        match args[i].as_str() {
            "-h" | "--help" => return Ok(Action::Help),
            "--list" => return Ok(Action::List),
            "--hint" => {
                let number = exercise_number(&value(i, "an exercise number")?)?;
                let upto = match args.get(i + 2) {
                    Some(m) => m.parse().map_err(|_| {
                        format!("--hint {number} {m}: the hint number must be a number")
                    })?,
                    None => 1,
                };
                return Ok(Action::Hint { number, upto });
            }
            "--solutions" => check.solutions = true,
            "--runs" => {
                let r = value(i, "a number")?;
                check.runs = r
                    .parse()
                    .ok()
                    .filter(|&r| r > 0)
                    .ok_or(format!("--runs {r}: need a positive number"))?;
                i += 1;
            }
            "--exercises-dir" => {
                check.dir = PathBuf::from(value(i, "a directory")?);
                i += 1;
            }
            "--profile" => {
                check.profile = value(i, "a profile name")?;
                i += 1;
            }
            "all" => check.which.clear(),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => check.which.push(exercise_number(other)?),
        }
        i += 1;
    }
    Ok(Action::Check(check))
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
            "{:>2}. {}{stretch} — slide {} — aim for {} — exercises/{}",
            m.number,
            m.title,
            m.slide,
            m.target_text(),
            m.file
        );
    }
}

fn title(meta: &Meta) {
    let stretch = if meta.stretch { ", stretch" } else { "" };
    println!(
        "{:>2}. {} (slide {}{stretch})",
        meta.number, meta.title, meta.slide
    );
}

/// The target directory the exercises' programs are built in: `CARGO_TARGET_DIR` if set, else
/// the one this checker was built in (its executable is `<target>/<profile>/check`), so that
/// the dependencies compiled for the workspace are reused when they match.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("target"))
}

/// The output folder of a cargo profile (`dev` and `test` build into `debug`).
fn profile_dir(profile: &str) -> &str {
    match profile {
        "dev" | "test" => "debug",
        "bench" => "release",
        other => other,
    }
}

/// The compiler's errors, without the noise: the `error` lines and the `-->` locations.
fn compile_errors(stderr: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for line in stderr.lines() {
        let t = line.trim_start();
        if (t.starts_with("error") && !t.starts_with("error: could not compile"))
            || t.starts_with("-->")
        {
            lines.push(t.to_string());
        }
    }
    if lines.is_empty() {
        lines.extend(stderr.lines().rev().take(5).map(str::to_string));
        lines.reverse();
    }
    lines
}

/// What happened to one of your exercises.
enum Verdict {
    Passed,
    Todo,
    Failed,
}

/// Build exercise `meta`'s program and run it; its lines go straight to the terminal.
fn check_student(
    meta: &Meta,
    args: &CheckArgs,
    target: &Path,
    alone: bool,
) -> Result<Verdict, String> {
    let file = args.dir.join(meta.file);
    let shown = file
        .strip_prefix(std::env::current_dir().unwrap_or_default())
        .unwrap_or(&file)
        .display()
        .to_string();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let build = Command::new(&cargo)
        .arg("build")
        .arg("--manifest-path")
        .arg(args.dir.join("Cargo.toml"))
        .args([
            "--profile",
            &args.profile,
            "--bin",
            &meta.bin(),
            "--message-format",
            "short",
        ])
        .env("CARGO_TARGET_DIR", target)
        .output()
        .map_err(|e| format!("could not run cargo ({}): {e}", cargo.to_string_lossy()))?;
    if !build.status.success() {
        let stderr = String::from_utf8_lossy(&build.stderr);
        let errors = compile_errors(&stderr);
        let shown_errors = if alone { errors.len() } else { 6 };
        println!("    FAIL  does not compile:");
        for line in errors.iter().take(shown_errors) {
            println!("          {line}");
        }
        if errors.len() > shown_errors {
            println!(
                "          … and {} more lines: check this exercise alone ({CHECK} {})",
                errors.len() - shown_errors,
                meta.number
            );
        }
        println!("          edit {shown} · the other exercises are checked regardless");
        return Ok(Verdict::Failed);
    }
    let program = target.join(profile_dir(&args.profile)).join(meta.bin());
    let mut run = Command::new(&program);
    run.args(["--runs", &args.runs.to_string(), "--file", &shown]);
    if alone {
        run.arg("--full");
    }
    let status = run
        .status()
        .map_err(|e| format!("could not run {}: {e}", program.display()))?;
    Ok(match status.code().map(|c| c as u8) {
        Some(EXIT_PASSED) => Verdict::Passed,
        Some(EXIT_NOT_STARTED) => Verdict::Todo,
        Some(_) => Verdict::Failed,
        None => {
            println!(
                "    FAIL  the program was killed ({status}): a stack overflow, or out of memory?"
            );
            Verdict::Failed
        }
    })
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
    let args = match command {
        Action::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Action::List => {
            list();
            return ExitCode::SUCCESS;
        }
        Action::Hint { number, upto } => {
            hints(&CATALOG[number - 1], upto);
            return ExitCode::SUCCESS;
        }
        Action::Check(args) => args,
    };
    let selected: Vec<&Meta> = if args.which.is_empty() {
        CATALOG.iter().collect()
    } else {
        args.which.iter().map(|&n| &CATALOG[n - 1]).collect()
    };
    let alone = selected.len() == 1;
    let (mut passed, mut todo, mut first_open) = (0, 0, None);
    if args.solutions {
        println!(
            "Checking the reference solutions (src/solutions/) — speed at the slides' size (n = 5000, k = 26, d = 26, f64), \
             {} rounds side by side with the slides' version in this run.\n",
            args.runs
        );
        quiet_panics();
        let workload = Workload::slides();
        let all = solutions::all();
        for meta in &selected {
            title(meta);
            let exercise = &all[meta.number - 1];
            let opts = Options {
                runs: args.runs,
                file: format!("crates/kmeans-exercises/src/solutions/{}", meta.file),
                student: false,
                full_messages: alone,
            };
            if harness::report(exercise, &workload, &opts).passed() {
                passed += 1;
            } else if first_open.is_none() {
                first_open = Some(*meta);
            }
        }
    } else {
        if !args.dir.join("Cargo.toml").is_file() {
            eprintln!(
                "error: {} has no Cargo.toml: --exercises-dir must name the exercises package",
                args.dir.display()
            );
            return ExitCode::from(2);
        }
        let target = target_dir();
        println!(
            "Checking your code in {} — each file built as its own program, then timed at the slides' size \
             (n = 5000, k = 26, d = 26, f64), {} rounds side by side with the slides' version and the reference solution.\n",
            args.dir.display(),
            args.runs
        );
        for meta in &selected {
            title(meta);
            match check_student(meta, &args, &target, alone) {
                Ok(Verdict::Passed) => passed += 1,
                Ok(v) => {
                    if matches!(v, Verdict::Todo) {
                        todo += 1;
                    }
                    if first_open.is_none() {
                        first_open = Some(*meta);
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    println!();
    let not_started = if todo > 0 {
        format!(" ({todo} not started)")
    } else {
        String::new()
    };
    match first_open {
        None => println!("{passed} of {} pass.", selected.len()),
        Some(m) => println!(
            "{passed} of {} pass{not_started}. Next: exercise {} — exercises/{}",
            selected.len(),
            m.number,
            m.file
        ),
    }
    if args.solutions && passed < selected.len() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
