//! What a fit reports: per-iteration records, a summary, and observers that watch it happen.

use crate::degeneracy::{DegenerateAction, DegenerateReason};
use std::io::Write;

/// Most iteration records a [`FitReport`] keeps (the last ones).
pub const MAX_HISTORY: usize = 100_000;

/// One E-M iteration, as the observer and the report see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterationRecord {
    /// Which initialisation run (0-based; see `n_init`).
    pub run: usize,
    /// Iteration within the run (0-based).
    pub iteration: usize,
    /// `ln p(X)` in nats (total over rows) of the parameters this iteration started from.
    pub log_likelihood: f64,
    /// `log_likelihood / N`.
    pub mean_log_likelihood: f64,
    /// Change of `mean_log_likelihood` from the previous iteration (`+inf` at iteration 0).
    pub change: f64,
    /// Frobenius norm of the change of the component means made by this iteration's M-step.
    pub mean_shift: f64,
}

/// The end of one initialisation run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunSummary {
    /// Which run (0-based).
    pub run: usize,
    /// Iterations performed.
    pub n_iter: usize,
    /// Whether the stop rule was met before `max_iter`.
    pub converged: bool,
    /// `ln p(X)` in nats of the run's final parameters.
    pub log_likelihood: f64,
    /// How many of its final components are suspect (see [`SuspectComponent`]).
    pub suspect: usize,
}

/// A component of the returned model that the data do not support: fewer effective rows (its
/// weight times the data's total weight) than its parameters need
/// ([`Family::rows_needed`](crate::Family::rows_needed)), such as a full covariance on a few
/// near-duplicate rows, held up only by the regularisation. Its likelihood can be far above any
/// sensible solution's.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SuspectComponent {
    /// The component.
    pub component: usize,
    /// Its effective number of rows.
    pub effective_rows: f64,
    /// The fewest its parameters need.
    pub rows_needed: f64,
}

/// How a fit went.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// Iterations performed by the returned (best) run.
    pub n_iter: usize,
    /// Whether that run met its stop rule before `max_iter`. Not converging is not an error.
    pub converged: bool,
    /// `ln p(X)` in nats of the returned parameters on the training data.
    pub log_likelihood: f64,
    /// `log_likelihood / weight_total`.
    pub mean_log_likelihood: f64,
    /// Rows in the training data (including rows of weight 0).
    pub n_samples: usize,
    /// Total weight of the training data (`n_samples` when unweighted): the N of BIC.
    pub weight_total: f64,
    /// Whether the fit was given weights.
    pub weighted: bool,
    /// Index of the returned run among the `n_init` runs.
    pub best_run: usize,
    /// Every run's outcome.
    pub runs: Vec<RunSummary>,
    /// The returned run's iterations: all of them, or the last [`MAX_HISTORY`] of a longer
    /// run (observers see every one), so memory stays bounded whatever `max_iter` is.
    pub history: Vec<IterationRecord>,
    /// Degenerate components the returned run met, and what was done about them.
    pub degenerate: Vec<DegenerateEvent>,
    /// The returned model's suspect components (see [`SuspectComponent`]; empty when the data
    /// support every component).
    pub suspect: Vec<SuspectComponent>,
}

/// A degenerate component met during a fit, and what was done about it.
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

/// Watches a fit: called after every iteration and at the end of every run.
///
/// Closures taking an [`IterationRecord`] are observers too.
pub trait FitObserver {
    /// Called after each iteration's M-step.
    fn on_iteration(&mut self, record: &IterationRecord);

    /// Called when a run stops (converged or at `max_iter`).
    fn on_run_end(&mut self, summary: &RunSummary) {
        let _ = summary;
    }

    /// Asked after every iteration: `false` stops the fit with
    /// [`MixtureError::Interrupted`](crate::MixtureError::Interrupted) (the user pressed
    /// Ctrl-C, a deadline passed). The default goes on.
    fn keep_going(&mut self) -> bool {
        true
    }
}

impl<F: FnMut(&IterationRecord)> FitObserver for F {
    fn on_iteration(&mut self, record: &IterationRecord) {
        self(record)
    }
}

/// An observer that does nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl FitObserver for Silent {
    fn on_iteration(&mut self, _: &IterationRecord) {}
}

/// Prints the lesson's trace to a writer:
///
/// ```text
/// 0: Mean-diff = 1.414789 log(p(X)) = -1706.0753 nats
/// ...
/// Converged after 51 iterations.
/// ```
///
/// Write errors are ignored: a closed pipe must not stop a fit.
#[derive(Debug)]
pub struct TraceWriter<W: Write> {
    out: W,
}

impl<W: Write> TraceWriter<W> {
    /// Traces to `out` (for example `std::io::stderr()` or a `Vec<u8>`).
    pub fn new(out: W) -> Self {
        Self { out }
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> FitObserver for TraceWriter<W> {
    fn on_iteration(&mut self, r: &IterationRecord) {
        if r.iteration == 0 && r.run > 0 {
            let _ = writeln!(self.out, "Initialisation run {}:", r.run);
        }
        let _ = writeln!(
            self.out,
            "{}: Mean-diff = {:.6} log(p(X)) = {:.4} nats",
            r.iteration, r.mean_shift, r.log_likelihood
        );
    }

    fn on_run_end(&mut self, s: &RunSummary) {
        let _ = if s.converged {
            writeln!(self.out, "Converged after {} iterations.", s.n_iter)
        } else {
            writeln!(
                self.out,
                "Stopped after {} iterations without converging; the model is the last iterate.",
                s.n_iter
            )
        };
        if s.suspect > 0 {
            let _ = writeln!(
                self.out,
                "Warning: {} suspect component(s) with fewer effective rows than their parameters need: a spurious solution, held up by regularisation.",
                s.suspect
            );
        }
    }
}

/// Feeds two observers.
pub(crate) struct Both<'a, 'b>(pub &'a mut dyn FitObserver, pub &'b mut dyn FitObserver);

impl FitObserver for Both<'_, '_> {
    fn on_iteration(&mut self, r: &IterationRecord) {
        self.0.on_iteration(r);
        self.1.on_iteration(r);
    }
    fn on_run_end(&mut self, s: &RunSummary) {
        self.0.on_run_end(s);
        self.1.on_run_end(s);
    }
    fn keep_going(&mut self) -> bool {
        self.0.keep_going() && self.1.keep_going()
    }
}

/// The components whose effective rows (their weight times the total weight `total` of the
/// last pass) are fewer than the `needed` rows their parameters need.
pub(crate) fn suspect_components(
    weights: &[f64],
    total: f64,
    needed: f64,
) -> Vec<SuspectComponent> {
    weights
        .iter()
        .enumerate()
        .filter_map(|(component, &w)| {
            let effective_rows = w * total;
            (effective_rows < needed).then_some(SuspectComponent {
                component,
                effective_rows,
                rows_needed: needed,
            })
        })
        .collect()
}
