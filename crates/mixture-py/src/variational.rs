//! Variational fits from Python ([`fit_variational()`]), for `BayesianGaussianMixture`, of any
//! family with a conjugate prior (through the registry).

use crate::arrays::{Value, readonly, rows, value_error, weights};
use crate::chunks::PyChunks;
use crate::fit::{
    FamilySpec, Input, PyObserver, Spec, choice, fit_error, interruptible, is_f32, report_dict,
};
use crate::model::Model;
use mixture::core::Data;
use mixture::core::variational::{
    VariationalPrior, VariationalStart, WeightPosterior, WeightPriorType,
};
use mixture::registry::{AnyVariationalFit, ConjugateFamily, VariationalTask};
use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The prior, as the Python layer passes it: the weights' (scikit-learn's names) and the
/// components' in their family's serde form (`None` values take the defaults).
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct PriorSpec {
    weight_concentration_prior_type: String,
    #[pyo3(default)]
    weight_concentration_prior: Option<f64>,
    components: FamilySpec,
}

impl PriorSpec {
    fn weight_prior(&self) -> PyResult<WeightPriorType> {
        choice::<WeightPriorType>(
            "weight_concentration_prior_type",
            &self.weight_concentration_prior_type,
        )
    }
}

/// A warm start: a previous fit's weights' posterior, its components' posterior (the family's
/// serde form) and its lower bound.
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct PosteriorSpec {
    weight_concentration: Vec<f64>,
    components: FamilySpec,
    #[pyo3(default)]
    previous_bound: Option<f64>,
}

/// The fit, with the prior and start read in the family's serde forms.
struct Task<'a, 'c, T> {
    spec: &'a Spec,
    prior: &'a PriorSpec,
    start: Option<&'a PosteriorSpec>,
    input: Input<'a, T>,
    observer: &'a mut PyObserver<'c>,
}

impl<T: Value> VariationalTask<T> for Task<'_, '_, T> {
    type Output = PyResult<Result<AnyVariationalFit<T>, mixture::core::MixtureError>>;

    fn run<F: ConjugateFamily<T>>(self, family: F) -> Self::Output {
        let est = self.spec.estimator::<T, F>(family)?;
        let weight_prior = self.prior.weight_prior()?;
        let components: F::Prior = serde_json::from_value(self.prior.components.value())
            .map_err(|e| PyValueError::new_err(format!("the components' prior: {e}")))?;
        let prior = VariationalPrior {
            weight_prior,
            weight_concentration: self.prior.weight_concentration_prior,
            components,
        };
        let start = match self.start {
            None => None,
            Some(s) => {
                let components: F::Posterior = serde_json::from_value(s.components.value())
                    .map_err(|e| PyValueError::new_err(format!("the start's posterior: {e}")))?;
                let k = match weight_prior {
                    WeightPriorType::DirichletProcess => s.weight_concentration.len() / 2,
                    _ => s.weight_concentration.len(),
                };
                // The concentration prior is the fit's: the engine sets it.
                let weights = WeightPosterior::from_concentration(
                    weight_prior,
                    1.0,
                    k,
                    s.weight_concentration.clone(),
                )
                .map_err(value_error)?;
                Some(VariationalStart::Posterior {
                    weights,
                    components,
                    previous: s.previous_bound,
                })
            }
        };
        let fitted = match self.input {
            Input::Memory(data) => est.fit_variational(data, &prior, start, self.observer),
            Input::Chunked(chunks) => est.fit_variational(
                mixture::core::Input::Chunked(chunks),
                &prior,
                start,
                self.observer,
            ),
        };
        Ok(fitted.map(AnyVariationalFit::from))
    }
}

fn fit_input<T: Value>(
    py: Python<'_>,
    input: Input<'_, T>,
    spec: &Spec,
    prior: &PriorSpec,
    start: Option<&PosteriorSpec>,
    observer: Option<Py<PyAny>>,
    n_threads: Option<usize>,
) -> PyResult<AnyVariationalFit<T>> {
    let family = spec.family()?;
    let name = family.name();
    let fitted = interruptible(py, n_threads, |cancel| {
        let mut observer = PyObserver::new(observer, cancel);
        let fitted = family.run_variational(Task {
            spec,
            prior,
            start,
            input,
            observer: &mut observer,
        });
        match observer.take_error() {
            Some(e) => Err(e),
            None => Ok(fitted),
        }
    })??;
    let fitted = fitted.ok_or_else(|| {
        PyValueError::new_err(format!("the {name} family has no variational fit"))
    })??;
    fitted.map_err(fit_error)
}

