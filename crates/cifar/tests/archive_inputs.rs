//! Inputs the installer used to misname: an uncompressed `.tar` (called corrupt), a write that
//! fails because the disk is full (called a truncated or corrupt archive), and a folder standing
//! where a batch file should be (called "missing" by the installer and a 4096-byte truncated file
//! by the reader).
#![cfg(feature = "install")]

use std::fs;
use std::path::Path;

use handgrad_cifar::archive::{ArchiveError, Checksum, archive_md5, install_archive_with, install_folder_with, unpack};
use handgrad_cifar::{Cifar10, CifarError, DIR_NAME, META_FILE, OpenOptions, RECORD_BYTES, TRAIN_FILES};

const NAMES: &str = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
const LENIENT: OpenOptions = OpenOptions { any_record_count: true };

fn batch(n: usize) -> Vec<u8> {
    let mut b = vec![7u8; n * RECORD_BYTES];
    for i in 0..n {
        b[i * RECORD_BYTES] = (i % 10) as u8;
    }
    b
}

/// An uncompressed tar of a tiny CIFAR folder.
fn plain_tar(path: &Path) {
    let mut tar = tar::Builder::new(fs::File::create(path).unwrap());
    let mut members: Vec<(String, Vec<u8>)> =
        TRAIN_FILES.iter().map(|f| (format!("{DIR_NAME}/{f}"), batch(2))).collect();
    members.push((format!("{DIR_NAME}/{META_FILE}"), NAMES.into()));
    for (name, data) in &members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap();
}

#[test]
fn an_uncompressed_tar_installs() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("cifar-10-binary.tar");
    plain_tar(&archive);
    let r = install_archive_with(&archive, &tmp.path().join("datasets"), Checksum::Reported, LENIENT).unwrap();
    assert_eq!(r.files.len(), 6);
    assert_eq!(r.md5.as_deref(), Some(archive_md5(&archive).unwrap().as_str()), "the MD5 is the file's");
    assert_eq!(Cifar10::open_with(&r.dir, LENIENT).unwrap().train.len(), 10);
}

#[test]
fn a_file_that_is_no_archive_is_corrupt_and_says_what_it_was_read_as() {
    let tmp = tempfile::tempdir().unwrap();
    let not = tmp.path().join("notes.tar.gz");
    fs::write(&not, vec![b'x'; 2000]).unwrap();
    let err = install_archive_with(&not, &tmp.path().join("datasets"), Checksum::Reported, LENIENT).unwrap_err();
    assert!(matches!(err, ArchiveError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("no gzip header; read as an uncompressed tar"), "{err}");
}

/// A full disk: the member's destination is a link to /dev/full, where every write fails with
/// ENOSPC. The error is an I/O error naming the file and the free space, not a corrupt archive.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_io_error_not_a_corrupt_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("a.tar");
    plain_tar(&archive);
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    std::os::unix::fs::symlink("/dev/full", out.join(TRAIN_FILES[0])).unwrap();
    let err = unpack(fs::File::open(&archive).unwrap(), "a.tar", &out).unwrap_err();
    match &err {
        ArchiveError::Io { path, source } => {
            assert!(path.ends_with(TRAIN_FILES[0]), "{path}");
            assert_eq!(source.raw_os_error(), Some(28), "ENOSPC: {source}");
        }
        other => panic!("expected an I/O error, got {other}"),
    }
    assert!(err.to_string().contains("free space"), "{err}");
}

#[test]
fn a_folder_in_place_of_a_batch_file_is_named_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join(DIR_NAME);
    fs::create_dir(&src).unwrap();
    for f in TRAIN_FILES {
        fs::write(src.join(f), batch(2)).unwrap();
    }
    fs::write(src.join(META_FILE), NAMES).unwrap();
    fs::remove_file(src.join(TRAIN_FILES[3])).unwrap();
    fs::create_dir(src.join(TRAIN_FILES[3])).unwrap();
    let err = install_folder_with(&src, &tmp.path().join("datasets"), LENIENT).unwrap_err();
    assert!(err.to_string().contains("data_batch_4.bin is a folder, not a file"), "{err}");
    let err = Cifar10::open_with(&src, LENIENT).unwrap_err();
    assert!(matches!(err, CifarError::NotAFile { ref file } if file.ends_with("data_batch_4.bin")), "{err}");
    assert!(err.to_string().contains("is a folder, not a file"), "{err}");
}
