//! # datagen
//!
//! Seeded synthetic data with known truth, for examples, tests and benchmarks: every generator
//! returns the data, the true component of every row (as indices, and one-hot on request) and
//! the true parameters, as a mixture you can evaluate.
//!
//! Randomness comes from `ChaCha8Rng::seed_from_u64(seed)`, a stream that does not change
//! between versions or machines. Data are drawn in `f64` and rounded to `T`, so the `f32` data
//! of a seed are the `f64` data rounded.
//!
//! # Examples
//! ```
//! let blobs = datagen::lesson_blobs::<f64>(200, 69)?;
//! assert_eq!(blobs.data.n_rows(), 600);
//! assert_eq!(blobs.one_hot().row(0).iter().sum::<f64>(), 1.0);
//! # Ok::<(), mixture_core::MixtureError>(())
//! ```

mod binary;
mod counts;
mod exponential;

pub use binary::{BernoulliMixtureGenerator, DIGITS_8X8};
pub use counts::PoissonMixtureGenerator;
pub use exponential::ExponentialMixtureGenerator;

use mixture_core::rand::SeedableRng;
use mixture_core::rand::rngs::ChaCha8Rng;
use mixture_core::{Components, Mixture, MixtureError, Result, RowMatrix, Rows, Scalar};
use mixture_gauss::{GaussianMixture, gaussian_mixture};
use rand::RngExt;
use rand::seq::SliceRandom;

/// `n` rows drawn from `truth` with their components, in random order, rounded to `T`.
///
/// # Errors
/// [`MixtureError::InvalidOption`] when `n` is 0.
pub fn sample_labelled<T: Scalar, C: Components<f64>>(
    truth: &Mixture<f64, C>,
    n: usize,
    seed: u64,
) -> Result<Labelled<T, Mixture<f64, C>>> {
    if n == 0 {
        return Err(MixtureError::InvalidOption {
            name: "n_samples",
            value: "0".into(),
            expected: "must be at least 1",
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (data, labels) = truth.sample(n, &mut rng)?;
    Ok(Labelled {
        data: data.map(|&v| T::cast(v)),
        labels,
        truth: truth.clone(),
    })
}

/// Random mixing weights: uniform in [0.5, 1.5) before normalising.
fn random_weights(k: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let raw: Vec<f64> = (0..k).map(|_| rng.random_range(0.5..1.5)).collect();
    let total: f64 = raw.iter().sum();
    raw.iter().map(|w| w / total).collect()
}

/// `Err(InvalidOption)` unless `value` is at least 1.
fn check_positive_count(name: &'static str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(MixtureError::InvalidOption {
            name,
            value: "0".into(),
            expected: "must be at least 1",
        });
    }
    Ok(())
}

/// Data with the true component of every row and the true mixture.
#[derive(Debug, Clone)]
pub struct Labelled<T, M> {
    /// N×D, one observation per row.
    pub data: RowMatrix<T>,
    /// The component each row was drawn from.
    pub labels: Vec<usize>,
    /// The mixture the rows were drawn from.
    pub truth: M,
}

impl<T: Scalar, M> Labelled<T, M> {
    /// The labels as one-hot rows (N×K), as the lesson's `gen_data` returns them.
    pub fn one_hot(&self) -> RowMatrix<T> {
        let k = self.labels.iter().max().map_or(0, |m| m + 1);
        let mut out = RowMatrix::zeros(self.labels.len(), k);
        for (i, &l) in self.labels.iter().enumerate() {
            out.row_mut(i)[l] = T::one();
        }
        out
    }
}

/// Gaussian data with their truth.
pub type GaussianData<T> = Labelled<T, GaussianMixture<f64>>;

/// The lesson's three 2-D Gaussians: means (2.1, 3.2), (−2.8, 2.0), (1.2, −2.7) scaled by 0.3,
/// isotropic covariances 0.78, 0.52 and 1.2 times 0.3·0.5, equal weights.
pub fn lesson_truth() -> GaussianMixture<f64> {
    let scale = 0.3;
    let means: Vec<f64> = [2.1, 3.2, -2.8, 2.0, 1.2, -2.7]
        .iter()
        .map(|m| m * scale)
        .collect();
    let mut covariances = Vec::with_capacity(12);
    for v in [0.78, 0.52, 1.2] {
        let s = v * scale * 0.5;
        covariances.extend_from_slice(&[s, 0.0, 0.0, s]);
    }
    let means = Rows::new(&means, 2).expect("3×2");
    gaussian_mixture(&[1.0 / 3.0; 3], means, &covariances).expect("the lesson's truth is valid")
}

