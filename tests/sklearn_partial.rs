//! Partial starts ([`Start::taking`]) against scikit-learn 1.9: only some of the weights, means
//! and covariances given, the rest from the k-means initialisation, then 0, 1 and 5 E-M
//! iterations, for all four covariance types.
//!
//! The fixture is written by `scripts/sklearn_partial_fixture.py` (run by hand; see its
//! docstring): well-separated blobs, so both k-means find the same partition, and given parts
//! that are the same for every component, so the order of the clusters does not matter; the
//! components are compared sorted by (weight, mean).

use mixture::core::{Estimator, Init, ParameterSet, Rows, Start};
use mixture::gauss::{CovarianceType, Gaussian, GaussianComponents, GaussianMixture};
use mixture_core::Mixture;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    reg_covar: f64,
    x: Vec<Vec<f64>>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    covariance: String,
    taking: Vec<String>,
    given: Parameters,
    results: Vec<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    max_iter: usize,
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    covariances: Vec<f64>,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sklearn_partial.json"
    ))
    .expect("fixture present");
    serde_json::from_str(&text).expect("fixture parses")
}

/// Per component, in an order that does not depend on the initialisation's: weight, means and
/// its covariance values (a tied model's shared matrix goes with every component).
fn sorted(p: &Parameters, kind: CovarianceType) -> Vec<Vec<f64>> {
    let k = p.weights.len();
    let per = p.covariances.len() / if kind == CovarianceType::Tied { 1 } else { k };
    let mut components: Vec<Vec<f64>> = (0..k)
        .map(|c| {
            let cov = if kind == CovarianceType::Tied {
                &p.covariances[..]
            } else {
                &p.covariances[c * per..(c + 1) * per]
            };
            [&[p.weights[c]][..], &p.means[c], cov].concat()
        })
        .collect();
    let key =
        |v: &Vec<f64>| -> Vec<i64> { v[..3].iter().map(|x| (x * 1e6).round() as i64).collect() };
    components.sort_by_key(key);
    components
}

fn parameters(m: &GaussianMixture<f64>) -> Parameters {
    let means = m.means();
    Parameters {
        max_iter: 0,
        weights: m.weights().to_vec(),
        means: means.iter().map(<[f64]>::to_vec).collect(),
        covariances: m.components().covariance_parameters().to_vec(),
    }
}

#[test]
fn partial_starts_match_sklearn() {
    let fx = fixture();
    let x = mixture::core::RowMatrix::from_rows(&fx.x).unwrap();
    for case in &fx.cases {
        let kind = CovarianceType::from_name(&case.covariance).unwrap();
        let flat: Vec<f64> = case.given.means.concat();
        let components = GaussianComponents::with_type(
            Rows::new(&flat, 2).unwrap(),
            &case.given.covariances,
            kind,
        )
        .unwrap();
        let given = Mixture::from_parts(&case.given.weights, components).unwrap();
        let taking = ParameterSet::parse_for::<f64, GaussianComponents<f64>>(
            &case.taking.join(","),
            "taking",
        )
        .unwrap();
        for want in &case.results {
            let fit = Estimator::new(Gaussian::new(kind).with_reg_covar(fx.reg_covar), 3)
                .init(Init::KMeans)
                .tol(0.0)
                .max_iter(want.max_iter)
                .fit_from(Start::taking(&given, taking), &x)
                .unwrap();
            let (got, want_sorted) = (sorted(&parameters(&fit.mixture), kind), sorted(want, kind));
            for (c, (g, w)) in got.iter().zip(&want_sorted).enumerate() {
                for (j, (a, b)) in g.iter().zip(w).enumerate() {
                    let err = (a - b).abs() / b.abs().max(1.0);
                    assert!(
                        err < 1e-9,
                        "{} taking {:?} after {} iterations: component {c} value {j}: {a} vs scikit-learn's {b}",
                        case.covariance,
                        case.taking,
                        want.max_iter
                    );
                }
            }
        }
    }
}
