//! # mixture-bern
//!
//! Mixtures of multivariate Bernoulli distributions (independent binary features) on the
//! `mixture-core` engine, for `f32` and `f64`: binary codes, or soft values in [0, 1] such as
//! normalised intensities.
//!
//! - [`Bernoulli`] is the family and its settings (an optional Beta prior);
//! - [`BernoulliComponents`] holds the K×D probabilities;
//! - [`BernoulliMixture`] is `Mixture<T, BernoulliComponents<T>>`.
//!
//! A block's log-densities are one GEMM: `ln p(x | k) = x · (ln μ_k − ln(1 − μ_k)) + Σ_d ln(1 −
//! μ_kd)`, with the logarithms computed in `f64` from probabilities clamped to
//! [[`PROBABILITY_FLOOR`], 1 − [`PROBABILITY_FLOOR`]], so no log-density is ever infinite, for
//! any D, in `f32` or `f64`.
//!
//! # Examples
//! ```
//! use mixture_core::{Estimator, RowMatrix};
//! use mixture_bern::Bernoulli;
//!
//! // Two binary patterns, each repeated with a few flipped bits.
//! let mut rows = Vec::new();
//! for i in 0..40 {
//!     let flip = |b: u8, j: usize| if (i + j) % 13 == 0 { 1 - b } else { b };
//!     let a: Vec<f64> = [1, 1, 1, 0, 0, 0].iter().enumerate().map(|(j, &b)| f64::from(flip(b, j))).collect();
//!     let b: Vec<f64> = [0, 0, 0, 1, 1, 1].iter().enumerate().map(|(j, &b)| f64::from(flip(b, j))).collect();
//!     rows.push(a);
//!     rows.push(b);
//! }
//! let x = RowMatrix::from_rows(&rows)?;
//! let model = Estimator::new(Bernoulli::new(), 2).seed(1).fit(&x)?.mixture;
//! let p = model.components().probabilities();
//! assert!(p.row(0)[0] > 0.8 || p.row(0)[0] < 0.2);
//! # Ok::<(), mixture_core::MixtureError>(())
//! ```

mod variational;
pub use variational::{BernoulliPosterior, BetaPrior};

use mixture_core::{
    Components, Family, MergeCriterion, Mixture, MixtureError, Parameter, ParameterSet, Result,
    Rows, Scalar,
    family::{
        FirstMoments, affine_log_densities, check_parameters, check_values, marginal_columns,
        parameter_matrix, take_means, widen_rows,
    },
};
use rand::{Rng, RngExt};

/// Probabilities are kept in [ε, 1 − ε] with ε = 1e-10, so that `ln μ` and `ln(1 − μ)` stay
/// finite (about −23 at worst) whatever the data, e.g. for a column that is all 0 in a
/// component. The logarithms are taken in `f64`; in `f32`, where 1 − 1e-10 rounds to 1, the
/// upper bound is the largest `f32` below 1 (1 − 2⁻²⁴), so `ln(1 − μ)` stays finite there too.
pub const PROBABILITY_FLOOR: f64 = 1e-10;

/// A mixture of Bernoulli distributions.
pub type BernoulliMixture<T> = Mixture<T, BernoulliComponents<T>>;

/// The Bernoulli family and its estimation settings: the Beta prior on the probabilities.
///
/// With the `serde` feature its settings read and write as `{"prior": [2.0, 2.0]}` (the key
/// optional, unknown keys refused): the form front ends pass through.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(from = "BernoulliSettings", into = "BernoulliSettings")
)]
pub struct Bernoulli {
    alpha: f64,
    beta: f64,
}

/// [`Bernoulli`]'s serde form.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BernoulliSettings {
    /// The Beta prior's (α, β); (1, 1) is none.
    #[serde(default = "no_prior")]
    prior: (f64, f64),
}

#[cfg(feature = "serde")]
fn no_prior() -> (f64, f64) {
    Bernoulli::new().prior()
}

#[cfg(feature = "serde")]
impl From<BernoulliSettings> for Bernoulli {
    fn from(s: BernoulliSettings) -> Self {
        Bernoulli::new().with_prior(s.prior.0, s.prior.1)
    }
}

