//! [`Gaussian`]: the family's settings, its statistics kernel and its M-step.

use crate::CovarianceType;
use crate::components::GaussianComponents;
use crate::covariance_type::Layout;
use crate::kernels::{centred_moments, products_moments, sweeps_moments};
use crate::models;
use crate::moments::GaussianStats;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use mixture_core::{
    Data, Family, MixtureError, Parameter, ParameterSet, Result, Rows, Scalar, family::unit_scale,
};

/// The Gaussian family and its estimation settings: the covariance type and the
/// regularisation.
///
/// With the `serde` feature its settings read and write as `{"covariance": "diag",
/// "reg_covar": 1e-6}` (or `"relative_reg_covar"` instead of `"reg_covar"`; every key
/// optional, unknown keys refused): the form front ends pass through.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "GaussianSettings", into = "GaussianSettings")
)]
pub struct Gaussian {
    covariance_type: CovarianceType,
    regularisation: Regularisation,
    /// MAP E-M under mclust's default conjugate prior with this shrinkage (see
    /// [`Gaussian::with_prior_shrinkage`]); `None`: maximum likelihood.
    prior_shrinkage: Option<f64>,
}

/// scikit-learn's default `reg_covar`: added to every covariance's diagonal (absolute).
pub const DEFAULT_REG_COVAR: f64 = 1e-6;

/// What is added to every covariance's diagonal before it is factored.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Regularisation {
    /// This value, in squared data units (scikit-learn's `reg_covar`).
    Absolute(f64),
    /// This factor times the mean per-feature variance of the data being fitted (weighted by
    /// the rows' weights), so the fit does not depend on the data's units.
    Relative(f64),
}

impl Default for Regularisation {
    fn default() -> Self {
        Regularisation::Absolute(DEFAULT_REG_COVAR)
    }
}

impl Regularisation {
    /// The value or factor.
    pub fn value(self) -> f64 {
        match self {
            Regularisation::Absolute(v) | Regularisation::Relative(v) => v,
        }
    }

    /// The setting's name in options and messages: `"reg_covar"` or `"relative_reg_covar"`.
    pub fn name(self) -> &'static str {
        match self {
            Regularisation::Absolute(_) => "reg_covar",
            Regularisation::Relative(_) => "relative_reg_covar",
        }
    }
}

/// [`Gaussian`]'s serde form: every key optional, at most one regularisation.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct GaussianSettings {
    #[serde(default)]
    covariance: CovarianceType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reg_covar: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    relative_reg_covar: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prior_shrinkage: Option<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<GaussianSettings> for Gaussian {
    type Error = String;

    fn try_from(s: GaussianSettings) -> std::result::Result<Self, String> {
        let regularisation = match (s.reg_covar, s.relative_reg_covar) {
            (Some(_), Some(_)) => {
                return Err("give reg_covar or relative_reg_covar, not both".into());
            }
            (Some(v), None) => Regularisation::Absolute(v),
            (None, Some(f)) => Regularisation::Relative(f),
            (None, None) => Regularisation::default(),
        };
        let g = Gaussian::new(s.covariance).with_regularisation(regularisation);
        Ok(match s.prior_shrinkage {
            Some(shrinkage) => g.with_prior_shrinkage(shrinkage),
            None => g,
        })
    }
}

#[cfg(feature = "serde")]
impl From<Gaussian> for GaussianSettings {
    fn from(g: Gaussian) -> Self {
        let (reg_covar, relative_reg_covar) = match g.regularisation {
            Regularisation::Absolute(v) => (Some(v), None),
            Regularisation::Relative(f) => (None, Some(f)),
        };
        Self {
            covariance: g.covariance_type,
            reg_covar,
            relative_reg_covar,
            prior_shrinkage: g.prior_shrinkage,
        }
    }
}

impl Default for Gaussian {
    fn default() -> Self {
        Self::full()
    }
}

impl Gaussian {
    /// Covariance matrices of the given type, `reg_covar` 1e-6.
    ///
    /// # Examples
    /// ```
    /// use mixture_gauss::{CovarianceType, Gaussian};
    /// assert_eq!(Gaussian::new(CovarianceType::Tied), Gaussian::tied());
    /// ```
    pub const fn new(covariance_type: CovarianceType) -> Self {
        Self {
            covariance_type,
            regularisation: Regularisation::Absolute(DEFAULT_REG_COVAR),
            prior_shrinkage: None,
        }
    }

    /// Diagonal covariance matrices, `reg_covar` 1e-6.
    pub const fn diagonal() -> Self {
        Self::new(CovarianceType::Diagonal)
    }

