//! What a fit starts from ([`Start`]: a whole model, or some of its parameter groups) and what
//! it gives ([`Fitted`]).

use crate::error::Result;
use crate::family::Components;
use crate::mixture::Mixture;
use crate::parameters::{Parameter, ParameterSet};
use crate::report::FitReport;
use crate::scalar::Scalar;

/// A fitted mixture and how the fit went.
#[derive(Debug, Clone)]
pub struct Fitted<T, C> {
    /// The fitted mixture.
    pub mixture: Mixture<T, C>,
    /// The fit's report: iterations, convergence, log-likelihood, trace, degenerate components.
    pub report: FitReport,
}

impl<T, C> Fitted<T, C> {
    /// The mixture, without the report.
    pub fn into_mixture(self) -> Mixture<T, C> {
        self.mixture
    }
}

/// Where [`Estimator::fit_from`](crate::Estimator::fit_from) starts: a mixture (or some groups of its parameters), and
/// for a warm start the mean log-likelihood of the last iteration that produced it. Made from
/// a `&Mixture`, a `&Fitted` or [`Start::taking`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Start<'m, T, C> {
    /// The starting parameters.
    pub mixture: &'m Mixture<T, C>,
    /// The mean log-likelihood the stop rule compares the first iteration with (scikit-learn's
    /// `lower_bound_`); `None` starts afresh.
    pub previous: Option<f64>,
    /// `None`: start from all of `mixture`. `Some(groups)`: a partial start, only these
    /// groups from `mixture` and the rest from each initialisation run.
    pub taking: Option<ParameterSet>,
}

impl<'m, T, C> Start<'m, T, C> {
    /// A partial start: the parameter groups `groups` from `mixture`, the others from the
    /// initialisation (each of the `n_init` runs, with `init` and `seed`), as scikit-learn's
    /// `weights_init`, `means_init` or `precisions_init` given alone. The other groups of
    /// `mixture` are not used (any valid values will do).
    ///
    /// # Examples
    /// See `mixture_gauss`'s crate documentation.
    pub fn taking(mixture: &'m Mixture<T, C>, groups: ParameterSet) -> Self {
        Self {
            mixture,
            previous: None,
            taking: Some(groups),
        }
    }

    /// This start as a warm start: the stop rule compares the first iteration's mean
    /// log-likelihood with `previous` (the bound the fit that produced the mixture ended
    /// with, scikit-learn's `lower_bound_`), so that repeated one-iteration fits see their
    /// convergence.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::{Mixture, Start};
    ///
    /// fn warm<T, C>(mixture: &Mixture<T, C>, lower_bound: f64) -> Start<'_, T, C> {
    ///     Start::from(mixture).after(lower_bound)
    /// }
    /// ```
    pub fn after(mut self, previous: f64) -> Self {
        self.previous = Some(previous);
        self
    }

    /// `initial` with the groups this start takes put in from its mixture.
    pub(crate) fn over(&self, initial: &Mixture<T, C>) -> Result<Mixture<T, C>>
    where
        T: Scalar,
        C: Components<T>,
    {
        let groups = self
            .taking
            .unwrap_or_else(|| ParameterSet::every(C::GROUPS));
        let components = initial
            .components()
            .with_groups_of(self.mixture.components(), groups)?;
        let weights = if groups.contains(Parameter::WEIGHTS) {
            self.mixture.weights()
        } else {
            initial.weights()
        };
        Mixture::from_parts(weights, components)
    }
}

impl<'m, T, C> From<&'m Mixture<T, C>> for Start<'m, T, C> {
    fn from(mixture: &'m Mixture<T, C>) -> Self {
        Self {
            mixture,
            previous: None,
            taking: None,
        }
    }
}

impl<'m, T, C> From<&'m Fitted<T, C>> for Start<'m, T, C> {
    fn from(fitted: &'m Fitted<T, C>) -> Self {
        Self {
            mixture: &fitted.mixture,
            previous: fitted.report.history.last().map(|r| r.mean_log_likelihood),
            taking: None,
        }
    }
}
