//! The Beta prior of variational Bernoulli mixtures ([`Conjugate`] for [`Bernoulli`]).

use crate::{Bernoulli, BernoulliComponents};
use mixture_core::family::{FirstMoments, beta_divergence, digamma, ln_beta};
use mixture_core::variational::Conjugate;
use mixture_core::{MixtureError, Result, Scalar};

/// A Beta(a, b) prior on every probability of every component (default Beta(1, 1), the
/// uniform prior). Both must be positive.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct BetaPrior {
    /// Pseudo-ones (a).
    pub a: Option<f64>,
    /// Pseudo-zeros (b).
    pub b: Option<f64>,
}

/// The posterior of K Bernoulli components: a Beta(a, b) per component and feature. With the
/// `serde` feature: `{"n_features": D, "a": [K×D], "b": [K×D]}`, checked.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "PosteriorRepr", into = "PosteriorRepr")
)]
pub struct BernoulliPosterior {
    d: usize,
    a: Vec<f64>,
    b: Vec<f64>,
}

impl BernoulliPosterior {
    /// The Beta posteriors' first parameters (K×D, row-major).
    pub fn a(&self) -> &[f64] {
        &self.a
    }

    /// Their second parameters (K×D).
    pub fn b(&self) -> &[f64] {
        &self.b
    }
}

/// [`BernoulliPosterior`]'s serde form.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PosteriorRepr {
    n_features: usize,
    a: Vec<f64>,
    b: Vec<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<PosteriorRepr> for BernoulliPosterior {
    type Error = String;

    fn try_from(r: PosteriorRepr) -> std::result::Result<Self, String> {
        let d = r.n_features;
        if d == 0 || r.a.is_empty() || r.a.len() != r.b.len() || !r.a.len().is_multiple_of(d) {
            return Err(format!(
                "a Bernoulli posterior needs K×D values of a and b (D = {d}); got {} and {}",
                r.a.len(),
                r.b.len()
            ));
        }
        if let Some(v) =
            r.a.iter()
                .chain(&r.b)
                .find(|v| !(v.is_finite() && **v > 0.0))
        {
            return Err(format!(
                "a Beta parameter is {v}; they must be positive and finite"
            ));
        }
        Ok(Self { d, a: r.a, b: r.b })
    }
}

#[cfg(feature = "serde")]
impl From<BernoulliPosterior> for PosteriorRepr {
    fn from(p: BernoulliPosterior) -> Self {
        Self {
            n_features: p.d,
            a: p.a,
            b: p.b,
        }
    }
}

impl<T: Scalar> Conjugate<T> for Bernoulli {
    type Prior = BetaPrior;
    type Posterior = BernoulliPosterior;

    fn resolve_prior(&self, prior: &BetaPrior, _pooled: &FirstMoments) -> Result<BetaPrior> {
        let (a, b) = (prior.a.unwrap_or(1.0), prior.b.unwrap_or(1.0));
        for (name, v) in [("prior_a", a), ("prior_b", b)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(MixtureError::InvalidOption {
                    name,
                    value: v.to_string(),
                    expected: "the Beta prior's parameters must be positive and finite",
                });
            }
        }
        Ok(BetaPrior {
            a: Some(a),
            b: Some(b),
        })
    }

    fn posterior(&self, prior: &BetaPrior, stats: &FirstMoments) -> Result<BernoulliPosterior> {
        let (k, d) = (stats.n_components(), stats.n_features());
        let (a0, b0) = (prior.a.unwrap_or(1.0), prior.b.unwrap_or(1.0));
        let (mut a, mut b) = (Vec::with_capacity(k * d), Vec::with_capacity(k * d));
        for c in 0..k {
            let n = stats.count(c);
            for &s in stats.sum(c) {
                a.push(a0 + s);
                // The zeros' weight: never below 0 by rounding.
                b.push(b0 + (n - s).max(0.0));
            }
        }
        Ok(BernoulliPosterior { d, a, b })
    }

    /// `E[x ln p + (1 − x) ln(1 − p)] = x ln p̂ + (1 − x) ln(1 − p̂) + c` with
    /// `c = ln(e^{E ln p} + e^{E ln(1 − p)})` and `p̂ = e^{E ln p − c}`.
    fn expected(&self, p: &BernoulliPosterior) -> Result<(BernoulliComponents<T>, Vec<f64>)> {
        let d = p.d;
        let k = p.a.len() / d.max(1);
        let mut probabilities = Vec::with_capacity(k * d);
        let mut offsets = vec![0.0; k];
        for (i, (&a, &b)) in p.a.iter().zip(&p.b).enumerate() {
            let total = digamma(a + b);
            let (log_p, log_q) = (digamma(a) - total, digamma(b) - total);
            let top = log_p.max(log_q);
            let c = top + ((log_p - top).exp() + (log_q - top).exp()).ln();
            probabilities.push((log_p - c).exp());
            offsets[i / d] += c;
        }
        Ok((BernoulliComponents::from_f64(k, d, &probabilities), offsets))
    }

    /// `Σ ln B(a, b)` over components and features: the posterior's log normaliser (the
    /// prior's constant left out, as scikit-learn leaves out the Gaussian prior's).
    fn evidence_terms(
        &self,
        prior: &BetaPrior,
        p: &BernoulliPosterior,
        stats: &FirstMoments,
    ) -> Result<f64> {
        let (a0, b0) = (prior.a.unwrap_or(1.0), prior.b.unwrap_or(1.0));
        let mut total = 0.0;
        for c in 0..stats.n_components() {
            let n = stats.count(c);
            for (j, &ones) in stats.sum(c).iter().enumerate() {
                let (a, b) = (p.a[c * p.d + j], p.b[c * p.d + j]);
                let psi = digamma(a + b);
                total += ones * (digamma(a) - psi) + (n - ones).max(0.0) * (digamma(b) - psi)
                    - beta_divergence(a, b, a0, b0);
            }
        }
        Ok(total)
    }

    fn bound(&self, _prior: &BetaPrior, p: &BernoulliPosterior) -> f64 {
        p.a.iter().zip(&p.b).map(|(&a, &b)| ln_beta(a, b)).sum()
    }

    fn permuted(&self, p: &BernoulliPosterior, order: &[usize]) -> BernoulliPosterior {
        let pick = |v: &[f64]| -> Vec<f64> {
            order
                .iter()
                .flat_map(|&c| v[c * p.d..(c + 1) * p.d].iter().copied())
                .collect()
        };
        BernoulliPosterior {
            d: p.d,
            a: pick(&p.a),
            b: pick(&p.b),
        }
    }
}
