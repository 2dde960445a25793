//! Conformance of the Bernoulli, exponential and Poisson families with an independent
//! plain-numpy log-space E-M (fixture written by `scripts/numpy_em_fixture.py`; ln x! from
//! SciPy's `gammaln`): from the same start, the
//! same number of iterations gives the same per-iteration mean log-likelihoods, weights and
//! parameters, to 1e-9 relative in f64 and 1e-4 in f32.

use mixture::bern::{Bernoulli, BernoulliMixture, bernoulli_mixture};
use mixture::core::{Estimator, Family, Mixture, Rows, Scalar};
use mixture::exp::{Exponential, ExponentialMixture, exponential_mixture};
use mixture::poisson::{Poisson, PoissonMixture, poisson_mixture};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Params {
    weights: Vec<f64>,
    params: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct Final {
    #[serde(flatten)]
    params: Params,
    mean_log_likelihood: f64,
}

#[derive(Deserialize)]
struct Case {
    family: String,
    n_iter: usize,
    data: Vec<Vec<f64>>,
    start: Params,
    mean_log_likelihood_per_iteration: Vec<f64>,
    #[serde(rename = "final")]
    final_: Final,
}

fn case(family: &str) -> Case {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/numpy_bern_exp.json"
    ))
    .expect("fixture present");
    let fixture: Fixture = serde_json::from_str(&text).expect("fixture parses");
    fixture
        .cases
        .into_iter()
        .find(|c| c.family == family)
        .expect("case present")
}

fn flat<T: Scalar>(rows: &[Vec<f64>]) -> Vec<T> {
    rows.iter().flatten().map(|&v| T::cast(v)).collect()
}

/// Element-wise relative agreement (relative to each reference value, with a floor of `floor`
/// for values near zero).
fn assert_close<T: Scalar>(what: &str, got: &[T], want: &[f64], rtol: f64, floor: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (g.as_f64() - w).abs();
        assert!(
            err <= rtol * w.abs().max(floor),
            "{what}[{i}]: got {g}, numpy {w} (error {err:e})"
        );
    }
}

struct Outcome<T> {
    trace: Vec<f64>,
    weights: Vec<f64>,
    params: Vec<T>,
    mean_log_likelihood: f64,
}

fn check<T: Scalar>(c: &Case, got: Outcome<T>, rtol: f64) {
    let family = &c.family;
    for (i, (g, w)) in got
        .trace
        .iter()
        .zip(&c.mean_log_likelihood_per_iteration)
        .enumerate()
    {
        assert!(
            (g - w).abs() <= rtol * w.abs(),
            "{family}: iteration {i}: ours {g}, numpy {w}"
        );
    }
    assert_eq!(got.trace.len(), c.n_iter);
    assert_close(
        &format!("{family} weights"),
        &got.weights,
        &c.final_.params.weights,
        rtol,
        1e-3,
    );
    // Values below 1e-3 (such as probabilities held at the 1e-10 clamp) are compared to
    // rtol·1e-3 absolutely: their relative error says nothing about the fit.
    assert_close(
        &format!("{family} parameters"),
        &got.params,
        &flat::<f64>(&c.final_.params.params),
        rtol,
        1e-3,
    );
    let want = c.final_.mean_log_likelihood;
    assert!((got.mean_log_likelihood - want).abs() <= rtol * want.abs());
}

/// Fits `family` for the fixture's case `name` from its start (built by `start` from the
/// weights and the K×D start parameters) and checks it against numpy's; `params` reads the
/// fitted K×D parameters.
fn run<T: Scalar, F: Family<T>>(
    name: &str,
    family: F,
    start: impl Fn(&[f64], Rows<'_, T>) -> mixture::core::Result<Mixture<T, F::Components>>,
    params: impl Fn(&Mixture<T, F::Components>) -> Vec<T>,
    rtol: f64,
) {
    let c = case(name);
    let d = c.data[0].len();
    let data: Vec<T> = flat(&c.data);
    let start_values: Vec<T> = flat(&c.start.params);
    let start = start(&c.start.weights, Rows::new(&start_values, d).unwrap()).unwrap();
    let model = Estimator::new(family, c.start.weights.len())
        .tol(0.0)
        .max_iter(c.n_iter)
        .fit_from(&start, Rows::new(&data, d).unwrap())
        .unwrap();
    let report = &model.report;
    check(
        &c,
        Outcome {
            trace: report
                .history
                .iter()
                .map(|r| r.mean_log_likelihood)
                .collect(),
            weights: model.mixture.weights().to_vec(),
            params: params(&model.mixture),
            mean_log_likelihood: report.mean_log_likelihood,
        },
        rtol,
    );
}

fn run_bernoulli<T: Scalar>(rtol: f64) {
    let probabilities =
        |m: &BernoulliMixture<T>| m.components().probabilities().as_slice().to_vec();
    run(
        "bernoulli",
        Bernoulli::new(),
        bernoulli_mixture,
        probabilities,
        rtol,
    );
}

fn run_exponential<T: Scalar>(rtol: f64) {
    let rates = |m: &ExponentialMixture<T>| m.components().rates().as_slice().to_vec();
    run(
        "exponential",
        Exponential::new(),
        exponential_mixture,
        rates,
        rtol,
    );
}

fn run_poisson<T: Scalar>(rtol: f64) {
    let rates = |m: &PoissonMixture<T>| m.components().rates().as_slice().to_vec();
    run("poisson", Poisson::new(), poisson_mixture, rates, rtol);
}

#[test]
fn poisson_matches_numpy_in_f64() {
    run_poisson::<f64>(1e-9);
}

#[test]
fn poisson_matches_numpy_in_f32() {
    run_poisson::<f32>(1e-4);
}

#[test]
fn bernoulli_matches_numpy_in_f64() {
    run_bernoulli::<f64>(1e-9);
}

#[test]
fn bernoulli_matches_numpy_in_f32() {
    run_bernoulli::<f32>(1e-4);
}

#[test]
fn exponential_matches_numpy_in_f64() {
    run_exponential::<f64>(1e-9);
}

#[test]
fn exponential_matches_numpy_in_f32() {
    run_exponential::<f32>(1e-4);
}