    /// One variance per component, `reg_covar` 1e-6.
    pub const fn spherical() -> Self {
        Self::new(CovarianceType::Spherical)
    }

    /// One full covariance matrix shared by all components, `reg_covar` 1e-6.
    pub const fn tied() -> Self {
        Self::new(CovarianceType::Tied)
    }

    /// The covariance type.
    pub fn covariance_type(&self) -> CovarianceType {
        self.covariance_type
    }

    /// Full covariance matrices, `reg_covar` 1e-6.
    ///
    /// # Examples
    /// ```
    /// let g = mixture_gauss::Gaussian::full().with_reg_covar(1e-4);
    /// assert_eq!(g.reg_covar(), 1e-4);
    /// ```
    pub const fn full() -> Self {
        Self::new(CovarianceType::Full)
    }

    /// Sets the value added to every covariance's diagonal before factoring. It is absolute
    /// (in squared data units): for data of scale s, a useful value is about 1e-6·s².
    /// Checked when fitting (finite, at least 0).
    pub fn with_reg_covar(self, reg_covar: f64) -> Self {
        self.with_regularisation(Regularisation::Absolute(reg_covar))
    }

    /// Sets the regularisation relative to the data: `factor` times the mean per-feature
    /// variance of the data being fitted, so that the fit does not depend on the data's units
    /// (an absolute 1e-6 swamps data of scale 1e-8, whose variances are about 1e-16). Checked
    /// when fitting (finite, at least 0).
    ///
    /// # Examples
    /// ```
    /// let g = mixture_gauss::Gaussian::full().with_relative_reg_covar(1e-6);
    /// assert!(g.is_reg_covar_relative());
    /// ```
    pub fn with_relative_reg_covar(self, factor: f64) -> Self {
        self.with_regularisation(Regularisation::Relative(factor))
    }

    /// Sets the regularisation (see [`Gaussian::with_reg_covar`] and
    /// [`Gaussian::with_relative_reg_covar`]).
    pub fn with_regularisation(mut self, regularisation: Regularisation) -> Self {
        self.regularisation = regularisation;
        self
    }

    /// MAP E-M under mclust's default conjugate prior (`priorControl()`, Fraley and Raftery
    /// 2007) with this shrinkage (mclust's default is 0.01): a normal prior on each mean about
    /// the data's mean, of precision `shrinkage / Σ_k`, and an inverse-Wishart (inverse-gamma
    /// for the diagonal and spherical models) prior on each covariance with D + 2 degrees of
    /// freedom and scale `(1/K)^(2/D)` times the data's covariance (its mean variance for the
    /// diagonal and spherical models). The M-step is the posterior mode, which keeps E-M away
    /// from degenerate, spiky solutions on small data; the log-likelihood reported is the
    /// data's. For the ten models mclust gives a prior ([`CovarianceType::has_map_prior`]:
    /// scikit-learn's four, EII, EEI, VEI, EVI, EEV and VEV), as mclust's `me()` computes them
    /// (its EII leaves the prior's scale out, its EEI does not shrink the means and its VEV
    /// leaves the degrees of freedom out of the volumes: followed, so that fits are mclust's;
    /// VEI's and VEV's inner loops are ours, to the same fixed point); the data's moments are
    /// the statistics' own (all rows, weighted as the fit), so streamed and chunked fits get
    /// the same prior. Checked when fitting (finite, at least 0).
    ///
    /// # Examples
    /// ```
    /// let g = mixture_gauss::Gaussian::full().with_prior_shrinkage(0.01);
    /// assert_eq!(g.prior_shrinkage(), Some(0.01));
    /// ```
    pub fn with_prior_shrinkage(mut self, shrinkage: f64) -> Self {
        self.prior_shrinkage = Some(shrinkage);
        self
    }

    /// The MAP prior's shrinkage, if the fit is MAP.
    pub fn prior_shrinkage(&self) -> Option<f64> {
        self.prior_shrinkage
    }

    /// The regularisation.
    pub fn regularisation(&self) -> Regularisation {
        self.regularisation
    }

    /// The regularisation added to covariance diagonals: absolute, or a factor of the data's
    /// mean variance (see [`Gaussian::is_reg_covar_relative`]).
    pub fn reg_covar(&self) -> f64 {
        self.regularisation.value()
    }

    /// Whether [`Gaussian::reg_covar`] is relative to the data's mean variance.
    pub fn is_reg_covar_relative(&self) -> bool {
        matches!(self.regularisation, Regularisation::Relative(_))
    }
}

