//! Variational fits from Python ([`fit_variational()`]), for `BayesianGaussianMixture`.

use crate::arrays::{Value, readonly, rows, value_error, weights};
use crate::chunks::PyChunks;
use crate::fit::{Input, PyObserver, Spec, fit_error, interruptible, is_f32, report_dict};
use crate::model::Model;
use mixture::core::Data;
use mixture::core::variational::{
    VariationalFit, VariationalPrior, VariationalStart, WeightPosterior, WeightPriorType,
};
use mixture::gauss::{Gaussian, GaussianPosterior, GaussianPrior};
use mixture::registry::AnyFamily;
use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The prior, as the Python layer passes it (scikit-learn's parameter names; `None` for a
/// default from the data).
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct PriorSpec {
    weight_concentration_prior_type: String,
    #[pyo3(default)]
    weight_concentration_prior: Option<f64>,
    #[pyo3(default)]
    mean_precision_prior: Option<f64>,
    #[pyo3(default)]
    mean_prior: Option<Vec<f64>>,
    #[pyo3(default)]
    degrees_of_freedom_prior: Option<f64>,
    /// Flattened: D×D, D or 1 values.
    #[pyo3(default)]
    covariance_prior: Option<Vec<f64>>,
}

impl PriorSpec {
    fn prior(&self) -> PyResult<VariationalPrior<GaussianPrior>> {
        let weight_prior = match self.weight_concentration_prior_type.as_str() {
            "dirichlet_process" => WeightPriorType::DirichletProcess,
            "dirichlet_distribution" => WeightPriorType::DirichletDistribution,
            other => {
                return Err(PyValueError::new_err(format!(
                    "weight_concentration_prior_type = {other:?} is invalid: use 'dirichlet_process' or 'dirichlet_distribution'"
                )));
            }
        };
        Ok(VariationalPrior {
            weight_prior,
            weight_concentration: self.weight_concentration_prior,
            components: GaussianPrior {
                mean_precision: self.mean_precision_prior,
                mean: self.mean_prior.clone(),
                degrees_of_freedom: self.degrees_of_freedom_prior,
                covariance: self.covariance_prior.clone(),
            },
        })
    }
}

/// A warm start: a previous fit's posterior (scikit-learn's fitted attributes, flattened) and
/// its lower bound.
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct PosteriorSpec {
    weight_concentration: Vec<f64>,
    mean_precision: Vec<f64>,
    degrees_of_freedom: Vec<f64>,
    means: Vec<f64>,
    covariances: Vec<f64>,
    #[pyo3(default)]
    previous_bound: Option<f64>,
}

/// The Gaussian family the spec names; variational fits have no other yet.
fn gaussian(spec: &Spec) -> PyResult<Gaussian> {
    match spec.family()? {
        AnyFamily::Gaussian(g) => Ok(g),
        other => Err(PyValueError::new_err(format!(
            "variational fits are for the gaussian family, not {}",
            other.name()
        ))),
    }
}

type Fitted<T> = (Model, Model, VariationalFit<T, Gaussian>);

fn fit_input<T: Value>(
    py: Python<'_>,
    input: Input<'_, T>,
    spec: &Spec,
    prior: &PriorSpec,
    start: Option<&PosteriorSpec>,
    observer: Option<Py<PyAny>>,
    n_threads: Option<usize>,
) -> PyResult<Fitted<T>> {
    let family = gaussian(spec)?;
    let est = spec.estimator::<T, Gaussian>(family)?;
    let prior = prior.prior()?;
    let start = start
        .map(|s| -> PyResult<VariationalStart<'_, T, Gaussian>> {
            let k = s.mean_precision.len();
            let components = GaussianPosterior::new(
                family.covariance_type(),
                s.mean_precision.clone(),
                s.degrees_of_freedom.clone(),
                s.means.clone(),
                s.covariances.clone(),
            )
            .map_err(value_error)?;
            // The concentration prior is the fit's: checked and set by the engine.
            let weights = WeightPosterior::from_concentration(
                prior.weight_prior,
                1.0,
                k,
                s.weight_concentration.clone(),
            )
            .map_err(value_error)?;
            Ok(VariationalStart::Posterior {
                weights,
                components,
                previous: s.previous_bound,
            })
        })
        .transpose()?;
    let fitted = interruptible(py, n_threads, |cancel| {
        let mut observer = PyObserver::new(observer, cancel);
        let fitted = match input {
            Input::Memory(data) => est.fit_variational(data, &prior, start, &mut observer),
            Input::Chunked(chunks) => est.fit_variational(
                mixture::core::Input::Chunked(chunks),
                &prior,
                start,
                &mut observer,
            ),
        };
        match observer.take_error() {
            Some(e) => Err(e),
            None => Ok(fitted),
        }
    })??;
    let fitted = fitted.map_err(fit_error)?;
    Ok((
        Model::new(fitted.scoring.clone()),
        Model::new(fitted.mixture.clone()),
        fitted,
    ))
}

/// The report dict of a variational fit: [`report_dict`]'s keys, the lower bound, the
/// scoring normaliser, the posterior and the resolved prior (arrays flattened).
fn variational_dict<'py, T: Value>(
    py: Python<'py>,
    fit: &VariationalFit<T, Gaussian>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = report_dict(py, &fit.report)?;
    d.set_item("lower_bound", fit.lower_bound())?;
    d.set_item("log_normaliser", fit.log_normaliser)?;
    d.set_item("weight_concentration", fit.weights.concentration().to_vec())?;
    let p = &fit.posterior;
    d.set_item("mean_precision", p.mean_precision().to_vec())?;
    d.set_item("degrees_of_freedom", p.degrees_of_freedom().to_vec())?;
    d.set_item("posterior_means", p.means().to_vec())?;
    d.set_item("posterior_covariances", p.covariances().to_vec())?;
    let prior = &fit.prior;
    d.set_item("weight_concentration_prior", prior.weight_concentration)?;
    d.set_item("mean_precision_prior", prior.components.mean_precision)?;
    d.set_item("mean_prior", prior.components.mean.clone())?;
    d.set_item(
        "degrees_of_freedom_prior",
        prior.components.degrees_of_freedom,
    )?;
    d.set_item("covariance_prior", prior.components.covariance.clone())?;
    Ok(d)
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
    let (scoring, reported, fit) = fit_input(
        x.py(),
        Input::Memory(data),
        spec,
        prior,
        start,
        observer,
        n_threads,
    )?;
    Ok((scoring, reported, variational_dict(x.py(), &fit)?))
}

/// Fits a variational Bayesian Gaussian mixture to `x` (N×D, float32 or float64) as `spec`
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
    let input = Input::Chunked(&mut chunks);
    let fitted = match dtype {
        "float64" => fit_input::<f64>(py, input, &spec, &prior, start, observer, None)
            .and_then(|(s, r, f)| Ok((s, r, variational_dict(py, &f)?))),
        "float32" => fit_input::<f32>(
            py,
            Input::Chunked(&mut chunks),
            &spec,
            &prior,
            start,
            observer,
            None,
        )
        .and_then(|(s, r, f)| Ok((s, r, variational_dict(py, &f)?))),
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
