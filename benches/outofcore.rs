//! The `out-of-core` group: a float32 `.npy` larger than the profile's memory budget, written
//! to the temporary folder, mapped (kmeans-cli's reader, as `kmeans fit` does) and fitted in
//! place. Measured side by side in one group: a sequential read of the file (the machine's
//! read speed for it, page cache included), one Lloyd iteration of the fastest f32 variant over
//! the mapped file (1 thread and all cores), and a whole mini-batch fit (batch 4096). Rows carry
//! the file size, so the report's `out-of-core.md` gives GB/s beside the read speed.
//!
//! A file several times the page cache is not written (the disk and the time it would take);
//! the README gives the cold-cache cost, measured with `dd iflag=direct`.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use kmeans_benches::results::{Outcome, Row, Source};
use kmeans_cli::input::MappedNpy;
use kmeans_workshop::{Dtype, MiniBatchKMeans, Scalar, data, fastest, init};

/// The group's name in reports and on criterion's command line.
pub const GROUP: &str = "out-of-core";
const D: usize = 32;
const K: usize = 64;
const BATCH: usize = 4096;

/// The benchmark file, deleted when dropped (also when a benchmark panics).
struct TempNpy(PathBuf);

impl Drop for TempNpy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Write `n × D` uniform float32 values as `.npy`, in chunks (never all of it in memory).
fn write_file(path: &Path, n: usize) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 22, std::fs::File::create(path)?);
    out.write_all(&kmeans_cli::commands::npy_header(Dtype::F32, n, D))?;
    let chunk = 1 << 16;
    let mut bytes = Vec::with_capacity(chunk * D * 4);
    for (c, start) in (0..n).step_by(chunk).enumerate() {
        let rows = chunk.min(n - start);
        let values = data::uniform::<f32>(rows, D, 1000 + c as u64);
        bytes.clear();
        values
            .as_slice()
            .iter()
            .for_each(|v| bytes.extend(v.to_le_bytes()));
        out.write_all(&bytes)?;
    }
    out.flush()
}

/// Read the whole file front to back in 8 MiB reads; returns the bytes read.
fn read_all(path: &Path) -> u64 {
    let mut file = std::fs::File::open(path).expect("benchmark file");
    let mut buf = vec![0u8; 8 << 20];
    let mut total = 0u64;
    loop {
        match file.read(&mut buf).expect("read") {
            0 => return total,
            r => total += r as u64,
        }
    }
}

fn row(name: &str, param: String, n: usize, threads: usize, note: String) -> Row {
    Row {
        group: GROUP.into(),
        name: name.into(),
        param,
        n,
        k: K,
        d: D,
        dtype: "f32".into(),
        threads,
        slide: None,
        source: Source::Rust,
        outcome: Outcome::Missing {
            reason: "not measured (filtered out?)".into(),
        },
        note: Some(note),
        fit: None,
    }
}