/// Working memory of the Gaussian statistics kernel, reused across blocks.
#[derive(Debug, Default)]
pub struct AccumulateScratch<T> {
    sums: Vec<T>,
    counts: Vec<f64>,
    shifts: Vec<T>,
    first: Vec<f64>,
    second: Vec<f64>,
    kernel: Vec<T>,
    mean: Vec<f64>,
    scatter: Vec<f64>,
}

impl<T: Scalar> Family<T> for Gaussian {
    type Components = GaussianComponents<T>;
    type Stats = GaussianStats;
    type Scratch = AccumulateScratch<T>;

    fn name(&self) -> &'static str {
        "gaussian"
    }

    /// A full covariance needs D + 1 rows to be non-singular without `reg_covar`; a diagonal
    /// or spherical one 2 (a variance); a tied one is pooled over all rows, so a component
    /// needs only its mean's one.
    fn rows_needed(&self, n_features: usize) -> f64 {
        match self.covariance_type.layout() {
            Layout::Full => n_features as f64 + 1.0,
            Layout::Tied => 1.0,
            _ => 2.0,
        }
    }

    fn check_options(&self) -> Result<()> {
        if let Some(shrinkage) = self.prior_shrinkage {
            if !(shrinkage.is_finite() && shrinkage >= 0.0) {
                return Err(MixtureError::InvalidOption {
                    name: "prior_shrinkage",
                    value: shrinkage.to_string(),
                    expected: "must be finite and at least 0 (mclust's default is 0.01)",
                });
            }
            if self.covariance_type.is_eigen() && !self.covariance_type.has_map_prior() {
                return Err(MixtureError::InvalidOption {
                    name: "prior_shrinkage",
                    value: format!("{shrinkage} with the {} model", self.covariance_type.code()),
                    expected: "mclust's prior is for VVV, VVI, VII, EEE (full, diag, spherical, tied) and EII, EEI, VEI, EVI, EEV, VEV",
                });
            }
        }
        let reg_covar = self.regularisation.value();
        if !(reg_covar.is_finite() && reg_covar >= 0.0) {
            return Err(MixtureError::InvalidOption {
                name: self.regularisation.name(),
                value: reg_covar.to_string(),
                expected: "must be finite and at least 0",
            });
        }
        Ok(())
    }

    /// Checks that the data's scale allows covariances in `T` (their variance neither
    /// underflows nor overflows it: data at 1e-300 or 1e300 get a message, not a failed
    /// factorisation), and resolves a relative `reg_covar`.
    fn prepare(&self, data: Data<'_, T>) -> Result<Self> {
        let (scaled_variance, scale) = mean_variance(data);
        if scaled_variance == 0.0 {
            return Ok(*self); // constant data: the degenerate policy speaks
        }
        // log2 of the variance in data units: scaled by a power of two, so no overflow here.
        let log2_variance = scaled_variance.log2() - 2.0 * scale.log2();
        let (lowest, highest) = (
            T::min_positive_value().as_f64().log2() + 16.0,
            T::max_value().as_f64().log2() - 16.0,
        );
        if !(lowest..=highest).contains(&log2_variance) {
            let spread = scaled_variance.sqrt() / scale;
            return Err(MixtureError::DataScale {
                spread,
                problem: if log2_variance < lowest {
                    "underflows"
                } else {
                    "overflows"
                },
                precision: T::NAME,
            });
        }
        let Regularisation::Relative(factor) = self.regularisation else {
            return Ok(*self);
        };
        let variance = scaled_variance / scale / scale;
        Ok(self.with_reg_covar(factor * variance))
    }

    /// Per component a count, D means and a D×D scatter (D for diagonal and spherical).
    fn stats_values(&self, n_components: usize, n_features: usize) -> Option<usize> {
        let scatter = if self.covariance_type.layout().is_diagonal() {
            n_features
        } else {
            n_features.checked_mul(n_features)?
        };
        n_components.checked_mul(scatter.checked_add(n_features)?.checked_add(1)?)
    }

    fn new_stats(&self, n_components: usize, n_features: usize) -> GaussianStats {
        GaussianStats::new(
            n_components,
            n_features,
            self.covariance_type.layout().is_diagonal(),
        )
    }

    fn accumulate(
        &self,
        block: Rows<'_, T>,
        resp: &[T],
        stats: &mut GaussianStats,
        scratch: &mut AccumulateScratch<T>,
    ) {
        let (b, d) = (block.n_rows(), block.n_cols());
        let (k, diagonal) = (stats.n_components(), stats.is_diagonal());
        let pairs = if diagonal { d } else { d * (d + 1) / 2 };
        let AccumulateScratch {
            sums,
            counts,
            shifts,
            first,
            second,
            kernel,
            mean,
            scatter,
        } = scratch;
        sums.resize(k * d, T::zero());
        shifts.resize(k * d, T::zero());
        first.resize(k * d, 0.0);
        second.resize(k * pairs, 0.0);
        mean.resize(d, 0.0);
        scatter.resize(if diagonal { d } else { d * d }, 0.0);
        // sums[c] = Σ_i r_ic x_i for all components in one GEMM; counts in f64.
        matmul(
            MatMut::from_row_major_slice_mut(sums, k, d),
            Accum::Replace,
            MatRef::from_row_major_slice(resp, b, k).transpose(),
            block.as_mat(),
            T::one(),
            Par::Seq,
        );
        counts.clear();
        counts.resize(k, 0.0);
        for row in resp.chunks_exact(k) {
            for (n, r) in counts.iter_mut().zip(row) {
                *n += r.as_f64();
            }
        }
        // Each component's rows are centred on its (rounded) weighted mean in this block; the
        // rounding is corrected below.
        for c in 0..k {
            let n_b = counts[c].max(f64::MIN_POSITIVE);
            for (s, &v) in shifts[c * d..(c + 1) * d]
                .iter_mut()
                .zip(&sums[c * d..(c + 1) * d])
            {
                *s = T::cast(v.as_f64() / n_b);
            }
        }
        if sweeps_moments(d, diagonal) {
            centred_moments(block, resp, shifts, diagonal, first, second, kernel);
        } else {
            products_moments(block, resp, shifts, first, second, kernel);
        }
        for c in 0..k {
            let n_b = counts[c];
            if n_b <= 0.0 {
                continue;
            }
            // Exact mean = shift + δ with δ = Σ r (x − shift) / n; the scatter about it loses
            // n δδᵀ.
            let shift = &shifts[c * d..(c + 1) * d];
            for j in 0..d {
                mean[j] = shift[j].as_f64() + first[c * d + j] / n_b;
            }
            let delta = |j: usize| mean[j] - shift[j].as_f64();
            let products = &second[c * pairs..(c + 1) * pairs];
            if diagonal {
                for j in 0..d {
                    scatter[j] = products[j] - n_b * delta(j) * delta(j);
                }
            } else {
                for i in 0..d {
                    for j in 0..=i {
                        let v = products[i * (i + 1) / 2 + j] - n_b * delta(i) * delta(j);
                        scatter[i * d + j] = v;
                        scatter[j * d + i] = v;
                    }
                }
            }
            stats.merge_component(c, n_b, mean, scatter);
        }
    }

    fn estimate(&self, stats: &GaussianStats) -> Result<GaussianComponents<T>> {
        if let Some(shrinkage) = self.prior_shrinkage {
            return crate::map_prior::estimate(self, stats, shrinkage);
        }
        let k = stats.n_components();
        let d = stats.mean(0).len();
        let mut means = Vec::with_capacity(k * d);
        for c in 0..k {
            means.extend_from_slice(stats.mean(c));
        }
        self.estimate_about(stats, &means)
    }

    /// Held means: the covariances are the scatter about them. Held covariances: the means'
    /// estimate does not depend on them, so the held covariances (and their factors) are
    /// kept as they are and only the means change.
    fn estimate_holding(
        &self,
        stats: &GaussianStats,
        current: &GaussianComponents<T>,
        held: ParameterSet,
    ) -> Result<GaussianComponents<T>> {
        if self.prior_shrinkage.is_some() && !held.without(Parameter::WEIGHTS).is_empty() {
            return Err(MixtureError::InvalidOption {
                name: "prior_shrinkage",
                value: held.to_string(),
                expected: "a MAP fit estimates the means and covariances: hold only the weights",
            });
        }
        match (
            held.contains(Parameter::MEANS),
            held.contains(Parameter::COVARIANCES),
        ) {
            (false, false) => self.estimate(stats),
            (_, true) if current.covariance_type() != self.covariance_type => {
                Err(MixtureError::InvalidParameters {
                    reason: format!(
                        "the held covariances are {}, but the fit's covariance type is {}",
                        current.covariance_type().name(),
                        self.covariance_type.name()
                    ),
                })
            }
            (true, true) => Ok(current.clone()),
            (true, false) => {
                let means: Vec<f64> = current
                    .means()
                    .as_slice()
                    .iter()
                    .map(|v| v.as_f64())
                    .collect();
                self.estimate_about(stats, &means)
            }
            (false, true) => {
                let means: Vec<T> = (0..stats.n_components())
                    .flat_map(|c| stats.mean(c).iter().map(|&v| T::cast(v)))
                    .collect();
                Ok(current.with_means(means))
            }
        }
    }
}

