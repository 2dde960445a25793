//! # mixture-gauss
//!
//! Gaussian mixtures with full, diagonal, spherical or tied covariance matrices, on the
//! `mixture-core` engine, for `f32` and `f64`.
//!
//! - [`Gaussian`] is the family and its settings: the [`CovarianceType`] (full, diagonal,
//!   spherical or tied, with scikit-learn's estimates and parameter counts) and `reg_covar`,
//!   added to every covariance's diagonal before it is factored (absolute, default 1e-6 as in
//!   scikit-learn, or relative to the data's variance);
//! - [`GaussianComponents`] holds the fitted means, covariances and their Cholesky factors;
//! - [`GaussianMixture`] is `Mixture<T, GaussianComponents<T>>`: log-likelihood per row and in
//!   total, responsibilities, labels, sampling, BIC and AIC.
//!
//! Log-densities of a block of rows are one GEMM per component with the precision factor
//! `P_k = L_k⁻¹` (full and tied), or an O(D) scaled sum of squares per row (diagonal and
//! spherical); scatters are accumulated centred (never as raw moments) and merged exactly,
//! with counts and totals in `f64`: full D×D scatters for full and tied models, only their
//! diagonals for diagonal and spherical ones.
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
mod family;
mod linalg;
mod moments;

pub use components::GaussianComponents;
pub use family::{AccumulateScratch, CovarianceType, Gaussian};
pub use moments::GaussianStats;

use mixture_core::{Mixture, Result, Rows, Scalar};

/// A mixture of Gaussians.
pub type GaussianMixture<T> = Mixture<T, GaussianComponents<T>>;

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
