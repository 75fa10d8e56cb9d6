//! The one run-folder scheme of every command: `runs/<command>-<what>-<UTC YYYYMMDD-HHMMSS>-s<seed>`
//! (with `-2`, `-3`, … when the name is taken), the `summary.json` + `summary.txt` pair every run
//! folder holds, and the protection of a folder while a run writes it:
//!
//! - a default folder is new and claimed atomically (`create_dir`, so two runs started in the same
//!   second never share one);
//! - an explicit `--out` that already holds a run is refused unless `--overwrite` (which first
//!   removes the earlier run's files, so no folder mixes two runs) or `--resume` (which continues
//!   it) is given;
//! - a lock file [`LOCK`] holding the writer's process id stops a second process from writing the
//!   same folder (its message names the other process); a lock left by a killed process is taken
//!   over, saying so;
//! - taking the lock proves the folder writable, and the free space is checked against what the run
//!   will write — both before any training.
//!
//! Every file a run rewrites while it goes (`summary.json`, checkpoints, `report.html`) is written
//! atomically ([`write_atomic`]): a kill at any moment leaves the previous complete file.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

/// File name of a run's final checkpoint.
pub const CHECKPOINT: &str = "model.safetensors";
/// The checkpoint written at every epoch end, with the loop state: what `--resume` continues.
pub const LAST: &str = "last.safetensors";
/// The checkpoint of the best validation accuracy so far.
pub const BEST: &str = "best.safetensors";
/// The lock file of a folder being written.
pub const LOCK: &str = "run.lock";

/// Files that mark a folder as holding a run (any one of them).
const RUN_MARKERS: [&str; 5] = ["summary.json", CHECKPOINT, LAST, "loss.csv", "trials.csv"];

/// What to do with an explicit `--out` that already holds a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Refuse it (the default).
    Refuse,
    /// Remove the earlier run's files first (`--overwrite`).
    Overwrite,
    /// Continue it (`--resume`): it must hold a run.
    Resume,
}

/// A run folder this process writes; holds its lock until dropped.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
    lock: PathBuf,
}

impl RunDir {
    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `self.path().join(name)`.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

/// Ends the process with status 130 (stopped by Ctrl-C, the run saved), first removing the lock
/// this process holds on the run folder `dir` (`std::process::exit` runs no destructor, and a
/// cleanly stopped run should not look like a killed one).
pub fn exit_interrupted(dir: &Path) -> ! {
    let lock = dir.join(LOCK);
    let ours =
        std::fs::read_to_string(&lock).is_ok_and(|t| t.lines().next() == Some(std::process::id().to_string().as_str()));
    if ours {
        let _ = std::fs::remove_file(&lock);
    }
    std::process::exit(130)
}

impl Drop for RunDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.lock);
    }
}

/// Opens the run folder: `out` when given (refused, overwritten or resumed per `existing` when it
/// already holds a run), else a fresh unique folder under `<root>/runs/` named after the command
/// (`kind`, e.g. `fcnet-two-layer`), the time and the seed; locks it and checks that `expected_bytes`
/// fit on its file system.
///
/// # Errors
/// When the folder holds a run and `existing` is [`Existing::Refuse`], holds none and it is
/// [`Existing::Resume`], another live process holds its lock, it is not writable, or the space is
/// short — each saying what to do.
pub fn open(out: Option<&Path>, kind: &str, seed: u64, existing: Existing, expected_bytes: u64) -> Result<RunDir> {
    let path = match out {
        Some(dir) => prepare_explicit(dir, existing)?,
        None => claim_unique(&crate::workspace_root().join("runs"), kind, seed)?,
    };
    let lock = take_lock(&path)?;
    let dir = RunDir { path, lock };
    check_space(dir.path(), expected_bytes)?;
    if existing == Existing::Overwrite {
        remove_run_files(dir.path())?;
    }
    Ok(dir)
}

/// Whether `dir` holds (part of) a run.
pub fn holds_run(dir: &Path) -> bool {
    RUN_MARKERS.iter().any(|f| dir.join(f).exists())
}

fn prepare_explicit(dir: &Path, existing: Existing) -> Result<PathBuf> {
    if dir.exists() && !dir.is_dir() {
        bail!("--out {} is a file, not a folder: choose a folder for the run", dir.display());
    }
    match (holds_run(dir), existing) {
        (true, Existing::Refuse) => bail!(
            "{} already holds a run (its summary.json, checkpoint or logs): pass --overwrite to replace it, \
             --resume {} to continue it, or choose another --out",
            dir.display(),
            dir.display()
        ),
        (false, Existing::Resume) => bail!(
            "{} holds no run to resume (no summary.json, {LAST} or logs): give the folder of an interrupted run",
            dir.display()
        ),
        _ => {}
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create the run folder {}: {e}; give --out a folder path you can write to",
            dir.display()
        )
    })?;
    Ok(dir.to_path_buf())
}

