//! # mixture-exp
//!
//! Mixtures of products of exponential distributions (independent non-negative features) on
//! the `mixture-core` engine, for `f32` and `f64`.
//!
//! - [`Exponential`] is the family and its settings (the floor on a component's mean);
//! - [`ExponentialComponents`] holds the K×D rates λ (the mean of feature d in component k is
//!   1/λ_kd);
//! - [`ExponentialMixture`] is `Mixture<T, ExponentialComponents<T>>`.
//!
//! A block's log-densities are one GEMM: `ln p(x | k) = Σ_d ln λ_kd − x · λ_k`. The M-step is
//! `λ_kd = N_k / Σ_i r_ik x_id`, with each mean `1/λ` floored (default [`DEFAULT_MIN_MEAN`]) so
//! that a feature that is 0 in every row of a component gives a large but finite rate.
//!
//! # Examples
//! ```
//! use mixture_core::{Estimator, RowMatrix};
//! use mixture_exp::Exponential;
//!
//! // Short and long waiting times.
//! let rows: Vec<[f64; 1]> = (1..=200)
//!     .map(|i| [if i % 2 == 0 { 0.01 * (i % 7 + 1) as f64 } else { 10.0 * (i % 5 + 1) as f64 }])
//!     .collect();
//! let x = RowMatrix::from_rows(&rows)?;
//! let model = Estimator::new(Exponential::new(), 2).seed(3).fit(&x)?.mixture;
//! let means = model.means();
//! let (lo, hi) = (means.get(0, 0).min(means.get(1, 0)), means.get(0, 0).max(means.get(1, 0)));
//! assert!(lo < 0.1 && hi > 10.0);
//! # Ok::<(), mixture_core::MixtureError>(())
//! ```

mod variational;
pub use variational::{ExponentialPosterior, GammaPrior};

use mixture_core::{
    Components, Data, Family, MergeCriterion, Mixture, MixtureError, Parameter, ParameterSet,
    Result, Rows, Scalar,
    family::{
        FirstMoments, affine_log_densities, check_parameters, check_values, marginal_columns,
        parameter_matrix, take_means, widen_rows,
    },
};
use rand::Rng;

/// The default floor on a component's per-feature mean `1/λ`: rates never exceed 1e10. It is
/// absolute (in data units); lower it for data whose typical values are below about 1e-8.
pub const DEFAULT_MIN_MEAN: f64 = 1e-10;

/// A mixture of exponential distributions.
pub type ExponentialMixture<T> = Mixture<T, ExponentialComponents<T>>;

/// The exponential family and its estimation settings: the floor on the components' means.
///
/// With the `serde` feature its settings read and write as `{"min_mean": 1e-10}` (the key
/// optional, unknown keys refused): the form front ends pass through.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct Exponential {
    min_mean: f64,
}

impl Default for Exponential {
    fn default() -> Self {
        Self::new()
    }
}

impl Exponential {
    /// Maximum-likelihood rates, means floored at [`DEFAULT_MIN_MEAN`].
    ///
    /// # Examples
    /// ```
    /// let e = mixture_exp::Exponential::new().with_min_mean(1e-12);
    /// assert_eq!(e.min_mean(), 1e-12);
    /// ```
    pub const fn new() -> Self {
        Self {
            min_mean: DEFAULT_MIN_MEAN,
        }
    }

    /// Sets the floor on every component's per-feature mean `1/λ` (so rates are at most its
    /// inverse). Checked when fitting: finite and positive.
    pub fn with_min_mean(mut self, min_mean: f64) -> Self {
        self.min_mean = min_mean;
        self
    }

    /// The floor on a component's mean.
    pub fn min_mean(&self) -> f64 {
        self.min_mean
    }
}

/// An exponential mixture from its parameters: `weights` (K, positive, summing to 1) and
/// `rates` (K×D, positive and finite).
///
/// # Errors
/// As [`ExponentialComponents::new`] and [`Mixture::from_parts`].
///
/// # Examples
/// ```
/// use mixture_core::Rows;
/// let m = mixture_exp::exponential_mixture::<f64>(&[1.0], Rows::new(&[2.0], 1)?)?;
/// let ll = m.log_likelihood(Rows::new(&[0.5], 1)?)?;
/// assert!((ll - (2f64.ln() - 1.0)).abs() < 1e-12);
/// # Ok::<(), mixture_core::MixtureError>(())
/// ```
pub fn exponential_mixture<T: Scalar>(
    weights: &[f64],
    rates: Rows<'_, T>,
) -> Result<ExponentialMixture<T>> {
    Mixture::from_parts(weights, ExponentialComponents::new(rates)?)
}

