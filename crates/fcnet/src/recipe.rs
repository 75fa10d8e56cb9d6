//! [`Recipe`]: everything that defines a CIFAR-10 training run of either net, resolved (no default
//! left to fill in), with **the one defaults table per model** ([`Recipe::defaults`]) that
//! `cargo xtask train fcnet` and `cargo xtask tune fcnet` both start from.
//!
//! | | two-layer (the notebook's net, tuned) | fc (the FC notebook's net) |
//! |---|---|---|
//! | hidden | `[300]` | `[100, 100]` |
//! | update | plain SGD, the notebook's schedule | Adam, the CS231n Solver |
//! | lr / lr_decay per epoch | 1e-3 / 0.95 | 1e-3 / 0.95 |
//! | reg | 0.1 | 0 |
//! | epochs (of 49,000 / batch_size iterations) | 30 | 10 |
//! | batch_size | 200 | 200 |
//! | weight_scale | 1e-4 (the notebook's) | 1e-2 |
//! | layout | HWC (the two-layer notebook) | CHW (the FC notebook) |
//!
//! The two-layer defaults reach 55–56 % validation accuracy (README results table).
//!
//! The fc net also takes the modern recipe's knobs, all off in the defaults: augmentation of the
//! training gathers ([`Augment`]: random crop with zero padding, horizontal flip), label smoothing,
//! the cosine schedule with linear warm-up ([`Schedule::Cosine`], warm-up in epochs) instead of the
//! per-epoch decay, and AdamW's decoupled weight decay (weights only). [`Recipe::best`] is the
//! recipe `cargo xtask train fcnet --preset best` trains.

use core::fmt;
use core::str::FromStr;

use handgrad_cifar::{Augment, Layout, SplitConfig};
use handgrad_nn::optim::UpdateKind;
use handgrad_nn::solver::{MAX_ITERS, iterations_per_epoch};
use serde::{Deserialize, Serialize};

use crate::limits;

/// Which net.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// Affine–ReLU–affine–softmax, trained with the two-layer notebook's SGD schedule.
    TwoLayer,
    /// `{affine, [batchnorm], ReLU, [dropout]}` per hidden layer, affine–softmax on top, trained by
    /// the CS231n Solver with any update rule.
    Fc,
}

impl ModelKind {
    /// Both, in a fixed order.
    pub const ALL: [ModelKind; 2] = [ModelKind::TwoLayer, ModelKind::Fc];

    /// `"two-layer"` or `"fc"` (also the checkpoints' `model` kind).
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::TwoLayer => crate::TWO_LAYER_KIND,
            ModelKind::Fc => crate::FC_KIND,
        }
    }
}

impl FromStr for ModelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| format!("unknown model '{s}': use two-layer or fc"))
    }
}

/// How the learning rate changes over a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Schedule {
    /// `× lr_decay` after every epoch (the CS231n Solver; the two-layer notebook at epoch starts).
    #[default]
    Step,
    /// Linear warm-up over `warmup` epochs, then a half cosine to 0 at the last iteration
    /// (`handgrad_nn::solver::LrSchedule::Cosine`); `lr_decay` is not used.
    Cosine,
}

impl Schedule {
    /// Both, in a fixed order.
    pub const ALL: [Schedule; 2] = [Schedule::Step, Schedule::Cosine];

