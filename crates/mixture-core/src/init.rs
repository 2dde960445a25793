//! Initial centres: the lesson's random data rows, or k-means++ seeding.
//!
//! Either way each row is then assigned to its nearest centre and one M-step turns those hard
//! responsibilities into parameters, so every family initialises the same way.

use crate::error::{MixtureError, Result};
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
}

impl crate::options::Choice for Init {
    const ALL: &'static [Self] = &[
        Init::RandomRows,
        Init::KMeansPlusPlus,
        Init::KMeans,
        Init::Random,
    ];

    fn name(self) -> &'static str {
        match self {
            Init::RandomRows => "random-rows",
            Init::KMeansPlusPlus => "kmeans++",
            Init::KMeans => "kmeans",
            Init::Random => "random",
        }
    }

    /// scikit-learn's names.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Init::RandomRows => &["random_from_data"],
            Init::KMeansPlusPlus => &["k-means++"],
            Init::KMeans | Init::Random => &[],
        }
    }

    fn summary(self) -> &'static str {
        match self {
            Init::RandomRows => "K distinct random data rows as centres (the lesson's)",
            Init::KMeansPlusPlus => "k-means++ seeding",
            Init::KMeans => "k-means++ seeding refined by a few Lloyd iterations of k-means",
            Init::Random => "random responsibilities (scikit-learn's \"random\")",
        }
    }
}

