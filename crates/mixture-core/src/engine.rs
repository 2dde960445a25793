//! The in-memory engine: E-M passes over the row blocks of one matrix.
//!
//! A pass computes each block's [`Statistics`] (in parallel, in waves of blocks) and merges
//! them one block at a time, in block order, into empty statistics: the path a hand-written
//! loop of `Estimator::e_step` and `Statistics::merge` takes, so the two agree bit for bit,
//! and the result does not depend on the number of threads or on the size of a wave. Memory
//! beyond the data is O(wave · (block_rows · K + statistics)), never N × K.

use crate::error::{MixtureError, Result};
use crate::family::{Components, Family, SufficientStats};
use crate::init::initial_assignment;
use crate::mixture::Mixture;
use crate::options::{EmOptions, StopRule};
use crate::report::{DegenerateEvent, FitObserver, IterationRecord, RunSummary};
use crate::rows::{Data, Rows};
use crate::scalar::Scalar;
use crate::statistics::{MStep, Source, Statistics, Workspace, accumulate_block, m_step};
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
}

/// One block's working memory and statistics, reused across passes.
struct Slot<T, S, W> {
    workspace: Workspace<T, W>,
    stats: Statistics<S>,
    error: Option<MixtureError>,
}

/// E-M over one in-memory matrix with optional weights (already validated).
pub(crate) struct Engine<'x, T: Scalar, F: Family<T>> {
    family: &'x F,
    rows: Rows<'x, T>,
    weights: Option<&'x [f64]>,
    weight_total: f64,
    options: &'x EmOptions,
    slots: Vec<Slot<T, F::Stats, F::Scratch>>,
    total: Statistics<F::Stats>,
    /// Degenerate components met so far, in every run.
    pub(crate) events: Vec<DegenerateEvent>,
}

impl<'x, T: Scalar, F: Family<T>> Engine<'x, T, F> {
    pub(crate) fn new(
        family: &'x F,
        data: Data<'x, T>,
        weight_total: f64,
        k: usize,
        options: &'x EmOptions,
    ) -> Self {
        let mut engine = Self {
            family,
            rows: data.rows(),
            weights: data.weights(),
            weight_total,
            options,
            slots: Vec::new(),
            total: Statistics::new(family.new_stats(0, data.rows().n_cols())),
            events: Vec::new(),
        };
        engine.set_components(k);
        engine
    }

    /// Sizes the working memory for `k` components (a new run, or after a drop).
    fn set_components(&mut self, k: usize) {
        if k == self.total.n_components() && !self.slots.is_empty() {
            return;
        }
        let d = self.rows.n_cols();
        let stats = Statistics::new(self.family.new_stats(k, d));
        let n_blocks = self.rows.n_rows().div_ceil(self.options.block_rows);
        let per_slot = stats.family().n_values().max(1);
        let wave = (WAVE_VALUES / per_slot)
            .clamp(2, MAX_WAVE)
            .min(n_blocks.max(1));
        self.slots = (0..wave)
            .map(|_| Slot {
                workspace: Workspace::default(),
                stats: stats.clone(),
                error: None,
            })
            .collect();
        self.total = stats;
    }

    /// One pass over the data: every block's statistics, merged in block order into
    /// `self.total`. Without `accumulate`, only the log-likelihood (and worst rows).
    fn pass(&mut self, source: PassSource<'_, T, F::Components>, accumulate: bool) -> Result<()> {
        let (rows, weights, family) = (self.rows, self.weights, self.family);
        let block_rows = self.options.block_rows;
        let n_blocks = rows.n_rows().div_ceil(block_rows);
        self.total.reset();
        let wave = self.slots.len();
        for wave_start in (0..n_blocks).step_by(wave) {
            let in_wave = wave.min(n_blocks - wave_start);
            self.slots[..in_wave]
                .par_iter_mut()
                .enumerate()
                .for_each(|(j, slot)| {
                    let start = (wave_start + j) * block_rows;
                    let end = (start + block_rows).min(rows.n_rows());
                    let source = match source {
                        PassSource::Model(m) => Source::Model(m),
                        PassSource::Hard { labels, distances } => Source::Hard {
                            labels: &labels[start..end],
                            distances: &distances[start..end],
                        },
                    };
                    slot.stats.reset();
                    slot.error = accumulate_block(
                        family,
                        source,
                        Data::new(rows.slice_rows(start, end), weights.map(|w| &w[start..end])),
                        start,
                        accumulate,
                        &mut slot.workspace,
                        &mut slot.stats,
                    )
                    .err();
                });
            for slot in &mut self.slots[..in_wave] {
                if let Some(e) = slot.error.take() {
                    return Err(e);
                }
                self.total.merge_unchecked(&slot.stats);
            }
        }
        Ok(())
    }

    /// The first parameters of run `run`: the initialisation's hard assignment, then one
    /// M-step (iteration 0 of the degenerate events).
    pub(crate) fn initialise(&mut self, k: usize, run: usize) -> Result<Mixture<T, F::Components>> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
        rng.set_stream(run as u64);
        let start = initial_assignment(self.rows, self.weights, k, self.options.init, &mut rng)?;
        self.set_components(k);
        self.pass(
            PassSource::Hard {
                labels: &start.labels,
                distances: &start.distances,
            },
            true,
        )?;
        let step = self.m_step(run, 0)?;
        Ok(step.mixture)
    }

    /// The M-step on the last pass's statistics, recording degenerate components.
    fn m_step(&mut self, run: usize, iteration: usize) -> Result<MStep<T, F::Components>> {
        let step = m_step(self.family, &self.total, self.options.on_degenerate)?;
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
        let d = self.rows.n_cols();
        self.set_components(model.n_components());
        let (mut means_old, mut means_new) =
            (vec![T::zero(); model.n_components() * d], Vec::new());
        model.components().write_means(&mut means_old);
        let mut previous = previous.unwrap_or(f64::NEG_INFINITY);
        let mut history = Vec::with_capacity(self.options.max_iter.min(10_000));
        let mut converged = false;
        for iteration in 0..self.options.max_iter {
            self.pass(PassSource::Model(&model), true)?;
            let log_likelihood = self.total.log_likelihood();
            let mean_log_likelihood = log_likelihood / self.weight_total;
            let step = self.m_step(run, iteration)?;
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
            history.push(record);
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
        // The returned parameters' own log-likelihood (the trace holds each iteration's start).
        self.pass(PassSource::Model(&model), false)?;
        let summary = RunSummary {
            run,
            n_iter: history.len(),
            converged,
            log_likelihood: self.total.log_likelihood(),
        };
        observer.on_run_end(&summary);
        Ok(RunOutcome {
            model,
            summary,
            history,
        })
    }
}

/// Where a pass takes its responsibilities from (the whole data's labels, for a hard pass).
#[derive(Clone, Copy)]
enum PassSource<'m, T, C> {
    Model(&'m Mixture<T, C>),
    Hard {
        labels: &'m [usize],
        distances: &'m [f64],
    },
}
