//! Data that do not have to fit in memory: a [`BlockSource`] yields rows block by block, pass
//! after pass, and E-M over it runs one pass per iteration with memory bounded by the blocks
//! in flight and the statistics, whatever N is.

use crate::chunked::ChunkedData;
use crate::error::{MixtureError, Result};
use crate::family::Family;
use crate::rows::{Data, RowMatrix, Rows};
use crate::scalar::Scalar;

/// Rows of a data set, read block by block, from the first row again at every pass.
///
/// A pass is [`rewind`](BlockSource::rewind) followed by [`read_block`](BlockSource::read_block)
/// until it returns 0. Every pass must yield the same rows in the same order (a source whose
/// data change between passes should say so with an error from `rewind` or `read_block`).
/// Sources are read from one thread; the blocks are then processed in parallel.
pub trait BlockSource<T> {
    /// Number of columns D.
    fn n_cols(&self) -> usize;

    /// Goes back to the first row.
    ///
    /// # Errors
    /// [`MixtureError::Source`] when the data cannot be read again, or have changed.
    fn rewind(&mut self) -> Result<()>;

    /// Replaces the content of `buf` by up to `max_rows` next rows (row-major) and returns how
    /// many rows it holds; 0 at the end of the pass.
    ///
    /// # Errors
    /// [`MixtureError::Source`] naming what could not be read (file, line, column).
    fn read_block(&mut self, buf: &mut Vec<T>, max_rows: usize) -> Result<usize>;
}

/// An in-memory matrix as a [`BlockSource`] (its rows are copied block by block).
#[derive(Debug, Clone)]
pub struct MatrixSource<'a, T> {
    rows: Rows<'a, T>,
    next: usize,
}

impl<'a, T> MatrixSource<'a, T> {
    /// A source over `rows`.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::{BlockSource, MatrixSource, Rows};
    /// let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    /// let mut source = MatrixSource::new(Rows::new(&data, 2)?);
    /// let mut buf = Vec::new();
    /// assert_eq!(source.read_block(&mut buf, 2)?, 2);
    /// assert_eq!(buf, [1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(source.read_block(&mut buf, 2)?, 1);
    /// assert_eq!(source.read_block(&mut buf, 2)?, 0);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn new(rows: impl Into<Rows<'a, T>>) -> Self {
        Self {
            rows: rows.into(),
            next: 0,
        }
    }
}

impl<T: Copy> BlockSource<T> for MatrixSource<'_, T> {
    fn n_cols(&self) -> usize {
        self.rows.n_cols()
    }

    fn rewind(&mut self) -> Result<()> {
        self.next = 0;
        Ok(())
    }

    fn read_block(&mut self, buf: &mut Vec<T>, max_rows: usize) -> Result<usize> {
        let end = (self.next + max_rows).min(self.rows.n_rows());
        let n = end - self.next;
        buf.clear();
        buf.extend_from_slice(self.rows.slice_rows(self.next, end).as_slice());
        self.next = end;
        Ok(n)
    }
}

/// A slice of weights as a one-column [`BlockSource`].
#[derive(Debug, Clone)]
pub struct SliceSource<'a> {
    values: &'a [f64],
    next: usize,
}

impl<'a> SliceSource<'a> {
    /// A source over `values`, one per row.
    pub fn new(values: &'a [f64]) -> Self {
        Self { values, next: 0 }
    }
}

impl BlockSource<f64> for SliceSource<'_> {
    fn n_cols(&self) -> usize {
        1
    }

    fn rewind(&mut self) -> Result<()> {
        self.next = 0;
        Ok(())
    }

    fn read_block(&mut self, buf: &mut Vec<f64>, max_rows: usize) -> Result<usize> {
        let end = (self.next + max_rows).min(self.values.len());
        buf.clear();
        buf.extend_from_slice(&self.values[self.next..end]);
        let n = end - self.next;
        self.next = end;
        Ok(n)
    }
}

/// Reads the next block of rows from `x` and, when there are weights, as many weights from
/// `w`: the way every pass over a weighted source reads.
///
/// # Errors
/// The sources' errors, [`MixtureError::DimensionMismatch`] for a weight source with more than
/// one column, and [`MixtureError::WeightCount`] with both totals when the weights end before
/// or after the rows (`rows_before` rows having been read in this pass; the rest of both sources
/// is read to count them).
pub fn read_weighted<T: Scalar>(
    x: &mut dyn BlockSource<T>,
    w: Option<&mut (dyn BlockSource<f64> + '_)>,
    rows: &mut Vec<T>,
    weights: &mut Vec<f64>,
    max_rows: usize,
    rows_before: usize,
) -> Result<usize> {
    let n = x.read_block(rows, max_rows)?;
    if let Some(w) = w {
        if w.n_cols() != 1 {
            return Err(MixtureError::DimensionMismatch {
                expected: 1,
                found: w.n_cols(),
            });
        }
        // At the end of the rows, one more read tells whether weights are left over.
        let m = w.read_block(weights, n.max(1))?;
        if m != n {
            // Count both to their ends, so that the error gives the files' totals.
            let count = |read: &mut dyn FnMut() -> Result<usize>| {
                let mut total = 0;
                while let Ok(k) = read() {
                    if k == 0 {
                        break;
                    }
                    total += k;
                }
                total
            };
            let mut scratch_x = Vec::new();
            let mut scratch_w = Vec::new();
            let more_rows = count(&mut || x.read_block(&mut scratch_x, 1 << 12));
            let more_weights = count(&mut || w.read_block(&mut scratch_w, 1 << 12));
            return Err(MixtureError::WeightCount {
                n_weights: rows_before + m + more_weights,
                n_rows: rows_before + n + more_rows,
            });
        }
    }
    Ok(n)
}

/// Where a fit's rows come from ([`Estimator::fit_with`](crate::Estimator::fit_with)): one
/// in-memory matrix, sources read pass after pass, or chunks held elsewhere.
///
/// Rows in memory convert into it (`&RowMatrix`, [`Rows`], [`Data`]).
#[non_exhaustive]
pub enum Input<'x, T: Scalar, F: Family<T>> {
    /// Rows in memory, with optional weights (already validated).
    Memory(Data<'x, T>),
    /// Rows (and weights) read block by block; validated as they are read.
    Stream {
        /// The rows.
        x: &'x mut dyn BlockSource<T>,
        /// Their weights (a one-column source, one weight per row), if any.
        w: Option<&'x mut dyn BlockSource<f64>>,
    },
    /// Chunks held elsewhere, which compute each pass themselves (and validate their rows).
    Chunked(&'x mut dyn ChunkedData<T, F>),
}

impl<'x, T: Scalar, F: Family<T>> From<Data<'x, T>> for Input<'x, T, F> {
    fn from(data: Data<'x, T>) -> Self {
        Input::Memory(data)
    }
}

impl<'x, T: Scalar, F: Family<T>> From<Rows<'x, T>> for Input<'x, T, F> {
    fn from(rows: Rows<'x, T>) -> Self {
        Input::Memory(rows.into())
    }
}

impl<'x, T: Scalar, F: Family<T>> From<&'x RowMatrix<T>> for Input<'x, T, F> {
    fn from(rows: &'x RowMatrix<T>) -> Self {
        Input::Memory(rows.into())
    }
}
