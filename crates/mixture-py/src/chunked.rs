//! Fits over chunks held elsewhere (`mixture_em.dask`): [`chunk()`] answers a pass's request
//! for one chunk (on a worker), [`merge_chunks()`] joins two neighbours' answers,
//! [`fit_chunked()`] runs the fit here, sending each pass's request to a Python object that
//! gets it answered by every chunk and merged, and [`score_chunked()`] scores a model the
//! same way. Requests and answers travel as JSON bytes (every `f64` exact).

use crate::arrays::{Value, readonly, rows, value_error, weights};
use crate::fit::{Input, Spec, fit_input, report_dict};
use crate::model::Model;
use mixture::core::serde::Serialize;
use mixture::core::serde::de::DeserializeOwned;
use mixture::core::{
    ChunkRequest, ChunkResult, ChunkedData, Data, Estimator, Family, MixtureError, Responsibilities,
};
use mixture::model_file::AnyMixture;
use mixture::registry::{AnyFamily, Registered};
use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

/// The chunks of a fit: a Python object whose `run(request: bytes) -> bytes` gets every chunk's
/// [`chunk()`] answer and merges them in chunk order ([`merge_chunks()`], level by level).
pub(crate) struct PyChunks {
    runner: Py<PyAny>,
    n_features: usize,
    /// The runner's exception, raised again when the fit returns.
    error: Option<PyErr>,
}

impl<T: Value, F: Family<T>> ChunkedData<T, F> for PyChunks
where
    ChunkRequest<T, F::Components>: Serialize,
    ChunkResult<F::Stats>: DeserializeOwned,
{
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn run(
        &mut self,
        request: &ChunkRequest<T, F::Components>,
    ) -> mixture::core::Result<ChunkResult<F::Stats>> {
        let failed = |message: String| MixtureError::Source { message };
        let request = serde_json::to_vec(request).map_err(|e| failed(e.to_string()))?;
        let answer = Python::attach(|py| -> PyResult<Vec<u8>> {
            let bytes = PyBytes::new(py, &request);
            self.runner.call_method1(py, "run", (bytes,))?.extract(py)
        });
        match answer {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| failed(format!("the chunks' answer cannot be read: {e}"))),
            Err(e) => {
                let message = e.to_string();
                self.error = Some(e);
                Err(failed(message))
            }
        }
    }
}

/// Runs `$body` with `$est` bound to the estimator `spec` asks for, `$T` to the scalar type of
/// `dtype` and `$F` to its family.
macro_rules! with_estimator {
    ($spec:expr, $dtype:expr, $est:ident, $T:ident => $body:expr) => {{
        let spec: &Spec = $spec;
        macro_rules! typed {
            ($ty:ty) => {{
                #[allow(dead_code)]
                type $T = $ty;
                match spec.family()? {
                    AnyFamily::Gaussian(f) => {
                        let $est = spec.estimator(f)?;
                        $body
                    }
                    AnyFamily::Bernoulli(f) => {
                        let $est = spec.estimator(f)?;
                        $body
                    }
                    AnyFamily::Exponential(f) => {
                        let $est = spec.estimator(f)?;
                        $body
                    }
                }
            }};
        }
        match $dtype {
            "float64" => typed!(f64),
            "float32" => typed!(f32),
            other => {
                return Err(PyValueError::new_err(format!(
                    "dtype = {other:?} is invalid: use 'float32' or 'float64'"
                )));
            }
        }
    }};
}

fn read<V: DeserializeOwned>(what: &str, bytes: &[u8]) -> PyResult<V> {
    serde_json::from_slice(bytes)
        .map_err(|e| PyValueError::new_err(format!("{what} cannot be read: {e}")))
}

fn write<V: Serialize>(py: Python<'_>, value: &V) -> PyResult<Py<PyBytes>> {
    let bytes = serde_json::to_vec(value).map_err(value_error)?;
    Ok(PyBytes::new(py, &bytes).unbind())
}

/// One chunk's answer to `request` (bytes from the fit): `x` is the chunk (its rows in the
/// fit's dtype, C order), `sample_weight` its weights, `first_row` the index of its first row
/// in the whole data.
#[pyfunction]
#[pyo3(signature = (spec, request, x, sample_weight=None, first_row=0))]
pub fn chunk<'py>(
    spec: Spec,
    request: &[u8],
    x: &Bound<'py, PyAny>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    first_row: usize,
) -> PyResult<Py<PyBytes>> {
    fn answer<T: Value, F: Family<T>>(
        est: &Estimator<F>,
        request: &[u8],
        x: &Bound<'_, PyAny>,
        w: Option<PyReadonlyArray1<'_, f64>>,
        first_row: usize,
    ) -> PyResult<Py<PyBytes>>
    where
        ChunkRequest<T, F::Components>: DeserializeOwned,
        ChunkResult<F::Stats>: Serialize,
    {
        let request: ChunkRequest<T, F::Components> = read("the request", request)?;
        let array = readonly::<T>(x)?;
        let data = Data::new(rows(&array)?, weights(&w)?);
        let py = x.py();
        let result = py
            .detach(|| est.chunk(&request, data, first_row))
            .map_err(value_error)?;
        write(py, &result)
    }
    let dtype = if x.cast::<numpy::PyArray2<f32>>().is_ok() {
        "float32"
    } else {
        "float64"
    };
    with_estimator!(&spec, dtype, est, T => answer::<T, _>(&est, request, x, sample_weight, first_row))
}

