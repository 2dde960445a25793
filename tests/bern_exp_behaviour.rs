//! Bernoulli and exponential mixtures: naive formulas, recovery, extreme inputs, sampling,
//! every engine option, determinism and typed errors.

mod common;

use common::rng;
use mixture::bern::{Bernoulli, BernoulliMixture, bernoulli_mixture};
use mixture::core::rand::RngExt;
use mixture::core::{
    Components, Estimator, Init, MixtureError, RowMatrix, Rows, Scalar, StopRule, TraceWriter,
};
use mixture::datagen::{BernoulliMixtureGenerator, DIGITS_8X8, ExponentialMixtureGenerator};
use mixture::exp::{Exponential, ExponentialMixture, exponential_mixture};
use proptest::prelude::*;

/// ln p(x | k) for a Bernoulli component, element by element.
fn naive_bernoulli(x: &[f64], p: &[f64]) -> f64 {
    x.iter()
        .zip(p)
        .map(|(x, p)| x * p.ln() + (1.0 - x) * (1.0 - p).ln())
        .sum()
}

/// ln p(x | k) for an exponential component, element by element.
fn naive_exponential(x: &[f64], rates: &[f64]) -> f64 {
    x.iter().zip(rates).map(|(x, l)| l.ln() - l * x).sum()
}

