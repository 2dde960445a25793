//! [`GaussianComponents`]: K Gaussians of one covariance type, their batched log-densities and
//! draws.

use crate::CovarianceType;
use crate::covariance_type::Layout;
use crate::kernels::{Precision, log_densities};
use crate::linalg::{cholesky_lower, invert_lower};
use crate::models;
use crate::parameters::{Covariances, GaussianParameters};
use faer::MatRef;
use mixture_core::{
    Components, MixtureError, Parameter, ParameterSet, Result, Rows, Scalar,
    family::{check_marginal_dims, check_same_shape, parameter_matrix, widen_rows},
};
use rand::Rng;

/// `ln(2π)`.
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// The parameters of K Gaussian components of one [`CovarianceType`], stored compactly: full
/// models keep K D×D matrices, tied models one, diagonal models K×D variances and spherical
/// models K, so a diagonal model of D = 10⁴ takes kilobytes, not gigabytes.
///
/// Besides the means and covariances they keep what the log-density kernel needs: for full and
/// tied models the Cholesky factors `L_k` (for sampling) and the precision factors
/// `P_k = L_k⁻¹`, for diagonal and spherical ones the standard deviations and their inverses;
/// and the normalising constants. These are computed in `f64` and then rounded to `T`.
#[derive(Debug, Clone)]
pub struct GaussianComponents<T> {
    k: usize,
    d: usize,
    covariance_type: CovarianceType,
    means: Vec<T>,
    /// The covariances in the type's compact form (see [`GaussianComponents::with_type`]).
    covariances: Vec<T>,
    /// For the eigen-decomposition models, the covariances in the kernel's layout (K
    /// variances, K×D variances or K D×D matrices), computed from the rounded compact values.
    expanded: Option<Vec<T>>,
    /// Whether the M-step that made these components stopped an inner loop at its cap.
    capped: bool,
    /// Full and tied: the lower factors `L` (K or 1 row-major D×D); diagonal and spherical:
    /// the standard deviations (K×D or K).
    factors: Vec<T>,
    /// Full and tied: `P = L⁻¹` (lower, row-major, K or 1); diagonal and spherical: `1/σ`.
    precisions: Vec<T>,
    /// K: `−½ (D ln 2π + ln|Σ_k|)`.
    log_norms: Vec<T>,
}

