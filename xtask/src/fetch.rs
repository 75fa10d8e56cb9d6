//! `cargo xtask fetch-cifar` and `cargo xtask fetch-oil`: download (or take a local copy of) a
//! dataset, verify it, and install it atomically into the datasets folder (`<root>/datasets`, or
//! `$HANDGRAD_DATASETS`).
//!
//! The work is done by `handgrad_cifar::archive` and `handgrad_data::oil` on top of
//! `handgrad_data::install` (tested there); this module downloads, picks the source and talks to
//! the user. Other commands resolve their `--data` with [`cifar_dir`] and [`oil_dir`]:
//!
//! - `--data PATH` is used exactly as given, or the command fails saying why: an extracted folder
//!   is read in place (its files must be there); an archive is installed under the datasets
//!   folder first (unless the installed copy came from an archive with the same MD5) and read
//!   from there. It never falls back to another copy.
//! - Without `--data`, the installed copy is used, installed first when missing: by download and,
//!   when that fails (no network), from the development copy in `<root>/../shared/datasets/`,
//!   saying so. This module is the only place in xtask that knows those copies.
//!
//! An install counts when its manifest's sizes match (a quick check); `fetch-cifar --verify` /
//! `fetch-oil --verify` also compare every file's SHA-256 with the manifest, and so does a command
//! whose reader reported damage in the installed copy ([`reader_failed`]), whose error then names
//! the damaged files and the repair, `--force`.

mod download;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use handgrad_cifar::archive::{
    CANONICAL_MD5, CANONICAL_SIZE, CANONICAL_URL, Checksum, InstallReport, archive_md5, install_archive, install_folder,
};
use handgrad_cifar::download::{Download, download_and_install};
use handgrad_data::install::{Replaced, read_manifest, read_source, sha256_file};
use handgrad_data::locate::{self, Dataset};
use handgrad_data::oil;

/// The development copy of the CIFAR-10 training images, relative to the workspace root.
const DEV_CIFAR: &str = "../shared/datasets/cifar-10-train-binary.tar.gz";
/// The development copy of the oil-flow files, relative to the workspace root.
const DEV_OIL: &str = "../shared/datasets/oil";

/// Flags of fetch-cifar.
#[derive(clap::Args)]
pub struct CifarArgs {
    /// Install from a local copy instead of downloading: a .tar.gz (or .tar) archive, or an
    /// extracted `cifar-10-batches-bin` folder (or its parent). Its structure and sizes are
    /// verified; an MD5 other than the canonical one is reported, not fatal. An install that came
    /// from the same archive (same MD5) or folder (same SHA-256s) is kept. Example:
    /// `--from ../shared/datasets/cifar-10-train-binary.tar.gz`.
    #[arg(long, value_name = "PATH")]
    pub from: Option<PathBuf>,
    /// Reinstall even when a verified copy is already present (repairs a damaged install).
    #[arg(long)]
    pub force: bool,
    /// Do not install: check every installed file's SHA-256 against the manifest (the quick check
    /// compares sizes only) and name the damaged ones.
    #[arg(long, conflicts_with_all = ["from", "force"])]
    pub verify: bool,
    /// When the download fails, fail instead of falling back to the development copy at
    /// `<root>/../shared/datasets/cifar-10-train-binary.tar.gz`.
    #[arg(long)]
    pub no_fallback: bool,
    /// Archive URL to download (must have the canonical MD5).
    #[arg(long, default_value = CANONICAL_URL)]
    pub url: String,
    /// Network timeout in seconds (1..=3600) for each phase of the download (resolve, connect,
    /// each read).
    #[arg(long, default_value_t = 15, value_parser = timeout_seconds)]
    pub timeout: u64,
}

/// Flags of fetch-oil.
#[derive(clap::Args)]
pub struct OilArgs {
    /// Install from a local folder holding DataTrn.txt and DataTrnLbls.txt instead of downloading.
    /// Rows and columns are verified; a SHA-256 other than the mirror's is reported, not fatal. An
    /// install of the same files (same SHA-256s) is kept. Example: `--from ../shared/datasets/oil`.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// Reinstall even when a verified copy is already present (repairs a damaged install).
    #[arg(long)]
    pub force: bool,
    /// Do not install: check every installed file's SHA-256 against the manifest and name the
    /// damaged ones.
    #[arg(long, conflicts_with_all = ["from", "force"])]
    pub verify: bool,
    /// When the download fails, fail instead of falling back to `<root>/../shared/datasets/oil`.
    #[arg(long)]
    pub no_fallback: bool,
    /// Base URL of the mirror's three_phase_oil_flow folder.
    #[arg(long, default_value = oil::MIRROR_URL)]
    pub url: String,
    /// Network timeout in seconds (1..=3600) for each phase of each download.
    #[arg(long, default_value_t = 15, value_parser = timeout_seconds)]
    pub timeout: u64,
}