/// The lesson's data: `n_per_mode` rows from each of [`lesson_truth`]'s components, rows
/// shuffled.
///
/// # Errors
/// [`MixtureError::InvalidOption`] when `n_per_mode` is 0.
pub fn lesson_blobs<T: Scalar>(n_per_mode: usize, seed: u64) -> Result<GaussianData<T>> {
    check_positive_count("n_per_mode", n_per_mode)?;
    let truth = lesson_truth();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows: Vec<(usize, [f64; 2])> = Vec::with_capacity(3 * n_per_mode);
    for k in 0..3 {
        for _ in 0..n_per_mode {
            let mut x = [0.0; 2];
            truth.components().sample_component(k, &mut rng, &mut x);
            rows.push((k, x));
        }
    }
    rows.shuffle(&mut rng);
    let labels = rows.iter().map(|(k, _)| *k).collect();
    let data = rows.iter().flat_map(|(_, x)| x.map(T::cast)).collect();
    Ok(Labelled {
        data: RowMatrix::new(data, 2)?,
        labels,
        truth,
    })
}

/// Most features of [`GaussianMixtureGenerator::random`]: its covariances are full D×D
/// matrices made in O(D³).
pub const MAX_RANDOM_FEATURES: usize = 1000;

/// Draws labelled data from a Gaussian mixture: given parameters, or random well-separated
/// ones.
#[derive(Debug, Clone)]
pub struct GaussianMixtureGenerator {
    truth: GaussianMixture<f64>,
}

