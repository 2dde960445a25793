//! `mixture generate`.

use super::say;
use crate::args::GenerateKind;
use crate::error::CliError;
use crate::files::{write_labels, write_matrix};

pub(super) fn run(kind: &GenerateKind) -> Result<(), CliError> {
    let (common, data, labels) = match kind {
        GenerateKind::Lesson { n_per_mode, common } => {
            let d = datagen::lesson_blobs::<f64>(*n_per_mode, common.seed)?;
            (common, d.data, d.labels)
        }
        GenerateKind::Gaussian {
            components,
            features,
            n,
            separation,
            common,
        } => {
            let g = datagen::GaussianMixtureGenerator::random(
                *components,
                *features,
                *separation,
                common.seed,
            )?;
            let d = g.generate::<f64>(*n, common.seed.wrapping_add(1))?;
            (common, d.data, d.labels)
        }
        GenerateKind::Bernoulli {
            components,
            features,
            n,
            flip,
            digits,
            common,
        } => {
            let g = if *digits {
                let protos = datagen::BernoulliMixtureGenerator::glyphs(&datagen::DIGITS_8X8)?;
                datagen::BernoulliMixtureGenerator::from_prototypes(
                    protos.view(),
                    *flip,
                    None,
                    common.seed,
                )?
            } else {
                datagen::BernoulliMixtureGenerator::random(
                    *components,
                    *features,
                    *flip,
                    common.seed,
                )?
            };
            let d = g.generate::<f64>(*n, common.seed.wrapping_add(1))?;
            (common, d.data, d.labels)
        }
        GenerateKind::Exponential {
            components,
            features,
            n,
            common,
        } => {
            let g =
                datagen::ExponentialMixtureGenerator::random(*components, *features, common.seed)?;
            let d = g.generate::<f64>(*n, common.seed.wrapping_add(1))?;
            (common, d.data, d.labels)
        }
    };
    let output = common.output.as_ref().ok_or_else(|| {
        CliError::input("--output is required: where to write the data (.csv or .npy)")
    })?;
    let header: Vec<String> = (0..data.n_cols()).map(|j| format!("x{j}")).collect();
    write_matrix(output, &data, Some(&header))?;
    if let Some(path) = &common.labels {
        write_labels(path, "component", &labels)?;
    }
    say(format!(
        "wrote {} rows of {} features to {}",
        data.n_rows(),
        data.n_cols(),
        output.display()
    ));
    Ok(())
}
