//! [`Model`]: a fitted mixture of any family in either precision, and what it does to data.

use crate::arrays::{
    Value, check_allocation, matrix, readonly, rows, value_error, vector, weights,
};
use crate::fit::FamilySpec;
use mixture::core::rand::SeedableRng;
use mixture::core::rand::rngs::ChaCha8Rng;
use mixture::core::{Components, Data, Mixture, Scalar};
use mixture::model_file::{self, AnyMixture, AnyModel};
use mixture::plot::{DensityOptions, fit_figure, samples_figure};
use mixture::registry::Picture;
use mixture::with_mixture;
use numpy::{PyArrayMethods, PyReadonlyArray1, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

/// A mixture of any registered family in float32 or float64.
///
/// Pickles as its model file (the JSON the `mixture` command reads and writes), so a round
/// trip gives back every bit.
#[pyclass(module = "mixture_em._engine", name = "Model", frozen)]
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) inner: AnyModel,
}

/// Runs `$body` with `$m` bound to the mixture and `$T` to its scalar type.
macro_rules! with_model {
    ($model:expr, $m:ident, $T:ident => $body:expr) => {
        match $model {
            AnyModel::F64(any) => {
                #[allow(dead_code)]
                type $T = f64;
                with_mixture!(any, $m => $body)
            }
            AnyModel::F32(any) => {
                #[allow(dead_code)]
                type $T = f32;
                with_mixture!(any, $m => $body)
            }
        }
    };
}

impl Model {
    pub(crate) fn new<T: Value>(mixture: impl Into<AnyMixture<T>>) -> Self {
        Self {
            inner: T::wrap(mixture.into()),
        }
    }
}

/// The dtype names numpy uses.
pub(crate) fn dtype_name(precision: &str) -> &'static str {
    if precision == "f32" {
        "float32"
    } else {
        "float64"
    }
}

/// Runs `f` on `x` (an array of the model's dtype) with the GIL released.
fn on_rows<T: Value, R: Send>(
    x: &Bound<'_, PyAny>,
    w: Option<PyReadonlyArray1<'_, f64>>,
    f: impl FnOnce(Data<'_, T>) -> R + Send,
) -> PyResult<R> {
    let array = readonly::<T>(x)?;
    let view = rows(&array)?;
    let w = weights(&w)?;
    Ok(x.py().detach(|| f(Data::new(view, w))))
}

/// The family's own parameter arrays (see [`Model::parameters`]).
fn family_parameters<'py, T: Value>(
    py: Python<'py>,
    model: &AnyMixture<T>,
    out: &Bound<'py, PyDict>,
) -> PyResult<()> {
    for array in model.parameter_arrays() {
        let values = vector(py, array.values).reshape(array.shape)?;
        out.set_item(array.name, values)?;
    }
    Ok(())
}