/// The parameters of the components in plain form, as model files hold them: the
/// rates λ, K rows of D positive values (the mean of a feature is 1/λ), widened to `f64`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExponentialParameters {
    /// K rows of D values.
    pub rates: Vec<Vec<f64>>,
}

/// The parameters of K exponential components: K×D rates.
#[derive(Debug, Clone)]
pub struct ExponentialComponents<T> {
    k: usize,
    d: usize,
    /// K×D.
    rates: Vec<T>,
    /// D×K row-major: `−λ_kd`.
    neg_rates_t: Vec<T>,
    /// K: `Σ_d ln λ_kd`.
    log_rate_sums: Vec<T>,
}

impl<T: Scalar> ExponentialComponents<T> {
    /// Components with these rates (K×D, positive and finite).
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] naming the component and feature of a rate that is
    /// not positive and finite, or for zero components.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::Rows;
    /// use mixture_exp::ExponentialComponents;
    /// assert!(ExponentialComponents::<f64>::new(Rows::new(&[1.0, 0.0], 2)?).is_err());
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn new(rates: Rows<'_, T>) -> Result<Self> {
        let r = check_parameters(rates, "rate", "rates must be positive and finite", |v| {
            v.is_finite() && v > 0.0
        })?;
        Ok(Self::from_f64(rates.n_rows(), rates.n_cols(), &r))
    }

    /// Rounds the rates to `T` and derives the kernel's terms from the rounded values, so the
    /// components are a function of the rates they report (saving and reloading them
    /// reproduces every bit).
    fn from_f64(k: usize, d: usize, rates: &[f64]) -> Self {
        let rates_t: Vec<T> = rates.iter().map(|&r| T::cast(r)).collect();
        let mut neg_rates_t = vec![T::zero(); d * k];
        let mut log_rate_sums = vec![T::zero(); k];
        for c in 0..k {
            let mut s = 0.0;
            for j in 0..d {
                let r = rates_t[c * d + j];
                s += r.as_f64().ln();
                neg_rates_t[j * k + c] = -r;
            }
            log_rate_sums[c] = T::cast(s);
        }
        Self {
            k,
            d,
            rates: rates_t,
            neg_rates_t,
            log_rate_sums,
        }
    }

    /// The rates λ, K×D.
    pub fn rates(&self) -> Rows<'_, T> {
        Rows::new(&self.rates, self.d).expect("K×D by construction")
    }
}

impl<T: Scalar> Components<T> for ExponentialComponents<T> {
    const FAMILY: &'static str = "exponential";
    type Parameters = ExponentialParameters;
    type Rebind<U: Scalar> = ExponentialComponents<U>;

    fn parameters(&self) -> ExponentialParameters {
        ExponentialParameters {
            rates: widen_rows(self.rates()),
        }
    }

    fn from_parameters(p: &ExponentialParameters) -> Result<Self> {
        Self::new(parameter_matrix::<T>("rates", &p.rates)?.view())
    }

    fn check_domain(x: Rows<'_, T>) -> Result<()> {
        check_values(
            x,
            "exponential",
            "values of at least 0; shift or drop negative features",
            |v| v >= T::zero(),
        )
    }

    fn n_components(&self) -> usize {
        self.k
    }

    fn n_features(&self) -> usize {
        self.d
    }

    fn log_densities(&self, block: Rows<'_, T>, out: &mut [T], _scratch: &mut Vec<T>) {
        affine_log_densities(block, &self.neg_rates_t, &self.log_rate_sums, out);
    }

    fn sample_component<R: Rng + ?Sized>(&self, k: usize, rng: &mut R, out: &mut [T]) {
        for (o, &rate) in out
            .iter_mut()
            .zip(&self.rates[k * self.d..(k + 1) * self.d])
        {
            // Exp(λ) = Exp(1) / λ: the mean is 1/λ. A rate so small that a draw overflows
            // (below about 40 / T::MAX) gives the largest finite value instead of infinity:
            // samples stay data that every command reads back.
            let draw = T::standard_exponential(rng) / rate;
            *o = if draw.is_finite() {
                draw
            } else {
                T::max_value()
            };
        }
    }

    fn n_parameters(&self) -> usize {
        self.k * self.d
    }

