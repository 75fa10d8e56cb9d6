//! Flags shared by the training commands, declared once (`#[command(flatten)]`), and the value
//! parsers that turn a flag's text into a library type. The names follow the glossary in
//! `handgrad_nn`'s crate docs: one flag name for one concept in every command.
//!
//! Every numeric flag is checked by its parser before any work starts, with the bound in the
//! message (`--lr`: a finite number > 0; `--lr-decay`: in (0, 1]; `--reg`: ≥ 0; `--dropout`: in
//! [0, 1); sizes and counts ≥ 1 and below a bound that keeps allocations sane); no value is
//! replaced by another. Bounds that depend on the data (a batch size at most the training rows)
//! are checked by each command's resolve step right after the data is opened, before training.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use handgrad_cifar::augment::MAX_PAD;
use handgrad_cifar::{Augment, Layout};
use handgrad_fcnet::limits::MAX_HIDDEN;
use handgrad_fcnet::{ModelKind, Recipe, Schedule};
use handgrad_nn::layers::Activation;
use handgrad_nn::optim::UpdateKind;
use handgrad_nn::solver::MAX_ITERS;

/// Seed, threads, data, run folder and progress display: every training command has them.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Seed of every random draw of the run (initial weights, minibatches, dropout masks, random
    /// initialisations). Same seed and thread count give the same run, bit for bit.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Threads for the matrix products and factorisations (1 is usually fastest on 2 cores at
    /// these sizes).
    #[arg(long, default_value_t = 1, value_parser = threads)]
    pub threads: usize,
    /// The dataset to use: an extracted folder (used in place) or an archive (installed under
    /// `datasets/` first). Default: the installed copy under `datasets/`, installed when missing
    /// (see `cargo xtask fetch-cifar` / `fetch-oil`).
    #[arg(long, value_name = "PATH")]
    pub data: Option<PathBuf>,
    /// Run folder to write. Default: a new folder `runs/<command>-<what>-<UTC time>-s<seed>`. A
    /// folder that already holds a run is refused unless --overwrite (or the command's --resume).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// With --out: replace the run that folder holds (its files are removed first).
    #[arg(long, requires = "out")]
    pub overwrite: bool,
    /// Hide the progress bar (the per-epoch lines and the summary still print).
    #[arg(long)]
    pub quiet: bool,
}

/// The optimisation flags the training commands share; each command documents its defaults.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OptimArgs {
    /// Update rule [defaults per model below].
    #[arg(long, value_parser = update_kinds())]
    pub update: Option<String>,
    /// Initial learning rate, a finite number > 0 [defaults per model below].
    #[arg(long, value_parser = positive_real)]
    pub lr: Option<f64>,
    /// Learning-rate factor in (0, 1] applied per epoch (fcnet) or every `--decay-every`
    /// iterations (autoencoder); 1 = no decay [defaults per model below].
    #[arg(long, value_parser = decay_factor)]
    pub lr_decay: Option<f64>,
    /// Rows per minibatch, 1 to the number of training rows [defaults per model below].
    #[arg(long, value_parser = positive)]
    pub batch_size: Option<usize>,
    /// Training length in iterations (optimizer steps), 1 to 10,000,000 [defaults per model
    /// below].
    #[arg(long, value_parser = iterations)]
    pub iters: Option<usize>,
    /// Standard deviation of the initial weights, N(0, scale²), a finite number > 0 [defaults per
    /// model below].
    #[arg(long, value_parser = positive_real)]
    pub weight_scale: Option<f64>,
}

impl OptimArgs {
    /// The `--update` rule, if given.
    pub fn update_kind(&self) -> Option<UpdateKind> {
        self.update.as_deref().and_then(UpdateKind::from_name)
    }
}

/// The modern recipe's flags (fc only), shared by `train fcnet` and `tune fcnet`; each left out
/// keeps the base recipe's value (the defaults: all off; `train fcnet --preset best`: the best
/// recipe's).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RecipeArgs {
    /// fc only: augmentation of the training minibatches: `none`, `flip` (random horizontal flip),
    /// `crop` (random crop with --pad pixels of zero padding) or `crop-flip` (both); the
    /// validation split is never augmented [none; --preset best: crop-flip].
    #[arg(long, value_parser = augment_kinds())]
    pub augment: Option<String>,
    /// fc only: zero padding of the random crop, 1..=16 pixels per side [default 4].
    #[arg(long, value_parser = pad)]
    pub pad: Option<usize>,
    /// fc only: label smoothing ε in [0, 1) of the training loss: targets (1 − ε)·onehot + ε/10 [default 0].
    #[arg(long, value_parser = label_smoothing)]
    pub label_smoothing: Option<f64>,
    /// fc only: `step` (× --lr-decay after every epoch) or `cosine` (linear warm-up over --warmup
    /// epochs, then a half cosine from --lr to 0 at the last iteration, per iteration) [default step].
    #[arg(long, value_parser = schedules())]
    pub schedule: Option<String>,
    /// fc only, with --schedule cosine: epochs of linear warm-up, ≥ 0 (fractions allowed) [default 0].
    #[arg(long, value_parser = non_negative_real)]
    pub warmup: Option<f64>,
    /// fc only, with --update adamw: decoupled weight decay ≥ 0 on the weight matrices (not the
    /// biases or batchnorm's γ, β): each step shrinks them by the factor 1 − lr·weight-decay [default 0].
    #[arg(long, value_parser = non_negative_real)]
    pub weight_decay: Option<f64>,
}

