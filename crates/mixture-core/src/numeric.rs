//! Small numeric kernels shared by the engine and the families.

use crate::rows::Rows;
use crate::scalar::Scalar;

/// `ln Σ exp(v_i)`, computed stably with one `exp` per entry, by the same operations as the
/// responsibilities of a fit (so a row's `ln p(x)` has the same bits either way).
///
/// Returns `-inf` for an empty slice or when every entry is `-inf`, and NaN when any entry is
/// NaN or `+inf` meets `+inf`.
///
/// # Examples
/// ```
/// use mixture_core::family::logsumexp;
/// let v = [1000.0_f64, 1000.0];
/// assert!((logsumexp(&v) - (1000.0 + 2f64.ln())).abs() < 1e-12);
/// ```
pub fn logsumexp<T: Scalar>(v: &[T]) -> T {
    let max = max_or_nan(v);
    if !max.is_finite() {
        // -inf: all entries -inf (or empty); +inf or NaN propagate.
        return max;
    }
    max + lane_sum_by(v, |x| (x - max).exp_vectorised()).ln()
}

/// `out[i·K + k] = Σ_j x_ij w_jk + c_k` for a block of rows: one GEMM and a constant per
/// component. This is the whole log-density kernel of every family whose log-density is affine
/// in x (Bernoulli: `w = ln μ − ln(1 − μ)`; exponential: `w = −λ`), with `weights_t` D×K
/// row-major and `offsets` the K constants.
///
/// # Panics
/// When the lengths disagree (`weights_t` not D·K, `out` not B·K, or K = 0): the sizes come
/// from a family's own parameters, never from data, so this is a bug in the calling family.
pub fn affine_log_densities<T: Scalar>(
    block: Rows<'_, T>,
    weights_t: &[T],
    offsets: &[T],
    out: &mut [T],
) {
    let (b, d, k) = (block.n_rows(), block.n_cols(), offsets.len());
    assert!(
        k > 0 && Some(weights_t.len()) == d.checked_mul(k) && Some(out.len()) == b.checked_mul(k),
        "affine_log_densities: {} weights, {} outputs for B = {b}, D = {d}, K = {k}",
        weights_t.len(),
        out.len()
    );
    faer::linalg::matmul::matmul(
        faer::MatMut::from_row_major_slice_mut(out, b, k),
        faer::Accum::Replace,
        block.as_mat(),
        faer::MatRef::from_row_major_slice(weights_t, d, k),
        T::one(),
        faer::Par::Seq,
    );
    for row in out.chunks_exact_mut(k) {
        for (v, &c) in row.iter_mut().zip(offsets) {
            *v += c;
        }
    }
}

/// The largest value, NaN if any is NaN, −inf for an empty slice. Branch-free per value (four
/// running maxima and a NaN flag), so that the compiler can vectorise it.
#[inline(always)]
fn max_or_nan<T: Scalar>(v: &[T]) -> T {
    let (chunks, rest) = v.as_chunks::<4>();
    let mut max = [T::neg_infinity(); 4];
    let mut nan = false;
    for c in chunks {
        for l in 0..4 {
            max[l] = if c[l] > max[l] { c[l] } else { max[l] };
            nan |= c[l].is_nan();
        }
    }
    for &x in rest {
        max[0] = if x > max[0] { x } else { max[0] };
        nan |= x.is_nan();
    }
    let m01 = if max[1] > max[0] { max[1] } else { max[0] };
    let m23 = if max[3] > max[2] { max[3] } else { max[2] };
    match (nan, m23 > m01) {
        (true, _) => T::nan(),
        (false, true) => m23,
        (false, false) => m01,
    }
}

/// `v ← e^v` for every value, vectorised at the type's own width (see `exp_f64` and
/// `exp_f32`), as a `pulp` operation: `with_simd` is inlined into a function compiled for the
/// instruction set detected at run time, and so is everything it calls (a closure would not be).
/// The arithmetic is the same IEEE operations at any width, so the results are too.
struct ExpInPlace<'a, T>(&'a mut [T]);

