//! The E-M engine: options, the [`Estimator`] builder, and the fused pass over row blocks.
//!
//! One iteration is one pass over the data. Rows are cut into blocks of `block_rows`; a block's
//! log-densities, log-likelihood, responsibilities and sufficient statistics are computed while
//! it is in cache. Blocks are grouped in fixed chunks, chunks are processed in parallel (rayon)
//! in waves, and their statistics are merged in chunk order, so the result does not depend on
//! the number of threads, bit for bit. Memory beyond the data is
//! O(slots · block_rows · K · D + K · D²), never N × K.

use crate::error::{MixtureError, Result};
use crate::family::{Components, Family, SufficientStats};
use crate::init::{Init, initial_assignment};
use crate::mixture::{DEFAULT_BLOCK_ROWS, Mixture};
use crate::numeric::normalise_row;
use crate::report::{
    Both, FitObserver, FitReport, IterationRecord, RunSummary, Silent, TraceWriter,
};
use crate::rows::Rows;
use crate::scalar::Scalar;
use crate::validate::{check_finite_data, check_n_components};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rayon::prelude::*;

/// Blocks per chunk: a chunk is one task for a thread.
const BLOCKS_PER_CHUNK: usize = 4;
/// Chunks processed in parallel per wave, and so the number of statistics kept at once. Fixed,
/// not derived from the thread count, so the merge order never changes.
const CHUNKS_PER_WAVE: usize = 8;

/// When E-M stops before `max_iter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StopRule {
    /// The mean log-likelihood per row changed by less than `tol` (scikit-learn's rule).
    #[default]
    LogLikelihood,
    /// The Frobenius norm of the change of the means fell below `tol` (the lesson's rule; note
    /// that it is in data units, so scale `tol` with the data).
    MeanShift,
}

/// What E-M does with a degenerate component: one whose total responsibility falls below
/// [`MIN_COMPONENT_WEIGHT`] rows, or whose parameters cannot be formed (a Gaussian covariance
/// that is not positive definite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DegeneratePolicy {
    /// Re-seed it at the worst-explained row (the lowest log-likelihood under the current
    /// model; at initialisation, the row farthest from its centre), with the weight of one row
    /// and, for Gaussians, the pooled covariance of the other components. K stays.
    #[default]
    Reseed,
    /// Drop it: K shrinks, and the report lists what was dropped.
    Drop,
    /// Stop with a typed error naming the component and what to change.
    Error,
}

/// A component whose total responsibility is below this many rows is empty.
pub const MIN_COMPONENT_WEIGHT: f64 = 1e-6;

/// Why a component was degenerate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DegenerateReason {
    /// It lost (almost) all its rows.
    Empty,
    /// Its parameters could not be formed (a covariance that is not positive definite).
    Singular,
}

/// What the engine did with a degenerate component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DegenerateAction {
    /// Re-seeded at this row (global index).
    Reseeded {
        /// The row it was re-seeded at.
        row: usize,
    },
    /// Dropped (K shrank by one).
    Dropped,
}

/// One degenerate component and what was done about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DegenerateEvent {
    /// Initialisation run.
    pub run: usize,
    /// Iteration whose M-step met it (0 for the initial M-step).
    pub iteration: usize,
    /// The component's index at that moment.
    pub component: usize,
    /// Why.
    pub reason: DegenerateReason,
    /// What was done.
    pub action: DegenerateAction,
}

/// Settings of the E-M driver. See [`Estimator`] for their meaning and defaults.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EmOptions {
    /// Most iterations per run.
    pub max_iter: usize,
    /// Stop threshold for `stop_rule`.
    pub tol: f64,
    /// Which change is compared with `tol`.
    pub stop_rule: StopRule,
    /// How runs start.
    pub init: Init,
    /// Seed of the random stream (ChaCha8); run `r` uses stream `r` of it.
    pub seed: u64,
    /// Number of initialisations; the run with the highest final log-likelihood is kept.
    pub n_init: usize,
    /// Print the lesson's per-iteration trace to standard error.
    pub verbose: bool,
    /// Rows per block of the fused pass.
    pub block_rows: usize,
    /// What to do with a degenerate component.
    pub on_degenerate: DegeneratePolicy,
}

