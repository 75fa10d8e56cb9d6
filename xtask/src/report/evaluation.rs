//! The notebooks' evaluation of a trained net: per-class accuracy and the confusion matrix of the
//! validation split (and of the test split when it is installed) as CSV and an SVG heat map with
//! class names, and a grid of misclassified validation images with their true and predicted
//! labels. The numbers come from `handgrad_nn::solver::ConfusionMatrix` (one place); this module
//! only writes them.
//!
//! Files: `per_class_{split}.csv` (class, images, correct, accuracy), `confusion_{split}.csv` (rows
//! true classes, columns predictions), `confusion_{split}.svg`, `misclassified_val.csv` (record
//! index, true and predicted class), `misclassified_val.png` (the first [`SHOWN`] as a tile grid)
//! and `misclassified_val.svg` (the same rows of tiles, each labelled `true → predicted`).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine as _;
use handgrad_cifar::{IMAGE_BYTES, Preprocess, Records};
use handgrad_fcnet::{CifarData, Trained};
use handgrad_nn::solver::ConfusionMatrix;
use handgrad_tensor::{Par, Scalar};

use super::confusion::{escape, heat_map_svg};
use super::html::Page;
use super::images::{self, tile_grid};

/// Misclassified images shown.
pub const SHOWN: usize = 40;
/// Tiles per row of the misclassified grid.
const PER_ROW: usize = 8;
/// Enlargement of the tiles.
const ZOOM: usize = 3;

/// The evaluation of one split.
#[derive(Clone, Debug)]
pub struct SplitEval {
    /// `"val"` or `"test"`.
    pub split: &'static str,
    /// Its confusion matrix.
    pub confusion: ConfusionMatrix,
    /// Misclassified rows: `(record index, true class, predicted class)`, in order.
    pub wrong: Vec<(usize, usize, usize)>,
}

/// Evaluates `model` on the validation split and, when installed, the test split, their rows
/// made by `pre`.
pub fn evaluate<T: Scalar>(model: &mut Trained<T>, data: &CifarData, pre: &Preprocess<T>, par: Par) -> Vec<SplitEval> {
    let (_, val, test) = data.samples(pre);
    let mut out = vec![split_eval(model, "val", &val, par)];
    if let Some(test) = test {
        out.push(split_eval(model, "test", &test, par));
    }
    out
}

fn split_eval<T: Scalar>(
    model: &mut Trained<T>,
    split: &'static str,
    rows: &handgrad_fcnet::CifarSplit<'_, T>,
    par: Par,
) -> SplitEval {
    let (pred, labels) = model.predictions(rows, par);
    let confusion = ConfusionMatrix::from_labels(&pred, &labels, model.num_classes());
    let first = rows.rows().start;
    let wrong = (0..pred.len()).filter(|&i| pred[i] != labels[i]).map(|i| (first + i, labels[i], pred[i])).collect();
    SplitEval { split, confusion, wrong }
}

/// Writes the files of every evaluation in `evals` into `dir`.
pub fn write(dir: &Path, evals: &[SplitEval], data: &CifarData) -> Result<()> {
    let classes = &data.set.classes;
    for e in evals {
        let write = |name: String, text: String| {
            std::fs::write(dir.join(&name), text).with_context(|| format!("cannot write {name} in {}", dir.display()))
        };
        write(format!("per_class_{}.csv", e.split), per_class_csv(&e.confusion, classes))?;
        write(format!("confusion_{}.csv", e.split), confusion_csv(&e.confusion, classes))?;
        let title = format!("Confusion matrix, {} split", if e.split == "val" { "validation" } else { "test" });
        write(format!("confusion_{}.svg", e.split), heat_map_svg(&e.confusion, classes, &title))?;
    }
    if let Some(val) = evals.iter().find(|e| e.split == "val") {
        let mut csv = String::from("record,true,predicted\n");
        for &(i, t, p) in &val.wrong {
            let _ = writeln!(csv, "{i},{},{}", classes[t], classes[p]);
        }
        std::fs::write(dir.join("misclassified_val.csv"), csv).context("cannot write misclassified_val.csv")?;
        let shown = &val.wrong[..val.wrong.len().min(SHOWN)];
        let tiles: Vec<Vec<u8>> = shown.iter().map(|&(i, _, _)| rgb(&data.set.train, i)).collect();
        if !tiles.is_empty() {
            images::write_png(&dir.join("misclassified_val.png"), &tile_grid(&tiles, PER_ROW), ZOOM)?;
            let svg = misclassified_svg(shown, &tiles, classes)?;
            std::fs::write(dir.join("misclassified_val.svg"), svg).context("cannot write misclassified_val.svg")?;
        }
    }
    Ok(())
}

