//! The size bounds of a net, checked before anything is allocated: by [`Recipe::validate`]
//! (training), by checkpoint loading (a config read from a file) and by the commands' flags.
//!
//! They exist so that a typo or an edited file gives an error naming the bound instead of an
//! allocation of terabytes (which aborts the process). Each is far above what the homework uses
//! (hidden sizes 50–500, about a million parameters, minibatches of 200):
//!
//! | bound | value | memory it stands for (f32) |
//! |---|---|---|
//! | [`MAX_HIDDEN`] units per hidden layer | 16,384 | a first layer of 3072 × 16,384 = 201 MB |
//! | [`MAX_PARAMS`] scalars in all tensors | 50,000,000 | 200 MB per copy (training keeps about six: parameters, gradient, optimizer moments, best and last good copies) |
//! | [`MAX_BATCH_VALUES`] = batch size × (input + Σ hidden + classes) | 200,000,000 | 800 MB per activation buffer set |
//!
//! [`Recipe::validate`]: crate::Recipe::validate

/// Most units in one hidden layer.
pub const MAX_HIDDEN: usize = 16_384;
/// Most scalars in a net's parameter tensors together.
pub const MAX_PARAMS: usize = 50_000_000;
/// Most values in one minibatch's activations: `batch_size × (input_dim + Σ hidden + classes)`.
pub const MAX_BATCH_VALUES: usize = 200_000_000;

/// Parameter count of a net `input_dim → hidden… → classes` (weights and biases; batchnorm adds
/// `γ, β` per hidden unit), or `None` when it overflows.
pub fn param_count(input_dim: usize, hidden: &[usize], classes: usize, batchnorm: bool) -> Option<usize> {
    let mut total = 0usize;
    let mut prev = input_dim;
    for &h in hidden.iter().chain([&classes]) {
        total = total.checked_add(prev.checked_mul(h)?.checked_add(h)?)?;
        prev = h;
    }
    if batchnorm {
        total = total.checked_add(hidden.iter().try_fold(0usize, |a, &h| a.checked_add(2 * h))?)?;
    }
    Some(total)
}

/// Checks the sizes of a net: every size ≥ 1, each hidden layer ≤ [`MAX_HIDDEN`], the parameters
/// ≤ [`MAX_PARAMS`].
///
/// # Errors
/// A message naming the size and its bound.
pub fn check_net(input_dim: usize, hidden: &[usize], classes: usize, batchnorm: bool) -> Result<(), String> {
    if input_dim == 0 || classes == 0 {
        return Err(format!("the input size ({input_dim}) and the number of classes ({classes}) must be at least 1"));
    }
    if let Some(&h) = hidden.iter().find(|&&h| h == 0 || h > MAX_HIDDEN) {
        return Err(format!("a hidden layer of {h} units: each hidden size must be in 1..={MAX_HIDDEN}"));
    }
    match param_count(input_dim, hidden, classes, batchnorm) {
        Some(n) if n <= MAX_PARAMS => Ok(()),
        n => Err(format!(
            "a net {input_dim} → {hidden:?} → {classes} has {} parameters, more than the limit of {MAX_PARAMS}; use smaller hidden layers",
            n.map_or_else(|| "too many".to_string(), |n| n.to_string())
        )),
    }
}

/// Checks that one minibatch's activations stay within [`MAX_BATCH_VALUES`].
///
/// # Errors
/// A message naming the product and the bound.
pub fn check_batch(batch_size: usize, input_dim: usize, hidden: &[usize], classes: usize) -> Result<(), String> {
    let width = hidden.iter().try_fold(input_dim.saturating_add(classes), |a, &h| a.checked_add(h));
    match width.and_then(|w| w.checked_mul(batch_size)) {
        Some(v) if v <= MAX_BATCH_VALUES => Ok(()),
        v => Err(format!(
            "a minibatch of {batch_size} rows through layers of {input_dim} + {hidden:?} + {classes} units holds {} values, more than the limit of {MAX_BATCH_VALUES}; use a smaller batch size or smaller hidden layers",
            v.map_or_else(|| "too many".to_string(), |v| v.to_string())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_bounds() {
        assert_eq!(param_count(3072, &[100], 10, false), Some(3072 * 100 + 100 + 100 * 10 + 10));
        assert_eq!(param_count(4, &[3, 2], 2, true), Some(4 * 3 + 3 + 3 * 2 + 2 + 2 * 2 + 2 + 2 * (3 + 2)));
        assert_eq!(param_count(usize::MAX, &[2], 2, false), None);
        assert!(check_net(3072, &[100, 100], 10, true).is_ok());
        assert!(check_net(3072, &[0], 10, false).unwrap_err().contains("1..=16384"));
        assert!(check_net(3072, &[100_000_000_000, 100], 10, false).is_err());
        assert!(check_net(3072, &[16_384, 16_384], 10, false).unwrap_err().contains("50000000"));
        assert!(check_batch(200, 3072, &[300], 10).is_ok());
        assert!(check_batch(100_000_000, 3072, &[300], 10).unwrap_err().contains("smaller batch size"));
    }
}
