//! [`Estimator`]: the E-M builder, its fits, and the public E-step and M-step.

use crate::engine::{Engine, RunOutcome};
use crate::error::{MixtureError, Result};
use crate::family::{Components, Family};
use crate::init::Init;
use crate::mixture::Mixture;
use crate::options::{
    BestRun, DegeneratePolicy, EmOptions, HierarchyCoordinates, HierarchyMerge, SpuriousPolicy,
    StopRule,
};
use crate::parameters::{Parameter, ParameterSet};
use crate::report::{
    Both, DegenerateEvent, FitObserver, FitReport, IterationRecord, RunSummary, Silent,
    SuspectComponent, TraceWriter,
};
use crate::rows::Data;
use crate::scalar::Scalar;
use crate::source::Input;
use crate::start::{Fitted, Start};
use crate::validate::{check_data, check_n_components};
use crate::variational::{Conjugate, VariationalFit, VariationalPrior, VariationalStart};

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

    /// The hierarchical start's merges and coordinates (default: the family's own merges in
    /// mclust's SVD coordinates), as mclust's `hcModelName` and `hcUse`.
    pub fn hierarchy(mut self, merge: HierarchyMerge, coordinates: HierarchyCoordinates) -> Self {
        self.options.hierarchy_merge = merge;
        self.options.hierarchy_coordinates = coordinates;
        self
    }

    /// Seed of the random stream (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.options.seed = seed;
        self
    }

    /// Number of initialisations (default 1); the best run by [`Estimator::best_run`] wins
    /// (the best final log-likelihood, by default), preferring runs without suspect components.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.options.n_init = n_init;
        self
    }

    /// Variational fits ([`Estimator::fit_variational`]): after each run, deletion moves
    /// (default off, so that fits follow scikit-learn's from the same start). Each component
    /// in use, the smallest first, is switched off (its weight in the E-step set to zero, so
    /// its rows go to the components that explain them next best) and the run goes on from
    /// there; a run that ends with a higher lower bound is kept and the moves start again,
    /// until none helps (Hughes and Sudderth's delete moves, 2013). A run climbs out of optima
    /// that hold redundant components, which restarts rarely do: measured on four real data
    /// sets (BENCHMARKS.md), five runs with moves reach scikit-learn's best of twenty random
    /// states in 22 of 32 cells (6 without), and in all 32 with
    /// [`split_merge_moves`](Self::split_merge_moves) too. Each move costs up to `max_iter`
    /// iterations.
    ///
    /// # Examples
    /// The family crates provide the conjugate priors: see `mixture_gauss`'s `GaussianPrior`.
    pub fn delete_moves(mut self, on: bool) -> Self {
        self.options.delete_moves = on;
        self
    }

    /// Variational fits only (default off): after each run and its deletion moves, try
    /// split-and-merge moves (Ueda et al.'s SMEM, 2000). With a free component (less than
    /// one row's weight), each of the four largest components is in turn split in two along
    /// its principal axis on the initialisation sample, its far side given to the free one;
    /// with none free, one of the three most overlapping pairs is merged and one of four
    /// large other components split into the freed one. The run goes on from each move's
    /// responsibilities; a run that ends with a higher lower bound is kept and the moves
    /// start again, until none helps. A move is a pass like any other, so the fit streams
    /// and runs over chunks with the same bits. Each move costs up to `max_iter`
    /// iterations, and a round up to twelve moves. Measured on four real data sets
    /// (BENCHMARKS.md): with deletion moves, five runs reach or pass scikit-learn's best of
    /// twenty random states in all 32 cells (22 with deletions alone).
    ///
    /// # Examples
    /// The family crates provide the conjugate priors: see `mixture_gauss`'s `GaussianPrior`.
    pub fn split_merge_moves(mut self, on: bool) -> Self {
        self.options.split_merge_moves = on;
        self
    }

    /// What `n_init` compares (default [`BestRun::FinalLogLikelihood`], the report's
    /// log-likelihood; [`BestRun::LastBound`] is scikit-learn's `lower_bound_`).
    pub fn best_run(mut self, best_run: BestRun) -> Self {
        self.options.best_run = best_run;
        self
    }

    /// Print the lesson's trace to standard error (default off). To trace elsewhere, pass a
    /// [`TraceWriter`] to [`Estimator::fit_with`].
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

    /// What to do with a suspect component, one with fewer effective rows than its parameters
    /// need (default [`SpuriousPolicy::Keep`]: flag it in the report and prefer runs without).
    pub fn on_spurious(mut self, policy: SpuriousPolicy) -> Self {
        self.options.on_spurious = policy;
        self
    }

    /// Holds the parameter groups `held` fixed: every M-step keeps them at the starting
    /// model's values, exactly, and estimates the rest given them (a constrained M-step, so
    /// the log-likelihood still never decreases). Needs a start that gives the held groups
    /// ([`Estimator::fit_from`]) and a degenerate policy other than
    /// [`DegeneratePolicy::Drop`]. Stepwise E-M ([`Estimator::online`]) holds nothing.
    ///
    /// # Examples
    /// The family crates hold means or covariances: see `mixture_gauss`.
    pub fn hold(mut self, held: ParameterSet) -> Self {
        self.options.held = held;
        self
    }

    /// Fits a mixture to `data`: N×D rows (one per observation), optionally weighted
    /// ([`Data`], from `rows.weighted(&w)`).
    ///
    /// Weights are frequency weights: they multiply each row's responsibilities in the
    /// statistics and its log-likelihood, and initialisation draws rows in proportion to them.
    /// An integer weight gives the fit of the data with that row repeated; a weight of 0 the
    /// fit without it.
    ///
    /// # Errors
    /// Invalid options or data (empty, non-finite, outside the family's domain, fewer rows or
    /// distinct rows than components; bad weights: see [`crate::family::check_weights`]), a typed
    /// error from the family's M-step when the degenerate policy is
    /// [`DegeneratePolicy::Error`], or [`MixtureError::ZeroDensity`].
    ///
    /// # Examples
    /// The family crates provide `F`: see `mixture_gauss`, `mixture_bern` and `mixture_exp`.
    pub fn fit<'a, T>(&self, data: impl Into<Data<'a, T>>) -> Result<Fitted<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
    {
        self.fit_with(data.into(), None, &mut Silent)
    }

    /// The starting mixture that run 0 of [`Estimator::fit`] would begin E-M from: centres
    /// chosen by the initialisation among the rows of the initialisation sample (all the rows
    /// of positive weight when there are at most [`crate::chunked::sample_rows`] of them), every row
    /// assigned to its nearest centre, and one M-step.
    ///
    /// # Errors
    /// As [`Estimator::fit`].
    pub fn initialise<'a, T>(
        &self,
        data: impl Into<Data<'a, T>>,
    ) -> Result<Mixture<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
    {
        let data = data.into();
        self.check(data)?;
        let mut engine = Engine::new(
            self.family.clone(),
            Input::Memory(data),
            self.n_components,
            self.options.clone(),
        )?;
        let sample = engine.sample(self.n_components)?;
        engine.set_family(self.family.prepare(sample.data())?);
        engine.initialise(&sample, self.n_components, 0)
    }

    /// Runs E-M from the given parameters instead of an initialisation (`n_init`, `init` and
    /// `seed` do not apply). With `tol(0.0)` and `max_iter(n)` it runs exactly n iterations.
    ///
    /// `start` is a [`Mixture`] (E-M starts afresh from it, as from a hand-built model), a
    /// [`Fitted`] (a warm start: the stop rule continues from the last iteration of that fit,
    /// so repeated short warm fits report convergence once the log-likelihood settles, as
    /// scikit-learn's `warm_start` does), or a partial start ([`Start::taking`]: some
    /// parameter groups from a mixture, the rest from each of the `n_init` initialisations,
    /// as scikit-learn's `means_init` alone).
    ///
    /// # Errors
    /// As [`Estimator::fit`], plus [`MixtureError::DimensionMismatch`] or
    /// [`MixtureError::InvalidParameters`] when `start` does not fit the data or K, and
    /// [`MixtureError::InvalidOption`] when a held group is not one `start` gives or one the
    /// family has.
    pub fn fit_from<'a, 'm, T>(
        &self,
        start: impl Into<Start<'m, T, F::Components>>,
        data: impl Into<Data<'a, T>>,
    ) -> Result<Fitted<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
        F::Components: 'm,
    {
        self.fit_with(data.into(), Some(start.into()), &mut Silent)
    }

    /// The one entry point behind [`Estimator::fit`] and [`Estimator::fit_from`]: fits `input`
    /// (rows in memory, rows and weights read block by block from sources, or chunks held
    /// elsewhere: see [`Input`]) from `start` if given (as [`Estimator::fit_from`]) or from
    /// initialisation runs (as [`Estimator::fit`]), calling `observer` after every iteration and
    /// run.
    ///
    /// Whatever the input, the fit is the same driver: a sampling pass (checks, the
    /// initialisation sample, the family's data-dependent settings), then E-M. Streamed rows
    /// give the bits of the same rows in memory; chunks of `2^m` blocks give the bits of the
    /// fit in memory (see [`crate::chunked`]). A streamed fit's memory stays bounded by the
    /// blocks in flight, the sample and the statistics, whatever the number of rows.
    ///
    /// # Errors
    /// As [`Estimator::fit_from`]; [`MixtureError::Source`] when a source cannot be read (or
    /// its data changed between passes) or chunks cannot be reached. Streamed rows and weights
    /// are checked as they are read, and errors name rows counted from the start of the data.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::{Estimator, Input, MatrixSource, RowMatrix, Silent};
    /// # use mixture_core::{Components, Family, Scalar};
    /// # fn run<F: Family<f64>>(est: Estimator<F>, x: RowMatrix<f64>) -> mixture_core::Result<()>
    /// # where <F::Components as Components<f64>>::Parameters: PartialEq {
    /// let in_memory = est.fit_with(&x, None, &mut Silent)?;
    /// let mut rows = MatrixSource::new(&x);
    /// let streamed = est.fit_with(Input::Stream { x: &mut rows, w: None }, None, &mut Silent)?;
    /// assert!(in_memory.mixture.components().parameters() == streamed.mixture.components().parameters());
    /// # Ok(()) }
    /// ```
    pub fn fit_with<'x, 'm, T>(
        &self,
        input: impl Into<Input<'x, T, F>>,
        start: Option<Start<'m, T, F::Components>>,
        observer: &mut dyn FitObserver,
    ) -> Result<Fitted<T, F::Components>>
    where
        T: Scalar,
        F: Family<T> + 'x,
        F::Components: 'm,
    {
        match input.into() {
            Input::Memory(data) => {
                self.check(data)?;
                self.fit_input(Input::Memory(data), start, observer)
            }
            other => {
                self.check_options::<T>()?;
                self.fit_input(other, start, observer)
            }
        }
    }

    /// The fit behind [`Estimator::fit`], [`Estimator::fit_from`] and
    /// [`Estimator::fit_with`]: a sampling pass (checks, the initialisation sample, the
    /// family's data-dependent settings), then E-M from each initialisation run or from
    /// `start`.
    pub(crate) fn fit_input<T>(
        &self,
        input: Input<'_, T, F>,
        start: Option<Start<'_, T, F::Components>>,
        observer: &mut dyn FitObserver,
    ) -> Result<Fitted<T, F::Components>>
    where
        T: Scalar,
        F: Family<T>,
    {
        let mut engine = Engine::new(
            self.family.clone(),
            input,
            self.n_components,
            self.options.clone(),
        )?;
        if let Some(start) = &start {
            self.check_start(start.mixture, engine.n_cols())?;
        }
        self.check_held(start.as_ref())?;
        let sample = engine.sample(self.n_components)?;
        engine.set_family(self.family.prepare(sample.data())?);
        let (runs, best) = match start {
            Some(start) if start.taking.is_none() => {
                let outcome = self.observe(
                    |obs| engine.run(start.mixture.clone(), 0, start.previous, obs),
                    observer,
                )?;
                (vec![outcome.summary], outcome)
            }
            partial => {
                let mut best: Option<RunOutcome<T, F::Components>> = None;
                let mut runs = Vec::with_capacity(self.options.n_init);
                for run in 0..self.options.n_init {
                    let mut first = engine.initialise(&sample, self.n_components, run)?;
                    if let Some(start) = &partial {
                        first = start.over(&first)?;
                    }
                    let outcome =
                        self.observe(|obs| engine.run(first, run, None, obs), observer)?;
                    runs.push(outcome.summary);
                    // The best run without suspect components, else the best run.
                    let best_run = self.options.best_run;
                    let rank = |o: &RunOutcome<T, F::Components>| {
                        let compared = match (best_run, o.history.last()) {
                            (BestRun::LastBound, Some(last)) => last.log_likelihood,
                            _ => o.summary.log_likelihood,
                        };
                        (o.suspect.is_empty(), compared)
                    };
                    if best.as_ref().is_none_or(|b| rank(&outcome) > rank(b)) {
                        best = Some(outcome);
                    }
                }
                (runs, best.expect("n_init >= 1"))
            }
        };
        let report = report(
            &runs,
            best.summary.run,
            best.history,
            best.suspect,
            std::mem::take(&mut engine.events),
            (
                sample.n_rows,
                engine.weight_total(),
                sample.weights.is_some(),
            ),
        );
        Ok(Fitted {
            mixture: best.model,
            report,
        })
    }

    /// A variational Bayesian fit (scikit-learn's `BayesianGaussianMixture`): the posterior of
    /// the weights under `prior`'s Dirichlet-process or Dirichlet prior and of the components
    /// under the family's conjugate prior, by coordinate ascent on the lower bound. `n_init`,
    /// `init`, `seed`, `max_iter`, `tol`, `stop_rule` and `block_rows` apply as in
    /// [`Estimator::fit`]; the stop rule compares the change of the *total* lower bound with
    /// `tol`, as scikit-learn does. Components the data do not need keep their prior (no
    /// degenerate policy applies) and end with small weights.
    ///
    /// `input` is rows in memory, streamed or in chunks, as for [`Estimator::fit_with`], with
    /// the same bits whichever; `start` replaces the initialisation runs.
    ///
    /// # Errors
    /// As [`Estimator::fit_with`]; [`MixtureError::InvalidOption`] for a prior setting outside
    /// its domain (naming it and the bound) or held parameters;
    /// [`MixtureError::ParametersNotFormed`] when a component's posterior cannot be formed.
    ///
    /// # Examples
    /// The family crates implement [`Conjugate`](crate::variational::Conjugate): see
    /// `mixture_gauss`.
    pub fn fit_variational<'x, T>(
        &self,
        input: impl Into<Input<'x, T, F>>,
        prior: &VariationalPrior<F::Prior>,
        start: Option<VariationalStart<'_, T, F>>,
        observer: &mut dyn FitObserver,
    ) -> Result<VariationalFit<T, F>>
    where
        T: Scalar,
        F: Conjugate<T> + 'x,
    {
        let input = input.into();
        match input {
            Input::Memory(data) => self.check(data)?,
            _ => self.check_options::<T>()?,
        }
        self.observe(
            |obs| crate::variational::fit(self, input, prior, start, obs),
            observer,
        )
    }

    /// This estimator with the family's data-dependent settings resolved (see
    /// [`Family::prepare`]) as [`Estimator::fit`] resolves them: on the initialisation sample
    /// of `data`. For E-steps and M-steps by hand.
    ///
    /// # Errors
    /// As [`Estimator::fit`]'s checks of the data and options.
    pub fn prepared<'a, T>(&self, data: impl Into<Data<'a, T>>) -> Result<Self>
    where
        T: Scalar,
        F: Family<T>,
    {
        let data = data.into();
        self.check(data)?;
        let mut engine = Engine::new(
            self.family.clone(),
            Input::Memory(data),
            self.n_components,
            self.options.clone(),
        )?;
        let sample = engine.sample(self.n_components)?;
        Ok(Self {
            family: self.family.prepare(sample.data())?,
            n_components: self.n_components,
            options: self.options.clone(),
        })
    }

    /// Checks the options, the family's settings and the held groups against the family, as
    /// every fit does first: to refuse bad options before reading any data.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] naming the option.
    pub fn check_options<T: Scalar>(&self) -> Result<()>
    where
        F: Family<T>,
    {
        self.options.validate()?;
        self.family.check_options()?;
        check_groups::<T, F::Components>("held", self.options.held)
    }

    /// Checks options and data (in memory).
    fn check<T: Scalar>(&self, data: Data<'_, T>) -> Result<()>
    where
        F: Family<T>,
    {
        self.check_options::<T>()?;
        check_data(data, None)?;
        <F::Components as Components<T>>::check_domain(data.rows())?;
        let rows_with_weight = data
            .weights()
            .map_or(data.n_rows(), |w| w.iter().filter(|&&v| v > 0.0).count());
        check_n_components(self.n_components, rows_with_weight)?;
        Ok(())
    }

    /// Checks that a partial start takes only groups the family has, and that the held groups
    /// come from `start` (the family's own groups are checked with the options).
    pub(crate) fn check_held<T: Scalar>(
        &self,
        start: Option<&Start<'_, T, F::Components>>,
    ) -> Result<()>
    where
        F: Family<T>,
    {
        if let Some(taking) = start.and_then(|s| s.taking) {
            check_groups::<T, F::Components>("taking", taking)?;
        }
        let held = self.options.held;
        if held.is_empty() {
            return Ok(());
        }
        let refuse = |expected| {
            Err(MixtureError::InvalidOption {
                name: "held",
                value: held.to_string(),
                expected,
            })
        };
        let Some(start) = start else {
            return refuse("needs a starting model that gives the held values (fit_from)");
        };
        if let Some(taking) = start.taking
            && held.iter().any(|p| !taking.contains(p))
        {
            return refuse("must name only groups the partial start takes from its model");
        }
        Ok(())
    }

    fn check_start<T: Scalar>(&self, start: &Mixture<T, F::Components>, n_cols: usize) -> Result<()>
    where
        F: Family<T>,
    {
        if start.n_features() != n_cols {
            return Err(MixtureError::DimensionMismatch {
                expected: start.n_features(),
                found: n_cols,
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
        Ok(())
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

/// Refuses a set of parameter groups (option `name`) that names a group components `C` lack.
fn check_groups<T: Scalar, C: Components<T>>(name: &'static str, set: ParameterSet) -> Result<()> {
    let Some(missing) = set.first_missing(C::GROUPS) else {
        return Ok(());
    };
    let groups: Vec<_> = std::iter::once(Parameter::WEIGHTS)
        .chain(C::GROUPS.iter().copied())
        .map(Parameter::name)
        .collect();
    Err(MixtureError::UnknownGroup {
        option: name,
        group: missing.name().to_string(),
        family: C::FAMILY,
        groups: groups.join(", "),
    })
}

pub(crate) fn report(
    runs: &[RunSummary],
    best_run: usize,
    history: Vec<IterationRecord>,
    suspect: Vec<SuspectComponent>,
    events: Vec<DegenerateEvent>,
    (n_samples, weight_total, weighted): (usize, f64, bool),
) -> FitReport {
    let best = runs[best_run];
    FitReport {
        degenerate: events.into_iter().filter(|e| e.run == best_run).collect(),
        n_iter: best.n_iter,
        converged: best.converged,
        log_likelihood: best.log_likelihood,
        mean_log_likelihood: best.log_likelihood / weight_total,
        n_samples,
        weight_total,
        weighted,
        best_run,
        runs: runs.to_vec(),
        history,
        suspect,
    }
}
