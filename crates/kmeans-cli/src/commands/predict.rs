//! `kmeans predict`.

use std::io::Write;
use std::time::Instant;

use std::any::Any;
use std::path::Path;

use kmeans_workshop::{
    AnyModel, Dtype, IterationVariant, KMeansModel, Scalar, fastest, format_number, registry,
};
use serde::Serialize;

use super::{Sources, backend_named, print_json, read_typed, require};
use crate::args::PredictArgs;
use crate::error::{CliError, Result};
use crate::input::{self, Data, Format};
use crate::output::{self, Named};

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

/// Where the centroids come from.
enum Centres<'a> {
    /// A K×D matrix file (`--centroids`).
    File(&'a Path),
    /// A saved model (`--model`), already loaded (boxed: it is large beside a path).
    Model(&'a Path, Box<AnyModel>),
}

/// `kmeans predict`.
///
/// # Errors
/// Bad arguments, unreadable or invalid input, a damaged model, mismatched dimensions,
/// unwritable output.
pub fn predict(a: &PredictArgs) -> Result<()> {
    if let Some(path) = &a.labels_out {
        output::check_output(path)?;
    }
    let mut inputs = vec![Named {
        name: "DATA",
        path: &a.data,
    }];
    for (name, path) in [("--centroids", &a.centroids), ("--model", &a.model)] {
        if let Some(path) = path {
            inputs.push(Named { name, path });
        }
    }
    if let Some(path) = &a.labels_out {
        output::check_distinct(
            &inputs,
            &[Named {
                name: "--labels-out",
                path,
            }],
        )?;
    }
    let variant = a
        .backend
        .as_deref()
        .map(|name| backend_named(&registry(), name))
        .transpose()?;
    let centres = match (&a.centroids, &a.model) {
        (Some(path), _) => {
            Format::of(path)?;
            Centres::File(path)
        }
        (None, Some(path)) => Centres::Model(path, Box::new(load_model(path, variant.as_ref())?)),
        (None, None) => return Err(CliError::msg("give --centroids FILE or --model FILE")),
    };
    let data = input::read_matrix(&a.data, &a.csv.options())?;
    let dtype = match &centres {
        Centres::Model(path, model) => {
            let fitted = model.dtype();
            match a.dtype.map(Dtype::from) {
                Some(asked) if asked != fitted => {
                    return Err(CliError::at(
                        path,
                        format!(
                            "the model was fitted in {fitted}: drop --dtype {asked}, or fit a model in {asked}"
                        ),
                    ));
                }
                _ => fitted,
            }
        }
        Centres::File(_) => a.dtype.map_or(data.dtype(), Dtype::from),
    };
    match dtype {
        Dtype::F32 => predict_typed::<f32>(a, data, centres, variant),
        Dtype::F64 => predict_typed::<f64>(a, data, centres, variant),
    }
}

/// Read and check a model file; its backend is `backend` if given, else the one it names.
fn load_model(path: &Path, backend: Option<&IterationVariant>) -> Result<AnyModel> {
    let bytes = std::fs::read(path).map_err(|e| CliError::at(path, input::io_reason(&e)))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::at(path, "invalid model file: not UTF-8 text"))?;
    AnyModel::from_json(&text, |name| {
        backend
            .cloned()
            .or_else(|| registry().iteration_named(name))
    })
    .map_err(|e| CliError::at(path, e))
}

/// The model as `KMeansModel<T>` (the caller chose `T` from the model's dtype).
fn typed_model<T: Scalar>(model: AnyModel) -> Option<KMeansModel<T>> {
    let boxed: Box<dyn Any> = match model {
        AnyModel::F32(m) => Box::new(m),
        AnyModel::F64(m) => Box::new(m),
    };
    boxed.downcast::<KMeansModel<T>>().ok().map(|m| *m)
}

fn predict_typed<T: Scalar>(
    a: &PredictArgs,
    data: Data,
    centres: Centres<'_>,
    variant: Option<IterationVariant>,
) -> Result<()> {
    let points = data.into_typed::<T>().map_err(|e| e.in_file(&a.data))?;
    let (model, centroids_path) = match centres {
        Centres::File(path) => {
            let centroids = read_typed::<T>(path, &a.csv)?;
            let variant = variant.unwrap_or_else(fastest::<T>);
            require::<T>(&variant)?;
            let sources = Sources {
                data: &a.data,
                centroids: Some(path),
            };
            let model =
                KMeansModel::from_centroids(centroids, variant).map_err(|e| sources.error(e))?;
            (model, path)
        }
        Centres::Model(path, model) => {
            let model = typed_model::<T>(*model)
                .ok_or_else(|| CliError::at(path, format!("the model is not {}", T::DTYPE)))?;
            (model, path)
        }
    };
    let sources = Sources {
        data: &a.data,
        centroids: Some(centroids_path),
    };
    let start = Instant::now();
    let (labels, inertia) = model
        .predict_with_inertia(points.view())
        .map_err(|e| sources.error(e))?;
    let predict_seconds = start.elapsed().as_secs_f64();
    if let Some(path) = &a.labels_out {
        output::commit_all(vec![output::stage_labels(path, &labels)?])?;
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = a.labels_out.as_ref().map(|p| p.display().to_string());
    if a.json {
        let report = PredictReport {
            backend: model.backend().to_owned(),
            n: points.n(),
            d: points.d(),
            k: model.k(),
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
            "{} labels written to {path} (inertia {}, {:.3} s)",
            labels.len(),
            format_number(inertia),
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
