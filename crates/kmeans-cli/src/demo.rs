//! The slides' demo (slides 16–19, "K = 3, Iteration = 0 … 5"), computed by the real driver and
//! drawn as SVG: 2-D blobs, three clusters, the slides' random init, one picture per iteration
//! with the points coloured by label and the centroids marked.
//!
//! ```
//! use kmeans_cli::demo::{DemoConfig, render_svg, run};
//!
//! let demo = run(&DemoConfig::default())?;
//! assert_eq!(demo.frames.len(), 6); // iterations 0 to 5
//! let svg = render_svg(&demo, &demo.frames[2]).expect("drawn");
//! assert!(svg.contains("K = 3, Iteration = 2"));
//! # Ok::<(), kmeans_workshop::Error>(())
//! ```

use kmeans_workshop::{Init, KMeans, Matrix, data, fastest, predict};
use plotters::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// What to draw: how many points, clusters and iterations, and the seed of everything random.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DemoConfig {
    /// Points (spread evenly over the blobs).
    pub n: usize,
    /// Clusters (and blobs): the slides' K = 3.
    pub k: usize,
    /// Iterations after the initial picture: the slides show 5.
    pub iterations: usize,
    /// Standard deviation of each blob (their centres are uniform in [-10, 10]²).
    pub std: f64,
    /// Seed of the blobs and of the random init.
    pub seed: u64,
}

impl Default for DemoConfig {
    /// 150 points in three well-separated blobs, and a seed whose random init puts two
    /// centroids in one blob and none in another, so the pictures show what the slides show:
    /// centroids travelling to their clusters, here over exactly five iterations.
    fn default() -> Self {
        Self {
            n: 150,
            k: 3,
            iterations: 5,
            std: 1.0,
            seed: 94,
        }
    }
}

/// The state after one iteration: the centroids, and each point's label (nearest centroid).
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// 0 for the random init, then 1, 2, …
    pub iteration: usize,
    /// `k × 2` centroids after this iteration.
    pub centroids: Matrix<f64>,
    /// The centroids one iteration earlier (none for iteration 0): where the arrows start.
    pub previous: Option<Matrix<f64>>,
    /// Nearest of `centroids` for each point.
    pub labels: Vec<u32>,
    /// Sum of squared distances of the points to their labelled centroid.
    pub inertia: f64,
}

/// The points and one [`Frame`] per iteration.
#[derive(Clone, Debug, PartialEq)]
pub struct Demo {
    /// `n × 2` points.
    pub points: Matrix<f64>,
    /// Number of clusters.
    pub k: usize,
    /// Iterations 0 to `config.iterations`.
    pub frames: Vec<Frame>,
}

/// Run the demo: draw blobs, pick the slides' random init, then advance one Lloyd iteration at
/// a time with the library's driver (each step a one-iteration fit starting from the previous
/// centroids — the same as one fit of that many iterations, which a test checks).
///
/// # Errors
/// Invalid `k`, `n` or `std` (from the library's validation).
pub fn run(config: &DemoConfig) -> Result<Demo, kmeans_workshop::Error> {
    if !(config.std.is_finite() && config.std >= 0.0) {
        return Err(kmeans_workshop::Error::InvalidParameter {
            name: "std",
            reason: "must be a finite number >= 0".into(),
        });
    }
    if config.k == 0 {
        return Err(kmeans_workshop::Error::ZeroClusters);
    }
    let points = data::blobs::<f64>(config.n, config.k, 2, config.std, config.seed).data;
    kmeans_workshop::validate::check_fit_input(points.view(), config.k)?;
    let solver = fastest::<f64>();
    let step = solver.require::<f64>()?;
    let mut rng = StdRng::seed_from_u64(config.seed);
    let initial = Init::Random.centroids(points.view(), config.k, &mut rng)?;
    let (labels, inertia) = predict(step, points.view(), initial.view())?;
    let mut frames = vec![Frame {
        iteration: 0,
        centroids: initial,
        previous: None,
        labels,
        inertia,
    }];
    for iteration in 1..=config.iterations {
        let before = frames[iteration - 1].centroids.clone();
        let fit = KMeans::new(config.k)
            .init(Init::Centroids(before.clone()))
            .max_iter(1)
            .tol(0.0)
            .fit(step, points.view())?;
        frames.push(Frame {
            iteration,
            centroids: fit.centroids,
            previous: Some(before),
            labels: fit.labels,
            inertia: fit.inertia,
        });
    }
    Ok(Demo {
        points,
        k: config.k,
        frames,
    })
}

/// Colour of cluster `j`: the first three are the familiar blue, orange and green.
pub fn cluster_colour(j: usize) -> RGBColor {
    const FIRST: [RGBColor; 3] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
    ];
    FIRST.get(j).copied().unwrap_or_else(|| {
        let (r, g, b) = Palette99::pick(j).rgb();
        RGBColor(r, g, b)
    })
}

