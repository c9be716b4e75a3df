//! The whole report: rows, machine, peaks; rendered to `summary.md`, SVG charts and JSON.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

mod converge_table;
mod default_fit_table;

use crate::climb;
use crate::machine::MachineInfo;
use crate::render::{self, Axis, Bar, Marker, Series, format_seconds};
use crate::results::{Outcome, Row, Source};

/// A measured matrix-product peak: the practical upper bound for the assignment's GFLOP/s.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Peak {
    /// `f32` or `f64`.
    pub dtype: String,
    /// Square matrix size `m = n = k` of the product.
    pub size: usize,
    /// GFLOP/s on one thread (`2·m·n·k / median time`).
    pub gflops: f64,
    /// How it was measured.
    pub method: String,
}

/// Everything one `cargo bench` run produced.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// Where it ran.
    pub machine: MachineInfo,
    /// `quick` (default) or `full`.
    pub profile: String,
    /// Every planned measurement and its outcome.
    pub rows: Vec<Row>,
    /// Matrix-product peaks measured in the same run.
    pub peaks: Vec<Peak>,
    /// Whether the Python peers ran, and their versions (or why not).
    pub python: String,
    /// The SIMD backend's instruction-set path that ran (`kmeans_simd::Isa::detected()`, and
    /// which kernels ran in the process).
    #[serde(default)]
    pub isa: String,
    /// Groups outside criterion (`default-fit`, …): group id → whether their peers ran.
    #[serde(default)]
    pub statuses: BTreeMap<String, String>,
}

/// The slides' published NumPy timings, measured on the presenter's machine, keyed by slide
/// number (the number that starts a variant's `slide` field).
pub const SLIDES_PUBLISHED: &[(&str, &str, f64)] = &[
    ("27", "kmeans, 50 iterations", 51.7),
    ("32", "assignment_step_v1", 1.01),
    ("34", "assignment_step_v2", 72.6e-3),
    ("52", "assignment_step_v3", 18.1e-3),
    ("58", "assignment_step_v4", 17.8e-3),
    ("59", "assignment_step_v5 (einsum)", 9.94e-3),
    ("63", "update_step_original", 1.15e-3),
    ("78", "update_step_matmul", 1.03e-3),
    ("83", "update_step_csc", 491e-6),
];

/// The slide number a `slide` field starts with (`"58 · Assignment Step v4"` → `"58"`).
pub fn slide_number(slide: Option<&str>) -> Option<String> {
    let number = slide?.split(|c: char| !c.is_ascii_digit()).next()?;
    (!number.is_empty()).then(|| number.to_string())
}

/// The presenter's published time for the slide a row mirrors.
pub fn published(slide: Option<&str>) -> Option<f64> {
    let number = slide_number(slide)?;
    SLIDES_PUBLISHED
        .iter()
        .find(|(s, _, _)| *s == number)
        .map(|(_, _, t)| *t)
}

/// How groups are titled and charted.
pub struct GroupSpec {
    /// Group id as in rows.
    pub id: &'static str,
    /// Section title.
    pub title: &'static str,
    /// One paragraph: what is measured.
    pub about: &'static str,
}

/// The step and whole-algorithm groups, in report order.
pub const STEP_GROUPS: &[GroupSpec] = &[
    GroupSpec {
        id: "assign",
        title: "Assignment step",
        about: "One call of each assignment step at the slides' setting (n = 5000, k = 26, d = 26, uniform data, f64), same data and centroids for every variant.",
    },
    GroupSpec {
        id: "update",
        title: "Update step",
        about: "One call of each update step at the slides' setting with the slides' dummy labels (uniform random in 0..k).",
    },
    GroupSpec {
        id: "iteration",
        title: "One Lloyd iteration",
        about: "One whole iteration (assignment + update, or a fused pass) at the slides' setting. Peers: linfa and scikit-learn are timed as a fit of N iterations ÷ N from the same initial centroids.",
    },
    GroupSpec {
        id: "fit50",
        title: "The slides' headline: a 50-iteration fit",
        about: "`KMeans::slides(26, 50)` from the same initial centroids: exactly 50 iterations, as the slides' `kmeans(data, k)` (51.7 s in NumPy on the presenter's machine).",
    },
];

