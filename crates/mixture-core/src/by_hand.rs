//! The estimator's parts for fits it does not drive itself: a chunk's answer to a request of a
//! fit over chunks held elsewhere ([`Estimator::chunk`]), and E-M by hand (the E-step of some
//! rows, the M-step of merged statistics).

use crate::chunked::{ChunkRequest, ChunkResult};
use crate::e_step::{Source, Workspace, accumulate_block};
use crate::error::{MixtureError, Result};
use crate::estimator::Estimator;
use crate::family::{Components, Family};
use crate::m_step::{Hold, m_step_checked};
use crate::m_step::{MStep, m_step};
use crate::mixture::Mixture;
use crate::options::DegeneratePolicy;
use crate::rows::Data;
use crate::sample::{KeyCounts, RowSample};
use crate::scalar::Scalar;
use crate::start::Start;
use crate::statistics::{MergeTree, Statistics};
use crate::validate::{check_block, check_data};

impl<F> Estimator<F> {
    /// One chunk's answer to `request`: its rows (`block`, optionally weighted) checked, then
    /// its part of the initialisation sample, or its statistics (computed in blocks of
    /// `block_rows` merged by a [`crate::chunked::MergeTree`], as the fit computes them). `first_row`
    /// is the index of its first row in the whole data (for errors, sampling keys and random
    /// responsibilities).
    ///
    /// # Errors
    /// Invalid rows, weights or values outside the family's domain (naming the row counted
    /// from the start of the data and the column), a dimension other than the request's, an
    /// inconsistent request, or [`MixtureError::ZeroDensity`] for a row no component explains.
    pub fn chunk<'a, T>(
        &self,
        request: &ChunkRequest<T, F::Components>,
        block: impl Into<Data<'a, T>>,
        first_row: usize,
    ) -> Result<ChunkResult<F::Stats>>
    where
        T: Scalar,
        F: Family<T>,
    {
        let block = block.into();
        let n_features = match request {
            ChunkRequest::SampleKeys { n_features, .. }
            | ChunkRequest::Sample { n_features, .. }
            | ChunkRequest::Statistics { n_features, .. } => *n_features,
        };
        check_block(
            block,
            first_row,
            n_features,
            <F::Components as Components<T>>::check_domain,
        )?;
        match request {
            ChunkRequest::SampleKeys { seed, .. } => {
                let mut counts = KeyCounts::new(*seed);
                counts.count_rows(block, first_row);
                Ok(ChunkResult::KeyCounts(counts))
            }
            ChunkRequest::Sample {
                seed, size, above, ..
            } => {
                let mut sample = RowSample::new(*seed, *size);
                sample.offer_rows_above(block, first_row, *above);
                Ok(ChunkResult::Sample(sample))
            }
            ChunkRequest::Statistics {
                source, accumulate, ..
            } => {
                // In the estimator's blocks, merged as the fit merges them: the cache-sized
                // blocks are faster than one large one, and chunks of 2^m blocks keep the
                // bits of the fit in memory.
                let (source, k) = source.as_source(n_features)?;
                Ok(ChunkResult::Statistics(statistics_in_blocks(
                    self.family(),
                    source,
                    block,
                    first_row,
                    *accumulate,
                    (k, n_features, self.options().block_rows),
                )?))
            }
        }
    }
}

