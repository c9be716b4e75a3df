//! A thread count in the environment that rayon's global pool would misread (ignore, or start
//! minutes of threads for) is refused by every entry point that would start that pool — a fit
//! without `threads`, `predict` — and by none that would not (a fit with its own `threads`).
//! Rayon reads the variables once per process, when it starts the global pool, so each case
//! runs this test binary again as a child with the variable set.

use std::process::Command;

use kmeans_core::reference::Reference;
use kmeans_core::{Error, KMeans, data, inertia, max_threads, predict, sq_dist_f64, validate};

const CHILD: &str = "KMEANS_THREAD_ENV_CHILD";

/// Threads this process runs now (Linux; `None` elsewhere).
fn process_threads() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Threads:"))?;
    line["Threads:".len()..].trim().parse().ok()
}

/// In the child: what each entry point says, one line each, then how many threads the calls
/// on the global pool started.
fn child() {
    // Enough values that checking them runs in parallel (2^18 and up): a check of the
    // environment that came after it would come after the pool had started.
    let points = data::blobs::<f64>(70_000, 3, 4, 0.5, 1).data;
    let report = |what: &str, r: Result<(), Error>| match r {
        Ok(()) => println!("{what} ok"),
        Err(e) => println!("{what} error {e}"),
    };
    report("check", kmeans_core::check_thread_env());
    report(
        "own-pool",
        KMeans::new(3)
            .threads(Some(1))
            .fit(&Reference, points.view())
            .map(drop),
    );
    let before = process_threads();
    report(
        "global-pool",
        KMeans::new(3).fit(&Reference, points.view()).map(drop),
    );
    report(
        "predict",
        predict(&Reference, points.view(), points.view().slice_rows(0, 3)).map(drop),
    );
    // The helpers a fit calls run on their own too: with a bad count on the calling thread
    // (the same bits), never starting a pool from it.
    let labels: Vec<u32> = (0..points.n()).map(|i| (i % 3) as u32).collect();
    let centres = points.view().slice_rows(0, 3);
    let total = inertia(points.view(), centres, &labels);
    let exact: f64 = (0..points.n())
        .map(|i| sq_dist_f64(points.row(i), centres.row(i % 3)))
        .sum();
    let checked = validate::check_values("data", points.view());
    let right = checked.is_ok() && (total - exact).abs() <= 1e-9 * exact;
    println!("helpers {}", if right { "ok" } else { "wrong" });
    if let (Some(before), Some(after)) = (before, process_threads()) {
        println!("started {}", after.saturating_sub(before));
    }
}

fn run_child(variable: &str, value: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "bad_thread_counts_are_refused_where_the_global_pool_would_start",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env_remove("RAYON_NUM_THREADS")
        .env_remove("RAYON_RS_NUM_CPUS")
        .env(variable, value)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{variable}={value}: {stdout}\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    stdout
}

#[test]
fn bad_thread_counts_are_refused_where_the_global_pool_would_start() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let max = max_threads();
    for (variable, value, why) in [
        ("RAYON_NUM_THREADS", "two".to_owned(), "not a whole number"),
        ("RAYON_NUM_THREADS", "2 ".to_owned(), "not a whole number"),
        ("RAYON_RS_NUM_CPUS", "1.5".to_owned(), "not a whole number"),
        ("RAYON_NUM_THREADS", "1000000".to_owned(), "more than"),
        ("RAYON_NUM_THREADS", (max + 1).to_string(), "more than"),
    ] {
        let out = run_child(variable, &value);
        let error = format!("error {variable}={value:?}: {why}");
        for line in ["check", "global-pool", "predict"] {
            assert!(
                out.contains(&format!("{line} {error}")),
                "{variable}={value:?}, {line}: {out}"
            );
        }
        // A fit in its own pool never reads the variables, the helpers still run, and nothing
        // started the global pool's threads.
        assert!(out.contains("own-pool ok"), "{out}");
        assert!(out.contains("helpers ok"), "{out}");
        if cfg!(target_os = "linux") {
            assert!(out.contains("started 0\n"), "{variable}={value:?}: {out}");
        }
    }
    for value in ["", "0", "1", &max.to_string()] {
        let out = run_child("RAYON_NUM_THREADS", value);
        for line in ["check", "own-pool", "global-pool", "predict", "helpers"] {
            assert!(
                out.contains(&format!("{line} ok")),
                "{value:?}, {line}: {out}"
            );
        }
    }
}
