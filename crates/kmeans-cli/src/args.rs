//! The command line, as clap derive types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::input::{CsvOptions, HeaderRow};

/// k-means on your data with every backend of the workshop: fit, predict, list backends, render
/// the slides' demo pictures, generate test data.
#[derive(Debug, Parser)]
#[command(name = "kmeans", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cluster the points of DATA (.npy or .csv) into K clusters.
    Fit(FitArgs),
    /// Label the points of DATA with the nearest of the given centroids.
    Predict(PredictArgs),
    /// List every registered variant (assignment, update, whole iteration) and its dtypes.
    Backends(BackendsArgs),
    /// Render the slides' K = 3 demo (iterations 0 to 5) as SVG pictures.
    Demo(DemoArgs),
    /// Write Gaussian blobs (seeded) to a .npy or .csv file, for trying the other commands.
    Generate(GenerateArgs),
    /// Convert a CSV/TSV file to .npy, streamed (a CSV larger than memory can then be fitted
    /// in place).
    Convert(ConvertArgs),
}

/// Float type to compute in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DtypeArg {
    /// 32-bit floats: half the memory and bandwidth, about 7 significant digits.
    F32,
    /// 64-bit floats: NumPy's default.
    F64,
}

/// How to read CSV input.
#[derive(Clone, Copy, Debug, Args)]
pub struct CsvArgs {
    /// The first CSV row is a header, even if it looks numeric (by default a first row with no
    /// number in it is taken as a header).
    #[arg(long)]
    pub header: bool,
    /// CSV field delimiter, one ASCII character or `tab` [default: `,` for .csv, tab for .tsv].
    #[arg(long, value_parser = parse_delimiter, value_name = "CHAR")]
    pub delimiter: Option<u8>,
}

impl FitArgs {
    /// `--max-iter`, or its default (300 iterations; 100 passes with `--mini-batch`).
    pub fn max_iter(&self) -> usize {
        self.max_iter_arg
            .unwrap_or(if self.mini_batch.is_some() { 100 } else { 300 })
    }

    /// `--tol`, or its default (1e-4; 0 with `--mini-batch`).
    pub fn tol(&self) -> f64 {
        self.tol_arg
            .unwrap_or(if self.mini_batch.is_some() { 0.0 } else { 1e-4 })
    }
}

impl CsvArgs {
    /// As reader options.
    pub fn options(&self) -> CsvOptions {
        CsvOptions {
            header: if self.header {
                HeaderRow::Present
            } else {
                HeaderRow::Auto
            },
            delimiter: self.delimiter,
        }
    }
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && s != "\n" && s != "\r" && s != "\"" => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(format!(
            "'{s}' is not a delimiter: give one ASCII character (not a quote or newline), or `tab`"
        )),
    }
}

