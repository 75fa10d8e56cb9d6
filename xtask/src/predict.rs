//! `cargo xtask predict --checkpoint FILE IMAGE...`: classify images with a trained net.
//!
//! Each PNG or JPEG image, of any size, is decoded to RGB, cropped to its central square and
//! resized to 32×32 with a Lanczos-3 filter (an image that is already 32×32 is used as it is),
//! then made into a row exactly as training made its rows — with the preprocessing stored in the
//! checkpoint (the training split's per-pixel mean, the layout), so no dataset is needed — and the
//! net's softmax gives the top classes, by the class names the checkpoint stores. A checkpoint
//! written before checkpoints were self-contained is used with the installed dataset's mean, and
//! the command says so. `--test-batch` evaluates the net on the installed test split instead.
//!
//! Bad input gets a clear error naming the file: not an image, unreadable, or a checkpoint of
//! another kind; the other images are still classified, and the exit status is 1 when any failed.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use handgrad_cifar::{IMAGE_BYTES, Layout, SplitConfig};
use handgrad_fcnet::{Checkpoint, CifarData, InputSpec, Trained};
use handgrad_tensor::Scalar;
use handgrad_tensor::gemm::par_for_threads;
use image::imageops::FilterType;

/// Side of the net's input images.
const SIDE: u32 = 32;

/// Flags.
#[derive(clap::Args, Debug)]
#[command(after_long_help = AFTER_HELP)]
pub struct Args {
    /// The trained net: a `model.safetensors` (or `best`/`last.safetensors`) of `train fcnet`.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: PathBuf,
    /// PNG or JPEG images to classify (any size: centre-cropped to a square, resized to 32×32).
    #[arg(value_name = "IMAGE", required_unless_present = "test_batch")]
    pub images: Vec<PathBuf>,
    /// Evaluate the net on the installed CIFAR-10 test split instead of classifying images.
    #[arg(long, conflicts_with = "images")]
    pub test_batch: bool,
    /// Classes shown per image.
    #[arg(long, default_value_t = 3, value_parser = crate::args::positive)]
    pub top: usize,
    /// The CIFAR-10 folder: for --test-batch, and for checkpoints without stored preprocessing.
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,
    /// Threads of the products.
    #[arg(long, default_value_t = 1, value_parser = crate::args::positive)]
    pub threads: usize,
}

const AFTER_HELP: &str = "\
Examples:
  cargo xtask predict --checkpoint runs/<run>/model.safetensors cat.jpg ship.png
  cargo xtask predict --checkpoint model.safetensors --test-batch

Prints, for each image, its top classes with their probabilities. The checkpoint carries its own
preprocessing and class names, so it works copied alone to another machine.";

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let ckpt = Checkpoint::read(&args.checkpoint)
        .with_context(|| format!("cannot use {} as a classifier", args.checkpoint.display()))?;
    match ckpt.meta("dtype")? {
        "f64" => run_typed::<f64>(&args),
        _ => run_typed::<f32>(&args),
    }
}

