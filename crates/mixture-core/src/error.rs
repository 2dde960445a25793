//! The library's one error type.

use thiserror::Error;

/// Everything that can go wrong in fitting or using a mixture.
///
/// Every message names the offending value, row, column or component and says what to do.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum MixtureError {
    /// A flat buffer that is not a whole number of rows.
    #[error(
        "data of length {len} is not a whole number of rows of {n_cols} columns; pass a buffer whose length is a multiple of the column count (and at least one column)"
    )]
    Shape {
        /// Length of the buffer.
        len: usize,
        /// Requested number of columns.
        n_cols: usize,
    },
    /// Rows of unequal length.
    #[error(
        "row {row} has {len} values but the first row has {expected}; every row needs the same length"
    )]
    RaggedRow {
        /// Offending row (0-based).
        row: usize,
        /// Its length.
        len: usize,
        /// Length of the first row.
        expected: usize,
    },
    /// No rows or no columns.
    #[error(
        "the data are empty ({n_rows} rows × {n_cols} columns); pass at least one row and one column"
    )]
    EmptyData {
        /// Number of rows given.
        n_rows: usize,
        /// Number of columns given.
        n_cols: usize,
    },
    /// A NaN or infinite value in the data.
    #[error("row {row}, column {col} holds {value}; remove or impute non-finite values first")]
    NonFinite {
        /// Offending row (0-based).
        row: usize,
        /// Offending column (0-based).
        col: usize,
        /// The value (NaN or ±inf).
        value: f64,
    },
    /// A value outside the family's support.
    #[error(
        "row {row}, column {col} holds {}, outside the {family} family's domain ({domain})",
        Shown(*value)
    )]
    OutOfDomain {
        /// Offending row (0-based).
        row: usize,
        /// Offending column (0-based).
        col: usize,
        /// The value.
        value: f64,
        /// Family name.
        family: &'static str,
        /// The allowed values, in words.
        domain: &'static str,
    },
    /// Data whose column count differs from the model's.
    #[error(
        "the data have {found} columns but the model has {expected}; pass data of the dimension the model was fitted on"
    )]
    DimensionMismatch {
        /// The model's dimension.
        expected: usize,
        /// The data's dimension.
        found: usize,
    },
    /// Zero components requested.
    #[error("n_components is 0; a mixture needs at least one component")]
    ZeroComponents,
    /// More components than rows.
    #[error(
        "{n_components} components but only {n_rows} rows; use at most {n_rows} components or more data"
    )]
    TooFewRows {
        /// Requested number of components.
        n_components: usize,
        /// Rows in the data.
        n_rows: usize,
    },
    /// Fewer distinct rows than components, for an initialisation that needs distinct centres,
    /// under the degenerate policy that stops with an error.
    #[error(
        "{n_components} components but only {n_distinct} distinct rows; use at most {n_distinct} components, initialise from given parameters, or let the degenerate-component policy re-seed or drop the extra components"
    )]
    TooFewDistinctRows {
        /// Requested number of components.
        n_components: usize,
        /// Distinct rows found.
        n_distinct: usize,
    },
    /// An option outside its valid range.
    #[error("option `{name}` = {value} is invalid: {expected}")]
    InvalidOption {
        /// Option name.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// A set of parameter groups (to hold, or to take from a start) naming a group the family
    /// does not have.
    #[error(
        "option `{option}`: {group:?} is not a parameter group of the {family} family; use a comma-separated list of {groups}"
    )]
    UnknownGroup {
        /// Option name.
        option: &'static str,
        /// The group named.
        group: String,
        /// The family.
        family: &'static str,
        /// Its groups, comma-separated.
        groups: String,
    },
    /// Model parameters that do not describe a valid mixture.
    #[error("invalid parameters: {reason}")]
    InvalidParameters {
        /// What is wrong, naming the component and value.
        reason: String,
    },
    /// A component whose parameters cannot be formed from its statistics or from the values
    /// given (for a Gaussian, a covariance that is not positive definite). The family writes
    /// `problem`, saying what failed and what to change.
    #[error("component {component}: {problem}")]
    ParametersNotFormed {
        /// Component index (0-based).
        component: usize,
        /// What failed and what to do, in the family's words.
        problem: String,
    },
    /// A component that received (almost) no weight.
    #[error(
        "component {component} received a total weight of {weight} rows, below the minimum {minimum:e}; use fewer components, another seed, or another initialisation"
    )]
    EmptyComponent {
        /// Component index (0-based).
        component: usize,
        /// Its total responsibility (weighted).
        weight: f64,
        /// The smallest total that counts as non-empty.
        minimum: f64,
    },
    /// A component with too few effective rows for its parameters, with
    /// [`SpuriousPolicy::Degenerate`](crate::SpuriousPolicy::Degenerate) and the `Error`
    /// degenerate policy.
    #[error(
        "component {component} has {effective_rows:.3} effective rows, fewer than the {rows_needed} its parameters need (a spurious solution); use fewer components, a simpler covariance type, or another seed"
    )]
    SpuriousComponent {
        /// Component index (0-based).
        component: usize,
        /// Its total responsibility (weighted).
        effective_rows: f64,
        /// The fewest it needs.
        rows_needed: f64,
    },
    /// A weight vector whose length differs from the number of rows.
    #[error("{n_weights} weights for {n_rows} rows; pass exactly one weight per row")]
    WeightCount {
        /// Number of weights given.
        n_weights: usize,
        /// Number of rows.
        n_rows: usize,
    },
    /// A negative, NaN or infinite weight.
    #[error(
        "the weight of row {row} is {}; weights must be finite and at least 0 (0 leaves the row out)",
        Shown(*value)
    )]
    InvalidWeight {
        /// Offending row (0-based).
        row: usize,
        /// The weight.
        value: f64,
    },
    /// Finite weights whose total overflows `f64`.
    #[error(
        "the weights of {n_rows} rows add up to more than a 64-bit float holds (about 1.8e308); divide every weight by the same constant (for E-M that changes no parameter)"
    )]
    WeightTotalOverflow {
        /// Number of rows whose weights were added.
        n_rows: usize,
    },
    /// Weights that are all zero.
    #[error("all {n_rows} weights are zero; give at least one row a positive weight")]
    ZeroTotalWeight {
        /// Number of rows.
        n_rows: usize,
    },
    /// Data that could not be read from a [`crate::BlockSource`] (a file that is unreadable,
    /// malformed, or changed between passes).
    #[error("{message}")]
    Source {
        /// What failed, naming the file and where in it.
        message: String,
    },
    /// The fit's observer asked it to stop ([`crate::FitObserver::keep_going`]).
    #[error("the fit was interrupted after iteration {iteration} of run {run}")]
    Interrupted {
        /// The run (0-based).
        run: usize,
        /// The last iteration done (0-based).
        iteration: usize,
    },
    /// Data whose scale the family's parameters cannot represent (a Gaussian variance that
    /// underflows or overflows the precision).
    #[error(
        "the data's spread is about {spread:.3e}: its square {problem} {precision}, so covariances cannot be formed; rescale the data (divide every value by about {spread:.0e})"
    )]
    DataScale {
        /// The data's typical spread (root mean variance), in data units.
        spread: f64,
        /// `"underflows"` or `"overflows"`.
        problem: &'static str,
        /// The precision (`"f32"`, `"f64"`).
        precision: &'static str,
    },
    /// A size computed from the input that cannot be allocated.
    #[error(
        "{what} would need {} bytes, more than this machine can allocate; ask for less",
        bytes.map_or_else(|| "more than 2^64".to_string(), |b| b.to_string())
    )]
    TooLarge {
        /// What was to be allocated, naming the option or value it came from.
        what: String,
        /// Its size in bytes (`None` when that overflows).
        bytes: Option<u128>,
    },
    /// Statistics that cannot be merged or used together (different K, D or kind).
    #[error("statistics do not match: {reason}")]
    IncompatibleStatistics {
        /// What differs.
        reason: String,
    },
    /// A row with zero density under every component, or a non-finite computed value.
    #[error(
        "row {row} has log-density {value} under every component; no component can explain it (check the data's scale, or fit a model with broader components)"
    )]
    ZeroDensity {
        /// Offending row (0-based).
        row: usize,
        /// Its log-density.
        value: f64,
    },
}

