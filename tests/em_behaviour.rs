//! The E-M driver on Gaussian mixtures: the lesson's fit, stop rules, trace, determinism,
//! and typed errors for bad input.

mod common;

use common::*;
use mixture::core::report::IterationRecord;
use mixture::core::{
    BestRun, Estimator, Init, Input, MixtureError, RowMatrix, Rows, StopRule, TraceWriter,
};
use mixture::datagen::{GaussianMixtureGenerator, lesson_blobs};
use mixture::gauss::Gaussian;

#[test]
fn lesson_fit_reaches_the_maximum_and_recovers_the_means() {
    let blobs = lesson_blobs::<f64>(200, 69).unwrap();
    let x = &blobs.data;
    for init in [Init::RandomRows, Init::KMeansPlusPlus] {
        let est = Estimator::new(Gaussian::full(), 3)
            .init(init)
            .seed(69)
            .max_iter(1000)
            .tol(1e-12);
        let model = est.fit(x).unwrap();
        let report = &model.report;
        assert!(report.converged, "{init:?}");
        let ll = model.mixture.log_likelihood(x).unwrap();
        assert_eq!(ll, report.log_likelihood);
        // Refitting from the converged parameters stays put: a maximum of the likelihood.
        let again = est.fit_from(&model, x).unwrap();
        let ll2 = again.mixture.log_likelihood(x).unwrap();
        assert!((ll2 - ll).abs() < 1e-6, "{init:?}: {ll} then {ll2}");
        // The recovered means lie within 0.1 of the generating ones.
        let truth = blobs.truth.means();
        let fitted = model.mixture.means();
        let p = match_components(fitted.view(), truth.view());
        for k in 0..3 {
            for j in 0..2 {
                let err = (fitted.get(k, j) - truth.get(p[k], j)).abs();
                assert!(err < 0.1, "{init:?}: mean {k}[{j}] off by {err}");
            }
        }
        // And the labels agree with the truth for almost every row.
        let labels = model.mixture.predict(x).unwrap();
        let agree = labels
            .iter()
            .zip(&blobs.labels)
            .filter(|(l, t)| p[**l] == **t)
            .count();
        assert!(agree >= 570, "{init:?}: only {agree} of 600 labels agree");
    }
}

#[test]
fn the_log_likelihood_never_decreases() {
    let g = GaussianMixtureGenerator::random(4, 3, 2.0, 5).unwrap();
    let data = g.generate::<f64>(2000, 6).unwrap();
    let model = Estimator::new(Gaussian::full().with_reg_covar(0.0), 4)
        .init(Init::RandomRows)
        .tol(0.0)
        .max_iter(60)
        .fit(&data.data)
        .unwrap();
    let history = &model.report.history;
    for w in history.windows(2) {
        assert!(
            w[1].log_likelihood >= w[0].log_likelihood - 1e-9 * w[0].log_likelihood.abs(),
            "iteration {}: {} after {}",
            w[1].iteration,
            w[1].log_likelihood,
            w[0].log_likelihood
        );
    }
}

