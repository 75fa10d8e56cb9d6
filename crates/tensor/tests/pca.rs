//! `handgrad_tensor::pca` and `handgrad_tensor::stats` against naive f64 loops: the second-moment
//! matrix over several row chunks, in f64 from f32 data, without centring; eigenpairs, components
//! and scores; column centring and unit-variance scaling. Comparisons fail on NaN.

mod common;

use common::assert_close;
use handgrad_tensor::pca::{CHUNK_ROWS, Pca};
use handgrad_tensor::stats::{center_columns, scale_columns};
use handgrad_tensor::{Matrix, Par, init, tol};

/// `(rows, 5)` correlated data with column scales 3, 2, 1, 0.5, 0.25 and a mean offset of 1.
fn data(rows: usize, seed: u64) -> Matrix<f64> {
    let mut rng = init::rng_from_seed(seed);
    let z: Matrix<f64> = init::randn(rows, 5, 1.0, &mut rng);
    let scale = [3.0, 2.0, 1.0, 0.5, 0.25];
    Matrix::from_fn(rows, 5, |i, j| z.get(i, j) * scale[j] + 0.3 * z.get(i, (j + 1) % 5) + 1.0)
}

/// `XᵀX / N`, summed in f64 in row order.
fn naive_second_moment(x: &Matrix<f64>) -> Matrix<f64> {
    let n = x.rows() as f64;
    Matrix::from_fn(x.cols(), x.cols(), |a, b| (0..x.rows()).map(|i| x.get(i, a) * x.get(i, b)).sum::<f64>() / n)
}

#[test]
fn second_moment_over_several_chunks_is_not_centred() {
    let rows = 2 * CHUNK_ROWS + 77; // three chunks, the last one partial
    let x = data(rows, 1);
    let pca = Pca::fit(&x, Par::Seq).unwrap();
    assert_close("C", pca.second_moment().as_slice(), naive_second_moment(&x).as_slice(), tol::NAIVE_F64);
    // The mean offset stays in: C_00 ≈ var + 1 > var.
    assert!(pca.second_moment().get(0, 0) > 9.0, "{:?}", pca.second_moment());
}

#[test]
fn f32_data_are_accumulated_in_f64() {
    let x = data(700, 2);
    let x32: Matrix<f32> = x.cast();
    let pca = Pca::fit(&x32, Par::Seq).unwrap();
    // The reference is the f64 sum over the same (rounded) f32 values.
    assert_close("C", pca.second_moment().as_slice(), naive_second_moment(&x32.cast()).as_slice(), tol::NAIVE_F64);
}

#[test]
fn eigenpairs_components_and_scores() {
    let mut x = data(300, 3);
    center_columns(&mut x);
    let pca = Pca::fit(&x, Par::Seq).unwrap();
    let c = naive_second_moment(&x);
    let (n, q) = (5, 2);
    assert_eq!(pca.dim(), n);
    let values = pca.eigenvalues();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "not descending: {values:?}");
    // C·v_k = λ_k·v_k, each v_k a unit vector with its largest-magnitude component positive.
    for k in 0..n {
        let v = pca.eigenvectors().row(k);
        let cv: Vec<f64> = (0..n).map(|i| (0..n).map(|j| c.get(i, j) * v[j]).sum()).collect();
        let lv: Vec<f64> = v.iter().map(|x| values[k] * x).collect();
        assert_close(&format!("C·v_{k}"), &cv, &lv, tol::NAIVE_F64);
        assert_close(&format!("|v_{k}|"), &[v.iter().map(|x| x * x).sum::<f64>()], &[1.0], tol::NAIVE_F64);
        let big = v.iter().fold(0.0f64, |b, &x| if x.abs() > b.abs() { x } else { b });
        assert!(big > 0.0, "v_{k} = {v:?}");
    }
    let comp = pca.components(q);
    assert_eq!(comp.shape(), (q, n));
    assert_eq!(comp.as_slice(), &pca.eigenvectors().as_slice()[..q * n]);
    let scores = pca.scores(&x, q, Par::Seq);
    let want = Matrix::from_fn(300, q, |i, k| (0..n).map(|j| x.get(i, j) * comp.get(k, j)).sum());
    assert_close("scores", scores.as_slice(), want.as_slice(), tol::NAIVE_F64);
    // The scores' variances are the top eigenvalues (the data are centred).
    for k in 0..q {
        let var = (0..300).map(|i| scores.get(i, k).powi(2)).sum::<f64>() / 300.0;
        assert_close(&format!("var(score {k})"), &[var], &[values[k]], tol::NAIVE_F64);
    }
}

