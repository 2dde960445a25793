//! Small numeric kernels shared by the engine and the families.

use crate::rows::Rows;
use crate::scalar::Scalar;

/// `ln Σ exp(v_i)`, computed stably with one `exp` per entry.
///
/// Returns `-inf` for an empty slice or when every entry is `-inf`, and NaN when any entry is
/// NaN or `+inf` meets `+inf`.
///
/// # Examples
/// ```
/// use mixture_core::logsumexp;
/// let v = [1000.0_f64, 1000.0];
/// assert!((logsumexp(&v) - (1000.0 + 2f64.ln())).abs() < 1e-12);
/// ```
pub fn logsumexp<T: Scalar>(v: &[T]) -> T {
    let max = v.iter().copied().fold(
        T::neg_infinity(),
        |m, x| {
            if x > m || x.is_nan() { x } else { m }
        },
    );
    if !max.is_finite() {
        // -inf: all entries -inf (or empty); +inf or NaN propagate.
        return max;
    }
    let sum = v.iter().fold(T::zero(), |s, &x| s + (x - max).exp());
    max + sum.ln()
}

/// `out[i·K + k] = Σ_j x_ij w_jk + c_k` for a block of rows: one GEMM and a constant per
/// component. This is the whole log-density kernel of every family whose log-density is affine
/// in x (Bernoulli: `w = ln μ − ln(1 − μ)`; exponential: `w = −λ`), with `weights_t` D×K
/// row-major and `offsets` the K constants.
pub fn affine_log_densities<T: Scalar>(
    block: Rows<'_, T>,
    weights_t: &[T],
    offsets: &[T],
    out: &mut [T],
) {
    let (b, d, k) = (block.n_rows(), block.n_cols(), offsets.len());
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

/// Replaces each row of `joint` (rows of `k` log-joint values `ln w_k + ln p(x | k)`) by its
/// responsibilities `exp(v - lse)` and returns the row's `lse = ln p(x)`.
#[inline]
pub(crate) fn normalise_row<T: Scalar>(row: &mut [T]) -> T {
    let lse = logsumexp(row);
    if lse.is_finite() {
        for v in row.iter_mut() {
            *v = (*v - lse).exp();
        }
    }
    lse
}

/// Squared Euclidean distance in `f64`.
#[inline]
pub(crate) fn squared_distance<T: Scalar>(a: &[T], b: &[T]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = x.as_f64() - y.as_f64();
            d * d
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(v: &[f64]) -> f64 {
        v.iter().map(|x| x.exp()).sum::<f64>().ln()
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
            let lse = normalise_row(&mut row);
            prop_assert!(lse.is_finite());
            let s: f64 = row.iter().sum();
            prop_assert!((s - 1.0).abs() < 1e-12 * v.len() as f64);
            prop_assert!(row.iter().all(|&r| (0.0..=1.0).contains(&r)));
        }
    }
}
