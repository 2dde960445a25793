//! The M-steps of the ten eigen-decomposition models beyond scikit-learn's four, and their
//! compact form (volumes, shapes, orientations) expanded to what the kernel uses.
//!
//! Each M-step minimises `Σ_k n_k ln|Σ_k| + tr(W_k Σ_k⁻¹)` over the model's covariances,
//! `W_k` being component k's weighted scatter about its centre (with `n_k·reg_covar` on the
//! diagonal, so a regularised model is the estimate from a regularised scatter). EII, EEI, EVI,
//! EEV and EVV have closed forms (Celeux & Govaert 1995). VEI, VEV and VEE alternate between
//! the shape (or the common matrix) and the volumes, each step a minimum given the other, from
//! unit volumes; their objectives are convex in the logarithms (geodesically, for VEE), so the
//! limit is the M-step's. EVE and VVE find the common orientation by Jacobi sweeps of plane
//! rotations (as Flury & Gautschi's algorithm for common principal components), from the
//! eigenvectors of the pooled scatter, each rotation lowering the objective; their shapes and
//! volumes then have closed forms. Every loop stops when no parameter moves by more than
//! [`INNER_TOLERANCE`] (relative; radians for the rotations) or after [`INNER_ITERATIONS`]
//! rounds, which the fit reports.

use crate::CovarianceType;
use crate::covariance_type::{Layout, Letter};
use crate::linalg::{eigen_decreasing, product};
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

/// What stops a model from being formed: a component whose scatter is singular.
pub(crate) struct Unformed {
    pub(crate) kind: CovarianceType,
    pub(crate) component: usize,
    /// The smallest eigenvalue (or variance) found.
    pub(crate) lowest: f64,
}

