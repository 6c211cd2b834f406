//! `load --plot FILE.svg`: the latency percentiles and the latency over time as an SVG, for a change
//! ticket, drawn with plotters' SVG backend. KMS's 250 ms is drawn on both.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::report::{decode, LoadReport, KMS_TIMEOUT_MS};

const WIDTH: u32 = 900;
const HEIGHT: u32 = 760;
/// The percentile axis runs in "nines": 0 is p0, 1 is p90, 2 is p99, 3 is p99.9, 4 is p99.99.
const NINES: f64 = 4.0;

fn failed(error: impl std::fmt::Display) -> String {
    format!("could not draw the plot: {error}")
}

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart of milliseconds over `0..x_end` on `area`, tall enough for `points` and for KMS's 250 ms.
fn chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: &str,
    x_end: f64,
    points: &[(f64, f64)],
) -> Result<Chart<'a, 'b>, String> {
    let highest = points.iter().map(|p| p.1).fold(KMS_TIMEOUT_MS * 1.2, f64::max);
    ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_end, 0.0..highest)
        .map_err(failed)
}

/// The SVG document.
pub fn svg(report: &LoadReport) -> Result<String, String> {
    let histogram = decode(&report.histogram)?;
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let (top, bottom) = root.split_vertically(HEIGHT / 2);

        // Latency by percentile, from the HDR histogram.
        let points: Vec<(f64, f64)> = (0..=400)
            .map(|i| {
                let nines = f64::from(i) / 100.0;
                let quantile = 1.0 - 10f64.powf(-nines);
                (nines, histogram.value_at_quantile(quantile.min(1.0)) as f64 / 1000.0)
            })
            .collect();
        let caption = "Latency by percentile (ms, from the moment each request was due)";
        let mut percentiles = chart(&top, caption, NINES, &points)?;
        percentiles
            .configure_mesh()
            .x_labels(5)
            .x_label_formatter(&|nines| match nines.round() as i64 {
                0 => "p0".into(),
                1 => "p90".into(),
                2 => "p99".into(),
                3 => "p99.9".into(),
                _ => "p99.99".into(),
            })
            .y_desc("ms")
            .draw()
            .map_err(failed)?;
        percentiles.draw_series(LineSeries::new(points, BLUE.stroke_width(2))).map_err(failed)?;
        percentiles
            .draw_series(LineSeries::new([(0.0, KMS_TIMEOUT_MS), (NINES, KMS_TIMEOUT_MS)], RED))
            .map_err(failed)?
            .label("KMS's 250 ms")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], RED));
        percentiles.configure_series_labels().border_style(BLACK).draw().map_err(failed)?;

        // The p99 of each second.
        let seconds = report.per_second.len().max(1) as f64;
        let p99: Vec<(f64, f64)> =
            report.per_second.iter().filter_map(|s| Some((s.second as f64, s.p99_ms?))).collect();
        let mut over_time = chart(&bottom, "p99 latency per second (ms)", seconds, &p99)?;
        over_time.configure_mesh().x_desc("seconds into the run").y_desc("ms").draw().map_err(failed)?;
        over_time.draw_series(LineSeries::new(p99, BLUE.stroke_width(2))).map_err(failed)?;
        over_time
            .draw_series(LineSeries::new([(0.0, KMS_TIMEOUT_MS), (seconds, KMS_TIMEOUT_MS)], RED))
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(text)
}
