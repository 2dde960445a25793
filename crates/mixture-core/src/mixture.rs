//! [`Mixture`]: mixing weights plus the components of one family, and everything a fitted
//! model is used for.

use crate::error::{MixtureError, Result};
use crate::family::Components;
use crate::numeric::{logsumexp, normalise_row};
use crate::report::FitReport;
use crate::rows::{RowMatrix, Rows};
use crate::scalar::Scalar;
use crate::validate::check_finite_data;
use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rayon::prelude::*;

/// Rows per block when scoring: a block's B×K scratch stays in cache.
pub(crate) const DEFAULT_BLOCK_ROWS: usize = 256;

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
    report: Option<FitReport>,
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
            report: None,
        }
    }

    pub(crate) fn set_report(&mut self, report: FitReport) {
        self.report = Some(report);
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

    /// How the fit went, when this mixture came out of E-M.
    pub fn fit_report(&self) -> Option<&FitReport> {
        self.report.as_ref()
    }

    /// The exact marginal mixture over the features `dims` (same weights; each component
    /// marginalised), for example two dimensions of a D-dimensional model to draw its density.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] when `dims` is empty, repeats a feature or names one at
    /// or beyond D; or the family's error if a marginal cannot be formed.
    pub fn marginal(&self, dims: &[usize]) -> Result<Self> {
        let d = self.n_features();
        let bad = |expected| MixtureError::InvalidOption {
            name: "dims",
            value: format!("{dims:?}"),
            expected,
        };
        if dims.is_empty() {
            return Err(bad("name at least one feature"));
        }
        if dims.iter().any(|&j| j >= d) {
            return Err(bad(
                "every feature index must be below the model's dimension",
            ));
        }
        if dims.iter().enumerate().any(|(i, a)| dims[..i].contains(a)) {
            return Err(bad("name each feature once"));
        }
        Ok(Self {
            weights: self.weights.clone(),
            log_weights: self.log_weights.clone(),
            components: self.components.marginal(dims)?,
            report: None,
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
    /// parallel; `f` fills that block's part of `out` (`width` values per row).
    fn map_blocks<U: Send>(
        &self,
        x: Rows<'_, T>,
        width: usize,
        out: &mut [U],
        f: impl Fn(&mut [T], &mut [U]) + Sync,
    ) {
        let k = self.n_components();
        let b = DEFAULT_BLOCK_ROWS;
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
        let k = self.n_components();
        let mut out = vec![T::zero(); x.n_rows()];
        self.map_blocks(x, 1, &mut out, |joint, out| {
            for (row, o) in joint.chunks_exact(k).zip(out.iter_mut()) {
                *o = logsumexp(row);
            }
        });
        if let Some(row) = out.iter().position(|v| !v.is_finite()) {
            return Err(MixtureError::ZeroDensity {
                row,
                value: out[row].as_f64(),
            });
        }
        Ok(out)
    }

    /// `ln p(X) = Σ_i ln p(x_i)` in nats, summed in `f64` in row order.
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood_per_row`].
    pub fn log_likelihood<'a>(&self, x: impl Into<Rows<'a, T>>) -> Result<f64> {
        Ok(self
            .log_likelihood_per_row(x)?
            .iter()
            .map(|v| v.as_f64())
            .sum())
    }

    /// The mean log-likelihood per row (scikit-learn's `score`).
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood_per_row`].
    pub fn score<'a>(&self, x: impl Into<Rows<'a, T>>) -> Result<f64> {
        let x = x.into();
        Ok(self.log_likelihood(x)? / x.n_rows() as f64)
    }

    /// The responsibilities `p(k | x_i)`, N×K; each row sums to one.
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood_per_row`].
    pub fn predict_proba<'a>(&self, x: impl Into<Rows<'a, T>>) -> Result<RowMatrix<T>> {
        let x = x.into();
        self.check(x)?;
        let k = self.n_components();
        let mut out = vec![T::zero(); x.n_rows() * k];
        self.map_blocks(x, k, &mut out, |joint, out| {
            out.copy_from_slice(joint);
            for row in out.chunks_exact_mut(k) {
                let lse = normalise_row(row);
                if !lse.is_finite() {
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
    /// As [`Mixture::log_likelihood_per_row`] (except that rows are labelled even where their
    /// density underflows).
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
                *o = best;
            }
        });
        Ok(out)
    }

    /// Draws `n` points with the component each came from, in random order.
    ///
    /// Components are drawn from the mixing weights, then points from the components, all from
    /// `rng`: the same seed gives the same samples.
    ///
    /// # Errors
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
        let mut points = RowMatrix::zeros(n, d);
        let mut labels = Vec::with_capacity(n);
        for i in 0..n {
            let k = chooser.sample(rng);
            self.components.sample_component(k, rng, points.row_mut(i));
            labels.push(k);
        }
        Ok((points, labels))
    }

    /// Bayesian information criterion `−2 ln p(X) + p ln N` (lower is better), with
    /// scikit-learn's parameter counts.
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood_per_row`].
    pub fn bic<'a>(&self, x: impl Into<Rows<'a, T>>) -> Result<f64> {
        let x = x.into();
        let ll = self.log_likelihood(x)?;
        Ok(-2.0 * ll + self.n_parameters() as f64 * (x.n_rows() as f64).ln())
    }

    /// Akaike information criterion `−2 ln p(X) + 2p` (lower is better).
    ///
    /// # Errors
    /// As [`Mixture::log_likelihood_per_row`].
    pub fn aic<'a>(&self, x: impl Into<Rows<'a, T>>) -> Result<f64> {
        let ll = self.log_likelihood(x)?;
        Ok(-2.0 * ll + 2.0 * self.n_parameters() as f64)
    }
}
