//! Row-major data: a borrowed view ([`Rows`]) and an owned matrix ([`RowMatrix`]).
//!
//! Data are N×D with one observation per row, stored row-major and contiguous, so a block of
//! rows is a sub-slice and faer sees it without a copy (`MatRef::from_row_major_slice`).

use crate::error::MixtureError;
use crate::scalar::Scalar;
use faer::MatRef;

/// A borrowed N×D row-major matrix: one observation per row.
#[derive(Debug, PartialEq)]
pub struct Rows<'a, T> {
    data: &'a [T],
    n_rows: usize,
    n_cols: usize,
}

impl<'a, T> Rows<'a, T> {
    /// Views `data` as rows of `n_cols` values each.
    ///
    /// # Errors
    /// [`MixtureError::Shape`] when `n_cols` is 0 or `data.len()` is not a multiple of it.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::Rows;
    /// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// let x = Rows::new(&data, 2)?;
    /// assert_eq!((x.n_rows(), x.n_cols()), (3, 2));
    /// assert_eq!(x.row(1), &[3.0, 4.0]);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn new(data: &'a [T], n_cols: usize) -> Result<Self, MixtureError> {
        if n_cols == 0 || !data.len().is_multiple_of(n_cols) {
            return Err(MixtureError::Shape {
                len: data.len(),
                n_cols,
            });
        }
        Ok(Self {
            data,
            n_rows: data.len() / n_cols,
            n_cols,
        })
    }

    /// Number of rows (observations).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns (features).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// The whole buffer, row after row.
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }

    /// Row `i`.
    ///
    /// # Panics
    /// When `i >= n_rows()`.
    pub fn row(&self, i: usize) -> &'a [T] {
        &self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// Rows `start..end` as a view of their own.
    ///
    /// # Panics
    /// When the range is out of bounds.
    pub fn slice_rows(&self, start: usize, end: usize) -> Rows<'a, T> {
        Rows {
            data: &self.data[start * self.n_cols..end * self.n_cols],
            n_rows: end - start,
            n_cols: self.n_cols,
        }
    }

    /// An iterator over the rows.
    pub fn iter(&self) -> std::slice::ChunksExact<'a, T> {
        self.data.chunks_exact(self.n_cols)
    }
}

impl<'a, T: Scalar> Rows<'a, T> {
    /// The same data as a faer matrix view (no copy).
    pub fn as_mat(&self) -> MatRef<'a, T> {
        MatRef::from_row_major_slice(self.data, self.n_rows, self.n_cols)
    }
}

/// An owned N×D row-major matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct RowMatrix<T> {
    data: Vec<T>,
    n_rows: usize,
    n_cols: usize,
}

impl<T> RowMatrix<T> {
    /// Takes ownership of `data`, read as rows of `n_cols` values each.
    ///
    /// # Errors
    /// [`MixtureError::Shape`] when `n_cols` is 0 or `data.len()` is not a multiple of it.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::RowMatrix;
    /// let m = RowMatrix::new(vec![1.0_f32, 2.0, 3.0, 4.0], 2)?;
    /// assert_eq!(m.get(1, 0), 3.0);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn new(data: Vec<T>, n_cols: usize) -> Result<Self, MixtureError> {
        let n_rows = Rows::new(&data, n_cols)?.n_rows();
        Ok(Self {
            data,
            n_rows,
            n_cols,
        })
    }

    /// Builds a matrix from equal-length rows.
    ///
    /// # Errors
    /// [`MixtureError::Shape`] when there are no rows, the rows are empty, or a row's length
    /// differs from the first row's (the error names the first offending row's length).
    ///
    /// # Examples
    /// ```
    /// use mixture_core::RowMatrix;
    /// let m = RowMatrix::from_rows(&[[1.0, 2.0], [3.0, 4.0]])?;
    /// assert_eq!(m.n_rows(), 2);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn from_rows<R: AsRef<[T]>>(rows: &[R]) -> Result<Self, MixtureError>
    where
        T: Clone,
    {
        let n_cols = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * n_cols);
        for (i, r) in rows.iter().enumerate() {
            let r = r.as_ref();
            if r.len() != n_cols {
                return Err(MixtureError::RaggedRow {
                    row: i,
                    len: r.len(),
                    expected: n_cols,
                });
            }
            data.extend_from_slice(r);
        }
        Self::new(data, n_cols)
    }

    /// A zero-filled `n_rows`×`n_cols` matrix.
    ///
    /// # Panics
    /// When `n_rows·n_cols` values cannot be allocated: a caller's bug for sizes it controls;
    /// for sizes that come from input, use [`RowMatrix::try_zeros`].
    pub fn zeros(n_rows: usize, n_cols: usize) -> Self
    where
        T: Clone + Default,
    {
        Self {
            data: vec![T::default(); n_rows.checked_mul(n_cols).expect("matrix size overflows")],
            n_rows,
            n_cols,
        }
    }

    /// A zero-filled `n_rows`×`n_cols` matrix, or an error when it cannot be allocated.
    ///
    /// # Errors
    /// [`MixtureError::TooLarge`] naming `what` (say, "600 samples of 2 features").
    pub fn try_zeros(n_rows: usize, n_cols: usize, what: &str) -> Result<Self, MixtureError>
    where
        T: Clone + Default,
    {
        Ok(Self {
            data: try_filled(n_rows.checked_mul(n_cols), T::default(), what)?,
            n_rows,
            n_cols,
        })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// The element at row `i`, column `j`.
    ///
    /// # Panics
    /// When out of bounds.
    pub fn get(&self, i: usize, j: usize) -> T
    where
        T: Copy,
    {
        assert!(j < self.n_cols, "column {j} out of bounds");
        self.data[i * self.n_cols + j]
    }

    /// Row `i`.
    ///
    /// # Panics
    /// When `i >= n_rows()`.
    pub fn row(&self, i: usize) -> &[T] {
        &self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// Row `i`, mutable.
    ///
    /// # Panics
    /// When `i >= n_rows()`.
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        &mut self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// The whole buffer, row after row.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// The whole buffer, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// The buffer, row after row, giving up ownership.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// A borrowed view.
    pub fn view(&self) -> Rows<'_, T> {
        Rows {
            data: &self.data,
            n_rows: self.n_rows,
            n_cols: self.n_cols,
        }
    }

    /// An iterator over the rows.
    pub fn iter(&self) -> std::slice::ChunksExact<'_, T> {
        self.data.chunks_exact(self.n_cols.max(1))
    }

    /// The same values converted element by element (for example `f64` to `f32`).
    pub fn map<U>(&self, f: impl FnMut(&T) -> U) -> RowMatrix<U> {
        RowMatrix {
            data: self.data.iter().map(f).collect(),
            n_rows: self.n_rows,
            n_cols: self.n_cols,
        }
    }
}

