//! `cargo xtask fetch-cifar` and `cargo xtask fetch-oil`: download (or take a local copy of) a
//! dataset, verify it, and install it atomically into the datasets folder (`<root>/datasets`, or
//! `$HANDGRAD_DATASETS`).
//!
//! The work is done by `handgrad_cifar::archive` and `handgrad_data::oil` on top of
//! `handgrad_data::install` (tested there); this module downloads, picks the source and talks to
//! the user. Other commands call [`ensure_cifar`] and [`ensure_oil`], which return the data folder
//! and install the data first when it is missing: from `--from` when given; otherwise by download,
//! and, when that fails (no network), from the development copy in `<root>/../shared/datasets/`,
//! saying which source was used. This module is the only place in xtask that knows those copies.

mod download;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use handgrad_cifar::archive::{
    CANONICAL_MD5, CANONICAL_SIZE, CANONICAL_URL, Checksum, InstallReport, install_archive, install_folder,
};
use handgrad_data::install::Replaced;
use handgrad_data::{locate, oil};

/// The development copy of the CIFAR-10 training images, relative to the workspace root.
const DEV_CIFAR: &str = "../shared/datasets/cifar-10-train-binary.tar.gz";
/// The development copy of the oil-flow files, relative to the workspace root.
const DEV_OIL: &str = "../shared/datasets/oil";

/// Flags of fetch-cifar.
#[derive(clap::Args)]
pub struct CifarArgs {
    /// Install from a local copy instead of downloading: a .tar.gz archive, or an extracted
    /// `cifar-10-batches-bin` folder (or its parent). Its structure and sizes are verified; an MD5
    /// other than the canonical one is reported, not fatal. Example:
    /// `--from ../shared/datasets/cifar-10-train-binary.tar.gz`.
    #[arg(long, value_name = "PATH")]
    pub from: Option<PathBuf>,
    /// Reinstall even when a verified copy is already present.
    #[arg(long)]
    pub force: bool,
    /// When the download fails, fail instead of falling back to the development copy at
    /// `<root>/../shared/datasets/cifar-10-train-binary.tar.gz`.
    #[arg(long)]
    pub no_fallback: bool,
    /// Archive URL to download (must have the canonical MD5).
    #[arg(long, default_value = CANONICAL_URL)]
    pub url: String,
    /// Network timeout in seconds for each phase of the download (resolve, connect, each read).
    #[arg(long, default_value_t = 15)]
    pub timeout: u64,
}

/// Flags of fetch-oil.
#[derive(clap::Args)]
pub struct OilArgs {
    /// Install from a local folder holding DataTrn.txt and DataTrnLbls.txt instead of downloading.
    /// Rows and columns are verified; a SHA-256 other than the mirror's is reported, not fatal.
    /// Example: `--from ../shared/datasets/oil`.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Reinstall even when a verified copy is already present.
    #[arg(long)]
    pub force: bool,
    /// When the download fails, fail instead of falling back to `<root>/../shared/datasets/oil`.
    #[arg(long)]
    pub no_fallback: bool,
    /// Base URL of the mirror's three_phase_oil_flow folder.
    #[arg(long, default_value = oil::MIRROR_URL)]
    pub url: String,
    /// Network timeout in seconds for each phase of each download.
    #[arg(long, default_value_t = 15)]
    pub timeout: u64,
}

/// Runs fetch-cifar.
pub fn run_cifar(args: CifarArgs) -> anyhow::Result<()> {
    let dir = cifar(&args)?;
    println!("CIFAR-10 is in {}", dir.display());
    Ok(())
}

/// Runs fetch-oil.
pub fn run_oil(args: OilArgs) -> anyhow::Result<()> {
    let dir = oil_with(&args)?;
    println!("oil-flow data is in {}", dir.display());
    Ok(())
}

/// The CIFAR-10 folder a command reads, from its `--data`: an extracted `cifar-10-batches-bin`
/// folder (or its parent) is used in place; otherwise the installed copy, installed first from
/// `--data` (an archive) or from the default source when missing ([`ensure_cifar`]).
pub fn cifar_dir(data: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = data {
        for dir in [p.to_path_buf(), p.join(handgrad_cifar::DIR_NAME)] {
            if dir.join(handgrad_cifar::TRAIN_FILES[0]).is_file() {
                return Ok(dir);
            }
        }
    }
    ensure_cifar(data)
}

