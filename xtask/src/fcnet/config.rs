//! The command-line choices of the fcnet commands and the fully resolved [`RunConfig`] that a
//! run records in its summary and checkpoint.

use handgrad_cifar::Layout;
use serde::Serialize;

/// Which net to train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// Affine–ReLU–affine–softmax, trained with the two-layer notebook's SGD schedule.
    TwoLayer,
    /// Affine, optional batchnorm, ReLU, optional dropout, per hidden layer; affine–softmax on top; trained by the Solver.
    Fc,
}

/// Update rule of the Solver.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Update {
    /// Vanilla SGD: w ← w − lr·dw.
    Sgd,
    /// SGD with momentum 0.9.
    Momentum,
    /// Nesterov momentum 0.9.
    Nesterov,
    /// RMSProp (ρ = 0.99).
    Rmsprop,
    /// Adam (β1 = 0.9, β2 = 0.999).
    Adam,
}

/// Flattening order of an image row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutArg {
    /// Height, width, channel (the two-layer notebook).
    Hwc,
    /// Channel, height, width (the fully connected notebook, and the file's order).
    Chw,
}

impl LayoutArg {
    /// The reader's layout.
    pub fn layout(self) -> Layout {
        match self {
            Self::Hwc => Layout::Hwc,
            Self::Chw => Layout::Chw,
        }
    }

    /// Parses the name stored in checkpoints.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "hwc" => Some(Self::Hwc),
            "chw" => Some(Self::Chw),
            _ => None,
        }
    }

    /// The name stored in checkpoints.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hwc => "hwc",
            Self::Chw => "chw",
        }
    }
}

/// Scalar type of the parameters and data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DtypeArg {
    /// 32-bit floats (fast; the default).
    F32,
    /// 64-bit floats.
    F64,
}

/// Every choice of a run, resolved (no defaults left to fill in).
#[derive(Clone, Debug, Serialize)]
pub struct RunConfig {
    /// The net.
    pub model: ModelKind,
    /// Hidden layer sizes.
    pub hidden: Vec<usize>,
    /// Update rule (always `sgd` for the two-layer net).
    pub update: Update,
    /// Initial learning rate.
    pub learning_rate: f64,
    /// Learning-rate factor per epoch.
    pub lr_decay: f64,
    /// L2 strength (loss adds ½·reg·ΣW²).
    pub reg: f64,
    /// Minibatch size.
    pub batch: usize,
    /// Training iterations.
    pub iters: usize,
    /// Std of the initial weights.
    pub weight_scale: f64,
    /// Dropout probability of dropping a hidden unit (fc only; 0 = off).
    pub dropout: f64,
    /// Batch normalisation after each hidden affine layer (fc only).
    pub batchnorm: bool,
    /// RNG seed (initial weights, minibatches, dropout masks).
    pub seed: u64,
    /// GEMM threads.
    pub threads: usize,
    /// Flattening order.
    pub layout: LayoutArg,
    /// Scalar type.
    pub dtype: DtypeArg,
    /// Training images (the first ones of the training files).
    pub train_rows: usize,
    /// Validation images (the next ones).
    pub val_rows: usize,
}

impl RunConfig {
    /// Iterations per epoch: `max(train_rows / batch, 1)`.
    pub fn iters_per_epoch(&self) -> usize {
        (self.train_rows / self.batch.max(1)).max(1)
    }

    /// Epochs the run covers (fractional when `iters` is not a multiple).
    pub fn epochs(&self) -> f64 {
        self.iters as f64 / self.iters_per_epoch() as f64
    }

    /// A one-line description for tables and progress bars.
    pub fn short(&self) -> String {
        let hidden: Vec<String> = self.hidden.iter().map(usize::to_string).collect();
        let mut s = format!(
            "{} [{}] {} lr {:.2e} decay {} reg {:.2e} batch {} iters {}",
            match self.model {
                ModelKind::TwoLayer => "two-layer",
                ModelKind::Fc => "fc",
            },
            hidden.join(","),
            serde_json::to_value(self.update).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
            self.learning_rate,
            self.lr_decay,
            self.reg,
            self.batch,
            self.iters
        );
        if self.dropout > 0.0 {
            s += &format!(" dropout {}", self.dropout);
        }
        if self.batchnorm {
            s += " batchnorm";
        }
        s
    }
}