/// E-M by hand: the E-step of some rows and the M-step of merged statistics, the parts of
/// [`Estimator::fit`]'s iteration.
impl<F> Estimator<F> {
    /// The E-step statistics of `block` (rows `first_row..` of the data, optionally weighted)
    /// under `model`: what [`Estimator::fit`] computes for each block of `block_rows` rows.
    /// Merge the statistics of all blocks in order with a [`crate::chunked::MergeTree`] and hand them to
    /// [`Estimator::m_step`] for one E-M iteration. `first_row` only names rows in errors and
    /// in the worst-row list.
    ///
    /// Uses the family's settings as given: for settings resolved from the data (a
    /// regularisation relative to its variance), use [`Estimator::prepared`] first.
    ///
    /// # Errors
    /// Invalid data or weights (as [`Estimator::fit`]), a dimension other than the model's, or
    /// [`MixtureError::ZeroDensity`] for a row of positive weight no component explains.
    ///
    /// # Examples
    /// `mixture_gauss`'s crate documentation fits by hand, block by block, and gets the bits
    /// of `fit`.
    pub fn e_step<'a, T>(
        &self,
        model: &Mixture<T, F::Components>,
        block: impl Into<Data<'a, T>>,
        first_row: usize,
    ) -> Result<Statistics<F::Stats>>
    where
        T: Scalar,
        F: Family<T>,
    {
        let block = block.into();
        check_data(block, Some(model.n_features()))?;
        <F::Components as Components<T>>::check_domain(block.rows())?;
        let mut stats = self.empty_statistics(model);
        accumulate_block(
            self.family(),
            Source::Model(model),
            block,
            first_row,
            true,
            &mut Workspace::default(),
            &mut stats,
        )?;
        Ok(stats)
    }

    /// Empty statistics for `model`'s K and D: the start of a merge.
    pub fn empty_statistics<T>(&self, model: &Mixture<T, F::Components>) -> Statistics<F::Stats>
    where
        T: Scalar,
        F: Family<T>,
    {
        Statistics::new(
            self.family()
                .new_stats(model.n_components(), model.n_features()),
        )
    }

    /// The M-step: the new mixture from merged statistics, with degenerate components handled
    /// by the estimator's policy ([`Estimator::on_degenerate`]).
    ///
    /// # Errors
    /// See [`m_step`].
    /// [`MixtureError::InvalidOption`] when parameters are held ([`Estimator::hold`]): use
    /// [`Estimator::m_step_holding`].
    pub fn m_step<T>(&self, stats: &Statistics<F::Stats>) -> Result<MStep<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
    {
        self.family().check_options()?;
        if !self.options().held.is_empty() {
            return Err(MixtureError::InvalidOption {
                name: "held",
                value: self.options().held.to_string(),
                expected: "needs the current model: call m_step_holding",
            });
        }
        m_step(self.family(), stats, self.options().on_degenerate)
    }

    /// The M-step keeping the held parameter groups ([`Estimator::hold`]) at `current`'s
    /// values: what [`Estimator::fit_from`] does in every iteration from `current`.
    ///
    /// # Errors
    /// As [`Estimator::m_step`], and [`MixtureError::InvalidOption`] for options or held
    /// groups the family does not have.
    pub fn m_step_holding<T>(
        &self,
        stats: &Statistics<F::Stats>,
        current: &Mixture<T, F::Components>,
    ) -> Result<MStep<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
    {
        self.check_options::<T>()?;
        self.check_held(Some(&Start::from(current)))?;
        m_step_checked(
            self.family(),
            stats,
            self.options().on_degenerate,
            None,
            Some(Hold {
                current,
                held: self.options().held,
            }),
        )
    }
}