impl Default for EmOptions {
    fn default() -> Self {
        Self {
            max_iter: 100,
            tol: 1e-3,
            stop_rule: StopRule::LogLikelihood,
            init: Init::default(),
            seed: 0,
            n_init: 1,
            verbose: false,
            block_rows: DEFAULT_BLOCK_ROWS,
            on_degenerate: DegeneratePolicy::default(),
        }
    }
}

impl EmOptions {
    /// Checks every option.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] naming the option.
    pub fn validate(&self) -> Result<()> {
        let bad = |name, value: String, expected| {
            Err(MixtureError::InvalidOption {
                name,
                value,
                expected,
            })
        };
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return bad("tol", self.tol.to_string(), "must be finite and at least 0");
        }
        if self.n_init == 0 {
            return bad("n_init", "0".into(), "must be at least 1");
        }
        if self.block_rows == 0 {
            return bad("block_rows", "0".into(), "must be at least 1");
        }
        if self.block_rows > 1 << 20 {
            return bad(
                "block_rows",
                self.block_rows.to_string(),
                "must be at most 1048576 (blocks should fit in cache)",
            );
        }
        Ok(())
    }
}

/// Fits mixtures of family `F` by E-M: a builder holding the family, K and the options.
///
/// Defaults follow scikit-learn where it is right: `max_iter` 100, `tol` 1e-3 on the change of
/// the mean log-likelihood per row, k-means++ initialisation, one run, seed 0 (never the clock:
/// the same seed gives the same numbers on every machine and thread count).
///
/// # Examples
/// The family crates provide `F`; see `mixture_gauss` for a runnable example.
#[derive(Debug, Clone)]
pub struct Estimator<F> {
    family: F,
    n_components: usize,
    options: EmOptions,
}

impl<F> Estimator<F> {
    /// An estimator of `n_components` components of `family` with default options. Options are
    /// checked when fitting.
    pub fn new(family: F, n_components: usize) -> Self {
        Self {
            family,
            n_components,
            options: EmOptions::default(),
        }
    }

    /// The family and its settings.
    pub fn family(&self) -> &F {
        &self.family
    }

    /// Number of components K.
    pub fn n_components(&self) -> usize {
        self.n_components
    }

    /// The options.
    pub fn options(&self) -> &EmOptions {
        &self.options
    }

    /// Replaces all options at once.
    pub fn with_options(mut self, options: EmOptions) -> Self {
        self.options = options;
        self
    }

