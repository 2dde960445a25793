//! Initial centres: the lesson's random data rows, or k-means++ seeding.
//!
//! Either way each row is then assigned to its nearest centre and one M-step turns those hard
//! responsibilities into parameters, so every family initialises the same way.

use crate::error::{MixtureError, Result};
use crate::hierarchy::Hierarchy;
use crate::numeric::{squared_distance, unit_scale};
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
    /// Random responsibilities (scikit-learn's `"random"`): every row's K responsibilities are
    /// independent uniform draws normalised to sum to one, then one M-step. The draws depend
    /// on the seed, the run and the row's index only, so they are the same on any thread count
    /// and block size, in memory or streamed (a fit's sums, as always, follow its blocks).
    Random,
    /// Model-based agglomerative hierarchical clustering of the initialisation sample (at most
    /// [`HIERARCHY_MAX_ROWS`](crate::limits::HIERARCHY_MAX_ROWS) of its rows; by the family's
    /// [`MergeCriterion`](crate::MergeCriterion): mclust's VVV criterion in its SVD coordinates
    /// by default, Ward's for weighted rows or beyond
    /// [`VVV_MAX_FEATURES`](crate::limits::VVV_MAX_FEATURES)) cut at K clusters:
    /// the clustered rows start in their clusters, the others at the nearest centroid, then
    /// one M-step. On unweighted data it is mclust's own start. It uses no random draws, so
    /// the runs of `n_init` after the first start from k-means++ seeding instead.
    Hierarchical,
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The unnormalised random responsibility of `row` for `component` in run `run` of
/// [`Init::Random`]: uniform in (0, 1], a function of its arguments only.
pub(crate) fn random_responsibility(seed: u64, run: usize, row: usize, component: usize) -> f64 {
    const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
    let z = mix(mix(mix(seed ^ (run as u64).wrapping_mul(GOLDEN)) ^ row as u64) ^ component as u64);
    ((z >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Most Lloyd iterations of [`Init::KMeans`] (it stops earlier when no label changes).
pub const LLOYD_ITERATIONS: usize = 10;

/// The weights that change the initialisation: `None` when every row weighs the same (the
/// unweighted algorithms run, with the same random draws as without weights).
pub(crate) fn effective_weights(weights: Option<&[f64]>) -> Option<&[f64]> {
    weights.filter(|w| w.iter().any(|&v| v != w[0]))
}

/// A start: K centres, and rows that start in a given component rather than at their nearest
/// centre.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Start {
    /// K×D, row-major.
    pub(crate) centres: Vec<f64>,
    /// (row, component) by increasing row; only [`Init::Hierarchical`] labels any.
    pub(crate) labelled: Vec<(usize, usize)>,
}

/// The start chosen by `init` among the rows of `x` (the initialisation sample; labelled rows
/// by their index in `x`). With `weights` (already checked), centres are drawn in proportion
/// to the weights (rows of weight 0 never) and Lloyd's means are weighted.
pub(crate) fn initial_centres<T: Scalar, R: Rng + ?Sized>(
    x: Rows<'_, T>,
    weights: Option<&[f64]>,
    k: usize,
    init: Init,
    hierarchy: Hierarchy,
    rng: &mut R,
) -> Result<Start> {
    let weights = effective_weights(weights);
    if init == Init::Hierarchical {
        return crate::hierarchy::hierarchical_centres(x, weights, k, hierarchy);
    }
    let seeding = if init == Init::RandomRows {
        Init::RandomRows
    } else {
        Init::KMeansPlusPlus
    };
    let rows = choose_centres(x, weights, k, seeding, rng)?;
    let d = x.n_cols();
    let mut centres: Vec<f64> = rows
        .iter()
        .flat_map(|&r| x.row(r).iter().map(|v| v.as_f64()))
        .collect();
    let (mut labels, _) = nearest_centre_labels(x, &centres);
    if init == Init::KMeans {
        for _ in 0..LLOYD_ITERATIONS {
            // New centres: the means of their rows, summed in row order (deterministic); a
            // centre that lost its rows stays where it was.
            let mut sums = vec![0.0; k * d];
            let mut counts = vec![0.0; k];
            for (i, (row, &l)) in x.iter().zip(&labels).enumerate() {
                let w = weights.map_or(1.0, |w| w[i]);
                counts[l] += w;
                for (s, v) in sums[l * d..(l + 1) * d].iter_mut().zip(row) {
                    *s += w * v.as_f64();
                }
            }
            for c in (0..k).filter(|&c| counts[c] > 0.0) {
                for j in 0..d {
                    centres[c * d + j] = sums[c * d + j] / counts[c];
                }
            }
            let (next, _) = nearest_centre_labels(x, &centres);
            let done = next == labels;
            labels = next;
            if done {
                break;
            }
        }
    }
    Ok(Start {
        centres,
        labelled: Vec::new(),
    })
}

/// Row indices of `k` centres with pairwise different values (and positive weights).
pub(crate) fn choose_centres<T: Scalar, R: Rng + ?Sized>(
    x: Rows<'_, T>,
    weights: Option<&[f64]>,
    k: usize,
    init: Init,
    rng: &mut R,
) -> Result<Vec<usize>> {
    match (init, weights) {
        (Init::RandomRows, None) => random_distinct_rows(x, k, rng),
        (Init::RandomRows, Some(w)) => weighted_distinct_rows(x, w, k, rng),
        (_, _) => kmeans_plus_plus(x, weights, k, rng),
    }
}

/// The first index whose cumulative mass exceeds `u`, among rows of positive mass.
fn draw(cumulative: &[f64], mass: impl Fn(usize) -> f64, u: f64) -> usize {
    let n = cumulative.len();
    let idx = cumulative.partition_point(|&c| c <= u).min(n - 1);
    if mass(idx) > 0.0 {
        idx
    } else {
        // Rounding put u past the end: take the last row with mass.
        (0..n).rev().find(|&i| mass(i) > 0.0).unwrap_or(idx)
    }
}

/// `k` rows with distinct values drawn without replacement, each with probability
/// proportional to its weight among the rows not yet taken.
fn weighted_distinct_rows<T: Scalar, R: Rng + ?Sized>(
    x: Rows<'_, T>,
    weights: &[f64],
    k: usize,
    rng: &mut R,
) -> Result<Vec<usize>> {
    let n = x.n_rows();
    let mut mass = weights.to_vec();
    let mut cumulative = vec![0.0; n];
    let mut chosen: Vec<usize> = Vec::with_capacity(k);
    while chosen.len() < k {
        let mut acc = 0.0;
        for (c, m) in cumulative.iter_mut().zip(&mass) {
            acc += m;
            *c = acc;
        }
        if acc <= 0.0 {
            return Err(MixtureError::TooFewDistinctRows {
                n_components: k,
                n_distinct: chosen.len(),
            });
        }
        let idx = draw(&cumulative, |i| mass[i], rng.random::<f64>() * acc);
        // Every copy of the chosen value leaves the pool.
        for i in 0..n {
            if mass[i] > 0.0 && x.row(i) == x.row(idx) {
                mass[i] = 0.0;
            }
        }
        chosen.push(idx);
    }
    Ok(chosen)
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

/// Greedy k-means++; with weights, the first centre is drawn in proportion to the weights,
/// the others to `w·D²`, and a candidate's potential is `Σ w·min(D²)` (scikit-learn's weighted
/// k-means++).
fn kmeans_plus_plus<T: Scalar, R: Rng + ?Sized>(
    x: Rows<'_, T>,
    weights: Option<&[f64]>,
    k: usize,
    rng: &mut R,
) -> Result<Vec<usize>> {
    let n = x.n_rows();
    let n_trials = 2 + (k as f64).ln().floor() as usize;
    let first = match weights {
        None => rng.random_range(0..n),
        Some(w) => {
            let mut acc = 0.0;
            let cumulative: Vec<f64> = w
                .iter()
                .map(|v| {
                    acc += v;
                    acc
                })
                .collect();
            draw(&cumulative, |i| w[i], rng.random::<f64>() * acc)
        }
    };
    let weight = |i: usize| weights.map_or(1.0, |w| w[i]);
    let mut centres = vec![first];
    let scale = unit_scale(x.as_slice());
    let mut closest: Vec<f64> = distances_to(x, first, scale);
    let mut cumulative = vec![0.0; n];
    let mut candidate_best: Vec<f64> = vec![0.0; n];
    while centres.len() < k {
        let mut acc = 0.0;
        for (i, (c, d)) in cumulative.iter_mut().zip(&closest).enumerate() {
            acc += match weights {
                None => *d,
                Some(w) => w[i] * d,
            };
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
            // First row whose cumulative mass exceeds u: rows at distance 0 (or of weight 0)
            // are never picked.
            let u = rng.random::<f64>() * acc;
            let idx = draw(&cumulative, |i| weight(i) * closest[i], u);
            let d_new = distances_to(x, idx, scale);
            let potential: f64 = match weights {
                None => closest.iter().zip(&d_new).map(|(a, b)| a.min(*b)).sum(),
                Some(w) => closest
                    .iter()
                    .zip(&d_new)
                    .zip(w)
                    .map(|((a, b), w)| w * a.min(*b))
                    .sum(),
            };
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
fn distances_to<T: Scalar>(x: Rows<'_, T>, centre: usize, scale: f64) -> Vec<f64> {
    let c = x.row(centre);
    x.iter().map(|r| squared_distance(r, c, scale)).collect()
}

/// The index of the nearest centre (rows of `centres`, K×D) of every row (ties go to the
/// lower index), and the squared distance to it, in units scaled by `unit_scale(centres)`.
pub(crate) fn nearest_centre_labels<T: Scalar>(
    x: Rows<'_, T>,
    centres: &[f64],
) -> (Vec<usize>, Vec<f64>) {
    let scale = unit_scale(centres);
    (0..x.n_rows())
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| nearest_centre(x.row(i), centres, scale))
        .unzip()
}

/// The nearest of `centres` (K×D) to `row` (ties go to the lower index), and the squared
/// distance to it, in `f64`.
#[inline]
pub(crate) fn nearest_centre<T: Scalar>(row: &[T], centres: &[f64], scale: f64) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centres.chunks_exact(row.len()).enumerate() {
        let dist: f64 = row
            .iter()
            .zip(c)
            .map(|(a, b)| (a.as_f64() * scale - b * scale).powi(2))
            .sum();
        if dist < best.1 {
            best = (j, dist);
        }
    }
    best
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
                let c = choose_centres(x, None, 3, init, &mut rng).unwrap();
                let mut values: Vec<f64> = c.iter().map(|&i| data[i]).collect();
                values.sort_by(f64::total_cmp);
                assert_eq!(values, vec![0.0, 1.0, 2.0], "{init:?} seed {seed}");
            }
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            assert_eq!(
                choose_centres(x, None, 4, init, &mut rng),
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
            let centres = initial_centres(
                x,
                None,
                2,
                Init::KMeans,
                Hierarchy::of(crate::MergeCriterion::Vvv),
                &mut ChaCha8Rng::seed_from_u64(seed),
            )
            .unwrap()
            .centres;
            let (labels, _) = nearest_centre_labels(x, &centres);
            assert!(labels[..20].iter().all(|&l| l == labels[0]));
            assert!(labels[20..].iter().all(|&l| l == labels[20]));
            assert_ne!(labels[0], labels[20]);
        }
    }

    #[test]
    fn nearest_labels() {
        let data = [0.0, 0.1, 5.0, 4.9, 10.0];
        let x = Rows::new(&data, 1).unwrap();
        let (labels, distances) = nearest_centre_labels(x, &[0.0, 5.0]);
        assert_eq!(labels, vec![0, 0, 1, 1, 1]);
        // Squared distances of rows scaled by the centres' unit scale (1/4 here).
        assert_eq!(unit_scale(&[0.0, 5.0]), 0.25);
        assert!((distances[1] - 0.01 / 16.0).abs() < 1e-15 && distances[2] == 0.0);
    }
}