/// What the climb shows, above its table.
const CLIMB_ABOUT: &str = "The slides' 50-iteration fit (n = 5000, k = 26, d = 26, f64) on this machine, from their first NumPy loop to the fastest Rust variant, one idea per step; each factor is the previous step's time ÷ this one's. NumPy steps before the sparse update are 50 × (one assignment + the original update), from their one-call times, unless the first loop itself was timed (`KMEANS_BENCH=full`).";

/// What the default-fit group shows, above its tables.
pub(crate) fn measured<'a>(rows: &'a [Row], group: &str) -> impl Iterator<Item = &'a Row> + 'a {
    let group = group.to_string();
    rows.iter().filter(move |r| r.group == group)
}

pub(crate) fn cell(outcome: &Outcome) -> (String, String) {
    match outcome {
        Outcome::Measured {
            median_s, mad_s, ..
        } => (
            format_seconds(*median_s),
            format!("± {}", format_seconds(*mad_s)),
        ),
        Outcome::Skipped { reason } => ("skipped".into(), reason.clone()),
        Outcome::Missing { reason } => ("—".into(), reason.clone()),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.1}×", a / b),
        _ => String::new(),
    }
}

/// The first measured row of the same backend in the same group and parameters: the backend's
/// own v1, the baseline of its ladder.
fn backend_baseline<'a>(rows: &'a [Row], r: &Row) -> Option<&'a Row> {
    let param = r.param_without_threads();
    rows.iter().find(|o| {
        o.group == r.group
            && o.param_without_threads() == param
            && o.backend() == r.backend()
            && o.outcome.median().is_some()
    })
}

impl Report {
    /// The fastest measured median in a group (at one parameter string), excluding peers.
    fn best(&self, group: &str, param: &str) -> Option<f64> {
        measured(&self.rows, group)
            .filter(|r| r.param_without_threads() == param && r.source == Source::Rust)
            .filter_map(|r| r.outcome.median())
            .reduce(f64::min)
    }

    fn sklearn(&self, group: &str, param: &str, threads: usize) -> Option<f64> {
        measured(&self.rows, group)
            .find(|r| {
                r.param_without_threads() == param
                    && r.backend() == "scikit-learn"
                    && r.threads == threads
            })
            .and_then(|r| r.outcome.median())
    }

    /// The best measured peak per float type and method (of every size tried).
    fn best_peaks(&self) -> Vec<&Peak> {
        let mut best: BTreeMap<(&str, &str), &Peak> = BTreeMap::new();
        for p in &self.peaks {
            let e = best.entry((&p.dtype, &p.method)).or_insert(p);
            if p.gflops > e.gflops {
                *e = p;
            }
        }
        best.into_values().collect()
    }

    /// Every measured peak, and which one "% of peak" divides by.
    fn peaks_paragraph(&self) -> String {
        if self.peaks.is_empty() {
            return String::new();
        }
        let all: Vec<String> = self
            .peaks
            .iter()
            .map(|p| format!("{} {} {}³ {:.1}", p.dtype, p.method, p.size, p.gflops))
            .collect();
        let used: Vec<String> = ["f32", "f64"]
            .iter()
            .filter_map(|d| self.peak(d).map(|g| format!("{d} {g:.1} GFLOP/s")))
            .collect();
        format!(
            "Measured matrix-product peak, one thread (GFLOP/s; the best of every size and method is the peak that \"% of peak\" divides by, × threads): {}. Peak used: {}.\n\n",
            all.join("; "),
            used.join(", ")
        )
    }

