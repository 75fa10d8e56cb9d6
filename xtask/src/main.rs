//! `cargo xtask`: the project's chores, one module per command.
//!
//! Runs optimised (`.cargo/config.toml` aliases `xtask` to `run --release -p xtask --`), so the
//! training commands execute release code. Errors print once, in plain words, and exit with
//! status 1 ([`exit`] has the table); `-v` or `HANDGRAD_BACKTRACE=1` adds the backtrace.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod args;
mod bench_compare;
mod check_gradient;
mod ci;
mod dep_checks;
mod exit;
mod explicit;
mod fcnet_run;
mod fetch;
mod gplvm_data;
mod gplvm_project;
mod interrupt;
mod predict;
mod report;
mod run_dir;
mod run_log;
mod train_autoencoder;
mod train_fcnet;
mod train_gplvm;
mod tune_fcnet;

/// handgrad's chores: fetch data, train the models, benchmark, and run CI.
#[derive(Parser)]
#[command(name = "cargo xtask", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// On an error, print every cause and the backtrace (also: HANDGRAD_BACKTRACE=1).
    #[arg(short, long, global = true)]
    verbose: bool,
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
    /// Use a fitted GP-LVM (a train gplvm run's model file).
    Gplvm {
        #[command(subcommand)]
        cmd: GplvmCmd,
    },
    /// Hyperparameter search.
    Tune {
        #[command(subcommand)]
        model: TuneCmd,
    },
    /// The training step side by side with the numpy yardstick, same sitting, alternating.
    BenchCompare(bench_compare::Args),
    /// The definition of green: fmt, clippy -D warnings, tests, the report in headless Chromium, no_std
    /// checks, bench build, docs, packaging, licence and unused-dependency checks.
    Ci(ci::Args),
    /// Classify PNG or JPEG images with a trained checkpoint (top-3 classes), or evaluate it on the
    /// installed test split.
    Predict(predict::Args),
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
    /// GP-LVM (full or sparse) on the oil-flow data or CIFAR-10's principal components, PCA beside it.
    Gplvm(train_gplvm::Args),
}

#[derive(Subcommand)]
enum GplvmCmd {
    /// Place new rows in a fitted model's latent space (infer_new_x) and label them by 1-NN.
    Project(gplvm_project::Args),
}

#[derive(Subcommand)]
enum TuneCmd {
    /// Random or grid search over the two-layer net's hyperparameters.
    Fcnet(tune_fcnet::Args),
}

fn main() -> ExitCode {
    let check_gradient = std::env::args().nth(1).as_deref() == Some("check-gradient");
    let parsed =
        negative_numbers(Cli::command()).try_get_matches().and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(p) => p,
        Err(e) => return exit::usage(&e, check_gradient),
    };
    // The flags typed (not defaulted): a resumed run refuses those that change its configuration.
    let given = explicit::Given::of(&matches);
    let verbose = cli.verbose || exit::backtrace_from_env();
    exit::prepare(verbose);
    // The kernel library reports a forced path the CPU lacks; the CLI says it, once.
    if let Some(why) = &handgrad_tensor::kernels::selection().fallback {
        eprintln!("handgrad: {why}");
    }
    match run(cli.cmd, &given) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => exit::report(&e, verbose),
    }
}

/// Every flag that takes a value accepts a negative number as that value (`--lr -1` is the value
/// -1, refused by the flag's own check with its bound, not an unknown flag `-1`).
fn negative_numbers(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|a| if a.get_action().takes_values() { a.allow_negative_numbers(true) } else { a })
        .mut_subcommands(negative_numbers)
}

fn run(cmd: Cmd, given: &explicit::Given) -> anyhow::Result<()> {
    match cmd {
        Cmd::FetchCifar(a) => fetch::run_cifar(a),
        Cmd::FetchOil(a) => fetch::run_oil(a),
        Cmd::Train { model: TrainCmd::Fcnet(a) } => train_fcnet::run(a, given),
        Cmd::Train { model: TrainCmd::Autoencoder(a) } => train_autoencoder::run(a),
        Cmd::Train { model: TrainCmd::Gplvm(a) } => train_gplvm::run(a),
        Cmd::Gplvm { cmd: GplvmCmd::Project(a) } => gplvm_project::run(a),
        Cmd::Tune { model: TuneCmd::Fcnet(a) } => tune_fcnet::run(a, given),
        Cmd::Predict(a) => predict::run(a),
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
