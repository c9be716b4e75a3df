//! The subcommands, one module each. Each checks what it can before the long part (output
//! paths, backend name), reads its input, computes, and only then writes its outputs. This
//! module holds what several of them share: backends by name, errors placed on their file,
//! typed reading, JSON printing.

use std::io::Write;
use std::path::Path;

use kmeans_workshop::{Dtype, Error, IterationVariant, Matrix, Registry, Scalar};
use serde::Serialize;

use crate::args::{CsvArgs, DtypeArg};
use crate::error::{CliError, Result};
use crate::input;

mod backends;
mod convert;
mod demo;
mod fit;
mod generate;
mod predict;

pub use backends::{BackendEntry, backend_entries, backends};
pub use convert::{convert, npy_header};
pub use demo::demo;
pub use fit::{FitReport, InitArg, fit};
pub use generate::generate;
pub use predict::{PredictReport, predict};

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
pub(crate) fn require<T: Scalar>(
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
pub(crate) struct Sources<'a> {
    pub(crate) data: &'a Path,
    pub(crate) centroids: Option<&'a Path>,
}

impl Sources<'_> {
    pub(crate) fn error(&self, e: Error) -> CliError {
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
// Reading and printing

pub(crate) fn read_typed<T: Scalar>(path: &Path, csv: &CsvArgs) -> Result<Matrix<T>> {
    input::read_matrix(path, &csv.options())?
        .into_typed::<T>()
        .map_err(|e| e.in_file(path))
}

pub(crate) fn print_json(out: &mut impl Write, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(|e| match e.io_error_kind() {
        Some(kind) => std::io::Error::from(kind).into(),
        None => CliError::msg(format!("cannot format JSON: {e}")),
    })?;
    writeln!(out)?;
    Ok(())
}
