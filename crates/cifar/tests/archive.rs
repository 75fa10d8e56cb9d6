//! Installing from tiny archives and folders that the tests build themselves: the happy path,
//! the no-op check, and the failure paths (corrupt/truncated archive, wrong checksum, bad data,
//! missing members), each of which must leave the earlier install untouched.
#![cfg(feature = "install")]

use std::fs;
use std::path::Path;

use handgrad_cifar::archive::{ArchiveError, Checksum, install_archive_with, install_folder_with};
use handgrad_cifar::{Cifar10, CifarError, DIR_NAME, META_FILE, OpenOptions, RECORD_BYTES, RecordError, TRAIN_FILES};
use handgrad_data::install::{MANIFEST, Replaced};
use handgrad_data::locate;

const NAMES: &str = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
const LENIENT: OpenOptions = OpenOptions { any_record_count: true };

fn batch(n: usize, fill: u8) -> Vec<u8> {
    let mut b = vec![fill; n * RECORD_BYTES];
    for i in 0..n {
        b[i * RECORD_BYTES] = (i % 10) as u8;
    }
    b
}

/// A `.tar.gz` with the given members (path inside the archive, contents).
fn targz(path: &Path, members: &[(String, Vec<u8>)]) {
    let gz = flate2::write::GzEncoder::new(fs::File::create(path).unwrap(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
}

/// The members of a tiny CIFAR archive whose pixels are all `fill`.
fn members(fill: u8) -> Vec<(String, Vec<u8>)> {
    let mut m: Vec<(String, Vec<u8>)> =
        TRAIN_FILES.iter().map(|f| (format!("{DIR_NAME}/{f}"), batch(3, fill))).collect();
    m.push((format!("{DIR_NAME}/{META_FILE}"), NAMES.into()));
    m.push((format!("{DIR_NAME}/notes.txt"), b"not part of CIFAR".to_vec()));
    m
}

/// Installs a first good copy (pixels 1) and returns the datasets folder.
fn first_install(tmp: &Path) -> std::path::PathBuf {
    let datasets = tmp.join("datasets");
    let a = tmp.join("good.tar.gz");
    targz(&a, &members(1));
    let r = install_archive_with(&a, &datasets, Checksum::Reported, LENIENT).unwrap();
    assert_eq!(r.dir, datasets.join(DIR_NAME));
    datasets
}

/// The datasets folder holds exactly the installed copy with pixels 1 (no staging leftovers).
fn assert_intact(datasets: &Path) {
    let entries: Vec<_> = fs::read_dir(datasets).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, [DIR_NAME], "no staging folder may be left behind");
    assert!(locate::cifar10(datasets).is_ok());
    let data = Cifar10::open_with(datasets.join(DIR_NAME), LENIENT).unwrap();
    assert_eq!(data.train.record(0).pixels[0], 1, "the earlier install must be untouched");
}

#[test]
fn installs_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let datasets = tmp.path().join("datasets");
    let a = tmp.path().join("a.tar.gz");
    targz(&a, &members(1));
    assert!(locate::cifar10(&datasets).is_err());
    let r = install_archive_with(&a, &datasets, Checksum::Reported, LENIENT).unwrap();
    assert!(!r.canonical && !r.has_test);
    assert_eq!(r.md5.as_deref().map(str::len), Some(32));
    assert_eq!(r.files.len(), 6);
    assert!(r.files.iter().all(|f| f.sha256.len() == 64));
    assert_eq!(r.skipped, [format!("{DIR_NAME}/notes.txt")]);
    assert!(matches!(r.replaced, Replaced::Nothing) && r.removed_stale.is_empty());
    assert!(r.dir.join(MANIFEST).is_file());
    assert!(!r.dir.join("notes.txt").exists(), "unknown members are not unpacked");
    assert_eq!(locate::cifar10(&datasets), Ok(r.dir.clone()));
    let data = Cifar10::open_with(&r.dir, LENIENT).unwrap();
    assert_eq!(data.train.len(), 15);
    assert!(matches!(data.test(), Err(CifarError::MissingTestBatch { .. })));
}