#[test]
fn log_densities_match_the_naive_formulas() {
    let mut r = rng(10);
    for (k, d) in [(1, 1), (3, 7), (5, 40), (2, 300)] {
        let probs: Vec<f64> = (0..k * d).map(|_| r.random_range(0.01..0.99)).collect();
        let rates: Vec<f64> = (0..k * d)
            .map(|_| (r.random_range(-5.0..5.0f64)).exp())
            .collect();
        let bern = mixture::bern::BernoulliComponents::new(Rows::new(&probs, d).unwrap()).unwrap();
        let expo = mixture::exp::ExponentialComponents::new(Rows::new(&rates, d).unwrap()).unwrap();
        let n = 33;
        let binary: Vec<f64> = (0..n * d)
            .map(|_| if r.random::<bool>() { 1.0 } else { 0.0 })
            .collect();
        let positive: Vec<f64> = (0..n * d).map(|_| r.random_range(0.0..3.0)).collect();
        let (mut out_b, mut out_e) = (vec![0.0; n * k], vec![0.0; n * k]);
        bern.log_densities(Rows::new(&binary, d).unwrap(), &mut out_b, &mut Vec::new());
        expo.log_densities(
            Rows::new(&positive, d).unwrap(),
            &mut out_e,
            &mut Vec::new(),
        );
        for i in 0..n {
            for c in 0..k {
                let want = naive_bernoulli(&binary[i * d..(i + 1) * d], &probs[c * d..(c + 1) * d]);
                assert!(
                    (out_b[i * k + c] - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "bernoulli {k}×{d}"
                );
                let want =
                    naive_exponential(&positive[i * d..(i + 1) * d], &rates[c * d..(c + 1) * d]);
                assert!(
                    (out_e[i * k + c] - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "exponential {k}×{d}"
                );
            }
        }
    }
}

/// Index of the fitted component closest to each true one (rows of `truth`).
fn matching(
    fitted: Rows<'_, f64>,
    truth: Rows<'_, f64>,
    dist: impl Fn(&[f64], &[f64]) -> f64,
) -> Vec<usize> {
    (0..truth.n_rows())
        .map(|t| {
            (0..fitted.n_rows())
                .min_by(|&a, &b| {
                    dist(fitted.row(a), truth.row(t)).total_cmp(&dist(fitted.row(b), truth.row(t)))
                })
                .unwrap()
        })
        .collect()
}

#[test]
fn bernoulli_recovers_the_truth() {
    // Random prototypes of 64 bits are about 32 bits apart: well separated. (Similar glyphs
    // such as 5 and 6 are not, and E-M may then stop in a local optimum.)
    let mut r = rng(4);
    let protos: Vec<f64> = (0..10 * 64)
        .map(|_| f64::from(u8::from(r.random::<bool>())))
        .collect();
    let g =
        BernoulliMixtureGenerator::from_prototypes(Rows::new(&protos, 64).unwrap(), 0.1, None, 4)
            .unwrap();
    let n = 20_000;
    let data = g.generate::<f64>(n, 5).unwrap();
    // k-means++ misses one of ten such clusters in about half its runs (within-cluster
    // distances are large in 64 noisy bits), and E-M cannot split a merged pair: restarts can.
    let model = Estimator::new(Bernoulli::new(), 10)
        .n_init(10)
        .seed(2)
        .tol(1e-8)
        .fit(&data.data)
        .unwrap();
    let truth = g.truth();
    let (tp, fp) = (
        truth.components().probabilities(),
        model.mixture.components().probabilities(),
    );
    let m = matching(fp, tp, |a, b| {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum()
    });
    let (tw, fw) = (truth.weights(), model.mixture.weights());
    for t in 0..10 {
        let nk = tw[t] * n as f64;
        assert!((fw[m[t]] - tw[t]).abs() < 4.0 * (tw[t] * (1.0 - tw[t]) / n as f64).sqrt());
        for j in 0..64 {
            let p = tp.row(t)[j];
            let se = (p * (1.0 - p) / nk).sqrt();
            assert!(
                (fp.row(m[t])[j] - p).abs() < 4.5 * se,
                "prototype {t} bit {j}"
            );
        }
    }
}

#[test]
fn exponential_recovers_the_truth() {
    let rates = [0.5, 5.0, 1.0, 10.0, 0.2, 1.0, 2.0, 2.0, 50.0];
    let weights = [0.5, 0.3, 0.2];
    let g = ExponentialMixtureGenerator::new(&weights, Rows::new(&rates, 3).unwrap()).unwrap();
    let n = 30_000;
    let data = g.generate::<f64>(n, 8).unwrap();
    let model = Estimator::new(Exponential::new(), 3)
        .n_init(3)
        .seed(1)
        .tol(1e-8)
        .fit(&data.data)
        .unwrap();
    let fitted = model.mixture.components().rates();
    let truth = Rows::new(&rates, 3).unwrap();
    let m = matching(fitted, truth, |a, b| {
        a.iter().zip(b).map(|(x, y)| (x.ln() - y.ln()).abs()).sum()
    });
    let fw = model.mixture.weights();
    for t in 0..3 {
        let nk = weights[t] * n as f64;
        assert!(
            (fw[m[t]] - weights[t]).abs()
                < 4.0 * (weights[t] * (1.0 - weights[t]) / n as f64).sqrt()
        );
        for j in 0..3 {
            let want = truth.row(t)[j];
            // The MLE of a rate has standard error about λ/√N_k; overlap between components
            // inflates it, hence the wider band.
            assert!(
                (fitted.row(m[t])[j] - want).abs() < 6.0 * want / nk.sqrt(),
                "component {t} rate {j}"
            );
        }
    }
}

fn all_finite<T: Scalar>(v: &[T]) -> bool {
    v.iter().all(|x| x.is_finite())
}

fn check_binary_784<T: Scalar>() {
    // D = 784 binary features with all-zero and all-one columns.
    let mut r = rng(12);
    let (n, d) = (400, 784);
    let data: Vec<T> = (0..n * d)
        .map(|i| match i % d {
            0..=9 => T::zero(),
            10..=19 => T::one(),
            j => T::cast(f64::from(u8::from(
                r.random::<f64>() < if (i / d) % 2 == 0 { 0.2 } else { 0.7 } * (j % 3) as f64 / 2.0,
            ))),
        })
        .collect();
    let x = Rows::new(&data, d).unwrap();
    for init in [Init::RandomRows, Init::KMeansPlusPlus] {
        let model = Estimator::new(Bernoulli::new(), 4)
            .init(init)
            .max_iter(30)
            .fit(x)
            .unwrap();
        let report = &model.report;
        assert!(report.log_likelihood.is_finite(), "{} {init:?}", T::NAME);
        assert!(all_finite(
            &model.mixture.log_likelihood_per_row(x).unwrap()
        ));
        assert!(all_finite(
            model.mixture.predict_proba(x).unwrap().as_slice()
        ));
        assert!(all_finite(
            model.mixture.components().probabilities().as_slice()
        ));
        assert!(
            report
                .history
                .iter()
                .all(|h| h.log_likelihood.is_finite() && h.mean_shift.is_finite())
        );
    }
}

#[test]
fn binary_784_features_never_give_nan_f64() {
    check_binary_784::<f64>();
}

#[test]
fn binary_784_features_never_give_nan_f32() {
    check_binary_784::<f32>();
}

fn check_exponential_extremes<T: Scalar>() {
    // Values spanning 1e-6 to 1e6, exact zeros and an all-zero column.
    let mut r = rng(13);
    let (n, d) = (600, 3);
    let data: Vec<T> = (0..n * d)
        .map(|i| match i % d {
            0 => T::zero(),
            1 => T::cast(10f64.powf(r.random_range(-6.0..6.0))),
            _ => T::cast(if i % 7 == 0 {
                0.0
            } else {
                r.random_range(0.0..2.0)
            }),
        })
        .collect();
    let x = Rows::new(&data, d).unwrap();
    for rule in [StopRule::LogLikelihood, StopRule::MeanShift] {
        let model = Estimator::new(Exponential::new(), 3)
            .stop_rule(rule)
            .max_iter(50)
            .fit(x)
            .unwrap();
        assert!(
            model.report.log_likelihood.is_finite(),
            "{} {rule:?}",
            T::NAME
        );
        assert!(all_finite(
            &model.mixture.log_likelihood_per_row(x).unwrap()
        ));
        assert!(all_finite(
            model.mixture.predict_proba(x).unwrap().as_slice()
        ));
        assert!(all_finite(model.mixture.components().rates().as_slice()));
    }
}

#[test]
fn exponential_extremes_never_give_nan_f64() {
    check_exponential_extremes::<f64>();
}

#[test]
fn exponential_extremes_never_give_nan_f32() {
    check_exponential_extremes::<f32>();
}

#[test]
fn sample_moments_match_the_model() {
    let n = 100_000;
    let mut r = rng(14);
    let probs = [0.1, 0.5, 0.95, 0.7, 0.3, 0.02];
    let bern: BernoulliMixture<f64> =
        bernoulli_mixture(&[0.4, 0.6], Rows::new(&probs, 3).unwrap()).unwrap();
    let (x, labels) = bern.sample(n, &mut r).unwrap();
    assert!(x.as_slice().iter().all(|&v| v == 0.0 || v == 1.0));
    let rates = [0.5, 4.0, 100.0, 1e-3];
    let expo: ExponentialMixture<f32> =
        exponential_mixture(&[0.5, 0.5], Rows::new(&rates.map(|v| v as f32), 2).unwrap()).unwrap();
    let (y, ylabels) = expo.sample(n, &mut r).unwrap();
    for k in 0..2 {
        let rows: Vec<&[f64]> = x
            .iter()
            .zip(&labels)
            .filter(|(_, l)| **l == k)
            .map(|(r, _)| r)
            .collect();
        let nk = rows.len() as f64;
        for j in 0..3 {
            let p = probs[k * 3 + j];
            let mean = rows.iter().map(|r| r[j]).sum::<f64>() / nk;
            assert!(
                (mean - p).abs() < 4.0 * (p * (1.0 - p) / nk).sqrt(),
                "bernoulli {k} {j}"
            );
        }
        let rows: Vec<&[f32]> = y
            .iter()
            .zip(&ylabels)
            .filter(|(_, l)| **l == k)
            .map(|(r, _)| r)
            .collect();
        let nk = rows.len() as f64;
        for j in 0..2 {
            let want = 1.0 / rates[k * 2 + j];
            let mean = rows.iter().map(|r| f64::from(r[j])).sum::<f64>() / nk;
            // The standard deviation of Exp(λ) equals its mean.
            assert!(
                (mean - want).abs() < 4.0 * want / nk.sqrt(),
                "exponential {k} {j}: {mean} vs {want}"
            );
        }
    }
}

#[test]
fn every_engine_option_works_for_both_families() {
    let protos = BernoulliMixtureGenerator::glyphs(&DIGITS_8X8[..4]).unwrap();
    let bin = BernoulliMixtureGenerator::from_prototypes(protos.view(), 0.05, None, 1)
        .unwrap()
        .generate::<f32>(800, 1)
        .unwrap();
    let pos =
        ExponentialMixtureGenerator::new(&[0.5, 0.5], Rows::new(&[1.0, 0.1, 0.1, 1.0], 2).unwrap())
            .unwrap()
            .generate::<f32>(800, 1)
            .unwrap();
    for init in [Init::RandomRows, Init::KMeansPlusPlus, Init::KMeans] {
        for rule in [StopRule::LogLikelihood, StopRule::MeanShift] {
            let mut trace = TraceWriter::new(Vec::new());
            let b = Estimator::new(Bernoulli::new(), 4)
                .init(init)
                .stop_rule(rule)
                .fit_with(&bin.data, None, &mut trace)
                .unwrap();
            let text = String::from_utf8(trace.into_inner()).unwrap();
            assert!(text.starts_with("0: Mean-diff = "), "{text}");
            assert!(b.report.converged);
            let e = Estimator::new(Exponential::new(), 2)
                .init(init)
                .stop_rule(rule)
                .tol(1e-4)
                .fit(&pos.data)
                .unwrap();
            assert!(e.report.converged);
            // BIC and AIC with K·D + K − 1 free parameters.
            for (ll, p, bic, aic, n) in [
                (
                    b.mixture.log_likelihood(&bin.data).unwrap(),
                    4 * 64 + 3,
                    b.mixture.bic(&bin.data).unwrap(),
                    b.mixture.aic(&bin.data).unwrap(),
                    800.0f64,
                ),
                (
                    e.mixture.log_likelihood(&pos.data).unwrap(),
                    2 * 2 + 1,
                    e.mixture.bic(&pos.data).unwrap(),
                    e.mixture.aic(&pos.data).unwrap(),
                    800.0,
                ),
            ] {
                assert!((bic - (-2.0 * ll + p as f64 * n.ln())).abs() < 1e-9 * bic.abs());
                assert!((aic - (-2.0 * ll + 2.0 * p as f64)).abs() < 1e-9 * aic.abs());
            }
            let labels = b.mixture.predict(&bin.data).unwrap();
            assert!(labels.iter().all(|&l| l < 4));
        }
    }
}

#[test]
fn the_mean_shift_is_the_change_of_the_means() {
    // Exponential: the trace's shift is the Frobenius change of 1/λ.
    let pos =
        ExponentialMixtureGenerator::new(&[0.5, 0.5], Rows::new(&[1.0, 0.1, 0.1, 1.0], 2).unwrap())
            .unwrap()
            .generate::<f64>(500, 3)
            .unwrap();
    let one = Estimator::new(Exponential::new(), 2).max_iter(1).tol(0.0);
    let start = Estimator::new(Exponential::new(), 2)
        .max_iter(0)
        .fit(&pos.data)
        .unwrap();
    let next = one.fit_from(&start, &pos.data).unwrap();
    let shift = next.report.history[0].mean_shift;
    let (a, b) = (start.mixture.means(), next.mixture.means());
    let want: f64 = a
        .as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt();
    assert!((shift - want).abs() < 1e-12 * want);
    assert_eq!(
        a.get(0, 0),
        1.0 / start.mixture.components().rates().row(0)[0]
    );
}

fn fit_twice_threads<T: Scalar>(x: &RowMatrix<T>, bernoulli: bool) {
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                if bernoulli {
                    let m = Estimator::new(Bernoulli::new(), 5)
                        .tol(0.0)
                        .max_iter(8)
                        .fit(x)
                        .unwrap();
                    m.mixture.components().probabilities().as_slice().to_vec()
                } else {
                    let m = Estimator::new(Exponential::new(), 5)
                        .tol(0.0)
                        .max_iter(8)
                        .fit(x)
                        .unwrap();
                    m.mixture.components().rates().as_slice().to_vec()
                }
            })
    };
    assert_eq!(run(1), run(2));
}