impl<T: Scalar> GaussianComponents<T> {
    /// Components with the given means (K×D, row-major) and covariances (K·D·D values: K
    /// row-major D×D matrices). The covariances are used as given (no `reg_covar` is added).
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] for inconsistent lengths, non-finite values or an
    /// asymmetric covariance; [`MixtureError::ParametersNotFormed`] naming the component whose
    /// covariance cannot be factored.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::Rows;
    /// use mixture_gauss::GaussianComponents;
    /// let means = [0.0, 0.0, 3.0, 3.0];
    /// let covs = [1.0, 0.0, 0.0, 1.0, 2.0, 0.5, 0.5, 1.0];
    /// let c = GaussianComponents::<f64>::new(Rows::new(&means, 2)?, &covs)?;
    /// assert_eq!(c.covariance(1), vec![2.0, 0.5, 0.5, 1.0]);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn new(means: Rows<'_, T>, covariances: &[T]) -> Result<Self> {
        Self::with_type(means, covariances, CovarianceType::Full)
    }

    /// Components with the given means (K×D) and covariance parameters in `kind`'s compact
    /// form, as scikit-learn stores them: `Full` K row-major D×D matrices, `Diagonal` K×D
    /// variances, `Spherical` K variances, `Tied` one D×D matrix shared by every component.
    /// They are used as given (no `reg_covar` is added).
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] for inconsistent lengths, non-finite values, an
    /// asymmetric matrix or a variance that is not positive; [`MixtureError::ParametersNotFormed`]
    /// naming the component whose covariance cannot be factored.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::Rows;
    /// use mixture_gauss::{CovarianceType, GaussianComponents};
    /// let means = [0.0, 0.0, 3.0, 3.0];
    /// let c = GaussianComponents::<f64>::with_type(Rows::new(&means, 2)?, &[0.5, 2.0], CovarianceType::Spherical)?;
    /// assert_eq!(c.covariance(1), vec![2.0, 0.0, 0.0, 2.0]);
    /// assert_eq!(c.covariance_parameters(), &[0.5, 2.0]);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn with_type(means: Rows<'_, T>, parameters: &[T], kind: CovarianceType) -> Result<Self> {
        let (k, d) = (means.n_rows(), means.n_cols());
        let invalid = |reason: String| Err(MixtureError::InvalidParameters { reason });
        if k == 0 {
            return invalid("no components: means have 0 rows".into());
        }
        let expected = kind.n_values(k, d);
        if parameters.len() != expected {
            return invalid(format!(
                "{} covariance values for {k} {} components of dimension {d} (expected {expected})",
                parameters.len(),
                kind.name()
            ));
        }
        if let Some(p) = means.as_slice().iter().position(|v| !v.is_finite()) {
            return invalid(format!(
                "mean of component {} is not finite in coordinate {}",
                p / d,
                p % d
            ));
        }
        let mut values: Vec<f64> = parameters.iter().map(|v| v.as_f64()).collect();
        match kind {
            CovarianceType::Full | CovarianceType::Tied => {
                for (c, cov) in values.chunks_exact_mut(d * d).enumerate() {
                    symmetrise(cov, d).map_err(|reason| MixtureError::InvalidParameters {
                        reason: match kind {
                            CovarianceType::Tied => format!("the tied covariance {reason}"),
                            _ => format!("covariance of component {c} {reason}"),
                        },
                    })?;
                }
            }
            _ if kind.is_eigen() => {
                models::check(kind, k, d, &values)
                    .map_err(|reason| MixtureError::InvalidParameters { reason })?;
            }
            _ => {
                if let Some(p) = values.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
                    return invalid(format!(
                        "variance {p} of the {} covariances is {}; variances must be positive and finite",
                        kind.name(),
                        values[p]
                    ));
                }
            }
        }
        let means64: Vec<f64> = means.as_slice().iter().map(|v| v.as_f64()).collect();
        Self::from_f64(k, d, &means64, &values, None, kind)
    }

    /// The covariance type.
    pub fn covariance_type(&self) -> CovarianceType {
        self.covariance_type
    }

    /// Whether the M-step that made these components stopped one of its inner loops (VEI,
    /// VEV, VEE, EVE and VVE iterate) at its cap of 2000 rounds before converging, so the
    /// covariances are not quite that M-step's optimum.
    pub fn inner_loop_capped(&self) -> bool {
        self.capped
    }

    /// These components, marked as made by a capped M-step.
    pub(crate) fn mark_capped(mut self, capped: bool) -> Self {
        self.capped = capped;
        self
    }

    /// The covariances in the type's compact form (see [`GaussianComponents::with_type`]).
    pub fn covariance_parameters(&self) -> &[T] {
        &self.covariances
    }

    /// Builds the components from `f64` means and covariances in `kind`'s compact form
    /// (matrices symmetric); `reg_covar` (when fitting) is only used to name it in an error,
    /// having been added already.
    ///
    /// The parameters are rounded to `T` first and everything else is derived from the rounded
    /// values, so the components are a function of the `T` parameters they report: saving and
    /// reloading them reproduces every bit.
    /// These components with other means (K×D; finite, as weighted means of finite rows and
    /// other components' means are), the covariances and all derived from them kept.
    pub(crate) fn with_means(&self, means: Vec<T>) -> Self {
        debug_assert_eq!(means.len(), self.means.len());
        Self {
            means,
            ..self.clone()
        }
    }

    pub(crate) fn from_f64(
        k: usize,
        d: usize,
        means: &[f64],
        covariances: &[f64],
        reg_covar: Option<f64>,
        kind: CovarianceType,
    ) -> Result<Self> {
        let means_t: Vec<T> = means.iter().map(|&v| T::cast(v)).collect();
        let covariances_t: Vec<T> = covariances.iter().map(|&v| T::cast(v)).collect();
        let mut rounded: Vec<f64> = covariances_t.iter().map(|v| v.as_f64()).collect();
        let expanded = kind.is_eigen().then(|| {
            rounded = models::expand(kind, k, d, &rounded);
            rounded.iter().map(|&v| T::cast(v)).collect::<Vec<T>>()
        });
        let mut factors = vec![T::zero(); rounded.len()];
        let mut precisions = vec![T::zero(); rounded.len()];
        let mut log_dets = Vec::with_capacity(k);
        match kind.layout() {
            Layout::Full | Layout::Tied => {
                let dd = d * d;
                for (c, cov) in rounded.chunks_exact(dd).enumerate() {
                    let l = cholesky_lower(MatRef::from_row_major_slice(cov, d, d))
                        .map_err(|pivot| not_positive_definite(c, pivot, reg_covar))?;
                    let p = invert_lower(l.as_ref());
                    let mut log_det = 0.0;
                    for i in 0..d {
                        log_det += 2.0 * l[(i, i)].ln();
                        for j in 0..=i {
                            factors[c * dd + i * d + j] = T::cast(l[(i, j)]);
                            precisions[c * dd + i * d + j] = T::cast(p[(i, j)]);
                        }
                    }
                    log_dets.push(log_det);
                }
            }
            Layout::Diagonal | Layout::Spherical => {
                // The variances per component: D of them, or one for every coordinate.
                let per = if kind.layout() == Layout::Diagonal {
                    d
                } else {
                    1
                };
                let repeat = if per == 1 { d as f64 } else { 1.0 };
                for (c, variances) in rounded.chunks_exact(per).enumerate() {
                    let mut log_det = 0.0;
                    for (i, &v) in variances.iter().enumerate() {
                        if !(v > 0.0 && v.is_finite()) {
                            return Err(not_positive_definite(c, i, reg_covar));
                        }
                        let std = v.sqrt();
                        log_det += repeat * 2.0 * std.ln();
                        factors[c * per + i] = T::cast(std);
                        precisions[c * per + i] = T::cast(1.0 / std);
                    }
                    log_dets.push(log_det);
                }
            }
        }
        // A tied model has one determinant for all.
        let log_norms = (0..k)
            .map(|c| T::cast(-0.5 * (d as f64 * LN_2PI + log_dets[c.min(log_dets.len() - 1)])))
            .collect();
        Ok(Self {
            k,
            d,
            covariance_type: kind,
            means: means_t,
            covariances: covariances_t,
            expanded,
            capped: false,
            factors,
            precisions,
            log_norms,
        })
    }

    /// The precision factors in the covariance type's compact form: for full and tied models
    /// `P_k = L_k⁻¹` (lower triangular, row-major D×D, K or 1 of them, so that
    /// `Σ_k⁻¹ = P_kᵀ P_k`); for diagonal and spherical ones `1/σ` (K×D or K). They are what the
    /// log-densities use; scikit-learn's `precisions_cholesky_` is their transpose.
    pub fn precision_factors(&self) -> &[T] {
        &self.precisions
    }

    /// The means, K×D.
    pub fn means(&self) -> Rows<'_, T> {
        Rows::new(&self.means, self.d).expect("K×D by construction")
    }

    /// The covariance of component `k` as a dense row-major D×D matrix.
    ///
    /// # Panics
    /// When `k >= n_components()`.
    pub fn covariance(&self, k: usize) -> Vec<T> {
        self.dense(k, self.layout_covariances())
    }

    /// The covariances in the kernel's layout: the compact values for scikit-learn's four
    /// types, the expanded ones for the others.
    pub(crate) fn layout_covariances(&self) -> &[T] {
        self.expanded.as_deref().unwrap_or(&self.covariances)
    }

    /// The lower Cholesky factor `L_k` of component `k`'s covariance, dense row-major D×D.
    ///
    /// # Panics
    /// When `k >= n_components()`.
    pub fn cholesky_factor(&self, k: usize) -> Vec<T> {
        self.dense(k, &self.factors)
    }

    /// Component `k`'s dense D×D matrix from per-type `values` laid out like the covariances
    /// (matrices, or diagonals).
    fn dense(&self, k: usize, values: &[T]) -> Vec<T> {
        assert!(k < self.k, "component {k} of {}", self.k);
        let d = self.d;
        match self.covariance_type.layout() {
            Layout::Full | Layout::Tied => {
                let c = self.matrix_of(k);
                values[c * d * d..(c + 1) * d * d].to_vec()
            }
            layout => {
                let mut m = vec![T::zero(); d * d];
                for i in 0..d {
                    m[i * d + i] = match layout {
                        Layout::Diagonal => values[k * d + i],
                        _ => values[k],
                    };
                }
                m
            }
        }
    }

    /// Which stored D×D matrix (covariance, factor, precision factor) component `k` uses:
    /// its own, or the tied model's one.
    fn matrix_of(&self, k: usize) -> usize {
        if self.covariance_type.layout() == Layout::Tied {
            0
        } else {
            k
        }
    }

    /// The precision of every component, as the log-density kernel takes it.
    fn precision(&self) -> Precision<'_, T> {
        match self.covariance_type.layout() {
            layout @ (Layout::Full | Layout::Tied) => Precision::Triangular {
                factors: &self.precisions,
                shared: layout == Layout::Tied,
            },
            Layout::Diagonal => Precision::Diagonal(&self.precisions),
            Layout::Spherical => Precision::Spherical(&self.precisions),
        }
    }
}