#[cfg(feature = "serde")]
impl From<Bernoulli> for BernoulliSettings {
    fn from(b: Bernoulli) -> Self {
        Self { prior: b.prior() }
    }
}

impl Default for Bernoulli {
    fn default() -> Self {
        Self::new()
    }
}

impl Bernoulli {
    /// Maximum-likelihood estimation (no prior), probabilities clamped to
    /// [[`PROBABILITY_FLOOR`], 1 − [`PROBABILITY_FLOOR`]].
    ///
    /// # Examples
    /// ```
    /// let b = mixture_bern::Bernoulli::new().with_prior(2.0, 2.0);
    /// assert_eq!(b.prior(), (2.0, 2.0));
    /// ```
    pub const fn new() -> Self {
        Self {
            alpha: 1.0,
            beta: 1.0,
        }
    }

    /// A Beta(α, β) prior on every probability: the M-step is the posterior mode
    /// `μ = (Σ r x + α − 1) / (N_k + α + β − 2)`, i.e. α − 1 pseudo-ones and β − 1 pseudo-zeros
    /// per component. Beta(1, 1) is no prior; Beta(2, 2) is Laplace smoothing. Checked when
    /// fitting: both finite and at least 1.
    pub fn with_prior(mut self, alpha: f64, beta: f64) -> Self {
        self.alpha = alpha;
        self.beta = beta;
        self
    }

    /// The prior's (α, β).
    pub fn prior(&self) -> (f64, f64) {
        (self.alpha, self.beta)
    }
}

/// A Bernoulli mixture from its parameters: `weights` (K, positive, summing to 1) and
/// `probabilities` (K×D, each in [0, 1]; clamped to [ε, 1 − ε]).
///
/// # Errors
/// As [`BernoulliComponents::new`] and [`Mixture::from_parts`].
///
/// # Examples
/// ```
/// use mixture_core::Rows;
/// let m = mixture_bern::bernoulli_mixture::<f64>(&[1.0], Rows::new(&[0.25, 0.5], 2)?)?;
/// let ll = m.log_likelihood(Rows::new(&[1.0, 0.0], 2)?)?;
/// assert!((ll - (0.25f64.ln() + 0.5f64.ln())).abs() < 1e-12);
/// # Ok::<(), mixture_core::MixtureError>(())
/// ```
pub fn bernoulli_mixture<T: Scalar>(
    weights: &[f64],
    probabilities: Rows<'_, T>,
) -> Result<BernoulliMixture<T>> {
    Mixture::from_parts(weights, BernoulliComponents::new(probabilities)?)
}

/// The parameters of the components in plain form, as model files hold them: the
/// probabilities, K rows of D values in [0, 1], widened to `f64`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BernoulliParameters {
    /// K rows of D values.
    pub probabilities: Vec<Vec<f64>>,
}

/// The parameters of K Bernoulli components: K×D probabilities.
#[derive(Debug, Clone)]
pub struct BernoulliComponents<T> {
    k: usize,
    d: usize,
    /// K×D, clamped.
    probabilities: Vec<T>,
    /// D×K row-major: `ln μ_kd − ln(1 − μ_kd)`.
    log_odds_t: Vec<T>,
    /// K: `Σ_d ln(1 − μ_kd)`.
    log_complement_sums: Vec<T>,
}

