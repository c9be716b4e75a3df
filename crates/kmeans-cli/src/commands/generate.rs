//! `kmeans generate`.

use std::io::Write;
use std::time::Instant;

use kmeans_workshop::{Dtype, Scalar, data};
use ndarray_npy::WritableElement;

use crate::args::GenerateArgs;
use crate::error::{CliError, Result};
use crate::output::{self, Named, Staged};

/// `kmeans generate`.
///
/// # Errors
/// Zero or absurd sizes, a bad `--std`, unwritable outputs.
pub fn generate(a: &GenerateArgs) -> Result<()> {
    output::check_output(&a.out)?;
    if let Some(path) = &a.labels_out {
        output::check_output(path)?;
        output::check_distinct(
            &[],
            &[
                Named {
                    name: "--out",
                    path: &a.out,
                },
                Named {
                    name: "--labels-out",
                    path,
                },
            ],
        )?;
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