/// Starts from a partition of the rows.
impl<F> Estimator<F> {
    /// The mixture of one M-step from a partition of the rows of `data`: row `i` belongs
    /// wholly to component `labels[i]` (mclust's `mstep` from a classification). Pass it to
    /// [`Estimator::fit_from`] to run E-M from that partition. The family's data-dependent
    /// settings are resolved on `data` as a fit resolves them ([`Estimator::prepared`]); the
    /// statistics are summed in the fit's blocks, so the mixture is the same on any thread
    /// count.
    ///
    /// # Errors
    /// Invalid data or weights (as [`Estimator::fit`]); [`MixtureError::InvalidOption`]
    /// (`labels`) when there is not one label per row, a label is not below the estimator's K,
    /// or a component has no row of positive weight; the M-step's own errors.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::{Estimator, Rows};
    /// # use mixture_core::{Components, Family, Scalar};
    /// # fn run<F: Family<f64>>(family: F) -> mixture_core::Result<()> {
    /// let x = [0.0, 0.1, 0.2, 5.0, 5.1, 5.3];
    /// let est = Estimator::new(family, 2);
    /// let start = est.start_from_labels(Rows::new(&x, 1)?, &[0, 0, 0, 1, 1, 1])?;
    /// let fitted = est.fit_from(&start, Rows::new(&x, 1)?)?;
    /// assert_eq!(fitted.mixture.n_components(), 2);
    /// # Ok(()) }
    /// ```
    pub fn start_from_labels<'a, T>(
        &self,
        data: impl Into<Data<'a, T>>,
        labels: &[usize],
    ) -> Result<Mixture<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
    {
        let data = data.into();
        self.check_options::<T>()?;
        check_data(data, None)?;
        <F::Components as Components<T>>::check_domain(data.rows())?;
        let (n, d, k) = (data.n_rows(), data.rows().n_cols(), self.n_components());
        let bad = |value: String, expected: &'static str| MixtureError::InvalidOption {
            name: "labels",
            value,
            expected,
        };
        if labels.len() != n {
            return Err(bad(
                format!("{} labels for {n} rows", labels.len()),
                "one label per row",
            ));
        }
        if let Some((i, &l)) = labels.iter().enumerate().find(|&(_, &l)| l >= k) {
            return Err(bad(
                format!("row {i}'s label {l} with K = {k}"),
                "labels below the number of components",
            ));
        }
        let positive = |i: usize| data.weights().is_none_or(|w| w[i] > 0.0);
        let mut centres = vec![0.0; k * d];
        let mut counts = vec![0usize; k];
        for (i, row) in data.rows().iter().enumerate().filter(|&(i, _)| positive(i)) {
            counts[labels[i]] += 1;
            for (c, v) in centres[labels[i] * d..].iter_mut().zip(row) {
                *c += v.as_f64();
            }
        }
        if let Some(c) = counts.iter().position(|&m| m == 0) {
            return Err(bad(
                format!("component {c} has no row of positive weight"),
                "every component with at least one row",
            ));
        }
        for (c, &m) in counts.iter().enumerate() {
            for v in &mut centres[c * d..(c + 1) * d] {
                *v /= m as f64;
            }
        }
        let labelled: Vec<(usize, usize)> = labels.iter().copied().enumerate().collect();
        let prepared = self.prepared(data)?;
        let source = Source::Centres {
            centres: &centres,
            labelled: &labelled,
        };
        let stats = statistics_in_blocks(
            prepared.family(),
            source,
            data,
            0,
            true,
            (k, d, self.options().block_rows),
        )?;
        Ok(m_step(prepared.family(), &stats, DegeneratePolicy::Error)?.mixture)
    }
}

/// The statistics of `data` (rows `first_row..` of the whole data) under `source`, for K and
/// D and in blocks of `block_rows` (`shape`) merged in order, as the fit computes and merges
/// them, so that the sums have the fit's bits.
fn statistics_in_blocks<T: Scalar, F: Family<T>>(
    family: &F,
    source: Source<'_, T, F::Components>,
    data: Data<'_, T>,
    first_row: usize,
    accumulate: bool,
    (k, d, block_rows): (usize, usize, usize),
) -> Result<Statistics<F::Stats>> {
    let mut stats = Statistics::new(family.new_stats(k, d));
    let (mut tree, mut workspace) = (MergeTree::new(), Workspace::default());
    let n = data.n_rows();
    for start in (0..n).step_by(block_rows) {
        stats.reset();
        accumulate_block(
            family,
            source,
            data.slice_rows(start, (start + block_rows).min(n)),
            first_row + start,
            accumulate,
            &mut workspace,
            &mut stats,
        )?;
        tree.push_unchecked(&stats);
    }
    Ok(tree.finish().unwrap_or(stats))
}
