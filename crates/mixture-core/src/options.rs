//! The E-M driver's settings: [`EmOptions`], the stop rule and the degenerate-component policy.

use crate::error::{MixtureError, Result};
use crate::init::Init;
use crate::parameters::ParameterSet;

/// Most initialisations a fit accepts (`n_init`): each one is a whole fit, so more is a
/// mistake, not a request.
pub const MAX_N_INIT: usize = 100_000;

/// Rows per block of the fused pass, by default: a block's B×K scratch stays in cache.
pub const DEFAULT_BLOCK_ROWS: usize = 256;

/// A setting chosen from a fixed list by name ([`Init`], [`StopRule`], [`DegeneratePolicy`],
/// [`SpuriousPolicy`]): the names front ends parse, print and list, so that none spells them.
///
/// # Examples
/// ```
/// use mixture_core::{Choice, Init};
///
/// assert_eq!(Init::from_name("kmeans++"), Some(Init::KMeansPlusPlus));
/// assert_eq!(Init::from_name("k-means++"), Some(Init::KMeansPlusPlus)); // scikit-learn's
/// assert_eq!(Init::RandomRows.name(), "random-rows");
/// assert_eq!(Init::names(), ["random-rows", "kmeans++", "kmeans", "random", "hc"]);
/// ```
pub trait Choice: Sized + Copy + PartialEq + 'static {
    /// Every choice, in the order front ends list them.
    const ALL: &'static [Self];

    /// The choice's name in options, model files and messages.
    fn name(self) -> &'static str;

    /// Other spellings accepted by [`Choice::from_name`] (scikit-learn's, with underscores).
    fn aliases(self) -> &'static [&'static str] {
        &[]
    }

    /// One line saying what the choice does (a command's `--help`).
    fn summary(self) -> &'static str;

    /// The choice named `name` or one of its aliases.
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.name() == name || c.aliases().contains(&name))
    }

    /// Every choice's name, in the order of [`Choice::ALL`].
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|c| c.name()).collect()
    }
}

/// Choices print as their names.
macro_rules! display_by_name {
    ($($t:ty),+) => {
        $(impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        })+
    };
}

display_by_name!(
    StopRule,
    DegeneratePolicy,
    SpuriousPolicy,
    Init,
    HierarchyMerge,
    HierarchyCoordinates,
    BestRun
);

impl Choice for BestRun {
    const ALL: &'static [Self] = &[BestRun::FinalLogLikelihood, BestRun::LastBound];

    fn name(self) -> &'static str {
        match self {
            BestRun::FinalLogLikelihood => "final",
            BestRun::LastBound => "bound",
        }
    }

    fn summary(self) -> &'static str {
        match self {
            BestRun::FinalLogLikelihood => "the log-likelihood of the run's returned parameters",
            BestRun::LastBound => {
                "the log-likelihood at the start of the run's last iteration (scikit-learn's lower_bound_)"
            }
        }
    }
}

impl Choice for HierarchyMerge {
    const ALL: &'static [Self] = &[
        HierarchyMerge::Family,
        HierarchyMerge::Vvv,
        HierarchyMerge::Eii,
    ];

    fn name(self) -> &'static str {
        match self {
            HierarchyMerge::Family => "family",
            HierarchyMerge::Vvv => "VVV",
            HierarchyMerge::Eii => "EII",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            HierarchyMerge::Family => &[],
            HierarchyMerge::Vvv => &["vvv"],
            HierarchyMerge::Eii => &["eii", "ward"],
        }
    }

    fn summary(self) -> &'static str {
        match self {
            HierarchyMerge::Family => {
                "the family's own (VVV for Gaussian and Poisson rows, Ward's for weighted or wide ones; Bernoulli and exponential: their classification likelihood)"
            }
            HierarchyMerge::Vvv => "mclust's VVV classification likelihood, for any rows",
            HierarchyMerge::Eii => "mclust's EII: Ward's criterion",
        }
    }
}

impl Choice for HierarchyCoordinates {
    const ALL: &'static [Self] = &[HierarchyCoordinates::Svd, HierarchyCoordinates::Vars];

    fn name(self) -> &'static str {
        match self {
            HierarchyCoordinates::Svd => "SVD",
            HierarchyCoordinates::Vars => "VARS",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            HierarchyCoordinates::Svd => &["svd"],
            HierarchyCoordinates::Vars => &["vars"],
        }
    }

    fn summary(self) -> &'static str {
        match self {
            HierarchyCoordinates::Svd => {
                "features standardised and rotated onto scaled principal axes (mclust's default)"
            }
            HierarchyCoordinates::Vars => "the features as they are",
        }
    }
}

