//! Fuzzes the no_std record parser and everything downstream of a successful parse (records set,
//! pixel mean, both gathers, RGB export), plus the class-name parser, on arbitrary bytes.
//! Properties: no panic; a parse succeeds exactly when the length is a positive multiple of 3,073
//! and every label is below 10.
#![no_main]

use handgrad_cifar::{
    IMAGE_BYTES, Layout, NUM_CLASSES, PixelMean, Preprocess, RECORD_BYTES, Records, parse_class_names, parse_records,
};
use handgrad_tensor::Matrix;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let valid = !data.is_empty()
        && data.len() % RECORD_BYTES == 0
        && data.iter().step_by(RECORD_BYTES).all(|&l| usize::from(l) < NUM_CLASSES);
    match parse_records(data) {
        Ok(records) => {
            assert!(valid, "accepted invalid input of {} bytes", data.len());
            assert_eq!(records.len() * RECORD_BYTES, data.len());
            let mut set = Records::new();
            set.push_owned("fuzz", data.to_vec(), false).expect("same bytes parse again");
            let n = set.len();
            let mean = PixelMean::of(&set, 0..n);
            let (mut x, mut y) = (Matrix::<f32>::zeros(0, 0), Vec::new());
            for layout in [Layout::Hwc, Layout::Chw] {
                let pre = Preprocess::new(&mean, layout);
                pre.gather(&set, &[n - 1, 0], &mut x, &mut y);
                assert!(x.as_slice().iter().all(|v| v.abs() <= 255.0));
                let mut rgb = [0u8; IMAGE_BYTES];
                pre.row_to_rgb(x.row(1), &mut rgb);
                let mut want = [0u8; IMAGE_BYTES];
                set.record(0).write_rgb(&mut want);
                assert!(rgb == want, "preprocessing must round-trip to the original bytes");
            }
        }
        Err(e) => {
            assert!(!valid, "rejected valid input: {e}");
            let _ = e.to_string();
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(names) = parse_class_names("fuzz", text) {
            assert_eq!(names.len(), NUM_CLASSES);
        }
    }
});
