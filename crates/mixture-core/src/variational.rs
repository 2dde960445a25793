//! Variational Bayesian mixtures: the posterior of the mixing weights under a Dirichlet-process
//! or Dirichlet prior, and the trait a family implements for its components' conjugate prior
//! ([`Conjugate`]).
//!
//! A variational fit ([`crate::Estimator::fit_variational`]) is E-M's driver with two changes:
//! the E-step's responsibilities come from *expected* log-weights and log-densities under the
//! current posterior, and the M-step computes a posterior instead of point estimates. The
//! E-step is the E-step of a plain mixture (the [`VariationalFit::scoring`] mixture, whose
//! weights are `∝ exp(E[ln π_k] + offset_k)`), so it is the same fused pass over row blocks,
//! with the same merges: variational fits stream, run over chunks and weight rows exactly as
//! E-M does, with the same bit-identity across threads. The numbers are scikit-learn's
//! `BayesianGaussianMixture`'s, lower bound included.

use crate::engine::Engine;
use crate::error::{MixtureError, Result};
use crate::estimator::{Estimator, report};
use crate::family::{Components, Family};
use crate::mixture::Mixture;
use crate::moves;
use crate::options::{Choice, StopRule};
use crate::report::{FitObserver, FitReport, IterationRecord, MAX_HISTORY, RunSummary};
use crate::sample::Sampled;
use crate::scalar::Scalar;
use crate::source::Input;
use crate::special::{beta_divergence, digamma, ln_beta, ln_gamma};
use crate::statistics::Statistics;

/// The prior on the mixing weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum WeightPriorType {
    /// A Dirichlet process in its stick-breaking form, truncated at K components: the weights
    /// of components the data do not need fall towards 0 (scikit-learn's default).
    #[default]
    DirichletProcess,
    /// A symmetric Dirichlet distribution on the K weights.
    DirichletDistribution,
}

impl WeightPriorType {
    /// scikit-learn's name (`weight_concentration_prior_type`): `"dirichlet_process"` or
    /// `"dirichlet_distribution"`.
    pub fn scikit_learn_name(self) -> &'static str {
        match self {
            WeightPriorType::DirichletProcess => "dirichlet_process",
            WeightPriorType::DirichletDistribution => "dirichlet_distribution",
        }
    }
}

impl Choice for WeightPriorType {
    const ALL: &'static [Self] = &[
        WeightPriorType::DirichletProcess,
        WeightPriorType::DirichletDistribution,
    ];

    fn name(self) -> &'static str {
        match self {
            WeightPriorType::DirichletProcess => "dirichlet-process",
            WeightPriorType::DirichletDistribution => "dirichlet",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            WeightPriorType::DirichletProcess => &["dirichlet_process"],
            WeightPriorType::DirichletDistribution => &["dirichlet_distribution"],
        }
    }

    fn summary(self) -> &'static str {
        match self {
            WeightPriorType::DirichletProcess => {
                "stick-breaking: the components the data do not need fall to tiny weights"
            }
            WeightPriorType::DirichletDistribution => "a symmetric Dirichlet on the K weights",
        }
    }
}

/// The prior of a variational fit: the weights' prior and the family's prior on the
/// components' parameters. `None` values take scikit-learn's defaults (a concentration of
/// 1/K; the family's defaults from the data).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VariationalPrior<P> {
    /// The weights' prior.
    pub weight_prior: WeightPriorType,
    /// The weights' concentration (γ of the Dirichlet process, α of the Dirichlet
    /// distribution); positive. Small values favour few components.
    pub weight_concentration: Option<f64>,
    /// The family's prior on the components.
    pub components: P,
}

impl<P> VariationalPrior<P> {
    /// The concentration for K components: the given one, or 1/K.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] for a concentration that is not positive and finite.
    pub fn concentration(&self, n_components: usize) -> Result<f64> {
        match self.weight_concentration {
            None => Ok(1.0 / n_components as f64),
            Some(c) if c.is_finite() && c > 0.0 => Ok(c),
            Some(c) => Err(MixtureError::InvalidOption {
                name: "weight_concentration_prior",
                value: c.to_string(),
                expected: "must be positive and finite",
            }),
        }
    }
}

/// scikit-learn adds `10 · ε` to every component's total responsibility, so an empty
/// component divides by a positive number.
pub const COUNT_FLOOR: f64 = 10.0 * f64::EPSILON;

