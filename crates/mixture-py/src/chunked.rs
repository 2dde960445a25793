//! Fits over chunks held elsewhere (`mixture_em.dask`): [`chunk()`] answers a pass's request
//! for one chunk (on a worker), [`merge_chunks()`] joins neighbours' answers in the engine's
//! merge order,
//! [`fit_chunked()`] runs the fit here, sending each pass's request to a Python object that
//! gets it answered by every chunk and merged, and [`score_chunked()`] scores a model the
//! same way. Requests and answers travel as JSON bytes (every `f64` exact).

use crate::arrays::{Value, readonly, rows, value_error, weights};
use crate::chunks::PyChunks;
use crate::fit::{Input, Spec, fit_input, report_dict};
use crate::model::Model;
use mixture::core::serde::Serialize;
use mixture::core::serde::de::DeserializeOwned;
use mixture::core::{
    Data,
    chunked::{ChunkRequest, ChunkResult, ChunkedData, Responsibilities, merge_in_tree_order},
};
use mixture::model_file::AnyModel;
use mixture::registry::{FamilyTask, RegisteredFamily};
use numpy::PyReadonlyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

/// Runs `task` with the family `spec` names, in the precision `dtype` names.
fn on_family<R, W>(spec: &Spec, dtype: &str, task: W) -> PyResult<R>
where
    W: FamilyTask<f64, Output = PyResult<R>> + FamilyTask<f32, Output = PyResult<R>>,
{
    let family = spec.family()?;
    match dtype {
        "float64" => family.run::<f64, _>(task),
        "float32" => family.run::<f32, _>(task),
        other => Err(PyValueError::new_err(format!(
            "dtype = {other:?} is invalid: use 'float32' or 'float64'"
        ))),
    }
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
    struct Answer<'a, 'py> {
        spec: &'a Spec,
        request: &'a [u8],
        x: &'a Bound<'py, PyAny>,
        w: Option<PyReadonlyArray1<'py, f64>>,
        first_row: usize,
    }
    impl<T: Value> FamilyTask<T> for Answer<'_, '_> {
        type Output = PyResult<Py<PyBytes>>;
        fn run<F: RegisteredFamily<T>>(self, family: F) -> Self::Output {
            let est = self.spec.estimator::<T, F>(family)?;
            let request: ChunkRequest<T, F::Components> = read("the request", self.request)?;
            let array = readonly::<T>(self.x)?;
            let data = Data::new(rows(&array)?, weights(&self.w)?);
            let py = self.x.py();
            let result = py
                .detach(|| est.chunk(&request, data, self.first_row))
                .map_err(value_error)?;
            write(py, &result)
        }
    }
    let dtype = if x.cast::<numpy::PyArray2<f32>>().is_ok() {
        "float32"
    } else {
        "float64"
    };
    let task = Answer {
        spec: &spec,
        request,
        x,
        w: sample_weight,
        first_row,
    };
    on_family(&spec, dtype, task)
}

/// The answers of neighbouring runs of chunks (in chunk order) merged in the order of the
/// engine's merge tree: what a cluster's reduction over them must give.
#[pyfunction]
pub fn merge_chunks(
    py: Python<'_>,
    spec: Spec,
    dtype: &str,
    answers: Vec<Vec<u8>>,
) -> PyResult<Py<PyBytes>> {
    struct Merge<'py> {
        py: Python<'py>,
        answers: Vec<Vec<u8>>,
    }
    impl<T: Value> FamilyTask<T> for Merge<'_> {
        type Output = PyResult<Py<PyBytes>>;
        fn run<F: RegisteredFamily<T>>(self, _family: F) -> Self::Output {
            let answers = self
                .answers
                .iter()
                .enumerate()
                .map(|(i, bytes)| read::<ChunkResult<F::Stats>>(&format!("answer {i}"), bytes))
                .collect::<PyResult<Vec<_>>>()?;
            let merged = merge_in_tree_order(answers, ChunkResult::merge)
                .map_err(value_error)?
                .ok_or_else(|| PyValueError::new_err("no answers to merge"))?;
            write(self.py, &merged)
        }
    }
    on_family(&spec, dtype, Merge { py, answers })
}

/// `items` joined as `(left+right)` in the order of the engine's merge tree: the shape a
/// cluster's reduction must follow, for checking how one builds it.
#[pyfunction]
pub fn merge_order(items: Vec<String>) -> PyResult<String> {
    let joined = merge_in_tree_order(items, |left: &mut String, right: &String| {
        *left = format!("({left}+{right})");
        Ok(())
    })
    .map_err(value_error)?;
    Ok(joined.unwrap_or_default())
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
    struct Score<'a> {
        model: &'a AnyModel,
        runner: Py<PyAny>,
    }
    impl<T: Value> FamilyTask<T> for Score<'_> {
        type Output = PyResult<(f64, f64, usize)>;
        fn run<F: RegisteredFamily<T>>(self, _family: F) -> Self::Output {
            let model = self.model.to_precision::<T>().map_err(value_error)?;
            let model = model.as_family::<F::Components>().ok_or_else(|| {
                PyValueError::new_err(format!(
                    "the model is {}, not the family scored",
                    model.family()
                ))
            })?;
            let mut chunks = PyChunks {
                runner: self.runner,
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
    }
    let dtype = crate::model::dtype_name(model.inner.precision());
    let task = Score {
        model: &model.inner,
        runner,
    };
    on_family(&spec, dtype, task)
}
