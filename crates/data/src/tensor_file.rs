//! What every model file of the project shares (fcnet's checkpoints, the GP-LVM's model files):
//! the payload checksum over named tensors and the atomic write.
//!
//! - [`payload_sha256`]: SHA-256 (lower-case hex) over the tensors in the order given (the
//!   writers pass them in name order), each contributing its UTF-8 name, one zero byte, then its
//!   bytes. Stored under the metadata key `payload_sha256`, it makes an edited file detectable.
//! - [`write_atomic`]: the bytes go to a temporary file `.<name>.tmp-<pid>` in the destination's
//!   folder, are synced to disk, and the file is renamed over the destination, so at every moment
//!   the destination holds either the old file or the complete new one. A failure removes the
//!   temporary file and says which step failed ([`WriteStep`]).

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::install::hex;

/// SHA-256 (lower-case hex) over `(name, bytes)` pairs: for each, the UTF-8 name, one zero byte,
/// then the bytes.
pub fn payload_sha256<'a>(tensors: impl Iterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut h = Sha256::new();
    for (name, data) in tensors {
        h.update(name.as_bytes());
        h.update([0u8]);
        h.update(data);
    }
    hex(&h.finalize())
}

/// The step of [`write_atomic`] that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteStep {
    /// Creating or writing the temporary file.
    Write,
    /// Syncing the temporary file to disk.
    Sync,
    /// Renaming the temporary file over the destination.
    Rename,
}

impl WriteStep {
    /// The step as a verb: `"write"`, `"sync"`, `"rename"`.
    pub fn as_str(self) -> &'static str {
        match self {
            WriteStep::Write => "write",
            WriteStep::Sync => "sync",
            WriteStep::Rename => "rename",
        }
    }
}

impl fmt::Display for WriteStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// [`write_atomic`] failed; the destination is unchanged and the temporary file removed.
#[derive(Debug, thiserror::Error)]
#[error("cannot {step} {path}: {source}; check the folder exists, is writable and has space")]
pub struct AtomicWriteError {
    /// What failed.
    pub step: WriteStep,
    /// The destination.
    pub path: PathBuf,
    /// The OS error.
    pub source: io::Error,
}

/// Writes `bytes` to `path` atomically: a synced temporary file in the same folder, renamed over
/// `path`.
///
/// # Errors
/// [`AtomicWriteError`] naming the step that failed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AtomicWriteError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let fail = |step, source| {
        let _ = fs::remove_file(&tmp);
        AtomicWriteError { step, path: path.to_path_buf(), source }
    };
    let mut f = fs::File::create(&tmp).map_err(|e| fail(WriteStep::Write, e))?;
    f.write_all(bytes).map_err(|e| fail(WriteStep::Write, e))?;
    f.sync_all().map_err(|e| fail(WriteStep::Sync, e))?;
    drop(f);
    fs::rename(&tmp, path).map_err(|e| fail(WriteStep::Rename, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_checksum_covers_names_and_bytes() {
        // SHA-256 of "a\0xy": the name, a zero byte, the data.
        let expected = crate::install::sha256_hex(b"a\0xy");
        assert_eq!(payload_sha256([("a", &b"xy"[..])].into_iter()), expected);
        // Moving a byte from the data into the name changes the checksum.
        assert_ne!(payload_sha256([("ax", &b"y"[..])].into_iter()), expected);
        assert_eq!(payload_sha256(std::iter::empty()), crate::install::sha256_hex(b""));
    }

    #[test]
    fn writes_replaces_and_leaves_no_temporary_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("m.safetensors");
        write_atomic(&p, b"old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_missing_folder_is_a_write_error_and_a_folder_target_a_rename_error() {
        let tmp = tempfile::tempdir().unwrap();
        let e = write_atomic(&tmp.path().join("no/such/m"), b"x").unwrap_err();
        assert_eq!(e.step, WriteStep::Write);
        assert!(e.to_string().starts_with("cannot write "), "{e}");
        let folder = tmp.path().join("taken");
        fs::create_dir(&folder).unwrap();
        fs::write(folder.join("inside"), b"keep").unwrap();
        let e = write_atomic(&folder, b"x").unwrap_err();
        assert_eq!(e.step, WriteStep::Rename);
        assert_eq!(fs::read(folder.join("inside")).unwrap(), b"keep");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "temporary file removed");
    }
}
