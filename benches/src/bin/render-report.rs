//! Re-render `reports/` and the book's copies from `reports/results.json`, without measuring
//! again — for changes to the charts or tables: `cargo run -p kmeans-benches --bin render-report`.

use std::path::Path;
use std::process::ExitCode;

use kmeans_benches::report::Report;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let json = root.join("reports").join("results.json");
    let report: Report = match std::fs::read_to_string(&json)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e} (run `cargo bench` first)", json.display());
            return ExitCode::from(2);
        }
    };
    match report.publish(&root) {
        Ok(charts) => {
            eprintln!(
                "re-rendered reports/ and the book's copies ({} charts) from {}",
                charts.len(),
                json.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: could not write the report: {e}");
            ExitCode::FAILURE
        }
    }
}
