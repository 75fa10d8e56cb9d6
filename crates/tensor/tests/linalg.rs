//! `handgrad_tensor::linalg` against naive f64 references on small random matrices: the Cholesky
//! factor, log-determinant, the three solves, the inverse and the rank-k update (textbook loops);
//! the eigendecomposition (matrices of known spectrum, and cyclic Jacobi) with its sign convention;
//! singular values and the column basis (matrices of known SVD). Every buffer's strict upper
//! triangle holds NaN: a routine that read it would fail the comparison, and one that wrote it
//! would fail the untouched check. Comparisons fail on NaN.

mod common;

use common::assert_close;
use handgrad_tensor::linalg::{
    NotPositiveDefinite, Workspace, cholesky_in_place, column_basis, inverse_from_factor, log_det_from_factor,
    rank_k_update_lower, singular_values, solve_in_place, solve_lower_in_place, solve_lower_transpose_in_place,
    sym_eigen,
};
use handgrad_tensor::{Matrix, Par, init, tol};

/// Sizes around faer's blocking thresholds (1, tiny, one block, several blocks).
const SIZES: &[usize] = &[1, 2, 5, 17, 70];

// ---------- helpers ----------

/// A random symmetric positive-definite `(n, n)`: `B·Bᵀ/n + ½·I` (eigenvalues in about [½, 4½]).
fn spd(n: usize, seed: u64) -> Matrix<f64> {
    let b: Matrix<f64> = init::randn(n, n, 1.0, &mut init::rng_from_seed(seed));
    Matrix::from_fn(n, n, |i, j| {
        (0..n).map(|k| b.get(i, k) * b.get(j, k)).sum::<f64>() / n as f64 + if i == j { 0.5 } else { 0.0 }
    })
}

/// The lower triangle of `m: (n, n)` in column-major order, strict upper triangle NaN.
fn lower_col_major(m: &Matrix<f64>) -> Vec<f64> {
    let n = m.rows();
    (0..n * n).map(|p| if p % n >= p / n { m.get(p % n, p / n) } else { f64::NAN }).collect()
}

/// `m: (r, c)` in column-major order.
fn col_major(m: &Matrix<f64>) -> Vec<f64> {
    (0..m.cols()).flat_map(|j| (0..m.rows()).map(move |i| m.get(i, j))).collect()
}

/// The lower triangle (`i ≥ j`) of a column-major `(n, n)` buffer, in column order.
fn lower_part(buf: &[f64], n: usize) -> Vec<f64> {
    (0..n).flat_map(|j| (j..n).map(move |i| buf[j * n + i])).collect()
}

/// Panics unless every strict-upper element of the column-major `(n, n)` buffer is still NaN.
#[track_caller]
fn assert_upper_untouched(what: &str, buf: &[f64], n: usize) {
    for j in 0..n {
        for i in 0..j {
            assert!(buf[j * n + i].is_nan(), "{what}: wrote the strict upper triangle at ({i}, {j})");
        }
    }
}

/// Textbook Cholesky–Banachiewicz: `L` with `K = L·Lᵀ` (zeros above the diagonal).
fn naive_cholesky(k: &Matrix<f64>) -> Matrix<f64> {
    let n = k.rows();
    let mut l = Matrix::zeros(n, n);
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = k.get(i, j) - (0..j).map(|p| l.get(i, p) * l.get(j, p)).sum::<f64>();
            l.set(i, j, if i == j { s.sqrt() } else { s / l.get(j, j) });
        }
    }
    l
}

/// `L⁻¹·B` by forward substitution.
fn naive_forward(l: &Matrix<f64>, b: &Matrix<f64>) -> Matrix<f64> {
    let mut x = b.clone();
    for c in 0..b.cols() {
        for i in 0..l.rows() {
            let s: f64 = x.get(i, c) - (0..i).map(|p| l.get(i, p) * x.get(p, c)).sum::<f64>();
            x.set(i, c, s / l.get(i, i));
        }
    }
    x
}

