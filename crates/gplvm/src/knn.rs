//! The oil-flow benchmark's metric: leave-one-out 1-nearest-neighbour errors in latent space
//! (Lawrence 2005, §6): point i counts as an error when its nearest other point (Euclidean
//! distance, ties to the lower index) has a different label.
//!
//! The neighbours come from a k-d tree (Bentley 1975, *Multidimensional binary search trees used
//! for associative searching*, CACM 18(9); Friedman, Bentley & Finkel 1977): the points are split
//! recursively at the median of the coordinate of largest spread until at most [`LEAF_SIZE`]
//! remain. A query descends to the side of each split holding it, then visits the other side only
//! if the squared distance to the split plane, `(p_c − s)²`, a lower bound on the distance to every
//! point beyond it, is at most the best squared distance so far (so equal distances are still
//! visited and ties go to the lower index exactly as a brute-force scan would). Memory O(N) (no
//! N×N matrix); building O(N log N), a query O(log N) on average in low dimension (q = 2, 3);
//! in high dimension the pruning fades and a query tends to the O(N) scan.

use alloc::vec::Vec;

use handgrad_tensor::Matrix;

/// Most points in a leaf of the tree.
pub const LEAF_SIZE: usize = 8;

/// A k-d tree over the rows of `x: (n, q)` (borrowed).
pub struct KdTree<'a> {
    x: &'a Matrix<f64>,
    /// Row indices, permuted so that every node owns a contiguous range.
    idx: Vec<usize>,
    nodes: Vec<Node>,
}

enum Node {
    /// Rows `idx[start..end]`.
    Leaf { start: usize, end: usize },
    /// Rows on the left have `x[·, dim] ≤ value`, those on the right `≥ value`.
    Split { dim: usize, value: f64, left: usize, right: usize },
}

impl<'a> KdTree<'a> {
    /// Builds the tree over the rows of `x: (n, q)`.
    ///
    /// # Panics
    /// If `x` has no rows or a coordinate is not finite.
    #[track_caller]
    pub fn new(x: &'a Matrix<f64>) -> Self {
        assert!(
            x.rows() > 0 && x.as_slice().iter().all(|v| v.is_finite()),
            "KdTree::new: x {:?} is empty or has a non-finite coordinate",
            x.shape()
        );
        let mut tree = Self { x, idx: (0..x.rows()).collect(), nodes: Vec::new() };
        tree.build(0, x.rows());
        tree
    }

    /// Builds the node owning `idx[start..end]` and returns its index in `nodes`.
    fn build(&mut self, start: usize, end: usize) -> usize {
        let me = self.nodes.len();
        if end - start <= LEAF_SIZE {
            self.nodes.push(Node::Leaf { start, end });
            return me;
        }
        let x = self.x;
        let dim = (0..x.cols())
            .max_by(|&a, &b| self.spread(start, end, a).total_cmp(&self.spread(start, end, b)))
            .expect("q ≥ 1");
        let mid = start + (end - start) / 2;
        self.idx[start..end].select_nth_unstable_by(mid - start, |&a, &b| x.get(a, dim).total_cmp(&x.get(b, dim)));
        let value = x.get(self.idx[mid], dim);
        self.nodes.push(Node::Leaf { start, end });
        let left = self.build(start, mid);
        let right = self.build(mid, end);
        self.nodes[me] = Node::Split { dim, value, left, right };
        me
    }

    /// `max − min` of coordinate `dim` over `idx[start..end]`.
    fn spread(&self, start: usize, end: usize, dim: usize) -> f64 {
        let (lo, hi) = self.idx[start..end].iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &i| {
            let v = self.x.get(i, dim);
            (lo.min(v), hi.max(v))
        });
        hi - lo
    }

    /// The row nearest to `point: (q,)` other than `exclude`, and its squared distance; ties go to
    /// the lower row index. `None` when no other row exists.
    ///
    /// # Panics
    /// If `point.len() != q`.
    #[track_caller]
    pub fn nearest(&self, point: &[f64], exclude: Option<usize>) -> Option<(usize, f64)> {
        assert!(
            point.len() == self.x.cols(),
            "KdTree::nearest: point of length {} for x {:?}",
            point.len(),
            self.x.shape()
        );
        let mut best = (f64::INFINITY, usize::MAX);
        self.search(0, point, exclude, &mut best);
        (best.1 != usize::MAX).then_some((best.1, best.0))
    }

    fn search(&self, node: usize, p: &[f64], exclude: Option<usize>, best: &mut (f64, usize)) {
        match self.nodes[node] {
            Node::Leaf { start, end } => {
                for &j in &self.idx[start..end] {
                    if Some(j) == exclude {
                        continue;
                    }
                    let d2: f64 = self.x.row(j).iter().zip(p).map(|(a, b)| (a - b) * (a - b)).sum();
                    if d2 < best.0 || (d2 == best.0 && j < best.1) {
                        *best = (d2, j);
                    }
                }
            }
            Node::Split { dim, value, left, right } => {
                let diff = p[dim] - value;
                let (near, far) = if diff < 0.0 { (left, right) } else { (right, left) };
                self.search(near, p, exclude, best);
                if diff * diff <= best.0 {
                    self.search(far, p, exclude, best);
                }
            }
        }
    }
}

