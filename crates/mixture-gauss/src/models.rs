//! The M-steps of the ten eigen-decomposition models beyond scikit-learn's four, and their
//! compact form (volumes, shapes, orientations) expanded to what the kernel uses.
//!
//! Each M-step minimises `Σ_k n_k ln|Σ_k| + tr(W_k Σ_k⁻¹)` over the model's covariances,
//! `W_k` being component k's weighted scatter about its centre (with `n_k·reg_covar` on the
//! diagonal, so a regularised model is the estimate from a regularised scatter). EII, EEI, EVI,
//! EEV and EVV have closed forms (Celeux & Govaert 1995). VEI, VEV and VEE alternate between
//! the shape (or the common matrix) and the volumes, each step a minimum given the other, from
//! unit volumes; their objectives are convex in the logarithms (geodesically, for VEE), so the
//! limit is the M-step's. EVE and VVE find the common orientation by the two
//! majorise-minimise steps of Browne & McNicholas (2014), from the eigenvectors of the pooled
//! scatter, each step lowering the objective; their shapes and volumes then have closed forms.
//! Every loop stops when no parameter moves by more than [`INNER_TOLERANCE`] (relative) or
//! after [`INNER_ITERATIONS`] rounds, which the fit reports.

use crate::CovarianceType;
use crate::covariance_type::{Layout, Letter};
use crate::linalg::{eigen_decreasing, polar_factor, product};
use faer::{Mat, MatRef};
use mixture_core::MixtureError;

/// The inner loops stop when no parameter changes by more than this (relative to its size).
pub(crate) const INNER_TOLERANCE: f64 = 1e-13;

/// The inner loops stop after this many rounds at most.
pub(crate) const INNER_ITERATIONS: usize = 2000;

/// An eigen-decomposition model's M-step result.
pub(crate) struct Estimated {
    /// The compact values: volumes, shapes, orientations.
    pub(crate) compact: Vec<f64>,
    /// Whether an inner loop stopped at [`INNER_ITERATIONS`] without converging.
    pub(crate) capped: bool,
}

/// The problem that stops a model from being formed.
pub(crate) struct Unformed {
    pub(crate) component: usize,
    pub(crate) problem: String,
}

type Formed<T> = Result<T, Unformed>;

/// The M-step of `kind` (one of the ten eigen models) from the counts `n_k` and the scatters
/// `W_k` (K×D diagonals for diagonal models, K row-major D×D matrices otherwise), already
/// regularised.
pub(crate) fn estimate(
    kind: CovarianceType,
    counts: &[f64],
    scatters: &[f64],
    d: usize,
) -> Formed<Estimated> {
    let k = counts.len();
    let n: f64 = counts.iter().sum();
    let mut capped = false;
    let compact = match kind {
        CovarianceType::Eii => vec![scatters.iter().sum::<f64>() / (n * d as f64)],
        CovarianceType::Eei => {
            let pooled: Vec<f64> = (0..d)
                .map(|j| (0..k).map(|c| scatters[c * d + j]).sum::<f64>() / n)
                .collect();
            let (volume, shape) = split(&pooled).map_err(|_| singular(kind, 0, &pooled))?;
            [vec![volume], shape].concat()
        }
        CovarianceType::Evi => {
            let mut volume = 0.0;
            let mut shapes = Vec::with_capacity(k * d);
            for (c, w) in scatters.chunks_exact(d).enumerate() {
                let (g, shape) = split(w).map_err(|_| singular(kind, c, w))?;
                volume += g / n;
                shapes.extend(shape);
            }
            [vec![volume], shapes].concat()
        }
        CovarianceType::Vei => {
            let (volumes, shape, hit) = common_shape(kind, counts, scatters, d)?;
            capped |= hit;
            [volumes, shape].concat()
        }
        CovarianceType::Eev | CovarianceType::Vev | CovarianceType::Evv => {
            let mut values = Vec::with_capacity(k * d);
            let mut axes = Vec::with_capacity(k * d * d);
            for (c, w) in scatters.chunks_exact(d * d).enumerate() {
                let (v, vectors) = eigen(kind, c, w, d)?;
                values.extend(v);
                axes.extend(row_major(vectors.as_ref()));
            }
            let parts = match kind {
                CovarianceType::Eev => {
                    let pooled: Vec<f64> = (0..d)
                        .map(|j| (0..k).map(|c| values[c * d + j]).sum())
                        .collect();
                    let (g, shape) = split(&pooled).map_err(|_| singular(kind, 0, &pooled))?;
                    [vec![g / n], shape].concat()
                }
                CovarianceType::Vev => {
                    let (volumes, shape, hit) = common_shape(kind, counts, &values, d)?;
                    capped |= hit;
                    [volumes, shape].concat()
                }
                _ => {
                    let mut volume = 0.0;
                    let mut shapes = Vec::with_capacity(k * d);
                    for (c, v) in values.chunks_exact(d).enumerate() {
                        let (g, shape) = split(v).map_err(|_| singular(kind, c, v))?;
                        volume += g / n;
                        shapes.extend(shape);
                    }
                    [vec![volume], shapes].concat()
                }
            };
            [parts, axes].concat()
        }
        CovarianceType::Vee => {
            let (compact, hit) = common_matrix(counts, scatters, d)?;
            capped |= hit;
            compact
        }
        CovarianceType::Eve | CovarianceType::Vve => {
            let (compact, hit) = common_orientation(kind, counts, scatters, d)?;
            capped |= hit;
            compact
        }
        _ => unreachable!("scikit-learn's four types have their own M-step"),
    };
    Ok(Estimated { compact, capped })
}