#[test]
fn trace_lines_follow_the_lesson() {
    let blobs = lesson_blobs::<f32>(200, 69).unwrap();
    let mut trace = TraceWriter::new(Vec::new());
    let model = Estimator::new(Gaussian::full(), 3)
        .init(Init::RandomRows)
        .seed(3)
        .fit_with(&blobs.data, None, &mut trace)
        .unwrap();
    let text = String::from_utf8(trace.into_inner()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let report = &model.report;
    assert_eq!(lines.len(), report.n_iter + 1);
    for (i, line) in lines[..report.n_iter].iter().enumerate() {
        let rest = line
            .strip_prefix(&format!("{i}: Mean-diff = "))
            .unwrap_or_else(|| panic!("{line}"));
        let (shift, rest) = rest.split_once(" log(p(X)) = ").unwrap();
        let ll = rest.strip_suffix(" nats").unwrap();
        let record = &report.history[i];
        assert!((shift.parse::<f64>().unwrap() - record.mean_shift).abs() < 1e-6);
        assert!((ll.parse::<f64>().unwrap() - record.log_likelihood).abs() < 1e-4);
    }
    assert!(report.converged);
    assert_eq!(
        lines[report.n_iter],
        format!("Converged after {} iterations.", report.n_iter)
    );
}

#[test]
fn observer_sees_every_iteration_and_max_iter_is_not_an_error() {
    let blobs = lesson_blobs::<f64>(100, 1).unwrap();
    let mut seen = Vec::new();
    let model = Estimator::new(Gaussian::full(), 3)
        .tol(0.0)
        .max_iter(7)
        .fit_with(
            &blobs.data,
            None,
            &mut |r: &mixture::core::report::IterationRecord| seen.push(r.iteration),
        )
        .unwrap();
    let report = &model.report;
    assert_eq!(seen, (0..7).collect::<Vec<_>>());
    assert_eq!(report.n_iter, 7);
    assert!(!report.converged);
    // max_iter 0 returns the initialisation.
    let init_only = Estimator::new(Gaussian::full(), 3)
        .max_iter(0)
        .fit(&blobs.data)
        .unwrap();
    assert_eq!(init_only.report.n_iter, 0);
}

#[test]
fn an_observer_can_stop_the_fit() {
    struct StopAfter(usize, usize);
    impl mixture::core::FitObserver for StopAfter {
        fn on_iteration(&mut self, _: &mixture::core::report::IterationRecord) {
            self.0 += 1;
        }
        fn keep_going(&mut self) -> bool {
            self.0 < self.1
        }
    }
    let blobs = lesson_blobs::<f64>(100, 1).unwrap();
    let stopped = Estimator::new(Gaussian::full(), 3)
        .tol(0.0)
        .max_iter(50)
        .fit_with(&blobs.data, None, &mut StopAfter(0, 3));
    assert!(matches!(
        stopped,
        Err(mixture::core::MixtureError::Interrupted {
            run: 0,
            iteration: 2
        })
    ));
}

#[test]
fn stop_rules_mean_what_they_say() {
    let blobs = lesson_blobs::<f64>(200, 69).unwrap();
    let tol = 1e-3;
    let by_shift = Estimator::new(Gaussian::full(), 3)
        .init(Init::RandomRows)
        .seed(5)
        .stop_rule(StopRule::MeanShift)
        .tol(tol)
        .fit(&blobs.data)
        .unwrap();
    let h = &by_shift.report.history;
    assert!(h.last().unwrap().mean_shift < tol);
    assert!(h[..h.len() - 1].iter().all(|r| r.mean_shift >= tol));
    let by_ll = Estimator::new(Gaussian::full(), 3)
        .init(Init::RandomRows)
        .seed(5)
        .tol(tol)
        .fit(&blobs.data)
        .unwrap();
    let h = &by_ll.report.history;
    assert!(h.last().unwrap().change.abs() < tol);
    assert!(h[..h.len() - 1].iter().all(|r| r.change.abs() >= tol));
    assert_eq!(h[0].change, f64::INFINITY);
}

#[test]
fn n_init_keeps_the_best_run() {
    let g = GaussianMixtureGenerator::random(5, 2, 1.5, 8).unwrap();
    let data = g.generate::<f64>(1500, 9).unwrap();
    let model = Estimator::new(Gaussian::full(), 5)
        .init(Init::RandomRows)
        .n_init(4)
        .seed(1)
        .fit(&data.data)
        .unwrap();
    let report = &model.report;
    assert_eq!(report.runs.len(), 4);
    let best = report
        .runs
        .iter()
        .map(|r| r.log_likelihood)
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(report.log_likelihood, best);
    assert_eq!(report.runs[report.best_run].log_likelihood, best);
    // scikit-learn's test_init: with the same seed, the best of several runs is never below
    // one run, because the first of them is that run.
    let single = Estimator::new(Gaussian::full(), 5)
        .init(Init::RandomRows)
        .seed(1)
        .fit(&data.data)
        .unwrap();
    assert_eq!(single.report.log_likelihood, report.runs[0].log_likelihood);
    assert!(report.log_likelihood >= single.report.log_likelihood);
}

#[test]
fn n_init_by_the_last_bound_keeps_the_run_with_the_best_bound() {
    // scikit-learn's test_init, with max_iter = 1 where the two quantities differ most: the
    // bound (the log-likelihood of the parameters the last iteration started from) is what
    // scikit-learn reports as lower_bound_ and chooses by.
    let g = GaussianMixtureGenerator::random(3, 2, 1.0, 3).unwrap();
    let data = g.generate::<f64>(150, 4).unwrap();
    let bound = |f: &mixture::core::Fitted<f64, _>| f.report.history.last().unwrap().log_likelihood;
    let mut suspect_first = 0;
    for seed in 0..15 {
        let est = Estimator::new(Gaussian::full(), 3)
            .init(Init::RandomRows)
            .max_iter(1)
            .seed(seed)
            .best_run(BestRun::LastBound);
        let single = est.clone().fit(&data.data).unwrap();
        let mut bounds = [f64::NAN; 10];
        let mut record = |r: &IterationRecord| bounds[r.run] = r.log_likelihood;
        let many = est
            .clone()
            .n_init(10)
            .fit_with(&data.data, None, &mut record)
            .unwrap();
        // Sound runs rank first (see SpuriousPolicy::Keep): the first run is beaten only by
        // a better bound or by a sound run when it is suspect.
        if single.report.suspect.is_empty() {
            assert!(bound(&many) >= bound(&single), "seed {seed}");
        } else {
            suspect_first += 1;
        }
        assert_eq!(bounds[0], bound(&single));
        // The kept run has the best bound of the runs without suspect components.
        let sound = |r: usize| many.report.runs[r].suspect == 0;
        let best = (0..10)
            .filter(|&r| sound(r) || !(0..10).any(sound))
            .map(|r| bounds[r])
            .fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(bound(&many), best, "seed {seed}");
        assert_eq!(bounds[many.report.best_run], best);
    }
    assert!(
        suspect_first < 5,
        "the property was checked on too few seeds"
    );
}

fn fit_with_threads(threads: usize, x: &RowMatrix<f64>) -> (Vec<f64>, Vec<f64>, f64) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let m = Estimator::new(Gaussian::full(), 4)
            .seed(11)
            .tol(0.0)
            .max_iter(15)
            .fit(x)
            .unwrap();
        (
            m.mixture.means().into_vec(),
            m.mixture.components().covariance_parameters().to_vec(),
            m.report.log_likelihood,
        )
    })
}