/// The posterior of the mixing weights: Beta parameters of each stick (Dirichlet process) or
/// the Dirichlet's parameters, scikit-learn's `weight_concentration_`.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightPosterior {
    kind: WeightPriorType,
    prior: f64,
    /// Dirichlet process: the K first then the K second Beta parameters; else K values.
    concentration: Vec<f64>,
}

impl WeightPosterior {
    /// The posterior given the components' total responsibilities `counts` (each plus
    /// [`COUNT_FLOOR`], as scikit-learn's M-step).
    pub fn from_counts(kind: WeightPriorType, prior: f64, counts: &[f64]) -> Self {
        let nk: Vec<f64> = counts.iter().map(|c| c + COUNT_FLOOR).collect();
        let concentration = match kind {
            WeightPriorType::DirichletProcess => {
                // Stick k's second parameter: the prior plus the responsibility of every later
                // component, summed from the last (scikit-learn's reversed cumulative sum).
                let mut after = vec![0.0; nk.len()];
                let mut total = 0.0;
                for k in (1..nk.len()).rev() {
                    total += nk[k];
                    after[k - 1] = total;
                }
                nk.iter()
                    .map(|n| 1.0 + n)
                    .chain(after.iter().map(|a| prior + a))
                    .collect()
            }
            WeightPriorType::DirichletDistribution => nk.iter().map(|n| prior + n).collect(),
        };
        Self {
            kind,
            prior,
            concentration,
        }
    }

    /// A posterior from its parameters (a warm start): 2K values for a Dirichlet process (the
    /// first Beta parameters, then the second), K for a Dirichlet distribution.
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] for another number of values or one that is not
    /// positive and finite.
    pub fn from_concentration(
        kind: WeightPriorType,
        prior: f64,
        n_components: usize,
        concentration: Vec<f64>,
    ) -> Result<Self> {
        let expected = match kind {
            WeightPriorType::DirichletProcess => 2 * n_components,
            WeightPriorType::DirichletDistribution => n_components,
        };
        if concentration.len() != expected {
            return Err(MixtureError::InvalidParameters {
                reason: format!(
                    "a {} weight posterior of {n_components} components has {expected} concentration values, not {}",
                    kind.scikit_learn_name(),
                    concentration.len()
                ),
            });
        }
        if let Some((i, v)) = concentration
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            return Err(MixtureError::InvalidParameters {
                reason: format!(
                    "weight concentration value {i} is {v}; it must be positive and finite"
                ),
            });
        }
        Ok(Self {
            kind,
            prior,
            concentration,
        })
    }

    /// The prior's type.
    pub fn kind(&self) -> WeightPriorType {
        self.kind
    }

    /// The prior's concentration.
    pub fn prior(&self) -> f64 {
        self.prior
    }

    /// Number of components K.
    pub fn n_components(&self) -> usize {
        match self.kind {
            WeightPriorType::DirichletProcess => self.concentration.len() / 2,
            WeightPriorType::DirichletDistribution => self.concentration.len(),
        }
    }

    /// The parameters (scikit-learn's `weight_concentration_`, its two arrays one after the
    /// other for a Dirichlet process).
    pub fn concentration(&self) -> &[f64] {
        &self.concentration
    }

    /// Each component's total responsibility `N_k` in the last M-step, read back from the
    /// parameters (`a_k − 1`, or `α_k − α₀`, less [`COUNT_FLOOR`]).
    pub fn counts(&self) -> Vec<f64> {
        let offset = match self.kind {
            WeightPriorType::DirichletProcess => 1.0,
            WeightPriorType::DirichletDistribution => self.prior,
        };
        self.concentration[..self.n_components()]
            .iter()
            .map(|c| (c - offset - COUNT_FLOOR).max(0.0))
            .collect()
    }

    /// The number of components whose [`WeightPosterior::counts`] reach `rows` rows' weight.
    pub fn effective_components(&self, rows: f64) -> usize {
        self.counts().iter().filter(|&&n| n >= rows).count()
    }

    /// `E[ln π_k]` under the posterior (scikit-learn's `_estimate_log_weights`).
    pub fn expected_log_weights(&self) -> Vec<f64> {
        match self.kind {
            WeightPriorType::DirichletProcess => {
                let k = self.n_components();
                let (a, b) = self.concentration.split_at(k);
                let mut before = 0.0;
                (0..k)
                    .map(|j| {
                        let sum = digamma(a[j] + b[j]);
                        let value = digamma(a[j]) - sum + before;
                        before += digamma(b[j]) - sum;
                        value
                    })
                    .collect()
            }
            WeightPriorType::DirichletDistribution => {
                let total = digamma(self.concentration.iter().sum());
                self.concentration
                    .iter()
                    .map(|&c| digamma(c) - total)
                    .collect()
            }
        }
    }

    /// The posterior mean weights (scikit-learn's `weights_`), summing to one.
    pub fn mean_weights(&self) -> Vec<f64> {
        let weights: Vec<f64> = match self.kind {
            WeightPriorType::DirichletProcess => {
                let k = self.n_components();
                let (a, b) = self.concentration.split_at(k);
                let mut stick = 1.0;
                (0..k)
                    .map(|j| {
                        let sum = a[j] + b[j];
                        let w = a[j] / sum * stick;
                        stick *= b[j] / sum;
                        w
                    })
                    .collect()
            }
            WeightPriorType::DirichletDistribution => self.concentration.clone(),
        };
        let total: f64 = weights.iter().sum();
        weights.iter().map(|w| w / total).collect()
    }

    /// `KL(q(π) ‖ p(π))`: the weights' posterior against their prior (K stick-breaking
    /// Beta(a_k, b_k) against Beta(1, γ), or the Dirichlet against the symmetric Dirichlet).
    pub fn divergence_from_prior(&self) -> f64 {
        match self.kind {
            WeightPriorType::DirichletProcess => {
                let (a, b) = self.concentration.split_at(self.n_components());
                a.iter()
                    .zip(b)
                    .map(|(&a, &b)| beta_divergence(a, b, 1.0, self.prior))
                    .sum()
            }
            WeightPriorType::DirichletDistribution => {
                let k = self.concentration.len() as f64;
                let total: f64 = self.concentration.iter().sum();
                let psi_total = digamma(total);
                ln_gamma(total) - ln_gamma(k * self.prior)
                    + k * ln_gamma(self.prior)
                    + self
                        .concentration
                        .iter()
                        .map(|&c| -ln_gamma(c) + (c - self.prior) * (digamma(c) - psi_total))
                        .sum::<f64>()
            }
        }
    }

    /// The log normaliser of the weights' posterior: scikit-learn's `log_norm_weight`
    /// (`−Σ ln B(a_k, b_k)`, or the Dirichlet's `ln Γ(Σα) − Σ ln Γ(α_k)`).
    pub fn log_normaliser(&self) -> f64 {
        match self.kind {
            WeightPriorType::DirichletProcess => {
                let (a, b) = self.concentration.split_at(self.n_components());
                -a.iter().zip(b).map(|(&a, &b)| ln_beta(a, b)).sum::<f64>()
            }
            WeightPriorType::DirichletDistribution => {
                ln_gamma(self.concentration.iter().sum())
                    - self.concentration.iter().map(|&c| ln_gamma(c)).sum::<f64>()
            }
        }
    }
}