/// `v`'s geometric mean and `v` divided by it (a shape of determinant 1), or an error when a
/// value is not positive and finite.
fn split(v: &[f64]) -> Result<(f64, Vec<f64>), ()> {
    if v.iter().any(|x| !(x.is_finite() && *x > 0.0)) {
        return Err(());
    }
    let g = (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp();
    Ok((g, v.iter().map(|x| x / g).collect()))
}

fn singular(kind: CovarianceType, component: usize, values: &[f64]) -> Unformed {
    let lowest = values.iter().copied().fold(f64::INFINITY, f64::min);
    Unformed {
        component,
        problem: format!(
            "the {} model cannot be formed: the scatter is singular (smallest eigenvalue {lowest:e}); raise reg_covar, use fewer components or a model with fewer parameters",
            kind.code()
        ),
    }
}

/// The eigenvalues (decreasing) and axes of the symmetric row-major `w`.
fn eigen(kind: CovarianceType, c: usize, w: &[f64], d: usize) -> Formed<(Vec<f64>, Mat<f64>)> {
    let (values, vectors) = eigen_decreasing(MatRef::from_row_major_slice(w, d, d))
        .ok_or_else(|| singular(kind, c, &[f64::NAN]))?;
    if values.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(singular(kind, c, &values));
    }
    Ok((values, vectors))
}

fn row_major(m: MatRef<'_, f64>) -> Vec<f64> {
    (0..m.nrows() * m.ncols())
        .map(|e| m[(e / m.ncols(), e % m.ncols())])
        .collect()
}

/// Largest relative change between two parameter vectors.
fn moved(old: &[f64], new: &[f64]) -> f64 {
    old.iter()
        .zip(new)
        .map(|(a, b)| (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE))
        .fold(0.0, f64::max)
}

/// VEI and VEV: a volume per component and one shape, from each component's values `v_k`
/// (the scatter's diagonal, or its eigenvalues), alternating `A ∝ Σ_k v_k/λ_k` and
/// `λ_k = Σ_j v_kj/A_j / (D n_k)`.
fn common_shape(
    kind: CovarianceType,
    counts: &[f64],
    values: &[f64],
    d: usize,
) -> Formed<(Vec<f64>, Vec<f64>, bool)> {
    let k = counts.len();
    let mut volumes = vec![1.0; k];
    let mut shape = vec![1.0; d];
    for _ in 0..INNER_ITERATIONS {
        let pooled: Vec<f64> = (0..d)
            .map(|j| (0..k).map(|c| values[c * d + j] / volumes[c]).sum())
            .collect();
        let (_, next_shape) = split(&pooled).map_err(|_| singular(kind, 0, &pooled))?;
        let next_volumes: Vec<f64> = (0..k)
            .map(|c| {
                (0..d)
                    .map(|j| values[c * d + j] / next_shape[j])
                    .sum::<f64>()
                    / (d as f64 * counts[c])
            })
            .collect();
        let change = moved(&volumes, &next_volumes).max(moved(&shape, &next_shape));
        (volumes, shape) = (next_volumes, next_shape);
        if let Some(c) = volumes.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(singular(kind, c, &values[c * d..(c + 1) * d]));
        }
        if change <= INNER_TOLERANCE {
            return Ok((volumes, shape, false));
        }
    }
    Ok((volumes, shape, true))
}