    /// `summary.md`.
    pub fn summary_markdown(&self) -> String {
        let m = &self.machine;
        let mut s = String::new();
        s.push_str("# Benchmark report\n\n");
        s.push_str("Generated by `cargo bench` (criterion; medians of the samples, ± their median absolute deviation). ");
        s.push_str(
            "Regenerate with `cargo bench`; `KMEANS_BENCH=full cargo bench` runs the full sweep. ",
        );
        s.push_str("Raw numbers: [`results.json`](results.json).\n\n");
        s.push_str("| machine | |\n|---|---|\n");
        s.push_str(&format!("| CPU | {} |\n| SIMD detected | {} |\n| SIMD path that ran | {} |\n| cores | {} |\n| compiler | {} |\n| OS | {} |\n| date | {} |\n| profile | {} |\n| Python peers | {} |\n",
            m.cpu, m.simd.join(", "), if self.isa.is_empty() { "not recorded" } else { &self.isa }, m.cores, m.rustc, m.os, m.date, self.profile, self.python));
        for (group, status) in &self.statuses {
            s.push_str(&format!("| {group} peers | {status} |\n"));
        }
        s.push('\n');
        s.push_str(&self.peaks_paragraph());
        s.push_str("The column *slides' NumPy* holds the times published on the slides, **measured on the presenter's machine, not here**; rows from `numpy/…` and `scikit-learn/…` were measured here, in this run, on the same data.\n\n");
        for g in STEP_GROUPS {
            let table = self.step_table(g.id);
            if table.is_empty() {
                continue;
            }
            s.push_str(&format!(
                "## {}\n\n{}\n\n![{}]({}.svg)\n\n{table}\n",
                g.title, g.about, g.title, g.id
            ));
        }
        let climb = climb::markdown(&climb::climb(&self.rows));
        if !climb.is_empty() {
            s.push_str(&format!(
                "## The whole climb\n\n{CLIMB_ABOUT}\n\n![The whole climb](climb.svg)\n\n{climb}\n"
            ));
        }
        s.push_str(&self.default_fit_section());
        s.push_str(&self.converge_section());
        for (id, title, axis) in [
            ("scale-n", "Scaling in n", "n"),
            ("scale-k", "Scaling in k", "k"),
            ("scale-d", "Scaling in d", "d"),
        ] {
            s.push_str(&self.sweep_table(id, title, axis, true));
        }
        s.push_str(&self.grid_section(
            "mid",
            "n = 100 000, k = 64, d = 32: f32 vs f64, 1 thread vs all",
        ));
        s.push_str(&self.grid_section("mnist", "n = 60 000, k = 10, d = 784 (MNIST-shaped), f32"));
        s.push_str(&self.grid_section(
            "large",
            "n = 1 000 000, k = 256, d = 64, f32: assignment and full iteration",
        ));
        s.push_str(&self.gflops_section(true));
        let skipped: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Skipped { .. }))
            .collect();
        if !skipped.is_empty() {
            s.push_str("## Skipped\n\nPredicted to exceed the profile's budget (memory: extra bytes the variant declares; time: its calibrated cost scaled by its work model). `KMEANS_BENCH=full` raises the time budget.\n\n| group | variant | parameters | reason |\n|---|---|---|---|\n");
            for r in skipped {
                s.push_str(&format!(
                    "| {} | `{}` | {} | {} |\n",
                    r.group,
                    r.name,
                    r.param,
                    cell(&r.outcome).1
                ));
            }
            s.push('\n');
        }
        s
    }

    /// The table of one step group (`assign`, `update`, `iteration`, `fit50`), or "" if empty.
    pub fn step_table(&self, group: &str) -> String {
        let rows: Vec<&Row> = measured(&self.rows, group).collect();
        if rows.is_empty() {
            return String::new();
        }
        let mut s = String::new();
        let with_sklearn = matches!(group, "iteration" | "fit50");
        s.push_str("| variant | threads | slide | median | spread | speed-up over its backend's first | time ÷ best Rust variant's |");
        if with_sklearn {
            s.push_str(" time ÷ scikit-learn's (1 thread) |");
        }
        s.push_str(
            " slides' NumPy (presenter's machine) | note |\n|---|---|---|---|---|---|---|---|---|",
        );
        s.push_str(if with_sklearn { "---|\n" } else { "\n" });
        for r in rows {
            let (median, spread) = cell(&r.outcome);
            let base = backend_baseline(&self.rows, r).and_then(|b| b.outcome.median());
            let best = self.best(group, &r.param_without_threads());
            let mine = r.outcome.median();
            s.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} | {} |",
                r.name,
                r.threads,
                r.slide.as_deref().unwrap_or(""),
                median,
                spread,
                ratio(base, mine),
                ratio(mine, best),
            ));
            if with_sklearn {
                s.push_str(&format!(
                    " {} |",
                    ratio(mine, self.sklearn(group, &r.param_without_threads(), 1))
                ));
            }
            s.push_str(&format!(
                " {} | {} |\n",
                published(r.slide.as_deref())
                    .map(format_seconds)
                    .unwrap_or_default(),
                r.note.as_deref().unwrap_or("")
            ));
        }
        s
    }

    /// One line saying where and when the numbers were measured.
    pub fn provenance(&self) -> String {
        format!(
            "*Measured by `cargo bench` ({} profile) on {}, {} cores, {}, {} — see `reports/summary.md`. The slides' NumPy column was measured on the presenter's machine, not here.*",
            self.profile,
            self.machine.cpu,
            self.machine.cores,
            self.machine.rustc,
            self.machine.date
        )
    }

    /// Markdown snippets for the book (`book/src/generated/<name>.md`): each table with a line
    /// saying where it was measured, so prose never copies a number that the next run changes.
    pub fn book_snippets(&self) -> Vec<(String, String)> {
        let p = self.provenance();
        let mut tables: Vec<(String, String)> = STEP_GROUPS
            .iter()
            .map(|g| (g.id.to_string(), self.step_table(g.id)))
            .collect();
        for (id, title, axis) in [
            ("scale-n", "Scaling in n", "n"),
            ("scale-k", "Scaling in k", "k"),
            ("scale-d", "Scaling in d", "d"),
        ] {
            tables.push((id.into(), self.sweep_table(id, title, axis, false)));
        }
        for (id, title) in [
            ("mid", "n = 100 000, k = 64, d = 32"),
            ("mnist", "n = 60 000, k = 10, d = 784"),
            ("large", "n = 1 000 000, k = 256, d = 64, f32"),
        ] {
            tables.push((id.into(), self.grid_section(id, title)));
        }
        tables.push(("gflops".into(), self.gflops_section(false)));
        tables.push(("climb".into(), climb::markdown(&climb::climb(&self.rows))));
        tables.push((crate::default_fit::GROUP.into(), self.default_fit_section()));
        tables.push((crate::converge::GROUP.into(), self.converge_section()));
        // Per-slide and per-backend excerpts of the step groups, for the book's per-version pages.
        let steps = || {
            self.rows
                .iter()
                .filter(|r| STEP_GROUPS.iter().any(|g| g.id == r.group))
        };
        let mut slides: Vec<String> = steps()
            .filter_map(|r| slide_number(r.slide.as_deref()))
            .collect();
        slides.sort();
        slides.dedup();
        for n in slides {
            let rows = steps()
                .filter(|r| slide_number(r.slide.as_deref()).as_deref() == Some(n.as_str()))
                .collect();
            tables.push((format!("slide-{n}"), self.rows_table(rows)));
        }
        let mut backends: Vec<&str> = steps().map(Row::backend).collect();
        backends.sort_unstable();
        backends.dedup();
        for b in backends {
            tables.push((
                format!("backend-{b}"),
                self.rows_table(steps().filter(|r| r.backend() == b).collect()),
            ));
        }
        tables.push((
            "topic-gemm".into(),
            self.rows_table(steps().filter(|r| r.name.contains("gemm")).collect()),
        ));
        let mut out: Vec<(String, String)> = tables
            .into_iter()
            .filter(|(_, t)| !t.is_empty())
            .map(|(id, t)| (format!("{id}.md"), format!("{p}\n\n{t}")))
            .collect();
        out.push(("machine.md".into(), format!("{p}\n")));
        out
    }

    /// A compact table of chosen rows from the step groups.
    fn rows_table(&self, rows: Vec<&Row>) -> String {
        if rows.is_empty() {
            return String::new();
        }
        let mut s = String::from(
            "| step | variant | threads | median | spread | speed-up over its backend's first | slides' NumPy (presenter's machine) |\n|---|---|---|---|---|---|---|\n",
        );
        for r in rows {
            let (median, spread) = cell(&r.outcome);
            let base = backend_baseline(&self.rows, r).and_then(|b| b.outcome.median());
            s.push_str(&format!(
                "| {} | `{}` | {} | {} | {} | {} | {} |\n",
                r.group,
                r.name,
                r.threads,
                median,
                spread,
                ratio(base, r.outcome.median()),
                published(r.slide.as_deref())
                    .map(format_seconds)
                    .unwrap_or_default()
            ));
        }
        s
    }

    /// A sweep's section; `image` adds its chart (in `reports/`, where the chart sits beside
    /// it — the book's pages place their own images).
    fn sweep_table(&self, group: &str, title: &str, axis: &str, image: bool) -> String {
        let rows: Vec<&Row> = measured(&self.rows, group).collect();
        if rows.is_empty() {
            return String::new();
        }
        let value = |r: &Row| match axis {
            "n" => r.n,
            "k" => r.k,
            _ => r.d,
        };
        let mut xs: Vec<usize> = rows.iter().map(|r| value(r)).collect();
        xs.sort_unstable();
        xs.dedup();
        let mut by_name: BTreeMap<&str, BTreeMap<usize, &Row>> = BTreeMap::new();
        for r in &rows {
            by_name.entry(&r.name).or_default().insert(value(r), r);
        }
        let fixed = match axis {
            "n" => format!("k = {}, d = {}", rows[0].k, rows[0].d),
            "k" => format!("n = {}, d = {}", rows[0].n, rows[0].d),
            _ => format!("n = {}, k = {}", rows[0].n, rows[0].k),
        };
        let mut s = format!(
            "## {title}\n\nOne whole iteration per variant, {fixed}, uniform data, {}; every thread.\n\n{}| variant |",
            rows[0].dtype,
            if image {
                format!("![{title}]({group}.svg)\n\n")
            } else {
                String::new()
            }
        );
        for x in &xs {
            s.push_str(&format!(" {axis} = {x} |"));
        }
        s.push_str("\n|---|");
        s.push_str(&"---|".repeat(xs.len()));
        s.push('\n');
        for (name, cells) in by_name {
            s.push_str(&format!("| `{name}` |"));
            for x in &xs {
                let c = cells.get(x).map(|r| cell(&r.outcome).0).unwrap_or_default();
                s.push_str(&format!(" {c} |"));
            }
            s.push('\n');
        }
        s.push('\n');
        s
    }

    fn grid_section(&self, group: &str, title: &str) -> String {
        let rows: Vec<&Row> = measured(&self.rows, group).collect();
        if rows.is_empty() {
            return String::new();
        }
        let mut s = format!(
            "## {title}\n\n| variant | step | dtype | threads | median | spread | GFLOP/s (2·n·k·d) | % of peak | time ÷ scikit-learn's (same dtype and threads) | note |\n|---|---|---|---|---|---|---|---|---|---|\n"
        );
        for r in rows {
            let (median, spread) = cell(&r.outcome);
            let sk = self.sklearn(group, &r.param_without_threads(), r.threads);
            let step = if r.param.contains("assign") {
                "assign"
            } else {
                "iteration"
            };
            s.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.name,
                step,
                r.dtype,
                r.threads,
                median,
                spread,
                r.gflops().map(|g| format!("{g:.1}")).unwrap_or_default(),
                self.percent_of_peak(r),
                if r.backend() == "scikit-learn" {
                    String::new()
                } else {
                    ratio(r.outcome.median(), sk)
                },
                r.note.as_deref().unwrap_or("")
            ));
        }
        s.push('\n');
        s
    }

    fn gflops_rows(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|r| {
                (r.group == "assign" || (r.group == "large" && r.param.contains("assign")))
                    && r.source == Source::Rust
            })
            .filter(|r| r.outcome.median().is_some())
            .collect()
    }

    /// The highest one-thread peak measured for `dtype`, by any method.
    fn peak(&self, dtype: &str) -> Option<f64> {
        self.peaks
            .iter()
            .filter(|p| p.dtype == dtype)
            .map(|p| p.gflops)
            .reduce(f64::max)
    }

    /// A row's GFLOP/s as a share of the best one-thread peak of its float type × its threads.
    fn percent_of_peak(&self, r: &Row) -> String {
        match (r.gflops(), self.peak(&r.dtype)) {
            (Some(g), Some(p)) if p > 0.0 => {
                format!("{:.0} %", 100.0 * g / (p * r.threads.max(1) as f64))
            }
            _ => String::new(),
        }
    }

    /// The GFLOP/s section; `image` as in [`Report::sweep_table`].
    fn gflops_section(&self, image: bool) -> String {
        let rows = self.gflops_rows();
        if rows.is_empty() {
            return String::new();
        }
        let mut s = format!(
            "## Achieved GFLOP/s\n\nCounting 2·n·k·d flops per assignment (the matrix product X·Cᵀ), against the best measured one-thread matrix-product peak of the same float type (the best of every size and method above) × threads.\n\n{}| variant | shape | dtype | threads | GFLOP/s | % of peak |\n|---|---|---|---|---|---|\n",
            if image {
                "![GFLOP/s](gflops.svg)\n\n"
            } else {
                ""
            }
        );
        for r in rows {
            s.push_str(&format!(
                "| `{}` | n={} k={} d={} | {} | {} | {:.2} | {} |\n",
                r.name,
                r.n,
                r.k,
                r.d,
                r.dtype,
                r.threads,
                r.gflops().unwrap_or(0.0),
                self.percent_of_peak(r)
            ));
        }
        s.push('\n');
        s
    }

    /// The reference run's home: `reports/` under `root`, plus copies of the charts in
    /// `book/src/img/` and the tables in `book/src/generated/` (mdbook copies only what is under
    /// `src/` into its output, so the book cannot point into `reports/`). Returns the charts.
    ///
    /// # Errors
    /// If a file cannot be written.
    pub fn publish(
        &self,
        root: &Path,
    ) -> Result<Vec<std::path::PathBuf>, Box<dyn std::error::Error>> {
        let charts = self.write(&root.join("reports"))?;
        let book = root.join("book").join("src");
        let (img, generated) = (book.join("img"), book.join("generated"));
        std::fs::create_dir_all(&img)?;
        std::fs::create_dir_all(&generated)?;
        for chart in &charts {
            std::fs::copy(chart, img.join(chart.file_name().unwrap_or_default()))?;
        }
        for (name, text) in self.book_snippets() {
            std::fs::write(generated.join(name), text)?;
        }
        Ok(charts)
    }

    /// Write `summary.md`, `results.json` and every chart into `dir`; returns the chart files.
    ///
    /// # Errors
    /// If a file cannot be written.
    pub fn write(&self, dir: &Path) -> Result<Vec<std::path::PathBuf>, Box<dyn std::error::Error>> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(dir.join("summary.md"), self.summary_markdown())?;
        std::fs::write(
            dir.join("results.json"),
            serde_json::to_string_pretty(self)? + "\n",
        )?;
        let mut charts = Vec::new();
        let mut chart = |name: &str, result: render::DrawResult| match result {
            Ok(()) => charts.push(dir.join(name)),
            Err(e) => eprintln!("note: {name} not drawn: {e}"),
        };
        for g in STEP_GROUPS {
            let bars = self.step_bars(g.id);
            let path = dir.join(format!("{}.svg", g.id));
            let title = format!("{} — n=5000, k=26, d=26, f64", g.title);
            chart(
                &format!("{}.svg", g.id),
                render::bar_chart(
                    &path,
                    &title,
                    "median time per call (log scale); note: time and speed-up over the backend's first variant",
                    Axis::LogSeconds,
                    &bars,
                    &[],
                ),
            );
        }
        for (id, title, axis) in [
            ("scale-n", "Scaling in n (k=26, d=26)", "n (points)"),
            ("scale-k", "Scaling in k (n=5000, d=26)", "k (clusters)"),
            ("scale-d", "Scaling in d (n=5000, k=26)", "d (dimensions)"),
        ] {
            let series = self.sweep_series(id);
            chart(
                &format!("{id}.svg"),
                render::line_chart(
                    &dir.join(format!("{id}.svg")),
                    &format!("{title}: one Lloyd iteration"),
                    &format!("{axis}, log scale"),
                    "median time per iteration, log scale",
                    &series,
                ),
            );
        }
        let rows = self.gflops_rows();
        let bars: Vec<Bar> = rows
            .iter()
            .map(|r| Bar {
                label: format!(
                    "{} ({}, {} thread{}, n={})",
                    r.name,
                    r.dtype,
                    r.threads,
                    if r.threads == 1 { "" } else { "s" },
                    r.n
                ),
                value: r.gflops().unwrap_or(0.0),
                group: r.backend().to_string(),
                note: format!("{:.1}", r.gflops().unwrap_or(0.0)),
                start: None,
            })
            .collect();
        let markers: Vec<Marker> = self
            .best_peaks()
            .into_iter()
            .map(|p| Marker {
                label: format!(
                    "{} peak, 1 thread: {:.0} ({}, {}³)",
                    p.dtype, p.gflops, p.method, p.size
                ),
                value: p.gflops,
            })
            .collect();
        chart(
            "gflops.svg",
            render::bar_chart(
                &dir.join("gflops.svg"),
                "Assignment: achieved GFLOP/s (2·n·k·d per call)",
                "GFLOP/s",
                Axis::Linear,
                &bars,
                &markers,
            ),
        );
        let steps = climb::climb(&self.rows);
        let bars: Vec<Bar> = steps
            .iter()
            .enumerate()
            .map(|(i, st)| Bar {
                label: format!("{}. {}", i + 1, st.idea),
                value: st.seconds,
                group: st.what.split('/').next().unwrap_or("").to_string(),
                note: if i == 0 {
                    format_seconds(st.seconds)
                } else {
                    format!(
                        "{}  {}",
                        climb::factor(steps[i - 1].seconds, st.seconds),
                        format_seconds(st.seconds)
                    )
                },
                start: (i > 0).then(|| steps[i - 1].seconds),
            })
            .collect();
        chart(
            "climb.svg",
            render::bar_chart(
                &dir.join("climb.svg"),
                "The whole climb: the slides' 50-iteration fit (n=5000, k=26, d=26, f64)",
                "time of the 50-iteration fit (log scale); each bar runs from the previous step's time to this one's",
                Axis::LogSeconds,
                &bars,
                &[],
            ),
        );
        Ok(charts)
    }

    fn step_bars(&self, group: &str) -> Vec<Bar> {
        measured(&self.rows, group)
            .filter_map(|r| {
                let t = r.outcome.median()?;
                let base = backend_baseline(&self.rows, r).and_then(|b| b.outcome.median());
                let speedup = ratio(base, Some(t));
                let note = if speedup.is_empty() || speedup == "1.0×" {
                    format_seconds(t)
                } else {
                    format!("{}  {}", format_seconds(t), speedup)
                };
                Some(Bar {
                    label: format!(
                        "{} ({} thread{})",
                        r.name,
                        r.threads,
                        if r.threads == 1 { "" } else { "s" }
                    ),
                    value: t,
                    group: r.backend().to_string(),
                    note,
                    start: None,
                })
            })
            .collect()
    }

    fn sweep_series(&self, group: &str) -> Vec<Series> {
        let mut by_name: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
        for r in measured(&self.rows, group) {
            if let Some(t) = r.outcome.median() {
                let x = match group {
                    "scale-n" => r.n,
                    "scale-k" => r.k,
                    _ => r.d,
                } as f64;
                by_name.entry(&r.name).or_default().push((x, t));
            }
        }
        by_name
            .into_iter()
            .map(|(name, mut points)| {
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                Series {
                    name: name.to_string(),
                    points,
                }
            })
            .collect()
    }
}

