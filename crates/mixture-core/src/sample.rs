//! The initialisation sample: at most [`SAMPLE_MAX_ROWS`] rows drawn by a seeded weighted
//! reservoir keyed by (seed, row), so that samples of chunks merge into the sample of the
//! whole ([`RowSample`]), and the counts of keys above thresholds that let chunks send only
//! the rows the merged sample can keep ([`KeyCounts`]).

use crate::error::{MixtureError, Result};
use crate::init::mix;
use crate::rows::{Data, RowMatrix};
use crate::scalar::Scalar;

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
/// ([`crate::chunked::ChunkRequest::Sample`]).
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

    /// The kept rows in row order: values (rows of D), weights and their indices in the data.
    pub(crate) fn into_rows<T: Scalar>(self) -> (Vec<T>, Vec<f64>, Vec<usize>) {
        let mut kept: Vec<Keyed> = self.kept.into_iter().map(|r| r.0).collect();
        kept.sort_by_key(|k| k.row);
        let values = kept
            .iter()
            .flat_map(|k| k.values.iter().map(|&v| T::cast(v)))
            .collect();
        let weights = kept.iter().map(|k| k.weight).collect();
        let indices = kept.iter().map(|k| k.row).collect();
        (values, weights, indices)
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

/// What a sampling pass saw, and the initialisation sample.
pub(crate) struct Sampled<T> {
    /// Rows in the data (including rows of weight 0).
    pub(crate) n_rows: usize,
    /// The sample's rows (row order), D values each.
    pub(crate) rows: RowMatrix<T>,
    /// Their weights (`None` when the data are unweighted).
    pub(crate) weights: Option<Vec<f64>>,
    /// Their indices in the data.
    pub(crate) indices: Vec<usize>,
}

impl<T> Sampled<T> {
    /// The sample as weighted data.
    pub(crate) fn data(&self) -> Data<'_, T> {
        Data::new(self.rows.view(), self.weights.as_deref())
    }
}