#[pymethods]
impl Model {
    /// A model from its model file's text (any family, either precision).
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        let file = model_file::from_json(text.as_bytes()).map_err(value_error)?;
        Ok(Self { inner: file.model })
    }

    /// The model file's text.
    fn to_json(&self) -> String {
        match &self.inner {
            AnyModel::F64(m) => model_file::to_json(m, None),
            AnyModel::F32(m) => model_file::to_json(m, None),
        }
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let rebuild = slf.get_type().getattr("from_json")?;
        Ok((rebuild, (slf.get().to_json(),)))
    }

    fn __repr__(&self) -> String {
        format!(
            "Model(family={:?}, dtype={:?}, n_components={}, n_features={})",
            self.family(),
            self.dtype(),
            self.n_components(),
            self.n_features()
        )
    }

    /// `"gaussian"`, `"bernoulli"` or `"exponential"`.
    #[getter]
    fn family(&self) -> &'static str {
        match &self.inner {
            AnyModel::F64(m) => m.family(),
            AnyModel::F32(m) => m.family(),
        }
    }

    /// `"float32"` or `"float64"`: what the model computes in.
    #[getter]
    fn dtype(&self) -> &'static str {
        dtype_name(self.inner.precision())
    }

    /// Number of components K.
    #[getter]
    fn n_components(&self) -> usize {
        with_model!(&self.inner, m, T => m.n_components())
    }

    /// Number of features D.
    #[getter]
    fn n_features(&self) -> usize {
        with_model!(&self.inner, m, T => m.n_features())
    }

    /// Free parameters (scikit-learn's count), as BIC and AIC use.
    #[getter]
    fn n_parameters(&self) -> usize {
        with_model!(&self.inner, m, T => m.n_parameters())
    }

    /// The parameters as numpy arrays: `weights` (float64, K) and `means` (K×D) for every
    /// family, then the family's own (the registry's `parameter_arrays`): `covariances` and
    /// `precision_factors` in scikit-learn's shapes for Gaussians, `probabilities` for
    /// Bernoulli, `rates` for exponential.
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        with_model!(&self.inner, m, T => {
            out.set_item("weights", vector(py, m.weights().to_vec()))?;
            let means = m.means();
            let d = means.n_cols();
            out.set_item("means", matrix(py, means.into_vec(), d)?)?;
        });
        match &self.inner {
            AnyModel::F64(m) => family_parameters(py, m, &out)?,
            AnyModel::F32(m) => family_parameters(py, m, &out)?,
        }
        Ok(out)
    }

    /// The same model computing in `dtype` (`"float32"` or `"float64"`).
    fn astype(&self, dtype: &str) -> PyResult<Self> {
        let inner = match dtype {
            "float64" => AnyModel::F64(self.inner.to_precision::<f64>().map_err(value_error)?),
            "float32" => AnyModel::F32(self.inner.to_precision::<f32>().map_err(value_error)?),
            other => {
                return Err(PyValueError::new_err(format!(
                    "dtype {other:?}: use float32 or float64"
                )));
            }
        };
        Ok(Self { inner })
    }

    /// ln p(x) of every row of `x` (N×D, the model's dtype, C order).
    fn score_samples<'py>(&self, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = x.py();
        with_model!(&self.inner, m, T => {
            let ll = on_rows::<T, _>(x, None, |d| m.log_likelihood_per_row(d.rows()))?;
            Ok(vector(py, ll.map_err(value_error)?).into_any())
        })
    }

    /// Responsibilities (N×K).
    fn predict_proba<'py>(&self, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = x.py();
        with_model!(&self.inner, m, T => {
            let r = on_rows::<T, _>(x, None, |d| m.predict_proba(d.rows()))?.map_err(value_error)?;
            let k = r.n_cols();
            Ok(matrix(py, r.into_vec(), k)?.into_any())
        })
    }

    /// The most responsible component of every row (int64).
    fn predict<'py>(&self, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = x.py();
        with_model!(&self.inner, m, T => {
            let labels = on_rows::<T, _>(x, None, |d| m.predict(d.rows()))?.map_err(value_error)?;
            Ok(vector(py, labels.into_iter().map(|l| l as i64).collect::<Vec<_>>()).into_any())
        })
    }

    /// Total ln p(X), each row counted with its weight.
    #[pyo3(signature = (x, sample_weight=None))]
    fn log_likelihood(
        &self,
        x: &Bound<'_, PyAny>,
        sample_weight: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<f64> {
        with_model!(&self.inner, m, T => {
            on_rows::<T, _>(x, sample_weight, |d| m.log_likelihood(d))?.map_err(value_error)
        })
    }

    /// BIC `−2 ln p(X) + p ln N` (lower is better; with weights N is their total).
    #[pyo3(signature = (x, sample_weight=None))]
    fn bic(
        &self,
        x: &Bound<'_, PyAny>,
        sample_weight: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<f64> {
        with_model!(&self.inner, m, T => {
            on_rows::<T, _>(x, sample_weight, |d| m.bic(d))?.map_err(value_error)
        })
    }

    /// AIC `−2 ln p(X) + 2p` (lower is better).
    #[pyo3(signature = (x, sample_weight=None))]
    fn aic(
        &self,
        x: &Bound<'_, PyAny>,
        sample_weight: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<f64> {
        with_model!(&self.inner, m, T => {
            on_rows::<T, _>(x, sample_weight, |d| m.aic(d))?.map_err(value_error)
        })
    }

    /// `n` draws and the component of each, from ChaCha8 seeded with `seed`; with `component`,
    /// all `n` from that component.
    #[pyo3(signature = (n, seed, component=None))]
    fn sample<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        seed: u64,
        component: Option<usize>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        with_model!(&self.inner, m, T => {
            let d = m.n_features();
            check_allocation::<T>("n_samples", n, d)?;
            if let Some(k) = component && k >= m.n_components() {
                return Err(PyValueError::new_err(format!(
                    "component {k} does not exist: the model has {} components (0 to {})",
                    m.n_components(),
                    m.n_components() - 1
                )));
            }
            let (points, labels) = py.detach(|| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                match component {
                    Some(k) => {
                        let mut points = vec![<T as Scalar>::cast(0.0); n * d];
                        for row in points.chunks_exact_mut(d) {
                            m.components().sample_component(k, &mut rng, row);
                        }
                        Ok((points, vec![k; n]))
                    }
                    None => m.sample(n, &mut rng).map(|(x, l)| (x.into_vec(), l)),
                }
            }).map_err(value_error)?;
            let labels: Vec<i64> = labels.into_iter().map(|l| l as i64).collect();
            Ok((matrix(py, points, d)?.into_any(), vector(py, labels).into_any()))
        })
    }

    /// The exact marginal model over the features `dims` (in that order).
    fn marginal(&self, dims: Vec<usize>) -> PyResult<Self> {
        with_model!(&self.inner, m, T => Ok(Model::new::<T>(m.marginal(&dims).map_err(value_error)?)))
    }

    /// The lesson's figure as PNG bytes: the negative log-likelihood's contour lines over a grid
    /// covering `x` (on the features `dims`, by the exact marginal), with `x` as points, or
    /// `samples` when given. Models of two or more features.
    #[pyo3(signature = (x, samples=None, dims=(0, 1), title=None))]
    fn density_png<'py>(
        &self,
        x: &Bound<'py, PyAny>,
        samples: Option<&Bound<'py, PyAny>>,
        dims: (usize, usize),
        title: Option<String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let py = x.py();
        fn draw<T: Value, C: Components<T>>(
            m: &Mixture<T, C>,
            x: &Bound<'_, PyAny>,
            samples: Option<&Bound<'_, PyAny>>,
            dims: (usize, usize),
            title: Option<String>,
        ) -> PyResult<Vec<u8>> {
            let data = readonly::<T>(x)?;
            let data = rows(&data)?;
            let drawn = samples.map(readonly::<T>).transpose()?;
            let drawn = drawn.as_ref().map(rows).transpose()?;
            let mut options = match drawn {
                Some(_) => DensityOptions::samples(),
                None => DensityOptions::fit(),
            };
            options.dims = [dims.0, dims.1];
            if let Some(title) = title {
                options.title = title;
            }
            x.py()
                .detach(|| {
                    let figure = match drawn {
                        Some(s) => samples_figure(m, data, s, &options),
                        None => fit_figure(m, data, &options),
                    };
                    figure.and_then(|f| f.png()).map_err(|e| e.to_string())
                })
                .map_err(PyValueError::new_err)
        }
        let picture = match &self.inner {
            AnyModel::F64(m) => m.picture(),
            AnyModel::F32(m) => m.picture(),
        };
        if picture != Picture::Density {
            return Err(PyValueError::new_err(format!(
                "{} models are drawn as {picture}, not as density contours (`mixture plot` draws them)",
                self.family()
            )));
        }
        let png = with_model!(&self.inner, m, T => draw(m, x, samples, dims, title)?);
        Ok(PyBytes::new(py, &png))
    }

    /// A mixture of `family` (the engine's family spec: `{"family": "gaussian", "covariance":
    /// "diag", ...}`) from its `weights` (K) and the arrays that define its components, by
    /// name (the registry's `from_arrays`: `means` and `covariances` in scikit-learn's shape
    /// for Gaussians, `probabilities` for Bernoulli, `rates` for exponential), computing in
    /// `dtype`.
    #[staticmethod]
    fn from_parameters(
        family: FamilySpec,
        weights: Vec<f64>,
        arrays: &Bound<'_, PyDict>,
        dtype: &str,
    ) -> PyResult<Self> {
        let family = family.family()?;
        let mut held: Vec<(String, PyReadonlyArrayDyn<'_, f64>)> = Vec::new();
        for (name, array) in arrays.iter() {
            held.push((name.extract()?, array.extract()?));
        }
        let mut named: Vec<(&str, &[f64])> = Vec::new();
        let mut n_features = 0;
        for (name, array) in &held {
            let (values, last) = contiguous(array, name)?;
            if name == "means" || n_features == 0 {
                n_features = last;
            }
            named.push((name.as_str(), values));
        }
        match dtype {
            "float32" => AnyMixture::<f32>::from_arrays(&family, &weights, n_features, &named)
                .map(Model::new::<f32>),
            _ => AnyMixture::<f64>::from_arrays(&family, &weights, n_features, &named)
                .map(Model::new::<f64>),
        }
        .map_err(value_error)
    }
}

/// The values of a C-contiguous array and its last axis' length.
fn contiguous<'a>(a: &'a PyReadonlyArrayDyn<'_, f64>, name: &str) -> PyResult<(&'a [f64], usize)> {
    let last = a.shape().last().copied().unwrap_or(1);
    let values = a
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("{name}: expected a C-contiguous array")))?;
    Ok((values, last))
}