/// SplitMix64's finaliser: a bijective mix of 64 bits.
fn mix(mut z: u64) -> u64 {
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

/// The K initial centres (K×D, row-major, `f64`) chosen by `init` among the rows of `x` (the
/// initialisation sample). With `weights` (already checked), centres are drawn in proportion to
/// the weights (rows of weight 0 never) and Lloyd's means are weighted.
pub(crate) fn initial_centres<T: Scalar, R: Rng + ?Sized>(
    x: Rows<'_, T>,
    weights: Option<&[f64]>,
    k: usize,
    init: Init,
    rng: &mut R,
) -> Result<Vec<f64>> {
    let weights = effective_weights(weights);
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
    Ok(centres)
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

/// At most this many values (rows × D) in the initialisation sample.
pub const SAMPLE_VALUES: usize = 1 << 22;
/// At most this many rows in the initialisation sample.
pub const SAMPLE_MAX_ROWS: usize = 1 << 16;

/// Rows in the initialisation sample for K components of dimension D:
/// `min(65 536, max(K, ⌊4 194 304 / D⌋))`. Data with at most this many rows of positive weight
/// are sampled whole (and initialised exactly as from all of their rows).
pub fn sample_rows(n_components: usize, n_features: usize) -> usize {
    SAMPLE_MAX_ROWS.min(n_components.max(SAMPLE_VALUES / n_features.max(1)))
}

/// The initialisation sample, or the part of it that some rows give: a seeded weighted
/// reservoir sample (Efraimidis and Spirakis' A-Res: row i gets the key `ln(u_i) / w_i`, and
/// the `size` largest keys are kept), with the counts a fit checks (rows seen, rows of positive
/// weight, their weight).
///
/// u_i is a function of the seed and the row's index only, so samples of disjoint parts of the
/// data [`merge`](RowSample::merge) into the sample of their union, in any order: the same rows
/// and seed give the same sample in memory, from a file, and from a cluster's chunks
/// ([`crate::ChunkRequest::Sample`]).
#[derive(Debug, Clone)]
pub struct RowSample {
    pub(crate) seed: u64,
    pub(crate) size: usize,
    pub(crate) n_rows: usize,
    pub(crate) positive_rows: usize,
    pub(crate) weight_total: f64,
    pub(crate) weighted: bool,
    /// The kept rows; a min-heap on (key, −row).
    pub(crate) kept: std::collections::BinaryHeap<std::cmp::Reverse<Keyed>>,
}

/// A sampled row with its key.
#[derive(Debug, Clone)]
pub(crate) struct Keyed {
    pub(crate) key: f64,
    pub(crate) row: usize,
    pub(crate) weight: f64,
    pub(crate) values: Vec<f64>,
}

impl PartialEq for Keyed {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Keyed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // A larger key is better; on a tie the earlier row is.
        self.key
            .total_cmp(&other.key)
            .then(other.row.cmp(&self.row))
    }
}

/// The sampling key of `row` (of weight `weight` > 0): `ln(u) / weight` with u uniform in
/// (0, 1] drawn from the seed and the row's index; at least `f64::MIN` (a weight so small
/// that the key would be −∞ ties with the least finite key), so that keys serialise as
/// numbers.
fn sample_key(seed: u64, row: usize, weight: f64) -> f64 {
    const SAMPLE_SALT: u64 = 0x5A4D_504C_4552_4F57;
    let z = mix(mix(seed ^ SAMPLE_SALT) ^ row as u64);
    let u = ((z >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
    (u.ln() / weight).max(f64::MIN)
}

impl RowSample {
    /// An empty sample of at most `size` rows (at least 1) drawn with `seed`.
    pub fn new(seed: u64, size: usize) -> Self {
        Self {
            seed,
            size: size.max(1),
            n_rows: 0,
            positive_rows: 0,
            weight_total: 0.0,
            weighted: false,
            kept: std::collections::BinaryHeap::new(),
        }
    }

    /// Offers the rows of `data` (already checked), which start at row `first_row`.
    pub(crate) fn offer_rows<T: Scalar>(
        &mut self,
        data: crate::rows::Data<'_, T>,
        first_row: usize,
    ) {
        self.offer_rows_above(data, first_row, None);
    }

    /// Offers the rows of `data` whose key is above `above` (all with `None`), counting every
    /// row: when at least `size` rows of the whole data have keys above it, the sample is
    /// the same as from all rows.
    pub(crate) fn offer_rows_above<T: Scalar>(
        &mut self,
        data: crate::rows::Data<'_, T>,
        first_row: usize,
        above: Option<f64>,
    ) {
        self.weighted |= data.weights().is_some();
        for (i, row) in data.rows().iter().enumerate() {
            let weight = data.weights().map_or(1.0, |w| w[i]);
            if weight > 0.0 {
                self.positive_rows += 1;
                self.weight_total += weight;
                let key = sample_key(self.seed, first_row + i, weight);
                if above.is_none_or(|a| key > a) {
                    let row_index = first_row + i;
                    let keyed = Keyed {
                        key,
                        row: row_index,
                        weight,
                        values: Vec::new(),
                    };
                    self.offer(keyed, row);
                }
            }
        }
        self.n_rows += data.n_rows();
    }

    /// Keeps `keyed` if its key is among the `size` largest, with `values` (widened) if
    /// `keyed` has none yet: only kept rows are copied.
    fn offer<T: Scalar>(&mut self, mut keyed: Keyed, values: &[T]) {
        if self.kept.len() == self.size {
            // Reverse: the heap's top is the least key.
            if self.kept.peek().expect("full").0 >= keyed {
                return;
            }
            self.kept.pop();
        }
        if keyed.values.is_empty() {
            keyed.values = values.iter().map(|v| v.as_f64()).collect();
        }
        self.kept.push(std::cmp::Reverse(keyed));
    }

    /// Adds the sample of other rows (disjoint from this sample's), drawn with the same seed
    /// and size.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] when the seeds or sizes differ.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if (self.seed, self.size) != (other.seed, other.size) {
            return Err(MixtureError::InvalidOption {
                name: "sample",
                value: format!("seed {} size {}", other.seed, other.size),
                expected: "samples merge only with samples of the same seed and size",
            });
        }
        self.n_rows += other.n_rows;
        self.positive_rows += other.positive_rows;
        self.weight_total += other.weight_total;
        self.weighted |= other.weighted;
        for keyed in &other.kept {
            self.offer::<f64>(keyed.0.clone(), &[]);
        }
        Ok(())
    }

    /// Rows seen, including rows of weight 0.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Rows seen of positive weight.
    pub fn positive_rows(&self) -> usize {
        self.positive_rows
    }

    /// The total weight of the rows seen.
    pub fn weight_total(&self) -> f64 {
        self.weight_total
    }

    /// Rows kept.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether no row is kept.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The kept rows in row order: values (rows of D) and weights.
    pub(crate) fn into_rows<T: Scalar>(self) -> (Vec<T>, Vec<f64>) {
        let mut kept: Vec<Keyed> = self.kept.into_iter().map(|r| r.0).collect();
        kept.sort_by_key(|k| k.row);
        let values = kept
            .iter()
            .flat_map(|k| k.values.iter().map(|&v| T::cast(v)))
            .collect();
        let weights = kept.iter().map(|k| k.weight).collect();
        (values, weights)
    }
}

/// How many rows of some part of the data have sampling keys above each of the thresholds
/// `−2^e`, e = [`KEY_EXPONENTS`]: what a fit over chunks asks first, to choose a threshold
/// above which at least the sample's size of rows lie, so that the chunks then send only those
/// rows (a few times the sample's size in all) instead of up to the sample's size each. The
/// thresholds are powers of two and a key's place among them is read off its exponent bits, so
/// the counts are exact on every machine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct KeyCounts {
    /// The fit's seed.
    pub seed: u64,
    /// `counts[j]`: rows of positive weight with a key above `−2^(KEY_EXPONENTS.start + j)`.
    pub counts: Vec<u64>,
}

