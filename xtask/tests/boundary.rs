//! Every command with boundary values — 0, 1, negative, NaN, ∞, huge, an empty file, one row, a
//! folder in place of a file, an unwritable output — run as the built `xtask` binary. Each case
//! must end in success or in a typed error: exit status 1 (check-gradient: 2), one `error: …` line
//! in plain words (no "Caused by", no backtrace, although `RUST_BACKTRACE=1` is set as on these
//! machines), never a panic (101) or an abort (134); and no byte of an existing install or run may
//! change.
//!
//! Each group works on its own datasets folder whose files are hard links to (or, across file
//! systems, symbolic links to) the real install found through `handgrad_data::locate`; a case
//! that damages a file gets a private copy of it. Cases that need the real data skip, saying so,
//! when it is not installed (`cargo xtask ci` installs it first). Training cases are one or a few
//! iterations, so the suite runs in well under two minutes.
//!
//! `BOUNDARY_XTASK=/path/to/xtask cargo test -p xtask --test boundary` runs the cases against
//! another build (an older one, to see which of them it fails).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use handgrad_data::locate;

/// The real datasets folder (as every test finds it).
fn real_datasets() -> PathBuf {
    locate::datasets_dir(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap())
}

/// A group's world: its datasets folder and scratch space.
struct World {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    datasets: PathBuf,
    cifar: bool,
    oil: bool,
}

impl World {
    /// A scratch folder with a datasets folder linking to the real installs that exist.
    fn new() -> Self {
        let tmp = tempfile::Builder::new().prefix("boundary-").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
        let dir = tmp.path().to_path_buf();
        let datasets = dir.join("datasets");
        fs::create_dir(&datasets).unwrap();
        let real = real_datasets();
        let cifar = locate::cifar10(&real).is_ok_and(|d| link_tree(&d, &datasets.join(locate::CIFAR10_DIR)));
        let oil = locate::oil(&real).is_ok_and(|d| link_tree(&d, &datasets.join("oil")));
        if !cifar || !oil {
            println!(
                "note: no verified install of {} under {}: the cases that need it are skipped (`cargo xtask fetch-cifar`, `cargo xtask fetch-oil` install it)",
                if cifar { "oil" } else { "CIFAR-10" },
                real.display()
            );
        }
        Self { _tmp: tmp, dir, datasets, cifar, oil }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn cifar_dir(&self) -> PathBuf {
        self.datasets.join(locate::CIFAR10_DIR)
    }

    fn oil_dir(&self) -> PathBuf {
        self.datasets.join("oil")
    }

    /// Runs `xtask ARGS` in this world.
    fn run(&self, args: &[&str]) -> Out {
        let out = Command::new(xtask())
            .args(args)
            .env(locate::DATASETS_ENV, &self.datasets)
            .env("RUST_BACKTRACE", "1")
            .env_remove("HANDGRAD_BACKTRACE")
            .current_dir(&self.dir)
            .output()
            .expect("xtask runs");
        let (stdout, stderr) =
            (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
        let shown = format!("xtask {}\nstdout:\n{stdout}\nstderr:\n{stderr}", args.join(" "));
        let code = out.status.code().unwrap_or_else(|| panic!("killed by a signal (an abort?): {shown}"));
        assert!(
            !stderr.contains("panicked") && !stderr.contains("internal error"),
            "a panic reached the user: {shown}"
        );
        assert!(code != 101 && code != 134, "exit status {code}: {shown}");
        assert!(
            !stderr.to_lowercase().contains("stack backtrace") && !stderr.contains("Caused by"),
            "not plain: {shown}"
        );
        Out { code, stdout, stderr, shown }
    }

    /// `xtask ARGS` must succeed.
    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, 0, "{}", out.shown);
        out
    }

    /// `xtask ARGS` must fail with status 1 and one `error:` line holding every fragment.
    fn fails(&self, args: &[&str], fragments: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, 1, "{}", out.shown);
        let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("error")).collect();
        assert_eq!(errors.len(), 1, "one error line: {}", out.shown);
        for f in fragments {
            assert!(errors[0].contains(f), "the error should say {f:?}: {}", out.shown);
        }
        out
    }
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
    shown: String,
}

/// The binary under test: `$BOUNDARY_XTASK`, or this build's.
fn xtask() -> PathBuf {
    std::env::var_os("BOUNDARY_XTASK").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_xtask")), PathBuf::from)
}

/// Links every file of `src` into a new folder `dst` (hard links, else symbolic links).
fn link_tree(src: &Path, dst: &Path) -> bool {
    fs::create_dir_all(dst).unwrap();
    for e in fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if fs::hard_link(e.path(), &to).is_err() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(e.path(), &to).unwrap();
        }
    }
    true
}

/// Every file under `dir`: size, modification time, and for files under 1 MB their bytes.
type Snapshot = BTreeMap<PathBuf, (u64, SystemTime, Option<Vec<u8>>)>;

