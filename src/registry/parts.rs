//! What front ends need of a family beyond fitting, answered here per family so that they stay
//! generic: the family's parameters as named arrays (and a mixture built from them), the
//! picture `plot` draws of it, and the components its data do not support.

use super::{AnyFamily, AnyMixture, Registered};
use crate::core::{Data, Mixture, MixtureError, Rows, Scalar};
use crate::gauss::{CovarianceType, GaussianComponents, GaussianMixture, regularisation_floor};
use crate::{bern::BernoulliComponents, exp::ExponentialComponents, poisson::PoissonComponents};

/// A named parameter array of a mixture: `values` in row-major order of `shape`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterArray<V> {
    /// The array's name (`"covariances"`, `"probabilities"`, ...).
    pub name: &'static str,
    /// Its shape (`[K, D]`, `[K, D, D]`, ...).
    pub shape: Vec<usize>,
    /// Its values.
    pub values: Vec<V>,
}

impl<V> ParameterArray<V> {
    fn new(name: &'static str, shape: Vec<usize>, values: Vec<V>) -> Self {
        Self {
            name,
            shape,
            values,
        }
    }
}

/// The picture `plot` draws of a fitted mixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Picture {
    /// Contour lines of −ln p(x) over two features (by the exact marginal) with the data or
    /// samples as points; with one feature, its histogram and the fitted density.
    Density,
    /// Each feature's histogram with its fitted marginal density (the first 16 features).
    Marginals,
    /// Each feature's counts as bars with its fitted marginal probabilities (the first 16
    /// features): for densities defined at integers only.
    Counts,
    /// The named K×D parameter array (values in [0, 1]) as K small grey-scale images.
    Prototypes(&'static str),
}

impl std::fmt::Display for Picture {
    /// The picture in words: "density contours", "per-feature histograms", "prototype images
    /// of their probabilities".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Picture::Density => f.write_str("density contours"),
            Picture::Marginals => f.write_str("per-feature histograms"),
            Picture::Counts => f.write_str("per-feature bar charts of counts"),
            Picture::Prototypes(name) => write!(f, "prototype images of their {name}"),
        }
    }
}

/// A component that the data do not support although it has rows enough: its index and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported {
    /// The component.
    pub component: usize,
    /// Why it is suspect, in words.
    pub reason: String,
}

/// A Gaussian covariance type's compact shape for K components of dimension D (scikit-learn's
/// `covariances_`).
fn compact_shape(kind: CovarianceType, k: usize, d: usize) -> Vec<usize> {
    match kind {
        CovarianceType::Full => vec![k, d, d],
        CovarianceType::Tied => vec![d, d],
        CovarianceType::Diagonal => vec![k, d],
        _ => vec![k],
    }
}

impl<T: Scalar> AnyMixture<T> {
    /// The family's own parameter arrays, beside the weights and means every family has: a
    /// Gaussian's `covariances` and `precision_factors` in its covariance type's compact shape
    /// (see [`GaussianComponents::precision_factors`]; for mclust's other ten models the dense
    /// K×D×D `covariances`, the `volumes`, `shapes` and `orientations` the model has, and the
    /// factors in the kernel's shape), a Bernoulli's `probabilities` and an
    /// exponential's `rates` (K×D).
    pub fn parameter_arrays(&self) -> Vec<ParameterArray<T>> {
        let (k, d) = (self.n_components(), self.n_features());
        let rows =
            |name, r: Rows<'_, T>| ParameterArray::new(name, vec![k, d], r.as_slice().to_vec());
        match self {
            AnyMixture::Gaussian(m) if m.components().covariance_type().is_eigen() => {
                // The dense covariances, the compact parts, and the kernel's precision factors.
                let c = m.components();
                let dense = (0..k).flat_map(|j| c.covariance(j)).collect();
                let mut arrays = vec![ParameterArray::new("covariances", vec![k, d, d], dense)];
                let [nv, ns, no] = c.covariance_type().part_counts(k);
                let (volumes, rest) = c.covariance_parameters().split_at(nv);
                let (shapes, orientations) = rest.split_at(ns * d);
                for (name, shape, values) in [
                    ("volumes", vec![nv], volumes),
                    ("shapes", vec![ns, d], shapes),
                    ("orientations", vec![no, d, d], orientations),
                ] {
                    if !values.is_empty() {
                        arrays.push(ParameterArray::new(name, shape, values.to_vec()));
                    }
                }
                let factors = c.precision_factors();
                let shape = match factors.len() / k {
                    1 => vec![k],
                    per if per == d => vec![k, d],
                    _ => vec![k, d, d],
                };
                arrays.push(ParameterArray::new(
                    "precision_factors",
                    shape,
                    factors.to_vec(),
                ));
                arrays
            }
            AnyMixture::Gaussian(m) => {
                let c = m.components();
                let shape = compact_shape(c.covariance_type(), k, d);
                vec![
                    ParameterArray::new(
                        "covariances",
                        shape.clone(),
                        c.covariance_parameters().to_vec(),
                    ),
                    ParameterArray::new("precision_factors", shape, c.precision_factors().to_vec()),
                ]
            }
            AnyMixture::Bernoulli(m) => vec![rows("probabilities", m.components().probabilities())],
            AnyMixture::Exponential(m) => vec![rows("rates", m.components().rates())],
            AnyMixture::Poisson(m) => vec![rows("rates", m.components().rates())],
        }
    }

