//! The in-memory engine: E-M passes over the row blocks of one matrix.
//!
//! A pass computes each block's [`Statistics`] (in parallel, in waves of blocks) and merges
//! them in block order through a [`MergeTree`]: the path a hand-written loop of
//! `Estimator::e_step` and a `MergeTree` takes (on this machine or a cluster's workers), so
//! the two agree bit for bit, and the result does not depend on the number of threads or on
//! the size of a wave. Memory
//! beyond the data is O(wave · (block_rows · K + statistics)), never N × K.

use crate::chunked::{ChunkRequest, ChunkResult, Responsibilities, chunk_answer};
use crate::degeneracy::{DegenerateAction, DegenerateReason};
use crate::e_step::{Source, Workspace, accumulate_block};
use crate::error::{MixtureError, Result};
use crate::family::{Components, Family, SufficientStats};
use crate::hierarchy::Hierarchy;
use crate::init::{Init, Start, initial_centres};
use crate::m_step::{Hold, MStep, m_step_checked};
use crate::mixture::Mixture;
use crate::moves::{Reassignment, invalid_move};
use crate::options::{DegeneratePolicy, EmOptions, SpuriousPolicy, StopRule};
use crate::report::{
    DegenerateEvent, FitObserver, IterationRecord, MAX_HISTORY, RunSummary, SuspectComponent,
    suspect_components,
};
use crate::rows::{Data, RowMatrix, Rows};
use crate::sample::{RowSample, Sampled, sample_rows};
use crate::scalar::Scalar;
use crate::source::{Input, read_weighted};
use crate::statistics::{MergeTree, Statistics};
use crate::validate::{check_block, check_n_components};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rayon::prelude::*;

/// Most blocks computed per wave.
const MAX_WAVE: usize = 32;
/// Statistics values (f64) the blocks of a wave may hold together: the wave shrinks for
/// large K·D² so that memory stays bounded (at most 256 MiB).
const WAVE_VALUES: usize = 32 << 20;

/// What one initialisation run produced.
pub(crate) struct RunOutcome<T, C> {
    pub(crate) model: Mixture<T, C>,
    pub(crate) summary: RunSummary,
    pub(crate) history: Vec<IterationRecord>,
    /// The final model's suspect components.
    pub(crate) suspect: Vec<SuspectComponent>,
}

/// One block's working memory, rows (when streamed) and statistics, reused across passes.
struct Slot<T, S, W> {
    workspace: Workspace<T, W>,
    stats: Statistics<S>,
    error: Option<MixtureError>,
    /// The block's rows and weights, when read from sources.
    rows: Vec<T>,
    weights: Vec<f64>,
    /// Where the block starts, and its length.
    first_row: usize,
    n_rows: usize,
}

/// E-M over one data set, in memory or streamed.
pub(crate) struct Engine<'x, T: Scalar, F: Family<T>> {
    family: F,
    input: Input<'x, T, F>,
    n_cols: usize,
    options: EmOptions,
    slots: Vec<Slot<T, F::Stats, F::Scratch>>,
    /// Merges the blocks of a pass into `total`.
    tree: MergeTree<F::Stats>,
    total: Statistics<F::Stats>,
    /// Degenerate components met so far, in every run.
    pub(crate) events: Vec<DegenerateEvent>,
}

/// A fit's peak memory in copies of its statistics: the blocks' and the merged statistics,
/// the current, next and best models (a full covariance and its Cholesky factor each) and the
/// M-step's temporaries. Measured: a full-covariance fit of 40 rows of 1000 features peaks at
/// 17 copies of D² values for K = 1 and 13.6 more per further component.
const PEAK_COPIES: usize = 18;

