//! The hierarchical start ([`Init::Hierarchical`](crate::Init::Hierarchical)): agglomerative
//! clustering of the initialisation sample on the rows in mclust's "SVD" coordinates (each
//! feature standardised, then rotated onto the principal axes and divided by the square root of
//! their singular values), so that the tree does not depend on the features' units, cut at K
//! clusters: their centroids are the centres and the clustered rows start in their clusters.
//!
//! Unweighted rows are merged by mclust's default criterion for multivariate data, the VVV
//! classification likelihood (`hcVVV`, Fraley 1998), with its constants and its order among
//! merges of equal cost, so that the start is mclust's own; the tree is grown once and kept for
//! the next K of the same rows. Weighted rows are merged by Ward's criterion (mclust's EII
//! merge, where a row's weight is its mass) by the nearest-neighbour chain. At most
//! [`HIERARCHY_MAX_ROWS`] rows are clustered (every ⌈n/that⌉-th row of the sample beyond it);
//! there are no random draws and no threads: the same tree everywhere.

use crate::error::{MixtureError, Result};
use crate::family::MergeCriterion;
use crate::init::Start;
use crate::options::{HierarchyCoordinates, HierarchyMerge};
use crate::rows::Rows;
use crate::scalar::Scalar;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
use faer::{Col, Mat, Par};

/// At most this many rows of the initialisation sample are clustered hierarchically.
pub const HIERARCHY_MAX_ROWS: usize = 2000;

/// Beyond this many features (in SVD coordinates) the VVV criterion gives way to Ward's.
pub const VVV_MAX_FEATURES: usize = 24;

/// How the hierarchical start merges: the family's criterion and the options' choices.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hierarchy {
    pub(crate) criterion: MergeCriterion,
    pub(crate) merge: HierarchyMerge,
    pub(crate) coordinates: HierarchyCoordinates,
}

impl Hierarchy {
    /// The family's criterion in mclust's SVD coordinates (the default options).
    #[cfg(test)]
    pub(crate) fn of(criterion: MergeCriterion) -> Self {
        Self {
            criterion,
            merge: HierarchyMerge::Family,
            coordinates: HierarchyCoordinates::Svd,
        }
    }
}

/// The K centres (K×D, row-major) of the hierarchical start from the rows of `x` (the
/// initialisation sample) and their weights, and the cluster of each row it clustered (by
/// its index in `x`, increasing): those rows start in their clusters, the others at their
/// nearest centre.
pub(crate) fn hierarchical_centres<T: Scalar>(
    x: Rows<'_, T>,
    weights: Option<&[f64]>,
    k: usize,
    hierarchy: Hierarchy,
) -> Result<Start> {
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
    let unweighted = mass.iter().all(|&m| m == 1.0);
    let coordinates = |values: &[f64]| match hierarchy.coordinates {
        HierarchyCoordinates::Vars => values.to_vec(),
        _ => svd_coordinates(values, &mass, d),
    };
    let labels = match (hierarchy.merge, hierarchy.criterion) {
        (HierarchyMerge::Family, MergeCriterion::Factorised(cost)) => greedy_labels(
            &mut Factorised(cost, Vec::with_capacity(d)),
            cost as usize as u64,
            &values,
            &mass,
            k,
        ),
        (HierarchyMerge::Vvv, _) => vvv_labels(&coordinates(&values), &mass, k),
        (HierarchyMerge::Eii, _) => ward_labels(&coordinates(&values), &mass, rows.len(), k),
        _ => {
            let z = coordinates(&values);
            // The VVV criterion's work grows as p³ per pair beyond p rows (minutes at
            // p = 64 on 2000 rows): wide data take Ward's criterion (mclust's EII).
            if unweighted && z.len() <= VVV_MAX_FEATURES * mass.len() {
                vvv_labels(&z, &mass, k)
            } else {
                ward_labels(&z, &mass, rows.len(), k)
            }
        }
    };
    // The VVV tree cuts between equal rows when asked for more clusters than distinct rows.
    let found = labels
        .iter()
        .copied()
        .max()
        .map_or(0, |m| m + 1)
        .min(distinct_rows(&values, d));
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
    Ok(Start {
        centres,
        labelled: rows.into_iter().zip(labels).collect(),
    })
}