/// A family whose components have a conjugate prior, for variational fits.
///
/// The engine calls, per iteration: [`Conjugate::expected`] (the E-step's components and
/// per-component offsets of the expected log-densities), a pass over the data, then
/// [`Conjugate::posterior`] on the merged statistics and [`Conjugate::bound`] for the
/// components' terms of the lower bound.
pub trait Conjugate<T: Scalar>: Family<T> {
    /// The prior's settings; [`Default`] takes every default from the data.
    type Prior: Clone + std::fmt::Debug + Default + PartialEq + Send + Sync;
    /// The posterior of all K components' parameters.
    type Posterior: Clone + std::fmt::Debug + Send + Sync;

    /// The prior with every default resolved, given the statistics of all the rows as one
    /// component (`pooled`: their count, mean and scatter).
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] for a setting outside its domain, naming it and the
    /// bound.
    fn resolve_prior(&self, prior: &Self::Prior, pooled: &Self::Stats) -> Result<Self::Prior>;

    /// The posterior given a resolved prior and merged statistics (the variational M-step).
    ///
    /// # Errors
    /// [`MixtureError::ParametersNotFormed`] naming the component whose posterior cannot be
    /// formed.
    fn posterior(&self, prior: &Self::Prior, stats: &Self::Stats) -> Result<Self::Posterior>;

    /// The components whose log-densities, plus `offsets[k]`, are the expected log-densities
    /// `E[ln p(x | θ_k)]` under the posterior; the same components are the fit's reported
    /// parameters.
    ///
    /// # Errors
    /// A typed error when the components cannot be formed in `T`.
    fn expected(&self, posterior: &Self::Posterior) -> Result<(Self::Components, Vec<f64>)>;

    /// The components' terms of the lower bound: what scikit-learn's `_compute_lower_bound`
    /// adds besides the responsibilities' entropy and the weights' log normaliser.
    fn bound(&self, prior: &Self::Prior, posterior: &Self::Posterior) -> f64;

    /// The components' terms of the evidence lower bound with every constant kept:
    /// `Σ_k E_q[Σ_n r_nk ln p(x_n | θ_k)] − Σ_k KL(q(θ_k) ‖ p(θ_k))`, the responsibilities
    /// `r` entering through `stats` (the statistics the posterior was computed from). The
    /// bound holds for any posterior, so a family whose M-step is not its model's exact
    /// update may evaluate the terms at the exact update instead (a higher bound).
    ///
    /// # Errors
    /// A typed error when a posterior's matrix cannot be factored.
    fn evidence_terms(
        &self,
        prior: &Self::Prior,
        posterior: &Self::Posterior,
        stats: &Self::Stats,
    ) -> Result<f64>;

    /// The posterior with its components in the order `order` (component `j` of the result
    /// is component `order[j]` of `posterior`; `order` is a permutation of 0..K).
    fn permuted(&self, posterior: &Self::Posterior, order: &[usize]) -> Self::Posterior;
}

