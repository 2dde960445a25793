//! Checks shared by every public entry point that takes data.

use crate::error::{MixtureError, Result};
use crate::rows::Rows;
use crate::scalar::Scalar;

/// Checks that `x` is non-empty, finite and, when `expected_cols` is given, of that width.
///
/// # Errors
/// [`MixtureError::EmptyData`], [`MixtureError::DimensionMismatch`] or
/// [`MixtureError::NonFinite`] naming the first offending row and column.
pub fn check_finite_data<T: Scalar>(x: Rows<'_, T>, expected_cols: Option<usize>) -> Result<()> {
    if x.n_rows() == 0 || x.n_cols() == 0 {
        return Err(MixtureError::EmptyData {
            n_rows: x.n_rows(),
            n_cols: x.n_cols(),
        });
    }
    if let Some(expected) = expected_cols
        && expected != x.n_cols()
    {
        return Err(MixtureError::DimensionMismatch {
            expected,
            found: x.n_cols(),
        });
    }
    if let Some(pos) = x.as_slice().iter().position(|v| !v.is_finite()) {
        return Err(MixtureError::NonFinite {
            row: pos / x.n_cols(),
            col: pos % x.n_cols(),
            value: x.as_slice()[pos].as_f64(),
        });
    }
    Ok(())
}

/// Checks a component count against the data: at least one, at most one per row.
///
/// # Errors
/// [`MixtureError::ZeroComponents`] or [`MixtureError::TooFewRows`].
pub fn check_n_components(n_components: usize, n_rows: usize) -> Result<()> {
    if n_components == 0 {
        return Err(MixtureError::ZeroComponents);
    }
    if n_components > n_rows {
        return Err(MixtureError::TooFewRows {
            n_components,
            n_rows,
        });
    }
    Ok(())
}

/// Checks that every value of `x` satisfies `allowed`, for a family's domain check.
///
/// # Errors
/// [`MixtureError::OutOfDomain`] naming the first offending row, column and value, the family
/// and its domain in words.
pub fn check_values<T: Scalar>(
    x: Rows<'_, T>,
    family: &'static str,
    domain: &'static str,
    allowed: impl Fn(T) -> bool,
) -> Result<()> {
    match x.as_slice().iter().position(|&v| !allowed(v)) {
        None => Ok(()),
        Some(p) => Err(MixtureError::OutOfDomain {
            row: p / x.n_cols(),
            col: p % x.n_cols(),
            value: x.as_slice()[p].as_f64(),
            family,
            domain,
        }),
    }
}

/// A family's K×D parameters checked value by value and widened to `f64`, for constructors from
/// user-given parameters. `name` is the parameter's name ("probability", "rate"), `rule` says
/// what is allowed.
///
/// # Errors
/// [`MixtureError::InvalidParameters`] for zero components, or naming the component and feature
/// of the first value `allowed` rejects.
pub fn check_parameters<T: Scalar>(
    values: Rows<'_, T>,
    name: &str,
    rule: &str,
    allowed: impl Fn(f64) -> bool,
) -> Result<Vec<f64>> {
    if values.n_rows() == 0 {
        return Err(MixtureError::InvalidParameters {
            reason: format!("no components: the {name} matrix has 0 rows"),
        });
    }
    let d = values.n_cols();
    values
        .as_slice()
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let v = v.as_f64();
            if allowed(v) {
                Ok(v)
            } else {
                Err(MixtureError::InvalidParameters {
                    reason: format!(
                        "{name} of component {}, feature {} is {v}; {rule}",
                        i / d,
                        i % d
                    ),
                })
            }
        })
        .collect()
}
