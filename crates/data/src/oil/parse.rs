//! The one validator of the oil-flow format, used by both [`super::load`] and
//! [`super::install()`]: the bytes of `DataTrn.txt` and `DataTrnLbls.txt` to [`OilData`].
//!
//! A file is UTF-8 text; blank lines are ignored; every other line is a row of whitespace-separated
//! finite numbers, 12 per row in the measurements and 3 in the labels, where each label row is
//! one-hot (one 1, two 0s); each file has exactly [`N_ROWS`] rows. The first problem found is
//! returned with its file and 1-based line (the measurements are checked before the labels).

use std::path::Path;

use handgrad_tensor::Matrix;

use super::{N_CLASSES, N_FEATURES, N_ROWS, OilData, OilError};

/// Validates the contents of the measurements (`data`, read from `data_path`) and of the labels
/// (`labels`, from `labels_path`) and returns them as `y: (1000, 12)` and labels `0..3`. The paths
/// only name the files in errors.
pub fn parse(data_path: &Path, data: &[u8], labels_path: &Path, labels: &[u8]) -> Result<OilData, OilError> {
    let y = parse_table(data_path, data, N_FEATURES, |_| Ok(()))?;
    let one_hot = parse_table(labels_path, labels, N_CLASSES, check_one_hot)?;
    let labels = one_hot
        .chunks_exact(N_CLASSES)
        .map(|row| row.iter().position(|&v| v == 1.0).expect("checked one-hot"))
        .collect();
    Ok(OilData { y: Matrix::from_vec(N_ROWS, N_FEATURES, y), labels })
}

/// `Ok` when `row` is one 1 and otherwise 0s.
fn check_one_hot(row: &[f64]) -> Result<(), String> {
    let ones = row.iter().filter(|&&v| v == 1.0).count();
    let zeros = row.iter().filter(|&&v| v == 0.0).count();
    if ones == 1 && zeros == row.len() - 1 { Ok(()) } else { Err(format!("labels {row:?} are not one-hot")) }
}

