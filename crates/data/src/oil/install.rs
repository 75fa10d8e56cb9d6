//! Installing the oil-flow files into `<datasets>/oil` with the protocol of [`crate::install`]:
//! read both files from the source folder, check them (the mirror's SHA-256 for a download, then
//! the format with [`parse`]), write them into a staging folder with a manifest, rename it into
//! place. A failure at any step leaves the datasets folder as it was.
//!
//! Checksums: a download must match the mirror's SHA-256 ([`super::FILES`]); a local folder (such
//! as a development copy) is verified by its format only and a different SHA-256 is reported in
//! [`InstallReport::not_mirror`], not treated as an error. The download itself is the caller's
//! business: it hands over the folder it downloaded into ([`Source::Download`]).

use std::io;
use std::path::{Path, PathBuf};

use super::{DIR_NAME, FILES, OilError, parse};
use crate::install::{FileEntry, Replaced, Staging, sha256_hex, write_hashed};

/// Where the two files come from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A local folder holding `DataTrn.txt` and `DataTrnLbls.txt` (left untouched). Its SHA-256 is
    /// reported, not required.
    Folder(&'a Path),
    /// The two files as downloaded from `url` (the mirror's base URL) into `dir` by the caller.
    /// Each must have the mirror's SHA-256.
    Download {
        /// The folder holding the downloaded files.
        dir: &'a Path,
        /// Where they were downloaded from (recorded in the manifest and named in errors).
        url: &'a str,
    },
}

impl Source<'_> {
    /// The folder holding the files.
    fn dir(&self) -> &Path {
        match self {
            Source::Folder(dir) | Source::Download { dir, .. } => dir,
        }
    }

    /// The manifest's `source` comment.
    fn describe(&self) -> String {
        match self {
            Source::Folder(dir) => format!("folder {}", dir.display()),
            Source::Download { url, .. } => format!("download {url}"),
        }
    }
}

/// What an install did.
#[derive(Debug)]
pub struct InstallReport {
    /// The installed folder, `<datasets>/oil`.
    pub dir: PathBuf,
    /// The installed files with sizes and SHA-256.
    pub files: Vec<FileEntry>,
    /// Files (from a [`Source::Folder`]) whose SHA-256 is not the mirror's; their format was verified.
    pub not_mirror: Vec<String>,
    /// What happened to an earlier install.
    pub replaced: Replaced,
    /// Leftovers of killed runs removed from the datasets folder.
    pub removed_stale: Vec<PathBuf>,
}

/// Why an install failed. None of these leaves a partial install behind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// A source file is not there.
    #[error("{path} not found: give a folder that holds both DataTrn.txt and DataTrnLbls.txt")]
    Missing {
        /// The missing file.
        path: PathBuf,
    },
    /// Reading the source or writing the datasets folder failed.
    #[error(
        "could not read or write {path}: {source}; check the path, permissions and free space (the datasets folder was left as it was)"
    )]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A downloaded file does not have the mirror's SHA-256.
    #[error(
        "{file} downloaded from {url} has SHA-256 {actual}, not the mirror's {expected}: the download is damaged; run the command again (the datasets folder was left as it was)"
    )]
    Checksum {
        /// The file name.
        file: String,
        /// The base URL it came from.
        url: String,
        /// The mirror's SHA-256.
        expected: String,
        /// The SHA-256 of what was downloaded.
        actual: String,
    },
    /// The files are not the oil-flow data. (Not a `#[source]`: the message already includes it.)
    #[error("nothing was installed: {0}")]
    Data(OilError),
}

impl From<OilError> for InstallError {
    fn from(e: OilError) -> Self {
        InstallError::Data(e)
    }
}

/// Maps an I/O error on `path` to [`InstallError::Io`].
fn io_err(path: &Path) -> impl FnOnce(io::Error) -> InstallError + '_ {
    move |source| InstallError::Io { path: path.to_path_buf(), source }
}

