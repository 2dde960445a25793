//! Components held up by the regularisation only: a covariance whose smallest eigenvalue sits
//! at the `reg_covar` floor, on data whose own covariance is far above it.

use crate::{CovarianceType, Gaussian, GaussianComponents, GaussianMixture};
use faer::{MatRef, Side};
use mixture_core::{Data, Estimator, Scalar};

/// The components of a fitted mixture at the regularisation floor (see
/// [`regularisation_floor`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RegularisationFloor {
    /// Each component at the floor and its covariance's smallest eigenvalue.
    pub components: Vec<(usize, f64)>,
    /// The smallest eigenvalue of the data's own covariance.
    pub data_smallest: f64,
}

/// The components of `mixture` whose covariance has an eigenvalue within a factor of 10 of
/// `reg_covar`, when the data's own covariance has none below 1000 × `reg_covar`: components
/// sitting on (nearly) coincident rows, held up only by the regularisation. `None` when no
/// component is at the floor, when the data themselves are, or for a `reg_covar` that is not
/// positive. The data's covariance is computed only when a component is at the floor.
///
/// # Examples
/// ```
/// use mixture_core::{Estimator, Rows};
/// use mixture_gauss::{Gaussian, regularisation_floor};
///
/// // Five coincident rows beside a spread cloud: one component collapses onto them.
/// let mut x = vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
/// x.extend((0..40).map(|i| ((i * 37) % 17) as f64 * 0.7 - 4.0));
/// let x = Rows::new(&x, 2)?;
/// let fit = Estimator::new(Gaussian::full(), 2).seed(3).fit(x)?;
/// if let Some(floor) = regularisation_floor(&fit.mixture, 1e-6, x.into()) {
///     assert!(floor.components.iter().all(|&(_, lowest)| lowest <= 1e-5));
///     assert!(floor.data_smallest > 1e-3);
/// }
/// # Ok::<(), mixture_core::MixtureError>(())
/// ```
pub fn regularisation_floor<T: Scalar>(
    mixture: &GaussianMixture<T>,
    reg_covar: f64,
    data: Data<'_, T>,
) -> Option<RegularisationFloor> {
    if reg_covar.is_nan() || reg_covar <= 0.0 {
        return None;
    }
    let c = mixture.components();
    let components: Vec<(usize, f64)> = (0..mixture.n_components())
        .map(|k| (k, c.smallest_eigenvalue(k)))
        .filter(|&(_, lowest)| lowest <= 10.0 * reg_covar)
        .collect();
    if components.is_empty() {
        return None;
    }
    // The data's covariance is a one-component full Gaussian's, from the engine's moments.
    let whole = Estimator::new(Gaussian::full().with_reg_covar(0.0), 1)
        .max_iter(0)
        .fit(data)
        .ok()?
        .mixture;
    let data_smallest = whole.components().smallest_eigenvalue(0);
    (data_smallest > 1000.0 * reg_covar).then_some(RegularisationFloor {
        components,
        data_smallest,
    })
}

impl<T: Scalar> GaussianComponents<T> {
    /// The smallest eigenvalue of component `k`'s covariance (its smallest variance for
    /// diagonal and spherical models); NaN when it cannot be computed.
    ///
    /// # Panics
    /// When `k >= n_components()`.
    pub fn smallest_eigenvalue(&self, k: usize) -> f64 {
        let cov: Vec<f64> = self.covariance(k).iter().map(|v| v.as_f64()).collect();
        let d = self.means().n_cols();
        if matches!(
            self.covariance_type(),
            CovarianceType::Diagonal | CovarianceType::Spherical
        ) {
            return (0..d).map(|j| cov[j * d + j]).fold(f64::INFINITY, f64::min);
        }
        MatRef::from_row_major_slice(&cov, d, d)
            .self_adjoint_eigenvalues(Side::Lower)
            .map_or(f64::NAN, |e| e.first().copied().unwrap_or(f64::NAN))
    }
}
