//! HTTP(S) download into a file (feature `download`, ureq), with timeouts on every phase and a
//! progress callback: the one downloader of the dataset installers (`handgrad_cifar`'s
//! `download_and_install`, and a caller fetching the oil-flow files for [`crate::oil::install`]).
//!
//! On a machine without network access a download fails within the resolve/connect timeouts
//! (seconds), never hangs: every phase of the request has a timeout and each read of the body has
//! one too. Nothing is printed: progress goes to the caller's callback.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a download failed. The destination file may hold part of the body; the installers download
/// into a temporary file and never install a failed download.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The request failed (no network, a name that does not resolve, a refused connection, an
    /// HTTP error status, a timeout).
    #[error(
        "could not download {url}: {source}; check the address and the network connection, or install from a local copy"
    )]
    Request {
        /// The address.
        url: String,
        /// What the HTTP client reported.
        #[source]
        source: Box<ureq::Error>,
    },
    /// The body stopped before the length the server announced, or reading it failed.
    #[error("the download of {url} stopped after {got} bytes{}; download it again", .expected.map_or(String::new(), |e| format!(" of {e}")))]
    Interrupted {
        /// The address.
        url: String,
        /// Bytes received.
        got: u64,
        /// Bytes announced, when the server said.
        expected: Option<u64>,
    },
    /// The destination could not be written.
    #[error("could not write {path}: {source}; check the folder's permissions and free space")]
    Write {
        /// The destination.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

/// Downloads `url` into `dest` (created or truncated) and returns the number of bytes written.
/// `timeout` bounds name resolution, connecting, waiting for the response and each read of the
/// body; `progress(bytes so far, total when announced)` is called as the body arrives.
///
/// # Errors
/// [`DownloadError`]: the request, an interrupted body (also when fewer bytes than announced
/// arrived), or writing `dest`.
pub fn download(
    url: &str,
    dest: &Path,
    timeout: Duration,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, DownloadError> {
    let config = ureq::Agent::config_builder()
        .timeout_resolve(Some(timeout))
        .timeout_connect(Some(timeout))
        .timeout_recv_response(Some(timeout))
        .timeout_per_read(Some(timeout))
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let request = |source| DownloadError::Request { url: url.into(), source: Box::new(source) };
    let response = agent.get(url).call().map_err(request)?;
    let total = response.body().content_length();
    let mut body = response.into_body().into_reader();
    let write = |source| DownloadError::Write { path: dest.to_path_buf(), source };
    let mut out = BufWriter::new(File::create(dest).map_err(write)?);
    let mut buf = vec![0u8; 1 << 16];
    let mut got = 0u64;
    progress(0, total);
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(DownloadError::Interrupted { url: url.into(), got, expected: total }),
        };
        out.write_all(&buf[..n]).map_err(write)?;
        got += n as u64;
        progress(got, total);
    }
    out.flush().map_err(write)?;
    if total.is_some_and(|t| t != got) {
        return Err(DownloadError::Interrupted { url: url.into(), got, expected: total });
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;

    use super::*;

    /// Serves one request on 127.0.0.1 with `head` and `body`, then closes the connection.
    fn serve_once(head: String, body: Vec<u8>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/file.bin", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut req = [0u8; 4096];
            let _ = s.read(&mut req);
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(&body).unwrap();
        });
        url
    }

    #[test]
    fn a_body_is_written_with_progress_and_a_short_one_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("f");
        let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let url = serve_once(
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()),
            body.clone(),
        );
        let mut seen = Vec::new();
        let n = download(&url, &dest, Duration::from_secs(5), |got, total| seen.push((got, total))).unwrap();
        assert_eq!((n, std::fs::read(&dest).unwrap()), (body.len() as u64, body.clone()));
        assert_eq!(seen.first(), Some(&(0, Some(100_000))));
        assert_eq!(seen.last(), Some(&(100_000, Some(100_000))));

        let url = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 200000\r\nConnection: close\r\n\r\n".into(), body);
        let err = download(&url, &dest, Duration::from_secs(5), |_, _| {}).unwrap_err();
        assert!(matches!(err, DownloadError::Interrupted { expected: Some(200_000), .. }), "{err}");
        assert!(err.to_string().contains("of 200000; download it again"), "{err}");
    }

    #[test]
    fn a_refused_connection_and_an_error_status_are_request_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed again
        let url = format!("http://127.0.0.1:{port}/x");
        let err = download(&url, &tmp.path().join("f"), Duration::from_secs(5), |_, _| {}).unwrap_err();
        assert!(matches!(err, DownloadError::Request { .. }) && err.to_string().contains(&url), "{err}");
        let url = serve_once("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(), vec![]);
        let err = download(&url, &tmp.path().join("f"), Duration::from_secs(5), |_, _| {}).unwrap_err();
        assert!(matches!(err, DownloadError::Request { .. }) && err.to_string().contains("404"), "{err}");
    }
}
