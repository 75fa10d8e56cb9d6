//! Installing CIFAR-10 from `cifar-10-binary.tar.gz` or from an extracted folder (needs `std`);
//! the logic behind `cargo xtask fetch-cifar`, kept here so that it is unit-tested and fuzzed.
//!
//! The archive is read once, as a stream: file → MD5 → gunzip (when the stream starts with gzip's
//! magic bytes; an uncompressed `.tar` is read as it is) → tar. Only the known members of
//! `cifar-10-batches-bin/` are unpacked (five training batches, the test batch, the class names
//! and the readme; anything else is skipped, and member paths are never joined unchecked), each
//! hashed with SHA-256 as it is written into a staging folder. The staged folder is then opened
//! with the full reader checks ([`crate::Cifar10::open`]: sizes, 10,000 records per file, labels,
//! class names), a manifest is written, and the folder is renamed into place (the protocol of
//! [`handgrad_data::install`]). A truncated or corrupt archive fails inside the stream and leaves
//! the earlier state of `datasets/` untouched; a write that fails (a full disk) is reported as
//! such, naming the file being written, not as a corrupt archive. Where an install is afterwards:
//! [`handgrad_data::locate::cifar10`].
//!
//! Checksums: the canonical archive's MD5 is [`CANONICAL_MD5`] (Krizhevsky's download page). A
//! download must match it ([`Checksum::Required`]); a local archive that does not (such as the
//! development copy rebuilt from JPEGs) is accepted and reported ([`Checksum::Reported`]).

use std::boxed::Box;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

use handgrad_data::install::{FileEntry, HashingReader, HashingWriter, Replaced, Staging, copy_hashed};
use md5::Md5;

use crate::dataset::{Cifar10, DIR_NAME, META_FILE, OpenOptions, TEST_FILE, TRAIN_FILES};
use crate::error::CifarError;

/// Where the canonical archive is published.
pub const CANONICAL_URL: &str = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
/// MD5 of the canonical archive, as published with it.
pub const CANONICAL_MD5: &str = "c32a1d4ab5d03f1284b67883e8d87530";
/// Size of the canonical archive in bytes.
pub const CANONICAL_SIZE: u64 = 170_052_171;
/// The readme shipped in the canonical archive (kept when present).
pub const README_FILE: &str = "readme.html";
/// Largest member accepted (a batch file is 30,730,000 bytes); guards against filling the disk.
pub const MAX_MEMBER_BYTES: u64 = 64 << 20;

/// What to do with the archive's MD5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// The archive must have this MD5 (hex); anything else is an error (downloads).
    Required(&'static str),
    /// Compute and report the MD5, compare it with [`CANONICAL_MD5`], never fail on it (local copies).
    Reported,
}

/// Why an install failed. Every message says what to do next; none of these leaves a partial
/// dataset behind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// Reading the source or writing the staging folder failed.
    #[error(
        "could not read or write {path}: {source}; check the path, permissions and free space (datasets/ was left as it was)"
    )]
    Io {
        /// The file or folder.
        path: String,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The archive is not a complete tar stream (gzip-compressed or not).
    #[error(
        "{path} is truncated or corrupt ({detail}); copy or download the archive again (datasets/ was left as it was)"
    )]
    Corrupt {
        /// The archive.
        path: String,
        /// What the decoder reported.
        detail: String,
    },
    /// The MD5 differs from the required one.
    #[error(
        "{path} has MD5 {actual}, expected {expected}: the file is damaged or not the canonical archive; download it again (datasets/ was left as it was)"
    )]
    Checksum {
        /// The archive.
        path: String,
        /// Required MD5.
        expected: String,
        /// Computed MD5.
        actual: String,
    },
    /// The archive or folder does not have CIFAR-10's structure.
    #[error(
        "{path}: {detail}; give cifar-10-binary.tar.gz (or the .tar inside it) or its extracted cifar-10-batches-bin folder"
    )]
    Structure {
        /// The archive or folder.
        path: String,
        /// What is missing or wrong.
        detail: String,
    },
    /// The unpacked files failed the reader's checks.
    #[error("the unpacked data is invalid: {0}")]
    Data(#[from] CifarError),
}

/// What an install did.
#[derive(Debug)]
pub struct InstallReport {
    /// The installed folder (`<datasets>/cifar-10-batches-bin`).
    pub dir: PathBuf,
    /// MD5 of the source archive (`None` for a folder).
    pub md5: Option<String>,
    /// `true` when that MD5 is the canonical archive's.
    pub canonical: bool,
    /// The installed files with sizes and SHA-256.
    pub files: Vec<FileEntry>,
    /// Whether the test batch was present.
    pub has_test: bool,
    /// Archive members that were not unpacked (unknown names, links, other folders).
    pub skipped: Vec<String>,
    /// What happened to an earlier install.
    pub replaced: Replaced,
    /// Leftovers of killed runs removed from the datasets folder.
    pub removed_stale: Vec<PathBuf>,
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Io { path: path.display().to_string(), source }
}

