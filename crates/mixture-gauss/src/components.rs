//! [`GaussianComponents`]: K full-covariance Gaussians, their batched log-densities and draws.

use crate::linalg::{cholesky_lower, invert_lower};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use mixture_core::{Components, MixtureError, Result, Rows, Scalar};
use rand::Rng;

/// `ln(2π)`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The parameters of K Gaussian components with full covariance matrices.
///
/// Besides the means and covariances it keeps what the log-density kernel needs: the Cholesky
/// factors `L_k` (for sampling), the precision factors `P_k = L_k⁻¹` laid side by side so a
/// block's Mahalanobis terms come from one GEMM, and the normalising constants. The factors are
/// computed in `f64` and then rounded to `T`.
#[derive(Debug, Clone)]
pub struct GaussianComponents<T> {
    k: usize,
    d: usize,
    means: Vec<T>,
    /// K×D×D, each row-major.
    covariances: Vec<T>,
    /// K×D×D lower factors, each row-major.
    cholesky: Vec<T>,
    /// D × (K·D) row-major: columns `kD..(k+1)D` hold `P_kᵀ`.
    precision_factors_t: Vec<T>,
    /// K×D: `P_k (μ_k − centre)`.
    shifted_means: Vec<T>,
    /// K: `−½ (D ln 2π + ln|Σ_k|)`.
    log_norms: Vec<T>,
    /// D: a reference point (the average of the means) subtracted from the data before the
    /// GEMM, so that data far from the origin lose no digits.
    centre: Vec<T>,
}