/// Checks that the row-major D×D `m` is finite and symmetric (to 1e-6 relative) and makes it
/// exactly symmetric; the error says where it is not.
fn symmetrise(m: &mut [f64], d: usize) -> std::result::Result<(), String> {
    for i in 0..d {
        for j in 0..=i {
            let (a, b) = (m[i * d + j], m[j * d + i]);
            if !a.is_finite() {
                return Err(format!("holds {a} at ({i}, {j})"));
            }
            if !b.is_finite() {
                return Err(format!("holds {b} at ({j}, {i})"));
            }
            if (a - b).abs() > 1e-6 * (a.abs() + b.abs()).max(f64::MIN_POSITIVE) {
                return Err(format!(
                    "is not symmetric: ({i}, {j}) = {a} but ({j}, {i}) = {b}"
                ));
            }
            let mean = 0.5 * (a + b);
            m[i * d + j] = mean;
            m[j * d + i] = mean;
        }
    }
    Ok(())
}

/// The Gaussian's error for a covariance that cannot be factored, with its remedy: a fitted
/// covariance needs more regularisation; a given one is simply not a covariance.
pub(crate) fn not_positive_definite(
    component: usize,
    pivot: usize,
    reg_covar: Option<f64>,
) -> MixtureError {
    let problem = match reg_covar {
        Some(reg) => format!(
            "covariance is not positive definite (non-positive pivot at index {pivot}); raise reg_covar (now {reg:e}), use fewer components, or remove duplicate or constant columns"
        ),
        None => format!(
            "the given covariance is not positive definite (non-positive pivot at index {pivot}); pass a symmetric positive-definite matrix"
        ),
    };
    MixtureError::ParametersNotFormed { component, problem }
}

