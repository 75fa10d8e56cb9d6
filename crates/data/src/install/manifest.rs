//! The manifest that marks a verified install: `handgrad-manifest.txt` inside the installed
//! folder, written last, with a `# source` comment and one `sha256  size  name` line per file.
//!
//! A folder counts as installed when its manifest parses and every listed file is present with
//! the listed size ([`installed`]: a quick check of sizes, not of hashes).

use std::fs::{self, File};
use std::io;
use std::path::Path;

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

/// Writes the manifest of `entries` into `dir` (and syncs it), with `source` as a comment line.
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
        if parts.next().is_some() {
            return None;
        }
        entries.push(FileEntry { name: name.into(), size: size.parse().ok()?, sha256: sha256.into() });
    }
    Some(entries)
}

/// The `source` a manifest was written with ([`write_manifest`]'s comment line), when `dir` has
/// a manifest.
pub fn read_source(dir: &Path) -> Option<String> {
    let text = fs::read_to_string(dir.join(MANIFEST)).ok()?;
    text.lines().next()?.strip_prefix("# handgrad verified install; source: ").map(str::to_string)
}

/// The manifest of `dir` when it lists at least one file and every file it lists is present with
/// the listed size. `None` means "not a verified install".
pub fn installed(dir: &Path) -> Option<Vec<FileEntry>> {
    let entries = read_manifest(dir)?;
    let ok = !entries.is_empty()
        && entries.iter().all(|e| fs::metadata(dir.join(&e.name)).map(|m| m.len() == e.size).unwrap_or(false));
    ok.then_some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, size: u64) -> FileEntry {
        FileEntry { name: name.into(), size, sha256: "ab".repeat(32) }
    }

    #[test]
    fn manifest_round_trip_and_size_check() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("b.bin"), b"12345").unwrap();
        assert!(installed(tmp.path()).is_none(), "no manifest yet");
        let e = entry("b.bin", 5);
        write_manifest(tmp.path(), "test", std::slice::from_ref(&e)).unwrap();
        let text = fs::read_to_string(tmp.path().join(MANIFEST)).unwrap();
        assert!(text.starts_with("# handgrad verified install; source: test\n"), "{text}");
        assert_eq!(read_source(tmp.path()).as_deref(), Some("test"));
        assert_eq!(installed(tmp.path()).unwrap(), [e]);
        fs::write(tmp.path().join("b.bin"), b"1234").unwrap();
        assert!(installed(tmp.path()).is_none(), "a size change invalidates the install");
        fs::remove_file(tmp.path().join("b.bin")).unwrap();
        assert!(installed(tmp.path()).is_none(), "a missing file invalidates the install");
    }

    #[test]
    fn malformed_or_empty_manifests_are_not_installs() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("a"), b"x").unwrap();
        for text in ["# only comments\n", "abcd  one  a\n", "abcd  1\n", "abcd  1  a  extra\n"] {
            fs::write(tmp.path().join(MANIFEST), text).unwrap();
            assert!(installed(tmp.path()).is_none(), "{text:?}");
        }
        fs::write(tmp.path().join(MANIFEST), "abcd  1  a\n").unwrap();
        assert_eq!(installed(tmp.path()).unwrap(), [FileEntry { name: "a".into(), size: 1, sha256: "abcd".into() }]);
    }
}