impl<'x, T: Scalar, F: Family<T>> Engine<'x, T, F> {
    /// # Errors
    /// [`MixtureError::TooLarge`] when the fit's peak ([`PEAK_COPIES`] copies of the
    /// statistics of K components of this dimension) cannot be allocated.
    pub(crate) fn new(
        family: F,
        input: Input<'x, T, F>,
        k: usize,
        options: EmOptions,
    ) -> Result<Self> {
        let n_cols = match &input {
            Input::Memory(data) => data.rows().n_cols(),
            Input::Stream { x, .. } => x.n_cols(),
            Input::Chunked(chunks) => chunks.n_features(),
        };
        // Reserving (not touching) the fit's peak finds sizes this machine cannot hold (its
        // memory, or a limit on the process's address space) before any is used, where an
        // allocation midway would abort.
        let values = family
            .stats_values(k, n_cols)
            .and_then(|v| v.checked_mul(PEAK_COPIES));
        if values.is_none_or(|n| Vec::<f64>::new().try_reserve_exact(n).is_err()) {
            return Err(MixtureError::TooLarge {
                what: format!(
                    "a fit of {k} component{} of {n_cols} features ({} family; its statistics and models at their peak, about {PEAK_COPIES} copies of the statistics; fewer components, or a diagonal or spherical covariance, need less)",
                    if k == 1 { "" } else { "s" },
                    family.name()
                ),
                bytes: values.map(|n| n as u128 * 8),
            });
        }
        let empty = family.new_stats(0, n_cols);
        let mut engine = Self {
            family,
            input,
            n_cols,
            options,
            slots: Vec::new(),
            tree: MergeTree::new(),
            total: Statistics::new(empty),
            events: Vec::new(),
        };
        engine.set_components(k);
        Ok(engine)
    }

    /// The fit's options.
    pub(crate) fn options(&self) -> &EmOptions {
        &self.options
    }

    /// Number of columns D.
    pub(crate) fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// The weight total of the last pass.
    pub(crate) fn weight_total(&self) -> f64 {
        self.total.weight_total()
    }

    /// Replaces the family's settings (resolved on the sample by `Family::prepare`).
    pub(crate) fn set_family(&mut self, family: F) {
        self.family = family;
        let k = self.total.n_components();
        self.slots.clear();
        self.set_components(k);
    }

    /// Sizes the working memory for `k` components (a new run, or after a drop).
    fn set_components(&mut self, k: usize) {
        if k == self.total.n_components() && !self.slots.is_empty() {
            return;
        }
        let stats = Statistics::new(self.family.new_stats(k, self.n_cols));
        let n_blocks = match &self.input {
            Input::Memory(data) => data.n_rows().div_ceil(self.options.block_rows),
            Input::Stream { .. } => usize::MAX,
            Input::Chunked(_) => 1, // computed elsewhere
        };
        let per_slot = stats.family().n_values().max(1);
        let wave = (WAVE_VALUES / per_slot)
            .clamp(2, MAX_WAVE)
            .min(n_blocks.max(1));
        self.slots = (0..wave)
            .map(|_| Slot {
                workspace: Workspace::default(),
                stats: stats.clone(),
                error: None,
                rows: Vec::new(),
                weights: Vec::new(),
                first_row: 0,
                n_rows: 0,
            })
            .collect();
        self.tree.clear();
        self.total = stats;
    }

    /// Reads the next wave of blocks into the slots (streams) or marks their ranges (memory);
    /// returns how many blocks it holds (0 at the end of the pass).
    fn fill_wave(&mut self, next_row: &mut usize) -> Result<usize> {
        let b = self.options.block_rows;
        let mut filled = 0;
        for slot in &mut self.slots {
            let n = match &mut self.input {
                Input::Memory(data) => b.min(data.n_rows() - *next_row),
                Input::Stream { x, w } => read_weighted(
                    &mut **x,
                    w.as_deref_mut(),
                    &mut slot.rows,
                    &mut slot.weights,
                    b,
                    *next_row,
                )?,
                Input::Chunked(_) => 0,
            };
            if n == 0 {
                break;
            }
            (slot.first_row, slot.n_rows) = (*next_row, n);
            *next_row += n;
            filled += 1;
        }
        Ok(filled)
    }