impl<T: Scalar> Components<T> for GaussianComponents<T> {
    const FAMILY: &'static str = "gaussian";
    type Parameters = GaussianParameters;
    type Rebind<U: Scalar> = GaussianComponents<U>;

    fn parameters(&self) -> GaussianParameters {
        let (k, d) = (self.k, self.d);
        let values: Vec<f64> = self.covariances.iter().map(|v| v.as_f64()).collect();
        GaussianParameters {
            means: widen_rows(self.means()),
            covariances: Covariances::from_flat(self.covariance_type, &values, k, d),
        }
    }

    fn from_parameters(p: &GaussianParameters) -> Result<Self> {
        let means = parameter_matrix::<T>("means", &p.means)?;
        let (k, d) = (means.n_rows(), means.n_cols());
        let flat: Vec<T> = p
            .covariances
            .to_flat(k, d)?
            .iter()
            .map(|&v| T::cast(v))
            .collect();
        Self::with_type(means.view(), &flat, p.covariances.covariance_type())
    }

    fn check_domain(_x: Rows<'_, T>) -> Result<()> {
        Ok(()) // Every finite vector has a Gaussian density.
    }

    fn n_components(&self) -> usize {
        self.k
    }

    fn n_features(&self) -> usize {
        self.d
    }

    fn log_densities(&self, block: Rows<'_, T>, out: &mut [T], scratch: &mut Vec<T>) {
        log_densities(
            block,
            &self.means,
            self.precision(),
            &self.log_norms,
            out,
            scratch,
        );
    }

