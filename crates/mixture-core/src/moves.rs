//! Split-and-merge moves on the responsibilities of a finished run (Ueda et al.'s SMEM, for
//! variational fits): a move hands some rows' responsibilities from one component to another,
//! the fit runs on from the statistics of the moved responsibilities, and the move is kept when
//! the run ends higher. A move is row-local, so it streams and runs over chunks as a pass does;
//! choosing one looks at the initialisation sample only.

use crate::error::MixtureError;
use crate::family::Components;
use crate::mixture::Mixture;
use crate::numeric::normalise_rows;
use crate::rows::Rows;
use crate::sample::{SAMPLE_VALUES, Sampled};
use crate::scalar::Scalar;

/// One split-and-merge move on a pass's responsibilities, applied to each row after its
/// E-step: first the merge (component `merge.1`'s responsibility goes to `merge.0`), then
/// the split (the rows on the positive side of the hyperplane through `centre` normal to
/// `direction` hand their responsibility for component `split` to component `into`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Reassignment {
    /// (kept, absorbed): the absorbed component's responsibility is added to the kept one's.
    pub merge: Option<(usize, usize)>,
    /// The component split.
    pub split: usize,
    /// The component that receives the split's far side (the absorbed one, or a free one).
    pub into: usize,
    /// A point on the splitting hyperplane (D values): the split component's mean.
    pub centre: Vec<f64>,
    /// The hyperplane's normal (D values): the split component's principal axis.
    pub direction: Vec<f64>,
}

impl Reassignment {
    /// Why this move cannot apply to K components of D features, or `None` when it can.
    pub(crate) fn invalid(&self, k: usize, d: usize) -> Option<String> {
        let merge_ok = self
            .merge
            .is_none_or(|(kept, absorbed)| kept < k && absorbed < k && kept != absorbed);
        if !merge_ok || self.split >= k || self.into >= k || self.split == self.into {
            return Some(format!(
                "a move of components {:?} and {} → {} among {k}",
                self.merge, self.split, self.into
            ));
        }
        if self.centre.len() != d || self.direction.len() != d {
            return Some(format!(
                "a hyperplane of {} and {} values for {d} features",
                self.centre.len(),
                self.direction.len()
            ));
        }
        if !self
            .centre
            .iter()
            .chain(&self.direction)
            .all(|v| v.is_finite())
        {
            return Some("a hyperplane with a value that is not finite".into());
        }
        None
    }

    /// Moves one row's responsibilities (K values) for the row `x`.
    pub(crate) fn apply<T: Scalar>(&self, x: &[T], row: &mut [T]) {
        if let Some((kept, absorbed)) = self.merge {
            row[kept] += row[absorbed];
            row[absorbed] = T::zero();
        }
        let side: f64 = x
            .iter()
            .zip(&self.centre)
            .zip(&self.direction)
            .map(|((x, c), v)| (x.as_f64() - c) * v)
            .sum();
        if side > 0.0 {
            row[self.into] += row[self.split];
            row[self.split] = T::zero();
        }
    }
}

/// Power iterations for a split's principal axis: enough to order rows by side, which is all
/// a split needs.
const AXIS_ITERATIONS: usize = 30;

/// Merges tried per round when no component is free: the pairs whose responsibilities
/// overlap most.
const MERGE_CANDIDATES: usize = 3;

/// The most components (the largest) whose pairs are weighed for a merge.
const MERGE_POOL: usize = 1024;

/// Components tried for splitting per round (the largest first).
const SPLIT_CANDIDATES: usize = 4;