    /// A mixture of `family` (whose settings fix what the arrays mean: a Gaussian's covariance
    /// type) from its `weights` and the arrays that define its components, each by name,
    /// row-major: a Gaussian's `means` (K×D) and `covariances` (compact shape; for mclust's
    /// other ten models its `volumes`, `shapes` and `orientations` instead), a Bernoulli's
    /// `probabilities` and an exponential's `rates` (K×D). The values are rounded to `T`.
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] naming an array that is missing or not a multiple
    /// of `n_features`, and as the family's constructors and [`Mixture::from_parts`].
    pub fn from_arrays(
        family: &AnyFamily,
        weights: &[f64],
        n_features: usize,
        arrays: &[(&str, &[f64])],
    ) -> Result<Self, MixtureError> {
        let get = |name: &str| -> Result<Vec<T>, MixtureError> {
            let (_, values) = arrays.iter().find(|(n, _)| *n == name).ok_or_else(|| {
                MixtureError::InvalidParameters {
                    reason: format!("a {} mixture needs its {name}", family.name()),
                }
            })?;
            Ok(values.iter().map(|&v| T::cast(v)).collect())
        };
        let d = n_features.max(1);
        fn mixture<T: Scalar, C: Registered<T>>(
            weights: &[f64],
            components: C,
        ) -> Result<AnyMixture<T>, MixtureError> {
            Mixture::from_parts(weights, components).map(C::into_any)
        }
        match family {
            AnyFamily::Gaussian(g) => {
                let means = get("means")?;
                let kind = g.covariance_type();
                // An eigen model is given by its parts (the ones it has), in order.
                let covariances = if kind.is_eigen() {
                    let [_, ns, no] = kind.part_counts(weights.len());
                    let mut parts = get("volumes")?;
                    if ns > 0 {
                        parts.extend(get("shapes")?);
                    }
                    if no > 0 {
                        parts.extend(get("orientations")?);
                    }
                    parts
                } else {
                    get("covariances")?
                };
                mixture(
                    weights,
                    GaussianComponents::with_type(Rows::new(&means, d)?, &covariances, kind)?,
                )
            }
            AnyFamily::Bernoulli(_) => {
                let p = get("probabilities")?;
                mixture(weights, BernoulliComponents::new(Rows::new(&p, d)?)?)
            }
            AnyFamily::Exponential(_) => {
                let r = get("rates")?;
                mixture(weights, ExponentialComponents::new(Rows::new(&r, d)?)?)
            }
            AnyFamily::Poisson(_) => {
                let r = get("rates")?;
                mixture(weights, PoissonComponents::new(Rows::new(&r, d)?)?)
            }
        }
    }

    /// The picture `plot` draws of this mixture.
    pub fn picture(&self) -> Picture {
        match self {
            AnyMixture::Gaussian(_) => Picture::Density,
            AnyMixture::Bernoulli(_) => Picture::Prototypes("probabilities"),
            AnyMixture::Exponential(_) => Picture::Marginals,
            AnyMixture::Poisson(_) => Picture::Counts,
        }
    }

    /// What the last M-step could not finish, in words: a Gaussian eigen model whose inner
    /// loop stopped at its cap (see [`GaussianComponents::inner_loop_capped`]). Empty for
    /// the other families.
    pub fn m_step_notes(&self) -> Vec<String> {
        match self {
            AnyMixture::Gaussian(m) if m.components().inner_loop_capped() => vec![format!(
                "the last {} M-step stopped its inner loop at its cap before converging, so the covariances are not quite that M-step's optimum",
                m.components().covariance_type().code()
            )],
            _ => Vec::new(),
        }
    }

    /// The components of this mixture, fitted with `family` on `data`, that the data do not
    /// support beyond what the fit's report counts (too few effective rows): a Gaussian
    /// component whose covariance has an eigenvalue within a factor of 10 of an absolute
    /// `reg_covar` while the data's own covariance has none below 1000 × `reg_covar` (a
    /// component on (nearly) coincident rows, held up by the regularisation only). None for
    /// the other families.
    pub fn unsupported(&self, family: &AnyFamily, data: Data<'_, T>) -> Vec<Unsupported> {
        match (self, family) {
            (AnyMixture::Gaussian(m), AnyFamily::Gaussian(g)) if !g.is_reg_covar_relative() => {
                at_regularisation_floor(m, g.reg_covar(), data)
            }
            _ => Vec::new(),
        }
    }
}

