#![doc = include_str!("../README.md")]
//!
//! ## Tour
//!
//! The project's dataset files, kept out of the numerical crates (a `std` crate; the numerical
//! crates stay `no_std` and use it only behind their `std` features, binaries and tests directly):
//!
//! - [`install`]: the atomic install protocol shared by every dataset: a staging folder beside the
//!   destination, files hashed (SHA-256) as they are written, a manifest of sizes and hashes
//!   written last, a rename into place; stale staging folders of killed runs are cleaned up, and
//!   what happened is returned, never printed;
//! - [`oil`]: the oil-flow data (Bishop & James 1993): [`oil::load`] into [`oil::OilData`] and
//!   [`oil::install()`] from a folder or from files the caller downloaded, both through one
//!   validator of the format ([`oil::parse`], errors with file and line);
//! - [`locate`]: where an installed dataset is, given the datasets folder (`<workspace>/datasets`,
//!   or `$HANDGRAD_DATASETS`), counting only folders whose manifest verifies;
//! - [`tensor_file`]: what the model files of fcnet and the GP-LVM share: the payload checksum
//!   over named tensors and the atomic write that says which step failed.
//!
//! - `download` (feature `download`): HTTP(S) into a file, with timeouts on every phase and a
//!   progress callback (what the oil-flow files and `handgrad_cifar::download` are fetched with).
//!
//! The CIFAR-10 archive installer is `handgrad_cifar::archive` (it needs the CIFAR reader's
//! checks); it uses [`install`].

#[cfg(feature = "download")]
pub mod download;
pub mod install;
pub mod locate;
pub mod oil;
pub mod tensor_file;