    /// `"step"` or `"cosine"` (the `--schedule` values).
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Step => "step",
            Schedule::Cosine => "cosine",
        }
    }

    /// The schedule called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A resolved CIFAR-10 training run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// The net.
    pub model: ModelKind,
    /// Hidden layer sizes (the two-layer net: exactly one).
    pub hidden: Vec<usize>,
    /// Update rule (always SGD for the two-layer net).
    #[serde(with = "update_kind")]
    pub update: UpdateKind,
    /// Initial learning rate.
    pub lr: f64,
    /// Learning-rate factor per epoch.
    pub lr_decay: f64,
    /// L2 strength (the loss adds ½·reg·ΣW²).
    pub reg: f64,
    /// Rows per minibatch.
    pub batch_size: usize,
    /// Training iterations.
    pub iters: usize,
    /// Std of the initial weights.
    pub weight_scale: f64,
    /// Probability of dropping a hidden unit (fc only; 0 = off).
    pub dropout: f64,
    /// Batch normalisation after each hidden affine layer (fc only).
    pub batchnorm: bool,
    /// Seed of the initial weights, the minibatch draws and the dropout masks.
    pub seed: u64,
    /// Threads of the products.
    pub threads: usize,
    /// Flattening order of an image.
    #[serde(with = "layout_name")]
    pub layout: Layout,
    /// Training images (the first ones of the training files).
    pub train_rows: usize,
    /// Validation images (the next ones).
    pub val_rows: usize,
    /// Augmentation of the training minibatches (fc only; evaluation is never augmented).
    #[serde(default, with = "augment_fields")]
    pub augment: Augment,
    /// Label smoothing `ε` of the training loss (fc only; 0 = off).
    #[serde(default)]
    pub label_smoothing: f64,
    /// How the learning rate changes (fc only; the two-layer net keeps the notebook's decay).
    #[serde(default)]
    pub schedule: Schedule,
    /// Epochs of linear warm-up of the cosine schedule (fractional allowed; 0 = none).
    #[serde(default)]
    pub warmup: f64,
    /// AdamW's decoupled weight decay (`--update adamw` only; 0 = off).
    #[serde(default)]
    pub weight_decay: f64,
}

/// Why a recipe cannot be trained.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct RecipeError(pub String);

impl Recipe {
    /// The defaults of `model` (the table in the module docs), seed 0, one thread, the homework's
    /// 49,000 / 1,000 split.
    pub fn defaults(model: ModelKind) -> Self {
        let split = SplitConfig::default();
        let two = model == ModelKind::TwoLayer;
        let mut r = Self {
            model,
            hidden: if two { vec![300] } else { vec![100, 100] },
            update: if two { UpdateKind::Sgd } else { UpdateKind::Adam },
            lr: 1e-3,
            lr_decay: 0.95,
            reg: if two { 0.1 } else { 0.0 },
            batch_size: 200,
            iters: 0,
            weight_scale: if two { 1e-4 } else { 1e-2 },
            dropout: 0.0,
            batchnorm: false,
            seed: 0,
            threads: 1,
            layout: if two { Layout::Hwc } else { Layout::Chw },
            train_rows: split.train,
            val_rows: split.val,
            augment: Augment::NONE,
            label_smoothing: 0.0,
            schedule: Schedule::Step,
            warmup: 0.0,
            weight_decay: 0.0,
        };
        r.set_epochs(if two { 30.0 } else { 10.0 });
        r
    }

    /// The best fully connected recipe found for a 15-minute run on 2 threads (README, issue 19):
    /// the fc defaults with the values of [`BEST`] (architecture, batchnorm, dropout, AdamW with
    /// weight decay, cosine schedule with warm-up, label smoothing, crop-and-flip augmentation,
    /// epochs). Sized for `--threads 2` (the thread count stays the caller's choice: 1 here).
    pub fn best() -> Self {
        let mut r = Self::defaults(ModelKind::Fc);
        let b = BEST;
        r.hidden = b.hidden.to_vec();
        r.batchnorm = true;
        r.dropout = b.dropout;
        r.update = UpdateKind::AdamW;
        r.lr = b.lr;
        r.weight_decay = b.weight_decay;
        r.schedule = Schedule::Cosine;
        r.warmup = b.warmup;
        r.label_smoothing = b.label_smoothing;
        r.augment = Augment::crop_flip(b.pad);
        r.batch_size = b.batch_size;
        r.weight_scale = b.weight_scale;
        r.set_epochs(b.epochs);
        r
    }

    /// Iterations of linear warm-up: `round(warmup · iters_per_epoch)`.
    pub fn warmup_iters(&self) -> usize {
        (self.warmup * self.iters_per_epoch() as f64).round() as usize
    }

    /// Iterations per epoch: `max(train_rows / batch_size, 1)`.
    pub fn iters_per_epoch(&self) -> usize {
        iterations_per_epoch(self.train_rows, self.batch_size.max(1))
    }

    /// Sets the run length to `epochs` epochs (rounded to whole iterations, at least one).
    pub fn set_epochs(&mut self, epochs: f64) {
        self.iters = ((epochs * self.iters_per_epoch() as f64).round() as usize).max(1);
    }

