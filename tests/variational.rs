//! Variational fits (`Estimator::fit_variational`) beyond scikit-learn's numbers (those are
//! `tests/sklearn_variational.rs`): the same bits streamed and on any thread count, frequency
//! weights as repeated rows, float32, switched-off components, warm starts, and typed errors
//! for priors outside their domain.

use mixture::core::variational::{
    VariationalFit, VariationalPrior, VariationalStart, WeightPriorType,
};
use mixture::core::{Estimator, Input, MatrixSource, MixtureError, RowMatrix, Silent};
use mixture::gauss::{CovarianceType, Gaussian, GaussianPrior};

fn blobs() -> RowMatrix<f64> {
    mixture::datagen::lesson_blobs::<f64>(300, 7).unwrap().data
}

fn prior(weight_prior: WeightPriorType) -> VariationalPrior<GaussianPrior> {
    VariationalPrior {
        weight_prior,
        ..VariationalPrior::default()
    }
}

#[test]
fn streamed_and_on_any_thread_count_the_bits_are_the_same() {
    let x = blobs();
    for kind in CovarianceType::SCIKIT_LEARN {
        let est = Estimator::new(Gaussian::new(kind), 6)
            .block_rows(100)
            .seed(5)
            .n_init(2);
        let p = prior(WeightPriorType::DirichletProcess);
        let in_memory = est.fit_variational(&x, &p, None, &mut Silent).unwrap();
        let mut rows = MatrixSource::new(&x);
        let streamed = est
            .fit_variational(
                Input::Stream {
                    x: &mut rows,
                    w: None,
                },
                &p,
                None,
                &mut Silent,
            )
            .unwrap();
        assert_eq!(
            in_memory.report.history, streamed.report.history,
            "{kind:?}"
        );
        assert_eq!(in_memory.posterior, streamed.posterior, "{kind:?}");
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let again = pool.install(|| est.fit_variational(&x, &p, None, &mut Silent).unwrap());
            assert_eq!(
                in_memory.report.history, again.report.history,
                "{kind:?} {threads}"
            );
            assert_eq!(in_memory.posterior, again.posterior, "{kind:?} {threads}");
            assert_eq!(in_memory.weights, again.weights, "{kind:?} {threads}");
        }
    }
}

#[test]
fn integer_weights_are_repeated_rows() {
    let x = blobs();
    let (n, d) = (x.n_rows(), x.n_cols());
    let w: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
    let mut repeated = Vec::new();
    for (i, &wi) in w.iter().enumerate() {
        for _ in 0..wi as usize {
            repeated.extend_from_slice(x.row(i));
        }
    }
    let repeated = RowMatrix::new(repeated, d).unwrap();
    for kind in CovarianceType::SCIKIT_LEARN {
        let est = Estimator::new(Gaussian::new(kind), 4).max_iter(20).tol(0.0);
        let p = prior(WeightPriorType::DirichletDistribution);
        // The same start: the responsibilities of one mixture.
        let start = Estimator::new(Gaussian::new(kind), 4)
            .max_iter(2)
            .fit(&x)
            .unwrap()
            .mixture;
        let start = VariationalStart::Responsibilities(&start);
        let weighted = est
            .fit_variational(x.weighted(&w), &p, Some(start.clone()), &mut Silent)
            .unwrap();
        let plain = est
            .fit_variational(&repeated, &p, Some(start), &mut Silent)
            .unwrap();
        let (a, b) = (
            weighted.posterior.covariances(),
            plain.posterior.covariances(),
        );
        for (u, v) in a.iter().zip(b) {
            assert!(
                (u - v).abs() <= 1e-9 * v.abs().max(1.0),
                "{kind:?}: {u} vs {v}"
            );
        }
        let (a, b) = (weighted.lower_bound(), plain.lower_bound());
        assert!(
            (a - b).abs() <= 1e-9 * b.abs(),
            "{kind:?}: bound {a} vs {b}"
        );
    }
}

#[test]
fn a_generous_k_switches_off_the_components_the_data_do_not_need() {
    // Three well separated blobs, K = 10: the Dirichlet process leaves three components with
    // nearly all the weight.
    let x = blobs();
    let est = Estimator::new(Gaussian::full(), 10)
        .seed(1)
        .max_iter(500)
        .n_init(3);
    let fit = est
        .fit_variational(
            &x,
            &prior(WeightPriorType::DirichletProcess),
            None,
            &mut Silent,
        )
        .unwrap();
    assert!(fit.report.converged);
    let used = fit.effective_components(1.0);
    assert_eq!(used, 3, "weights {:?}", fit.mixture.weights());
}