fn snapshot(dir: &Path) -> Snapshot {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = fs::metadata(&p).unwrap();
            if m.is_dir() {
                stack.push(p);
            } else {
                let small = (m.len() < 1 << 20).then(|| fs::read(&p).unwrap());
                out.insert(p, (m.len(), m.modified().unwrap(), small));
            }
        }
    }
    out
}

/// A copy of `file` under the same name that no longer shares its bytes with the real install.
fn unlink_copy(file: &Path) {
    let bytes = fs::read(file).unwrap();
    fs::remove_file(file).unwrap();
    fs::write(file, bytes).unwrap();
}

/// Flag values no numeric flag may accept.
const NOT_POSITIVE: [&str; 6] = ["0", "-1", "NaN", "inf", "1e999", "abc"];

#[test]
fn train_fcnet_flags() {
    let w = World::new();
    let before = snapshot(&w.datasets);
    fn t<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        [&["train", "fcnet"][..], extra].concat()
    }
    for v in NOT_POSITIVE {
        w.fails(&t(&["--lr", v]), &["--lr"]);
        w.fails(&t(&["--weight-scale", v]), &["--weight-scale"]);
        w.fails(&t(&["--epochs", v]), &["--epochs"]);
    }
    w.fails(&t(&["--lr", "-1"]), &["'-1'", "must be a finite number > 0"]);
    for v in ["0", "-0.5", "1.5", "NaN"] {
        w.fails(&t(&["--lr-decay", v]), &["--lr-decay", "must be in (0, 1]"]);
    }
    for v in ["-1", "NaN", "inf"] {
        w.fails(&t(&["--reg", v]), &["--reg", "must be a finite number ≥ 0"]);
    }
    for v in ["0", "-1", "2.5"] {
        w.fails(&t(&["--batch-size", v]), &["--batch-size"]);
        w.fails(&t(&["--iters", v]), &["--iters"]);
        w.fails(&t(&["--threads", v]), &["--threads"]);
    }
    w.fails(&t(&["--batch-size", "49001"]), &["--batch-size 49001: must be in 1..=49000"]);
    w.fails(&t(&["--batch-size", "100000000"]), &["--batch-size 100000000"]);
    w.fails(&t(&["--iters", "10000001"]), &["must be in 1..=10000000"]);
    w.fails(&t(&["--iters", "1e20"]), &["must be in 1..=10000000"]);
    w.fails(&t(&["--threads", "257"]), &["must be in 1..=256"]);
    w.fails(&t(&["--epochs", "0.0001"]), &["less than one iteration"]);
    w.fails(&t(&["--epochs", "1e300"]), &["more than the limit of 10000000"]);
    for v in ["1", "-0.1", "NaN"] {
        w.fails(&t(&["--model", "fc", "--dropout", v]), &["--dropout", "must be in [0, 1)"]);
    }
    w.fails(&t(&["--dropout", "0.5"]), &["the two-layer net", "--model fc"]);
    w.fails(&t(&["--batchnorm"]), &["the two-layer net", "--model fc"]);
    w.fails(&t(&["--hidden", "100,100"]), &["the two-layer net"]);
    w.fails(&t(&["--update", "adam"]), &["the two-layer net"]);
    for v in ["0", "16385", "abc", "", "100,0", "-3"] {
        w.fails(&t(&["--model", "fc", "--hidden", v]), &["--hidden"]);
    }
    w.fails(&t(&["--model", "fc", "--hidden", "16384,16384"]), &["more than the limit of 50000000"]);
    w.fails(&t(&["--model", "fc", "--hidden", "8000", "--batch-size", "40000"]), &["use a smaller batch size"]);
    for (flag, v) in [("--model", "resnet"), ("--update", "lbfgs"), ("--layout", "nhwc"), ("--dtype", "f16")] {
        w.fails(&t(&[flag, v]), &[flag]);
    }
    w.fails(&t(&["--seed", "-1"]), &["--seed"]);
    w.fails(&t(&["--iters", "1", "--epochs", "1"]), &["cannot be used with"]);
    // --data exactly as given: every kind of wrong path fails, naming it, before any training.
    fs::create_dir(w.path("empty-dir")).unwrap();
    fs::write(w.path("empty.tar.gz"), b"").unwrap();
    let nodir = w.path("no/such/folder");
    for (data, says) in [
        (nodir.to_str().unwrap(), "no such file or folder"),
        ("/dev/null", "not a regular file or folder"),
        (w.path("empty-dir").to_str().unwrap(), "data_batch_1.bin is missing"),
        (w.path("empty.tar.gz").to_str().unwrap(), "truncated or corrupt"),
    ] {
        let out = w.fails(&t(&["--iters", "1", "--data", data]), &["--data", says]);
        assert!(!out.stdout.contains("training"), "nothing trains: {}", out.shown);
    }
    assert_eq!(snapshot(&w.datasets), before, "no byte of the install changed");
}