impl<T: Scalar> BernoulliComponents<T> {
    /// Components with these probabilities (K×D, each in [0, 1]); values are clamped to
    /// [[`PROBABILITY_FLOOR`], 1 − [`PROBABILITY_FLOOR`]].
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] naming the component and feature of a probability
    /// outside [0, 1] or not finite, or for zero components.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::Rows;
    /// use mixture_bern::BernoulliComponents;
    /// assert!(BernoulliComponents::<f32>::new(Rows::new(&[0.5, 1.5], 2)?).is_err());
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn new(probabilities: Rows<'_, T>) -> Result<Self> {
        let p = check_parameters(
            probabilities,
            "probability",
            "probabilities lie in [0, 1]",
            |v| (0.0..=1.0).contains(&v),
        )?;
        Ok(Self::from_f64(
            probabilities.n_rows(),
            probabilities.n_cols(),
            &p,
        ))
    }

    /// Clamps, rounds to `T`, and derives the log-odds from the rounded values, so the
    /// components are a function of the probabilities they report (saving and reloading them
    /// reproduces every bit).
    fn from_f64(k: usize, d: usize, probabilities: &[f64]) -> Self {
        // In f32, 1 − 1e-10 rounds to 1: the upper bound is then the largest f32 below 1.
        let below_one = T::one() - T::epsilon() / T::cast(2.0);
        let mut log_odds_t = vec![T::zero(); d * k];
        let mut log_complement_sums = vec![T::zero(); k];
        let mut clamped = Vec::with_capacity(k * d);
        for c in 0..k {
            let mut complement = 0.0;
            for j in 0..d {
                let p_t = T::cast(
                    probabilities[c * d + j].clamp(PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR),
                );
                let p_t = if p_t >= T::one() { below_one } else { p_t };
                let p = p_t.as_f64();
                let ln_q = (-p).ln_1p();
                complement += ln_q;
                log_odds_t[j * k + c] = T::cast(p.ln() - ln_q);
                clamped.push(p_t);
            }
            log_complement_sums[c] = T::cast(complement);
        }
        Self {
            k,
            d,
            probabilities: clamped,
            log_odds_t,
            log_complement_sums,
        }
    }

    /// The probabilities, K×D (clamped).
    pub fn probabilities(&self) -> Rows<'_, T> {
        Rows::new(&self.probabilities, self.d).expect("K×D by construction")
    }
}

impl<T: Scalar> Components<T> for BernoulliComponents<T> {
    const FAMILY: &'static str = "bernoulli";
    type Parameters = BernoulliParameters;
    type Rebind<U: Scalar> = BernoulliComponents<U>;

    fn parameters(&self) -> BernoulliParameters {
        BernoulliParameters {
            probabilities: widen_rows(self.probabilities()),
        }
    }

    fn from_parameters(p: &BernoulliParameters) -> Result<Self> {
        Self::new(parameter_matrix::<T>("probabilities", &p.probabilities)?.view())
    }

    fn check_domain(x: Rows<'_, T>) -> Result<()> {
        check_values(
            x,
            "bernoulli",
            "values in [0, 1]: binary codes or probabilities; rescale the data",
            |v| v >= T::zero() && v <= T::one(),
        )
    }

    fn n_components(&self) -> usize {
        self.k
    }

    fn n_features(&self) -> usize {
        self.d
    }

    fn log_densities(&self, block: Rows<'_, T>, out: &mut [T], _scratch: &mut Vec<T>) {
        affine_log_densities(block, &self.log_odds_t, &self.log_complement_sums, out);
    }

    fn sample_component<R: Rng + ?Sized>(&self, k: usize, rng: &mut R, out: &mut [T]) {
        for (o, p) in out
            .iter_mut()
            .zip(&self.probabilities[k * self.d..(k + 1) * self.d])
        {
            *o = if rng.random::<f64>() < p.as_f64() {
                T::one()
            } else {
                T::zero()
            };
        }
    }

    fn n_parameters(&self) -> usize {
        self.k * self.d
    }

    fn write_means(&self, out: &mut [T]) {
        out.copy_from_slice(&self.probabilities);
    }

    const GROUPS: &'static [Parameter] = &[Parameter::MEANS];

    fn with_groups_of(&self, other: &Self, groups: ParameterSet) -> Result<Self> {
        take_means(self, other, groups)
    }

    fn marginal(&self, dims: &[usize]) -> Result<Self> {
        // Independent features: the marginal keeps the chosen columns.
        let kept = marginal_columns(self.probabilities(), dims)?;
        Ok(Self::from_f64(self.k, dims.len(), &kept))
    }
}

/// The hierarchical start's cost of a cluster of binary rows: minus its maximised
/// log-likelihood, `−Σ_j [s_j ln(s_j/n) + (n − s_j) ln(1 − s_j/n)]` (0 ln 0 = 0), written
/// `D·n ln n − Σ_j [s_j ln s_j + (n − s_j) ln(n − s_j)]` so that whole counts (unweighted rows)
/// take `x ln x` from a table: the logarithms were 80 % of the tree's time.
fn cluster_cost(mass: f64, sums: &[f64]) -> f64 {
    sums.len() as f64 * x_ln_x(mass)
        - sums
            .iter()
            .map(|&s| {
                let s = s.clamp(0.0, mass);
                x_ln_x(s) + x_ln_x(mass - s)
            })
            .sum::<f64>()
}

