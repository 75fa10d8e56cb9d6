#![doc = include_str!("../README.md")]
//!
//! ## Tour
//!
//! The dense matrix core every handgrad crate stands on:
//!
//! - [`Scalar`]: one trait for `f32` (training) and `f64` (gradient checks);
//! - [`Matrix`]: row-major, contiguous, rows are samples; viewed by faer without copying;
//! - [`gemm`]: `A·B`, `A·Bᵀ`, `Aᵀ·B` into caller buffers, overwrite or accumulate, explicit [`Par`];
//! - [`ops`]: bias broadcast, column sums, row max / log-sum-exp / argmax, elementwise maps;
//! - [`linalg`]: the one door to faer's dense linear algebra — Cholesky, log-determinant, solves,
//!   inverse, symmetric rank-k update, symmetric eigendecomposition, SVD — with reusable scratch;
//! - [`pca`]: one PCA (`C = XᵀX/N`, its eigenvalues, components and scores); [`stats`]: column
//!   centring and unit-variance scaling;
//! - [`init`]: seeded initialisers on a named portable generator ([`init::Rng`], PCG-64);
//! - [`gradcheck`] and [`tol`]: central differences, `rel_error`, and every tolerance in one place.
//!
//! `#![no_std]` + `alloc`. Turn on the `std` feature (default) in every binary, test and bench:
//! it forwards to `faer/std`, without which faer's GEMM is several times slower.
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod cpu;
pub mod gemm;
pub mod gradcheck;
pub mod init;
pub mod kernels;
pub mod linalg;
pub mod matrix;
pub mod ops;
pub mod pca;
mod scalar;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod skinny;
pub mod stats;
pub mod tol;

pub use faer;
pub use gemm::{Accum, Par};
pub use matrix::Matrix;
/// The `rand` the initialisers' `&mut R: rand::Rng` arguments are bounded by (0.10), so that a user
/// names the trait at the matching version without adding the dependency.
pub use rand;
pub use scalar::Scalar;
