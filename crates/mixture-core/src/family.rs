//! The family author's kit: what a family of component distributions provides to the E-M
//! engine, and the checks and kernels families share.
//!
//! A family is three traits:
//! - [`Family`]: the configuration (for example a Gaussian's `reg_covar`). It checks the data's
//!   domain, accumulates sufficient statistics from a block of rows and their responsibilities,
//!   and turns merged statistics into new parameters (the M-step).
//! - [`Components`]: the parameters of all K components together, so that the log-densities of a
//!   block come from one batched kernel, plus sampling and the free-parameter count.
//! - [`SufficientStats`]: what a block of rows contributes, merged in a fixed order.
//!
//! The engine knows no family: it only calls these traits. A family crate's tests check it
//! against every engine contract with `mixture-core`'s contract kit (feature `testkit`).

use crate::error::{MixtureError, Result};
use crate::parameters::{Parameter, ParameterSet};
use crate::rows::{Data, Rows};
use crate::scalar::Scalar;
use rand::Rng;

pub use crate::exp::{EXP_UNDERFLOW, EXP_UNDERFLOW_F32};
pub use crate::moments::FirstMoments;
pub use crate::numeric::{affine_log_densities, logsumexp, unit_scale};
pub use crate::rows::try_filled;
pub use crate::special::{beta_divergence, digamma, gamma_divergence, ln_beta, ln_gamma};
pub use crate::validate::{
    check_data, check_finite_data, check_marginal_dims, check_n_components, check_parameters,
    check_values, check_weights, marginal_columns, parameter_matrix, widen_rows,
};

/// Sufficient statistics accumulated over blocks of rows and merged in a fixed order.
///
/// `merge` must be associative up to rounding; the engine always merges blocks in ascending order
/// so the rounding, and thus every result, is the same for any number of threads.
pub trait SufficientStats: Clone + Send + Sync + std::fmt::Debug {
    /// Number of components K.
    fn n_components(&self) -> usize;

    /// Data dimension D.
    fn n_features(&self) -> usize;

    /// Number of `f64` values held (what a copy costs, or what ships over a network).
    fn n_values(&self) -> usize;

    /// Why `other` cannot be merged into `self` (another K, D or kind), or `None` when it can.
    fn incompatibility(&self, other: &Self) -> Option<String>;

    /// Adds `other` (statistics of later rows) into `self`. The shapes are known to agree.
    ///
    /// Merging fresh statistics of one block into empty statistics gives them back exactly, and
    /// [`Family::accumulate`] into non-empty statistics equals merging the block's own
    /// statistics into them.
    fn merge(&mut self, other: &Self);

    /// Empties the statistics so they can be reused without allocating.
    fn reset(&mut self);

    /// Multiplies every row's weight by `factor` (> 0): the statistics of the same rows with
    /// their weights scaled, as stepwise E-M blends them.
    fn scale(&mut self, factor: f64);

    /// Replaces component `k`'s statistics by those of a single row `row` with weight
    /// `weight`, for re-seeding a degenerate component there. A family whose components need
    /// more than one row (a Gaussian covariance) borrows the spread of the other components'
    /// data.
    fn reseed(&mut self, k: usize, row: &[f64], weight: f64);

    /// Removes component `k` (the components after it move down by one).
    fn remove(&mut self, k: usize);
}

/// The parameters of all K components of one family.
pub trait Components<T: Scalar>: Clone + Send + Sync + std::fmt::Debug {
    /// The family's name in model files and messages (`"gaussian"`).
    const FAMILY: &'static str;

    /// The parameters in plain form, every value widened to `f64` (exactly), whatever `T`:
    /// what a model file holds and what changing precision goes through.
    type Parameters: Clone + std::fmt::Debug + PartialEq + Send + Sync;

    /// The same family's components in precision `U`.
    type Rebind<U: Scalar>: Components<U, Parameters = Self::Parameters>;

    /// The parameters (see [`Components::Parameters`]).
    fn parameters(&self) -> Self::Parameters;

    /// Components from parameters, checked as the family's constructors check them. Rebuilding
    /// from [`Components::parameters`] in the same precision reproduces every bit.
    ///
    /// # Errors
    /// [`crate::MixtureError::InvalidParameters`] or
    /// [`crate::MixtureError::ParametersNotFormed`] naming the component and value.
    fn from_parameters(parameters: &Self::Parameters) -> Result<Self>;

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

    /// The groups of the components' parameters (the mixture's weights aside) that a fit can
    /// hold fixed or take from a partial start: `[Means]` for a family whose components are
    /// their means, `[Means, Covariances]` for Gaussians.
    const GROUPS: &'static [Parameter];

    /// These components with the groups `groups` of their parameters (those in
    /// [`Components::GROUPS`]; the weights are not the components') replaced by `other`'s
    /// values, exactly, and the rest kept.
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] when a group is taken from components of another K,
    /// D or kind (a Gaussian's covariance type); implementations check K and D with
    /// [`check_same_shape`].
    fn with_groups_of(&self, other: &Self, groups: ParameterSet) -> Result<Self>;

    /// The components' exact marginal distributions over the features `dims`.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] unless `dims` names
    /// at least one feature, each below D and none twice (implementations call
    /// [`crate::family::check_marginal_dims`]); a typed error if the marginal parameters cannot be
    /// formed (for example a covariance block that no longer factors numerically).
    fn marginal(&self, dims: &[usize]) -> Result<Self>;
}

