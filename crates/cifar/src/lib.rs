#![doc = include_str!("../README.md")]
//!
//! ## Tour
//!
//! CIFAR-10 for handgrad: a memory-mapped reader of the binary batch files, the homework's
//! splits and per-pixel mean, and a minibatch gather from the mapped bytes into reusable buffers:
//! a plain `&mut [f32]` (or `f64`) of `rows × 3072` values, or, with the `tensor` feature
//! (default), a `Matrix`.
//!
//! - [`record`]: the 3,073-byte [`Record`] (label + R, G, B planes of 32×32), validated views of
//!   `&[u8]` ([`parse_records`]) — no_std;
//! - [`Records`]: the records of several batch files as one indexed sequence, labels kept apart;
//! - [`Cifar10`] (`std`): open a `cifar-10-batches-bin/` folder by memory-mapping its files;
//!   a missing test batch is reported by [`Cifar10::test`] while the training records stay usable;
//! - [`SplitConfig`] / [`Splits`]: 49,000 / 1,000 / 1,000 by default, as index ranges;
//! - [`PixelMean`] and [`Layout`] (HWC or CHW flattening);
//! - [`Preprocess`]: `gather_into(records, rows, x: (n, 3072), y: n labels, threads)` with the
//!   mean subtracted, no allocation per batch, into a row-major `&mut [T]` ([`Element`]: `f32` or
//!   `f64`); [`Preprocess::gather_augmented_into`] also applies a random crop and flip per row
//!   ([`Augment`], drawn as [`Transform`]s before the gather); with `tensor`, the same into a
//!   `Matrix` (`gather`, `gather_par`, `gather_augmented_par`, `to_matrix`);
//! - `archive` (feature `install`, default): verify and install the dataset archive or folder
//!   atomically, with a manifest of sizes and SHA-256 (the protocol of `handgrad_data::install`;
//!   used by `cargo xtask fetch-cifar`);
//! - `download` (feature `download`): `download_and_install(datasets, &Download::default(), progress)`
//!   fetches the canonical archive over HTTPS and installs it.
//!
//! Record parsing, splits, the mean and the gather are `#![no_std]` + `alloc` over in-memory
//! bytes and need neither handgrad-tensor nor faer; memory mapping and threads need the `std`
//! feature (default), the `Matrix` gathers `tensor` (default, brings handgrad-tensor and faer), the
//! installer `install` (default, brings gzip, tar, MD5 and handgrad-data), the downloader
//! `download` (brings ureq).
#![no_std]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "install")]
pub mod archive;
pub mod augment;
#[cfg(feature = "std")]
pub mod dataset;
#[cfg(feature = "download")]
pub mod download;
pub mod element;
pub mod error;
pub mod gather;
pub mod mean;
pub mod meta;
pub mod record;
pub mod records;
mod row;
pub mod split;

pub use augment::{Augment, Transform};
#[cfg(feature = "std")]
pub use dataset::{Cifar10, DIR_NAME, META_FILE, OpenOptions, TEST_FILE, TRAIN_FILES};
pub use element::Element;
pub use error::CifarError;
pub use gather::Preprocess;
/// The matrix and scalar types of this crate's `Matrix` gathers (feature `tensor`; re-exported so
/// that a user needs no separate handgrad-tensor dependency at a matching version).
#[cfg(feature = "tensor")]
pub use handgrad_tensor::{Matrix, Scalar};
pub use mean::{Layout, PixelMean};
pub use meta::parse_class_names;
/// The generator traits of [`Augment::draw`] (rand 0.10).
pub use rand;
pub use record::{
    IMAGE_BYTES, NUM_CLASSES, RECORD_BYTES, RECORDS_PER_FILE, Record, RecordError, parse_canonical, parse_records,
};
pub use records::Records;
pub use split::{SplitConfig, Splits};