#[test]
fn train_fcnet_runs_checkpoints_and_divergence() {
    let w = World::new();
    let before = snapshot(&w.datasets);
    // Checkpoints that are wrong in every way are refused before any data is read.
    let bad = checkpoints(&w);
    for (file, says) in &bad {
        w.fails(&["train", "fcnet", "--eval-checkpoint", file.to_str().unwrap()], &[says]);
    }
    for flag in [["--model", "fc"], ["--dtype", "f64"], ["--lr", "0.1"], ["--layout", "chw"], ["--seed", "3"]] {
        let args = ["train", "fcnet", "--eval-checkpoint", bad[0].0.to_str().unwrap(), flag[0], flag[1]];
        w.fails(&args, &["cannot be used with"]);
    }
    if !w.cifar {
        return println!("SKIPPED: the train fcnet runs (no CIFAR-10 installed)");
    }
    // A folder in place of a batch file, for --data read in place.
    let copy = w.path("copy");
    link_tree(&w.cifar_dir(), &copy);
    fs::remove_file(copy.join("data_batch_4.bin")).unwrap();
    fs::create_dir(copy.join("data_batch_4.bin")).unwrap();
    w.fails(&["train", "fcnet", "--data", copy.to_str().unwrap()], &["data_batch_4.bin is a folder, not a file"]);
    // A run, its checkpoint evaluated, and the run folder untouched by later failing runs.
    let run = w.path("run");
    let out = w.ok(&["train", "fcnet", "--iters", "2", "--hidden", "20", "--quiet", "--out", run.to_str().unwrap()]);
    assert!(out.stdout.contains("run folder:"), "{}", out.shown);
    let ckpt = run.join("model.safetensors");
    let out = w.ok(&["train", "fcnet", "--eval-checkpoint", ckpt.to_str().unwrap()]);
    assert!(out.stdout.contains("identical to the reported accuracy"), "{}", out.shown);
    let run_before = snapshot(&run);
    // Adam at lr 1e9: a finite loss of about 1e34; the run stops at iteration 1 and says so.
    let diverged = w.path("diverged");
    let out = w.fails(
        &[
            "train",
            "fcnet",
            "--model",
            "fc",
            "--lr",
            "1e9",
            "--iters",
            "50",
            "--quiet",
            "--out",
            diverged.to_str().unwrap(),
        ],
        &["training diverged at iteration 1 with learning rate 1e9", "more than 1e6 × the first iteration's"],
    );
    assert!(!out.stdout.contains("validation accuracy:"), "no summary of a diverged run: {}", out.shown);
    // Failing runs aimed at the earlier run's folder leave it as it was.
    w.fails(&["train", "fcnet", "--lr", "-1", "--out", run.to_str().unwrap()], &["--lr"]);
    w.fails(
        &["train", "fcnet", "--model", "fc", "--lr", "1e9", "--iters", "50", "--quiet", "--out", run.to_str().unwrap()],
        &[],
    );
    assert_eq!(snapshot(&run), run_before, "no byte of the earlier run changed");
    // An output under a file cannot be created: said before training.
    fs::write(w.path("a-file"), b"x").unwrap();
    let under = w.path("a-file/run");
    let out = w.fails(&["train", "fcnet", "--iters", "1", "--out", under.to_str().unwrap()], &["run folder", "a-file"]);
    assert!(!out.stdout.contains("validation accuracy"), "{}", out.shown);
    assert_eq!(snapshot(&w.datasets), before, "no byte of the install changed");
}

