//! `mixture fit --variational`: a variational Bayesian mixture of a family with a conjugate
//! prior (Gaussian, Bernoulli, exponential), through the registry.

use super::{FitInput, Groups, Observers, estimator, options_record};
use crate::args::FitArgs;
use crate::commands::{data_error, say};
use crate::error::CliError;
use crate::files::{OutputFile, Value};
use mixture::model_file::{self, AnyMixture, FitRecord, PosteriorRecord};
use mixture::registry::{AnyFamily, AnyVariationalFit, ConjugateFamily, VariationalTask};
use mixture::with_mixture;
use mixture_core::variational::{VariationalPrior, VariationalStart, WeightPriorType};
use mixture_core::{BlockSource, FitObserver, Input, ParameterSet, information_criteria};
use mixture_output::shown;
use serde_json::json;

/// Refuses, before any data are read, what a variational fit does not take.
pub(super) fn check(a: &FitArgs, family: &AnyFamily) -> Result<(), CliError> {
    if !AnyFamily::VARIATIONAL_NAMES.contains(&family.name()) {
        return Err(CliError::input(format!(
            "--variational fits the {} families, not {}",
            AnyFamily::VARIATIONAL_NAMES.join(", "),
            family.name()
        )));
    }
    if a.fix.is_some() || a.init_parts.is_some() {
        return Err(CliError::input(
            "--variational estimates every parameter's posterior: drop --fix and --init-parts \
             (--init-model alone starts from that model's responsibilities)",
        ));
    }
    if let Some(c) = a.weight_concentration
        && !(c.is_finite() && c > 0.0)
    {
        return Err(CliError::input(format!(
            "--weight-concentration {c} is invalid: it must be positive and finite"
        )));
    }
    Ok(())
}

/// What the variational fit needs beside the options.
pub(super) struct Fit<'a, 'i, T: Value> {
    pub weight_prior: WeightPriorType,
    pub start: Option<&'a AnyMixture<T>>,
    pub input: &'a mut FitInput<'i, T>,
    pub n_cols: usize,
    pub streamed: bool,
    pub groups: Groups,
    pub family: &'a AnyFamily,
}

/// The fit, with the family's default prior.
struct Task<'a, 'i, T: Value> {
    a: &'a FitArgs,
    weight_prior: WeightPriorType,
    start: Option<&'a AnyMixture<T>>,
    input: &'a mut FitInput<'i, T>,
    observer: &'a mut dyn FitObserver,
}

impl<T: Value> VariationalTask<T> for Task<'_, '_, T> {
    type Output = Result<AnyVariationalFit<T>, CliError>;

    fn run<F: ConjugateFamily<T>>(self, family: F) -> Self::Output {
        let a = self.a;
        let est = estimator(a, family, ParameterSet::NONE);
        let prior = VariationalPrior {
            weight_prior: self.weight_prior,
            weight_concentration: a.weight_concentration,
            components: F::Prior::default(),
        };
        let start = self
            .start
            .and_then(|s| s.as_family::<F::Components>())
            .map(VariationalStart::Responsibilities);
        let input = match self.input {
            FitInput::Memory(data) => Input::Memory(*data),
            FitInput::Stream { x, w } => Input::Stream {
                x: &mut **x,
                w: w.as_deref_mut().map(|w| w as &mut dyn BlockSource<f64>),
            },
        };
        est.fit_variational(input, &prior, start, self.observer)
            .map(AnyVariationalFit::from)
            .map_err(|e| data_error(e, &a.input, a.weights.as_deref()))
    }
}

pub(super) fn run<T: Value>(
    a: &FitArgs,
    fit: Fit<'_, '_, T>,
    observer: &mut Observers,
) -> Result<(), CliError> {
    let weight_prior = fit.weight_prior;
    let fitted = fit
        .family
        .run_variational(Task {
            a,
            weight_prior,
            start: fit.start,
            input: fit.input,
            observer,
        })
        .ok_or_else(|| CliError::input("--variational: this family has no conjugate prior"))??;
    let report = &fitted.report;
    let model = &fitted.mixture;
    let (k, n_parameters, weights) =
        with_mixture!(model, m => (m.n_components(), m.n_parameters(), m.weights().to_vec()));
    // BIC and AIC of the posterior mean mixture (its log-likelihood from the fit's last pass).
    let (bic, aic) = information_criteria(fitted.log_likelihood, n_parameters, report.weight_total);
    let effective = fitted.effective_components(1.0);
    if let Some(path) = &a.model {
        let mut options = options_record(a, fit.family, fit.groups);
        options.insert(
            "variational".into(),
            json!(weight_prior.scikit_learn_name()),
        );
        let mut record = FitRecord::new(
            report,
            Some(a.input.display().to_string()),
            a.weights.as_ref().map(|w| w.display().to_string()),
            a.seed,
            options,
        );
        record.log_likelihood = fitted.log_likelihood;
        let text =
            model_file::to_json_with(model, Some(&record), Some(&PosteriorRecord::new(&fitted)));
        OutputFile::write_all(path, text.as_bytes())?;
    }
    if a.json {
        say(json!({
            "variational": weight_prior.scikit_learn_name(),
            "lower_bound": fitted.lower_bound(),
            "evidence_bound": fitted.evidence_bound,
            "log_likelihood": fitted.log_likelihood,
            "mean_log_likelihood": fitted.log_likelihood / report.weight_total,
            "n_iter": report.n_iter,
            "converged": report.converged,
            "bic": bic,
            "aic": aic,
            "effective_components": effective,
            "weights": weights,
            "weight_concentration_prior": fitted.weights.prior(),
            "n_samples": report.n_samples,
            "weight_total": report.weight_total,
            "weights_file": a.weights.as_ref().map(|p| p.display().to_string()),
            "n_features": fit.n_cols,
            "streamed": fit.streamed,
            "n_components": k,
            "family": model.family(),
            "precision": T::NAME,
            "model": a.model.as_ref().map(|p| p.display().to_string()),
        }));
        return Ok(());
    }
    say(format!(
        "{} after {} iterations",
        if report.converged {
            "Converged"
        } else {
            "Stopped (max_iter reached, not converged)"
        },
        report.n_iter
    ));
    say(format!(
        "lower bound = {:.4} nats ({} prior on the weights, concentration {}); with every constant, ELBO = {:.4} nats (a lower bound on ln p(X) that compares K and models)",
        fitted.lower_bound(),
        weight_prior.scikit_learn_name(),
        fitted.weights.prior(),
        fitted.evidence_bound
    ));
    say(format!(
        "{effective} of {k} components hold at least one row's weight; weights {}",
        weights
            .iter()
            .map(|w| format!("{w:.4}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    say(format!(
        "posterior mean mixture: log[p(X)] = {:.4} nats, BIC = {bic:.4}, AIC = {aic:.4}",
        fitted.log_likelihood
    ));
    if let Some(path) = &a.model {
        say(format!("model written to {}", shown(path)));
    }
    Ok(())
}
