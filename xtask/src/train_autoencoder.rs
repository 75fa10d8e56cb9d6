//! `cargo xtask train_autoencoder` (being built; see the issue tracker).

/// Flags.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("'train_autoencoder' is not built yet")
}
