//! `cargo xtask check-gradient`: judges a closed-form gradient typed by a person against central
//! finite differences (the library is `handgrad-check`; this file only maps flags onto it).
//!
//! Prints the report on stdout, or the error (with a caret under the position) on stderr, and
//! exits 0 when the gradient is correct, 1 when it is wrong, 2 when the input cannot be judged
//! (clap's own usage errors also exit 2).

use clap::{Subcommand, ValueEnum};
use handgrad_check::spec::{parse_let, parse_shape, parse_size};
use handgrad_check::{Activation, CheckError, JudgeConfig, Problem, Verdict, judge};

const EXAMPLES: &str = "\
Examples. The homework's tied autoencoder, L = ½‖WᵀWx − x‖², W: 3×5, x: 5×1.
Right (exit 0):
  cargo xtask check-gradient autoencoder --wrt W --let r=\"W'*W*x - x\" \"W*(x*r' + r*x')\"
  cargo xtask check-gradient autoencoder --wrt W \"W*(W'*W*x - x)*x' + W*x*(W'*W*x - x)'\"
Wrong (exit 1, with a hint): assumes that xxᵀ and WᵀW − I commute; forgets the path through Wᵀ:
  cargo xtask check-gradient autoencoder --wrt W \"2*W*(W'*W - I)*x*x'\"
  cargo xtask check-gradient autoencoder --wrt W --let r=\"W'*W*x - x\" \"W*r*x'\"
With f = tanh, L = ½‖f(Wᵀf(Wx)) − x‖² (exit 0):
  cargo xtask check-gradient autoencoder --activation tanh --wrt W --let h=\"tanh(W*x)\" \\
    --let y=\"tanh(W'*h)\" --let d=\"(y - x).*(1 - y.^2)\" \"h*d' + ((W*d).*(1 - h.^2))*x'\"

The GP-LVM, L = −D/2·logdet(K) − ½·tr(K⁻¹YYᵀ), K = αXXᵀ + β⁻¹I, X: 6×2, Y: 6×4.
Right (exit 0), then with the sign of the D·K⁻¹ term flipped (exit 1):
  cargo xtask check-gradient gplvm --wrt X \"alpha*(inv(K)*Y*Y'*inv(K) - D*inv(K))*X\"
  cargo xtask check-gradient gplvm --wrt X \"alpha*(inv(K)*Y*Y'*inv(K) + D*inv(K))*X\"

Your own loss (exit 0):
  cargo xtask check-gradient --loss \"0.5*sum((A*x - b).^2)\" \\
    --shape A=4x3 --shape x=3x1 --shape b=4x1 --wrt x \"A'*(A*x - b)\"

The language: names, numbers, + and - (equal shapes, or a scalar on either side), * (matrix
product, or scalar × matrix), / (by a scalar), .* ./ .^ (elementwise), ^ (power of a scalar),
' (transpose), parentheses, and inv tr logdet det sum exp log sigmoid tanh relu step eye(k).
Sizes are names (n, m; N, D, q). Precedence as in MATLAB: -x^2 = -(x^2), W'*W*x = (Wᵀ·W)·x.

At each point the inputs are drawn at random (seeded); your formula and central differences
(h = 1e-5) are computed in f64 and compared element by element with the project's rel_error
and the tolerance named in handgrad_tensor::tol. A point where the loss is NaN, ±∞ or flat is
skipped, with a note. Exit status: 0 correct, 1 wrong, 2 cannot be judged.";

/// Judge a closed-form gradient you derived by hand against finite differences.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true, after_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    problem: Option<Builtin>,
    /// Your own scalar loss, e.g. "0.5*sum((A*x - b).^2)" (instead of a built-in problem).
    #[arg(long, value_name = "EXPR", required = true, allow_hyphen_values = true)]
    loss: Option<String>,
    /// A matrix your loss uses, with its shape (repeat for each): --shape A=4x3.
    #[arg(long = "shape", value_name = "NAME=RxC")]
    shapes: Vec<String>,
    #[command(flatten)]
    common: Common,
}

