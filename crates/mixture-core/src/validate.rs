//! Checks shared by every public entry point that takes data.

use crate::error::{MixtureError, Result};
use crate::rows::{Data, RowMatrix, Rows};
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

/// Checks the features of a marginal: at least one, each below `n_features`, none twice.
///
/// # Errors
/// [`MixtureError::InvalidOption`] naming `dims` and what is wrong.
///
/// # Examples
/// ```
/// use mixture_core::family::check_marginal_dims;
/// assert!(check_marginal_dims(&[0, 2], 3).is_ok());
/// assert!(check_marginal_dims(&[3], 3).is_err());
/// ```
pub fn check_marginal_dims(dims: &[usize], n_features: usize) -> Result<()> {
    let bad = |expected| {
        Err(MixtureError::InvalidOption {
            name: "dims",
            value: format!("{dims:?}"),
            expected,
        })
    };
    if dims.is_empty() {
        return bad("name at least one feature");
    }
    if dims.iter().any(|&j| j >= n_features) {
        return bad("every feature index must be below the model's dimension");
    }
    if dims.iter().enumerate().any(|(i, a)| dims[..i].contains(a)) {
        return bad("name each feature once");
    }
    Ok(())
}

/// The columns `dims` (checked by [`check_marginal_dims`]) of a K×D parameter matrix, widened
/// to `f64`: the marginal of a family whose features are independent given the component keeps
/// the chosen columns.
///
/// # Errors
/// As [`check_marginal_dims`].
///
/// # Examples
/// ```
/// use mixture_core::{Rows, family::marginal_columns};
/// let rates = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let kept = marginal_columns(Rows::new(&rates, 3)?, &[2, 0])?;
/// assert_eq!(kept, [3.0, 1.0, 6.0, 4.0]);
/// # Ok::<(), mixture_core::MixtureError>(())
/// ```
pub fn marginal_columns<T: Scalar>(values: Rows<'_, T>, dims: &[usize]) -> Result<Vec<f64>> {
    check_marginal_dims(dims, values.n_cols())?;
    Ok(values
        .iter()
        .flat_map(|row| dims.iter().map(move |&j| row[j].as_f64()))
        .collect())
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

/// Checks weights against `n_rows` rows and returns their total (`n_rows` when `None`).
///
/// # Errors
/// [`MixtureError::WeightCount`] when there are not `n_rows` of them,
/// [`MixtureError::InvalidWeight`] naming the first negative, NaN or infinite one,
/// [`MixtureError::ZeroTotalWeight`] when all are 0, and
/// [`MixtureError::WeightTotalOverflow`] when their total overflows.
pub fn check_weights(weights: Option<&[f64]>, n_rows: usize) -> Result<f64> {
    let Some(w) = weights else {
        return Ok(n_rows as f64);
    };
    if w.len() != n_rows {
        return Err(MixtureError::WeightCount {
            n_weights: w.len(),
            n_rows,
        });
    }
    check_weight_values(w, 0)?;
    let total: f64 = w.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return Err(MixtureError::ZeroTotalWeight { n_rows });
    }
    if !total.is_finite() {
        // Each weight is finite (checked above): their sum overflows, which no one row causes.
        return Err(MixtureError::WeightTotalOverflow { n_rows });
    }
    Ok(total)
}

/// Checks data for a model of dimension `expected_cols` (or any): finite, non-empty, and the
/// weights as [`check_weights`] does. Returns the weight total.
///
/// # Errors
/// As [`check_finite_data`] and [`check_weights`].
pub fn check_data<T: Scalar>(data: Data<'_, T>, expected_cols: Option<usize>) -> Result<f64> {
    check_finite_data(data.rows(), expected_cols)?;
    check_weights(data.weights(), data.n_rows())
}

/// A family's K×D parameter matrix from rows of `f64` values (as a model file holds them),
/// rounded to `T`. `name` names the parameter in messages ("rates").
///
/// # Errors
/// [`MixtureError::InvalidParameters`] for no rows, empty rows or rows of unequal length.
pub fn parameter_matrix<T: Scalar>(name: &str, rows: &[Vec<f64>]) -> Result<RowMatrix<T>> {
    let d = rows.first().map_or(0, Vec::len);
    if d == 0 {
        return Err(MixtureError::InvalidParameters {
            reason: format!(
                "`{name}` has {} rows of {d} values; a mixture needs at least one component of at least one feature",
                rows.len()
            ),
        });
    }
    if let Some(c) = rows.iter().position(|r| r.len() != d) {
        return Err(MixtureError::InvalidParameters {
            reason: format!(
                "`{name}` of component {c} has {} values but that of component 0 has {d}",
                rows[c].len()
            ),
        });
    }
    RowMatrix::new(rows.iter().flatten().map(|&v| T::cast(v)).collect(), d)
}

/// The rows of `values` widened to `f64`, as a model file holds them.
pub fn widen_rows<T: Scalar>(values: Rows<'_, T>) -> Vec<Vec<f64>> {
    values
        .iter()
        .map(|row| row.iter().map(|v| v.as_f64()).collect())
        .collect()
}

/// Checks that every weight is finite and at least 0; rows are named from `first_row`.
///
/// # Errors
/// [`MixtureError::InvalidWeight`] naming the first bad one.
pub(crate) fn check_weight_values(w: &[f64], first_row: usize) -> Result<()> {
    match w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        Some(i) => Err(MixtureError::InvalidWeight {
            row: first_row + i,
            value: w[i],
        }),
        None => Ok(()),
    }
}

/// Checks a block of rows `first_row..` read from a source: finite, `n_cols` wide, valid
/// weights, in the family's domain (`domain`); errors name global rows.
///
/// # Errors
/// As [`check_finite_data`], [`check_weight_values`] and the domain check, with rows counted
/// from the start of the data.
pub(crate) fn check_block<T: Scalar>(
    data: Data<'_, T>,
    first_row: usize,
    n_cols: usize,
    domain: impl Fn(Rows<'_, T>) -> Result<()>,
) -> Result<()> {
    let shift = |e: MixtureError| e.offset_rows(first_row);
    check_finite_data(data.rows(), Some(n_cols)).map_err(shift)?;
    if let Some(w) = data.weights() {
        check_weight_values(w, first_row)?;
    }
    domain(data.rows()).map_err(shift)
}