#[test]
fn one_and_two_threads_give_bit_identical_fits() {
    // Enough rows for many chunks and several waves.
    let g = GaussianMixtureGenerator::random(4, 5, 3.0, 21).unwrap();
    let data = g.generate::<f64>(30_000, 22).unwrap();
    let one = fit_with_threads(1, &data.data);
    let two = fit_with_threads(2, &data.data);
    assert_eq!(one.0, two.0);
    assert_eq!(one.1, two.1);
    assert_eq!(one.2.to_bits(), two.2.to_bits());
}

#[test]
fn the_same_seed_gives_the_same_fit_and_another_seed_another_start() {
    let blobs = lesson_blobs::<f64>(200, 69).unwrap();
    let est = Estimator::new(Gaussian::full(), 3)
        .init(Init::RandomRows)
        .max_iter(2)
        .tol(0.0);
    let a = est.clone().seed(4).fit(&blobs.data).unwrap();
    let b = est.clone().seed(4).fit(&blobs.data).unwrap();
    let c = est.seed(5).fit(&blobs.data).unwrap();
    assert_eq!(a.mixture.means(), b.mixture.means());
    assert_ne!(a.mixture.means(), c.mixture.means());
}

#[test]
fn bad_input_gives_typed_errors() {
    let est = Estimator::new(Gaussian::full(), 2);
    let ok = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0];
    let x = Rows::new(&ok, 2).unwrap();

    assert_eq!(
        Rows::new(&ok, 3),
        Err(MixtureError::Shape { len: 8, n_cols: 3 })
    );
    let empty: [f64; 0] = [];
    assert!(matches!(
        est.fit(Rows::new(&empty, 2).unwrap()),
        Err(MixtureError::EmptyData { n_rows: 0, .. })
    ));
    let mut bad = ok;
    bad[5] = f64::NAN;
    let err = est.fit(Rows::new(&bad, 2).unwrap()).unwrap_err();
    assert!(
        matches!(err, MixtureError::NonFinite { row: 2, col: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("row 2, column 1"));
    bad[5] = f64::NEG_INFINITY;
    assert!(matches!(
        est.fit(Rows::new(&bad, 2).unwrap()),
        Err(MixtureError::NonFinite { row: 2, col: 1, .. })
    ));

    assert_eq!(
        Estimator::new(Gaussian::full(), 0).fit(x).unwrap_err(),
        MixtureError::ZeroComponents
    );
    assert_eq!(
        Estimator::new(Gaussian::full(), 5).fit(x).unwrap_err(),
        MixtureError::TooFewRows {
            n_components: 5,
            n_rows: 4
        }
    );
    let dup = [1.0, 1.0, 1.0, 1.0, 2.0, 2.0];
    for init in [
        Init::RandomRows,
        Init::KMeansPlusPlus,
        Init::KMeans,
        Init::Hierarchical,
    ] {
        // Refused under the error policy; the default re-seed policy keeps K (below).
        assert_eq!(
            Estimator::new(Gaussian::full(), 3)
                .init(init)
                .on_degenerate(mixture::core::DegeneratePolicy::Error)
                .fit(Rows::new(&dup, 2).unwrap())
                .unwrap_err(),
            MixtureError::TooFewDistinctRows {
                n_components: 3,
                n_distinct: 2
            }
        );
    }
    for (e, name) in [
        (est.clone().tol(-1.0), "tol"),
        (est.clone().tol(f64::NAN), "tol"),
        (est.clone().n_init(0), "n_init"),
        (est.clone().block_rows(0), "block_rows"),
    ] {
        assert!(matches!(e.fit(x), Err(MixtureError::InvalidOption { name: n, .. }) if n == name));
    }
    let neg_reg = Estimator::new(Gaussian::full().with_reg_covar(-1e-3), 2);
    assert!(matches!(
        neg_reg.fit(x),
        Err(MixtureError::InvalidOption {
            name: "reg_covar",
            ..
        })
    ));

    // A fitted model refuses data of another dimension, and NaN.
    let model = est.fit(x).unwrap();
    let three = [1.0, 2.0, 3.0];
    assert_eq!(
        model
            .mixture
            .log_likelihood(Rows::new(&three, 3).unwrap())
            .unwrap_err(),
        MixtureError::DimensionMismatch {
            expected: 2,
            found: 3
        }
    );
    assert!(matches!(
        model
            .mixture
            .predict(Rows::new(&[f64::NAN, 0.0], 2).unwrap()),
        Err(MixtureError::NonFinite { .. })
    ));
    assert!(matches!(
        model.mixture.predict_proba(Rows::new(&empty, 2).unwrap()),
        Err(MixtureError::EmptyData { .. })
    ));
}

#[test]
fn a_singular_covariance_names_the_component_and_reg_covar() {
    // A constant column makes every covariance singular when nothing is added.
    let data: Vec<f64> = (0..40).flat_map(|i| [i as f64, 1.0]).collect();
    let err = Estimator::new(Gaussian::full().with_reg_covar(0.0), 2)
        .fit(Rows::new(&data, 2).unwrap())
        .unwrap_err();
    assert!(
        matches!(
            err,
            MixtureError::ParametersNotFormed { ref problem, .. }
                if problem.contains("pivot at index 1") && problem.contains("reg_covar (now 0e0)")
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("raise reg_covar"));
    // The default reg_covar makes the same data fit.
    let model = Estimator::new(Gaussian::full(), 2)
        .fit(Rows::new(&data, 2).unwrap())
        .unwrap();
    assert!(
        model
            .mixture
            .log_likelihood(Rows::new(&data, 2).unwrap())
            .unwrap()
            .is_finite()
    );
}

#[test]
fn random_responsibilities_start_near_the_data_mean_and_do_not_depend_on_threads_or_blocks() {
    let blobs = lesson_blobs::<f64>(1000, 7).unwrap();
    let x = &blobs.data;
    let (n, d, k) = (x.n_rows(), x.n_cols(), 4);
    let est = Estimator::new(Gaussian::full(), k)
        .init(Init::Random)
        .seed(11);
    let start = est.initialise(x).unwrap();
    // Every row's responsibilities are uniform draws normalised: each component gets about 1/K
    // of the weight and a mean near the data's mean.
    let grand: Vec<f64> = (0..d)
        .map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n as f64)
        .collect();
    for c in 0..k {
        assert!(
            (start.weights()[c] - 0.25).abs() < 0.02,
            "{:?}",
            start.weights()
        );
        for j in 0..d {
            assert!(
                (start.means().get(c, j) - grand[j]).abs() < 0.05,
                "{:?}",
                start.means()
            );
        }
    }
    assert_ne!(
        start.means(),
        est.clone().seed(12).initialise(x).unwrap().means(),
        "another seed, other draws"
    );
    // The same numbers on 1 and 2 threads, in memory or streamed, after a whole fit with three
    // restarts.
    let fit = |threads: usize, block_rows: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let est = est.clone().block_rows(block_rows).n_init(3).max_iter(20);
        pool.install(|| {
            let memory = est.fit(x).unwrap();
            let streamed = est
                .fit_with(
                    Input::Stream {
                        x: &mut mixture::core::MatrixSource::new(x),
                        w: None,
                    },
                    None,
                    &mut mixture::core::Silent,
                )
                .unwrap();
            assert_eq!(memory.mixture.means(), streamed.mixture.means());
            (memory.mixture.means(), memory.report.log_likelihood)
        })
    };
    let reference = fit(1, 64);
    assert_eq!(fit(2, 64), reference);
    // Other blocks sum in another order, but draw the same responsibilities.
    let (means, _) = fit(2, 100_000);
    for (a, b) in means.as_slice().iter().zip(reference.0.as_slice()) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    // And it is a start E-M can leave: the fit reaches the k-means start's optimum.
    let three = Estimator::new(Gaussian::full(), 3).max_iter(500).tol(1e-10);
    let from_random = three.clone().init(Init::Random).n_init(3).fit(x).unwrap();
    let from_kmeans = three.fit(x).unwrap();
    let gap = (from_kmeans.report.log_likelihood - from_random.report.log_likelihood).abs();
    assert!(
        gap < 1e-6 * from_kmeans.report.log_likelihood.abs(),
        "{gap}"
    );
}

