//! Real data: installs the CIFAR-10 archive named by `$HANDGRAD_CIFAR_ARCHIVE` into a temporary
//! folder and checks it end to end. `cargo xtask ci` sets the variable to the development copy of
//! the 50,000 training images (no test batch, MD5 not the canonical one); the canonical archive
//! works too. Skips, saying so, when the variable is not set.
#![cfg(feature = "install")]

use std::path::PathBuf;

use handgrad_cifar::archive::{CANONICAL_MD5, Checksum, install_archive};
use handgrad_cifar::{
    Augment, Cifar10, CifarError, IMAGE_BYTES, Layout, NUM_CLASSES, PixelMean, Preprocess, Records, SplitConfig,
};
use handgrad_data::locate::{self, CIFAR_ARCHIVE_ENV};
use handgrad_tensor::{Matrix, Par, init::rng_from_seed};

/// The archive named by the environment variable; a set variable naming no file is a failure.
fn archive() -> Option<PathBuf> {
    let Some(path) = std::env::var_os(CIFAR_ARCHIVE_ENV).map(PathBuf::from) else {
        println!(
            "SKIPPED: set {CIFAR_ARCHIVE_ENV} to a CIFAR-10 .tar.gz to run this test (`cargo xtask ci` sets it to the development archive)"
        );
        return None;
    };
    assert!(path.is_file(), "{CIFAR_ARCHIVE_ENV}={} is not a file", path.display());
    Some(path)
}

/// Resident memory of this process in kB (Linux), from /proc/self/status.
fn vm_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn real_archive_installs_and_reads() {
    let Some(archive) = archive() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let datasets = tmp.path().join("datasets");

    let t = std::time::Instant::now();
    let report = install_archive(&archive, &datasets, Checksum::Reported).unwrap();
    println!("installed in {:.2} s, md5 {:?}", t.elapsed().as_secs_f64(), report.md5);
    assert_eq!(report.canonical, report.md5.as_deref() == Some(CANONICAL_MD5));
    if report.canonical {
        assert!(report.has_test, "the canonical archive has the test batch");
    } else {
        println!("not the canonical archive (the development copy is documented so)");
    }
    // Five training batches and the class names, plus the test batch and readme when present.
    assert!((6..=8).contains(&report.files.len()), "{:?}", report.files);
    assert_eq!(locate::cifar10(&datasets), Ok(report.dir.clone()));

    let rss_before = vm_rss_kb();
    let data = Cifar10::open(&report.dir).unwrap();
    let rss_after = vm_rss_kb();
    if let (Some(a), Some(b)) = (rss_before, rss_after) {
        println!("VmRSS before open {a} kB, after open {b} kB");
        assert!(b.saturating_sub(a) < 20_000, "opening must not read the 150 MB of pixels ({a} → {b} kB)");
    }

    assert_eq!(data.train.len(), 50_000);
    assert_eq!(data.classes[0], "airplane");
    assert_eq!(data.classes[9], "truck");
    let mut counts = [0usize; NUM_CLASSES];
    for &l in data.train.labels() {
        counts[usize::from(l)] += 1;
    }
    assert_eq!(counts, [5_000; NUM_CLASSES], "CIFAR-10 has 5,000 training images per class");
    match data.test() {
        Ok(test) => assert_eq!(test.len(), 10_000),
        Err(e) => assert!(!report.has_test && matches!(e, CifarError::MissingTestBatch { .. }), "{e}"),
    }

    let splits = data.splits(&SplitConfig::default()).unwrap();
    assert_eq!((splits.train.len(), splits.val.len()), (49_000, 1_000));
    assert_eq!(splits.test.is_some(), report.has_test);
    let mean = PixelMean::of(&data.train, splits.train.clone());
    let m = mean.chw();
    assert!(m.iter().all(|&v| (60.0..200.0).contains(&v)), "natural-image means lie well inside 0..255");
    // The widely quoted per-channel means of CIFAR-10's training set: 0.4914, 0.4822, 0.4465 (×255).
    for (ch, want) in [0.4914, 0.4822, 0.4465].into_iter().enumerate() {
        let got = m[ch * 1024..(ch + 1) * 1024].iter().sum::<f64>() / 1024.0 / 255.0;
        println!("channel {ch} mean {got:.4} (published {want})");
        assert!((got - want).abs() < 0.01, "channel {ch}: mean {got:.4}, published {want}");
    }

    let pre = Preprocess::<f32>::new(&mean, Layout::Hwc);
    let (mut x, mut y) = (Matrix::zeros(0, 0), Vec::new());
    pre.gather(&data.train, &[49_999, 0, 12_345], &mut x, &mut y);
    assert_eq!(y, [49_999, 0, 12_345].map(|i| usize::from(data.train.label(i))));
    let r = data.train.record(12_345);
    assert_eq!(
        x.get(2, Layout::Hwc.index(7, 9, 1)),
        f32::from(r.pixel(7, 9, 1)) - mean.chw()[1024 + 7 * 32 + 9] as f32
    );
    slice_and_matrix_gathers_agree(&data.train, &mean);
}

/// The rows-buffer gathers (`gather_into`, `gather_augmented_into`) and the `Matrix` gathers give
/// the same bits for 200 real images, plain and cropped-and-flipped, in both layouts, on 1 and 2
/// threads.
fn slice_and_matrix_gathers_agree(train: &Records, mean: &PixelMean) {
    let rows: Vec<usize> = (0..200).map(|i| (i * 7_919 + 11) % train.len()).collect();
    let mut t = Vec::new();
    Augment::crop_flip(4).draw(&mut rng_from_seed(0), rows.len(), &mut t);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for layout in Layout::ALL {
        let pre = Preprocess::<f32>::new(mean, layout);
        let (mut one, mut y1) = (vec![0f32; rows.len() * IMAGE_BYTES], Vec::new());
        pre.gather_augmented_into(train, &rows, &t, &mut one, &mut y1, 1);
        for (threads, par) in [(1, Par::Seq), (2, Par::rayon(2))] {
            let (mut xs, mut ys, mut xm, mut ym) =
                (vec![0f32; rows.len() * IMAGE_BYTES], vec![], Matrix::zeros(0, 0), vec![]);
            pre.gather_into(train, &rows, &mut xs, &mut ys, threads);
            pre.gather_par(train, &rows, &mut xm, &mut ym, par);
            assert!(bits(xm.as_slice()) == bits(&xs) && ym == ys, "{layout:?} plain, {threads} threads");
            pre.gather_augmented_into(train, &rows, &t, &mut xs, &mut ys, threads);
            pre.gather_augmented_par(train, &rows, &t, &mut xm, &mut ym, par);
            assert!(bits(xm.as_slice()) == bits(&xs) && ym == ys, "{layout:?} augmented, {threads} threads");
            assert!(bits(&xs) == bits(&one) && ys == y1, "{layout:?} augmented: 1 against {threads} threads");
        }
    }
}