/// The candidate moves of one round, best first, from `model`'s responsibilities on the
/// initialisation sample: with a free component (weight below one row), split each of the
/// largest components into it; otherwise merge one of the most overlapping pairs and split
/// one of the largest other components into the absorbed one.
pub(crate) fn candidates<T: Scalar, C: Components<T>>(
    model: &Mixture<T, C>,
    counts: &[f64],
    sample: &Sampled<T>,
) -> Vec<Reassignment> {
    let k = model.n_components();
    let rows = sample.rows.view();
    let (n, d) = (rows.n_rows(), rows.n_cols());
    if n == 0 || k < 2 {
        return Vec::new();
    }
    // Every stride-th row of the sample, so that K responsibilities per row stay within the
    // sample's own budget of values.
    let stride = (n * k).div_ceil(SAMPLE_VALUES).max(1);
    let picked: Vec<usize> = (0..n).step_by(stride).collect();
    let values: Vec<T> = picked
        .iter()
        .flat_map(|&i| rows.row(i).iter().copied())
        .collect();
    let weights: Vec<f64> = picked
        .iter()
        .map(|&i| sample.weights.as_ref().map_or(1.0, |w| w[i]))
        .collect();
    let view = Rows::new(&values, d).expect("whole rows");
    let mut resp = vec![T::zero(); picked.len() * k];
    let mut scratch = Vec::new();
    model
        .components()
        .log_densities(view, &mut resp, &mut scratch);
    for row in resp.chunks_exact_mut(k) {
        for (v, &lw) in row.iter_mut().zip(model.log_weights()) {
            *v += lw;
        }
    }
    let mut lse = Vec::new();
    normalise_rows(&mut resp, k, &mut lse);
    let weight = |i: usize| weights[i];
    let mut in_use: Vec<usize> = (0..k).filter(|&c| counts[c] >= 1.0).collect();
    in_use.sort_by(|&a, &b| counts[b].total_cmp(&counts[a]).then(a.cmp(&b)));
    let free = (0..k).find(|&c| counts[c] < 1.0);
    let mut plans: Vec<(Option<(usize, usize)>, usize)> = Vec::new();
    match free {
        Some(_) => plans.extend(in_use.iter().take(SPLIT_CANDIDATES).map(|&s| (None, s))),
        None => {
            // Overlap of components a and b: Σ r_a r_b / √(Σ r_a² Σ r_b²) over the sample,
            // among the largest MERGE_POOL components (all of them unless K is huge: the
            // pool's Gram matrix is its size squared).
            let mut pool = in_use[..in_use.len().min(MERGE_POOL)].to_vec();
            pool.sort_unstable();
            let m = pool.len();
            let mut gram = vec![0.0; m * m];
            for (i, row) in resp.chunks_exact(k).enumerate() {
                let w = weight(i);
                for (x, &a) in pool.iter().enumerate() {
                    let ra = row[a].as_f64() * w;
                    if ra == 0.0 {
                        continue;
                    }
                    for (y, &b) in pool.iter().enumerate().skip(x) {
                        gram[x * m + y] += ra * row[b].as_f64();
                    }
                }
            }
            let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
            for x in 0..m {
                for y in x + 1..m {
                    let scale = (gram[x * m + x] * gram[y * m + y]).sqrt();
                    if scale > 0.0 {
                        pairs.push((gram[x * m + y] / scale, pool[x], pool[y]));
                    }
                }
            }
            pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
            for &(_, a, b) in pairs.iter().take(MERGE_CANDIDATES) {
                // The larger of the pair absorbs the smaller.
                let (kept, absorbed) = if counts[a] >= counts[b] {
                    (a, b)
                } else {
                    (b, a)
                };
                plans.extend(
                    in_use
                        .iter()
                        .filter(|&&s| s != kept && s != absorbed)
                        .take(SPLIT_CANDIDATES)
                        .map(|&s| (Some((kept, absorbed)), s)),
                );
            }
        }
    }
    plans
        .into_iter()
        .filter_map(|(merge, split)| {
            let into = merge.map_or_else(|| free.expect("a free component"), |m| m.1);
            let (centre, direction) = principal_axis(&resp, k, split, view, &weights)?;
            Some(Reassignment {
                merge,
                split,
                into,
                centre,
                direction,
            })
        })
        .collect()
}

/// Component `c`'s weighted mean and principal axis on the sample (power iterations from the
/// direction of its farthest row), or `None` when it holds no spread there.
fn principal_axis<T: Scalar>(
    resp: &[T],
    k: usize,
    c: usize,
    rows: Rows<'_, T>,
    weights: &[f64],
) -> Option<(Vec<f64>, Vec<f64>)> {
    let d = rows.n_cols();
    let mass: Vec<f64> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| w * resp[i * k + c].as_f64())
        .collect();
    let total: f64 = mass.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut centre = vec![0.0; d];
    for (m, x) in mass.iter().zip(rows.iter()) {
        for (a, v) in centre.iter_mut().zip(x) {
            *a += m * v.as_f64();
        }
    }
    centre.iter_mut().for_each(|a| *a /= total);
    let offset = |x: &[T], j: usize| x[j].as_f64() - centre[j];
    let (far, _) = mass.iter().zip(rows.iter()).enumerate().fold(
        (0, f64::NEG_INFINITY),
        |(best, value), (i, (m, x))| {
            let spread = m * (0..d).map(|j| offset(x, j).powi(2)).sum::<f64>();
            if spread > value {
                (i, spread)
            } else {
                (best, value)
            }
        },
    );
    let mut axis: Vec<f64> = (0..d).map(|j| offset(rows.row(far), j)).collect();
    for _ in 0..AXIS_ITERATIONS {
        let norm = axis.iter().map(|v| v * v).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return None;
        }
        axis.iter_mut().for_each(|v| *v /= norm);
        let mut next = vec![0.0; d];
        for (m, x) in mass.iter().zip(rows.iter()) {
            if *m == 0.0 {
                continue;
            }
            let along: f64 = (0..d).map(|j| offset(x, j) * axis[j]).sum();
            for (j, n) in next.iter_mut().enumerate() {
                *n += m * along * offset(x, j);
            }
        }
        axis = next;
    }
    let norm = axis.iter().map(|v| v * v).sum::<f64>().sqrt();
    (norm > 0.0 && norm.is_finite()).then(|| {
        axis.iter_mut().for_each(|v| *v /= norm);
        (centre, axis)
    })
}

