//! How far can f32 be trusted? For a grid of sizes N, dimensions D and covariance condition
//! numbers κ, fit the same data from the same start in f64 and in f32 (10 E-M iterations,
//! tol 0) and print the relative error of the f32 results against f64.
//!
//! `cargo run --release --example precision` (about a minute; `-- --quick` stops at N = 10⁵).
//!
//! Columns: `ll` the total log-likelihood after the fit; `means` and `covs` the largest error
//! of a component's mean or covariance relative to that component's scale (its largest standard
//! deviation, its largest variance); `score` the f32 log-likelihood of the f64 model's
//! parameters rounded to f32 (the E-step alone). f32 is called usable when `ll` is below 1e-5
//! and the parameters below 1e-3.

use mixture::core::rand::{SeedableRng, rngs::ChaCha8Rng};
use mixture::core::{Estimator, RowMatrix, Rows, Scalar};
use mixture::gauss::{Gaussian, GaussianMixture, gaussian_mixture};

/// A random rotation (Gram–Schmidt on a Gaussian matrix), row-major D×D.
fn rotation(d: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let mut q: Vec<f64> = (0..d * d).map(|_| f64::standard_normal(rng)).collect();
    for i in 0..d {
        for j in 0..i {
            let dot: f64 = (0..d).map(|t| q[i * d + t] * q[j * d + t]).sum();
            for t in 0..d {
                q[i * d + t] -= dot * q[j * d + t];
            }
        }
        let norm = (0..d).map(|t| q[i * d + t].powi(2)).sum::<f64>().sqrt();
        for t in 0..d {
            q[i * d + t] /= norm;
        }
    }
    q
}

/// Three components in D dimensions whose covariances have condition number κ (eigenvalues
/// spaced logarithmically from 1 down to 1/κ), means 8 standard deviations apart.
fn truth(d: usize, kappa: f64, seed: u64) -> GaussianMixture<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let k = 3;
    let mut covs = Vec::with_capacity(k * d * d);
    for _ in 0..k {
        let q = rotation(d, &mut rng);
        let eig: Vec<f64> = (0..d)
            .map(|i| kappa.powf(-(i as f64) / (d.max(2) - 1) as f64))
            .collect();
        for a in 0..d {
            for b in 0..d {
                covs.push((0..d).map(|t| q[t * d + a] * eig[t] * q[t * d + b]).sum());
            }
        }
    }
    let means: Vec<f64> = (0..k * d)
        .map(|i| if i % d == i / d { 8.0 } else { 0.0 })
        .collect();
    gaussian_mixture(&[0.5, 0.3, 0.2], Rows::new(&means, d).unwrap(), &covs).unwrap()
}

fn to_f32(m: &GaussianMixture<f64>) -> GaussianMixture<f32> {
    m.to_precision().expect("rounded parameters stay valid")
}

/// Largest error of a component's block of `got` against `want`, relative to `scale(k)`.
fn block_error(got: &[f32], want: &[f64], k: usize, scale: impl Fn(usize) -> f64) -> f64 {
    let per = want.len() / k;
    (0..k)
        .map(|c| {
            let err = (0..per)
                .map(|i| (f64::from(got[c * per + i]) - want[c * per + i]).abs())
                .fold(0.0, f64::max);
            err / scale(c)
        })
        .fold(0.0, f64::max)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!("| N | D | κ | ll | means | covs | score | f32 |");
    println!("|---|---|---|---|---|---|---|---|");
    for d in [2usize, 16] {
        for kappa in [1.0, 1e3, 1e6] {
            let model = truth(d, kappa, 7);
            let largest_n = match (quick, d) {
                (true, _) => 100_000,
                (false, 2) => 10_000_000,
                (false, _) => 1_000_000,
            };
            let mut n = 1000;
            while n <= largest_n {
                let (x, _) = model
                    .sample(n, &mut ChaCha8Rng::seed_from_u64(n as u64))
                    .unwrap();
                let x32: RowMatrix<f32> = x.map(|&v| v as f32);
                // The same start for both: the truth, rounded for f32.
                let est = Estimator::new(Gaussian::full(), 3).tol(0.0).max_iter(10);
                let a = est.fit_from(&model, &x).unwrap();
                let row = match est.fit_from(&to_f32(&model), &x32) {
                    Ok(b) => {
                        let (la, lb) = (a.report.log_likelihood, b.report.log_likelihood);
                        let ll = ((la - lb) / la).abs();
                        let ca = a.mixture.components().covariance_parameters();
                        let var = |c: usize| {
                            (0..d)
                                .map(|i| ca[c * d * d + i * d + i])
                                .fold(0.0, f64::max)
                        };
                        let means = block_error(
                            b.mixture.means().as_slice(),
                            a.mixture.means().as_slice(),
                            3,
                            |c| var(c).sqrt(),
                        );
                        let covs =
                            block_error(b.mixture.components().covariance_parameters(), ca, 3, var);
                        let s64 = a.mixture.log_likelihood(&x).unwrap();
                        let s32 = to_f32(&a.mixture).log_likelihood(&x32).unwrap();
                        let score = ((s64 - s32) / s64).abs();
                        let usable = ll < 1e-5 && means < 1e-3 && covs < 1e-3;
                        format!(
                            "{ll:.1e} | {means:.1e} | {covs:.1e} | {score:.1e} | {}",
                            if usable { "usable" } else { "**not usable**" }
                        )
                    }
                    Err(e) => format!("— | — | — | — | fails: {e}"),
                };
                println!(
                    "| 10^{} | {d} | {kappa:.0e} | {row} |",
                    (n as f64).log10().round()
                );
                n *= 10;
            }
        }
    }
}
