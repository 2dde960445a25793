//! # mixture-poisson
//!
//! Mixtures of products of Poisson distributions (independent counts per feature) on the
//! `mixture-core` engine, for `f32` and `f64`.
//!
//! - [`Poisson`] is the family and its settings (the floor on a component's rate);
//! - [`PoissonComponents`] holds the K×D rates λ (the mean count of feature d in component k);
//! - [`PoissonMixture`] is `Mixture<T, PoissonComponents<T>>`.
//!
//! A block's log-densities are one GEMM and a per-row term:
//! `ln p(x | k) = x · ln λ_k − Σ_d λ_kd − Σ_d ln(x_d!)`. The M-step is the weighted mean count
//! `λ_kd = Σ_i r_ik x_id / N_k`, floored (default [`DEFAULT_MIN_RATE`]) so that a feature that
//! is 0 in every row of a component keeps a finite log-rate. Data are counts: non-negative
//! integers (a fraction or a negative value is refused, naming its row and column).
//!
//! # Examples
//! ```
//! use mixture_core::{Estimator, RowMatrix};
//! use mixture_poisson::Poisson;
//!
//! // Quiet days (about 1 event) and busy days (about 20).
//! let rows: Vec<[f64; 1]> = (0..200)
//!     .map(|i| [if i % 2 == 0 { (i % 3) as f64 } else { 18.0 + (i % 5) as f64 }])
//!     .collect();
//! let x = RowMatrix::from_rows(&rows)?;
//! let model = Estimator::new(Poisson::new(), 2).seed(3).fit(&x)?.mixture;
//! let rates = model.means(); // a Poisson's means are its rates
//! let (lo, hi) = (rates.get(0, 0).min(rates.get(1, 0)), rates.get(0, 0).max(rates.get(1, 0)));
//! assert!((lo - 1.0).abs() < 0.1 && (hi - 20.0).abs() < 0.1);
//! # Ok::<(), mixture_core::MixtureError>(())
//! ```

use mixture_core::{
    Components, Family, MergeCriterion, Mixture, MixtureError, Parameter, ParameterSet, Result,
    Rows, Scalar,
    family::{
        FirstMoments, affine_log_densities, check_parameters, check_values, marginal_columns,
        parameter_matrix, take_means, widen_rows,
    },
};
use rand::Rng;
use rand_distr::Distribution;
use std::sync::OnceLock;

/// The default floor on a component's rate: a feature that is 0 in every row of a component
/// gets the rate 1e-10 (a log-rate of about −23) rather than 0 (whose log is −∞).
pub const DEFAULT_MIN_RATE: f64 = 1e-10;

/// A mixture of Poisson distributions.
pub type PoissonMixture<T> = Mixture<T, PoissonComponents<T>>;

/// The Poisson family and its estimation settings: the floor on the components' rates.
///
/// With the `serde` feature its settings read and write as `{"min_rate": 1e-10}` (the key
/// optional, unknown keys refused): the form front ends pass through.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct Poisson {
    min_rate: f64,
}

impl Default for Poisson {
    fn default() -> Self {
        Self::new()
    }
}

impl Poisson {
    /// Maximum-likelihood rates, floored at [`DEFAULT_MIN_RATE`].
    ///
    /// # Examples
    /// ```
    /// let p = mixture_poisson::Poisson::new().with_min_rate(1e-12);
    /// assert_eq!(p.min_rate(), 1e-12);
    /// ```
    pub const fn new() -> Self {
        Self {
            min_rate: DEFAULT_MIN_RATE,
        }
    }

    /// Sets the floor on every component's rate. Checked when fitting: finite and positive.
    pub fn with_min_rate(mut self, min_rate: f64) -> Self {
        self.min_rate = min_rate;
        self
    }

    /// The floor on a component's rate.
    pub fn min_rate(&self) -> f64 {
        self.min_rate
    }
}

