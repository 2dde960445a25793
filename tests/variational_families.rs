//! Variational Bernoulli (Beta prior) and exponential (Gamma prior) mixtures against a naive
//! implementation written here from the formulas: from the same start, every iteration's lower
//! bound and the final posterior agree to 1e-10 relative, for both weight priors; and the bits
//! are the same streamed.

use mixture::bern::{Bernoulli, BetaPrior, bernoulli_mixture};
use mixture::core::family::{digamma, ln_beta, ln_gamma};
use mixture::core::rand::RngExt;
use mixture::core::variational::{
    COUNT_FLOOR, VariationalPrior, VariationalStart, WeightPriorType,
};
use mixture::core::{Estimator, Input, MatrixSource, RowMatrix, Rows, Silent};
use mixture::exp::{Exponential, GammaPrior, exponential_mixture};

mod common;

const N_ITER: usize = 15;

/// The weights' part of a naive variational step: E[ln π] from counts, and its bound term.
fn weights_terms(kind: WeightPriorType, gamma: f64, nk: &[f64]) -> (Vec<f64>, f64) {
    let k = nk.len();
    let n: Vec<f64> = nk.iter().map(|c| c + COUNT_FLOOR).collect();
    match kind {
        WeightPriorType::DirichletProcess => {
            let a: Vec<f64> = n.iter().map(|c| 1.0 + c).collect();
            let b: Vec<f64> = (0..k)
                .map(|j| gamma + n[j + 1..].iter().sum::<f64>())
                .collect();
            let mut before = 0.0;
            let mut e = Vec::new();
            for j in 0..k {
                e.push(digamma(a[j]) - digamma(a[j] + b[j]) + before);
                before += digamma(b[j]) - digamma(a[j] + b[j]);
            }
            (e, (0..k).map(|j| ln_beta(a[j], b[j])).sum())
        }
        _ => {
            let a: Vec<f64> = n.iter().map(|c| gamma + c).collect();
            let total: f64 = a.iter().sum();
            let e = a.iter().map(|&v| digamma(v) - digamma(total)).collect();
            let norm = ln_gamma(total) - a.iter().map(|&v| ln_gamma(v)).sum::<f64>();
            (e, -norm)
        }
    }
}

/// Naive variational E-M: `log_density(posterior, k, row)` is E[ln p(x | θ_k)],
/// `posterior(resp)` the M-step, `terms(posterior)` its bound terms. Returns each iteration's
/// bound and the last posterior.
fn naive<P>(
    x: &RowMatrix<f64>,
    start_resp: Vec<Vec<f64>>,
    kind: WeightPriorType,
    gamma: f64,
    posterior: impl Fn(&[Vec<f64>]) -> P,
    log_density: impl Fn(&P, usize, &[f64]) -> f64,
    terms: impl Fn(&P) -> f64,
) -> (Vec<f64>, P) {
    let k = start_resp[0].len();
    let counts = |r: &[Vec<f64>]| {
        (0..k)
            .map(|c| r.iter().map(|ri| ri[c]).sum())
            .collect::<Vec<f64>>()
    };
    let mut p = posterior(&start_resp);
    let mut nk = counts(&start_resp);
    let mut bounds = Vec::new();
    for _ in 0..N_ITER {
        let (e_log_w, _) = weights_terms(kind, gamma, &nk);
        let mut entropy = 0.0;
        let resp: Vec<Vec<f64>> = (0..x.n_rows())
            .map(|i| {
                let joint: Vec<f64> = (0..k)
                    .map(|c| e_log_w[c] + log_density(&p, c, x.row(i)))
                    .collect();
                let top = joint.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = top + joint.iter().map(|v| (v - top).exp()).sum::<f64>().ln();
                let r: Vec<f64> = joint.iter().map(|v| (v - lse).exp()).collect();
                entropy -= r
                    .iter()
                    .zip(&joint)
                    .map(|(r, a)| r * (a - lse))
                    .sum::<f64>();
                r
            })
            .collect();
        p = posterior(&resp);
        nk = counts(&resp);
        bounds.push(entropy + terms(&p) + weights_terms(kind, gamma, &nk).1);
    }
    (bounds, p)
}

fn assert_close(what: &str, got: &[f64], want: &[f64], rtol: f64) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rtol * w.abs().max(1.0),
            "{what}[{i}]: {g} vs naive {w}"
        );
    }
}

