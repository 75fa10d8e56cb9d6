//! `report.html` in a real browser: headless Chromium (Debian package `chromium`) loads the page
//! from disk with networking off, runs its image check, and dumps the DOM, from which
//! [`check_report`] reads how many images decoded and looks for the key numbers; it can also take
//! a screenshot. Used by `cargo xtask ci` (which installs the package when it is missing and it
//! can, or says clearly that the step was skipped).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Executable names tried, in order.
const NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// Flags of every run: no sandbox (CI runs as root), no GPU, no network, small shared memory.
const FLAGS: [&str; 7] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--virtual-time-budget=10000",
];

/// The browser on `PATH`, if any.
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    NAMES.iter().find_map(|name| std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file()))
}

/// The browser, installed with apt-get when it is missing and this process may (root, Debian);
/// `Err` says why there is none.
pub fn find_or_install() -> Result<PathBuf, String> {
    if let Some(b) = find() {
        return Ok(b);
    }
    let root = rustix::process::geteuid().is_root();
    if !root || !Path::new("/usr/bin/apt-get").exists() {
        return Err("chromium is not installed and this is not a root Debian machine to apt-get it on".into());
    }
    println!("    chromium is missing: apt-get install -y chromium");
    let ok = |args: &[&str]| {
        Command::new("apt-get").args(args).env("DEBIAN_FRONTEND", "noninteractive").status().is_ok_and(|s| s.success())
    };
    if !ok(&["update", "-qq"]) || !ok(&["install", "-y", "-qq", "--no-install-recommends", "chromium"]) {
        return Err("apt-get could not install chromium (no package registry reachable?)".into());
    }
    find().ok_or_else(|| "apt-get installed chromium but no browser executable is on PATH".into())
}

/// What the browser saw.
#[derive(Debug)]
pub struct Rendered {
    /// Images that decoded.
    pub loaded: usize,
    /// Images on the page.
    pub total: usize,
    /// The DOM after loading (with the page's script run).
    pub dom: String,
}

/// Loads `report` in `browser` and reads the image count the page's script wrote.
pub fn render(browser: &Path, report: &Path) -> Result<Rendered> {
    let url = file_url(report)?;
    let out = Command::new(browser)
        .args(FLAGS)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .with_context(|| format!("could not start {}", browser.display()))?;
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let Some(rest) = dom.split("data-images-loaded=\"").nth(1) else {
        bail!(
            "the browser did not run the page's image check (exit {}; stderr: {})",
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
        );
    };
    let count = rest.split('"').next().unwrap_or("");
    let (loaded, total) = count.split_once('/').context("a malformed image count")?;
    Ok(Rendered { loaded: loaded.parse()?, total: total.parse()?, dom })
}

/// Renders `report` and fails unless every image (at least `min_images`) loaded and every string
/// of `expect` is in the page.
pub fn check_report(browser: &Path, report: &Path, min_images: usize, expect: &[String]) -> Result<Rendered> {
    let r = render(browser, report)?;
    if r.loaded != r.total || r.total < min_images {
        bail!("{}: {} of {} images loaded (at least {min_images} expected)", report.display(), r.loaded, r.total);
    }
    if let Some(missing) = expect.iter().find(|s| !r.dom.contains(s.as_str())) {
        bail!("{}: the page does not show '{missing}'", report.display());
    }
    Ok(r)
}

/// A `width`×`height` screenshot of `report` into `png`.
pub fn screenshot(browser: &Path, report: &Path, png: &Path, width: u32, height: u32) -> Result<()> {
    let status = Command::new(browser)
        .args(FLAGS)
        .arg("--hide-scrollbars")
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png.display()))
        .arg(file_url(report)?)
        .output()
        .with_context(|| format!("could not start {}", browser.display()))?
        .status;
    if !status.success() || !png.exists() {
        bail!("the browser could not take a screenshot of {} ({status})", report.display());
    }
    Ok(())
}

fn file_url(path: &Path) -> Result<String> {
    let abs = std::fs::canonicalize(path).with_context(|| format!("{} does not exist", path.display()))?;
    Ok(format!("file://{}", abs.display()))
}
