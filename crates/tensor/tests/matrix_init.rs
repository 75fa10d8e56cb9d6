//! Matrix layout, faer views and the seeded initialisers.

mod common;

use handgrad_tensor::{Matrix, init};

#[test]
fn row_major_layout_and_faer_view_agree() {
    let m = Matrix::from_fn(3, 4, |i, j| (10 * i + j) as f64);
    assert_eq!(m.row(1), &[10.0, 11.0, 12.0, 13.0]);
    let v = m.as_faer();
    for i in 0..3 {
        for j in 0..4 {
            assert_eq!(v[(i, j)], m.get(i, j));
        }
    }
    let t = m.transpose();
    assert_eq!(t.shape(), (4, 3));
    assert_eq!(t.get(3, 2), 23.0);
    assert_eq!(Matrix::from_faer(v), m);
    let r = m.clone().reshape(2, 6);
    assert_eq!(r.row(1), &[12.0, 13.0, 20.0, 21.0, 22.0, 23.0]);
}

#[test]
fn same_seed_same_numbers_and_f32_matches_f64() {
    let a: Matrix<f64> = init::randn(50, 40, 0.1, &mut init::rng_from_seed(42));
    let b: Matrix<f64> = init::randn(50, 40, 0.1, &mut init::rng_from_seed(42));
    let c: Matrix<f64> = init::randn(50, 40, 0.1, &mut init::rng_from_seed(43));
    let f: Matrix<f32> = init::randn(50, 40, 0.1, &mut init::rng_from_seed(42));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(f, a.cast::<f32>());
}

#[test]
fn randn_has_the_requested_moments() {
    let x: Matrix<f64> = init::randn(200, 200, 0.5, &mut init::rng_from_seed(7));
    let n = x.len() as f64;
    let mean = x.as_slice().iter().sum::<f64>() / n;
    let var = x.as_slice().iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    // 40,000 draws: the sample mean has std 0.0025, the sample variance std ≈ 0.0018.
    assert!(mean.abs() < 0.0125, "mean {mean}");
    assert!((var - 0.25).abs() < 0.01, "variance {var}");
    let u: Matrix<f64> = init::uniform(100, 100, -2.0, 3.0, &mut init::rng_from_seed(8));
    assert!(u.as_slice().iter().all(|&v| (-2.0..3.0).contains(&v)));
    let um = u.as_slice().iter().sum::<f64>() / u.len() as f64;
    assert!((um - 0.5).abs() < 0.05, "uniform mean {um}");
}

#[test]
#[should_panic(expected = "12 elements cannot form shape (5, 2)")]
fn from_vec_rejects_wrong_length() {
    let _ = Matrix::from_vec(5, 2, vec![0.0f64; 12]);
}

#[test]
fn every_matrix_starts_on_a_cache_line() {
    use handgrad_tensor::matrix::ALIGN_BYTES;
    let aligned = |m: &Matrix<f32>| (m.as_slice().as_ptr() as usize).is_multiple_of(ALIGN_BYTES);
    let mut m = Matrix::<f32>::zeros(200, 3072);
    assert!(aligned(&m));
    assert!(aligned(&m.clone()));
    assert!(aligned(&Matrix::from_vec(3, 5, (0..15).map(|v| v as f32).collect())));
    assert!(aligned(&Matrix::<f32>::from_fn(7, 3, |i, j| (i * j) as f32)));
    // Shrinking and growing back within the allocation keeps the start; growing past it realigns.
    let p = m.as_slice().as_ptr();
    m.resize(10, 3072);
    m.resize(200, 3072);
    assert_eq!(m.as_slice().as_ptr(), p);
    m.set(0, 1, 4.0);
    m.resize(400, 3072);
    assert!(aligned(&m) && m.get(0, 1) == 4.0 && m.get(399, 3071) == 0.0);
    let v = Matrix::from_vec(2, 2, vec![1.0f64, 2.0, 3.0, 4.0]);
    assert_eq!(v.clone().into_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(v, v.clone());
}
