//! The scalar trait: what the layers need of `f32` and `f64`.
//!
//! Training runs in `f32`; gradient checks run in `f64`. Transcendental functions go to `std` when
//! the `std` feature is on (hardware-friendly implementations) and to `libm` otherwise (no_std).

use core::fmt::{Debug, Display};

/// A real floating-point scalar (`f32` or `f64`) usable in faer's GEMM and in every handgrad kernel.
pub trait Scalar:
    faer::traits::RealField + Copy + Default + Debug + Display + PartialOrd + Send + Sync + core::iter::Sum + 'static
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Name of the type, for messages and file metadata (`"f32"` or `"f64"`).
    const NAME: &'static str;
    /// Converts from `f64` (rounding for `f32`).
    fn from_f64(x: f64) -> Self;
    /// Converts to `f64` (exact).
    fn to_f64(self) -> f64;
    /// Converts a count or index.
    fn from_usize(n: usize) -> Self {
        Self::from_f64(n as f64)
    }
    /// eˣ.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// The larger of two values (NaN-ignoring, like `f64::max`).
    fn max(self, other: Self) -> Self;
    /// The smaller of two values (NaN-ignoring, like `f64::min`).
    fn min(self, other: Self) -> Self;
    /// `true` unless NaN or ±∞.
    fn is_finite(self) -> bool;
    /// The hook of [`crate::gemm`]'s helpers: runs `product` on handgrad's own kernels if one
    /// applies, returning `Some(Σ w²)` for the fused SGD step and `Some(0.0)` otherwise, or
    /// `None` to let faer compute it. f64 (and any other type) answers `None`; f32 asks the
    /// dispatcher of [`crate::kernels`] (the active path and the shape decide).
    #[doc(hidden)]
    #[inline]
    fn kernel_product(product: crate::kernels::route::Product<'_, Self>, par: faer::Par) -> Option<f64> {
        let _ = (product, par);
        None
    }
}

macro_rules! impl_scalar {
    ($t:ty, $name:literal, $exp:ident, $ln:ident, $sqrt:ident, $tanh:ident, { $($hook:tt)* }) => {
        impl Scalar for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NAME: &'static str = $name;
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn exp(self) -> Self {
                #[cfg(feature = "std")]
                return <$t>::exp(self);
                #[cfg(not(feature = "std"))]
                return libm::$exp(self);
            }
            #[inline(always)]
            fn ln(self) -> Self {
                #[cfg(feature = "std")]
                return <$t>::ln(self);
                #[cfg(not(feature = "std"))]
                return libm::$ln(self);
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                #[cfg(feature = "std")]
                return <$t>::sqrt(self);
                #[cfg(not(feature = "std"))]
                return libm::$sqrt(self);
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                #[cfg(feature = "std")]
                return <$t>::tanh(self);
                #[cfg(not(feature = "std"))]
                return libm::$tanh(self);
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            $($hook)*
        }
    };
}

impl_scalar!(f32, "f32", expf, logf, sqrtf, tanhf, {
    #[inline]
    fn kernel_product(product: crate::kernels::route::Product<'_, f32>, par: faer::Par) -> Option<f64> {
        crate::kernels::route::f32_product(product, par)
    }
});
impl_scalar!(f64, "f64", exp, log, sqrt, tanh, {});
