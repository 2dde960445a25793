//! Variational fits through the registry: the families with a conjugate prior
//! ([`Conjugate`]), their priors and posteriors in their serde forms, so that front ends and
//! model files name no family.

use super::{AnyFamily, AnyMixture, RegisteredFamily};
use crate::bern::BernoulliPosterior;
use crate::core::variational::{Conjugate, VariationalFit, WeightPosterior};
use crate::core::{FitReport, Scalar};
use crate::exp::ExponentialPosterior;
use crate::gauss::GaussianPosterior;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A registered family with a conjugate prior whose prior and posterior serialise: what a
/// variational fit through the registry needs.
pub trait ConjugateFamily<T: Scalar>:
    RegisteredFamily<T>
    + Conjugate<T, Prior: Serialize + DeserializeOwned, Posterior: Serialize + DeserializeOwned>
{
}

impl<T: Scalar, F> ConjugateFamily<T> for F where
    F: RegisteredFamily<T>
        + Conjugate<T, Prior: Serialize + DeserializeOwned, Posterior: Serialize + DeserializeOwned>
{
}

/// Work done with a family that has a conjugate prior, whichever it is: see
/// [`AnyFamily::run_variational`].
pub trait VariationalTask<T: Scalar> {
    /// What the work returns.
    type Output;

    /// Does the work with `family`.
    fn run<F: ConjugateFamily<T>>(self, family: F) -> Self::Output;
}

impl AnyFamily {
    /// Runs `task` with the family if it has a conjugate prior (variational fits: Gaussian,
    /// Bernoulli, exponential); `None` for the others.
    pub fn run_variational<T: Scalar, W: VariationalTask<T>>(self, task: W) -> Option<W::Output> {
        match self {
            AnyFamily::Gaussian(f) => Some(task.run(f)),
            AnyFamily::Bernoulli(f) => Some(task.run(f)),
            AnyFamily::Exponential(f) => Some(task.run(f)),
            AnyFamily::Poisson(_) => None,
        }
    }

    /// The names of the families with a conjugate prior.
    pub const VARIATIONAL_NAMES: [&'static str; 3] = ["gaussian", "bernoulli", "exponential"];
}

/// A variational fit of any conjugate family, its posterior and prior in their serde forms.
#[derive(Debug, Clone)]
pub struct AnyVariationalFit<T> {
    /// The posterior mean mixture.
    pub mixture: AnyMixture<T>,
    /// The mixture whose E-step is the variational one (see
    /// [`VariationalFit::scoring`]).
    pub scoring: AnyMixture<T>,
    /// See [`VariationalFit::log_normaliser`].
    pub log_normaliser: f64,
    /// `ln p(X)` of the posterior mean mixture.
    pub log_likelihood: f64,
    /// The weights' posterior.
    pub weights: WeightPosterior,
    /// The components' posterior, in the family's serde form.
    pub posterior: Value,
    /// The components' prior, every default resolved, in the family's serde form.
    pub prior: Value,
    /// How the fit went (each iteration's `log_likelihood` is the lower bound).
    pub report: FitReport,
    /// See [`VariationalFit::evidence_bound`].
    pub evidence_bound: f64,
}

impl<T: Scalar> AnyVariationalFit<T> {
    /// The lower bound the fit reached.
    pub fn lower_bound(&self) -> f64 {
        self.report.log_likelihood
    }

    /// Components holding at least `rows` rows' weight (see
    /// [`VariationalFit::effective_components`]).
    pub fn effective_components(&self, rows: f64) -> usize {
        self.weights.effective_components(rows)
    }
}

impl<T: Scalar, F: ConjugateFamily<T>> From<VariationalFit<T, F>> for AnyVariationalFit<T> {
    fn from(fit: VariationalFit<T, F>) -> Self {
        Self {
            mixture: fit.mixture.into(),
            scoring: fit.scoring.into(),
            log_normaliser: fit.log_normaliser,
            log_likelihood: fit.log_likelihood,
            posterior: serde_json::to_value(&fit.posterior).expect("a posterior serialises"),
            prior: serde_json::to_value(&fit.prior.components).expect("a prior serialises"),
            weights: fit.weights,
            report: fit.report,
            evidence_bound: fit.evidence_bound,
        }
    }
}

/// Why `posterior` (a serde form) is not the posterior of K = `k` components of dimension
/// `d` of the family `family`, if it is not.
pub fn posterior_mismatch(family: &str, posterior: &Value, k: usize, d: usize) -> Option<String> {
    let shape = |got: (usize, usize)| {
        (got != (k, d)).then(|| {
            format!(
                "the posterior is of {} components of dimension {}, not {k} of dimension {d}",
                got.0, got.1
            )
        })
    };
    let read = |e: serde_json::Error| Some(format!("malformed {family} posterior: {e}"));
    match family {
        "gaussian" => match serde_json::from_value::<GaussianPosterior>(posterior.clone()) {
            Ok(p) => shape((p.n_components(), p.n_features())),
            Err(e) => read(e),
        },
        "bernoulli" => match serde_json::from_value::<BernoulliPosterior>(posterior.clone()) {
            Ok(p) => shape((p.a().len() / d.max(1), p.a().len() / k.max(1))),
            Err(e) => read(e),
        },
        "exponential" => match serde_json::from_value::<ExponentialPosterior>(posterior.clone()) {
            Ok(p) => shape((p.shape().len() / d.max(1), p.shape().len() / k.max(1))),
            Err(e) => read(e),
        },
        other => Some(format!("the {other} family has no variational fit")),
    }
}