    fn write_means(&self, out: &mut [T]) {
        for (o, &r) in out.iter_mut().zip(&self.rates) {
            *o = T::one() / r;
        }
    }

    const GROUPS: &'static [Parameter] = &[Parameter::MEANS];

    fn with_groups_of(&self, other: &Self, groups: ParameterSet) -> Result<Self> {
        take_means(self, other, groups)
    }

    fn marginal(&self, dims: &[usize]) -> Result<Self> {
        // Independent features: the marginal keeps the chosen columns.
        let kept = marginal_columns(self.rates(), dims)?;
        Ok(Self::from_f64(self.k, dims.len(), &kept))
    }
}

/// The hierarchical start's cost of a cluster: minus its maximised log-likelihood,
/// `Σ_j n ln(s_j/n)` (the `+n` per feature is the same for every clustering, so left out;
/// a mean of 0 counts as the smallest positive one).
fn cluster_cost(mass: f64, sums: &[f64]) -> f64 {
    sums.iter()
        .map(|&s| mass * (s / mass).max(f64::MIN_POSITIVE).ln())
        .sum()
}

impl<T: Scalar> Family<T> for Exponential {
    type Components = ExponentialComponents<T>;
    type Stats = FirstMoments;
    type Scratch = Vec<T>;

    fn name(&self) -> &'static str {
        "exponential"
    }

    fn merge_criterion(&self) -> MergeCriterion {
        MergeCriterion::Factorised(cluster_cost)
    }

    fn check_options(&self) -> Result<()> {
        if !(self.min_mean.is_finite() && self.min_mean > 0.0) {
            return Err(MixtureError::InvalidOption {
                name: "min_mean",
                value: self.min_mean.to_string(),
                expected: "must be positive and finite",
            });
        }
        Ok(())
    }

    /// Refuses data whose scale `min_mean` would decide: a feature with a positive mean below
    /// it would have its rate capped at 1/`min_mean`, and the fit would no longer follow the
    /// data's scale.
    fn prepare(&self, data: Data<'_, T>) -> Result<Self> {
        let x = data.rows();
        let weight = |i: usize| data.weights().map_or(1.0, |w| w[i]);
        let total: f64 = (0..x.n_rows()).map(weight).sum();
        for j in 0..x.n_cols() {
            let mean = x
                .iter()
                .enumerate()
                .map(|(i, r)| weight(i) * r[j].as_f64() / total)
                .sum::<f64>();
            if mean > 0.0 && mean < self.min_mean {
                return Err(MixtureError::InvalidOption {
                    name: "min_mean",
                    value: format!("{:e} (column {j} has mean {mean:.3e})", self.min_mean),
                    expected: "must be below every feature's mean: lower min_mean or rescale the data",
                });
            }
        }
        Ok(*self)
    }

    fn new_stats(&self, n_components: usize, n_features: usize) -> FirstMoments {
        FirstMoments::new(n_components, n_features)
    }

    fn accumulate(
        &self,
        block: Rows<'_, T>,
        resp: &[T],
        stats: &mut FirstMoments,
        scratch: &mut Vec<T>,
    ) {
        stats.accumulate(block, resp, scratch);
    }

    fn estimate(&self, stats: &FirstMoments) -> Result<ExponentialComponents<T>> {
        let (k, d) = (stats.n_components(), stats.n_features());
        let mut rates = Vec::with_capacity(k * d);
        for c in 0..k {
            let n = stats.count(c);
            rates.extend(
                stats
                    .sum(c)
                    .iter()
                    .map(|s| 1.0 / (s / n).max(self.min_mean)),
            );
        }
        Ok(ExponentialComponents::from_f64(k, d, &rates))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_zero_column_gives_a_finite_rate() {
        let mut stats = FirstMoments::new(1, 2);
        let x = [0.0f32, 2.0, 0.0, 4.0];
        stats.accumulate(Rows::new(&x, 2).unwrap(), &[1.0, 1.0], &mut Vec::new());
        let c: ExponentialComponents<f32> = Exponential::new().estimate(&stats).unwrap();
        assert_eq!(c.rates().row(0), &[1e10, 1.0 / 3.0]);
        let mut out = vec![0.0f32; 2];
        c.log_densities(Rows::new(&x, 2).unwrap(), &mut out, &mut Vec::new());
        assert!(out.iter().all(|v| v.is_finite()));
        assert!(Family::<f64>::check_options(&Exponential::new().with_min_mean(0.0)).is_err());
    }
}