/// How many distinct rows (bit for bit) the n×D row-major `values` hold.
fn distinct_rows(values: &[f64], d: usize) -> usize {
    if d == 0 {
        return usize::from(!values.is_empty());
    }
    let mut rows: Vec<&[f64]> = values.chunks_exact(d).collect();
    let bits = |r: &[f64]| r.iter().map(|v| v.to_bits()).collect::<Vec<u64>>();
    rows.sort_by_key(|r| bits(r));
    rows.dedup_by(|a, b| bits(a) == bits(b));
    rows.len()
}

/// The rows (n×D, row-major) in mclust's "SVD" coordinates: each feature centred and scaled to
/// unit (weighted) standard deviation, then projected on the principal axes and divided by the
/// square root of each axis' singular value. Constant features and null axes are dropped.
fn svd_coordinates(values: &[f64], mass: &[f64], d: usize) -> Vec<f64> {
    svd_coordinates_by(values, mass, d, true)
}

/// [`svd_coordinates`], through the rows' Gram matrix when there are fewer rows than
/// features and `by_rows` allows it (the test compares both routes).
fn svd_coordinates_by(values: &[f64], mass: &[f64], d: usize, by_rows: bool) -> Vec<f64> {
    let n = mass.len();
    let total: f64 = mass.iter().sum();
    let mut mean = vec![0.0; d];
    for (row, &m) in values.chunks_exact(d).zip(mass) {
        for (a, v) in mean.iter_mut().zip(row) {
            *a += m * v / total;
        }
    }
    // Unweighted rows are scaled by the sample standard deviation (n − 1), as R's `scale`.
    let unweighted = mass.iter().all(|&m| m == 1.0);
    let dof = if unweighted && n > 1 {
        total - 1.0
    } else {
        total
    };
    let mut spread = vec![0.0; d];
    for (row, &m) in values.chunks_exact(d).zip(mass) {
        for j in 0..d {
            spread[j] += m * (row[j] - mean[j]).powi(2) / dof;
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
    // The singular values and vectors of the standardised rows S (n×p), from the smaller of
    // their two Gram matrices: SᵀS (p×p, right vectors v) for tall data, SSᵀ (n×n, left vectors
    // u) for wide data, where the p×p route costs p³ (hours at p = 10⁴).
    let p = kept.len();
    let wide = by_rows && p > n;
    let size = if wide { n } else { p };
    let mut gram = Mat::<f64>::zeros(size, size);
    let (left, right) = if wide {
        (standard.as_ref(), standard.transpose())
    } else {
        (standard.transpose(), standard.as_ref())
    };
    faer::linalg::matmul::matmul(
        gram.as_mut(),
        faer::Accum::Replace,
        left,
        right,
        1.0,
        Par::Seq,
    );
    let mut eigenvalues = Col::<f64>::zeros(size);
    let mut axes = Mat::<f64>::zeros(size, size);
    let mut buffer = MemBuffer::new(self_adjoint_evd_scratch::<f64>(
        size,
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
    let largest = (0..size).map(|a| eigenvalues[a]).fold(0.0, f64::max);
    let used: Vec<usize> = (0..size)
        .filter(|&a| eigenvalues[a] > largest * 1e-12)
        .collect();
    let mut z = Vec::with_capacity(n * used.len());
    for i in 0..n {
        for &a in &used {
            // Singular value s = √λ; the coordinate is (row · v) / √s, unweighted; with the
            // left vectors, row · v = s u_i.
            let s = eigenvalues[a].sqrt();
            let dot: f64 = if wide {
                s * axes[(i, a)]
            } else {
                (0..p).map(|c| standard[(i, c)] * axes[(c, a)]).sum()
            };
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
    // Clusters apart at no cost (identical rows) are not distinct: never cut between them.
    let distinct = 1 + merges.iter().filter(|m| m.0 > 0.0).count();
    let cut = order
        .iter()
        .take(n.saturating_sub(k.min(distinct)))
        .map(|&m| (merges[m].1, merges[m].2));
    labels_after(n, cut)
}

/// The labels (0.., numbered by first row) of `n` rows after the merges `(keep, gone)`, each
/// joining the clusters of its two rows.
fn labels_after(n: usize, merges: impl Iterator<Item = (usize, usize)>) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (keep, gone) in merges {
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

/// One cluster of the VVV agglomeration: its size, mean and scatter (p×p).
#[derive(Clone)]
struct Cluster {
    size: f64,
    mean: Vec<f64>,
    scatter: Vec<f64>,
}

impl Cluster {
    /// The union of two clusters: `W = W_a + W_b + (n_a n_b / n) δδᵀ`.
    fn union(&self, other: &Cluster) -> Cluster {
        let size = self.size + other.size;
        let p = self.mean.len();
        let factor = self.size * other.size / size;
        let delta: Vec<f64> = (0..p).map(|j| self.mean[j] - other.mean[j]).collect();
        Cluster {
            size,
            mean: (0..p)
                .map(|j| (self.size * self.mean[j] + other.size * other.mean[j]) / size)
                .collect(),
            scatter: (0..p * p)
                .map(|e| self.scatter[e] + other.scatter[e] + factor * delta[e / p] * delta[e % p])
                .collect(),
        }
    }

    /// The term of the union of two clusters, formed in `scratch` (only its trace while it
    /// has at most p rows): no allocation per pair.
    fn union_term(&self, other: &Cluster, alpha: f64, scratch: &mut Vec<f64>) -> f64 {
        let p = self.mean.len();
        let size = self.size + other.size;
        let factor = self.size * other.size / size;
        if size <= p as f64 {
            let trace = |c: &Cluster| (0..p).map(|j| c.scatter[j * p + j]).sum::<f64>();
            let gap: f64 = (0..p).map(|j| (self.mean[j] - other.mean[j]).powi(2)).sum();
            let trace = trace(self) + trace(other) + factor * gap;
            return size * ((trace + alpha) / size).ln();
        }
        scratch.clear();
        scratch.extend((0..p * p).map(|e| {
            let (r, c) = (e / p, e % p);
            self.scatter[e]
                + other.scatter[e]
                + factor * (self.mean[r] - other.mean[r]) * (self.mean[c] - other.mean[c])
        }));
        term_of(size, scratch, alpha)
    }

    /// Its term of mclust's VVV merge criterion (Fraley 1998, with mclust's α and β = 1):
    /// `n ln(|W/n| + (tr W + α)/n)`, the determinant left out while the cluster has at most
    /// p rows or is singular, so that small clusters have a finite, spherical term.
    fn term(&self, alpha: f64) -> f64 {
        term_of(self.size, &mut self.scatter.clone(), alpha)
    }
}

/// The VVV criterion's term of a cluster of `l` rows and scatter `w` (p×p; overwritten).
fn term_of(l: f64, w: &mut [f64], alpha: f64) -> f64 {
    let p = (w.len() as f64).sqrt() as usize;
    let trace: f64 = (0..p).map(|j| w[j * p + j]).sum();
    let spread = (trace + alpha) / l;
    let ln = if l <= p as f64 {
        spread.ln()
    } else if trace == 0.0 {
        (alpha / l).ln()
    } else {
        match log_det(w, p, l) {
            None => spread.ln(),
            Some(det) if det <= 0.0 => (det.exp() + spread).ln(),
            Some(det) => (1.0 + (-det).exp() * spread).ln() + det,
        }
    };
    l * ln
}

/// `ln |W / l|` of the symmetric p×p `w` by Cholesky (in place), `None` when it is not
/// positive definite.
fn log_det(a: &mut [f64], p: usize, l: f64) -> Option<f64> {
    for v in a.iter_mut() {
        *v /= l;
    }
    let mut total = 0.0;
    for j in 0..p {
        let mut diag = a[j * p + j];
        for k in 0..j {
            diag -= a[j * p + k] * a[j * p + k];
        }
        if diag.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let root = diag.sqrt();
        a[j * p + j] = root;
        total += 2.0 * root.ln();
        for i in j + 1..p {
            let mut v = a[i * p + j];
            for k in 0..j {
                v -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = v / root;
        }
    }
    Some(total)
}

/// A merge criterion of the greedy agglomeration: the criterion is a sum of the clusters'
/// terms, and a merge costs the union's term minus the two clusters' terms.
trait Criterion {
    type Cluster: Clone;
    /// The cluster of one row of mass `mass`.
    fn singleton(&self, row: &[f64], mass: f64) -> Self::Cluster;
    fn union(&self, a: &Self::Cluster, b: &Self::Cluster) -> Self::Cluster;
    fn term(&self, c: &Self::Cluster) -> f64;
    /// `term(union(a, b))`, perhaps without forming the union.
    fn union_term(&mut self, a: &Self::Cluster, b: &Self::Cluster) -> f64 {
        let u = self.union(a, b);
        self.term(&u)
    }
}

/// mclust's VVV criterion (Fraley 1998, with `hcVVV`'s α and β = 1).
struct Vvv {
    alpha: f64,
    scratch: Vec<f64>,
}

impl Criterion for Vvv {
    type Cluster = Cluster;

    fn singleton(&self, row: &[f64], mass: f64) -> Cluster {
        Cluster {
            size: mass,
            mean: row.to_vec(),
            scatter: vec![0.0; row.len() * row.len()],
        }
    }

    fn union(&self, a: &Cluster, b: &Cluster) -> Cluster {
        a.union(b)
    }

    fn term(&self, c: &Cluster) -> f64 {
        c.term(self.alpha)
    }

    fn union_term(&mut self, a: &Cluster, b: &Cluster) -> f64 {
        a.union_term(b, self.alpha, &mut self.scratch)
    }
}

/// A factorised family's classification likelihood ([`MergeCriterion::Factorised`]), and
/// scratch for a union's sums.
struct Factorised(fn(f64, &[f64]) -> f64, Vec<f64>);

/// A cluster of [`Factorised`]: its mass and its rows' (weighted) sums per feature.
#[derive(Clone)]
struct Sums {
    mass: f64,
    sums: Vec<f64>,
}

impl Criterion for Factorised {
    type Cluster = Sums;

    fn singleton(&self, row: &[f64], mass: f64) -> Sums {
        Sums {
            mass,
            sums: row.iter().map(|v| mass * v).collect(),
        }
    }

    fn union(&self, a: &Sums, b: &Sums) -> Sums {
        Sums {
            mass: a.mass + b.mass,
            sums: a.sums.iter().zip(&b.sums).map(|(x, y)| x + y).collect(),
        }
    }

    fn term(&self, c: &Sums) -> f64 {
        (self.0)(c.mass, &c.sums)
    }

    fn union_term(&mut self, a: &Sums, b: &Sums) -> f64 {
        self.1.clear();
        self.1
            .extend(a.sums.iter().zip(&b.sums).map(|(x, y)| x + y));
        (self.0)(a.mass + b.mass, &self.1)
    }
}

/// The labels (0..K, numbered by first row) of the `n` rows (`values`, any number of columns)
/// of masses `mass` after agglomerating them greedily by `criterion` down to `k` clusters, from
/// single rows. The whole tree is kept for the next call on the same rows and criterion
/// (`tag`): select cuts it at every K, so it is grown once per data set, under the lock, so
/// that cells fitted side by side wait for it rather than grow it again.
fn greedy_labels<C: Criterion>(
    criterion: &mut C,
    tag: u64,
    values: &[f64],
    mass: &[f64],
    k: usize,
) -> Vec<usize> {
    let n = mass.len();
    if n == 0 {
        return Vec::new();
    }
    type Tree = (u64, usize, Vec<(usize, usize)>);
    static LAST: std::sync::Mutex<Option<Tree>> = std::sync::Mutex::new(None);
    let fingerprint = values.iter().chain(mass).fold(
        0xcbf2_9ce4_8422_2325_u64 ^ tag ^ values.len() as u64,
        |h, v| (h ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3),
    );
    let grow = |criterion: &mut C| {
        let p = values.len() / n;
        let clusters = (0..n)
            .map(|i| criterion.singleton(&values[i * p..(i + 1) * p], mass[i]))
            .collect();
        greedy_merges(criterion, clusters)
    };
    let merges = match LAST.lock() {
        Ok(mut last) => match last.as_ref() {
            Some((f, rows, merges)) if (*f, *rows) == (fingerprint, n) => merges.clone(),
            _ => {
                let merges = grow(criterion);
                *last = Some((fingerprint, n, merges.clone()));
                merges
            }
        },
        // A panic elsewhere while it was held: grow the tree without the cache.
        Err(_) => grow(criterion),
    };
    // The first n − K merges; each keeps its first cluster's index.
    labels_after(n, merges.iter().copied().take(n.saturating_sub(k)))
}

/// The labels of the rows of `z` (n = `mass.len()` rows) by mclust's VVV criterion; α is the
/// (weighted) trace of the rows' scatter over n·p, as `hcVVV`'s.
fn vvv_labels(z: &[f64], mass: &[f64], k: usize) -> Vec<usize> {
    let n = mass.len();
    if n == 0 {
        return Vec::new();
    }
    let p = z.len() / n;
    let total: f64 = mass.iter().sum();
    let total_mean: Vec<f64> = (0..p)
        .map(|j| (0..n).map(|i| mass[i] * z[i * p + j]).sum::<f64>() / total)
        .collect();
    let trace: f64 = (0..n * p)
        .map(|e| mass[e / p] * (z[e] - total_mean[e % p]).powi(2))
        .sum();
    let alpha = (trace / (total * p as f64)).max(f64::EPSILON);
    let mut criterion = Vvv {
        alpha,
        scratch: Vec::with_capacity(p * p),
    };
    greedy_labels(&mut criterion, 0, z, mass, k)
}

/// The whole sequence of greedy merges of `clusters` by `criterion`, down to one cluster: the
/// clusters (by the index of the row that started each) merged, the first keeping its index.
/// Every row starts alone (mclust's hc() does not pass its duplicate partition on).
fn greedy_merges<C: Criterion>(
    criterion: &mut C,
    clusters: Vec<C::Cluster>,
) -> Vec<(usize, usize)> {
    let n = clusters.len();
    let mut merges = Vec::with_capacity(n.saturating_sub(1));
    let mut terms: Vec<f64> = clusters.iter().map(|c| criterion.term(c)).collect();
    let mut cluster: Vec<Option<C::Cluster>> = clusters.into_iter().map(Some).collect();
    let mut alive = vec![true; n];
    let mut remaining = n;
    // Merge costs between active clusters, and each cluster's cheapest partner.
    let mut cost = vec![f64::INFINITY; n * n];
    let pair_cost =
        |criterion: &mut C, cluster: &[Option<C::Cluster>], terms: &[f64], a: usize, b: usize| {
            let (ca, cb) = (
                cluster[a].as_ref().expect("alive"),
                cluster[b].as_ref().expect("alive"),
            );
            criterion.union_term(ca, cb) - terms[a] - terms[b]
        };
    for a in 0..n {
        for b in a + 1..n {
            let c = pair_cost(criterion, &cluster, &terms, a, b);
            cost[a * n + b] = c;
            cost[b * n + a] = c;
        }
    }
    let nearest_of = |cost: &[f64], alive: &[bool], a: usize| -> (f64, usize) {
        let mut best = (f64::INFINITY, usize::MAX);
        for b in (0..n).filter(|&b| alive[b] && b != a) {
            if cost[a * n + b] < best.0 {
                best = (cost[a * n + b], b);
            }
        }
        best
    };
    let mut nearest: Vec<(f64, usize)> = (0..n).map(|a| nearest_of(&cost, &alive, a)).collect();
    // mclust's places: clusters in order of their first row; a merge keeps the lower place
    // and moves the last cluster into the higher one. Among merges of equal cost mclust takes
    // the last in its scan (by higher place, then by lower place), and so do we.
    let mut place: Vec<usize> = (0..n).collect();
    let mut at: Vec<usize> = (0..n).collect();
    let later = |place: &[usize], x: (usize, usize), y: (usize, usize)| {
        let key = |(a, b): (usize, usize)| {
            let (pa, pb) = (place[a], place[b]);
            (pa.max(pb), pa.min(pb))
        };
        key(x) > key(y)
    };
    while remaining > 1 {
        let lowest = (0..n)
            .filter(|&a| alive[a])
            .map(|a| nearest[a].0)
            .fold(f64::INFINITY, f64::min);
        if lowest.is_nan() || lowest == f64::INFINITY {
            break; // no finite merge left
        }
        let mut chosen: Option<(usize, usize)> = None;
        for a in (0..n).filter(|&a| alive[a] && nearest[a].0 == lowest) {
            for b in (0..n).filter(|&b| alive[b] && b != a && cost[a * n + b] == lowest) {
                if chosen.is_none_or(|c| later(&place, (a, b), c)) {
                    chosen = Some((a, b));
                }
            }
        }
        let (x, y) = chosen.expect("the lowest cost is some pair's");
        // a keeps the lower place; the last cluster moves into b's.
        let (a, b) = if place[x] < place[y] { (x, y) } else { (y, x) };
        let last = *at.last().expect("two or more remain");
        if last != b {
            at[place[b]] = last;
            place[last] = place[b];
        }
        at.pop();
        place[b] = usize::MAX;
        let merged = criterion.union(
            cluster[a].as_ref().expect("alive"),
            cluster[b].as_ref().expect("alive"),
        );
        terms[a] = criterion.term(&merged);
        cluster[a] = Some(merged);
        cluster[b] = None;
        alive[b] = false;
        merges.push((a, b));
        remaining -= 1;
        for c in (0..n).filter(|&c| alive[c] && c != a) {
            let v = pair_cost(criterion, &cluster, &terms, a, c);
            cost[a * n + c] = v;
            cost[c * n + a] = v;
        }
        for c in (0..n).filter(|&c| alive[c]) {
            if c == a || nearest[c].1 == a || nearest[c].1 == b {
                nearest[c] = nearest_of(&cost, &alive, c);
            } else if cost[c * n + a] < nearest[c].0 {
                nearest[c] = (cost[c * n + a], a);
            }
        }
    }
    merges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_rows_get_the_same_svd_coordinates_through_their_own_gram_matrix() {
        // 12 rows of 40 features (and weighted): the n×n route gives the p×p route's
        // coordinates up to each axis' sign, so the same distances between rows.
        let (n, d) = (12, 40);
        let values: Vec<f64> = (0..n * d)
            .map(|e| ((e * 7919 % 104_729) as f64 / 1000.0).sin() + (e / d) as f64 * 0.1)
            .collect();
        for mass in [vec![1.0; n], (0..n).map(|i| 0.5 + i as f64).collect()] {
            let by_rows = svd_coordinates_by(&values, &mass, d, true);
            let by_features = svd_coordinates_by(&values, &mass, d, false);
            assert_eq!(by_rows.len(), by_features.len());
            let q = by_rows.len() / n;
            assert!(q > 0 && q < n);
            for i in 0..n {
                for j in 0..q {
                    let (a, b) = (by_rows[i * q + j], by_features[i * q + j]);
                    assert!(
                        (a.abs() - b.abs()).abs() < 1e-9,
                        "row {i}, axis {j}: {a} {b}"
                    );
                }
            }
        }
    }

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
        let a = hierarchical_centres(x, None, 3, Hierarchy::of(MergeCriterion::Vvv))
            .unwrap()
            .centres;
        let scaled: Vec<f64> = rows
            .chunks_exact(2)
            .flat_map(|r| [r[0] * 1e6, r[1]])
            .collect();
        let b = hierarchical_centres(
            Rows::new(&scaled, 2).unwrap(),
            None,
            3,
            Hierarchy::of(MergeCriterion::Vvv),
        )
        .unwrap()
        .centres;
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
        assert_eq!(
            hierarchical_centres(x, None, 2, Hierarchy::of(MergeCriterion::Vvv))
                .unwrap()
                .centres,
            vec![1.0, 2.0]
        );
        let e = hierarchical_centres(x, None, 3, Hierarchy::of(MergeCriterion::Vvv)).unwrap_err();
        assert!(
            matches!(e, MixtureError::TooFewDistinctRows { n_distinct: 2, .. }),
            "{e}"
        );
        let rows = [1.0, 1.0, 1.0, 1.0];
        let e = hierarchical_centres(
            Rows::new(&rows, 1).unwrap(),
            None,
            2,
            Hierarchy::of(MergeCriterion::Vvv),
        )
        .unwrap_err();
        assert!(matches!(e, MixtureError::TooFewDistinctRows { .. }), "{e}");
    }
}

#[cfg(test)]
mod options_tests {
    use super::*;

    /// Ward's tree by brute force: every merge the least rise in the within-cluster sum of
    /// squares among all pairs (the greedy algorithm the nearest-neighbour chain reproduces).
    fn naive_ward(z: &[f64], p: usize, k: usize) -> Vec<Vec<usize>> {
        let mut clusters: Vec<Vec<usize>> = (0..z.len() / p).map(|i| vec![i]).collect();
        let sse = |c: &[usize]| {
            let mean: Vec<f64> = (0..p)
                .map(|j| c.iter().map(|&i| z[i * p + j]).sum::<f64>() / c.len() as f64)
                .collect();
            c.iter()
                .map(|&i| {
                    (0..p)
                        .map(|j| (z[i * p + j] - mean[j]).powi(2))
                        .sum::<f64>()
                })
                .sum::<f64>()
        };
        while clusters.len() > k {
            let mut best = (f64::INFINITY, 0, 0);
            for a in 0..clusters.len() {
                for b in a + 1..clusters.len() {
                    let union = [clusters[a].clone(), clusters[b].clone()].concat();
                    let rise = sse(&union) - sse(&clusters[a]) - sse(&clusters[b]);
                    if rise < best.0 {
                        best = (rise, a, b);
                    }
                }
            }
            let gone = clusters.remove(best.2);
            clusters[best.1].extend(gone);
        }
        let mut out: Vec<Vec<usize>> = clusters
            .into_iter()
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        out.sort();
        out
    }

    fn groups(labels: &[usize]) -> Vec<Vec<usize>> {
        let k = labels.iter().max().map_or(0, |m| m + 1);
        let mut out: Vec<Vec<usize>> = (0..k)
            .map(|c| (0..labels.len()).filter(|&i| labels[i] == c).collect())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn eii_in_the_features_own_units_is_wards_tree() {
        // Irrational-looking coordinates: no ties between merges.
        let rows: Vec<f64> = (0..40)
            .flat_map(|i| {
                let t = i as f64;
                [
                    (t * 1.618).sin() * 3.0 + (i % 3) as f64 * 4.0,
                    (t * 2.3).cos() * 50.0,
                ]
            })
            .collect();
        let x = Rows::new(&rows, 2).unwrap();
        let hierarchy = Hierarchy {
            criterion: MergeCriterion::Vvv,
            merge: HierarchyMerge::Eii,
            coordinates: HierarchyCoordinates::Vars,
        };
        for k in [2, 3, 5] {
            let start = hierarchical_centres(x, None, k, hierarchy).unwrap();
            let labels: Vec<usize> = start.labelled.iter().map(|&(_, l)| l).collect();
            assert_eq!(groups(&labels), naive_ward(&rows, 2, k), "K = {k}");
        }
        // In SVD coordinates the second feature's large unit no longer dominates: another tree.
        let svd = Hierarchy {
            coordinates: HierarchyCoordinates::Svd,
            ..hierarchy
        };
        let a = hierarchical_centres(x, None, 3, hierarchy).unwrap();
        let b = hierarchical_centres(x, None, 3, svd).unwrap();
        assert_ne!(a.labelled, b.labelled);
    }
}
