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

/// A plotting failure in plain words (the operating system's reason, without plotters' wrapper
/// types); the caller's context names the file.
pub fn plot_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    let text = e.to_string();
    let reason = text.rsplit("error: ").next().unwrap_or(&text).trim();
    anyhow::anyhow!("{reason}; check that the run folder is writable and has free space")
}
