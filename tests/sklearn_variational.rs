//! Conformance with scikit-learn's `BayesianGaussianMixture`, for every covariance type and
//! both weight priors: from the same start (one variational M-step on a given mixture's
//! responsibilities), 12 iterations with `tol = 0` must give scikit-learn's lower bound at
//! every iteration, its posterior, priors, weights, `score_samples` and `predict_proba`, to
//! 1e-9 relative.
//!
//! The fixture is written by `scripts/sklearn_variational_fixture.py` (run by hand; see its
//! docstring).

use mixture::core::variational::{
    VariationalFit, VariationalPrior, VariationalStart, WeightPriorType,
};
use mixture::core::{Estimator, Mixture, Rows, Silent};
use mixture::gauss::{
    CovarianceType, Gaussian, GaussianComponents, GaussianMixture, GaussianPrior,
};
use serde::Deserialize;
use std::collections::BTreeMap;

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
struct Outcome {
    lower_bounds: Vec<f64>,
    weight_concentration: Vec<f64>,
    mean_precision: Vec<f64>,
    degrees_of_freedom: Vec<f64>,
    means: Vec<Vec<f64>>,
    covariances: Vec<f64>,
    weights: Vec<f64>,
    mean_prior: Vec<f64>,
    covariance_prior: Vec<f64>,
    degrees_of_freedom_prior: f64,
    mean_precision_prior: f64,
    weight_concentration_prior: f64,
    score_samples_first_10: Vec<f64>,
    predict_proba_first_10: Vec<Vec<f64>>,
}

#[derive(Deserialize, Default)]
struct Settings {
    weight_concentration_prior: Option<f64>,
    mean_precision_prior: Option<f64>,
    mean_prior: Option<Vec<f64>>,
    degrees_of_freedom_prior: Option<f64>,
    covariance_prior: Option<serde_json::Value>,
    reg_covar: Option<f64>,
}

#[derive(Deserialize)]
struct TypeCase {
    start_covariances: Vec<f64>,
    settings: Settings,
    priors: BTreeMap<String, Outcome>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    n_iter: usize,
    data: Vec<Vec<f64>>,
    start: Start,
    covariance_types: BTreeMap<String, TypeCase>,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sklearn_bgmm.json"
    ))
    .expect("fixture present");
    serde_json::from_str(&text).expect("fixture parses")
}

/// Every element agrees to `rtol` relative to the largest magnitude in `want`.
fn assert_close(what: &str, got: &[f64], want: &[f64], rtol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs();
        assert!(
            err <= rtol * scale.max(f64::MIN_POSITIVE),
            "{what}[{i}]: got {g}, sklearn {w} (error {err:e})"
        );
    }
}

fn prior_of(kind: WeightPriorType, s: &Settings) -> VariationalPrior<GaussianPrior> {
    let covariance = s.covariance_prior.as_ref().map(|v| match v {
        serde_json::Value::Array(a) => a.iter().map(|x| x.as_f64().unwrap()).collect(),
        other => vec![other.as_f64().unwrap()],
    });
    VariationalPrior {
        weight_prior: kind,
        weight_concentration: s.weight_concentration_prior,
        components: GaussianPrior {
            mean_precision: s.mean_precision_prior,
            mean: s.mean_prior.clone(),
            degrees_of_freedom: s.degrees_of_freedom_prior,
            covariance,
        },
    }
}

fn fit_case(
    case: &Case,
    kind: CovarianceType,
    prior: WeightPriorType,
) -> VariationalFit<f64, Gaussian> {
    let tc = &case.covariance_types[kind.name()];
    let d = case.data[0].len();
    let k = case.start.weights.len();
    let data: Vec<f64> = case.data.iter().flatten().copied().collect();
    let x = Rows::new(&data, d).unwrap();
    let means: Vec<f64> = case.start.means.iter().flatten().copied().collect();
    let components =
        GaussianComponents::with_type(Rows::new(&means, d).unwrap(), &tc.start_covariances, kind)
            .unwrap();
    let start: GaussianMixture<f64> = Mixture::from_parts(&case.start.weights, components).unwrap();
    let reg_covar = tc.settings.reg_covar.unwrap_or(1e-6);
    Estimator::new(Gaussian::new(kind).with_reg_covar(reg_covar), k)
        .max_iter(case.n_iter)
        .tol(0.0)
        .fit_variational(
            x,
            &prior_of(prior, &tc.settings),
            Some(VariationalStart::Responsibilities(&start)),
            &mut Silent,
        )
        .unwrap()
}