/// For each row of `query: (p, q)`, the label of its nearest row of `x: (n, q)` (ties to the
/// lower index): 1-NN classification against labelled points.
///
/// # Panics
/// If `labels.len() != n`, the widths differ, or `x` is empty.
#[track_caller]
pub fn nearest_labels(x: &Matrix<f64>, labels: &[usize], query: &Matrix<f64>) -> Vec<usize> {
    assert!(
        labels.len() == x.rows() && query.cols() == x.cols(),
        "nearest_labels: x is {:?} with {} labels, query {:?}",
        x.shape(),
        labels.len(),
        query.shape()
    );
    let tree = KdTree::new(x);
    query.row_iter().map(|p| labels[tree.nearest(p, None).expect("x is not empty").0]).collect()
}

/// Number of points of `x: (n, q)` whose nearest other point has a different label.
///
/// # Panics
/// If `labels.len() != n`, `n < 2`, or a coordinate is not finite.
#[track_caller]
pub fn loo_1nn_errors(x: &Matrix<f64>, labels: &[usize]) -> usize {
    let n = x.rows();
    assert!(
        labels.len() == n && n >= 2,
        "loo_1nn_errors: x is {:?} but {} labels (need n ≥ 2)",
        x.shape(),
        labels.len()
    );
    let tree = KdTree::new(x);
    (0..n)
        .filter(|&i| {
            let (j, _) = tree.nearest(x.row(i), Some(i)).expect("n ≥ 2");
            labels[j] != labels[i]
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use handgrad_tensor::init;

    /// The nearest other row by a full scan (ties to the lower index): the oracle.
    fn brute_nearest(x: &Matrix<f64>, p: &[f64], exclude: Option<usize>) -> (usize, f64) {
        let mut best = (f64::INFINITY, usize::MAX);
        for j in (0..x.rows()).filter(|&j| Some(j) != exclude) {
            let d2: f64 = x.row(j).iter().zip(p).map(|(a, b)| (a - b) * (a - b)).sum();
            if d2 < best.0 {
                best = (d2, j);
            }
        }
        (best.1, best.0)
    }

    fn check_against_brute_force(x: &Matrix<f64>) {
        let tree = KdTree::new(x);
        for i in 0..x.rows() {
            assert_eq!(tree.nearest(x.row(i), Some(i)), Some(brute_nearest(x, x.row(i), Some(i))), "row {i}");
        }
    }

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

    #[test]
    fn tree_matches_brute_force_in_2d_3d_and_5d() {
        let mut rng = init::rng_from_seed(17);
        for (n, q) in [(1000, 2), (500, 3), (300, 5), (9, 2), (2, 1)] {
            check_against_brute_force(&init::randn(n, q, 1.0, &mut rng));
        }
    }

    #[test]
    fn ties_go_to_the_lower_index_like_the_scan() {
        // An integer grid (every point has up to four neighbours at distance 1) with duplicated
        // rows (distance 0) and a column of equal values.
        let mut rows = vec![];
        for i in 0..20 {
            for j in 0..15 {
                rows.push([i as f64, j as f64]);
            }
        }
        rows.extend_from_slice(&[[3.0, 4.0], [3.0, 4.0], [19.0, 0.0]]);
        rows.extend((0..30).map(|k| [7.0, 0.5 * k as f64]));
        let x = Matrix::from_rows(&rows);
        check_against_brute_force(&x);
        let labels: Vec<usize> = (0..x.rows()).map(|i| (i * 7) % 3).collect();
        let brute = (0..x.rows()).filter(|&i| labels[brute_nearest(&x, x.row(i), Some(i)).0] != labels[i]).count();
        assert_eq!(loo_1nn_errors(&x, &labels), brute);
    }

    #[test]
    fn nearest_labels_classifies_new_points_against_the_scan() {
        let mut rng = init::rng_from_seed(4);
        let x = init::randn(400, 2, 1.0, &mut rng);
        let labels: Vec<usize> = (0..400).map(|i| usize::from(x.get(i, 0) > 0.0)).collect();
        let query = init::randn(100, 2, 1.0, &mut rng);
        let expected: Vec<usize> = query.row_iter().map(|p| labels[brute_nearest(&x, p, None).0]).collect();
        assert_eq!(nearest_labels(&x, &labels, &query), expected);
        assert_eq!(KdTree::new(&Matrix::from_rows(&[[1.0]])).nearest(&[1.0], Some(0)), None);
    }
}
