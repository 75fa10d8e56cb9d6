//! `cargo xtask ci`: the definition of green.
//!
//! Steps, in order (each prints its command; the first failure stops the run):
//! 0. install the real data (`cargo xtask fetch-cifar`, `cargo xtask fetch-oil`, in process: a
//!    verified copy is kept; otherwise download, or the development copies when there is no
//!    network), so that the tests run on real data on a fresh clone
//! 1. `cargo fmt --all --check`
//! 2. `cargo clippy --workspace --all-targets -- -D warnings`
//! 3. `cargo test --workspace` (dev profile: our code at opt-level 1, dependencies at 3), with
//!    `HANDGRAD_CIFAR_ARCHIVE` set to the development archive when there is one (the archive
//!    installer's real-data test)
//! 4. `cargo check -p <crate> --no-default-features` for every no_std crate
//! 5. `cargo bench --workspace --no-run`
//! 6. `cargo doc --workspace --no-deps` with `RUSTDOCFLAGS=-D warnings`
//! 7. `cargo package --workspace --no-verify` for the library crates (metadata, licence files,
//!    READMEs and versions complete for crates.io; their README quick starts are crate docs, so step
//!    3 has compiled and run them), then the licence and unused-dependency checks of
//!    [`crate::dep_checks`]

use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use handgrad_data::locate::CIFAR_ARCHIVE_ENV;

/// The library crates that build without `std`.
const NO_STD_CRATES: &[&str] =
    &["handgrad-tensor", "handgrad-nn", "handgrad-cifar", "handgrad-autoencoder", "handgrad-gplvm"];

/// Packaging every library crate as crates.io would receive it (the binaries are `publish = false`).
const PACKAGE: &[&str] =
    &["package", "--workspace", "--no-verify", "--allow-dirty", "--exclude", "xtask", "--exclude", "handgrad-benches"];

/// One step: cargo's arguments and extra environment variables.
type Step = (Vec<&'static str>, Vec<(&'static str, String)>);

/// Flags.
#[derive(clap::Args)]
pub struct Args {
    /// Skip the slow steps that CI still runs (bench build and docs); for a quick local check.
    #[arg(long)]
    pub quick: bool,
}

/// Runs every step; fails on the first failing one.
pub fn run(args: Args) -> anyhow::Result<()> {
    let root = crate::workspace_root();
    let total = Instant::now();
    let test_env = install_data()?;
    let mut steps: Vec<Step> = vec![
        (vec!["fmt", "--all", "--check"], vec![]),
        (vec!["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], vec![]),
        (vec!["test", "--workspace"], test_env),
    ];
    for krate in NO_STD_CRATES {
        steps.push((vec!["check", "-p", krate, "--no-default-features"], vec![]));
    }
    if !args.quick {
        steps.push((vec!["bench", "--workspace", "--no-run"], vec![]));
        steps.push((vec!["doc", "--workspace", "--no-deps"], vec![("RUSTDOCFLAGS", "-D warnings".into())]));
    }
    steps.push((PACKAGE.to_vec(), vec![]));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for (cmd, env) in &steps {
        let shown = env.iter().map(|(k, v)| format!("{k}={v} ")).collect::<String>() + "cargo " + &cmd.join(" ");
        println!("==> {shown}");
        let t = Instant::now();
        let status = Command::new(&cargo)
            .args(cmd)
            .envs(env.iter().cloned())
            .current_dir(&root)
            .status()
            .with_context(|| format!("could not start `{shown}`; is cargo on PATH?"))?;
        if !status.success() {
            bail!("`{shown}` failed ({status}); fix what it reports above and run `cargo xtask ci` again");
        }
        println!("    ok in {:.1} s", t.elapsed().as_secs_f64());
    }
    for (what, check) in [
        ("licences of the dependency tree", crate::dep_checks::licences as fn(&std::path::Path) -> anyhow::Result<()>),
        ("unused dependencies", crate::dep_checks::unused_dependencies),
    ] {
        println!("==> {what}");
        check(&root)?;
        println!("    ok");
    }
    println!("ci: data installed and all {} steps green in {:.1} s", steps.len(), total.elapsed().as_secs_f64());
    Ok(())
}

/// Step 0: installs both datasets (or finds them installed) and returns the environment of the
/// test step.
fn install_data() -> anyhow::Result<Vec<(&'static str, String)>> {
    println!("==> cargo xtask fetch-cifar && cargo xtask fetch-oil");
    let t = Instant::now();
    let tests_need = "`cargo xtask ci` runs the tests on real data and could not install it; do what the cause \
                      below says, then run `cargo xtask ci` again";
    crate::fetch::ensure_cifar(None).context(tests_need)?;
    crate::fetch::ensure_oil(None).context(tests_need)?;
    println!("    ok in {:.1} s", t.elapsed().as_secs_f64());
    Ok(match crate::fetch::dev_cifar_archive() {
        Some(archive) => vec![(CIFAR_ARCHIVE_ENV, archive.display().to_string())],
        None => {
            println!("    note: no development archive here; the archive installer's real-data test will skip");
            vec![]
        }
    })
}