    /// One pass over the data: every block's statistics, merged in block order (a
    /// [`MergeTree`]) into `self.total`. Without `accumulate`, only the log-likelihood (and worst rows).
    fn pass(&mut self, source: Source<'_, T, F::Components>, accumulate: bool) -> Result<()> {
        if let Input::Stream { x, w } = &mut self.input {
            x.rewind()?;
            if let Some(w) = w {
                w.rewind()?;
            }
        }
        self.total.reset();
        let n_cols = self.n_cols;
        let (memory, weighted) = match &mut self.input {
            Input::Memory(data) => (Some(*data), data.weights().is_some()),
            Input::Stream { w, .. } => (None, w.is_some()),
            Input::Chunked(chunks) => {
                let request = ChunkRequest::Statistics {
                    n_features: n_cols,
                    source: Responsibilities::of(source, self.total.n_components()),
                    accumulate,
                };
                let total = match chunks.run(&request)? {
                    ChunkResult::Statistics(total) => total,
                    _ => return Err(chunk_answer("something else than statistics")),
                };
                if let Some(reason) = self.total.family().incompatibility(total.family()) {
                    return Err(chunk_answer(&reason));
                }
                self.total = total;
                return self.check_pass(self.total.n_rows());
            }
        };
        let mut next_row = 0;
        loop {
            let in_wave = self.fill_wave(&mut next_row)?;
            if in_wave == 0 {
                break;
            }
            let family = &self.family;
            let work = |slot: &mut Slot<T, F::Stats, F::Scratch>| {
                let Slot {
                    workspace,
                    stats,
                    error,
                    rows,
                    weights,
                    first_row,
                    n_rows,
                } = slot;
                let (start, end) = (*first_row, *first_row + *n_rows);
                let data = match memory {
                    Some(data) => data.slice_rows(start, end),
                    None => Data::new(
                        Rows::new(rows, n_cols).expect("whole rows"),
                        weighted.then_some(&weights[..]),
                    ),
                };
                stats.reset();
                let checked = match memory {
                    Some(_) => Ok(()),
                    None => check_block(
                        data,
                        start,
                        n_cols,
                        <F::Components as Components<T>>::check_domain,
                    ),
                };
                *error = checked
                    .and_then(|()| {
                        accumulate_block(family, source, data, start, accumulate, workspace, stats)
                    })
                    .err();
            };
            // One block (small data): no hand-over to the pool, whose wake-ups would cost
            // more than the block.
            if in_wave == 1 {
                work(&mut self.slots[0]);
            } else {
                self.slots[..in_wave].par_iter_mut().for_each(work);
            }
            for slot in &mut self.slots[..in_wave] {
                if let Some(e) = slot.error.take() {
                    return Err(e);
                }
                self.tree.push_unchecked(&slot.stats);
            }
        }
        if let Some(total) = self.tree.finish() {
            let previous = std::mem::replace(&mut self.total, total);
            self.tree.recycle(previous);
        }
        self.check_pass(next_row)
    }

    /// Refuses a pass over no rows, or over rows of no weight.
    fn check_pass(&self, n_rows: usize) -> Result<()> {
        if n_rows == 0 {
            return Err(MixtureError::EmptyData {
                n_rows: 0,
                n_cols: self.n_cols,
            });
        }
        if self.total.weight_total() <= 0.0 {
            return Err(MixtureError::ZeroTotalWeight { n_rows });
        }
        Ok(())
    }