/// `kmeans fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Points, one per row: .npy (2-D float32/float64) or .csv/.tsv.
    pub data: PathBuf,
    /// Number of clusters.
    #[arg(short = 'k', value_name = "K")]
    pub k: usize,
    /// Whole-iteration variant, or ASSIGN+UPDATE (names from `kmeans backends`)
    /// [default: the fastest registered for the dtype].
    #[arg(long, value_name = "NAME")]
    pub backend: Option<String>,
    /// Initial centroids: `random` (the slides' k random points), `kmeans++`, `kmeans||`
    /// (k-means||: 5 sampling rounds, oversampling 2k), or a K×D file.
    #[arg(long, default_value = "kmeans++", value_name = "INIT")]
    pub init: String,
    /// Iterations per run at most [default: 300; with --mini-batch, passes over the data: 100].
    #[arg(long = "max-iter", value_name = "N")]
    pub max_iter_arg: Option<usize>,
    /// Stop when the centroids move less than this, relative to the data's variance (as
    /// scikit-learn); 0 runs exactly --max-iter iterations, like the slides [default: 1e-4;
    /// with --mini-batch: 0, as scikit-learn's MiniBatchKMeans].
    // Negative numbers are values, so `--tol -1` reaches validation and its clear message.
    #[arg(long = "tol", value_name = "T", allow_negative_numbers = true)]
    pub tol_arg: Option<f64>,
    /// Mini-batch k-means (as scikit-learn's MiniBatchKMeans) with batches of SIZE random
    /// points, instead of Lloyd's full passes.
    #[arg(long, value_name = "SIZE")]
    pub mini_batch: Option<usize>,
    /// With --mini-batch: stop after this many batches without a lower smoothed inertia
    /// (0: never stop early).
    #[arg(long, default_value_t = 10, value_name = "N", requires = "mini_batch")]
    pub max_no_improvement: usize,
    /// Read a .npy into memory instead of fitting it in place from a memory map.
    #[arg(long)]
    pub no_mmap: bool,
    /// Seed of the random init.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// Runs from different random inits; the lowest inertia wins.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub n_init: usize,
    /// Threads for parallel backends [default: all cores].
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Float type to compute in [default: the file's for .npy, f64 for CSV].
    #[arg(long, value_enum)]
    pub dtype: Option<DtypeArg>,
    /// Write the label of each point here (.npy uint32 or .csv, one per line).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,
    /// Write the K×D centroids here (.npy or .csv).
    #[arg(long, value_name = "FILE")]
    pub centroids_out: Option<PathBuf>,
    /// Write the fitted model here (.json: centroids, parameters, backend), for
    /// `kmeans predict --model`.
    #[arg(long, value_name = "FILE")]
    pub model_out: Option<PathBuf>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Print every iteration's inertia and centroid shift to stderr.
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// No progress bar and no summary (errors and --json output still print).
    #[arg(short, long)]
    pub quiet: bool,
    /// CSV reading.
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// `kmeans predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Points, one per row: .npy or .csv/.tsv.
    pub data: PathBuf,
    /// K×D centroids (.npy or .csv), e.g. from `kmeans fit --centroids-out`.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "model",
        conflicts_with = "model"
    )]
    pub centroids: Option<PathBuf>,
    /// A model saved by `kmeans fit --model-out` (.json): its centroids, dtype and backend.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Write the labels here (.npy or .csv) instead of printing one per line.
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,
    /// Variant whose assignment step labels the points [default: the model's backend, else
    /// the fastest].
    #[arg(long, value_name = "NAME")]
    pub backend: Option<String>,
    /// Float type to compute in [default: the model's; else the data file's for .npy, f64 for
    /// CSV].
    #[arg(long, value_enum)]
    pub dtype: Option<DtypeArg>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// CSV reading.
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// `kmeans backends`.
#[derive(Debug, Args)]
pub struct BackendsArgs {
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `kmeans demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the pictures (created if missing).
    #[arg(long, default_value = "kmeans-demo", value_name = "DIR")]
    pub out: PathBuf,
    /// Seed of the blobs and of the random init.
    #[arg(long, default_value_t = crate::demo::DemoConfig::default().seed, value_name = "S")]
    pub seed: u64,
}

/// `kmeans convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The CSV or TSV file to read.
    #[arg(value_name = "IN")]
    pub input: PathBuf,
    /// The .npy file to write (never the input).
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
    /// Float type to store [default: f64].
    #[arg(long, value_enum)]
    pub dtype: Option<DtypeArg>,
    /// No summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// CSV reading.
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// `kmeans generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of points.
    #[arg(long, value_name = "N")]
    pub n: usize,
    /// Dimensions per point.
    #[arg(long, value_name = "D")]
    pub d: usize,
    /// Number of blobs.
    #[arg(short = 'k', long = "k", value_name = "K")]
    pub k: usize,
    /// Output file (.npy or .csv).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Float type of the file.
    #[arg(long, value_enum, default_value = "f64")]
    pub dtype: DtypeArg,
    /// Standard deviation of each blob (centres are uniform in [-10, 10]^D).
    #[arg(
        long,
        default_value_t = 1.0,
        value_name = "STD",
        allow_negative_numbers = true
    )]
    pub std: f64,
    /// Seed.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// Also write the blob each point was drawn from (.npy or .csv).
    #[arg(long, value_name = "FILE")]
    pub labels_out: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert!(parse_delimiter("ab").is_err());
        assert!(parse_delimiter("\"").is_err());
    }
}