/// The error for a move that does not fit the pass's model.
pub(crate) fn invalid_move(reason: String) -> MixtureError {
    MixtureError::InvalidOption {
        name: "responsibilities",
        value: reason,
        expected: "a move's components must be distinct and below K, its hyperplane D finite values",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_at_origin(merge: Option<(usize, usize)>) -> Reassignment {
        Reassignment {
            merge,
            split: 0,
            into: 2,
            centre: vec![0.0, 0.0],
            direction: vec![1.0, 0.0],
        }
    }

    #[test]
    fn a_move_merges_then_hands_the_far_side_of_the_split_over() {
        let moved = split_at_origin(Some((1, 2)));
        let mut near = [0.5, 0.3, 0.2];
        moved.apply(&[-1.0, 5.0], &mut near);
        assert_eq!(near, [0.5, 0.5, 0.0]);
        let mut far = [0.5, 0.3, 0.2];
        moved.apply(&[1.0, 5.0], &mut far);
        assert_eq!(far, [0.0, 0.5, 0.5]);
        // Without a merge the receiving component keeps what it had.
        let mut alone = [0.5, 0.3, 0.2];
        split_at_origin(None).apply(&[1.0, 0.0], &mut alone);
        assert_eq!(alone, [0.0, 0.3, 0.7]);
    }

    #[test]
    fn moves_that_do_not_fit_the_model_are_named() {
        assert_eq!(split_at_origin(Some((1, 2))).invalid(3, 2), None);
        for (bad, k, d) in [
            (split_at_origin(Some((1, 1))), 3, 2),
            (split_at_origin(Some((1, 3))), 3, 2),
            (split_at_origin(None), 2, 2),
            (split_at_origin(None), 3, 3),
            (
                Reassignment {
                    into: 0,
                    ..split_at_origin(None)
                },
                3,
                2,
            ),
            (
                Reassignment {
                    direction: vec![f64::NAN, 0.0],
                    ..split_at_origin(None)
                },
                3,
                2,
            ),
        ] {
            assert!(bad.invalid(k, d).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn the_principal_axis_is_the_long_axis_of_the_components_rows() {
        // An elongated cloud along (1, 2)/√5 around (3, −1) held by component 1 of 2, and
        // rows of component 0 elsewhere that must not count.
        let (mut values, mut resp) = (Vec::new(), Vec::new());
        for i in 0..200 {
            let t = (i as f64 - 99.5) / 10.0;
            for s in [0.3, -0.3] {
                values.extend([3.0 + t - 2.0 * s, -1.0 + 2.0 * t + s]);
                resp.extend([0.0, 1.0]);
                values.extend([50.0 + s, 50.0 - t]);
                resp.extend([1.0, 0.0]);
            }
        }
        let rows = Rows::new(&values, 2).unwrap();
        let weights = vec![1.0; rows.n_rows()];
        let (centre, axis) = principal_axis(&resp, 2, 1, rows, &weights).unwrap();
        assert!((centre[0] - 3.0).abs() < 1e-12 && (centre[1] + 1.0).abs() < 1e-12);
        let along = (axis[0] + 2.0 * axis[1]).abs() / 5f64.sqrt();
        assert!(along > 1.0 - 1e-9, "{axis:?}");
        // A component of no weight, or of one point, has no axis.
        assert!(principal_axis(&vec![0.0; 1600], 2, 1, rows, &weights).is_none());
        let one = Rows::new(&[1.0, 1.0], 2).unwrap();
        assert!(principal_axis(&[0.0, 1.0], 2, 1, one, &[1.0]).is_none());
    }
}
