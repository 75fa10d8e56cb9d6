//! PNG pictures of 32×32 RGB tiles (the one tile-grid writer): the first-layer weights as the
//! notebooks show them, and CIFAR images above their reconstructions.
//!
//! A grid has `cols` tiles per row, laid out row by row with a [`GAP`]-pixel white gutter, and the
//! whole picture is enlarged `zoom` times. A weight tile is one hidden unit's column of
//! `W1: (3072, H)`, min–max scaled on its own to 0–255 and laid out by the data's [`Layout`].

use std::path::Path;

use anyhow::{Context, Result};
use handgrad_cifar::Layout;
use handgrad_tensor::{Matrix, Scalar};

/// Side of a tile in pixels.
const TILE: usize = 32;
/// White gutter between tiles, in pixels (before zooming).
pub const GAP: usize = 2;

/// A picture: `(height, width, interleaved RGB bytes)`.
pub type Rgb = (usize, usize, Vec<u8>);

/// The grid of `tiles` (each `32·32·3` interleaved RGB bytes), `cols` per row.
///
/// # Panics
/// If a tile is not 3,072 bytes or `cols` is 0.
pub fn tile_grid(tiles: &[Vec<u8>], cols: usize) -> Rgb {
    assert!(cols > 0, "tile_grid: 0 columns");
    let rows = tiles.len().div_ceil(cols).max(1);
    let (width, height) = (cols * (TILE + GAP) + GAP, rows * (TILE + GAP) + GAP);
    let mut img = vec![255u8; width * height * 3];
    for (k, tile) in tiles.iter().enumerate() {
        assert_eq!(tile.len(), TILE * TILE * 3, "tile_grid: tile {k} has {} bytes", tile.len());
        let (top, left) = (GAP + (k / cols) * (TILE + GAP), GAP + (k % cols) * (TILE + GAP));
        for r in 0..TILE {
            let dst = ((top + r) * width + left) * 3;
            img[dst..dst + TILE * 3].copy_from_slice(&tile[r * TILE * 3..(r + 1) * TILE * 3]);
        }
    }
    (height, width, img)
}

/// One hidden unit's weights as a tile: column `unit` of `w1: (3072, H)`, min–max scaled to 0–255,
/// pixel `(r, c, ch)` read from row `layout.index(r, c, ch)`.
pub fn weight_tile<T: Scalar>(w1: &Matrix<T>, unit: usize, layout: Layout) -> Vec<u8> {
    let (lo, hi) = (0..w1.rows()).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, u), k| {
        let v = w1.get(k, unit).to_f64();
        (l.min(v), u.max(v))
    });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut tile = vec![0u8; TILE * TILE * 3];
    for r in 0..TILE {
        for c in 0..TILE {
            for ch in 0..3 {
                let v = (w1.get(layout.index(r, c, ch), unit).to_f64() - lo) / span;
                tile[(r * TILE + c) * 3 + ch] = (255.0 * v).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    tile
}

/// `weights.png`: the tiles of every unit of `w1: (3072, H)` in a near-square grid, enlarged ×2.
///
/// # Panics
/// If `w1` does not have 3,072 rows.
pub fn write_weights_png<T: Scalar>(path: &Path, w1: &Matrix<T>, layout: Layout) -> Result<()> {
    assert_eq!(w1.rows(), 3 * TILE * TILE, "write_weights_png: w1{:?} is not (3072, H)", w1.shape());
    let tiles: Vec<Vec<u8>> = (0..w1.cols()).map(|u| weight_tile(w1, u, layout)).collect();
    let cols = ((w1.cols() as f64).sqrt().ceil() as usize).max(1);
    write_png(path, &tile_grid(&tiles, cols), 2)
}

/// Writes `picture` enlarged `zoom` times as an 8-bit RGB PNG.
pub fn write_png(path: &Path, picture: &Rgb, zoom: usize) -> Result<()> {
    let bytes = png_bytes(picture, zoom)?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// `picture` enlarged `zoom` times, encoded as an 8-bit RGB PNG.
pub fn png_bytes((height, width, img): &Rgb, zoom: usize) -> Result<Vec<u8>> {
    let (zh, zw) = (height * zoom, width * zoom);
    let mut big = vec![0u8; zh * zw * 3];
    for y in 0..zh {
        for x in 0..zw {
            let src = ((y / zoom) * width + x / zoom) * 3;
            big[(y * zw + x) * 3..(y * zw + x) * 3 + 3].copy_from_slice(&img[src..src + 3]);
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, zw as u32, zh as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // The default (`Balanced`) deflate took ~9 % of a `train fcnet` run on the weights picture it
    // rewrites every epoch (`perf record`, 600 iterations, H = 300); `Fast` (fdeflate) is a
    // fraction of that. The files stay lossless.
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().context("writing the PNG header")?;
    writer.write_image_data(&big).context("writing the PNG pixels")?;
    writer.finish().context("finishing the PNG")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit whose weights are 1 on the red channel of pixel (0, 0) and 0 elsewhere must give a
    /// tile with only that pixel's red at 255, in both layouts.
    #[test]
    fn weight_tiles_are_min_max_scaled_and_layout_aware() {
        for layout in [Layout::Hwc, Layout::Chw] {
            let mut w1 = Matrix::<f32>::zeros(3072, 2);
            w1.set(layout.index(0, 0, 0), 0, 1.0);
            w1.set(layout.index(31, 31, 2), 1, -3.0);
            let (h, w, img) = tile_grid(&[weight_tile(&w1, 0, layout), weight_tile(&w1, 1, layout)], 2);
            assert_eq!((h, w), (GAP + 34, GAP + 2 * 34));
            let px = |r: usize, c: usize| &img[(r * w + c) * 3..(r * w + c) * 3 + 3];
            assert_eq!(px(GAP, GAP), [255, 0, 0]);
            assert_eq!(px(GAP + 1, GAP), [0, 0, 0]);
            // Second tile: the single −3 becomes 0 (its min), everything else 255.
            let left = GAP + TILE + GAP;
            assert_eq!(px(GAP + 31, left + 31), [255, 255, 0]);
            assert_eq!(px(GAP, left), [255, 255, 255]);
        }
    }

    /// Two rows of two tiles at zoom 2: a (2·(2·34 + 2)) = 140-pixel square whose pixel (4, 4) is
    /// the first tile's first pixel and whose second row starts 68 pixels lower.
    #[test]
    fn png_has_the_expected_size_and_pixels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grid.png");
        let red = vec![[200u8, 10, 10]; 1024].concat();
        let blue = vec![[10u8, 10, 200]; 1024].concat();
        write_png(&path, &tile_grid(&[red.clone(), red, blue.clone(), blue], 2), 2).unwrap();
        let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (140, 140));
        let px = |x: usize, y: usize| &buf[(y * 140 + x) * 3..(y * 140 + x) * 3 + 3];
        assert_eq!((px(0, 0), px(4, 4), px(4, 4 + 68)), (&[255, 255, 255][..], &[200, 10, 10][..], &[10, 10, 200][..]));
    }
}
