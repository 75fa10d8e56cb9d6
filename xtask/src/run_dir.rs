//! The one run-folder scheme of every command: `runs/<command>-<what>-<UTC YYYYMMDD-HHMMSS>-s<seed>`
//! (with `-2`, `-3`, … when the name is taken), and the `summary.json` + `summary.txt` pair every
//! run folder holds.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

/// File name of a run's checkpoint.
pub const CHECKPOINT: &str = "model.safetensors";

/// The run folder: `out` when given, else a fresh unique folder under `<root>/runs/` named after
/// the command (`kind`, e.g. `fcnet-two-layer`), the time and the seed. Created.
pub fn create(out: Option<&Path>, kind: &str, seed: u64) -> Result<PathBuf> {
    let dir = match out {
        Some(dir) => dir.to_path_buf(),
        None => unique(&crate::workspace_root().join("runs"), kind, seed),
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create the run folder {}: {e}; give --out a folder path you can write to",
            dir.display()
        )
    })?;
    Ok(dir)
}

/// `<runs>/<kind>-<UTC time>-s<seed>`, with a numeric suffix if that name is taken.
fn unique(runs: &Path, kind: &str, seed: u64) -> PathBuf {
    let base = format!("{kind}-{}-s{seed}", utc_stamp());
    let mut dir = runs.join(&base);
    let mut k = 2;
    while dir.exists() {
        dir = runs.join(format!("{base}-{k}"));
        k += 1;
    }
    dir
}

/// Writes `summary.json` (pretty JSON of `json`) and `summary.txt` (`text`) into `dir`.
pub fn write_summary(dir: &Path, json: &serde_json::Value, text: &str) -> Result<()> {
    let pretty = serde_json::to_string_pretty(json).expect("a JSON value serialises");
    std::fs::write(dir.join("summary.json"), pretty + "\n").context("writing summary.json")?;
    std::fs::write(dir.join("summary.txt"), text).context("writing summary.txt")
}

/// The command line of this process, for summaries.
pub fn command_line() -> String {
    std::env::args().skip(1).collect::<Vec<_>>().join(" ")
}

/// `YYYYMMDD-HHMMSS` in UTC (civil date from days since 1970, Howard Hinnant's algorithm).
pub fn utc_stamp() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}-{:02}{:02}{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_timestamped() {
        let tmp = tempfile::tempdir().unwrap();
        let a = unique(tmp.path(), "gplvm-rbf", 3);
        std::fs::create_dir_all(&a).unwrap();
        let b = unique(tmp.path(), "gplvm-rbf", 3);
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("gplvm-rbf-20") && name.ends_with("-s3"), "{name}");
        assert!(b.to_string_lossy().ends_with("-s3-2"), "{}", b.display());
        assert_eq!(utc_stamp().len(), 15);
    }

    #[test]
    fn summary_pair_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        write_summary(tmp.path(), &serde_json::json!({"val_acc": 0.5}), "val 0.5\n").unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap()).unwrap();
        assert_eq!(json["val_acc"], 0.5);
        assert_eq!(std::fs::read_to_string(tmp.path().join("summary.txt")).unwrap(), "val 0.5\n");
    }
}