impl<T: Scalar> GaussianComponents<T> {
    /// Components with the given means (K×D, row-major) and covariances (K·D·D values: K
    /// row-major D×D matrices). The covariances are used as given (no `reg_covar` is added).
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] for inconsistent lengths, non-finite values or an
    /// asymmetric covariance; [`MixtureError::NotPositiveDefinite`] naming the component whose
    /// covariance cannot be factored.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::Rows;
    /// use mixture_gauss::GaussianComponents;
    /// let means = [0.0, 0.0, 3.0, 3.0];
    /// let covs = [1.0, 0.0, 0.0, 1.0, 2.0, 0.5, 0.5, 1.0];
    /// let c = GaussianComponents::<f64>::new(Rows::new(&means, 2)?, &covs)?;
    /// assert_eq!(c.covariance(1), &[2.0, 0.5, 0.5, 1.0]);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn new(means: Rows<'_, T>, covariances: &[T]) -> Result<Self> {
        let (k, d) = (means.n_rows(), means.n_cols());
        let invalid = |reason: String| Err(MixtureError::InvalidParameters { reason });
        if k == 0 {
            return invalid("no components: means have 0 rows".into());
        }
        if covariances.len() != k * d * d {
            return invalid(format!(
                "{} covariance values for {k} components of dimension {d} (expected {})",
                covariances.len(),
                k * d * d
            ));
        }
        if let Some(p) = means.as_slice().iter().position(|v| !v.is_finite()) {
            return invalid(format!(
                "mean of component {} is not finite in coordinate {}",
                p / d,
                p % d
            ));
        }
        let mut cov64 = Vec::with_capacity(k * d * d);
        for c in 0..k {
            let cov = &covariances[c * d * d..(c + 1) * d * d];
            for i in 0..d {
                for j in 0..d {
                    let (a, b) = (cov[i * d + j].as_f64(), cov[j * d + i].as_f64());
                    if !a.is_finite() {
                        return invalid(format!(
                            "covariance of component {c} holds {a} at ({i}, {j})"
                        ));
                    }
                    if (a - b).abs() > 1e-6 * (a.abs() + b.abs()).max(f64::MIN_POSITIVE) {
                        return invalid(format!(
                            "covariance of component {c} is not symmetric: ({i}, {j}) = {a} but ({j}, {i}) = {b}"
                        ));
                    }
                    cov64.push(0.5 * (a + b));
                }
            }
        }
        let means64: Vec<f64> = means.as_slice().iter().map(|v| v.as_f64()).collect();
        Self::from_f64(k, d, &means64, &cov64, None)
    }

    /// Builds the components from `f64` means and symmetric covariances; `reg_covar` (when
    /// fitting) is only used to name it in an error, having been added already.
    ///
    /// The parameters are rounded to `T` first and everything else is derived from the rounded
    /// values, so the components are a function of the `T` parameters they report: saving and
    /// reloading them reproduces every bit.
    pub(crate) fn from_f64(
        k: usize,
        d: usize,
        means: &[f64],
        covariances: &[f64],
        reg_covar: Option<f64>,
    ) -> Result<Self> {
        let dd = d * d;
        let means_t: Vec<T> = means.iter().map(|&v| T::cast(v)).collect();
        let covariances_t: Vec<T> = covariances.iter().map(|&v| T::cast(v)).collect();
        let means: Vec<f64> = means_t.iter().map(|v| v.as_f64()).collect();
        let covariances: Vec<f64> = covariances_t.iter().map(|v| v.as_f64()).collect();
        let mut centre = vec![0.0; d];
        for m in means.chunks_exact(d) {
            for (c, v) in centre.iter_mut().zip(m) {
                *c += v / k as f64;
            }
        }
        let mut cholesky = vec![T::zero(); k * dd];
        let mut precision_factors_t = vec![T::zero(); d * k * d];
        let mut shifted_means = vec![T::zero(); k * d];
        let mut log_norms = vec![T::zero(); k];
        for c in 0..k {
            let cov = MatRef::from_row_major_slice(&covariances[c * dd..(c + 1) * dd], d, d);
            let l = cholesky_lower(cov).map_err(|pivot| MixtureError::NotPositiveDefinite {
                component: c,
                pivot,
                reg_covar: reg_covar.unwrap_or(0.0),
            })?;
            let p = invert_lower(l.as_ref());
            let mut log_det = 0.0;
            for i in 0..d {
                log_det += 2.0 * l[(i, i)].ln();
                for j in 0..d {
                    cholesky[c * dd + i * d + j] = T::cast(l[(i, j)]);
                    // Row j of the D × KD matrix, column c·D + i, holds P[i][j].
                    precision_factors_t[j * k * d + c * d + i] = T::cast(p[(i, j)]);
                }
                let mut s = 0.0;
                for j in 0..=i {
                    s += p[(i, j)] * (means[c * d + j] - centre[j]);
                }
                shifted_means[c * d + i] = T::cast(s);
            }
            log_norms[c] = T::cast(-0.5 * (d as f64 * LN_2PI + log_det));
        }
        Ok(Self {
            k,
            d,
            means: means_t,
            covariances: covariances_t,
            cholesky,
            precision_factors_t,
            shifted_means,
            log_norms,
            centre: centre.into_iter().map(T::cast).collect(),
        })
    }

    /// The means, K×D.
    pub fn means(&self) -> Rows<'_, T> {
        Rows::new(&self.means, self.d).expect("K×D by construction")
    }

    /// All covariances: K row-major D×D matrices, one after the other.
    pub fn covariances(&self) -> &[T] {
        &self.covariances
    }

    /// The covariance of component `k` (row-major D×D).
    ///
    /// # Panics
    /// When `k >= n_components()`.
    pub fn covariance(&self, k: usize) -> &[T] {
        let dd = self.d * self.d;
        &self.covariances[k * dd..(k + 1) * dd]
    }

    /// The lower Cholesky factor `L_k` of component `k`'s covariance (row-major D×D).
    ///
    /// # Panics
    /// When `k >= n_components()`.
    pub fn cholesky_factor(&self, k: usize) -> &[T] {
        let dd = self.d * self.d;
        &self.cholesky[k * dd..(k + 1) * dd]
    }
}

