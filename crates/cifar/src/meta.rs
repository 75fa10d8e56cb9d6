//! Class names from `batches.meta.txt`: ten non-empty lines, label `i` on line `i + 1`
//! (airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck). Blank lines after the
//! tenth name, as in the canonical file, are allowed.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::error::CifarError;
use crate::record::NUM_CLASSES;

/// Parses the text of `batches.meta.txt` (`file` names it in errors).
pub fn parse_class_names(file: &str, text: &str) -> Result<Vec<String>, CifarError> {
    let bad = |line: usize, reason: String| CifarError::ClassNames { file: file.into(), line, reason };
    let mut names = Vec::with_capacity(NUM_CLASSES);
    for (i, line) in text.lines().enumerate() {
        let name = line.trim();
        if names.len() == NUM_CLASSES {
            if !name.is_empty() {
                return Err(bad(i + 1, alloc::format!("unexpected text {name:?} after {NUM_CLASSES} class names")));
            }
        } else if name.is_empty() {
            return Err(bad(i + 1, "empty line where a class name was expected".to_string()));
        } else {
            names.push(name.to_string());
        }
    }
    if names.len() != NUM_CLASSES {
        return Err(bad(0, alloc::format!("{} class names, expected {NUM_CLASSES}", names.len())));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANONICAL: &str = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";

    #[test]
    fn canonical_file() {
        let n = parse_class_names("m", CANONICAL).unwrap();
        assert_eq!(n.len(), 10);
        assert_eq!((n[0].as_str(), n[9].as_str()), ("airplane", "truck"));
    }

    #[test]
    fn wrong_files_are_errors() {
        assert!(parse_class_names("m", "a\nb\n").is_err());
        assert!(parse_class_names("m", "a\n\nb\nc\nd\ne\nf\ng\nh\ni\nj").is_err());
        let e = parse_class_names("m", &alloc::format!("{CANONICAL}extra\n")).unwrap_err();
        assert!(alloc::format!("{e}").contains("line 12"), "{e}");
    }
}
