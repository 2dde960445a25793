//! Frequency weights with every family and covariance type: an integer weight is the row
//! repeated, scaling every weight changes no parameter, a weight of 0 removes the row; from
//! the same start, to 1e-12 relative.

mod common;

use mixture::core::{Components, Estimator, Family, Mixture, RowMatrix};
use mixture::gauss::{CovarianceType, Gaussian};

/// Largest relative difference between two mixtures' parameters (as written in a model file).
fn distance<C: Components<f64>>(a: &Mixture<f64, C>, b: &Mixture<f64, C>) -> f64
where
    C::Parameters: serde::Serialize,
{
    let (mut x, mut y) = (Vec::new(), Vec::new());
    common::json_numbers(&serde_json::to_value(a).unwrap(), &mut x);
    common::json_numbers(&serde_json::to_value(b).unwrap(), &mut y);
    assert_eq!(x.len(), y.len());
    x.iter()
        .zip(&y)
        .map(|(p, q)| (p - q).abs() / p.abs().max(q.abs()).max(1e-300))
        .fold(0.0, f64::max)
}

fn check<F: Family<f64>>(family: F, x: &RowMatrix<f64>, k: usize, what: &str)
where
    <F::Components as Components<f64>>::Parameters: serde::Serialize,
{
    let n = x.n_rows();
    let est = Estimator::new(family, k).max_iter(15).tol(0.0);
    let start = est.initialise(x).unwrap();
    // Integer weights 0..3 against the rows repeated that many times.
    let w: Vec<f64> = (0..n).map(|i| ((i * 7) % 4) as f64).collect();
    let mut rows = Vec::new();
    for (row, &wi) in x.iter().zip(&w) {
        for _ in 0..wi as usize {
            rows.push(row.to_vec());
        }
    }
    let repeated = RowMatrix::from_rows(&rows).unwrap();
    let weighted = est.fit_from(&start, x.weighted(&w)).unwrap();
    let copies = est.fit_from(&start, &repeated).unwrap();
    let d = distance(&weighted.mixture, &copies.mixture);
    assert!(
        d < 1e-12,
        "{what}: weighted against repeated rows differ by {d:e}"
    );
    let (a, b) = (weighted.report.log_likelihood, copies.report.log_likelihood);
    assert!((a - b).abs() <= 1e-12 * a.abs(), "{what}: {a} vs {b}");
    let (a, b) = (
        weighted.mixture.bic(x.weighted(&w)).unwrap(),
        weighted.mixture.bic(&repeated).unwrap(),
    );
    assert!((a - b).abs() <= 1e-12 * a.abs(), "{what}: BIC {a} vs {b}");
    // Every weight times c.
    for c in [0.25, 7.0, 1e-6] {
        let scaled: Vec<f64> = w.iter().map(|v| v * c).collect();
        let fit = est.fit_from(&start, x.weighted(&scaled)).unwrap();
        let d = distance(&fit.mixture, &weighted.mixture);
        assert!(
            d < 1e-12,
            "{what}: weights × {c} moved a parameter by {d:e}"
        );
    }
}

fn data() -> RowMatrix<f64> {
    mixture::datagen::lesson_blobs::<f64>(60, 7).unwrap().data
}

#[test]
fn every_gaussian_covariance_type() {
    let x = data();
    for kind in [
        CovarianceType::Full,
        CovarianceType::Diagonal,
        CovarianceType::Spherical,
        CovarianceType::Tied,
    ] {
        check(Gaussian::new(kind), &x, 3, kind.name());
    }
}

#[test]
fn bernoulli_and_exponential() {
    let x = data();
    let bits = x.map(|v| if *v > 0.1 { 1.0 } else { 0.0 });
    check(mixture::bern::Bernoulli::new(), &bits, 2, "bernoulli");
    check(
        mixture::exp::Exponential::new(),
        &x.map(|v| v.abs()),
        2,
        "exponential",
    );
}

#[test]
fn a_zero_weight_is_a_removed_row() {
    let x = data();
    let keep: Vec<bool> = (0..x.n_rows()).map(|i| i % 4 != 1).collect();
    let w: Vec<f64> = keep.iter().map(|&k| f64::from(u8::from(k))).collect();
    let kept: Vec<Vec<f64>> = x
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(r, _)| r.to_vec())
        .collect();
    let kept = RowMatrix::from_rows(&kept).unwrap();
    for kind in [CovarianceType::Full, CovarianceType::Diagonal] {
        let est = Estimator::new(Gaussian::new(kind), 3).max_iter(15).tol(0.0);
        let start = est.initialise(&kept).unwrap();
        let a = est.fit_from(&start, x.weighted(&w)).unwrap();
        let b = est.fit_from(&start, &kept).unwrap();
        assert!(distance(&a.mixture, &b.mixture) < 1e-12, "{}", kind.name());
        let (la, lb) = (a.report.log_likelihood, b.report.log_likelihood);
        assert!((la - lb).abs() <= 1e-12 * la.abs());
        assert_eq!(a.report.weight_total, kept.n_rows() as f64);
        assert_eq!(
            a.mixture.score(x.weighted(&w)).unwrap(),
            a.mixture.log_likelihood(x.weighted(&w)).unwrap() / kept.n_rows() as f64
        );
    }
}