/// The oil-flow folder a command reads, from its `--data`: a folder holding the files is used in
/// place; otherwise the installed copy, installed first when missing ([`ensure_oil`]).
pub fn oil_dir(data: Option<&Path>) -> anyhow::Result<PathBuf> {
    match data {
        Some(dir) if dir.join(oil::DATA_FILE).is_file() => Ok(dir.to_path_buf()),
        from => ensure_oil(from),
    }
}

/// The CIFAR-10 folder (`<datasets>/cifar-10-batches-bin`), installed first when missing: from
/// `from` when given, else by download, else from the development copy (printing which).
pub fn ensure_cifar(from: Option<&Path>) -> anyhow::Result<PathBuf> {
    let args = CifarArgs {
        from: from.map(Path::to_path_buf),
        force: false,
        no_fallback: false,
        url: CANONICAL_URL.into(),
        timeout: 15,
    };
    cifar(&args)
}

/// The oil-flow folder (`<datasets>/oil`), installed first when missing (sources as
/// [`ensure_cifar`]).
pub fn ensure_oil(from: Option<&Path>) -> anyhow::Result<PathBuf> {
    let args = OilArgs {
        from: from.map(Path::to_path_buf),
        force: false,
        no_fallback: false,
        url: oil::MIRROR_URL.into(),
        timeout: 15,
    };
    oil_with(&args)
}

/// The development copy of the CIFAR-10 archive when this machine has one (`cargo xtask ci`
/// hands it to the archive installer's real-data test).
pub fn dev_cifar_archive() -> Option<PathBuf> {
    Some(crate::workspace_root().join(DEV_CIFAR)).filter(|p| p.is_file())
}

fn datasets_dir() -> PathBuf {
    locate::datasets_dir(&crate::workspace_root())
}

/// Runs `download`; when it fails, installs the development copy `dev` (relative to the workspace
/// root) with `local` instead, saying so, unless `no_fallback` or there is no such copy.
fn download_or_dev(
    no_fallback: bool,
    dev: &str,
    what_to_do: &str,
    download: impl FnOnce() -> anyhow::Result<PathBuf>,
    local: impl FnOnce(&Path) -> anyhow::Result<PathBuf>,
) -> anyhow::Result<PathBuf> {
    let e = match download() {
        Ok(dir) => return Ok(dir),
        Err(e) => e,
    };
    let dev_path = crate::workspace_root().join(dev);
    if no_fallback || !dev_path.exists() {
        return Err(e.context(what_to_do.to_string()));
    }
    println!("download failed: {e:#}");
    println!("using the development copy instead: {}", dev_path.display());
    local(&dev_path)
}

fn cifar(args: &CifarArgs) -> anyhow::Result<PathBuf> {
    let datasets = datasets_dir();
    if let Some(dir) = locate::cifar10(&datasets).ok().filter(|_| !args.force) {
        println!(
            "CIFAR-10 already installed at {} (manifest sizes match); nothing to do (--force reinstalls)",
            dir.display()
        );
        return Ok(dir);
    }
    if let Some(from) = &args.from {
        return install_local_cifar(from, &datasets);
    }
    let what_to_do = format!(
        "no CIFAR-10 installed; if this machine has no internet access, install a local copy: \
         `cargo xtask fetch-cifar --from {DEV_CIFAR}` (an archive or extracted folder)"
    );
    download_or_dev(
        args.no_fallback,
        DEV_CIFAR,
        &what_to_do,
        || download_cifar(args, &datasets),
        |dev| install_local_cifar(dev, &datasets),
    )
}

fn download_cifar(args: &CifarArgs, datasets: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(datasets)?;
    let tmp = tempfile::Builder::new()
        .prefix(".download-")
        .suffix(".tar.gz")
        .tempfile_in(datasets)
        .with_context(|| format!("could not create a temporary file in {}", datasets.display()))?;
    println!("downloading {} ({CANONICAL_SIZE} bytes, MD5 {CANONICAL_MD5})", args.url);
    download::download(&args.url, tmp.path(), Duration::from_secs(args.timeout))?;
    let report = install_archive(tmp.path(), datasets, Checksum::Required(CANONICAL_MD5))?;
    print_cifar_report(&report, &format!("download {}", args.url));
    Ok(report.dir)
}