/// The names a CIFAR-10 folder may hold (and that are unpacked from an archive).
fn known(name: &str) -> bool {
    TRAIN_FILES.contains(&name) || name == TEST_FILE || name == META_FILE || name == README_FILE
}

/// The file name of an archive member `cifar-10-batches-bin/<name>` with a known name, or `None`.
fn member_name(path: &Path) -> Option<String> {
    let parts: Vec<Component<'_>> = path.components().filter(|c| !matches!(c, Component::CurDir)).collect();
    match parts.as_slice() {
        [Component::Normal(dir), Component::Normal(file)] if *dir == DIR_NAME => {
            let name = file.to_str()?;
            known(name).then(|| name.to_string())
        }
        _ => None,
    }
}

/// Unpacks the known members of a `.tar.gz` (or uncompressed `.tar`) stream into `out_dir` (which
/// must exist), hashing the whole stream with MD5 and each member with SHA-256. Returns
/// `(members written, members skipped, archive MD5)`. `label` names the source in errors.
///
/// Does not validate the data; [`install_archive`] does that afterwards.
pub fn unpack<R: Read>(
    reader: R,
    label: &str,
    out_dir: &Path,
) -> Result<(Vec<FileEntry>, Vec<String>, String), ArchiveError> {
    let corrupt = |e: io::Error| ArchiveError::Corrupt { path: label.into(), detail: e.to_string() };
    let mut hashed = HashingReader::<_, Md5>::new(reader);
    let (mut files, mut skipped) = (Vec::new(), Vec::new());
    {
        let mut buffered = BufReader::new(&mut hashed);
        let gzip = buffered.fill_buf().map_err(corrupt)?.starts_with(&[0x1f, 0x8b]);
        let mut stream: Box<dyn Read + '_> =
            if gzip { Box::new(flate2::read::GzDecoder::new(buffered)) } else { Box::new(buffered) };
        {
            let mut tar = tar::Archive::new(&mut stream);
            let not_tar = |e: io::Error| {
                let kind = if gzip { "gzip stream" } else { "file (no gzip header; read as an uncompressed tar)" };
                ArchiveError::Corrupt { path: label.into(), detail: format!("{e}, in a {kind}") }
            };
            for entry in tar.entries().map_err(not_tar)? {
                let mut entry = entry.map_err(not_tar)?;
                let path = entry.path().map_err(corrupt)?.into_owned();
                let regular = entry.header().entry_type().is_file();
                let name = match member_name(&path) {
                    Some(n) if regular => n,
                    _ => {
                        if !entry.header().entry_type().is_dir() {
                            skipped.push(path.display().to_string());
                        }
                        continue;
                    }
                };
                let expected = entry.header().size().map_err(corrupt)?;
                if expected > MAX_MEMBER_BYTES {
                    let detail =
                        format!("member {name} claims {expected} bytes; CIFAR-10 files are at most 30,730,000");
                    return Err(ArchiveError::Structure { path: label.into(), detail });
                }
                if files.iter().any(|f: &FileEntry| f.name == name) {
                    return Err(ArchiveError::Structure {
                        path: label.into(),
                        detail: format!("member {name} appears twice"),
                    });
                }
                let dst = out_dir.join(&name);
                let mut w = HashingWriter::new(io::BufWriter::new(File::create(&dst).map_err(io_err(&dst))?));
                copy_member(&mut entry, &mut w, &dst, &corrupt)?;
                let (size, sha256, _) = w.finish().map_err(io_err(&dst))?;
                if size != expected {
                    return Err(ArchiveError::Corrupt {
                        path: label.into(),
                        detail: format!("member {name} ends after {size} of {expected} bytes"),
                    });
                }
                files.push(FileEntry { name, size, sha256 });
            }
        }
        // Read to the end of the stream: for gzip this checks its CRC and length trailer.
        io::copy(&mut stream, &mut io::sink()).map_err(corrupt)?;
    }
    let (_, md5) = hashed.finish().map_err(corrupt)?;
    Ok((files, skipped, md5))
}

/// Copies an archive member to `w`: a failed read is the archive's fault (`corrupt`), a failed
/// write (a full disk) is an [`ArchiveError::Io`] naming `dst`.
fn copy_member(
    member: &mut impl Read,
    w: &mut impl Write,
    dst: &Path,
    corrupt: &impl Fn(io::Error) -> ArchiveError,
) -> Result<(), ArchiveError> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match member.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(corrupt(e)),
        };
        w.write_all(&buf[..n]).map_err(io_err(dst))?;
    }
}

/// MD5 (hex) of the file at `path`: what the manifest of an install from that archive records.
pub fn archive_md5(path: &Path) -> io::Result<String> {
    let hashed = HashingReader::<_, Md5>::new(BufReader::with_capacity(1 << 20, File::open(path)?));
    Ok(hashed.finish()?.1)
}

