//! # mixture
//!
//! Finite mixture models fitted by expectation-maximisation, for `f32` and `f64`: the facade
//! over the workspace's crates.
//!
//! - [`core`]: the engine ([`core::Estimator`]), [`core::Mixture`] and the traits a family
//!   implements;
//! - [`gauss`]: Gaussian mixtures with full, diagonal, spherical or tied covariance;
//! - [`bern`]: Bernoulli mixtures (binary or [0, 1] features);
//! - [`exp`]: exponential mixtures (non-negative features);
//! - [`poisson`]: Poisson mixtures (counts);
//! - [`plot`]: PNG figures (density contours over data or samples, prototypes, histograms,
//!   fit traces);
//! - [`datagen`]: seeded synthetic data with known truth;
//! - [`registry`]: the one list of the families: a family of any kind with its settings
//!   ([`registry::AnyFamily`]), a fitted mixture of any family ([`registry::AnyMixture`]);
//! - [`model_file`]: versioned JSON model files of any family, in either precision;
//! - [`select`]: model selection over K and structures by BIC, AIC or ICL, with spurious
//!   components flagged.
//!
//! # Examples
//! The lesson this project grew from, in a few lines:
//! ```
//! use mixture::core::{Estimator, Init};
//! use mixture::gauss::Gaussian;
//! use mixture::core::rand::{SeedableRng, rngs::ChaCha8Rng};
//!
//! let blobs = mixture::datagen::lesson_blobs::<f64>(200, 69)?;
//! let model = Estimator::new(Gaussian::full(), 3)
//!     .max_iter(100)
//!     .tol(1e-3)
//!     .init(Init::RandomRows)
//!     .seed(1)
//!     .fit(&blobs.data)?
//!     .mixture;
//! println!("log[p(X)] = {:.4} nats", model.log_likelihood(&blobs.data)?);
//! let (samples, labels) = model.sample(600, &mut ChaCha8Rng::seed_from_u64(2))?;
//! assert_eq!((samples.n_rows(), labels.len()), (600, 600));
//! # Ok::<(), mixture::core::MixtureError>(())
//! ```

pub use datagen;
pub use mixture_bern as bern;
pub use mixture_core as core;
pub use mixture_exp as exp;
pub use mixture_gauss as gauss;
pub use mixture_plot as plot;
pub use mixture_poisson as poisson;

pub mod model_file;
pub mod registry;
pub mod select;

/// The README's Rust examples, compiled and run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
