//! A recursive-descent parser for the matrix language.
//!
//! Grammar, loosest binding first (MATLAB's precedence; `^` is right-associative):
//!
//! ```text
//! expr    := product (('+' | '-') product)*
//! product := unary (('*' | '/' | '.*' | './') unary)*
//! unary   := ('-' | '+') unary | power
//! power   := postfix (('^' | '.^') unary)?          -x^2 = -(x^2),  2^-1 = 0.5
//! postfix := primary "'"*                            transpose
//! primary := number | name | function '(' expr ')' | '(' expr ')'
//! ```

use crate::ast::{BinOp, Expr, ExprKind, Func, SourceId, Sources, Span};
use crate::error::CheckError;
use crate::lexer::{Tok, lex};

/// The longest text accepted, in bytes (the evaluator recurses once per operation).
pub const MAX_LEN: usize = 2000;

/// The deepest nesting of parentheses and unary operators accepted.
pub const MAX_DEPTH: usize = 100;

/// Parses the whole text of source `id` into one expression.
pub fn parse(sources: &Sources, id: SourceId) -> Result<Expr, CheckError> {
    let len = sources.text(id).len();
    if len > MAX_LEN {
        let at = Span { source: id, start: MAX_LEN, end: MAX_LEN };
        return Err(CheckError::Syntax {
            message: format!("the text is {len} bytes long; at most {MAX_LEN} are accepted (use --let to name parts)"),
            at: sources.snippet(at),
        });
    }
    let toks = lex(sources, id)?;
    let mut p = Parser { sources, toks, pos: 0, depth: 0 };
    if p.peek() == &Tok::End {
        return Err(p.error("the expression is empty; type a formula, e.g. 2*W", p.span()));
    }
    let e = p.expr()?;
    match p.peek() {
        Tok::End => Ok(e),
        Tok::RParen => Err(p.error("this `)` has no matching `(`", p.span())),
        Tok::Num(_) | Tok::Ident(_) | Tok::LParen => {
            let what = p.peek().describe();
            Err(p.error(&format!("missing operator before {what}; write products with `*`, e.g. 2*W"), p.span()))
        }
        other => {
            let what = other.describe();
            Err(p.error(&format!("unexpected {what}"), p.span()))
        }
    }
}

struct Parser<'a> {
    sources: &'a Sources,
    toks: Vec<(Tok, Span)>,
    pos: usize,
    /// Current nesting of `unary` (parentheses, signs, exponents, arguments).
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn span(&self) -> Span {
        self.toks[self.pos].1
    }

    fn bump(&mut self) -> (Tok, Span) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn error(&self, message: &str, at: Span) -> CheckError {
        CheckError::Syntax { message: message.to_string(), at: self.sources.snippet(at) }
    }

    fn binary(op: BinOp, a: Expr, b: Expr) -> Expr {
        let span = a.outer.to(b.outer);
        Expr::new(ExprKind::Binary(op, Box::new(a), Box::new(b)), span)
    }

    fn expr(&mut self) -> Result<Expr, CheckError> {
        let mut lhs = self.product()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(lhs),
            };
            let (tok, _) = self.bump();
            let rhs = self.operand_after(&tok, Self::product)?;
            lhs = Self::binary(op, lhs, rhs);
        }
    }

    fn product(&mut self) -> Result<Expr, CheckError> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                Tok::DotStar => BinOp::ElemMul,
                Tok::DotSlash => BinOp::ElemDiv,
                _ => return Ok(lhs),
            };
            let (tok, _) = self.bump();
            let rhs = self.operand_after(&tok, Self::unary)?;
            lhs = Self::binary(op, lhs, rhs);
        }
    }

    fn unary(&mut self) -> Result<Expr, CheckError> {
        if self.depth == MAX_DEPTH {
            return Err(self.error(&format!("the expression nests deeper than {MAX_DEPTH} levels"), self.span()));
        }
        self.depth += 1;
        let e = self.unary_inner();
        self.depth -= 1;
        e
    }

    fn unary_inner(&mut self) -> Result<Expr, CheckError> {
        match self.peek() {
            Tok::Minus | Tok::Plus => {
                let (tok, at) = self.bump();
                let inner = self.operand_after(&tok, Self::unary)?;
                if tok == Tok::Plus {
                    return Ok(inner);
                }
                let span = at.to(inner.outer);
                Ok(Expr::new(ExprKind::Neg(Box::new(inner)), span))
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Expr, CheckError> {
        let base = self.postfix()?;
        let op = match self.peek() {
            Tok::Caret => BinOp::Pow,
            Tok::DotCaret => BinOp::ElemPow,
            _ => return Ok(base),
        };
        let (tok, _) = self.bump();
        let exponent = self.operand_after(&tok, Self::unary)?;
        Ok(Self::binary(op, base, exponent))
    }

    fn postfix(&mut self) -> Result<Expr, CheckError> {
        let mut e = self.primary()?;
        while self.peek() == &Tok::Quote {
            let (_, at) = self.bump();
            e = Expr::new(ExprKind::Transpose(Box::new(e.clone())), e.outer.to(at));
        }
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, CheckError> {
        let (tok, at) = self.bump();
        match tok {
            Tok::Num(v) => Ok(Expr::new(ExprKind::Num(v), at)),
            Tok::Ident(name) => self.name_or_call(name, at),
            Tok::LParen => {
                let inner = self.operand_after(&Tok::LParen, Self::expr)?;
                let (close, close_at) = self.bump();
                if close != Tok::RParen {
                    let found = close.describe();
                    return Err(self.error(&format!("expected `)` to close the `(` here, found {found}"), at));
                }
                Ok(Expr { outer: at.to(close_at), ..inner })
            }
            other => {
                let found = other.describe();
                Err(self.error(&format!("expected a name, a number or `(`, found {found}"), at))
            }
        }
    }

    fn name_or_call(&mut self, name: String, at: Span) -> Result<Expr, CheckError> {
        let func = Func::from_name(&name);
        if self.peek() != &Tok::LParen {
            if func.is_some() {
                return Err(self.error(&format!("`{name}` is a function: write {name}(...)"), at));
            }
            return Ok(Expr::new(ExprKind::Name(name), at));
        }
        let Some(func) = func else {
            return Err(CheckError::UnknownFunction { name, at: self.sources.snippet(at) });
        };
        self.bump();
        let arg = self.operand_after(&Tok::LParen, Self::expr)?;
        let (close, close_at) = self.bump();
        match close {
            Tok::RParen => Ok(Expr::new(ExprKind::Call(func, Box::new(arg)), at.to(close_at))),
            Tok::Comma => Err(self.error(&format!("{func}(...) takes one argument"), close_at)),
            other => {
                let found = other.describe();
                Err(self.error(&format!("expected `)` to close {func}(, found {found}"), close_at))
            }
        }
    }

    /// Parses the operand that must follow `tok` (an operator or `(`), with a clear message
    /// when there is none.
    fn operand_after(
        &mut self,
        tok: &Tok,
        rule: fn(&mut Self) -> Result<Expr, CheckError>,
    ) -> Result<Expr, CheckError> {
        match self.peek() {
            Tok::End
            | Tok::RParen
            | Tok::Comma
            | Tok::Quote
            | Tok::Star
            | Tok::Slash
            | Tok::DotStar
            | Tok::DotSlash => {
                let found = self.peek().describe();
                let here = self.span();
                Err(self
                    .error(&format!("expected a name, a number or `(` after {}, found {found}", tok.describe()), here))
            }
            _ => rule(self),
        }
    }
}
