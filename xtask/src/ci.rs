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
//! 4. `report.html` of a short real training run (`train fcnet --hidden 50 --iters 490`) rendered
//!    by headless Chromium: every image must load and the final numbers must be in the page
//!    (Chromium is installed with apt-get when missing; when it cannot be, the step says it was
//!    skipped)
//! 5. `cargo check -p <crate> --no-default-features` for every no_std crate
//! 6. `cargo test --workspace --benches --no-run`: the benches compile and link, in the test
//!    profile on the dependencies step 3 built (`cargo bench --no-run` made a second optimised
//!    build of the whole tree: 582 s of a clean-clone CI run on the 2-core AMD EPYC)
//! 7. `cargo doc --workspace --no-deps` with `RUSTDOCFLAGS=-D warnings`
//! 8. `cargo package --workspace --no-verify` for the library crates (metadata, licence files,
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
        steps.push((vec!["test", "--workspace", "--benches", "--no-run"], vec![]));
        steps.push((vec!["doc", "--workspace", "--no-deps"], vec![("RUSTDOCFLAGS", "-D warnings".into())]));
    }
    steps.push((PACKAGE.to_vec(), vec![]));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for (i, (cmd, env)) in steps.iter().enumerate() {
        if i == 3 {
            browser_step(&root)?;
        }
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

/// Step 4: a short real run's `report.html` in headless Chromium (images loaded, key numbers shown) and a
/// screenshot of it beside the run.
fn browser_step(root: &std::path::Path) -> anyhow::Result<()> {
    use crate::report::browser;
    println!("==> report.html of a short training run in headless Chromium");
    let t = Instant::now();
    let browser = match browser::find_or_install() {
        Ok(b) => b,
        Err(why) => {
            println!("    SKIPPED (the report.html browser check did not run): {why}");
            return Ok(());
        }
    };
    let out = root.join("target").join("ci-report-run");
    let exe = std::env::current_exe().context("cannot find the xtask executable")?;
    let run = ["train", "fcnet", "--hidden", "50", "--iters", "490", "--quiet", "--overwrite", "--out"];
    let status = Command::new(&exe)
        .args(run)
        .arg(&out)
        .current_dir(root)
        .status()
        .context("could not start the training run")?;
    if !status.success() {
        bail!("the training run for the browser check failed ({status}); see above");
    }
    let summary = crate::run_dir::read_summary(&out).context("the run wrote no readable summary.json")?;
    let val = summary["val_acc"].as_f64().context("summary.json has no val_acc")?;
    let expect = vec![
        format!("validation accuracy: {val:.4}"),
        "Per-class accuracy".into(),
        "airplane".into(),
        "finished".into(),
    ];
    let report = out.join(crate::report::html::REPORT);
    let r = browser::check_report(&browser, &report, 5, &expect)?;
    let shot = out.join("report-screenshot.png");
    browser::screenshot(&browser, &report, &shot, 1280, 4000)?;
    println!(
        "    ok in {:.1} s: {} of {} images loaded, validation accuracy {val:.4} and the per-class table shown ({}); \
         screenshot {}",
        t.elapsed().as_secs_f64(),
        r.loaded,
        r.total,
        browser.display(),
        shot.display()
    );
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