#[test]
fn every_covariance_type_and_weight_prior_matches_scikit_learn() {
    let f = fixture();
    assert!(f.sklearn_version.starts_with("1."));
    let rtol = 1e-9;
    for case in &f.cases {
        let d = case.data[0].len();
        let data: Vec<f64> = case.data.iter().flatten().copied().collect();
        let first = Rows::new(&data[..10 * d], d).unwrap();
        for kind in CovarianceType::SCIKIT_LEARN {
            for (prior_name, prior) in [
                ("dirichlet_process", WeightPriorType::DirichletProcess),
                (
                    "dirichlet_distribution",
                    WeightPriorType::DirichletDistribution,
                ),
            ] {
                let want = &case.covariance_types[kind.name()].priors[prior_name];
                let name = format!("{} {} {prior_name}", case.name, kind.name());
                let fit = fit_case(case, kind, prior);
                let bounds: Vec<f64> = fit
                    .report
                    .history
                    .iter()
                    .map(|r| r.log_likelihood)
                    .collect();
                assert_eq!(
                    bounds.len(),
                    case.n_iter,
                    "{name}: tol 0 runs every iteration"
                );
                assert_close(
                    &format!("{name} lower bounds"),
                    &bounds,
                    &want.lower_bounds,
                    rtol,
                );
                assert_eq!(fit.lower_bound(), *bounds.last().unwrap());
                assert_close(
                    &format!("{name} weight_concentration_"),
                    fit.weights.concentration(),
                    &want.weight_concentration,
                    rtol,
                );
                let p = &fit.posterior;
                assert_close(
                    &format!("{name} mean_precision_"),
                    p.mean_precision(),
                    &want.mean_precision,
                    rtol,
                );
                assert_close(
                    &format!("{name} degrees_of_freedom_"),
                    p.degrees_of_freedom(),
                    &want.degrees_of_freedom,
                    rtol,
                );
                let means: Vec<f64> = want.means.iter().flatten().copied().collect();
                assert_close(&format!("{name} means_"), p.means(), &means, rtol);
                assert_close(
                    &format!("{name} covariances_"),
                    p.covariances(),
                    &want.covariances,
                    rtol,
                );
                assert_close(
                    &format!("{name} weights_"),
                    fit.mixture.weights(),
                    &want.weights,
                    rtol,
                );
                let gp = &fit.prior.components;
                assert_close(
                    &format!("{name} mean_prior_"),
                    gp.mean.as_ref().unwrap(),
                    &want.mean_prior,
                    rtol,
                );
                assert_close(
                    &format!("{name} covariance_prior_"),
                    gp.covariance.as_ref().unwrap(),
                    &want.covariance_prior,
                    rtol,
                );
                assert_eq!(
                    gp.degrees_of_freedom,
                    Some(want.degrees_of_freedom_prior),
                    "{name}"
                );
                assert_eq!(gp.mean_precision, Some(want.mean_precision_prior), "{name}");
                assert_close(
                    &format!("{name} weight_concentration_prior_"),
                    &[fit.prior.weight_concentration.unwrap()],
                    &[want.weight_concentration_prior],
                    1e-15,
                );
                // scikit-learn's score_samples: the scoring mixture's log-density plus its
                // normaliser; its predict_proba: the scoring mixture's.
                let scores: Vec<f64> = fit
                    .scoring
                    .log_likelihood_per_row(first)
                    .unwrap()
                    .iter()
                    .map(|v| v + fit.log_normaliser)
                    .collect();
                assert_close(
                    &format!("{name} score_samples"),
                    &scores,
                    &want.score_samples_first_10,
                    rtol,
                );
                let proba = fit.scoring.predict_proba(first).unwrap();
                let want_proba: Vec<f64> = want
                    .predict_proba_first_10
                    .iter()
                    .flatten()
                    .copied()
                    .collect();
                assert_close(
                    &format!("{name} predict_proba"),
                    proba.as_slice(),
                    &want_proba,
                    1e-9,
                );
            }
        }
    }
}

#[test]
fn the_lower_bound_never_decreases() {
    let f = fixture();
    for case in &f.cases {
        for kind in CovarianceType::SCIKIT_LEARN {
            for prior in [
                WeightPriorType::DirichletProcess,
                WeightPriorType::DirichletDistribution,
            ] {
                let fit = fit_case(case, kind, prior);
                for w in fit.report.history.windows(2) {
                    let (a, b) = (w[0].log_likelihood, w[1].log_likelihood);
                    assert!(
                        b >= a - 1e-9 * a.abs(),
                        "{} {}: bound fell from {a} to {b}",
                        case.name,
                        kind.name()
                    );
                }
            }
        }
    }
}