impl Choice for Init {
    const ALL: &'static [Self] = &[
        Init::RandomRows,
        Init::KMeansPlusPlus,
        Init::KMeans,
        Init::Random,
        Init::Hierarchical,
    ];

    fn name(self) -> &'static str {
        match self {
            Init::RandomRows => "random-rows",
            Init::KMeansPlusPlus => "kmeans++",
            Init::KMeans => "kmeans",
            Init::Random => "random",
            Init::Hierarchical => "hc",
        }
    }

    /// scikit-learn's names.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Init::RandomRows => &["random_from_data"],
            Init::KMeansPlusPlus => &["k-means++"],
            Init::KMeans | Init::Random | Init::Hierarchical => &[],
        }
    }

    fn summary(self) -> &'static str {
        match self {
            Init::RandomRows => "K distinct random data rows as centres (the lesson's)",
            Init::KMeansPlusPlus => "k-means++ seeding",
            Init::KMeans => "k-means++ seeding refined by a few Lloyd iterations of k-means",
            Init::Random => "random responsibilities (scikit-learn's \"random\")",
            Init::Hierarchical => {
                "model-based hierarchical clustering (mclust's VVV merges in SVD coordinates) cut at K"
            }
        }
    }
}

impl Choice for StopRule {
    const ALL: &'static [Self] = &[StopRule::LogLikelihood, StopRule::MeanShift];

    fn name(self) -> &'static str {
        match self {
            StopRule::LogLikelihood => "loglik",
            StopRule::MeanShift => "mean-shift",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            StopRule::LogLikelihood => &[],
            StopRule::MeanShift => &["mean_shift"],
        }
    }

    fn summary(self) -> &'static str {
        match self {
            StopRule::LogLikelihood => {
                "change of the mean log-likelihood per row below tol (scikit-learn's rule)"
            }
            StopRule::MeanShift => {
                "Frobenius norm of the change of the means below tol (the lesson's rule; data units)"
            }
        }
    }
}

impl Choice for DegeneratePolicy {
    const ALL: &'static [Self] = &[
        DegeneratePolicy::Reseed,
        DegeneratePolicy::Drop,
        DegeneratePolicy::Error,
    ];

    fn name(self) -> &'static str {
        match self {
            DegeneratePolicy::Reseed => "reseed",
            DegeneratePolicy::Drop => "drop",
            DegeneratePolicy::Error => "error",
        }
    }

    fn summary(self) -> &'static str {
        match self {
            DegeneratePolicy::Reseed => "re-seed it at the worst-explained row",
            DegeneratePolicy::Drop => "drop it (K shrinks)",
            DegeneratePolicy::Error => "stop with an error naming it",
        }
    }
}

impl Choice for SpuriousPolicy {
    const ALL: &'static [Self] = &[SpuriousPolicy::Keep, SpuriousPolicy::Degenerate];

    fn name(self) -> &'static str {
        match self {
            SpuriousPolicy::Keep => "keep",
            SpuriousPolicy::Degenerate => "degenerate",
        }
    }

    fn summary(self) -> &'static str {
        match self {
            SpuriousPolicy::Keep => "keep it, flag it in the output and prefer runs without one",
            SpuriousPolicy::Degenerate => "treat it as degenerate (see the degenerate policy)",
        }
    }
}

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

/// Which quantity `n_init` compares to keep the best run: the one a front end reports, so that
/// the best of several runs never reports less than the first of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BestRun {
    /// The log-likelihood of the run's returned parameters
    /// ([`RunSummary::log_likelihood`](crate::report::RunSummary::log_likelihood), the report's).
    #[default]
    FinalLogLikelihood,
    /// The log-likelihood of the parameters the run's last iteration started from (the last
    /// record of its trace; the final one when the run made no iteration): scikit-learn's
    /// `lower_bound_`, which it also chooses by.
    LastBound,
}

/// What E-M does with a degenerate component: one whose total responsibility falls below
/// [`MIN_COMPONENT_WEIGHT`](crate::limits::MIN_COMPONENT_WEIGHT) rows, or whose parameters cannot be formed (a Gaussian covariance
/// that is not positive definite).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DegeneratePolicy {
    /// Re-seed it at the worst-explained row (the lowest log-likelihood under the current
    /// model; at initialisation, the row farthest from its centre), with the weight of one row
    /// and, for Gaussians, the pooled covariance of the other components. K stays, also when
    /// it is larger than the number of distinct rows (the extra components start empty, are
    /// re-seeded and are reported as suspect), provided the family can form components on
    /// collapsed rows (else its error: a Gaussian without `reg_covar`).
    #[default]
    Reseed,
    /// Drop it: K shrinks, and the report lists what was dropped. At initialisation, a K
    /// larger than the number of distinct rows drops to that number (reported as empty
    /// components dropped at iteration 0) instead of being refused.
    Drop,
    /// Stop with a typed error naming the component and what to change; at initialisation,
    /// a K larger than the number of distinct rows is refused.
    Error,
}

