//! Tokens of the matrix language.
//!
//! ```text
//! number   1  2.5  .5  1e-3          name   [A-Za-z_][A-Za-z0-9_]*
//! + - * /  .* ./ .^  ^  '  ( ) ,     whitespace between tokens is ignored
//! ```
//!
//! `'` is always the transpose (the language has no strings).

use crate::ast::{SourceId, Sources, Span};
use crate::error::CheckError;

/// One token.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A number literal.
    Num(f64),
    /// A name (variable, size or function).
    Ident(String),
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `.*`
    DotStar,
    /// `./`
    DotSlash,
    /// `^`
    Caret,
    /// `.^`
    DotCaret,
    /// `'`
    Quote,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// The end of the text.
    End,
}

impl Tok {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::Num(v) => format!("the number {v}"),
            Tok::Ident(n) => format!("`{n}`"),
            Tok::End => "the end of the text".into(),
            other => format!("`{}`", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::DotStar => ".*",
            Tok::DotSlash => "./",
            Tok::Caret => "^",
            Tok::DotCaret => ".^",
            Tok::Quote => "'",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Comma => ",",
            Tok::Num(_) | Tok::Ident(_) | Tok::End => "",
        }
    }
}

/// Splits a source into tokens with their spans; the last token is [`Tok::End`].
pub fn lex(sources: &Sources, id: SourceId) -> Result<Vec<(Tok, Span)>, CheckError> {
    let text = sources.text(id);
    let bytes = text.as_bytes();
    let span = |start: usize, end: usize| Span { source: id, start, end };
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let next = bytes.get(i + 1).copied();
        let tok = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'0'..=b'9' => {
                i = number_end(bytes, i);
                Tok::Num(parse_number(sources, span(start, i))?)
            }
            b'.' if next.is_some_and(|d| d.is_ascii_digit()) => {
                i = number_end(bytes, i);
                Tok::Num(parse_number(sources, span(start, i))?)
            }
            b'.' => {
                i += 2;
                match next {
                    Some(b'*') => Tok::DotStar,
                    Some(b'/') => Tok::DotSlash,
                    Some(b'^') => Tok::DotCaret,
                    _ => {
                        return Err(CheckError::Syntax {
                            message: "`.` starts an elementwise operator (.* ./ .^) or a number (.5)".into(),
                            at: sources.snippet(span(start, start + 1)),
                        });
                    }
                }
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                Tok::Ident(text[start..i].to_string())
            }
            _ => {
                i += 1;
                match c {
                    b'+' => Tok::Plus,
                    b'-' => Tok::Minus,
                    b'*' => Tok::Star,
                    b'/' => Tok::Slash,
                    b'^' => Tok::Caret,
                    b'\'' => Tok::Quote,
                    b'(' => Tok::LParen,
                    b')' => Tok::RParen,
                    b',' => Tok::Comma,
                    _ => {
                        let ch = text[start..].chars().next().unwrap_or('?');
                        return Err(CheckError::Syntax {
                            message: format!(
                                "unexpected character `{ch}`; the language has names, numbers, + - * / .* ./ ^ .^ ' ( )"
                            ),
                            at: sources.snippet(span(start, start + ch.len_utf8())),
                        });
                    }
                }
            }
        };
        out.push((tok, span(start, i)));
    }
    out.push((Tok::End, span(bytes.len(), bytes.len())));
    Ok(out)
}

/// The end of the number starting at `i`: digits, an optional fraction, an optional exponent.
fn number_end(bytes: &[u8], mut i: usize) -> usize {
    let digits = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    i = digits(i);
    // A fraction, unless the dot begins an elementwise operator (`2.*x`).
    if i < bytes.len() && bytes[i] == b'.' && !matches!(bytes.get(i + 1), Some(b'*' | b'/' | b'^')) {
        i = digits(i + 1);
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            i = digits(j);
        }
    }
    i
}

fn parse_number(sources: &Sources, span: Span) -> Result<f64, CheckError> {
    sources.slice(span).parse::<f64>().map_err(|_| CheckError::Syntax {
        message: format!("`{}` is not a number", sources.slice(span)),
        at: sources.snippet(span),
    })
}