#[test]
fn reinstall_replaces_the_old_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let datasets = first_install(tmp.path());
    let b = tmp.path().join("b.tar.gz");
    targz(&b, &members(7));
    let r = install_archive_with(&b, &datasets, Checksum::Reported, LENIENT).unwrap();
    assert!(matches!(r.replaced, Replaced::Deleted));
    let data = Cifar10::open_with(datasets.join(DIR_NAME), LENIENT).unwrap();
    assert_eq!(data.train.record(0).pixels[0], 7);
    assert_eq!(fs::read_dir(&datasets).unwrap().count(), 1);
}

#[test]
fn truncated_archive_fails_and_keeps_the_earlier_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let datasets = first_install(tmp.path());
    let full = tmp.path().join("full.tar.gz");
    targz(&full, &members(9));
    let bytes = fs::read(&full).unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 4, 10] {
        let t = tmp.path().join("cut.tar.gz");
        fs::write(&t, &bytes[..cut]).unwrap();
        let e = install_archive_with(&t, &datasets, Checksum::Reported, LENIENT).unwrap_err();
        assert!(matches!(e, ArchiveError::Corrupt { .. }), "cut at {cut}: {e:?}");
        assert!(format!("{e}").contains("truncated or corrupt"), "{e}");
        assert_intact(&datasets);
    }
}

#[test]
fn corrupt_archive_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let datasets = first_install(tmp.path());
    let full = tmp.path().join("full.tar.gz");
    targz(&full, &members(9));
    let mut bytes = fs::read(&full).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff; // flips bits inside the deflate stream or CRC
    let bad = tmp.path().join("bad.tar.gz");
    fs::write(&bad, &bytes).unwrap();
    let e = install_archive_with(&bad, &datasets, Checksum::Reported, LENIENT).unwrap_err();
    assert!(matches!(e, ArchiveError::Corrupt { .. } | ArchiveError::Data(_)), "{e:?}");
    fs::write(&bad, b"this is not gzip at all").unwrap();
    let e = install_archive_with(&bad, &datasets, Checksum::Reported, LENIENT).unwrap_err();
    assert!(matches!(e, ArchiveError::Corrupt { .. }), "{e:?}");
    assert_intact(&datasets);
}

#[test]
fn wrong_checksum_is_fatal_only_when_required() {
    let tmp = tempfile::tempdir().unwrap();
    let datasets = first_install(tmp.path());
    let b = tmp.path().join("b.tar.gz");
    targz(&b, &members(5));
    let e = install_archive_with(&b, &datasets, Checksum::Required("c32a1d4ab5d03f1284b67883e8d87530"), LENIENT)
        .unwrap_err();
    match &e {
        ArchiveError::Checksum { expected, actual, .. } => {
            assert_eq!(expected, "c32a1d4ab5d03f1284b67883e8d87530");
            assert_ne!(actual, expected);
        }
        other => panic!("{other:?}"),
    }
    assert!(format!("{e}").contains("download it again"), "{e}");
    assert_intact(&datasets);
    let r = install_archive_with(&b, &datasets, Checksum::Reported, LENIENT).unwrap();
    assert!(!r.canonical, "a local archive with another MD5 installs and is reported as not canonical");
}