    /// Epochs the run covers (fractional when `iters` is not a multiple).
    pub fn epochs(&self) -> f64 {
        self.iters as f64 / self.iters_per_epoch() as f64
    }

    /// Checks that the net can be built and trained as described, before anything is allocated:
    /// every value in its range (the message names it by its flag, `--lr`, …, and gives the bound)
    /// and the sizes within [`crate::limits`].
    ///
    /// # Errors
    /// [`RecipeError`] saying what to change.
    pub fn validate(&self) -> Result<(), RecipeError> {
        let err = |m: String| Err(RecipeError(m));
        let finite_positive = |name: &str, v: f64| -> Result<(), RecipeError> {
            if v.is_finite() && v > 0.0 { Ok(()) } else { err(format!("{name} {v}: must be a finite number > 0")) }
        };
        finite_positive("--lr", self.lr)?;
        finite_positive("--weight-scale", self.weight_scale)?;
        if !(self.lr_decay > 0.0 && self.lr_decay <= 1.0) {
            return err(format!("--lr-decay {}: must be in (0, 1] (1 = no decay)", self.lr_decay));
        }
        if !(self.reg.is_finite() && self.reg >= 0.0) {
            return err(format!("--reg {}: must be a finite number ≥ 0", self.reg));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return err(format!("--dropout {}: the dropout probability must be in [0, 1)", self.dropout));
        }
        if self.train_rows == 0 || self.val_rows == 0 {
            return err(format!(
                "the splits of {} training and {} validation rows must both be ≥ 1",
                self.train_rows, self.val_rows
            ));
        }
        if !(1..=self.train_rows).contains(&self.batch_size) {
            return err(format!(
                "--batch-size {}: must be in 1..={} (the training rows)",
                self.batch_size, self.train_rows
            ));
        }
        if !(1..=MAX_ITERS).contains(&self.iters) {
            return err(format!("--iters {}: the run length must be 1..={MAX_ITERS} iterations", self.iters));
        }
        if self.threads == 0 {
            return err("--threads 0: the thread count must be at least 1".into());
        }
        if self.hidden.is_empty() {
            return err("the hidden layer sizes must be given, e.g. --hidden 100,100".into());
        }
        let (input, classes) = (handgrad_cifar::IMAGE_BYTES, handgrad_cifar::NUM_CLASSES);
        limits::check_net(input, &self.hidden, classes, self.batchnorm).map_err(RecipeError)?;
        limits::check_batch(self.batch_size, input, &self.hidden, classes).map_err(RecipeError)?;
        let two = self.model == ModelKind::TwoLayer;
        if two && (self.hidden.len() != 1 || self.update != UpdateKind::Sgd || self.dropout > 0.0 || self.batchnorm) {
            return err(
                "the two-layer net has exactly one hidden layer and trains with plain SGD, without dropout or batchnorm; use --model fc for the others".into(),
            );
        }
        self.validate_recipe_knobs()
    }