impl<T: Scalar> pulp::WithSimd for ExpInPlace<'_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        for v in self.0.iter_mut() {
            *v = v.exp_vectorised();
        }
    }
}

/// Replaces each row of `joint` (rows of `k` log-joint values `ln w_k + ln p(x | k)`) by its
/// responsibilities and writes each row's `ln p(x)` into `lse`: one vectorised pass of
/// exponentials over the whole block, `e^(v − max)`, then each row divided by its sum. A row
/// whose maximum is not finite (no component explains it, or NaN) gets that maximum as its
/// `lse` and zeros as responsibilities.
pub(crate) fn normalise_rows<T: Scalar>(joint: &mut [T], k: usize, lse: &mut Vec<T>) {
    lse.clear();
    lse.resize(joint.len() / k, T::zero());
    pulp::Arch::new().dispatch(Normalise { joint, k, lse });
}

/// [`normalise_rows`] as a `pulp` operation (see [`ExpInPlace`]).
struct Normalise<'a, T> {
    joint: &'a mut [T],
    k: usize,
    lse: &'a mut [T],
}

impl<T: Scalar> pulp::WithSimd for Normalise<'_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, simd: S) {
        let Normalise { joint, k, lse } = self;
        for (row, l) in joint.chunks_exact_mut(k).zip(lse.iter_mut()) {
            let max = max_or_nan(row);
            *l = max;
            let shift = if max.is_finite() { max } else { T::infinity() };
            // A non-finite maximum shifts every value to −inf (or NaN): e^ then gives 0 (or
            // NaN, cleared below).
            for v in row.iter_mut() {
                *v -= shift;
            }
        }
        ExpInPlace(&mut *joint).with_simd(simd);
        for (row, l) in joint.chunks_exact_mut(k).zip(lse.iter_mut()) {
            if !l.is_finite() {
                row.fill(T::zero());
                continue;
            }
            let sum = lane_sum(row);
            let inv = T::one() / sum;
            for v in row.iter_mut() {
                *v *= inv;
            }
            *l += sum.ln();
        }
    }
}

/// `Σ v` with four independent partial sums, which the compiler can vectorise (one running sum
/// is a strict chain in IEEE arithmetic).
#[inline(always)]
fn lane_sum<T: Scalar>(v: &[T]) -> T {
    lane_sum_by(v, |x| x)
}

/// `Σ f(v_i)`, added in the order of [`lane_sum`].
#[inline(always)]
fn lane_sum_by<T: Scalar>(v: &[T], f: impl Fn(T) -> T) -> T {
    let (chunks, rest) = v.as_chunks::<4>();
    let mut acc = [T::zero(); 4];
    for c in chunks {
        for l in 0..4 {
            acc[l] += f(c[l]);
        }
    }
    let tail = rest.iter().fold(T::zero(), |s, &x| s + f(x));
    ((acc[0] + acc[2]) + (acc[1] + acc[3])) + tail
}

/// Squared Euclidean distance in `f64` of `a` and `b` both multiplied by `scale` (a power of
/// two from [`unit_scale`], so the product is exact and comparisons are those of the
/// unscaled distances, without underflow or overflow at any data scale).
#[inline]
pub(crate) fn squared_distance<T: Scalar>(a: &[T], b: &[T], scale: f64) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = x.as_f64() * scale - y.as_f64() * scale;
            d * d
        })
        .sum()
}

