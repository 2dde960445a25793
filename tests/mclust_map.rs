//! MAP E-M under mclust's default conjugate prior (`priorControl()`), against R's mclust: from
//! the same start, the parameters and log-likelihood after a fixed number of M-steps agree
//! with `me(..., prior = priorControl())` to 1e-12 relative for the ten models mclust
//! gives a prior (scikit-learn's four, EII, EEI, VEI, EVI, EEV and VEV), and BIC is mclust's
//! (the log-likelihood at the MAP estimate, the usual penalty).
//!
//! The fixture is written by `scripts/mclust_map_fixture.R` (run by hand; see its header).

use mixture::core::{Estimator, Mixture};
use mixture::gauss::{CovarianceType, Gaussian, GaussianComponents, GaussianMixture};
use serde::Deserialize;

mod common;
use common::{relative, rows_of};
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Fixture {
    mclust_version: String,
    iterations: usize,
    sets: BTreeMap<String, Set>,
}

#[derive(Deserialize)]
struct Set {
    x: Vec<Vec<f64>>,
    start: Parameters,
    fits: BTreeMap<String, Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    covariances: Vec<Vec<Vec<f64>>>,
    #[serde(default)]
    loglik: f64,
    #[serde(default)]
    bic: f64,
    #[serde(default)]
    prior_shrinkage: f64,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/mclust_map.json"
    ))
    .expect("fixture present");
    serde_json::from_str(&text).expect("fixture parses")
}

#[test]
fn map_e_m_matches_mclust_me_with_its_default_prior() {
    let f = fixture();
    assert!(f.mclust_version.starts_with('6'), "{}", f.mclust_version);
    let mut checked = 0;
    for (name, set) in &f.sets {
        let x = rows_of(&set.x);
        let means = rows_of(&set.start.means);
        let covariances: Vec<f64> = set
            .start
            .covariances
            .iter()
            .flat_map(|m| m.concat())
            .collect();
        let start: GaussianMixture<f64> = Mixture::from_parts(
            &set.start.weights,
            GaussianComponents::new(means.view(), &covariances).unwrap(),
        )
        .unwrap();
        for (code, theirs) in &set.fits {
            let kind = CovarianceType::from_name(code).expect("an mclust code");
            let k = theirs.weights.len();
            let family = Gaussian::new(kind)
                .with_reg_covar(0.0)
                .with_prior_shrinkage(theirs.prior_shrinkage);
            let estimator = Estimator::new(family, k);
            let mut model = start.clone();
            for _ in 0..f.iterations {
                let stats = estimator.e_step(&model, &x, 0).expect("e-step");
                model = estimator.m_step(&stats).expect("m-step").mixture;
            }
            let loglik = model.log_likelihood(&x).unwrap();
            let c = model.components();
            let ours_cov: Vec<f64> = (0..k).flat_map(|j| c.covariance(j)).collect();
            let theirs_cov: Vec<f64> = theirs.covariances.iter().flat_map(|m| m.concat()).collect();
            let errors = [
                ("weights", relative(model.weights(), &theirs.weights)),
                (
                    "means",
                    relative(c.means().as_slice(), &theirs.means.concat()),
                ),
                ("covariances", relative(&ours_cov, &theirs_cov)),
                ("log-likelihood", relative(&[loglik], &[theirs.loglik])),
                // mclust's BIC is 2 ln L − p ln N (higher is better); ours is its negative.
                ("BIC", relative(&[-model.bic(&x).unwrap()], &[theirs.bic])),
            ];
            for (what, error) in errors {
                assert!(
                    error < 1e-12,
                    "{name} {code}: {what} differ from mclust's by {error:e}"
                );
            }
            // The prior moves the fit: without it, the same iterations end elsewhere.
            let plain = Estimator::new(Gaussian::new(kind).with_reg_covar(0.0), k);
            let mut ml = start.clone();
            for _ in 0..f.iterations {
                ml = plain
                    .m_step(&plain.e_step(&ml, &x, 0).unwrap())
                    .unwrap()
                    .mixture;
            }
            assert!(relative(ml.components().means().as_slice(), &theirs.means.concat()) > 1e-9);
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 10);
}

#[test]
fn the_prior_is_checked() {
    let x = rows_of(&fixture().sets["faithful"].x);
    for (family, says) in [
        (
            Gaussian::full().with_prior_shrinkage(-1.0),
            "prior_shrinkage",
        ),
        (
            Gaussian::full().with_prior_shrinkage(f64::NAN),
            "prior_shrinkage",
        ),
        (
            Gaussian::new(CovarianceType::Vee).with_prior_shrinkage(0.01),
            "mclust's prior is for",
        ),
    ] {
        let e = Estimator::new(family, 2).fit(&x).unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
}
