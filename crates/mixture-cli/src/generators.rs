//! The generators of `mixture generate`: synthetic data with known truth, one kind per
//! subcommand (datagen's generators: the lesson's blobs, and one per family that has one).

use clap::{Args, Subcommand};
use mixture_core::{MixtureError, RowMatrix};
use std::path::PathBuf;

/// The size of a random mixture's data: K, D and N.
#[derive(Debug, Args)]
pub struct RandomShape {
    /// Number of components.
    #[arg(long, short = 'k', default_value_t = 3)]
    pub components: usize,
    /// Number of features.
    #[arg(long, short = 'd', default_value_t = 2)]
    pub features: usize,
    /// Number of rows.
    #[arg(long, short, default_value_t = 1000)]
    pub n: usize,
}

/// Options shared by every generator.
#[derive(Debug, Args)]
pub struct GenerateCommon {
    /// Output file (.csv or .npy).
    #[arg(long, short, global = true)]
    pub output: Option<PathBuf>,
    /// Also write each row's true component to this CSV.
    #[arg(long, global = true)]
    pub labels: Option<PathBuf>,
    /// Seed of the random stream.
    #[arg(
        long,
        allow_negative_numbers = true,
        default_value_t = 0,
        global = true
    )]
    pub seed: u64,
}

/// The generators.
#[derive(Debug, Subcommand)]
pub enum GenerateKind {
    /// The lesson's three 2-D Gaussian blobs.
    Lesson {
        /// Rows per blob.
        #[arg(long, default_value_t = 200)]
        n_per_mode: usize,
        /// Output, labels and seed.
        #[command(flatten)]
        common: GenerateCommon,
    },
    /// A random Gaussian mixture with well-separated means.
    Gaussian {
        /// Components, features and rows.
        #[command(flatten)]
        shape: RandomShape,
        /// Minimum distance between means, in standard deviations.
        #[arg(long, default_value_t = 4.0)]
        separation: f64,
        /// Output, labels and seed.
        #[command(flatten)]
        common: GenerateCommon,
    },
    /// Binary rows from random prototypes (or the ten 8×8 digits) with flipped bits.
    Bernoulli {
        /// Number of prototypes (ignored with --digits).
        #[arg(long, short = 'k', default_value_t = 4)]
        components: usize,
        /// Bits per row (ignored with --digits).
        #[arg(long, short = 'd', default_value_t = 64)]
        features: usize,
        /// Number of rows.
        #[arg(long, short, default_value_t = 1000)]
        n: usize,
        /// Probability that a bit flips.
        #[arg(long, default_value_t = 0.1)]
        flip: f64,
        /// Use the ten 8×8 digit glyphs as prototypes.
        #[arg(long)]
        digits: bool,
        /// Output, labels and seed.
        #[command(flatten)]
        common: GenerateCommon,
    },
    /// Non-negative rows from random exponential components (rates between 0.1 and 10).
    Exponential {
        /// Components, features and rows.
        #[command(flatten)]
        shape: RandomShape,
        /// Output, labels and seed.
        #[command(flatten)]
        common: GenerateCommon,
    },
    /// Counts from random Poisson components (mean counts between 0.5 and 50).
    Poisson {
        /// Components, features and rows.
        #[command(flatten)]
        shape: RandomShape,
        /// Output, labels and seed.
        #[command(flatten)]
        common: GenerateCommon,
    },
}

impl GenerateKind {
    /// The options every generator has.
    pub fn common(&self) -> &GenerateCommon {
        match self {
            GenerateKind::Lesson { common, .. }
            | GenerateKind::Gaussian { common, .. }
            | GenerateKind::Bernoulli { common, .. }
            | GenerateKind::Exponential { common, .. }
            | GenerateKind::Poisson { common, .. } => common,
        }
    }
}

/// The rows `kind` generates and each row's true component, with its common options.
pub(crate) fn generate(
    kind: &GenerateKind,
) -> Result<(&GenerateCommon, RowMatrix<f64>, Vec<usize>), MixtureError> {
    Ok(match kind {
        GenerateKind::Lesson { n_per_mode, common } => {
            let d = datagen::lesson_blobs::<f64>(*n_per_mode, common.seed)?;
            (common, d.data, d.labels)
        }
        GenerateKind::Gaussian {
            shape,
            separation,
            common,
        } => {
            let g = datagen::GaussianMixtureGenerator::random(
                shape.components,
                shape.features,
                *separation,
                common.seed,
            )?;
            let d = g.generate::<f64>(shape.n, common.seed.wrapping_add(1))?;
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
        GenerateKind::Exponential { shape, common } => {
            let g = datagen::ExponentialMixtureGenerator::random(
                shape.components,
                shape.features,
                common.seed,
            )?;
            let d = g.generate::<f64>(shape.n, common.seed.wrapping_add(1))?;
            (common, d.data, d.labels)
        }
        GenerateKind::Poisson { shape, common } => {
            let g = datagen::PoissonMixtureGenerator::random(
                shape.components,
                shape.features,
                common.seed,
            )?;
            let d = g.generate::<f64>(shape.n, common.seed.wrapping_add(1))?;
            (common, d.data, d.labels)
        }
    })
}
