//! `cargo xtask check-gradient` end to end: the built binary, its exit status (0 correct, 1 wrong,
//! 2 cannot be judged), its output and its error messages with the caret under the position.

use std::process::Command;

/// Runs `xtask check-gradient ARGS`: (exit status, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).arg("check-gradient").args(args).output().expect("xtask runs");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(!stderr.contains("panicked"), "a panic reached the user:\n{stderr}");
    (out.status.code().expect("exited, not killed"), stdout, stderr)
}

const R: &str = "r=W'*W*x - x";

#[test]
fn the_right_autoencoder_forms_exit_0() {
    for args in [
        vec!["autoencoder", "--wrt", "W", "--let", R, "W*(x*r' + r*x')"],
        vec!["autoencoder", "--wrt", "W", "W*(W'*W*x - x)*x' + W*x*(W'*W*x - x)'"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{args:?}\n{out}{err}");
        assert!(out.contains("verdict: correct\nrel_error: "), "{out}");
        assert!(out.contains("tolerance 1e-7 = tol::GRAD_SMOOTH") && out.contains("worst element: ("), "{out}");
    }
}

#[test]
fn the_wrong_autoencoder_forms_exit_1_with_a_hint() {
    for (args, hint) in [
        (
            vec!["autoencoder", "--wrt", "W", "2*W*(W'*W - I)*x*x'"],
            "the path through `W'` (column 10 of the loss) left out, and the path through `W` (column 13 of the loss) counted twice",
        ),
        (
            vec!["autoencoder", "--wrt", "W", "--let", R, "W*r*x'"],
            "the path through `W'` (column 10 of the loss) left out",
        ),
        (
            vec!["autoencoder", "--wrt", "W", "--let", R, "W*x*r'"],
            "the path through `W` (column 13 of the loss) left out",
        ),
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 1, "{args:?}\n{out}{err}");
        assert!(out.contains("verdict: wrong\nrel_error: 1.00e0"), "{out}");
        assert!(out.contains("worst element: (") && out.contains("finite differences"), "{out}");
        assert!(out.contains(&format!("hint: a path is missing: your gradient is the true one with {hint}")), "{out}");
    }
}

