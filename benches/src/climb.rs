//! The whole climb: the slides' 50-iteration fit from their first NumPy loop to the fastest Rust
//! variant, one step per idea, each step's time taken from this run's rows (`climb.svg`,
//! `book/src/generated/climb.md`).

use crate::render::format_seconds;
use crate::results::{Row, Source};

/// Iterations of the slides' fit.
const ITERATIONS: f64 = 50.0;

/// One rung of the climb.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The idea this step adds.
    pub idea: &'static str,
    /// What ran (a variant name, or the NumPy functions).
    pub what: String,
    /// Seconds for the 50-iteration fit at the slides' setting.
    pub seconds: f64,
    /// How the time was obtained (measured as a fit, or 50 × one-call times).
    pub how: String,
}

fn median_of<'a>(rows: &'a [Row], group: &str, name: &str) -> Option<(&'a Row, f64)> {
    rows.iter()
        .filter(|r| r.group == group && r.name == name)
        .find_map(|r| r.outcome.median().map(|t| (r, t)))
}

/// The fastest measured `fit50` row among those `pick` accepts.
fn best_fit50(rows: &[Row], pick: impl Fn(&Row) -> bool) -> Option<(&Row, f64)> {
    rows.iter()
        .filter(|r| r.group == "fit50" && pick(r))
        .filter_map(|r| r.outcome.median().map(|t| (r, t)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// What ran, its seconds, and how they were obtained.
type Found = (String, f64, String);

/// 50 × (a NumPy assignment + the slides' original update), from their one-call times.
fn numpy_ladder(rows: &[Row], assign: &str) -> Option<Found> {
    let (_, a) = median_of(rows, "assign", &format!("numpy/assign/{assign}"))?;
    let (_, u) = median_of(rows, "update", "numpy/update/v1-original")?;
    Some((
        format!("numpy/assign/{assign} + numpy/update/v1-original"),
        ITERATIONS * (a + u),
        "50 × (one assignment + one update), each timed alone".into(),
    ))
}

/// The climb's steps that this run measured, in order; ideas without a measurement are left out.
pub fn climb(rows: &[Row]) -> Vec<Step> {
    let fit = |r: &Row, t: f64| {
        (
            r.name.clone(),
            t,
            format!("a 50-iteration fit, {} thread(s), measured", r.threads),
        )
    };
    let rust = |r: &Row| r.source == Source::Rust;
    let candidates: Vec<(&'static str, Option<Found>)> = vec![
        (
            "the slides' first loop: Python loops over points and centroids",
            median_of(rows, "fit50", "numpy/iter/slides")
                .map(|(r, t)| fit(r, t))
                .or_else(|| numpy_ladder(rows, "v1")),
        ),
        (
            "broadcast a point against every centroid (v2)",
            numpy_ladder(rows, "v2"),
        ),
        (
            "broadcast every point against every centroid (v3)",
            numpy_ladder(rows, "v3"),
        ),
        ("drop the square root (v4)", numpy_ladder(rows, "v4")),
        ("einsum (v5)", numpy_ladder(rows, "v5-einsum")),
        (
            "a sparse one-hot update (CSC): the slides' best",
            median_of(rows, "fit50", "numpy/iter/slides-best").map(|(r, t)| fit(r, t)),
        ),
        (
            "compile it: the slides' code in Rust loops",
            median_of(rows, "fit50", "loops/iter/slides").map(|(r, t)| fit(r, t)),
        ),
        (
            "tight loops: no square root, fused argmin, lanes, one-pass update",
            best_fit50(rows, |r| rust(r) && r.backend() == "loops").map(|(r, t)| fit(r, t)),
        ),
        (
            "the GEMM trick: ‖c‖² − 2·x·c as a matrix product",
            best_fit50(rows, |r| rust(r) && r.name.contains("gemm")).map(|(r, t)| fit(r, t)),
        ),
        (
            "hand-written SIMD kernels, one thread",
            best_fit50(rows, |r| rust(r) && r.backend() == "simd" && r.threads == 1)
                .map(|(r, t)| fit(r, t)),
        ),
        (
            "every core: the fastest Rust variant",
            best_fit50(rows, rust).map(|(r, t)| fit(r, t)),
        ),
    ];
    candidates
        .into_iter()
        .filter_map(|(idea, found)| {
            found.map(|(what, seconds, how)| Step {
                idea,
                what,
                seconds,
                how,
            })
        })
        .collect()
}

/// `a ÷ b` as a factor: `×12.3` (a speed-up) or `×0.85` (a step that cost time).
pub fn factor(before: f64, after: f64) -> String {
    let f = before / after;
    if f >= 10.0 {
        format!("×{f:.0}")
    } else {
        format!("×{f:.2}")
    }
}

/// The climb as a Markdown table, or "" when nothing was measured.
pub fn markdown(steps: &[Step]) -> String {
    let Some(first) = steps.first() else {
        return String::new();
    };
    let mut s = String::from(
        "| # | idea | what ran | 50 iterations | this step | since the first loop | how |\n|---|---|---|---|---|---|---|\n",
    );
    for (i, step) in steps.iter().enumerate() {
        let this = if i == 0 {
            String::new()
        } else {
            factor(steps[i - 1].seconds, step.seconds)
        };
        s.push_str(&format!(
            "| {} | {} | `{}` | {} | {} | {} | {} |\n",
            i + 1,
            step.idea,
            step.what,
            format_seconds(step.seconds),
            this,
            if i == 0 {
                String::new()
            } else {
                factor(first.seconds, step.seconds)
            },
            step.how
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Outcome;

    fn row(group: &str, name: &str, threads: usize, t: f64) -> Row {
        Row {
            group: group.into(),
            name: name.into(),
            param: format!("n=5000 k=26 d=26 f64 t={threads}"),
            n: 5000,
            k: 26,
            d: 26,
            dtype: "f64".into(),
            threads,
            slide: None,
            source: if name.starts_with("numpy") {
                Source::Python
            } else {
                Source::Rust
            },
            outcome: Outcome::Measured {
                median_s: t,
                mad_s: 0.0,
                lower_s: t,
                upper_s: t,
            },
            note: None,
            fit: None,
        }
    }

    #[test]
    fn steps_follow_the_ideas_and_compute_the_numpy_ladder() {
        let rows = vec![
            row("assign", "numpy/assign/v1", 1, 1.0),
            row("assign", "numpy/assign/v2", 1, 0.1),
            row("update", "numpy/update/v1-original", 1, 0.001),
            row("fit50", "numpy/iter/slides-best", 1, 0.4),
            row("fit50", "loops/iter/slides", 1, 0.2),
            row("fit50", "loops/iter/fused", 1, 0.06),
            row("fit50", "simd/iter/dot-blocked-fused", 1, 0.01),
            row("fit50", "simd/iter/dot-blocked-par", 2, 0.006),
        ];
        let steps = climb(&rows);
        let what: Vec<&str> = steps.iter().map(|s| s.what.as_str()).collect();
        assert_eq!(
            what,
            [
                "numpy/assign/v1 + numpy/update/v1-original",
                "numpy/assign/v2 + numpy/update/v1-original",
                "numpy/iter/slides-best",
                "loops/iter/slides",
                "loops/iter/fused",
                "simd/iter/dot-blocked-fused",
                "simd/iter/dot-blocked-par",
            ]
        );
        assert!((steps[0].seconds - 50.0 * 1.001).abs() < 1e-9);
        let md = markdown(&steps);
        assert!(md.contains("| 3 | a sparse one-hot update"), "{md}");
        assert!(md.contains("| 5.05 s | ×9.91 |"), "50.05 s → 5.05 s: {md}");
        assert!(md.contains("| 400 ms | ×13 |"), "5.05 s → 400 ms: {md}");
        assert!(
            md.contains("×8342"),
            "50.05 s → 6 ms since the first loop: {md}"
        );
    }

    #[test]
    fn a_measured_first_loop_wins_over_the_computed_one() {
        let rows = vec![
            row("assign", "numpy/assign/v1", 1, 1.0),
            row("update", "numpy/update/v1-original", 1, 0.001),
            row("fit50", "numpy/iter/slides", 1, 40.0),
        ];
        let steps = climb(&rows);
        assert_eq!(steps[0].what, "numpy/iter/slides");
        assert_eq!(steps[0].seconds, 40.0);
        assert!(markdown(&[]).is_empty());
    }

    #[test]
    fn a_slower_step_shows_a_factor_below_one() {
        assert_eq!(factor(1.0, 1.25), "×0.80");
        assert_eq!(factor(10.0, 0.5), "×20");
    }
}