fn timeout_seconds(s: &str) -> Result<u64, String> {
    crate::args::whole_in(s, 1, 3600).map(|t| t as u64)
}

/// Runs fetch-cifar.
pub fn run_cifar(args: CifarArgs) -> anyhow::Result<()> {
    let dir = if args.verify { verify_install(Dataset::Cifar10)? } else { cifar(&args)? };
    println!("CIFAR-10 is in {}", dir.display());
    Ok(())
}

/// Runs fetch-oil.
pub fn run_oil(args: OilArgs) -> anyhow::Result<()> {
    let dir = if args.verify { verify_install(Dataset::Oil)? } else { oil_with(&args)? };
    println!("oil-flow data is in {}", dir.display());
    Ok(())
}

/// What a `--data` / `--from` path holds.
enum Local {
    /// A folder (for CIFAR-10: the `cifar-10-batches-bin` folder itself, found in the given one).
    Folder(PathBuf),
    /// A regular file: an archive.
    Archive(PathBuf),
}

/// Classifies `path`, given with `flag`; a path that does not exist or is neither a regular file
/// nor a folder is an error naming it.
fn local(path: &Path, flag: &str) -> anyhow::Result<Local> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{flag} {}: no such file or folder", path.display())
        }
        Err(e) => bail!("{flag} {}: cannot be read ({e})", path.display()),
    };
    if meta.is_dir() {
        Ok(Local::Folder(path.to_path_buf()))
    } else if meta.is_file() {
        Ok(Local::Archive(path.to_path_buf()))
    } else {
        bail!("{flag} {}: not a regular file or folder; give an archive or a folder", path.display())
    }
}

/// The CIFAR-10 folder a command reads, from its `--data` (module docs): an extracted folder is
/// read in place; an archive is installed first (or found installed); nothing given: the
/// installed copy ([`ensure_cifar`]).
pub fn cifar_dir(data: Option<&Path>) -> anyhow::Result<PathBuf> {
    let Some(path) = data else { return ensure_cifar(None) };
    match local(path, "--data")? {
        Local::Folder(dir) => {
            let dir = cifar_folder(&dir);
            check_files(&dir, CIFAR_FILES, "--data", CIFAR_FOLDER_HINT)?;
            println!("data: reading --data {} in place", dir.display());
            Ok(dir)
        }
        Local::Archive(file) => cifar_from(&Local::Archive(file), "--data", &datasets_dir(), false),
    }
}

/// The oil-flow folder a command reads, from its `--data`: a folder holding the two files, read
/// in place; nothing given: the installed copy ([`ensure_oil`]).
pub fn oil_dir(data: Option<&Path>) -> anyhow::Result<PathBuf> {
    let Some(path) = data else { return ensure_oil(None) };
    match local(path, "--data")? {
        Local::Folder(dir) => {
            check_files(&dir, &[oil::DATA_FILE, oil::LABELS_FILE], "--data", OIL_FOLDER_HINT)?;
            println!("data: reading --data {} in place", dir.display());
            Ok(dir)
        }
        Local::Archive(file) => {
            bail!("--data {}: a file; give the folder that holds {}", file.display(), OIL_FOLDER_HINT)
        }
    }
}

/// The files a CIFAR-10 folder must hold.
const CIFAR_FILES: &[&str] = &[
    handgrad_cifar::TRAIN_FILES[0],
    handgrad_cifar::TRAIN_FILES[1],
    handgrad_cifar::TRAIN_FILES[2],
    handgrad_cifar::TRAIN_FILES[3],
    handgrad_cifar::TRAIN_FILES[4],
    handgrad_cifar::META_FILE,
];
const CIFAR_FOLDER_HINT: &str = "give an extracted cifar-10-batches-bin folder (data_batch_1.bin … data_batch_5.bin, \
     batches.meta.txt), its parent, or a .tar.gz archive";
const OIL_FOLDER_HINT: &str = "DataTrn.txt and DataTrnLbls.txt (e.g. ../shared/datasets/oil)";

/// `dir` itself when it holds the batch files, else its `cifar-10-batches-bin` subfolder when
/// there is one, else `dir` (whose check then names what is missing).
fn cifar_folder(dir: &Path) -> PathBuf {
    let sub = dir.join(handgrad_cifar::DIR_NAME);
    if !dir.join(handgrad_cifar::TRAIN_FILES[0]).exists() && sub.is_dir() { sub } else { dir.to_path_buf() }
}