/// The file name of iteration `i`'s picture.
pub fn file_name(k: usize, iteration: usize) -> String {
    format!("kmeans-k{k}-iteration-{iteration}.svg")
}

/// Picture size in pixels.
pub const SIZE: (u32, u32) = (640, 520);

/// One frame as an SVG document: points coloured by label, each centroid a large disc of its
/// cluster's colour with a black cross, and (after iteration 0) a line from where it was.
///
/// # Errors
/// A drawing error from plotters, as text.
pub fn render_svg(demo: &Demo, frame: &Frame) -> Result<String, String> {
    let mut svg = String::new();
    draw(demo, frame, &mut svg).map_err(|e| format!("cannot draw the demo: {e}"))?;
    Ok(svg)
}

fn draw(
    demo: &Demo,
    frame: &Frame,
    svg: &mut String,
) -> Result<(), Box<dyn std::error::Error + 'static>> {
    let (lo, hi) = bounds(demo);
    {
        let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("K = {}, Iteration = {}", demo.k, frame.iteration),
                ("sans-serif", 26),
            )
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(lo.0..hi.0, lo.1..hi.1)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(BLACK.mix(0.08))
            .draw()?;
        chart.draw_series(demo.points.view().rows().zip(&frame.labels).map(|(p, &l)| {
            Circle::new(
                (p[0], p[1]),
                4,
                cluster_colour(l as usize).mix(0.75).filled(),
            )
        }))?;
        if let Some(previous) = &frame.previous {
            chart.draw_series((0..demo.k).map(|j| {
                let (a, b) = (previous.row(j), frame.centroids.row(j));
                PathElement::new(vec![(a[0], a[1]), (b[0], b[1])], BLACK.stroke_width(2))
            }))?;
            chart.draw_series((0..demo.k).map(|j| {
                let a = previous.row(j);
                Circle::new((a[0], a[1]), 6, BLACK.mix(0.5).stroke_width(1))
            }))?;
        }
        chart.draw_series((0..demo.k).map(|j| {
            let c = frame.centroids.row(j);
            Circle::new((c[0], c[1]), 10, cluster_colour(j).filled())
        }))?;
        chart.draw_series((0..demo.k).map(|j| {
            let c = frame.centroids.row(j);
            Circle::new((c[0], c[1]), 10, BLACK.stroke_width(2))
        }))?;
        chart.draw_series((0..demo.k).map(|j| {
            let c = frame.centroids.row(j);
            Cross::new((c[0], c[1]), 5, BLACK.stroke_width(2))
        }))?;
        root.draw(&Text::new(
            format!("inertia {:.1}", frame.inertia),
            (60, SIZE.1 as i32 - 70),
            ("sans-serif", 16).into_font().color(&BLACK.mix(0.7)),
        ))?;
        root.present()?;
    }
    Ok(())
}

/// The box around every point and centroid of every frame, with a margin, so all pictures
/// share their axes and can be flipped through like slides.
fn bounds(demo: &Demo) -> ((f64, f64), (f64, f64)) {
    let mut lo = (f64::INFINITY, f64::INFINITY);
    let mut hi = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let all = demo
        .frames
        .iter()
        .flat_map(|f| f.centroids.view().rows())
        .chain(demo.points.view().rows());
    for p in all {
        lo = (lo.0.min(p[0]), lo.1.min(p[1]));
        hi = (hi.0.max(p[0]), hi.1.max(p[1]));
    }
    if !(lo.0.is_finite() && hi.0.is_finite()) {
        return ((-1.0, -1.0), (1.0, 1.0));
    }
    let pad = |a: f64, b: f64| ((b - a) * 0.06).max(0.5);
    let (px, py) = (pad(lo.0, hi.0), pad(lo.1, hi.1));
    ((lo.0 - px, lo.1 - py), (hi.0 + px, hi.1 + py))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_iteration_at_a_time_is_one_fit_of_all_iterations() {
        let config = DemoConfig::default();
        let demo = run(&config).unwrap();
        let last = demo.frames.last().unwrap();
        let fit = KMeans::new(config.k)
            .init(Init::Centroids(demo.frames[0].centroids.clone()))
            .max_iter(config.iterations)
            .tol(0.0)
            .fit_variant(&fastest::<f64>(), demo.points.view())
            .unwrap();
        assert_eq!(fit.centroids, last.centroids);
        assert_eq!(fit.labels, last.labels);
        // Lloyd never increases the inertia.
        let inertia: Vec<f64> = demo.frames.iter().map(|f| f.inertia).collect();
        assert!(
            inertia.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-12)),
            "{inertia:?}"
        );
    }

    #[test]
    fn pictures_show_every_point_and_centroid() {
        let demo = run(&DemoConfig::default()).unwrap();
        let svg = render_svg(&demo, &demo.frames[1]).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains("K = 3, Iteration = 1"));
        // One circle per point, two per centroid, one per previous centroid.
        assert_eq!(svg.matches("<circle").count(), 150 + 3 * 3);
    }
}