/// `<runs>/<kind>-<UTC time>-s<seed>`, with a numeric suffix if that name is taken, created.
fn claim_unique(runs: &Path, kind: &str, seed: u64) -> Result<PathBuf> {
    std::fs::create_dir_all(runs)
        .with_context(|| format!("cannot create {}: make it writable or pass --out DIR", runs.display()))?;
    let base = format!("{kind}-{}-s{seed}", utc_stamp());
    for k in 1.. {
        let dir = if k == 1 { runs.join(&base) } else { runs.join(format!("{base}-{k}")) };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot create the run folder {}: make it writable or pass --out DIR", dir.display())
                });
            }
        }
    }
    unreachable!("some suffix is free")
}

/// Creates `dir/run.lock` holding this process's id and command line; a lock of a process that no
/// longer runs is taken over.
fn take_lock(dir: &Path) -> Result<PathBuf> {
    let lock = dir.join(LOCK);
    let content = format!("{}\n{}\n", std::process::id(), command_line());
    for attempt in 0..2 {
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&lock) {
            Ok(mut f) => {
                f.write_all(content.as_bytes())
                    .and_then(|()| f.sync_all())
                    .with_context(|| format!("cannot write {}: the run folder is not writable", lock.display()))?;
                return Ok(lock);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt == 0 => {
                let text = std::fs::read_to_string(&lock).unwrap_or_default();
                let pid: Option<u32> = text.lines().next().and_then(|l| l.trim().parse().ok());
                let cmd = text.lines().nth(1).unwrap_or("").to_string();
                if let Some(pid) = pid.filter(|&p| process_alive(p)) {
                    bail!(
                        "{} is being written by another process (pid {pid}: `{cmd}`); wait for it to finish, stop it, \
                         or choose another --out",
                        dir.display()
                    );
                }
                println!(
                    "note: {} was left by a process that no longer runs (pid {}); taking it over",
                    lock.display(),
                    pid.map_or("?".into(), |p| p.to_string())
                );
                std::fs::remove_file(&lock).with_context(|| format!("cannot remove the stale {}", lock.display()))?;
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot create {}: the run folder {} is not writable", lock.display(), dir.display())
                });
            }
        }
    }
    bail!("could not lock {}: another process took it at the same moment; try again", dir.display())
}