/// 300 rows of two clusters in 5 dimensions, and 3 near-duplicate rows far away: a full
/// covariance on those 3 rows explains them almost perfectly, a spurious solution.
fn planted_spurious() -> RowMatrix<f64> {
    let g = GaussianMixtureGenerator::random(2, 5, 6.0, 3).unwrap();
    let mut values = g.generate::<f64>(300, 4).unwrap().data.into_vec();
    for i in 0..3 {
        values.extend((0..5).map(|j| 60.0 + 1e-4 * (i * 5 + j) as f64));
    }
    RowMatrix::new(values, 5).unwrap()
}

#[test]
fn spurious_components_are_flagged_and_runs_without_them_preferred() {
    use mixture::core::{DegeneratePolicy, SpuriousPolicy, chunked::DegenerateReason};
    let x = planted_spurious();
    // One run that sits a component on the three far rows: flagged in the report and the trace.
    let mut trace = Vec::new();
    let one = Estimator::new(Gaussian::full(), 3)
        .seed(1)
        .fit_with(&x, None, &mut TraceWriter::new(&mut trace))
        .unwrap();
    let flagged = &one.report.suspect;
    assert_eq!(flagged.len(), 1, "{:?}", one.report.suspect);
    assert!((flagged[0].effective_rows - 3.0).abs() < 0.01);
    assert_eq!(flagged[0].rows_needed, 6.0);
    assert_eq!(one.report.runs[0].suspect, 1);
    let trace = String::from_utf8(trace).unwrap();
    assert!(trace.contains("Warning: 1 suspect component(s)"), "{trace}");
    // With restarts, a run without suspect components is preferred to a better-scoring one
    // with.
    let many = Estimator::new(Gaussian::full(), 3)
        .seed(1)
        .n_init(8)
        .init(Init::RandomRows)
        .fit(&x)
        .unwrap();
    let runs = &many.report.runs;
    assert!(runs.iter().any(|r| r.suspect > 0) && runs.iter().any(|r| r.suspect == 0));
    assert!(many.report.suspect.is_empty());
    let best_sound = runs
        .iter()
        .filter(|r| r.suspect == 0)
        .map(|r| r.log_likelihood)
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(many.report.log_likelihood, best_sound);
    // Handed to the degenerate policy: dropped (K shrinks), or an error naming it.
    let dropped = Estimator::new(Gaussian::full(), 3)
        .seed(1)
        .on_spurious(SpuriousPolicy::Degenerate)
        .on_degenerate(DegeneratePolicy::Drop)
        .fit(&x)
        .unwrap();
    assert!(dropped.report.suspect.is_empty());
    assert_eq!(dropped.mixture.n_components(), 2);
    assert!(
        dropped
            .report
            .degenerate
            .iter()
            .any(|e| e.reason == DegenerateReason::TooFewRows)
    );
    let refused = Estimator::new(Gaussian::full(), 3)
        .seed(1)
        .on_spurious(SpuriousPolicy::Degenerate)
        .on_degenerate(DegeneratePolicy::Error)
        .fit(&x);
    assert!(matches!(
        refused,
        Err(MixtureError::SpuriousComponent { rows_needed, .. }) if rows_needed == 6.0
    ));
}

