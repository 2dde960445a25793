//! Times Gaussian-mixture E-M iterations on a raw little-endian `f64` file, for side-by-side
//! comparisons (see `scripts/compare_sklearn_speed.py`, which writes the data, reads the start
//! this program saves, and times scikit-learn from the same start).
//!
//! `cargo run --release --example speed -- DATA.f64 N D K COVARIANCE ITERATIONS REPEATS START.json`
//!
//! The start is a k-means++ start (seed 1) of the given covariance type, saved as a model file.
//! The time of one iteration is `(t(1 + ITERATIONS) − t(1)) / ITERATIONS`: fits from the start
//! with `tol = 0`, so whatever a fit does once (validation, the final pass) cancels. Prints one
//! line: `rust_f64 SECONDS_PER_ITERATION rust_f32 SECONDS_PER_ITERATION LOGLIK_F64 LOGLIK_F32
//! FIT_F64 FIT_F32` (medians of REPEATS; the mean log-likelihoods after 1 + ITERATIONS
//! iterations; and the whole time of that fit, to compare with other front ends on the same
//! start, such as the Python package).

use mixture::core::{Estimator, MixtureError, RowMatrix, Scalar};
use mixture::gauss::{CovarianceType, Gaussian, GaussianMixture};
use mixture::model_file::{AnyMixture, to_json};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 8 {
        return Err("usage: speed DATA.f64 N D K COVARIANCE ITERATIONS REPEATS START.json".into());
    }
    let bytes = std::fs::read(&args[0])?;
    let [n, d, k]: [usize; 3] = std::array::from_fn(|i| args[i + 1].parse().unwrap_or(0));
    let kind = CovarianceType::from_name(&args[4])
        .ok_or_else(|| format!("unknown covariance type {:?}", args[4]))?;
    let [iterations, repeats]: [usize; 2] =
        std::array::from_fn(|i| args[i + 5].parse().unwrap_or(0));
    if bytes.len() != n * d * 8 || k == 0 || repeats == 0 || iterations == 0 {
        return Err(format!(
            "{} bytes is not {n}×{d} f64 values, or K/ITERATIONS/REPEATS is 0",
            bytes.len()
        )
        .into());
    }
    let values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect();
    let x = RowMatrix::new(values, d)?;
    let family = Gaussian::new(kind);
    let start = Estimator::new(family, k).max_iter(0).seed(1).fit(&x)?;
    std::fs::write(
        &args[7],
        to_json(&AnyMixture::Gaussian(start.mixture.clone()), None),
    )?;
    let (t64, ll64, fit64) = per_iteration(&x, &start.mixture, family, iterations, repeats)?;
    let x32 = x.map(|&v| v as f32);
    let start32 = start.mixture.to_precision::<f32>()?;
    let (t32, ll32, fit32) = per_iteration(&x32, &start32, family, iterations, repeats)?;
    println!("rust_f64 {t64:.6} rust_f32 {t32:.6} {ll64:.12} {ll32:.12} {fit64:.6} {fit32:.6}");
    Ok(())
}

/// Median seconds per iteration over `repeats` pairs of fits from `start` (see the module
/// docs), the mean log-likelihood of the longer fit, and its median time.
fn per_iteration<T: Scalar>(
    x: &RowMatrix<T>,
    start: &GaussianMixture<T>,
    family: Gaussian,
    iterations: usize,
    repeats: usize,
) -> Result<(f64, f64, f64), MixtureError> {
    let k = start.n_components();
    let timed = |max_iter: usize| -> Result<(f64, f64), MixtureError> {
        let est = Estimator::new(family, k).tol(0.0).max_iter(max_iter);
        let t = Instant::now();
        let m = est.fit_from(start, x)?;
        Ok((t.elapsed().as_secs_f64(), m.report.mean_log_likelihood))
    };
    let (mut times, mut fits) = (Vec::with_capacity(repeats), Vec::with_capacity(repeats));
    let mut ll = 0.0;
    for _ in 0..repeats {
        let (short, _) = timed(1)?;
        let (long, l) = timed(1 + iterations)?;
        times.push((long - short) / iterations as f64);
        fits.push(long);
        ll = l;
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Ok((median(times), ll, median(fits)))
}
