//! The checker isolates the exercises, rustlings style: it builds each file as a program of its
//! own, so a file that does not compile is reported as such and the next one is still checked;
//! an unsolved stub is one line ("not started yet"), a wrong result names the kit's case, and
//! no backtrace appears even with `RUST_BACKTRACE=1`.
//!
//! The test writes its own small exercises package (three files: a syntax error, a stub, a
//! wrong answer) instead of reading `exercises/`, which is yours to edit.

use std::path::Path;
use std::process::Command;

const STUB: &str = r#"
use std::process::ExitCode;
use kmeans_core::{AssignStep, Points, Scalar};
use kmeans_exercises::{harness, register};
#[derive(Default)]
struct Stub;
impl<T: Scalar> AssignStep<T> for Stub {
    fn assign(&self, _: Points<'_, T>, _: Points<'_, T>, _: &mut [u32]) {
        todo!("exercise 2")
    }
}
fn main() -> ExitCode {
    harness::main(register::ex2(Stub))
}
"#;

const WRONG: &str = r#"
use std::process::ExitCode;
use kmeans_core::{AssignStep, Points, Scalar};
use kmeans_exercises::{harness, register};
#[derive(Default)]
struct AlwaysZero;
impl<T: Scalar> AssignStep<T> for AlwaysZero {
    fn assign(&self, _: Points<'_, T>, _: Points<'_, T>, labels: &mut [u32]) {
        labels.fill(0);
    }
}
fn main() -> ExitCode {
    harness::main(register::ex3(AlwaysZero))
}
"#;

/// Half-typed code, as in the middle of a workshop.
const BROKEN: &str = "fn main() { let x = ; }\n";

#[test]
fn a_file_that_does_not_compile_does_not_stop_the_others() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("exercises-isolation");
    let package = tmp.join("package");
    std::fs::create_dir_all(&package).unwrap();
    let manifest = format!(
        "[package]\nname = \"isolation\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\
         autobins = false\n\n[workspace]\n\n[dependencies]\n\
         kmeans-exercises = {{ path = {exercises:?} }}\nkmeans-core = {{ path = {core:?} }}\n\n\
         [[bin]]\nname = \"ex1\"\npath = \"ex01_no_alloc.rs\"\n\n\
         [[bin]]\nname = \"ex2\"\npath = \"ex02_no_sqrt.rs\"\n\n\
         [[bin]]\nname = \"ex3\"\npath = \"ex03_running_argmin.rs\"\n",
        exercises = crate_dir.display().to_string(),
        core = crate_dir.join("../kmeans-core").display().to_string(),
    );
    std::fs::write(package.join("Cargo.toml"), manifest).unwrap();
    // The same dependency versions as the exercises package, without asking a registry.
    std::fs::copy(
        crate_dir.join("exercises/Cargo.lock"),
        package.join("Cargo.lock"),
    )
    .unwrap();
    std::fs::write(package.join("ex01_no_alloc.rs"), BROKEN).unwrap();
    std::fs::write(package.join("ex02_no_sqrt.rs"), STUB).unwrap();
    std::fs::write(package.join("ex03_running_argmin.rs"), WRONG).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_check"))
        .args([
            "1",
            "2",
            "3",
            "--runs",
            "1",
            "--profile",
            "dev",
            "--exercises-dir",
        ])
        .arg(&package)
        .env("CARGO_TARGET_DIR", tmp.join("target"))
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let all = format!("{stdout}\n--- stderr ---\n{stderr}");
    assert!(
        output.status.success(),
        "the checker exits 0 on your code:\n{all}"
    );
    // The lines of exercise n: from its title (" n. …") to the next title or the summary.
    let section = |n: usize| -> String {
        let title = format!("{n:>2}. ");
        let mut lines = stdout.lines().skip_while(|l| !l.starts_with(&title));
        let first = lines
            .next()
            .unwrap_or_else(|| panic!("no section for exercise {n}:\n{all}"));
        let body: Vec<&str> = lines.take_while(|l| l.starts_with("    ")).collect();
        format!("{first}\n{}", body.join("\n"))
    };
    let one = section(1);
    assert!(one.contains("FAIL  does not compile"), "{one}\n{all}");
    assert!(
        one.contains("ex01_no_alloc.rs"),
        "the error names the file:\n{one}"
    );
    let two = section(2);
    assert!(two.contains("TODO  not started yet"), "{two}\n{all}");
    assert!(two.contains("hint 1:"), "{two}");
    let three = section(3);
    assert!(three.contains("FAIL  wrong result"), "{three}\n{all}");
    assert!(
        three.contains("label 0"),
        "the kit's message names the label:\n{three}"
    );
    assert!(stdout.contains("0 of 3 pass (1 not started)"), "{all}");
    assert!(!all.contains("stack backtrace"), "no backtrace:\n{all}");
}