/// The report dict of a variational fit: [`report_dict`]'s keys, the lower bound, the
/// scoring normaliser, the posterior and the resolved prior (arrays flattened).
fn variational_dict<'py, T: Value>(
    py: Python<'py>,
    fit: &AnyVariationalFit<T>,
) -> PyResult<(Model, Model, Bound<'py, PyDict>)> {
    let d = report_dict(py, &fit.report)?;
    d.set_item("lower_bound", fit.lower_bound())?;
    d.set_item("evidence_bound", fit.evidence_bound)?;
    d.set_item("log_normaliser", fit.log_normaliser)?;
    d.set_item("log_likelihood_posterior_mean", fit.log_likelihood)?;
    d.set_item("weight_concentration", fit.weights.concentration().to_vec())?;
    d.set_item("weight_concentration_prior", fit.weights.prior())?;
    let json = py.import("json")?;
    d.set_item(
        "posterior",
        json.call_method1("loads", (fit.posterior.to_string(),))?,
    )?;
    d.set_item(
        "prior",
        json.call_method1("loads", (fit.prior.to_string(),))?,
    )?;
    Ok((
        Model::new(fit.scoring.clone()),
        Model::new(fit.mixture.clone()),
        d,
    ))
}

fn fit_typed<'py, T: Value>(
    x: &Bound<'py, PyAny>,
    spec: &Spec,
    prior: &PriorSpec,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    start: Option<&PosteriorSpec>,
    observer: Option<Py<PyAny>>,
    n_threads: Option<usize>,
) -> PyResult<(Model, Model, Bound<'py, PyDict>)> {
    let array = readonly::<T>(x)?;
    let data = Data::new(rows(&array)?, weights(&sample_weight)?);
    let fit = fit_input(
        x.py(),
        Input::Memory(data),
        spec,
        prior,
        start,
        observer,
        n_threads,
    )?;
    variational_dict(x.py(), &fit)
}

/// Fits a variational Bayesian mixture (of the spec's family) to `x` (N×D, float32 or float64) as `spec`
/// and `prior` say, from the posterior `start` when given (a warm start), with optional
/// `sample_weight`. Returns the scoring model (its responsibilities are the variational
/// E-step's; its log-density plus `report["log_normaliser"]` is scikit-learn's
/// `score_samples`), the posterior-mean model (`weights_`, `means_`, `covariances_`) and the
/// report with the posterior and the resolved prior.
#[pyfunction]
#[pyo3(signature = (x, spec, prior, sample_weight=None, start=None, observer=None, n_threads=None))]
#[allow(clippy::too_many_arguments)]
pub fn fit_variational<'py>(
    x: &Bound<'py, PyAny>,
    spec: Spec,
    prior: PriorSpec,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    start: Option<PosteriorSpec>,
    observer: Option<Py<PyAny>>,
    n_threads: Option<usize>,
) -> PyResult<(Model, Model, Bound<'py, PyDict>)> {
    let start = start.as_ref();
    if is_f32(x) {
        fit_typed::<f32>(x, &spec, &prior, sample_weight, start, observer, n_threads)
    } else {
        fit_typed::<f64>(x, &spec, &prior, sample_weight, start, observer, n_threads)
    }
}

/// [`fit_variational()`] over data held in chunks elsewhere (the Dask twin), computing in
/// `dtype`: every pass's request goes to `runner.run(request: bytes) -> bytes`, as
/// `fit_chunked`'s. Returns what [`fit_variational()`] returns.
#[pyfunction]
#[pyo3(signature = (spec, prior, dtype, n_features, runner, start=None, observer=None))]
#[allow(clippy::too_many_arguments)]
pub fn fit_variational_chunked<'py>(
    py: Python<'py>,
    spec: Spec,
    prior: PriorSpec,
    dtype: &str,
    n_features: usize,
    runner: Py<PyAny>,
    start: Option<PosteriorSpec>,
    observer: Option<Py<PyAny>>,
) -> PyResult<(Model, Model, Bound<'py, PyDict>)> {
    let mut chunks = PyChunks {
        runner,
        n_features,
        error: None,
    };
    let start = start.as_ref();
    let fitted = match dtype {
        "float64" => fit_input::<f64>(
            py,
            Input::Chunked(&mut chunks),
            &spec,
            &prior,
            start,
            observer,
            None,
        )
        .and_then(|f| variational_dict(py, &f)),
        "float32" => fit_input::<f32>(
            py,
            Input::Chunked(&mut chunks),
            &spec,
            &prior,
            start,
            observer,
            None,
        )
        .and_then(|f| variational_dict(py, &f)),
        other => {
            return Err(PyValueError::new_err(format!(
                "dtype = {other:?} is invalid: use 'float32' or 'float64'"
            )));
        }
    };
    // The runner's own exception (a worker's error, a lost chunk) rather than its message.
    if let Some(e) = chunks.error.take() {
        return Err(e);
    }
    fitted
}
