//! What the run folders hold besides the summary: SVG plots (plotters' SVG backend, no system fonts
//! needed), PNG tile grids, the confusion-matrix heat map, the evaluation files, and `report.html`.

pub mod autoencoder_plots;
pub mod browser;
pub mod confusion;
pub mod evaluation;
pub mod fcnet_plots;
pub mod html;
pub mod images;
pub mod latent_plot;

/// A plotting failure as an error that says which file could not be drawn.
pub fn plot_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("plotting failed: {e:?}; check that the run folder is writable")
}