#[test]
fn with_the_reseed_policy_more_components_than_distinct_rows_keep_k_and_are_flagged() {
    // scikit-learn fits K beyond the distinct rows when regularised; so do we, by default,
    // and the report says which components the data do not support.
    let x = twelve_rows_seven_distinct();
    for init in [Init::KMeansPlusPlus, Init::Hierarchical, Init::RandomRows] {
        let fit = Estimator::new(Gaussian::diagonal(), 10)
            .init(init)
            .fit(&x)
            .unwrap();
        assert_eq!(fit.mixture.n_components(), 10, "{init}");
        assert!(fit.report.log_likelihood.is_finite());
        let ll = fit.mixture.log_likelihood(&x).unwrap();
        assert_eq!(ll, fit.report.log_likelihood);
        // Seven distinct rows, ten components: at least three hold less than a row each.
        assert!(
            fit.report.suspect.len() >= 3,
            "{init}: {:?}",
            fit.report.suspect
        );
    }
    // Without regularisation the components on collapsed rows cannot be formed: the family's
    // error, naming reg_covar.
    let err = Estimator::new(Gaussian::diagonal().with_reg_covar(0.0), 10)
        .fit(&x)
        .unwrap_err();
    assert!(
        matches!(err, MixtureError::ParametersNotFormed { .. })
            && err.to_string().contains("reg_covar"),
        "{err}"
    );
}

