//! What an autoencoder run writes: metrics CSV and SVG plots of the loss against the PCA optimum.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use handgrad_autoencoder::fit::Point;

use super::plot_err;
use plotters::prelude::*;

/// The header of `metrics.csv`.
pub const CSV_HEADER: &str = "iter,train_seconds,batch_loss,full_loss,pca_optimum,relative_gap,lr";

/// One line of `metrics.csv` (no newline).
pub fn csv_line(p: &Point, optimum: f64) -> String {
    let gap = (p.full_loss - optimum) / optimum;
    format!(
        "{},{:.6},{:.10e},{:.10e},{:.10e},{:.6e},{:.6e}",
        p.iter, p.train_seconds, p.batch_loss, p.full_loss, optimum, gap, p.lr
    )
}

/// Writes `metrics.csv`: one line per evaluation.
pub fn write_csv(path: &Path, points: &[Point], optimum: f64) -> Result<()> {
    let mut s = format!("{CSV_HEADER}\n");
    for p in points {
        writeln!(s, "{}", csv_line(p, optimum))?;
    }
    std::fs::write(path, s).with_context(|| format!("writing {}", path.display()))
}

/// `loss.svg`: full-data loss per evaluation and the PCA optimum as a horizontal line.
pub fn loss_svg(path: &Path, points: &[Point], optimum: f64, title: &str) -> Result<()> {
    let Some(last) = points.last() else { return Ok(()) };
    let root = SVGBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let hi = points.iter().map(|p| p.full_loss).fold(optimum, f64::max);
    // Show the approach to the optimum: start the y axis a little below it.
    let lo = optimum - 0.05 * (hi - optimum).max(optimum * 1e-3);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0usize..last.iter.max(1), lo..hi * 1.02)
        .map_err(plot_err)?;
    chart.configure_mesh().x_desc("iteration").y_desc("loss on all the data").draw().map_err(plot_err)?;
    chart
        .draw_series(LineSeries::new(points.iter().map(|p| (p.iter, p.full_loss)), BLUE.stroke_width(2)))
        .map_err(plot_err)?
        .label("autoencoder loss")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(LineSeries::new([(0, optimum), (last.iter.max(1), optimum)], RED.stroke_width(2)))
        .map_err(plot_err)?
        .label(format!("PCA optimum ½Σ_(j>m) λ_j = {optimum:.5}"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(plot_err)?;
    root.present().map_err(plot_err).with_context(|| format!("cannot write {}", path.display()))
}

/// `gap.svg`: the relative gap `(L − L*)/L*` on a log scale, with the target as a line.
pub fn gap_svg(path: &Path, points: &[Point], optimum: f64, target: f64, title: &str) -> Result<()> {
    let gaps: Vec<(usize, f64)> =
        points.iter().map(|p| (p.iter, ((p.full_loss - optimum) / optimum).max(1e-16))).collect();
    let Some(&(last, _)) = gaps.last() else { return Ok(()) };
    let hi = gaps.iter().map(|g| g.1).fold(target, f64::max) * 2.0;
    let lo = gaps.iter().map(|g| g.1).fold(target, f64::min) / 2.0;
    let root = SVGBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0usize..last.max(1), (lo..hi).log_scale())
        .map_err(plot_err)?;
    chart
        .configure_mesh()
        .x_desc("iteration")
        .y_desc("(L − L*) / L*")
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .draw()
        .map_err(plot_err)?;
    chart
        .draw_series(LineSeries::new(gaps.iter().copied(), BLUE.stroke_width(2)))
        .map_err(plot_err)?
        .label("relative gap to the PCA optimum")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(LineSeries::new([(0, target), (last.max(1), target)], RED.stroke_width(1)))
        .map_err(plot_err)?
        .label(format!("target {target}"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(plot_err)?;
    root.present().map_err(plot_err).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_header_and_one_line_per_point() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        let p = Point { iter: 5, train_seconds: 0.5, batch_loss: 2.0, full_loss: 1.1, lr: 1e-3 };
        write_csv(&path, &[p, Point { iter: 10, ..p }], 1.0).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].starts_with("5,0.500000,") && lines[1].contains(",1.000000e-1,"), "{}", lines[1]);
    }
}