/// Whether process `pid` runs (Linux: `/proc/<pid>` exists and is not a zombie; elsewhere assumed).
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    if !proc.exists() {
        return true;
    }
    match std::fs::read_to_string(proc.join(pid.to_string()).join("stat")) {
        // The state follows the parenthesised command name: "pid (comm) S ...".
        Ok(stat) => stat.rsplit_once(')').is_none_or(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Fails when the file system of `dir` has less than `bytes` (plus 16 MiB) available.
fn check_space(dir: &Path, bytes: u64) -> Result<()> {
    let Ok(st) = rustix::fs::statvfs(dir) else { return Ok(()) };
    let free = st.f_bavail.saturating_mul(st.f_frsize);
    let need = bytes + (16 << 20);
    if free < need {
        bail!(
            "{} has {:.1} MB free, and the run writes about {:.1} MB: free some space or choose another --out",
            dir.display(),
            free as f64 / 1e6,
            need as f64 / 1e6
        );
    }
    Ok(())
}

/// Removes the files an earlier run left in `dir` (its known outputs, and tune's trial folders).
fn remove_run_files(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let ours = OUTPUT_EXTENSIONS.iter().any(|ext| name.ends_with(ext)) && name != LOCK;
        if path.is_dir() && (name.starts_with("trial-") || name == "best") {
            std::fs::remove_dir_all(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        } else if ours && path.is_file() {
            std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

/// What a run writes (removed by `--overwrite`).
const OUTPUT_EXTENSIONS: [&str; 7] = [".csv", ".svg", ".png", ".safetensors", ".json", ".txt", ".html"];

/// Writes `bytes` to `path` through a synced temporary file in the same folder, renamed over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| {
        format!("cannot write {}: check that the run folder is writable and has space", path.display())
    })
}

/// Writes `summary.json` (pretty JSON of `json`) and `summary.txt` (`text`) into `dir`, atomically.
pub fn write_summary(dir: &Path, json: &serde_json::Value, text: &str) -> Result<()> {
    let pretty = serde_json::to_string_pretty(json).expect("a JSON value serialises");
    write_atomic(&dir.join("summary.json"), (pretty + "\n").as_bytes())?;
    write_atomic(&dir.join("summary.txt"), text.as_bytes())
}

/// `summary.json` of `dir`, when it exists and parses.
pub fn read_summary(dir: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).ok()?).ok()
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
        let a = claim_unique(tmp.path(), "gplvm-rbf", 3).unwrap();
        let b = claim_unique(tmp.path(), "gplvm-rbf", 3).unwrap();
        assert_ne!(a, b);
        assert!(a.is_dir() && b.is_dir());
        let name = a.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("gplvm-rbf-20") && name.ends_with("-s3"), "{name}");
        assert!(b.to_string_lossy().ends_with("-s3-2"), "{}", b.display());
        assert_eq!(utc_stamp().len(), 15);
    }

    #[test]
    fn summary_pair_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        write_summary(tmp.path(), &serde_json::json!({"val_acc": 0.5}), "val 0.5\n").unwrap();
        assert_eq!(read_summary(tmp.path()).unwrap()["val_acc"], 0.5);
        assert_eq!(std::fs::read_to_string(tmp.path().join("summary.txt")).unwrap(), "val 0.5\n");
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().filter_map(|e| e.ok()).collect();
        assert_eq!(leftovers.len(), 2, "no temporary file is left behind");
    }

    #[test]
    fn an_explicit_folder_holding_a_run_is_refused_unless_overwrite_or_resume() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("run");
        // An empty or missing folder is fine; resuming it is not.
        let dir = open(Some(&out), "k", 0, Existing::Refuse, 0).unwrap();
        std::fs::write(dir.join("loss.csv"), "iter,loss\n").unwrap();
        std::fs::write(dir.join("notes.md"), "mine").unwrap();
        drop(dir);
        let err = open(Some(&out), "k", 0, Existing::Refuse, 0).unwrap_err().to_string();
        assert!(
            err.contains("already holds a run") && err.contains("--overwrite") && err.contains("--resume"),
            "{err}"
        );
        assert!(out.join("loss.csv").exists(), "a refused run touches nothing");
        let dir = open(Some(&out), "k", 0, Existing::Resume, 0).unwrap();
        assert!(dir.join("loss.csv").exists(), "resume keeps the files");
        drop(dir);
        let dir = open(Some(&out), "k", 0, Existing::Overwrite, 0).unwrap();
        assert!(!dir.join("loss.csv").exists(), "overwrite removes the earlier run's files");
        assert!(dir.join("notes.md").exists(), "files that are not a run's are kept");
        drop(dir);
        let fresh = tmp.path().join("fresh");
        let err = open(Some(&fresh), "k", 0, Existing::Resume, 0).unwrap_err().to_string();
        assert!(err.contains("holds no run to resume"), "{err}");
    }

    #[test]
    fn a_folder_is_locked_while_a_run_writes_it() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("run");
        let first = open(Some(&out), "k", 0, Existing::Refuse, 0).unwrap();
        let text = std::fs::read_to_string(first.join(LOCK)).unwrap();
        assert!(text.starts_with(&format!("{}\n", std::process::id())));
        // This process holds it: a second writer is refused, naming the process.
        let err = open(Some(&out), "k", 0, Existing::Refuse, 0).unwrap_err().to_string();
        assert!(err.contains("another process") && err.contains(&std::process::id().to_string()), "{err}");
        drop(first);
        assert!(!out.join(LOCK).exists(), "the lock goes with the run");
        // A lock left by a process that is gone (a kill -9) is taken over.
        std::fs::write(out.join(LOCK), "4194303\ncargo xtask train fcnet\n").unwrap();
        let again = open(Some(&out), "k", 0, Existing::Refuse, 0).unwrap();
        assert!(std::fs::read_to_string(again.join(LOCK)).unwrap().starts_with(&std::process::id().to_string()));
    }

    #[test]
    fn short_space_and_a_file_in_place_of_the_folder_are_refused_before_work() {
        let tmp = tempfile::tempdir().unwrap();
        let err = open(Some(&tmp.path().join("r")), "k", 0, Existing::Refuse, u64::MAX / 4).unwrap_err().to_string();
        assert!(err.contains("MB free") && err.contains("free some space"), "{err}");
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let err = open(Some(&file), "k", 0, Existing::Refuse, 0).unwrap_err().to_string();
        assert!(err.contains("is a file"), "{err}");
    }
}
