//! Logs a run appends to as it goes (`loss.csv`, `metrics.csv`, `trials.csv`): lines are buffered
//! as they are produced and flushed to disk (written and synced) at every epoch end, at a stop and
//! at the end, so that a crash loses at most the lines of the current epoch — and those are in the
//! last checkpoint's history, from which a resumed run rewrites the log before appending again.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A CSV file written line by line.
#[derive(Debug)]
pub struct CsvLog {
    path: PathBuf,
    out: BufWriter<File>,
}

impl CsvLog {
    /// Creates (or truncates) `path` with `header` and the `rows` already recorded (a resumed
    /// run's history), and flushes them.
    pub fn create(path: &Path, header: &str, rows: impl IntoIterator<Item = String>) -> Result<Self> {
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut log = Self { path: path.to_path_buf(), out: BufWriter::new(file) };
        log.line(header)?;
        for row in rows {
            log.line(&row)?;
        }
        log.flush()?;
        Ok(log)
    }

    /// Appends one line (buffered).
    pub fn line(&mut self, line: &str) -> Result<()> {
        writeln!(self.out, "{line}").with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Writes the buffered lines and syncs the file.
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().and_then(|()| self.out.get_ref().sync_data()).with_context(|| {
            format!("cannot write {}: check the space and permissions of the run folder", self.path.display())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_reach_the_file_when_flushed() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("loss.csv");
        let mut log = CsvLog::create(&path, "iter,loss", ["0,2.3".to_string()]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "iter,loss\n0,2.3\n");
        log.line("1,2.2").unwrap();
        log.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "iter,loss\n0,2.3\n1,2.2\n");
    }
}