#[test]
fn from_second_moment_keeps_the_matrix() {
    let c = Matrix::from_rows(&[[2.0, 0.0], [0.0, 5.0]]);
    let pca = Pca::from_second_moment(c.clone(), Par::Seq).unwrap();
    assert_eq!(pca.second_moment(), &c);
    assert_close("λ", pca.eigenvalues(), &[5.0, 2.0], tol::NAIVE_F64);
    assert_close("v_1", pca.components(1).as_slice(), &[0.0, 1.0], tol::NAIVE_F64);
}

#[test]
#[should_panic(expected = "q = 3 > n = 2")]
fn too_many_components_panic() {
    let pca = Pca::from_second_moment(Matrix::identity(2), Par::Seq).unwrap();
    let _ = pca.components(3);
}

#[test]
#[should_panic(expected = "empty data")]
fn empty_data_panic() {
    let _ = Pca::fit(&Matrix::<f64>::zeros(0, 3), Par::Seq);
}

#[test]
fn nan_data_give_an_error() {
    let mut x = data(20, 4);
    x.set(3, 1, f64::NAN);
    let err = Pca::fit(&x, Par::Seq).unwrap_err();
    assert!(err.to_string().contains("NaN"), "{err}");
}

#[test]
fn centring_subtracts_the_column_means() {
    let mut x = data(101, 5);
    let orig = x.clone();
    let means = center_columns(&mut x);
    let want: Vec<f64> = (0..5).map(|j| (0..101).map(|i| orig.get(i, j)).sum::<f64>() / 101.0).collect();
    assert_close("means", &means, &want, tol::NAIVE_F64);
    let shifted = Matrix::from_fn(101, 5, |i, j| orig.get(i, j) - want[j]);
    assert_close("centred", x.as_slice(), shifted.as_slice(), tol::NAIVE_F64);
    // f32 data: means in f64, the centred values rounded once.
    let mut x32: Matrix<f32> = orig.cast();
    let means32 = center_columns(&mut x32);
    let o32: Matrix<f64> = orig.cast::<f32>().cast();
    let want32: Vec<f64> = (0..5).map(|j| (0..101).map(|i| o32.get(i, j)).sum::<f64>() / 101.0).collect();
    assert_close("f32 means", &means32, &want32, tol::NAIVE_F64);
    for (&g, (i, j)) in x32.as_slice().iter().zip((0..101).flat_map(|i| (0..5).map(move |j| (i, j)))) {
        assert_eq!(g, (o32.get(i, j) - want32[j]) as f32);
    }
    // No rows: nothing to do, zero means.
    assert_eq!(center_columns(&mut Matrix::<f64>::zeros(0, 3)), vec![0.0; 3]);
}

#[test]
fn scaling_gives_unit_variance_and_leaves_constant_columns() {
    let mut x = data(64, 6);
    center_columns(&mut x);
    for i in 0..64 {
        x.set(i, 2, 0.0); // a constant (zero) column
    }
    let orig = x.clone();
    let sd = scale_columns(&mut x);
    let want: Vec<f64> = (0..5).map(|j| ((0..64).map(|i| orig.get(i, j).powi(2)).sum::<f64>() / 64.0).sqrt()).collect();
    assert_close("sd", &sd, &want, tol::NAIVE_F64);
    assert_eq!(sd[2], 0.0);
    assert!((0..64).all(|i| x.get(i, 2) == 0.0), "the constant column changed");
    for j in [0, 1, 3, 4] {
        let var = (0..64).map(|i| x.get(i, j).powi(2)).sum::<f64>() / 64.0;
        assert_close(&format!("var col {j}"), &[var], &[1.0], tol::NAIVE_F64);
    }
}

#[test]
fn scores_of_f32_data_over_several_chunks_equal_the_f64_scores() {
    // 1,100 rows: two whole chunks of CHUNK_ROWS = 512 and a partial one.
    let mut rng = handgrad_tensor::init::rng_from_seed(8);
    let x64: Matrix<f64> = handgrad_tensor::init::randn(1100, 7, 1.0, &mut rng);
    let x32 = Matrix::from_fn(1100, 7, |i, j| x64.get(i, j) as f32);
    let back = Matrix::from_fn(1100, 7, |i, j| f64::from(x32.get(i, j)));
    let pca = Pca::fit(&back, Par::Seq).unwrap();
    let comp = pca.components(3);
    let want = Matrix::from_fn(1100, 3, |i, k| (0..7).map(|j| back.get(i, j) * comp.get(k, j)).sum());
    assert_close("f32 scores", pca.scores(&x32, 3, Par::Seq).as_slice(), want.as_slice(), tol::NAIVE_F64);
    assert_eq!(pca.scores(&x32, 3, Par::Seq).as_slice(), pca.scores(&back, 3, Par::Seq).as_slice());
}