/// VEE: a volume per component and one matrix `C` of determinant 1 (shape and orientation),
/// alternating `C ∝ Σ_k W_k/λ_k` and `λ_k = tr(W_k C⁻¹) / (D n_k)`.
fn common_matrix(counts: &[f64], scatters: &[f64], d: usize) -> Formed<(Vec<f64>, bool)> {
    let kind = CovarianceType::Vee;
    let k = counts.len();
    let mut volumes = vec![1.0; k];
    let mut capped = true;
    let mut decomposition = (Vec::new(), Mat::zeros(d, d));
    for _ in 0..INNER_ITERATIONS {
        let pooled: Vec<f64> = (0..d * d)
            .map(|e| (0..k).map(|c| scatters[c * d * d + e] / volumes[c]).sum())
            .collect();
        let (values, axes) = eigen(kind, 0, &pooled, d)?;
        let (_, shape) = split(&values).map_err(|_| singular(kind, 0, &values))?;
        // tr(W_k C⁻¹) = Σ_j a_jᵀ W_k a_j / A_j over the axes a_j.
        let next: Vec<f64> = (0..k)
            .map(|c| {
                let w = MatRef::from_row_major_slice(&scatters[c * d * d..(c + 1) * d * d], d, d);
                let wa = product(w, axes.as_ref());
                (0..d)
                    .map(|j| (0..d).map(|i| axes[(i, j)] * wa[(i, j)]).sum::<f64>() / shape[j])
                    .sum::<f64>()
                    / (d as f64 * counts[c])
            })
            .collect();
        let change = moved(&volumes, &next);
        volumes = next;
        if let Some(c) = volumes.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(singular(kind, c, &[volumes[c]]));
        }
        decomposition = (shape, axes);
        if change <= INNER_TOLERANCE {
            capped = false;
            break;
        }
    }
    let (shape, axes) = decomposition;
    Ok(([volumes, shape, row_major(axes.as_ref())].concat(), capped))
}

/// EVE and VVE: one orientation `D`, a shape per component, and one volume (EVE) or one per
/// component (VVE). Given `D`, component k's variances along its axes are
/// `v_kj = d_jᵀ W_k d_j / n_k` (VVE) or proportional to them (EVE); given those, `D` takes two
/// majorise-minimise steps on `Σ_k tr(W_k D B_k Dᵀ)`, `B_k` the inverse variances.
fn common_orientation(
    kind: CovarianceType,
    counts: &[f64],
    scatters: &[f64],
    d: usize,
) -> Formed<(Vec<f64>, bool)> {
    let k = counts.len();
    let matrix =
        |c: usize| MatRef::from_row_major_slice(&scatters[c * d * d..(c + 1) * d * d], d, d);
    let pooled: Vec<f64> = (0..d * d)
        .map(|e| (0..k).map(|c| scatters[c * d * d + e]).sum())
        .collect();
    let (_, mut axes) = eigen(kind, 0, &pooled, d)?;
    let mut largest = Vec::with_capacity(k);
    for c in 0..k {
        let (values, _) = eigen(kind, c, &scatters[c * d * d..(c + 1) * d * d], d)?;
        largest.push(values[0]);
    }
    // The variances along the axes: d_jᵀ W_k d_j.
    let along = |axes: &Mat<f64>| -> Formed<Vec<f64>> {
        let mut v = Vec::with_capacity(k * d);
        for c in 0..k {
            let wa = product(matrix(c), axes.as_ref());
            for j in 0..d {
                let x: f64 = (0..d).map(|i| axes[(i, j)] * wa[(i, j)]).sum();
                if !(x.is_finite() && x > 0.0) {
                    return Err(singular(kind, c, &[x]));
                }
                v.push(x);
            }
        }
        Ok(v)
    };
    // The inverse variances B_k up to a common factor (which does not move D).
    let inverse = |v: &[f64]| -> Vec<f64> {
        match kind {
            CovarianceType::Vve => (0..k * d).map(|e| counts[e / d] / v[e]).collect(),
            _ => v
                .chunks_exact(d)
                .flat_map(|vk| {
                    let g = split(vk).map_or(1.0, |(g, _)| g);
                    vk.iter().map(move |x| g / x)
                })
                .collect(),
        }
    };
    let mut variances = along(&axes)?;
    let mut capped = true;
    for _ in 0..INNER_ITERATIONS {
        let b = inverse(&variances);
        // Step 1: W_k − α_k I ⪯ 0 makes tr(Dᵀ W_k D B_k) concave in D; minimise its tangent.
        let mut g = Mat::<f64>::zeros(d, d);
        for c in 0..k {
            let wd = product(matrix(c), axes.as_ref());
            for j in 0..d {
                for i in 0..d {
                    g[(i, j)] -= (wd[(i, j)] - largest[c] * axes[(i, j)]) * b[c * d + j];
                }
            }
        }
        axes = polar_factor(g.as_ref()).ok_or_else(|| singular(kind, 0, &[f64::NAN]))?;
        // Step 2: B_k − β_k I ⪯ 0 makes it concave the other way.
        let mut g = Mat::<f64>::zeros(d, d);
        for c in 0..k {
            let wd = product(matrix(c), axes.as_ref());
            let top = b[c * d..(c + 1) * d].iter().copied().fold(0.0, f64::max);
            for j in 0..d {
                for i in 0..d {
                    g[(i, j)] -= wd[(i, j)] * (b[c * d + j] - top);
                }
            }
        }
        axes = polar_factor(g.as_ref()).ok_or_else(|| singular(kind, 0, &[f64::NAN]))?;
        let next = along(&axes)?;
        let change = moved(&variances, &next);
        variances = next;
        if change <= INNER_TOLERANCE {
            capped = false;
            break;
        }
    }
    let n: f64 = counts.iter().sum();
    let mut volumes = Vec::with_capacity(k);
    let mut shapes = Vec::with_capacity(k * d);
    for (c, v) in variances.chunks_exact(d).enumerate() {
        let (g, shape) = split(v).map_err(|_| singular(kind, c, v))?;
        volumes.push(g / counts[c]);
        shapes.extend(shape);
    }
    if kind == CovarianceType::Eve {
        // One volume: Σ_k n_k λ_k / n with λ_k = g_k / n_k.
        volumes = vec![
            volumes
                .iter()
                .zip(counts)
                .map(|(v, n_k)| v * n_k)
                .sum::<f64>()
                / n,
        ];
    }
    Ok(([volumes, shapes, row_major(axes.as_ref())].concat(), capped))
}

