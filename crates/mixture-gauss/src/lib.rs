//! # mixture-gauss
//!
//! Gaussian mixtures with any of the fourteen covariance models of model-based clustering, on
//! the `mixture-core` engine, for `f32` and `f64`.
//!
//! - [`Gaussian`] is the family and its settings: the [`CovarianceType`] (mclust's
//!   eigen-decomposition models `Σ_k = λ_k D_k A_k D_kᵀ`, EII to VVV, among them
//!   scikit-learn's full, diagonal, spherical and tied with its estimates; mclust's parameter
//!   counts, which are scikit-learn's for those four) and `reg_covar`,
//!   added to every covariance's diagonal before it is factored (absolute, default 1e-6 as in
//!   scikit-learn, or relative to the data's variance);
//! - [`GaussianComponents`] holds the fitted means, covariances and their factors;
//! - [`GaussianMixture`] is `Mixture<T, GaussianComponents<T>>`: log-likelihood per row and in
//!   total, responsibilities, labels, sampling, BIC and AIC.
//!
//! Parameters are stored in each covariance type's compact form (K D×D matrices for full
//! models, one for tied, K×D variances for diagonal, K for spherical; volumes, shapes and
//! orientations for mclust's other ten), so memory and work are O(K·D) for diagonal models. Log-densities of a block of rows come from one sweep over 8 rows
//! at a time for every component (rows centred on each mean inside the kernel, then the
//! triangle of the precision factor `P_k = L_k⁻¹`, or the inverse standard deviations), compiled
//! for the processor's SIMD at run time; statistics are centred weighted moments accumulated by
//! the same kind of sweep (lower triangles, or diagonals only) and merged exactly, with counts
//! and totals in `f64`. Full models of D > 64 use one matrix product per component instead.
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
//! let fit = Estimator::new(Gaussian::full(), 2).seed(7).fit(&x)?;
//! assert!(fit.report.converged);
//! let model = &fit.mixture;
//! let labels = model.predict(&x)?;
//! assert_ne!(labels[0], labels[1]);
//! println!("log p(X) = {:.2} nats", model.log_likelihood(&x)?);
//! # Ok::<(), mixture_core::MixtureError>(())
//! ```
//!
//! # E-M by hand, block by block
//!
//! `fit` is a loop over blocks of rows: an E-step per block
//! ([`Estimator::e_step`](mixture_core::Estimator::e_step)) gives statistics that merge
//! exactly, in block order, as a balanced tree ([`MergeTree`](mixture_core::chunked::MergeTree)), and
//! an M-step turns them into the next mixture. Written by hand, with the blocks' E-steps in
//! parallel or on other machines, the loop gives the same bits as `fit`, on any number of
//! threads:
//! ```
//! use mixture_core::{Estimator, RowMatrix, chunked::{MergeTree, Statistics}};
//! use mixture_gauss::Gaussian;
//! use rayon::prelude::*;
//!
//! // 1000 rows in three clumps.
//! let rows: Vec<[f64; 2]> = (0..1000)
//!     .map(|i| {
//!         let (t, c) = (i as f64 * 0.37, (i % 3) as f64);
//!         [3.0 * c + t.sin(), c * c - t.cos() * 0.5]
//!     })
//!     .collect();
//! let x = RowMatrix::from_rows(&rows)?;
//! let (n, b) = (x.n_rows(), 128);
//! let estimator = Estimator::new(Gaussian::full(), 3).block_rows(b).max_iter(5).tol(0.0);
//! let start = estimator.initialise(&x)?;
//!
//! let mut model = start.clone();
//! for _ in 0..5 {
//!     let firsts: Vec<usize> = (0..n).step_by(b).collect();
//!     let parts: Vec<Statistics<_>> = firsts
//!         .par_iter()
//!         .map(|&first| estimator.e_step(&model, x.view().slice_rows(first, (first + b).min(n)), first))
//!         .collect::<Result<_, _>>()?;
//!     let mut tree = MergeTree::new();
//!     for part in &parts {
//!         tree.push(part)?; // in block order
//!     }
//!     let total = tree.finish().expect("some blocks");
//!     model = estimator.m_step(&total)?.mixture;
//! }
//!
//! for threads in [1, 2] {
//!     let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
//!     let fitted = pool.install(|| estimator.fit_from(&start, &x))?.mixture;
//!     assert_eq!(fitted.weights(), model.weights());
//!     assert_eq!(fitted.means().as_slice(), model.means().as_slice());
//!     assert_eq!(fitted.components().covariance_parameters(), model.components().covariance_parameters());
//! }
//! # Ok::<(), mixture_core::MixtureError>(())
//! ```
//!
//! # Known means, known weights, partial starts
//!
//! A start may give only some parameter groups
//! ([`Start::taking`](mixture_core::Start::taking): the rest come from each initialisation,
//! as scikit-learn's `means_init` alone), and a fit may hold groups fixed
//! ([`Estimator::hold`](mixture_core::Estimator::hold)): every M-step keeps them exactly and
//! estimates the rest given them (the covariances about the held means):
//! ```
//! use mixture_core::{Estimator, Parameter, ParameterSet, RowMatrix, Rows, Start};
//! use mixture_gauss::gaussian_mixture;
//! use mixture_gauss::Gaussian;
//!
//! let rows: Vec<[f64; 2]> = (0..300)
//!     .map(|i| {
//!         let (t, c) = (i as f64 * 0.37, (i % 3) as f64);
//!         [3.0 * c + t.sin(), c * c - t.cos() * 0.5]
//!     })
//!     .collect();
//! let x = RowMatrix::from_rows(&rows)?;
//! // The means are known; the covariances given here are placeholders, not used.
//! let means = [0.0, 0.0, 3.0, 1.0, 6.0, 4.0];
//! let known = gaussian_mixture(&[1.0 / 3.0; 3], Rows::new(&means, 2)?, &[1.0, 0.0, 0.0, 1.0].repeat(3))?;
//! let means_only = ParameterSet::of(&[Parameter::MEANS]);
//! let fit = Estimator::new(Gaussian::full(), 3)
//!     .hold(means_only)
//!     .fit_from(Start::taking(&known, means_only), &x)?;
//! assert_eq!(fit.mixture.means().as_slice(), &means);
//! # Ok::<(), mixture_core::MixtureError>(())
//! ```

mod components;
mod covariance_type;
mod family;
mod floor;
mod kernels;
mod linalg;
mod map_prior;
mod models;
mod moments;
mod parameters;
mod variational;

pub use components::GaussianComponents;
pub use covariance_type::CovarianceType;
pub use family::{AccumulateScratch, DEFAULT_REG_COVAR, Gaussian, Regularisation};
pub use floor::{RegularisationFloor, regularisation_floor};
pub use moments::GaussianStats;
pub use parameters::{Covariances, EigenCovariances, GaussianParameters};
pub use variational::{GaussianPosterior, GaussianPrior};

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