/// Checkpoint files, each wrong in one way, and what the error must say about it.
fn checkpoints(w: &World) -> Vec<(PathBuf, &'static str)> {
    use handgrad_fcnet::checkpoint;
    use handgrad_fcnet::{FcConfig, FullyConnectedNet};
    let config = FcConfig {
        input_dim: 3072,
        hidden: vec![4],
        num_classes: 10,
        weight_scale: 0.01,
        reg: 0.0,
        dropout: 0.0,
        batchnorm: false,
    };
    let mut net = FullyConnectedNet::<f32>::new(&config, &mut handgrad_tensor::init::rng_from_seed(0));
    let meta = |k: &str, v: &str| (k.to_string(), v.to_string());
    let extra: BTreeMap<String, String> = [
        meta("val_acc", "0.1"),
        meta("layout", "chw"),
        meta("train_rows", "49000"),
        meta("val_rows", "1000"),
        meta("seed", "0"),
    ]
    .into();
    let save =
        |name: &str, net: &FullyConnectedNet<f32>, config: &str, model: &str, extra: &BTreeMap<String, String>| {
            let path = w.path(name);
            let named = net.named_tensors();
            let refs: Vec<(&str, &handgrad_tensor::Matrix<f32>)> =
                named.iter().map(|(n, m)| (n.as_str(), *m)).collect();
            checkpoint::save(&path, model, config, &refs, extra).unwrap();
            path
        };
    let json = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = serde_json::to_value(&config).unwrap();
        edit(&mut v);
        v.to_string()
    };
    let good = json(&|_| {});
    let mut out = vec![
        (
            save("dropout1.safetensors", &net, &json(&|c| c["dropout"] = 1.0.into()), "fc", &extra),
            "dropout 1 is not in [0, 1)",
        ),
        (
            save("zero.safetensors", &net, &json(&|c| c["hidden"] = serde_json::json!([0])), "fc", &extra),
            "a hidden layer of 0 units",
        ),
        (
            save(
                "huge.safetensors",
                &net,
                &json(&|c| c["hidden"] = serde_json::json!([100_000_000_000u64, 100])),
                "fc",
                &extra,
            ),
            "a hidden layer of 100000000000 units",
        ),
        (save("resnet.safetensors", &net, &good, "resnet", &extra), "metadata 'model' is 'resnet'"),
    ];
    let mut bad_meta = extra.clone();
    bad_meta.insert("val_rows".into(), "abc".into());
    out.push((save("meta.safetensors", &net, &good, "fc", &bad_meta), "metadata 'val_rows' is 'abc'"));
    bad_meta.insert("val_rows".into(), "60000".into());
    out.push((save("split.safetensors", &net, &good, "fc", &bad_meta), "do not split the 50000 training images"));
    net.params.output.w.set(1, 2, f32::NAN);
    out.push((save("nan.safetensors", &net, &good, "fc", &extra), "tensor 'W2' holds NaN at element 12"));
    let valid = w.path("dropout1.safetensors");
    let bytes = fs::read(&valid).unwrap();
    fs::write(w.path("truncated.safetensors"), &bytes[..bytes.len() / 2]).unwrap();
    out.push((w.path("truncated.safetensors"), "not a valid safetensors file"));
    fs::write(w.path("empty.safetensors"), b"").unwrap();
    out.push((w.path("empty.safetensors"), "not a valid safetensors file"));
    fs::create_dir(w.path("folder.safetensors")).unwrap();
    out.push((w.path("folder.safetensors"), "cannot read checkpoint"));
    out.push((w.path("missing.safetensors"), "cannot read checkpoint"));
    out.push((PathBuf::from("/dev/null"), "not a valid safetensors file"));
    out
}

#[test]
fn train_autoencoder_flags_and_data() {
    let w = World::new();
    let before = snapshot(&w.datasets);
    fn t<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        [&["train", "autoencoder", "--dataset", "oil", "--quiet"][..], extra].concat()
    }
    for v in NOT_POSITIVE {
        w.fails(&t(&["--lr", v]), &["--lr"]);
        w.fails(&t(&["--weight-scale", v]), &["--weight-scale"]);
        w.fails(&t(&["--target-gap", v]), &["--target-gap"]);
    }
    for v in ["0", "-1", "1.5"] {
        w.fails(&t(&["--lr-decay", v]), &["--lr-decay"]);
    }
    for flag in ["--m", "--batch-size", "--iters", "--decay-every", "--eval-every", "--threads"] {
        for v in ["0", "-1", "abc"] {
            w.fails(&t(&[flag, v]), &[flag]);
        }
    }
    w.fails(&t(&["--polish", "-1"]), &["--polish"]);
    w.fails(&t(&["--polish", "5", "--activation", "tanh"]), &["--polish applies to the linear model only"]);
    for v in ["0", "1", "50001"] {
        w.fails(&["train", "autoencoder", "--n-images", v], &["--n-images", "must be in 2..=50000"]);
    }
    w.fails(&t(&["--activation", "softplus"]), &["--activation"]);
    w.fails(&t(&["--dataset", "mnist"]), &["--dataset"]);
    w.fails(&t(&["--data", "/nope"]), &["--data /nope: no such file or folder"]);
    w.fails(&t(&["--data", "/dev/null"]), &["--data /dev/null"]);
    fs::create_dir(w.path("empty")).unwrap();
    w.fails(&t(&["--data", w.path("empty").to_str().unwrap()]), &["DataTrn.txt is missing"]);
    if !w.oil {
        return println!("SKIPPED: the autoencoder runs (no oil-flow data installed)");
    }
    // One row, no labels file, all rows equal, an empty file.
    let oil = fs::read_to_string(w.oil_dir().join("DataTrn.txt")).unwrap();
    let labels = fs::read_to_string(w.oil_dir().join("DataTrnLbls.txt")).unwrap();
    let folder = |name: &str, data: &str, labels: Option<&str>| {
        let d = w.path(name);
        fs::create_dir(&d).unwrap();
        fs::write(d.join("DataTrn.txt"), data).unwrap();
        if let Some(l) = labels {
            fs::write(d.join("DataTrnLbls.txt"), l).unwrap();
        }
        d.to_str().unwrap().to_string()
    };
    let first = oil.lines().next().unwrap();
    let one_row = folder("one-row", &format!("{first}\n"), Some(labels.lines().next().unwrap()));
    let no_labels = folder("no-labels", &oil, None);
    let equal = folder("equal", &format!("{first}\n").repeat(1000), Some(&labels));
    let empty = folder("empty-file", "", Some(&labels));
    w.fails(&t(&["--data", &one_row]), &["1 data rows"]);
    w.fails(&t(&["--data", &no_labels]), &["DataTrnLbls.txt is missing"]);
    w.fails(&t(&["--data", &equal]), &["all 1000 rows of DataTrn.txt are equal"]);
    w.fails(&t(&["--data", &empty]), &["DataTrn.txt"]);
    // Bounds that depend on the data.
    w.fails(&t(&["--batch-size", "1001"]), &["--batch-size 1001: the data has 1000 rows"]);
    w.fails(&t(&["--m", "12"]), &["--m 12", "has rank 12", "use --m 11 or less"]);
    // Runs: the linear model to its target, the nonlinear one, and a divergence.
    let run = w.path("ae-run");
    let out = w.ok(&t(&["--iters", "200", "--polish", "20", "--stop-at-target", "--out", run.to_str().unwrap()]));
    assert!(out.stdout.contains("reached (L − L*)/L* ≤ 0.01"), "{}", out.shown);
    w.ok(&t(&[
        "--activation",
        "tanh",
        "--iters",
        "3",
        "--batch-size",
        "1000",
        "--out",
        w.path("ae-tanh").to_str().unwrap(),
    ]));
    let run_before = snapshot(&run);
    w.fails(
        &t(&["--update", "sgd", "--lr", "1e6", "--iters", "50", "--out", w.path("ae-diverged").to_str().unwrap()]),
        &["training diverged at iteration", "learning rate 1e6"],
    );
    // A run aimed at the earlier run's folder is refused before it starts (issue 15's protection).
    w.fails(
        &t(&["--update", "sgd", "--lr", "1e6", "--iters", "50", "--out", run.to_str().unwrap()]),
        &["already holds a run", "--overwrite"],
    );
    assert_eq!(snapshot(&run), run_before, "no byte of the earlier run changed");
    assert_eq!(snapshot(&w.datasets), before, "no byte of the install changed");
}