#[test]
fn the_gplvm_form_exits_0_and_its_sign_slip_1() {
    let (code, out, _) = run(&["gplvm", "--wrt", "X", "alpha*(inv(K)*Y*Y'*inv(K) - D*inv(K))*X"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("verdict: correct") && out.contains("tol::GRAD_GP"), "{out}");
    let (code, out, _) = run(&["gplvm", "--wrt", "X", "alpha*(inv(K)*Y*Y'*inv(K) + D*inv(K))*X"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("hint: a sign error: your gradient is the true one with the part from the loss term `-D/2*logdet(K)` sign-flipped"), "{out}");
}

#[test]
fn a_least_squares_loss_of_your_own() {
    let lsq =
        ["--loss", "0.5*sum((A*x - b).^2)", "--shape", "A=4x3", "--shape", "x=3x1", "--shape", "b=4x1", "--wrt", "x"];
    let (code, out, _) = run(&[&lsq[..], &["A'*(A*x - b)"]].concat());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("verdict: correct") && out.contains("tol::GRAD_KINKED"), "{out}");
    let (code, out, _) = run(&[&lsq[..], &["A'*(A*x + b)"]].concat());
    assert_eq!(code, 1, "{out}");
}

/// A gradient or a loss that starts with `-` is a formula, not a flag.
#[test]
fn a_leading_minus_is_a_formula() {
    let (code, out, err) = run(&["gplvm", "--wrt", "X", "-alpha*(D*inv(K) - inv(K)*Y*Y'*inv(K))*X"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&["--loss", "-sum(a.^2)", "--shape", "a=2x1", "--wrt", "a", "-2*a"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn an_infinite_or_nan_gradient_is_wrong() {
    for grad in ["W*(x*r' + r*x')*(1/0)", "W*(x*r' + r*x') + 0*log(-1)"] {
        let (code, out, _) = run(&["autoencoder", "--wrt", "W", "--let", R, grad]);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("verdict: wrong\nrel_error: inf"), "{out}");
    }
}

/// (args, the exact first line of stderr, the caret line when there is one).
#[test]
fn bad_input_exits_2_with_the_stated_message() {
    let cases: Vec<(Vec<&str>, &str, Option<&str>)> = vec![
        (
            vec!["autoencoder", "--wrt", "W", "--let", R, "W*(x*r' + )"],
            "error: syntax error in the gradient at column 11: expected a name, a number or `(` after `+`, found `)`",
            Some("            ^"),
        ),
        (
            vec!["autoencoder", "--wrt", "W", "--let", R, "W*(x*s' + s*x')"],
            "error: unknown name `s` in the gradient; the known names are m, n, W, x, I, r",
            Some("       ^"),
        ),
        (
            vec!["autoencoder", "--wrt", "W", "--let", R, "W*(x*r + r*x')"],
            "error: shape mismatch in the gradient: x*r: (5×1)·(5×1) do not chain (did you mean x*r' or x'*r?)",
            Some("     ^^^"),
        ),
        (
            vec!["autoencoder", "--wrt", "W", "--let", R, "(x*r' + r*x')*W'"],
            "error: the gradient is 5×3, but W is 3×5: ∇W has the shape of W (yours is its transpose's shape: transpose it?)",
            Some("  ^^^^^^^^^^^^^^^^"),
        ),
        (
            vec![
                "--loss",
                "(A*x - b).^2",
                "--shape",
                "A=4x3",
                "--shape",
                "x=3x1",
                "--shape",
                "b=4x1",
                "--wrt",
                "x",
                "A'*(A*x - b)",
            ],
            "error: the loss must be a scalar (1×1), but it is 4×1; reduce it, e.g. with sum(...) or tr(...)",
            Some("  ^^^^^^^^^^^^"),
        ),
        (
            vec!["--loss", "sum(log(-exp(a)))", "--shape", "a=2x2", "--wrt", "a", "-1 + 0*a"],
            "error: only 0 of the 13 random points tried could judge the gradient (the last: the loss is NaN at the drawn point); make the loss finite and not constant in a for generic inputs (logdet and log need positive arguments, e.g. logdet(A*A' + eye(3)))",
            None,
        ),
        (
            vec!["autoencoder", "--wrt", "w", "W"],
            "error: --wrt w: there is no input of that name; the variables of this problem are W, x",
            None,
        ),
        (
            vec!["--loss", "sum(A)", "--shape", "A=4", "--wrt", "A", "1+0*A"],
            "error: --shape A=4: write NAME=RxC with whole numbers, e.g. --shape A=4x3",
            None,
        ),
        (
            vec!["autoencoder", "--size", "q=3", "--wrt", "W", "W"],
            "error: --size q: the autoencoder problem's sizes are m, n",
            None,
        ),
    ];
    for (args, first, caret) in cases {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}\n{out}{err}");
        assert!(out.is_empty(), "no verdict for input that cannot be judged: {out}");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines[0], first, "{args:?}");
        if let Some(caret) = caret {
            assert_eq!(lines[2], caret, "{args:?}\n{err}");
        }
    }
}

#[test]
fn a_nan_loss_at_a_draw_is_said_and_another_point_drawn() {
    let (code, out, _) = run(&["--loss", "sum(log(a))", "--shape", "a=1x1", "--wrt", "a", "1./a"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("draw 1: the loss is NaN at the drawn point; drawing another point"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [vec!["autoencoder", "W"], vec!["gplvm", "--loss", "x", "--wrt", "X", "X"], vec!["--wrt", "A", "A"]] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}\n{err}");
        assert!(err.starts_with("error: "), "{err}");
    }
}

/// Splits one shell command line of the help (double quotes only, as the examples use).
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut cur, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => (quoted, any) = (!quoted, true),
            ' ' if !quoted => {
                if any || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            _ => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Every example in `--help` runs, with the exit status the help states.
#[test]
fn the_help_examples_do_what_the_help_says() {
    let (code, help, _) = run(&["--help"]);
    assert_eq!(code, 0);
    let mut commands: Vec<String> = Vec::new();
    let mut continued = false;
    for line in help.lines() {
        let t = line.trim();
        if continued {
            commands.last_mut().unwrap().push_str(&format!(" {}", t.trim_end_matches('\\')));
        } else if let Some(rest) = t.strip_prefix("cargo xtask check-gradient ") {
            commands.push(rest.trim_end_matches('\\').to_string());
        }
        continued = t.ends_with('\\');
    }
    let expected = [0, 0, 1, 1, 0, 0, 1, 0];
    assert_eq!(commands.len(), expected.len(), "{commands:#?}");
    for (cmd, want) in commands.iter().zip(expected) {
        let words = shell_words(cmd);
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let (code, out, err) = run(&args);
        assert_eq!(code, want, "cargo xtask check-gradient {cmd}\n{out}{err}");
    }
    assert!(help.contains("Exit status: 0 correct, 1 wrong, 2 cannot be judged"));
}
