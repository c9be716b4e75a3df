//! A thread count in the environment that rayon's global pool would misread (ignore, or start
//! minutes of threads for) is refused by every entry point that would start that pool — a fit
//! without `threads`, `predict` — and by none that would not (a fit with its own `threads`).
//! Rayon reads the variables once per process, when it starts the global pool, so each case
//! runs this test binary again as a child with the variable set.

use std::process::Command;

use kmeans_core::reference::Reference;
use kmeans_core::{Error, KMeans, data, max_threads, predict};

const CHILD: &str = "KMEANS_THREAD_ENV_CHILD";

/// In the child: what each entry point says, one line each.
fn child() {
    let points = data::blobs::<f64>(300, 3, 4, 0.5, 1).data;
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
    report(
        "global-pool",
        KMeans::new(3).fit(&Reference, points.view()).map(drop),
    );
    report(
        "predict",
        predict(&Reference, points.view(), points.view().slice_rows(0, 3)).map(drop),
    );
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
        // A fit in its own pool never reads the variables.
        assert!(out.contains("own-pool ok"), "{out}");
    }
    for value in ["", "0", "1", &max.to_string()] {
        let out = run_child("RAYON_NUM_THREADS", value);
        for line in ["check", "own-pool", "global-pool", "predict"] {
            assert!(
                out.contains(&format!("{line} ok")),
                "{value:?}, {line}: {out}"
            );
        }
    }
}