/// How the hierarchical start ([`Init::Hierarchical`](crate::Init::Hierarchical)) merges
/// clusters of a family's rows.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum MergeCriterion {
    /// mclust's default for multivariate data: the classification likelihood of clusters with
    /// unconstrained covariances (VVV), on the rows in its SVD coordinates; Ward's criterion
    /// for weighted rows.
    Vvv,
    /// The classification likelihood of a family whose features are independent given the
    /// component: `cost(mass, sums)` is minus the maximised log-likelihood of a cluster of
    /// total weight `mass` whose rows' weighted sums per feature are `sums` (terms that do not
    /// depend on how the rows are clustered may be left out). Merges are on the raw values.
    Factorised(fn(f64, &[f64]) -> f64),
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

    /// How the hierarchical start merges clusters of this family's rows (by default mclust's
    /// VVV criterion, which suits any continuous data).
    fn merge_criterion(&self) -> MergeCriterion {
        MergeCriterion::Vvv
    }

    /// The settings to fit `data` with: settings that depend on the data (such as a
    /// regularisation relative to its variance, weighted by the rows' weights) are resolved
    /// here, once, before fitting. `data` is already validated. The default keeps the settings
    /// as they are.
    ///
    /// # Errors
    /// A typed error when the settings cannot be resolved for these data.
    fn prepare(&self, data: Data<'_, T>) -> Result<Self> {
        let _ = data;
        Ok(self.clone())
    }

    /// The fewest effective rows (total weight of responsibilities) a component of dimension
    /// `n_features` needs for its parameters to come from the data rather than from
    /// regularisation; a fitted component below it is *suspect*
    /// ([`SuspectComponent`](crate::report::SuspectComponent)). The default, 1, suits families whose
    /// parameters are means.
    fn rows_needed(&self, n_features: usize) -> f64 {
        let _ = n_features;
        1.0
    }

    /// How many `f64` values the statistics of `n_components` components of dimension
    /// `n_features` hold (`None` when that overflows): checked before they are allocated, so a
    /// size no machine has is an error, not an abort. The default, K·(D + 1), suits families
    /// whose statistics are counts and sums.
    fn stats_values(&self, n_components: usize, n_features: usize) -> Option<usize> {
        n_components.checked_mul(n_features.checked_add(1)?)
    }

    /// Empty statistics for `n_components` components of dimension `n_features`.
    fn new_stats(&self, n_components: usize, n_features: usize) -> Self::Stats;

    /// Adds the statistics of `block` weighted by `resp` (`resp[i * K + k]`: row `i`'s
    /// responsibilities times its weight, so each row sums to its weight; rows of weight 0 are
    /// all zeros and must add nothing) into `stats`.
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
    /// [`crate::MixtureError::ParametersNotFormed`] naming the component whose parameters
    /// cannot be formed (for example a covariance that is not positive definite): the engine
    /// hands that component to the degenerate policy.
    fn estimate(&self, stats: &Self::Stats) -> Result<Self::Components>;

    /// The M-step with the groups `held` of the components' parameters kept at `current`'s
    /// values (exactly) and the others estimated from `stats` given them: a constrained M-step,
    /// so the log-likelihood still never decreases.
    ///
    /// The default estimates every parameter and puts the held ones back, which is right when
    /// no free parameter's estimate depends on a held one (a Gaussian covariance's does on its
    /// mean, so `mixture_gauss` overrides it).
    ///
    /// # Errors
    /// As [`Family::estimate`].
    fn estimate_holding(
        &self,
        stats: &Self::Stats,
        current: &Self::Components,
        held: ParameterSet,
    ) -> Result<Self::Components> {
        self.estimate(stats)?.with_groups_of(current, held)
    }
}

/// Checks that components of K = `k` and D = `d` can take parameters from components of
/// `other = (K, D)`, for [`Components::with_groups_of`].
///
/// # Errors
/// [`MixtureError::InvalidParameters`] saying which differs.
pub fn check_same_shape(k: usize, d: usize, other: (usize, usize)) -> Result<()> {
    if (k, d) == other {
        return Ok(());
    }
    Err(MixtureError::InvalidParameters {
        reason: format!(
            "the given parameters are for {} components of dimension {}, not {k} of dimension {d}",
            other.0, other.1
        ),
    })
}

/// [`Components::with_groups_of`] for a family whose components are their means (GROUPS =
/// `[Means]`): `other`'s components when the means are taken, else `this`'s.
///
/// # Errors
/// As [`check_same_shape`] when the means are taken.
pub fn take_means<T: Scalar, C: Components<T>>(
    this: &C,
    other: &C,
    groups: ParameterSet,
) -> Result<C> {
    if !groups.contains(Parameter::MEANS) {
        return Ok(this.clone());
    }
    check_same_shape(
        this.n_components(),
        this.n_features(),
        (other.n_components(), other.n_features()),
    )?;
    Ok(other.clone())
}

impl ParameterSet {
    /// The set named by `text` among the groups of the family of components `C` and the
    /// weights (see [`ParameterSet::parse_among`]).
    ///
    /// # Errors
    /// As [`ParameterSet::parse_among`].
    pub fn parse_for<T: Scalar, C: Components<T>>(
        text: &str,
        option: &'static str,
    ) -> Result<Self> {
        let groups: Vec<Parameter> = std::iter::once(Parameter::WEIGHTS)
            .chain(C::GROUPS.iter().copied())
            .collect();
        Self::parse_among(text, option, C::FAMILY, &groups)
    }
}
