//! `cargo xtask bench_compare` (being built; see the issue tracker).

/// Flags.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("'bench_compare' is not built yet")
}