#[test]
fn train_gplvm_flags_and_data() {
    let w = World::new();
    let before = snapshot(&w.datasets);
    fn t<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        [&["train", "gplvm", "--quiet"][..], extra].concat()
    }
    for v in ["0", "-1", "abc"] {
        w.fails(&t(&["--latent-dim", v]), &["--latent-dim"]);
        w.fails(&t(&["--max-evals", v]), &["--max-evals"]);
        w.fails(&t(&["--threads", v]), &["--threads"]);
    }
    w.fails(&t(&["--max-evals", "1000001"]), &["must be in 1..=1000000"]);
    for v in NOT_POSITIVE {
        w.fails(&t(&["--init-noise-variance", v]), &["--init-noise-variance"]);
    }
    for v in ["-1", "NaN", "inf"] {
        w.fails(&t(&["--gtol", v]), &["--gtol"]);
    }
    for v in ["0", "-1", "abc"] {
        w.fails(&t(&["--sparse", v]), &["--sparse"]);
    }
    w.fails(&t(&["--sparse", "10", "--kernel", "linear"]), &["--sparse needs --kernel rbf"]);
    for v in ["0", "101", "abc"] {
        w.fails(&t(&["--restarts", v]), &["--restarts"]);
    }
    for v in ["0", "-1"] {
        w.fails(&t(&["--rows", v]), &["--rows"]);
        w.fails(&t(&["--pca-dims", v]), &["--pca-dims"]);
    }
    w.fails(&t(&["--dataset", "mnist"]), &["--dataset"]);
    w.fails(&["gplvm", "project", "--model", "/nope.safetensors"], &["cannot read model file /nope.safetensors"]);
    w.fails(&t(&["--log-every", "-1"]), &["--log-every"]);
    for (flag, v) in [("--kernel", "matern"), ("--init", "zeros"), ("--preprocess", "whiten")] {
        w.fails(&t(&[flag, v]), &[flag]);
    }
    w.fails(&t(&["--data", "/nope"]), &["--data /nope: no such file or folder"]);
    if !w.oil {
        return println!("SKIPPED: the gplvm runs (no oil-flow data installed)");
    }
    w.fails(&t(&["--latent-dim", "13"]), &["--latent-dim 13", "has rank 12"]);
    w.fails(&t(&["--sparse", "1001"]), &["--sparse 1001", "between 1 and the 1000 data points"]);
    let sparse = w.path("gp-sparse");
    let out = w.ok(&t(&["--sparse", "20", "--max-evals", "3", "--out", sparse.to_str().unwrap()]));
    assert!(out.stdout.contains("sparse GP-LVM") && out.stdout.contains("Gaussian_noise.variance"), "{}", out.shown);
    assert!(sparse.join("model.safetensors").is_file(), "the fitted model is saved: {}", out.shown);
    let model = sparse.join("model.safetensors");
    let model = model.to_str().unwrap();
    w.fails(&t(&["--rows", "1"]), &["--rows 1", "pick 2..=1000"]);
    w.fails(&t(&["--init-from", model, "--rows", "500"]), &["--init-from", "1000 latent points", "500 rows"]);
    w.fails(&t(&["--init-from", model, "--kernel", "linear"]), &["--init-from needs --kernel rbf"]);
    let again = w.path("gp-again");
    let out = w.ok(&t(&[
        "--sparse",
        "20",
        "--init-from",
        model,
        "--restarts",
        "2",
        "--max-evals",
        "2",
        "--out",
        again.to_str().unwrap(),
    ]));
    assert!(out.stdout.contains("restart 1:") && out.stdout.contains("restart 2:"), "{}", out.shown);
    let projected = w.path("gp-projected");
    let oil = w.oil_dir();
    let out = w.ok(&[
        "gplvm",
        "project",
        "--model",
        model,
        "--data",
        oil.to_str().unwrap(),
        "--out",
        projected.to_str().unwrap(),
    ]);
    assert!(out.stdout.contains("1-NN classification errors"), "{}", out.shown);
    assert!(projected.join("projected.csv").is_file() && projected.join("projected.svg").is_file(), "{}", out.shown);
    let equal = w.path("equal");
    fs::create_dir(&equal).unwrap();
    let oil = fs::read_to_string(w.oil_dir().join("DataTrn.txt")).unwrap();
    fs::write(equal.join("DataTrn.txt"), format!("{}\n", oil.lines().next().unwrap()).repeat(1000)).unwrap();
    fs::copy(w.oil_dir().join("DataTrnLbls.txt"), equal.join("DataTrnLbls.txt")).unwrap();
    w.fails(&t(&["--data", equal.to_str().unwrap()]), &["are equal: there is nothing to embed"]);
    let out = w.ok(&t(&["--max-evals", "2", "--out", w.path("gp").to_str().unwrap()]));
    assert!(out.stdout.contains("LOO 1-NN errors"), "{}", out.shown);
    w.ok(&t(&[
        "--kernel",
        "linear",
        "--init",
        "random",
        "--max-evals",
        "2",
        "--log-every",
        "0",
        "--out",
        w.path("gp-lin").to_str().unwrap(),
    ]));
    // A plot that cannot be written: plain words, the file named.
    let blocked = w.path("gp-blocked");
    fs::create_dir_all(blocked.join("latent.svg")).unwrap();
    w.fails(
        &t(&["--max-evals", "1", "--out", blocked.to_str().unwrap()]),
        &["cannot write", "latent.svg", "Is a directory"],
    );
    assert_eq!(snapshot(&w.datasets), before, "no byte of the install changed");
}

