//! Issue 18's acceptance, as a new user would try it: the library crates packaged as crates.io
//! would receive them (`cargo package`), unpacked, and depended on from an empty new cargo project
//! outside the workspace (`[patch.crates-io]` pointing at the unpacked `.crate` contents); the
//! README quick start of each crate, taken from the packaged README, is an example of that project
//! and must compile and run (its assertions are the exact numbers of the README). Then
//! handgrad-cifar alone, in a second project, with `default-features = false` and then with only
//! `std`: the README's "Without faer" quick start runs, and `cargo tree` shows neither faer nor
//! handgrad-tensor (nor the installer's or downloader's crates).
//!
//! Minutes of building, so not part of `cargo xtask ci`:
//! `cargo test -p xtask --test outside -- --ignored --nocapture`.
//! `HANDGRAD_OUTSIDE_DIR=/tmp/outside` keeps the project there (its contents are replaced; default:
//! a temporary folder);
//! the build reuses the workspace's `target/` (same profiles, so compiled dependencies are shared).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The published library crates, in dependency order.
const CRATES: &[&str] = &[
    "handgrad-tensor",
    "handgrad-nn",
    "handgrad-data",
    "handgrad-cifar",
    "handgrad-autoencoder",
    "handgrad-gplvm",
    "handgrad-fcnet",
    "handgrad-check",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

fn run(cmd: &mut Command) -> String {
    println!("$ {cmd:?}");
    let out = cmd.output().unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} failed ({}):\n{text}", out.status);
    text
}

/// The ```rust blocks of a README as one `main`, each block in its own scope (as rustdoc compiles
/// each alone): rustdoc's hidden lines (`# …`) shown, and a block ending in `Ok::<(), E>(())` run as
/// a closure whose error fails the example.
fn quick_start(readme: &str) -> String {
    let mut blocks = Vec::new();
    let mut body: Option<String> = None;
    for line in readme.lines() {
        match (&mut body, line.trim_start()) {
            (None, l) if l.starts_with("```rust") => body = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => blocks.extend(body.take()),
            (Some(b), l) => {
                let shown = l.strip_prefix("# ").or(if l == "#" { Some("") } else { None }).unwrap_or(line);
                b.push_str("        ");
                b.push_str(shown);
                b.push('\n');
            }
            _ => {}
        }
    }
    assert!(blocks.iter().any(|b| !b.trim().is_empty()), "the README has no rust quick start");
    let mut main = String::from("fn main() {\n");
    for b in blocks {
        if b.trim_end().ends_with("(())") {
            main.push_str(&format!(
                "    {{\n        let quick_start = || {{\n{b}        }};\n        quick_start().unwrap();\n    }}\n"
            ));
        } else {
            main.push_str(&format!("    {{\n{b}    }}\n"));
        }
    }
    main + "}\n"
}

/// The part of `readme` under the heading `heading` (up to the next heading of that level).
fn section<'a>(readme: &'a str, heading: &str) -> &'a str {
    let start = readme.find(&format!("\n{heading}")).unwrap_or_else(|| panic!("the README has no {heading:?}"));
    let rest = &readme[start + 1..];
    let level = heading.split(' ').next().unwrap();
    let end = rest[1..].find(&format!("\n{level} ")).map_or(rest.len(), |e| e + 2);
    &rest[..end]
}

