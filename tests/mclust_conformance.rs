//! Conformance with R's mclust for its fourteen covariance models: from the same start, the
//! parameters and log-likelihood after a fixed number of M-steps agree with mclust's `me()`,
//! to 1e-12 relative for the models whose M-step is closed-form or converges to a fixed point
//! mclust reaches, and to 1e-7 for VEE and EVE: mclust stops their inner loops when the
//! objective stops changing, which leaves the parameters about √ε ≈ 1.5e-8 from the optimum
//! (ours stop on the parameters, to 1e-13). For those two and for VVE, whose mclust M-step
//! weighs the orientation step by the shapes only (not the volumes, so it is not VVE's exact
//! M-step and differs by percents), one M-step from the same responsibilities must reach at
//! least mclust's expected complete-data log-likelihood. And from `mclustBIC`'s own starts,
//! E-M run to convergence reaches or beats every cell of its BIC table (K = 1..9, 14 models).
//!
//! The fixture is written by `scripts/mclust_fixture.R` (run by hand; see its header).

use mixture::core::{Components, Estimator, Mixture, RowMatrix};
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
    one_step: BTreeMap<String, Parameters>,
    /// mclust's BIC (higher is better) per model, for K = 1..9; null where mclust failed.
    bic: BTreeMap<String, Vec<Option<f64>>>,
    /// mclustBIC's start per model for K = 2..9 (one M-step from its hierarchical
    /// classification); null where mclust failed.
    bic_starts: BTreeMap<String, Vec<Option<Parameters>>>,
}

#[derive(Deserialize)]
struct Parameters {
    weights: Vec<f64>,
    means: Vec<Vec<f64>>,
    covariances: Vec<Vec<Vec<f64>>>,
    #[serde(default)]
    loglik: f64,
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/mclust.json"
    ))
    .expect("fixture present");
    serde_json::from_str(&text).expect("fixture parses")
}

/// A full-covariance mixture from mclust's parameters.
fn mixture(p: &Parameters) -> GaussianMixture<f64> {
    let means = rows_of(&p.means);
    let covariances: Vec<f64> = p.covariances.iter().flat_map(|m| m.concat()).collect();
    let components = GaussianComponents::new(means.view(), &covariances).expect("components");
    Mixture::from_parts(&p.weights, components).expect("mixture")
}