/// Installs the two files of `source` into `<datasets>/oil`, replacing an earlier install only
/// once the new one is complete and valid.
pub fn install(source: Source<'_>, datasets: &Path) -> Result<InstallReport, InstallError> {
    let paths = FILES.map(|(name, _)| source.dir().join(name));
    let mut bytes = Vec::with_capacity(FILES.len());
    for path in &paths {
        bytes.push(std::fs::read(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => InstallError::Missing { path: path.clone() },
            _ => io_err(path)(e),
        })?);
    }
    let mut not_mirror = Vec::new();
    for ((name, mirror), bytes) in FILES.iter().zip(&bytes) {
        let actual = sha256_hex(bytes);
        match source {
            _ if actual == *mirror => {}
            Source::Download { url, .. } => {
                let (file, url, expected) = (name.to_string(), url.to_string(), mirror.to_string());
                return Err(InstallError::Checksum { file, url, expected, actual });
            }
            Source::Folder(_) => not_mirror.push(name.to_string()),
        }
    }
    parse(&paths[0], &bytes[0], &paths[1], &bytes[1])?;

    let staging = Staging::new(datasets, DIR_NAME).map_err(io_err(datasets))?;
    let mut files = Vec::with_capacity(FILES.len());
    for ((name, _), bytes) in FILES.iter().zip(&bytes) {
        let dst = staging.dir().join(name);
        files.push(write_hashed(&dst, name, bytes).map_err(io_err(&dst))?);
    }
    let dest = staging.dest();
    let placed = staging.commit(&source.describe(), &files).map_err(io_err(&dest))?;
    Ok(InstallReport {
        dir: placed.dir,
        files,
        not_mirror,
        replaced: placed.replaced,
        removed_stale: placed.removed_stale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::installed;
    use crate::oil::parse::tests::{labels_text, table};
    use crate::oil::{DATA_FILE, LABELS_FILE, N_FEATURES, N_ROWS, load};

    /// A source folder `<tmp>/<name>` with synthetic files of `rows` rows.
    fn source(tmp: &Path, name: &str, rows: usize) -> PathBuf {
        let src = tmp.join(name);
        std::fs::create_dir(&src).unwrap();
        std::fs::write(src.join(DATA_FILE), table(rows, N_FEATURES)).unwrap();
        std::fs::write(src.join(LABELS_FILE), labels_text(rows)).unwrap();
        src
    }

    /// The datasets folder holds exactly `oil/` (no staging leftovers) with the given first value.
    fn assert_intact(datasets: &Path, first_value: f64) {
        let names: Vec<_> = std::fs::read_dir(datasets).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [DIR_NAME], "no staging folder may be left behind");
        assert!(installed(&datasets.join(DIR_NAME)).is_some());
        assert_eq!(load(&datasets.join(DIR_NAME)).unwrap().y.get(0, 0), first_value);
    }

    #[test]
    fn folder_install_reports_other_checksums_and_replaces_atomically() {
        let tmp = tempfile::tempdir().unwrap();
        let datasets = tmp.path().join("datasets");
        let src = source(tmp.path(), "src", N_ROWS);
        let r = install(Source::Folder(&src), &datasets).unwrap();
        assert_eq!(r.dir, datasets.join(DIR_NAME));
        assert_eq!(r.not_mirror, [DATA_FILE, LABELS_FILE], "synthetic files are not the mirror's");
        assert!(matches!(r.replaced, Replaced::Nothing));
        assert_eq!(installed(&r.dir).unwrap(), r.files);
        let manifest = std::fs::read_to_string(r.dir.join(crate::install::MANIFEST)).unwrap();
        assert!(manifest.contains(&format!("source: folder {}", src.display())), "{manifest}");
        assert_intact(&datasets, 0.0);

        // A second source whose values are shifted by one row replaces the first.
        let shifted = tmp.path().join("shifted");
        std::fs::create_dir(&shifted).unwrap();
        let data: String = table(N_ROWS + 1, N_FEATURES).lines().skip(1).map(|l| l.to_string() + "\n").collect();
        std::fs::write(shifted.join(DATA_FILE), data).unwrap();
        std::fs::write(shifted.join(LABELS_FILE), labels_text(N_ROWS)).unwrap();
        let r = install(Source::Folder(&shifted), &datasets).unwrap();
        assert!(matches!(r.replaced, Replaced::Deleted));
        assert_intact(&datasets, 1.0);
    }

    #[test]
    fn failures_leave_the_earlier_install() {
        let tmp = tempfile::tempdir().unwrap();
        let datasets = tmp.path().join("datasets");
        install(Source::Folder(&source(tmp.path(), "good", N_ROWS)), &datasets).unwrap();

        let short = source(tmp.path(), "short", N_ROWS - 5);
        let err = install(Source::Folder(&short), &datasets).unwrap_err();
        assert!(matches!(err, InstallError::Data(OilError::RowCount { rows: 995, .. })), "{err}");
        assert_intact(&datasets, 0.0);

        let download = Source::Download { dir: &short, url: "https://example.invalid/oil" };
        let err = install(download, &datasets).unwrap_err();
        assert!(matches!(&err, InstallError::Checksum { file, .. } if file == DATA_FILE), "{err}");
        assert!(
            err.to_string().contains("https://example.invalid/oil")
                && err.to_string().contains("run the command again")
        );
        assert_intact(&datasets, 0.0);

        let empty = tmp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let err = install(Source::Folder(&empty), &datasets).unwrap_err();
        assert!(matches!(&err, InstallError::Missing { path } if path.ends_with(DATA_FILE)), "{err}");
        assert_intact(&datasets, 0.0);
    }

    #[test]
    fn a_download_is_checked_against_the_mirror_before_its_format() {
        // The precise message for a damaged download is the checksum, not the first bad line.
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir(&src).unwrap();
        std::fs::write(src.join(DATA_FILE), "not numbers").unwrap();
        std::fs::write(src.join(LABELS_FILE), "").unwrap();
        let err = install(Source::Download { dir: &src, url: "u" }, &tmp.path().join("datasets")).unwrap_err();
        assert!(matches!(err, InstallError::Checksum { .. }), "{err}");
        let err = install(Source::Folder(&src), &tmp.path().join("datasets")).unwrap_err();
        assert!(matches!(err, InstallError::Data(OilError::BadLine { line: 1, .. })), "{err}");
    }
}
