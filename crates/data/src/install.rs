//! Installing a dataset folder atomically, and the manifest that marks a verified install. Used by
//! the CIFAR-10 archive installer (`handgrad_cifar::archive`) and the oil-flow installer
//! ([`crate::oil::install`]).
//!
//! Protocol (a [`Staging`] value walks through it):
//! 1. [`Staging::new`] creates `<datasets>/.staging-XXXX/<name>/` inside the destination's parent,
//!    so the final move is a same-filesystem rename, after removing `.staging-*` / `.download-*`
//!    leftovers of killed runs older than [`STALE_AFTER`];
//! 2. the installer writes the files into [`Staging::dir`], hashing each as it is written
//!    ([`copy_hashed`], [`write_hashed`], [`HashingWriter`]), and verifies them;
//! 3. [`Staging::commit`] writes the manifest ([`MANIFEST`]: `sha256  size  name` per file,
//!    written last) and renames the folder to `<datasets>/<name>` ([`replace_dir`]).
//!
//! Any failure before the rename drops the staging folder and leaves the earlier state untouched;
//! at every moment either the old or the new folder is complete on disk. A folder whose manifest
//! exists and whose file sizes match it counts as installed ([`installed`]); a re-run does nothing.
//! Nothing here prints: what happened (an old copy left behind, leftovers removed) is returned in
//! [`Placed`] for the caller to report.

mod hash;
mod manifest;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use hash::{HashingReader, HashingWriter, copy_hashed, hex, sha256_file, sha256_hex, write_hashed};
pub use manifest::{FileEntry, MANIFEST, installed, read_manifest, read_source, write_manifest};

/// Age after which a `.staging-*` or `.download-*` entry counts as left behind by a killed run.
pub const STALE_AFTER: Duration = Duration::from_secs(3600);

/// What happened to an earlier copy at the destination when the new folder was moved in.
#[derive(Debug)]
pub enum Replaced {
    /// There was no earlier copy.
    Nothing,
    /// An earlier copy was replaced and deleted.
    Deleted,
    /// An earlier copy was replaced but could not be deleted: it is still on disk at `path`.
    LeftAt {
        /// Where the earlier copy now is (beside the destination, `.<name>.old-<pid>`).
        path: PathBuf,
        /// Why deleting it failed.
        error: io::Error,
    },
}

/// The outcome of a committed install.
#[derive(Debug)]
pub struct Placed {
    /// The installed folder, `<datasets>/<name>`.
    pub dir: PathBuf,
    /// What happened to the earlier copy there.
    pub replaced: Replaced,
    /// Leftovers of killed runs removed from `<datasets>` before staging.
    pub removed_stale: Vec<PathBuf>,
}

/// A staging folder `<datasets>/.staging-XXXX/<name>/` on its way to becoming `<datasets>/<name>`.
/// Dropping it without [`Staging::commit`] deletes it.
#[derive(Debug)]
pub struct Staging {
    tmp: tempfile::TempDir,
    datasets: PathBuf,
    name: String,
    removed_stale: Vec<PathBuf>,
}

impl Staging {
    /// Creates `datasets` if needed, removes stale leftovers ([`STALE_AFTER`]) and creates an
    /// empty staging folder for the dataset folder `name`.
    pub fn new(datasets: &Path, name: &str) -> io::Result<Self> {
        fs::create_dir_all(datasets)?;
        let removed_stale = remove_stale(datasets);
        let tmp = tempfile::Builder::new().prefix(".staging-").tempdir_in(datasets)?;
        fs::create_dir(tmp.path().join(name))?;
        Ok(Self { tmp, datasets: datasets.to_path_buf(), name: name.into(), removed_stale })
    }

    /// The folder to write the dataset's files into.
    pub fn dir(&self) -> PathBuf {
        self.tmp.path().join(&self.name)
    }

    /// The destination, `<datasets>/<name>`.
    pub fn dest(&self) -> PathBuf {
        self.datasets.join(&self.name)
    }

    /// Writes the manifest of `entries` (with `source` as its comment) and moves the staged folder
    /// to [`Staging::dest`], replacing an earlier copy only once the new one is in place.
    pub fn commit(self, source: &str, entries: &[FileEntry]) -> io::Result<Placed> {
        let (staged, dest) = (self.dir(), self.dest());
        write_manifest(&staged, source, entries)?;
        let replaced = replace_dir(&staged, &dest)?;
        Ok(Placed { dir: dest, replaced, removed_stale: self.removed_stale })
    }
}