/// Installs CIFAR-10 from a `.tar.gz` (or `.tar`) at `archive` into `<datasets>/cifar-10-batches-bin`,
/// replacing any earlier copy only once the new one is complete and valid (canonical checks:
/// 10,000 records per batch file).
pub fn install_archive(archive: &Path, datasets: &Path, checksum: Checksum) -> Result<InstallReport, ArchiveError> {
    install_archive_with(archive, datasets, checksum, OpenOptions::default())
}

/// [`install_archive`] with the reader checks of `options` (tests use small batch files).
pub fn install_archive_with(
    archive: &Path,
    datasets: &Path,
    checksum: Checksum,
    options: OpenOptions,
) -> Result<InstallReport, ArchiveError> {
    let label = archive.display().to_string();
    let file = File::open(archive).map_err(io_err(archive))?;
    if file.metadata().map_err(io_err(archive))?.len() == 0 {
        return Err(ArchiveError::Corrupt { path: label, detail: "the file is empty".into() });
    }
    let staging = Staging::new(datasets, DIR_NAME).map_err(io_err(datasets))?;
    let (files, skipped, md5) = unpack(BufReader::with_capacity(1 << 20, file), &label, &staging.dir())?;
    match checksum {
        Checksum::Required(expected) if md5 != expected => {
            return Err(ArchiveError::Checksum { path: label, expected: expected.into(), actual: md5 });
        }
        _ => {}
    }
    let canonical = md5 == CANONICAL_MD5;
    let source = format!("archive {label} (md5 {md5}{})", if canonical { ", canonical" } else { ", not canonical" });
    let done = Staged { staging, files, source, md5: Some(md5), canonical, skipped };
    done.finish(&label, options)
}

/// Installs CIFAR-10 from an extracted folder: either `cifar-10-batches-bin` itself or a folder
/// that contains it. The files are checked, copied (hashed) into a staging folder and moved into
/// place; the source is left untouched.
pub fn install_folder(src: &Path, datasets: &Path) -> Result<InstallReport, ArchiveError> {
    install_folder_with(src, datasets, OpenOptions::default())
}

/// [`install_folder`] with the reader checks of `options`.
pub fn install_folder_with(src: &Path, datasets: &Path, options: OpenOptions) -> Result<InstallReport, ArchiveError> {
    let src = if src.join(DIR_NAME).is_dir() { src.join(DIR_NAME) } else { src.to_path_buf() };
    let label = src.display().to_string();
    for name in TRAIN_FILES.iter().chain([&META_FILE]) {
        let path = src.join(name);
        let detail = if path.is_dir() {
            format!("{name} is a folder, not a file")
        } else if !path.is_file() {
            format!("{name} is missing")
        } else {
            continue;
        };
        return Err(ArchiveError::Structure { path: label, detail });
    }
    Cifar10::open_with(&src, options)?;
    let staging = Staging::new(datasets, DIR_NAME).map_err(io_err(datasets))?;
    let staged = staging.dir();
    let mut files = vec![];
    for entry in fs::read_dir(&src).map_err(io_err(&src))? {
        let entry = entry.map_err(io_err(&src))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if known(&name) && entry.path().is_file() {
            files.push(copy_hashed(&entry.path(), &staged.join(&name), &name).map_err(io_err(&entry.path()))?);
        }
    }
    let done =
        Staged { staging, files, source: format!("folder {label}"), md5: None, canonical: false, skipped: vec![] };
    done.finish(&label, options)
}

/// A staged copy waiting for its final checks.
struct Staged {
    staging: Staging,
    files: Vec<FileEntry>,
    source: String,
    md5: Option<String>,
    canonical: bool,
    skipped: Vec<String>,
}

impl Staged {
    /// Checks the staged folder with the reader, writes the manifest and moves it into place.
    fn finish(mut self, label: &str, options: OpenOptions) -> Result<InstallReport, ArchiveError> {
        for name in TRAIN_FILES.iter().chain([&META_FILE]) {
            if !self.files.iter().any(|f| f.name == *name) {
                let detail = format!("{DIR_NAME}/{name} is missing");
                return Err(ArchiveError::Structure { path: label.into(), detail });
            }
        }
        let has_test = Cifar10::open_with(self.staging.dir(), options)?.has_test();
        self.files.sort_by(|a, b| a.name.cmp(&b.name));
        let Staged { staging, files, source, md5, canonical, skipped } = self;
        let dest = staging.dest();
        let placed = staging.commit(&source, &files).map_err(io_err(&dest))?;
        let (dir, replaced, removed_stale) = (placed.dir, placed.replaced, placed.removed_stale);
        Ok(InstallReport { dir, md5, canonical, files, has_test, skipped, replaced, removed_stale })
    }
}
