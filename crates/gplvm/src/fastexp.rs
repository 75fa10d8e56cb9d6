//! A branch-free `eˣ` that the compiler can vectorise (the RBF kernel's forward pass evaluates
//! `n(n−1)/2` of them per likelihood evaluation; the library `exp` is an opaque scalar call).
//!
//! Cody–Waite range reduction and a Taylor polynomial (standard; e.g. Muller, *Elementary
//! Functions*, ch. 11):
//!
//! ```text
//! x = k·ln 2 + r,  k = round(x / ln 2),  |r| ≤ ln 2 / 2,    eˣ = 2ᵏ · eʳ,
//! eʳ ≈ Σ_{m=0}^{12} rᵐ / m!    (truncation < 0.35¹³/13! ≈ 2e-16 relative; Estrin's scheme)
//! ```
//!
//! `round` uses the 1.5·2⁵² trick (adding and subtracting it rounds to nearest), whose low bits are
//! also `k` as an integer, so `2ᵏ` is built from bits. Valid for `x ∈ [−708, 709]`; smaller `x` is
//! clamped to −708 (result ≈ 3e-308 instead of a smaller number or 0).

/// 1.5·2⁵²: adding it to |v| < 2⁵¹ rounds v to an integer held in the low mantissa bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;
const LOG2_E: f64 = core::f64::consts::LOG2_E;
/// ln 2 split in a high part with trailing zero bits (exact `k·LN2_HI`) and the remainder.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 0.693147180369123816490
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10

/// `eˣ` to within a few ulp for `x ∈ [−708, 709]` (see the module docs).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let x = if x < -708.0 { -708.0 } else { x };
    let t = x * LOG2_E + ROUNDER;
    let k = t - ROUNDER;
    let ki = t.to_bits().wrapping_sub(ROUNDER.to_bits()) as i64;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Σ rᵐ/m!, m = 0..=12, by Estrin's scheme (pairs, then powers r², r⁴, r⁸): a dependency
    // depth of 4 multiply-adds instead of Horner's 12.
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let p01 = 1.0 + r;
    let p23 = 1.0 / 2.0 + r * (1.0 / 6.0);
    let p45 = 1.0 / 24.0 + r * (1.0 / 120.0);
    let p67 = 1.0 / 720.0 + r * (1.0 / 5_040.0);
    let p89 = 1.0 / 40_320.0 + r * (1.0 / 362_880.0);
    let p1011 = 1.0 / 3_628_800.0 + r * (1.0 / 39_916_800.0);
    let p12 = 1.0 / 479_001_600.0;
    let q0 = p01 + r2 * p23;
    let q1 = p45 + r2 * p67;
    let q2 = p89 + r2 * p1011;
    let s0 = q0 + r4 * q1;
    let s1 = q2 + r4 * p12;
    let p = s0 + r8 * s1;
    let scale = f64::from_bits(((ki + 1023) as u64) << 52);
    p * scale
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_std_exp_to_a_few_ulp() {
        let mut worst: f64 = 0.0;
        let mut x = -708.0;
        while x <= 709.0 {
            let (a, b) = (super::exp(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
            x += 0.013_7;
        }
        for &x in &[0.0, -1e-300, 1e-12, -0.5 * core::f64::consts::LN_2, 0.5 * core::f64::consts::LN_2, -1.0, 1.0] {
            let (a, b) = (super::exp(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
        }
        assert!(worst < 1e-15, "worst relative error {worst:.3e}");
        assert_eq!(super::exp(0.0), 1.0);
        assert!(super::exp(-1e6) >= 0.0 && super::exp(-1e6) < 1e-307);
    }
}
