//! The progress bar of a download (indicatif): the libraries download and report progress through
//! a callback (`handgrad_data::download`, `handgrad_cifar::download`); the CLI draws it.

use indicatif::{ProgressBar, ProgressStyle};

/// A progress callback `(bytes so far, total when announced)` drawing a bar (a spinner when the
/// server announces no length), finished when the last byte arrives.
pub fn progress_bar() -> impl FnMut(u64, Option<u64>) {
    let mut bar: Option<ProgressBar> = None;
    move |got, total| {
        let bar = bar.get_or_insert_with(|| match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                    .expect("valid template"),
            ),
            None => ProgressBar::new_spinner(),
        });
        bar.set_position(got);
        if total == Some(got) {
            bar.finish();
        }
    }
}