#[test]
fn every_model_matches_mclust_me_from_the_same_start() {
    let f = fixture();
    assert!(f.mclust_version.starts_with('6'), "{}", f.mclust_version);
    let mut checked = 0;
    for (name, set) in &f.sets {
        let x = rows_of(&set.x);
        let start = mixture(&set.start);
        for (code, theirs) in &set.fits {
            let kind = CovarianceType::from_name(code).expect("an mclust code");
            let k = theirs.weights.len();
            let estimator = Estimator::new(Gaussian::new(kind).with_reg_covar(0.0), k);
            let mut model = start.clone();
            for _ in 0..f.iterations {
                let stats = estimator.e_step(&model, &x, 0).expect("e-step");
                model = estimator.m_step(&stats).expect("m-step").mixture;
            }
            let loglik = model.log_likelihood(&x).expect("log-likelihood");
            let c = model.components();
            let covariances: Vec<f64> = (0..k).flat_map(|j| c.covariance(j)).collect();
            let theirs_cov: Vec<f64> = theirs.covariances.iter().flat_map(|m| m.concat()).collect();
            let errors = [
                ("weights", relative(model.weights(), &theirs.weights)),
                (
                    "means",
                    relative(c.means().as_slice(), &theirs.means.concat()),
                ),
                ("covariances", relative(&covariances, &theirs_cov)),
                ("log-likelihood", relative(&[loglik], &[theirs.loglik])),
            ];
            if code == "VVE" {
                continue; // see one_m_step_reaches_mclusts_expected_log_likelihood
            }
            let bound = if ["VEE", "EVE"].contains(&code.as_str()) {
                1e-7
            } else {
                1e-12
            };
            for (what, error) in errors {
                assert!(
                    error < bound,
                    "{name} {code}: {what} differ from mclust's by {error:e} (relative)"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 13);
}

/// `Σ_i Σ_k z_ik (ln π_k + ln N(x_i | μ_k, Σ_k))`: what an M-step from `z` maximises.
fn expected_log_likelihood(model: &GaussianMixture<f64>, x: &RowMatrix<f64>, z: &[f64]) -> f64 {
    let k = model.n_components();
    let mut densities = vec![0.0; x.n_rows() * k];
    model
        .components()
        .log_densities(x.view(), &mut densities, &mut Vec::new());
    densities
        .iter()
        .zip(z)
        .enumerate()
        .map(|(e, (l, r))| r * (model.weights()[e % k].ln() + l))
        .sum()
}

#[test]
fn one_m_step_reaches_mclusts_expected_log_likelihood() {
    let f = fixture();
    for (name, set) in &f.sets {
        let x = rows_of(&set.x);
        let start = mixture(&set.start);
        let z = start.predict_proba(&x).expect("responsibilities");
        for (code, theirs) in &set.one_step {
            let kind = CovarianceType::from_name(code).expect("an mclust code");
            let estimator = Estimator::new(Gaussian::new(kind).with_reg_covar(0.0), 3);
            let stats = estimator.e_step(&start, &x, 0).expect("e-step");
            let ours = estimator.m_step(&stats).expect("m-step").mixture;
            let (q_ours, q_theirs) = (
                expected_log_likelihood(&ours, &x, z.as_slice()),
                expected_log_likelihood(&mixture(theirs), &x, z.as_slice()),
            );
            assert!(
                q_ours >= q_theirs - 1e-12 * q_theirs.abs(),
                "{name} {code}: ours {q_ours} below mclust's {q_theirs}"
            );
            if std::env::var("MCLUST_REPORT").is_ok() {
                eprintln!("{name} {code}: ours {q_ours:.12} mclust {q_theirs:.12}");
            }
        }
    }
}

/// From `mclustBIC`'s own starts, E-M run to convergence reaches or beats every cell of its BIC
/// table (K = 1..9, 14 models, three data sets) but VVE's: mclust's VVE M-step is not VVE's
/// exact one (see the module's notes), so from the same start the two take different paths,
/// which end in different optima; ours is better on most of those cells and worse on two
/// (3.1 and 34.5 BIC units when this was written), which this test bounds.
#[test]
fn every_cell_of_mclusts_bic_table_is_reached_from_its_start() {
    let f = fixture();
    let (mut cells, mut vve_cells, mut vve_worse) = (0, 0, Vec::new());
    for (name, set) in &f.sets {
        let x = rows_of(&set.x);
        for (code, column) in &set.bic {
            let kind = CovarianceType::from_name(code).expect("an mclust code");
            for (i, theirs) in column.iter().enumerate() {
                let (k, Some(theirs)) = (i + 1, theirs) else {
                    continue;
                };
                // E-M to convergence, without regularisation (mclust has none), from
                // mclustBIC's start (K = 1 has but one optimum).
                let estimator = Estimator::new(Gaussian::new(kind).with_reg_covar(0.0), k)
                    .tol(1e-12)
                    .max_iter(5000);
                let fit = match k {
                    1 => estimator.fit(&x),
                    _ => {
                        let start = set.bic_starts[code][k - 2]
                            .as_ref()
                            .expect("a start where mclust has a BIC");
                        estimator.fit_from(&mixture(start), &x)
                    }
                }
                .unwrap_or_else(|e| panic!("{name} {code} K = {k}: {e}"));
                // mclust's BIC is 2 ln p(X) − p ln N: ours is its negative.
                let (ours, theirs) = (fit.mixture.bic(&x).expect("BIC"), -theirs);
                let reached = ours <= theirs + 1e-9 * theirs.abs();
                if code == "VVE" {
                    vve_cells += 1;
                    if !reached {
                        vve_worse.push(format!("{name} K = {k}: {ours} against {theirs}"));
                    }
                } else {
                    assert!(
                        reached,
                        "{name} {code} K = {k}: our BIC {ours} is above mclust's {theirs}"
                    );
                }
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 3 * 126 - 5);
    assert!(vve_cells >= 25);
    assert!(
        vve_worse.len() <= 2,
        "VVE cells worse than mclust's: {vve_worse:?}"
    );
}

/// mclust's start for K ≥ 2 is its hierarchical clustering (the VVV criterion, in its SVD
/// coordinates) cut at K; ours (`Init::Hierarchical`) is the same partition: its first M-step
/// gives the parameters of mclust's, for every K of the three data sets.
#[test]
fn the_hierarchical_start_is_mclusts() {
    let f = fixture();
    for (name, set) in &f.sets {
        let x = rows_of(&set.x);
        for (i, theirs) in set.bic_starts["VVV"].iter().enumerate() {
            let (k, Some(theirs)) = (i + 2, theirs) else {
                continue;
            };
            let ours = Estimator::new(Gaussian::full().with_reg_covar(0.0), k)
                .init(mixture::core::Init::Hierarchical)
                .max_iter(0)
                .fit(&x)
                .unwrap_or_else(|e| panic!("{name} K = {k}: {e}"))
                .mixture;
            // The same components, in some order: match each of ours to mclust's nearest mean.
            let theirs_means = &theirs.means;
            for c in 0..k {
                let mean = ours.components().means().row(c).to_vec();
                let (j, gap) = theirs_means
                    .iter()
                    .enumerate()
                    .map(|(j, m)| (j, relative(&mean, m)))
                    .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
                assert!(
                    gap < 1e-12,
                    "{name} K = {k}: component {c}'s mean is not mclust's ({gap:e})"
                );
                let cov = ours.components().covariance(c);
                assert!(
                    relative(&cov, &theirs.covariances[j].concat()) < 1e-12,
                    "{name} K = {k}"
                );
                assert!(
                    (ours.weights()[c] - theirs.weights[j]).abs() < 1e-14,
                    "{name} K = {k}"
                );
            }
        }
    }
}