/// `L⁻ᵀ·B` by back substitution with `Lᵀ`.
fn naive_back_transpose(l: &Matrix<f64>, b: &Matrix<f64>) -> Matrix<f64> {
    let n = l.rows();
    let mut x = b.clone();
    for c in 0..b.cols() {
        for i in (0..n).rev() {
            let s: f64 = x.get(i, c) - (i + 1..n).map(|p| l.get(p, i) * x.get(p, c)).sum::<f64>();
            x.set(i, c, s / l.get(i, i));
        }
    }
    x
}

/// Eigenvalues of the symmetric `a` by cyclic Jacobi rotations (Golub & Van Loan §8.5), descending.
fn jacobi_eigenvalues(a: &Matrix<f64>) -> Vec<f64> {
    let n = a.rows();
    let mut m = a.clone();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .filter(|(i, j)| i != j)
            .map(|(i, j)| m.get(i, j).powi(2))
            .sum();
        if off < 1e-300 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m.get(p, q);
                if apq == 0.0 {
                    continue;
                }
                let theta = (m.get(q, q) - m.get(p, p)) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let (c, s) = (1.0 / (t * t + 1.0).sqrt(), t / (t * t + 1.0).sqrt());
                for k in 0..n {
                    let (mkp, mkq) = (m.get(k, p), m.get(k, q));
                    m.set(k, p, c * mkp - s * mkq);
                    m.set(k, q, s * mkp + c * mkq);
                }
                for k in 0..n {
                    let (mpk, mqk) = (m.get(p, k), m.get(q, k));
                    m.set(p, k, c * mpk - s * mqk);
                    m.set(q, k, s * mpk + c * mqk);
                }
            }
        }
    }
    let mut values: Vec<f64> = (0..n).map(|i| m.get(i, i)).collect();
    values.sort_by(|a, b| b.total_cmp(a));
    values
}

/// `(r, c)` with orthonormal columns (modified Gram–Schmidt of a random matrix), `r ≥ c`.
fn orthonormal(r: usize, c: usize, seed: u64) -> Matrix<f64> {
    gram_schmidt(init::randn(r, c, 1.0, &mut init::rng_from_seed(seed)))
}

/// The columns of `q: (r, c)` orthonormalised in order (modified Gram–Schmidt).
fn gram_schmidt(mut q: Matrix<f64>) -> Matrix<f64> {
    let (r, c) = q.shape();
    for j in 0..c {
        for p in 0..j {
            let d: f64 = (0..r).map(|i| q.get(i, j) * q.get(i, p)).sum();
            (0..r).for_each(|i| q.set(i, j, q.get(i, j) - d * q.get(i, p)));
        }
        let norm = (0..r).map(|i| q.get(i, j).powi(2)).sum::<f64>().sqrt();
        (0..r).for_each(|i| q.set(i, j, q.get(i, j) / norm));
    }
    q
}

/// `U·diag(s)·Vᵀ` for `u: (r, k)`, `v: (c, k)`.
fn compose(u: &Matrix<f64>, s: &[f64], v: &Matrix<f64>) -> Matrix<f64> {
    Matrix::from_fn(u.rows(), v.rows(), |i, j| (0..s.len()).map(|k| u.get(i, k) * s[k] * v.get(j, k)).sum())
}

/// Column `k` of `q`, negated if its largest-magnitude component (the first, on a tie) is negative.
fn signed_column(q: &Matrix<f64>, k: usize) -> Vec<f64> {
    let col: Vec<f64> = (0..q.rows()).map(|i| q.get(i, k)).collect();
    let big = col.iter().fold(0.0f64, |b, &v| if v.abs() > b.abs() { v } else { b });
    col.iter().map(|v| if big < 0.0 { -v } else { *v }).collect()
}

// ---------- Cholesky, log-determinant, solves, inverse, rank-k update ----------

