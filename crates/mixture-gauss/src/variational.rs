//! The Gaussian–Wishart prior of variational Gaussian mixtures ([`Conjugate`] for
//! [`Gaussian`]): scikit-learn's `BayesianGaussianMixture`, its defaults, M-step, expected
//! log-densities and lower bound, for the full, diagonal, spherical and tied models.

use crate::components::GaussianComponents;
use crate::covariance_type::{CovarianceType, Layout};
use crate::family::Gaussian;
use crate::linalg::{cholesky_lower, invert_lower};
use crate::moments::GaussianStats;
use faer::{Mat, MatRef};
use mixture_core::family::{SufficientStats, digamma, gamma_divergence, ln_gamma};
use mixture_core::variational::{COUNT_FLOOR, Conjugate};
use mixture_core::{MixtureError, Result, Scalar};

/// The prior on the components' means and covariances (a Gaussian–Wishart, as
/// scikit-learn's). Every value is optional; `None` takes scikit-learn's default.
///
/// # Examples
/// ```
/// use mixture_gauss::GaussianPrior;
/// let prior = GaussianPrior {
///     mean_precision: Some(0.1),
///     ..GaussianPrior::default()
/// };
/// assert!(prior.mean.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct GaussianPrior {
    /// How strongly the means are pulled to `mean` (scikit-learn's `mean_precision_prior`,
    /// positive; default 1).
    pub mean_precision: Option<f64>,
    /// The means' prior mean (D values; default the data's mean).
    pub mean: Option<Vec<f64>>,
    /// The Wishart's degrees of freedom (above D − 1; default D).
    pub degrees_of_freedom: Option<f64>,
    /// The covariances' prior (scikit-learn's `covariance_prior`): a D×D symmetric
    /// positive-definite matrix (row-major) for the full and tied models, D positive variances
    /// for the diagonal one, one for the spherical one. Default: the data's covariance (with
    /// `N − 1`), its diagonal, or the diagonal's mean.
    pub covariance: Option<Vec<f64>>,
}

/// The posterior of K Gaussian components: scikit-learn's `mean_precision_`,
/// `degrees_of_freedom_`, `means_` and `covariances_` (the posterior's scale matrices divided
/// by their degrees of freedom). With the `serde` feature it reads and writes as those four
/// arrays (flattened) and the covariance type, checked as [`GaussianPosterior::new`] checks.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "PosteriorRepr", into = "PosteriorRepr")
)]
pub struct GaussianPosterior {
    kind: CovarianceType,
    d: usize,
    mean_precision: Vec<f64>,
    degrees_of_freedom: Vec<f64>,
    means: Vec<f64>,
    covariances: Vec<f64>,
    /// ln det of each covariance (one for tied).
    log_dets: Vec<f64>,
}