#[test]
fn tune_fcnet_flags() {
    let w = World::new();
    let before = snapshot(&w.datasets);
    fn t<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        [&["tune", "fcnet"][..], extra].concat()
    }
    for v in ["0", "-1", "NaN", "inf"] {
        w.fails(&t(&["--lr", v]), &["--lr"]);
        w.fails(&t(&["--epochs", v]), &["--epochs"]);
        w.fails(&t(&["--budget-minutes", v]), &["--budget-minutes"]);
        w.fails(&t(&["--weight-scale", v]), &["--weight-scale"]);
    }
    w.fails(&t(&["--lr", "1e-3,0"]), &["--lr"]);
    w.fails(&t(&["--reg", "-1"]), &["--reg"]);
    w.fails(&t(&["--reg", "0,0.5"]), &["random search draws reg log-uniformly", "--search grid"]);
    w.fails(&t(&["--lr-decay", "0"]), &["--lr-decay"]);
    w.fails(&t(&["--model", "fc", "--dropout", "1"]), &["--dropout"]);
    w.fails(&t(&["--batchnorm"]), &["the two-layer net"]);
    for v in ["0", "-1"] {
        w.fails(&t(&["--trials", v]), &["--trials"]);
        w.fails(&t(&["--batch-size", v]), &["--batch-size"]);
        w.fails(&t(&["--threads", v]), &["--threads"]);
    }
    w.fails(&t(&["--trials", "10001"]), &["must be in 1..=10000"]);
    w.fails(&t(&["--batch-size", "49001"]), &["--batch-size 49001"]);
    w.fails(&t(&["--hidden", "0"]), &["--hidden"]);
    w.fails(&t(&["--epochs", "0.001"]), &["less than one iteration"]);
    let ten = "1,2,3,4,5,6,7,8,9,10";
    w.fails(
        &t(&[
            "--search",
            "grid",
            "--lr",
            ten,
            "--reg",
            ten,
            "--epochs",
            ten,
            "--lr-decay",
            "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1",
        ]),
        &["more than 10000 combinations"],
    );
    for (flag, v) in [("--model", "resnet"), ("--search", "bayes"), ("--update", "lbfgs"), ("--layout", "nhwc")] {
        w.fails(&t(&[flag, v]), &[flag]);
    }
    w.fails(&t(&["--data", "/nope"]), &["--data /nope: no such file or folder"]);
    if !w.cifar {
        return println!("SKIPPED: the tune run (no CIFAR-10 installed)");
    }
    fs::write(w.path("a-file"), b"x").unwrap();
    w.fails(
        &t(&["--trials", "1", "--epochs", "0.01", "--out", w.path("a-file/t").to_str().unwrap()]),
        &["cannot create the run folder"],
    );
    let out =
        w.ok(&t(&["--trials", "1", "--epochs", "0.01", "--hidden", "10", "--out", w.path("tune").to_str().unwrap()]));
    assert!(out.stdout.contains("best:"), "{}", out.shown);
    assert_eq!(snapshot(&w.datasets), before, "no byte of the install changed");
}