/// A variational fit's result.
#[derive(Debug, Clone)]
pub struct VariationalFit<T, F: Conjugate<T>>
where
    T: Scalar,
{
    /// The posterior mean weights and the posterior components (scikit-learn's `weights_`,
    /// `means_`, `covariances_`): what [`Mixture::sample`] draws from.
    pub mixture: Mixture<T, F::Components>,
    /// The mixture whose responsibilities are the variational E-step's (weights
    /// `∝ exp(E[ln π_k] + offset_k)`): its `predict`, `predict_proba` are scikit-learn's; its
    /// log-density plus [`VariationalFit::log_normaliser`] is scikit-learn's `score_samples`.
    pub scoring: Mixture<T, F::Components>,
    /// `ln Σ_k exp(E[ln π_k] + offset_k)`.
    pub log_normaliser: f64,
    /// `ln p(X)` of [`VariationalFit::mixture`] (the posterior mean) on the training data,
    /// weighted as the fit was: what BIC and AIC of that mixture use.
    pub log_likelihood: f64,
    /// The weights' posterior.
    pub weights: WeightPosterior,
    /// The components' posterior.
    pub posterior: F::Posterior,
    /// The prior, every default resolved.
    pub prior: VariationalPrior<F::Prior>,
    /// The evidence lower bound (ELBO) of the returned run with every constant kept: a lower
    /// bound on the data's log marginal likelihood `ln p(X)` under the model (the weights'
    /// prior and the components' conjugate prior), so it compares fits of different K,
    /// covariance types and families (what `select` ranks variational fits by).
    /// [`VariationalFit::lower_bound`] is scikit-learn's, which leaves out terms that depend
    /// on K and the prior. Taken at the last M-step, from the responsibilities it used.
    pub evidence_bound: f64,
    /// How the fit went. Each iteration's `log_likelihood` is the lower bound after its
    /// M-step (scikit-learn's `lower_bound_`), `change` its change (the total, not per row,
    /// as scikit-learn's stop rule compares it with `tol`); the summary's `log_likelihood` is
    /// the last bound.
    pub report: FitReport,
}

impl<T: Scalar, F: Conjugate<T>> VariationalFit<T, F> {
    /// The lower bound of the returned run (scikit-learn's `lower_bound_`).
    pub fn lower_bound(&self) -> f64 {
        self.report.log_likelihood
    }

    /// The number of components whose total responsibility ([`WeightPosterior::counts`]) is
    /// at least `rows` rows' weight: the components the data use (1 row is a sensible
    /// `rows`; a switched-off component keeps far less).
    pub fn effective_components(&self, rows: f64) -> usize {
        self.weights.effective_components(rows)
    }
}

/// A posterior state: the weights' and the components'.
#[derive(Debug, Clone)]
pub(crate) struct State<P> {
    pub(crate) weights: WeightPosterior,
    pub(crate) components: P,
}