impl GaussianPosterior {
    /// A posterior from its values (a warm start): K mean precisions, K degrees of freedom
    /// (one for the tied model), K×D means and the covariances in the model's compact form
    /// (K×D×D, D×D, K×D or K values).
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] for a wrong number of values, a value that is not
    /// finite, a non-positive precision, degrees of freedom of D − 1 or less, or a covariance
    /// that is not positive definite; [`MixtureError::InvalidOption`] for a covariance type
    /// other than scikit-learn's four.
    pub fn new(
        kind: CovarianceType,
        mean_precision: Vec<f64>,
        degrees_of_freedom: Vec<f64>,
        means: Vec<f64>,
        covariances: Vec<f64>,
    ) -> Result<Self> {
        check_kind(kind)?;
        let k = mean_precision.len();
        let bad = |reason: String| MixtureError::InvalidParameters { reason };
        if k == 0 || !means.len().is_multiple_of(k) || means.is_empty() {
            return Err(bad(format!("{} means for {k} components", means.len())));
        }
        let d = means.len() / k;
        let dofs = if kind == CovarianceType::Tied { 1 } else { k };
        if degrees_of_freedom.len() != dofs {
            return Err(bad(format!(
                "{} degrees of freedom for {k} {} components; expected {dofs}",
                degrees_of_freedom.len(),
                kind.name()
            )));
        }
        if covariances.len() != kind.n_values(k, d) {
            return Err(bad(format!(
                "{} covariance values for {k} {} components of dimension {d}; expected {}",
                covariances.len(),
                kind.name(),
                kind.n_values(k, d)
            )));
        }
        if let Some(v) = means.iter().chain(&covariances).find(|v| !v.is_finite()) {
            return Err(bad(format!(
                "a posterior value is {v}; values must be finite"
            )));
        }
        if let Some(v) = mean_precision
            .iter()
            .find(|v| !(**v > 0.0 && v.is_finite()))
        {
            return Err(bad(format!("a mean precision is {v}; it must be positive")));
        }
        if let Some(v) = degrees_of_freedom
            .iter()
            .find(|v| !(**v > d as f64 - 1.0 && v.is_finite()))
        {
            return Err(bad(format!(
                "degrees of freedom {v}; they must be greater than D − 1 = {}",
                d as f64 - 1.0
            )));
        }
        let log_dets = log_dets(kind, d, &covariances)
            .map_err(|(component, problem)| bad(format!("component {component}: {problem}")))?;
        Ok(Self {
            kind,
            d,
            mean_precision,
            degrees_of_freedom,
            means,
            covariances,
            log_dets,
        })
    }

    /// The covariance type.
    pub fn covariance_type(&self) -> CovarianceType {
        self.kind
    }

    /// Number of components K.
    pub fn n_components(&self) -> usize {
        self.mean_precision.len()
    }

    /// Data dimension D.
    pub fn n_features(&self) -> usize {
        self.d
    }

    /// scikit-learn's `mean_precision_` (K values).
    pub fn mean_precision(&self) -> &[f64] {
        &self.mean_precision
    }

    /// scikit-learn's `degrees_of_freedom_` (K values; one for the tied model).
    pub fn degrees_of_freedom(&self) -> &[f64] {
        &self.degrees_of_freedom
    }

    /// scikit-learn's `means_` (K×D, row-major).
    pub fn means(&self) -> &[f64] {
        &self.means
    }

    /// scikit-learn's `covariances_`, in the model's compact form.
    pub fn covariances(&self) -> &[f64] {
        &self.covariances
    }
}

/// [`GaussianPosterior`]'s serde form.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PosteriorRepr {
    covariance: CovarianceType,
    mean_precision: Vec<f64>,
    degrees_of_freedom: Vec<f64>,
    means: Vec<f64>,
    covariances: Vec<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<PosteriorRepr> for GaussianPosterior {
    type Error = String;

    fn try_from(r: PosteriorRepr) -> std::result::Result<Self, String> {
        GaussianPosterior::new(
            r.covariance,
            r.mean_precision,
            r.degrees_of_freedom,
            r.means,
            r.covariances,
        )
        .map_err(|e| e.to_string())
    }
}

#[cfg(feature = "serde")]
impl From<GaussianPosterior> for PosteriorRepr {
    fn from(p: GaussianPosterior) -> Self {
        Self {
            covariance: p.kind,
            mean_precision: p.mean_precision,
            degrees_of_freedom: p.degrees_of_freedom,
            means: p.means,
            covariances: p.covariances,
        }
    }
}

/// Refuses the ten eigen models (mclust's): variational fits are scikit-learn's four.
fn check_kind(kind: CovarianceType) -> Result<()> {
    if kind.is_eigen() {
        return Err(MixtureError::InvalidOption {
            name: "covariance",
            value: kind.name().into(),
            expected: "variational fits take the full, diag, spherical or tied model",
        });
    }
    Ok(())
}

