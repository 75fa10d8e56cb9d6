//! Hashing while reading or writing: SHA-256 for the manifest of every installed file, any
//! [`Digest`] (MD5 for the CIFAR-10 archive) for a source stream.
//!
//! Each file is hashed in the same pass that writes it, so the manifest describes the bytes that
//! were written, not a second read of them.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::manifest::FileEntry;

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
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

/// SHA-256 (hex) and size of a file.
pub fn sha256_file(path: &Path) -> io::Result<(u64, String)> {
    let mut f = File::open(path)?;
    let mut w = HashingWriter::new(io::sink());
    io::copy(&mut f, &mut w)?;
    let (n, h, _) = w.finish()?;
    Ok((n, h))
}

/// Copies `src` to `dst` and syncs it to disk, returning its manifest entry (named `name`).
pub fn copy_hashed(src: &Path, dst: &Path, name: &str) -> io::Result<FileEntry> {
    let mut r = File::open(src)?;
    let mut w = HashingWriter::new(io::BufWriter::new(File::create(dst)?));
    io::copy(&mut r, &mut w)?;
    let (size, sha256, inner) = w.finish()?;
    inner.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    Ok(FileEntry { name: name.into(), size, sha256 })
}

/// Writes `bytes` to `dst` and syncs it to disk, returning its manifest entry (named `name`).
pub fn write_hashed(dst: &Path, name: &str, bytes: &[u8]) -> io::Result<FileEntry> {
    let mut f = File::create(dst)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(FileEntry { name: name.into(), size: bytes.len() as u64, sha256: sha256_hex(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn sha256_of_abc() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("abc");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(sha256_file(&p).unwrap(), (3, ABC_SHA256.into()));
        assert_eq!(sha256_hex(b"abc"), ABC_SHA256);
    }

    #[test]
    fn copy_and_write_agree_with_the_file_hash() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
        let e = write_hashed(&a, "a", b"abc").unwrap();
        assert_eq!(e, FileEntry { name: "a".into(), size: 3, sha256: ABC_SHA256.into() });
        let copied = copy_hashed(&a, &b, "b").unwrap();
        assert_eq!((copied.size, copied.sha256.as_str()), (3, ABC_SHA256));
        assert_eq!(std::fs::read(&b).unwrap(), b"abc");
        assert!(copy_hashed(&tmp.path().join("missing"), &c, "c").is_err());
    }

    #[test]
    fn reader_hashes_the_whole_stream() {
        let mut r = HashingReader::<_, md5::Md5>::new(&b"abc"[..]);
        let mut first = [0u8; 1];
        r.read_exact(&mut first).unwrap();
        assert_eq!(r.bytes_read(), 1);
        // MD5("abc") from RFC 1321's test suite: finish reads the rest before hashing.
        assert_eq!(r.finish().unwrap(), (3, "900150983cd24fb0d6963f7d28e17f72".into()));
    }
}
