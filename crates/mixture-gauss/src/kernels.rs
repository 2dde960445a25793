//! The Gaussian kernels of an E-step: the log-densities `ln N(x_i | μ_k, Σ_k)` of a block of
//! rows for every component, and the centred weighted moments of the block per component.
//!
//! Rows are taken [`lanes`] at a time and transposed (feature-major), so that every arithmetic
//! operation acts on the sweep's independent rows at once (one or two SIMD registers) and no
//! horizontal sum is needed. Each component's rows are centred inside the kernel (`x − μ_k`)
//! before the product with the precision factor, rather than folding the mean into the product
//! (`P x − P μ`, scikit-learn's form), which cancels for data far from the origin relative to a
//! component's width. Full and tied models use only the triangle of `P_k = L_k⁻¹`:
//! `D(D+1)/2` multiply-adds per row and component, for every component in one sweep over the
//! block instead of K small matrix products.
//!
//! The code is compiled for the widest instruction set the processor has (pulp's run-time
//! dispatch). Products are fused multiply-adds, which round exactly once on every machine, so
//! the values depend neither on the instruction set nor on the number of threads.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use mixture_core::{Rows, Scalar};

/// Rows per sweep: two 256-bit registers of `f64` or of `f32` (8 or 16 rows), so that both
/// precisions have the same number of independent chains and `f32` does twice the rows per
/// instruction.
const fn lanes<T>() -> usize {
    if size_of::<T>() == 4 { 16 } else { 8 }
}

/// Above this dimension a triangular factor no longer stays in cache while a sweep of
/// [`lanes`] rows runs over it; blocks then go through one matrix product per component.
const MAX_SWEEP_FEATURES: usize = 64;

/// The precision of each component, by covariance type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Precision<'a, T> {
    /// Lower-triangular `P_k = L_k⁻¹` (row-major D×D): one per component, or one shared by all
    /// (`shared`, the tied model).
    Triangular { factors: &'a [T], shared: bool },
    /// Per component, D inverse standard deviations.
    Diagonal(&'a [T]),
    /// Per component, one inverse standard deviation.
    Spherical(&'a [T]),
}

/// `out[i·K + k] = log_norms[k] − ½ ‖P_k (x_i − μ_k)‖²` for every row i of `block` and every
/// component k; `means` is K×D row-major.
pub(crate) fn log_densities<T: Scalar>(
    block: Rows<'_, T>,
    means: &[T],
    precision: Precision<'_, T>,
    log_norms: &[T],
    out: &mut [T],
    scratch: &mut Vec<T>,
) {
    match lanes::<T>() {
        16 => log_densities_in::<T, 16>(block, means, precision, log_norms, out, scratch),
        _ => log_densities_in::<T, 8>(block, means, precision, log_norms, out, scratch),
    }
}

/// [`log_densities`] with sweeps of `L` rows.
fn log_densities_in<T: Scalar, const L: usize>(
    block: Rows<'_, T>,
    means: &[T],
    precision: Precision<'_, T>,
    log_norms: &[T],
    out: &mut [T],
    scratch: &mut Vec<T>,
) {
    let (d, k) = (block.n_cols(), log_norms.len());
    if d == 0 {
        for row in out.chunks_exact_mut(k) {
            row.copy_from_slice(log_norms);
        }
        return;
    }
    if let Precision::Triangular { factors, shared } = precision
        && d > MAX_SWEEP_FEATURES
    {
        return by_matrix_products(block, means, factors, shared, log_norms, out, scratch);
    }
    scratch.resize(2 * d * L, T::zero());
    let (xt, centred) = scratch.split_at_mut(d * L);
    pulp::Arch::new().dispatch(Sweeps::<T, L> {
        block,
        means,
        precision,
        log_norms,
        out,
        xt,
        centred,
    });
}

/// The sweeps over a block as a `pulp` operation, so that they are compiled for the detected
/// instruction set (everything `with_simd` calls is inlined into it).
struct Sweeps<'a, T, const L: usize> {
    block: Rows<'a, T>,
    means: &'a [T],
    precision: Precision<'a, T>,
    log_norms: &'a [T],
    out: &'a mut [T],
    xt: &'a mut [T],
    centred: &'a mut [T],
}

impl<T: Scalar, const L: usize> pulp::WithSimd for Sweeps<'_, T, L> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let Sweeps {
            block,
            means,
            precision,
            log_norms,
            out,
            xt,
            centred,
        } = self;
        let (d, k) = (block.n_cols(), log_norms.len());
        let half = T::cast(0.5);
        for (rows, out_rows) in block.as_slice().chunks(d * L).zip(out.chunks_mut(k * L)) {
            transpose::<T, L>(rows, d, xt);
            let xt: &[[T; L]] = xt.as_chunks().0;
            for c in 0..k {
                let mean = &means[c * d..(c + 1) * d];
                let norms = match precision {
                    Precision::Triangular { factors, shared } => {
                        let p = if shared { 0 } else { c };
                        let centred: &mut [[T; L]] = centred.as_chunks_mut().0;
                        for ((y, x), &m) in centred.iter_mut().zip(xt).zip(mean) {
                            *y = std::array::from_fn(|l| x[l] - m);
                        }
                        triangular_norms(centred, &factors[p * d * d..(p + 1) * d * d])
                    }
                    Precision::Diagonal(inverse_std) => {
                        scaled_norms(xt, mean, inverse_std[c * d..(c + 1) * d].iter().copied())
                    }
                    Precision::Spherical(inverse_std) => {
                        scaled_norms(xt, mean, std::iter::repeat(inverse_std[c]))
                    }
                };
                for (o, norm) in out_rows.chunks_exact_mut(k).zip(norms) {
                    o[c] = log_norms[c] - half * norm;
                }
            }
        }
    }
}