/// The exponents e of the thresholds `−2^e` of [`KeyCounts`]: from `2^-64` (ten thousand
/// times below the threshold a sample of 65 536 rows needs from 10¹⁵ rows) to `2^16`.
pub const KEY_EXPONENTS: std::ops::RangeInclusive<i32> = -64..=16;

/// `−2^e`, exactly.
fn key_threshold(e: i32) -> f64 {
    -f64::from_bits(((e + 1023) as u64) << 52)
}

impl KeyCounts {
    /// No rows counted, for `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            counts: vec![0; KEY_EXPONENTS.count()],
        }
    }

    /// Counts the rows of `data` (already checked), which start at row `first_row`.
    pub(crate) fn count_rows<T: Scalar>(
        &mut self,
        data: crate::rows::Data<'_, T>,
        first_row: usize,
    ) {
        let (low, n) = (*KEY_EXPONENTS.start(), self.counts.len());
        let mut lowest = vec![0u64; n]; // rows whose first threshold below their key is j
        for i in 0..data.n_rows() {
            let weight = data.weights().map_or(1.0, |w| w[i]);
            if weight > 0.0 {
                // key > −2^e  ⇔  −key < 2^e  ⇔  e > ⌊log₂(−key)⌋, read off the exponent bits.
                let y = -sample_key(self.seed, first_row + i, weight);
                let floor_log2 = ((y.to_bits() >> 52) & 0x7ff) as i32 - 1023;
                let first = if y == 0.0 || floor_log2 < low {
                    0
                } else {
                    (floor_log2 + 1 - low) as usize
                };
                if first < n {
                    lowest[first] += 1;
                }
            }
        }
        let mut running = 0;
        for (c, l) in self.counts.iter_mut().zip(lowest) {
            running += l;
            *c += running;
        }
    }

    /// Adds the counts of other rows.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] when the seeds or the thresholds differ.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if self.seed != other.seed || self.counts.len() != other.counts.len() {
            return Err(MixtureError::InvalidOption {
                name: "key counts",
                value: format!("seed {} with {} thresholds", other.seed, other.counts.len()),
                expected: "counts merge only with counts of the same seed and thresholds",
            });
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        Ok(())
    }

    /// The highest threshold with at least `size` rows above it (`None` if none has: every
    /// row is a candidate).
    pub fn threshold(&self, size: usize) -> Option<f64> {
        let j = self.counts.iter().position(|&c| c >= size as u64)?;
        Some(key_threshold(*KEY_EXPONENTS.start() + j as i32))
    }
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
                &mut ChaCha8Rng::seed_from_u64(seed),
            )
            .unwrap();
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