impl Row {
    /// The parameter string without its ` t=…` thread suffix, to pair rows across thread counts.
    pub fn param_without_threads(&self) -> String {
        self.param
            .split(" t=")
            .next()
            .unwrap_or(&self.param)
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::FitStats;

    fn row(group: &str, name: &str, median: f64, slide: Option<&str>) -> Row {
        Row {
            group: group.into(),
            name: name.into(),
            param: "n=5000 k=26 d=26 f64 t=1".into(),
            n: 5000,
            k: 26,
            d: 26,
            dtype: "f64".into(),
            threads: 1,
            slide: slide.map(str::to_string),
            source: if name.starts_with("scikit") {
                Source::Python
            } else {
                Source::Rust
            },
            outcome: Outcome::Measured {
                median_s: median,
                mad_s: median / 100.0,
                lower_s: median,
                upper_s: median,
            },
            note: None,
            fit: None,
        }
    }

    fn default_fit_row(name: &str, t: f64, init_s: Option<f64>, inertia: f64) -> Row {
        Row {
            group: "default-fit".into(),
            param: "n=100000 k=64 d=32 f32 blobs t=1".into(),
            n: 100_000,
            k: 64,
            d: 32,
            dtype: "f32".into(),
            fit: Some(FitStats {
                iterations: 12.0,
                inertia: Some(inertia),
                init_s,
                rounds: 3,
            }),
            ..row("default-fit", name, t, None)
        }
    }

    fn report() -> Report {
        Report {
            machine: MachineInfo::collect(),
            profile: "quick".into(),
            rows: vec![
                row(
                    "assign",
                    "loops/assign/v1-literal",
                    4e-3,
                    Some("32 · Original Assignment Step"),
                ),
                row("assign", "loops/assign/v5-lanes", 1e-3, None),
                row("iteration", "loops/iter/fused", 1e-3, None),
                row("iteration", "scikit-learn/iter/lloyd", 0.5e-3, None),
                Row {
                    outcome: Outcome::Skipped {
                        reason: "needs 5.4 GB".into(),
                    },
                    ..row("scale-n", "ndarray/iter/v3", 0.0, None)
                },
                default_fit_row("kmeans-workshop/default/k-means++", 0.4, Some(0.05), 100.0),
                default_fit_row("scikit-learn/default/KMeans", 1.6, None, 102.0),
                default_fit_row("scikit-learn-intelex/default/KMeans", 0.5, None, 101.0),
                Row {
                    outcome: Outcome::Missing {
                        reason: "not run: faiss does not import".into(),
                    },
                    ..default_fit_row("faiss/default/Kmeans", 0.0, None, 0.0)
                },
            ],
            peaks: vec![Peak {
                dtype: "f64".into(),
                size: 1024,
                gflops: 50.0,
                method: "ndarray dot".into(),
            }],
            python: "not run: test".into(),
            isa: "avx2".into(),
            statuses: BTreeMap::new(),
        }
    }

    #[test]
    fn summary_has_speedups_published_numbers_and_skips() {
        let md = report().summary_markdown();
        assert!(
            md.contains(
                "| `loops/assign/v5-lanes` | 1 |  | 1.00 ms | ± 10.0 µs | 4.0× | 1.0× |  |  |"
            ),
            "{md}"
        );
        assert!(
            md.contains("1.01 s"),
            "the slides' v1 number is shown for slide 32"
        );
        assert!(
            md.contains("| `loops/iter/fused` | 1 |  | 1.00 ms | ± 10.0 µs | 1.0× | 1.0× | 2.0× |"),
            "ratio against scikit-learn: {md}"
        );
        assert!(md.contains("needs 5.4 GB"));
        assert!(md.contains("GFLOP/s"));
    }

    #[test]
    fn default_fit_table_has_ratios_init_share_inertia_and_targets() {
        let md = report().default_fit_section();
        assert!(md.contains("### n=100000 k=64 d=32 f32 blobs"), "{md}");
        let ours = md
            .lines()
            .find(|l| l.starts_with("| `kmeans-workshop/default/k-means++`"))
            .expect("our row");
        for cell in [
            "| 400 ms |",
            "| 0.25× |",
            "| 0.80× |",
            "| 50.0 ms | 12 % |",
            "| 0.9901 |",
            "✓ ≤ 0.40× scikit-learn, ✗ ≤ 0.67× intelex, ✓ inertia ≤ 1.03× best peer's",
        ] {
            assert!(ours.contains(cell), "{cell} missing in {ours}");
        }
        assert!(md.contains("not run: faiss does not import"), "{md}");
        assert_tables_are_rectangular(&md);
        assert!(
            report()
                .book_snippets()
                .iter()
                .any(|(n, t)| n == "default-fit.md" && t.contains("k-means++"))
        );
    }

    #[test]
    fn book_snippets_carry_provenance_and_tables() {
        let snippets = report().book_snippets();
        let assign = &snippets
            .iter()
            .find(|(n, _)| n == "assign.md")
            .expect("assign table")
            .1;
        assert!(
            assign.starts_with("*Measured by `cargo bench` (quick profile)"),
            "{assign}"
        );
        assert!(assign.contains("`loops/assign/v5-lanes`"));
        assert!(snippets.iter().any(|(n, _)| n == "machine.md"));
        assert!(
            !snippets.iter().any(|(n, _)| n == "update.md"),
            "no rows, no snippet"
        );
    }

    /// Every row of every Markdown table has as many cells as its header.
    fn assert_tables_are_rectangular(md: &str) {
        let cells = |line: &str| line.trim().trim_matches('|').split('|').count();
        let mut header: Option<usize> = None;
        for line in md.lines() {
            if !line.starts_with('|') {
                header = None;
                continue;
            }
            match header {
                None => header = Some(cells(line)),
                Some(h) => assert_eq!(cells(line), h, "row `{line}` in:\n{md}"),
            }
        }
    }

    #[test]
    fn every_table_row_matches_its_header() {
        let r = report();
        assert_tables_are_rectangular(&r.summary_markdown());
        for (name, text) in r.book_snippets() {
            assert!(!name.is_empty());
            assert_tables_are_rectangular(&text);
        }
    }

    #[test]
    fn published_numbers_are_found_by_slide_number() {
        assert_eq!(published(Some("83 · Sparse")), Some(491e-6));
        assert_eq!(
            published(Some("58 · Assignment Step v4 - Improving Norm")),
            Some(17.8e-3)
        );
        assert_eq!(published(None), None);
    }

    #[test]
    fn write_produces_summary_json_and_charts() {
        let dir = std::env::temp_dir().join(format!("kmeans-report-{}", std::process::id()));
        let charts = report().write(&dir).unwrap();
        assert!(charts.iter().any(|c| c.ends_with("assign.svg")));
        assert!(charts.iter().any(|c| c.ends_with("gflops.svg")));
        let back: Report =
            serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap())
                .unwrap();
        assert_eq!(back.rows, report().rows);
        assert_eq!(back.peaks, report().peaks);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
