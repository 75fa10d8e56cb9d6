//! HTTP download with a progress bar and timeouts, into a file (ureq + indicatif).
//!
//! On a machine without network access this fails within the resolve/connect timeouts (seconds),
//! never hangs: every phase of the request has a timeout and each read of the body has one too.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

/// Downloads `url` into `dest` (created or truncated), showing a progress bar; returns the number
/// of bytes written. `timeout` bounds name resolution, connecting, waiting for the response and
/// each read of the body.
pub fn download(url: &str, dest: &Path, timeout: Duration) -> anyhow::Result<u64> {
    let config = ureq::Agent::config_builder()
        .timeout_resolve(Some(timeout))
        .timeout_connect(Some(timeout))
        .timeout_recv_response(Some(timeout))
        .timeout_per_read(Some(timeout))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let response = agent.get(url).call().with_context(|| format!("could not download {url}"))?;
    let total = response.body().content_length();
    let bar = match total {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                .expect("valid template"),
        ),
        None => ProgressBar::new_spinner(),
    };
    let mut reader = bar.wrap_read(response.into_body().into_reader());
    let mut out = BufWriter::new(File::create(dest).with_context(|| format!("could not create {}", dest.display()))?);
    let n = io::copy(&mut reader, &mut out).with_context(|| format!("download of {url} was interrupted"))?;
    out.flush()?;
    bar.finish();
    if let Some(expected) = total.filter(|&t| t != n) {
        anyhow::bail!("download of {url} stopped after {n} of {expected} bytes; run the command again");
    }
    Ok(n)
}
