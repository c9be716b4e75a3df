//! `kmeans demo`.

use std::io::Write;

use crate::args::DemoArgs;
use crate::error::{CliError, Result};
use crate::input;
use crate::output;

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
