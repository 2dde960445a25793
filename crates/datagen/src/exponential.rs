//! Non-negative data from exponential mixtures.

use crate::{Labelled, check_positive_count, sample_labelled};
use mixture_core::rand::SeedableRng;
use mixture_core::rand::rngs::ChaCha8Rng;
use mixture_core::{Result, Rows, Scalar};
use mixture_exp::{ExponentialMixture, exponential_mixture};
use rand::RngExt;

/// Draws rows from an exponential mixture with given rates and weights.
#[derive(Debug, Clone)]
pub struct ExponentialMixtureGenerator {
    truth: ExponentialMixture<f64>,
}

impl ExponentialMixtureGenerator {
    /// Draws from the mixture with these `weights` (K) and `rates` (K×D, positive): feature d
    /// of component k has mean `1 / rates[k][d]`.
    ///
    /// # Errors
    /// As [`mixture_exp::exponential_mixture`]: rand_distr would accept a zero rate and draw
    /// infinities, so rates are checked here.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::Rows;
    /// let g = datagen::ExponentialMixtureGenerator::new(&[0.5, 0.5], Rows::new(&[1.0, 100.0], 1)?)?;
    /// let d = g.generate::<f64>(1000, 1)?;
    /// assert!(d.data.as_slice().iter().all(|&v| v >= 0.0));
    /// assert!(datagen::ExponentialMixtureGenerator::new(&[1.0], Rows::new(&[0.0], 1)?).is_err());
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn new(weights: &[f64], rates: Rows<'_, f64>) -> Result<Self> {
        Ok(Self {
            truth: exponential_mixture(weights, rates)?,
        })
    }

    /// `k` components of `d` features with rates drawn log-uniformly between 0.1 and 10 from
    /// `seed`, equal weights.
    ///
    /// # Errors
    /// [`mixture_core::MixtureError::InvalidOption`] for K or D of 0.
    ///
    /// # Examples
    /// ```
    /// let g = datagen::ExponentialMixtureGenerator::random(2, 3, 5)?;
    /// assert_eq!(g.truth().n_features(), 3);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn random(k: usize, d: usize, seed: u64) -> Result<Self> {
        check_positive_count("n_components", k)?;
        check_positive_count("n_features", d)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let rates: Vec<f64> = (0..k * d)
            .map(|_| 10f64.powf(rng.random_range(-1.0..1.0)))
            .collect();
        Self::new(&vec![1.0 / k as f64; k], Rows::new(&rates, d)?)
    }

    /// The mixture the data are drawn from.
    pub fn truth(&self) -> &ExponentialMixture<f64> {
        &self.truth
    }

    /// `n` rows with their components, in random order.
    ///
    /// # Errors
    /// [`mixture_core::MixtureError::InvalidOption`] when `n` is 0.
    pub fn generate<T: Scalar>(
        &self,
        n: usize,
        seed: u64,
    ) -> Result<Labelled<T, ExponentialMixture<f64>>> {
        sample_labelled(&self.truth, n, seed)
    }
}
