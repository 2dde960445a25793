//! Binary codes from 10 prototype digits of 8×8 pixels with 5 % of the bits flipped: fit a
//! 10-component Bernoulli mixture and print the learnt prototypes next to the true ones.
//!
//! Run with `cargo run --release --example bernoulli [OUT_DIR]`; the learnt prototypes are also
//! drawn to OUT_DIR/bernoulli_prototypes.png (default: the current directory).

use mixture::bern::Bernoulli;
use mixture::core::{Estimator, Rows};
use mixture::datagen::{BernoulliMixtureGenerator, DIGITS_8X8};
use mixture::plot::prototype_figure;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bernoulli: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One character per pixel: the probability of a 1, in five shades.
fn shade(p: f64) -> char {
    match p {
        p if p < 0.2 => '.',
        p if p < 0.4 => ':',
        p if p < 0.6 => '+',
        p if p < 0.8 => '*',
        _ => '#',
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/figures".into()),
    );
    std::fs::create_dir_all(&out_dir)?;
    let prototypes = BernoulliMixtureGenerator::glyphs(&DIGITS_8X8)?;
    let generator = BernoulliMixtureGenerator::from_prototypes(prototypes.view(), 0.05, None, 1)?;
    let sample = generator.generate::<f64>(3000, 2)?;
    let x = &sample.data;

    let model = Estimator::new(Bernoulli::new(), 10)
        .seed(3)
        .n_init(5)
        .fit(x)?;
    let report = &model.report;
    println!(
        "{} rows of 64 bits, 10 components: {} after {} iterations, log p(X) = {:.2} nats",
        x.n_rows(),
        if report.converged {
            "converged"
        } else {
            "stopped"
        },
        report.n_iter,
        report.log_likelihood
    );

    // Pair each learnt component with the true prototype it resembles most.
    let learnt = model.mixture.components().probabilities();
    let truth = generator.truth().components().probabilities();
    let true_weights = generator.truth().weights();
    let weights = model.mixture.weights();
    for k in 0..10 {
        let best = (0..10)
            .min_by(|&a, &b| {
                distance(learnt.row(k), truth.row(a))
                    .total_cmp(&distance(learnt.row(k), truth.row(b)))
            })
            .expect("10 prototypes");
        println!();
        println!(
            "component {k}: weight {:.3} (true {:.3})   learnt     true digit {best}",
            weights[k], true_weights[best]
        );
        for r in 0..8 {
            let row = |p: Rows<'_, f64>, c: usize| -> String {
                (0..8).map(|j| shade(p.row(c)[r * 8 + j])).collect()
            };
            println!("{:>37}   {}", row(learnt, k), row(truth, best));
        }
    }
    let path = out_dir.join("bernoulli_prototypes.png");
    prototype_figure(learnt, weights, (8, 8), "Learnt Bernoulli prototypes")?.save(&path)?;
    println!();
    println!("wrote {}", path.display());
    Ok(())
}

fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum()
}