#[test]
fn cholesky_matches_the_textbook_loop_and_leaves_the_upper_triangle_alone() {
    for (s, &n) in SIZES.iter().enumerate() {
        let k = spd(n, s as u64);
        let mut buf = lower_col_major(&k);
        let mut ws = Workspace::new(n, Par::Seq);
        cholesky_in_place(&mut buf, n, &mut ws).unwrap();
        let want = naive_cholesky(&k);
        assert_close(&format!("L (n = {n})"), &lower_part(&buf, n), &lower_part(&col_major(&want), n), tol::NAIVE_F64);
        assert_upper_untouched("cholesky_in_place", &buf, n);
        let naive_logdet: f64 = (0..n).map(|i| 2.0 * want.get(i, i).ln()).sum();
        assert_close("ln|K|", &[log_det_from_factor(&buf, n)], &[naive_logdet], tol::NAIVE_F64);
    }
}

#[test]
fn log_det_of_a_two_by_two_is_the_determinant() {
    // K = [[4, 2], [2, 3]]: |K| = 8, L = [[2, 0], [1, √2]].
    let mut k = vec![4.0, 2.0, f64::NAN, 3.0];
    cholesky_in_place(&mut k, 2, &mut Workspace::new(2, Par::Seq)).unwrap();
    assert_close("L", &[k[0], k[1], k[3]], &[2.0, 1.0, 2f64.sqrt()], tol::NAIVE_F64);
    assert_close("ln|K|", &[log_det_from_factor(&k, 2)], &[8f64.ln()], tol::NAIVE_F64);
    assert_eq!(log_det_from_factor(&[], 0), 0.0);
}

#[test]
fn solves_match_forward_and_back_substitution() {
    for (s, &n) in SIZES.iter().enumerate() {
        let k = spd(n, 10 + s as u64);
        let b: Matrix<f64> = init::randn(n, 3, 1.0, &mut init::rng_from_seed(20 + s as u64));
        let mut l = lower_col_major(&k);
        cholesky_in_place(&mut l, n, &mut Workspace::new(n, Par::Seq)).unwrap();
        let ln = naive_cholesky(&k);
        let fwd = naive_forward(&ln, &b);

        let mut x = col_major(&b);
        solve_lower_in_place(&l, n, &mut x, Par::Seq);
        assert_close(&format!("L⁻¹B (n = {n})"), &x, &col_major(&fwd), tol::NAIVE_F64);

        let mut x = col_major(&b);
        solve_lower_transpose_in_place(&l, n, &mut x, Par::Seq);
        assert_close(&format!("L⁻ᵀB (n = {n})"), &x, &col_major(&naive_back_transpose(&ln, &b)), tol::NAIVE_F64);

        let mut x = col_major(&b);
        solve_in_place(&l, n, &mut x, Par::Seq);
        assert_close(&format!("K⁻¹B (n = {n})"), &x, &col_major(&naive_back_transpose(&ln, &fwd)), tol::NAIVE_F64);
        assert_upper_untouched("the solves", &l, n);
    }
}

#[test]
fn inverse_matches_solving_the_identity() {
    for (s, &n) in SIZES.iter().enumerate() {
        let k = spd(n, 30 + s as u64);
        let mut l = lower_col_major(&k);
        let mut ws = Workspace::new(n, Par::Seq);
        cholesky_in_place(&mut l, n, &mut ws).unwrap();
        let mut inv = vec![f64::NAN; n * n];
        inverse_from_factor(&l, n, &mut inv, &mut ws);
        let ln = naive_cholesky(&k);
        let want = naive_back_transpose(&ln, &naive_forward(&ln, &Matrix::identity(n)));
        assert_close(
            &format!("K⁻¹ (n = {n})"),
            &lower_part(&inv, n),
            &lower_part(&col_major(&want), n),
            tol::NAIVE_F64,
        );
        assert_upper_untouched("inverse_from_factor", &inv, n);
    }
}

#[test]
fn rank_k_update_matches_the_sum_of_outer_products() {
    for (s, &n) in SIZES.iter().enumerate() {
        let c0 = spd(n, 40 + s as u64);
        for kcols in [1, 4] {
            let a: Matrix<f64> = init::randn(n, kcols, 1.0, &mut init::rng_from_seed(50 + s as u64));
            let alpha = -0.75;
            let mut c = lower_col_major(&c0);
            rank_k_update_lower(&mut c, n, &col_major(&a), alpha, Par::Seq);
            let want = Matrix::from_fn(n, n, |i, j| {
                c0.get(i, j) + alpha * (0..kcols).map(|p| a.get(i, p) * a.get(j, p)).sum::<f64>()
            });
            let what = format!("C + αAAᵀ (n = {n}, k = {kcols})");
            assert_close(&what, &lower_part(&c, n), &lower_part(&col_major(&want), n), tol::NAIVE_F64);
            assert_upper_untouched("rank_k_update_lower", &c, n);
        }
    }
}

