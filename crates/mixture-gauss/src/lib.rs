//! # mixture-gauss
//!
//! Gaussian mixtures with full covariance matrices, on the `mixture-core` engine, for `f32` and
//! `f64`.
//!
//! - [`Gaussian`] is the family and its settings (`reg_covar`, added to every covariance's
//!   diagonal before it is factored, absolute, default 1e-6 as in scikit-learn);
//! - [`GaussianComponents`] holds the fitted means, covariances and their Cholesky factors;
//! - [`GaussianMixture`] is `Mixture<T, GaussianComponents<T>>`: log-likelihood per row and in
//!   total, responsibilities, labels, sampling, BIC and AIC.
//!
//! Log-densities of a block of rows are one GEMM with the precision factors `P_k = L_k⁻¹`;
//! scatter matrices are accumulated centred (never as raw moments) and merged exactly, with
//! counts and totals in `f64`.
//!
//! # Examples
//! ```
//! use mixture_core::{Estimator, RowMatrix};
//! use mixture_gauss::Gaussian;
//!
//! // Two well-separated clumps in 2-D.
//! let mut rows = Vec::new();
//! for i in 0..50 {
//!     let t = i as f64 * 0.1;
//!     rows.push([t.sin() * 0.3, t.cos() * 0.3]);
//!     rows.push([5.0 + t.cos() * 0.3, 5.0 + t.sin() * 0.3]);
//! }
//! let x = RowMatrix::from_rows(&rows)?;
//! let model = Estimator::new(Gaussian::full(), 2).seed(7).fit(&x)?;
//! let report = model.fit_report().unwrap();
//! assert!(report.converged);
//! let labels = model.predict(&x)?;
//! assert_ne!(labels[0], labels[1]);
//! println!("log p(X) = {:.2} nats", model.log_likelihood(&x)?);
//! # Ok::<(), mixture_core::MixtureError>(())
//! ```

mod components;
mod linalg;
mod moments;

pub use components::GaussianComponents;
pub use moments::GaussianStats;

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use mixture_core::{Family, Mixture, MixtureError, Result, Rows, Scalar};

/// A mixture of Gaussians.
pub type GaussianMixture<T> = Mixture<T, GaussianComponents<T>>;

/// The Gaussian family with full covariance matrices, and its estimation settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gaussian {
    reg_covar: f64,
}

impl Default for Gaussian {
    fn default() -> Self {
        Self::full()
    }
}

impl Gaussian {
    /// Full covariance matrices, `reg_covar` 1e-6.
    ///
    /// # Examples
    /// ```
    /// let g = mixture_gauss::Gaussian::full().with_reg_covar(1e-4);
    /// assert_eq!(g.reg_covar(), 1e-4);
    /// ```
    pub fn full() -> Self {
        Self { reg_covar: 1e-6 }
    }

    /// Sets the value added to every covariance's diagonal before factoring. It is absolute
    /// (in squared data units): for data of scale s, a useful value is about 1e-6·s².
    /// Checked when fitting (finite, at least 0).
    pub fn with_reg_covar(mut self, reg_covar: f64) -> Self {
        self.reg_covar = reg_covar;
        self
    }

    /// The regularisation added to covariance diagonals.
    pub fn reg_covar(&self) -> f64 {
        self.reg_covar
    }
}

/// A Gaussian mixture from its parameters: `weights` (K, positive, summing to 1), `means`
/// (K×D) and `covariances` (K row-major D×D matrices, flat).
///
/// # Errors
/// As [`GaussianComponents::new`] and [`Mixture::from_parts`].
///
/// # Examples
/// ```
/// use mixture_core::Rows;
/// let gmm = mixture_gauss::gaussian_mixture::<f64>(
///     &[0.5, 0.5],
///     Rows::new(&[0.0, 1.0], 1)?,
///     &[1.0, 1.0],
/// )?;
/// let ll = gmm.log_likelihood(Rows::new(&[0.5], 1)?)?;
/// assert!((ll - (-0.5 * (2.0 * std::f64::consts::PI).ln() - 0.125)).abs() < 1e-12);
/// # Ok::<(), mixture_core::MixtureError>(())
/// ```
pub fn gaussian_mixture<T: Scalar>(
    weights: &[f64],
    means: Rows<'_, T>,
    covariances: &[T],
) -> Result<GaussianMixture<T>> {
    Mixture::from_parts(weights, GaussianComponents::new(means, covariances)?)
}

/// Working memory of the Gaussian statistics kernel, reused across blocks.
#[derive(Debug, Default)]
pub struct AccumulateScratch<T> {
    sums: Vec<T>,
    weighted: Vec<T>,
    scatter: Vec<T>,
    shift: Vec<T>,
    residual: Vec<f64>,
    mean: Vec<f64>,
    scatter64: Vec<f64>,
}