/// ln det of each covariance in the compact form of `kind` (one for tied), or the component
/// and why it is not positive definite.
fn log_dets(
    kind: CovarianceType,
    d: usize,
    covariances: &[f64],
) -> std::result::Result<Vec<f64>, (usize, String)> {
    match kind.layout() {
        Layout::Full | Layout::Tied => covariances
            .chunks_exact(d * d)
            .enumerate()
            .map(|(c, m)| {
                let l = cholesky_lower(MatRef::from_row_major_slice(m, d, d)).map_err(|pivot| {
                    (
                        c,
                        format!("the covariance is not positive definite (pivot {pivot})"),
                    )
                })?;
                Ok((0..d).map(|i| 2.0 * l[(i, i)].ln()).sum())
            })
            .collect(),
        Layout::Diagonal | Layout::Spherical => {
            let per = if kind.layout() == Layout::Diagonal {
                d
            } else {
                1
            };
            let repeat = if per == 1 { d as f64 } else { 1.0 };
            covariances
                .chunks_exact(per)
                .enumerate()
                .map(
                    |(c, v)| match v.iter().find(|x| !(**x > 0.0 && x.is_finite())) {
                        Some(x) => {
                            Err((c, format!("a variance is {x}; variances must be positive")))
                        }
                        None => Ok(repeat * v.iter().map(|x| x.ln()).sum::<f64>()),
                    },
                )
                .collect()
        }
    }
}

/// `Σ_{j<D} ψ((ν − j)/2) + D ln 2`: `E[ln det Λ]` of a Wishart of ν degrees of freedom and
/// identity scale (scikit-learn's `log_lambda`, before the scale's determinant).
fn expected_log_det(dof: f64, d: usize) -> f64 {
    d as f64 * std::f64::consts::LN_2 + (0..d).map(|j| digamma(0.5 * (dof - j as f64))).sum::<f64>()
}

/// scikit-learn's `_log_wishart_norm`: the log normaliser of a Wishart of `dof` degrees of
/// freedom whose precision's Cholesky factor has log-determinant `log_det_precision_factor`.
fn log_wishart_norm(dof: f64, log_det_precision_factor: f64, d: usize) -> f64 {
    -(dof * log_det_precision_factor
        + dof * d as f64 * 0.5 * std::f64::consts::LN_2
        + (0..d)
            .map(|j| ln_gamma(0.5 * (dof - j as f64)))
            .sum::<f64>())
}

/// `ln Γ_D(a)`, the multivariate log-gamma function.
fn ln_multigamma(a: f64, d: usize) -> f64 {
    0.25 * (d * d.saturating_sub(1)) as f64 * std::f64::consts::PI.ln()
        + (0..d).map(|j| ln_gamma(a - 0.5 * j as f64)).sum::<f64>()
}

/// The inverse of the symmetric positive-definite row-major `m` (D×D) and its ln det, from
/// one Cholesky factor, or the component's error.
fn inverse(m: &[f64], d: usize, component: usize) -> Result<(Mat<f64>, f64)> {
    let l = cholesky_lower(MatRef::from_row_major_slice(m, d, d)).map_err(|pivot| {
        MixtureError::ParametersNotFormed {
            component,
            problem: format!("its posterior covariance is not positive definite (pivot {pivot})"),
        }
    })?;
    let log_det = (0..d).map(|i| 2.0 * l[(i, i)].ln()).sum();
    let l_inv = invert_lower(l.as_ref());
    Ok((l_inv.transpose() * &l_inv, log_det))
}

/// A Gaussian–Wishart component's evidence terms with its precision's expectation `E[Λ] =
/// C⁻¹` (`c_inv`), `ln det C`, degrees of freedom ν and mean precision β, from the component's
/// statistics (count, mean, scatter): `E[Σ_n r_n ln N(x_n | μ, Λ⁻¹)] − KL` of the mean's
/// Gaussian given Λ; and the Wishart's own divergence (kept apart: the tied model has one).
struct WishartTerms {
    data_and_mean: f64,
    wishart: f64,
}