impl<P> State<P> {
    /// The E-step's mixture (see [`VariationalFit::scoring`]), its components (the reported
    /// ones) and the scoring normaliser.
    pub(crate) fn scoring<T: Scalar, F: Conjugate<T, Posterior = P>>(
        &self,
        family: &F,
    ) -> Result<(Mixture<T, F::Components>, f64)> {
        let (components, offsets) = family.expected(&self.components)?;
        let joint: Vec<f64> = self
            .weights
            .expected_log_weights()
            .iter()
            .zip(&offsets)
            .map(|(lw, o)| lw + o)
            .collect();
        let max = joint.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let shifted: Vec<f64> = joint.iter().map(|v| (v - max).exp()).collect();
        let total: f64 = shifted.iter().sum();
        // Divided by their sum, the weights sum to one within rounding, so that a model sent
        // to chunks (which renormalises weights that do not) keeps every bit.
        let weights: Vec<f64> = shifted.iter().map(|e| e / total).collect();
        Ok((
            Mixture::from_normalised_weights(weights, components),
            max + total.ln(),
        ))
    }
}

/// Where a variational fit starts, instead of the initialisation runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum VariationalStart<'m, T: Scalar, F: Conjugate<T>> {
    /// The posterior after one variational M-step on the responsibilities of this mixture's
    /// E-step (scikit-learn's start from responsibilities).
    Responsibilities(&'m Mixture<T, F::Components>),
    /// A posterior (a warm start), and the lower bound the first iteration's change is
    /// measured from (the previous fit's, so that repeated short warm fits see convergence).
    Posterior {
        /// The weights' posterior.
        weights: WeightPosterior,
        /// The components' posterior.
        components: F::Posterior,
        /// The previous fit's lower bound, if any.
        previous: Option<f64>,
    },
}

/// The posterior after the variational M-step on `stats`.
fn state_from<T: Scalar, F: Conjugate<T>>(
    family: &F,
    prior: &VariationalPrior<F::Prior>,
    concentration: f64,
    stats: &Statistics<F::Stats>,
) -> Result<State<F::Posterior>> {
    Ok(State {
        weights: WeightPosterior::from_counts(prior.weight_prior, concentration, stats.counts()),
        components: family.posterior(&prior.components, stats.family())?,
    })
}

/// The posterior an initialisation run starts from: [`state_from`] the start's statistics,
/// with the components in decreasing order of their total responsibility under a Dirichlet
/// process (its sticks favour large early components: started in another order, the fit
/// climbs to a lower bound; a Dirichlet distribution does not care).
fn first_state<T: Scalar, F: Conjugate<T>>(
    family: &F,
    prior: &VariationalPrior<F::Prior>,
    concentration: f64,
    stats: &Statistics<F::Stats>,
) -> Result<State<F::Posterior>> {
    let state = state_from(family, prior, concentration, stats)?;
    let counts = stats.counts();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| counts[b].total_cmp(&counts[a]));
    if prior.weight_prior != WeightPriorType::DirichletProcess
        || order.iter().enumerate().all(|(j, &c)| j == c)
    {
        return Ok(state);
    }
    let sorted: Vec<f64> = order.iter().map(|&c| counts[c]).collect();
    Ok(State {
        weights: WeightPosterior::from_counts(prior.weight_prior, concentration, &sorted),
        components: family.permuted(&state.components, &order),
    })
}

/// The evidence lower bound of `state`, the posterior computed from `stats`: the
/// responsibilities' entropy, their expected log-weights, the weights' and the components'
/// terms ([`Conjugate::evidence_terms`]).
fn evidence_bound<T: Scalar, F: Conjugate<T>>(
    family: &F,
    prior: &VariationalPrior<F::Prior>,
    state: &State<F::Posterior>,
    stats: &Statistics<F::Stats>,
) -> Result<f64> {
    let weights: f64 = stats
        .counts()
        .iter()
        .zip(state.weights.expected_log_weights())
        .map(|(n, log_weight)| n * log_weight)
        .sum();
    Ok(
        stats.entropy() + weights - state.weights.divergence_from_prior()
            + family.evidence_terms(&prior.components, &state.components, stats.family())?,
    )
}

/// What one variational run ends with.
struct VariationalRun<P> {
    state: State<P>,
    /// The run's [`VariationalFit::evidence_bound`].
    evidence: f64,
    summary: RunSummary,
    history: Vec<IterationRecord>,
}

