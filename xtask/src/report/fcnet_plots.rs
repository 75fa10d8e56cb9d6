//! SVG plots of a run (plotters' SVG backend, no system fonts needed): the loss of every iteration
//! with a moving average, and train/validation accuracy per epoch.

use std::path::Path;

use anyhow::{Context, Result};

use super::plot_err;
use handgrad_nn::solver::{Check, History};
use plotters::prelude::*;

/// Iterations averaged by the loss plot's smoothed curve.
const SMOOTH: usize = 50;

/// Writes the loss history to `path` (SVG).
pub fn plot_loss_svg(path: &Path, history: &History, title: &str) -> Result<()> {
    let loss = &history.loss;
    if loss.is_empty() {
        return Ok(());
    }
    let root = SVGBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let (lo, hi) = loss.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    let pad = ((hi - lo) * 0.05).max(1e-6);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0usize..loss.len(), (lo - pad)..(hi + pad))
        .map_err(plot_err)?;
    chart.configure_mesh().x_desc("iteration").y_desc("loss").draw().map_err(plot_err)?;
    let faint = RGBColor(120, 150, 220);
    chart
        .draw_series(LineSeries::new(loss.iter().enumerate().map(|(i, &v)| (i, v)), faint.stroke_width(1)))
        .map_err(plot_err)?
        .label("loss per iteration")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], faint));
    chart
        .draw_series(LineSeries::new(moving_average(loss, SMOOTH), RED.stroke_width(2)))
        .map_err(plot_err)?
        .label(format!("moving average ({SMOOTH} iterations)"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(plot_err)?;
    root.present().map_err(plot_err).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes train and validation accuracy per epoch boundary to `path` (SVG); `train_label` says
/// what the training accuracy was measured on.
pub fn plot_accuracy_svg(path: &Path, history: &History, title: &str, train_label: &str) -> Result<()> {
    let recs = &history.checks;
    if recs.is_empty() {
        return Ok(());
    }
    let root = SVGBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(plot_err)?;
    let last_epoch = recs.last().map_or(1, |r| r.epoch).max(1);
    let acc = |a: Option<f64>| a.unwrap_or(f64::NAN);
    let top = recs.iter().fold(0.0f64, |m, r| m.max(acc(r.train_acc)).max(acc(r.val_acc)));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0usize..last_epoch, 0.0..(top * 1.1).clamp(0.1, 1.0))
        .map_err(plot_err)?;
    chart.configure_mesh().x_desc("epoch").y_desc("accuracy").draw().map_err(plot_err)?;
    for (name, color, pick) in [
        (train_label, BLUE, (|r: &Check| r.train_acc) as fn(&Check) -> Option<f64>),
        ("validation", RED, |r| r.val_acc),
    ] {
        let pts: Vec<(usize, f64)> = recs.iter().filter_map(|r| pick(r).map(|a| (r.epoch, a))).collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
            .map_err(plot_err)?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled()))).map_err(plot_err)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(plot_err)?;
    root.present().map_err(plot_err).with_context(|| format!("cannot write {}", path.display()))
}

/// Trailing moving average over windows of up to `w` values: `(index, mean)`.
fn moving_average(v: &[f64], w: usize) -> Vec<(usize, f64)> {
    let mut out = Vec::with_capacity(v.len());
    let mut sum = 0.0;
    for i in 0..v.len() {
        sum += v[i];
        if i >= w {
            sum -= v[i - w];
        }
        out.push((i, sum / (i + 1).min(w) as f64));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_average_of_a_ramp() {
        let m = moving_average(&[1.0, 2.0, 3.0, 4.0], 2);
        assert_eq!(m, [(0, 1.0), (1, 1.5), (2, 2.5), (3, 3.5)]);
    }
}
