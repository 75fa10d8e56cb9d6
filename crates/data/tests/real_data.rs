//! Real data: the installed oil-flow copy (`cargo xtask fetch-oil`; datasets folder as
//! [`locate::datasets_dir`] says) has the documented shape and class counts, and it reinstalls as a
//! download would (the mirror's SHA-256 required). Skips, saying how to install it, when absent.

use std::path::{Path, PathBuf};

use handgrad_data::locate;
use handgrad_data::oil::{self, N_ROWS, Source};

fn installed_oil() -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("crates/data lies two levels down");
    match locate::oil(&locate::datasets_dir(workspace)) {
        Ok(dir) => Some(dir),
        Err(e) => {
            println!("SKIPPED: {e}");
            None
        }
    }
}

#[test]
fn oil_has_the_documented_shape_and_class_counts() {
    let Some(dir) = installed_oil() else { return };
    let data = oil::load(&dir).unwrap();
    assert_eq!(data.y.shape(), (N_ROWS, oil::N_FEATURES));
    let counts: Vec<usize> = (0..3).map(|c| data.labels.iter().filter(|&&l| l == c).count()).collect();
    // Class counts of the training set as documented with the files: 343 / 316 / 341.
    assert_eq!(counts, [343, 316, 341]);
}

#[test]
fn installed_oil_is_the_mirrors_and_reinstalls_as_a_download() {
    let Some(dir) = installed_oil() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let datasets = tmp.path().join("datasets");
    let r = oil::install(Source::Download { dir: &dir, url: oil::MIRROR_URL }, &datasets).unwrap();
    assert!(r.not_mirror.is_empty());
    assert_eq!(r.files.iter().map(|f| f.sha256.as_str()).collect::<Vec<_>>(), [oil::DATA_SHA256, oil::LABELS_SHA256]);
    assert_eq!(locate::oil(&datasets), Ok(r.dir.clone()));
    assert_eq!(oil::load(&r.dir).unwrap().y, oil::load(&dir).unwrap().y);
}