    /// The modern recipe's knobs: each in range, and only where they apply.
    fn validate_recipe_knobs(&self) -> Result<(), RecipeError> {
        let err = |m: String| Err(RecipeError(m));
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return err(format!("--label-smoothing {}: must be in [0, 1) (0 = off)", self.label_smoothing));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return err(format!("--weight-decay {}: must be a finite number ≥ 0", self.weight_decay));
        }
        if self.weight_decay > 0.0 && self.update != UpdateKind::AdamW {
            return err(format!(
                "--weight-decay {}: decoupled weight decay is AdamW's; use --update adamw (or --reg for an L2 term)",
                self.weight_decay
            ));
        }
        if !(self.warmup.is_finite() && self.warmup >= 0.0) {
            return err(format!("--warmup {}: must be a finite number of epochs ≥ 0", self.warmup));
        }
        if self.schedule == Schedule::Cosine && self.warmup_iters() >= self.iters {
            return err(format!(
                "--warmup {}: the warm-up ({} iterations) must be shorter than the run ({} iterations)",
                self.warmup,
                self.warmup_iters(),
                self.iters
            ));
        }
        if self.schedule == Schedule::Step && self.warmup > 0.0 {
            return err(format!("--warmup {}: the warm-up belongs to --schedule cosine", self.warmup));
        }
        let max_pad = handgrad_cifar::augment::MAX_PAD;
        if self.augment.pad > max_pad {
            return err(format!("--pad {}: the crop padding must be in 0..={max_pad}", self.augment.pad));
        }
        let modern = !self.augment.is_none()
            || self.label_smoothing > 0.0
            || self.schedule != Schedule::Step
            || self.weight_decay > 0.0;
        if self.model == ModelKind::TwoLayer && modern {
            return err(
                "--augment, --label-smoothing, --schedule cosine and --weight-decay are for --model fc; the two-layer net keeps the notebook's recipe".into(),
            );
        }
        Ok(())
    }

    /// A one-line description for tables and progress bars.
    pub fn short(&self) -> String {
        let hidden: Vec<String> = self.hidden.iter().map(usize::to_string).collect();
        let mut s = format!(
            "{} [{}] {} lr {:.2e} decay {} reg {:.2e} batch {} iters {}",
            self.model.name(),
            hidden.join(","),
            self.update.name(),
            self.lr,
            self.lr_decay,
            self.reg,
            self.batch_size,
            self.iters
        );
        if self.dropout > 0.0 {
            s += &format!(" dropout {}", self.dropout);
        }
        if self.batchnorm {
            s += " batchnorm";
        }
        if self.weight_decay > 0.0 {
            s += &format!(" wd {:.2e}", self.weight_decay);
        }
        if self.schedule == Schedule::Cosine {
            s += &format!(" cosine warmup {}", self.warmup);
        }
        if self.label_smoothing > 0.0 {
            s += &format!(" smoothing {}", self.label_smoothing);
        }
        if !self.augment.is_none() {
            s += &format!(" augment {}", self.augment.describe());
        }
        s
    }
}

impl fmt::Display for Recipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short())
    }
}

/// The values of [`Recipe::best`].
#[derive(Clone, Copy, Debug)]
pub struct BestRecipe {
    /// Hidden layer sizes.
    pub hidden: &'static [usize],
    /// Dropout probability.
    pub dropout: f64,
    /// AdamW's learning rate (the peak of the cosine).
    pub lr: f64,
    /// AdamW's weight decay.
    pub weight_decay: f64,
    /// Warm-up epochs.
    pub warmup: f64,
    /// Label smoothing.
    pub label_smoothing: f64,
    /// Crop padding (with flips).
    pub pad: usize,
    /// Rows per minibatch.
    pub batch_size: usize,
    /// Std of the initial weights.
    pub weight_scale: f64,
    /// Run length.
    pub epochs: f64,
}

/// The best recipe (see [`Recipe::best`]; the search that chose it is in the README).
pub const BEST: BestRecipe = BestRecipe {
    hidden: &[1024, 512],
    dropout: 0.1,
    lr: 1e-3,
    weight_decay: 0.05,
    warmup: 1.0,
    label_smoothing: 0.1,
    pad: 4,
    batch_size: 200,
    weight_scale: 2e-2,
    epochs: 40.0,
};

/// `Augment` as `{ "pad": 4, "flip": true }` in JSON.
mod augment_fields {
    use handgrad_cifar::Augment;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Fields {
        pad: usize,
        flip: bool,
    }

