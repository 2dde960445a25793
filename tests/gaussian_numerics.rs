//! Log-densities against an independent naive formula, and sampling moments.

mod common;

use common::*;
use mixture::core::{Components, RowMatrix, Rows, Scalar};
use mixture::gauss::{GaussianComponents, gaussian_mixture};

#[test]
fn log_densities_match_the_naive_formula_up_to_d20() {
    let mut rng = rng(1);
    for d in [1, 2, 3, 5, 8, 13, 20] {
        let k = 3;
        let means: Vec<f64> = (0..k * d)
            .map(|_| 3.0 * f64::standard_normal(&mut rng))
            .collect();
        let covs: Vec<f64> = (0..k).flat_map(|_| random_spd(&mut rng, d, 0.3)).collect();
        let comps = GaussianComponents::new(Rows::new(&means, d).unwrap(), &covs).unwrap();
        // Rows near and far from the means, and a block size that is not a multiple of anything.
        let n = 37;
        let data: Vec<f64> = (0..n * d)
            .map(|i| means[i % (k * d)] + 2.0 * f64::standard_normal(&mut rng))
            .collect();
        let x = Rows::new(&data, d).unwrap();
        let mut out = vec![0.0; n * k];
        comps.log_densities(x, &mut out, &mut Vec::new());
        for i in 0..n {
            for c in 0..k {
                let want = naive_log_density(
                    x.row(i),
                    &means[c * d..(c + 1) * d],
                    &covs[c * d * d..(c + 1) * d * d],
                );
                let got = out[i * k + c];
                assert!(
                    (got - want).abs() <= 1e-12 * want.abs(),
                    "D={d}, row {i}, component {c}: {got} vs naive {want}"
                );
            }
        }
        // The mixture's per-row log-likelihood against the naive mixture density.
        let weights = [0.5, 0.3, 0.2];
        let gmm = gaussian_mixture(&weights, Rows::new(&means, d).unwrap(), &covs).unwrap();
        let per_row = gmm.log_likelihood_per_row(x).unwrap();
        for (i, got) in per_row.iter().enumerate() {
            let want =
                naive_mixture_log_density(x.row(i), &weights, Rows::new(&means, d).unwrap(), &covs);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs(),
                "D={d}, row {i}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn far_from_the_origin_loses_no_digits() {
    // The same model and rows shifted by 1e6: log-densities must not change beyond rounding
    // of the shifted inputs themselves.
    let mut rng = rng(2);
    let d = 4;
    let means: Vec<f64> = (0..2 * d).map(|_| f64::standard_normal(&mut rng)).collect();
    let covs: Vec<f64> = (0..2).flat_map(|_| random_spd(&mut rng, d, 0.5)).collect();
    let data: Vec<f64> = (0..50 * d)
        .map(|i| means[i % d] + f64::standard_normal(&mut rng))
        .collect();
    let base = gaussian_mixture(&[0.5, 0.5], Rows::new(&means, d).unwrap(), &covs).unwrap();
    let shift = 1e6;
    let means_s: Vec<f64> = means.iter().map(|m| m + shift).collect();
    let data_s: Vec<f64> = data.iter().map(|v| v + shift).collect();
    let shifted = gaussian_mixture(&[0.5, 0.5], Rows::new(&means_s, d).unwrap(), &covs).unwrap();
    let a = base
        .log_likelihood_per_row(Rows::new(&data, d).unwrap())
        .unwrap();
    let b = shifted
        .log_likelihood_per_row(Rows::new(&data_s, d).unwrap())
        .unwrap();
    for (x, y) in a.iter().zip(&b) {
        // Shifting by 1e6 rounds inputs at ~1e-10 absolute: far below this bound.
        assert!((x - y).abs() < 1e-7 * x.abs().max(1.0), "{x} vs {y}");
    }
}

/// Sample mean and covariance of 100 000 draws per component match the component's, within
/// four standard errors.
fn check_sampling<T: Scalar>() {
    let mut r = rng(3);
    let d = 3;
    let means = [1.0, -2.0, 0.5, -3.0, 4.0, 10.0];
    let covs: Vec<f64> = (0..2).flat_map(|_| random_spd(&mut r, d, 0.2)).collect();
    let weights = [0.5, 0.5];
    let means_t: Vec<T> = means.iter().map(|&v| T::cast(v)).collect();
    let covs_t: Vec<T> = covs.iter().map(|&v| T::cast(v)).collect();
    let gmm = gaussian_mixture(&weights, Rows::new(&means_t, d).unwrap(), &covs_t).unwrap();
    let n = 200_000;
    let (x, labels): (RowMatrix<T>, Vec<usize>) = gmm.sample(n, &mut r).unwrap();
    // Labels come in random order, not grouped.
    let switches = labels.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(switches > n / 4, "labels look grouped: {switches} switches");
    for k in 0..2 {
        let rows: Vec<Vec<f64>> = x
            .iter()
            .zip(&labels)
            .filter(|(_, l)| **l == k)
            .map(|(row, _)| row.iter().map(|v| v.as_f64()).collect())
            .collect();
        let nk = rows.len() as f64;
        assert!((nk / n as f64 - weights[k]).abs() < 4.0 * (0.25 / n as f64).sqrt());
        let cov = &covs[k * d * d..(k + 1) * d * d];
        let mean: Vec<f64> = (0..d)
            .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / nk)
            .collect();
        for j in 0..d {
            let se = (cov[j * d + j] / nk).sqrt();
            assert!(
                (mean[j] - means[k * d + j]).abs() < 4.0 * se,
                "{} component {k} mean[{j}]",
                T::NAME
            );
        }
        for a in 0..d {
            for b in 0..d {
                let s: f64 = rows
                    .iter()
                    .map(|r| (r[a] - mean[a]) * (r[b] - mean[b]))
                    .sum::<f64>()
                    / (nk - 1.0);
                let want = cov[a * d + b];
                let se = ((cov[a * d + a] * cov[b * d + b] + want * want) / nk).sqrt();
                assert!(
                    (s - want).abs() < 4.0 * se,
                    "{} component {k} cov[{a},{b}] = {s}, want {want}",
                    T::NAME
                );
            }
        }
    }
}

#[test]
fn samples_have_the_components_moments_f64() {
    check_sampling::<f64>();
}

#[test]
fn samples_have_the_components_moments_f32() {
    check_sampling::<f32>();
}
