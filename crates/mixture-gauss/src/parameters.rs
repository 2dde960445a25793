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

/// Covariance parameters in each type's compact shape (scikit-learn's `covariances_`),
/// `reg_covar` included. Serialised as `"covariance": "full" | "diag" | "spherical" | "tied"`
/// beside `"covariances": …`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "covariance", content = "covariances")
)]
#[non_exhaustive]
pub enum Covariances {
    /// K matrices of D×D.
    #[cfg_attr(feature = "serde", serde(rename = "full"))]
    Full(Vec<Vec<Vec<f64>>>),
    /// K rows of D variances.
    #[cfg_attr(feature = "serde", serde(rename = "diag"))]
    Diagonal(Vec<Vec<f64>>),
    /// K variances.
    #[cfg_attr(feature = "serde", serde(rename = "spherical"))]
    Spherical(Vec<f64>),
    /// One D×D matrix shared by every component.
    #[cfg_attr(feature = "serde", serde(rename = "tied"))]
    Tied(Vec<Vec<f64>>),
}

impl Covariances {
    /// The covariance type.
    pub fn covariance_type(&self) -> CovarianceType {
        match self {
            Covariances::Full(_) => CovarianceType::Full,
            Covariances::Diagonal(_) => CovarianceType::Diagonal,
            Covariances::Spherical(_) => CovarianceType::Spherical,
            Covariances::Tied(_) => CovarianceType::Tied,
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
        }
    }

    /// The flat compact values, after checking the shape against K and D.
    pub(crate) fn to_flat(&self, k: usize, d: usize) -> Result<Vec<f64>> {
        let kind = self.covariance_type();
        let shape = || MixtureError::InvalidParameters {
            reason: format!(
                "{} covariances of {k} components of dimension {d} must be {}",
                kind.name(),
                match kind {
                    CovarianceType::Full => format!("{k} matrices of {d}×{d}"),
                    CovarianceType::Diagonal => format!("{k} rows of {d} variances"),
                    CovarianceType::Spherical => format!("{k} variances"),
                    CovarianceType::Tied => format!("one {d}×{d} matrix"),
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
        match self {
            Covariances::Full(m) if m.len() == k => {
                let mut flat = Vec::new(); // grown matrix by matrix, each checked first
                for c in m {
                    flat.extend(matrix(c, d)?);
                }
                Ok(flat)
            }
            Covariances::Full(_) => Err(shape()),
            Covariances::Diagonal(m) => matrix(m, k),
            Covariances::Tied(m) => matrix(m, d),
            Covariances::Spherical(v) if v.len() == k => Ok(v.clone()),
            Covariances::Spherical(_) => Err(shape()),
        }
    }
}
