//! The lesson "Density Modeling and Analysis" in Rust: fit a 3-component Gaussian mixture to
//! 600 synthetic 2-D latent codes, print the fitting trace and log p(X), then draw 600 samples
//! and compare them with the fit.
//!
//! Run with `cargo run --release --example lesson [OUT_DIR]`: the two pictures, `gmm_fit.png`
//! (the learnt density over the data) and `gmm_samples.png` (over the samples), are written to
//! OUT_DIR (default: `target/figures`, which git ignores).

use mixture::core::rand::SeedableRng;
use mixture::core::rand::rngs::ChaCha8Rng;
use mixture::core::{Estimator, Init, TraceWriter};
use mixture::gauss::Gaussian;
use mixture::plot::{DensityOptions, fit_figure, samples_figure};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lesson: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/figures".into()),
    );
    std::fs::create_dir_all(&out_dir)?;
    let start = std::time::Instant::now();
    // The "latent codes": 200 points from each of three unobserved Gaussians, shuffled.
    let blobs = mixture::datagen::lesson_blobs::<f64>(200, 69)?;
    let x = &blobs.data;

    // A 3-component GMM, at most 100 iterations, initialised from random data rows.
    let estimator = Estimator::new(Gaussian::full(), 3)
        .max_iter(100)
        .tol(1e-3)
        .init(Init::RandomRows)
        .seed(69);
    // The trace goes to stdout here because it is this program's output; the library's own
    // `verbose(true)` writes it to stderr.
    let mut trace = TraceWriter::new(std::io::stdout());
    let model = estimator.fit_with(x, None, &mut trace)?;

    let log_px = model.mixture.log_likelihood(x)?;
    println!("log[p(X)] = {log_px:.4} nats");

    // Draw 600 samples from the learnt density.
    let mut rng = ChaCha8Rng::seed_from_u64(70);
    let (samples, labels) = model.mixture.sample(600, &mut rng)?;

    println!();
    println!("600 samples from the fitted mixture:");
    println!("component  weight  samples  fitted mean            sample mean");
    let means = model.mixture.means();
    let weights = model.mixture.weights();
    for k in 0..model.mixture.n_components() {
        let rows: Vec<&[f64]> = samples
            .iter()
            .zip(&labels)
            .filter(|(_, l)| **l == k)
            .map(|(r, _)| r)
            .collect();
        let n = rows.len().max(1) as f64;
        let sample_mean: Vec<f64> = (0..2)
            .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
            .collect();
        println!(
            "{k:>9}  {:>6.3}  {:>7}  ({:>7.4}, {:>7.4})     ({:>7.4}, {:>7.4})",
            weights[k],
            rows.len(),
            means.get(k, 0),
            means.get(k, 1),
            sample_mean[0],
            sample_mean[1]
        );
    }
    println!(
        "mean log-likelihood of the samples under the model: {:.4} nats (data: {:.4})",
        model.mixture.score(&samples)?,
        model.mixture.score(x)?
    );

    // The learnt density over the data, and over the samples.
    let fit_path = out_dir.join("gmm_fit.png");
    let samples_path = out_dir.join("gmm_samples.png");
    fit_figure(&model.mixture, x.view(), &DensityOptions::fit())?.save(&fit_path)?;
    samples_figure(
        &model.mixture,
        x.view(),
        samples.view(),
        &DensityOptions::samples(),
    )?
    .save(&samples_path)?;
    println!();
    println!(
        "wrote {} and {}",
        fit_path.display(),
        samples_path.display()
    );

    eprintln!(
        "(finished in {:.1} ms)",
        start.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}
