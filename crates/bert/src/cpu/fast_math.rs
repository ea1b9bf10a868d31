//! Branch-free `f32` `exp` and GELU, written so that LLVM turns a loop over
//! a slice into SIMD code (no calls into libm, no data-dependent branches).
//!
//! Why: burn-flex computes GELU with libm's scalar `erff`, one element at a
//! time on one thread; that was a fifth of an encoder forward on CPU
//! (`docs/performance.md`, profile of `retag predict`).

/// `e^x` to about 1 ulp for `x` in `[-87.3, 88.3]`; inputs outside are
/// clamped (so `-inf` gives ~1e-38 rather than 0, harmless for GELU).
///
/// Cody–Waite reduction `x = n·ln2 + r`, `|r| ≤ ln2/2`, then the degree-7
/// minimax polynomial of `e^r` from Cephes' `expf`, then `2^n` assembled in
/// the exponent bits.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split so that n·LN2_HI is exact for |n| < 2^9.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding then subtracting 1.5·2^23 rounds to the nearest integer without a branch.
    const ROUND: f32 = 12_582_912.0;

    let x = x.clamp(-87.3, 88.3);
    let n = (x * LOG2_E + ROUND) - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let e_r = p * r * r + r + 1.0;
    // 2^n from its exponent bits. `n as i32` would saturate and map NaN to 0
    // lane by lane; adding 2^23 + 127 instead puts `n + 127` in the low
    // mantissa bits, an integer subtraction away, in any SIMD width.
    // (2^23 + 127 + n) has the bits of 2^23 plus the integer n + 127.
    const TWO_POW_23: f32 = 8_388_608.0;
    let biased_exponent = (n + (TWO_POW_23 + 127.0)).to_bits() - TWO_POW_23.to_bits();
    let scale = f32::from_bits(biased_exponent << 23);
    e_r * scale
}

/// The exact GELU, `x · Φ(x) = x/2 · (1 + erf(x/√2))`, as transformers'
/// `"gelu"`, with `erfc` from Abramowitz & Stegun 7.1.26 (absolute error
/// below 1.5e-7; PyTorch's vectorised CPU `erf` uses the same formula).
///
/// For `x < 0` the factor `1 + erf(x/√2)` is `erfc(|x|/√2)`, computed
/// directly rather than as `1 - erf`: in f32, `1 - erf` near 1 can only
/// take multiples of 2⁻²⁴ (6e-8), as large as the whole tail at `x = -5`.
#[inline(always)]
pub fn gelu_f32(x: f32) -> f32 {
    gelu_and_slope_f32(x).0
}

/// `(gelu(x), gelu'(x))`, the slope being `Φ(x) + x·φ(x)`; both share one
/// `exp`, since `φ(x) = e^{-x²/2}/√(2π)` is the `e^{-z²}` of `erfc`.
#[inline(always)]
pub fn gelu_and_slope_f32(x: f32) -> (f32, f32) {
    const P: f32 = 0.327_591_1;
    const A1: f32 = 0.254_829_6;
    const A2: f32 = -0.284_496_74;
    const A3: f32 = 1.421_413_7;
    const A4: f32 = -1.453_152_1;
    const A5: f32 = 1.061_405_4;
    // 1/√(2π)
    const INV_SQRT_2PI: f32 = 0.398_942_3;

    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let t = 1.0 / (1.0 + P * z);
    let poly = ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t;
    let gaussian = exp_f32(-z * z);
    let erfc = poly * gaussian;
    let one_plus_erf = if x >= 0.0 { 2.0 - erfc } else { erfc };
    let cdf = 0.5 * one_plus_erf;
    (x * cdf, cdf + x * INV_SQRT_2PI * gaussian)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Points across the range the encoder produces, plus the edges.
    fn samples() -> impl Iterator<Item = f32> {
        (-20_000..=20_000).map(|i| i as f32 * 1.0e-3).chain([-100.0, -87.0, 0.0, 88.0, 100.0, 1.0e-30, -1.0e-30])
    }

    #[test]
    fn exp_is_within_two_ulp_of_libm() {
        for x in (-87_000..=88_000).map(|i| i as f32 * 1.0e-3) {
            let (fast, exact) = (exp_f32(x), x.exp());
            let ulp = (exact.to_bits() as i64 - fast.to_bits() as i64).abs();
            assert!(ulp <= 2, "exp({x}): {fast} against {exact} ({ulp} ulp)");
        }
    }

    #[test]
    fn gelu_matches_the_erf_definition() {
        for x in samples() {
            let exact = 0.5 * f64::from(x) * (1.0 + libm_erf(f64::from(x) / std::f64::consts::SQRT_2));
            let fast = f64::from(gelu_f32(x));
            // A&S 7.1.26 bounds erf's absolute error by 1.5e-7; GELU scales it by |x|/2.
            let bound = 2.0e-7 * (0.5 * f64::from(x).abs()).max(1.0) + 1.0e-6 * exact.abs();
            assert!((fast - exact).abs() <= bound, "gelu({x}): {fast} against {exact}");
        }
    }

    #[test]
    fn slope_is_the_derivative() {
        for x in (-8_000..=8_000).map(|i| i as f64 * 1.0e-3) {
            let h = 1.0e-4;
            let gelu = |x: f64| 0.5 * x * (1.0 + libm_erf(x / std::f64::consts::SQRT_2));
            let numeric = (gelu(x + h) - gelu(x - h)) / (2.0 * h);
            let (_, slope) = gelu_and_slope_f32(x as f32);
            assert!((f64::from(slope) - numeric).abs() < 1.0e-5, "gelu'({x}): {slope} against {numeric}");
        }
    }

    #[test]
    fn gelu_keeps_the_negative_tail() {
        // gelu(-5) = -5·Φ(-5) ≈ -1.433e-6. A `1 - erf` form would be off by up
        // to 5/2 · 2⁻²⁴ ≈ 1.5e-7 here; the direct erfc is off by ~2e-9.
        let exact = -5.0 * 0.5 * (1.0 - libm_erf(5.0 / std::f64::consts::SQRT_2));
        let fast = f64::from(gelu_f32(-5.0));
        assert!((fast - exact).abs() < 1.0e-8, "{fast} against {exact}");
    }

    /// erf in f64 by its Taylor series (|x| ≤ 3) or continued fraction for
    /// erfc (|x| > 3): an independent reference that needs no crate.
    fn libm_erf(x: f64) -> f64 {
        let a = x.abs();
        let value = if a <= 3.0 {
            let mut term = a;
            let mut sum = a;
            let mut n = 0.0;
            while term.abs() > 1.0e-17 * sum.abs() {
                n += 1.0;
                term *= -a * a / n;
                sum += term / (2.0 * n + 1.0);
            }
            2.0 / std::f64::consts::PI.sqrt() * sum
        } else {
            // Lentz-free backward evaluation of erfc's continued fraction.
            let mut fraction = 0.0;
            for k in (1..=60).rev() {
                fraction = f64::from(k) / 2.0 / (a + fraction);
            }
            1.0 - (-a * a).exp() / std::f64::consts::PI.sqrt() / (a + fraction)
        };
        value.copysign(x)
    }
}
