//! The M-step under mclust's default conjugate prior (`priorControl()`; Fraley and Raftery,
//! "Bayesian regularization for normal mixture estimation and model-based clustering", 2007):
//! the posterior mode, as mclust's Fortran `ms*p` routines compute it.

use crate::components::GaussianComponents;
use crate::covariance_type::{CovarianceType, Layout};
use crate::family::Gaussian;
use crate::moments::GaussianStats;
use mixture_core::family::SufficientStats;
use mixture_core::{MixtureError, Result, Scalar};

/// The MAP estimate of the components from merged statistics, with shrinkage `kappa`.
///
/// The prior (mclust's `defaultPrior`): the means' prior mean is the data's mean; the
/// covariances' degrees of freedom D + 2; their scale `(1/K)^(2/D)` times the data's
/// covariance (full and tied) or its mean variance (diagonal and spherical), with N − 1. The
/// data's moments are the statistics merged over components, which are exactly the rows'
/// (every row's responsibilities sum to one).
pub(crate) fn estimate<T: Scalar>(
    g: &Gaussian,
    stats: &GaussianStats,
    kappa: f64,
) -> Result<GaussianComponents<T>> {
    let (k, d) = (stats.n_components(), stats.n_features());
    let counts: Vec<f64> = (0..k).map(|c| stats.count(c)).collect();
    let n: f64 = counts.iter().sum();
    if n <= 1.0 {
        return Err(MixtureError::InvalidOption {
            name: "prior_shrinkage",
            value: format!("a fit of total weight {n}"),
            expected: "the prior's scale is the data's covariance, which needs a total weight above 1",
        });
    }
    // The scatter entry (i, j) of component c, symmetrised.
    let scatter = |c: usize, i: usize, j: usize| {
        let s = stats.scatter(c);
        if stats.is_diagonal() {
            s[i]
        } else {
            0.5 * (s[i * d + j] + s[j * d + i])
        }
    };
    let mean: Vec<f64> = (0..d)
        .map(|j| (0..k).map(|c| counts[c] * stats.mean(c)[j]).sum::<f64>() / n)
        .collect();
    let pooled = |i: usize, j: usize| -> f64 {
        (0..k)
            .map(|c| {
                let (mi, mj) = (stats.mean(c)[i] - mean[i], stats.mean(c)[j] - mean[j]);
                scatter(c, i, j) + counts[c] * mi * mj
            })
            .sum::<f64>()
            / (n - 1.0)
    };
    let fac = (1.0 / k as f64).powf(2.0 / d as f64);
    // The matrix models' prior scale (row-major): fac · the data's covariance, or its diagonal
    // when there are no more rows than features (mclust's defaultPrior).
    let scale_matrix = || -> Vec<f64> {
        (0..d * d)
            .map(|e| {
                let (i, j) = (e / d, e % d);
                if n > d as f64 || i == j {
                    fac * pooled(i, j)
                } else {
                    0.0
                }
            })
            .collect()
    };
    let dof = d as f64 + 2.0;
    let shrinks = kappa > 0.0;
    let diff = |c: usize, j: usize| stats.mean(c)[j] - mean[j];
    // n_k κ / (n_k + κ): the weight of the mean's offset from the prior mean.
    let offset_weight = |c: usize| counts[c] * kappa / (counts[c] + kappa);
    let kind = g.covariance_type();
    // mclust's mseeip leaves EEI's means unshrunk (the weighted means); the others shrink
    // them towards the prior mean.
    let shrink_means = kind != CovarianceType::Eei;
    let means: Vec<f64> = (0..k * d)
        .map(|e| {
            let (c, j) = (e / d, e % d);
            if shrink_means {
                (counts[c] * stats.mean(c)[j] + kappa * mean[j]) / (counts[c] + kappa)
            } else {
                stats.mean(c)[j]
            }
        })
        .collect();
    let reg = g.reg_covar();
    let with_reg = |v: f64, i: usize, j: usize| v + if i == j { reg } else { 0.0 };
    let compact: Vec<f64> = match kind {
        CovarianceType::Full => {
            let scale = scale_matrix();
            let mut out = vec![0.0; k * d * d];
            for c in 0..k {
                let denominator = dof + counts[c] + d as f64 + 1.0 + f64::from(u8::from(shrinks));
                for i in 0..d {
                    for j in 0..=i {
                        let v = scale[i * d + j]
                            + scatter(c, i, j)
                            + offset_weight(c) * (diff(c, i) * diff(c, j));
                        let v = with_reg(v / denominator, i, j);
                        (out[c * d * d + i * d + j], out[c * d * d + j * d + i]) = (v, v);
                    }
                }
            }
            out
        }
        CovarianceType::Tied => {
            let denominator = dof + n + d as f64 + 1.0 + if shrinks { k as f64 } else { 0.0 };
            let scale = scale_matrix();
            let mut out = vec![0.0; d * d];
            for i in 0..d {
                for j in 0..=i {
                    let within: f64 = (0..k)
                        .map(|c| scatter(c, i, j) + offset_weight(c) * (diff(c, i) * diff(c, j)))
                        .sum();
                    let v = with_reg((scale[i * d + j] + within) / denominator, i, j);
                    (out[i * d + j], out[j * d + i]) = (v, v);
                }
            }
            out
        }
        CovarianceType::Diagonal | CovarianceType::Spherical => {
            let scale = fac * (0..d).map(|j| pooled(j, j)).sum::<f64>() / d as f64;
            if kind == CovarianceType::Diagonal {
                (0..k * d)
                    .map(|e| {
                        let (c, j) = (e / d, e % d);
                        let denominator = dof + counts[c] + 2.0 + f64::from(u8::from(shrinks));
                        let v = scale + scatter(c, j, j) + offset_weight(c) * diff(c, j).powi(2);
                        v / denominator + reg
                    })
                    .collect()
            } else {
                (0..k)
                    .map(|c| {
                        let denominator =
                            dof + counts[c] * d as f64 + 2.0 + if shrinks { d as f64 } else { 0.0 };
                        let within: f64 = (0..d).map(|j| scatter(c, j, j)).sum();
                        let offset: f64 = (0..d).map(|j| diff(c, j).powi(2)).sum();
                        (scale + within + offset_weight(c) * offset) / denominator + reg
                    })
                    .collect()
            }
        }
        CovarianceType::Eii => {
            // mclust's me() for EII (meeiip) leaves the prior's scale out (it adds nothing for
            // it), which this follows so that fits are mclust's.
            let total: f64 = (0..k)
                .map(|c| {
                    let offset: f64 = (0..d).map(|j| diff(c, j).powi(2)).sum();
                    let within: f64 = (0..d).map(|j| scatter(c, j, j)).sum();
                    within + offset_weight(c) * offset
                })
                .sum();
            let denominator = dof + n * d as f64 + 2.0 + if shrinks { (k * d) as f64 } else { 0.0 };
            vec![total / denominator + reg]
        }
        CovarianceType::Eei => {
            let scale = fac * (0..d).map(|j| pooled(j, j)).sum::<f64>() / d as f64;
            // mclust's me() (meeeip) divides by ν + N + 2; its mstep() (mseeip) adds K when
            // κ > 0. Fits are me()'s, so this is.
            let denominator = dof + n + 2.0;
            let variances: Vec<f64> = (0..d)
                .map(|j| {
                    let within: f64 = (0..k)
                        .map(|c| scatter(c, j, j) + offset_weight(c) * diff(c, j).powi(2))
                        .sum();
                    (scale + within) / denominator + reg
                })
                .collect();
            // The compact form: the volume (geometric mean), then the shape of determinant 1.
            let volume = (variances.iter().map(|v| v.ln()).sum::<f64>() / d as f64).exp();
            std::iter::once(volume)
                .chain(variances.iter().map(|v| v / volume))
                .collect()
        }
        CovarianceType::Vei | CovarianceType::Evi | CovarianceType::Eev | CovarianceType::Vev => {
            // mclust's me*p routines: the model's maximum-likelihood M-step of the scatters
            // B_k = scale + W_k + offset, with the prior's degrees of freedom added to the
            // volumes' denominators: EVI's and EEV's (one volume) divide Σ_k|B_k|^(1/D) by
            // N + ν + 1 (+ D for EEV) (+ 1 when κ > 0), VEI's λ_k by D n_k + ν + 2 (+ 1); VEV's
            // (mevevp) by D n_k alone. Handing the model counts that carry those additions gives
            // exactly these.
            let shrink = f64::from(u8::from(shrinks));
            let effective: Vec<f64> = match kind {
                CovarianceType::Evi => counts
                    .iter()
                    .map(|n_c| n_c + (dof + 1.0 + shrink) / k as f64)
                    .collect(),
                CovarianceType::Eev => counts
                    .iter()
                    .map(|n_c| n_c + (dof + d as f64 + 1.0 + shrink) / k as f64)
                    .collect(),
                CovarianceType::Vei => counts
                    .iter()
                    .map(|n_c| n_c + (dof + 2.0 + shrink) / d as f64)
                    .collect(),
                _ => counts.clone(),
            };
            // The regularisation as in the maximum-likelihood M-step: each scatter gains its
            // count times reg_covar on the diagonal.
            let scatters: Vec<f64> = if kind.layout() == Layout::Diagonal {
                let scale = fac * (0..d).map(|j| pooled(j, j)).sum::<f64>() / d as f64;
                (0..k * d)
                    .map(|e| {
                        let (c, j) = (e / d, e % d);
                        scale
                            + scatter(c, j, j)
                            + offset_weight(c) * diff(c, j).powi(2)
                            + effective[c] * reg
                    })
                    .collect()
            } else {
                let scale = scale_matrix();
                (0..k * d * d)
                    .map(|e| {
                        let (c, i, j) = (e / (d * d), e / d % d, e % d);
                        let v = scale[i * d + j]
                            + scatter(c, i, j)
                            + offset_weight(c) * (diff(c, i) * diff(c, j));
                        v + if i == j { effective[c] * reg } else { 0.0 }
                    })
                    .collect()
            };
            let estimated = crate::models::estimate(kind, &effective, &scatters, d)
                .map_err(|u| u.into_error(reg))?;
            return GaussianComponents::from_f64(k, d, &means, &estimated.compact, Some(reg), kind)
                .map(|c| c.mark_capped(estimated.capped));
        }
        other => unreachable!("check_options refuses the MAP prior with {}", other.code()),
    };
    GaussianComponents::from_f64(k, d, &means, &compact, Some(reg), kind)
}