/// A variational fit: the sampling pass, the family's data-dependent settings and prior, then
/// the runs (see [`crate::Estimator::fit_variational`]).
pub(crate) fn fit<T: Scalar, F: Conjugate<T>>(
    estimator: &Estimator<F>,
    input: Input<'_, T, F>,
    prior: &VariationalPrior<F::Prior>,
    start: Option<VariationalStart<'_, T, F>>,
    observer: &mut dyn FitObserver,
) -> Result<VariationalFit<T, F>> {
    let (k, options) = (estimator.n_components(), estimator.options());
    if !options.held.is_empty() {
        return Err(MixtureError::InvalidOption {
            name: "hold",
            value: options.held.to_string(),
            expected: "variational fits estimate every parameter's posterior: hold none",
        });
    }
    let concentration = prior.concentration(k)?;
    let mut engine = Engine::new(estimator.family().clone(), input, k, options.clone())?;
    let sample = engine.sample(k)?;
    let family = estimator.family().prepare(sample.data())?;
    engine.set_family(family.clone());
    if let Some(VariationalStart::Responsibilities(m)) = &start
        && m.n_features() != engine.n_cols()
    {
        return Err(MixtureError::DimensionMismatch {
            expected: m.n_features(),
            found: engine.n_cols(),
        });
    }
    let components =
        family.resolve_prior(&prior.components, engine.pooled_statistics()?.family())?;
    let prior = VariationalPrior {
        weight_prior: prior.weight_prior,
        weight_concentration: Some(concentration),
        components,
    };
    let mut runs = Vec::new();
    let mut best: Option<VariationalRun<F::Posterior>> = None;
    let starts = match &start {
        Some(_) => 1,
        None => options.n_init,
    };
    for run in 0..starts {
        let (first, previous) = match &start {
            None => {
                engine.initial_pass(&sample, k, run)?;
                (
                    first_state(&family, &prior, concentration, engine.total())?,
                    None,
                )
            }
            Some(VariationalStart::Responsibilities(m)) => {
                let stats = engine.statistics(m)?;
                (state_from(&family, &prior, concentration, stats)?, None)
            }
            Some(VariationalStart::Posterior {
                weights,
                components,
                previous,
            }) => {
                if weights.n_components() != k {
                    return Err(MixtureError::InvalidParameters {
                        reason: format!(
                            "the weights' posterior has {} components, not {k}",
                            weights.n_components()
                        ),
                    });
                }
                let state = State {
                    weights: WeightPosterior::from_concentration(
                        prior.weight_prior,
                        concentration,
                        k,
                        weights.concentration().to_vec(),
                    )?,
                    components: components.clone(),
                };
                (state, *previous)
            }
        };
        let mut outcome = run_one(
            &mut engine,
            &family,
            &prior,
            concentration,
            first,
            run,
            previous,
            observer,
        )?;
        if options.delete_moves {
            outcome = delete_moves(
                &mut engine,
                &family,
                &prior,
                concentration,
                outcome,
                observer,
            )?;
        }
        if options.split_merge_moves {
            outcome = split_merge_moves(
                &mut engine,
                &family,
                &prior,
                concentration,
                &sample,
                outcome,
                observer,
            )?;
        }
        runs.push(outcome.summary);
        if best
            .as_ref()
            .is_none_or(|b| outcome.summary.log_likelihood > b.summary.log_likelihood)
        {
            best = Some(outcome);
        }
    }
    let best = best.expect("at least one run");
    let (scoring, log_normaliser) = best.state.scoring(&family)?;
    // The reported mixture: the posterior mean weights, the same components.
    let mixture = Mixture::from_normalised_weights(
        best.state.weights.mean_weights(),
        scoring.components().clone(),
    );
    let log_likelihood = engine.log_likelihood_of(&mixture)?;
    let report = report(
        &runs,
        best.summary.run,
        best.history,
        Vec::new(),
        Vec::new(),
        (
            sample.n_rows,
            engine.weight_total(),
            sample.weights.is_some(),
        ),
    );
    Ok(VariationalFit {
        mixture,
        scoring,
        log_normaliser,
        log_likelihood,
        weights: best.state.weights,
        posterior: best.state.components,
        prior,
        evidence_bound: best.evidence,
        report,
    })
}

/// Passes on only whether to keep going: the iterations of a move's trial run are not the
/// run's trace.
struct Quiet<'o>(&'o mut dyn FitObserver);