#[test]
fn fetch_commands() {
    let w = World::new();
    let before = snapshot(&w.datasets);
    for cmd in ["fetch-cifar", "fetch-oil"] {
        w.fails(&[cmd, "--from", "/nope"], &["--from /nope: no such file or folder"]);
        w.fails(&[cmd, "--timeout", "0"], &["--timeout"]);
        w.fails(&[cmd, "--verify", "--force"], &["cannot be used with"]);
    }
    fs::write(w.path("empty.tar.gz"), b"").unwrap();
    w.fails(&["fetch-cifar", "--from", "/dev/null"], &["not a regular file or folder"]);
    w.fails(&["fetch-oil", "--from", w.path("empty.tar.gz").to_str().unwrap()], &["a file; give the folder"]);
    if !w.cifar || !w.oil {
        return println!("SKIPPED: the fetch cases on an install (none here)");
    }
    w.fails(&["fetch-cifar", "--from", w.path("empty.tar.gz").to_str().unwrap()], &["truncated or corrupt"]);
    let out = w.ok(&["fetch-cifar"]);
    assert!(out.stdout.contains("--verify also checks every file's SHA-256, --force reinstalls"), "{}", out.shown);
    w.ok(&["fetch-cifar", "--verify"]);
    w.ok(&["fetch-oil", "--verify"]);
    let out = w.ok(&["fetch-oil", "--from", w.oil_dir().to_str().unwrap()]);
    assert!(out.stdout.contains("same SHA-256s); nothing to do"), "{}", out.shown);
    assert_eq!(snapshot(&w.datasets), before, "no byte of the install changed");

    // A label byte damaged in the installed copy: training names the file and the repair, and
    // the repair (--force) works.
    let batch = w.cifar_dir().join("data_batch_3.bin");
    unlink_copy(&batch);
    let mut bytes = fs::read(&batch).unwrap();
    bytes[5 * 3073] = 12;
    fs::write(&batch, bytes).unwrap();
    w.fails(
        &["train", "fcnet", "--iters", "1"],
        &["the installed CIFAR-10 data", "is damaged (data_batch_3.bin", "cargo xtask fetch-cifar --force", "label 12"],
    );
    w.fails(&["fetch-cifar", "--verify"], &["data_batch_3.bin (its SHA-256 differs", "fetch-cifar --force"]);
    // The same for the oil-flow data: a digit turned into a letter, the size unchanged.
    let data = w.oil_dir().join("DataTrn.txt");
    unlink_copy(&data);
    let text = fs::read_to_string(&data).unwrap();
    let at = text.find(|c: char| c.is_ascii_digit()).unwrap();
    fs::write(&data, format!("{}x{}", &text[..at], &text[at + 1..])).unwrap();
    w.fails(
        &["train", "gplvm", "--quiet", "--max-evals", "1"],
        &["the installed oil-flow data", "is damaged (DataTrn.txt", "cargo xtask fetch-oil --force", "line 1"],
    );
    let dev_oil = w.path("dev-oil");
    link_tree(&real_datasets().join("oil"), &dev_oil);
    fs::remove_file(dev_oil.join("handgrad-manifest.txt")).unwrap();
    w.ok(&["fetch-oil", "--force", "--from", dev_oil.to_str().unwrap()]);
    w.ok(&["fetch-oil", "--verify"]);
    let Some(dev) = dev_archive() else { return println!("SKIPPED: the CIFAR-10 repair (no development archive)") };
    let out = w.ok(&["fetch-cifar", "--force", "--from", dev.to_str().unwrap()]);
    assert!(out.stdout.contains("installed CIFAR-10 from --from"), "{}", out.shown);
    w.ok(&["fetch-cifar", "--verify"]);
    w.ok(&[
        "train",
        "fcnet",
        "--iters",
        "1",
        "--hidden",
        "10",
        "--quiet",
        "--out",
        w.path("after-repair").to_str().unwrap(),
    ]);
}