#[test]
fn a_workspace_for_n_serves_smaller_matrices() {
    let mut ws = Workspace::new(10, Par::Seq);
    assert_eq!((ws.dim(), ws.par()), (10, Par::Seq));
    for n in [3, 10] {
        let k = spd(n, 60);
        let mut l = lower_col_major(&k);
        cholesky_in_place(&mut l, n, &mut ws).unwrap();
        let mut inv = vec![f64::NAN; n * n];
        inverse_from_factor(&l, n, &mut inv, &mut ws);
        let ln = naive_cholesky(&k);
        assert_close("L", &lower_part(&l, n), &lower_part(&col_major(&ln), n), tol::NAIVE_F64);
    }
}

// ---------- the non-positive-pivot error ----------

#[test]
fn non_positive_pivots_give_a_typed_error_with_the_index() {
    let mut ws = Workspace::new(3, Par::Seq);
    // diag(1, −5): the second pivot is negative.
    let mut k = vec![1.0, 0.0, f64::NAN, -5.0];
    assert_eq!(cholesky_in_place(&mut k, 2, &mut ws), Err(NotPositiveDefinite { n: 2, pivot: 1 }));
    // [[1, 2], [2, 1]] is indefinite: second pivot 1 − 4 < 0.
    let mut k = vec![1.0, 2.0, f64::NAN, 1.0];
    assert_eq!(cholesky_in_place(&mut k, 2, &mut ws), Err(NotPositiveDefinite { n: 2, pivot: 1 }));
    // diag(1, 2, 0): the third pivot is exactly zero.
    let mut k = lower_col_major(&Matrix::from_rows(&[[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]));
    assert_eq!(cholesky_in_place(&mut k, 3, &mut ws), Err(NotPositiveDefinite { n: 3, pivot: 2 }));
    // A negative first pivot.
    let mut k = vec![-1.0];
    assert_eq!(cholesky_in_place(&mut k, 1, &mut ws), Err(NotPositiveDefinite { n: 1, pivot: 0 }));
    let msg = NotPositiveDefinite { n: 2, pivot: 1 }.to_string();
    assert!(msg.contains("not positive definite") && msg.contains("index 1") && msg.contains("jitter"), "{msg}");
}

#[test]
fn a_nan_in_the_matrix_is_a_non_positive_pivot() {
    let mut ws = Workspace::new(3, Par::Seq);
    let mut k = lower_col_major(&spd(3, 70));
    k[4] = f64::NAN; // element (1, 1)
    let err = cholesky_in_place(&mut k, 3, &mut ws).unwrap_err();
    assert_eq!(err, NotPositiveDefinite { n: 3, pivot: 1 });
}

#[test]
#[should_panic(expected = "needs a Workspace for n ≥ 4")]
fn a_too_small_workspace_panics() {
    let mut k = lower_col_major(&spd(4, 80));
    let _ = cholesky_in_place(&mut k, 4, &mut Workspace::new(3, Par::Seq));
}

#[test]
#[should_panic(expected = "is not (n, k) with n = 3")]
fn a_ragged_right_hand_side_panics() {
    let l = lower_col_major(&Matrix::identity(3));
    solve_in_place(&l, 3, &mut [1.0; 7], Par::Seq);
}

#[test]
#[should_panic(expected = "relative error")]
fn the_comparison_fails_on_nan() {
    assert_close("NaN", &[f64::NAN], &[1.0], tol::NAIVE_F64);
}

// ---------- eigendecomposition ----------

#[test]
fn eigen_recovers_a_known_spectrum_with_the_sign_convention() {
    let lambda = [-1.0, 0.5, 5.0, 2.0, 3.0, 1.0]; // distinct, one negative, unsorted
    let n = lambda.len();
    let q = orthonormal(n, n, 90);
    let a = compose(&q, &lambda, &q);
    let eig = sym_eigen(&a, Par::Seq).unwrap();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| lambda[j].total_cmp(&lambda[i]));
    let want: Vec<f64> = order.iter().map(|&i| lambda[i]).collect();
    assert_close("eigenvalues", &eig.values, &want, tol::NAIVE_F64);
    for (row, &src) in order.iter().enumerate() {
        assert_close(&format!("eigenvector {row}"), eig.vectors.row(row), &signed_column(&q, src), tol::NAIVE_F64);
    }
}

