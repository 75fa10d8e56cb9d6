//! Opening tiny CIFAR-10 folders that the tests write themselves: the happy path and every error
//! path of the reader (truncated file, trailing bytes, label 10, missing file, missing test
//! batch, bad class names, canonical record count).

use std::fs;
use std::path::Path;

use handgrad_cifar::{
    Cifar10, CifarError, IMAGE_BYTES, Layout, META_FILE, OpenOptions, PixelMean, Preprocess, RECORD_BYTES, RecordError,
    SplitConfig, TEST_FILE, TRAIN_FILES,
};
use handgrad_tensor::Matrix;

const NAMES: &str = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n";
const PER_FILE: usize = 4;

/// A batch of `n` records; record `i` has label `(seed + i) % 10` and pixels `seed + i`.
fn batch(n: usize, seed: usize) -> Vec<u8> {
    let mut b = vec![0u8; n * RECORD_BYTES];
    for i in 0..n {
        b[i * RECORD_BYTES] = ((seed + i) % 10) as u8;
        b[i * RECORD_BYTES + 1..(i + 1) * RECORD_BYTES].fill((seed + i) as u8);
    }
    b
}

/// Writes a complete tiny folder: five training files of 4 records, a test batch, class names.
fn folder(dir: &Path, with_test: bool) {
    for (k, name) in TRAIN_FILES.iter().enumerate() {
        fs::write(dir.join(name), batch(PER_FILE, k * PER_FILE)).unwrap();
    }
    if with_test {
        fs::write(dir.join(TEST_FILE), batch(3, 100)).unwrap();
    }
    fs::write(dir.join(META_FILE), NAMES).unwrap();
}

fn lenient(dir: &Path) -> Result<Cifar10, CifarError> {
    Cifar10::open_with(dir, OpenOptions { any_record_count: true })
}

#[test]
fn opens_a_tiny_folder() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path(), true);
    let data = lenient(tmp.path()).unwrap();
    assert_eq!(data.train.len(), 5 * PER_FILE);
    assert_eq!(data.classes[3], "cat");
    assert_eq!(data.test().unwrap().len(), 3);
    for i in 0..data.train.len() {
        assert_eq!(usize::from(data.train.label(i)), i % 10);
        assert_eq!(data.train.record(i).pixels[IMAGE_BYTES - 1] as usize, i);
    }
    let splits = data.splits(&SplitConfig { train: 15, val: 5, test: 2 }).unwrap();
    assert_eq!((splits.train, splits.val, splits.test), (0..15, 15..20, Some(0..2)));

    let mean = PixelMean::of(&data.train, 0..15);
    assert_eq!(mean.chw()[0], 7.0); // mean of 0..15
    let pre = Preprocess::<f32>::new(&mean, Layout::Chw);
    let (mut x, mut y) = (Matrix::zeros(0, 0), Vec::new());
    pre.gather(&data.train, &[19, 4], &mut x, &mut y);
    assert_eq!(y, [9, 4]);
    assert_eq!((x.get(0, 100), x.get(1, 3071)), (12.0, -3.0));
}

#[test]
fn missing_test_batch_keeps_train_usable() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path(), false);
    let data = lenient(tmp.path()).unwrap();
    assert!(!data.has_test());
    let e = data.test().unwrap_err();
    assert!(matches!(e, CifarError::MissingTestBatch { .. }), "{e:?}");
    assert!(format!("{e}").contains("test_batch.bin"), "{e}");
    assert_eq!(data.splits(&SplitConfig { train: 10, val: 10, test: 1000 }).unwrap().test, None);
    assert_eq!(data.train.len(), 20);
}

#[test]
fn truncated_file_names_file_and_offset() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path(), true);
    let f = tmp.path().join(TRAIN_FILES[2]);
    fs::write(&f, &batch(PER_FILE, 0)[..3 * RECORD_BYTES + 17]).unwrap();
    let e = lenient(tmp.path()).unwrap_err();
    match &e {
        CifarError::BadFile { file, source: RecordError::Length { trailing: 17, offset, .. } } => {
            assert!(file.ends_with("data_batch_3.bin"));
            assert_eq!(*offset, 3 * RECORD_BYTES);
        }
        other => panic!("wrong error {other:?}"),
    }
    let msg = format!("{e}");
    assert!(
        msg.contains("data_batch_3.bin") && msg.contains("9219") && msg.contains("archive::install_archive"),
        "{msg}"
    );
    assert!(!msg.contains("xtask"), "a library message names no command of handgrad's CLI: {msg}");
}

#[test]
fn trailing_bytes_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path(), true);
    let mut b = batch(3, 100);
    b.extend_from_slice(b"xx");
    fs::write(tmp.path().join(TEST_FILE), b).unwrap();
    let e = lenient(tmp.path()).unwrap_err();
    assert!(
        matches!(&e, CifarError::BadFile { file, source: RecordError::Length { trailing: 2, offset: 9219, .. } } if file.ends_with(TEST_FILE)),
        "{e:?}"
    );
}

#[test]
fn label_ten_names_record_and_offset() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path(), true);
    let mut b = batch(PER_FILE, 0);
    b[2 * RECORD_BYTES] = 10;
    fs::write(tmp.path().join(TRAIN_FILES[4]), b).unwrap();
    let e = lenient(tmp.path()).unwrap_err();
    assert!(
        matches!(&e, CifarError::BadFile { file, source: RecordError::Label { record: 2, offset: 6146, label: 10 } } if file.ends_with("data_batch_5.bin")),
        "{e:?}"
    );
    assert!(format!("{e}").contains("offset 6146"), "{e}");
}

#[test]
fn missing_training_file_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path(), true);
    fs::remove_file(tmp.path().join(TRAIN_FILES[1])).unwrap();
    let e = lenient(tmp.path()).unwrap_err();
    assert!(matches!(&e, CifarError::MissingFile { file } if file.ends_with("data_batch_2.bin")), "{e:?}");
    assert!(format!("{e}").contains("cifar-10-batches-bin") && !format!("{e}").contains("xtask"), "{e}");

    fs::remove_file(tmp.path().join(META_FILE)).unwrap();
    assert!(matches!(lenient(tmp.path()).unwrap_err(), CifarError::MissingFile { file } if file.ends_with(META_FILE)));
}

#[test]
fn empty_file_and_bad_meta_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path(), true);
    fs::write(tmp.path().join(META_FILE), "cat\ndog\n").unwrap();
    assert!(matches!(lenient(tmp.path()).unwrap_err(), CifarError::ClassNames { .. }));
    fs::write(tmp.path().join(META_FILE), NAMES).unwrap();
    fs::write(tmp.path().join(TRAIN_FILES[0]), b"").unwrap();
    assert!(matches!(lenient(tmp.path()).unwrap_err(), CifarError::BadFile { source: RecordError::Empty, .. }));
}

#[test]
fn canonical_open_requires_ten_thousand_records() {
    let tmp = tempfile::tempdir().unwrap();
    folder(tmp.path(), false);
    let e = Cifar10::open(tmp.path()).unwrap_err();
    assert!(matches!(&e, CifarError::BadFile { source: RecordError::Count { records: 4 }, .. }), "{e:?}");
}
