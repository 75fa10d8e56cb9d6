//! The judge's report as text: what was judged, the points, the verdict, the worst element and
//! the hints.
//!
//! ```text
//! verdict: wrong
//! rel_error: 1.00e0 (draw 2; tolerance 1e-7 = tol::GRAD_SMOOTH)
//! worst element: (2, 0) at draw 2: yours 3.1415926536e-1, finite differences -1.2345678901e0 (± 2.1e-9)
//! hint: a path is missing: your gradient is the true one with the path through `W'` (column 12 of the loss) left out
//! ```

use core::fmt;

use handgrad_tensor::tol;

use crate::judge::{Element, Report, Verdict};

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Correct => "correct",
            Verdict::Wrong => "wrong",
        })
    }
}

fn element(e: &Element) -> String {
    format!(
        "({}, {}): yours {:.10e}, finite differences {:.10e} (± {:.1e})",
        e.row, e.col, e.analytic, e.numeric, e.fd_error
    )
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "problem:  {}, L = {}", self.problem, self.loss)?;
        writeln!(f, "inputs:   {}", self.inputs.join(", "))?;
        for (name, text) in &self.lets {
            writeln!(f, "let:      {name} = {text}")?;
        }
        writeln!(f, "gradient: ∂L/∂{} = {}", self.wrt, self.gradient)?;
        writeln!(
            f,
            "points:   {} random draws from seed {}, central differences with h = {:.0e}",
            self.points.len(),
            self.seed,
            tol::FD_STEP
        )?;
        for note in &self.notes {
            writeln!(f, "  {note}")?;
        }
        for p in &self.points {
            let n = p.analytic.len();
            match p.disagreeing {
                0 => writeln!(f, "  draw {}: rel_error {:.2e}", p.draw, p.rel_error)?,
                k => writeln!(f, "  draw {}: rel_error {:.2e}, {k} of {n} elements disagree", p.draw, p.rel_error)?,
            }
        }
        let shown = self.shown_point();
        let tol = self.tolerance;
        writeln!(f, "verdict: {}", self.verdict)?;
        let which = match self.verdict {
            Verdict::Correct => format!("worst of {} points", self.points.len()),
            Verdict::Wrong => format!("draw {}", shown.draw),
        };
        writeln!(f, "rel_error: {:.2e} ({which}; tolerance {:.0e} = {})", shown.rel_error, tol.value, tol.name)?;
        writeln!(f, "worst element: {} at draw {}", element(&shown.worst), shown.draw)?;
        if self.verdict == Verdict::Correct {
            let unresolved: usize = self.points.iter().map(|p| p.unresolved.len()).sum();
            if let Some(e) = self.points.iter().flat_map(|p| p.unresolved.first()).next() {
                writeln!(
                    f,
                    "note: {unresolved} element(s) exceed the tolerance only by less than the finite differences' \
                     error (both values tiny), e.g. {}",
                    element(e)
                )?;
            }
        }
        if self.verdict == Verdict::Wrong {
            if self.hints.is_empty() {
                writeln!(
                    f,
                    "hint: none of the cheap patterns fits (a constant factor, a transpose, a flipped sign, a missing path); re-derive it step by step"
                )?;
            }
            for h in &self.hints {
                writeln!(f, "hint: {}", h.message)?;
            }
        }
        Ok(())
    }
}
