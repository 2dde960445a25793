//! Property tests of Gaussian-mixture fits over random shapes, data and seeds.

use mixture::core::{Estimator, RowMatrix, Rows};
use mixture::datagen::GaussianMixtureGenerator;
use mixture::gauss::{Gaussian, GaussianMixture, gaussian_mixture};
use proptest::prelude::*;

/// Random well-separated Gaussian data: (data, K).
fn data_strategy() -> impl Strategy<Value = (RowMatrix<f64>, usize)> {
    (1usize..=4, 1usize..=4, 40usize..=120, any::<u64>()).prop_map(|(k, d, per, seed)| {
        let g = GaussianMixtureGenerator::random(k, d, 4.0, seed).unwrap();
        (g.generate::<f64>(per * k, seed ^ 1).unwrap().data, k)
    })
}

/// A start for E-M that does not depend on row order: k-means++ on the data, one iteration.
fn start(x: &RowMatrix<f64>, k: usize) -> GaussianMixture<f64> {
    Estimator::new(Gaussian::full(), k)
        .max_iter(0)
        .seed(3)
        .fit(x)
        .unwrap()
        .mixture
}

fn translated(m: &GaussianMixture<f64>, shift: &[f64]) -> GaussianMixture<f64> {
    let means: Vec<f64> = m
        .means()
        .iter()
        .flat_map(|r| r.iter().zip(shift).map(|(a, b)| a + b).collect::<Vec<_>>())
        .collect();
    let w: Vec<f64> = m.weights().to_vec();
    gaussian_mixture(
        &w,
        Rows::new(&means, shift.len()).unwrap(),
        m.components().covariance_parameters(),
    )
    .unwrap()
}

fn close(a: &[f64], b: &[f64], rtol: f64) -> bool {
    let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= rtol * scale)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn responsibilities_sum_to_one((x, k) in data_strategy()) {
        let model = Estimator::new(Gaussian::full(), k).max_iter(5).fit(&x).unwrap();
        let proba = model.mixture.predict_proba(&x).unwrap();
        for row in proba.iter() {
            let s: f64 = row.iter().sum();
            prop_assert!((s - 1.0).abs() < 1e-12);
            prop_assert!(row.iter().all(|p| (0.0..=1.0).contains(p)));
        }
    }

    #[test]
    fn log_likelihood_never_decreases_without_regularisation(
        k in 1usize..=4, d in 1usize..=4, seed in any::<u64>(), nudge in -1.0..1.0f64,
    ) {
        // Start from the truth with means moved and covariances inflated, so that E-M has work
        // to do but no component can collapse (which, without regularisation, has no
        // covariance at all: the degenerate case has its own policy).
        let g = GaussianMixtureGenerator::random(k, d, 4.0, seed).unwrap();
        let x = g.generate::<f64>(100 * k, seed ^ 1).unwrap().data;
        let truth = g.truth();
        let means: Vec<f64> = truth.means().as_slice().iter().enumerate()
            .map(|(i, m)| m + nudge * if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        let covs: Vec<f64> = truth.components().covariance_parameters().iter().map(|c| 2.0 * c).collect();
        let s = gaussian_mixture(&vec![1.0 / k as f64; k], Rows::new(&means, d).unwrap(), &covs).unwrap();
        let model = Estimator::new(Gaussian::full().with_reg_covar(0.0), k)
            .tol(0.0).max_iter(25).fit_from(&s, &x).unwrap();
        for w in model.report.history.windows(2) {
            prop_assert!(w[1].log_likelihood >= w[0].log_likelihood - 1e-9 * w[0].log_likelihood.abs().max(1.0),
                "{} then {}", w[0].log_likelihood, w[1].log_likelihood);
        }
    }

    #[test]
    fn permuting_rows_leaves_the_fit_unchanged((x, k) in data_strategy(), seed in any::<u64>()) {
        let s = start(&x, k);
        let est = Estimator::new(Gaussian::full(), k).tol(0.0).max_iter(10);
        let a = est.fit_from(&s, &x).unwrap();
        // Reverse, then rotate by a seed-dependent amount.
        let n = x.n_rows();
        let shift = (seed as usize) % n;
        let rows: Vec<&[f64]> = (0..n).map(|i| x.row((n - 1 - i + shift) % n)).collect();
        let xp = RowMatrix::from_rows(&rows).unwrap();
        let b = est.fit_from(&s, &xp).unwrap();
        prop_assert!(close(a.mixture.means().as_slice(), b.mixture.means().as_slice(), 1e-9));
        prop_assert!(close(a.mixture.components().covariance_parameters(), b.mixture.components().covariance_parameters(), 1e-9));
        prop_assert!(close(a.mixture.weights(), b.mixture.weights(), 1e-9));
        let (la, lb) = (a.report.log_likelihood, b.report.log_likelihood);
        prop_assert!((la - lb).abs() <= 1e-9 * la.abs());
    }

    #[test]
    fn translating_the_data_translates_the_means((x, k) in data_strategy(), offset in -1e3..1e3f64) {
        let d = x.n_cols();
        let shift: Vec<f64> = (0..d).map(|j| offset * (j as f64 + 1.0)).collect();
        let xs = RowMatrix::new(x.iter().flat_map(|r| r.iter().zip(&shift).map(|(a, b)| a + b).collect::<Vec<_>>()).collect(), d).unwrap();
        let s = start(&x, k);
        let est = Estimator::new(Gaussian::full(), k).tol(0.0).max_iter(10);
        let a = est.fit_from(&s, &x).unwrap();
        let b = est.fit_from(&translated(&s, &shift), &xs).unwrap();
        let moved: Vec<f64> = translated(&a.mixture, &shift).means().into_vec();
        prop_assert!(close(b.mixture.means().as_slice(), &moved, 1e-9));
        prop_assert!(close(b.mixture.components().covariance_parameters(), a.mixture.components().covariance_parameters(), 1e-7));
        let (la, lb) = (a.report.log_likelihood, b.report.log_likelihood);
        prop_assert!((la - lb).abs() <= 1e-7 * la.abs(), "{la} vs {lb}");
    }

    #[test]
    fn f32_and_f64_fits_agree((x, k) in data_strategy()) {
        let s64 = start(&x, k);
        let x32 = x.map(|&v| v as f32);
        let means32: Vec<f32> = s64.means().as_slice().iter().map(|&v| v as f32).collect();
        let covs32: Vec<f32> = s64.components().covariance_parameters().iter().map(|&v| v as f32).collect();
        let weights: Vec<f64> = s64.weights().to_vec();
        let s32 = gaussian_mixture(&weights, Rows::new(&means32, x.n_cols()).unwrap(), &covs32).unwrap();
        let a = Estimator::new(Gaussian::full(), k).tol(0.0).max_iter(10).fit_from(&s64, &x).unwrap();
        let b = Estimator::new(Gaussian::full(), k).tol(0.0).max_iter(10).fit_from(&s32, &x32).unwrap();
        let m32: Vec<f64> = b.mixture.means().as_slice().iter().map(|&v| f64::from(v)).collect();
        prop_assert!(close(&m32, a.mixture.means().as_slice(), 1e-4));
        let (la, lb) = (a.report.log_likelihood, b.report.log_likelihood);
        prop_assert!((la - lb).abs() <= 1e-5 * la.abs(), "{la} vs {lb}");
    }
}