fn run_typed<T: Scalar>(args: &Args) -> Result<()> {
    let path = &args.checkpoint;
    let (mut net, ckpt) = Trained::<T>::load(path)
        .with_context(|| format!("cannot use {} as a classifier: it is not a net of `train fcnet`", path.display()))?;
    let spec = match InputSpec::read(&ckpt)? {
        Some(spec) => spec,
        None => spec_from_dataset(&ckpt, args.data.as_deref())?,
    };
    if args.test_batch {
        return test_batch(&mut net, &spec, args);
    }
    let pre = spec.preprocess::<T>();
    let par = par_for_threads(args.threads);
    let mut failed = 0;
    for image in &args.images {
        match load_32x32(image) {
            Ok((rgb, note)) => {
                let p = net.probabilities(&InputSpec::rows(&pre, &[rgb]), par);
                let top = top_k(p.row(0), args.top);
                let shown: Vec<String> = top.iter().map(|&(c, q)| format!("{} {q:.3}", class_name(&spec, c))).collect();
                println!("{}: {}  ({note})", image.display(), shown.join(", "));
            }
            Err(e) => {
                failed += 1;
                eprintln!("skipped {e:#}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} image(s) could not be classified (see above)", args.images.len());
    }
    Ok(())
}

/// The preprocessing of a checkpoint written before specs were stored: the dataset's training mean.
fn spec_from_dataset(ckpt: &Checkpoint, data: Option<&Path>) -> Result<InputSpec> {
    let layout = Layout::from_name(ckpt.meta("layout")?).context("metadata layout is not hwc or chw")?;
    let train_rows: usize = ckpt.meta("train_rows")?.parse().context("metadata train_rows")?;
    let dir = crate::fetch::cifar_dir(data).with_context(|| {
        format!(
            "{} has no stored preprocessing (it was written before checkpoints were self-contained), so the \
             training mean must come from the dataset, which is not available; pass --data or retrain",
            ckpt.path().display()
        )
    })?;
    println!(
        "note: {} has no stored preprocessing; using the training mean of {} ({train_rows} images)",
        ckpt.path().display(),
        dir.display()
    );
    let split = SplitConfig { train: train_rows, val: 0, test: 0 };
    let data = CifarData::open(&dir, split).with_context(|| format!("opening CIFAR-10 in {}", dir.display()))?;
    Ok(InputSpec::of(&data, layout))
}

/// `--test-batch`: accuracy and per-class accuracy on the installed test split.
fn test_batch<T: Scalar>(net: &mut Trained<T>, spec: &InputSpec, args: &Args) -> Result<()> {
    let dir = crate::fetch::cifar_dir(args.data.as_deref())?;
    let data = CifarData::open(&dir, SplitConfig { train: spec.train_rows, val: 0, ..SplitConfig::default() })
        .with_context(|| format!("opening CIFAR-10 in {}", dir.display()))?;
    let pre = spec.preprocess::<T>();
    let Some(test) = data.samples(&pre).2 else {
        bail!(
            "no test split in {}: {}; `cargo xtask fetch-cifar --force --from <the canonical archive>` \
             installs one, or classify images instead",
            dir.display(),
            data.test_note().unwrap_or_default()
        );
    };
    let m = net.confusion(&test, par_for_threads(args.threads));
    println!("test accuracy: {:.4} ({} of {} images)", m.accuracy(), m.correct(), m.total());
    for c in 0..m.classes() {
        let acc = m.class_accuracy(c).map_or("–".into(), |a| format!("{a:.3}"));
        println!("  {:<12} {acc} of {}", class_name(spec, c), m.class_count(c));
    }
    Ok(())
}

fn class_name(spec: &InputSpec, c: usize) -> String {
    spec.classes.get(c).cloned().unwrap_or_else(|| format!("class {c}"))
}

/// The `k` most probable classes of one row of probabilities, most probable first (ties to the
/// lower class, as argmax).
fn top_k(p: &[f64], k: usize) -> Vec<(usize, f64)> {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
    order.into_iter().take(k).map(|c| (c, p[c])).collect()
}

/// Decodes `path` (PNG or JPEG), crops its central square and resizes it to 32×32: interleaved RGB
/// bytes, and what was done, for the output line.
fn load_32x32(path: &Path) -> Result<(Vec<u8>, String)> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("{}: cannot read the file; check the path and its permissions", path.display()))?;
    // The format from the bytes, not the file name.
    match image::guess_format(&bytes) {
        Ok(format @ (image::ImageFormat::Png | image::ImageFormat::Jpeg)) => format,
        Ok(other) => bail!("{}: a {other:?} image; pass PNG or JPEG files", path.display()),
        Err(_) => bail!("{}: not a PNG or JPEG image (its bytes are neither); pass PNG or JPEG files", path.display()),
    };
    let img = image::load_from_memory(&bytes)
        .with_context(|| format!("{}: the image is damaged or truncated and cannot be decoded", path.display()))?
        .to_rgb8();
    let (w, h) = img.dimensions();
    if w == SIDE && h == SIDE {
        return Ok((img.into_raw(), "32×32".into()));
    }
    let side = w.min(h);
    let square = image::imageops::crop_imm(&img, (w - side) / 2, (h - side) / 2, side, side).to_image();
    let small = image::imageops::resize(&square, SIDE, SIDE, FilterType::Lanczos3);
    let rgb = small.into_raw();
    debug_assert_eq!(rgb.len(), IMAGE_BYTES);
    Ok((rgb, format!("{w}×{h}, centre {side}×{side} resized to 32×32")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_classes_are_ordered_and_ties_go_to_the_lower_class() {
        assert_eq!(top_k(&[0.1, 0.5, 0.1, 0.3], 3), vec![(1, 0.5), (3, 0.3), (0, 0.1)]);
    }

    #[test]
    fn images_of_any_size_become_32x32_and_bad_files_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        // A 32×32 PNG is used as it is, byte for byte.
        let rgb: Vec<u8> = (0..IMAGE_BYTES).map(|i| (i * 7 % 256) as u8).collect();
        let small = tmp.path().join("small.png");
        image::save_buffer(&small, &rgb, 32, 32, image::ExtendedColorType::Rgb8).unwrap();
        assert_eq!(load_32x32(&small).unwrap().0, rgb);
        // A 90×60 JPEG: centre 60×60, resized.
        let big = tmp.path().join("big.jpg");
        let pixels = vec![200u8; 90 * 60 * 3];
        image::save_buffer(&big, &pixels, 90, 60, image::ExtendedColorType::Rgb8).unwrap();
        let (out, note) = load_32x32(&big).unwrap();
        assert_eq!(out.len(), IMAGE_BYTES);
        assert!(out.iter().all(|&v| (195..=205).contains(&v)), "a flat image stays flat");
        assert!(note.contains("90×60"), "{note}");
        // Not an image, a missing file, a truncated PNG.
        let text = tmp.path().join("notes.png");
        std::fs::write(&text, "hello").unwrap();
        let e = format!("{:#}", load_32x32(&text).unwrap_err());
        assert!(e.contains("notes.png") && e.contains("not a PNG or JPEG"), "{e}");
        let e = format!("{:#}", load_32x32(&tmp.path().join("none.jpg")).unwrap_err());
        assert!(e.contains("none.jpg") && e.contains("cannot read"), "{e}");
        let cut = tmp.path().join("cut.png");
        std::fs::write(&cut, &std::fs::read(&small).unwrap()[..60]).unwrap();
        let e = format!("{:#}", load_32x32(&cut).unwrap_err());
        assert!(e.contains("cut.png") && e.contains("damaged or truncated"), "{e}");
    }
}