    /// Most iterations per run (default 100). Reaching it is not an error: the model comes back
    /// marked not converged. 0 returns the initial parameters.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.options.max_iter = max_iter;
        self
    }

    /// Stop threshold (default 1e-3); 0 runs exactly `max_iter` iterations.
    pub fn tol(mut self, tol: f64) -> Self {
        self.options.tol = tol;
        self
    }

    /// Which change is compared with `tol` (default [`StopRule::LogLikelihood`]).
    pub fn stop_rule(mut self, rule: StopRule) -> Self {
        self.options.stop_rule = rule;
        self
    }

    /// How runs start (default [`Init::KMeansPlusPlus`]).
    pub fn init(mut self, init: Init) -> Self {
        self.options.init = init;
        self
    }

    /// Seed of the random stream (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = seed;
        self
    }

    /// Number of initialisations (default 1); the best final log-likelihood wins.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.options.n_init = n_init;
        self
    }

    /// Print the lesson's trace to standard error (default off). To trace elsewhere, pass a
    /// [`TraceWriter`] to [`Estimator::fit_observed`].
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.options.verbose = verbose;
        self
    }

    /// Rows per block of the fused pass (default 256). Results do not depend on the thread
    /// count, but they do (by rounding) on this.
    pub fn block_rows(mut self, block_rows: usize) -> Self {
        self.options.block_rows = block_rows;
        self
    }

    /// What to do with a degenerate component (default [`DegeneratePolicy::Reseed`]).
    pub fn on_degenerate(mut self, policy: DegeneratePolicy) -> Self {
        self.options.on_degenerate = policy;
        self
    }

    /// Fits a mixture to `x` (N×D, one row per observation).
    ///
    /// # Errors
    /// Invalid options or data (empty, non-finite, outside the family's domain, fewer rows or
    /// distinct rows than components), or a typed error from the family's M-step (for example a
    /// covariance that cannot be factored), or [`MixtureError::EmptyComponent`].
    pub fn fit<'a, T>(&self, x: impl Into<Rows<'a, T>>) -> Result<Mixture<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
    {
        self.fit_observed(x, &mut Silent)
    }

    /// [`Estimator::fit`], calling `observer` after every iteration and run.
    ///
    /// # Errors
    /// As [`Estimator::fit`].
    pub fn fit_observed<'a, T>(
        &self,
        x: impl Into<Rows<'a, T>>,
        observer: &mut dyn FitObserver,
    ) -> Result<Mixture<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
    {
        let x = x.into();
        self.check(x)?;
        let family = self.family.prepare(x)?;
        let mut engine = Engine::new(&family, x, self.n_components, &self.options);
        let mut best: Option<RunOutcome<T, F::Components>> = None;
        let mut runs = Vec::with_capacity(self.options.n_init);
        for run in 0..self.options.n_init {
            let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
            rng.set_stream(run as u64);
            let start = initial_assignment(x, self.n_components, self.options.init, &mut rng)?;
            engine.set_components(self.n_components);
            engine.run_index = run;
            engine.pass(
                Responsibilities::Hard(&start.labels, &start.distances),
                true,
            )?;
            let (start, _) = engine.m_step(0)?;
            let outcome = self.observe(|obs| engine.run(start, run, obs), observer)?;
            runs.push(outcome.summary);
            if best
                .as_ref()
                .is_none_or(|b| outcome.summary.log_likelihood > b.summary.log_likelihood)
            {
                best = Some(outcome);
            }
        }
        let best = best.expect("n_init >= 1");
        let mut model = best.model;
        model.set_report(report(
            &runs,
            best.summary.run,
            best.history,
            engine.events,
            x.n_rows(),
        ));
        Ok(model)
    }

    /// Runs E-M from the given parameters instead of an initialisation (`n_init`, `init` and
    /// `seed` do not apply). With `tol(0.0)` and `max_iter(n)` it runs exactly n iterations.
    ///
    /// # Errors
    /// As [`Estimator::fit`], plus [`MixtureError::DimensionMismatch`] or
    /// [`MixtureError::InvalidParameters`] when `start` does not fit the data or K.
    pub fn fit_from<'a, T>(
        &self,
        start: &Mixture<T, F::Components>,
        x: impl Into<Rows<'a, T>>,
    ) -> Result<Mixture<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
    {
        self.fit_from_observed(start, x, &mut Silent)
    }

    /// [`Estimator::fit_from`] with an observer.
    ///
    /// # Errors
    /// As [`Estimator::fit_from`].
    pub fn fit_from_observed<'a, T>(
        &self,
        start: &Mixture<T, F::Components>,
        x: impl Into<Rows<'a, T>>,
        observer: &mut dyn FitObserver,
    ) -> Result<Mixture<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
    {
        let x = x.into();
        self.check(x)?;
        if start.n_features() != x.n_cols() {
            return Err(MixtureError::DimensionMismatch {
                expected: start.n_features(),
                found: x.n_cols(),
            });
        }
        if start.n_components() != self.n_components {
            return Err(MixtureError::InvalidParameters {
                reason: format!(
                    "the starting mixture has {} components but the estimator wants {}",
                    start.n_components(),
                    self.n_components
                ),
            });
        }
        let family = self.family.prepare(x)?;
        let mut engine = Engine::new(&family, x, self.n_components, &self.options);
        let outcome = self.observe(|obs| engine.run(start.clone(), 0, obs), observer)?;
        let mut model = outcome.model;
        model.set_report(report(
            &[outcome.summary],
            0,
            outcome.history,
            engine.events,
            x.n_rows(),
        ));
        Ok(model)
    }

    fn check<T: Scalar>(&self, x: Rows<'_, T>) -> Result<()>
    where
        F: Family<T>,
    {
        self.options.validate()?;
        self.family.check_options()?;
        check_finite_data(x, None)?;
        <F::Components as Components<T>>::check_domain(x)?;
        check_n_components(self.n_components, x.n_rows())
    }

    /// Runs `f` with the caller's observer, joined by a stderr trace when `verbose` is set.
    fn observe<R>(
        &self,
        f: impl FnOnce(&mut dyn FitObserver) -> R,
        observer: &mut dyn FitObserver,
    ) -> R {
        if self.options.verbose {
            let mut trace = TraceWriter::new(std::io::stderr().lock());
            f(&mut Both(observer, &mut trace))
        } else {
            f(observer)
        }
    }
}

