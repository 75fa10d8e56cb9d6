//! [`Element`]: the value type of a gathered feature row (`f32` or `f64`).
//!
//! The gather writes `x̃ = from_u8(p) − μ` per feature, so it needs of its element type only the
//! conversion of a pixel byte (exact in both types), of the mean (from `f64`, rounded once) and a
//! subtraction. With the `tensor` feature every `handgrad_tensor::Scalar` is an `Element` (the
//! same two types), so code generic over `T: Scalar` can build a `Preprocess<T>`; without it
//! `f32` and `f64` implement it directly, and this crate needs neither handgrad-tensor nor faer.
//! The trait is sealed: no other type can implement it.

use core::fmt::Debug;
use core::ops::{Add, Sub};

mod sealed {
    /// Keeps [`super::Element`] to `f32` and `f64`.
    pub trait Sealed {}
}

/// A feature value type of the gather: `f32` (training) or `f64` (checks). Sealed.
pub trait Element:
    sealed::Sealed + Copy + Debug + PartialEq + Send + Sync + Add<Output = Self> + Sub<Output = Self>
{
    /// Converts from `f64` (rounding for `f32`).
    fn from_f64(x: f64) -> Self;
    /// Converts to `f64` (exact).
    fn to_f64(self) -> f64;
}

#[cfg(feature = "tensor")]
impl<T: handgrad_tensor::Scalar> sealed::Sealed for T {}

#[cfg(feature = "tensor")]
impl<T: handgrad_tensor::Scalar> Element for T {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        <T as handgrad_tensor::Scalar>::from_f64(x)
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        <T as handgrad_tensor::Scalar>::to_f64(self)
    }
}

macro_rules! impl_element {
    ($t:ty) => {
        #[cfg(not(feature = "tensor"))]
        impl sealed::Sealed for $t {}

        #[cfg(not(feature = "tensor"))]
        impl Element for $t {
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    };
}

impl_element!(f32);
impl_element!(f64);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Element>(x: f64) -> f64 {
        T::from_f64(x).to_f64()
    }

    #[test]
    fn pixel_bytes_convert_exactly_and_f32_rounds_the_mean() {
        for p in 0..=255u8 {
            assert_eq!(round_trip::<f32>(f64::from(p)), f64::from(p));
            assert_eq!(round_trip::<f64>(f64::from(p)), f64::from(p));
        }
        assert_eq!(round_trip::<f32>(0.1), f64::from(0.1f32));
        assert_eq!(round_trip::<f64>(0.1), 0.1);
    }
}