#[test]
#[ignore = "minutes: cargo package, unpack and build an outside project (see the module docs)"]
fn each_readme_quick_start_runs_from_the_packaged_crates_in_an_outside_project() {
    let root = workspace();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut package = Command::new(&cargo);
    package.current_dir(&root).args(["package", "--no-verify", "--allow-dirty"]);
    for c in CRATES {
        package.args(["-p", c]);
    }
    run(&mut package);

    let keep = std::env::var_os("HANDGRAD_OUTSIDE_DIR").map(PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let dir = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    let _ = std::fs::remove_dir_all(&dir);
    let unpacked = dir.join("crates");
    std::fs::create_dir_all(&unpacked).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let project = dir.join("outside");
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::create_dir_all(project.join("examples")).unwrap();
    let mut deps = String::new();
    let mut patch = String::new();
    for c in CRATES {
        let file = root.join(format!("target/package/{c}-{version}.crate"));
        run(Command::new("tar").arg("xzf").arg(&file).arg("-C").arg(&unpacked));
        let src = unpacked.join(format!("{c}-{version}"));
        deps.push_str(&format!("{c} = \"{version}\"\n"));
        patch.push_str(&format!("{c} = {{ path = {:?} }}\n", src.display().to_string()));
        let readme = std::fs::read_to_string(src.join("README.md")).expect("the package has its README");
        let name = c.trim_start_matches("handgrad-");
        std::fs::write(project.join(format!("examples/quick_start_{name}.rs")), quick_start(&readme)).unwrap();
    }
    let manifest = format!(
        "[package]\nname = \"outside\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{deps}\n[patch.crates-io]\n{patch}\n\
         # The workspace's profiles, so that the shared target folder's dependencies are reused.\n\
         [profile.dev]\nopt-level = 1\n\n[profile.dev.package.\"*\"]\nopt-level = 3\n\n[workspace]\n"
    );
    std::fs::write(project.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(project.join("src/main.rs"), "fn main() {}\n").unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    for c in CRATES {
        let name = format!("quick_start_{}", c.trim_start_matches("handgrad-"));
        let out = run(Command::new(&cargo).current_dir(&project).env("CARGO_TARGET_DIR", &target).args([
            "run",
            "--quiet",
            "--example",
            &name,
        ]));
        println!("{name}: ran{}", if out.trim().is_empty() { String::new() } else { format!(":\n{out}") });
    }
    let tree = run(Command::new(&cargo).current_dir(&project).args(["tree", "--depth", "1"]));
    println!("{tree}");
    assert!(tree.contains(&unpacked.display().to_string()), "the crates come from the packages:\n{tree}");

    // handgrad-cifar alone, without its default features (no handgrad-tensor, no faer): the
    // README's "Without faer" quick start, no_std + alloc, then with the `std` feature. Every
    // package is patched in: the lock file resolves the optional dependencies too.
    let alone = dir.join("outside-cifar-alone");
    std::fs::create_dir_all(alone.join("src")).unwrap();
    std::fs::create_dir_all(alone.join("examples")).unwrap();
    let cifar = unpacked.join(format!("handgrad-cifar-{version}"));
    let readme = std::fs::read_to_string(cifar.join("README.md")).unwrap();
    std::fs::write(alone.join("examples/without_faer.rs"), quick_start(section(&readme, "## Without faer"))).unwrap();
    let manifest = format!(
        "[package]\nname = \"outside-cifar-alone\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nhandgrad-cifar = {{ version = \"{version}\", default-features = false }}\n\n\
         [features]\nstd = [\"handgrad-cifar/std\"]\n\n\
         [patch.crates-io]\n{patch}\n\
         [profile.dev]\nopt-level = 1\n\n[profile.dev.package.\"*\"]\nopt-level = 3\n\n[workspace]\n"
    );
    std::fs::write(alone.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(alone.join("src/main.rs"), "fn main() {}\n").unwrap();
    for features in [&[][..], &["--features", "std"][..]] {
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(&alone).env("CARGO_TARGET_DIR", &target).args(["run", "--quiet", "--example", "without_faer"]);
        run(cmd.args(features));
        println!("without_faer {features:?}: ran");
        let mut tree = Command::new(&cargo);
        tree.current_dir(&alone).args(["tree", "-e", "normal", "--prefix", "none"]).args(features);
        let tree = run(&mut tree);
        println!("{tree}");
        assert!(tree.contains(&cifar.display().to_string()), "handgrad-cifar comes from its package:\n{tree}");
        for absent in ["faer", "handgrad-tensor", "flate2", "ureq"] {
            assert!(!tree.lines().any(|l| l.starts_with(&format!("{absent} "))), "{absent} in the tree:\n{tree}");
        }
    }
}

#[test]
fn a_quick_start_becomes_a_main() {
    let readme = "text\n```rust\nlet x = 1;\n# let y = 2;\n```\n```toml\n[x]\n```\n```rust\nlet x = 3;\n```\n";
    assert_eq!(
        quick_start(readme),
        "fn main() {\n    {\n        let x = 1;\n        let y = 2;\n    }\n    {\n        let x = 3;\n    }\n}\n"
    );
    let fallible = "```rust\nstd::fs::create_dir_all(\"a\")?;\n# Ok::<(), std::io::Error>(())\n```\n";
    assert!(quick_start(fallible).contains("let quick_start = || {"), "{}", quick_start(fallible));
}

#[test]
fn a_section_ends_at_the_next_heading_of_its_level() {
    let readme = "# t\n## A\na\n### sub\nb\n## B\nc\n";
    assert_eq!(section(readme, "## A"), "## A\na\n### sub\nb\n");
    assert_eq!(section(readme, "## B"), "## B\nc\n");
}