#[test]
fn predict_flags_and_inputs() {
    let w = World::new();
    for n in NOT_POSITIVE {
        w.fails(&["predict", "--checkpoint", "x.safetensors", "--top", n, "a.png"], &["--top"]);
        w.fails(&["predict", "--checkpoint", "x.safetensors", "--threads", n, "a.png"], &["--threads"]);
    }
    w.fails(&["predict", "--checkpoint", "x.safetensors"], &["required"]);
    w.fails(&["predict", "--checkpoint", "/does/not/exist.safetensors", "a.png"], &["No such file"]);
    let fake = w.path("fake.safetensors");
    fs::write(&fake, b"{\"not\": \"a checkpoint\"}").unwrap();
    w.fails(&["predict", "--checkpoint", fake.to_str().unwrap(), "a.png"], &["not a valid safetensors file"]);
    if !w.cifar {
        return println!("SKIPPED: predict with a trained checkpoint (no CIFAR-10 installed)");
    }
    let run = w.path("run");
    w.ok(&["train", "fcnet", "--iters", "2", "--hidden", "20", "--quiet", "--out", run.to_str().unwrap()]);
    let ckpt = run.join("model.safetensors");
    let ckpt = ckpt.to_str().unwrap();
    let png = run.join("weights.png");
    let png = png.to_str().unwrap();
    let out = w.ok(&["predict", "--checkpoint", ckpt, png]);
    assert_eq!(out.stdout.lines().filter(|l| l.starts_with(png)).count(), 1, "{}", out.shown);
    let (text, cut) = (w.path("text.png"), w.path("cut.png"));
    fs::write(&text, "hello").unwrap();
    fs::write(&cut, &fs::read(png).unwrap()[..40]).unwrap();
    for (image, says) in
        [(text, "not a PNG or JPEG"), (cut, "damaged or truncated"), (w.path("none.png"), "cannot read")]
    {
        let out = w.fails(&["predict", "--checkpoint", ckpt, png, image.to_str().unwrap()], &["1 of 2 image(s)"]);
        assert!(out.stderr.contains(says), "{}", out.shown);
    }
    w.fails(&["predict", "--checkpoint", ckpt, "--test-batch", png], &["cannot be used with"]);
}

/// The development copy of the CIFAR-10 archive, when this machine has one.
fn dev_archive() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets/cifar-10-train-binary.tar.gz");
    p.is_file().then_some(p)
}

#[test]
fn bench_check_gradient_ci_and_the_error_format() {
    let w = World::new();
    fn b<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        [&["bench-compare", "--no-numpy"][..], extra].concat()
    }
    for (flag, v) in [
        ("--hidden", "0"),
        ("--hidden", "16385"),
        ("--threads", "0"),
        ("--iters", "0"),
        ("--rounds", "0"),
        ("--rounds", "1001"),
    ] {
        w.fails(&b(&[flag, v]), &[flag]);
    }
    w.fails(&b(&["--data", "/nope"]), &["--data /nope: no such file or folder"]);
    // check-gradient's own protocol: input that cannot be judged exits 2, never panics.
    for args in [
        vec!["check-gradient", "--loss", "sum(", "--wrt", "x", "x"],
        vec!["check-gradient", "autoencoder", "--wrt", "W", "--draws", "0", "W"],
        vec!["check-gradient", "autoencoder", "--wrt", "W", "--size", "m=-1", "W"],
        vec!["check-gradient", "--loss", "sum(a)", "--shape", "a=0x0", "--wrt", "a", "a"],
        vec!["check-gradient", "--bogus"],
    ] {
        let out = w.run(&args);
        assert_eq!(out.code, 2, "{}", out.shown);
        assert!(out.stderr.starts_with("error: "), "{}", out.shown);
    }
    w.fails(&["ci", "--bogus"], &["--bogus"]);
    w.fails(&["train", "nope"], &["nope"]);
    assert_eq!(w.run(&["--help"]).code, 0);
    assert_eq!(w.run(&["train", "fcnet", "--help"]).code, 0);
    // -v and HANDGRAD_BACKTRACE=1 add the causes and the backtrace; without them one line.
    let args = ["train", "gplvm", "--data", "/nope", "-v"];
    let out = Command::new(xtask()).args(args).env("RUST_BACKTRACE", "1").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.starts_with("error: --data /nope") && stderr.to_lowercase().contains("stack backtrace"), "{stderr}");
    let out = Command::new(xtask())
        .args(&args[..4])
        .env("HANDGRAD_BACKTRACE", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.to_lowercase().contains("stack backtrace"), "{stderr}");
}
