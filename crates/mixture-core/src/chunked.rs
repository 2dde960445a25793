//! Fits over data held elsewhere, in chunks of consecutive rows (a cluster's workers, say):
//! the fit runs here, and every pass over the data is a [`ChunkRequest`] that each chunk
//! answers with [`Estimator::chunk`](crate::Estimator::chunk) and whose answers merge ([`ChunkResult::merge`]) in
//! chunk order, as a [`crate::chunked::MergeTree`] merges them.
//!
//! The fit is [`Estimator::fit`](crate::Estimator::fit)'s own driver (sampling passes, initialisation, E-M runs, the
//! stop rule, degenerate and suspect components, the report), and a chunk is computed in the
//! estimator's blocks merged as the fit merges them. So a fit over chunks of `2^m · b` rows
//! (the last may be shorter) gives the bits of a fit in memory with `block_rows(b)`, whoever
//! computes the chunks: with the default blocks of 256 rows, chunks of 65 536 rows (2^8
//! blocks) give the default fit's bits. Other chunks give the same bits on any machines and
//! thread counts, and differ from the fit in memory by rounding only.

pub use crate::degeneracy::{Degeneracy, DegenerateAction, DegenerateReason, WorstRow};
use crate::e_step::Source;
use crate::error::{MixtureError, Result};
use crate::family::{Components, Family};
pub use crate::m_step::{MStep, m_step};
use crate::mixture::Mixture;
pub use crate::moves::Reassignment;
use crate::moves::invalid_move;
pub use crate::sample::{
    KEY_EXPONENTS, KeyCounts, RowSample, SAMPLE_MAX_ROWS, SAMPLE_VALUES, sample_rows,
};
use crate::scalar::Scalar;
pub use crate::statistics::{MergeTree, Statistics, merge_in_tree_order};

/// Where each row's responsibilities come from in a pass.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(bound(
        serialize = "Mixture<T, C>: serde::Serialize",
        deserialize = "Mixture<T, C>: serde::Deserialize<'de>"
    ))
)]
#[non_exhaustive]
pub enum Responsibilities<T, C> {
    /// The E-step of this mixture.
    Model(Mixture<T, C>),
    /// The variational E-step of this mixture: as `Model`, adding up the responsibilities'
    /// entropy ([`Statistics::entropy`]).
    Variational(Mixture<T, C>),
    /// The E-step of this mixture, then this split-and-merge move on each row's
    /// responsibilities (variational fits' moves).
    Moved {
        /// The mixture.
        model: Mixture<T, C>,
        /// The move.
        moved: Reassignment,
    },
    /// One-hot responsibilities for the nearest of these centres (K rows of D values,
    /// row-major): the initialisation's pass.
    Centres(Vec<f64>),
    /// As `Centres`, but these rows (data row, component; rows increasing) go to their
    /// component: the hierarchical start's pass.
    Labelled {
        /// K rows of D values.
        centres: Vec<f64>,
        /// (row, component) pairs, rows increasing.
        rows: Vec<(usize, usize)>,
    },
    /// Random responsibilities ([`crate::Init::Random`]) of K components, for the fit's seed
    /// and run.
    Random {
        /// The fit's seed.
        seed: u64,
        /// The run (0-based).
        run: usize,
        /// K.
        n_components: usize,
    },
}

/// What every chunk computes in one pass of a fit over chunks.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(bound(
        serialize = "Mixture<T, C>: serde::Serialize",
        deserialize = "Mixture<T, C>: serde::Deserialize<'de>"
    ))
)]
#[non_exhaustive]
pub enum ChunkRequest<T, C> {
    /// Check every row; count the sampling keys above each threshold ([`KeyCounts`]).
    SampleKeys {
        /// The fit's seed.
        seed: u64,
        /// D.
        n_features: usize,
    },
    /// Check every row; keep the chunk's part of the initialisation sample: its rows of
    /// largest keys among those above `above`.
    Sample {
        /// The fit's seed.
        seed: u64,
        /// The sample's size ([`crate::chunked::sample_rows`]).
        size: usize,
        /// D.
        n_features: usize,
        /// Only rows with keys above this are candidates ([`KeyCounts::threshold`]).
        above: Option<f64>,
    },
    /// Check every row; the E-step statistics of the chunk's rows.
    Statistics {
        /// D.
        n_features: usize,
        /// The responsibilities.
        source: Responsibilities<T, C>,
        /// Without it, only the log-likelihood, counts of rows and worst rows (the pass that
        /// scores the final parameters).
        accumulate: bool,
    },
}

/// A chunk's answer to a [`ChunkRequest`], or the merged answers of consecutive chunks.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(bound(
        serialize = "S: serde::Serialize + Clone",
        deserialize = "S: serde::Deserialize<'de> + crate::family::SufficientStats"
    ))
)]
#[non_exhaustive]
pub enum ChunkResult<S> {
    /// The answer to [`ChunkRequest::SampleKeys`].
    KeyCounts(KeyCounts),
    /// The answer to [`ChunkRequest::Sample`].
    Sample(RowSample),
    /// The answer to [`ChunkRequest::Statistics`].
    Statistics(Statistics<S>),
}

