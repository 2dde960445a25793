//! The hierarchical start ([`Init::Hierarchical`](crate::Init::Hierarchical)): agglomerative
//! clustering of the initialisation sample by Ward's criterion, the merge that least raises the
//! within-cluster sum of squares (the classification likelihood of spherical clusters of one
//! variance: mclust's EII merge), on the rows in mclust's "SVD" coordinates (each feature
//! standardised, then rotated onto the principal axes and divided by the square root of their
//! singular values), so that the tree does not depend on the features' units. The tree is cut
//! at K clusters, whose centroids are the centres.
//!
//! Merges come from the nearest-neighbour chain (exact for Ward's criterion, O(n²·D) time,
//! O(n) memory) over at most [`HIERARCHY_MAX_ROWS`] rows (every ⌈n/that⌉-th row of the sample
//! beyond it), with ties to the lower index: the same tree on any thread count.

use crate::error::{MixtureError, Result};
use crate::rows::Rows;
use crate::scalar::Scalar;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
use faer::{Col, Mat, Par};

/// At most this many rows of the initialisation sample are clustered hierarchically.
pub const HIERARCHY_MAX_ROWS: usize = 2000;

/// The K centres (K×D, row-major) of the hierarchical start from the rows of `x` (the
/// initialisation sample) and their weights.
pub(crate) fn hierarchical_centres<T: Scalar>(
    x: Rows<'_, T>,
    weights: Option<&[f64]>,
    k: usize,
) -> Result<Vec<f64>> {
    let (n, d) = (x.n_rows(), x.n_cols());
    let stride = n.div_ceil(HIERARCHY_MAX_ROWS).max(1);
    // Rows of weight 0 take no part.
    let rows: Vec<usize> = (0..n)
        .step_by(stride)
        .filter(|&i| weights.is_none_or(|w| w[i] > 0.0))
        .collect();
    let mass: Vec<f64> = rows
        .iter()
        .map(|&i| weights.map_or(1.0, |w| w[i]))
        .collect();
    let values: Vec<f64> = rows
        .iter()
        .flat_map(|&i| x.row(i).iter().map(|v| v.as_f64()))
        .collect();
    let z = svd_coordinates(&values, &mass, d);
    let labels = ward_labels(&z, &mass, rows.len(), k);
    let found = labels.iter().copied().max().map_or(0, |m| m + 1);
    if found < k {
        return Err(MixtureError::TooFewDistinctRows {
            n_components: k,
            n_distinct: found,
        });
    }
    // The clusters' weighted centroids, in the data's coordinates.
    let mut centres = vec![0.0; k * d];
    let mut totals = vec![0.0; k];
    for (r, (&label, &m)) in labels.iter().zip(&mass).enumerate() {
        totals[label] += m;
        for j in 0..d {
            centres[label * d + j] += m * values[r * d + j];
        }
    }
    for (c, total) in totals.iter().enumerate() {
        for v in &mut centres[c * d..(c + 1) * d] {
            *v /= total;
        }
    }
    Ok(centres)
}

