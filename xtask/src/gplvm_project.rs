//! `cargo xtask gplvm project --model FILE --data DIR`: new rows placed in a fitted GP-LVM's
//! latent space (`handgrad_gplvm`'s `infer_new_x`, the model held fixed).
//!
//! Reads a model file (a `train gplvm` run's `model.safetensors`, full or sparse) and an
//! oil-flow-format folder (`DataTrn.txt`, `DataTrnLbls.txt`), preprocesses the rows as the
//! training data were, starts each at the latent point of its nearest training row and maximises
//! its predictive density. The run folder gets `projected.csv` (latent coordinates, predictive
//! log-density, how the optimiser stopped, the 1-NN label against the training latent points and
//! the row's own label), `projected.svg` (training points and projected points in one picture) and
//! `summary.json` / `summary.txt` (with the 1-NN classification error of the new rows).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use handgrad_data::locate::Dataset;
use handgrad_data::oil;
use handgrad_gplvm::{LbfgsConfig, SavedModel, nearest_labels, nearest_rows};
use handgrad_tensor::Matrix;
use handgrad_tensor::gemm::par_for_threads;

use crate::args::RunArgs;
use crate::run_dir::{self, Existing};

/// Flags of `cargo xtask gplvm project`.
#[derive(clap::Args)]
pub struct Args {
    /// The fitted model: a `train gplvm` run's model.safetensors.
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// Seed (unused: the projection is deterministic), threads, data (a folder holding
    /// DataTrn.txt and DataTrnLbls.txt with the model's columns), run folder, progress.
    #[command(flatten)]
    run: RunArgs,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let saved = SavedModel::load(&args.model)?;
    let dir = crate::fetch::oil_dir(args.run.data.as_deref())?;
    let data = oil::load(&dir).map_err(|e| crate::fetch::reader_failed(Dataset::Oil, &dir, e.into()))?;
    let d = saved.mean.len();
    anyhow::ensure!(
        data.y.cols() == d,
        "{}: the rows have {} columns but the model {} was fitted to {d}; project data of the same kind",
        dir.display(),
        data.y.cols(),
        args.model.display()
    );
    let existing = if args.run.overwrite { Existing::Overwrite } else { Existing::Refuse };
    let run = run_dir::open(args.run.out.as_deref(), "gplvm-project", args.run.seed, existing, 4 << 20)?;
    let out = run.path().to_path_buf();
    let par = par_for_threads(args.run.threads);
    let t = Instant::now();
    let y_new = saved.preprocess(&data.y);
    let predictor = saved.predictor(par)?;
    let x0 = nearest_rows(&y_new, &saved.y, &saved.x);
    let placed = predictor.infer_new_x(&y_new, &x0, &LbfgsConfig::default());
    let secs = t.elapsed().as_secs_f64();
    let q = saved.x.cols();
    let x_new = Matrix::from_fn(placed.len(), q, |i, c| placed[i].x[c]);
    let nn = saved.labels.as_ref().map(|l| nearest_labels(&saved.x, l, &x_new));
    let failed = placed.iter().filter(|p| !p.log_density.is_finite()).count();

    let mut csv = String::from("index");
    (0..q).for_each(|c| csv.push_str(&format!(",x_{c}")));
    csv.push_str(",log_density,stop,nn_label,label\n");
    for (i, p) in placed.iter().enumerate() {
        write!(csv, "{i}")?;
        p.x.iter().try_for_each(|v| write!(csv, ",{v:.8}"))?;
        let nn_label = nn.as_ref().map_or(String::new(), |l| l[i].to_string());
        writeln!(csv, ",{:.6},{:?},{nn_label},{}", p.log_density, p.reason, data.labels[i])?;
    }
    let csv_path = out.join("projected.csv");
    std::fs::write(&csv_path, csv).with_context(|| format!("cannot write {}", csv_path.display()))?;

    let kind = match &saved.z {
        Some(z) => format!("sparse GP-LVM (M = {})", z.rows()),
        None => "full GP-LVM".into(),
    };
    let mut summary = String::new();
    writeln!(summary, "model {} ({kind}, {} training points, q = {q})", args.model.display(), saved.x.rows())?;
    writeln!(summary, "projected {} rows of {} in {secs:.2} s ({failed} not placed)", placed.len(), dir.display())?;
    let nn_errors = nn.as_ref().map(|l| l.iter().zip(&data.labels).filter(|(a, b)| a != b).count());
    match nn_errors {
        Some(e) => {
            writeln!(summary, "1-NN classification errors against the training latent points: {e} of {}", placed.len())?
        }
        None => writeln!(summary, "the model file holds no training labels: no 1-NN labels")?,
    }
    print!("{summary}");
    let json = serde_json::json!({ "state": "finished", "model": args.model.display().to_string(),
        "data_dir": dir.display().to_string(), "rows": placed.len(), "not_placed": failed, "seconds": secs,
        "nn_errors": nn_errors, "command": run_dir::command_line() });
    run_dir::write_summary(&out, &json, &summary)?;
    let colour_of = nn.as_deref().unwrap_or(&data.labels);
    plot_projection(&out.join("projected.svg"), &saved, &x_new, colour_of)?;
    println!("wrote {}/{{projected.csv, projected.svg, summary.txt}}", out.display());
    Ok(())
}

/// The training latent points (dots, coloured by their labels) and the projected points (crosses,
/// coloured by their 1-NN labels) in the first two latent dimensions.
fn plot_projection(path: &Path, saved: &SavedModel, x_new: &Matrix<f64>, new_labels: &[usize]) -> anyhow::Result<()> {
    use plotters::prelude::*;
    let colours = [RGBColor(220, 50, 47), RGBColor(38, 139, 210), RGBColor(133, 153, 0)];
    let colour = |l: usize| colours[l % colours.len()];
    let xy = |m: &Matrix<f64>, i: usize| (m.get(i, 0), if m.cols() > 1 { m.get(i, 1) } else { 0.0 });
    let all: Vec<(f64, f64)> =
        (0..saved.x.rows()).map(|i| xy(&saved.x, i)).chain((0..x_new.rows()).map(|i| xy(x_new, i))).collect();
    let (lo, hi) =
        all.iter().fold(((f64::INFINITY, f64::INFINITY), (f64::NEG_INFINITY, f64::NEG_INFINITY)), |(l, h), p| {
            ((l.0.min(p.0), l.1.min(p.1)), (h.0.max(p.0), h.1.max(p.1)))
        });
    let pad = |a: f64, b: f64| 0.05 * (b - a).max(1e-9);
    let root = SVGBackend::new(path, (800, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("training latent points (dots) and projected rows (crosses, 1-NN colour)", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(
            (lo.0 - pad(lo.0, hi.0))..(hi.0 + pad(lo.0, hi.0)),
            (lo.1 - pad(lo.1, hi.1))..(hi.1 + pad(lo.1, hi.1)),
        )?;
    chart.configure_mesh().x_desc("latent dimension 1").y_desc("latent dimension 2").draw()?;
    let train_labels = saved.labels.clone().unwrap_or_else(|| vec![0; saved.x.rows()]);
    chart.draw_series(
        (0..saved.x.rows()).map(|i| Circle::new(xy(&saved.x, i), 2, colour(train_labels[i]).mix(0.5).filled())),
    )?;
    chart.draw_series((0..x_new.rows()).map(|i| Cross::new(xy(x_new, i), 5, colour(new_labels[i]).stroke_width(2))))?;
    root.present().map_err(crate::report::plot_err).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