fn wishart_terms(
    d: usize,
    (c_inv, log_det_c, nu, beta, mean): (&Mat<f64>, f64, f64, f64, &[f64]),
    (beta0, m0, nu0, psi0, log_det_psi0): (f64, &[f64], f64, &[f64], f64),
    (n, xbar, scatter): (f64, &[f64], &[f64]),
) -> WishartTerms {
    let dd = d as f64;
    let ln_2pi = (2.0 * std::f64::consts::PI).ln();
    let quad = |v: &dyn Fn(usize) -> f64| -> f64 {
        (0..d)
            .map(|i| (0..d).map(|j| v(i) * c_inv[(i, j)] * v(j)).sum::<f64>())
            .sum()
    };
    let trace = |a: &[f64]| -> f64 {
        (0..d)
            .map(|i| (0..d).map(|j| c_inv[(i, j)] * a[j * d + i]).sum::<f64>())
            .sum()
    };
    // W = (ν C)⁻¹: E[ln det Λ] = Σ_j ψ((ν − j)/2) + D ln 2 + ln det W.
    let log_det_w = -log_det_c - dd * nu.ln();
    let e_log_det = expected_log_det(nu, d) + log_det_w;
    let data = 0.5
        * (n * (e_log_det - dd / beta - dd * ln_2pi)
            - trace(scatter)
            - n * quad(&|i| xbar[i] - mean[i]));
    let mean_divergence = 0.5
        * (dd * beta0 / beta - dd - dd * (beta0 / beta).ln() + beta0 * quad(&|i| mean[i] - m0[i]));
    // ln B(W, ν) of the Wishart's density, for the posterior and for the prior (W₀ = Ψ₀⁻¹).
    let ln_b = |log_det_w: f64, nu: f64| {
        -0.5 * nu * log_det_w - 0.5 * nu * dd * std::f64::consts::LN_2 - ln_multigamma(0.5 * nu, d)
    };
    let wishart = ln_b(log_det_w, nu) - ln_b(-log_det_psi0, nu0) + 0.5 * (nu - nu0) * e_log_det
        - 0.5 * nu * dd
        + 0.5 * trace(psi0);
    WishartTerms {
        data_and_mean: data - mean_divergence,
        wishart,
    }
}

/// ln det of the row-major D×D `m`, or `None` when it is not positive definite: a default
/// covariance prior (the data's covariance) is singular when the data are (fewer rows than
/// features, a constant feature). The Wishart prior is then improper and the evidence bound
/// −∞, while the fit itself goes on (its posterior adds the scatter and `reg_covar`).
fn prior_log_det(m: &[f64], d: usize) -> Option<f64> {
    log_dets(CovarianceType::Tied, d, m)
        .ok()
        .map(|v| v[0])
        .filter(|v| v.is_finite())
}

/// A resolved prior's values: β₀, m₀, ν₀ and Ψ₀.
fn resolved(prior: &GaussianPrior) -> Result<(f64, &[f64], f64, &[f64])> {
    match prior {
        GaussianPrior {
            mean_precision: Some(b),
            mean: Some(m),
            degrees_of_freedom: Some(n),
            covariance: Some(c),
        } => Ok((*b, m.as_slice(), *n, c.as_slice())),
        _ => Err(invalid(
            "prior",
            "unresolved".into(),
            "resolve the prior first (Conjugate::resolve_prior)",
        )),
    }
}

/// A setting's error, named as scikit-learn names the parameter.
fn invalid(name: &'static str, value: String, expected: &'static str) -> MixtureError {
    MixtureError::InvalidOption {
        name,
        value,
        expected,
    }
}

impl<T: Scalar> Conjugate<T> for Gaussian {
    type Prior = GaussianPrior;
    type Posterior = GaussianPosterior;

