//! The command line's definitions, parsed: `--shape NAME=RxC`, `--size NAME=K`, `--let NAME=EXPR`.

use crate::error::CheckError;
use crate::shapes::Shape;

/// `"A=4x3"` (also `4×3`, `4,3`) → `("A", 4×3)`.
pub fn parse_shape(spec: &str) -> Result<(String, Shape), CheckError> {
    let bad =
        || CheckError::Definition(format!("--shape {spec}: write NAME=RxC with whole numbers, e.g. --shape A=4x3"));
    let (name, dims) = split(spec).ok_or_else(bad)?;
    let (r, c) = dims.split_once(['x', 'X', '×', ',']).ok_or_else(bad)?;
    let (r, c) = (r.trim().parse::<usize>().map_err(|_| bad())?, c.trim().parse::<usize>().map_err(|_| bad())?);
    Ok((name.to_string(), Shape::new(r, c)))
}

/// `"n=7"` → `("n", 7)`.
pub fn parse_size(spec: &str) -> Result<(String, usize), CheckError> {
    let bad = || CheckError::Definition(format!("--size {spec}: write NAME=K with a whole number, e.g. --size n=7"));
    let (name, k) = split(spec).ok_or_else(bad)?;
    Ok((name.to_string(), k.trim().parse::<usize>().map_err(|_| bad())?))
}

/// `"r=W'*W*x - x"` → `("r", "W'*W*x - x")`.
pub fn parse_let(spec: &str) -> Result<(String, String), CheckError> {
    let (name, text) = split(spec).ok_or_else(|| {
        CheckError::Definition(format!("--let {spec}: write NAME=EXPRESSION, e.g. --let r=\"W'*W*x - x\""))
    })?;
    Ok((name.to_string(), text.to_string()))
}

/// `NAME=REST` with a non-empty name.
fn split(spec: &str) -> Option<(&str, &str)> {
    let (name, rest) = spec.split_once('=')?;
    let name = name.trim();
    (!name.is_empty()).then_some((name, rest))
}
