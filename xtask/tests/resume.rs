//! `train fcnet --resume` end to end on real CIFAR-10: a run killed with SIGKILL after its first
//! epoch checkpoint and resumed ends with the same `model.safetensors`, `loss.csv` and
//! `metrics.csv` bytes as the same run left alone; a resume with a changed flag is refused.
//! Skips, saying so, when CIFAR-10 is not installed (`cargo xtask fetch-cifar`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
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

#[test]
fn killed_and_resumed_run_ends_byte_identical() {
    let Some(data) = cifar() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (whole, killed) = (tmp.path().join("whole"), tmp.path().join("killed"));

    let out = xtask(&train_args(&data, &whole));
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(state(&whole), "finished");

    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(train_args(&data, &killed))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !killed.join("last.safetensors").exists() {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before its first checkpoint");
        assert!(start.elapsed() < Duration::from_secs(600), "no checkpoint after 10 minutes");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: nothing runs after it
    child.wait().unwrap();
    assert_eq!(state(&killed), "running", "killed mid-run, the summary still says running");
    assert!(!killed.join("model.safetensors").exists(), "killed before the end");

    let mut changed = vec!["train".to_string(), "fcnet".into(), "--resume".into(), killed.display().to_string()];
    changed.extend(["--lr".into(), "0.5".into(), "--quiet".into()]);
    let out = xtask(&changed);
    assert!(!out.status.success(), "a resume with another --lr must be refused");
    assert!(text(&out).contains("lr 0.001 (not 0.5)"), "the refusal names the change:\n{}", text(&out));

    let resume = ["train", "fcnet", "--resume", &killed.display().to_string(), "--quiet"].map(String::from);
    let out = xtask(&resume);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(state(&killed), "finished");
    for file in ["model.safetensors", "loss.csv", "metrics.csv"] {
        assert!(bytes(&whole, file) == bytes(&killed, file), "{file} differs after the resume");
    }
    assert!(!killed.join("run.lock").exists(), "the lock is released at the end");
}