    fn resolve_prior(
        &self,
        prior: &GaussianPrior,
        pooled: &GaussianStats,
    ) -> Result<GaussianPrior> {
        let kind = self.covariance_type();
        check_kind(kind)?;
        let d = pooled.n_features();
        let mean_precision = prior.mean_precision.unwrap_or(1.0);
        if !(mean_precision > 0.0 && mean_precision.is_finite()) {
            return Err(invalid(
                "mean_precision_prior",
                mean_precision.to_string(),
                "must be greater than 0 and finite",
            ));
        }
        let mean = match &prior.mean {
            Some(m) if m.len() != d => {
                return Err(invalid(
                    "mean_prior",
                    format!("{} values", m.len()),
                    "must have one value per feature",
                ));
            }
            Some(m) if m.iter().any(|v| !v.is_finite()) => {
                return Err(invalid(
                    "mean_prior",
                    format!("{m:?}"),
                    "values must be finite",
                ));
            }
            Some(m) => m.clone(),
            None => pooled.mean(0).to_vec(),
        };
        let dof = prior.degrees_of_freedom.unwrap_or(d as f64);
        if !(dof > d as f64 - 1.0 && dof.is_finite()) {
            return Err(invalid(
                "degrees_of_freedom_prior",
                dof.to_string(),
                "must be greater than the number of features minus 1",
            ));
        }
        let covariance = match &prior.covariance {
            Some(c) => {
                let expected = match kind.layout() {
                    Layout::Full | Layout::Tied => d * d,
                    Layout::Diagonal => d,
                    Layout::Spherical => 1,
                };
                if c.len() != expected {
                    return Err(invalid(
                        "covariance_prior",
                        format!("{} values", c.len()),
                        "must be a D×D matrix (full, tied), D variances (diag) or one (spherical)",
                    ));
                }
                let layout_kind = if kind == CovarianceType::Full {
                    CovarianceType::Tied
                } else {
                    kind
                };
                if log_dets(layout_kind, d, c).is_err() || c.iter().any(|v| !v.is_finite()) {
                    return Err(invalid(
                        "covariance_prior",
                        format!("{c:?}").chars().take(80).collect(),
                        "must be symmetric positive definite (positive variances for diag and spherical)",
                    ));
                }
                if matches!(kind.layout(), Layout::Full | Layout::Tied)
                    && (0..d).any(|i| (0..i).any(|j| c[i * d + j] != c[j * d + i]))
                {
                    return Err(invalid(
                        "covariance_prior",
                        "a matrix that is not symmetric".into(),
                        "must be symmetric positive definite",
                    ));
                }
                c.clone()
            }
            None => {
                // The data's covariance with N − 1 (numpy's `cov`), from the pooled scatter.
                let n = pooled.count(0);
                if n <= 1.0 {
                    return Err(invalid(
                        "covariance_prior",
                        "the default (the data's covariance)".into(),
                        "needs more than one row (a total weight above 1), or a covariance prior given (GaussianPrior::covariance; Python's covariance_prior)",
                    ));
                }
                let scatter = pooled.scatter(0);
                match kind.layout() {
                    Layout::Full | Layout::Tied | Layout::Diagonal => {
                        scatter.iter().map(|s| s / (n - 1.0)).collect()
                    }
                    Layout::Spherical => {
                        vec![scatter.iter().map(|s| s / (n - 1.0)).sum::<f64>() / d as f64]
                    }
                }
            }
        };
        Ok(GaussianPrior {
            mean_precision: Some(mean_precision),
            mean: Some(mean),
            degrees_of_freedom: Some(dof),
            covariance: Some(covariance),
        })
    }

