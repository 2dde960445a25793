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
                let mut stats = Statistics::new(self.family().new_stats(k, n_features));
                let (mut tree, mut workspace) = (MergeTree::new(), Workspace::default());
                let (n, b) = (block.n_rows(), self.options().block_rows);
                for start in (0..n).step_by(b) {
                    stats.reset();
                    accumulate_block(
                        self.family(),
                        source,
                        block.slice_rows(start, (start + b).min(n)),
                        first_row + start,
                        *accumulate,
                        &mut workspace,
                        &mut stats,
                    )?;
                    tree.push_unchecked(&stats);
                }
                Ok(ChunkResult::Statistics(tree.finish().unwrap_or(stats)))
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