/// The [`N_ROWS`] non-blank lines of `bytes` as rows of exactly `cols` finite numbers, each
/// accepted by `check_row`, flattened row by row: `N_ROWS · cols` values.
fn parse_table(
    path: &Path,
    bytes: &[u8],
    cols: usize,
    check_row: impl Fn(&[f64]) -> Result<(), String>,
) -> Result<Vec<f64>, OilError> {
    let bad = |line: usize, problem: String| OilError::BadLine { path: path.to_path_buf(), line, problem };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        bad(line, format!("not text (invalid UTF-8 at byte {})", e.valid_up_to()))
    })?;
    let mut values = Vec::with_capacity(N_ROWS * cols);
    let mut rows = 0;
    for (k, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let start = values.len();
        for tok in line.split_whitespace() {
            let v: f64 = tok.parse().map_err(|_| bad(k + 1, format!("'{tok}' is not a number")))?;
            if !v.is_finite() {
                return Err(bad(k + 1, format!("'{tok}' is not a finite number")));
            }
            values.push(v);
        }
        let found = values.len() - start;
        if found != cols {
            return Err(bad(k + 1, format!("{found} columns, expected {cols}")));
        }
        check_row(&values[start..]).map_err(|problem| bad(k + 1, problem))?;
        rows += 1;
    }
    if rows != N_ROWS {
        return Err(OilError::RowCount { path: path.to_path_buf(), rows, expected: N_ROWS });
    }
    Ok(values)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `rows` lines of `cols` numbers, value `i + j/16` at row `i`, column `j` (exact in binary).
    pub(crate) fn table(rows: usize, cols: usize) -> String {
        let line = |i: usize| (0..cols).map(|j| format!("{}", i as f64 + j as f64 / 16.0)).collect::<Vec<_>>();
        (0..rows).map(|i| line(i).join(" ") + "\n").collect()
    }

    /// `rows` one-hot label lines, row `i` of class `i % 3`.
    pub(crate) fn labels_text(rows: usize) -> String {
        let line = |i: usize| (0..N_CLASSES).map(|c| if c == i % 3 { "1" } else { "0" }).collect::<Vec<_>>();
        (0..rows).map(|i| line(i).join(" ") + "\n").collect()
    }

    fn check(data: &str, labels: &str) -> Result<OilData, OilError> {
        parse(Path::new("d/DataTrn.txt"), data.as_bytes(), Path::new("d/DataTrnLbls.txt"), labels.as_bytes())
    }

    /// The error's message, asserting it names `file` and `line` and contains `what`.
    fn assert_bad_line(r: Result<OilData, OilError>, file: &str, line: usize, what: &str) {
        let err = r.unwrap_err();
        let msg = err.to_string();
        assert!(matches!(&err, OilError::BadLine { line: l, .. } if *l == line), "{msg}");
        assert!(msg.contains(&format!("d/{file}, line {line}:")) && msg.contains(what), "{msg}");
        assert!(msg.ends_with("(`oil::install` reinstalls the folder from one)") && !msg.contains("xtask"), "{msg}");
    }

    fn replace_line(text: &str, line: usize, with: &str) -> String {
        let mut lines: Vec<&str> = text.lines().collect();
        lines[line - 1] = with;
        lines.join("\n") + "\n"
    }

    #[test]
    fn valid_files_parse_with_blank_lines_and_crlf() {
        let data = table(N_ROWS, N_FEATURES).replace('\n', "\r\n") + "\n  \n";
        let labels = "\n".to_string() + &labels_text(N_ROWS);
        let oil = check(&data, &labels).unwrap();
        assert_eq!(oil.y.shape(), (N_ROWS, N_FEATURES));
        assert_eq!((oil.y.get(0, 0), oil.y.get(999, 11)), (0.0, 999.0 + 11.0 / 16.0));
        assert_eq!(oil.labels.len(), N_ROWS);
        assert_eq!(&oil.labels[997..], [1, 2, 0]);
    }

    #[test]
    fn truncated_files_are_rejected() {
        let (data, labels) = (table(N_ROWS, N_FEATURES), labels_text(N_ROWS));
        // Cut in the middle of the last row (before its last number): that row is short.
        let cut = &data[..data.trim_end().rfind(' ').unwrap()];
        assert_bad_line(check(cut, &labels), "DataTrn.txt", N_ROWS, "columns, expected 12");
        // Cut at a line boundary: too few rows.
        let err = check(&table(N_ROWS - 1, N_FEATURES), &labels).unwrap_err();
        assert!(matches!(err, OilError::RowCount { rows: 999, expected: 1000, .. }), "{err}");
        assert!(err.to_string().contains("d/DataTrn.txt has 999 data rows"), "{err}");
        // Empty.
        let err = check("", &labels).unwrap_err();
        assert!(matches!(err, OilError::RowCount { rows: 0, .. }), "{err}");
    }

    #[test]
    fn rows_of_the_two_files_must_match() {
        let err = check(&table(N_ROWS, N_FEATURES), &labels_text(N_ROWS - 1)).unwrap_err();
        assert!(
            matches!(&err, OilError::RowCount { path, rows: 999, .. } if path.ends_with("DataTrnLbls.txt")),
            "{err}"
        );
        let err = check(&table(N_ROWS + 1, N_FEATURES), &labels_text(N_ROWS + 1)).unwrap_err();
        assert!(matches!(err, OilError::RowCount { rows: 1001, .. }), "{err}");
    }

    #[test]
    fn wrong_column_counts_are_rejected() {
        let labels = labels_text(N_ROWS);
        assert_bad_line(check(&table(N_ROWS, 11), &labels), "DataTrn.txt", 1, "11 columns, expected 12");
        assert_bad_line(check(&table(N_ROWS, 13), &labels), "DataTrn.txt", 1, "13 columns, expected 12");
        let data = table(N_ROWS, N_FEATURES);
        let labels = replace_line(&labels_text(N_ROWS), 7, "0 1");
        assert_bad_line(check(&data, &labels), "DataTrnLbls.txt", 7, "2 columns, expected 3");
    }

    #[test]
    fn labels_must_be_one_hot() {
        let data = table(N_ROWS, N_FEATURES);
        for row in ["2 0 0", "1 1 0", "0 0 0", "0.5 0.5 0", "1 0 -0.0001"] {
            let labels = replace_line(&labels_text(N_ROWS), 5, row);
            assert_bad_line(check(&data, &labels), "DataTrnLbls.txt", 5, "not one-hot");
        }
        // -0 is 0: still one-hot.
        check(&data, &replace_line(&labels_text(N_ROWS), 5, "0 -0 1")).unwrap();
    }

    #[test]
    fn non_numbers_and_non_finite_values_are_rejected() {
        let labels = labels_text(N_ROWS);
        for (tok, what) in
            [("NaN", "'NaN' is not a finite number"), ("inf", "not a finite"), ("1,5", "'1,5' is not a number")]
        {
            let data = replace_line(&table(N_ROWS, N_FEATURES), 3, &format!("{tok}{}", " 0".repeat(11)));
            assert_bad_line(check(&data, &labels), "DataTrn.txt", 3, what);
        }
        let labels = replace_line(&labels_text(N_ROWS), 9, "nan 0 1");
        assert_bad_line(check(&table(N_ROWS, N_FEATURES), &labels), "DataTrnLbls.txt", 9, "not a finite number");
    }

    #[test]
    fn binary_files_are_rejected_with_the_line() {
        let mut data = table(N_ROWS, N_FEATURES).into_bytes();
        let second_line = data.iter().position(|&b| b == b'\n').unwrap() + 1;
        data[second_line + 2] = 0xff;
        let r =
            parse(Path::new("d/DataTrn.txt"), &data, Path::new("d/DataTrnLbls.txt"), labels_text(N_ROWS).as_bytes());
        assert_bad_line(r, "DataTrn.txt", 2, "not text (invalid UTF-8");
    }
}