/// Every one of `names` is a regular file in `dir`, or the error names the first that is not.
fn check_files(dir: &Path, names: &[&str], flag: &str, hint: &str) -> anyhow::Result<()> {
    for name in names {
        let p = dir.join(name);
        if p.is_dir() {
            bail!("{flag} {}: {name} is a folder, not a file; {hint}", dir.display());
        }
        if !p.is_file() {
            bail!("{flag} {}: {name} is missing; {hint}", dir.display());
        }
    }
    Ok(())
}

/// The CIFAR-10 folder (`<datasets>/cifar-10-batches-bin`), installed first when missing: from
/// `from` when given, else by download, else from the development copy (printing which).
pub fn ensure_cifar(from: Option<&Path>) -> anyhow::Result<PathBuf> {
    let args = CifarArgs {
        from: from.map(Path::to_path_buf),
        force: false,
        verify: false,
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
        verify: false,
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

/// The command that installs `dataset`.
pub fn fetch_command(dataset: Dataset) -> &'static str {
    match dataset {
        Dataset::Cifar10 => "cargo xtask fetch-cifar",
        Dataset::Oil => "cargo xtask fetch-oil",
    }
}

fn datasets_dir() -> PathBuf {
    locate::datasets_dir(&crate::workspace_root())
}

/// The installed folder of `dataset` when its manifest's sizes match.
fn installed_dir(dataset: Dataset) -> Option<PathBuf> {
    let datasets = datasets_dir();
    match dataset {
        Dataset::Cifar10 => locate::cifar10(&datasets).ok(),
        Dataset::Oil => locate::oil(&datasets).ok(),
    }
}

/// The files of the installed folder `dir` whose contents differ from its manifest (size or
/// SHA-256), each as `name (why)`.
fn damaged_files(dir: &Path) -> anyhow::Result<Vec<String>> {
    let entries = read_manifest(dir).with_context(|| format!("{}: no readable manifest", dir.display()))?;
    let mut bad = Vec::new();
    for e in entries {
        match sha256_file(&dir.join(&e.name)) {
            Ok((size, sha)) if size == e.size && sha == e.sha256 => {}
            Ok((size, _)) if size == e.size => {
                bad.push(format!("{} (its SHA-256 differs from the manifest's)", e.name))
            }
            Ok((size, _)) => bad.push(format!("{} ({size} bytes; the manifest records {})", e.name, e.size)),
            Err(err) => bad.push(format!("{} (cannot be read: {err})", e.name)),
        }
    }
    Ok(bad)
}

/// `--verify`: every installed file of `dataset` against the manifest's SHA-256.
fn verify_install(dataset: Dataset) -> anyhow::Result<PathBuf> {
    let Some(dir) = installed_dir(dataset) else {
        return Err(locate::NotInstalled { dataset, dir: datasets_dir().join(dataset.dir_name()) }.into());
    };
    let bad = damaged_files(&dir)?;
    if !bad.is_empty() {
        bail!(
            "the installed {} data at {} is damaged: {}; reinstall it with `{} --force`",
            dataset.name(),
            dir.display(),
            bad.join("; "),
            fetch_command(dataset)
        );
    }
    let n = read_manifest(&dir).map_or(0, |e| e.len());
    println!("verified {} at {}: all {n} files match the manifest's SHA-256", dataset.name(), dir.display());
    Ok(dir)
}

/// A reader's error on the folder `dir`: when `dir` is the installed copy of `dataset`, its files
/// are checked against the manifest's SHA-256 and the error names the damaged ones and the repair
/// (`--force`); otherwise (or when every file matches) the error is returned as it is.
pub fn reader_failed(dataset: Dataset, dir: &Path, err: anyhow::Error) -> anyhow::Error {
    let Some(installed) = installed_dir(dataset) else { return err };
    let same = |a: &Path, b: &Path| a.canonicalize().ok().zip(b.canonicalize().ok()).is_some_and(|(a, b)| a == b);
    if !same(dir, &installed) {
        return err;
    }
    match damaged_files(&installed) {
        Ok(bad) if !bad.is_empty() => err.context(format!(
            "the installed {} data at {} is damaged ({}); reinstall it with `{} --force`",
            dataset.name(),
            installed.display(),
            bad.join("; "),
            fetch_command(dataset)
        )),
        _ => err,
    }
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
    println!("download failed: {}", crate::exit::message(&e));
    println!("no --data or --from given: using the development copy instead: {}", dev_path.display());
    local(&dev_path)
}

fn cifar(args: &CifarArgs) -> anyhow::Result<PathBuf> {
    let datasets = datasets_dir();
    if let Some(from) = &args.from {
        return cifar_from(&local(from, "--from")?, "--from", &datasets, args.force);
    }
    if let Some(dir) = locate::cifar10(&datasets).ok().filter(|_| !args.force) {
        println!(
            "CIFAR-10 already installed at {} (manifest sizes match; --verify also checks every file's SHA-256, \
             --force reinstalls); nothing to do",
            dir.display()
        );
        return Ok(dir);
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
        |dev| install_local_cifar(&Local::Archive(dev.to_path_buf()), &datasets, "the development copy"),
    )
}

/// Installs CIFAR-10 from the local copy `src` (given with `flag`), unless the installed copy
/// came from the same bytes (and not `force`).
fn cifar_from(src: &Local, flag: &str, datasets: &Path, force: bool) -> anyhow::Result<PathBuf> {
    if let Some(dir) = locate::cifar10(datasets).ok().filter(|_| !force) {
        let same = match src {
            Local::Archive(file) => {
                let md5 = archive_md5(file).with_context(|| format!("{flag} {}: cannot be read", file.display()))?;
                read_source(&dir).is_some_and(|s| s.contains(&format!("(md5 {md5}")))
            }
            Local::Folder(folder) => same_files(&cifar_folder(folder), &dir),
        };
        if same {
            let what = match src {
                Local::Archive(f) => format!("the archive {} (same MD5)", f.display()),
                Local::Folder(f) => format!("the folder {} (same SHA-256s)", f.display()),
            };
            println!("CIFAR-10 at {} was installed from {what}; nothing to do (--force reinstalls)", dir.display());
            return Ok(dir);
        }
    }
    install_local_cifar(src, datasets, flag)
}

/// `true` when every file the manifest of `installed` lists is in `folder` with the same size and
/// SHA-256.
fn same_files(folder: &Path, installed: &Path) -> bool {
    read_manifest(installed).is_some_and(|entries| {
        entries.iter().all(|e| sha256_file(&folder.join(&e.name)).is_ok_and(|(n, h)| n == e.size && h == e.sha256))
    })
}

fn download_cifar(args: &CifarArgs, datasets: &Path) -> anyhow::Result<PathBuf> {
    println!("downloading {} ({CANONICAL_SIZE} bytes, MD5 {CANONICAL_MD5})", args.url);
    let from = Download { url: &args.url, timeout: Duration::from_secs(args.timeout), ..Download::default() };
    let report = download_and_install(datasets, &from, download::progress_bar())?;
    print_cifar_report(&report, &format!("download {}", args.url));
    Ok(report.dir)
}

fn install_local_cifar(src: &Local, datasets: &Path, flag: &str) -> anyhow::Result<PathBuf> {
    let (report, shown) = match src {
        Local::Folder(dir) => (install_folder(dir, datasets), dir),
        Local::Archive(file) => (install_archive(file, datasets, Checksum::Reported), file),
    };
    let report = report.with_context(|| format!("installing CIFAR-10 from {flag} {}", shown.display()))?;
    print_cifar_report(&report, &format!("{flag} {}", shown.display()));
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
    if let Some(from) = &args.from {
        let Local::Folder(from) = local(from, "--from")? else {
            bail!("--from {}: a file; give the folder that holds {OIL_FOLDER_HINT}", from.display());
        };
        if let Some(dir) = locate::oil(&datasets).ok().filter(|d| !args.force && same_files(&from, d)) {
            println!(
                "oil-flow data at {} was installed from the folder {} (same SHA-256s); nothing to do (--force reinstalls)",
                dir.display(),
                from.display()
            );
            return Ok(dir);
        }
        return install_local_oil(&from, &datasets, "--from");
    }
    if let Some(dir) = locate::oil(&datasets).ok().filter(|_| !args.force) {
        println!(
            "oil-flow data already installed at {} (manifest sizes match; --verify also checks every file's SHA-256, \
             --force reinstalls); nothing to do",
            dir.display()
        );
        return Ok(dir);
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
        |dev| install_local_oil(dev, &datasets, "the development copy"),
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
        let timeout = Duration::from_secs(args.timeout);
        handgrad_data::download::download(&url, &tmp.path().join(name), timeout, download::progress_bar())?;
    }
    let report = oil::install(oil::Source::Download { dir: tmp.path(), url: &args.url }, datasets)?;
    println!("downloaded and installed the oil-flow data into {}", report.dir.display());
    print_oil_report(&report);
    Ok(report.dir)
}

fn install_local_oil(from: &Path, datasets: &Path, flag: &str) -> anyhow::Result<PathBuf> {
    let report = oil::install(oil::Source::Folder(from), datasets)
        .with_context(|| format!("installing the oil-flow data from {flag} {}", from.display()))?;
    println!("installed the oil-flow data from {flag} {} into {}", from.display(), report.dir.display());
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