    /// A pass that checks every row (streams, chunks) and draws the initialisation sample:
    /// a seeded weighted reservoir of [`sample_rows`] rows of positive weight, in row order.
    /// Also checks that there are at least `k` rows of positive weight.
    pub(crate) fn sample(&mut self, k: usize) -> Result<Sampled<T>> {
        let (seed, size) = (self.options.seed, sample_rows(k, self.n_cols));
        let mut sample = RowSample::new(seed, size);
        let (mut rows, mut weights) = (Vec::new(), Vec::new());
        let b = self.options.block_rows;
        match &mut self.input {
            Input::Memory(data) => sample.offer_rows(*data, 0),
            Input::Stream { x, w } => {
                x.rewind()?;
                if let Some(w) = w {
                    w.rewind()?;
                }
                loop {
                    let first = sample.n_rows();
                    let n = read_weighted(
                        &mut **x,
                        w.as_deref_mut(),
                        &mut rows,
                        &mut weights,
                        b,
                        first,
                    )?;
                    if n == 0 {
                        break;
                    }
                    let data = Data::new(
                        Rows::new(&rows, self.n_cols).expect("whole rows"),
                        w.is_some().then_some(&weights[..]),
                    );
                    check_block(
                        data,
                        first,
                        self.n_cols,
                        <F::Components as Components<T>>::check_domain,
                    )?;
                    sample.offer_rows(data, first);
                }
            }
            Input::Chunked(chunks) => {
                // Two passes: the keys' counts, then only the rows above the highest threshold
                // with enough rows above it (the same sample; far fewer rows travel).
                let n_features = self.n_cols;
                let counts = match chunks.run(&ChunkRequest::SampleKeys { seed, n_features })? {
                    ChunkResult::KeyCounts(c) if c.seed == seed => c,
                    _ => return Err(chunk_answer("something else than key counts")),
                };
                let above = counts.threshold(size);
                let request = ChunkRequest::Sample {
                    seed,
                    size,
                    n_features,
                    above,
                };
                sample = match chunks.run(&request)? {
                    ChunkResult::Sample(s) if (s.seed, s.size) == (seed, size) => s,
                    _ => return Err(chunk_answer("something else than its sample")),
                };
                if sample.kept.iter().any(|r| r.0.values.len() != self.n_cols) {
                    return Err(chunk_answer("sample rows of another dimension"));
                }
            }
        }
        let n_rows = sample.n_rows();
        if n_rows == 0 {
            return Err(MixtureError::EmptyData {
                n_rows: 0,
                n_cols: self.n_cols,
            });
        }
        let total = sample.weight_total();
        if total <= 0.0 {
            return Err(MixtureError::ZeroTotalWeight { n_rows });
        }
        if !total.is_finite() {
            return Err(MixtureError::WeightTotalOverflow { n_rows });
        }
        check_n_components(k, sample.positive_rows())?;
        let weighted = sample.weighted;
        let (values, sample_weights, indices) = sample.into_rows::<T>();
        Ok(Sampled {
            n_rows,
            rows: RowMatrix::new(values, self.n_cols)?,
            weights: weighted.then_some(sample_weights),
            indices,
        })
    }

    /// The first parameters of run `run` from the sample: centres chosen by the
    /// initialisation, every row assigned to its nearest centre (or, for [`Init::Random`],
    /// given random responsibilities), then one M-step (iteration 0 of the degenerate events).
    pub(crate) fn initialise(
        &mut self,
        sample: &Sampled<T>,
        k: usize,
        run: usize,
    ) -> Result<Mixture<T, F::Components>> {
        self.initial_pass(sample, k, run)?;
        Ok(self.m_step(run, 0, None)?.mixture)
    }

    /// The pass of [`Engine::initialise`] before its M-step: the statistics of run `run`'s
    /// starting responsibilities, left in `self.total` (for K components, or fewer when the
    /// drop policy met fewer distinct rows).
    pub(crate) fn initial_pass(&mut self, sample: &Sampled<T>, k: usize, run: usize) -> Result<()> {
        if self.options.init == Init::Random {
            self.set_components(k);
            let seed = self.options.seed;
            return self.pass(Source::Random { seed, run }, true);
        }
        // The hierarchical start has no random draws: the runs after it are k-means++ runs,
        // so that n_init > 1 tries other basins.
        let init = match self.options.init {
            Init::Hierarchical if run > 0 => Init::KMeansPlusPlus,
            init => init,
        };
        let centres_for = |k: usize| {
            let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
            rng.set_stream(run as u64);
            initial_centres(
                sample.rows.view(),
                sample.weights.as_deref(),
                k,
                init,
                Hierarchy {
                    criterion: self.family.merge_criterion(),
                    merge: self.options.hierarchy_merge,
                    coordinates: self.options.hierarchy_coordinates,
                },
                &mut rng,
            )
        };
        let (centres, k) = match centres_for(k) {
            // With the drop policy, K beyond the distinct rows drops to what the data support.
            Err(MixtureError::TooFewDistinctRows { n_distinct, .. })
                if self.options.on_degenerate == DegeneratePolicy::Drop && n_distinct > 0 =>
            {
                let centres = centres_for(n_distinct)?;
                self.events.extend((n_distinct..k).map(|_| DegenerateEvent {
                    run,
                    iteration: 0,
                    component: n_distinct,
                    reason: DegenerateReason::Empty,
                    action: DegenerateAction::Dropped,
                }));
                (centres, n_distinct)
            }
            // With the re-seed policy K stays (scikit-learn fits too): the components beyond
            // the distinct rows start on the last centre, lose every row to it, and the first
            // M-step re-seeds them as it re-seeds any empty component; the report flags them
            // as suspect. That needs components the family can form on collapsed rows (a
            // Gaussian needs reg_covar > 0): the distinct rows' own start is estimated first,
            // and the family's error, naming what to change, is the answer if it fails.
            Err(MixtureError::TooFewDistinctRows { n_distinct, .. })
                if self.options.on_degenerate == DegeneratePolicy::Reseed && n_distinct > 0 =>
            {
                let mut start = centres_for(n_distinct)?;
                self.set_components(n_distinct);
                self.pass_from(&start, &sample.indices)?;
                m_step_checked(
                    &self.family,
                    &self.total,
                    DegeneratePolicy::Error,
                    None,
                    None,
                )?;
                let d = start.centres.len() / n_distinct;
                let last = start.centres[(n_distinct - 1) * d..].to_vec();
                for _ in n_distinct..k {
                    start.centres.extend_from_slice(&last);
                }
                (start, k)
            }
            other => (other?, k),
        };
        self.set_components(k);
        self.pass_from(&centres, &sample.indices)
    }