impl RecipeArgs {
    /// The flags given, written over `r`.
    pub fn apply(&self, r: &mut Recipe) {
        if let Some(kind) = &self.augment {
            let pad = self.pad.unwrap_or(if r.augment.pad > 0 { r.augment.pad } else { DEFAULT_PAD });
            r.augment = match kind.as_str() {
                "flip" => Augment { pad: 0, flip: true },
                "crop" => Augment { pad, flip: false },
                "crop-flip" => Augment::crop_flip(pad),
                _ => Augment::NONE,
            };
        } else if let Some(pad) = self.pad.filter(|_| r.augment.pad > 0) {
            r.augment.pad = pad;
        }
        r.label_smoothing = self.label_smoothing.unwrap_or(r.label_smoothing);
        r.schedule = self.schedule.as_deref().and_then(Schedule::from_name).unwrap_or(r.schedule);
        r.warmup = self.warmup.unwrap_or(r.warmup);
        r.weight_decay = self.weight_decay.unwrap_or(r.weight_decay);
    }
}

/// `--pad` when `--augment crop` or `crop-flip` is given without it.
pub const DEFAULT_PAD: usize = 4;

/// `--augment`'s possible values.
pub fn augment_kinds() -> PossibleValuesParser {
    PossibleValuesParser::new(["none", "flip", "crop", "crop-flip"])
}

/// `--schedule`'s possible values: `step`, `cosine`.
pub fn schedules() -> PossibleValuesParser {
    PossibleValuesParser::new(Schedule::ALL.map(Schedule::name))
}

/// A crop padding: `1..=MAX_PAD` (16).
pub fn pad(s: &str) -> Result<usize, String> {
    whole_in(s, 1, MAX_PAD)
}

/// A label smoothing in `[0, 1)`.
pub fn label_smoothing(s: &str) -> Result<f64, String> {
    match real(s)? {
        v if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err("must be in [0, 1) (0 = off)".into()),
    }
}

/// `--update`'s possible values: the update rules' names.
pub fn update_kinds() -> PossibleValuesParser {
    PossibleValuesParser::new(UpdateKind::ALL.map(UpdateKind::name))
}

/// `--model`'s possible values for fcnet: `two-layer`, `fc`.
pub fn model_kinds() -> PossibleValuesParser {
    PossibleValuesParser::new(ModelKind::ALL.map(ModelKind::name))
}

/// `--layout`'s possible values: `hwc`, `chw`.
pub fn layouts() -> PossibleValuesParser {
    PossibleValuesParser::new(Layout::ALL.map(Layout::name))
}

/// `--activation`'s possible values: `sigmoid`, `tanh`, `relu`, `identity`.
pub fn activations() -> PossibleValuesParser {
    PossibleValuesParser::new(Activation::ALL.map(Activation::name))
}

/// Most threads `--threads` accepts (each is an OS thread of the pool).
pub const MAX_THREADS: usize = 256;

/// A whole number in `lo..=hi`, or the message saying so.
pub fn whole_in(s: &str, lo: usize, hi: usize) -> Result<usize, String> {
    if let Ok(n) = s.trim().parse::<usize>()
        && (lo..=hi).contains(&n)
    {
        return Ok(n);
    }
    // Also whole numbers written as `1e4`.
    match s.trim().parse::<f64>() {
        Ok(v) if v.fract() == 0.0 && v >= lo as f64 && v <= hi as f64 && v < 2f64.powi(53) => Ok(v as usize),
        Ok(v) if v < 0.0 && v.fract() == 0.0 => Err(format!("must be in {lo}..={hi}, not negative")),
        Ok(v) if v.fract() == 0.0 => Err(format!("must be in {lo}..={hi}")),
        _ => Err(format!("'{s}' is not a whole number (expected {lo}..={hi})")),
    }
}

/// A whole number ≥ 1.
pub fn positive(s: &str) -> Result<usize, String> {
    whole_in(s, 1, usize::MAX).map_err(|_| "must be a whole number ≥ 1".to_string())
}

/// A run length in iterations: `1..=MAX_ITERS` (10,000,000; the loop records every loss).
pub fn iterations(s: &str) -> Result<usize, String> {
    whole_in(s, 1, MAX_ITERS)
}

/// A count of extra iterations that may be 0: `0..=MAX_ITERS`.
pub fn iterations_or_zero(s: &str) -> Result<usize, String> {
    whole_in(s, 0, MAX_ITERS)
}

/// A thread count: `1..=MAX_THREADS`.
pub fn threads(s: &str) -> Result<usize, String> {
    whole_in(s, 1, MAX_THREADS)
}

fn real(s: &str) -> Result<f64, String> {
    s.trim().parse::<f64>().map_err(|_| format!("'{s}' is not a number"))
}