/// The covariances of an eigen model's compact values in the kernel's layout: K variances
/// (EII), K×D variances (diagonal models) or K row-major D×D matrices.
pub(crate) fn expand(kind: CovarianceType, k: usize, d: usize, compact: &[f64]) -> Vec<f64> {
    let [nv, ns, _] = kind.part_counts(k);
    let [_, shape_letter, orientation_letter] = kind.letters();
    let volume = |c: usize| compact[if nv == 1 { 0 } else { c }];
    let shape = |c: usize, j: usize| match shape_letter {
        Letter::Identity => 1.0,
        _ => compact[nv + if ns == 1 { 0 } else { c } * d + j],
    };
    match kind.layout() {
        Layout::Spherical => (0..k).map(volume).collect(),
        Layout::Diagonal => (0..k * d)
            .map(|e| volume(e / d) * shape(e / d, e % d))
            .collect(),
        _ => {
            let axes_start = nv + ns * d;
            let axis = |c: usize, i: usize, j: usize| {
                let o = if orientation_letter == Letter::Equal {
                    0
                } else {
                    c
                };
                compact[axes_start + o * d * d + i * d + j]
            };
            let mut out = vec![0.0; k * d * d];
            for c in 0..k {
                for i in 0..d {
                    for j in 0..=i {
                        let v: f64 = (0..d)
                            .map(|m| volume(c) * shape(c, m) * axis(c, i, m) * axis(c, j, m))
                            .sum();
                        out[c * d * d + i * d + j] = v;
                        out[c * d * d + j * d + i] = v;
                    }
                }
            }
            out
        }
    }
}

/// Checks an eigen model's given compact values: volumes and shapes positive and finite,
/// orientations orthogonal (to 1e-6); the error names the part.
pub(crate) fn check(
    kind: CovarianceType,
    k: usize,
    d: usize,
    compact: &[f64],
) -> Result<(), String> {
    let [nv, ns, no] = kind.part_counts(k);
    let code = kind.code();
    if let Some(p) = compact[..nv + ns * d]
        .iter()
        .position(|v| !(v.is_finite() && *v > 0.0))
    {
        let (part, index) = if p < nv {
            ("volume", p)
        } else {
            ("shape value", p - nv)
        };
        return Err(format!(
            "{part} {index} of the {code} covariances is {}; volumes and shapes must be positive and finite",
            compact[p]
        ));
    }
    for o in 0..no {
        let axes = &compact[nv + ns * d + o * d * d..nv + ns * d + (o + 1) * d * d];
        if let Some(v) = axes.iter().find(|v| !v.is_finite()) {
            return Err(format!(
                "orientation {o} of the {code} covariances holds {v}"
            ));
        }
        let m = MatRef::from_row_major_slice(axes, d, d);
        let gram = product(m.transpose(), m);
        for i in 0..d {
            for j in 0..d {
                let expected = if i == j { 1.0 } else { 0.0 };
                if (gram[(i, j)] - expected).abs() > 1e-6 {
                    return Err(format!(
                        "orientation {o} of the {code} covariances is not orthogonal: its columns {i} and {j} have product {}; pass unit, mutually orthogonal axes as columns",
                        gram[(i, j)]
                    ));
                }
            }
        }
    }
    Ok(())
}

impl From<Unformed> for MixtureError {
    fn from(u: Unformed) -> Self {
        MixtureError::ParametersNotFormed {
            component: u.component,
            problem: u.problem,
        }
    }
}
