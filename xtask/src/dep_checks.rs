//! Two checks of the dependency tree for `cargo xtask ci`, on `cargo metadata`'s JSON:
//!
//! - **licences**: every package in the resolved tree (all features, all targets) declares an SPDX
//!   licence expression that allows use under handgrad's `MIT OR Apache-2.0`: an `OR` needs one
//!   allowed alternative, an `AND` needs all of its parts allowed; the tree's licences are listed;
//! - **unused dependencies**: every dependency a workspace crate declares is named (as its Rust
//!   identifier, e.g. `rand_distr` for `rand_distr`, `md5` for `md-5`'s library) somewhere in that
//!   crate's sources (`src/`, `tests/`, `benches/`, `examples/`, its `README.md`, which is its crate
//!   doc), except for the few declared only to switch on a feature, listed in [`FEATURE_ONLY`] with
//!   the reason.
//!
//! Both are text checks (what cargo-machete and cargo-deny's licence check do), fast enough to run
//! on every CI run without installing anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::Value;

/// Licences (SPDX identifiers) that allow use in an `MIT OR Apache-2.0` crate.
const ALLOWED: &[&str] = &[
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unlicense",
    "CC0-1.0",
    "BSL-1.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "MPL-2.0",
    // A permissive licence for data: the Mozilla CA list in webpki-roots, which only xtask's
    // downloader (ureq) links; it asks for no more than attribution of the data.
    "CDLA-Permissive-2.0",
];

/// `(crate, dependency, why)`: dependencies declared only for their features.
const FEATURE_ONLY: &[(&str, &str, &str)] = &[(
    "handgrad-fcnet",
    "rand_pcg",
    "switches on rand_pcg's `serde` feature: a resumable checkpoint stores the state of \
     handgrad-tensor's generator (`init::Rng`, a PCG-64)",
)];

/// The workspace's `cargo metadata` (all features), parsed.
fn metadata(root: &Path) -> anyhow::Result<Value> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--all-features"])
        .current_dir(root)
        .output()
        .context("could not run `cargo metadata`; is cargo on PATH?")?;
    if !out.status.success() {
        bail!("`cargo metadata` failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    serde_json::from_slice(&out.stdout).context("`cargo metadata` printed something that is not JSON")
}

/// Whether an SPDX expression allows use under `MIT OR Apache-2.0` (see the module docs). `AND`
/// binds tighter than `OR`; `/` is the old spelling of `OR`; `A WITH B` is one licence.
pub fn licence_allowed(expr: &str) -> bool {
    let spaced = expr.replace('(', " ( ").replace(')', " ) ").replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut at = 0;
    let allowed = spdx_or(&tokens, &mut at);
    allowed == Some(true) && at == tokens.len()
}

/// `or := and ("OR" and)*`; `None` on a malformed expression.
fn spdx_or(t: &[&str], at: &mut usize) -> Option<bool> {
    let mut any = spdx_and(t, at)?;
    while t.get(*at) == Some(&"OR") {
        *at += 1;
        any |= spdx_and(t, at)?;
    }
    Some(any)
}

/// `and := atom ("AND" atom)*`.
fn spdx_and(t: &[&str], at: &mut usize) -> Option<bool> {
    let mut all = spdx_atom(t, at)?;
    while t.get(*at) == Some(&"AND") {
        *at += 1;
        all &= spdx_atom(t, at)?;
    }
    Some(all)
}

/// `atom := "(" or ")" | id ["WITH" id]`.
fn spdx_atom(t: &[&str], at: &mut usize) -> Option<bool> {
    let first = *t.get(*at)?;
    *at += 1;
    if first == "(" {
        let inner = spdx_or(t, at)?;
        (t.get(*at) == Some(&")")).then(|| *at += 1)?;
        return Some(inner);
    }
    if ["OR", "AND", "WITH", ")"].contains(&first) {
        return None;
    }
    let mut id = first.to_string();
    if t.get(*at) == Some(&"WITH") {
        id = format!("{id} WITH {}", t.get(*at + 1)?);
        *at += 2;
    }
    Some(ALLOWED.contains(&id.as_str()))
}

/// The licence check: lists the tree's licences and fails naming every package whose licence is
/// missing or not allowed.
pub fn licences(root: &Path) -> anyhow::Result<()> {
    let meta = metadata(root)?;
    let members: BTreeSet<&str> =
        meta["workspace_members"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let resolved: BTreeSet<&str> =
        meta["resolve"]["nodes"].as_array().into_iter().flatten().filter_map(|n| n["id"].as_str()).collect();
    let mut by_licence: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut bad = Vec::new();
    for p in meta["packages"].as_array().into_iter().flatten() {
        let id = p["id"].as_str().unwrap_or_default();
        if members.contains(id) || !resolved.contains(id) {
            continue;
        }
        let name = format!("{} {}", p["name"].as_str().unwrap_or("?"), p["version"].as_str().unwrap_or("?"));
        let licence = p["license"].as_str().unwrap_or("").to_string();
        if licence.is_empty() || !licence_allowed(&licence) {
            bad.push(format!("{name}: {}", if licence.is_empty() { "no SPDX licence declared" } else { &licence }));
        }
        by_licence.entry(licence).or_default().push(name);
    }
    for (licence, names) in &by_licence {
        println!("    {:>3} × {licence}", names.len());
    }
    if !bad.is_empty() {
        bail!(
            "{} dependencies have a licence that is not known to allow use under MIT OR Apache-2.0:\n  {}\n\
             replace them, or add the licence to ALLOWED in xtask/src/dep_checks.rs after reading it",
            bad.len(),
            bad.join("\n  ")
        );
    }
    Ok(())
}

/// The Rust identifier a dependency is used by: its rename, or its library target's name.
fn ident_of(dep: &Value, meta: &Value) -> String {
    if let Some(rename) = dep["rename"].as_str() {
        return rename.replace('-', "_");
    }
    let name = dep["name"].as_str().unwrap_or_default();
    let lib = meta["packages"].as_array().into_iter().flatten().find(|p| p["name"] == name).and_then(|p| {
        p["targets"].as_array()?.iter().find(|t| t["kind"].as_array().is_some_and(|k| k.iter().any(|k| k == "lib")))
    });
    lib.and_then(|t| t["name"].as_str()).unwrap_or(name).replace('-', "_")
}

/// All text of a crate's sources and README.
fn crate_text(dir: &Path) -> String {
    let mut text = std::fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    let mut stack: Vec<PathBuf> = ["src", "tests", "benches", "examples"].iter().map(|d| dir.join(d)).collect();
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                text += &std::fs::read_to_string(&p).unwrap_or_default();
            }
        }
    }
    text
}