/// Feature-major copy of up to [`lanes`] rows: `xt[j·L + l] = rows[l][j]`. Missing rows of
/// a last, short sweep repeat its first row (their results are not written out).
#[inline(always)]
fn transpose<T: Scalar, const L: usize>(rows: &[T], d: usize, xt: &mut [T]) {
    let n = rows.len() / d;
    for l in 0..L {
        let row = &rows[(if l < n { l } else { 0 }) * d..][..d];
        for (j, &v) in row.iter().enumerate() {
            xt[j * L + l] = v;
        }
    }
}

/// `‖P y‖²` per lane for lower-triangular `p` (row-major D×D), `y` feature-major.
#[inline(always)]
fn triangular_norms<T: Scalar, const L: usize>(y: &[[T; L]], p: &[T]) -> [T; L] {
    let d = y.len();
    let mut norms = [T::zero(); L];
    for (i, p_row) in p.chunks_exact(d).enumerate() {
        let mut z = [T::zero(); L];
        for (y_j, &p_ij) in y[..=i].iter().zip(&p_row[..=i]) {
            for l in 0..L {
                z[l] = p_ij.mul_add(y_j[l], z[l]);
            }
        }
        for l in 0..L {
            norms[l] = z[l].mul_add(z[l], norms[l]);
        }
    }
    norms
}

/// `Σ_j ((x_j − μ_j) s_j)²` per lane, `xt` feature-major, `s` the D inverse standard deviations.
#[inline(always)]
fn scaled_norms<T: Scalar, const L: usize>(
    xt: &[[T; L]],
    mean: &[T],
    inverse_std: impl Iterator<Item = T>,
) -> [T; L] {
    let mut norms = [T::zero(); L];
    for ((x, &m), s) in xt.iter().zip(mean).zip(inverse_std) {
        for l in 0..L {
            let t = (x[l] - m) * s;
            norms[l] = t.mul_add(t, norms[l]);
        }
    }
    norms
}