/// Measure the group; returns its rows (outcomes filled in by the harness from criterion).
/// `benchmarking = false` (`cargo test --benches`) runs every benchmark once on a small file.
pub fn run(
    c: &mut Criterion,
    memory_limit_bytes: f64,
    cores: usize,
    benchmarking: bool,
    filter: Option<&str>,
) -> Vec<Row> {
    // A filter for other groups: do not write a file larger than the memory budget for nothing.
    if filter.is_some_and(|f| !GROUP.contains(f) && !f.contains(GROUP)) {
        return Vec::new();
    }
    let bytes = if benchmarking {
        // Larger than the budget any in-memory variant of the profile may use.
        (memory_limit_bytes * 1.25) as usize
    } else {
        8 << 20
    };
    let n = bytes / (D * 4);
    let file = TempNpy(
        std::env::temp_dir().join(format!("kmeans-out-of-core-{}.npy", std::process::id())),
    );
    eprintln!(
        "== {} group {GROUP}: a {:.2} GiB f32 .npy ({n} × {D}), mapped, k = {K}",
        kmeans_benches::since_start(),
        bytes as f64 / (1u64 << 30) as f64
    );
    if let Err(e) = write_file(&file.0, n) {
        eprintln!("skip  {GROUP}: cannot write {}: {e}", file.0.display());
        return Vec::new();
    }
    let mapped = MappedNpy::open(&file.0).expect("the file just written maps");
    let points = mapped.points::<f32>().expect("C-order aligned f32");
    let size = format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64);
    let centroids = init::random_seeded(points, K, 7);
    let variant = fastest::<f32>();
    let step = variant.get::<f32>().expect("fastest supports f32");

    let mut g = c.benchmark_group(GROUP);
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .throughput(Throughput::Bytes(mapped.data_bytes() as u64));
    let mut rows = Vec::new();

    let param = format!("n={n} k=0 d={D} f32 t=1 {size}");
    g.bench_function(BenchmarkId::new("io/read/sequential", &param), |b| {
        b.iter(|| read_all(&file.0))
    });
    rows.push(row(
        "io/read/sequential",
        param,
        n,
        1,
        format!("read(2) of the whole {size} file in 8 MiB blocks (page cache warm)"),
    ));

    let thread_counts = if cores > 1 { vec![1, cores] } else { vec![1] };
    for &threads in &thread_counts {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        let name = format!("{} mapped", variant.info.name);
        let param = format!("n={n} k={K} d={D} f32 t={threads} {size}");
        let (mut labels, mut out, mut counts) = (vec![0u32; n], vec![0f32; K * D], vec![0u32; K]);
        g.bench_function(BenchmarkId::new(name.clone(), &param), |b| {
            pool.install(|| {
                b.iter(|| {
                    step.iterate(points, centroids.view(), &mut labels, &mut out, &mut counts)
                })
            })
        });
        rows.push(row(
            &name,
            param,
            n,
            threads,
            "one Lloyd iteration over the mapped file (one sequential pass)".into(),
        ));
    }

    let name = format!("minibatch/fit/b{BATCH}");
    let param = format!("n={n} k={K} d={D} f32 t={cores} {size}");
    let params = MiniBatchKMeans::<f32>::new(K)
        .batch_size(BATCH)
        .seed(3)
        .threads(Some(cores));
    g.bench_function(BenchmarkId::new(name.clone(), &param), |b| {
        b.iter(|| params.fit(step, points).expect("valid input").inertia)
    });
    rows.push(row(
        &name,
        param,
        n,
        cores,
        format!(
            "a whole mini-batch fit (k-means++ on {} points, batches of {BATCH}, early stop, final labels pass)",
            3 * BATCH
        ),
    ));
    g.finish();
    rows
}

/// `out-of-core.md`: the group's rows with their GB/s (file bytes over the median time) and
/// the ratio to the sequential read of the same file.
pub fn markdown(rows: &[Row]) -> Option<String> {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.group == GROUP).collect();
    if rows.is_empty() {
        return None;
    }
    let gbps = |r: &Row| {
        r.outcome
            .median()
            .map(|t| (r.n * r.d * f32::DTYPE.bytes()) as f64 / t / 1e9)
    };
    let read = rows
        .iter()
        .find(|r| r.name == "io/read/sequential")
        .and_then(|r| gbps(r));
    let mut md = String::from(
        "# Out-of-core: a mapped .npy larger than the memory budget\n\n\
         | what | threads | median | GB/s | vs sequential read | note |\n|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let (median, speed, ratio) = match (r.outcome.median(), gbps(r)) {
            (Some(t), Some(s)) => (
                format!("{t:.3} s"),
                format!("{s:.2}"),
                read.map_or("–".into(), |base| format!("{:.2}×", s / base)),
            ),
            _ => ("not measured".into(), "–".into(), "–".into()),
        };
        md.push_str(&format!(
            "| {} | {} | {median} | {speed} | {ratio} | {} |\n",
            r.name,
            r.threads,
            r.note.as_deref().unwrap_or("")
        ));
    }
    Some(md)
}
