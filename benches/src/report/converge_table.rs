//! The `converge` section of the report: one table per workload, each contender's time to
//! `tol = 1e-4` from the same init, its ratios to our Lloyd and to scikit-learn's `lloyd`, the
//! share of distances our rows computed, and issue 14's targets.

use super::{Report, cell, measured};
use crate::converge;
use crate::render::format_seconds;
use crate::results::{Outcome, Row, Source};

const CONVERGE_ABOUT: &str = "Fits to `tol = 1e-4` from the same initial centroids (our k-means++ with the round's seed, computed once per round and not timed), rounds alternating, order rotated: ours with plain Lloyd (`dot-blocked-par`), the default (`auto`: `hamerly-dot` where `n ≥ 2·10⁴`, `k ≥ 16` and `k·d ≥ 512`, else Lloyd), Hamerly's bounds with the dense pass on Lloyd's dot tile (`hamerly-dot`) and the exact bounds variants (`hamerly`, `yinyang`), against scikit-learn `KMeans(init=C, n_init=1, algorithm=\"lloyd\" | \"elkan\")` and scikit-learn-intelex `KMeans(init=C, n_init=1)`. *Distances* is the share of plain Lloyd's `n·k` per iteration that our iterations computed (`IterationLog::distances`). Inertia is computed the same way for everyone. Issue 14's targets (1 thread): a bounds variant ≤ 0.5× our Lloyd and ≤ 0.25× scikit-learn's `lloyd`.";

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => String::new(),
    }
}

impl Report {
    /// The `converge` section: one table per workload, or "" without rows.
    pub fn converge_section(&self) -> String {
        let rows: Vec<&Row> = measured(&self.rows, converge::GROUP).collect();
        if rows.is_empty() {
            return String::new();
        }
        let mut s = format!("## Fits to convergence: bounds against Lloyd\n\n{CONVERGE_ABOUT}\n\n");
        let mut workloads: Vec<String> = rows.iter().map(|r| r.param_without_threads()).collect();
        workloads.dedup();
        let lloyd = "kmeans-workshop/converge/dot-blocked-par";
        let sklearn = converge::PEERS[0].0;
        for w in workloads {
            let in_cell: Vec<&&Row> = rows
                .iter()
                .filter(|r| r.param_without_threads() == w)
                .collect();
            s.push_str(&format!("### {w}\n\n| contender | threads | median | spread | fits | ÷ our Lloyd | ÷ scikit-learn lloyd | iterations | distances | inertia ÷ best | note |\n|---|---|---|---|---|---|---|---|---|---|---|\n"));
            let best = in_cell
                .iter()
                .filter_map(|r| r.fit.as_ref().and_then(|f| f.inertia))
                .reduce(f64::min);
            for r in &in_cell {
                let same = |name: &str| {
                    in_cell
                        .iter()
                        .find(|o| o.name == name && o.threads == r.threads)
                        .and_then(|o| o.outcome.median())
                };
                let mine = r.outcome.median();
                let vs = |other: &str| {
                    if r.name == other {
                        String::new()
                    } else {
                        ratio(mine, same(other))
                    }
                };
                let fit = r.fit.as_ref();
                let bounds = r.source == Source::Rust && r.name != lloyd;
                let note = match &r.outcome {
                    Outcome::Measured { .. } if bounds && r.threads == 1 => {
                        let mark = |x: Option<f64>, t: f64| match x {
                            Some(x) if x <= t => "✓",
                            Some(_) => "✗",
                            None => "?",
                        };
                        let of = |o: Option<f64>| mine.zip(o).map(|(a, b)| a / b);
                        format!(
                            "{} ≤ 0.5× our Lloyd, {} ≤ 0.25× scikit-learn",
                            mark(of(same(lloyd)), 0.5),
                            mark(of(same(sklearn)), 0.25)
                        )
                    }
                    Outcome::Measured { .. } => String::new(),
                    other => cell(other).1,
                };
                s.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    r.name,
                    r.threads,
                    mine.map(format_seconds).unwrap_or_else(|| "—".into()),
                    match r.outcome {
                        Outcome::Measured { mad_s, .. } => format!("± {}", format_seconds(mad_s)),
                        _ => String::new(),
                    },
                    fit.map(|f| f.rounds.to_string()).unwrap_or_default(),
                    vs(lloyd),
                    vs(sklearn),
                    fit.map(|f| format!("{:.0}", f.iterations))
                        .unwrap_or_default(),
                    r.note
                        .as_deref()
                        .and_then(|n| n.split(" of ").next())
                        .unwrap_or_default(),
                    fit.and_then(|f| f.inertia)
                        .zip(best)
                        .map(|(i, b)| format!("{:.4}", i / b))
                        .unwrap_or_default(),
                    note
                ));
            }
            s.push('\n');
        }
        s
    }
}