/// Removes the `.staging-*` / `.download-*` entries of `parent` older than [`STALE_AFTER`] (younger
/// ones may belong to a run still in progress) and returns those it removed.
fn remove_stale(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else { return Vec::new() };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let ours = name.starts_with(".staging-") || name.starts_with(".download-");
        let age = e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
        if ours && age.is_some_and(|a| a > STALE_AFTER) {
            let p = e.path();
            let gone = if p.is_dir() { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
            if gone.is_ok() {
                removed.push(p);
            }
        }
    }
    removed
}

/// Moves the complete folder `new` to `dest` (same filesystem). An existing `dest` is first
/// renamed aside and deleted only after the new folder is in place, so at every moment either the
/// old or the new folder is complete on disk. A failure to delete the old copy is not an error
/// (the install succeeded); it is returned as [`Replaced::LeftAt`].
pub fn replace_dir(new: &Path, dest: &Path) -> io::Result<Replaced> {
    if !dest.exists() {
        fs::rename(new, dest)?;
        return Ok(Replaced::Nothing);
    }
    let aside = aside_path(dest);
    fs::rename(dest, &aside)?;
    if let Err(e) = fs::rename(new, dest) {
        // Put the old folder back before reporting.
        let _ = fs::rename(&aside, dest);
        return Err(e);
    }
    Ok(match fs::remove_dir_all(&aside) {
        Ok(()) => Replaced::Deleted,
        Err(error) => Replaced::LeftAt { path: aside, error },
    })
}

/// `<parent>/.<name>.old-<pid>`: where an earlier copy waits while the new one moves in.
fn aside_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.old-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;

    #[test]
    fn stale_staging_is_removed_fresh_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, fresh) = (tmp.path().join(".staging-old"), tmp.path().join(".staging-fresh"));
        let (old_download, other) = (tmp.path().join(".download-old.tar.gz"), tmp.path().join("old-but-not-ours"));
        fs::create_dir(&old).unwrap();
        fs::create_dir(&fresh).unwrap();
        fs::write(&old_download, b"partial").unwrap();
        fs::create_dir(&other).unwrap();
        let two_hours_ago = std::time::SystemTime::now() - 2 * STALE_AFTER;
        for p in [&old, &old_download, &other] {
            File::open(p).unwrap().set_modified(two_hours_ago).unwrap();
        }
        let s = Staging::new(tmp.path(), "set").unwrap();
        assert!(!old.exists() && !old_download.exists(), "leftovers of killed runs are removed");
        assert!(fresh.exists() && other.exists() && s.dir().is_dir());
        let mut removed = s.removed_stale.clone();
        removed.sort();
        assert_eq!(removed, [old_download, old]);
    }

    #[test]
    fn replace_dir_swaps_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let (new, dest) = (tmp.path().join("new"), tmp.path().join("dest"));
        fs::create_dir(&new).unwrap();
        fs::write(new.join("f"), b"new").unwrap();
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("f"), b"old").unwrap();
        assert!(matches!(replace_dir(&new, &dest).unwrap(), Replaced::Deleted));
        assert_eq!(fs::read(dest.join("f")).unwrap(), b"new");
        assert!(!new.exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "the old copy is removed");
    }

    #[test]
    fn commit_installs_and_dropping_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let datasets = tmp.path().join("datasets");
        let s = Staging::new(&datasets, "set").unwrap();
        let e = write_hashed(&s.dir().join("a.txt"), "a.txt", b"abc").unwrap();
        drop(s);
        assert_eq!(fs::read_dir(&datasets).unwrap().count(), 0, "a dropped staging folder is deleted");

        let s = Staging::new(&datasets, "set").unwrap();
        write_hashed(&s.dir().join("a.txt"), "a.txt", b"abc").unwrap();
        let placed = s.commit("test", std::slice::from_ref(&e)).unwrap();
        assert_eq!(placed.dir, datasets.join("set"));
        assert!(matches!(placed.replaced, Replaced::Nothing));
        assert_eq!(installed(&placed.dir).unwrap(), std::slice::from_ref(&e));

        let s = Staging::new(&datasets, "set").unwrap();
        let e2 = write_hashed(&s.dir().join("a.txt"), "a.txt", b"abcd").unwrap();
        let placed = s.commit("test 2", std::slice::from_ref(&e2)).unwrap();
        assert!(matches!(placed.replaced, Replaced::Deleted));
        assert_eq!(installed(&placed.dir).unwrap(), [e2]);
        let names: Vec<_> = fs::read_dir(&datasets).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["set"], "no staging folder or old copy is left behind");
    }
}
