//! [`Mixture`]: mixing weights plus the components of one family, and everything a fitted
//! model is used for.

use crate::error::{MixtureError, Result};
use crate::family::Components;
use crate::numeric::{logsumexp, normalise_rows};
use crate::options::DEFAULT_BLOCK_ROWS;
use crate::rows::{Data, RowMatrix, Rows};
use crate::scalar::Scalar;
use crate::validate::{check_data, check_finite_data};
use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rayon::prelude::*;

/// The most log-joint values a block of [`Mixture`]'s scoring holds per thread (8 MiB in
/// f64): the default blocks for K up to 4096.
const JOINT_VALUES: usize = 1 << 20;

/// A finite mixture: `p(x) = Σ_k w_k p_k(x)`.
///
/// Every method that takes data validates it first (finite values, the model's dimension, the
/// family's domain) and returns a typed error instead of panicking.
#[derive(Debug, Clone)]
pub struct Mixture<T, C> {
    /// The mixing weights, the canonical parameter (f64 whatever `T`: they come from f64
    /// counts).
    weights: Vec<f64>,
    /// `ln w_k` rounded to `T`, for the E-step.
    log_weights: Vec<T>,
    components: C,
}

impl<T: Scalar, C: Components<T>> Mixture<T, C> {
    /// A mixture of `components` with mixing `weights` (one per component, positive, summing
    /// to one within 1e-6; they are renormalised unless they already sum to one within
    /// rounding, so weights read back from a saved model keep every bit).
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] when the number of weights differs from the number of
    /// components, or a weight is not positive and finite, or they do not sum to one.
    pub fn from_parts(weights: &[f64], components: C) -> Result<Self> {
        let k = components.n_components();
        if weights.len() != k {
            return Err(MixtureError::InvalidParameters {
                reason: format!("{} weights for {k} components", weights.len()),
            });
        }
        if let Some((j, w)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w > 0.0))
        {
            return Err(MixtureError::InvalidParameters {
                reason: format!(
                    "weight of component {j} is {w}; weights must be positive and finite"
                ),
            });
        }
        let total: f64 = weights.iter().sum();
        if (total - 1.0).abs() > 1e-6 {
            return Err(MixtureError::InvalidParameters {
                reason: format!("weights sum to {total}, not 1"),
            });
        }
        let scale = if (total - 1.0).abs() <= 4.0 * k as f64 * f64::EPSILON {
            1.0
        } else {
            total
        };
        Ok(Self::from_normalised_weights(
            weights.iter().map(|w| w / scale).collect(),
            components,
        ))
    }

    /// Internal constructor from weights that are positive and sum to one (the M-step's).
    pub(crate) fn from_normalised_weights(weights: Vec<f64>, components: C) -> Self {
        Self {
            log_weights: weights.iter().map(|w| T::cast(w.ln())).collect(),
            weights,
            components,
        }
    }

    /// Number of components K.
    pub fn n_components(&self) -> usize {
        self.log_weights.len()
    }

    /// Data dimension D.
    pub fn n_features(&self) -> usize {
        self.components.n_features()
    }

    /// The mixing weights (in `f64`, whatever `T`: they are ratios of `f64` counts).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The natural logarithms of the mixing weights.
    pub fn log_weights(&self) -> &[T] {
        &self.log_weights
    }

    /// The components' parameters.
    pub fn components(&self) -> &C {
        &self.components
    }

    /// The component means, K×D.
    pub fn means(&self) -> RowMatrix<T> {
        let mut m = RowMatrix::zeros(self.n_components(), self.n_features());
        self.components.write_means(m.as_mut_slice());
        m
    }

    /// The same mixture in precision `U`: the parameters are converted (exactly when widening
    /// `f32` to `f64`; rounded when narrowing) and every derived quantity is computed again from
    /// them, as if they had been given to the constructors in `U`.
    ///
    /// # Errors
    /// The family's error when the rounded parameters no longer form valid components (for
    /// example a covariance that stops being positive definite in `f32`).
    ///
    pub fn to_precision<U: Scalar>(&self) -> Result<Mixture<U, C::Rebind<U>>> {
        let components = C::Rebind::<U>::from_parameters(&self.components.parameters())?;
        Ok(Mixture::from_normalised_weights(
            self.weights.clone(),
            components,
        ))
    }

    /// The exact marginal mixture over the features `dims` (same weights; each component
    /// marginalised), for example two dimensions of a D-dimensional model to draw its density.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] when `dims` is empty, repeats a feature or names one at
    /// or beyond D; or the family's error if a marginal cannot be formed.
    pub fn marginal(&self, dims: &[usize]) -> Result<Self> {
        // The components check `dims` too (crate::family::check_marginal_dims).
        Ok(Self {
            weights: self.weights.clone(),
            log_weights: self.log_weights.clone(),
            components: self.components.marginal(dims)?,
        })
    }

    /// Number of free parameters: the components' plus K − 1 mixing weights.
    pub fn n_parameters(&self) -> usize {
        self.components.n_parameters() + self.n_components() - 1
    }

    fn check(&self, x: Rows<'_, T>) -> Result<()> {
        check_finite_data(x, Some(self.n_features()))?;
        C::check_domain(x)
    }

    /// Runs `f` on the log-joint values `ln w_k + ln p_k(x_i)` of each block of rows, in
    /// parallel; `f` fills that block's part of `out` (`width` values per row). Blocks are
    /// [`DEFAULT_BLOCK_ROWS`] rows, fewer when K is so large that a block's K values per row
    /// would pass [`JOINT_VALUES`] (a model of millions of components scores a row at a time
    /// rather than asking for gigabytes per thread).
    fn map_blocks<U: Send>(
        &self,
        x: Rows<'_, T>,
        width: usize,
        out: &mut [U],
        f: impl Fn(&mut [T], &mut [U]) + Sync,
    ) {
        let k = self.n_components();
        let b = (JOINT_VALUES / k.max(1)).clamp(1, DEFAULT_BLOCK_ROWS);
        out.par_chunks_mut(b * width).enumerate().for_each_init(
            || (Vec::new(), Vec::new()),
            |(joint, scratch), (i, out_block)| {
                let start = i * b;
                let block = x.slice_rows(start, (start + b).min(x.n_rows()));
                joint.resize(block.n_rows() * k, T::zero());
                self.components.log_densities(block, joint, scratch);
                for row in joint.chunks_exact_mut(k) {
                    for (v, &lw) in row.iter_mut().zip(&self.log_weights) {
                        *v += lw;
                    }
                }
                f(joint, out_block);
            },
        );
    }

    /// `ln p(x_i)` for every row (the per-row half of the lesson's `calc_log_likelihood`).
    ///
    /// # Errors
    /// Invalid data (see the type's docs), or [`MixtureError::ZeroDensity`] for a row no
    /// component can explain.
    pub fn log_likelihood_per_row<'a>(&self, x: impl Into<Rows<'a, T>>) -> Result<Vec<T>> {
        let x = x.into();
        self.check(x)?;
        let out = self.per_row(x);
        if let Some(row) = out.iter().position(|v| !v.is_finite()) {
            return Err(MixtureError::ZeroDensity {
                row,
                value: out[row].as_f64(),
            });
        }
        Ok(out)
    }

    /// `ln p(x_i)` for rows already checked, infinite where no component explains a row.
    fn per_row(&self, x: Rows<'_, T>) -> Vec<T> {
        let k = self.n_components();
        let mut out = vec![T::zero(); x.n_rows()];
        self.map_blocks(x, 1, &mut out, |joint, out| {
            for (row, o) in joint.chunks_exact(k).zip(out.iter_mut()) {
                *o = logsumexp(row);
            }
        });
        out
    }

    /// `ln p(X) = Σ_i w_i ln p(x_i)` in nats, summed in `f64` (weights 1 unless `x` is
    /// [`Data`] with weights).
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood_per_row`], and the weight errors of
    /// [`crate::family::check_weights`].
    pub fn log_likelihood<'a>(&self, x: impl Into<Data<'a, T>>) -> Result<f64> {
        Ok(self.weighted_total(x.into())?.0)
    }

    /// The log-likelihood and the weight total.
    fn weighted_total(&self, data: Data<'_, T>) -> Result<(f64, f64)> {
        let total_weight = check_data(data, Some(self.n_features()))?;
        C::check_domain(data.rows())?;
        let per_row = self.per_row(data.rows());
        let weight = |i: usize| data.weights().map_or(1.0, |w| w[i]);
        // Summed per block of DEFAULT_BLOCK_ROWS, then the blocks in order: the fit's own
        // order, so a fit's reported log-likelihood is this one, bit for bit.
        let mut total = 0.0;
        for (b, block) in per_row.chunks(DEFAULT_BLOCK_ROWS).enumerate() {
            let mut block_total = 0.0;
            for (j, v) in block.iter().enumerate() {
                let i = b * DEFAULT_BLOCK_ROWS + j;
                let w = weight(i);
                // Rows of weight 0 count as absent, even where their density underflows.
                if w == 0.0 {
                    continue;
                }
                if !v.is_finite() {
                    return Err(MixtureError::ZeroDensity {
                        row: i,
                        value: v.as_f64(),
                    });
                }
                block_total += w * v.as_f64();
            }
            total += block_total;
        }
        Ok((total, total_weight))
    }

    /// The mean log-likelihood per row, `ln p(X) / Σ_i w_i` (scikit-learn's `score`).
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood`].
    pub fn score<'a>(&self, x: impl Into<Data<'a, T>>) -> Result<f64> {
        let (total, weight) = self.weighted_total(x.into())?;
        Ok(total / weight)
    }

    /// The responsibilities `p(k | x_i)`, N×K; each row sums to one.
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood_per_row`].
    pub fn predict_proba<'a>(&self, x: impl Into<Rows<'a, T>>) -> Result<RowMatrix<T>> {
        let x = x.into();
        self.check(x)?;
        let k = self.n_components();
        let what = format!(
            "the responsibilities of {} rows for {k} components",
            x.n_rows()
        );
        let mut out = crate::rows::try_filled(x.n_rows().checked_mul(k), T::zero(), &what)?;
        self.map_blocks(x, k, &mut out, |joint, out| {
            out.copy_from_slice(joint);
            let mut lse = Vec::with_capacity(out.len() / k);
            normalise_rows(out, k, &mut lse);
            for (row, l) in out.chunks_exact_mut(k).zip(&lse) {
                if !l.is_finite() {
                    row.fill(T::nan());
                }
            }
        });
        if out.iter().any(|v| v.is_nan()) {
            // Rare path: let the per-row pass name the row and its log-density.
            self.log_likelihood_per_row(x)?;
        }
        RowMatrix::new(out, k)
    }

    /// The most responsible component of every row (ties go to the lower index).
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood_per_row`]: like [`Mixture::predict_proba`] and
    /// [`Mixture::score`], a row with zero density under every component is
    /// [`MixtureError::ZeroDensity`], not labelled.
    pub fn predict<'a>(&self, x: impl Into<Rows<'a, T>>) -> Result<Vec<usize>> {
        let x = x.into();
        self.check(x)?;
        let k = self.n_components();
        let mut out = vec![0usize; x.n_rows()];
        self.map_blocks(x, 1, &mut out, |joint, out| {
            for (row, o) in joint.chunks_exact(k).zip(out.iter_mut()) {
                let mut best = 0;
                for (j, v) in row.iter().enumerate() {
                    if *v > row[best] {
                        best = j;
                    }
                }
                // No component explains the row: marked, and reported below.
                *o = if row[best] == T::neg_infinity() {
                    usize::MAX
                } else {
                    best
                };
            }
        });
        if out.contains(&usize::MAX) {
            // Rare path: let the per-row pass name the row.
            self.log_likelihood_per_row(x)?;
        }
        Ok(out)
    }

    /// Draws `n` points with the component each came from, in random order.
    ///
    /// Components are drawn from the mixing weights, then points from the components, all from
    /// `rng`: the same seed gives the same samples.
    ///
    /// # Errors
    /// [`MixtureError::TooLarge`] when `n` points cannot be allocated;
    /// [`MixtureError::InvalidParameters`] if the weights cannot form a distribution (not
    /// possible for a mixture built through this crate).
    pub fn sample<R: Rng + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
    ) -> Result<(RowMatrix<T>, Vec<usize>)> {
        let weights: Vec<f64> = self.log_weights.iter().map(|w| w.as_f64().exp()).collect();
        let chooser =
            WeightedIndex::new(&weights).map_err(|e| MixtureError::InvalidParameters {
                reason: format!("mixing weights {weights:?} cannot be sampled: {e}"),
            })?;
        let d = self.n_features();
        let what = format!("{n} samples of {d} features");
        let mut points = RowMatrix::try_zeros(n, d, &what)?;
        let mut labels = crate::rows::try_filled(Some(n), 0, &what)?;
        for (i, label) in labels.iter_mut().enumerate() {
            let k = chooser.sample(rng);
            self.components.sample_component(k, rng, points.row_mut(i));
            *label = k;
        }
        Ok((points, labels))
    }

    /// Bayesian information criterion `−2 ln p(X) + p ln N` (lower is better), with
    /// scikit-learn's parameter counts; with weights, N is their total.
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood`].
    pub fn bic<'a>(&self, x: impl Into<Data<'a, T>>) -> Result<f64> {
        let (ll, n) = self.weighted_total(x.into())?;
        Ok(information_criteria(ll, self.n_parameters(), n).0)
    }

    /// Akaike information criterion `−2 ln p(X) + 2p` (lower is better).
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood`].
    pub fn aic<'a>(&self, x: impl Into<Data<'a, T>>) -> Result<f64> {
        let ll = self.log_likelihood(x)?;
        // N does not enter the AIC.
        Ok(information_criteria(ll, self.n_parameters(), 1.0).1)
    }
}

/// `(BIC, AIC)` of a model with log-likelihood `log_likelihood` and `n_parameters` free
/// parameters on data of total weight `weight_total` (the number of rows when unweighted):
/// `−2 ln p(X) + p ln N` and `−2 ln p(X) + 2p`, lower is better. The one place they are
/// computed: [`Mixture::bic`], model selection, the command and Python ask here.
///
/// # Examples
/// ```
/// let (bic, aic) = mixture_core::information_criteria(-100.0, 5, 50.0);
/// assert_eq!(aic, 210.0);
/// assert!((bic - (200.0 + 5.0 * 50f64.ln())).abs() < 1e-12);
/// ```
pub fn information_criteria(
    log_likelihood: f64,
    n_parameters: usize,
    weight_total: f64,
) -> (f64, f64) {
    let p = n_parameters as f64;
    (
        -2.0 * log_likelihood + p * weight_total.ln(),
        -2.0 * log_likelihood + 2.0 * p,
    )
}
