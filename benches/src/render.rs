//! SVG charts with plotters: horizontal bar charts (the ladder) and log–log line charts (scaling).

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{SegmentedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordusize;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// `Result` of a drawing call.
pub type DrawResult = Result<(), Box<dyn Error>>;

/// One bar: a label on the left, a value, a colour group and a note at the bar's end.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Row label (usually the variant name).
    pub label: String,
    /// Bar length (seconds or GFLOP/s).
    pub value: f64,
    /// Colour group, shown in the legend (usually the backend).
    pub group: String,
    /// Text after the bar's end (e.g. `1.2 ms ×37`).
    pub note: String,
    /// Where the bar starts; `None`: at the axis (a plain bar). A waterfall's bars start where
    /// the previous one ended.
    pub start: Option<f64>,
}

/// A vertical reference line across a bar chart (e.g. the measured matrix-product peak).
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Label written at the top of the line.
    pub label: String,
    /// Position on the value axis.
    pub value: f64,
}

/// One line of a line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// `(x, y)` points, in x order.
    pub points: Vec<(f64, f64)>,
}

/// A stable colour per group name: the same backend has the same colour in every chart.
fn colour(group: &str) -> RGBColor {
    const FIXED: &[(&str, RGBColor)] = &[
        ("loops", RGBColor(31, 119, 180)),
        ("ndarray", RGBColor(255, 127, 14)),
        ("nalgebra", RGBColor(44, 160, 44)),
        ("simd", RGBColor(214, 39, 40)),
        ("numpy", RGBColor(148, 103, 189)),
        ("scikit-learn", RGBColor(140, 86, 75)),
        ("linfa", RGBColor(227, 119, 194)),
        ("scipy", RGBColor(188, 189, 34)),
    ];
    if let Some((_, c)) = FIXED.iter().find(|(g, _)| *g == group) {
        return *c;
    }
    let hash = group
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let c = Palette99::pick(hash as usize % 99).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

/// Human duration: `532 ns`, `1.23 µs`, `45.6 ms`, `2.01 s`.
pub fn format_seconds(s: f64) -> String {
    let (v, unit) = if s < 1e-6 {
        (s * 1e9, "ns")
    } else if s < 1e-3 {
        (s * 1e6, "µs")
    } else if s < 1.0 {
        (s * 1e3, "ms")
    } else {
        (s, "s")
    };
    if v >= 100.0 {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

/// Axis tick values like `1e-3` as `1 ms`.
fn tick_seconds(s: &f64) -> String {
    format_seconds(*s)
}

fn tick_number(v: &f64) -> String {
    if *v >= 1e4 || (*v < 1e-2 && *v > 0.0) {
        format!("{v:.0e}")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// What a bar chart's value axis shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// Seconds, log scale.
    LogSeconds,
    /// A plain number (e.g. GFLOP/s), linear scale from 0.
    Linear,
}

/// Horizontal bar chart: one bar per row, top to bottom in the given order.
///
/// # Errors
/// If the file cannot be written, or there is nothing to draw.
pub fn bar_chart(
    path: &Path,
    title: &str,
    value_desc: &str,
    axis: Axis,
    bars: &[Bar],
    markers: &[Marker],
) -> DrawResult {
    let bars: Vec<&Bar> = bars
        .iter()
        .filter(|b| b.value.is_finite() && b.value > 0.0)
        .collect();
    if bars.is_empty() {
        return Err(format!("{title}: no measured values to draw").into());
    }
    let label_chars = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(10);
    // One empty row above the bars per marker: each marker's label gets its own line.
    let slots = bars.len() + markers.len();
    let height = 140 + 26 * slots as u32;
    let root = SVGBackend::new(path, (1100, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let max = bars
        .iter()
        .map(|b| b.value)
        .chain(markers.iter().map(|m| m.value))
        .fold(0.0, f64::max);
    let min = bars
        .iter()
        .flat_map(|b| std::iter::once(b.value).chain(b.start))
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    match axis {
        Axis::LogSeconds => {
            let lo = 10f64.powf((min / 2.0).log10().floor());
            let hi = 10f64.powf((max * 30.0).log10().ceil());
            let chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 22))
                .margin(12)
                .x_label_area_size(45)
                .y_label_area_size(40 + 7 * label_chars as u32)
                .build_cartesian_2d((lo..hi).log_scale(), (0..slots - 1).into_segmented())?;
            draw_bars(
                &root,
                chart,
                &bars,
                markers,
                (lo, hi),
                value_desc,
                &tick_seconds,
            )
        }
        Axis::Linear => {
            let hi = max * 1.35;
            let chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 22))
                .margin(12)
                .x_label_area_size(45)
                .y_label_area_size(40 + 7 * label_chars as u32)
                .build_cartesian_2d(0.0..hi, (0..slots - 1).into_segmented())?;
            draw_bars(
                &root,
                chart,
                &bars,
                markers,
                (0.0, hi),
                value_desc,
                &tick_number,
            )
        }
    }
}

fn draw_bars<'a, 'b, X>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    mut chart: ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, SegmentedCoord<RangedCoordusize>>>,
    bars: &[&Bar],
    markers: &[Marker],
    (base, hi): (f64, f64),
    value_desc: &str,
    x_fmt: &dyn Fn(&f64) -> String,
) -> DrawResult
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    // Row i is drawn in slot n-1-i, so the first bar is at the top, as in a table.
    let n = bars.len();
    let slot = |i: usize| n - 1 - i;
    let labels: Vec<String> = bars.iter().rev().map(|b| b.label.clone()).collect();
    let y_fmt = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n + markers.len())
        .y_label_formatter(&y_fmt)
        .x_label_formatter(x_fmt)
        .x_desc(value_desc)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .draw()?;
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, b) in bars.iter().enumerate() {
        groups.entry(b.group.as_str()).or_default().push(i);
    }
    // One series per group, so the legend shows each backend's colour once.
    for (group, rows) in &groups {
        let c = colour(group);
        chart
            .draw_series(rows.iter().map(|&i| {
                let mut r = Rectangle::new(
                    [
                        (bars[i].start.unwrap_or(base), SegmentValue::Exact(slot(i))),
                        (bars[i].value, SegmentValue::Exact(slot(i) + 1)),
                    ],
                    c.filled(),
                );
                r.set_margin(3, 3, 0, 0);
                r
            }))?
            .label(*group)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled()));
    }
    let note_style =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
        Text::new(
            format!("  {}", b.note),
            (b.value, SegmentValue::CenterOf(slot(i))),
            note_style.clone(),
        )
    }))?;
    let top = n + markers.len();
    for (i, m) in markers.iter().enumerate() {
        let style = ShapeStyle::from(&BLACK).stroke_width(2);
        chart.draw_series(std::iter::once(PathElement::new(
            vec![
                (m.value, SegmentValue::Exact(0)),
                (m.value, SegmentValue::Exact(top)),
            ],
            style,
        )))?;
        // Marker i's label sits in its own row above the bars; near the right edge it reads
        // leftwards from its line, so it never runs off the chart.
        let right = m.value > base + 0.55 * (hi - base);
        let (anchor, text) = if right {
            (HPos::Right, format!("{} ", m.label))
        } else {
            (HPos::Left, format!(" {}", m.label))
        };
        let label_style =
            TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(anchor, VPos::Center));
        chart.draw_series(std::iter::once(Text::new(
            text,
            (m.value, SegmentValue::CenterOf(top - 1 - i)),
            label_style,
        )))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Log–log line chart, one line per series, with a legend.
