//! The `default-fit` section of the report: one table per workload, with each contender's
//! ratios to the peers, the init's share, the same-way inertia and issue 11's targets.

use super::{Report, cell, measured};
use crate::default_fit;
use crate::render::format_seconds;
use crate::results::{Outcome, Row, Source};

const DEFAULT_FIT_ABOUT: &str = "The fit a user runs: `KMeans::new(k)` (k-means++, `tol = 1e-4`, to convergence, one init) with the fastest variant, timed from data to result, init included (`init` is `Fit::init_seconds`); at all cores it runs on the default (global) thread pool. `kmeans-workshop/default/k-means-parallel` is the same fit with `Init::kmeans_parallel()` (k-means||: ℓ = 2k, 5 rounds). Peers on their defaults in the same run: scikit-learn `KMeans(n_clusters=k, n_init=1)`, scikit-learn-intelex (`sklearnex.cluster.KMeans`, threads by `daal4py.daalinit`), faiss `Kmeans(d, k)` (its default 25 iterations, `max_points_per_centroid` raised so it trains on every point; float32 only). Rounds alternate (every contender once per round, order rotated, seed = round number; {ROUNDS}, down to one fit; *fits* says how many); times, iterations and inertias are medians over the fits. Inertia is computed the same way for everyone (squared distance of every point to its nearest final centroid in f64 — the nearest found by a matrix product, the distance to it by exact differences), so a fast fit that lands on a worse optimum shows. Issue 11's targets: time ≤ 0.40× scikit-learn's and ≤ 0.67× scikit-learn-intelex's, inertia within 3 % of the better peer's, init ≤ 15 % of the fit at 1e5 × 32, k = 64.";

fn ratio_of(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// A time ratio with two decimals (the default fit's ratios sit near the targets 0.40, 0.67).
fn ratio2(a: Option<f64>, b: Option<f64>) -> String {
    ratio_of(a, b)
        .map(|x| format!("{x:.2}×"))
        .unwrap_or_default()
}

/// Issue 11's targets for one of our default-fit rows: met (✓) or missed (✗), each named.
fn targets(vs_sklearn: Option<f64>, vs_intelex: Option<f64>, inertia: Option<f64>) -> String {
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    let mut out = Vec::new();
    if let Some(x) = vs_sklearn {
        out.push(format!("{} ≤ 0.40× scikit-learn", mark(x <= 0.40)));
    }
    if let Some(x) = vs_intelex {
        out.push(format!("{} ≤ 0.67× intelex", mark(x <= 0.67)));
    }
    if let Some(x) = inertia {
        out.push(format!("{} inertia ≤ 1.03× best peer's", mark(x <= 1.03)));
    }
    out.join(", ")
}

impl Report {
    /// The `default-fit` section: one table per workload, or "" without rows.
    pub fn default_fit_section(&self) -> String {
        let rows: Vec<&Row> = measured(&self.rows, default_fit::GROUP).collect();
        if rows.is_empty() {
            return String::new();
        }
        let (quick, full) = (default_fit::plan("quick"), default_fit::plan("full"));
        let rounds = format!(
            "{}–{} rounds per cell in the quick profile, {}–{} in full, after one uncounted fit of each contender on the smallest workload; a contender whose next fit would take its own fits past the cell's budget — {} s quick, {} s full — stops early",
            quick.min, quick.max, full.min, full.max, quick.budget_s, full.budget_s
        );
        let about = DEFAULT_FIT_ABOUT.replace("{ROUNDS}", &rounds);
        let mut s = format!("## The default fit, from data to result\n\n{about}\n\n");
        let mut workloads: Vec<String> = rows.iter().map(|r| r.param_without_threads()).collect();
        workloads.dedup();
        let peers: Vec<&str> = default_fit::PEERS.iter().map(|p| p.0).collect();
        for w in workloads {
            let in_cell: Vec<&&Row> = rows
                .iter()
                .filter(|r| r.param_without_threads() == w)
                .collect();
            s.push_str(&format!("### {w}\n\n| contender | threads | median | spread | fits | ÷ scikit-learn | ÷ scikit-learn-intelex | ÷ faiss | iterations | init | init share | inertia | inertia ÷ best peer's | note |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"));
            for r in &in_cell {
                let same = |name: &str| {
                    in_cell
                        .iter()
                        .find(|o| o.name == name && o.threads == r.threads)
                        .and_then(|o| o.outcome.median())
                };
                let mine = r.outcome.median();
                let vs = |peer: &str| {
                    if r.name == peer {
                        String::new()
                    } else {
                        ratio2(mine, same(peer))
                    }
                };
                let fit = r.fit.as_ref();
                let inertia = fit.and_then(|f| f.inertia);
                let best_peer = in_cell
                    .iter()
                    .filter(|o| o.threads == r.threads && peers.contains(&o.name.as_str()))
                    .filter(|o| o.outcome.median().is_some())
                    .filter_map(|o| o.fit.as_ref().and_then(|f| f.inertia))
                    .reduce(f64::min);
                let init = fit.and_then(|f| f.init_s);
                let (_, why) = cell(&r.outcome);
                let note = match (&r.outcome, r.source) {
                    (Outcome::Measured { .. }, Source::Rust) => targets(
                        ratio_of(mine, same(peers[0])),
                        ratio_of(mine, same(peers[1])),
                        ratio_of(inertia, best_peer),
                    ),
                    (Outcome::Measured { .. }, _) => String::new(),
                    _ => why,
                };
                s.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    r.name,
                    r.threads,
                    mine.map(format_seconds).unwrap_or_else(|| "—".into()),
                    match r.outcome {
                        Outcome::Measured { mad_s, .. } => format!("± {}", format_seconds(mad_s)),
                        _ => String::new(),
                    },
                    fit.filter(|f| f.rounds > 0)
                        .map(|f| f.rounds.to_string())
                        .unwrap_or_default(),
                    vs(peers[0]),
                    vs(peers[1]),
                    vs(peers[2]),
                    fit.map(|f| format!("{:.0}", f.iterations))
                        .unwrap_or_default(),
                    init.map(format_seconds).unwrap_or_default(),
                    match (init, mine) {
                        (Some(i), Some(t)) if t > 0.0 => format!("{:.0} %", 100.0 * i / t),
                        _ => String::new(),
                    },
                    inertia.map(|i| format!("{i:.6e}")).unwrap_or_default(),
                    ratio_of(inertia, best_peer)
                        .map(|x| format!("{x:.4}"))
                        .unwrap_or_default(),
                    note
                ));
            }
            s.push('\n');
        }
        s
    }
}