/// A finite number > 0 (learning rates, weight scales, tolerances that must be positive).
pub fn positive_real(s: &str) -> Result<f64, String> {
    match real(s)? {
        v if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err("must be a finite number > 0".into()),
    }
}

/// A finite number ≥ 0 (L2 strengths, gradient tolerances).
pub fn non_negative_real(s: &str) -> Result<f64, String> {
    match real(s)? {
        v if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err("must be a finite number ≥ 0".into()),
    }
}

/// A learning-rate factor in `(0, 1]` (1: no decay; 0 would stop training after the first decay).
pub fn decay_factor(s: &str) -> Result<f64, String> {
    match real(s)? {
        v if v > 0.0 && v <= 1.0 => Ok(v),
        _ => Err("must be in (0, 1] (1 = no decay)".into()),
    }
}

/// A dropout probability in `[0, 1)` (0: off; 1 would drop every unit).
pub fn dropout_probability(s: &str) -> Result<f64, String> {
    match real(s)? {
        v if (0.0..1.0).contains(&v) => Ok(v),
        _ => Err("must be in [0, 1) (0 = no dropout)".into()),
    }
}

/// One architecture: the hidden layer sizes of one net (`--hidden 100,100` is two layers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hidden(pub Vec<usize>);

/// One hidden layer size, `1..=MAX_HIDDEN`.
pub fn hidden_size(s: &str) -> Result<usize, String> {
    whole_in(s, 1, MAX_HIDDEN).map_err(|e| format!("hidden size '{}' {e}", s.trim()))
}

/// Parses `--hidden`: sizes separated by commas, e.g. `100,100` (each in `1..=MAX_HIDDEN`).
pub fn hidden_sizes(s: &str) -> Result<Hidden, String> {
    let sizes: Vec<usize> = s.split(',').map(hidden_size).collect::<Result<_, _>>()?;
    Ok(Hidden(sizes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_parse() {
        assert_eq!(hidden_sizes("100,50").unwrap().0, [100, 50]);
        assert_eq!(hidden_sizes("300").unwrap().0, [300]);
        assert!(hidden_sizes("100,0").is_err() && hidden_sizes("abc").is_err() && hidden_sizes("").is_err());
        assert_eq!(hidden_sizes("16385").unwrap_err(), "hidden size '16385' must be in 1..=16384");
        assert!(positive("0").is_err() && positive("-1").is_err() && positive("3").unwrap() == 3);
    }

    #[test]
    fn recipe_flags_apply_over_the_base() {
        let mut r = Recipe::defaults(ModelKind::Fc);
        let a = RecipeArgs { augment: Some("crop-flip".into()), ..Default::default() };
        a.apply(&mut r);
        assert_eq!(r.augment, Augment::crop_flip(4));
        RecipeArgs { pad: Some(2), schedule: Some("cosine".into()), ..Default::default() }.apply(&mut r);
        assert_eq!((r.augment, r.schedule), (Augment::crop_flip(2), Schedule::Cosine));
        RecipeArgs { augment: Some("flip".into()), ..Default::default() }.apply(&mut r);
        assert_eq!(r.augment, Augment { pad: 0, flip: true });
        assert_eq!(pad("17").unwrap_err(), "must be in 1..=16");
        assert_eq!(label_smoothing("1").unwrap_err(), "must be in [0, 1) (0 = off)");
    }

    #[test]
    fn numbers_are_checked_with_their_bound_in_the_message() {
        assert_eq!(positive_real("-1").unwrap_err(), "must be a finite number > 0");
        for bad in ["0", "NaN", "inf", "-inf", "1e999"] {
            assert!(positive_real(bad).is_err(), "{bad}");
        }
        assert_eq!(positive_real("1e9"), Ok(1e9));
        assert_eq!(non_negative_real("0"), Ok(0.0));
        assert_eq!(non_negative_real("-0.1").unwrap_err(), "must be a finite number ≥ 0");
        assert_eq!(decay_factor("0").unwrap_err(), "must be in (0, 1] (1 = no decay)");
        assert!(decay_factor("1.01").is_err() && decay_factor("NaN").is_err() && decay_factor("1") == Ok(1.0));
        assert_eq!(dropout_probability("1").unwrap_err(), "must be in [0, 1) (0 = no dropout)");
        assert_eq!(dropout_probability("0"), Ok(0.0));
        assert_eq!(iterations("0").unwrap_err(), "must be in 1..=10000000");
        assert_eq!(iterations("-5").unwrap_err(), "must be in 1..=10000000, not negative");
        assert_eq!(iterations("2.5").unwrap_err(), "'2.5' is not a whole number (expected 1..=10000000)");
        assert_eq!(iterations_or_zero("0"), Ok(0));
        assert_eq!(iterations("1e4"), Ok(10_000));
        assert_eq!(threads("0").unwrap_err(), "must be in 1..=256");
        assert_eq!(threads("100000000000000000000").unwrap_err(), "must be in 1..=256");
        assert_eq!(real("abc").unwrap_err(), "'abc' is not a number");
    }
}