impl GaussianMixtureGenerator {
    /// Draws from the mixture with these `weights` (K), `means` (K×D) and `covariances` (K
    /// row-major D×D matrices, flat).
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] or [`MixtureError::ParametersNotFormed`] naming the
    /// offending component: rand_distr would accept some invalid parameters, so they are checked
    /// here.
    ///
    /// # Examples
    /// ```
    /// use mixture_core::Rows;
    /// let g = datagen::GaussianMixtureGenerator::new(&[1.0], Rows::new(&[0.0], 1)?, &[-1.0]);
    /// assert!(g.is_err()); // a negative variance
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn new(weights: &[f64], means: Rows<'_, f64>, covariances: &[f64]) -> Result<Self> {
        Ok(Self {
            truth: gaussian_mixture(weights, means, covariances)?,
        })
    }

    /// Random parameters: K means in D dimensions at least `separation` apart (in units of
    /// the components' standard deviations, which lie between about 0.7 and 2), random SPD
    /// covariances, and weights between 0.5/K and 1.5/K before normalising.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] for K or D of 0 or a separation that is negative or not
    /// finite.
    ///
    /// # Examples
    /// ```
    /// let g = datagen::GaussianMixtureGenerator::random(4, 3, 5.0, 1)?;
    /// let sample = g.generate::<f32>(1000, 2)?;
    /// assert_eq!((sample.data.n_rows(), sample.data.n_cols()), (1000, 3));
    /// # Ok::<(), mixture_core::MixtureError>(())
    /// ```
    pub fn random(k: usize, d: usize, separation: f64, seed: u64) -> Result<Self> {
        let bad = |name, value: String, expected| {
            Err(MixtureError::InvalidOption {
                name,
                value,
                expected,
            })
        };
        if k == 0 {
            return bad("n_components", "0".into(), "must be at least 1");
        }
        if d == 0 || d > MAX_RANDOM_FEATURES {
            return bad(
                "n_features",
                d.to_string(),
                "must be between 1 and 1000 (random full covariances cost D³ to make)",
            );
        }
        if !(separation.is_finite() && separation >= 0.0) {
            return bad(
                "separation",
                separation.to_string(),
                "must be finite and at least 0",
            );
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let normal = |rng: &mut ChaCha8Rng| f64::standard_normal(rng);
        // Covariances G Gᵀ / D + I/2: SPD, eigenvalues between 1/2 and a few.
        let what = format!("{k} random {d}×{d} covariances");
        let mut covariances = mixture_core::family::try_filled(k.checked_mul(d * d), 0.0, &what)?;
        covariances.clear();
        for _ in 0..k {
            let g: Vec<f64> = (0..d * d).map(|_| normal(&mut rng)).collect();
            for i in 0..d {
                for j in 0..d {
                    let dot: f64 = (0..d).map(|t| g[i * d + t] * g[j * d + t]).sum();
                    covariances.push(dot / d as f64 * 0.5 + if i == j { 0.5 } else { 0.0 });
                }
            }
        }
        // Means by rejection, widening the box when it gets crowded.
        let mut spread = separation.max(1.0) * (k as f64).powf(1.0 / d as f64);
        let mut means: Vec<f64> = Vec::with_capacity(k * d);
        let mut attempts = 0;
        while means.len() < k * d {
            let candidate: Vec<f64> = (0..d).map(|_| normal(&mut rng) * spread).collect();
            let far = means.chunks_exact(d).all(|m| {
                m.iter()
                    .zip(&candidate)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    >= separation * separation
            });
            if far {
                means.extend_from_slice(&candidate);
            } else {
                attempts += 1;
                if attempts % 100 == 0 {
                    spread *= 1.5;
                }
            }
        }
        let weights = random_weights(k, &mut rng);
        Self::new(&weights, Rows::new(&means, d)?, &covariances)
    }

    /// The mixture the data are drawn from.
    pub fn truth(&self) -> &GaussianMixture<f64> {
        &self.truth
    }

    /// `n` rows drawn from the mixture (components drawn from the weights, in random order).
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] when `n` is 0.
    pub fn generate<T: Scalar>(&self, n: usize, seed: u64) -> Result<GaussianData<T>> {
        sample_labelled(&self.truth, n, seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_blobs_are_stable_and_balanced() {
        let a = lesson_blobs::<f64>(200, 69).unwrap();
        let b = lesson_blobs::<f32>(200, 69).unwrap();
        assert_eq!(a.data.n_rows(), 600);
        for k in 0..3 {
            assert_eq!(a.labels.iter().filter(|&&l| l == k).count(), 200);
        }
        // f32 data are the f64 data rounded.
        for (x, y) in a.data.as_slice().iter().zip(b.data.as_slice()) {
            assert_eq!(*x as f32, *y);
        }
        assert_eq!(a.labels, b.labels);
        // Value stability: the stream must not change between versions.
        let pinned = [a.data.get(0, 0), a.data.get(0, 1), a.data.get(599, 1)];
        assert_eq!(pinned, PINNED, "lesson_blobs(200, 69) drew other numbers");
    }

    const PINNED: [f64; 3] = [0.7869671988711264, 0.9292536732308957, -0.47574436211572546];

    #[test]
    fn rejects_invalid_parameters() {
        let one = Rows::new(&[0.0], 1).unwrap();
        assert!(GaussianMixtureGenerator::new(&[1.0], one, &[f64::NAN]).is_err());
        assert!(GaussianMixtureGenerator::new(&[0.5], one, &[1.0]).is_err());
        assert!(
            GaussianMixtureGenerator::new(
                &[-1.0, 2.0],
                Rows::new(&[0.0, 1.0], 1).unwrap(),
                &[1.0, 1.0]
            )
            .is_err()
        );
        let two = Rows::new(&[0.0, 0.0], 2).unwrap();
        assert!(matches!(
            GaussianMixtureGenerator::new(&[1.0], two, &[1.0, 2.0, 2.0, 1.0]),
            Err(MixtureError::ParametersNotFormed { component: 0, .. })
        ));
        assert!(GaussianMixtureGenerator::random(0, 2, 1.0, 0).is_err());
        assert!(GaussianMixtureGenerator::random(2, 2, f64::NAN, 0).is_err());
        assert!(lesson_blobs::<f64>(0, 1).is_err());
    }

    #[test]
    fn random_means_are_separated() {
        let g = GaussianMixtureGenerator::random(6, 3, 4.0, 11).unwrap();
        let m = g.truth().means();
        for i in 0..6 {
            for j in 0..i {
                let d2: f64 = m
                    .row(i)
                    .iter()
                    .zip(m.row(j))
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                assert!(d2.sqrt() >= 4.0);
            }
        }
        let s = g.generate::<f64>(5000, 3).unwrap();
        assert_eq!(s.labels.len(), 5000);
        assert!(s.data.as_slice().iter().all(|v| v.is_finite()));
    }
}