/// The evaluation's sections of a report page (the files [`write()`] wrote into `dir`).
pub fn add_to_page(page: &mut Page, dir: &Path, evals: &[SplitEval], classes: &[String]) {
    for e in evals {
        let name = if e.split == "val" { "validation" } else { "test" };
        page.heading(&format!("Per-class accuracy and confusion matrix ({name})"));
        let rows: Vec<Vec<String>> = (0..e.confusion.classes())
            .map(|t| {
                let acc = e.confusion.class_accuracy(t).map_or("–".into(), |a| format!("{:.1}%", 100.0 * a));
                vec![
                    classes[t].clone(),
                    e.confusion.class_count(t).to_string(),
                    e.confusion.count(t, t).to_string(),
                    acc,
                ]
            })
            .collect();
        page.table(&["class", "images", "correct", "accuracy"], &rows);
        page.para(&format!(
            "overall {:.2}% ({} of {}): the class-count-weighted mean of the per-class accuracies",
            100.0 * e.confusion.accuracy(),
            e.confusion.correct(),
            e.confusion.total()
        ));
        page.image_file(&dir.join(format!("confusion_{}.svg", e.split)), &format!("confusion matrix ({name})"));
    }
    if let Some(val) = evals.iter().find(|e| e.split == "val") {
        page.heading("Misclassified validation images");
        page.para(&format!(
            "{} of {} validation images are misclassified; the first {} (true → predicted):",
            val.wrong.len(),
            val.confusion.total(),
            val.wrong.len().min(SHOWN)
        ));
        page.image_file(&dir.join("misclassified_val.svg"), "misclassified validation images, true → predicted");
    }
}

/// Record `i` as interleaved RGB bytes.
fn rgb(records: &Records, i: usize) -> Vec<u8> {
    let mut out = vec![0u8; IMAGE_BYTES];
    records.record(i).write_rgb(&mut out);
    out
}

/// Rows of [`PER_ROW`] tiles (each row one tile grid), a `true → predicted` label under each tile.
fn misclassified_svg(shown: &[(usize, usize, usize)], tiles: &[Vec<u8>], classes: &[String]) -> Result<String> {
    let pitch = (32 + images::GAP) * ZOOM;
    let row_h = pitch + 34;
    let rows = tiles.len().div_ceil(PER_ROW);
    let (w, h) = (PER_ROW * pitch + images::GAP * ZOOM + 20, rows * row_h + 10);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif"><rect width="{w}" height="{h}" fill="white"/>"#
    );
    for (r, chunk) in tiles.chunks(PER_ROW).enumerate() {
        let png = images::png_bytes(&tile_grid(chunk, PER_ROW), ZOOM)?;
        let grid = tile_grid(chunk, PER_ROW);
        let data = base64::engine::general_purpose::STANDARD.encode(png);
        let _ = write!(
            s,
            r#"<image x="10" y="{}" width="{}" height="{}" href="data:image/png;base64,{data}"/>"#,
            r * row_h,
            grid.1 * ZOOM,
            grid.0 * ZOOM
        );
        for (c, &(_, t, p)) in shown[r * PER_ROW..].iter().take(chunk.len()).enumerate() {
            let x = 10 + images::GAP * ZOOM + c * pitch + 48;
            let y = r * row_h + pitch + 12;
            let _ = write!(
                s,
                r##"<text x="{x}" y="{y}" font-size="11" text-anchor="middle">{}</text><text x="{x}" y="{}" font-size="11" text-anchor="middle" fill="#c00">→ {}</text>"##,
                escape(&classes[t]),
                y + 13,
                escape(&classes[p])
            );
        }
    }
    s.push_str("</svg>\n");
    Ok(s)
}

fn per_class_csv(m: &ConfusionMatrix, classes: &[String]) -> String {
    let mut s = String::from("class,images,correct,accuracy\n");
    for t in 0..m.classes() {
        let acc = m.class_accuracy(t).map_or(String::new(), |a| a.to_string());
        let _ = writeln!(s, "{},{},{},{acc}", classes[t], m.class_count(t), m.count(t, t));
    }
    s
}

fn confusion_csv(m: &ConfusionMatrix, classes: &[String]) -> String {
    let mut s = String::from("true\\predicted");
    for c in classes.iter().take(m.classes()) {
        let _ = write!(s, ",{c}");
    }
    s.push('\n');
    for t in 0..m.classes() {
        s.push_str(&classes[t]);
        for &n in m.row(t) {
            let _ = write!(s, ",{n}");
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csvs_hold_the_matrix_and_the_class_accuracies() {
        let m = ConfusionMatrix::from_labels(&[0, 1, 1, 2, 0], &[0, 1, 2, 2, 1], 3);
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(confusion_csv(&m, &names), "true\\predicted,a,b,c\na,1,0,0\nb,1,1,0\nc,0,1,1\n");
        assert_eq!(per_class_csv(&m, &names), "class,images,correct,accuracy\na,1,1,1\nb,2,1,0.5\nc,2,1,0.5\n");
    }
}