    fn sample_component<R: Rng + ?Sized>(&self, k: usize, rng: &mut R, out: &mut [T]) {
        let d = self.d;
        for v in out.iter_mut() {
            *v = T::standard_normal(rng);
        }
        let mean = &self.means[k * d..(k + 1) * d];
        match self.covariance_type.layout() {
            Layout::Full | Layout::Tied => {
                // x = μ + L z, from the last coordinate up so z is read before it is replaced.
                let c = self.matrix_of(k);
                let l = &self.factors[c * d * d..(c + 1) * d * d];
                for i in (0..d).rev() {
                    let mut s = mean[i];
                    for j in 0..=i {
                        s += l[i * d + j] * out[j];
                    }
                    out[i] = s;
                }
            }
            Layout::Diagonal => {
                for ((o, &m), &s) in out.iter_mut().zip(mean).zip(&self.factors[k * d..]) {
                    *o = m + s * *o;
                }
            }
            Layout::Spherical => {
                for (o, &m) in out.iter_mut().zip(mean) {
                    *o = m + self.factors[k] * *o;
                }
            }
        }
    }

    fn n_parameters(&self) -> usize {
        // The means plus the model's free covariance values (mclust's counts, which are
        // scikit-learn's for its four types).
        let (k, d) = (self.k, self.d);
        k * d + self.covariance_type.n_covariance_parameters(k, d)
    }

    fn write_means(&self, out: &mut [T]) {
        out.copy_from_slice(&self.means);
    }

    const GROUPS: &'static [Parameter] = &[Parameter::MEANS, Parameter::COVARIANCES];

    fn with_groups_of(&self, other: &Self, groups: ParameterSet) -> Result<Self> {
        let (means, covariances) = (
            groups.contains(Parameter::MEANS),
            groups.contains(Parameter::COVARIANCES),
        );
        if !(means || covariances) {
            return Ok(self.clone());
        }
        check_same_shape(self.k, self.d, (other.k, other.d))?;
        if covariances && other.covariance_type != self.covariance_type {
            return Err(MixtureError::InvalidParameters {
                reason: format!(
                    "the given covariances are {}, the model's are {}",
                    other.covariance_type.name(),
                    self.covariance_type.name()
                ),
            });
        }
        match (means, covariances) {
            (true, false) => Ok(self.with_means(other.means.clone())),
            (false, true) => Ok(other.with_means(self.means.clone())),
            _ => Ok(other.clone()),
        }
    }

    fn marginal(&self, dims: &[usize]) -> Result<Self> {
        let d = self.d;
        check_marginal_dims(dims, d)?;
        // A Gaussian's marginal keeps the chosen entries of the mean and the chosen block of
        // the covariance; it is of the model's layout's type (an eigen model's marginal
        // block need not keep its constraints).
        let means: Vec<f64> = (0..self.k)
            .flat_map(|c| dims.iter().map(move |&j| (c, j)))
            .map(|(c, j)| self.means[c * d + j].as_f64())
            .collect();
        let values = self.layout_covariances();
        let cov = |i: usize| values[i].as_f64();
        let layout = self.covariance_type.layout();
        let covariances: Vec<f64> = match layout {
            Layout::Full | Layout::Tied => {
                let n = values.len() / (d * d);
                (0..n)
                    .flat_map(|c| {
                        dims.iter()
                            .flat_map(move |&i| dims.iter().map(move |&j| (c, i, j)))
                    })
                    .map(|(c, i, j)| cov(c * d * d + i * d + j))
                    .collect()
            }
            Layout::Diagonal => (0..self.k)
                .flat_map(|c| dims.iter().map(move |&j| cov(c * d + j)))
                .collect(),
            Layout::Spherical => (0..self.k).map(cov).collect(),
        };
        let kind = match layout {
            Layout::Full => CovarianceType::Full,
            Layout::Tied => CovarianceType::Tied,
            Layout::Diagonal => CovarianceType::Diagonal,
            Layout::Spherical => CovarianceType::Spherical,
        };
        Self::from_f64(self.k, dims.len(), &means, &covariances, None, kind)
    }
}