fn binary_data() -> RowMatrix<f64> {
    let mut rng = common::rng(3);
    let prototypes = [
        [0.9, 0.8, 0.1, 0.2, 0.7, 0.1],
        [0.1, 0.2, 0.9, 0.8, 0.3, 0.5],
        [0.5, 0.9, 0.9, 0.1, 0.1, 0.9],
    ];
    let mut v = Vec::new();
    for _ in 0..300 {
        let p = &prototypes[rng.random_range(0..3)];
        v.extend(p.iter().map(|&q| f64::from(rng.random::<f64>() < q)));
    }
    RowMatrix::new(v, 6).unwrap()
}

fn positive_data() -> RowMatrix<f64> {
    let mut rng = common::rng(4);
    let means = [[0.5, 3.0, 1.0], [4.0, 0.3, 2.0]];
    let mut v = Vec::new();
    for _ in 0..300 {
        let m = &means[rng.random_range(0..2)];
        v.extend(m.iter().map(|&mu| -mu * (1.0 - rng.random::<f64>()).ln()));
    }
    RowMatrix::new(v, 3).unwrap()
}

#[test]
fn bernoulli_with_a_beta_prior_matches_the_formulas() {
    let x = binary_data();
    let (k, d) = (4, 6);
    let probabilities: Vec<f64> = (0..k * d)
        .map(|i| 0.2 + 0.6 * ((i * 7 % 11) as f64 / 10.0))
        .collect();
    let start =
        bernoulli_mixture::<f64>(&[0.25; 4], Rows::new(&probabilities, d).unwrap()).unwrap();
    let start_resp: Vec<Vec<f64>> = start
        .predict_proba(&x)
        .unwrap()
        .iter()
        .map(<[f64]>::to_vec)
        .collect();
    let (a0, b0) = (0.7, 1.3);
    for kind in [
        WeightPriorType::DirichletProcess,
        WeightPriorType::DirichletDistribution,
    ] {
        let prior = VariationalPrior {
            weight_prior: kind,
            weight_concentration: Some(0.2),
            components: BetaPrior {
                a: Some(a0),
                b: Some(b0),
            },
        };
        let est = Estimator::new(Bernoulli::new(), k)
            .max_iter(N_ITER)
            .tol(0.0);
        let fit = est
            .fit_variational(
                &x,
                &prior,
                Some(VariationalStart::Responsibilities(&start)),
                &mut Silent,
            )
            .unwrap();
        let posterior = |r: &[Vec<f64>]| -> (Vec<f64>, Vec<f64>) {
            let (mut a, mut b) = (vec![a0; k * d], vec![b0; k * d]);
            for (ri, xi) in r.iter().zip(x.iter()) {
                for c in 0..k {
                    for j in 0..d {
                        a[c * d + j] += ri[c] * xi[j];
                        b[c * d + j] += ri[c] * (1.0 - xi[j]);
                    }
                }
            }
            (a, b)
        };
        let log_density = |p: &(Vec<f64>, Vec<f64>), c: usize, row: &[f64]| -> f64 {
            (0..d)
                .map(|j| {
                    let (a, b) = (p.0[c * d + j], p.1[c * d + j]);
                    let total = digamma(a + b);
                    row[j] * (digamma(a) - total) + (1.0 - row[j]) * (digamma(b) - total)
                })
                .sum()
        };
        let terms = |p: &(Vec<f64>, Vec<f64>)| -> f64 {
            p.0.iter().zip(&p.1).map(|(&a, &b)| ln_beta(a, b)).sum()
        };
        let (bounds, (a, b)) = naive(
            &x,
            start_resp.clone(),
            kind,
            0.2,
            posterior,
            log_density,
            terms,
        );
        let ours: Vec<f64> = fit
            .report
            .history
            .iter()
            .map(|r| r.log_likelihood)
            .collect();
        assert_close(&format!("{kind:?} bounds"), &ours, &bounds, 1e-10);
        assert_close(&format!("{kind:?} a"), fit.posterior.a(), &a, 1e-10);
        assert_close(&format!("{kind:?} b"), fit.posterior.b(), &b, 1e-10);
        for w in ours.windows(2) {
            assert!(w[1] >= w[0] - 1e-9 * w[0].abs(), "{kind:?}: the bound fell");
        }
    }
}