    fn posterior(&self, prior: &GaussianPrior, stats: &GaussianStats) -> Result<GaussianPosterior> {
        let kind = self.covariance_type();
        let (k, d, reg) = (stats.n_components(), stats.n_features(), self.reg_covar());
        let (beta0, m0, nu0, psi0) = resolved(prior)?;
        let nk: Vec<f64> = (0..k).map(|c| stats.count(c) + COUNT_FLOOR).collect();
        let mean_precision: Vec<f64> = nk.iter().map(|n| beta0 + n).collect();
        let mut means = Vec::with_capacity(k * d);
        for c in 0..k {
            let xk = stats.mean(c);
            means.extend((0..d).map(|j| (beta0 * m0[j] + nk[c] * xk[j]) / mean_precision[c]));
        }
        // scikit-learn's sk: the scatter over (count + floor), plus reg_covar on the diagonal.
        // The lower triangles are computed and mirrored (the scatters' merges round their two
        // triangles differently), so the matrices are exactly symmetric.
        let diff = |c: usize, j: usize| stats.mean(c)[j] - m0[j];
        let shrink = |c: usize| beta0 / mean_precision[c];
        let (degrees_of_freedom, covariances) = match kind.layout() {
            Layout::Full => {
                let mut out = vec![0.0; k * d * d];
                let dofs: Vec<f64> = nk.iter().map(|n| nu0 + n).collect();
                for c in 0..k {
                    let scatter = stats.scatter(c);
                    let m = &mut out[c * d * d..(c + 1) * d * d];
                    for i in 0..d {
                        for j in 0..=i {
                            let sk = scatter[i * d + j] / nk[c] + if i == j { reg } else { 0.0 };
                            let v = psi0[i * d + j]
                                + nk[c] * sk
                                + nk[c] * shrink(c) * (diff(c, i) * diff(c, j));
                            (m[i * d + j], m[j * d + i]) = (v / dofs[c], v / dofs[c]);
                        }
                    }
                }
                (dofs, out)
            }
            Layout::Tied => {
                let total: f64 = nk.iter().sum();
                let dof = nu0 + total / k as f64;
                let mut out = vec![0.0; d * d];
                for i in 0..d {
                    for j in 0..=i {
                        let pooled: f64 = (0..k).map(|c| stats.scatter(c)[i * d + j]).sum();
                        let sk = pooled / total + if i == j { reg } else { 0.0 };
                        let spread: f64 = (0..k)
                            .map(|c| nk[c] / mean_precision[c] * (diff(c, i) * diff(c, j)))
                            .sum();
                        let v = psi0[i * d + j] + sk * total / k as f64 + beta0 / k as f64 * spread;
                        (out[i * d + j], out[j * d + i]) = (v / dof, v / dof);
                    }
                }
                (vec![dof], out)
            }
            Layout::Diagonal => {
                let dofs: Vec<f64> = nk.iter().map(|n| nu0 + n).collect();
                let mut out = Vec::with_capacity(k * d);
                for c in 0..k {
                    let scatter = stats.scatter(c);
                    for j in 0..d {
                        let sk = scatter[j] / nk[c] + reg;
                        let v = psi0[j] + nk[c] * (sk + shrink(c) * diff(c, j) * diff(c, j));
                        out.push(v / dofs[c]);
                    }
                }
                (dofs, out)
            }
            Layout::Spherical => {
                let dofs: Vec<f64> = nk.iter().map(|n| nu0 + n).collect();
                let out = (0..k)
                    .map(|c| {
                        let scatter = stats.scatter(c);
                        let sk = (0..d).map(|j| scatter[j] / nk[c] + reg).sum::<f64>() / d as f64;
                        let spread =
                            (0..d).map(|j| diff(c, j) * diff(c, j)).sum::<f64>() / d as f64;
                        (psi0[0] + nk[c] * (sk + shrink(c) * spread)) / dofs[c]
                    })
                    .collect();
                (dofs, out)
            }
        };
        let log_dets = log_dets(kind, d, &covariances).map_err(|(component, problem)| {
            MixtureError::ParametersNotFormed {
                component,
                problem: format!(
                    "its posterior {problem}; raise reg_covar (now {reg:e}) or give a larger covariance_prior"
                ),
            }
        })?;
        Ok(GaussianPosterior {
            kind,
            d,
            mean_precision,
            degrees_of_freedom,
            means,
            covariances,
            log_dets,
        })
    }

