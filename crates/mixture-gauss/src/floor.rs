//! Components held up by the regularisation only: a covariance whose smallest eigenvalue sits
//! at the `reg_covar` floor, on data whose own covariance is far above it.

use crate::{CovarianceType, Gaussian, GaussianComponents, GaussianMixture};
use faer::{MatRef, Side};
use mixture_core::{Components, Data, Estimator, Scalar};

/// The components of a fitted mixture at the regularisation floor (see
/// [`regularisation_floor`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RegularisationFloor {
    /// Each component at the floor and its covariance's smallest eigenvalue.
    pub components: Vec<(usize, f64)>,
    /// The smallest eigenvalue of the data's own covariance, in the mixture's covariance type.
    pub data_smallest: f64,
}

/// The components of `mixture` whose covariance has an eigenvalue within a factor of 10 of
/// `reg_covar`, when the data's own covariance (in the mixture's covariance type: the data's
/// variances for a diagonal model) has none below 1000 × `reg_covar`: components
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
    // The data's covariance in the mixture's own covariance type (a one-component fit, from
    // the engine's moments): its variances for a diagonal model, their mean for a spherical
    // one, so that each model pays for what it fits (no D×D matrix for a diagonal model).
    let whole = Estimator::new(Gaussian::new(c.covariance_type()).with_reg_covar(0.0), 1)
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
        assert!(
            k < self.n_components(),
            "component {k} of {}",
            self.n_components()
        );
        let d = self.means().n_cols();
        let compact = self.covariance_parameters();
        // Diagonal and spherical models from their compact values: no D×D matrix.
        match self.covariance_type() {
            CovarianceType::Diagonal => {
                return compact[k * d..(k + 1) * d]
                    .iter()
                    .fold(f64::INFINITY, |m, v| m.min(v.as_f64()));
            }
            CovarianceType::Spherical => return compact[k].as_f64(),
            _ => {}
        }
        let cov: Vec<f64> = self.covariance(k).iter().map(|v| v.as_f64()).collect();
        MatRef::from_row_major_slice(&cov, d, d)
            .self_adjoint_eigenvalues(Side::Lower)
            .map_or(f64::NAN, |e| e.first().copied().unwrap_or(f64::NAN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mixture_core::RowMatrix;

    #[test]
    fn each_covariance_type_compares_with_the_data_in_its_own_type() {
        // Two nearly collinear features (the data's covariance is nearly singular, its
        // variances are not) and five coincident rows far away.
        let mut values: Vec<f64> = (0..80)
            .flat_map(|i| {
                let t = (f64::from(i) * 0.37).sin() * 2.0;
                [t, t + 1e-4 * (f64::from(i) * 1.3).cos()]
            })
            .collect();
        for _ in 0..5 {
            values.extend([30.0, 30.0]);
        }
        let x = RowMatrix::new(values, 2).unwrap();
        let floor = |family: Gaussian| {
            let m = Estimator::new(family, 2).seed(0).fit(&x).unwrap().mixture;
            regularisation_floor(&m, 1e-6, (&x).into())
        };
        // Diagonal: the coincident rows' component is at the floor of variances the data have
        // far above it.
        let diag = floor(Gaussian::diagonal()).expect("a diagonal component at the floor");
        assert_eq!(diag.components.len(), 1, "{diag:?}");
        assert!(diag.data_smallest > 0.5, "{diag:?}");
        // Full: the data's own covariance is nearly singular, so the floor says nothing.
        assert_eq!(floor(Gaussian::full()), None);
        // No floor without a positive reg_covar.
        let m = Estimator::new(Gaussian::diagonal(), 2)
            .seed(0)
            .fit(&x)
            .unwrap()
            .mixture;
        assert_eq!(regularisation_floor(&m, 0.0, (&x).into()), None);
    }
}
