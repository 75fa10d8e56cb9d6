//! `download_and_install` against a one-shot HTTP server on 127.0.0.1 serving a tiny archive the
//! test builds: installed as from a local archive, with progress; a wrong checksum, a truncated
//! body and a refused connection install nothing and leave no temporary file behind.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use handgrad_cifar::archive::{ArchiveError, Checksum};
use handgrad_cifar::download::{Download, DownloadInstallError, download_and_install};
use handgrad_cifar::{Cifar10, DIR_NAME, META_FILE, OpenOptions, RECORD_BYTES, TRAIN_FILES};
use handgrad_data::download::DownloadError;

const LENIENT: OpenOptions = OpenOptions { any_record_count: true };

/// A tiny CIFAR archive (3 records per batch, pixels 7) as `.tar.gz` bytes.
fn archive() -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let mut add = |name: String, data: Vec<u8>| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, data.as_slice()).unwrap();
    };
    for f in TRAIN_FILES {
        let mut b = vec![7u8; 3 * RECORD_BYTES];
        (0..3).for_each(|i| b[i * RECORD_BYTES] = i as u8);
        add(format!("{DIR_NAME}/{f}"), b);
    }
    add(
        format!("{DIR_NAME}/{META_FILE}"),
        b"airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n".to_vec(),
    );
    tar.into_inner().unwrap().finish().unwrap()
}

/// Serves one request with `body`, announcing `announced` bytes, then closes; returns the URL.
fn serve_once(body: Vec<u8>, announced: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cifar-10-binary.tar.gz", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let _ = s.read(&mut [0u8; 4096]);
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {announced}\r\nConnection: close\r\n\r\n");
        let _ = s.write_all(head.as_bytes()).and_then(|_| s.write_all(&body));
    });
    url
}

fn from(url: &str, checksum: Checksum) -> Download<'_> {
    Download { url, checksum, timeout: Duration::from_secs(5), open: LENIENT }
}

/// Only the installed folder (or nothing) is left in `datasets`: no temporary download.
fn entries(datasets: &Path) -> Vec<String> {
    fs::read_dir(datasets).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect()
}

#[test]
fn a_downloaded_archive_is_installed_with_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let datasets = tmp.path().join("datasets");
    let bytes = archive();
    let url = serve_once(bytes.clone(), bytes.len());
    let mut last = (0, None);
    let report =
        download_and_install(&datasets, &from(&url, Checksum::Reported), |got, total| last = (got, total)).unwrap();
    assert_eq!(last, (bytes.len() as u64, Some(bytes.len() as u64)));
    assert_eq!(report.dir, datasets.join(DIR_NAME));
    assert!(!report.canonical && report.files.len() == 6, "{report:?}");
    assert_eq!(Cifar10::open_with(&report.dir, LENIENT).unwrap().train.record(4).pixels[0], 7);
    assert_eq!(entries(&datasets), [DIR_NAME]);
}

#[test]
fn a_wrong_checksum_a_short_body_or_no_server_installs_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let datasets = tmp.path().join("datasets");
    let bytes = archive();
    let url = serve_once(bytes.clone(), bytes.len());
    let err = download_and_install(&datasets, &from(&url, Checksum::Required("0123")), |_, _| {}).unwrap_err();
    assert!(matches!(err, DownloadInstallError::Install(ArchiveError::Checksum { .. })), "{err}");
    assert!(entries(&datasets).is_empty(), "{:?}", entries(&datasets));

    let url = serve_once(bytes[..bytes.len() / 2].to_vec(), bytes.len());
    let err = download_and_install(&datasets, &from(&url, Checksum::Reported), |_, _| {}).unwrap_err();
    assert!(matches!(err, DownloadInstallError::Download(DownloadError::Interrupted { .. })), "{err}");
    assert!(entries(&datasets).is_empty(), "{:?}", entries(&datasets));

    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/x.tar.gz");
    let err = download_and_install(&datasets, &from(&url, Checksum::Reported), |_, _| {}).unwrap_err();
    assert!(matches!(err, DownloadInstallError::Download(DownloadError::Request { .. })), "{err}");
    assert!(err.to_string().contains(&url) && !err.to_string().contains("xtask"), "{err}");
    assert!(entries(&datasets).is_empty());
}