/// `x ln x` (0 at 0), from a table for whole numbers below 4096.
fn x_ln_x(x: f64) -> f64 {
    const TABLE_SIZE: usize = 4096;
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    if x <= 0.0 {
        return 0.0;
    }
    let whole = x as usize; // saturating: whole only when it converts back exactly
    if whole < TABLE_SIZE && whole as f64 == x {
        let table = TABLE.get_or_init(|| {
            (0..TABLE_SIZE)
                .map(|i| {
                    if i == 0 {
                        0.0
                    } else {
                        i as f64 * (i as f64).ln()
                    }
                })
                .collect()
        });
        return table[whole];
    }
    x * x.ln()
}

impl<T: Scalar> Family<T> for Bernoulli {
    type Components = BernoulliComponents<T>;
    type Stats = FirstMoments;
    type Scratch = Vec<T>;

    fn name(&self) -> &'static str {
        "bernoulli"
    }

    fn merge_criterion(&self) -> MergeCriterion {
        MergeCriterion::Factorised(cluster_cost)
    }

    fn check_options(&self) -> Result<()> {
        for (name, v) in [("alpha", self.alpha), ("beta", self.beta)] {
            if !(v.is_finite() && v >= 1.0) {
                return Err(MixtureError::InvalidOption {
                    name,
                    value: v.to_string(),
                    expected: "the Beta prior's parameters must be finite and at least 1 (1 = no prior)",
                });
            }
        }
        Ok(())
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

    fn estimate(&self, stats: &FirstMoments) -> Result<BernoulliComponents<T>> {
        let (k, d) = (stats.n_components(), stats.n_features());
        let (a, b) = (self.alpha - 1.0, self.beta - 1.0);
        let mut p = Vec::with_capacity(k * d);
        for c in 0..k {
            let n = stats.count(c);
            p.extend(stats.sum(c).iter().map(|s| (s + a) / (n + a + b)));
        }
        Ok(BernoulliComponents::from_f64(k, d, &p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_densities_match_the_formula_and_stay_finite() {
        let p = [0.0, 0.3, 1.0, 0.9, 0.5, 0.01];
        let c = BernoulliComponents::<f64>::new(Rows::new(&p, 3).unwrap()).unwrap();
        let x = [1.0, 0.0, 1.0, 0.0, 1.0, 0.5];
        let mut out = vec![0.0; 4];
        c.log_densities(Rows::new(&x, 3).unwrap(), &mut out, &mut Vec::new());
        let probs = c.probabilities();
        for i in 0..2 {
            for k in 0..2 {
                let want: f64 = (0..3)
                    .map(|j| {
                        let (xv, pv) = (x[i * 3 + j], probs.row(k)[j]);
                        xv * pv.ln() + (1.0 - xv) * (1.0 - pv).ln()
                    })
                    .sum();
                assert!((out[i * 2 + k] - want).abs() <= 1e-12 * want.abs().max(1.0));
            }
        }
        assert!(out.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn the_prior_pulls_towards_one_half() {
        let mut stats = FirstMoments::new(1, 2);
        let x = [0.0f64, 1.0, 0.0, 1.0];
        stats.accumulate(Rows::new(&x, 2).unwrap(), &[1.0, 1.0], &mut Vec::new());
        let mle: BernoulliComponents<f64> = Bernoulli::new().estimate(&stats).unwrap();
        let map: BernoulliComponents<f64> = Bernoulli::new()
            .with_prior(2.0, 2.0)
            .estimate(&stats)
            .unwrap();
        assert_eq!(
            mle.probabilities().row(0),
            &[PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR]
        );
        assert_eq!(map.probabilities().row(0), &[0.25, 0.75]);
        assert!(Family::<f64>::check_options(&Bernoulli::new().with_prior(0.5, 1.0)).is_err());
    }
}
