//! Installing a dataset folder atomically, and the manifest that marks a verified install
//! (needs `std`). Shared by the CIFAR-10 archive installer ([`crate::archive`]) and
//! `cargo xtask fetch-oil`.
//!
//! Protocol: files are written into a staging folder created inside the destination's parent
//! (`datasets/.staging-XXXX`, so the final move is a same-filesystem rename), verified, described
//! by a manifest (`handgrad-manifest.txt`: one `sha256  size  name` line per file, written
//! last), and only then renamed into place. Any failure before the rename drops the staging folder
//! and leaves the earlier state untouched. A folder whose manifest exists and whose file sizes
//! match it counts as installed; a re-run does nothing.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, println};

use sha2::{Digest, Sha256};

/// Name of the manifest written into an installed folder after verification.
pub const MANIFEST: &str = "handgrad-manifest.txt";

/// One installed file: name, size in bytes, and SHA-256 (lower-case hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// File name inside the installed folder.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the contents, lower-case hex.
    pub sha256: String,
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A writer that hashes (SHA-256) and counts what passes through it.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Self { inner, hasher: Sha256::new(), written: 0 }
    }

    /// Flushes and returns `(bytes written, sha256 hex, inner)`.
    pub fn finish(mut self) -> io::Result<(u64, String, W)> {
        self.inner.flush()?;
        Ok((self.written, hex(&self.hasher.finalize()), self.inner))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// SHA-256 (hex) and size of a file.
pub fn sha256_file(path: &Path) -> io::Result<(u64, String)> {
    let mut f = File::open(path)?;
    let mut w = HashingWriter::new(io::sink());
    io::copy(&mut f, &mut w)?;
    let (n, h, _) = w.finish()?;
    Ok((n, h))
}

/// Copies `src` to `dst`, returning its manifest entry (named `name`).
pub fn copy_hashed(src: &Path, dst: &Path, name: &str) -> io::Result<FileEntry> {
    let mut r = File::open(src)?;
    let mut w = HashingWriter::new(io::BufWriter::new(File::create(dst)?));
    io::copy(&mut r, &mut w)?;
    let (size, sha256, inner) = w.finish()?;
    inner.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(FileEntry { name: name.into(), size, sha256 })
}

/// A new, empty staging folder inside `parent` (created if needed); removed when dropped.
///
/// Staging folders left behind by a killed run (older than [`STALE_AFTER`]) are removed first.
pub fn staging_dir(parent: &Path) -> io::Result<tempfile::TempDir> {
    fs::create_dir_all(parent)?;
    remove_stale(parent);
    tempfile::Builder::new().prefix(".staging-").tempdir_in(parent)
}

/// Age after which a `.staging-*` or `.download-*` entry counts as left behind by a killed run.
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes `.staging-*` / `.download-*` entries of `parent` older than [`STALE_AFTER`] (younger
/// ones may belong to a run still in progress).
fn remove_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let ours = name.starts_with(".staging-") || name.starts_with(".download-");
        let age = e.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
        if ours && age.is_some_and(|a| a > STALE_AFTER) {
            let p = e.path();
            let _ = if p.is_dir() { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
        }
    }
}

/// Writes the manifest of `entries` into `dir`, with `source` as a comment line.
pub fn write_manifest(dir: &Path, source: &str, entries: &[FileEntry]) -> io::Result<()> {
    let mut text = format!("# handgrad verified install; source: {source}\n# sha256  size  name\n");
    for e in entries {
        text.push_str(&format!("{}  {}  {}\n", e.sha256, e.size, e.name));
    }
    let path = dir.join(MANIFEST);
    fs::write(&path, text)?;
    File::open(&path)?.sync_all()
}

/// Reads a manifest written by [`write_manifest`]; `None` when there is none or it is malformed.
pub fn read_manifest(dir: &Path) -> Option<Vec<FileEntry>> {
    let text = fs::read_to_string(dir.join(MANIFEST)).ok()?;
    let mut entries = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let (sha256, size, name) = (parts.next()?, parts.next()?, parts.next()?);
        entries.push(FileEntry { name: name.into(), size: size.parse().ok()?, sha256: sha256.into() });
    }
    Some(entries)
}

