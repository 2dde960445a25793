//! The evidence lower bound of variational fits (`VariationalFit::evidence_bound`), every
//! constant kept, against closed forms written here: with one component (where the
//! variational posterior is the exact posterior) it is the data's log marginal likelihood
//! for every family and covariance type; with several, it differs from scikit-learn's lower
//! bound by a constant over the iterations (the terms scikit-learn leaves out) wherever the
//! M-step is the model's exact update, so it rises as that bound does.

use mixture::bern::{Bernoulli, BetaPrior, bernoulli_mixture};
use mixture::core::family::{ln_beta, ln_gamma};
use mixture::core::rand::RngExt;
use mixture::core::variational::{Conjugate, VariationalPrior, VariationalStart, WeightPriorType};
use mixture::core::{Estimator, Mixture, RowMatrix, Rows, Silent};
use mixture::exp::{Exponential, GammaPrior, exponential_mixture};
use mixture::gauss::{CovarianceType, Gaussian, GaussianPrior};

mod common;

const LN_PI: f64 = 1.144_729_885_849_400_2;

fn ln_multigamma(a: f64, d: usize) -> f64 {
    0.25 * (d * (d - 1)) as f64 * LN_PI + (0..d).map(|j| ln_gamma(a - 0.5 * j as f64)).sum::<f64>()
}

/// ln det of a symmetric positive-definite matrix by plain Gaussian elimination.
fn log_det(mut m: Vec<f64>, d: usize) -> f64 {
    let mut total = 0.0;
    for p in 0..d {
        let pivot = m[p * d + p];
        assert!(pivot > 0.0);
        total += pivot.ln();
        for i in p + 1..d {
            let f = m[i * d + p] / pivot;
            for j in p..d {
                m[i * d + j] -= f * m[p * d + j];
            }
        }
    }
    total
}

fn correlated_rows() -> RowMatrix<f64> {
    let mut rng = common::rng(11);
    let mut v = Vec::new();
    for _ in 0..200 {
        let (a, b, c): (f64, f64, f64) = (rng.random(), rng.random(), rng.random());
        v.extend([a + 0.5 * b, 2.0 * b - c, 0.3 * a + c * c]);
    }
    RowMatrix::new(v, 3).unwrap()
}

fn one_component_fit<F: Conjugate<f64>>(
    family: F,
    x: &RowMatrix<f64>,
    components: F::Prior,
) -> f64 {
    let prior = VariationalPrior {
        weight_prior: WeightPriorType::DirichletDistribution,
        weight_concentration: Some(0.7),
        components,
    };
    Estimator::new(family, 1)
        .max_iter(2)
        .tol(0.0)
        .fit_variational(x, &prior, None, &mut Silent)
        .unwrap()
        .evidence_bound
}

fn assert_close(what: &str, got: f64, want: f64, rtol: f64) {
    assert!(
        (got - want).abs() <= rtol * want.abs(),
        "{what}: {got} against {want}"
    );
}

