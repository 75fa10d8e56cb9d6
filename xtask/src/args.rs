//! Flags shared by the training commands, declared once (`#[command(flatten)]`), and the value
//! parsers that turn a flag's text into a library type. The names follow the glossary in
//! `handgrad_nn`'s crate docs: one flag name for one concept in every command.

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use handgrad_cifar::Layout;
use handgrad_fcnet::ModelKind;
use handgrad_nn::layers::Activation;
use handgrad_nn::optim::UpdateKind;

/// Seed, threads, data, run folder and progress display: every training command has them.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Seed of every random draw of the run (initial weights, minibatches, dropout masks, random
    /// initialisations). Same seed and thread count give the same run, bit for bit.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Threads for the matrix products and factorisations (1 is usually fastest on 2 cores at
    /// these sizes).
    #[arg(long, default_value_t = 1, value_parser = positive)]
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
    /// Initial learning rate [defaults per model below].
    #[arg(long)]
    pub lr: Option<f64>,
    /// Learning-rate factor applied per epoch (fcnet) or every `--decay-every` iterations
    /// (autoencoder) [defaults per model below].
    #[arg(long)]
    pub lr_decay: Option<f64>,
    /// Rows per minibatch [defaults per model below].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Training length in iterations (optimizer steps) [defaults per model below].
    #[arg(long)]
    pub iters: Option<usize>,
    /// Standard deviation of the initial weights, N(0, scale²) [defaults per model below].
    #[arg(long)]
    pub weight_scale: Option<f64>,
}

impl OptimArgs {
    /// The `--update` rule, if given.
    pub fn update_kind(&self) -> Option<UpdateKind> {
        self.update.as_deref().and_then(UpdateKind::from_name)
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

/// A whole number ≥ 1.
pub fn positive(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("'{s}' is not a whole number ≥ 1")),
    }
}

/// One architecture: the hidden layer sizes of one net (`--hidden 100,100` is two layers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hidden(pub Vec<usize>);

/// Parses `--hidden`: sizes separated by commas, e.g. `100,100` (each ≥ 1).
pub fn hidden_sizes(s: &str) -> Result<Hidden, String> {
    let sizes: Vec<usize> = s.split(',').map(|p| positive(p.trim())).collect::<Result<_, _>>()?;
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
        assert!(positive("0").is_err() && positive("-1").is_err() && positive("3").unwrap() == 3);
    }
}
