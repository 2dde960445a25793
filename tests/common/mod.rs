//! Helpers shared by the integration tests: independent naive formulas and small utilities.
#![allow(dead_code)]

use mixture::core::rand::SeedableRng;
use mixture::core::rand::rngs::ChaCha8Rng;
use mixture::core::{RowMatrix, Rows, Scalar};

/// A seeded generator for test inputs.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// A random SPD matrix G Gᵀ / d + `ridge`·I (row-major), entries of G standard normal.
pub fn random_spd(rng: &mut ChaCha8Rng, d: usize, ridge: f64) -> Vec<f64> {
    let g: Vec<f64> = (0..d * d).map(|_| f64::standard_normal(rng)).collect();
    let mut a = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..d {
            let dot: f64 = (0..d).map(|t| g[i * d + t] * g[j * d + t]).sum();
            a[i * d + j] = dot / d as f64 + if i == j { ridge } else { 0.0 };
        }
    }
    a
}

/// `ln N(x; mean, cov)` by the textbook formula, with LU (partial pivoting) for the
/// determinant and the solve: independent of the library's Cholesky path.
pub fn naive_log_density(x: &[f64], mean: &[f64], cov: &[f64]) -> f64 {
    let d = x.len();
    let mut a = cov.to_vec();
    let mut b: Vec<f64> = x.iter().zip(mean).map(|(a, b)| a - b).collect();
    let diff = b.clone();
    let mut log_det = 0.0;
    for col in 0..d {
        let pivot = (col..d)
            .max_by(|&i, &j| a[i * d + col].abs().total_cmp(&a[j * d + col].abs()))
            .unwrap();
        if pivot != col {
            for j in 0..d {
                a.swap(col * d + j, pivot * d + j);
            }
            b.swap(col, pivot);
        }
        let p = a[col * d + col];
        log_det += p.abs().ln();
        for i in col + 1..d {
            let f = a[i * d + col] / p;
            for j in col..d {
                a[i * d + j] -= f * a[col * d + j];
            }
            b[i] -= f * b[col];
        }
    }
    // Back substitution: b := U⁻¹ b, i.e. Σ⁻¹ (x − μ) after the row operations.
    for i in (0..d).rev() {
        let s: f64 = (i + 1..d).map(|j| a[i * d + j] * b[j]).sum();
        b[i] = (b[i] - s) / a[i * d + i];
    }
    let quad: f64 = diff.iter().zip(&b).map(|(u, v)| u * v).sum();
    -0.5 * (d as f64 * (2.0 * std::f64::consts::PI).ln() + log_det + quad)
}

/// `ln Σ_k w_k N(x; μ_k, Σ_k)` from the naive densities.
pub fn naive_mixture_log_density(
    x: &[f64],
    weights: &[f64],
    means: Rows<'_, f64>,
    covs: &[f64],
) -> f64 {
    let d = x.len();
    let terms: Vec<f64> = weights
        .iter()
        .enumerate()
        .map(|(k, w)| {
            w.ln() + naive_log_density(x, means.row(k), &covs[k * d * d..(k + 1) * d * d])
        })
        .collect();
    let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln()
}

/// The permutation `p` (fitted index → true index) that minimises the summed distance
/// between fitted and true means, by brute force (K ≤ 6).
pub fn match_components(fitted: Rows<'_, f64>, truth: Rows<'_, f64>) -> Vec<usize> {
    let k = fitted.n_rows();
    let mut best = (f64::INFINITY, Vec::new());
    let mut perm: Vec<usize> = (0..k).collect();
    permute(&mut perm, 0, &mut |p| {
        let cost: f64 = (0..k)
            .map(|i| {
                fitted
                    .row(i)
                    .iter()
                    .zip(truth.row(p[i]))
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
            })
            .sum();
        if cost < best.0 {
            best = (cost, p.to_vec());
        }
    });
    best.1
}

fn permute(p: &mut Vec<usize>, i: usize, f: &mut impl FnMut(&[usize])) {
    if i == p.len() {
        f(p);
        return;
    }
    for j in i..p.len() {
        p.swap(i, j);
        permute(p, i + 1, f);
        p.swap(i, j);
    }
}

/// Every number of a JSON value, in document order (to compare serialised parameters).
pub fn json_numbers(v: &serde_json::Value, out: &mut Vec<f64>) {
    match v {
        serde_json::Value::Number(n) => out.push(n.as_f64().unwrap()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_numbers(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_numbers(x, out)),
        _ => {}
    }
}

/// 12 rows in 2 dimensions, only 7 of them distinct: too few for K > 7 by any initialisation
/// that needs distinct centres.
pub fn twelve_rows_seven_distinct() -> RowMatrix<f64> {
    let distinct = [
        0.0, 0.0, 1.0, 0.5, 3.0, 1.0, 4.0, 4.5, 0.5, 3.5, 5.0, 5.0, 2.0, 0.0,
    ];
    let values: Vec<f64> = distinct.iter().chain(&distinct[..10]).copied().collect();
    RowMatrix::new(values, 2).expect("12 rows of 2")
}

/// Rows of JSON fixtures (a list of rows) as a matrix.
pub fn rows_of(x: &[Vec<f64>]) -> RowMatrix<f64> {
    RowMatrix::new(x.concat(), x[0].len()).expect("rows")
}

/// The largest difference between `ours` and `theirs`, relative to `theirs`' largest value.
pub fn relative(ours: &[f64], theirs: &[f64]) -> f64 {
    let scale = theirs.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    ours.iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs() / scale)
        .fold(0.0, f64::max)
}