/// A Poisson mixture from its parameters: `weights` (K, positive, summing to 1) and `rates`
/// (K×D, positive and finite).
///
/// # Errors
/// As [`PoissonComponents::new`] and [`Mixture::from_parts`].
///
/// # Examples
/// ```
/// use mixture_core::Rows;
/// let m = mixture_poisson::poisson_mixture::<f64>(&[1.0], Rows::new(&[2.0], 1)?)?;
/// // P(X = 3) for λ = 2 is 2³ e⁻² / 3!.
/// let ll = m.log_likelihood(Rows::new(&[3.0], 1)?)?;
/// assert!((ll - (3.0 * 2f64.ln() - 2.0 - 6f64.ln())).abs() < 1e-12);
/// # Ok::<(), mixture_core::MixtureError>(())
/// ```
pub fn poisson_mixture<T: Scalar>(
    weights: &[f64],
    rates: Rows<'_, T>,
) -> Result<PoissonMixture<T>> {
    Mixture::from_parts(weights, PoissonComponents::new(rates)?)
}

/// The parameters of the components in plain form, as model files hold them: the rates λ
/// (mean counts), K rows of D positive values, widened to `f64`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PoissonParameters {
    /// K rows of D values.
    pub rates: Vec<Vec<f64>>,
}

/// The parameters of K Poisson components: K×D rates.
#[derive(Debug, Clone)]
pub struct PoissonComponents<T> {
    k: usize,
    d: usize,
    /// K×D.
    rates: Vec<T>,
    /// D×K row-major: `ln λ_kd`.
    log_rates_t: Vec<T>,
    /// K: `−Σ_d λ_kd`.
    neg_rate_sums: Vec<T>,
}

/// `ln(n!)` for a count `n` (a non-negative integer): from a table below 1024, else `lnΓ(n+1)`.
fn ln_factorial(n: f64) -> f64 {
    const TABLE: usize = 1024;
    static LN_FACTORIALS: OnceLock<Vec<f64>> = OnceLock::new();
    let table = LN_FACTORIALS.get_or_init(|| {
        // Each entry from lnΓ directly (not a running sum, whose rounding would grow).
        (0..TABLE).map(|i| libm::lgamma(i as f64 + 1.0)).collect()
    });
    if n < TABLE as f64 {
        table[n as usize]
    } else {
        libm::lgamma(n + 1.0)
    }
}

impl<T: Scalar> PoissonComponents<T> {
    /// Components with these rates (K×D, positive and finite).
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] naming the component and feature of a rate that is
    /// not positive and finite, or for zero components.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::Rows;
    /// use mixture_poisson::PoissonComponents;
    /// assert!(PoissonComponents::<f64>::new(Rows::new(&[1.0, 0.0], 2)?).is_err());
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
        let mut log_rates_t = vec![T::zero(); d * k];
        let mut neg_rate_sums = vec![T::zero(); k];
        for c in 0..k {
            let mut s = 0.0;
            for j in 0..d {
                let r = rates_t[c * d + j].as_f64();
                s += r;
                log_rates_t[j * k + c] = T::cast(r.ln());
            }
            neg_rate_sums[c] = T::cast(-s);
        }
        Self {
            k,
            d,
            rates: rates_t,
            log_rates_t,
            neg_rate_sums,
        }
    }

    /// The rates λ (mean counts), K×D.
    pub fn rates(&self) -> Rows<'_, T> {
        Rows::new(&self.rates, self.d).expect("K×D by construction")
    }
}

impl<T: Scalar> Components<T> for PoissonComponents<T> {
    const FAMILY: &'static str = "poisson";
    type Parameters = PoissonParameters;
    type Rebind<U: Scalar> = PoissonComponents<U>;

    fn parameters(&self) -> PoissonParameters {
        PoissonParameters {
            rates: widen_rows(self.rates()),
        }
    }

    fn from_parameters(p: &PoissonParameters) -> Result<Self> {
        Self::new(parameter_matrix::<T>("rates", &p.rates)?.view())
    }

    fn check_domain(x: Rows<'_, T>) -> Result<()> {
        check_values(
            x,
            "poisson",
            "counts: non-negative integers; round or drop the other values",
            |v| v >= T::zero() && v.is_finite() && v.as_f64().fract() == 0.0,
        )
    }

    fn n_components(&self) -> usize {
        self.k
    }

    fn n_features(&self) -> usize {
        self.d
    }