/// The built-in problems.
#[derive(Subcommand)]
enum Builtin {
    /// The tied autoencoder, L = ½‖WᵀWx − x‖² (½‖f(Wᵀf(Wx)) − x‖² with --activation).
    ///
    /// Names: W (m×n), x (n×1), the sizes m = 3 and n = 5, and I = eye(n).
    #[command(after_help = EXAMPLES)]
    Autoencoder {
        /// The nonlinearity f (none: the linear autoencoder).
        #[arg(long, value_enum)]
        activation: Option<ActivationArg>,
        #[command(flatten)]
        common: Common,
    },
    /// The GP-LVM, L = −D/2·logdet(K) − ½·tr(K⁻¹YYᵀ) with K = αXXᵀ + β⁻¹I.
    ///
    /// Names: X (N×q), Y (N×D), alpha, beta, the sizes N = 6, q = 2 and D = 4, I = eye(N) and
    /// K = alpha*X*X' + 1/beta*I.
    #[command(after_help = EXAMPLES)]
    Gplvm {
        #[command(flatten)]
        common: Common,
    },
}

/// The autoencoder's nonlinearity.
#[derive(Clone, Copy, ValueEnum)]
enum ActivationArg {
    Sigmoid,
    Tanh,
    Relu,
}

/// What every problem takes.
#[derive(clap::Args)]
struct Common {
    /// The variable the gradient is taken with respect to (W, X, alpha, ...).
    #[arg(long, value_name = "NAME", required = true)]
    wrt: Option<String>,
    /// Your closed form of ∂L/∂NAME, a matrix expression; quote it (it may start with `-`).
    #[arg(value_name = "GRAD", required = true, allow_hyphen_values = true)]
    gradient: Option<String>,
    /// A helper name usable in the gradient (repeat): --let r="W'*W*x - x".
    #[arg(long = "let", value_name = "NAME=EXPR")]
    lets: Vec<String>,
    /// Change a size (repeat): --size n=7; for your own loss, defines a size name for eye(k).
    #[arg(long = "size", value_name = "NAME=K")]
    sizes: Vec<String>,
    /// Seed of the random points.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How many random points to judge.
    #[arg(long, default_value_t = 3)]
    draws: usize,
}

/// Runs the command and returns its exit status.
pub fn run(args: Args) -> i32 {
    match judge_args(args) {
        Ok(Verdict::Correct) => 0,
        Ok(Verdict::Wrong) => 1,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(at) = e.snippet() {
                eprintln!("{}", at.caret());
            }
            2
        }
    }
}

/// Builds the problem, judges, prints the report; the verdict, or why nothing could be judged.
fn judge_args(args: Args) -> Result<Verdict, CheckError> {
    let (problem, common) = match args.problem {
        Some(Builtin::Autoencoder { activation, common }) => {
            let f = activation.map(|a| match a {
                ActivationArg::Sigmoid => Activation::Sigmoid,
                ActivationArg::Tanh => Activation::Tanh,
                ActivationArg::Relu => Activation::Relu,
            });
            (Problem::autoencoder(f, &sizes(&common)?)?, common)
        }
        Some(Builtin::Gplvm { common }) => (Problem::gplvm(&sizes(&common)?)?, common),
        None => {
            let shapes = args.shapes.iter().map(|s| parse_shape(s)).collect::<Result<Vec<_>, _>>()?;
            let loss = args.loss.unwrap_or_default();
            (Problem::custom(&loss, &shapes, &sizes(&args.common)?)?, args.common)
        }
    };
    let mut problem = problem;
    for spec in &common.lets {
        let (name, text) = parse_let(spec)?;
        problem.define(&name, &text)?;
    }
    let (Some(wrt), Some(gradient)) = (common.wrt, common.gradient) else {
        return Err(CheckError::Definition("give --wrt NAME and the gradient GRAD (see --help)".into()));
    };
    let report = judge(&problem, &wrt, &gradient, &JudgeConfig { seed: common.seed, draws: common.draws })?;
    print!("{report}");
    Ok(report.verdict)
}

fn sizes(common: &Common) -> Result<Vec<(String, usize)>, CheckError> {
    common.sizes.iter().map(|s| parse_size(s)).collect()
}