#[test]
fn eigenvectors_have_their_largest_component_positive() {
    // Columns of Q whose largest-magnitude entries are negative: the returned vectors must be −Q's.
    let q = Matrix::from_rows(&[[-0.8, 0.0, -0.6], [0.6, 0.0, -0.8], [0.0, -1.0, 0.0]]);
    let a = compose(&q, &[3.0, 2.0, 1.0], &q);
    let eig = sym_eigen(&a, Par::Seq).unwrap();
    for k in 0..3 {
        let v = eig.vectors.row(k);
        let big = v.iter().fold(0.0f64, |b, &x| if x.abs() > b.abs() { x } else { b });
        assert!(big > 0.0, "eigenvector {k} = {v:?}");
        assert_close(&format!("eigenvector {k}"), v, &signed_column(&q, k), tol::NAIVE_F64);
    }
    // −A's eigenvectors are A's in reverse order, with the same signs.
    let neg = Matrix::from_fn(3, 3, |i, j| -a.get(i, j));
    let eig_neg = sym_eigen(&neg, Par::Seq).unwrap();
    for k in 0..3 {
        assert_close(&format!("eigenvector {k} of −A"), eig_neg.vectors.row(k), eig.vectors.row(2 - k), tol::NAIVE_F64);
    }
}

#[test]
fn eigen_of_random_symmetric_matrices_matches_jacobi_and_reads_only_the_lower_triangle() {
    for (s, &n) in SIZES.iter().enumerate() {
        let b: Matrix<f64> = init::randn(n, n, 1.0, &mut init::rng_from_seed(100 + s as u64));
        let a = Matrix::from_fn(n, n, |i, j| b.get(i, j) + b.get(j, i));
        let garbage = Matrix::from_fn(n, n, |i, j| if j > i { f64::NAN } else { a.get(i, j) });
        let eig = sym_eigen(&garbage, Par::Seq).unwrap();
        assert_close(&format!("eigenvalues (n = {n})"), &eig.values, &jacobi_eigenvalues(&a), tol::NAIVE_F64);
        // A·v_k = λ_k·v_k and V·Vᵀ = I.
        let norm = eig.values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for k in 0..n {
            let v = eig.vectors.row(k);
            let av: Vec<f64> = (0..n).map(|i| (0..n).map(|j| a.get(i, j) * v[j]).sum()).collect();
            let lv: Vec<f64> = v.iter().map(|x| eig.values[k] * x).collect();
            let resid = av.iter().zip(&lv).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
            assert!(resid <= tol::NAIVE_F64 * norm, "n = {n}, k = {k}: |Av − λv| = {resid:e}");
            for m in 0..n {
                let dot: f64 = v.iter().zip(eig.vectors.row(m)).map(|(x, y)| x * y).sum();
                let want = if m == k { 1.0 } else { 0.0 };
                assert!((dot - want).abs() <= tol::NAIVE_F64, "n = {n}: v_{k}·v_{m} = {dot:e}");
            }
        }
    }
}

// ---------- SVD ----------

#[test]
fn singular_values_of_a_known_svd_tall_and_wide() {
    let s = [3.0, 0.25, 1.5];
    let a = compose(&orthonormal(7, 3, 110), &s, &orthonormal(3, 3, 111)); // (7, 3)
    let want = [3.0, 1.5, 0.25];
    assert_close("σ(A)", &singular_values(&a, Par::Seq).unwrap(), &want, tol::NAIVE_F64);
    assert_close("σ(Aᵀ)", &singular_values(&a.transpose(), Par::Seq).unwrap(), &want, tol::NAIVE_F64);
}

