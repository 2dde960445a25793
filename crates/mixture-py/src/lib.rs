//! `mixture_em._engine`: the Rust engine on numpy arrays, for the pure-Python classes of the
//! `mixture_em` package (`python/`).
//!
//! The extension is thin on purpose: a `Model` holds a fitted mixture of any family in either
//! precision (and pickles as its model file), `fit` runs the engine, `Online` holds stepwise
//! E-M between `partial_fit` calls. Arrays come in C order in the model's dtype (the Python
//! layer converts, at most once) and are read without a copy; the GIL is released while Rust
//! works. Every library error becomes a `ValueError` carrying its message.

mod arrays;
mod chunked;
mod chunks;
mod fit;
mod model;
mod variational;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _engine(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<model::Model>()?;
    m.add_class::<fit::Online>()?;
    m.add("FAMILIES", mixture::registry::AnyFamily::NAMES.to_vec())?;
    // The Gaussian covariance models: (name, mclust code) pairs, in mclust's order.
    m.add(
        "COVARIANCE_TYPES",
        mixture::registry::AnyFamily::covariance_names(),
    )?;
    m.add_function(wrap_pyfunction!(fit::fit, m)?)?;
    m.add_function(wrap_pyfunction!(fit::information_criteria, m)?)?;
    m.add_function(wrap_pyfunction!(fit::initialise, m)?)?;
    m.add_function(wrap_pyfunction!(chunked::chunk, m)?)?;
    m.add_function(wrap_pyfunction!(chunked::merge_chunks, m)?)?;
    m.add_function(wrap_pyfunction!(chunked::merge_order, m)?)?;
    m.add_function(wrap_pyfunction!(chunked::fit_chunked, m)?)?;
    m.add_function(wrap_pyfunction!(chunked::score_chunked, m)?)?;
    m.add_function(wrap_pyfunction!(variational::fit_variational, m)?)?;
    m.add_function(wrap_pyfunction!(variational::fit_variational_chunked, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
