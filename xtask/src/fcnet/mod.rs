//! Shared machinery of `cargo xtask train fcnet` and `cargo xtask tune fcnet`: the resolved run
//! configuration, data loading, the training driver with its progress bar, and the run folder
//! (metrics CSV, SVG plots, weight grid PNG, checkpoint, summary).

pub mod config;
pub mod data;
pub mod driver;
pub mod plots;
pub mod report;
pub mod weights_png;
