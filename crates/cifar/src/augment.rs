//! [`Augment`]: random crop with zero padding and random horizontal flip of training images,
//! drawn per row as a [`Transform`] and applied by the gather while it converts the mapped bytes
//! (`torchvision`'s `RandomCrop(32, padding=pad)` followed by `RandomHorizontalFlip()`).
//!
//! For a row with offsets `(dy, dx) ∈ [−pad, pad]²` and flip bit `f`, output pixel `(r, c, ch)` is
//! `src(r + dy, c' + dx, ch)` with `c' = 31 − c` when flipped and `c` otherwise, and `0` (a black
//! pixel, torchvision's fill) where `(r + dy, c' + dx)` falls outside the 32×32 image; the mean is
//! then subtracted as for a plain row. That is: pad the image with `pad` black pixels on each side,
//! cut the 32×32 window at `(pad + dy, pad + dx)`, then mirror it. Offsets `(0, 0)` without flip
//! is the plain gather.
//!
//! The transforms of a minibatch are drawn by [`Augment::draw`] from the caller's generator on the
//! calling thread *before* the rows are gathered (possibly on several threads), so a seed gives the
//! same batch, byte for byte, for every thread count. Per row, in this order: `dy`, `dx` (each
//! uniform on `−pad..=pad`, drawn only when `pad > 0`), then the flip (a fair coin, drawn only when
//! flipping is on).

use alloc::vec::Vec;

use rand::{Rng, RngExt as _};

use crate::record::SIDE;

/// Largest padding [`Augment`] accepts (half the image side).
pub const MAX_PAD: usize = SIDE / 2;

/// How training images are augmented; [`Augment::NONE`] leaves them as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Augment {
    /// Zero padding of the random crop on each side (0: no crop).
    pub pad: usize,
    /// Mirror each image left–right with probability ½.
    pub flip: bool,
}

/// One row's transform: crop offsets and flip (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Transform {
    /// Row offset `dy` of the crop window, in `−pad..=pad`.
    pub dy: i8,
    /// Column offset `dx` of the crop window, in `−pad..=pad`.
    pub dx: i8,
    /// Mirror left–right.
    pub flip: bool,
}

impl Transform {
    /// No crop offset, no flip: the plain row.
    pub const IDENTITY: Transform = Transform { dy: 0, dx: 0, flip: false };

    /// The source column of output column `c`, before the range check: `c' + dx` (the per-pixel
    /// reference of the tests; the gather copies whole lines, `crate::row`).
    #[cfg(test)]
    pub(crate) fn source_col(self, c: usize) -> isize {
        let c = if self.flip { SIDE - 1 - c } else { c };
        c as isize + isize::from(self.dx)
    }
}

impl Augment {
    /// No augmentation.
    pub const NONE: Augment = Augment { pad: 0, flip: false };

    /// Random crop with `pad` pixels of zero padding and random horizontal flip (the usual CIFAR-10
    /// augmentation: `pad = 4`).
    pub fn crop_flip(pad: usize) -> Self {
        Self { pad, flip: true }
    }

    /// `true` when no row is ever changed.
    pub fn is_none(self) -> bool {
        self.pad == 0 && !self.flip
    }

    /// A short name: `"none"`, `"flip"`, `"crop4"`, `"crop4-flip"`.
    pub fn describe(self) -> alloc::string::String {
        match (self.pad, self.flip) {
            (0, false) => "none".into(),
            (0, true) => "flip".into(),
            (p, false) => alloc::format!("crop{p}"),
            (p, true) => alloc::format!("crop{p}-flip"),
        }
    }

    /// Draws `n` transforms from `rng` into `out` (cleared first; no allocation once `out` has held
    /// `n`), in the order of the module docs.
    ///
    /// # Panics
    /// If `pad > MAX_PAD`.
    #[track_caller]
    pub fn draw<R: Rng + ?Sized>(self, rng: &mut R, n: usize, out: &mut Vec<Transform>) {
        assert!(self.pad <= MAX_PAD, "Augment: pad {} is more than {MAX_PAD}", self.pad);
        out.clear();
        let p = self.pad as i8;
        out.extend((0..n).map(|_| {
            let (dy, dx) = if p > 0 { (rng.random_range(-p..=p), rng.random_range(-p..=p)) } else { (0, 0) };
            let flip = self.flip && rng.random::<bool>();
            Transform { dy, dx, flip }
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use handgrad_tensor::init::rng_from_seed;

    #[test]
    fn draws_stay_in_range_repeat_with_the_seed_and_cover_every_offset() {
        let a = Augment::crop_flip(4);
        let (mut t1, mut t2) = (Vec::new(), Vec::new());
        a.draw(&mut rng_from_seed(3), 2000, &mut t1);
        a.draw(&mut rng_from_seed(3), 2000, &mut t2);
        assert_eq!(t1, t2);
        assert!(t1.iter().all(|t| (-4..=4).contains(&t.dy) && (-4..=4).contains(&t.dx)));
        for o in -4..=4 {
            assert!(t1.iter().any(|t| t.dy == o) && t1.iter().any(|t| t.dx == o), "offset {o} never drawn");
        }
        let flips = t1.iter().filter(|t| t.flip).count();
        assert!((900..1100).contains(&flips), "{flips} flips of 2000");
        Augment::NONE.draw(&mut rng_from_seed(3), 5, &mut t1);
        assert_eq!(t1, [Transform::IDENTITY; 5]);
        Augment { pad: 0, flip: true }.draw(&mut rng_from_seed(3), 50, &mut t1);
        assert!(t1.iter().all(|t| t.dy == 0 && t.dx == 0) && t1.iter().any(|t| t.flip));
    }

    #[test]
    #[should_panic(expected = "pad 17 is more than 16")]
    fn too_much_padding_panics() {
        Augment::crop_flip(17).draw(&mut rng_from_seed(0), 1, &mut Vec::new());
    }
}
