//! Counts from Poisson mixtures.

use crate::{Labelled, check_positive_count, sample_labelled};
use mixture_core::rand::SeedableRng;
use mixture_core::rand::rngs::ChaCha8Rng;
use mixture_core::{Result, Rows, Scalar};
use mixture_poisson::{PoissonMixture, poisson_mixture};
use rand::RngExt;

/// Draws rows of counts from a Poisson mixture with given rates and weights.
#[derive(Debug, Clone)]
pub struct PoissonMixtureGenerator {
    truth: PoissonMixture<f64>,
}

impl PoissonMixtureGenerator {
    /// Draws from the mixture with these `weights` (K) and `rates` (K×D, positive): feature d
    /// of component k counts `rates[k][d]` on average.
    ///
    /// # Errors
    /// As [`mixture_poisson::poisson_mixture`].
    ///
    /// # Examples
    /// ```
    /// use mixture_core::Rows;
    /// let g = datagen::PoissonMixtureGenerator::new(&[0.5, 0.5], Rows::new(&[1.0, 30.0], 1)?)?;
    /// let d = g.generate::<f64>(1000, 1)?;
    /// assert!(d.data.as_slice().iter().all(|&v| v >= 0.0 && v.fract() == 0.0));
    /// assert!(datagen::PoissonMixtureGenerator::new(&[1.0], Rows::new(&[0.0], 1)?).is_err());
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn new(weights: &[f64], rates: Rows<'_, f64>) -> Result<Self> {
        Ok(Self {
            truth: poisson_mixture(weights, rates)?,
        })
    }

    /// `k` components of `d` features with rates drawn log-uniformly between 0.5 and 50 from
    /// `seed`, equal weights.
    ///
    /// # Errors
    /// [`mixture_core::MixtureError::InvalidOption`] for K or D of 0.
    ///
    /// # Examples
    /// ```
    /// let g = datagen::PoissonMixtureGenerator::random(2, 3, 5)?;
    /// assert_eq!(g.truth().n_features(), 3);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn random(k: usize, d: usize, seed: u64) -> Result<Self> {
        check_positive_count("n_components", k)?;
        check_positive_count("n_features", d)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let rates: Vec<f64> = (0..k * d)
            .map(|_| 0.5 * 10f64.powf(rng.random_range(0.0..2.0)))
            .collect();
        Self::new(&vec![1.0 / k as f64; k], Rows::new(&rates, d)?)
    }

    /// The mixture the data are drawn from.
    pub fn truth(&self) -> &PoissonMixture<f64> {
        &self.truth
    }

    /// `n` rows of counts with their components, in random order.
    ///
    /// # Errors
    /// [`mixture_core::MixtureError::InvalidOption`] when `n` is 0.
    pub fn generate<T: Scalar>(
        &self,
        n: usize,
        seed: u64,
    ) -> Result<Labelled<T, PoissonMixture<f64>>> {
        sample_labelled(&self.truth, n, seed)
    }
}