impl MixtureError {
    /// This error with the rows it names counted from `first_row`: for an error about one
    /// block, chunk or batch of a larger data set, the row in the whole data.
    #[must_use]
    pub fn offset_rows(self, first_row: usize) -> Self {
        match self {
            Self::NonFinite { row, col, value } => Self::NonFinite {
                row: row + first_row,
                col,
                value,
            },
            Self::OutOfDomain {
                row,
                col,
                value,
                family,
                domain,
            } => Self::OutOfDomain {
                row: row + first_row,
                col,
                value,
                family,
                domain,
            },
            Self::InvalidWeight { row, value } => Self::InvalidWeight {
                row: row + first_row,
                value,
            },
            Self::ZeroDensity { row, value } => Self::ZeroDensity {
                row: row + first_row,
                value,
            },
            other => other,
        }
    }
}

/// Shorthand for results of this library.
pub type Result<T, E = MixtureError> = std::result::Result<T, E>;

/// A value as messages show it: plain decimals for ordinary magnitudes, an exponent for very
/// small or large ones (so that 1e-300 is not 300 zeros), NaN and infinities as they are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shown(pub f64);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let a = self.0.abs();
        if a == 0.0 || !a.is_finite() || (1e-5..1e16).contains(&a) {
            write!(f, "{}", self.0)
        } else {
            write!(f, "{:e}", self.0)
        }
    }
}
