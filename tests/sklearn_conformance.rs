//! Conformance with scikit-learn's `GaussianMixture`, for every covariance type: from the same
//! start, 10 E-M iterations with `tol = 0` must give the same per-iteration mean
//! log-likelihoods and the same parameters, to 1e-9 relative in f64 and 1e-4 in f32.
//!
//! The fixture is written by `scripts/sklearn_fixture.py` (run by hand; see its docstring).

use mixture::core::Mixture;
use mixture::core::{Estimator, Rows, Scalar};
use mixture::gauss::{CovarianceType, Gaussian, GaussianComponents, GaussianMixture};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    sklearn_version: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Start {
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct Final {
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    covariances: Vec<f64>,
    mean_log_likelihood: f64,
    bic: f64,
    aic: f64,
    score_samples_first_10: Vec<f64>,
    predict_proba_first_10: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct TypeCase {
    start_covariances: Vec<f64>,
    mean_log_likelihood_per_iteration: Vec<f64>,
    #[serde(rename = "final")]
    final_: Final,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    n_iter: usize,
    reg_covar: f64,
    data: Vec<Vec<f64>>,
    start: Start,
    covariance_types: std::collections::BTreeMap<String, TypeCase>,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sklearn_gmm.json"
    ))
    .expect("fixture present");
    serde_json::from_str(&text).expect("fixture parses")
}

fn flat<T: Scalar>(rows: &[Vec<f64>]) -> Vec<T> {
    rows.iter().flatten().map(|&v| T::cast(v)).collect()
}

/// Every element agrees to `rtol` relative to the largest magnitude in `want`.
fn assert_close<T: Scalar>(what: &str, got: &[T], want: &[f64], rtol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (g.as_f64() - w).abs();
        assert!(
            err <= rtol * scale.max(f64::MIN_POSITIVE),
            "{what}[{i}]: got {g}, sklearn {w} (error {err:e}, allowed {:e})",
            rtol * scale
        );
    }
}

fn check_case<T: Scalar>(case: &Case, kind: CovarianceType, rtol: f64) {
    let tc = &case.covariance_types[kind.name()];
    let d = case.data[0].len();
    let k = case.start.weights.len();
    let data: Vec<T> = flat(&case.data);
    let x = Rows::new(&data, d).unwrap();
    let start_means: Vec<T> = flat(&case.start.means);
    let start_covs: Vec<T> = tc.start_covariances.iter().map(|&v| T::cast(v)).collect();
    let components =
        GaussianComponents::with_type(Rows::new(&start_means, d).unwrap(), &start_covs, kind)
            .unwrap();
    let start: GaussianMixture<T> = Mixture::from_parts(&case.start.weights, components).unwrap();
    let model = Estimator::new(Gaussian::new(kind).with_reg_covar(case.reg_covar), k)
        .max_iter(case.n_iter)
        .tol(0.0)
        .fit_from(&start, x)
        .unwrap();
    let report = &model.report;
    let name = format!("{} {}", case.name, kind.name());
    assert_eq!(
        report.n_iter, case.n_iter,
        "{name}: tol 0 runs every iteration"
    );
    assert!(!report.converged);

    let trace: Vec<f64> = report
        .history
        .iter()
        .map(|r| r.mean_log_likelihood)
        .collect();
    for (i, (g, w)) in trace
        .iter()
        .zip(&tc.mean_log_likelihood_per_iteration)
        .enumerate()
    {
        assert!(
            (g - w).abs() <= rtol * w.abs(),
            "{name}: mean log-likelihood at iteration {i}: ours {g}, sklearn {w}"
        );
    }
    let f = &tc.final_;
    assert_close(
        &format!("{name} weights"),
        model.mixture.weights(),
        &f.weights,
        rtol,
    );
    assert_close(
        &format!("{name} means"),
        model.mixture.means().as_slice(),
        &flat::<f64>(&f.means),
        rtol,
    );
    assert_close(
        &format!("{name} covariances"),
        model.mixture.components().covariance_parameters(),
        &f.covariances,
        rtol,
    );

    let score = model.mixture.score(x).unwrap();
    assert!((score - f.mean_log_likelihood).abs() <= rtol * f.mean_log_likelihood.abs());
    assert!(
        (report.mean_log_likelihood - f.mean_log_likelihood).abs()
            <= rtol * f.mean_log_likelihood.abs()
    );
    let bic = model.mixture.bic(x).unwrap();
    let aic = model.mixture.aic(x).unwrap();
    assert!(
        (bic - f.bic).abs() <= rtol * f.bic.abs(),
        "{name}: BIC {bic} vs {}",
        f.bic
    );
    assert!(
        (aic - f.aic).abs() <= rtol * f.aic.abs(),
        "{name}: AIC {aic} vs {}",
        f.aic
    );

    let first = x.slice_rows(0, 10);
    assert_close(
        &format!("{name} score_samples"),
        &model.mixture.log_likelihood_per_row(first).unwrap(),
        &f.score_samples_first_10,
        rtol,
    );
    assert_close(
        &format!("{name} predict_proba"),
        model.mixture.predict_proba(first).unwrap().as_slice(),
        &flat::<f64>(&f.predict_proba_first_10),
        rtol.max(1e-12),
    );
}

const TYPES: [CovarianceType; 4] = [
    CovarianceType::Full,
    CovarianceType::Diagonal,
    CovarianceType::Spherical,
    CovarianceType::Tied,
];

#[test]
fn matches_sklearn_in_f64() {
    let fx = fixture();
    assert!(!fx.sklearn_version.is_empty());
    for case in &fx.cases {
        for kind in TYPES {
            check_case::<f64>(case, kind, 1e-9);
        }
    }
}

#[test]
fn matches_sklearn_in_f32() {
    for case in &fixture().cases {
        for kind in TYPES {
            check_case::<f32>(case, kind, 1e-4);
        }
    }
}
