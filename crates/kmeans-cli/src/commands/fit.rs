//! `kmeans fit`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use kmeans_workshop::{
    Dtype, Fit, Init, IterationLog, IterationStep, IterationVariant, KMeans, KMeansModel,
    MiniBatchKMeans, MiniBatchLog, Points, Scalar, fastest, format_number, registry,
};
use ndarray_npy::{ViewElement, WritableElement};
use serde::Serialize;

use super::{Sources, backend_named, print_json, read_typed, require};
use crate::args::FitArgs;
use crate::error::{CliError, Result};
use crate::input::{Format, Source};
use crate::output::{self, Named, Staged};
use crate::progress::Progress;

/// How the initial centroids are chosen, as given to `--init`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitArg {
    /// `random`: the slides' k random distinct points.
    Random,
    /// `kmeans++` (or `k-means++`).
    KMeansPlusPlus,
    /// `kmeans||` (or `k-means||`): k-means|| with its usual defaults.
    KMeansParallel,
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
            "kmeans||" | "k-means||" => Ok(Self::KMeansParallel),
            path => {
                let path = PathBuf::from(path);
                Format::of(&path).map_err(|_| {
                    CliError::msg(format!(
                        "--init {s}: expected `random`, `kmeans++`, `kmeans||`, or a .npy/.csv file of centroids"
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
            Self::KMeansParallel => "kmeans||".into(),
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
    /// `--mini-batch` size (`null`: Lloyd); `iterations` are then mini-batch steps.
    pub mini_batch: Option<usize>,
    /// Whether the data was fitted in place from a memory-mapped .npy (not copied).
    pub in_place: bool,
    /// Where the labels were written.
    pub labels_out: Option<String>,
    /// Where the centroids were written.
    pub centroids_out: Option<String>,
    /// Where the model was written.
    pub model_out: Option<String>,
}

/// `kmeans fit`.
///
/// # Errors
/// Bad arguments, unreadable or invalid input, an unknown backend, unwritable outputs.
pub fn fit(a: &FitArgs) -> Result<()> {
    for path in [&a.labels_out, &a.centroids_out].into_iter().flatten() {
        output::check_output(path)?;
    }
    if let Some(path) = &a.model_out {
        output::check_model_output(path)?;
    }
    let init = InitArg::parse(&a.init)?;
    let mut inputs = vec![Named {
        name: "DATA",
        path: &a.data,
    }];
    if let InitArg::File(path) = &init {
        inputs.push(Named {
            name: "--init",
            path,
        });
    }
    let outputs: Vec<Named<'_>> = [
        ("--labels-out", &a.labels_out),
        ("--centroids-out", &a.centroids_out),
        ("--model-out", &a.model_out),
    ]
    .into_iter()
    .filter_map(|(name, path)| path.as_deref().map(|path| Named { name, path }))
    .collect();
    output::check_distinct(&inputs, &outputs)?;
    // Every parameter error (a negative tol, too many threads) before reading any data.
    parameters::<f64>(a).check()?;
    if a.mini_batch == Some(0) {
        return Err(CliError::msg(
            "--mini-batch 0: a batch needs at least one point",
        ));
    }
    let variant = a
        .backend
        .as_deref()
        .map(|name| backend_named(&registry(), name))
        .transpose()?;
    if let Some(threads) = a.threads {
        // The pool's threads start while the data is read.
        kmeans_workshop::start_pool(threads);
    }
    let start = Instant::now();
    let data = Source::open(&a.data, &a.csv.options(), !a.no_mmap)?;
    if a.mini_batch.is_none() {
        data.populate_if_it_fits();
    }
    let read_seconds = start.elapsed().as_secs_f64();
    match a.dtype.map_or(data.dtype(), Dtype::from) {
        Dtype::F32 => fit_typed::<f32>(a, data, init, variant, read_seconds),
        Dtype::F64 => fit_typed::<f64>(a, data, init, variant, read_seconds),
    }
}

fn fit_typed<T: Scalar + WritableElement + ViewElement>(
    a: &FitArgs,
    data: Source,
    init: InitArg,
    variant: Option<IterationVariant>,
    read_seconds: f64,
) -> Result<()> {
    let loaded = data.into_typed::<T>(&a.data)?;
    if let Some(note) = &loaded.note
        && !a.quiet
    {
        eprintln!("note: {}: {note}", a.data.display());
    }
    let points = loaded.points();
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
        InitArg::KMeansParallel => Init::kmeans_parallel(),
        InitArg::File(path) => {
            let c = read_typed::<T>(path, &a.csv)?;
            // Checked here, before the data, so the message names the centroids file.
            kmeans_workshop::validate::check_centroids(c.view(), a.k, points.d())
                .map_err(|e| sources.error(e))?;
            Init::Centroids(c)
        }
    };
    let runs = if init_file.is_some() || a.mini_batch.is_some() {
        1
    } else {
        a.n_init
    };
    let progress = Progress::start(
        runs,
        a.max_iter(),
        !a.quiet && !a.verbose && a.mini_batch.is_none() && Progress::wanted(),
    );
    let mut kmeans = parameters::<T>(a).init(initial.clone());
    kmeans = if a.verbose {
        kmeans.on_iteration(verbose_log(runs, points.n() * a.k))
    } else {
        kmeans.on_iteration(progress.observer())
    };
    let start = Instant::now();
    let fit = match a.mini_batch {
        None => kmeans.fit(step, points),
        Some(batch) => mini_batch::<T>(a, batch, initial, step, points),
    };
    let fit_seconds = start.elapsed().as_secs_f64();
    progress.finish();
    let fit = fit.map_err(|e| sources.error(e))?;
    // A mapped file rewritten during the fit may have changed the points under it.
    loaded.check_unchanged()?;
    let (iterations, converged, inertia) = (fit.iterations, fit.converged, fit.inertia);
    let model = KMeansModel::from_fit(fit, variant.clone(), kmeans.parameters());

    let mut staged: Vec<Staged> = Vec::new();
    if let Some(path) = &a.labels_out {
        staged.push(output::stage_labels(path, model.labels())?);
    }
    if let Some(path) = &a.centroids_out {
        staged.push(output::stage_matrix(path, model.centroids())?);
    }
    if let Some(path) = &a.model_out {
        staged.push(output::stage(path, |w| {
            w.write_all(model.to_json().as_bytes())
        })?);
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
        max_iter: a.max_iter(),
        tol: a.tol(),
        threads: a.threads,
        iterations,
        converged,
        inertia,
        fit_seconds,
        read_seconds,
        mini_batch: a.mini_batch,
        in_place: loaded.in_place(),
        labels_out: a.labels_out.as_ref().map(|p| p.display().to_string()),
        centroids_out: a.centroids_out.as_ref().map(|p| p.display().to_string()),
        model_out: a.model_out.as_ref().map(|p| p.display().to_string()),
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
        writeln!(out, "inertia     {}", format_number(r.inertia))?;
        writeln!(
            out,
            "fit time    {:.3} s (reading the data: {:.3} s)",
            r.fit_seconds, r.read_seconds
        )?;
        for (what, path) in [
            ("labels", &r.labels_out),
            ("centroids", &r.centroids_out),
            ("model", &r.model_out),
        ] {
            if let Some(path) = path {
                writeln!(out, "{what:<11} {path}")?;
            }
        }
    }
    Ok(())
}

/// `--mini-batch SIZE`: the same parameters through [`MiniBatchKMeans`], as a [`Fit`] (its
/// `iterations` are the mini-batch steps, its history empty).
fn mini_batch<T: Scalar>(
    a: &FitArgs,
    batch: usize,
    init: Init<T>,
    step: &dyn IterationStep<T>,
    points: Points<'_, T>,
) -> kmeans_workshop::Result<Fit<T>> {
    let mut params = MiniBatchKMeans::new(a.k)
        .batch_size(batch)
        .max_iter(a.max_iter())
        .tol(a.tol())
        .max_no_improvement((a.max_no_improvement > 0).then_some(a.max_no_improvement))
        .init(init)
        .seed(a.seed)
        .threads(a.threads);
    if a.verbose {
        params = params.on_step(|log: &MiniBatchLog| {
            let reassigned = if log.reassigned > 0 {
                format!("  reassigned {} centroid(s)", log.reassigned)
            } else {
                String::new()
            };
            let smoothed = log.smoothed_inertia.map_or("-".into(), format_number);
            let _ = writeln!(
                std::io::stderr().lock(),
                "step {:>6}  batch inertia {:<22}  smoothed {smoothed:<22}{reassigned}",
                log.step,
                format_number(log.batch_inertia),
            );
        });
    }
    let fit = params.fit(step, points)?;
    Ok(Fit {
        centroids: fit.centroids,
        labels: fit.labels,
        inertia: fit.inertia,
        iterations: fit.steps,
        converged: fit.converged,
        history: Vec::new(),
        init_seconds: fit.init_seconds,
    })
}

/// The parameters of `a` (without the init, which needs the data's type for a file).
fn parameters<T: Scalar>(a: &FitArgs) -> KMeans<T> {
    KMeans::new(a.k)
        .max_iter(a.max_iter())
        .tol(a.tol())
        .seed(a.seed)
        .n_init(a.n_init)
        .threads(a.threads)
}

/// `--verbose`: one line per iteration on stderr (stdout stays the result, e.g. for `--json`),
/// with the share of the `n·k` point–centroid distances the iteration computed (below 100 %
/// where a bounds variant skipped some).
fn verbose_log(runs: usize, all: usize) -> impl Fn(&IterationLog) + Send + Sync + 'static {
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
            "{run}iteration {:>4}  inertia {:<22}  shift {:.6e}  distances {:>5.1} %{relocated}",
            log.iteration,
            format_number(log.inertia),
            log.shift,
            100.0 * log.distances as f64 / all.max(1) as f64
        );
    }
}