#[test]
fn exponential_with_a_gamma_prior_matches_the_formulas() {
    let x = positive_data();
    let (k, d) = (3, 3);
    let rates: Vec<f64> = (0..k * d).map(|i| 0.3 + (i * 5 % 7) as f64 / 3.0).collect();
    let start =
        exponential_mixture::<f64>(&[0.5, 0.3, 0.2], Rows::new(&rates, d).unwrap()).unwrap();
    let start_resp: Vec<Vec<f64>> = start
        .predict_proba(&x)
        .unwrap()
        .iter()
        .map(<[f64]>::to_vec)
        .collect();
    let shape0 = 2.0;
    for kind in [
        WeightPriorType::DirichletProcess,
        WeightPriorType::DirichletDistribution,
    ] {
        let prior = VariationalPrior {
            weight_prior: kind,
            weight_concentration: None, // 1/K
            components: GammaPrior {
                shape: Some(shape0),
                rate: None,
            }, // rate: shape × mean
        };
        let est = Estimator::new(Exponential::new(), k)
            .max_iter(N_ITER)
            .tol(0.0);
        let fit = est
            .fit_variational(
                &x,
                &prior,
                Some(VariationalStart::Responsibilities(&start)),
                &mut Silent,
            )
            .unwrap();
        let n = x.n_rows() as f64;
        let rate0: Vec<f64> = (0..d)
            .map(|j| shape0 * x.iter().map(|r| r[j]).sum::<f64>() / n)
            .collect();
        let posterior = |r: &[Vec<f64>]| -> (Vec<f64>, Vec<f64>) {
            let mut shape = vec![shape0; k * d];
            let mut rate: Vec<f64> = (0..k * d).map(|i| rate0[i % d]).collect();
            for (ri, xi) in r.iter().zip(x.iter()) {
                for c in 0..k {
                    for j in 0..d {
                        shape[c * d + j] += ri[c];
                        rate[c * d + j] += ri[c] * xi[j];
                    }
                }
            }
            (shape, rate)
        };
        let log_density = |p: &(Vec<f64>, Vec<f64>), c: usize, row: &[f64]| -> f64 {
            (0..d)
                .map(|j| {
                    let (a, b) = (p.0[c * d + j], p.1[c * d + j]);
                    digamma(a) - b.ln() - a / b * row[j]
                })
                .sum()
        };
        let terms = |p: &(Vec<f64>, Vec<f64>)| -> f64 {
            p.0.iter()
                .zip(&p.1)
                .map(|(&a, &b)| ln_gamma(a) - a * b.ln())
                .sum()
        };
        let (bounds, (shape, rate)) = naive(
            &x,
            start_resp.clone(),
            kind,
            1.0 / k as f64,
            posterior,
            log_density,
            terms,
        );
        let ours: Vec<f64> = fit
            .report
            .history
            .iter()
            .map(|r| r.log_likelihood)
            .collect();
        assert_close(&format!("{kind:?} bounds"), &ours, &bounds, 1e-10);
        assert_close(
            &format!("{kind:?} shape"),
            fit.posterior.shape(),
            &shape,
            1e-10,
        );
        assert_close(
            &format!("{kind:?} rate"),
            fit.posterior.rate(),
            &rate,
            1e-10,
        );
        // Streamed, the same bits.
        let mut rows = MatrixSource::new(&x);
        let streamed = est
            .fit_variational(
                Input::Stream {
                    x: &mut rows,
                    w: None,
                },
                &prior,
                Some(VariationalStart::Responsibilities(&start)),
                &mut Silent,
            )
            .unwrap();
        assert_eq!(streamed.posterior, fit.posterior);
    }
}

#[test]
fn family_priors_outside_their_domain_are_typed_errors() {
    let x = binary_data();
    let est = Estimator::new(Bernoulli::new(), 2);
    let bad = VariationalPrior {
        components: BetaPrior {
            a: Some(0.0),
            b: None,
        },
        ..VariationalPrior::default()
    };
    let e = est
        .fit_variational(&x, &bad, None, &mut Silent)
        .unwrap_err();
    assert!(e.to_string().contains("prior_a"), "{e}");
    let y = positive_data();
    let est = Estimator::new(Exponential::new(), 2);
    let bad = VariationalPrior {
        components: GammaPrior {
            shape: None,
            rate: Some(vec![1.0]),
        },
        ..VariationalPrior::default()
    };
    let e = est
        .fit_variational(&y, &bad, None, &mut Silent)
        .unwrap_err();
    assert!(e.to_string().contains("prior_rate"), "{e}");
}
