//! How an xtask command ends: errors printed once, in plain words, and the exit status.
//!
//! | exit status | meaning |
//! |---|---|
//! | 0 | done (or `--help` / `--version`) |
//! | 1 | the command could not do what was asked: a bad flag value, a missing or damaged file, a run that diverged (the message says what to do next) |
//! | 2 | `check-gradient` only: the input cannot be judged (its own protocol: 0 correct, 1 wrong) |
//! | 101 | a bug in handgrad (a panic): the message says so; no input should reach it |
//!
//! An error is printed as one line, `error: <what happened>: <why>`, each cause once: a cause
//! whose text the line already holds (a `thiserror` message that quotes its source) is not
//! repeated. The libraries' messages say what to do in library terms (a function or a file); when
//! a cause is a library error this CLI has a command for, a second line `hint: <command>` names it
//! ([`hint`]; `cargo xtask fetch-cifar --force` for a damaged CIFAR-10 file, …). No backtrace is printed unless asked for with `-v` / `--verbose` or
//! `HANDGRAD_BACKTRACE=1`; then the full cause chain and the backtrace of the error (or of the
//! panic) follow. `RUST_BACKTRACE=1` alone, as set on many machines, does not add one.

use std::backtrace::Backtrace;
use std::process::ExitCode;

/// Environment variable asking for backtraces (as `-v` does).
pub const BACKTRACE_ENV: &str = "HANDGRAD_BACKTRACE";

/// `true` when `HANDGRAD_BACKTRACE` asks for backtraces (set and neither empty nor `0`).
pub fn backtrace_from_env() -> bool {
    std::env::var_os(BACKTRACE_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Prepares the process for a command run with (or without) `verbose` output: the panic hook,
/// and — when verbose — error backtraces.
///
/// Call before any thread is started.
pub fn prepare(verbose: bool) {
    if verbose {
        // anyhow records a backtrace at each error when RUST_LIB_BACKTRACE (or RUST_BACKTRACE) is
        // set; std reads the variable once, at the first capture, which is after this.
        #[allow(unsafe_code)]
        // SAFETY: called at the start of `main`, after parsing the command line and before any
        // thread is spawned (training and fetching start threads only later), so no other thread
        // can read or write the environment concurrently.
        unsafe {
            std::env::set_var("RUST_LIB_BACKTRACE", "1")
        };
    }
    std::panic::set_hook(Box::new(move |info| {
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        eprintln!("error: internal error (a bug in handgrad, not a problem with your input): {what}{at}");
        if verbose {
            eprintln!("{}", Backtrace::force_capture());
        } else {
            eprintln!("please report it with the command line; -v or {BACKTRACE_ENV}=1 adds a backtrace");
        }
    }));
}

/// The one-line message of `err`: its context and causes joined by `: `, each once.
pub fn message(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// The command of this CLI that fixes `err`, when a cause is a library error that one fixes and
/// the message does not already name it.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    let hint = err.chain().find_map(library_hint)?;
    let command = hint.split('`').nth(1).unwrap_or(&hint);
    (!message(err).contains(command)).then_some(hint)
}

fn library_hint(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    use handgrad_cifar::CifarError;
    use handgrad_data::oil::OilError;
    use handgrad_fcnet::CheckpointError;
    const CIFAR_FROM: &str = "(`--from <archive or folder>` without internet access)";
    if let Some(e) = cause.downcast_ref::<CifarError>() {
        return match e {
            CifarError::MissingFile { .. } | CifarError::Split { .. } => {
                Some(format!("`cargo xtask fetch-cifar` installs the full CIFAR-10 training set {CIFAR_FROM}"))
            }
            CifarError::MissingTestBatch { .. } => None,
            _ => Some(format!("`cargo xtask fetch-cifar --force` reinstalls the installed copy {CIFAR_FROM}")),
        };
    }
    if let Some(e) = cause.downcast_ref::<handgrad_data::locate::NotInstalled>() {
        return Some(format!("`{}` installs it", crate::fetch::fetch_command(e.dataset)));
    }
    if let Some(e) = cause.downcast_ref::<OilError>() {
        return match e {
            OilError::Io { .. } => Some("`cargo xtask fetch-oil` installs the oil-flow data".into()),
            _ => Some("`cargo xtask fetch-oil --force` reinstalls the installed copy".into()),
        };
    }
    match cause.downcast_ref::<CheckpointError>()? {
        CheckpointError::Metadata { .. } | CheckpointError::Config { .. } | CheckpointError::UnknownModel { .. } => {
            Some("`cargo xtask train fcnet` writes checkpoints this command reads".into())
        }
        _ => None,
    }
}

/// Prints `err` for the user (see the module docs) and returns exit status 1.
pub fn report(err: &anyhow::Error, verbose: bool) -> ExitCode {
    eprintln!("error: {}", message(err));
    if let Some(hint) = hint(err) {
        eprintln!("hint: {hint}");
    }
    if verbose {
        eprintln!("\n{err:?}");
    }
    ExitCode::from(1)
}

/// Prints a command-line error of clap (or the help / version it was asked for) and returns the
/// exit status: 0 for help and version, 2 for `check-gradient` (its protocol), else 1.
pub fn usage(err: &clap::Error, check_gradient: bool) -> ExitCode {
    let _ = err.print();
    match (err.use_stderr(), check_gradient) {
        (false, _) => ExitCode::SUCCESS,
        (true, true) => ExitCode::from(2),
        (true, false) => ExitCode::from(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error whose message quotes its source, as `thiserror` messages often do.
    #[derive(Debug)]
    struct Quoting {
        source: std::io::Error,
    }

    impl std::fmt::Display for Quoting {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "could not read data.bin: {}; check the path", self.source)
        }
    }

    impl std::error::Error for Quoting {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn each_cause_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = anyhow::Error::new(Quoting { source: io }).context("opening CIFAR-10 in /x");
        assert_eq!(message(&err), "opening CIFAR-10 in /x: could not read data.bin: no such file; check the path");
        let plain = anyhow::anyhow!("a").context("b").context("c");
        assert_eq!(message(&plain), "c: b: a");
    }

    #[test]
    fn a_library_error_gets_the_command_that_fixes_it_once() {
        let missing = handgrad_cifar::CifarError::MissingFile { file: "d/data_batch_2.bin".into() };
        let err = anyhow::Error::new(missing).context("opening CIFAR-10 in d");
        assert!(!message(&err).contains("xtask"), "{}", message(&err));
        assert!(hint(&err).is_some_and(|h| h.starts_with("`cargo xtask fetch-cifar` installs")), "{:?}", hint(&err));
        let dir = std::path::PathBuf::from("datasets/oil");
        let not_installed = handgrad_data::locate::NotInstalled { dataset: handgrad_data::locate::Dataset::Oil, dir };
        assert_eq!(hint(&anyhow::Error::new(not_installed)).as_deref(), Some("`cargo xtask fetch-oil` installs it"));
        // Not repeated when the message already names the command (fetch's own advice).
        let bad = handgrad_cifar::CifarError::NotAFile { file: "d/data_batch_1.bin".into() };
        let said = anyhow::Error::new(bad).context("reinstall it with `cargo xtask fetch-cifar --force`");
        assert_eq!(hint(&said), None);
        assert_eq!(hint(&anyhow::anyhow!("some other failure")), None);
    }
}