/// The answers of two neighbouring runs of chunks, `left` before `right`, merged.
#[pyfunction]
pub fn merge_chunks(
    py: Python<'_>,
    spec: Spec,
    dtype: &str,
    left: &[u8],
    right: &[u8],
) -> PyResult<Py<PyBytes>> {
    fn merged<T: Value, F: Family<T>>(
        _family_of: &Estimator<F>,
        py: Python<'_>,
        left: &[u8],
        right: &[u8],
    ) -> PyResult<Py<PyBytes>>
    where
        ChunkResult<F::Stats>: Serialize + DeserializeOwned,
    {
        let mut a: ChunkResult<F::Stats> = read("the left answer", left)?;
        let b: ChunkResult<F::Stats> = read("the right answer", right)?;
        a.merge(&b).map_err(value_error)?;
        write(py, &a)
    }
    with_estimator!(&spec, dtype, est, T => merged::<T, _>(&est, py, left, right))
}

/// Fits data held in chunks elsewhere as `spec` says, computing in `dtype`: every pass's
/// request goes to `runner.run(request: bytes) -> bytes`, which returns the chunks' merged
/// answers. From `start` when given. Returns the model and the report, as `fit`.
#[pyfunction]
#[pyo3(signature = (spec, dtype, n_features, runner, start=None, observer=None))]
pub fn fit_chunked<'py>(
    py: Python<'py>,
    spec: Spec,
    dtype: &str,
    n_features: usize,
    runner: Py<PyAny>,
    start: Option<PyRef<'py, Model>>,
    observer: Option<Py<PyAny>>,
) -> PyResult<(Model, Bound<'py, PyDict>)> {
    let mut chunks = PyChunks {
        runner,
        n_features,
        error: None,
    };
    let start = start.as_deref();
    let fitted = match dtype {
        "float64" => fit_input::<f64>(
            py,
            Input::Chunked(&mut chunks),
            &spec,
            start,
            observer,
            None,
            false,
        ),
        "float32" => fit_input::<f32>(
            py,
            Input::Chunked(&mut chunks),
            &spec,
            start,
            observer,
            None,
            false,
        ),
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
    let (model, report) = fitted?;
    let report = report.expect("a fit reports");
    Ok((model, report_dict(py, &report)?))
}

/// The log-likelihood of `model` on data held in chunks (`runner` as [`fit_chunked()`]), and
/// the rows' total weight and count: `(log_likelihood, weight_total, n_rows)`.
#[pyfunction]
pub fn score_chunked(
    spec: Spec,
    model: PyRef<'_, Model>,
    runner: Py<PyAny>,
) -> PyResult<(f64, f64, usize)> {
    fn score<T: Value, F: Family<T>>(
        _family_of: &Estimator<F>,
        model: &AnyMixture<T>,
        runner: Py<PyAny>,
    ) -> PyResult<(f64, f64, usize)>
    where
        F::Components: Registered<T>,
        PyChunks: ChunkedData<T, F>,
    {
        let model = <F::Components as Registered<T>>::of(model).ok_or_else(|| {
            PyValueError::new_err(format!(
                "the model is {}, not the family scored",
                model.family()
            ))
        })?;
        let mut chunks = PyChunks {
            runner,
            n_features: model.n_features(),
            error: None,
        };
        let request = ChunkRequest::Statistics {
            n_features: model.n_features(),
            source: Responsibilities::Model(model.clone()),
            accumulate: false,
        };
        match ChunkedData::<T, F>::run(&mut chunks, &request) {
            Ok(ChunkResult::Statistics(s)) => {
                Ok((s.log_likelihood(), s.weight_total(), s.n_rows()))
            }
            Ok(_) => Err(PyValueError::new_err(
                "the chunks answered with something else than statistics",
            )),
            Err(e) => Err(chunks.error.take().unwrap_or_else(|| value_error(e))),
        }
    }
    let dtype = crate::model::dtype_name(model.inner.precision());
    let inner = model.inner.clone();
    with_estimator!(&spec, dtype, est, T => {
        let typed = inner.to_precision::<T>().map_err(value_error)?;
        score::<T, _>(&est, &typed, runner)
    })
}
