//! # handgrad-data
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
//!   or `$HANDGRAD_DATASETS`), counting only folders whose manifest verifies.
//!
//! The CIFAR-10 archive installer is `handgrad_cifar::archive` (it needs the CIFAR reader's
//! checks); it uses [`install`]. Downloads (HTTP) are `cargo xtask`'s business.
//!
//! ```
//! use handgrad_data::install::{Staging, installed, write_hashed};
//! use handgrad_data::locate;
//!
//! let datasets = tempfile::tempdir()?;
//! assert!(locate::oil(datasets.path()).is_err()); // nothing installed: the error names `cargo xtask fetch-oil`
//!
//! // Stage a folder, write a file into it (hashed as it is written), commit: manifest, then rename.
//! let staging = Staging::new(datasets.path(), "example")?;
//! let entry = write_hashed(&staging.dir().join("a.txt"), "a.txt", b"abc")?;
//! let placed = staging.commit("an example", &[entry])?;
//! assert_eq!(placed.dir, datasets.path().join("example"));
//! let manifest = installed(&placed.dir).expect("verified install");
//! assert_eq!(manifest[0].sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod install;
pub mod locate;
pub mod oil;