impl FitObserver for Quiet<'_> {
    fn on_iteration(&mut self, _: &IterationRecord) {}

    fn keep_going(&mut self) -> bool {
        self.0.keep_going()
    }
}

/// A move from a finished run: where the trial run starts.
enum Move {
    /// Component k switched off in the E-step's mixture (a deletion).
    SwitchOff(usize),
    /// The E-step's responsibilities moved (a split and merge, see [`moves`]).
    Reassign(moves::Reassignment),
}

/// Deletion moves from a finished run (see [`Estimator::delete_moves`]): each component in
/// use (at least one row's weight), the smallest first, is switched off in the E-step's
/// mixture and the fit runs on from that E-step (see [`climb`]).
fn delete_moves<T: Scalar, F: Conjugate<T>>(
    engine: &mut Engine<'_, T, F>,
    family: &F,
    prior: &VariationalPrior<F::Prior>,
    concentration: f64,
    best: VariationalRun<F::Posterior>,
    observer: &mut dyn FitObserver,
) -> Result<VariationalRun<F::Posterior>> {
    let propose = |_: &Mixture<T, F::Components>, counts: &[f64]| {
        let mut in_use: Vec<usize> = (0..counts.len()).filter(|&c| counts[c] >= 1.0).collect();
        if in_use.len() < 2 {
            return Vec::new();
        }
        in_use.sort_by(|&a, &b| counts[a].total_cmp(&counts[b]));
        in_use.into_iter().map(Move::SwitchOff).collect()
    };
    climb(
        engine,
        family,
        prior,
        concentration,
        best,
        observer,
        propose,
    )
}

/// Split-and-merge moves from a finished run (see [`Estimator::split_merge_moves`]): each
/// candidate of [`moves::candidates`], best first, moves the responsibilities of the run's
/// last E-step and the fit runs on from their statistics (see [`climb`]).
fn split_merge_moves<T: Scalar, F: Conjugate<T>>(
    engine: &mut Engine<'_, T, F>,
    family: &F,
    prior: &VariationalPrior<F::Prior>,
    concentration: f64,
    sample: &Sampled<T>,
    best: VariationalRun<F::Posterior>,
    observer: &mut dyn FitObserver,
) -> Result<VariationalRun<F::Posterior>> {
    let propose = |scoring: &Mixture<T, F::Components>, counts: &[f64]| {
        moves::candidates(scoring, counts, sample)
            .into_iter()
            .map(Move::Reassign)
            .collect()
    };
    climb(
        engine,
        family,
        prior,
        concentration,
        best,
        observer,
        propose,
    )
}

/// Tries the moves `propose` gives for the run's end (its E-step's mixture and the weights'
/// counts), in order: the first trial that ends above the run's bound replaces it (its
/// iterations added to the run's), and the moves start again from it, until none helps.
fn climb<T: Scalar, F: Conjugate<T>>(
    engine: &mut Engine<'_, T, F>,
    family: &F,
    prior: &VariationalPrior<F::Prior>,
    concentration: f64,
    mut best: VariationalRun<F::Posterior>,
    observer: &mut dyn FitObserver,
    propose: impl Fn(&Mixture<T, F::Components>, &[f64]) -> Vec<Move>,
) -> Result<VariationalRun<F::Posterior>> {
    let run = best.summary.run;
    loop {
        let counts = best.state.weights.counts();
        let (scoring, _) = best.state.scoring(family)?;
        let mut moved = false;
        for candidate in propose(&scoring, &counts) {
            let stats = match candidate {
                Move::SwitchOff(k) => engine.statistics(&switched_off(&scoring, k))?,
                Move::Reassign(moved) => engine.moved_statistics(&scoring, &moved)?,
            };
            let first = first_state(family, prior, concentration, stats)?;
            let trial = run_one(
                engine,
                family,
                prior,
                concentration,
                first,
                run,
                None,
                &mut Quiet(&mut *observer),
            )?;
            if improves(&best, &trial) {
                best = continued(best, trial);
                moved = true;
                break;
            }
        }
        if !moved {
            return Ok(best);
        }
    }
}

/// `scoring` with component k's weight at (almost) nothing: its rows go elsewhere. The
/// weights still sum to one within rounding, as chunks expect.
fn switched_off<T: Scalar, C: Components<T>>(scoring: &Mixture<T, C>, k: usize) -> Mixture<T, C> {
    let n = scoring.n_components();
    let rest: f64 = (0..n)
        .filter(|&c| c != k)
        .map(|c| scoring.weights()[c])
        .sum();
    let weights: Vec<f64> = (0..n)
        .map(|c| {
            if c == k {
                f64::MIN_POSITIVE
            } else {
                scoring.weights()[c] / rest
            }
        })
        .collect();
    Mixture::from_normalised_weights(weights, scoring.components().clone())
}

