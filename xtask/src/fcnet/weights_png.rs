//! The first-layer weights as an image grid (as the notebooks show them): each hidden unit's column
//! of `W1: (3072, H)` becomes one 32×32 RGB tile, min–max scaled on its own to 0–255, tiles laid
//! out row by row in a near-square grid with a white gutter, and the image enlarged ×2.

use std::io::BufWriter;
use std::path::Path;

use anyhow::{Context, Result};
use handgrad_cifar::Layout;
use handgrad_tensor::{Matrix, Scalar};

const TILE: usize = 32;
const GAP: usize = 2;
const ZOOM: usize = 2;

/// RGB bytes `(rows, cols, 3)` of the grid of `w1: (3072, H)` tiles.
pub fn weight_grid<T: Scalar>(w1: &Matrix<T>, layout: Layout) -> (usize, usize, Vec<u8>) {
    assert_eq!(w1.rows(), 3 * TILE * TILE, "weight_grid: w1{:?} is not (3072, H)", w1.shape());
    let h = w1.cols();
    let grid_cols = ((h as f64).sqrt().ceil() as usize).max(1);
    let grid_rows = h.div_ceil(grid_cols).max(1);
    let (width, height) = (grid_cols * (TILE + GAP) + GAP, grid_rows * (TILE + GAP) + GAP);
    let mut img = vec![255u8; width * height * 3];
    for unit in 0..h {
        let (lo, hi) = (0..w1.rows()).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, u), k| {
            let v = w1.get(k, unit).to_f64();
            (l.min(v), u.max(v))
        });
        let span = if hi > lo { hi - lo } else { 1.0 };
        let (top, left) = (GAP + (unit / grid_cols) * (TILE + GAP), GAP + (unit % grid_cols) * (TILE + GAP));
        for r in 0..TILE {
            for c in 0..TILE {
                for ch in 0..3 {
                    let v = (w1.get(layout.index(r, c, ch), unit).to_f64() - lo) / span;
                    img[((top + r) * width + left + c) * 3 + ch] = (255.0 * v).round().clamp(0.0, 255.0) as u8;
                }
            }
        }
    }
    (height, width, img)
}

/// Writes the grid of `w1`'s tiles to `path` as an 8-bit RGB PNG, enlarged ×2.
pub fn write_weight_png<T: Scalar>(path: &Path, w1: &Matrix<T>, layout: Layout) -> Result<()> {
    let (h, w, img) = weight_grid(w1, layout);
    let (zh, zw) = (h * ZOOM, w * ZOOM);
    let mut big = vec![0u8; zh * zw * 3];
    for y in 0..zh {
        for x in 0..zw {
            let src = ((y / ZOOM) * w + x / ZOOM) * 3;
            big[(y * zw + x) * 3..(y * zw + x) * 3 + 3].copy_from_slice(&img[src..src + 3]);
        }
    }
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut enc = png::Encoder::new(BufWriter::new(file), zw as u32, zh as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().context("writing the PNG header")?;
    writer.write_image_data(&big).context("writing the PNG pixels")?;
    writer.finish().context("finishing the PNG")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit whose weights are 1 on the red channel of pixel (0, 0) and 0 elsewhere must give a
    /// tile with only that pixel's red at 255, in both layouts.
    #[test]
    fn tiles_are_min_max_scaled_and_layout_aware() {
        for layout in [Layout::Hwc, Layout::Chw] {
            let mut w1 = Matrix::<f32>::zeros(3072, 2);
            w1.set(layout.index(0, 0, 0), 0, 1.0);
            w1.set(layout.index(31, 31, 2), 1, -3.0);
            let (h, w, img) = weight_grid(&w1, layout);
            assert_eq!((h, w), (2 + 34, 2 + 2 * 34));
            let px = |r: usize, c: usize| &img[(r * w + c) * 3..(r * w + c) * 3 + 3];
            assert_eq!(px(GAP, GAP), [255, 0, 0]);
            assert_eq!(px(GAP + 1, GAP), [0, 0, 0]);
            // Second tile: the single −3 becomes 0 (its min), everything else 255.
            let left = GAP + TILE + GAP;
            assert_eq!(px(GAP + 31, left + 31), [255, 255, 0]);
            assert_eq!(px(GAP, left), [255, 255, 255]);
        }
    }
}
