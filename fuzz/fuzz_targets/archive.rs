//! Fuzzes the archive path: arbitrary bytes as a `.tar.gz` stream unpacked into a temporary
//! folder. Properties: no panic; only known CIFAR-10 file names are ever written, and only inside
//! the output folder (member paths like `../x` or absolute paths never escape).
#![no_main]

use handgrad_cifar::archive::unpack;
use handgrad_cifar::{META_FILE, TEST_FILE, TRAIN_FILES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).expect("out dir");
    let result = unpack(data, "fuzz", &out);
    let written: Vec<String> = std::fs::read_dir(&out)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into())
        .collect();
    for name in &written {
        let known =
            TRAIN_FILES.contains(&name.as_str()) || name == TEST_FILE || name == META_FILE || name == "readme.html";
        assert!(known, "unpacked an unexpected file {name}");
    }
    let outside: Vec<_> = std::fs::read_dir(tmp.path()).expect("list").collect();
    assert_eq!(outside.len(), 1, "nothing may be written next to the output folder");
    if let Ok((files, _, md5)) = result {
        assert_eq!(md5.len(), 32);
        assert!(files.iter().all(|f| written.contains(&f.name)));
    }
});