#[test]
fn singular_values_of_random_matrices_are_the_roots_of_eig_ata() {
    for (r, c) in [(1, 1), (6, 4), (4, 6), (30, 5)] {
        let a: Matrix<f64> = init::randn(r, c, 1.0, &mut init::rng_from_seed(120 + r as u64));
        let small = r.min(c);
        let gram = if r >= c {
            Matrix::from_fn(c, c, |i, j| (0..r).map(|k| a.get(k, i) * a.get(k, j)).sum())
        } else {
            Matrix::from_fn(r, r, |i, j| (0..c).map(|k| a.get(i, k) * a.get(j, k)).sum())
        };
        let want: Vec<f64> = jacobi_eigenvalues(&gram).iter().take(small).map(|v| v.max(0.0).sqrt()).collect();
        assert_close(&format!("σ ({r}, {c})"), &singular_values(&a, Par::Seq).unwrap(), &want, tol::NAIVE_F64);
    }
}

#[test]
fn column_basis_spans_the_columns_orthonormally() {
    let u = orthonormal(9, 3, 130);
    let a = compose(&u, &[2.0, 0.5, 1.0], &orthonormal(3, 3, 131)); // (9, 3), span = span(U)
    let cb = column_basis(&a, Par::Seq).unwrap();
    assert_eq!(cb.basis.shape(), (9, 3));
    assert_close("σ", &cb.singular_values, &[2.0, 1.0, 0.5], tol::NAIVE_F64);
    let q = &cb.basis;
    let qtq = Matrix::from_fn(3, 3, |i, j| (0..9).map(|k| q.get(k, i) * q.get(k, j)).sum::<f64>());
    assert_close("QᵀQ", qtq.as_slice(), Matrix::<f64>::identity(3).as_slice(), tol::NAIVE_F64);
    // Same projector as U's: Q·Qᵀ = U·Uᵀ.
    let proj = |m: &Matrix<f64>| Matrix::from_fn(9, 9, |i, j| (0..3).map(|k| m.get(i, k) * m.get(j, k)).sum::<f64>());
    assert_close("QQᵀ", proj(q).as_slice(), proj(&u).as_slice(), tol::NAIVE_F64);
}

#[test]
fn column_basis_reports_rank_deficiency_in_its_singular_values() {
    let a = compose(&orthonormal(5, 2, 140), &[1.0, 0.0], &orthonormal(2, 2, 141));
    let cb = column_basis(&a, Par::Seq).unwrap();
    assert!((cb.singular_values[0] - 1.0).abs() <= tol::NAIVE_F64, "{:?}", cb.singular_values);
    assert!(cb.singular_values[1].abs() <= tol::NAIVE_F64, "{:?}", cb.singular_values);
}

#[test]
#[should_panic(expected = "must have at least as many rows as columns")]
fn column_basis_of_a_wide_matrix_panics() {
    let _ = column_basis(&Matrix::zeros(2, 3), Par::Seq);
}

#[test]
fn non_finite_input_is_an_error_not_silent_nan() {
    let nan = Matrix::from_rows(&[[1.0, 0.0], [f64::NAN, 2.0]]);
    let err = sym_eigen(&nan, Par::Seq).unwrap_err();
    assert!(err.to_string().contains("symmetric eigendecomposition of a (2, 2) matrix failed"), "{err}");
    assert!(sym_eigen(&Matrix::from_rows(&[[f64::INFINITY]]), Par::Seq).is_err());
    assert!(singular_values(&nan, Par::Seq).is_err());
    assert!(column_basis(&nan, Par::Seq).is_err());
    // The strict upper triangle is not read by the eigendecomposition, so it may hold anything.
    let upper = Matrix::from_rows(&[[1.0, f64::INFINITY], [0.0, 2.0]]);
    assert_eq!(sym_eigen(&upper, Par::Seq).unwrap().values, vec![2.0, 1.0]);
}
