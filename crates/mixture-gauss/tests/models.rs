//! The fourteen covariance models: each M-step is the best of its model (no model does better
//! than a larger one that contains it), and E-M never lowers the log-likelihood.

use mixture_core::rand::rngs::ChaCha8Rng;
use mixture_core::rand::{RngExt, SeedableRng};
use mixture_core::{Components, Estimator, RowMatrix};
use mixture_gauss::{CovarianceType, Gaussian};

/// 300 rows of 3 features from three blobs of different sizes, shapes and orientations.
fn data() -> RowMatrix<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut values = Vec::new();
    for i in 0..300 {
        let c = i % 3;
        let z: Vec<f64> = (0..3).map(|_| rng.random::<f64>() - 0.5).collect();
        let scale = [1.0, 2.5, 0.6][c];
        let (a, b) = ([0.3, 1.2, -0.8][c], [0.0, 6.0, -5.0][c]);
        values.push(b + scale * (3.0 * z[0] + a * z[1]));
        values.push(b * 0.5 + scale * (z[1] - a * z[2] * 2.0));
        values.push(-b + scale * (z[2] + a * z[0]));
    }
    RowMatrix::new(values, 3).unwrap()
}

/// Whether every part of `small` is at least as constrained as `large`'s (I < E < V), so
/// that `small`'s covariances are also `large`'s.
fn nested(small: CovarianceType, large: CovarianceType) -> bool {
    let rank = |c: u8| match c {
        b'I' => 0,
        b'E' => 1,
        _ => 2,
    };
    let (s, l) = (small.code().as_bytes(), large.code().as_bytes());
    // Volume and shape I and E coincide for the volume; an identity shape is the smallest.
    (0..3).all(|i| rank(s[i]) <= rank(l[i]))
}

#[test]
fn each_m_step_is_the_best_of_its_model() {
    let x = data();
    // One start, fixed responsibilities: every model's M-step from the same statistics.
    let start = Estimator::new(Gaussian::full(), 3)
        .seed(3)
        .max_iter(0)
        .fit(&x)
        .unwrap()
        .mixture;
    let resp = start.predict_proba(&x).unwrap();
    // Q(Σ) = Σ_i Σ_k r_ik ln N(x_i | μ_k, Σ_k): the M-step maximises it over the model.
    let q = |kind: CovarianceType| -> f64 {
        let estimator = Estimator::new(Gaussian::new(kind).with_reg_covar(0.0), 3);
        let stats = estimator.e_step(&start, &x, 0).unwrap();
        let next = estimator.m_step(&stats).unwrap().mixture;
        let comps = next.components();
        let mut dens = vec![0.0; x.n_rows() * 3];
        comps.log_densities(x.view(), &mut dens, &mut Vec::new());
        dens.iter().zip(resp.as_slice()).map(|(l, r)| l * r).sum()
    };
    let values: Vec<(CovarianceType, f64)> =
        CovarianceType::ALL.iter().map(|&k| (k, q(k))).collect();
    for &(small, q_small) in &values {
        for &(large, q_large) in &values {
            if nested(small, large) {
                assert!(
                    q_large >= q_small - 1e-9 * q_small.abs(),
                    "{} ({q_large}) below {} ({q_small}), which it contains",
                    large.code(),
                    small.code()
                );
            }
        }
    }
}

#[test]
fn em_never_lowers_the_log_likelihood_in_any_model() {
    let x = data();
    for kind in CovarianceType::ALL {
        let fit = Estimator::new(Gaussian::new(kind), 3)
            .seed(1)
            .max_iter(60)
            .tol(0.0)
            .fit(&x)
            .unwrap();
        let lls: Vec<f64> = fit
            .report
            .history
            .iter()
            .map(|r| r.log_likelihood)
            .collect();
        for w in lls.windows(2) {
            assert!(
                w[1] >= w[0] - 1e-9 * w[0].abs(),
                "{}: log-likelihood fell from {} to {}",
                kind.code(),
                w[0],
                w[1]
            );
        }
        assert_eq!(
            fit.mixture.components().covariance_type(),
            kind,
            "{}",
            kind.code()
        );
    }
}

#[test]
fn fitted_eigen_models_keep_their_constraints() {
    let x = data();
    for kind in CovarianceType::ALL {
        let comps = Estimator::new(Gaussian::new(kind), 3)
            .seed(2)
            .max_iter(20)
            .fit(&x)
            .unwrap()
            .mixture
            .components()
            .clone();
        let det = |k: usize| -> f64 {
            let m = comps.covariance(k);
            m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
                + m[2] * (m[3] * m[7] - m[4] * m[6])
        };
        let code = kind.code().as_bytes();
        // Equal volume: the determinants agree.
        if code[0] == b'E' {
            for k in 1..3 {
                assert!(
                    (det(k) / det(0) - 1.0).abs() < 1e-9,
                    "{}: |Σ_{k}| = {} but |Σ_0| = {}",
                    kind.code(),
                    det(k),
                    det(0)
                );
            }
        }
        // Identity orientation: diagonal covariances.
        if code[2] == b'I' {
            for k in 0..3 {
                let m = comps.covariance(k);
                assert!(
                    [1, 2, 3, 5, 6, 7].iter().all(|&e| m[e] == 0.0),
                    "{}",
                    kind.code()
                );
            }
        }
    }
}

#[test]
fn a_model_that_cannot_be_formed_is_named() {
    // A constant third feature: every scatter is singular without regularisation.
    let mut x = data();
    let values: Vec<f64> = x
        .as_slice()
        .chunks_exact(3)
        .flat_map(|r| [r[0], r[1], 1.0])
        .collect();
    x = RowMatrix::new(values, 3).unwrap();
    for kind in [
        CovarianceType::Eev,
        CovarianceType::Vev,
        CovarianceType::Vee,
        CovarianceType::Eve,
        CovarianceType::Evi,
    ] {
        let err = Estimator::new(Gaussian::new(kind).with_reg_covar(0.0), 3)
            .seed(1)
            .on_degenerate(mixture_core::DegeneratePolicy::Error)
            .fit(&x)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(kind.code()) && err.contains("component") && err.contains("reg_covar"),
            "{}: {err}",
            kind.code()
        );
        // With the default regularisation it fits.
        assert!(
            Estimator::new(Gaussian::new(kind), 3)
                .seed(1)
                .fit(&x)
                .is_ok()
        );
    }
}