fn report(
    runs: &[RunSummary],
    best_run: usize,
    history: Vec<IterationRecord>,
    events: Vec<DegenerateEvent>,
    n_samples: usize,
) -> FitReport {
    let best = runs[best_run];
    FitReport {
        degenerate: events.into_iter().filter(|e| e.run == best_run).collect(),
        n_iter: best.n_iter,
        converged: best.converged,
        log_likelihood: best.log_likelihood,
        mean_log_likelihood: best.log_likelihood / n_samples as f64,
        n_samples,
        best_run,
        runs: runs.to_vec(),
        history,
    }
}

/// New parameters, and the indices of the components dropped on the way (in removal order).
type MStep<T, C> = (Mixture<T, C>, Vec<usize>);

/// What one initialisation run produced.
struct RunOutcome<T, C> {
    model: Mixture<T, C>,
    summary: RunSummary,
    history: Vec<IterationRecord>,
}

/// Where a pass takes its responsibilities from.
enum Responsibilities<'m, T, C> {
    /// The E-step of a mixture.
    Model(&'m Mixture<T, C>),
    /// One-hot labels (initialisation), with each row's squared distance to its centre.
    Hard(&'m [usize], &'m [f64]),
}

// Manual impls: a derive would demand `T: Copy, C: Copy` although only references are held.
impl<T, C> Clone for Responsibilities<'_, T, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, C> Copy for Responsibilities<'_, T, C> {}

/// Per-chunk working memory, reused across passes so the loop does not allocate.
struct Slot<T, S, W> {
    joint: Vec<T>,
    density_scratch: Vec<T>,
    stats_scratch: W,
    stats: S,
    counts: Vec<f64>,
    log_likelihood: f64,
    /// First row (global index) whose log-likelihood was not finite, with its value.
    bad_row: Option<(usize, f64)>,
    /// The K worst-explained rows: (badness, row), worst first, ties to the lower row.
    worst: Vec<(f64, usize)>,
}

/// Keeps the `cap` largest badness values in `worst` (sorted, worst first; ties to the lower
/// row, so the result does not depend on the order rows are offered).
fn offer_worst(worst: &mut Vec<(f64, usize)>, cap: usize, badness: f64, row: usize) {
    let before = |a: &(f64, usize), b: &(f64, usize)| a.0 > b.0 || (a.0 == b.0 && a.1 < b.1);
    let item = (badness, row);
    if worst.len() == cap && !worst.last().is_some_and(|last| before(&item, last)) {
        return;
    }
    let at = worst.partition_point(|w| before(w, &item));
    worst.insert(at, item);
    worst.truncate(cap);
}

impl<T, S: SufficientStats, W> Slot<T, S, W> {
    fn reset(&mut self) {
        self.stats.reset();
        self.counts.fill(0.0);
        self.log_likelihood = 0.0;
        self.bad_row = None;
        self.worst.clear();
    }

    fn merge_into(&self, total: &mut Self) {
        total.stats.merge(&self.stats);
        for (t, c) in total.counts.iter_mut().zip(&self.counts) {
            *t += c;
        }
        total.log_likelihood += self.log_likelihood;
        if total.bad_row.is_none() {
            total.bad_row = self.bad_row;
        }
        let cap = total.counts.len();
        for &(badness, row) in &self.worst {
            offer_worst(&mut total.worst, cap, badness, row);
        }
    }
}

struct Engine<'x, T: Scalar, F: Family<T>> {
    family: &'x F,
    x: Rows<'x, T>,
    k: usize,
    options: &'x EmOptions,
    slots: Vec<Slot<T, F::Stats, F::Scratch>>,
    total: Slot<T, F::Stats, F::Scratch>,
    /// The initialisation run under way.
    run_index: usize,
    /// Degenerate components met so far, in every run.
    events: Vec<DegenerateEvent>,
}

