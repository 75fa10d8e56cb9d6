//! Where an installed dataset is. One way for every binary, test and bench:
//!
//! - the datasets folder is `$HANDGRAD_DATASETS` when that is set (a relative value is taken
//!   relative to the workspace root), else `<workspace>/datasets` ([`datasets_dir`]);
//! - in it, `cifar-10-batches-bin/` ([`cifar10`]) and `oil/` ([`oil`]) count only when their
//!   manifest verifies ([`crate::install::installed`]: every listed file present with its size).
//!
//! A dataset that is not installed is a [`NotInstalled`] error whose message names the function
//! that installs it ([`Dataset::installer`]). Nothing here knows any other place: a fallback to a development copy is the
//! caller's choice, passed in as a path.

use std::path::{Path, PathBuf};

use crate::install::installed;

/// Environment variable naming the datasets folder, overriding `<workspace>/datasets`.
pub const DATASETS_ENV: &str = "HANDGRAD_DATASETS";
/// Environment variable naming a CIFAR-10 `.tar.gz` for the archive installer's real-data test
/// (`cargo xtask ci` sets it to the development archive when there is one).
pub const CIFAR_ARCHIVE_ENV: &str = "HANDGRAD_CIFAR_ARCHIVE";
/// The folder CIFAR-10's binary archive unpacks to, installed under the datasets folder.
pub const CIFAR10_DIR: &str = "cifar-10-batches-bin";

/// A dataset the project installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    /// CIFAR-10, binary version.
    Cifar10,
    /// The three-phase oil-flow data.
    Oil,
}

impl Dataset {
    /// Its folder under the datasets folder.
    pub fn dir_name(self) -> &'static str {
        match self {
            Dataset::Cifar10 => CIFAR10_DIR,
            Dataset::Oil => crate::oil::DIR_NAME,
        }
    }

    /// Its name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Cifar10 => "CIFAR-10",
            Dataset::Oil => "oil-flow",
        }
    }

    /// The library function that installs it (into `<datasets>/<its folder>`).
    pub fn installer(self) -> &'static str {
        match self {
            Dataset::Cifar10 => "handgrad_cifar::archive::install_archive",
            Dataset::Oil => "handgrad_data::oil::install",
        }
    }
}

/// A dataset has no verified install in the datasets folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no verified {} install at {} (a folder with a matching handgrad-manifest.txt); install it there with `{}`, or set {DATASETS_ENV} to a datasets folder that has one",
    dataset.name(), dir.display(), dataset.installer()
)]
pub struct NotInstalled {
    /// Which dataset.
    pub dataset: Dataset,
    /// The folder that was checked.
    pub dir: PathBuf,
}

/// The datasets folder: `$HANDGRAD_DATASETS` when set and non-empty (relative to `workspace`
/// when relative), else `<workspace>/datasets`.
pub fn datasets_dir(workspace: &Path) -> PathBuf {
    match std::env::var_os(DATASETS_ENV) {
        Some(dir) if !dir.is_empty() => workspace.join(dir),
        _ => workspace.join("datasets"),
    }
}

/// The installed CIFAR-10 folder, `<datasets>/cifar-10-batches-bin`, when its manifest verifies.
pub fn cifar10(datasets: &Path) -> Result<PathBuf, NotInstalled> {
    find(Dataset::Cifar10, datasets)
}

/// The installed oil-flow folder, `<datasets>/oil`, when its manifest verifies.
pub fn oil(datasets: &Path) -> Result<PathBuf, NotInstalled> {
    find(Dataset::Oil, datasets)
}

fn find(dataset: Dataset, datasets: &Path) -> Result<PathBuf, NotInstalled> {
    let dir = datasets.join(dataset.dir_name());
    match installed(&dir) {
        Some(_) => Ok(dir),
        None => Err(NotInstalled { dataset, dir }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::{Staging, write_hashed};

    #[test]
    fn only_a_verified_install_is_found() {
        let tmp = tempfile::tempdir().unwrap();
        let datasets = tmp.path();
        let err = oil(datasets).unwrap_err();
        assert_eq!(err, NotInstalled { dataset: Dataset::Oil, dir: datasets.join("oil") });
        let msg = err.to_string();
        assert!(
            msg.contains("install it there with `handgrad_data::oil::install`") && msg.contains(DATASETS_ENV),
            "{msg}"
        );

        // Files without a manifest (copied by hand, or a half-finished copy) do not count.
        std::fs::create_dir(datasets.join(CIFAR10_DIR)).unwrap();
        std::fs::write(datasets.join(CIFAR10_DIR).join("data_batch_1.bin"), b"x").unwrap();
        assert!(cifar10(datasets).unwrap_err().to_string().contains("handgrad_cifar::archive::install_archive"));

        let s = Staging::new(datasets, CIFAR10_DIR).unwrap();
        let e = write_hashed(&s.dir().join("data_batch_1.bin"), "data_batch_1.bin", b"xy").unwrap();
        s.commit("test", &[e]).unwrap();
        assert_eq!(cifar10(datasets), Ok(datasets.join(CIFAR10_DIR)));
        std::fs::write(datasets.join(CIFAR10_DIR).join("data_batch_1.bin"), b"x").unwrap();
        assert!(cifar10(datasets).is_err(), "a file whose size changed invalidates the install");
    }
}