/// The rows (n×D, row-major) in mclust's "SVD" coordinates: each feature centred and scaled to
/// unit (weighted) standard deviation, then projected on the principal axes and divided by the
/// square root of each axis' singular value. Constant features and null axes are dropped.
fn svd_coordinates(values: &[f64], mass: &[f64], d: usize) -> Vec<f64> {
    let n = mass.len();
    let total: f64 = mass.iter().sum();
    let mut mean = vec![0.0; d];
    for (row, &m) in values.chunks_exact(d).zip(mass) {
        for (a, v) in mean.iter_mut().zip(row) {
            *a += m * v / total;
        }
    }
    let mut spread = vec![0.0; d];
    for (row, &m) in values.chunks_exact(d).zip(mass) {
        for j in 0..d {
            spread[j] += m * (row[j] - mean[j]).powi(2) / total;
        }
    }
    let kept: Vec<usize> = (0..d).filter(|&j| spread[j] > 0.0).collect();
    if kept.is_empty() {
        return Vec::new(); // every row the same
    }
    let standard = Mat::from_fn(n, kept.len(), |i, c| {
        let j = kept[c];
        mass[i].sqrt() * (values[i * d + j] - mean[j]) / spread[j].sqrt()
    });
    // The singular values and right vectors of the standardised rows, from their Gram matrix.
    let p = kept.len();
    let mut gram = Mat::<f64>::zeros(p, p);
    faer::linalg::matmul::matmul(
        gram.as_mut(),
        faer::Accum::Replace,
        standard.transpose(),
        standard.as_ref(),
        1.0,
        Par::Seq,
    );
    let mut eigenvalues = Col::<f64>::zeros(p);
    let mut axes = Mat::<f64>::zeros(p, p);
    let mut buffer = MemBuffer::new(self_adjoint_evd_scratch::<f64>(
        p,
        ComputeEigenvectors::Yes,
        Par::Seq,
        Default::default(),
    ));
    let solved = self_adjoint_evd(
        gram.as_ref(),
        eigenvalues.as_diagonal_mut(),
        Some(axes.as_mut()),
        Par::Seq,
        MemStack::new(&mut buffer),
        Default::default(),
    );
    if solved.is_err() {
        // Not reachable for finite rows; the standardised rows still order the merges.
        return (0..n * p)
            .map(|e| standard[(e / p.max(1), e % p.max(1))])
            .collect();
    }
    let largest = (0..p).map(|a| eigenvalues[a]).fold(0.0, f64::max);
    let used: Vec<usize> = (0..p)
        .filter(|&a| eigenvalues[a] > largest * 1e-12)
        .collect();
    let mut z = Vec::with_capacity(n * used.len());
    for i in 0..n {
        for &a in &used {
            // Singular value s = √λ; the coordinate is (row · axis) / √s, unweighted.
            let s = eigenvalues[a].sqrt();
            let dot: f64 = (0..p).map(|c| standard[(i, c)] * axes[(c, a)]).sum();
            z.push(dot / mass[i].sqrt() / s.sqrt());
        }
    }
    z
}