impl<'x, T: Scalar, F: Family<T>> Engine<'x, T, F> {
    fn new(family: &'x F, x: Rows<'x, T>, k: usize, options: &'x EmOptions) -> Self {
        let mut engine = Self {
            family,
            x,
            k: 0,
            options,
            slots: Vec::new(),
            total: Self::new_slot(family, 0, x.n_cols()),
            run_index: 0,
            events: Vec::new(),
        };
        engine.set_components(k);
        engine
    }

    fn new_slot(family: &F, k: usize, d: usize) -> Slot<T, F::Stats, F::Scratch> {
        Slot {
            joint: Vec::new(),
            density_scratch: Vec::new(),
            stats_scratch: F::Scratch::default(),
            stats: family.new_stats(k, d),
            counts: vec![0.0; k],
            log_likelihood: 0.0,
            bad_row: None,
            worst: Vec::with_capacity(k + 1),
        }
    }

    /// Sizes the working memory for `k` components (a new run, or after a drop).
    fn set_components(&mut self, k: usize) {
        if k == self.k && !self.slots.is_empty() {
            return;
        }
        let chunk_rows = self.options.block_rows * BLOCKS_PER_CHUNK;
        let n_slots = self
            .x
            .n_rows()
            .div_ceil(chunk_rows)
            .clamp(1, CHUNKS_PER_WAVE);
        let d = self.x.n_cols();
        self.k = k;
        self.slots = (0..n_slots)
            .map(|_| Self::new_slot(self.family, k, d))
            .collect();
        self.total = Self::new_slot(self.family, k, d);
    }

    /// One pass over the data: log-likelihood, and (if `accumulate`) counts and statistics,
    /// all merged into `self.total` in chunk order.
    fn pass(
        &mut self,
        resp: Responsibilities<'_, T, F::Components>,
        accumulate: bool,
    ) -> Result<()> {
        let (x, k, family) = (self.x, self.k, self.family);
        let block_rows = self.options.block_rows;
        let chunk_rows = block_rows * BLOCKS_PER_CHUNK;
        let n_chunks = x.n_rows().div_ceil(chunk_rows);
        self.total.reset();
        let n_slots = self.slots.len();
        for wave_start in (0..n_chunks).step_by(n_slots) {
            let in_wave = n_slots.min(n_chunks - wave_start);
            self.slots[..in_wave]
                .par_iter_mut()
                .enumerate()
                .for_each(|(j, slot)| {
                    slot.reset();
                    let chunk_start = (wave_start + j) * chunk_rows;
                    let chunk_end = (chunk_start + chunk_rows).min(x.n_rows());
                    for start in (chunk_start..chunk_end).step_by(block_rows) {
                        let block = x.slice_rows(start, (start + block_rows).min(chunk_end));
                        process_block(family, block, start, k, resp, accumulate, slot);
                    }
                });
            for slot in &self.slots[..in_wave] {
                slot.merge_into(&mut self.total);
            }
        }
        match self.total.bad_row {
            Some((row, value)) => Err(MixtureError::ZeroDensity { row, value }),
            None => Ok(()),
        }
    }

    /// New parameters from the merged statistics, handling degenerate components by the
    /// policy. Also returns the indices of dropped components, in the order they were removed.
    fn m_step(&mut self, iteration: usize) -> Result<MStep<T, F::Components>> {
        let mut dropped = Vec::new();
        let mut reseeds = 0;
        loop {
            let empty = self
                .total
                .counts
                .iter()
                .position(|&c| !(c >= MIN_COMPONENT_WEIGHT && c.is_finite()));
            let (component, reason, error) = match empty {
                Some(component) => (
                    component,
                    DegenerateReason::Empty,
                    MixtureError::EmptyComponent {
                        component,
                        iteration,
                    },
                ),
                None => match self.family.estimate(&self.total.stats) {
                    Ok(components) => {
                        let counts = &self.total.counts;
                        let total: f64 = counts.iter().sum();
                        let weights = counts.iter().map(|&c| c / total).collect();
                        return Ok((
                            Mixture::from_normalised_weights(weights, components),
                            dropped,
                        ));
                    }
                    Err(e @ MixtureError::NotPositiveDefinite { component, .. }) => {
                        (component, DegenerateReason::Singular, e)
                    }
                    Err(e) => return Err(e),
                },
            };
            let action = match self.options.on_degenerate {
                DegeneratePolicy::Error => return Err(error),
                DegeneratePolicy::Reseed => {
                    // Each re-seed takes the next worst row; K of them at most per M-step.
                    let Some(&(_, row)) = self.total.worst.get(reseeds) else {
                        return Err(error);
                    };
                    reseeds += 1;
                    let values: Vec<f64> = self.x.row(row).iter().map(|v| v.as_f64()).collect();
                    self.total.stats.reseed(component, &values);
                    self.total.counts[component] = 1.0;
                    DegenerateAction::Reseeded { row }
                }
                DegeneratePolicy::Drop => {
                    if self.total.counts.len() == 1 {
                        return Err(error);
                    }
                    self.total.stats.remove(component);
                    self.total.counts.remove(component);
                    dropped.push(component);
                    DegenerateAction::Dropped
                }
            };
            self.events.push(DegenerateEvent {
                run: self.run_index,
                iteration,
                component,
                reason,
                action,
            });
        }
    }

