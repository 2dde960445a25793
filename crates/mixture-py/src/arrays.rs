//! numpy arrays in and out: C-ordered inputs viewed without a copy, outputs handed over
//! without one, errors as Python exceptions.

use mixture::core::{Rows, Scalar};
use mixture::model_file::{AnyMixture, AnyModel};
use numpy::ndarray::Array2;
use numpy::{
    Element, IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::prelude::*;

/// A library error as a `ValueError` carrying its message.
pub(crate) fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// A scalar the engine computes in and numpy holds.
pub(crate) trait Value: Scalar + Element {
    /// A mixture in this precision as a model of either.
    fn wrap(m: AnyMixture<Self>) -> AnyModel;
}
impl Value for f32 {
    fn wrap(m: AnyMixture<Self>) -> AnyModel {
        AnyModel::F32(m)
    }
}
impl Value for f64 {
    fn wrap(m: AnyMixture<Self>) -> AnyModel {
        AnyModel::F64(m)
    }
}

/// `x` as a read-only 2-D array of `T`.
///
/// # Errors
/// `ValueError` when it is not a C-contiguous 2-D array of `T` (the Python layer converts).
pub(crate) fn readonly<'py, T: Value>(x: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArray2<'py, T>> {
    x.extract::<PyReadonlyArray2<'py, T>>().map_err(|_| {
        PyValueError::new_err(format!(
            "expected a 2-D array of {} (the Python layer converts inputs)",
            T::NAME
        ))
    })
}

/// The rows of a C-contiguous array, without a copy.
pub(crate) fn rows<'a, T: Value>(x: &'a PyReadonlyArray2<'_, T>) -> PyResult<Rows<'a, T>> {
    let n_cols = x.shape()[1];
    let values = x.as_slice().map_err(|_| {
        PyValueError::new_err("expected a C-contiguous, aligned array (the Python layer converts)")
    })?;
    if n_cols == 0 {
        return Err(PyValueError::new_err(format!(
            "0 features: X has shape ({}, 0); a mixture needs at least one feature",
            x.shape()[0]
        )));
    }
    Rows::new(values, n_cols).map_err(value_error)
}

/// Weights as a contiguous slice.
pub(crate) fn weights<'a>(w: &'a Option<PyReadonlyArray1<'_, f64>>) -> PyResult<Option<&'a [f64]>> {
    w.as_ref()
        .map(|w| {
            w.as_slice()
                .map_err(|_| PyValueError::new_err("expected contiguous sample weights"))
        })
        .transpose()
}

/// An owned row-major matrix as a numpy array (no copy).
pub(crate) fn matrix<T: Element>(
    py: Python<'_>,
    values: Vec<T>,
    n_cols: usize,
) -> PyResult<Bound<'_, PyArray2<T>>> {
    let n_rows = values.len().checked_div(n_cols).unwrap_or(0);
    Array2::from_shape_vec((n_rows, n_cols), values)
        .map(|a| a.into_pyarray(py))
        .map_err(value_error)
}

/// An owned vector as a numpy array (no copy).
pub(crate) fn vector<T: Element>(py: Python<'_>, values: Vec<T>) -> Bound<'_, PyArray1<T>> {
    values.into_pyarray(py)
}

/// Checks that `n × d` values of `T` can be allocated before anything is, so that a huge
/// request is a `MemoryError` naming `what` instead of an abort.
pub(crate) fn check_allocation<T>(what: &str, n: usize, d: usize) -> PyResult<()> {
    let too_large = || {
        PyMemoryError::new_err(format!(
            "{what} = {n} rows of {d} values cannot be allocated; ask for fewer"
        ))
    };
    let len = n.checked_mul(d).ok_or_else(too_large)?;
    let mut probe: Vec<T> = Vec::new();
    probe.try_reserve_exact(len).map_err(|_| too_large())
}
