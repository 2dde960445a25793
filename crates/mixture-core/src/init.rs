//! Initial centres: the lesson's random data rows, or k-means++ seeding.
//!
//! Either way each row is then assigned to its nearest centre and one M-step turns those hard
//! responsibilities into parameters, so every family initialises the same way.

use crate::error::{MixtureError, Result};
use crate::numeric::squared_distance;
use crate::rows::Rows;
use crate::scalar::Scalar;
use rand::{Rng, RngExt};
use rayon::prelude::*;

/// How the first parameters are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Init {
    /// K distinct data rows chosen uniformly as centres (the lesson's "choose random data
    /// vectors"); each row goes to its nearest centre, then one M-step.
    RandomRows,
    /// k-means++ seeding (greedy, with `2 + ⌊ln K⌋` candidates per centre, as scikit-learn);
    /// each row goes to its nearest centre, then one M-step.
    #[default]
    KMeansPlusPlus,
    /// k-means++ seeding refined by up to [`LLOYD_ITERATIONS`] Lloyd iterations of k-means
    /// (scikit-learn's default `"kmeans"` initialisation, with fewer iterations); each row goes
    /// to its nearest final centre, then one M-step.
    KMeans,
}

/// Most Lloyd iterations of [`Init::KMeans`] (it stops earlier when no label changes).
pub const LLOYD_ITERATIONS: usize = 10;

/// Every row's nearest centre, and the squared distance to it, from an initialisation.
pub(crate) struct Assignment {
    pub(crate) labels: Vec<usize>,
    pub(crate) distances: Vec<f64>,
}

/// Initial hard assignment of every row by `init`.
pub(crate) fn initial_assignment<T: Scalar, R: Rng + ?Sized>(
    x: Rows<'_, T>,
    k: usize,
    init: Init,
    rng: &mut R,
) -> Result<Assignment> {
    let seeding = if init == Init::RandomRows {
        Init::RandomRows
    } else {
        Init::KMeansPlusPlus
    };
    let rows = choose_centres(x, k, seeding, rng)?;
    let d = x.n_cols();
    let mut centres: Vec<f64> = rows
        .iter()
        .flat_map(|&r| x.row(r).iter().map(|v| v.as_f64()))
        .collect();
    let (mut labels, mut distances) = nearest_centre_labels(x, &centres);
    if init == Init::KMeans {
        for _ in 0..LLOYD_ITERATIONS {
            // New centres: the means of their rows, summed in row order (deterministic); a
            // centre that lost its rows stays where it was.
            let mut sums = vec![0.0; k * d];
            let mut counts = vec![0usize; k];
            for (row, &l) in x.iter().zip(&labels) {
                counts[l] += 1;
                for (s, v) in sums[l * d..(l + 1) * d].iter_mut().zip(row) {
                    *s += v.as_f64();
                }
            }
            for c in (0..k).filter(|&c| counts[c] > 0) {
                for j in 0..d {
                    centres[c * d + j] = sums[c * d + j] / counts[c] as f64;
                }
            }
            let (next, next_distances) = nearest_centre_labels(x, &centres);
            let done = next == labels;
            (labels, distances) = (next, next_distances);
            if done {
                break;
            }
        }
    }
    Ok(Assignment { labels, distances })
}

/// Row indices of `k` centres with pairwise different values.
pub(crate) fn choose_centres<T: Scalar, R: Rng + ?Sized>(
    x: Rows<'_, T>,
    k: usize,
    init: Init,
    rng: &mut R,
) -> Result<Vec<usize>> {
    match init {
        Init::RandomRows => random_distinct_rows(x, k, rng),
        Init::KMeansPlusPlus | Init::KMeans => kmeans_plus_plus(x, k, rng),
    }
}

fn random_distinct_rows<T: Scalar, R: Rng + ?Sized>(
    x: Rows<'_, T>,
    k: usize,
    rng: &mut R,
) -> Result<Vec<usize>> {
    let n = x.n_rows();
    let mut order: Vec<usize> = (0..n).collect();
    let mut chosen: Vec<usize> = Vec::with_capacity(k);
    // A partial Fisher–Yates shuffle, skipping rows equal to one already chosen.
    for i in 0..n {
        let j = rng.random_range(i..n);
        order.swap(i, j);
        let candidate = order[i];
        if chosen.iter().all(|&c| x.row(c) != x.row(candidate)) {
            chosen.push(candidate);
            if chosen.len() == k {
                return Ok(chosen);
            }
        }
    }
    Err(MixtureError::TooFewDistinctRows {
        n_components: k,
        n_distinct: chosen.len(),
    })
}

