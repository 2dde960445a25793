//! [`GaussianParameters`]: the Gaussian components' parameters in plain, typed form, as model
//! files hold them (and scikit-learn stores them).

use crate::CovarianceType;
use mixture_core::{MixtureError, Result};

/// Means and covariances of K Gaussian components, every value an `f64` (an `f32` model's
/// values widened exactly).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GaussianParameters {
    /// K rows of D means.
    pub means: Vec<Vec<f64>>,
    /// The covariances, in the covariance type's compact shape.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub covariances: Covariances,
}

/// Covariance parameters in each type's compact shape (scikit-learn's `covariances_` for its
/// four types; volumes, shapes and orientations for mclust's other ten), `reg_covar` included.
/// Serialised as `"covariance": "full" | "diag" | "spherical" | "tied" | "VEV" | ...` beside
/// `"covariances": …` (an object of `volumes`, `shapes` and `orientations` for the ten).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "CovariancesForm", into = "CovariancesForm")
)]
#[non_exhaustive]
pub enum Covariances {
    /// K matrices of D×D.
    Full(Vec<Vec<Vec<f64>>>),
    /// K rows of D variances.
    Diagonal(Vec<Vec<f64>>),
    /// K variances.
    Spherical(Vec<f64>),
    /// One D×D matrix shared by every component.
    Tied(Vec<Vec<f64>>),
    /// One of the ten eigen-decomposition models beyond scikit-learn's four.
    Eigen(CovarianceType, EigenCovariances),
}

/// An eigen-decomposition model's covariances `Σ_k = λ_k D_k diag(A_k) D_kᵀ`: one volume or
/// K, no shape (EII), one or K shapes of D values, and no orientation (diagonal models), one
/// or K orientations (D×D, the columns being the axes), as the model's letters say.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct EigenCovariances {
    /// The volumes λ.
    pub volumes: Vec<f64>,
    /// The shapes A (each of determinant 1 when fitted).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub shapes: Vec<Vec<f64>>,
    /// The orientations D.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub orientations: Vec<Vec<Vec<f64>>>,
}

/// [`Covariances`]' serde form.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct CovariancesForm {
    covariance: CovarianceType,
    covariances: Payload,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Payload {
    Variances(Vec<f64>),
    Matrix(Vec<Vec<f64>>),
    Matrices(Vec<Vec<Vec<f64>>>),
    Eigen(EigenCovariances),
}

#[cfg(feature = "serde")]
impl TryFrom<CovariancesForm> for Covariances {
    type Error = String;

    fn try_from(f: CovariancesForm) -> std::result::Result<Self, String> {
        let kind = f.covariance;
        let shape = |expected: &str| format!("the {} covariances must be {expected}", kind.name());
        Ok(match (kind, f.covariances) {
            (CovarianceType::Spherical, Payload::Variances(v)) => Covariances::Spherical(v),
            (CovarianceType::Diagonal, Payload::Matrix(m)) => Covariances::Diagonal(m),
            (CovarianceType::Diagonal, Payload::Variances(v)) if v.is_empty() => {
                Covariances::Diagonal(Vec::new())
            }
            (CovarianceType::Tied, Payload::Matrix(m)) => Covariances::Tied(m),
            (CovarianceType::Full, Payload::Matrices(m)) => Covariances::Full(m),
            (CovarianceType::Full, Payload::Variances(v)) if v.is_empty() => {
                Covariances::Full(Vec::new())
            }
            (CovarianceType::Spherical, _) => return Err(shape("a list of variances")),
            (CovarianceType::Diagonal, _) => return Err(shape("a list of rows of variances")),
            (CovarianceType::Tied, _) => return Err(shape("one matrix (a list of rows)")),
            (CovarianceType::Full, _) => return Err(shape("a list of matrices")),
            (_, Payload::Eigen(e)) => Covariances::Eigen(kind, e),
            (_, _) => return Err(shape("an object of volumes, shapes and orientations")),
        })
    }
}