/// The kernel for large D: per component, the block centred on its mean times `P_kᵀ` in one
/// matrix product, then the squared norms of the rows.
fn by_matrix_products<T: Scalar>(
    block: Rows<'_, T>,
    means: &[T],
    factors: &[T],
    shared: bool,
    log_norms: &[T],
    out: &mut [T],
    scratch: &mut Vec<T>,
) {
    let (b, d, k) = (block.n_rows(), block.n_cols(), log_norms.len());
    scratch.resize(2 * b * d, T::zero());
    let (centred, projected) = scratch.split_at_mut(b * d);
    let half = T::cast(0.5);
    for c in 0..k {
        let mean = &means[c * d..(c + 1) * d];
        for (dst, src) in centred.chunks_exact_mut(d).zip(block.iter()) {
            for ((o, &x), &m) in dst.iter_mut().zip(src).zip(mean) {
                *o = x - m;
            }
        }
        let p = if shared { 0 } else { c };
        // projected = centred · P_cᵀ, P_c read as a column-major matrix is P_cᵀ.
        matmul(
            MatMut::from_row_major_slice_mut(projected, b, d),
            Accum::Replace,
            MatRef::from_row_major_slice(centred, b, d),
            MatRef::from_row_major_slice(&factors[p * d * d..(p + 1) * d * d], d, d).transpose(),
            T::one(),
            Par::Seq,
        );
        for (z, o) in projected.chunks_exact(d).zip(out.chunks_exact_mut(k)) {
            let norm = z.iter().fold(T::zero(), |s, &v| v.mul_add(v, s));
            o[c] = log_norms[c] - half * norm;
        }
    }
}

/// Whether the statistics of blocks of `d` features are computed by [`centred_moments`]
/// (diagonal scatters, or full ones of small D) rather than by matrix products.
pub(crate) fn sweeps_moments(d: usize, diagonal: bool) -> bool {
    diagonal || d <= MAX_SWEEP_FEATURES
}

/// The centred weighted moments of a block for every component k (responsibilities `resp`,
/// B×K; centres `shifts`, K×D): `first[k·D + j] = Σ_i r_ik (x_ij − s_kj)` and, in `second`,
/// `Σ_i r_ik (x_ij − s_ki)(x_ij' − s_kj')` for the lower triangle `j' ≤ j` packed row by row
/// (D(D+1)/2 values per component), or only `j' = j` when `diagonal` (D values). The sums run
/// in `T` over lanes of [`lanes`] rows, then the lanes are added in `f64`. Rows of zero
/// responsibility add exactly nothing, and sweeps whose [`lanes`] rows all have zero
/// responsibility are skipped.
pub(crate) fn centred_moments<T: Scalar>(
    block: Rows<'_, T>,
    resp: &[T],
    shifts: &[T],
    diagonal: bool,
    first: &mut [f64],
    second: &mut [f64],
    scratch: &mut Vec<T>,
) {
    match lanes::<T>() {
        16 => centred_moments_in::<T, 16>(block, resp, shifts, diagonal, first, second, scratch),
        _ => centred_moments_in::<T, 8>(block, resp, shifts, diagonal, first, second, scratch),
    }
}

/// [`centred_moments`] with sweeps of `L` rows.
fn centred_moments_in<T: Scalar, const L: usize>(
    block: Rows<'_, T>,
    resp: &[T],
    shifts: &[T],
    diagonal: bool,
    first: &mut [f64],
    second: &mut [f64],
    scratch: &mut Vec<T>,
) {
    let (b, d) = (block.n_rows(), block.n_cols());
    let pairs = if diagonal { d } else { d * (d + 1) / 2 };
    let sweeps = b.div_ceil(L);
    scratch.resize((sweeps * d + 2 * d + pairs) * L, T::zero());
    let (xt, rest) = scratch.split_at_mut(sweeps * d * L);
    let (centred, accumulators) = rest.split_at_mut(d * L);
    for (rows, xt) in block
        .as_slice()
        .chunks(d * L)
        .zip(xt.chunks_exact_mut(d * L))
    {
        transpose::<T, L>(rows, d, xt);
    }
    pulp::Arch::new().dispatch(Moments::<T, L> {
        n_rows: b,
        xt,
        resp,
        shifts,
        diagonal,
        first,
        second,
        centred,
        accumulators,
    });
}

