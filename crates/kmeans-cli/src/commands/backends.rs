//! `kmeans backends`.

use std::io::Write;

use kmeans_workshop::{Precision, Registry, VariantInfo, fastest, registry};
use serde::Serialize;

use super::print_json;
use crate::args::BackendsArgs;
use crate::error::Result;

/// One line of `kmeans backends --json`.
#[derive(Debug, Serialize)]
pub struct BackendEntry {
    /// `assign`, `update` or `iter`.
    pub kind: &'static str,
    /// Stable name.
    pub name: String,
    /// What changed and why it is faster.
    pub summary: &'static str,
    /// The slide it mirrors.
    pub slide: Option<&'static str>,
    /// Float types implemented (`f32`, `f64`).
    pub dtypes: Vec<&'static str>,
    /// `exact` or `dot-product` distances.
    pub precision: &'static str,
    /// Runs on several threads.
    pub parallel: bool,
    /// Float types for which `kmeans fit` picks it without `--backend`.
    pub default_for: Vec<&'static str>,
}

/// Every registered variant, assignment steps first, then updates, then whole iterations.
pub fn backend_entries(registry: &Registry) -> Vec<BackendEntry> {
    let defaults = [
        (fastest::<f32>().name().to_owned(), "f32"),
        (fastest::<f64>().name().to_owned(), "f64"),
    ];
    let entry = |kind, info: &VariantInfo, f32: bool, f64: bool| BackendEntry {
        kind,
        name: info.name.clone(),
        summary: info.summary,
        slide: info.slide,
        dtypes: [(f32, "f32"), (f64, "f64")]
            .into_iter()
            .filter_map(|(has, name)| has.then_some(name))
            .collect(),
        precision: match info.precision {
            Precision::Exact => "exact",
            Precision::DotProduct => "dot-product",
        },
        parallel: info.parallel,
        default_for: if kind == "iter" {
            defaults
                .iter()
                .filter(|(name, _)| *name == info.name)
                .map(|&(_, dtype)| dtype)
                .collect()
        } else {
            Vec::new()
        },
    };
    let assign = registry
        .assign
        .iter()
        .map(|v| entry("assign", &v.info, v.f32.is_some(), v.f64.is_some()));
    let update = registry
        .update
        .iter()
        .map(|v| entry("update", &v.info, v.f32.is_some(), v.f64.is_some()));
    let iterate = registry
        .iterate
        .iter()
        .map(|v| entry("iter", &v.info, v.f32.is_some(), v.f64.is_some()));
    assign.chain(update).chain(iterate).collect()
}

/// `kmeans backends`.
///
/// # Errors
/// Only a failure to write to stdout.
pub fn backends(a: &BackendsArgs) -> Result<()> {
    let entries = backend_entries(&registry());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if a.json {
        print_json(&mut out, &entries)?;
        out.flush()?;
        return Ok(());
    }
    let width = entries.iter().map(|e| e.name.len()).max().unwrap_or(0);
    let sections = [
        (
            "assign",
            "Assignment steps (combine with an update: --backend ASSIGN+UPDATE)",
        ),
        ("update", "Update steps"),
        ("iter", "Whole iterations (--backend NAME)"),
    ];
    for (i, (kind, title)) in sections.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{title}")?;
        for e in entries.iter().filter(|e| e.kind == *kind) {
            let mut notes = vec![format!("{:<7}", e.dtypes.join(" "))];
            if e.precision != "exact" {
                notes.push(e.precision.to_owned());
            }
            if e.parallel {
                notes.push("parallel".into());
            }
            if !e.default_for.is_empty() {
                notes.push(format!("default for {}", e.default_for.join(", ")));
            }
            writeln!(out, "  {:<width$}  {}", e.name, notes.join("  ").trim_end())?;
            let slide = e.slide.map(|s| format!(" [slide {s}]")).unwrap_or_default();
            writeln!(out, "  {:<width$}    {}{slide}", "", e.summary)?;
        }
    }
    out.flush()?;
    Ok(())
}