#[test]
fn float32_fits_agree_with_float64() {
    let x = blobs();
    let x32 = RowMatrix::new(x.as_slice().iter().map(|&v| v as f32).collect(), x.n_cols()).unwrap();
    for kind in CovarianceType::SCIKIT_LEARN {
        let est = Estimator::new(Gaussian::new(kind), 3)
            .seed(2)
            .max_iter(30)
            .tol(0.0);
        let p = prior(WeightPriorType::DirichletProcess);
        let start = Estimator::new(Gaussian::new(kind), 3)
            .seed(2)
            .max_iter(3)
            .fit(&x)
            .unwrap()
            .mixture;
        let start32 = start.to_precision::<f32>().unwrap();
        let f64_fit = est
            .fit_variational(
                &x,
                &p,
                Some(VariationalStart::Responsibilities(&start)),
                &mut Silent,
            )
            .unwrap();
        let f32_fit = est
            .fit_variational(
                &x32,
                &p,
                Some(VariationalStart::Responsibilities(&start32)),
                &mut Silent,
            )
            .unwrap();
        let (a, b) = (f64_fit.lower_bound(), f32_fit.lower_bound());
        assert!(
            (a - b).abs() <= 1e-4 * a.abs(),
            "{kind:?}: bound {a} (f64) vs {b} (f32)"
        );
        for (u, v) in f64_fit
            .posterior
            .means()
            .iter()
            .zip(f32_fit.posterior.means())
        {
            assert!(
                (u - v).abs() <= 1e-3 * u.abs().max(1.0),
                "{kind:?}: mean {u} vs {v}"
            );
        }
    }
}

#[test]
fn a_warm_start_goes_on_from_the_posterior() {
    // Ten fits of one iteration each, warm, reach the bound of one fit of ten iterations.
    let x = blobs();
    let p = prior(WeightPriorType::DirichletProcess);
    let est = Estimator::new(Gaussian::diagonal(), 5).seed(4).tol(0.0);
    let whole = est
        .clone()
        .max_iter(10)
        .fit_variational(&x, &p, None, &mut Silent)
        .unwrap();
    let mut fit = est
        .clone()
        .max_iter(1)
        .fit_variational(&x, &p, None, &mut Silent)
        .unwrap();
    for _ in 1..10 {
        let start = VariationalStart::Posterior {
            weights: fit.weights.clone(),
            components: fit.posterior.clone(),
            previous: Some(fit.lower_bound()),
        };
        fit = est
            .clone()
            .max_iter(1)
            .fit_variational(&x, &p, Some(start), &mut Silent)
            .unwrap();
    }
    assert_eq!(fit.posterior, whole.posterior);
    assert_eq!(fit.lower_bound(), whole.lower_bound());
}

#[test]
fn priors_outside_their_domain_are_typed_errors_naming_them() {
    let x = blobs(); // D = 2
    let fit = |kind: CovarianceType, p: VariationalPrior<GaussianPrior>| {
        Estimator::new(Gaussian::new(kind), 3).fit_variational(&x, &p, None, &mut Silent)
    };
    let with = |components: GaussianPrior| VariationalPrior {
        components,
        ..VariationalPrior::default()
    };
    let cases: Vec<(CovarianceType, VariationalPrior<GaussianPrior>, &str)> = vec![
        (
            CovarianceType::Full,
            VariationalPrior {
                weight_concentration: Some(0.0),
                ..VariationalPrior::default()
            },
            "weight_concentration_prior",
        ),
        (
            CovarianceType::Full,
            VariationalPrior {
                weight_concentration: Some(f64::NAN),
                ..VariationalPrior::default()
            },
            "weight_concentration_prior",
        ),
        (
            CovarianceType::Full,
            with(GaussianPrior {
                mean_precision: Some(-1.0),
                ..Default::default()
            }),
            "mean_precision_prior",
        ),
        (
            CovarianceType::Full,
            with(GaussianPrior {
                degrees_of_freedom: Some(1.0),
                ..Default::default()
            }),
            "degrees_of_freedom_prior",
        ),
        (
            CovarianceType::Full,
            with(GaussianPrior {
                mean: Some(vec![0.0; 3]),
                ..Default::default()
            }),
            "mean_prior",
        ),
        (
            CovarianceType::Full,
            with(GaussianPrior {
                covariance: Some(vec![1.0, 2.0, 2.0, 1.0]),
                ..Default::default()
            }),
            "covariance_prior",
        ),
        (
            CovarianceType::Tied,
            with(GaussianPrior {
                covariance: Some(vec![1.0, 0.5, 0.4, 1.0]),
                ..Default::default()
            }),
            "covariance_prior",
        ),
        (
            CovarianceType::Diagonal,
            with(GaussianPrior {
                covariance: Some(vec![1.0, 0.0]),
                ..Default::default()
            }),
            "covariance_prior",
        ),
        (
            CovarianceType::Spherical,
            with(GaussianPrior {
                covariance: Some(vec![1.0, 1.0]),
                ..Default::default()
            }),
            "covariance_prior",
        ),
        (
            CovarianceType::Vei,
            with(GaussianPrior::default()),
            "covariance",
        ),
    ];
    for (kind, p, name) in cases {
        match fit(kind, p.clone()) {
            Err(MixtureError::InvalidOption { name: got, .. }) => assert_eq!(got, name, "{p:?}"),
            other => panic!("{kind:?} {p:?}: {other:?}"),
        }
    }
}