/// Whether a move's `trial` ends above the run it started from.
fn improves<P>(best: &VariationalRun<P>, trial: &VariationalRun<P>) -> bool {
    let (old, new) = (best.summary.log_likelihood, trial.summary.log_likelihood);
    new > old + 1e-9 * old.abs().max(1.0)
}

/// The run `best` continued by a move's `trial`: the trial's end, both runs' iterations.
fn continued<P>(best: VariationalRun<P>, trial: VariationalRun<P>) -> VariationalRun<P> {
    let done = best.summary.n_iter;
    let mut history = best.history;
    history.extend(trial.history.into_iter().map(|mut r| {
        r.iteration += done;
        r
    }));
    if history.len() > MAX_HISTORY {
        history.drain(..history.len() - MAX_HISTORY);
    }
    VariationalRun {
        state: trial.state,
        evidence: trial.evidence,
        summary: RunSummary {
            n_iter: done + trial.summary.n_iter,
            ..trial.summary
        },
        history,
    }
}

/// Variational iterations from `state` until the stop rule or `max_iter`.
#[allow(clippy::too_many_arguments)]
fn run_one<T: Scalar, F: Conjugate<T>>(
    engine: &mut Engine<'_, T, F>,
    family: &F,
    prior: &VariationalPrior<F::Prior>,
    concentration: f64,
    mut state: State<F::Posterior>,
    run: usize,
    previous: Option<f64>,
    observer: &mut dyn FitObserver,
) -> Result<VariationalRun<F::Posterior>> {
    let options = engine.options().clone();
    let mut previous = previous.unwrap_or(f64::NEG_INFINITY);
    let mut history = Vec::with_capacity(options.max_iter.min(10_000));
    let (mut converged, mut n_iter) = (false, 0);
    let mut bound = previous;
    let mut evidence = f64::NEG_INFINITY;
    let d = engine.n_cols();
    let (mut scoring, _) = state.scoring(family)?;
    let (mut means_old, mut means_new) = (Vec::new(), Vec::new());
    for iteration in 0..options.max_iter {
        means_old.resize(scoring.n_components() * d, T::zero());
        scoring.components().write_means(&mut means_old);
        let stats = engine.variational_statistics(&scoring)?;
        let next = state_from(family, prior, concentration, stats)?;
        bound = stats.entropy() + family.bound(&prior.components, &next.components)
            - next.weights.log_normaliser();
        let weight_total = stats.weight_total();
        let (next_scoring, _) = next.scoring(family)?;
        means_new.resize(means_old.len(), T::zero());
        next_scoring.components().write_means(&mut means_new);
        let mean_shift = means_old
            .iter()
            .zip(&means_new)
            .map(|(a, b)| (b.as_f64() - a.as_f64()).powi(2))
            .sum::<f64>()
            .sqrt();
        let record = IterationRecord {
            run,
            iteration,
            log_likelihood: bound,
            mean_log_likelihood: bound / weight_total,
            change: bound - previous,
            mean_shift,
        };
        observer.on_iteration(&record);
        if !observer.keep_going() {
            return Err(MixtureError::Interrupted { run, iteration });
        }
        history.push(record);
        if history.len() == 2 * MAX_HISTORY {
            history.drain(..MAX_HISTORY);
        }
        n_iter += 1;
        converged = match options.stop_rule {
            StopRule::LogLikelihood => record.change.abs() < options.tol,
            StopRule::MeanShift => mean_shift < options.tol,
        };
        if converged || iteration + 1 == options.max_iter {
            evidence = evidence_bound(family, prior, &next, stats)?;
        }
        (state, scoring) = (next, next_scoring);
        if converged {
            break;
        }
        previous = bound;
    }
    if history.len() > MAX_HISTORY {
        history.drain(..history.len() - MAX_HISTORY);
    }
    let summary = RunSummary {
        run,
        n_iter,
        converged,
        log_likelihood: bound,
        suspect: 0,
    };
    observer.on_run_end(&summary);
    Ok(VariationalRun {
        state,
        evidence,
        summary,
        history,
    })
}
