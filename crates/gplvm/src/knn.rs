//! The oil-flow benchmark's metric: leave-one-out 1-nearest-neighbour errors in latent space
//! (Lawrence 2005, §6): point i counts as an error when its nearest other point (Euclidean
//! distance, ties to the lower index) has a different label.

use handgrad_tensor::Matrix;

/// Number of points of `x: (n, q)` whose nearest other point has a different label.
///
/// # Panics
/// If `labels.len() != n` or `n < 2`.
#[track_caller]
pub fn loo_1nn_errors(x: &Matrix<f64>, labels: &[usize]) -> usize {
    let n = x.rows();
    assert!(
        labels.len() == n && n >= 2,
        "loo_1nn_errors: x is {:?} but {} labels (need n ≥ 2)",
        x.shape(),
        labels.len()
    );
    (0..n)
        .filter(|&i| {
            let xi = x.row(i);
            let mut best = (f64::INFINITY, usize::MAX);
            for j in (0..n).filter(|&j| j != i) {
                let d2: f64 = x.row(j).iter().zip(xi).map(|(a, b)| (a - b) * (a - b)).sum();
                if d2 < best.0 {
                    best = (d2, j);
                }
            }
            labels[best.1] != labels[i]
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_points_whose_neighbour_disagrees() {
        // Two tight clusters and one class-1 point placed inside the class-0 cluster.
        let x = Matrix::from_rows(&[[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [5.0, 5.0], [5.1, 5.0], [0.05, 0.05]]);
        let labels = [0, 0, 0, 1, 1, 1];
        // Points 0, 1, 2 (class 0) are each nearest to point 5 (distance² 0.005 < 0.01), and point 5
        // (class 1) is nearest to them: 4 errors; points 3 and 4 are each other's neighbours.
        assert_eq!(loo_1nn_errors(&x, &labels), 4);
        let clean = [0, 0, 0, 1, 1, 0];
        assert_eq!(loo_1nn_errors(&x, &clean), 0);
    }
}
