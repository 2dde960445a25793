//! Non-negative data from 3 exponential components in 4 dimensions: fit an exponential mixture
//! and print the true rates and weights next to the fitted ones.
//!
//! Run with `cargo run --release --example exponential [OUT_DIR]`; per-feature histograms with
//! the fitted density, and the log-likelihood per iteration, are also drawn to
//! OUT_DIR/exponential_histograms.png and OUT_DIR/exponential_trace.png (default: the current
//! directory).

use mixture::core::{Estimator, Rows};
use mixture::datagen::ExponentialMixtureGenerator;
use mixture::exp::Exponential;
use mixture::plot::{histogram_figure, trace_figure};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exponential: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/figures".into()),
    );
    std::fs::create_dir_all(&out_dir)?;
    let rates = [
        0.5, 5.0, 1.0, 20.0, //
        10.0, 0.2, 1.0, 2.0, //
        2.0, 2.0, 50.0, 0.1,
    ];
    let weights = [0.5, 0.3, 0.2];
    let generator = ExponentialMixtureGenerator::new(&weights, Rows::new(&rates, 4)?)?;
    let sample = generator.generate::<f64>(20_000, 7)?;
    let x = &sample.data;

    let model = Estimator::new(Exponential::new(), 3)
        .seed(1)
        .n_init(3)
        .tol(1e-6)
        .fit(x)?;
    let report = &model.report;
    println!(
        "{} rows, 4 features, 3 components: {} after {} iterations, log p(X) = {:.2} nats",
        x.n_rows(),
        if report.converged {
            "converged"
        } else {
            "stopped"
        },
        report.n_iter,
        report.log_likelihood
    );
    println!(
        "true model's log p(X) = {:.2} nats",
        generator.truth().log_likelihood(x)?
    );
    let fitted = model.mixture.components().rates();
    let fitted_weights = model.mixture.weights();
    println!();
    println!(
        "{:<10} {:>7} {:>7}   rates (true / fitted)",
        "component", "weight", "fitted"
    );
    for k in 0..3 {
        // The fitted component with the closest log-rates.
        let best = (0..3)
            .min_by(|&a, &b| {
                log_distance(fitted.row(a), &rates[k * 4..k * 4 + 4])
                    .total_cmp(&log_distance(fitted.row(b), &rates[k * 4..k * 4 + 4]))
            })
            .expect("3 components");
        let pairs: Vec<String> = (0..4)
            .map(|j| format!("{:>6.2} / {:<7.3}", rates[k * 4 + j], fitted.row(best)[j]))
            .collect();
        println!(
            "{k:<10} {:>7.3} {:>7.3}   {}",
            weights[k],
            fitted_weights[best],
            pairs.join("  ")
        );
    }
    let hist = out_dir.join("exponential_histograms.png");
    let trace = out_dir.join("exponential_trace.png");
    histogram_figure(
        &model.mixture,
        x.view(),
        60,
        "Data and fitted exponential mixture, per feature",
    )?
    .save(&hist)?;
    trace_figure(report, (800, 500), "Log-likelihood per iteration")?.save(&trace)?;
    println!();
    println!("wrote {} and {}", hist.display(), trace.display());
    Ok(())
}

fn log_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x.ln() - y.ln()).abs()).sum()
}
