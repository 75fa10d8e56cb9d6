//! `train fcnet --resume` end to end on real CIFAR-10: a run killed with SIGKILL, or stopped with
//! Ctrl-C (SIGINT), after its first epoch checkpoint and resumed ends with the same
//! `model.safetensors`, `loss.csv` and `metrics.csv` bytes as the same run left alone; a resume
//! with a changed flag is refused.
//! Skips, saying so, when CIFAR-10 is not installed (`cargo xtask fetch-cifar`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use handgrad_data::locate;

fn cifar() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    match locate::cifar10(&locate::datasets_dir(&root)) {
        Ok(dir) => Some(dir),
        Err(e) => {
            println!("SKIPPED (real data needed): {e}");
            None
        }
    }
}

/// Six epochs of a small two-layer net: long enough to be killed in the middle.
fn train_args(data: &Path, out: &Path) -> Vec<String> {
    let mut a: Vec<String> = ["train", "fcnet", "--hidden", "20", "--iters", "1470", "--quiet", "--data"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    a.push(data.display().to_string());
    a.push("--out".into());
    a.push(out.display().to_string());
    a
}

fn xtask(args: &[String]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).output().expect("xtask runs");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "a panic reached the user");
    out
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn state(dir: &Path) -> String {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    json["state"].as_str().expect("summary.json has a state").to_string()
}

fn bytes(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

/// Starts the run into `dir` and returns it once its first epoch checkpoint is written.
fn started(data: &Path, dir: &Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(train_args(data, dir))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !dir.join("last.safetensors").exists() {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before its first checkpoint");
        assert!(start.elapsed() < Duration::from_secs(600), "no checkpoint after 10 minutes");
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

/// Resumes `dir` and checks that it ends as `whole` did, byte for byte.
fn resume_matches(dir: &Path, whole: &Path) {
    let resume = ["train", "fcnet", "--resume", &dir.display().to_string(), "--quiet"].map(String::from);
    let out = xtask(&resume);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(state(dir), "finished");
    for file in ["model.safetensors", "loss.csv", "metrics.csv"] {
        assert!(bytes(whole, file) == bytes(dir, file), "{file} differs after the resume of {}", dir.display());
    }
    assert!(!dir.join("run.lock").exists(), "the lock is released at the end");
}

#[test]
fn killed_or_interrupted_run_resumes_byte_identical() {
    let Some(data) = cifar() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (whole, killed, stopped) = (tmp.path().join("whole"), tmp.path().join("killed"), tmp.path().join("stopped"));

    let out = xtask(&train_args(&data, &whole));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(state(&whole), "finished");

    // kill -9: nothing runs after it; the folder holds the last epoch checkpoint and a stale lock.
    let mut child = started(&data, &killed);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(state(&killed), "running", "killed mid-run, the summary still says running");
    assert!(!killed.join("model.safetensors").exists(), "killed before the end");

    let mut changed = vec!["train".to_string(), "fcnet".into(), "--resume".into(), killed.display().to_string()];
    changed.extend(["--lr".into(), "0.5".into(), "--quiet".into()]);
    let out = xtask(&changed);
    assert!(!out.status.success(), "a resume with another --lr must be refused");
    assert!(text(&out).contains("lr 0.001 (not 0.5)"), "the refusal names the change:\n{}", text(&out));
    resume_matches(&killed, &whole);

    // Ctrl-C: the run stops after the current iteration, saves itself, says how to resume, exits 130.
    let child = started(&data, &stopped);
    rustix::process::kill_process(rustix::process::Pid::from_child(&child), rustix::process::Signal::INT).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert_eq!(state(&stopped), "interrupted");
    assert!(!stopped.join("run.lock").exists(), "a clean stop releases the lock");
    resume_matches(&stopped, &whole);
}