/// Whether `ident` occurs in `text` as a whole word.
fn names(text: &str, ident: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(ident).any(|(i, _)| {
        !text[..i].chars().next_back().is_some_and(word) && !text[i + ident.len()..].chars().next().is_some_and(word)
    })
}

/// The unused-dependency check over every workspace crate.
pub fn unused_dependencies(root: &Path) -> anyhow::Result<()> {
    let meta = metadata(root)?;
    let members: BTreeSet<&str> =
        meta["workspace_members"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut unused = Vec::new();
    let mut checked = 0;
    for p in
        meta["packages"].as_array().into_iter().flatten().filter(|p| members.contains(p["id"].as_str().unwrap_or("")))
    {
        let krate = p["name"].as_str().unwrap_or_default();
        let dir = Path::new(p["manifest_path"].as_str().unwrap_or_default()).parent().unwrap_or(root).to_path_buf();
        let text = crate_text(&dir);
        for dep in p["dependencies"].as_array().into_iter().flatten() {
            let name = dep["name"].as_str().unwrap_or_default();
            checked += 1;
            if FEATURE_ONLY.iter().any(|(c, d, _)| *c == krate && *d == name) {
                continue;
            }
            if !names(&text, &ident_of(dep, &meta)) {
                let kind = dep["kind"].as_str().map(|k| format!(" ({k})")).unwrap_or_default();
                unused.push(format!("{krate}: {name}{kind}"));
            }
        }
    }
    println!("    {checked} declared dependencies of {} crates checked", members.len());
    if !unused.is_empty() {
        bail!(
            "{} declared dependencies are never named in their crate's sources:\n  {}\n\
             remove them from the crate's Cargo.toml, or, if one is there only to switch on a \
             feature, list it in FEATURE_ONLY in xtask/src/dep_checks.rs with the reason",
            unused.len(),
            unused.join("\n  ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_expressions() {
        assert!(licence_allowed("MIT OR Apache-2.0"));
        assert!(licence_allowed("MIT/Apache-2.0"));
        assert!(licence_allowed("(MIT OR Apache-2.0) AND Unicode-3.0"));
        assert!(!licence_allowed("(MIT OR Apache-2.0) AND GPL-3.0-only"));
        assert!(!licence_allowed("MIT OR (")); // malformed
        assert!(licence_allowed("Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT"));
        assert!(!licence_allowed("GPL-3.0-only"));
        assert!(!licence_allowed("MIT AND GPL-3.0-only"));
        assert!(licence_allowed("GPL-3.0-only OR MIT"));
        assert!(!licence_allowed(""));
    }

    #[test]
    fn whole_words_only() {
        assert!(names("use rand::Rng;", "rand"));
        assert!(!names("use rand_distr::Normal;", "rand"));
        assert!(!names("let operand = 1;", "rand"));
        assert!(names("rand_distr::Normal", "rand_distr"));
    }

    /// The two checks of `cargo xtask ci` on this workspace, without the rest of ci:
    /// `cargo test -p xtask -- --ignored the_workspace`.
    #[test]
    #[ignore = "runs cargo metadata on the workspace (seconds); cargo xtask ci runs the checks themselves"]
    fn the_workspace_passes_both_checks() {
        let root = crate::workspace_root();
        licences(&root).unwrap();
        unused_dependencies(&root).unwrap();
    }
}