/// [`centred_moments`]'s sweeps as a `pulp` operation (see [`Sweeps`]).
struct Moments<'a, T, const L: usize> {
    n_rows: usize,
    xt: &'a [T],
    resp: &'a [T],
    shifts: &'a [T],
    diagonal: bool,
    first: &'a mut [f64],
    second: &'a mut [f64],
    centred: &'a mut [T],
    accumulators: &'a mut [T],
}

impl<T: Scalar, const L: usize> pulp::WithSimd for Moments<'_, T, L> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let Moments {
            n_rows,
            xt,
            resp,
            shifts,
            diagonal,
            first,
            second,
            centred,
            accumulators,
        } = self;
        let d = centred.len() / L;
        let k = shifts.len() / d;
        let pairs = second.len() / k;
        let xt: &[[T; L]] = xt.as_chunks().0;
        let centred: &mut [[T; L]] = centred.as_chunks_mut().0;
        let accumulators: &mut [[T; L]] = accumulators.as_chunks_mut().0;
        let (sum, products) = accumulators.split_at_mut(d);
        for c in 0..k {
            let shift = &shifts[c * d..(c + 1) * d];
            sum.fill([T::zero(); L]);
            products.fill([T::zero(); L]);
            for (sweep, x) in xt.chunks_exact(d).enumerate() {
                let first_row = sweep * L;
                let r: [T; L] = std::array::from_fn(|l| {
                    let row = first_row + l;
                    if row < n_rows {
                        resp[row * k + c]
                    } else {
                        T::zero()
                    }
                });
                if r.iter().all(|&v| v == T::zero()) {
                    continue;
                }
                for (y, (x, &s)) in centred.iter_mut().zip(x.iter().zip(shift)) {
                    *y = std::array::from_fn(|l| x[l] - s);
                }
                if diagonal {
                    for ((y, total), square) in
                        centred.iter().zip(sum.iter_mut()).zip(products.iter_mut())
                    {
                        let (mut t, mut q) = (*total, *square);
                        for l in 0..L {
                            let ry = r[l] * y[l];
                            t[l] += ry;
                            q[l] = ry.mul_add(y[l], q[l]);
                        }
                        (*total, *square) = (t, q);
                    }
                } else {
                    let mut pair = 0;
                    for (i, y_i) in centred.iter().enumerate() {
                        let ry: [T; L] = std::array::from_fn(|l| r[l] * y_i[l]);
                        let mut t = sum[i];
                        for l in 0..L {
                            t[l] += ry[l];
                        }
                        sum[i] = t;
                        for (product, y_j) in
                            products[pair..=pair + i].iter_mut().zip(&centred[..=i])
                        {
                            // Through a local copy, which the compiler keeps in registers.
                            let mut p = *product;
                            for l in 0..L {
                                p[l] = ry[l].mul_add(y_j[l], p[l]);
                            }
                            *product = p;
                        }
                        pair += i + 1;
                    }
                }
            }
            let lanes = |v: &[T; L]| v.iter().fold(0.0, |t, x| t + x.as_f64());
            for (f, v) in first[c * d..(c + 1) * d].iter_mut().zip(sum.iter()) {
                *f = lanes(v);
            }
            for (s, v) in second[c * pairs..(c + 1) * pairs]
                .iter_mut()
                .zip(products.iter())
            {
                *s = lanes(v);
            }
        }
    }
}