#[test]
fn with_one_component_it_is_the_log_marginal_likelihood() {
    let x = correlated_rows();
    let (n, d) = (x.n_rows() as f64, x.n_cols());
    let dd = d as f64;
    let mean: Vec<f64> = (0..d)
        .map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    let scatter: Vec<f64> = (0..d * d)
        .map(|e| {
            x.iter()
                .map(|r| (r[e / d] - mean[e / d]) * (r[e % d] - mean[e % d]))
                .sum()
        })
        .collect();
    // A prior away from the data's own moments, so that every term counts.
    let (beta0, nu0) = (0.5, 4.5);
    let m0 = vec![0.2, -0.1, 0.4];
    let psi0 = vec![0.9, 0.1, 0.0, 0.1, 0.7, 0.2, 0.0, 0.2, 1.3];
    let offset =
        |i: usize, j: usize| beta0 * n / (beta0 + n) * (mean[i] - m0[i]) * (mean[j] - m0[j]);
    let beta_n = beta0 + n;
    for kind in [CovarianceType::Full, CovarianceType::Tied] {
        let psi_n: Vec<f64> = (0..d * d)
            .map(|e| psi0[e] + scatter[e] + offset(e / d, e % d))
            .collect();
        let nu_n = nu0 + n;
        let exact = -0.5 * n * dd * LN_PI + ln_multigamma(0.5 * nu_n, d)
            - ln_multigamma(0.5 * nu0, d)
            + 0.5 * nu0 * log_det(psi0.clone(), d)
            - 0.5 * nu_n * log_det(psi_n, d)
            + 0.5 * dd * (beta0 / beta_n).ln();
        let prior = GaussianPrior {
            mean_precision: Some(beta0),
            mean: Some(m0.clone()),
            degrees_of_freedom: Some(nu0),
            covariance: Some(psi0.clone()),
        };
        let ours = one_component_fit(Gaussian::new(kind).with_reg_covar(0.0), &x, prior);
        assert_close(kind.name(), ours, exact, 1e-11);
    }
    // Diagonal: a Normal–Gamma per feature; spherical: one Gamma for all of them.
    let ln_2pi = (2.0 * std::f64::consts::PI).ln();
    let normal_gamma = |a0: f64, b0: f64, a_n: f64, b_n: f64| {
        ln_gamma(a_n) - ln_gamma(a0) + a0 * b0.ln() - a_n * b_n.ln()
    };
    let variances = [0.9, 0.7, 1.3];
    let exact_diag: f64 = (0..d)
        .map(|j| {
            let (a0, b0) = (0.5 * nu0, 0.5 * variances[j]);
            normal_gamma(
                a0,
                b0,
                a0 + 0.5 * n,
                b0 + 0.5 * (scatter[j * d + j] + offset(j, j)),
            ) + 0.5 * (beta0 / beta_n).ln()
                - 0.5 * n * ln_2pi
        })
        .sum();
    let (a0, b0) = (0.5 * dd * nu0, 0.5 * dd * 1.1);
    let spread: f64 = (0..d).map(|j| scatter[j * d + j] + offset(j, j)).sum();
    let exact_spherical = normal_gamma(a0, b0, a0 + 0.5 * n * dd, b0 + 0.5 * spread)
        + 0.5 * dd * (beta0 / beta_n).ln()
        - 0.5 * n * dd * ln_2pi;
    for (kind, covariance, exact) in [
        (CovarianceType::Diagonal, variances.to_vec(), exact_diag),
        (CovarianceType::Spherical, vec![1.1], exact_spherical),
    ] {
        let prior = GaussianPrior {
            mean_precision: Some(beta0),
            mean: Some(m0.clone()),
            degrees_of_freedom: Some(nu0),
            covariance: Some(covariance),
        };
        let ours = one_component_fit(Gaussian::new(kind).with_reg_covar(0.0), &x, prior);
        assert_close(kind.name(), ours, exact, 1e-11);
    }
    // Bernoulli with a Beta prior, exponential with a Gamma prior.
    let bits = RowMatrix::new(
        x.as_slice().iter().map(|v| f64::from(*v > 0.6)).collect(),
        d,
    )
    .unwrap();
    let (a0, b0) = (0.8, 1.7);
    let exact_bernoulli: f64 = (0..d)
        .map(|j| {
            let ones: f64 = bits.iter().map(|r| r[j]).sum();
            ln_beta(a0 + ones, b0 + n - ones) - ln_beta(a0, b0)
        })
        .sum();
    let ours = one_component_fit(
        Bernoulli::new(),
        &bits,
        BetaPrior {
            a: Some(a0),
            b: Some(b0),
        },
    );
    assert_close("bernoulli", ours, exact_bernoulli, 1e-12);
    let positive =
        RowMatrix::new(x.as_slice().iter().map(|v| v.abs() + 0.01).collect(), d).unwrap();
    let (shape0, rates0): (f64, Vec<f64>) = (1.5, vec![0.4, 2.0, 0.9]);
    let exact_exponential: f64 = (0..d)
        .map(|j| {
            let sum: f64 = positive.iter().map(|r| r[j]).sum();
            ln_gamma(shape0 + n) - ln_gamma(shape0) + shape0 * rates0[j].ln()
                - (shape0 + n) * (rates0[j] + sum).ln()
        })
        .sum();
    let ours = one_component_fit(
        Exponential::new(),
        &positive,
        GammaPrior {
            shape: Some(shape0),
            rate: Some(rates0),
        },
    );
    assert_close("exponential", ours, exact_exponential, 1e-12);
}

/// The evidence bound minus scikit-learn's lower bound after each of `iterations` numbers
/// of iterations from the same start, and the evidence bounds.
fn offsets<F: Conjugate<f64>>(
    family: F,
    x: &RowMatrix<f64>,
    start: &Mixture<f64, F::Components>,
    prior: &VariationalPrior<F::Prior>,
) -> (Vec<f64>, Vec<f64>) {
    (1..=8)
        .map(|t| {
            let fit = Estimator::new(family.clone(), start.n_components())
                .max_iter(t)
                .tol(0.0)
                .fit_variational(
                    x,
                    prior,
                    Some(VariationalStart::Responsibilities(start)),
                    &mut Silent,
                )
                .unwrap();
            (fit.evidence_bound - fit.lower_bound(), fit.evidence_bound)
        })
        .unzip()
}

