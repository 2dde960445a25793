//! The library's exponential in `f64` and `f32`: vectorisable (no branch, no call), the same
//! value on every machine, exactly 0 below the subnormal range: what
//! [`Scalar::exp_vectorised`](crate::Scalar::exp_vectorised) computes.

/// Below this, `e^x` is subnormal in `f64`: the library's exponential
/// ([`Scalar::exp_vectorised`](crate::Scalar::exp_vectorised), used for responsibilities)
/// returns an exact 0 there.
pub const EXP_UNDERFLOW: f64 = -708.39;

/// `e^x` without libm, in a form the compiler vectorises (no branch, no call): Cody–Waite
/// reduction `x = k ln 2 + r`, |r| ≤ ln 2 / 2, a degree-13 Taylor polynomial for `e^r` (its
/// truncation error is below 5e-18 relative), and `2^k` built from the exponent bits. The
/// reduction and the polynomial use fused multiply-adds (one instruction each where the
/// processor has them, exactly rounded everywhere, so the value is the same on every machine).
/// Measured against libm over [−708, 709]: at most 2 ulp apart (`exp_is_within_two_ulp`).
/// Returns exactly 0 below [`EXP_UNDERFLOW`], `+inf` above 709.78, and NaN for NaN.
#[inline(always)]
pub(crate) fn exp_f64(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52: adding it rounds to an integer
    const C: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let clamped = x.clamp(EXP_UNDERFLOW, 709.78);
    // t holds k = round(x / ln 2) in its low mantissa bits, as an integer and as a float.
    let t = clamped * std::f64::consts::LOG2_E + SHIFT;
    let k = t - SHIFT;
    let r = (-k).mul_add(LN2_LO, (-k).mul_add(LN2_HI, clamped));
    let mut p = C[13];
    for &c in C[..13].iter().rev() {
        p = p.mul_add(r, c);
    }
    // 2^k as the product of two normal powers of two (k runs from −1022 to 1024, and 2^1024
    // alone would overflow), from unsigned integer operations only, which vectorise.
    let u = t.to_bits().wrapping_sub(SHIFT.to_bits()).wrapping_add(2046);
    let h = u >> 1;
    let y = p * f64::from_bits(h << 52) * f64::from_bits((u - h) << 52);
    if x.is_nan() {
        x
    } else if x < EXP_UNDERFLOW {
        0.0
    } else if x > 709.78 {
        f64::INFINITY
    } else {
        y
    }
}

/// Below this, `e^x` is subnormal in `f32`: the library's `f32` exponential
/// ([`Scalar::exp_vectorised`](crate::Scalar::exp_vectorised)) returns an exact 0 there.
pub const EXP_UNDERFLOW_F32: f32 = -87.336_54;

/// `e^x` in `f32` arithmetic throughout, the same way as [`exp_f64`] (Cody–Waite reduction with
/// a two-part ln 2, Cephes' degree-7 minimax polynomial for `e^r`, `2^k` from exponent bits),
/// at twice the width of the `f64` version. Measured against `f64` exp rounded to `f32` over
/// [−87, 88]: at most 2 ulp apart (`exp_f32_is_within_two_ulp`). Returns exactly 0 below
/// [`EXP_UNDERFLOW_F32`], `+inf` above 88.72, and NaN for NaN.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_359_4; // 0.693359375: k · LN2_HI is exact
    const LN2_LO: f32 = -2.121_944_4e-4;
    const SHIFT: f32 = 12_582_912.0; // 1.5 · 2^23: adding it rounds to an integer
    const MAX: f32 = 88.722_83;
    const P: [f32; 6] = [
        1.987_569_1e-4,
        1.398_2e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        0.5, // Cephes: 5.0000001201e-1, which rounds to 0.5 in f32
    ];
    let clamped = x.clamp(EXP_UNDERFLOW_F32, MAX);
    let t = clamped * std::f32::consts::LOG2_E + SHIFT;
    let k = t - SHIFT;
    let r = (-k).mul_add(LN2_LO, (-k).mul_add(LN2_HI, clamped));
    let mut p = P[0];
    for &c in &P[1..] {
        p = p.mul_add(r, c);
    }
    let p = p.mul_add(r * r, r) + 1.0;
    // 2^k as the product of two normal powers of two (see exp_f64).
    let u = t.to_bits().wrapping_sub(SHIFT.to_bits()).wrapping_add(254);
    let h = u >> 1;
    let y = p * f32::from_bits(h << 23) * f32::from_bits((u - h) << 23);
    if x.is_nan() {
        x
    } else if x < EXP_UNDERFLOW_F32 {
        0.0
    } else if x > MAX {
        f32::INFINITY
    } else {
        y
    }
}
