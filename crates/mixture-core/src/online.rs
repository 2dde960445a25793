//! Stepwise (online) E-M: learning from batches seen once ([`Online::partial_fit`]), and
//! mini-batch E-M over a [`BlockSource`].
//!
//! Each batch's statistics, per unit of weight, are blended into running statistics with a
//! step size ρ_t = (t + t₀)^(−κ), κ ∈ (0.5, 1] (Cappé and Moulines, 2009), and the M-step runs
//! on the running statistics: `running ← (1 − ρ_t)·running + ρ_t·batch`. The statistics merge
//! exactly (see [`Statistics::scale`] and [`Statistics::merge`]), so the blend is exact too.

use crate::engine::Engine;
use crate::error::{MixtureError, Result};
use crate::estimator::Estimator;
use crate::family::{Components, Family};
use crate::m_step::m_step;
use crate::mixture::Mixture;
use crate::rows::{Data, Rows};
use crate::scalar::Scalar;
use crate::source::Input;
use crate::source::{BlockSource, read_weighted};
use crate::statistics::Statistics;

/// Default κ of the step size ρ_t = (t + t₀)^(−κ).
pub const DEFAULT_KAPPA: f64 = 0.6;
/// Default t₀ of the step size ρ_t = (t + t₀)^(−κ).
pub const DEFAULT_T0: f64 = 2.0;

/// Stepwise E-M over batches: made by [`Estimator::online`].
///
/// The first [`partial_fit`](Online::partial_fit) initialises from its batch (as
/// [`Estimator::initialise`] does, resolving the family's data-dependent settings on it) and
/// takes its statistics whole (ρ₀ = 1); step t ≥ 1 blends with ρ_t = (t + t₀)^(−κ), by default
/// κ = 0.6 and t₀ = 2.
///
/// # Examples
/// Online E-M needs a family: see `mixture_gauss`'s documentation, and `tests/online.rs`.
#[derive(Debug, Clone)]
pub struct Online<T: Scalar, F: Family<T>> {
    estimator: Estimator<F>,
    kappa: f64,
    t0: f64,
    state: Option<State<T, F>>,
}

#[derive(Debug, Clone)]
struct State<T: Scalar, F: Family<T>> {
    family: F,
    mixture: Mixture<T, F::Components>,
    running: Statistics<F::Stats>,
    steps: usize,
}

impl<F> Estimator<F> {
    /// Stepwise E-M with this estimator's family, K and options: `init`, `seed`, `block_rows`
    /// and the degenerate policy apply, and `n_init` initialisations are tried on the first
    /// batch (the one that explains it best is kept); `max_iter` and `tol` do not apply.
    pub fn online<T>(&self) -> Online<T, F>
    where
        T: Scalar,
        F: Family<T>,
    {
        Online {
            estimator: self.clone(),
            kappa: DEFAULT_KAPPA,
            t0: DEFAULT_T0,
            state: None,
        }
    }
}

impl<T: Scalar, F: Family<T>> Online<T, F> {
    /// Sets the step size ρ_t = (t + t₀)^(−κ); checked at the next step: κ in (0.5, 1], t₀ ≥ 1.
    pub fn step_size(mut self, kappa: f64, t0: f64) -> Self {
        self.kappa = kappa;
        self.t0 = t0;
        self
    }

    /// The step size of step `t` (ρ₀ = 1).
    pub fn rho(&self, t: usize) -> f64 {
        if t == 0 {
            1.0
        } else {
            (t as f64 + self.t0).powf(-self.kappa)
        }
    }

    /// The mixture after the last step, if any.
    pub fn mixture(&self) -> Option<&Mixture<T, F::Components>> {
        self.state.as_ref().map(|s| &s.mixture)
    }

    /// The running statistics (per unit of weight), if any.
    pub fn statistics(&self) -> Option<&Statistics<F::Stats>> {
        self.state.as_ref().map(|s| &s.running)
    }

    /// Steps taken (batches seen).
    pub fn n_steps(&self) -> usize {
        self.state.as_ref().map_or(0, |s| s.steps)
    }

    /// The family as the first batch prepared it (its data-dependent settings resolved), if
    /// any batch was seen: with [`Online::mixture`], [`Online::statistics`] and
    /// [`Online::n_steps`], what [`Online::resume`] takes to go on elsewhere.
    pub fn family(&self) -> Option<&F> {
        self.state.as_ref().map(|s| &s.family)
    }

    /// Goes on from a saved state (in another process, say): the prepared `family`, the
    /// `mixture` after step `steps`, and the `running` statistics, as [`Online::family`],
    /// [`Online::mixture`], [`Online::statistics`] and [`Online::n_steps`] gave them. The next
    /// [`Online::partial_fit`] is then step `steps`, exactly as without the interruption.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] for `steps` = 0 (nothing to resume: use a fresh
    /// `Online`), [`MixtureError::IncompatibleStatistics`] when the statistics' K or D differ
    /// from the mixture's.
    pub fn resume(
        mut self,
        family: F,
        mixture: Mixture<T, F::Components>,
        running: Statistics<F::Stats>,
        steps: usize,
    ) -> Result<Self> {
        if steps == 0 {
            return Err(MixtureError::InvalidOption {
                name: "steps",
                value: "0".into(),
                expected: "a resumed state has taken at least one step",
            });
        }
        let (k, d) = (mixture.n_components(), mixture.n_features());
        if (running.n_components(), running.n_features()) != (k, d) {
            return Err(MixtureError::IncompatibleStatistics {
                reason: format!(
                    "the running statistics are for {} components of dimension {} but the mixture has {k} of dimension {d}",
                    running.n_components(),
                    running.n_features()
                ),
            });
        }
        self.state = Some(State {
            family,
            mixture,
            running,
            steps,
        });
        Ok(self)
    }