/// `Σ_j (a_j − b_j)²` with eight independent partial sums, so the compiler can vectorise what a
/// single running sum (a strict sequential chain in IEEE arithmetic) would not.
#[inline]
fn squared_distance<T: Scalar>(a: &[T], b: &[T]) -> T {
    const LANES: usize = 8;
    let mut acc = [T::zero(); LANES];
    let (a_main, a_rest) = a.split_at(a.len() - a.len() % LANES);
    let (b_main, b_rest) = b.split_at(a_main.len());
    for (ca, cb) in a_main.chunks_exact(LANES).zip(b_main.chunks_exact(LANES)) {
        for l in 0..LANES {
            let y = ca[l] - cb[l];
            acc[l] += y * y;
        }
    }
    let mut total = T::zero();
    for (&x, &y) in a_rest.iter().zip(b_rest) {
        total += (x - y) * (x - y);
    }
    let pairs = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    total + ((pairs[0] + pairs[2]) + (pairs[1] + pairs[3]))
}

impl<T: Scalar> Components<T> for GaussianComponents<T> {
    fn check_domain(_x: Rows<'_, T>) -> Result<()> {
        Ok(()) // Every finite vector has a Gaussian density.
    }

    fn n_components(&self) -> usize {
        self.k
    }

    fn n_features(&self) -> usize {
        self.d
    }

    fn log_densities(&self, block: Rows<'_, T>, out: &mut [T], scratch: &mut Vec<T>) {
        let (b, d, k) = (block.n_rows(), self.d, self.k);
        let kd = k * d;
        scratch.resize(b * d + b * kd, T::zero());
        let (centred, projected) = scratch.split_at_mut(b * d);
        for (dst, src) in centred.chunks_exact_mut(d).zip(block.iter()) {
            for ((o, &x), &c) in dst.iter_mut().zip(src).zip(&self.centre) {
                *o = x - c;
            }
        }
        // projected[i, kD + j] = (P_k (x_i − centre))_j for all components in one GEMM.
        matmul(
            MatMut::from_row_major_slice_mut(projected, b, kd),
            Accum::Replace,
            MatRef::from_row_major_slice(centred, b, d),
            MatRef::from_row_major_slice(&self.precision_factors_t, d, kd),
            T::one(),
            Par::Seq,
        );
        let half = T::cast(0.5);
        for (z, o) in projected.chunks_exact(kd).zip(out.chunks_exact_mut(k)) {
            for (c, (zc, mc)) in z
                .chunks_exact(d)
                .zip(self.shifted_means.chunks_exact(d))
                .enumerate()
            {
                o[c] = self.log_norms[c] - half * squared_distance(zc, mc);
            }
        }
    }

    fn sample_component<R: Rng + ?Sized>(&self, k: usize, rng: &mut R, out: &mut [T]) {
        let d = self.d;
        let mut z = [T::zero(); 64];
        let mut z_heap;
        let z: &mut [T] = if d <= z.len() {
            &mut z[..d]
        } else {
            z_heap = vec![T::zero(); d];
            &mut z_heap
        };
        for v in z.iter_mut() {
            *v = T::standard_normal(rng);
        }
        let l = self.cholesky_factor(k);
        for i in 0..d {
            let mut s = self.means[k * d + i];
            for j in 0..=i {
                s += l[i * d + j] * z[j];
            }
            out[i] = s;
        }
    }

    fn n_parameters(&self) -> usize {
        self.k * self.d + self.k * self.d * (self.d + 1) / 2
    }

    fn write_means(&self, out: &mut [T]) {
        out.copy_from_slice(&self.means);
    }

    fn marginal(&self, dims: &[usize]) -> Result<Self> {
        // A Gaussian's marginal keeps the chosen entries of the mean and the chosen block of
        // the covariance.
        let (d, m) = (self.d, dims.len());
        let mut means = Vec::with_capacity(self.k * m);
        let mut covariances = Vec::with_capacity(self.k * m * m);
        for c in 0..self.k {
            means.extend(dims.iter().map(|&j| self.means[c * d + j].as_f64()));
            let cov = self.covariance(c);
            for &i in dims {
                covariances.extend(dims.iter().map(|&j| cov[i * d + j].as_f64()));
            }
        }
        Self::from_f64(self.k, m, &means, &covariances, None)
    }
}