impl<S: crate::family::SufficientStats> ChunkResult<S> {
    /// Adds the answer of the chunks that follow: merge neighbours level by level, in chunk
    /// order, as a [`crate::chunked::MergeTree`] does, to get the bits of a fit in memory.
    ///
    /// # Errors
    /// [`MixtureError::IncompatibleStatistics`] for answers of different kinds or shapes.
    pub fn merge(&mut self, later: &Self) -> Result<()> {
        match (self, later) {
            (Self::KeyCounts(a), Self::KeyCounts(b)) => a.merge(b),
            (Self::Sample(a), Self::Sample(b)) => a.merge(b),
            (Self::Statistics(a), Self::Statistics(b)) => a.merge(b),
            _ => Err(MixtureError::IncompatibleStatistics {
                reason: "answers to different requests cannot merge".into(),
            }),
        }
    }
}

/// Data in chunks of consecutive rows, kept elsewhere: the fit sends each pass's
/// [`ChunkRequest`] here, and gets back the chunks' answers merged.
///
/// The bits of the fit depend on the chunks (their rows and their order) and on nothing else.
/// Merge like a [`crate::chunked::MergeTree`] (level by level, chunk 2i with chunk 2i + 1, an odd last
/// one going up alone); with chunks of `2^m` blocks of `block_rows` (the last may be shorter)
/// the fit has the bits of the fit in memory.
pub trait ChunkedData<T, F: Family<T>>
where
    T: Scalar,
{
    /// D, the number of columns.
    fn n_features(&self) -> usize;

    /// Every chunk's [`Estimator::chunk`](crate::Estimator::chunk) answer to `request` (chunks numbered in row order,
    /// each told the index of its first row), merged in chunk order.
    ///
    /// # Errors
    /// A chunk's own error (it names rows counted from the start of the data); a
    /// [`MixtureError::Source`] when the chunks cannot be reached.
    fn run(&mut self, request: &ChunkRequest<T, F::Components>) -> Result<ChunkResult<F::Stats>>;
}

const CENTRES: &str = "centres must be K ≥ 1 rows of D values";

/// K, for centres that are whole rows of D values, or what they are.
fn check_centres(c: &[f64], n_features: usize) -> std::result::Result<usize, String> {
    if n_features == 0 || c.is_empty() || !c.len().is_multiple_of(n_features) {
        return Err(format!("{} centre values", c.len()));
    }
    Ok(c.len() / n_features)
}

impl<T: Scalar, C: Components<T>> Responsibilities<T, C> {
    /// The owned form of a pass's source.
    pub(crate) fn of(source: Source<'_, T, C>, n_components: usize) -> Self
    where
        C: Clone,
    {
        match source {
            Source::Model(m) => Self::Model(m.clone()),
            Source::Variational(m) => Self::Variational(m.clone()),
            Source::Moved { model, moved } => Self::Moved {
                model: model.clone(),
                moved: moved.clone(),
            },
            Source::Centres {
                centres,
                labelled: [],
            } => Self::Centres(centres.to_vec()),
            Source::Centres { centres, labelled } => Self::Labelled {
                centres: centres.to_vec(),
                rows: labelled.to_vec(),
            },
            Source::Random { seed, run } => Self::Random {
                seed,
                run,
                n_components,
            },
        }
    }

    /// The pass's source and K, checked against D.
    pub(crate) fn as_source(&self, n_features: usize) -> Result<(Source<'_, T, C>, usize)> {
        let bad = |value: String, expected| MixtureError::InvalidOption {
            name: "responsibilities",
            value,
            expected,
        };
        Ok(match self {
            Self::Model(m) | Self::Variational(m) => {
                if m.n_features() != n_features {
                    return Err(bad(
                        format!("a model of {} features", m.n_features()),
                        "the request's model must have the request's dimension",
                    ));
                }
                let source = match self {
                    Self::Variational(_) => Source::Variational(m),
                    _ => Source::Model(m),
                };
                (source, m.n_components())
            }
            Self::Moved { model, moved } => {
                if model.n_features() != n_features {
                    return Err(bad(
                        format!("a model of {} features", model.n_features()),
                        "the request's model must have the request's dimension",
                    ));
                }
                if let Some(reason) = moved.invalid(model.n_components(), n_features) {
                    return Err(invalid_move(reason));
                }
                (Source::Moved { model, moved }, model.n_components())
            }
            Self::Centres(c) => {
                let k = check_centres(c, n_features).map_err(|v| bad(v, CENTRES))?;
                let source = Source::Centres {
                    centres: c,
                    labelled: &[],
                };
                (source, k)
            }
            Self::Labelled { centres, rows } => {
                let k = check_centres(centres, n_features).map_err(|v| bad(v, CENTRES))?;
                let increasing = rows.windows(2).all(|w| w[0].0 < w[1].0);
                if !increasing || rows.iter().any(|&(_, c)| c >= k) {
                    return Err(bad(
                        format!("{} labelled rows", rows.len()),
                        "labelled rows must be increasing, each with a component below K",
                    ));
                }
                let source = Source::Centres {
                    centres,
                    labelled: rows,
                };
                (source, k)
            }
            Self::Random {
                seed,
                run,
                n_components,
            } => {
                if *n_components == 0 {
                    return Err(bad(
                        "0 components".into(),
                        "random responsibilities need K ≥ 1",
                    ));
                }
                (
                    Source::Random {
                        seed: *seed,
                        run: *run,
                    },
                    *n_components,
                )
            }
        })
    }
}

/// The error for chunks that answered a request with something else.
pub(crate) fn chunk_answer(what: &str) -> MixtureError {
    MixtureError::Source {
        message: format!("the data's chunks answered with {what} (a bug in their runner)"),
    }
}