    /// Starts over: the next batch initialises again.
    pub fn reset(&mut self) {
        self.state = None;
    }

    fn check_options(&self) -> Result<()> {
        if !(self.kappa > 0.5 && self.kappa <= 1.0) {
            return Err(MixtureError::InvalidOption {
                name: "kappa",
                value: self.kappa.to_string(),
                expected: "the step size's exponent must be in (0.5, 1]",
            });
        }
        if !(self.t0.is_finite() && self.t0 >= 1.0) {
            return Err(MixtureError::InvalidOption {
                name: "t0",
                value: self.t0.to_string(),
                expected: "the step size's offset must be finite and at least 1",
            });
        }
        let held = self.estimator.options().held;
        if !held.is_empty() {
            return Err(MixtureError::InvalidOption {
                name: "held",
                value: held.to_string(),
                expected: "must be empty: stepwise E-M holds no parameters (fit with fit_from)",
            });
        }
        Ok(())
    }

    /// One step of stepwise E-M on `batch` (rows with optional weights), returning the new
    /// mixture. The first call initialises from the batch.
    ///
    /// # Errors
    /// As [`Estimator::fit`] for the batch (which must have at least K rows of positive weight
    /// for the first call); a batch of another dimension than the first is
    /// [`MixtureError::DimensionMismatch`]. After an error the state is unchanged.
    pub fn partial_fit<'a>(
        &mut self,
        batch: impl Into<Data<'a, T>>,
    ) -> Result<&Mixture<T, F::Components>> {
        self.check_options()?;
        let batch = batch.into();
        let est = &self.estimator;
        est.options().validate()?;
        est.family().check_options()?;
        let k = est.n_components();
        let expected = self.state.as_ref().map(|s| s.mixture.n_features());
        crate::validate::check_data(batch, expected)?;
        <F::Components as Components<T>>::check_domain(batch.rows())?;
        let mut engine = Engine::new(
            est.family().clone(),
            Input::Memory(batch),
            k,
            est.options().clone(),
        )?;
        let (family, mixture, steps) = match &self.state {
            Some(s) => (s.family.clone(), s.mixture.clone(), s.steps),
            None => {
                let sample = engine.sample(k)?;
                let family = est.family().prepare(sample.data())?;
                engine.set_family(family.clone());
                // The best of `n_init` initialisations, by the batch's log-likelihood.
                let mut best: Option<(f64, Mixture<T, F::Components>)> = None;
                for run in 0..est.options().n_init {
                    let start = engine.initialise(&sample, k, run)?;
                    let ll = engine.statistics(&start)?.log_likelihood();
                    if best.as_ref().is_none_or(|(b, _)| ll > *b) {
                        best = Some((ll, start));
                    }
                }
                let (_, start) = best.expect("n_init >= 1");
                (family, start, 0)
            }
        };
        engine.set_family(family.clone());
        let mut stats = engine.statistics(&mixture)?.clone();
        let rho = self.rho(steps);
        stats.scale(rho / stats.weight_total())?;
        let running = match &self.state {
            Some(s) if rho < 1.0 => {
                let mut running = s.running.clone();
                running.scale(1.0 - rho)?;
                running.merge(&stats)?;
                // The empty-component threshold is per row of the latest batch.
                running.n_rows = stats.n_rows;
                running
            }
            _ => stats,
        };
        let step = m_step(&family, &running, est.options().on_degenerate)?;
        self.state = Some(State {
            family,
            mixture: step.mixture,
            running,
            steps: steps + 1,
        });
        Ok(&self.state.as_ref().expect("just set").mixture)
    }

    /// Mini-batch E-M over a source: `epochs` passes, each cut into batches of `batch_rows`
    /// rows (with their weights) given to [`Online::partial_fit`] in order.
    ///
    /// # Errors
    /// As [`Online::partial_fit`], the sources' errors, and [`MixtureError::InvalidOption`]
    /// for `batch_rows` = 0 or `epochs` = 0.
    pub fn fit_source<'s>(
        &mut self,
        x: &'s mut dyn BlockSource<T>,
        mut weights: Option<&'s mut dyn BlockSource<f64>>,
        batch_rows: usize,
        epochs: usize,
    ) -> Result<&Mixture<T, F::Components>> {
        for (name, value) in [("batch_rows", batch_rows), ("epochs", epochs)] {
            if value == 0 {
                return Err(MixtureError::InvalidOption {
                    name,
                    value: "0".into(),
                    expected: "must be at least 1",
                });
            }
        }
        let (mut rows, mut w) = (Vec::new(), Vec::new());
        for _ in 0..epochs {
            x.rewind()?;
            if let Some(w) = weights.as_deref_mut() {
                w.rewind()?;
            }
            let mut seen = 0;
            loop {
                let n = read_weighted(
                    x,
                    weights.as_deref_mut(),
                    &mut rows,
                    &mut w,
                    batch_rows,
                    seen,
                )?;
                if n == 0 {
                    break;
                }
                let batch = Data::new(
                    Rows::new(&rows, x.n_cols())?,
                    weights.is_some().then_some(&w[..]),
                );
                // A batch that weighs nothing teaches nothing.
                if batch.weights().is_none_or(|w| w.iter().any(|&v| v != 0.0)) {
                    self.partial_fit(batch).map_err(|e| e.offset_rows(seen))?;
                }
                seen += n;
            }
        }
        self.mixture().ok_or(MixtureError::EmptyData {
            n_rows: 0,
            n_cols: x.n_cols(),
        })
    }
}