    /// The statistics of every row from an initialisation's `start` (nearest centre, or the
    /// start's label), its labelled sample rows mapped to the data by `indices`.
    fn pass_from(&mut self, start: &Start, indices: &[usize]) -> Result<()> {
        let labelled: Vec<(usize, usize)> = start
            .labelled
            .iter()
            .map(|&(r, c)| (indices[r], c))
            .collect();
        self.pass(
            Source::Centres {
                centres: &start.centres,
                labelled: &labelled,
            },
            true,
        )
    }

    /// The statistics of the last pass.
    pub(crate) fn total(&self) -> &Statistics<F::Stats> {
        &self.total
    }

    /// The statistics of every row as one component (their count, mean and spread).
    pub(crate) fn pooled_statistics(&mut self) -> Result<&Statistics<F::Stats>> {
        self.set_components(1);
        let origin = vec![0.0; self.n_cols];
        self.pass(
            Source::Centres {
                centres: &origin,
                labelled: &[],
            },
            true,
        )?;
        Ok(&self.total)
    }

    /// The statistics of a variational pass under `scoring` (see
    /// [`crate::variational::VariationalFit::scoring`]): responsibilities and their entropy.
    pub(crate) fn variational_statistics(
        &mut self,
        scoring: &Mixture<T, F::Components>,
    ) -> Result<&Statistics<F::Stats>> {
        self.set_components(scoring.n_components());
        self.pass(Source::Variational(scoring), true)?;
        Ok(&self.total)
    }

    /// `ln p(X)` of `model` on every row (one pass, no statistics).
    pub(crate) fn log_likelihood_of(&mut self, model: &Mixture<T, F::Components>) -> Result<f64> {
        self.set_components(model.n_components());
        self.pass(Source::Model(model), false)?;
        Ok(self.total.log_likelihood())
    }

    /// The statistics of every row under `model` (one pass).
    pub(crate) fn statistics(
        &mut self,
        model: &Mixture<T, F::Components>,
    ) -> Result<&Statistics<F::Stats>> {
        self.set_components(model.n_components());
        self.pass(Source::Model(model), true)?;
        Ok(&self.total)
    }

    /// The statistics of every row under `model` after `moved` (one pass; see
    /// [`crate::moves`]).
    pub(crate) fn moved_statistics(
        &mut self,
        model: &Mixture<T, F::Components>,
        moved: &Reassignment,
    ) -> Result<&Statistics<F::Stats>> {
        if let Some(reason) = moved.invalid(model.n_components(), self.n_cols) {
            return Err(invalid_move(reason));
        }
        self.set_components(model.n_components());
        self.pass(Source::Moved { model, moved }, true)?;
        Ok(&self.total)
    }

