//! `cargo xtask`: the project's chores, one module per command.
//!
//! Runs optimised (`.cargo/config.toml` aliases `xtask` to `run --release -p xtask --`), so the
//! training commands execute release code.

use clap::{Parser, Subcommand};

mod args;
mod bench_compare;
mod check_gradient;
mod ci;
mod dep_checks;
mod fcnet_run;
mod fetch;
mod report;
mod run_dir;
mod train_autoencoder;
mod train_fcnet;
mod train_gplvm;
mod tune_fcnet;

/// handgrad's chores: fetch data, train the models, benchmark, and run CI.
#[derive(Parser)]
#[command(name = "cargo xtask", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Download (or take from --from) CIFAR-10, verify it and install it under datasets/.
    FetchCifar(fetch::CifarArgs),
    /// Download (or take from --from) the oil-flow data, verify it and install it under datasets/.
    FetchOil(fetch::OilArgs),
    /// Train a model and write a run folder (metrics, plots, checkpoint).
    Train {
        #[command(subcommand)]
        model: TrainCmd,
    },
    /// Hyperparameter search.
    Tune {
        #[command(subcommand)]
        model: TuneCmd,
    },
    /// The training step side by side with the numpy yardstick, same sitting, alternating.
    BenchCompare(bench_compare::Args),
    /// The definition of green: fmt, clippy -D warnings, tests, no_std checks, bench build, docs.
    Ci(ci::Args),
    /// Judge a gradient you derived by hand against finite differences (exit 0 correct, 1 wrong,
    /// 2 cannot be judged).
    CheckGradient(check_gradient::Args),
}

#[derive(Subcommand)]
enum TrainCmd {
    /// Two-layer or fully connected net on CIFAR-10 (the main job).
    Fcnet(train_fcnet::Args),
    /// Tied linear / nonlinear autoencoder on CIFAR-10 or oil flow, against the PCA optimum.
    Autoencoder(train_autoencoder::Args),
    /// GP-LVM on the oil-flow data, PCA beside GP-LVM.
    Gplvm(train_gplvm::Args),
}

#[derive(Subcommand)]
enum TuneCmd {
    /// Random or grid search over the two-layer net's hyperparameters.
    Fcnet(tune_fcnet::Args),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::FetchCifar(a) => fetch::run_cifar(a),
        Cmd::FetchOil(a) => fetch::run_oil(a),
        Cmd::Train { model: TrainCmd::Fcnet(a) } => train_fcnet::run(a),
        Cmd::Train { model: TrainCmd::Autoencoder(a) } => train_autoencoder::run(a),
        Cmd::Train { model: TrainCmd::Gplvm(a) } => train_gplvm::run(a),
        Cmd::Tune { model: TuneCmd::Fcnet(a) } => tune_fcnet::run(a),
        Cmd::BenchCompare(a) => bench_compare::run(a),
        Cmd::Ci(a) => ci::run(a),
        // Its own exit status: 0 correct, 1 wrong, 2 cannot be judged.
        Cmd::CheckGradient(a) => std::process::exit(check_gradient::run(a)),
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace root").to_path_buf()
}
