//! Times Gaussian-mixture E-M on a raw little-endian `f64` file, for side-by-side comparisons
//! (see `scripts/compare_sklearn_speed.py`, which writes the data and times scikit-learn on it).
//!
//! `cargo run --release --example speed -- DATA.f64 N D K ITERATIONS REPEATS`
//!
//! Prints one line: `rust_f64 median_seconds rust_f32 median_seconds final_mean_log_likelihood`.

use mixture::core::{Estimator, MixtureError, RowMatrix, Scalar};
use mixture::gauss::{Gaussian, GaussianMixture};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 6 {
        return Err("usage: speed DATA.f64 N D K ITERATIONS REPEATS".into());
    }
    let bytes = std::fs::read(&args[0])?;
    let [n, d, k, iterations, repeats]: [usize; 5] =
        std::array::from_fn(|i| args[i + 1].parse().unwrap_or(0));
    if bytes.len() != n * d * 8 || k == 0 || repeats == 0 {
        return Err(format!(
            "{} bytes is not {n}×{d} f64 values, or K/REPEATS is 0",
            bytes.len()
        )
        .into());
    }
    let values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect();
    let x = RowMatrix::new(values, d)?;
    let start = Estimator::new(Gaussian::full(), k)
        .max_iter(0)
        .seed(1)
        .fit(&x)?;
    let (t64, ll) = time(&x, &start.mixture, k, iterations, repeats)?;
    let x32 = x.map(|&v| v as f32);
    let start32 = start.mixture.to_precision::<f32>()?;
    let (t32, _) = time(&x32, &start32, k, iterations, repeats)?;
    println!("rust_f64 {t64:.6} rust_f32 {t32:.6} {ll:.10}");
    Ok(())
}

/// Median wall time of `repeats` fits of `iterations` iterations from `start`.
fn time<T: Scalar>(
    x: &RowMatrix<T>,
    start: &GaussianMixture<T>,
    k: usize,
    iterations: usize,
    repeats: usize,
) -> Result<(f64, f64), MixtureError> {
    let est = Estimator::new(Gaussian::full(), k)
        .tol(0.0)
        .max_iter(iterations);
    let mut times = Vec::with_capacity(repeats);
    let mut ll = 0.0;
    for _ in 0..repeats {
        let t = Instant::now();
        let m = est.fit_from(start, x)?;
        times.push(t.elapsed().as_secs_f64());
        ll = m.report.mean_log_likelihood;
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], ll))
}
