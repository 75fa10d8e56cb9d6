//! `cargo xtask fetch-cifar` / `fetch-oil` (being built; see the issue tracker).

/// Flags of fetch-cifar.
#[derive(clap::Args)]
pub struct CifarArgs {}

/// Flags of fetch-oil.
#[derive(clap::Args)]
pub struct OilArgs {}

/// Runs fetch-cifar.
pub fn run_cifar(_args: CifarArgs) -> anyhow::Result<()> {
    anyhow::bail!("fetch-cifar is not built yet")
}

/// Runs fetch-oil.
pub fn run_oil(_args: OilArgs) -> anyhow::Result<()> {
    anyhow::bail!("fetch-oil is not built yet")
}