    fn log_densities(&self, block: Rows<'_, T>, out: &mut [T], _scratch: &mut Vec<T>) {
        affine_log_densities(block, &self.log_rates_t, &self.neg_rate_sums, out);
        // −Σ_d ln(x_d!), the same for every component, in f64.
        for (row, densities) in block.iter().zip(out.chunks_exact_mut(self.k)) {
            let ln_row: f64 = row.iter().map(|v| ln_factorial(v.as_f64())).sum();
            for o in densities {
                *o = T::cast(o.as_f64() - ln_row);
            }
        }
    }

    fn sample_component<R: Rng + ?Sized>(&self, k: usize, rng: &mut R, out: &mut [T]) {
        for (o, &rate) in out
            .iter_mut()
            .zip(&self.rates[k * self.d..(k + 1) * self.d])
        {
            // rand_distr's Poisson takes rates up to about 1.8e19; larger ones (no count data
            // has them) give the rate itself, the distribution's mean.
            let lambda = rate.as_f64();
            let draw = rand_distr::Poisson::new(lambda).map_or(lambda, |p| p.sample(rng));
            *o = T::cast(draw);
        }
    }

    fn n_parameters(&self) -> usize {
        self.k * self.d
    }

    fn write_means(&self, out: &mut [T]) {
        out.copy_from_slice(&self.rates);
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

impl<T: Scalar> Family<T> for Poisson {
    type Components = PoissonComponents<T>;
    type Stats = FirstMoments;
    type Scratch = Vec<T>;

    fn name(&self) -> &'static str {
        "poisson"
    }

    /// mclust's VVV criterion on the counts' SVD coordinates: measured on generated Poisson
    /// mixtures, the greedy merges of the Poisson classification likelihood end in worse
    /// optima (heavy-count clusters resist merging), the VVV tree in the best k-means++ finds.
    fn merge_criterion(&self) -> MergeCriterion {
        MergeCriterion::Vvv
    }

    fn check_options(&self) -> Result<()> {
        if !(self.min_rate.is_finite() && self.min_rate > 0.0) {
            return Err(MixtureError::InvalidOption {
                name: "min_rate",
                value: self.min_rate.to_string(),
                expected: "must be positive and finite",
            });
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

    fn estimate(&self, stats: &FirstMoments) -> Result<PoissonComponents<T>> {
        let (k, d) = (stats.n_components(), stats.n_features());
        let mut rates = Vec::with_capacity(k * d);
        for c in 0..k {
            let n = stats.count(c);
            rates.extend(stats.sum(c).iter().map(|s| (s / n).max(self.min_rate)));
        }
        Ok(PoissonComponents::from_f64(k, d, &rates))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_factorials_match_the_product() {
        let mut product = 1.0f64;
        for n in 0..170u32 {
            if n > 0 {
                product *= f64::from(n);
            }
            let expected = product.ln();
            let got = ln_factorial(f64::from(n));
            assert!(
                (got - expected).abs() <= 1e-13 * expected.abs().max(1.0),
                "{n}! : {got} vs {expected}"
            );
        }
        // Past the table: Stirling's series to its first terms.
        let n = 1e6f64;
        let stirling =
            n * n.ln() - n + 0.5 * (2.0 * std::f64::consts::PI * n).ln() + 1.0 / (12.0 * n);
        assert!((ln_factorial(n) - stirling).abs() < 1e-6);
    }

    #[test]
    fn log_densities_are_the_poisson_formula_and_a_zero_column_stays_finite() {
        let mut stats = FirstMoments::new(1, 2);
        let x = [0.0f64, 2.0, 0.0, 4.0];
        stats.accumulate(Rows::new(&x, 2).unwrap(), &[1.0, 1.0], &mut Vec::new());
        let c: PoissonComponents<f64> = Poisson::new().estimate(&stats).unwrap();
        assert_eq!(c.rates().row(0), &[1e-10, 3.0]);
        let mut out = vec![0.0f64; 2];
        c.log_densities(Rows::new(&x, 2).unwrap(), &mut out, &mut Vec::new());
        // Row 0: P(0 | 1e-10) P(2 | 3) = e^-1e-10 · 3² e⁻³ / 2.
        let naive = -1e-10 + 2.0 * 3f64.ln() - 3.0 - 2f64.ln();
        assert!((out[0] - naive).abs() < 1e-14, "{} vs {naive}", out[0]);
        assert!(out.iter().all(|v| v.is_finite()));
        assert!(Family::<f64>::check_options(&Poisson::new().with_min_rate(0.0)).is_err());
    }
}