fn kmeans_plus_plus<T: Scalar, R: Rng + ?Sized>(
    x: Rows<'_, T>,
    k: usize,
    rng: &mut R,
) -> Result<Vec<usize>> {
    let n = x.n_rows();
    let n_trials = 2 + (k as f64).ln().floor() as usize;
    let first = rng.random_range(0..n);
    let mut centres = vec![first];
    let mut closest: Vec<f64> = distances_to(x, first);
    let mut cumulative = vec![0.0; n];
    let mut candidate_best: Vec<f64> = vec![0.0; n];
    while centres.len() < k {
        let mut acc = 0.0;
        for (c, d) in cumulative.iter_mut().zip(&closest) {
            acc += d;
            *c = acc;
        }
        if acc <= 0.0 {
            // Every row coincides with a chosen centre: there are no more distinct rows.
            return Err(MixtureError::TooFewDistinctRows {
                n_components: k,
                n_distinct: centres.len(),
            });
        }
        let mut best: Option<(usize, f64)> = None;
        for _ in 0..n_trials {
            let u = rng.random::<f64>() * acc;
            // First row whose cumulative mass exceeds u: rows at distance 0 are never picked.
            let idx = cumulative.partition_point(|&c| c <= u).min(n - 1);
            let idx = if closest[idx] > 0.0 {
                idx
            } else {
                // Rounding put u past the end: take the last row with mass.
                closest.iter().rposition(|&d| d > 0.0).unwrap_or(idx)
            };
            let d_new = distances_to(x, idx);
            let potential: f64 = closest.iter().zip(&d_new).map(|(a, b)| a.min(*b)).sum();
            if best.is_none_or(|(_, p)| potential < p) {
                best = Some((idx, potential));
                candidate_best.copy_from_slice(&d_new);
            }
        }
        let (idx, _) = best.expect("n_trials >= 2");
        for (c, d) in closest.iter_mut().zip(&candidate_best) {
            *c = c.min(*d);
        }
        centres.push(idx);
    }
    Ok(centres)
}

/// Squared distances from every row to row `centre`.
fn distances_to<T: Scalar>(x: Rows<'_, T>, centre: usize) -> Vec<f64> {
    let c = x.row(centre);
    x.iter().map(|r| squared_distance(r, c)).collect()
}

/// The index of the nearest centre (rows of `centres`, K×D) of every row (ties go to the
/// lower index), and the squared distance to it.
pub(crate) fn nearest_centre_labels<T: Scalar>(
    x: Rows<'_, T>,
    centres: &[f64],
) -> (Vec<usize>, Vec<f64>) {
    let d = x.n_cols();
    (0..x.n_rows())
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| {
            let r = x.row(i);
            let mut best = (0, f64::INFINITY);
            for (j, c) in centres.chunks_exact(d).enumerate() {
                let dist: f64 = r.iter().zip(c).map(|(a, b)| (a.as_f64() - b).powi(2)).sum();
                if dist < best.1 {
                    best = (j, dist);
                }
            }
            best
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    #[test]
    fn centres_are_distinct_rows() {
        // Many duplicates, exactly three distinct values.
        let data: Vec<f64> = (0..300).map(|i| (i % 3) as f64).collect();
        let x = Rows::new(&data, 1).unwrap();
        for init in [Init::RandomRows, Init::KMeansPlusPlus, Init::KMeans] {
            for seed in 0..20 {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let c = choose_centres(x, 3, init, &mut rng).unwrap();
                let mut values: Vec<f64> = c.iter().map(|&i| data[i]).collect();
                values.sort_by(f64::total_cmp);
                assert_eq!(values, vec![0.0, 1.0, 2.0], "{init:?} seed {seed}");
            }
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            assert_eq!(
                choose_centres(x, 4, init, &mut rng),
                Err(MixtureError::TooFewDistinctRows {
                    n_components: 4,
                    n_distinct: 3
                })
            );
        }
    }

    #[test]
    fn lloyd_iterations_move_centres_to_the_clusters() {
        // Two clumps; k-means assigns each clump to one centre whatever the seed.
        let data: Vec<f64> = (0..40)
            .map(|i| {
                if i < 20 {
                    i as f64 * 0.01
                } else {
                    10.0 + i as f64 * 0.01
                }
            })
            .collect();
        let x = Rows::new(&data, 1).unwrap();
        for seed in 0..10 {
            let a = initial_assignment(x, 2, Init::KMeans, &mut ChaCha8Rng::seed_from_u64(seed))
                .unwrap();
            assert!(a.labels[..20].iter().all(|&l| l == a.labels[0]));
            assert!(a.labels[20..].iter().all(|&l| l == a.labels[20]));
            assert_ne!(a.labels[0], a.labels[20]);
        }
    }

    #[test]
    fn nearest_labels() {
        let data = [0.0, 0.1, 5.0, 4.9, 10.0];
        let x = Rows::new(&data, 1).unwrap();
        let (labels, distances) = nearest_centre_labels(x, &[0.0, 5.0]);
        assert_eq!(labels, vec![0, 0, 1, 1, 1]);
        assert!((distances[1] - 0.01).abs() < 1e-12 && distances[2] == 0.0);
    }
}
