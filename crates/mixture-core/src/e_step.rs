//! The E-step of one block of rows: log-densities, responsibilities and the block's
//! statistics, computed while the block is in cache.

use crate::degeneracy::{WorstRow, keep_worst};
use crate::error::{MixtureError, Result};
use crate::family::{Components, Family};
use crate::init::{nearest_centre, random_responsibility};
use crate::mixture::Mixture;
use crate::moves::Reassignment;
use crate::numeric::{normalise_rows, unit_scale};
use crate::rows::Data;
use crate::scalar::Scalar;
use crate::statistics::Statistics;

/// Where a block's responsibilities come from.
pub(crate) enum Source<'m, T, C> {
    /// The E-step of a mixture.
    Model(&'m Mixture<T, C>),
    /// The variational E-step whose responsibilities are this mixture's (see
    /// [`crate::variational`]), also adding up their entropy for the lower bound.
    Variational(&'m Mixture<T, C>),
    /// The E-step of a mixture, then a split-and-merge move on each row's responsibilities
    /// (see [`crate::moves`]).
    Moved {
        /// The mixture whose E-step the move starts from.
        model: &'m Mixture<T, C>,
        /// The move.
        moved: &'m Reassignment,
    },
    /// One-hot responsibilities for the nearest of these centres (K×D, initialisation), with
    /// each row's squared distance to it as its badness; the `labelled` rows (data row,
    /// component; increasing rows) go to their component instead.
    Centres {
        centres: &'m [f64],
        labelled: &'m [(usize, usize)],
    },
    /// Random responsibilities ([`crate::Init::Random`]) of the given seed and run.
    Random {
        /// The fit's seed.
        seed: u64,
        /// The run (0-based).
        run: usize,
    },
}

// Manual impls: a derive would demand `T: Copy, C: Copy` although only references are held.
impl<T, C> Clone for Source<'_, T, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, C> Copy for Source<'_, T, C> {}

/// Working memory of the block kernel, reused across blocks: a pass allocates only the values
/// of each block's K worst rows.
pub(crate) struct Workspace<T, W> {
    joint: Vec<T>,
    /// The log-joint values before normalising (variational passes: the entropy's terms).
    log_joint: Vec<T>,
    lse: Vec<T>,
    density_scratch: Vec<T>,
    stats_scratch: W,
    worst: Vec<(f64, usize)>,
}

impl<T, W: Default> Default for Workspace<T, W> {
    fn default() -> Self {
        Self {
            joint: Vec::new(),
            log_joint: Vec::new(),
            lse: Vec::new(),
            density_scratch: Vec::new(),
            stats_scratch: W::default(),
            worst: Vec::new(),
        }
    }
}

/// The fused work on one block, added into `out`: responsibilities (times the rows' weights),
/// log-likelihood, counts, worst rows and (when `accumulate`) the family's statistics.
///
/// `data` is already validated (finite, D columns, in the family's domain, one weight per row
/// if any). Rows of weight 0 add nothing and are never reported.
///
/// # Errors
/// [`MixtureError::ZeroDensity`] for the first row of positive weight that no component can
/// explain.
pub(crate) fn accumulate_block<T: Scalar, F: Family<T>>(
    family: &F,
    source: Source<'_, T, F::Components>,
    data: Data<'_, T>,
    first_row: usize,
    accumulate: bool,
    ws: &mut Workspace<T, F::Scratch>,
    out: &mut Statistics<F::Stats>,
) -> Result<()> {
    let (block, weights) = (data.rows(), data.weights());
    let k = out.n_components();
    let joint = &mut ws.joint;
    joint.resize(block.n_rows() * k, T::zero());
    ws.worst.clear();
    let weight_of = |i: usize| weights.map_or(1.0, |w| w[i]);
    match source {
        Source::Model(model) | Source::Variational(model) | Source::Moved { model, .. } => {
            let variational = matches!(source, Source::Variational(_));
            model
                .components()
                .log_densities(block, joint, &mut ws.density_scratch);
            let log_weights = model.log_weights();
            for row in joint.chunks_exact_mut(k) {
                for (v, &lw) in row.iter_mut().zip(log_weights) {
                    *v += lw;
                }
            }
            if variational {
                ws.log_joint.clear();
                ws.log_joint.extend_from_slice(joint);
            }
            normalise_rows(joint, k, &mut ws.lse);
            for (i, (row, &lse)) in joint.chunks_exact_mut(k).zip(&ws.lse).enumerate() {
                let w = weight_of(i);
                if w == 0.0 {
                    row.fill(T::zero());
                    continue;
                }
                if !lse.is_finite() {
                    return Err(MixtureError::ZeroDensity {
                        row: first_row + i,
                        value: lse.as_f64(),
                    });
                }
                // w · lse is exact for w = 1: unweighted sums are the plain sums.
                out.log_likelihood += w * lse.as_f64();
                if variational {
                    // ln r = a − ln Σ e^a, from the log-joint values kept: no logarithm per
                    // entry (scikit-learn's exp(log_resp) · log_resp).
                    let log_joint = &ws.log_joint[i * k..(i + 1) * k];
                    let lse = lse.as_f64();
                    let sum: f64 = row
                        .iter()
                        .zip(log_joint)
                        .filter(|(r, _)| r.as_f64() > 0.0)
                        .map(|(r, a)| r.as_f64() * (a.as_f64() - lse))
                        .sum();
                    out.entropy -= w * sum;
                }
                keep_worst(&mut ws.worst, k, (-lse.as_f64(), i), || (-lse.as_f64(), i));
            }
            if let Source::Moved { moved, .. } = source {
                for (row, x) in joint.chunks_exact_mut(k).zip(block.iter()) {
                    moved.apply(x, row);
                }
            }
        }
        Source::Centres { centres, labelled } => {
            let scale = unit_scale(centres);
            joint.fill(T::zero());
            for (i, (row, x)) in joint.chunks_exact_mut(k).zip(block.iter()).enumerate() {
                if weight_of(i) > 0.0 {
                    let given = labelled
                        .binary_search_by_key(&(first_row + i), |&(r, _)| r)
                        .ok()
                        .map(|at| labelled[at].1);
                    let (label, distance) = match given {
                        Some(c) => (c, squared_distance_to(x, &centres[c * x.len()..], scale)),
                        None => nearest_centre(x, centres, scale),
                    };
                    row[label] = T::one();
                    keep_worst(&mut ws.worst, k, (distance, i), || (distance, i));
                }
            }
        }
        Source::Random { seed, run } => {
            let mut draws = vec![0.0; k];
            for (i, row) in joint.chunks_exact_mut(k).enumerate() {
                if weight_of(i) == 0.0 {
                    row.fill(T::zero());
                    continue;
                }
                for (c, v) in draws.iter_mut().enumerate() {
                    *v = random_responsibility(seed, run, first_row + i, c);
                }
                let total: f64 = draws.iter().sum();
                for (r, v) in row.iter_mut().zip(&draws) {
                    *r = T::cast(v / total);
                }
                // No row explains a random start worse than another.
                keep_worst(&mut ws.worst, k, (0.0, i), || (0.0, i));
            }
        }
    }
    if let Some(w) = weights {
        for (row, &w) in joint.chunks_exact_mut(k).zip(w) {
            if w != 1.0 {
                for r in row.iter_mut() {
                    *r = T::cast(w * r.as_f64());
                }
            }
        }
        out.weight_total += w.iter().sum::<f64>();
    } else {
        out.weight_total += block.n_rows() as f64;
    }
    out.n_rows += weights.map_or(block.n_rows(), |w| w.iter().filter(|&&v| v > 0.0).count());
    for &(badness, i) in &ws.worst {
        keep_worst(&mut out.worst, k, (badness, first_row + i), || WorstRow {
            badness,
            row: first_row + i,
            weight: weight_of(i),
            values: block.row(i).iter().map(|v| v.as_f64()).collect(),
        });
    }
    if accumulate {
        for row in joint.chunks_exact(k) {
            for (c, r) in out.counts.iter_mut().zip(row) {
                *c += r.as_f64();
            }
        }
        family.accumulate(block, joint, &mut out.family, &mut ws.stats_scratch);
    }
    Ok(())
}

/// The squared distance from `row` to the centre at the start of `centre` (D values), in units
/// scaled by `scale`, as [`nearest_centre`] measures it.
fn squared_distance_to<T: Scalar>(row: &[T], centre: &[f64], scale: f64) -> f64 {
    row.iter()
        .zip(centre)
        .map(|(a, b)| (a.as_f64() * scale - b * scale).powi(2))
        .sum()
}
