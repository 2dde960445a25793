//! Binary data from prototype patterns with flipped bits.

use crate::{Labelled, check_positive_count, random_weights, sample_labelled};
use mixture_bern::{BernoulliMixture, bernoulli_mixture};
use mixture_core::rand::SeedableRng;
use mixture_core::rand::rngs::ChaCha8Rng;
use mixture_core::{MixtureError, Result, Rows, Scalar};
use rand::RngExt;

/// Ten 8×8 digit glyphs (0 to 9), row by row, `#` for 1: prototypes for binary examples.
pub const DIGITS_8X8: [&str; 10] = [
    "..####...#....#..#....#..#....#..#....#..#....#..#....#...####..",
    "...##.....###....#.##......##......##......##......##....######.",
    "..####...#....#.......#......#......#......#......#.....######..",
    "..####...#....#.......#....###........#.......#..#....#...####..",
    ".....#......##.....#.#....#..#...######......#.......#.......#..",
    ".######..#.......#.......#####........#.......#..#....#...####..",
    "...###....#......#.......#####...#....#..#....#..#....#...####..",
    ".######.......#.......#......#......#......#......#......#......",
    "..####...#....#..#....#...####...#....#..#....#..#....#...####..",
    "..####...#....#..#....#...#####.......#.......#......#....###...",
];

/// Draws binary rows from a Bernoulli mixture: given probabilities, or prototype patterns
/// whose bits flip independently with a given probability.
#[derive(Debug, Clone)]
pub struct BernoulliMixtureGenerator {
    truth: BernoulliMixture<f64>,
}

impl BernoulliMixtureGenerator {
    /// Draws from the mixture with these `weights` (K) and `probabilities` (K×D in [0, 1]).
    ///
    /// # Errors
    /// As [`mixture_bern::bernoulli_mixture`].
    pub fn new(weights: &[f64], probabilities: Rows<'_, f64>) -> Result<Self> {
        Ok(Self {
            truth: bernoulli_mixture(weights, probabilities)?,
        })
    }

    /// K prototypes (K×D, each value 0 or 1) whose bits flip with probability `flip`: the
    /// truth's probabilities are `flip` where the prototype is 0 and `1 − flip` where it is 1.
    /// `weights` of `None` draws random weights from `seed`.
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] for a prototype value other than 0 or 1, and
    /// [`MixtureError::InvalidOption`] for a `flip` outside [0, 0.5].
    ///
    /// # Examples
    /// ```
    /// use datagen::{BernoulliMixtureGenerator, DIGITS_8X8};
    /// let protos = BernoulliMixtureGenerator::glyphs(&DIGITS_8X8)?;
    /// let g = BernoulliMixtureGenerator::from_prototypes(protos.view(), 0.05, None, 1)?;
    /// let data = g.generate::<f32>(500, 2)?;
    /// assert_eq!(data.data.n_cols(), 64);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn from_prototypes(
        prototypes: Rows<'_, f64>,
        flip: f64,
        weights: Option<&[f64]>,
        seed: u64,
    ) -> Result<Self> {
        if !(0.0..=0.5).contains(&flip) {
            return Err(MixtureError::InvalidOption {
                name: "flip",
                value: flip.to_string(),
                expected: "a flip probability lies in [0, 0.5]",
            });
        }
        let d = prototypes.n_cols();
        let mut probabilities = Vec::with_capacity(prototypes.as_slice().len());
        for (i, &v) in prototypes.as_slice().iter().enumerate() {
            probabilities.push(match v {
                0.0 => flip,
                1.0 => 1.0 - flip,
                _ => {
                    return Err(MixtureError::InvalidParameters {
                        reason: format!(
                            "prototype {}, feature {} is {v}; prototypes are 0 or 1",
                            i / d,
                            i % d
                        ),
                    });
                }
            });
        }
        let k = prototypes.n_rows();
        let weights = match weights {
            Some(w) => w.to_vec(),
            None => random_weights(k, &mut ChaCha8Rng::seed_from_u64(seed)),
        };
        Self::new(&weights, Rows::new(&probabilities, d)?)
    }

    /// `k` random prototypes of `d` bits (each bit 0 or 1 with probability ½, drawn from
    /// `seed`), flipped with probability `flip`, random weights.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] for K or D of 0 or a `flip` outside [0, 0.5].
    ///
    /// # Examples
    /// ```
    /// let g = datagen::BernoulliMixtureGenerator::random(3, 16, 0.1, 1)?;
    /// assert_eq!(g.truth().n_components(), 3);
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn random(k: usize, d: usize, flip: f64, seed: u64) -> Result<Self> {
        check_positive_count("n_components", k)?;
        check_positive_count("n_features", d)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let bits: Vec<f64> = (0..k * d)
            .map(|_| f64::from(u8::from(rng.random::<bool>())))
            .collect();
        Self::from_prototypes(Rows::new(&bits, d)?, flip, None, seed)
    }

    /// Prototypes from text glyphs of equal length (`#` is 1, anything else 0), such as
    /// [`DIGITS_8X8`].
    ///
    /// # Errors
    /// [`MixtureError::RaggedRow`] when the glyphs differ in length, or
    /// [`MixtureError::Shape`] when there are none or they are empty.
    pub fn glyphs(glyphs: &[&str]) -> Result<mixture_core::RowMatrix<f64>> {
        let rows: Vec<Vec<f64>> = glyphs
            .iter()
            .map(|g| {
                g.chars()
                    .map(|c| if c == '#' { 1.0 } else { 0.0 })
                    .collect()
            })
            .collect();
        mixture_core::RowMatrix::from_rows(&rows)
    }

    /// The mixture the data are drawn from.
    pub fn truth(&self) -> &BernoulliMixture<f64> {
        &self.truth
    }

    /// `n` binary rows (0 or 1 as `T`) with their components, in random order.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] when `n` is 0.
    pub fn generate<T: Scalar>(
        &self,
        n: usize,
        seed: u64,
    ) -> Result<Labelled<T, BernoulliMixture<f64>>> {
        sample_labelled(&self.truth, n, seed)
    }
}
