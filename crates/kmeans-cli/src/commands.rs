//! The subcommands. Each checks what it can before the long part (output paths, backend
//! name), reads its input, computes, and only then writes its outputs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use kmeans_workshop::{
    Dtype, Error, Init, IterationLog, IterationVariant, KMeans, Matrix, Precision, Registry,
    Scalar, VariantInfo, data, fastest, registry,
};
use ndarray_npy::WritableElement;
use serde::Serialize;

use crate::args::{BackendsArgs, CsvArgs, DemoArgs, DtypeArg, FitArgs, GenerateArgs, PredictArgs};
use crate::error::{CliError, Result};
use crate::input::{self, Data, Format};
use crate::output::{self, Staged};
use crate::progress::Progress;

impl From<DtypeArg> for Dtype {
    fn from(d: DtypeArg) -> Self {
        match d {
            DtypeArg::F32 => Dtype::F32,
            DtypeArg::F64 => Dtype::F64,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Backends by name

/// The whole-iteration variant called `name` in the registry: a registered whole iteration, or
/// `ASSIGN+UPDATE` composed from two registered steps.
///
/// # Errors
/// An unknown name, with the part that is unknown, near names if any, and how to list them all.
pub fn backend_named(registry: &Registry, name: &str) -> Result<IterationVariant> {
    if let Some(v) = registry.iteration_named(name) {
        return Ok(v);
    }
    let hint = "run `kmeans backends` to list the names";
    if let Some((a, u)) = name.split_once('+') {
        if registry.assign_named(a).is_none() {
            return Err(CliError::msg(format!(
                "unknown assignment step '{a}' in --backend {name}{}: {hint}",
                near(registry.assign.iter().map(|v| v.name()), a)
            )));
        }
        if registry.update_named(u).is_none() {
            return Err(CliError::msg(format!(
                "unknown update step '{u}' in --backend {name}{}: {hint}",
                near(registry.update.iter().map(|v| v.name()), u)
            )));
        }
    }
    Err(CliError::msg(format!(
        "unknown backend '{name}'{}: {hint} (a whole iteration, or ASSIGN+UPDATE)",
        near(registry.iterate.iter().map(|v| v.name()), name)
    )))
}

/// ` (did you mean a, b?)` for names that contain `given` or end with it.
fn near<'a>(names: impl Iterator<Item = &'a str>, given: &str) -> String {
    let given_lc = given.to_ascii_lowercase();
    let found: Vec<&str> = names
        .filter(|n| !given_lc.is_empty() && n.to_ascii_lowercase().contains(&given_lc))
        .take(4)
        .collect();
    if found.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", found.join(", "))
    }
}

/// The implementation of `variant` for `T`, or an error saying which dtype to use instead.
fn require<T: Scalar>(
    variant: &IterationVariant,
) -> Result<&dyn kmeans_workshop::IterationStep<T>> {
    variant.require::<T>().map_err(|_| {
        let other = match T::DTYPE {
            Dtype::F32 => "f64",
            Dtype::F64 => "f32",
        };
        CliError::msg(format!(
            "backend {} has no {} implementation: use --dtype {other} or another backend",
            variant.name(),
            T::DTYPE
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// Errors from the library, placed on the file they are about

/// Which file each matrix of a library error came from.
struct Sources<'a> {
    data: &'a Path,
    centroids: Option<&'a Path>,
}

impl Sources<'_> {
    fn error(&self, e: Error) -> CliError {
        let data = self.data;
        let about = |what: &str| match what {
            "data" => Some(data),
            _ => self.centroids,
        };
        match &e {
            // The library counts rows and columns from 0, like NumPy indexing.
            Error::NonFinite { what, .. } | Error::ValueTooLarge { what, .. } => {
                match about(what) {
                    Some(p) => CliError::at(p, format!("{e} (rows and columns count from 0)")),
                    None => e.into(),
                }
            }
            Error::ShapeMismatch { .. } => match self.centroids {
                Some(p) => CliError::at(p, &e),
                None => e.into(),
            },
            Error::DimensionMismatch {
                data: dd,
                centroids: cd,
            } => match self.centroids {
                Some(p) => CliError::msg(format!(
                    "{} has {dd} dimensions but the centroids in {} have {cd}",
                    data.display(),
                    p.display()
                )),
                None => e.into(),
            },
            Error::EmptyInput
            | Error::ZeroDimensions
            | Error::TooManyClusters { .. }
            | Error::TooFewDistinct { .. }
            | Error::TooLarge { what: "n", .. } => CliError::at(data, &e),
            _ => e.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// fit

/// How the initial centroids are chosen, as given to `--init`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitArg {
    /// `random`: the slides' k random distinct points.
    Random,
    /// `kmeans++` (or `k-means++`).
    KMeansPlusPlus,
    /// A file of K×D centroids.
    File(PathBuf),
}

impl InitArg {
    /// Parse `--init`: a keyword, or else a path with a known extension.
    ///
    /// # Errors
    /// A path whose extension is not a known format.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "random" => Ok(Self::Random),
            "kmeans++" | "k-means++" => Ok(Self::KMeansPlusPlus),
            path => {
                let path = PathBuf::from(path);
                Format::of(&path).map_err(|_| {
                    CliError::msg(format!(
                        "--init {s}: expected `random`, `kmeans++`, or a .npy/.csv file of centroids"
                    ))
                })?;
                Ok(Self::File(path))
            }
        }
    }

    fn label(&self) -> String {
        match self {
            Self::Random => "random".into(),
            Self::KMeansPlusPlus => "kmeans++".into(),
            Self::File(p) => p.display().to_string(),
        }
    }
}

/// What `kmeans fit --json` prints.
#[derive(Debug, Serialize)]
pub struct FitReport {
    /// Whole-iteration variant that ran.
    pub backend: String,
    /// The data file.
    pub data: String,
    /// Points.
    pub n: usize,
    /// Dimensions.
    pub d: usize,
    /// Clusters.
    pub k: usize,
    /// Float type computed in.
    pub dtype: &'static str,
    /// `random`, `kmeans++` or the centroids file.
    pub init: String,
    /// Seed of the random init.
    pub seed: u64,
    /// Runs (1 with centroids from a file).
    pub n_init: usize,
    /// Iteration limit per run.
    pub max_iter: usize,
    /// Convergence tolerance.
    pub tol: f64,
    /// Threads asked for (`null`: all cores).
    pub threads: Option<usize>,
    /// Iterations run by the kept run.
    pub iterations: usize,
    /// Whether it met the convergence rule before `max_iter`.
    pub converged: bool,
    /// Sum of squared distances to the labelled centroid.
    pub inertia: f64,
    /// Seconds in the library's `fit` (validation, init, iterations; no file I/O).
    pub fit_seconds: f64,
    /// Seconds spent reading the data file.
    pub read_seconds: f64,
    /// Where the labels were written.
    pub labels_out: Option<String>,
    /// Where the centroids were written.
    pub centroids_out: Option<String>,
}

/// `kmeans fit`.
///
/// # Errors
/// Bad arguments, unreadable or invalid input, an unknown backend, unwritable outputs.
pub fn fit(a: &FitArgs) -> Result<()> {
    for path in [&a.labels_out, &a.centroids_out].into_iter().flatten() {
        output::check_output(path)?;
    }
    let init = InitArg::parse(&a.init)?;
    let variant = a
        .backend
        .as_deref()
        .map(|name| backend_named(&registry(), name))
        .transpose()?;
    let start = Instant::now();
    let data = input::read_matrix(&a.data, &a.csv.options())?;
    let read_seconds = start.elapsed().as_secs_f64();
    match a.dtype.map_or(data.dtype(), Dtype::from) {
        Dtype::F32 => fit_typed::<f32>(a, data, init, variant, read_seconds),
        Dtype::F64 => fit_typed::<f64>(a, data, init, variant, read_seconds),
    }
}

fn read_typed<T: Scalar>(path: &Path, csv: &CsvArgs) -> Result<Matrix<T>> {
    input::read_matrix(path, &csv.options())?
        .into_typed::<T>()
        .map_err(|e| e.in_file(path))
}

fn fit_typed<T: Scalar + WritableElement>(
    a: &FitArgs,
    data: Data,
    init: InitArg,
    variant: Option<IterationVariant>,
    read_seconds: f64,
) -> Result<()> {
    let points = data.into_typed::<T>().map_err(|e| e.in_file(&a.data))?;
    let variant = variant.unwrap_or_else(fastest::<T>);
    let step = require::<T>(&variant)?;
    let init_file = match &init {
        InitArg::File(p) => Some(p.as_path()),
        _ => None,
    };
    let sources = Sources {
        data: &a.data,
        centroids: init_file,
    };
    let initial = match &init {
        InitArg::Random => Init::Random,
        InitArg::KMeansPlusPlus => Init::KMeansPlusPlus,
        InitArg::File(path) => {
            let c = read_typed::<T>(path, &a.csv)?;
            // Checked here, before the data, so the message names the centroids file.
            kmeans_workshop::validate::check_centroids(c.view(), a.k, points.d())
                .map_err(|e| sources.error(e))?;
            Init::Centroids(c)
        }
    };
    let runs = if init_file.is_some() { 1 } else { a.n_init };
    let progress = Progress::start(
        runs,
        a.max_iter,
        !a.quiet && !a.verbose && Progress::wanted(),
    );
    let mut kmeans = KMeans::new(a.k)
        .init(initial)
        .max_iter(a.max_iter)
        .tol(a.tol)
        .seed(a.seed)
        .n_init(a.n_init)
        .threads(a.threads);
    kmeans = if a.verbose {
        kmeans.on_iteration(verbose_log(runs))
    } else {
        kmeans.on_iteration(progress.observer())
    };
    let start = Instant::now();
    let fit = kmeans.fit(step, points.view());
    let fit_seconds = start.elapsed().as_secs_f64();
    progress.finish();
    let fit = fit.map_err(|e| sources.error(e))?;

    let mut staged: Vec<Staged> = Vec::new();
    if let Some(path) = &a.labels_out {
        staged.push(output::stage_labels(path, &fit.labels)?);
    }
    if let Some(path) = &a.centroids_out {
        staged.push(output::stage_matrix(path, &fit.centroids)?);
    }
    output::commit_all(staged)?;

    let report = FitReport {
        backend: variant.name().to_owned(),
        data: a.data.display().to_string(),
        n: points.n(),
        d: points.d(),
        k: a.k,
        dtype: T::DTYPE.name(),
        init: init.label(),
        seed: a.seed,
        n_init: runs,
        max_iter: a.max_iter,
        tol: a.tol,
        threads: a.threads,
        iterations: fit.iterations,
        converged: fit.converged,
        inertia: fit.inertia,
        fit_seconds,
        read_seconds,
        labels_out: a.labels_out.as_ref().map(|p| p.display().to_string()),
        centroids_out: a.centroids_out.as_ref().map(|p| p.display().to_string()),
    };
    let mut out = std::io::stdout().lock();
    if a.json {
        print_json(&mut out, &report)?;
    } else if !a.quiet {
        let r = &report;
        writeln!(out, "backend     {}", r.backend)?;
        writeln!(
            out,
            "data        {}: {} points × {} dimensions, {}",
            r.data, r.n, r.d, r.dtype
        )?;
        writeln!(out, "k           {}", r.k)?;
        writeln!(out, "iterations  {}", r.iterations)?;
        writeln!(out, "converged   {}", r.converged)?;
        writeln!(out, "inertia     {}", r.inertia)?;
        writeln!(
            out,
            "fit time    {:.3} s (reading the data: {:.3} s)",
            r.fit_seconds, r.read_seconds
        )?;
        for (what, path) in [("labels", &r.labels_out), ("centroids", &r.centroids_out)] {
            if let Some(path) = path {
                writeln!(out, "{what:<11} {path}")?;
            }
        }
    }
    Ok(())
}

/// `--verbose`: one line per iteration on stderr (stdout stays the result, e.g. for `--json`).
fn verbose_log(runs: usize) -> impl Fn(&IterationLog) + Send + Sync + 'static {
    move |log: &IterationLog| {
        let run = if runs > 1 {
            format!("run {}/{runs}  ", log.run + 1)
        } else {
            String::new()
        };
        let relocated = if log.relocated > 0 {
            format!("  relocated {} empty cluster(s)", log.relocated)
        } else {
            String::new()
        };
        let _ = writeln!(
            std::io::stderr().lock(),
            "{run}iteration {:>4}  inertia {:<22}  shift {:.6e}{relocated}",
            log.iteration,
            log.inertia,
            log.shift
        );
    }
}

fn print_json(out: &mut impl Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(|e| match e.io_error_kind() {
        Some(kind) => std::io::Error::from(kind).into(),
        None => CliError::msg(format!("cannot format JSON: {e}")),
    })?;
    writeln!(out)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// predict

/// What `kmeans predict --json` prints.
#[derive(Debug, Serialize)]
pub struct PredictReport {
    /// Variant whose assignment ran.
    pub backend: String,
    /// Points.
    pub n: usize,
    /// Dimensions.
    pub d: usize,
    /// Centroids.
    pub k: usize,
    /// Float type computed in.
    pub dtype: &'static str,
    /// Sum of squared distances to the nearest centroid.
    pub inertia: f64,
    /// Seconds in the library's `predict` (validation and assignment).
    pub predict_seconds: f64,
    /// Where the labels were written, if they were.
    pub labels_out: Option<String>,
    /// The labels themselves, when not written to a file.
    pub labels: Option<Vec<u32>>,
}

/// `kmeans predict`.
///
/// # Errors
/// Bad arguments, unreadable or invalid input, mismatched dimensions, unwritable output.
pub fn predict(a: &PredictArgs) -> Result<()> {
    if let Some(path) = &a.labels_out {
        output::check_output(path)?;
    }
    Format::of(&a.centroids)?;
    let variant = a
        .backend
        .as_deref()
        .map(|name| backend_named(&registry(), name))
        .transpose()?;
    let data = input::read_matrix(&a.data, &a.csv.options())?;
    match a.dtype.map_or(data.dtype(), Dtype::from) {
        Dtype::F32 => predict_typed::<f32>(a, data, variant),
        Dtype::F64 => predict_typed::<f64>(a, data, variant),
    }
}

fn predict_typed<T: Scalar>(
    a: &PredictArgs,
    data: Data,
    variant: Option<IterationVariant>,
) -> Result<()> {
    let points = data.into_typed::<T>().map_err(|e| e.in_file(&a.data))?;
    let centroids = read_typed::<T>(&a.centroids, &a.csv)?;
    let variant = variant.unwrap_or_else(fastest::<T>);
    let step = require::<T>(&variant)?;
    let sources = Sources {
        data: &a.data,
        centroids: Some(&a.centroids),
    };
    let start = Instant::now();
    let (labels, inertia) = kmeans_workshop::predict(step, points.view(), centroids.view())
        .map_err(|e| sources.error(e))?;
    let predict_seconds = start.elapsed().as_secs_f64();
    if let Some(path) = &a.labels_out {
        output::commit_all(vec![output::stage_labels(path, &labels)?])?;
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = a.labels_out.as_ref().map(|p| p.display().to_string());
    if a.json {
        let report = PredictReport {
            backend: variant.name().to_owned(),
            n: points.n(),
            d: points.d(),
            k: centroids.n(),
            dtype: T::DTYPE.name(),
            inertia,
            predict_seconds,
            labels: written.is_none().then_some(labels),
            labels_out: written,
        };
        print_json(&mut out, &report)?;
    } else if let Some(path) = written {
        writeln!(
            out,
            "{} labels written to {path} (inertia {inertia}, {:.3} s)",
            labels.len(),
            predict_seconds
        )?;
    } else {
        for l in &labels {
            writeln!(out, "{l}")?;
        }
    }
    out.flush()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// backends

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

// ---------------------------------------------------------------------------------------------
// demo

/// `kmeans demo`.
///
/// # Errors
/// A folder that cannot be created or written.
pub fn demo(a: &DemoArgs) -> Result<()> {
    std::fs::create_dir_all(&a.out).map_err(|e| {
        CliError::at(
            &a.out,
            format!("cannot create the folder: {}", input::io_reason(&e)),
        )
    })?;
    let config = crate::demo::DemoConfig {
        seed: a.seed,
        ..Default::default()
    };
    let demo = crate::demo::run(&config)?;
    let mut staged = Vec::new();
    for frame in &demo.frames {
        let svg = crate::demo::render_svg(&demo, frame).map_err(CliError::msg)?;
        let path = a.out.join(crate::demo::file_name(demo.k, frame.iteration));
        staged.push(output::stage(&path, |w| w.write_all(svg.as_bytes()))?);
    }
    let paths: Vec<String> = staged
        .iter()
        .map(|s| s.dest().display().to_string())
        .collect();
    output::commit_all(staged)?;
    let mut out = std::io::stdout().lock();
    for (frame, path) in demo.frames.iter().zip(&paths) {
        writeln!(
            out,
            "K = {}, Iteration = {}  inertia {:>10.2}  {path}",
            demo.k, frame.iteration, frame.inertia
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// generate

/// `kmeans generate`.
///
/// # Errors
/// Zero or absurd sizes, a bad `--std`, unwritable outputs.
pub fn generate(a: &GenerateArgs) -> Result<()> {
    output::check_output(&a.out)?;
    if let Some(path) = &a.labels_out {
        output::check_output(path)?;
    }
    for (name, value) in [("--n", a.n), ("--d", a.d), ("-k", a.k)] {
        if value == 0 {
            return Err(CliError::msg(format!("{name} must be at least 1")));
        }
    }
    if !(a.std.is_finite() && a.std >= 0.0) {
        return Err(CliError::msg("--std must be a finite number >= 0"));
    }
    let dtype = Dtype::from(a.dtype);
    let fits =
        a.n.checked_mul(a.d)
            .and_then(|v| v.checked_mul(dtype.bytes()))
            .is_some_and(|bytes| bytes <= isize::MAX as usize);
    if !fits || a.n > u32::MAX as usize {
        return Err(CliError::msg(format!(
            "{} × {} values is more than this tool can hold",
            a.n, a.d
        )));
    }
    let start = Instant::now();
    let staged = match dtype {
        Dtype::F32 => generate_typed::<f32>(a)?,
        Dtype::F64 => generate_typed::<f64>(a)?,
    };
    output::commit_all(staged)?;
    writeln!(
        std::io::stdout().lock(),
        "wrote {}: {} points × {} dimensions, {dtype}, {} blobs (std {}, seed {}) in {:.2} s",
        a.out.display(),
        a.n,
        a.d,
        a.k,
        a.std,
        a.seed,
        start.elapsed().as_secs_f64()
    )?;
    Ok(())
}

fn generate_typed<T: Scalar + WritableElement>(a: &GenerateArgs) -> Result<Vec<Staged>> {
    let blobs = data::blobs::<T>(a.n, a.k, a.d, a.std, a.seed);
    let mut staged = vec![output::stage_matrix(&a.out, &blobs.data)?];
    if let Some(path) = &a.labels_out {
        staged.push(output::stage_labels(path, &blobs.labels)?);
    }
    Ok(staged)
}