/// The manifest of `dir` when every file it lists is present with the listed size (a quick check:
/// sizes, not hashes). `None` means "not a verified install".
pub fn installed(dir: &Path) -> Option<Vec<FileEntry>> {
    let entries = read_manifest(dir)?;
    let ok = !entries.is_empty()
        && entries.iter().all(|e| fs::metadata(dir.join(&e.name)).map(|m| m.len() == e.size).unwrap_or(false));
    ok.then_some(entries)
}

/// Moves the complete folder `new` to `dest` (same filesystem). An existing `dest` is first
/// renamed aside and deleted only after the new folder is in place, so at every moment either the
/// old or the new folder is complete on disk.
pub fn replace_dir(new: &Path, dest: &Path) -> io::Result<()> {
    if !dest.exists() {
        return fs::rename(new, dest);
    }
    let aside = aside_path(dest);
    fs::rename(dest, &aside)?;
    if let Err(e) = fs::rename(new, dest) {
        // Put the old folder back before reporting.
        let _ = fs::rename(&aside, dest);
        return Err(e);
    }
    if let Err(e) = fs::remove_dir_all(&aside) {
        println!("note: could not remove the previous copy {}: {e}; delete it by hand", aside.display());
    }
    Ok(())
}

fn aside_path(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    dest.with_file_name(format!(".{name}.old-{}", std::process::id()))
}

/// A reader that hashes what passes through it with any [`Digest`] (MD5 for the archive).
pub struct HashingReader<R, D> {
    inner: R,
    digest: D,
    read: u64,
}

impl<R: Read, D: Digest> HashingReader<R, D> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Self { inner, digest: D::new(), read: 0 }
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Reads the rest of the stream (so the digest covers all of it) and returns
    /// `(total bytes, digest hex)`.
    pub fn finish(mut self) -> io::Result<(u64, String)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((self.read, hex(&self.digest.finalize())))
    }
}

impl<R: Read, D: Digest> Read for HashingReader<R, D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.digest.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("abc");
        fs::write(&p, b"abc").unwrap();
        let (n, h) = sha256_file(&p).unwrap();
        assert_eq!(n, 3);
        assert_eq!(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn manifest_round_trip_and_size_check() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("a.bin"), b"12345").unwrap();
        let e = copy_hashed(&tmp.path().join("a.bin"), &tmp.path().join("b.bin"), "b.bin").unwrap();
        assert_eq!(e.size, 5);
        assert!(installed(tmp.path()).is_none(), "no manifest yet");
        write_manifest(tmp.path(), "test", std::slice::from_ref(&e)).unwrap();
        assert_eq!(installed(tmp.path()).unwrap(), [e]);
        fs::write(tmp.path().join("b.bin"), b"1234").unwrap();
        assert!(installed(tmp.path()).is_none(), "a size change invalidates the install");
    }

    #[test]
    fn stale_staging_is_removed_fresh_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, fresh) = (tmp.path().join(".staging-old"), tmp.path().join(".staging-fresh"));
        fs::create_dir(&old).unwrap();
        fs::create_dir(&fresh).unwrap();
        let two_hours_ago = std::time::SystemTime::now() - 2 * STALE_AFTER;
        File::open(&old).unwrap().set_modified(two_hours_ago).unwrap();
        let s = staging_dir(tmp.path()).unwrap();
        assert!(!old.exists() && fresh.exists() && s.path().exists());
    }

    #[test]
    fn replace_dir_swaps_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let (new, dest) = (tmp.path().join("new"), tmp.path().join("dest"));
        fs::create_dir(&new).unwrap();
        fs::write(new.join("f"), b"new").unwrap();
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("f"), b"old").unwrap();
        replace_dir(&new, &dest).unwrap();
        assert_eq!(fs::read(dest.join("f")).unwrap(), b"new");
        assert!(!new.exists());
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "the old copy is removed");
    }
}