fn assert_constant_and_rising(what: &str, (offsets, bounds): (Vec<f64>, Vec<f64>)) {
    for o in &offsets {
        assert_close(what, *o, offsets[0], 1e-10);
    }
    for w in bounds.windows(2) {
        assert!(w[1] >= w[0] - 1e-10 * w[0].abs(), "{what}: {bounds:?}");
    }
    // The start is not the optimum: the bound moved.
    assert!(bounds[7] > bounds[0] + 1e-6, "{what}: {bounds:?}");
}

#[test]
fn with_several_components_it_is_scikit_learns_bound_plus_a_constant() {
    let x = mixture::datagen::lesson_blobs::<f64>(300, 7).unwrap().data;
    let start: Mixture<f64, _> = {
        let means = [-1.0, 0.0, 0.5, 0.5, 1.0, -0.5];
        let covariances = [1.0, 0.0, 0.0, 1.0].repeat(3);
        Mixture::from_parts(
            &[0.3, 0.3, 0.4],
            mixture::gauss::GaussianComponents::new(Rows::new(&means, 2).unwrap(), &covariances)
                .unwrap(),
        )
        .unwrap()
    };
    let bits = RowMatrix::new(
        correlated_rows()
            .as_slice()
            .iter()
            .map(|v| f64::from(*v > 0.6))
            .collect(),
        3,
    )
    .unwrap();
    let bits_start = bernoulli_mixture::<f64>(
        &[0.5, 0.5],
        Rows::new(&[0.2, 0.7, 0.4, 0.8, 0.3, 0.5], 3).unwrap(),
    )
    .unwrap();
    let positive = RowMatrix::new(
        correlated_rows()
            .as_slice()
            .iter()
            .map(|v| v.abs() + 0.01)
            .collect(),
        3,
    )
    .unwrap();
    let positive_start = exponential_mixture::<f64>(
        &[0.5, 0.5],
        Rows::new(&[0.5, 2.0, 1.0, 3.0, 0.4, 1.5], 3).unwrap(),
    )
    .unwrap();
    for weight_prior in [
        WeightPriorType::DirichletProcess,
        WeightPriorType::DirichletDistribution,
    ] {
        let gaussian = VariationalPrior {
            weight_prior,
            weight_concentration: Some(0.3),
            components: GaussianPrior::default(),
        };
        assert_constant_and_rising(
            &format!("full {weight_prior:?}"),
            offsets(Gaussian::full().with_reg_covar(0.0), &x, &start, &gaussian),
        );
        let beta = VariationalPrior {
            weight_prior,
            weight_concentration: Some(0.3),
            components: BetaPrior {
                a: Some(0.8),
                b: Some(1.4),
            },
        };
        assert_constant_and_rising(
            &format!("bernoulli {weight_prior:?}"),
            offsets(Bernoulli::new(), &bits, &bits_start, &beta),
        );
        let gamma = VariationalPrior {
            weight_prior,
            weight_concentration: Some(0.3),
            components: GammaPrior::default(),
        };
        assert_constant_and_rising(
            &format!("exponential {weight_prior:?}"),
            offsets(Exponential::new(), &positive, &positive_start, &gamma),
        );
    }
}

#[test]
fn a_singular_default_prior_gives_an_infinitely_low_bound_not_a_failed_fit() {
    // A constant feature: the default covariance prior (the data's covariance) is singular,
    // so the Wishart prior is improper; the fit goes on (its posterior adds reg_covar).
    let mut rng = common::rng(2);
    let v: Vec<f64> = (0..60)
        .flat_map(|_| [rng.random::<f64>(), 1.0, rng.random::<f64>()])
        .collect();
    let x = RowMatrix::new(v, 3).unwrap();
    for kind in [
        CovarianceType::Full,
        CovarianceType::Tied,
        CovarianceType::Diagonal,
    ] {
        let fit = Estimator::new(Gaussian::new(kind), 2)
            .fit_variational(&x, &VariationalPrior::default(), None, &mut Silent)
            .unwrap();
        assert!(fit.lower_bound().is_finite(), "{}", kind.name());
        assert_eq!(fit.evidence_bound, f64::NEG_INFINITY, "{}", kind.name());
    }
}