/// The labels (0..K, numbered by first row) of `n` rows of `z` (any number of columns) with
/// masses `mass`, from Ward's tree cut at `k` clusters (fewer when fewer rows are distinct).
fn ward_labels(z: &[f64], mass: &[f64], n: usize, k: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let p = z.len() / n; // 0 when every row is the same
    let mut centroid: Vec<f64> = z.to_vec();
    let mut size: Vec<f64> = mass.to_vec();
    let mut active: Vec<bool> = vec![true; n];
    // Ward's cost of merging a and b: m_a m_b / (m_a + m_b) ‖c_a − c_b‖².
    let cost = |centroid: &[f64], size: &[f64], a: usize, b: usize| {
        let gap: f64 = (0..p)
            .map(|j| (centroid[a * p + j] - centroid[b * p + j]).powi(2))
            .sum();
        size[a] * size[b] / (size[a] + size[b]) * gap
    };
    // Nearest-neighbour chain: every merge joins reciprocal nearest neighbours, which for
    // Ward's (reducible) criterion gives the tree of the greedy algorithm.
    let mut merges: Vec<(f64, usize, usize)> = Vec::with_capacity(n - 1);
    let mut chain: Vec<usize> = Vec::new();
    let mut remaining = n;
    while remaining > 1 {
        if chain.is_empty() {
            chain.push(active.iter().position(|&a| a).expect("two or more remain"));
        }
        let a = *chain.last().expect("not empty");
        let previous = chain.len().checked_sub(2).map(|i| chain[i]);
        // The nearest active cluster; the previous link wins a tie, then the lower index.
        let mut best: Option<(f64, usize)> = previous.map(|b| (cost(&centroid, &size, a, b), b));
        for b in (0..n).filter(|&b| active[b] && b != a) {
            let c = cost(&centroid, &size, a, b);
            if best.is_none_or(|(bc, bb)| c < bc || (c == bc && b < bb && Some(bb) != previous)) {
                best = Some((c, b));
            }
        }
        let (c, b) = best.expect("two or more remain");
        if Some(b) == previous {
            chain.truncate(chain.len() - 2);
            // Merge b into the lower index; the merged cluster keeps that index.
            let (keep, gone) = (a.min(b), a.max(b));
            let total = size[keep] + size[gone];
            for j in 0..p {
                centroid[keep * p + j] = (size[keep] * centroid[keep * p + j]
                    + size[gone] * centroid[gone * p + j])
                    / total;
            }
            size[keep] = total;
            active[gone] = false;
            merges.push((c, keep, gone));
            remaining -= 1;
        } else {
            chain.push(b);
        }
    }
    // The greedy order is by cost (ties by the order found); the first n − K merges cut the
    // tree at K clusters.
    let mut order: Vec<usize> = (0..merges.len()).collect();
    order.sort_by(|&i, &j| merges[i].0.total_cmp(&merges[j].0).then(i.cmp(&j)));
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    // Clusters apart at no cost (identical rows) are not distinct: never cut between them.
    let distinct = 1 + merges.iter().filter(|m| m.0 > 0.0).count();
    for &m in order.iter().take(n.saturating_sub(k.min(distinct))) {
        let (_, keep, gone) = merges[m];
        let (rk, rg) = (root(&mut parent, keep), root(&mut parent, gone));
        parent[rg] = rk;
    }
    let mut number = vec![usize::MAX; n];
    let mut next = 0;
    (0..n)
        .map(|i| {
            let r = root(&mut parent, i);
            if number[r] == usize::MAX {
                number[r] = next;
                next += 1;
            }
            number[r]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ward_joins_the_nearest_first_and_cuts_at_k() {
        // Three tight pairs far apart on a line.
        let z = [0.0, 0.1, 5.0, 5.2, 10.0, 10.3];
        let mass = [1.0; 6];
        assert_eq!(ward_labels(&z, &mass, 6, 3), vec![0, 0, 1, 1, 2, 2]);
        assert_eq!(ward_labels(&z, &mass, 6, 6), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(ward_labels(&z, &mass, 6, 1), vec![0; 6]);
        // Two clusters: the end pairs stay apart.
        let two = ward_labels(&z, &mass, 6, 2);
        assert_eq!(two[0], two[1]);
        assert_eq!(two[4], two[5]);
        assert_ne!(two[0], two[4]);
    }

    #[test]
    fn the_centres_do_not_depend_on_the_units() {
        let rows: Vec<f64> = (0..60)
            .flat_map(|i| {
                let c = (i % 3) as f64;
                let t = i as f64 * 0.37;
                [c * 4.0 + t.sin() * 0.3, c - t.cos() * 0.2]
            })
            .collect();
        let x = Rows::new(&rows, 2).unwrap();
        let a = hierarchical_centres(x, None, 3).unwrap();
        let scaled: Vec<f64> = rows
            .chunks_exact(2)
            .flat_map(|r| [r[0] * 1e6, r[1]])
            .collect();
        let b = hierarchical_centres(Rows::new(&scaled, 2).unwrap(), None, 3).unwrap();
        for (p, q) in a.chunks_exact(2).zip(b.chunks_exact(2)) {
            assert!((p[0] * 1e6 - q[0]).abs() < 1e-6 * q[0].abs().max(1.0));
            assert!((p[1] - q[1]).abs() < 1e-9);
        }
        let mut firsts: Vec<i64> = a.chunks_exact(2).map(|c| c[0].round() as i64).collect();
        firsts.sort_unstable();
        assert_eq!(firsts, vec![0, 4, 8]);
    }

    #[test]
    fn too_few_distinct_rows_are_named() {
        let rows = [1.0, 1.0, 2.0, 2.0];
        let x = Rows::new(&rows, 1).unwrap();
        assert_eq!(hierarchical_centres(x, None, 2).unwrap(), vec![1.0, 2.0]);
        let e = hierarchical_centres(x, None, 3).unwrap_err();
        assert!(
            matches!(e, MixtureError::TooFewDistinctRows { n_distinct: 2, .. }),
            "{e}"
        );
        let rows = [1.0, 1.0, 1.0, 1.0];
        let e = hierarchical_centres(Rows::new(&rows, 1).unwrap(), None, 2).unwrap_err();
        assert!(matches!(e, MixtureError::TooFewDistinctRows { .. }), "{e}");
    }
}
