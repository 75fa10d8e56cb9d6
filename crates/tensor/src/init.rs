//! Seeded initialisers with an explicit, named, portable RNG.
//!
//! handgrad never uses a global RNG: every function that draws random numbers takes `&mut R`.
//! [`Rng`] is PCG-64 (`rand_pcg::Pcg64`, O'Neill 2014), whose output stream is fixed by its
//! specification, so a seed gives the same numbers on every machine and version (unlike `StdRng`).
//! Normal draws go through `rand_distr::StandardNormal` in `f64` and are then rounded, so `f32` and
//! `f64` models built from the same seed start from the same weights (up to rounding).

use rand::{RngExt as _, SeedableRng};
use rand_distr::StandardNormal;

use crate::{Matrix, Scalar};

/// The generator used throughout handgrad: PCG-64 (XSL-RR 128/64).
pub type Rng = rand_pcg::Pcg64;

/// A [`Rng`] seeded from a `u64` (e.g. a `--seed` flag).
pub fn rng_from_seed(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// A `(rows, cols)` matrix with entries drawn i.i.d. from N(0, std²).
pub fn randn<T: Scalar, R: rand::Rng + ?Sized>(rows: usize, cols: usize, std: f64, rng: &mut R) -> Matrix<T> {
    Matrix::from_fn(rows, cols, |_, _| {
        let z: f64 = rng.sample(StandardNormal);
        T::from_f64(std * z)
    })
}

/// A `(rows, cols)` matrix with entries drawn i.i.d. from U[lo, hi).
pub fn uniform<T: Scalar, R: rand::Rng + ?Sized>(rows: usize, cols: usize, lo: f64, hi: f64, rng: &mut R) -> Matrix<T> {
    Matrix::from_fn(rows, cols, |_, _| T::from_f64(lo + (hi - lo) * rng.random::<f64>()))
}