    /// The M-step on the last pass's statistics, recording degenerate components; in E-M
    /// iterations (`current` given) the held parameters keep `current`'s values.
    fn m_step(
        &mut self,
        run: usize,
        iteration: usize,
        current: Option<&Mixture<T, F::Components>>,
    ) -> Result<MStep<T, F::Components>> {
        let rows_needed = match self.options.on_spurious {
            SpuriousPolicy::Degenerate => Some(self.family.rows_needed(self.n_cols)),
            _ => None,
        };
        let step = m_step_checked(
            &self.family,
            &self.total,
            self.options.on_degenerate,
            rows_needed,
            current
                .filter(|_| !self.options.held.is_empty())
                .map(|current| Hold {
                    current,
                    held: self.options.held,
                }),
        )?;
        self.events
            .extend(step.degenerate.iter().map(|d| DegenerateEvent {
                run,
                iteration,
                component: d.component,
                reason: d.reason,
                action: d.action,
            }));
        Ok(step)
    }

    /// E-M iterations from `model` until the stop rule or `max_iter`. `previous` is the mean
    /// log-likelihood the stop rule compares the first iteration with (a warm start's last).
    pub(crate) fn run(
        &mut self,
        mut model: Mixture<T, F::Components>,
        run: usize,
        previous: Option<f64>,
        observer: &mut dyn FitObserver,
    ) -> Result<RunOutcome<T, F::Components>> {
        let d = self.n_cols;
        self.set_components(model.n_components());
        let (mut means_old, mut means_new) =
            (vec![T::zero(); model.n_components() * d], Vec::new());
        model.components().write_means(&mut means_old);
        let mut previous = previous.unwrap_or(f64::NEG_INFINITY);
        let mut history = Vec::with_capacity(self.options.max_iter.min(10_000));
        let mut converged = false;
        let mut n_iter = 0;
        for iteration in 0..self.options.max_iter {
            self.pass(Source::Model(&model), true)?;
            let log_likelihood = self.total.log_likelihood();
            let mean_log_likelihood = log_likelihood / self.total.weight_total();
            let step = self.m_step(run, iteration, Some(&model))?;
            for c in step.dropped() {
                means_old.drain(c * d..(c + 1) * d);
            }
            let next = step.mixture;
            means_new.resize(next.n_components() * d, T::zero());
            next.components().write_means(&mut means_new);
            let mean_shift = means_old
                .iter()
                .zip(&means_new)
                .map(|(a, b)| (b.as_f64() - a.as_f64()).powi(2))
                .sum::<f64>()
                .sqrt();
            std::mem::swap(&mut means_old, &mut means_new);
            let record = IterationRecord {
                run,
                iteration,
                log_likelihood,
                mean_log_likelihood,
                change: mean_log_likelihood - previous,
                mean_shift,
            };
            observer.on_iteration(&record);
            if !observer.keep_going() {
                return Err(MixtureError::Interrupted { run, iteration });
            }
            history.push(record);
            n_iter += 1;
            if history.len() == 2 * MAX_HISTORY {
                history.drain(..MAX_HISTORY); // amortised: memory stays bounded
            }
            model = next;
            self.set_components(model.n_components());
            converged = match self.options.stop_rule {
                StopRule::LogLikelihood => record.change.abs() < self.options.tol,
                StopRule::MeanShift => mean_shift < self.options.tol,
            };
            if converged {
                break;
            }
            previous = mean_log_likelihood;
        }
        if history.len() > MAX_HISTORY {
            history.drain(..history.len() - MAX_HISTORY);
        }
        // The returned parameters' own log-likelihood (the trace holds each iteration's start).
        self.pass(Source::Model(&model), false)?;
        let suspect = self.suspect_components(&model);
        let summary = RunSummary {
            run,
            n_iter,
            converged,
            log_likelihood: self.total.log_likelihood(),
            suspect: suspect.len(),
        };
        observer.on_run_end(&summary);
        Ok(RunOutcome {
            model,
            summary,
            history,
            suspect,
        })
    }

    /// The components of `model` with fewer effective rows than their parameters need.
    fn suspect_components(&self, model: &Mixture<T, F::Components>) -> Vec<SuspectComponent> {
        let needed = self.family.rows_needed(self.n_cols);
        suspect_components(model.weights(), self.total.weight_total(), needed)
    }
}