#[test]
fn with_the_drop_policy_more_components_than_distinct_rows_drop_to_what_the_data_support() {
    use mixture::core::{
        DegeneratePolicy,
        chunked::{DegenerateAction, DegenerateReason},
    };
    // 12 rows, 7 of them distinct; K = 10.
    let x = twelve_rows_seven_distinct();
    let refused = Estimator::new(Gaussian::diagonal(), 10)
        .on_degenerate(DegeneratePolicy::Error)
        .fit(&x);
    assert!(matches!(
        refused,
        Err(MixtureError::TooFewDistinctRows { n_distinct: 7, .. })
    ));
    let dropped = Estimator::new(Gaussian::diagonal(), 10)
        .on_degenerate(DegeneratePolicy::Drop)
        .fit(&x)
        .unwrap();
    assert!(dropped.mixture.n_components() <= 7);
    let at_start: Vec<_> = dropped
        .report
        .degenerate
        .iter()
        .filter(|e| e.iteration == 0 && e.reason == DegenerateReason::Empty)
        .collect();
    assert_eq!(at_start.len(), 3, "{:?}", dropped.report.degenerate);
    assert!(
        at_start
            .iter()
            .all(|e| e.action == DegenerateAction::Dropped)
    );
    assert!(dropped.report.log_likelihood.is_finite());
}