///
/// # Errors
/// If the file cannot be written, or no series has a positive point.
pub fn line_chart(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[Series],
) -> DrawResult {
    let points = || {
        series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
    };
    if points().next().is_none() {
        return Err(format!("{title}: no measured values to draw").into());
    }
    let (xmin, xmax) = points().fold((f64::INFINITY, 0.0f64), |(a, b), (x, _)| {
        (a.min(*x), b.max(*x))
    });
    let (ymin, ymax) = points().fold((f64::INFINITY, 0.0f64), |(a, b), (_, y)| {
        (a.min(*y), b.max(*y))
    });
    let root = SVGBackend::new(path, (1100, 700)).into_drawing_area();
    root.fill(&WHITE)?;
    let x_range = (xmin / 1.5)..(xmax * 1.5);
    let y_range = 10f64.powf((ymin / 1.5).log10().floor())..10f64.powf((ymax * 1.5).log10().ceil());
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(x_range.log_scale(), y_range.log_scale())?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&tick_number)
        .y_label_formatter(&tick_seconds)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .draw()?;
    for (i, s) in series.iter().enumerate() {
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
            .collect();
        if pts.is_empty() {
            continue;
        }
        // One colour per line, and a marker shape per line too, so lines stay apart in print.
        let shade = Palette99::pick(i).mix(1.0);
        chart
            .draw_series(LineSeries::new(pts.clone(), shade.stroke_width(2)))?
            .label(s.name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], shade.stroke_width(3))
            });
        match i % 3 {
            0 => chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, shade.filled())))?,
            1 => chart.draw_series(
                pts.iter()
                    .map(|&p| TriangleMarker::new(p, 5, shade.filled())),
            )?,
            _ => chart.draw_series(pts.iter().map(|&p| Cross::new(p, 4, shade.stroke_width(2))))?,
        };
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("kmeans-render-{}-{name}", std::process::id()))
    }

    #[test]
    fn formats_durations() {
        assert_eq!(format_seconds(532e-9), "532 ns");
        assert_eq!(format_seconds(1.234e-6), "1.23 µs");
        assert_eq!(format_seconds(0.0456), "45.6 ms");
        assert_eq!(format_seconds(51.7), "51.7 s");
    }

    #[test]
    fn bar_chart_writes_title_labels_notes_and_legend() {
        let path = tmp("bars.svg");
        let bars = vec![
            Bar {
                label: "loops/assign/v1-literal".into(),
                value: 3.5e-3,
                group: "loops".into(),
                note: "3.50 ms".into(),
                start: None,
            },
            Bar {
                label: "loops/assign/v5-lanes".into(),
                value: 0.8e-3,
                group: "loops".into(),
                note: "×4.4".into(),
                start: None,
            },
            Bar {
                label: "numpy/assign/v1".into(),
                value: 1.0,
                group: "numpy".into(),
                note: "1.00 s".into(),
                start: None,
            },
        ];
        bar_chart(
            &path,
            "Assignment step",
            "median time per call (log scale)",
            Axis::LogSeconds,
            &bars,
            &[],
        )
        .unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        for needle in [
            "Assignment step",
            "median time per call",
            "loops/assign/v5-lanes",
            "×4.4",
            "numpy",
        ] {
            assert!(svg.contains(needle), "missing {needle}");
        }
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn linear_bars_draw_markers() {
        let path = tmp("gflops.svg");
        let bars = vec![Bar {
            label: "simd".into(),
            value: 40.0,
            group: "simd".into(),
            note: "40".into(),
            start: None,
        }];
        let markers = vec![Marker {
            label: "f64 peak 53".into(),
            value: 53.0,
        }];
        bar_chart(&path, "GFLOP/s", "GFLOP/s", Axis::Linear, &bars, &markers).unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("f64 peak 53")
        );
        std::fs::remove_file(path).unwrap();
    }

    /// `(x, y)` of the `<text>` element holding `needle` in an SVG written by plotters.
    fn text_position(svg: &str, needle: &str) -> (f64, f64) {
        let end = svg
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} not drawn"));
        let start = svg[..end].rfind("<text").expect("inside a text element");
        let attr = |name: &str| -> f64 {
            let tag = &svg[start..end];
            let at = tag.find(&format!(" {name}=\"")).expect("attribute") + name.len() + 3;
            tag[at..].split('"').next().unwrap().parse().unwrap()
        };
        (attr("x"), attr("y"))
    }

    #[test]
    fn peak_labels_get_a_line_each() {
        let path = tmp("two-peaks.svg");
        let bars = vec![Bar {
            label: "simd".into(),
            value: 60.0,
            group: "simd".into(),
            note: "60".into(),
            start: None,
        }];
        // Two peaks close together: their labels used to print on top of each other.
        let markers = vec![
            Marker {
                label: "f32 peak A".into(),
                value: 80.0,
            },
            Marker {
                label: "f64 peak B".into(),
                value: 78.0,
            },
        ];
        bar_chart(&path, "GFLOP/s", "GFLOP/s", Axis::Linear, &bars, &markers).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        let (a, b) = (
            text_position(&svg, "f32 peak A"),
            text_position(&svg, "f64 peak B"),
        );
        assert!((a.1 - b.1).abs() >= 13.0, "labels overlap: {a:?} {b:?}");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn waterfall_bars_start_where_the_previous_ended() {
        let path = tmp("waterfall.svg");
        let bars = vec![
            Bar {
                label: "first loop".into(),
                value: 50.0,
                group: "numpy".into(),
                note: "50.0 s".into(),
                start: None,
            },
            Bar {
                label: "compiled".into(),
                value: 0.2,
                group: "loops".into(),
                note: "×250".into(),
                start: Some(50.0),
            },
        ];
        bar_chart(&path, "climb", "s", Axis::LogSeconds, &bars, &[]).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.contains("×250") && svg.contains("compiled"));
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn line_chart_writes_axes_and_series() {
        let path = tmp("lines.svg");
        let series = vec![
            Series {
                name: "loops/iter/fused".into(),
                points: vec![(1e3, 1e-4), (1e4, 1e-3), (1e5, 1e-2)],
            },
            Series {
                name: "simd/iter/x".into(),
                points: vec![(1e3, 1e-5), (1e4, 1e-4)],
            },
        ];
        line_chart(
            &path,
            "Scaling in n",
            "n (points, log scale)",
            "median time (log scale)",
            &series,
        )
        .unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        for needle in [
            "Scaling in n",
            "n (points, log scale)",
            "median time (log scale)",
            "simd/iter/x",
        ] {
            assert!(svg.contains(needle), "missing {needle}");
        }
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn nothing_to_draw_is_an_error_not_an_empty_chart() {
        assert!(bar_chart(&tmp("none.svg"), "t", "x", Axis::LogSeconds, &[], &[]).is_err());
        assert!(line_chart(&tmp("none2.svg"), "t", "x", "y", &[]).is_err());
    }
}