#[cfg(feature = "serde")]
impl From<Covariances> for CovariancesForm {
    fn from(c: Covariances) -> Self {
        let covariance = c.covariance_type();
        let covariances = match c {
            Covariances::Full(m) => Payload::Matrices(m),
            Covariances::Diagonal(m) | Covariances::Tied(m) => Payload::Matrix(m),
            Covariances::Spherical(v) => Payload::Variances(v),
            Covariances::Eigen(_, e) => Payload::Eigen(e),
        };
        Self {
            covariance,
            covariances,
        }
    }
}

impl Covariances {
    /// The covariance type.
    pub fn covariance_type(&self) -> CovarianceType {
        match self {
            Covariances::Full(_) => CovarianceType::Full,
            Covariances::Diagonal(_) => CovarianceType::Diagonal,
            Covariances::Spherical(_) => CovarianceType::Spherical,
            Covariances::Tied(_) => CovarianceType::Tied,
            Covariances::Eigen(kind, _) => *kind,
        }
    }

    /// The compact values of `kind` (flat, as `GaussianComponents::covariance_parameters`
    /// gives them) in this typed shape, for K components of dimension D.
    pub(crate) fn from_flat(kind: CovarianceType, values: &[f64], k: usize, d: usize) -> Self {
        let rows = |v: &[f64]| v.chunks_exact(d).map(<[f64]>::to_vec).collect::<Vec<_>>();
        match kind {
            CovarianceType::Full => {
                Covariances::Full(values.chunks_exact(d * d).map(rows).collect())
            }
            CovarianceType::Diagonal => Covariances::Diagonal(rows(values)),
            CovarianceType::Spherical => Covariances::Spherical(values[..k].to_vec()),
            CovarianceType::Tied => Covariances::Tied(rows(values)),
            _ => {
                let [nv, ns, _] = kind.part_counts(k);
                let (volumes, rest) = values.split_at(nv);
                let (shapes, orientations) = rest.split_at(ns * d);
                Covariances::Eigen(
                    kind,
                    EigenCovariances {
                        volumes: volumes.to_vec(),
                        shapes: rows(shapes),
                        orientations: orientations.chunks_exact(d * d).map(rows).collect(),
                    },
                )
            }
        }
    }

    /// The flat compact values, after checking the shape against K and D.
    pub(crate) fn to_flat(&self, k: usize, d: usize) -> Result<Vec<f64>> {
        let kind = self.covariance_type();
        let [nv, ns, no] = kind.part_counts(k);
        let shape = || MixtureError::InvalidParameters {
            reason: format!(
                "{} covariances of {k} components of dimension {d} must be {}",
                kind.name(),
                match kind {
                    CovarianceType::Full => format!("{k} matrices of {d}×{d}"),
                    CovarianceType::Diagonal => format!("{k} rows of {d} variances"),
                    CovarianceType::Spherical => format!("{k} variances"),
                    CovarianceType::Tied => format!("one {d}×{d} matrix"),
                    _ => format!(
                        "{nv} volumes, {ns} shapes of {d} values and {no} orientations of {d}×{d}"
                    ),
                }
            ),
        };
        let matrix = |m: &[Vec<f64>], rows: usize| {
            if m.len() == rows && m.iter().all(|r| r.len() == d) {
                Ok(m.concat())
            } else {
                Err(shape())
            }
        };
        let matrices = |m: &[Vec<Vec<f64>>], count: usize| {
            if m.len() != count {
                return Err(shape());
            }
            let mut flat = Vec::new(); // grown matrix by matrix, each checked first
            for c in m {
                flat.extend(matrix(c, d)?);
            }
            Ok(flat)
        };
        match self {
            Covariances::Full(m) => matrices(m, k),
            Covariances::Diagonal(m) => matrix(m, k),
            Covariances::Tied(m) => matrix(m, d),
            Covariances::Spherical(v) if v.len() == k => Ok(v.clone()),
            Covariances::Spherical(_) => Err(shape()),
            Covariances::Eigen(_, e) if e.volumes.len() == nv => {
                let mut flat = e.volumes.clone();
                flat.extend(matrix(&e.shapes, ns)?);
                flat.extend(matrices(&e.orientations, no)?);
                Ok(flat)
            }
            Covariances::Eigen(..) => Err(shape()),
        }
    }
}