    pub fn serialize<S: Serializer>(a: &Augment, s: S) -> Result<S::Ok, S::Error> {
        Fields { pad: a.pad, flip: a.flip }.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Augment, D::Error> {
        let f = Fields::deserialize(d)?;
        Ok(Augment { pad: f.pad, flip: f.flip })
    }
}

/// `UpdateKind` as its name in JSON.
mod update_kind {
    use handgrad_nn::optim::UpdateKind;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(k: &UpdateKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(k.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<UpdateKind, D::Error> {
        let name = String::deserialize(d)?;
        UpdateKind::from_name(&name).ok_or_else(|| D::Error::custom(format!("unknown update rule '{name}'")))
    }
}

/// `Layout` as `"hwc"` / `"chw"` in JSON.
mod layout_name {
    use handgrad_cifar::Layout;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(l: &Layout, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(l.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Layout, D::Error> {
        let name = String::deserialize(d)?;
        Layout::from_name(&name).ok_or_else(|| D::Error::custom(format!("unknown layout '{name}'")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value out of its range is refused with its bound in the message; the defaults pass.
    #[test]
    fn validate_names_each_bound() {
        for model in ModelKind::ALL {
            assert_eq!(Recipe::defaults(model).validate(), Ok(()));
        }
        let base = Recipe::defaults(ModelKind::Fc);
        type Edit = fn(&mut Recipe);
        let cases: [(Edit, &str); 14] = [
            (|r| r.lr = -1.0, "--lr -1: must be a finite number > 0"),
            (|r| r.lr = 0.0, "--lr 0: must be a finite number > 0"),
            (|r| r.lr = f64::NAN, "--lr NaN"),
            (|r| r.lr = f64::INFINITY, "--lr inf"),
            (|r| r.lr_decay = 0.0, "--lr-decay 0: must be in (0, 1]"),
            (|r| r.lr_decay = 1.5, "--lr-decay 1.5"),
            (|r| r.reg = -0.1, "--reg -0.1: must be a finite number ≥ 0"),
            (|r| r.weight_scale = 0.0, "--weight-scale 0"),
            (|r| r.batch_size = 0, "--batch-size 0: must be in 1..=49000"),
            (|r| r.batch_size = 49_001, "--batch-size 49001: must be in 1..=49000"),
            (|r| r.iters = 0, "--iters 0: the run length must be 1..=10000000"),
            (|r| r.dropout = 1.0, "--dropout 1: the dropout probability must be in [0, 1)"),
            (|r| r.hidden = vec![100_000], "a hidden layer of 100000 units: each hidden size must be in 1..=16384"),
            (|r| r.hidden = vec![], "the hidden layer sizes must be given"),
        ];
        for (edit, expect) in cases {
            let mut r = base.clone();
            edit(&mut r);
            let msg = r.validate().unwrap_err().0;
            assert!(msg.contains(expect), "{msg:?} should contain {expect:?}");
        }
        let mut r = base.clone();
        (r.batch_size, r.hidden) = (49_000, vec![4000]);
        assert!(r.validate().unwrap_err().0.contains("use a smaller batch size"));
    }

    /// The best recipe passes; each new knob out of range, or where it does not apply, is refused.
    #[test]
    fn the_recipe_knobs_are_checked() {
        assert_eq!(Recipe::best().validate(), Ok(()));
        let base = Recipe::best();
        type Edit = fn(&mut Recipe);
        let cases: [(Edit, &str); 7] = [
            (|r| r.label_smoothing = 1.0, "--label-smoothing 1: must be in [0, 1)"),
            (|r| r.weight_decay = -1.0, "--weight-decay -1: must be a finite number ≥ 0"),
            (|r| r.update = UpdateKind::Adam, "use --update adamw"),
            (|r| r.warmup = 1e6, "must be shorter than the run"),
            (|r| r.schedule = Schedule::Step, "the warm-up belongs to --schedule cosine"),
            (|r| r.augment.pad = 17, "--pad 17: the crop padding must be in 0..=16"),
            (|r| r.model = ModelKind::TwoLayer, "the two-layer net"),
        ];
        for (edit, expect) in cases {
            let mut r = base.clone();
            edit(&mut r);
            let msg = r.validate().unwrap_err().0;
            assert!(msg.contains(expect), "{msg:?} should contain {expect:?}");
        }
        let mut two = Recipe::defaults(ModelKind::TwoLayer);
        two.augment = Augment::crop_flip(4);
        assert!(two.validate().unwrap_err().0.contains("are for --model fc"));
    }

    /// A recipe written before the knobs existed still reads, with every knob off.
    #[test]
    fn old_recipes_read_with_the_knobs_off() {
        let mut json: serde_json::Value = serde_json::to_value(Recipe::defaults(ModelKind::Fc)).unwrap();
        for k in ["augment", "label_smoothing", "schedule", "warmup", "weight_decay"] {
            json.as_object_mut().unwrap().remove(k);
        }
        let r: Recipe = serde_json::from_value(json).unwrap();
        assert_eq!(r, Recipe::defaults(ModelKind::Fc));
        let best = Recipe::best();
        let back: Recipe = serde_json::from_str(&serde_json::to_string(&best).unwrap()).unwrap();
        assert_eq!(back, best);
    }
}