    /// E-M iterations from `model` until the stop rule or `max_iter`.
    fn run(
        &mut self,
        mut model: Mixture<T, F::Components>,
        run: usize,
        observer: &mut dyn FitObserver,
    ) -> Result<RunOutcome<T, F::Components>> {
        let n = self.x.n_rows() as f64;
        let d = self.x.n_cols();
        self.run_index = run;
        self.set_components(model.n_components());
        let (mut means_old, mut means_new) = (vec![T::zero(); self.k * d], Vec::new());
        model.components().write_means(&mut means_old);
        let mut previous = f64::NEG_INFINITY;
        let mut history = Vec::with_capacity(self.options.max_iter.min(10_000));
        let mut converged = false;
        for iteration in 0..self.options.max_iter {
            self.pass(Responsibilities::Model(&model), true)?;
            let log_likelihood = self.total.log_likelihood;
            let mean_log_likelihood = log_likelihood / n;
            let (next, dropped) = self.m_step(iteration)?;
            for &c in &dropped {
                means_old.drain(c * d..(c + 1) * d);
            }
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
        self.pass(Responsibilities::Model(&model), false)?;
        let summary = RunSummary {
            run,
            n_iter: history.len(),
            converged,
            log_likelihood: self.total.log_likelihood,
        };
        observer.on_run_end(&summary);
        Ok(RunOutcome {
            model,
            summary,
            history,
        })
    }
}

/// The fused work on one block: responsibilities, log-likelihood, counts, statistics.
fn process_block<T: Scalar, F: Family<T>>(
    family: &F,
    block: Rows<'_, T>,
    first_row: usize,
    k: usize,
    resp: Responsibilities<'_, T, F::Components>,
    accumulate: bool,
    slot: &mut Slot<T, F::Stats, F::Scratch>,
) {
    let joint = &mut slot.joint;
    joint.resize(block.n_rows() * k, T::zero());
    match resp {
        Responsibilities::Model(model) => {
            model
                .components()
                .log_densities(block, joint, &mut slot.density_scratch);
            let log_weights = model.log_weights();
            for (i, row) in joint.chunks_exact_mut(k).enumerate() {
                for (v, &lw) in row.iter_mut().zip(log_weights) {
                    *v += lw;
                }
                let lse = normalise_row(row);
                if lse.is_finite() {
                    slot.log_likelihood += lse.as_f64();
                    offer_worst(&mut slot.worst, k, -lse.as_f64(), first_row + i);
                } else if slot.bad_row.is_none() {
                    slot.bad_row = Some((first_row + i, lse.as_f64()));
                }
            }
        }
        Responsibilities::Hard(labels, distances) => {
            joint.fill(T::zero());
            for (i, row) in joint.chunks_exact_mut(k).enumerate() {
                row[labels[first_row + i]] = T::one();
                offer_worst(&mut slot.worst, k, distances[first_row + i], first_row + i);
            }
        }
    }
    if accumulate && slot.bad_row.is_none() {
        for row in joint.chunks_exact(k) {
            for (c, r) in slot.counts.iter_mut().zip(row) {
                *c += r.as_f64();
            }
        }
        family.accumulate(block, joint, &mut slot.stats, &mut slot.stats_scratch);
    }
}
