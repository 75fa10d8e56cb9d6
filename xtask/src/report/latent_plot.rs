//! The GP-LVM's picture: side-by-side scatter plots of 2-D latent points, coloured by class.

use std::path::Path;

use anyhow::Context;
use handgrad_tensor::Matrix;

/// Side-by-side SVG scatter plots of the first two latent dimensions, coloured by class.
/// `class_names[label]` names the classes in the legend.
pub fn plot_latents(
    path: &Path,
    panels: &[&Matrix<f64>],
    titles: &[String],
    labels: &[usize],
    class_names: &[&str],
) -> anyhow::Result<()> {
    use plotters::prelude::*;
    let root = SVGBackend::new(path, (1200, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    // Three oil-flow colours, then seven more for CIFAR-10's ten classes.
    let colours = [
        RGBColor(220, 50, 47),
        RGBColor(38, 139, 210),
        RGBColor(133, 153, 0),
        RGBColor(181, 137, 0),
        RGBColor(108, 113, 196),
        RGBColor(42, 161, 152),
        RGBColor(211, 54, 130),
        RGBColor(203, 75, 22),
        RGBColor(88, 110, 117),
        RGBColor(0, 0, 0),
    ];
    // Smaller dots when there are many (50,000 CIFAR-10 points).
    let radius = if labels.len() > 5000 { 1 } else { 3 };
    for ((area, x), title) in root.split_evenly((1, panels.len())).iter().zip(panels).zip(titles) {
        let col = |c: usize| (0..x.rows()).map(move |i| if c < x.cols() { x.get(i, c) } else { 0.0 });
        let range = |c: usize| {
            let (lo, hi) = col(c).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
            let pad = 0.05 * (hi - lo).max(1e-9);
            (lo - pad)..(hi + pad)
        };
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(range(0), range(1))?;
        chart.configure_mesh().x_desc("latent dimension 1").y_desc("latent dimension 2").draw()?;
        for (class, name) in class_names.iter().enumerate() {
            let colour = colours[class % colours.len()];
            let points = (0..x.rows())
                .filter(|&i| labels[i] == class)
                .map(|i| (x.get(i, 0), if x.cols() > 1 { x.get(i, 1) } else { 0.0 }));
            chart
                .draw_series(points.map(|p| Circle::new(p, radius, colour.filled())))?
                .label(*name)
                .legend(move |(a, b)| Circle::new((a + 5, b), 4, colour.filled()));
        }
        chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw()?;
    }
    root.present().map_err(super::plot_err).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