impl Gaussian {
    /// The covariances' maximum-likelihood estimate about `centres` (K×D): the components'
    /// weighted means (the plain M-step) or held means, with the scatter about a centre c
    /// off the weighted mean m being `S + n (m − c)(m − c)ᵀ`.
    fn estimate_about<T: Scalar>(
        &self,
        stats: &GaussianStats,
        centres: &[f64],
    ) -> Result<GaussianComponents<T>> {
        let k = stats.n_components();
        let d = stats.mean(0).len();
        let offset = |c: usize, i: usize| stats.mean(c)[i] - centres[c * d + i];
        // Component c's maximum-likelihood covariance at (i, j), symmetrised (a product need
        // not round (i, j) and (j, i) alike); diagonal statistics hold only i = j. About the
        // weighted means the offsets are exactly zero and add nothing.
        let covariance = |c: usize, i: usize, j: usize| {
            let (n, s) = (stats.count(c), stats.scatter(c));
            let about = offset(c, i) * offset(c, j);
            if stats.is_diagonal() {
                s[i] / n + about
            } else {
                0.5 * (s[i * d + j] + s[j * d + i]) / n + about
            }
        };
        // The type's constrained estimate (scikit-learn's) in its compact form, then the
        // regularisation on every variance.
        let reg = self.reg_covar();
        let matrix = |entry: &dyn Fn(usize, usize) -> f64| -> Vec<f64> {
            (0..d * d)
                .map(|e| {
                    let (i, j) = (e / d, e % d);
                    entry(i, j) + if i == j { reg } else { 0.0 }
                })
                .collect()
        };
        let mut capped = false;
        let compact: Vec<f64> = match self.covariance_type {
            kind if kind.is_eigen() => {
                // The scatters W_k = n_k (Σ_k + reg·I), which the model constrains.
                let counts: Vec<f64> = (0..k).map(|c| stats.count(c)).collect();
                let scatters: Vec<f64> = if stats.is_diagonal() {
                    (0..k * d)
                        .map(|e| counts[e / d] * (covariance(e / d, e % d, e % d) + reg))
                        .collect()
                } else {
                    (0..k)
                        .flat_map(|c| matrix(&|i, j| covariance(c, i, j)))
                        .enumerate()
                        .map(|(e, v)| counts[e / (d * d)] * v)
                        .collect()
                };
                let estimated =
                    models::estimate(kind, &counts, &scatters, d).map_err(|u| u.into_error(reg))?;
                capped = estimated.capped;
                estimated.compact
            }
            CovarianceType::Full => (0..k)
                .flat_map(|c| matrix(&|i, j| covariance(c, i, j)))
                .collect(),
            CovarianceType::Diagonal => (0..k)
                .flat_map(|c| (0..d).map(move |i| covariance(c, i, i) + reg))
                .collect(),
            CovarianceType::Spherical => (0..k)
                .map(|c| (0..d).map(|i| covariance(c, i, i)).sum::<f64>() / d as f64 + reg)
                .collect(),
            CovarianceType::Tied => {
                // The within-component scatter pooled over components: Σ_k N_k Σ_k / N.
                let total: f64 = (0..k).map(|c| stats.count(c)).sum();
                matrix(&|i, j| {
                    (0..k)
                        .map(|c| stats.count(c) * covariance(c, i, j))
                        .sum::<f64>()
                        / total
                })
            }
            kind => unreachable!("{} is an eigen model", kind.code()),
        };
        GaussianComponents::from_f64(
            k,
            d,
            centres,
            &compact,
            Some(self.reg_covar()),
            self.covariance_type,
        )
        .map(|c| c.mark_capped(capped))
    }
}

/// The mean per-feature variance of `data` (weighted by the rows' weights), two-pass in f64, of
/// the rows multiplied by a power of two that brings them near 1, and that power: the variance
/// in data units is `variance / scale²`, whatever the data's scale.
fn mean_variance<T: Scalar>(data: Data<'_, T>) -> (f64, f64) {
    let (x, d) = (data.rows(), data.rows().n_cols());
    let scale = unit_scale(x.as_slice());
    let weight = |i: usize| data.weights().map_or(1.0, |w| w[i]);
    let n: f64 = (0..x.n_rows()).map(weight).sum();
    let mut mean = vec![0.0; d];
    for (i, row) in x.iter().enumerate() {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += weight(i) * (v.as_f64() * scale) / n;
        }
    }
    let mut variance = 0.0;
    for (i, row) in x.iter().enumerate() {
        for (m, v) in mean.iter().zip(row) {
            variance += weight(i) * (v.as_f64() * scale - m).powi(2);
        }
    }
    (variance / (n * d as f64), scale)
}