    fn expected(&self, p: &GaussianPosterior) -> Result<(GaussianComponents<T>, Vec<f64>)> {
        let (k, d) = (p.n_components(), p.d);
        let components = GaussianComponents::from_f64(
            k,
            d,
            &p.means,
            &p.covariances,
            Some(self.reg_covar()),
            p.kind,
        )?;
        let offsets = (0..k)
            .map(|c| {
                let dof = p.degrees_of_freedom[c.min(p.degrees_of_freedom.len() - 1)];
                -0.5 * d as f64 * dof.ln()
                    + 0.5 * (expected_log_det(dof, d) - d as f64 / p.mean_precision[c])
            })
            .collect();
        Ok((components, offsets))
    }

    fn permuted(&self, p: &GaussianPosterior, order: &[usize]) -> GaussianPosterior {
        let d = p.d;
        let pick = |values: &[f64], per: usize| -> Vec<f64> {
            order
                .iter()
                .flat_map(|&c| values[c * per..(c + 1) * per].iter().copied())
                .collect()
        };
        if p.kind == CovarianceType::Tied {
            return GaussianPosterior {
                mean_precision: pick(&p.mean_precision, 1),
                means: pick(&p.means, d),
                ..p.clone()
            };
        }
        let per = p.covariances.len() / p.n_components();
        GaussianPosterior {
            kind: p.kind,
            d,
            mean_precision: pick(&p.mean_precision, 1),
            degrees_of_freedom: pick(&p.degrees_of_freedom, 1),
            means: pick(&p.means, d),
            covariances: pick(&p.covariances, per),
            log_dets: pick(&p.log_dets, 1),
        }
    }

