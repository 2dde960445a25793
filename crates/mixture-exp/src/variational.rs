//! The Gamma prior of variational exponential mixtures ([`Conjugate`] for [`Exponential`]).

use crate::{Exponential, ExponentialComponents};
use mixture_core::family::{FirstMoments, digamma, gamma_divergence, ln_gamma};
use mixture_core::variational::Conjugate;
use mixture_core::{MixtureError, Result, Scalar};

/// A Gamma(shape, rate) prior on every rate λ of every component. Default shape 1 and, per
/// feature, rate the data's mean: the prior's mean rate is then 1 / the feature's mean, so the
/// prior does not depend on the data's units.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct GammaPrior {
    /// The shape (positive).
    pub shape: Option<f64>,
    /// The rate per feature (D positive values).
    pub rate: Option<Vec<f64>>,
}

/// The posterior of K exponential components: a Gamma(shape, rate) per component and feature.
/// With the `serde` feature: `{"n_features": D, "shape": [K×D], "rate": [K×D]}`, checked.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "PosteriorRepr", into = "PosteriorRepr")
)]
pub struct ExponentialPosterior {
    d: usize,
    shape: Vec<f64>,
    rate: Vec<f64>,
}

impl ExponentialPosterior {
    /// The Gamma posteriors' shapes (K×D, row-major).
    pub fn shape(&self) -> &[f64] {
        &self.shape
    }

    /// Their rates (K×D).
    pub fn rate(&self) -> &[f64] {
        &self.rate
    }
}

/// [`ExponentialPosterior`]'s serde form.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PosteriorRepr {
    n_features: usize,
    shape: Vec<f64>,
    rate: Vec<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<PosteriorRepr> for ExponentialPosterior {
    type Error = String;

    fn try_from(r: PosteriorRepr) -> std::result::Result<Self, String> {
        let d = r.n_features;
        if d == 0
            || r.shape.is_empty()
            || r.shape.len() != r.rate.len()
            || !r.shape.len().is_multiple_of(d)
        {
            return Err(format!(
                "an exponential posterior needs K×D shapes and rates (D = {d}); got {} and {}",
                r.shape.len(),
                r.rate.len()
            ));
        }
        if let Some(v) = r
            .shape
            .iter()
            .chain(&r.rate)
            .find(|v| !(v.is_finite() && **v > 0.0))
        {
            return Err(format!(
                "a Gamma parameter is {v}; they must be positive and finite"
            ));
        }
        Ok(Self {
            d,
            shape: r.shape,
            rate: r.rate,
        })
    }
}

#[cfg(feature = "serde")]
impl From<ExponentialPosterior> for PosteriorRepr {
    fn from(p: ExponentialPosterior) -> Self {
        Self {
            n_features: p.d,
            shape: p.shape,
            rate: p.rate,
        }
    }
}

fn invalid(name: &'static str, value: String) -> MixtureError {
    MixtureError::InvalidOption {
        name,
        value,
        expected: "the Gamma prior's shape and rates must be positive and finite",
    }
}

impl<T: Scalar> Conjugate<T> for Exponential {
    type Prior = GammaPrior;
    type Posterior = ExponentialPosterior;

    fn resolve_prior(&self, prior: &GammaPrior, pooled: &FirstMoments) -> Result<GammaPrior> {
        let d = pooled.n_features();
        let shape = prior.shape.unwrap_or(1.0);
        if !(shape.is_finite() && shape > 0.0) {
            return Err(invalid("prior_shape", shape.to_string()));
        }
        let rate = match &prior.rate {
            Some(r) if r.len() != d => {
                return Err(MixtureError::InvalidOption {
                    name: "prior_rate",
                    value: format!("{} values", r.len()),
                    expected: "must have one value per feature",
                });
            }
            Some(r) => r.clone(),
            // The data's means, floored as the M-step floors a mean.
            None => {
                let n = pooled.count(0);
                pooled
                    .sum(0)
                    .iter()
                    .map(|s| shape * (s / n).max(self.min_mean()))
                    .collect()
            }
        };
        if let Some(r) = rate.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
            return Err(invalid("prior_rate", r.to_string()));
        }
        Ok(GammaPrior {
            shape: Some(shape),
            rate: Some(rate),
        })
    }

    fn posterior(&self, prior: &GammaPrior, stats: &FirstMoments) -> Result<ExponentialPosterior> {
        let (k, d) = (stats.n_components(), stats.n_features());
        let shape0 = prior.shape.unwrap_or(1.0);
        let rate0 = prior.rate.as_deref().unwrap_or(&[]);
        if rate0.len() != d {
            return Err(invalid("prior_rate", "unresolved".into()));
        }
        let (mut shape, mut rate) = (Vec::with_capacity(k * d), Vec::with_capacity(k * d));
        for c in 0..k {
            let n = stats.count(c);
            for (j, &s) in stats.sum(c).iter().enumerate() {
                shape.push(shape0 + n);
                rate.push(rate0[j] + s);
            }
        }
        Ok(ExponentialPosterior { d, shape, rate })
    }

    /// `E[ln λ − λ x] = ln λ̂ − λ̂ x + ψ(α) − ln α` with `λ̂ = α / β`.
    fn expected(&self, p: &ExponentialPosterior) -> Result<(ExponentialComponents<T>, Vec<f64>)> {
        let d = p.d;
        let k = p.shape.len() / d.max(1);
        let mut rates = Vec::with_capacity(k * d);
        let mut offsets = vec![0.0; k];
        for (i, (&a, &b)) in p.shape.iter().zip(&p.rate).enumerate() {
            rates.push(a / b);
            offsets[i / d] += digamma(a) - a.ln();
        }
        Ok((ExponentialComponents::from_f64(k, d, &rates), offsets))
    }

    /// `Σ [ln Γ(α) − α ln β]` over components and features: the posterior's log normaliser
    /// (the prior's constant left out, as scikit-learn leaves out the Gaussian prior's).
    fn evidence_terms(
        &self,
        prior: &GammaPrior,
        p: &ExponentialPosterior,
        stats: &FirstMoments,
    ) -> Result<f64> {
        let shape0 = prior.shape.unwrap_or(1.0);
        let rate0 = prior.rate.as_deref().unwrap_or(&[]);
        if rate0.len() != p.d {
            return Err(invalid("prior_rate", "unresolved".into()));
        }
        let mut total = 0.0;
        for c in 0..stats.n_components() {
            let n = stats.count(c);
            for (j, &sum) in stats.sum(c).iter().enumerate() {
                let (a, b) = (p.shape[c * p.d + j], p.rate[c * p.d + j]);
                total += n * (digamma(a) - b.ln())
                    - a / b * sum
                    - gamma_divergence(a, b, shape0, rate0[j]);
            }
        }
        Ok(total)
    }

    fn bound(&self, _prior: &GammaPrior, p: &ExponentialPosterior) -> f64 {
        p.shape
            .iter()
            .zip(&p.rate)
            .map(|(&a, &b)| ln_gamma(a) - a * b.ln())
            .sum()
    }

    fn permuted(&self, p: &ExponentialPosterior, order: &[usize]) -> ExponentialPosterior {
        let pick = |v: &[f64]| -> Vec<f64> {
            order
                .iter()
                .flat_map(|&c| v[c * p.d..(c + 1) * p.d].iter().copied())
                .collect()
        };
        ExponentialPosterior {
            d: p.d,
            shape: pick(&p.shape),
            rate: pick(&p.rate),
        }
    }
}