#[test]
fn bad_records_and_missing_members_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let datasets = first_install(tmp.path());
    let mut m = members(3);
    m[1].1[2 * RECORD_BYTES] = 10; // label 10 in data_batch_2
    let a = tmp.path().join("label.tar.gz");
    targz(&a, &m);
    let e = install_archive_with(&a, &datasets, Checksum::Reported, LENIENT).unwrap_err();
    assert!(
        matches!(&e, ArchiveError::Data(CifarError::BadFile { source: RecordError::Label { label: 10, .. }, file }) if file.ends_with("data_batch_2.bin")),
        "{e:?}"
    );
    assert_intact(&datasets);

    let mut m = members(3);
    m.remove(2); // data_batch_3
    targz(&a, &m);
    let e = install_archive_with(&a, &datasets, Checksum::Reported, LENIENT).unwrap_err();
    assert!(matches!(&e, ArchiveError::Structure { detail, .. } if detail.contains("data_batch_3.bin")), "{e:?}");
    assert_intact(&datasets);

    // Members outside cifar-10-batches-bin/ are ignored, so this archive lacks everything.
    let m: Vec<_> = members(3).into_iter().map(|(n, d)| (format!("other/{n}"), d)).collect();
    targz(&a, &m);
    assert!(matches!(
        install_archive_with(&a, &datasets, Checksum::Reported, LENIENT),
        Err(ArchiveError::Structure { .. })
    ));
    assert_intact(&datasets);
}

#[test]
fn canonical_checks_reject_short_files() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a.tar.gz");
    targz(&a, &members(1));
    let e = install_archive_with(&a, &tmp.path().join("d"), Checksum::Reported, OpenOptions::default()).unwrap_err();
    assert!(matches!(e, ArchiveError::Data(CifarError::BadFile { source: RecordError::Count { records: 3 }, .. })));
}

#[test]
fn folder_install_takes_the_folder_or_its_parent() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src").join(DIR_NAME);
    fs::create_dir_all(&src).unwrap();
    for f in TRAIN_FILES {
        fs::write(src.join(f), batch(2, 4)).unwrap();
    }
    fs::write(src.join(META_FILE), NAMES).unwrap();
    fs::write(src.join("junk.bin"), b"x").unwrap();
    let datasets = tmp.path().join("datasets");
    for from in [src.clone(), tmp.path().join("src")] {
        let r = install_folder_with(&from, &datasets, LENIENT).unwrap();
        assert_eq!(r.files.len(), 6);
        assert!(r.md5.is_none());
        assert!(!r.dir.join("junk.bin").exists());
        assert_eq!(Cifar10::open_with(&r.dir, LENIENT).unwrap().train.len(), 10);
    }
    fs::remove_file(src.join(META_FILE)).unwrap();
    let e = install_folder_with(&src, &datasets, LENIENT).unwrap_err();
    assert!(matches!(&e, ArchiveError::Structure { detail, .. } if detail.contains(META_FILE)), "{e:?}");
    assert!(locate::cifar10(&datasets).is_ok(), "the earlier install is untouched");
}

#[test]
fn oversized_member_is_refused_before_writing() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("huge.tar.gz");
    let mut gz = flate2::write::GzEncoder::new(fs::File::create(&a).unwrap(), flate2::Compression::fast());
    let mut h = tar::Header::new_gnu();
    h.set_path(format!("{DIR_NAME}/data_batch_1.bin")).unwrap();
    h.set_size(1 << 40);
    h.set_mode(0o644);
    h.set_cksum();
    gz.write_all(h.as_bytes()).unwrap();
    gz.write_all(&[0u8; 512]).unwrap();
    gz.finish().unwrap();
    let e = install_archive_with(&a, &tmp.path().join("d"), Checksum::Reported, LENIENT).unwrap_err();
    assert!(matches!(&e, ArchiveError::Structure { detail, .. } if detail.contains("1099511627776")), "{e:?}");
}

#[test]
fn duplicate_member_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("dup.tar.gz");
    let mut m = members(1);
    m.push(m[0].clone());
    targz(&a, &m);
    let e = install_archive_with(&a, &tmp.path().join("d"), Checksum::Reported, LENIENT).unwrap_err();
    assert!(matches!(&e, ArchiveError::Structure { detail, .. } if detail.contains("twice")), "{e:?}");
}

#[test]
fn the_folder_name_is_the_one_the_locator_looks_for() {
    assert_eq!(DIR_NAME, locate::CIFAR10_DIR);
}