    fn evidence_terms(
        &self,
        prior: &GaussianPrior,
        p: &GaussianPosterior,
        stats: &GaussianStats,
    ) -> Result<f64> {
        let (k, d, dd) = (p.n_components(), p.d, p.d as f64);
        let (beta0, m0, nu0, psi0) = resolved(prior)?;
        let mean = |c: usize| &p.means[c * d..(c + 1) * d];
        let ln_2pi = (2.0 * std::f64::consts::PI).ln();
        match p.kind.layout() {
            Layout::Full => {
                let Some(log_det_psi0) = prior_log_det(psi0, d) else {
                    return Ok(f64::NEG_INFINITY);
                };
                let mut total = 0.0;
                for c in 0..k {
                    let cov = &p.covariances[c * d * d..(c + 1) * d * d];
                    let t = wishart_terms(
                        d,
                        (
                            &inverse(cov, d, c)?.0,
                            p.log_dets[c],
                            p.degrees_of_freedom[c],
                            p.mean_precision[c],
                            mean(c),
                        ),
                        (beta0, m0, nu0, psi0, log_det_psi0),
                        (stats.count(c), stats.mean(c), stats.scatter(c)),
                    );
                    total += t.data_and_mean - t.wishart;
                }
                Ok(total)
            }
            Layout::Tied => {
                // scikit-learn's tied M-step is not the model's update (its degrees of freedom
                // are ν₀ + N/K); the bound is taken at the exact one, one Wishart of ν₀ + N
                // degrees of freedom and scale Ψ₀ + Σ_k (scatter_k + β₀N_k/β_k d_k d_kᵀ +
                // N_k reg·I), with scikit-learn's means.
                let Some(log_det_psi0) = prior_log_det(psi0, d) else {
                    return Ok(f64::NEG_INFINITY);
                };
                let n: f64 = (0..k).map(|c| stats.count(c)).sum();
                let nu = nu0 + n;
                let reg = self.reg_covar();
                let mut cov = vec![0.0; d * d];
                for i in 0..d {
                    for j in 0..=i {
                        let v: f64 = psi0[i * d + j]
                            + (0..k)
                                .map(|c| {
                                    let x = stats.mean(c);
                                    stats.scatter(c)[i * d + j]
                                        + beta0 * stats.count(c) / p.mean_precision[c]
                                            * (x[i] - m0[i])
                                            * (x[j] - m0[j])
                                })
                                .sum::<f64>()
                            + if i == j { n * reg } else { 0.0 };
                        (cov[i * d + j], cov[j * d + i]) = (v / nu, v / nu);
                    }
                }
                let Ok((c_inv, log_det_c)) = inverse(&cov, d, 0) else {
                    return Ok(f64::NEG_INFINITY);
                };
                let mut total = 0.0;
                let mut wishart = 0.0;
                for c in 0..k {
                    let t = wishart_terms(
                        d,
                        (&c_inv, log_det_c, nu, p.mean_precision[c], mean(c)),
                        (beta0, m0, nu0, psi0, log_det_psi0),
                        (stats.count(c), stats.mean(c), stats.scatter(c)),
                    );
                    total += t.data_and_mean;
                    wishart = t.wishart;
                }
                Ok(total - wishart)
            }
            Layout::Diagonal | Layout::Spherical => {
                // The conjugate model scikit-learn's M-step updates exactly: a Gamma on each
                // precision (shape ν/2 and rate ν·variance/2 per feature for diag; shape Dν/2
                // and rate Dν·variance/2 for spherical's one), the mean Gaussian given it.
                let diagonal = p.kind.layout() == Layout::Diagonal;
                let mut total = 0.0;
                for c in 0..k {
                    let (n, x, scatter) = (stats.count(c), stats.mean(c), stats.scatter(c));
                    let (nu, beta, m) = (p.degrees_of_freedom[c], p.mean_precision[c], mean(c));
                    let shrink = dd * (beta0 / beta - 1.0 - (beta0 / beta).ln());
                    if diagonal {
                        for j in 0..d {
                            let variance = p.covariances[c * d + j];
                            let (a, b) = (0.5 * nu, 0.5 * nu * variance);
                            let e_log = digamma(a) - b.ln();
                            total += 0.5
                                * (n * (e_log - 1.0 / beta - ln_2pi)
                                    - (scatter[j] + n * (x[j] - m[j]).powi(2)) / variance)
                                - gamma_divergence(a, b, 0.5 * nu0, 0.5 * psi0[j])
                                - 0.5 * (beta0 * (m[j] - m0[j]).powi(2) / variance);
                        }
                        total -= 0.5 * shrink;
                    } else {
                        let variance = p.covariances[c];
                        let (a, b) = (0.5 * dd * nu, 0.5 * dd * nu * variance);
                        let e_log = digamma(a) - b.ln();
                        let spread: f64 =
                            (0..d).map(|j| scatter[j] + n * (x[j] - m[j]).powi(2)).sum();
                        let offset: f64 = (0..d).map(|j| (m[j] - m0[j]).powi(2)).sum();
                        total += 0.5 * (n * dd * (e_log - 1.0 / beta - ln_2pi) - spread / variance)
                            - gamma_divergence(a, b, 0.5 * dd * nu0, 0.5 * dd * psi0[0])
                            - 0.5 * (shrink + beta0 * offset / variance);
                    }
                }
                Ok(total)
            }
        }
    }

    fn bound(&self, _prior: &GaussianPrior, p: &GaussianPosterior) -> f64 {
        let (k, d) = (p.n_components(), p.d);
        let log_wishart: f64 = p
            .degrees_of_freedom
            .iter()
            .zip(&p.log_dets)
            .map(|(&dof, &log_det)| {
                log_wishart_norm(dof, -0.5 * log_det - 0.5 * d as f64 * dof.ln(), d)
            })
            .sum::<f64>()
            * if p.kind == CovarianceType::Tied {
                k as f64
            } else {
                1.0
            };
        -log_wishart - 0.5 * d as f64 * p.mean_precision.iter().map(|b| b.ln()).sum::<f64>()
    }
}