impl<'a, T> From<&'a RowMatrix<T>> for Rows<'a, T> {
    fn from(m: &'a RowMatrix<T>) -> Self {
        m.view()
    }
}

impl<'a, T> From<&'a mut RowMatrix<T>> for Rows<'a, T> {
    fn from(m: &'a mut RowMatrix<T>) -> Self {
        m.view()
    }
}

/// Rows with an optional weight per row: what fitting and scoring take.
///
/// Weights are frequency weights: a row of weight 3 counts as three copies of it, a row of
/// weight 0 as no row at all. They are checked where they are used (finite, at least 0, not
/// all 0, one per row). Every `Rows` or `&RowMatrix` converts into unweighted `Data`.
///
/// # Examples
/// ```
/// use mixture_core::{Data, RowMatrix};
/// let x = RowMatrix::from_rows(&[[0.0], [1.0], [2.0]])?;
/// let w = [1.0, 2.0, 0.5];
/// let data: Data<'_, f64> = x.weighted(&w);
/// assert_eq!(data.weights(), Some(&w[..]));
/// assert_eq!(Data::from(&x).weights(), None);
/// # Ok::<(), mixture_core::MixtureError>(())
/// ```
#[derive(Debug, PartialEq)]
pub struct Data<'a, T> {
    rows: Rows<'a, T>,
    weights: Option<&'a [f64]>,
}

impl<'a, T> Data<'a, T> {
    /// `rows` with `weights` (one per row; `None` gives every row weight 1).
    pub fn new(rows: Rows<'a, T>, weights: Option<&'a [f64]>) -> Self {
        Self { rows, weights }
    }

    /// The rows.
    pub fn rows(&self) -> Rows<'a, T> {
        self.rows
    }

    /// The weights, if any.
    pub fn weights(&self) -> Option<&'a [f64]> {
        self.weights
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.rows.n_rows
    }

    /// Rows `start..end` with their weights.
    ///
    /// # Panics
    /// When the range is out of bounds (of the rows, or of the weights when there are as many
    /// as rows).
    pub fn slice_rows(&self, start: usize, end: usize) -> Data<'a, T> {
        Data {
            rows: self.rows.slice_rows(start, end),
            weights: self.weights.map(|w| &w[start..end]),
        }
    }
}

impl<'a, T> Rows<'a, T> {
    /// These rows with one weight per row.
    pub fn weighted(self, weights: &'a [f64]) -> Data<'a, T> {
        Data::new(self, Some(weights))
    }
}

impl<T> RowMatrix<T> {
    /// These rows with one weight per row.
    pub fn weighted<'a>(&'a self, weights: &'a [f64]) -> Data<'a, T> {
        Data::new(self.view(), Some(weights))
    }
}

impl<'a, T> From<Rows<'a, T>> for Data<'a, T> {
    fn from(rows: Rows<'a, T>) -> Self {
        Data::new(rows, None)
    }
}

impl<'a, T> From<&'a RowMatrix<T>> for Data<'a, T> {
    fn from(m: &'a RowMatrix<T>) -> Self {
        Data::new(m.view(), None)
    }
}

impl<'a, T> From<&'a mut RowMatrix<T>> for Data<'a, T> {
    fn from(m: &'a mut RowMatrix<T>) -> Self {
        Data::new(m.view(), None)
    }
}

// Manual impls: a view is a pair of references, copyable whatever `T` is.
impl<T> Clone for Rows<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Rows<'_, T> {}
impl<T> Clone for Data<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Data<'_, T> {}

/// `n` copies of `value` (`None`: a size that overflowed), or [`MixtureError::TooLarge`]
/// naming `what` when they cannot be allocated: for every buffer sized by input.
///
/// # Errors
/// [`MixtureError::TooLarge`].
pub fn try_filled<T: Clone>(
    n: Option<usize>,
    value: T,
    what: &str,
) -> Result<Vec<T>, MixtureError> {
    let too_large = || MixtureError::TooLarge {
        what: what.to_string(),
        bytes: n.map(|n| n as u128 * std::mem::size_of::<T>() as u128),
    };
    let n = n.ok_or_else(too_large)?;
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| too_large())?;
    v.resize(n, value);
    Ok(v)
}
