//! The three-phase oil-flow data (Bishop & James 1993) as mirrored by Lawrence
//! (`lawrennd/datasets_mirror`, folder `three_phase_oil_flow/`): `DataTrn.txt` (1,000 × 12
//! measurements) and `DataTrnLbls.txt` (1,000 × 3 one-hot flow regimes), whitespace-separated.
//! Installed into `datasets/oil/` with the same staging + manifest + rename protocol as CIFAR-10.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use handgrad_cifar::install::{FileEntry, copy_hashed, installed, replace_dir, staging_dir, write_manifest};

use super::download::download;

/// Where the mirror serves the files (`<base>/<name>`).
pub const BASE_URL: &str = "https://raw.githubusercontent.com/lawrennd/datasets_mirror/main/three_phase_oil_flow";
/// Installed folder name under `datasets/`.
pub const DIR_NAME: &str = "oil";
/// The files: name, columns per row, SHA-256 of the mirrored file.
pub const FILES: [(&str, usize, &str); 2] = [
    ("DataTrn.txt", 12, "ff1aeeceb204de936990bc22cc9d0e4ca7094e993a6d723509c60be0b0f2a136"),
    ("DataTrnLbls.txt", 3, "15e5ce14ca8054ca34b984b8da7d8ffeff682f86af2772911e9deccdd4d438c0"),
];
/// Rows of each file.
pub const ROWS: usize = 1_000;

/// Checks that `text` is `ROWS` lines of `cols` finite numbers (one-hot rows when `cols == 3`).
pub fn check_table(name: &str, text: &str, cols: usize) -> anyhow::Result<()> {
    let mut rows = 0;
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let values: Vec<f64> = line
            .split_whitespace()
            .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect::<Option<_>>()
            .with_context(|| format!("{name}, line {}: not a row of numbers", i + 1))?;
        if values.len() != cols {
            bail!("{name}, line {}: {} columns, expected {cols}", i + 1, values.len());
        }
        if cols == 3 && (values.iter().sum::<f64>() != 1.0 || values.iter().any(|&v| v != 0.0 && v != 1.0)) {
            bail!("{name}, line {}: labels must be one-hot, found {values:?}", i + 1);
        }
        rows += 1;
    }
    if rows != ROWS {
        bail!("{name}: {rows} rows, expected {ROWS}");
    }
    Ok(())
}

/// Installs the oil files found in `src_dir` (or, with `url`, downloads them first into the staging
/// folder) into `<datasets>/oil`. With `strict`, a SHA-256 other than the mirror's is an error;
/// otherwise it is reported.
pub fn install(src: Source<'_>, datasets: &Path, strict: bool) -> anyhow::Result<PathBuf> {
    let staging = staging_dir(datasets)
        .with_context(|| format!("could not create a staging folder in {}", datasets.display()))?;
    let staged = staging.path().join(DIR_NAME);
    fs::create_dir(&staged)?;
    let mut entries: Vec<FileEntry> = Vec::new();
    for (name, cols, sha) in FILES {
        let dst = staged.join(name);
        let entry = match src {
            Source::Folder(dir) => copy_hashed(&dir.join(name), &dst, name)
                .with_context(|| format!("could not copy {}", dir.join(name).display()))?,
            Source::Url(base, timeout) => {
                let url = format!("{base}/{name}");
                println!("downloading {url}");
                download(&url, &dst, timeout)?;
                let (size, sha256) = handgrad_cifar::install::sha256_file(&dst)?;
                FileEntry { name: name.into(), size, sha256 }
            }
        };
        let text = fs::read_to_string(&dst).with_context(|| format!("{name} is not text"))?;
        check_table(name, &text, cols).with_context(|| format!("{name} is not the oil-flow data; check the source"))?;
        if entry.sha256 != sha {
            if strict {
                bail!("{name} has SHA-256 {}, expected {sha}: damaged download; run the command again", entry.sha256);
            }
            println!(
                "note: {name} has SHA-256 {}, not the mirror's {sha} (structure verified; installed anyway)",
                entry.sha256
            );
        }
        entries.push(entry);
    }
    write_manifest(&staged, &src.describe(), &entries)?;
    let dest = datasets.join(DIR_NAME);
    replace_dir(&staged, &dest).with_context(|| format!("could not move the data into {}", dest.display()))?;
    Ok(dest)
}

/// Where the oil files come from.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// A local folder holding DataTrn.txt and DataTrnLbls.txt.
    Folder(&'a Path),
    /// A base URL and a network timeout.
    Url(&'a str, Duration),
}

impl Source<'_> {
    fn describe(&self) -> String {
        match self {
            Source::Folder(p) => format!("folder {}", p.display()),
            Source::Url(u, _) => format!("download {u}"),
        }
    }
}

/// The installed oil folder under `datasets` when its manifest's sizes match.
pub fn installed_oil(datasets: &Path) -> Option<PathBuf> {
    let dir = datasets.join(DIR_NAME);
    installed(&dir).map(|_| dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: usize, cols: usize) -> String {
        (0..rows)
            .map(|i| (0..cols).map(move |j| if cols == 3 { f64::from(u8::from(j == i % 3)) } else { 0.5 }))
            .map(|r| r.map(|v| v.to_string()).collect::<Vec<_>>().join(" ") + "\n")
            .collect()
    }

    #[test]
    fn tables_are_checked() {
        check_table("x", &table(ROWS, 12), 12).unwrap();
        check_table("y", &table(ROWS, 3), 3).unwrap();
        assert!(check_table("x", &table(ROWS - 1, 12), 12).is_err());
        assert!(check_table("x", &table(ROWS, 11), 12).is_err());
        let mut bad = table(ROWS, 3);
        bad.replace_range(0..1, "2");
        assert!(check_table("y", &bad, 3).is_err());
        assert!(check_table("x", &table(ROWS, 12).replacen("0.5", "nan", 1), 12).is_err());
    }

    #[test]
    fn folder_install_reports_other_checksums_and_is_idempotent() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        fs::create_dir(&src).unwrap();
        fs::write(src.join("DataTrn.txt"), table(ROWS, 12)).unwrap();
        fs::write(src.join("DataTrnLbls.txt"), table(ROWS, 3)).unwrap();
        let datasets = tmp.path().join("datasets");
        assert!(
            install(Source::Folder(&src), &datasets, true).is_err(),
            "strict: synthetic files differ from the mirror"
        );
        assert!(installed_oil(&datasets).is_none());
        let dir = install(Source::Folder(&src), &datasets, false).unwrap();
        assert_eq!(installed_oil(&datasets), Some(dir));
        fs::write(src.join("DataTrnLbls.txt"), table(ROWS - 5, 3)).unwrap();
        assert!(install(Source::Folder(&src), &datasets, false).is_err());
        assert!(installed_oil(&datasets).is_some(), "a failed install leaves the earlier one");
    }
}