/// The components of `m` at the `reg` floor (see [`AnyMixture::unsupported`]).
fn at_regularisation_floor<T: Scalar>(
    m: &GaussianMixture<T>,
    reg: f64,
    data: Data<'_, T>,
) -> Vec<Unsupported> {
    let Some(floor) = regularisation_floor(m, reg, data) else {
        return Vec::new();
    };
    floor
        .components
        .into_iter()
        .map(|(component, lowest)| Unsupported {
            component,
            reason: format!(
                "covariance eigenvalue {lowest:.3e} at the reg_covar floor ({reg:e}) while the data's smallest is {:.3e}",
                floor.data_smallest
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bern::Bernoulli;
    use crate::core::{Estimator, RowMatrix};
    use crate::exp::Exponential;
    use crate::gauss::Gaussian;
    use crate::poisson::Poisson;

    /// Every family fitted on data of its domain, in `T`.
    fn fitted<T: Scalar>() -> Vec<(AnyFamily, AnyMixture<T>, RowMatrix<T>)> {
        let gauss = crate::datagen::lesson_blobs::<T>(40, 1).unwrap().data;
        let bits = crate::datagen::BernoulliMixtureGenerator::random(2, 6, 0.1, 2)
            .unwrap()
            .generate::<T>(80, 3)
            .unwrap()
            .data;
        let positive = crate::datagen::ExponentialMixtureGenerator::random(2, 3, 4)
            .unwrap()
            .generate::<T>(80, 5)
            .unwrap()
            .data;
        let mut out = Vec::new();
        for kind in CovarianceType::ALL {
            let family = Gaussian::new(kind);
            let m = Estimator::new(family, 3)
                .seed(1)
                .fit(&gauss)
                .unwrap()
                .mixture;
            out.push((family.into(), m.into(), gauss.clone()));
        }
        let m = Estimator::new(Bernoulli::new(), 2)
            .fit(&bits)
            .unwrap()
            .mixture;
        out.push((Bernoulli::new().into(), m.into(), bits));
        let m = Estimator::new(Exponential::new(), 2)
            .fit(&positive)
            .unwrap()
            .mixture;
        let counts: Vec<T> = positive
            .as_slice()
            .iter()
            .map(|v| T::cast((v.as_f64() * 3.0).floor()))
            .collect();
        let counts = RowMatrix::new(counts, positive.n_cols()).unwrap();
        out.push((Exponential::new().into(), m.into(), positive));
        let m = Estimator::new(Poisson::new(), 2)
            .fit(&counts)
            .unwrap()
            .mixture;
        out.push((Poisson::new().into(), m.into(), counts));
        out
    }

    fn round_trip<T: Scalar>() {
        for (family, model, x) in fitted::<T>() {
            let arrays = model.parameter_arrays();
            for a in &arrays {
                let size: usize = a.shape.iter().product();
                assert_eq!(size, a.values.len(), "{} of {}", a.name, family.name());
            }
            let widen = |v: &[T]| v.iter().map(|v| v.as_f64()).collect::<Vec<f64>>();
            let means = with_mixture_means(&model);
            let mut named: Vec<(&str, Vec<f64>)> = vec![("means", means)];
            named.extend(arrays.iter().map(|a| (a.name, widen(&a.values))));
            let named: Vec<(&str, &[f64])> =
                named.iter().map(|(n, v)| (*n, v.as_slice())).collect();
            let back =
                AnyMixture::<T>::from_arrays(&family, model.weights(), model.n_features(), &named)
                    .unwrap();
            let ll = |m: &AnyMixture<T>| crate::with_mixture!(m, m => m.log_likelihood_per_row(x.view()).unwrap());
            let (a, b) = (ll(&model), ll(&back));
            assert!(
                a.iter()
                    .zip(&b)
                    .all(|(a, b)| a.as_f64().to_bits() == b.as_f64().to_bits()),
                "{}: the model rebuilt from its arrays scores differently",
                family.name()
            );
            assert_eq!(back.parameter_arrays(), arrays);
        }
    }

    fn with_mixture_means<T: Scalar>(m: &AnyMixture<T>) -> Vec<f64> {
        crate::with_mixture!(m, m => m.means().as_slice().iter().map(|v| v.as_f64()).collect())
    }

    #[test]
    fn every_family_rebuilds_from_its_arrays_bit_for_bit() {
        round_trip::<f64>();
        round_trip::<f32>();
    }

    #[test]
    fn a_missing_array_is_named() {
        let family = AnyFamily::from(Exponential::new());
        let e = AnyMixture::<f64>::from_arrays(&family, &[1.0], 2, &[("means", &[1.0, 2.0])])
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("exponential mixture needs its rates"),
            "{e}"
        );
    }

    #[test]
    fn every_family_has_a_picture() {
        for (family, model, _) in fitted::<f64>() {
            let expected = match family {
                AnyFamily::Gaussian(_) => Picture::Density,
                AnyFamily::Bernoulli(_) => Picture::Prototypes("probabilities"),
                AnyFamily::Exponential(_) => Picture::Marginals,
                AnyFamily::Poisson(_) => Picture::Counts,
            };
            assert_eq!(model.picture(), expected);
            if let Picture::Prototypes(name) = expected {
                assert!(model.parameter_arrays().iter().any(|a| a.name == name));
            }
        }
    }

    #[test]
    fn a_component_on_coincident_rows_is_held_up_by_the_regularisation_only() {
        // A spread cloud and five identical rows far from it: one component sits on them.
        let mut values: Vec<f64> = (0..60)
            .flat_map(|i| {
                let t = f64::from(i);
                [(t * 0.37).sin() * 3.0, (t * 0.71).cos() * 2.0]
            })
            .collect();
        for _ in 0..5 {
            values.extend([40.0, 40.0]);
        }
        let x = RowMatrix::new(values, 2).unwrap();
        let fit = |family: Gaussian| {
            let m = Estimator::new(family, 2).seed(0).fit(&x).unwrap().mixture;
            // The component whose mean is at the coincident rows.
            let on_rows = (0..2).find(|&k| m.means().row(k)[0] > 30.0).unwrap();
            (
                AnyMixture::from(m).unsupported(&family.into(), (&x).into()),
                on_rows,
            )
        };
        let (found, on_rows) = fit(Gaussian::full());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].component, on_rows);
        assert!(
            found[0].reason.contains("reg_covar floor"),
            "{}",
            found[0].reason
        );
        // A relative regularisation scales with the data: no absolute floor to sit on.
        let (found, _) = fit(Gaussian::full().with_relative_reg_covar(1e-6));
        assert!(found.is_empty(), "{found:?}");
        // The diagonal model's floor is its smallest variance.
        let (found, on_rows) = fit(Gaussian::diagonal());
        assert_eq!(
            found.iter().map(|u| u.component).collect::<Vec<_>>(),
            [on_rows]
        );
    }
}
