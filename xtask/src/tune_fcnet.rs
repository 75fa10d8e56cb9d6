//! `cargo xtask tune_fcnet` (being built; see the issue tracker).

/// Flags.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("'tune_fcnet' is not built yet")
}