impl<T: Scalar> AccumulateScratch<T> {
    fn resize(&mut self, b: usize, k: usize, d: usize) {
        self.sums.resize(k * d, T::zero());
        self.weighted.resize(b * d, T::zero());
        self.scatter.resize(d * d, T::zero());
        self.shift.resize(d, T::zero());
        self.residual.resize(d, 0.0);
        self.mean.resize(d, 0.0);
        self.scatter64.resize(d * d, 0.0);
    }
}

impl<T: Scalar> Family<T> for Gaussian {
    type Components = GaussianComponents<T>;
    type Stats = GaussianStats;
    type Scratch = AccumulateScratch<T>;

    fn name(&self) -> &'static str {
        "gaussian"
    }

    fn check_options(&self) -> Result<()> {
        if !(self.reg_covar.is_finite() && self.reg_covar >= 0.0) {
            return Err(MixtureError::InvalidOption {
                name: "reg_covar",
                value: self.reg_covar.to_string(),
                expected: "must be finite and at least 0",
            });
        }
        Ok(())
    }

    fn new_stats(&self, n_components: usize, n_features: usize) -> GaussianStats {
        GaussianStats::new(n_components, n_features)
    }

    fn accumulate(
        &self,
        block: Rows<'_, T>,
        resp: &[T],
        stats: &mut GaussianStats,
        scratch: &mut AccumulateScratch<T>,
    ) {
        let (b, d) = (block.n_rows(), block.n_cols());
        let k = stats.n_components();
        scratch.resize(b, k, d);
        let AccumulateScratch {
            sums,
            weighted,
            scatter,
            shift,
            residual,
            mean,
            scatter64,
        } = scratch;
        // sums[k] = Σ_i r_ik x_i for all components in one GEMM.
        matmul(
            MatMut::from_row_major_slice_mut(sums, k, d),
            Accum::Replace,
            MatRef::from_row_major_slice(resp, b, k).transpose(),
            block.as_mat(),
            T::one(),
            Par::Seq,
        );
        for c in 0..k {
            let n_b: f64 = resp.iter().skip(c).step_by(k).map(|r| r.as_f64()).sum();
            if n_b <= 0.0 {
                continue;
            }
            // Centre on the block's (rounded) weighted mean; the rounding is corrected below.
            for (s, &v) in shift.iter_mut().zip(&sums[c * d..(c + 1) * d]) {
                *s = T::cast(v.as_f64() / n_b);
            }
            residual.fill(0.0);
            for ((w, x), row_resp) in weighted
                .chunks_exact_mut(d)
                .zip(block.iter())
                .zip(resp.chunks_exact(k))
            {
                let r = row_resp[c];
                let sqrt_r = r.sqrt();
                for j in 0..d {
                    let centred = x[j] - shift[j];
                    residual[j] += (r * centred).as_f64();
                    w[j] = sqrt_r * centred;
                }
            }
            // scatter = Σ_i r_i (x_i − shift)(x_i − shift)ᵀ
            matmul(
                MatMut::from_row_major_slice_mut(scatter, d, d),
                Accum::Replace,
                MatRef::from_row_major_slice(weighted, b, d).transpose(),
                MatRef::from_row_major_slice(weighted, b, d),
                T::one(),
                Par::Seq,
            );
            // Exact mean = shift + residual / n; scatter about it = scatter − n δδᵀ.
            for j in 0..d {
                residual[j] /= n_b;
                mean[j] = shift[j].as_f64() + residual[j];
            }
            for i in 0..d {
                for j in 0..d {
                    scatter64[i * d + j] =
                        scatter[i * d + j].as_f64() - n_b * residual[i] * residual[j];
                }
            }
            stats.merge_component(c, n_b, mean, scatter64);
        }
    }

    fn estimate(&self, stats: &GaussianStats) -> Result<GaussianComponents<T>> {
        let k = stats.n_components();
        let d = stats.mean(0).len();
        let mut means = Vec::with_capacity(k * d);
        let mut covariances = Vec::with_capacity(k * d * d);
        for c in 0..k {
            let n = stats.count(c);
            means.extend_from_slice(stats.mean(c));
            let s = stats.scatter(c);
            for i in 0..d {
                for j in 0..d {
                    // Symmetrise: GEMM need not round (i, j) and (j, i) alike.
                    let v = 0.5 * (s[i * d + j] + s[j * d + i]) / n;
                    covariances.push(if i == j { v + self.reg_covar } else { v });
                }
            }
        }
        GaussianComponents::from_f64(k, d, &means, &covariances, Some(self.reg_covar))
    }
}