/// What to do with a *suspect* component: one with fewer effective rows than its parameters
/// need ([`Family::rows_needed`](crate::Family::rows_needed)), a spurious solution held up by
/// regularisation rather than by data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SpuriousPolicy {
    /// Keep it and flag it in the report ([`FitReport::suspect`](crate::FitReport::suspect)),
    /// the trace and the run summaries; `n_init` prefers the best run without one.
    #[default]
    Keep,
    /// Treat it as degenerate at every M-step: the degenerate policy re-seeds it, drops it or
    /// stops with an error.
    Degenerate,
}

/// Which merges the hierarchical start ([`Init::Hierarchical`]) makes (mclust's
/// `hcModelName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HierarchyMerge {
    /// The family's own criterion ([`Family::merge_criterion`](crate::Family::merge_criterion)):
    /// mclust's VVV for Gaussian and Poisson rows (Ward's for weighted rows or beyond
    /// [`VVV_MAX_FEATURES`](crate::limits::VVV_MAX_FEATURES)), the classification likelihood
    /// of Bernoulli and exponential rows.
    #[default]
    Family,
    /// mclust's VVV criterion, whatever the family, the weights or the width (its cost grows as
    /// D³ per pair of clusters beyond D rows).
    Vvv,
    /// mclust's EII criterion: Ward's, the merge that least raises the within-cluster sum of
    /// squares.
    Eii,
}

/// The coordinates of the hierarchical start's VVV and EII merges (mclust's `hcUse`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HierarchyCoordinates {
    /// Each feature standardised, rotated onto the principal axes and divided by the square
    /// root of their singular values (mclust's default "SVD"): the tree does not depend on the
    /// features' units.
    #[default]
    Svd,
    /// The features as they are (mclust's "VARS").
    Vars,
}

/// Settings of the E-M driver. See [`Estimator`](crate::Estimator) for their meaning and defaults.
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
    /// Number of initialisations; the best run by `best_run` is kept.
    pub n_init: usize,
    /// What `n_init` compares.
    pub best_run: BestRun,
    /// Print the lesson's per-iteration trace to standard error.
    pub verbose: bool,
    /// Rows per block of the fused pass.
    pub block_rows: usize,
    /// What to do with a degenerate component.
    pub on_degenerate: DegeneratePolicy,
    /// What to do with a suspect component (too few effective rows for its parameters).
    pub on_spurious: SpuriousPolicy,
    /// The parameters every M-step keeps at the starting model's values.
    pub held: ParameterSet,
    /// The hierarchical start's merges.
    pub hierarchy_merge: HierarchyMerge,
    /// The hierarchical start's coordinates.
    pub hierarchy_coordinates: HierarchyCoordinates,
    /// Variational fits only: after each run, try deletion moves (see
    /// [`Estimator::delete_moves`](crate::Estimator::delete_moves)).
    pub delete_moves: bool,
    /// Variational fits only: after each run (and its deletion moves), try split-and-merge
    /// moves (see
    /// [`Estimator::split_merge_moves`](crate::Estimator::split_merge_moves)).
    pub split_merge_moves: bool,
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
            best_run: BestRun::default(),
            verbose: false,
            block_rows: DEFAULT_BLOCK_ROWS,
            on_degenerate: DegeneratePolicy::default(),
            on_spurious: SpuriousPolicy::default(),
            held: ParameterSet::NONE,
            hierarchy_merge: HierarchyMerge::default(),
            hierarchy_coordinates: HierarchyCoordinates::default(),
            delete_moves: false,
            split_merge_moves: false,
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
        if self.n_init == 0 || self.n_init > MAX_N_INIT {
            return bad(
                "n_init",
                self.n_init.to_string(),
                "must be between 1 and 100000 (each initialisation is a whole fit)",
            );
        }
        if !self.held.is_empty() && self.on_degenerate == DegeneratePolicy::Drop {
            return bad(
                "on_degenerate",
                "drop".into(),
                "must be reseed or error when parameters are held (dropping a component would change them)",
            );
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