/// The power of two that brings the largest magnitude in `x` (rows, or centres) near 1: squared distances of
/// scaled rows neither underflow (data at 1e-300) nor overflow (data at 1e300). Exactly 1 for
/// data of magnitudes between 1 and 2, and the same choices as unscaled distances wherever
/// those do not underflow or overflow (scaling by a power of two is exact).
pub fn unit_scale<T: Scalar>(x: &[T]) -> f64 {
    let max = x.iter().fold(0.0f64, |m, v| m.max(v.as_f64().abs()));
    if max == 0.0 || !max.is_finite() {
        return 1.0;
    }
    let exponent = (max.log2().floor() as i32).clamp(-1000, 1000);
    2f64.powi(-exponent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exp::{exp_f32, exp_f64};
    use proptest::prelude::*;

    fn naive(v: &[f64]) -> f64 {
        v.iter().map(|x| x.exp()).sum::<f64>().ln()
    }

    #[test]
    fn exp_edges() {
        assert_eq!(exp_f64(0.0), 1.0);
        assert_eq!(exp_f64(-1000.0), 0.0);
        assert_eq!(exp_f64(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp_f64(710.0), f64::INFINITY);
        assert!(exp_f64(f64::NAN).is_nan());
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-88.0), 0.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(89.0), f32::INFINITY);
        assert!(exp_f32(f32::NAN).is_nan());
        assert!((exp_f32(88.7) / 88.7f32.exp() - 1.0).abs() < 3e-7);
        assert!((exp_f32(-87.3) / (-87.3f32).exp() - 1.0).abs() < 3e-7);
        assert!((exp_f64(709.7) / 709.7f64.exp() - 1.0).abs() < 1e-15);
        assert!((exp_f64(-708.3) / (-708.3f64).exp() - 1.0).abs() < 1e-15);
        // Rows that no component explains come back with their maximum and zeros.
        let mut rows = [0.0, 1.0, f64::NEG_INFINITY, f64::NEG_INFINITY];
        let mut lse = Vec::new();
        normalise_rows(&mut rows, 2, &mut lse);
        assert_eq!(lse[1], f64::NEG_INFINITY);
        assert_eq!(&rows[2..], &[0.0, 0.0]);
        assert!((rows[0] + rows[1] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn edge_cases() {
        assert_eq!(logsumexp::<f64>(&[]), f64::NEG_INFINITY);
        assert_eq!(logsumexp(&[f64::NEG_INFINITY; 3]), f64::NEG_INFINITY);
        assert!(logsumexp(&[0.0, f64::NAN]).is_nan());
        assert_eq!(logsumexp(&[f64::NEG_INFINITY, 2.5]), 2.5);
        // No overflow or underflow far from zero.
        assert!((logsumexp(&[-1e4_f32, -1e4]) - (-1e4 + 2f32.ln())).abs() < 1e-2);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn matches_naive_formula(v in prop::collection::vec(-30.0..30.0f64, 1..20)) {
            let got = logsumexp(&v);
            prop_assert!((got - naive(&v)).abs() <= 1e-12 * got.abs().max(1.0));
        }

        #[test]
        fn shift_invariance(v in prop::collection::vec(-50.0..50.0f64, 1..20), c in -1e3..1e3f64) {
            let shifted: Vec<f64> = v.iter().map(|x| x + c).collect();
            let lhs = logsumexp(&shifted);
            let rhs = logsumexp(&v) + c;
            prop_assert!((lhs - rhs).abs() <= 1e-12 * lhs.abs().max(1.0) * 4.0);
        }

        #[test]
        fn responsibilities_sum_to_one(v in prop::collection::vec(-700.0..700.0f64, 1..20)) {
            let mut row = v.clone();
            let mut lse = Vec::new();
            normalise_rows(&mut row, v.len(), &mut lse);
            prop_assert!(lse[0].is_finite());
            prop_assert!((lse[0] - logsumexp(&v)).abs() <= 1e-13 * lse[0].abs().max(1.0));
            let s: f64 = row.iter().sum();
            prop_assert!((s - 1.0).abs() < 1e-12 * v.len() as f64);
            prop_assert!(row.iter().all(|&r| (0.0..=1.0).contains(&r)));
        }

        #[test]
        fn exp_f32_is_within_two_ulp(x in -87.0..88.0f32) {
            let (got, want) = (exp_f32(x), (x as f64).exp() as f32);
            let ulp = f32::from_bits(want.to_bits() + 1) - want;
            prop_assert!((got - want).abs() <= 2.0 * ulp, "{x}: {got} vs {want}");
        }

        #[test]
        fn exp_is_within_two_ulp(x in -708.0..709.0f64) {
            let (got, want) = (exp_f64(x), x.exp());
            let ulp = f64::from_bits(want.to_bits() + 1) - want;
            prop_assert!((got - want).abs() <= 2.0 * ulp, "{x}: {got} vs {want}");
        }
    }
}