/// `est`'s variational fit of `x` streamed and on three threads gives `fit`'s bits.
fn same_bits_streamed_and_on_three_threads(
    est: &Estimator<Gaussian>,
    x: &RowMatrix<f64>,
    p: &VariationalPrior<GaussianPrior>,
    fit: &VariationalFit<f64, Gaussian>,
    what: &str,
) {
    let mut rows = MatrixSource::new(x);
    let streamed = est
        .fit_variational(
            Input::Stream {
                x: &mut rows,
                w: None,
            },
            p,
            None,
            &mut Silent,
        )
        .unwrap();
    assert_eq!(fit.posterior, streamed.posterior, "{what}");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let again = pool.install(|| est.fit_variational(x, p, None, &mut Silent).unwrap());
    assert_eq!(fit.posterior, again.posterior, "{what}");
    assert_eq!(fit.report.history, again.report.history, "{what}");
}

#[test]
fn delete_moves_never_end_lower_and_keep_the_bits_streamed_and_on_any_thread_count() {
    // Overlapping blobs in four dimensions and a generous K: runs end with redundant
    // components, which the moves switch off.
    let truth = mixture::datagen::GaussianMixtureGenerator::random(4, 4, 1.5, 3).unwrap();
    let x = truth.generate::<f64>(600, 4).unwrap().data;
    let mut moved = 0;
    for kind in CovarianceType::SCIKIT_LEARN {
        for weight_prior in [
            WeightPriorType::DirichletProcess,
            WeightPriorType::DirichletDistribution,
        ] {
            let p = prior(weight_prior);
            let plain = Estimator::new(Gaussian::new(kind), 10).seed(1).n_init(2);
            let with_moves = plain.clone().delete_moves(true);
            let before = plain.fit_variational(&x, &p, None, &mut Silent).unwrap();
            let after = with_moves
                .fit_variational(&x, &p, None, &mut Silent)
                .unwrap();
            let (b, a) = (before.lower_bound(), after.lower_bound());
            assert!(a >= b, "{kind:?} {weight_prior:?}: {a} < {b}");
            if a > b + 1e-6 * b.abs() {
                moved += 1;
                // The run's trace goes on where the moves started: one record per iteration.
                let history = &after.report.history;
                assert_eq!(history.len(), after.report.n_iter);
                assert!(
                    history
                        .windows(2)
                        .all(|w| w[1].iteration == w[0].iteration + 1)
                );
                assert_eq!(history.last().unwrap().log_likelihood, a);
                assert!(after.effective_components(1.0) <= before.effective_components(1.0));
            }
            same_bits_streamed_and_on_three_threads(
                &with_moves,
                &x,
                &p,
                &after,
                &format!("{kind:?}"),
            );
        }
    }
    assert!(moved >= 4, "the moves helped in only {moved} of 8 fits");
}

#[test]
fn split_merge_moves_never_end_lower_and_keep_the_bits_streamed_and_on_any_thread_count() {
    // Eight overlapping blobs in four dimensions. With K = 10 runs end with free components
    // (splits into them); with K = 4 every component is in use (merge a pair, split another).
    let truth = mixture::datagen::GaussianMixtureGenerator::random(8, 4, 1.5, 5).unwrap();
    let x = truth.generate::<f64>(800, 6).unwrap().data;
    let mut moved = [0, 0];
    for (slot, k) in [(0, 10), (1, 4)] {
        for kind in CovarianceType::SCIKIT_LEARN {
            let p = prior(WeightPriorType::DirichletProcess);
            let plain = Estimator::new(Gaussian::new(kind), k).seed(1).n_init(2);
            let with_moves = plain.clone().split_merge_moves(true);
            let before = plain.fit_variational(&x, &p, None, &mut Silent).unwrap();
            let after = with_moves
                .fit_variational(&x, &p, None, &mut Silent)
                .unwrap();
            let (b, a) = (before.lower_bound(), after.lower_bound());
            assert!(a >= b, "K = {k} {kind:?}: {a} < {b}");
            if a > b + 1e-6 * b.abs() {
                moved[slot] += 1;
                let history = &after.report.history;
                assert_eq!(history.len(), after.report.n_iter);
                assert_eq!(history.last().unwrap().log_likelihood, a);
            }
            same_bits_streamed_and_on_three_threads(
                &with_moves,
                &x,
                &p,
                &after,
                &format!("K = {k} {kind:?}"),
            );
        }
    }
    assert!(
        moved[0] >= 2 && moved[1] >= 2,
        "splits helped {} of 4 fits with free components and merge-splits {} of 4 without",
        moved[0],
        moved[1]
    );
}