/// [`centred_moments`] for full scatters of large D: per component, the rows of positive
/// responsibility as `[√r (x − s) | √r]`, and one matrix product of that with itself, whose
/// last row holds the first moments.
pub(crate) fn products_moments<T: Scalar>(
    block: Rows<'_, T>,
    resp: &[T],
    shifts: &[T],
    first: &mut [f64],
    second: &mut [f64],
    scratch: &mut Vec<T>,
) {
    let (b, d) = (block.n_rows(), block.n_cols());
    let (k, w, pairs) = (shifts.len() / d, d + 1, d * (d + 1) / 2);
    scratch.resize(b * w + w * w, T::zero());
    let (augmented, gram) = scratch.split_at_mut(b * w);
    for c in 0..k {
        let shift = &shifts[c * d..(c + 1) * d];
        let mut rows = 0;
        for (x, row_resp) in block.iter().zip(resp.chunks_exact(k)) {
            let r = row_resp[c];
            if r > T::zero() {
                let sqrt_r = r.sqrt();
                let dst = &mut augmented[rows * w..(rows + 1) * w];
                for ((o, &xj), &sj) in dst.iter_mut().zip(x).zip(shift) {
                    *o = sqrt_r * (xj - sj);
                }
                dst[d] = sqrt_r;
                rows += 1;
            }
        }
        let a = MatRef::from_row_major_slice(&augmented[..rows * w], rows, w);
        matmul(
            MatMut::from_row_major_slice_mut(gram, w, w),
            Accum::Replace,
            a.transpose(),
            a,
            T::one(),
            Par::Seq,
        );
        for j in 0..d {
            first[c * d + j] = gram[d * w + j].as_f64();
        }
        let mut pair = c * pairs;
        for i in 0..d {
            for j in 0..=i {
                second[pair] = gram[i * w + j].as_f64();
                pair += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `‖P (x − μ)‖²` the plain way, in f64.
    fn naive(x: &[f64], mean: &[f64], p: &[f64]) -> f64 {
        let d = x.len();
        (0..d)
            .map(|i| {
                let z: f64 = (0..d).map(|j| p[i * d + j] * (x[j] - mean[j])).sum();
                z * z
            })
            .sum()
    }

    /// A lower-triangular factor with a positive diagonal from free values.
    fn lower(values: &[f64], d: usize) -> Vec<f64> {
        let mut p = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..=i {
                let v = values[(i * d + j) % values.len()];
                p[i * d + j] = if i == j { 0.5 + v.abs() } else { v };
            }
        }
        p
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Both statistics kernels (sweeps, with short and skipped sweeps; matrix products)
        /// against the naive sums, far from the origin, on both sides of the threshold between
        /// them.
        #[test]
        fn moments_match_the_naive_sums(
            n in 1usize..40,
            d in prop::sample::select(vec![1usize, 3, 8, 70]),
            k in 1usize..4,
            values in prop::collection::vec(-2.0..2.0f64, 64),
        ) {
            let x: Vec<f64> = (0..n * d).map(|i| 1e3 + values[i % 64] * (i % 5) as f64).collect();
            // Some rows have zero responsibility, some whole sweeps too.
            let resp: Vec<f64> = (0..n * k)
                .map(|i| if (i / k) % 11 < 8 && i % 3 != 0 { values[(i * 7) % 64].abs() } else { 0.0 })
                .collect();
            let shifts: Vec<f64> = (0..k * d).map(|i| 1e3 + values[(i * 3) % 64]).collect();
            let block = Rows::new(&x, d).unwrap();
            // The sweeps for both kinds of scatter, the matrix products for full ones; each
            // works at any D (the engine picks by `sweeps_moments`).
            for (diagonal, by_products) in [(false, false), (true, false), (false, true)] {
                let pairs = if diagonal { d } else { d * (d + 1) / 2 };
                let (mut first, mut second, mut scratch) = (vec![0.0; k * d], vec![0.0; k * pairs], Vec::new());
                if by_products {
                    products_moments(block, &resp, &shifts, &mut first, &mut second, &mut scratch);
                } else {
                    centred_moments(block, &resp, &shifts, diagonal, &mut first, &mut second, &mut scratch);
                }
                for c in 0..k {
                    let y = |i: usize, j: usize| x[i * d + j] - shifts[c * d + j];
                    let r = |i: usize| resp[i * k + c];
                    let close = |got: f64, want: f64, scale: f64| (got - want).abs() <= 1e-12 * scale.max(1.0);
                    let mut pair = c * pairs;
                    for a in 0..d {
                        let want: f64 = (0..n).map(|i| r(i) * y(i, a)).sum();
                        let scale: f64 = (0..n).map(|i| (r(i) * y(i, a)).abs()).sum();
                        prop_assert!(close(first[c * d + a], want, scale));
                        for bb in if diagonal { a..a + 1 } else { 0..a + 1 } {
                            let want: f64 = (0..n).map(|i| r(i) * y(i, a) * y(i, bb)).sum();
                            let scale: f64 = (0..n).map(|i| (r(i) * y(i, a) * y(i, bb)).abs()).sum();
                            prop_assert!(close(second[pair], want, scale), "{c} {a} {bb}: {} vs {want}", second[pair]);
                            pair += 1;
                        }
                    }
                }
            }
        }

        /// Every kernel (sweeps, matrix products; triangular, diagonal, spherical) against the
        /// naive formula, for row counts that leave short sweeps and both sides of the
        /// dimension threshold.
        #[test]
        fn kernels_match_the_naive_formula(
            n in 1usize..20,
            d in prop::sample::select(vec![1usize, 2, 3, 8, 13, 65, 70]),
            k in 1usize..4,
            values in prop::collection::vec(-2.0..2.0f64, 64),
            shared in any::<bool>(),
        ) {
            let x: Vec<f64> = (0..n * d).map(|i| 100.0 + values[i % 64] * (i % 7) as f64).collect();
            let means: Vec<f64> = (0..k * d).map(|i| 100.0 + values[(i * 3) % 64]).collect();
            let factors: Vec<f64> = (0..k).flat_map(|c| lower(&values[c..], d)).collect();
            let norms: Vec<f64> = (0..k).map(|c| -(c as f64)).collect();
            let block = Rows::new(&x, d).unwrap();
            let (mut out, mut scratch) = (vec![0.0; n * k], Vec::new());
            let triangular = Precision::Triangular { factors: &factors, shared };
            log_densities(block, &means, triangular, &norms, &mut out, &mut scratch);
            for i in 0..n {
                for c in 0..k {
                    let p = if shared { 0 } else { c };
                    let want = norms[c]
                        - 0.5 * naive(&x[i * d..(i + 1) * d], &means[c * d..(c + 1) * d], &factors[p * d * d..(p + 1) * d * d]);
                    prop_assert!((out[i * k + c] - want).abs() <= 1e-11 * want.abs().max(1.0));
                }
            }
            // f32 sweeps (16 lanes) agree to f32 rounding.
            let to32 = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
            let (x32, means32, factors32, norms32) = (to32(&x), to32(&means), to32(&factors), to32(&norms));
            let (mut out32, mut scratch32) = (vec![0.0f32; n * k], Vec::new());
            let triangular = Precision::Triangular { factors: &factors32, shared };
            log_densities(Rows::new(&x32, d).unwrap(), &means32, triangular, &norms32, &mut out32, &mut scratch32);
            for (a, b) in out32.iter().zip(&out) {
                prop_assert!((f64::from(*a) - b).abs() <= 1e-4 * b.abs().max(1.0), "{a} against {b}");
            }
            // Diagonal and spherical: the same formula with a diagonal P.
            let inverse_std: Vec<f64> = (0..k * d).map(|i| 0.5 + values[(i * 5) % 64].abs()).collect();
            for spherical in [false, true] {
                let precision = if spherical {
                    Precision::Spherical(&inverse_std[..k])
                } else {
                    Precision::Diagonal(&inverse_std)
                };
                log_densities(block, &means, precision, &norms, &mut out, &mut scratch);
                for i in 0..n {
                    for c in 0..k {
                        let p: Vec<f64> = (0..d * d)
                            .map(|e| match (e / d == e % d, spherical) {
                                (false, _) => 0.0,
                                (true, true) => inverse_std[c],
                                (true, false) => inverse_std[c * d + e / d],
                            })
                            .collect();
                        let want = norms[c] - 0.5 * naive(&x[i * d..(i + 1) * d], &means[c * d..(c + 1) * d], &p);
                        prop_assert!((out[i * k + c] - want).abs() <= 1e-11 * want.abs().max(1.0));
                    }
                }
            }
        }
    }
}