#[test]
fn one_and_two_threads_agree_bit_for_bit() {
    let protos = BernoulliMixtureGenerator::glyphs(&DIGITS_8X8).unwrap();
    let bin = BernoulliMixtureGenerator::from_prototypes(protos.view(), 0.1, None, 1)
        .unwrap()
        .generate::<f32>(20_000, 1)
        .unwrap();
    fit_twice_threads(&bin.data, true);
    let rates: Vec<f64> = (0..5 * 6).map(|i| 0.1 + (i % 7) as f64).collect();
    let pos = ExponentialMixtureGenerator::new(&[0.2; 5], Rows::new(&rates, 6).unwrap())
        .unwrap()
        .generate::<f64>(20_000, 2)
        .unwrap();
    fit_twice_threads(&pos.data, false);
}

#[test]
fn out_of_domain_values_are_named() {
    let x = [0.0, 1.0, 0.5, 1.5, 0.0, 1.0];
    let err = Estimator::new(Bernoulli::new(), 1)
        .fit(Rows::new(&x, 2).unwrap())
        .unwrap_err();
    assert!(
        matches!(
            err,
            MixtureError::OutOfDomain {
                row: 1,
                col: 1,
                value: 1.5,
                family: "bernoulli",
                ..
            }
        ),
        "{err:?}"
    );
    let y = [1.0, 2.0, 3.0, -0.5];
    let err = Estimator::new(Exponential::new(), 1)
        .fit(Rows::new(&y, 2).unwrap())
        .unwrap_err();
    assert!(matches!(
        err,
        MixtureError::OutOfDomain {
            row: 1,
            col: 1,
            value: -0.5,
            family: "exponential",
            ..
        }
    ));
    assert!(err.to_string().contains("row 1, column 1 holds -0.5"));
    // A fitted model checks its domain too.
    let model = Estimator::new(Exponential::new(), 1)
        .fit(Rows::new(&[1.0, 2.0], 2).unwrap())
        .unwrap();
    assert!(matches!(
        model.mixture.log_likelihood(Rows::new(&y, 2).unwrap()),
        Err(MixtureError::OutOfDomain { .. })
    ));
    assert!(matches!(
        Estimator::new(Bernoulli::new().with_prior(0.0, 1.0), 1).fit(Rows::new(&[0.0], 1).unwrap()),
        Err(MixtureError::InvalidOption { name: "alpha", .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_shapes_fit_to_finite_models(
        n in 1usize..60, d in 1usize..12, k in 1usize..5, seed in any::<u64>(), soft in any::<bool>(),
        scale in -6.0..6.0f64,
    ) {
        let mut r = rng(seed);
        let binary: Vec<f64> = (0..n * d).map(|_| if soft { r.random::<f64>() } else { f64::from(u8::from(r.random::<bool>())) }).collect();
        let positive: Vec<f64> = (0..n * d).map(|_| r.random::<f64>() * 10f64.powf(scale)).collect();
        for (data, bernoulli) in [(binary, true), (positive, false)] {
            let x = Rows::new(&data, d).unwrap();
            let result = if bernoulli {
                Estimator::new(Bernoulli::new(), k).seed(seed).fit(x).map(|m| (m.mixture.log_likelihood(x), m.report.log_likelihood))
            } else {
                Estimator::new(Exponential::new(), k).seed(seed).fit(x).map(|m| (m.mixture.log_likelihood(x), m.report.log_likelihood))
            };
            match result {
                Ok((ll, reported)) => {
                    let ll = ll.unwrap();
                    prop_assert!(ll.is_finite());
                    prop_assert_eq!(ll, reported);
                }
                // Few rows or duplicated binary rows: the errors say so.
                Err(MixtureError::TooFewRows { .. } | MixtureError::TooFewDistinctRows { .. } | MixtureError::EmptyComponent { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected error {e:?}"),
            }
        }
    }
}

#[test]
fn the_hierarchical_start_reaches_the_best_of_fifty_restarts_on_the_digits() {
    // The ten 8×8 digit glyphs with 10% of bits flipped: similar glyphs (5 and 6, 8 and 9)
    // are a few bits apart, and single k-means++ starts end hundreds of nats short.
    let glyphs = BernoulliMixtureGenerator::glyphs(&DIGITS_8X8).unwrap();
    let g = BernoulliMixtureGenerator::from_prototypes(glyphs.view(), 0.1, None, 0).unwrap();
    let data = g.generate::<f64>(1000, 1).unwrap();
    let fit = |init: Init, n_init: usize| {
        Estimator::new(Bernoulli::new(), 10)
            .init(init)
            .n_init(n_init)
            .tol(1e-8)
            .max_iter(1000)
            .fit(&data.data)
            .unwrap()
            .report
            .log_likelihood
    };
    let best_of_fifty = fit(Init::KMeansPlusPlus, 50);
    let one = fit(Init::KMeansPlusPlus, 1);
    let hierarchical = fit(Init::Hierarchical, 1);
    assert!(one < best_of_fifty - 1.0, "{one} {best_of_fifty}");
    assert!(
        hierarchical > best_of_fifty - 1.0,
        "the Bernoulli merge start ends at {hierarchical}, best of 50 restarts at {best_of_fifty}"
    );
}
