//! What a family of component distributions provides to the E-M engine.
//!
//! A family is split in two:
//! - [`Family`]: the configuration (for example a Gaussian's `reg_covar`). It checks the data's
//!   domain, accumulates sufficient statistics from a block of rows and their responsibilities,
//!   and turns merged statistics into new parameters (the M-step).
//! - [`Components`]: the parameters of all K components together, so that the log-densities of a
//!   block come from one batched kernel, plus sampling and the free-parameter count.
//!
//! The engine in [`crate::em`] knows no family: it only calls these two traits.

use crate::error::Result;
use crate::rows::Rows;
use crate::scalar::Scalar;
use rand::Rng;

/// Sufficient statistics accumulated over blocks of rows and merged in a fixed order.
///
/// `merge` must be associative up to rounding; the engine always merges blocks in ascending order
/// so the rounding, and thus every result, is the same for any number of threads.
pub trait SufficientStats: Clone + Send + Sync {
    /// Adds `other` (statistics of later rows) into `self`.
    fn merge(&mut self, other: &Self);

    /// Empties the statistics so they can be reused without allocating.
    fn reset(&mut self);

    /// Replaces component `k`'s statistics by those of a single row `row` (weight one), for
    /// re-seeding a degenerate component there. A family whose components need more than one
    /// row (a Gaussian covariance) borrows the spread of the other components' data.
    fn reseed(&mut self, k: usize, row: &[f64]);

    /// Removes component `k` (the components after it move down by one).
    fn remove(&mut self, k: usize);
}

/// The parameters of all K components of one family.
pub trait Components<T: Scalar>: Clone + Send + Sync + std::fmt::Debug {
    /// Checks that every value of `x` lies in the family's domain. `x` is already known to be
    /// finite and non-empty.
    ///
    /// # Errors
    /// [`crate::MixtureError::OutOfDomain`] naming the first offending row and column.
    fn check_domain(x: Rows<'_, T>) -> Result<()>;

    /// Number of components K.
    fn n_components(&self) -> usize;

    /// Data dimension D.
    fn n_features(&self) -> usize;

    /// Writes `ln p(x_i | component k)` for every row `i` of `block` into `out[i * K + k]`.
    ///
    /// `scratch` is a buffer the engine keeps per thread and reuses across calls; resize it as
    /// needed. `block` has already been validated (finite, in the family's domain, D columns).
    fn log_densities(&self, block: Rows<'_, T>, out: &mut [T], scratch: &mut Vec<T>);

    /// Writes one draw from component `k` into `out` (length D).
    fn sample_component<R: Rng + ?Sized>(&self, k: usize, rng: &mut R, out: &mut [T]);

    /// Number of free parameters of the components (the mixing weights are counted by the
    /// engine), as used by BIC and AIC.
    fn n_parameters(&self) -> usize;

    /// Writes the mean of every component into `out` (K×D, row-major). The engine's mean-shift
    /// trace and stop rule use it.
    fn write_means(&self, out: &mut [T]);

    /// The components' exact marginal distributions over the features `dims` (distinct, each
    /// below D, already checked by [`crate::Mixture::marginal`]).
    ///
    /// # Errors
    /// A typed error if the marginal parameters cannot be formed (for example a covariance
    /// block that no longer factors numerically).
    fn marginal(&self, dims: &[usize]) -> Result<Self>;
}

/// A family of component distributions and its estimation settings.
pub trait Family<T: Scalar>: Clone + Send + Sync + std::fmt::Debug {
    /// The parameters this family estimates.
    type Components: Components<T>;
    /// Its sufficient statistics.
    type Stats: SufficientStats;
    /// Working memory of [`Family::accumulate`], kept per thread and reused across calls.
    type Scratch: Default + Send;

    /// A short lower-case name, used in messages (`"gaussian"`).
    fn name(&self) -> &'static str;

    /// Checks the family's own settings (for example a negative `reg_covar`).
    ///
    /// # Errors
    /// [`crate::MixtureError::InvalidOption`] naming the setting.
    fn check_options(&self) -> Result<()>;

    /// The settings to fit `x` with: settings that depend on the data (such as a
    /// regularisation relative to its variance) are resolved here, once, before fitting.
    /// `x` is already validated. The default keeps the settings as they are.
    ///
    /// # Errors
    /// A typed error when the settings cannot be resolved for these data.
    fn prepare(&self, x: Rows<'_, T>) -> Result<Self> {
        let _ = x;
        Ok(self.clone())
    }

    /// Empty statistics for `n_components` components of dimension `n_features`.
    fn new_stats(&self, n_components: usize, n_features: usize) -> Self::Stats;

    /// Adds the statistics of `block` weighted by `resp` (`resp[i * K + k]`, each row summing to
    /// one) into `stats`.
    fn accumulate(
        &self,
        block: Rows<'_, T>,
        resp: &[T],
        stats: &mut Self::Stats,
        scratch: &mut Self::Scratch,
    );

    /// The M-step: new parameters from merged statistics.
    ///
    /// The engine only calls this when every component has a positive total responsibility.
    ///
    /// # Errors
    /// A typed error naming the component whose parameters cannot be formed (for example a
    /// covariance that is not positive definite).
    fn estimate(&self, stats: &Self::Stats) -> Result<Self::Components>;
}
