//! [`download_and_install`] (feature `download`): CIFAR-10 for a user with internet access, in one
//! call: the archive downloaded into a temporary file inside the datasets folder
//! ([`handgrad_data::download`]), then installed by [`crate::archive`] with its MD5 checked, the
//! temporary file removed whatever happens.

use std::path::Path;
use std::time::Duration;
use std::{format, string::String};

use handgrad_data::download::{DownloadError, download};

use crate::archive::{ArchiveError, CANONICAL_MD5, CANONICAL_URL, Checksum, InstallReport, install_archive_with};
use crate::dataset::OpenOptions;

/// Where to download from and what to require.
#[derive(Debug, Clone)]
pub struct Download<'a> {
    /// The archive's address ([`CANONICAL_URL`] by default).
    pub url: &'a str,
    /// The MD5 the archive must have (the canonical archive's by default).
    pub checksum: Checksum,
    /// Bound on each phase of the request and on each read of the body (15 s by default).
    pub timeout: Duration,
    /// The reader's checks of the unpacked files (canonical sizes by default).
    pub open: OpenOptions,
}

impl Default for Download<'_> {
    fn default() -> Self {
        Self {
            url: CANONICAL_URL,
            checksum: Checksum::Required(CANONICAL_MD5),
            timeout: Duration::from_secs(15),
            open: OpenOptions::default(),
        }
    }
}

/// Why [`download_and_install`] failed; `datasets` is left as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadInstallError {
    /// The download failed (its message says why and what to do).
    #[error(transparent)]
    Download(#[from] DownloadError),
    /// The downloaded archive could not be installed (a wrong checksum, a corrupt archive, …).
    #[error(transparent)]
    Install(#[from] ArchiveError),
    /// No temporary file could be made in the datasets folder.
    #[error("could not create a temporary file in {dir}: {source}; check the folder's permissions and free space")]
    Temp {
        /// The datasets folder.
        dir: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Downloads the archive `from` describes and installs it into `<datasets>/cifar-10-batches-bin`
/// (created when missing), replacing an earlier install only once the new one is complete and
/// valid. `progress(bytes so far, total when announced)` is called as the archive arrives.
///
/// # Errors
/// [`DownloadInstallError`]: the download, the install (a checksum other than the required one
/// included), or the temporary file.
pub fn download_and_install(
    datasets: &Path,
    from: &Download<'_>,
    progress: impl FnMut(u64, Option<u64>),
) -> Result<InstallReport, DownloadInstallError> {
    let temp = |source| DownloadInstallError::Temp { dir: format!("{}", datasets.display()), source };
    std::fs::create_dir_all(datasets).map_err(temp)?;
    let tmp = tempfile::Builder::new().prefix(".download-").suffix(".tar.gz").tempfile_in(datasets).map_err(temp)?;
    download(from.url, tmp.path(), from.timeout, progress)?;
    Ok(install_archive_with(tmp.path(), datasets, from.checksum, from.open)?)
}