fn install_local_cifar(from: &Path, datasets: &Path) -> anyhow::Result<PathBuf> {
    let report = if from.is_dir() {
        install_folder(from, datasets)?
    } else if from.is_file() {
        install_archive(from, datasets, Checksum::Reported)?
    } else {
        bail!("--from {}: no such file or folder; give a .tar.gz archive or an extracted folder", from.display());
    };
    print_cifar_report(&report, &from.display().to_string());
    Ok(report.dir)
}

fn print_cifar_report(r: &InstallReport, source: &str) {
    println!("installed CIFAR-10 from {source} into {}", r.dir.display());
    match &r.md5 {
        Some(m) if r.canonical => println!("  archive MD5 {m}: the canonical archive"),
        Some(m) => println!(
            "  archive MD5 {m} is not the canonical {CANONICAL_MD5} (a local copy, e.g. the development archive \
             re-encoded from JPEGs); structure, sizes and labels verified, installed anyway"
        ),
        None => println!("  copied from a folder; structure, sizes and labels verified"),
    }
    for f in &r.files {
        println!("  {:>10} bytes  sha256 {}  {}", f.size, f.sha256, f.name);
    }
    if !r.has_test {
        println!("  note: {} is absent: no test split; use the validation split", handgrad_cifar::TEST_FILE);
    }
    if !r.skipped.is_empty() {
        println!("  skipped archive members: {}", r.skipped.join(", "));
    }
    print_housekeeping(&r.replaced, &r.removed_stale);
}

fn oil_with(args: &OilArgs) -> anyhow::Result<PathBuf> {
    let datasets = datasets_dir();
    if let Some(dir) = locate::oil(&datasets).ok().filter(|_| !args.force) {
        println!(
            "oil-flow data already installed at {} (manifest sizes match); nothing to do (--force reinstalls)",
            dir.display()
        );
        return Ok(dir);
    }
    if let Some(from) = &args.from {
        return install_local_oil(from, &datasets);
    }
    let what_to_do = format!(
        "no oil-flow data installed; without internet access, install a local copy: \
         `cargo xtask fetch-oil --from {DEV_OIL}`"
    );
    download_or_dev(
        args.no_fallback,
        DEV_OIL,
        &what_to_do,
        || download_oil(args, &datasets),
        |dev| install_local_oil(dev, &datasets),
    )
}

/// Downloads the two files into `<datasets>/.download-XXXX/` and installs them from there (each
/// must have the mirror's SHA-256).
fn download_oil(args: &OilArgs, datasets: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(datasets)?;
    let tmp = tempfile::Builder::new()
        .prefix(".download-")
        .tempdir_in(datasets)
        .with_context(|| format!("could not create a temporary folder in {}", datasets.display()))?;
    for (name, _) in oil::FILES {
        let url = format!("{}/{name}", args.url);
        println!("downloading {url}");
        download::download(&url, &tmp.path().join(name), Duration::from_secs(args.timeout))?;
    }
    let report = oil::install(oil::Source::Download { dir: tmp.path(), url: &args.url }, datasets)?;
    println!("downloaded and installed the oil-flow data into {}", report.dir.display());
    print_oil_report(&report);
    Ok(report.dir)
}

fn install_local_oil(from: &Path, datasets: &Path) -> anyhow::Result<PathBuf> {
    let report = oil::install(oil::Source::Folder(from), datasets)?;
    println!("installed the oil-flow data from {} into {}", from.display(), report.dir.display());
    print_oil_report(&report);
    Ok(report.dir)
}

fn print_oil_report(r: &oil::InstallReport) {
    for f in &r.files {
        println!("  {:>10} bytes  sha256 {}  {}", f.size, f.sha256, f.name);
    }
    for (name, mirror) in oil::FILES.iter().filter(|(name, _)| r.not_mirror.iter().any(|n| n == name)) {
        println!(
            "  note: {name} has a SHA-256 other than the mirror's {mirror} (rows and columns verified; installed anyway)"
        );
    }
    print_housekeeping(&r.replaced, &r.removed_stale);
}

/// What an install did besides installing: an earlier copy it could not delete, leftovers it removed.
fn print_housekeeping(replaced: &Replaced, removed_stale: &[PathBuf]) {
    if let Replaced::LeftAt { path, error } = replaced {
        println!("  note: could not remove the previous copy {}: {error}; delete it by hand", path.display());
    }
    for p in removed_stale {
        println!("  removed {}, left behind by an interrupted install", p.display());
    }
}