impl Unformed {
    /// The error, naming the model, the component and the regularisation to raise.
    pub(crate) fn into_error(self, reg_covar: f64) -> MixtureError {
        MixtureError::ParametersNotFormed {
            component: self.component,
            problem: format!(
                "the {} model cannot be formed: the scatter is singular (smallest eigenvalue {:e}); raise reg_covar (now {reg_covar:e}), use fewer components or a model with fewer parameters",
                self.kind.code(),
                self.lowest
            ),
        }
    }
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
        CovarianceType::Eei
        | CovarianceType::Vei
        | CovarianceType::Evi
        | CovarianceType::Eev
        | CovarianceType::Vev
        | CovarianceType::Evv => {
            // Each component's variances along its own axes (the coordinates, or the
            // eigenvectors of its scatter), then the volumes and shapes from them.
            let (values, axes) = if kind.layout() == Layout::Diagonal {
                (scatters.to_vec(), Vec::new())
            } else {
                let mut values = Vec::with_capacity(k * d);
                let mut axes = Vec::with_capacity(k * d * d);
                for (c, w) in scatters.chunks_exact(d * d).enumerate() {
                    let (v, vectors) = eigen(kind, c, w, d)?;
                    values.extend(v);
                    axes.extend(row_major(vectors.as_ref()));
                }
                (values, axes)
            };
            let (parts, hit) = volumes_and_shapes(kind, counts, &values, d)?;
            capped |= hit;
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
    Unformed {
        kind,
        component,
        lowest: values.iter().copied().fold(f64::INFINITY, f64::min),
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

/// The volumes and shapes of EEI/EEV (both equal: from the pooled values), EVI/EVV (equal
/// volume, own shapes) and VEI/VEV (own volumes, one shape: iterated), from each component's
/// variances along its axes.
fn volumes_and_shapes(
    kind: CovarianceType,
    counts: &[f64],
    values: &[f64],
    d: usize,
) -> Formed<(Vec<f64>, bool)> {
    let k = counts.len();
    let n: f64 = counts.iter().sum();
    match kind.letters() {
        [Letter::Equal, Letter::Equal, _] => {
            let pooled: Vec<f64> = (0..d)
                .map(|j| (0..k).map(|c| values[c * d + j]).sum::<f64>() / n)
                .collect();
            let (volume, shape) = split(&pooled).map_err(|_| singular(kind, 0, &pooled))?;
            Ok(([vec![volume], shape].concat(), false))
        }
        [Letter::Equal, Letter::Variable, _] => {
            let mut volume = 0.0;
            let mut shapes = Vec::with_capacity(k * d);
            for (c, v) in values.chunks_exact(d).enumerate() {
                let (g, shape) = split(v).map_err(|_| singular(kind, c, v))?;
                volume += g / n;
                shapes.extend(shape);
            }
            Ok(([vec![volume], shapes].concat(), false))
        }
        _ => {
            let (volumes, shape, hit) = common_shape(kind, counts, values, d)?;
            Ok(([volumes, shape].concat(), hit))
        }
    }
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
/// component (VVE). Given `D`, the variances along the axes, `v_kj = d_jᵀ W_k d_j`, fix the
/// rest in closed form, so the M-step minimises a function of `D` alone: VVE's
/// `Σ_k n_k Σ_j ln v_kj` (Flury's common principal components) and EVE's
/// `Σ_k (Π_j v_kj)^{1/D}`. It is minimised by Jacobi sweeps: each pair of axes turns by the
/// angle that minimises the function in their plane (safeguarded Newton steps on the angle,
/// each taken only when it lowers the function), from the axes of the pooled scatter, until
/// no axis turns by more than [`INNER_TOLERANCE`] radians in a sweep.
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
    // The scatters in the axes' coordinates, M_k = Dᵀ W_k D, recomputed every sweep.
    let rotated = |axes: &Mat<f64>| -> Vec<Mat<f64>> {
        (0..k)
            .map(|c| product(axes.transpose(), product(matrix(c), axes.as_ref()).as_ref()))
            .collect()
    };
    let mut capped = true;
    for _ in 0..INNER_ITERATIONS {
        let mut m = rotated(&axes);
        let mut largest_turn: f64 = 0.0;
        for j in 0..d {
            for l in j + 1..d {
                let turn = pair_angle(kind, counts, &m, j, l);
                if turn == 0.0 {
                    continue;
                }
                largest_turn = largest_turn.max(turn.abs());
                let (sin, cos) = turn.sin_cos();
                // New axes d_j' = c d_j + s d_l, d_l' = −s d_j + c d_l, and M_k likewise.
                for i in 0..d {
                    let (x, y) = (axes[(i, j)], axes[(i, l)]);
                    axes[(i, j)] = cos * x + sin * y;
                    axes[(i, l)] = -sin * x + cos * y;
                }
                for mk in &mut m {
                    for i in 0..d {
                        let (x, y) = (mk[(i, j)], mk[(i, l)]);
                        mk[(i, j)] = cos * x + sin * y;
                        mk[(i, l)] = -sin * x + cos * y;
                    }
                    for i in 0..d {
                        let (x, y) = (mk[(j, i)], mk[(l, i)]);
                        mk[(j, i)] = cos * x + sin * y;
                        mk[(l, i)] = -sin * x + cos * y;
                    }
                }
            }
        }
        if largest_turn <= INNER_TOLERANCE {
            capped = false;
            break;
        }
    }
    let n: f64 = counts.iter().sum();
    let m = rotated(&axes);
    let mut volumes = Vec::with_capacity(k);
    let mut shapes = Vec::with_capacity(k * d);
    for (c, mc) in m.iter().enumerate() {
        let v: Vec<f64> = (0..d).map(|j| mc[(j, j)]).collect();
        let (g, shape) = split(&v).map_err(|_| singular(kind, c, &v))?;
        volumes.push(g / counts[c]);
        shapes.extend(shape);
    }
    if kind == CovarianceType::Eve {
        // One volume: Σ_k g_k / n, with λ_k = g_k / n_k above.
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

/// The angle θ by which turning axes j and l (d_j' = cos θ d_j + sin θ d_l, ...) lowers the
/// EVE or VVE function most, near 0, from the scatters `m` in the axes' coordinates; 0 when
/// no turn lowers it.
fn pair_angle(kind: CovarianceType, counts: &[f64], m: &[Mat<f64>], j: usize, l: usize) -> f64 {
    let d = m[0].nrows();
    // With φ = 2θ: v_kj = h_k + u_k(φ), v_kl = h_k − u_k(φ), u = ((a − e)/2) cos φ + b sin φ,
    // so only q_k = v_kj v_kl = h_k² − u_k² moves. Per component the function is f(q_k):
    // VVE n_k ln q_k, EVE C_k q_k^{1/D} (C_k from the other axes).
    let parts: Vec<[f64; 4]> = m
        .iter()
        .zip(counts)
        .map(|(mk, &n_k)| {
            let (a, e, b) = (mk[(j, j)], mk[(l, l)], mk[(j, l)]);
            let weight = match kind {
                CovarianceType::Vve => n_k,
                _ => {
                    let others: f64 = (0..d)
                        .filter(|&i| i != j && i != l)
                        .map(|i| mk[(i, i)].ln())
                        .sum();
                    (others / d as f64).exp()
                }
            };
            [0.5 * (a + e), 0.5 * (a - e), b, weight]
        })
        .collect();
    let power = 1.0 / d as f64;
    // The function and its first two derivatives in φ.
    let at = |phi: f64| -> (f64, f64, f64) {
        let (sin, cos) = phi.sin_cos();
        let (mut f, mut f1, mut f2) = (0.0, 0.0, 0.0);
        for &[h, half, b, w] in &parts {
            let u = half * cos + b * sin;
            let du = -half * sin + b * cos;
            let q = h * h - u * u;
            let (dq, ddq) = (-2.0 * u * du, -2.0 * (du * du - u * u));
            let (g, g1, g2) = if kind == CovarianceType::Vve {
                (w * q.ln(), w / q, -w / (q * q))
            } else {
                let p = q.powf(power);
                (
                    w * p,
                    w * power * p / q,
                    w * power * (power - 1.0) * p / (q * q),
                )
            };
            f += g;
            f1 += g1 * dq;
            f2 += g2 * dq * dq + g1 * ddq;
        }
        (f, f1, f2)
    };
    let mut phi = 0.0;
    let (mut f, mut f1, mut f2) = at(phi);
    for _ in 0..50 {
        // Newton's step where the function curves up, else a step down the slope; halved
        // until the function falls. Near the minimum (a small Newton step) the fall is below
        // rounding, so there the step is taken on the curvature alone: it converges
        // quadratically, where comparing values would stop √ε short.
        let newton = f2 > 0.0;
        let mut step = if newton { -f1 / f2 } else { -f1.signum() * 0.1 };
        step = step.clamp(-0.5, 0.5);
        if newton && step.abs() < 1e-6 {
            let next = at(phi + step);
            if !next.0.is_finite() {
                break;
            }
            phi += step;
            (f, f1, f2) = next;
            if step.abs() <= 1e-15 {
                break;
            }
            continue;
        }
        let mut moved = false;
        while step.abs() > 1e-18 {
            let next = at(phi + step);
            if next.0 < f && next.0.is_finite() {
                phi += step;
                (f, f1, f2) = next;
                moved = true;
                break;
            }
            step *= 0.5;
        }
        if !moved {
            break;
        }
    }
    0.5 * phi
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
