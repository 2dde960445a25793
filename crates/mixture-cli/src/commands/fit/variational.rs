//! `mixture fit --variational`: a variational Bayesian Gaussian mixture.

use super::{FitInput, Groups, Observers, estimator, options_record};
use crate::args::FitArgs;
use crate::commands::{data_error, say};
use crate::error::CliError;
use crate::files::{OutputFile, Value};
use mixture::gauss::{CovarianceType, Gaussian, GaussianMixture, GaussianPrior};
use mixture::model_file::{self, AnyMixture, FitRecord, PosteriorRecord};
use mixture::registry::AnyFamily;
use mixture_core::variational::{VariationalPrior, VariationalStart, WeightPriorType};
use mixture_core::{BlockSource, Input, ParameterSet, information_criteria};
use mixture_output::shown;
use serde_json::json;

/// The weights' prior `--variational` names.
fn weight_prior(name: &str) -> WeightPriorType {
    match name {
        "dirichlet" => WeightPriorType::DirichletDistribution,
        _ => WeightPriorType::DirichletProcess,
    }
}

/// Refuses, before any data are read, what a variational fit does not take.
pub(super) fn check(a: &FitArgs, family: &AnyFamily) -> Result<(), CliError> {
    let AnyFamily::Gaussian(g) = family else {
        return Err(CliError::input(format!(
            "--variational fits the gaussian family, not {}",
            family.name()
        )));
    };
    if !CovarianceType::SCIKIT_LEARN.contains(&g.covariance_type()) {
        return Err(CliError::input(format!(
            "--variational takes --covariance full, diag, spherical or tied, not {}",
            g.covariance_type().name()
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
    pub gaussian: Gaussian,
    pub weight_prior: &'a str,
    pub start: Option<&'a GaussianMixture<T>>,
    pub input: &'a mut FitInput<'i, T>,
    pub n_cols: usize,
    pub streamed: bool,
    pub groups: Groups,
    pub family: &'a AnyFamily,
}

pub(super) fn run<T: Value>(
    a: &FitArgs,
    fit: Fit<'_, '_, T>,
    observer: &mut Observers,
) -> Result<(), CliError> {
    let est = estimator(a, fit.gaussian, ParameterSet::NONE);
    let prior = VariationalPrior {
        weight_prior: weight_prior(fit.weight_prior),
        weight_concentration: a.weight_concentration,
        components: GaussianPrior::default(),
    };
    let start = fit.start.map(VariationalStart::Responsibilities);
    let input = match fit.input {
        FitInput::Memory(data) => Input::Memory(*data),
        FitInput::Stream { x, w } => Input::Stream {
            x: &mut **x,
            w: w.as_deref_mut().map(|w| w as &mut dyn BlockSource<f64>),
        },
    };
    let fitted = est
        .fit_variational(input, &prior, start, observer)
        .map_err(|e| data_error(e, &a.input, a.weights.as_deref()))?;
    let report = &fitted.report;
    let model = AnyMixture::from(fitted.mixture.clone());
    let k = fitted.mixture.n_components();
    // BIC and AIC of the posterior mean mixture (its log-likelihood from the fit's last pass).
    let (bic, aic) = information_criteria(
        fitted.log_likelihood,
        fitted.mixture.n_parameters(),
        report.weight_total,
    );
    let effective = fitted.effective_components(1.0);
    if let Some(path) = &a.model {
        let mut options = options_record(a, fit.family, fit.groups);
        options.insert("variational".into(), json!(prior.weight_prior.name()));
        let mut record = FitRecord::new(
            report,
            Some(a.input.display().to_string()),
            a.weights.as_ref().map(|w| w.display().to_string()),
            a.seed,
            options,
        );
        record.log_likelihood = fitted.log_likelihood;
        let text =
            model_file::to_json_with(&model, Some(&record), Some(&PosteriorRecord::new(&fitted)));
        OutputFile::write_all(path, text.as_bytes())?;
    }
    if a.json {
        say(json!({
            "variational": prior.weight_prior.name(),
            "lower_bound": fitted.lower_bound(),
            "log_likelihood": fitted.log_likelihood,
            "mean_log_likelihood": fitted.log_likelihood / report.weight_total,
            "n_iter": report.n_iter,
            "converged": report.converged,
            "bic": bic,
            "aic": aic,
            "effective_components": effective,
            "weights": fitted.mixture.weights(),
            "weight_concentration_prior": fitted.weights.prior(),
            "n_samples": report.n_samples,
            "weight_total": report.weight_total,
            "weights_file": a.weights.as_ref().map(|p| p.display().to_string()),
            "n_features": fit.n_cols,
            "streamed": fit.streamed,
            "n_components": k,
            "family": "gaussian",
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
        "lower bound = {:.4} nats ({} prior on the weights, concentration {})",
        fitted.lower_bound(),
        prior.weight_prior.name(),
        fitted.weights.prior()
    ));
    say(format!(
        "{effective} of {k} components hold at least one row's weight; weights {}",
        fitted
            .mixture
            .weights()
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
