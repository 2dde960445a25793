//! What a careless or hostile caller gives the library: sizes no machine has, data at the
//! edges of the floating-point range, models that are legal but extreme. Typed errors or sound
//! results, never a panic or an abort.

use mixture::bern::Bernoulli;
use mixture::core::{
    Estimator, Init, Mixture, MixtureError, RowMatrix, Rows, family::unit_scale,
    report::MAX_HISTORY,
};
use mixture::datagen::{GaussianMixtureGenerator, lesson_blobs};
use mixture::exp::{Exponential, exponential_mixture};
use mixture::gauss::{Gaussian, gaussian_mixture};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

fn too_large(e: MixtureError) -> String {
    match &e {
        MixtureError::TooLarge { .. } => e.to_string(),
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[test]
fn sizes_no_machine_has_are_errors_not_aborts() {
    let e = RowMatrix::<f64>::try_zeros(usize::MAX, 2, "a test matrix").unwrap_err();
    assert!(too_large(e).contains("a test matrix"));
    let x = lesson_blobs::<f64>(20, 1).unwrap().data;
    let model = Estimator::new(Gaussian::full(), 2).fit(&x).unwrap().mixture;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    for n in [usize::MAX, 1 << 60] {
        let e = model.sample(n, &mut rng).unwrap_err();
        assert!(too_large(e).contains(&format!("{n} samples of 2 features")));
    }
    // One row of a million features: the statistics of a full covariance (K·D² values) are
    // refused before anything is allocated; diagonal ones fit.
    let wide = RowMatrix::new(vec![0.5; 1_000_000], 1_000_000).unwrap();
    let e = Estimator::new(Gaussian::full(), 1).fit(&wide).unwrap_err();
    assert!(too_large(e).contains("1000000 features"));
    // More initialisations than anyone means.
    let e = Estimator::new(Gaussian::full(), 2)
        .n_init(usize::MAX)
        .fit(&x)
        .unwrap_err();
    assert!(
        matches!(e, MixtureError::InvalidOption { name: "n_init", .. }),
        "{e}"
    );
    // Random covariances of 10⁵ features would take D³ work.
    let e = GaussianMixtureGenerator::random(3, 100_000, 4.0, 1).unwrap_err();
    assert!(
        matches!(
            e,
            MixtureError::InvalidOption {
                name: "n_features",
                ..
            }
        ),
        "{e}"
    );
    // Prototype images whose shape overflows.
    let p = RowMatrix::new(vec![0.5; 4], 4).unwrap();
    let e = mixture_plot::prototype_figure(p.view(), &[1.0], (usize::MAX, 2), "t");
    assert!(e.is_err());
}

#[test]
fn the_scale_of_the_data_is_followed_or_named() {
    // Scaled by powers of ten far from 1, the lesson's fit gives the same labels (the
    // initialisation compares distances of rows scaled by a power of two).
    let blobs = lesson_blobs::<f64>(200, 69).unwrap();
    let est = |x: &RowMatrix<f64>| {
        Estimator::new(Gaussian::full().with_relative_reg_covar(1e-6), 3)
            .init(Init::KMeansPlusPlus)
            .seed(69)
            .fit(x)
    };
    let unit = est(&blobs.data).unwrap();
    let labels = unit.mixture.predict(&blobs.data).unwrap();
    for scale in [1e-150, 1e150] {
        let x = blobs.data.map(|&v| v * scale);
        let fit = est(&x).unwrap();
        assert_eq!(fit.mixture.predict(&x).unwrap(), labels, "×{scale}");
        // log p of scaled data = log p of unit data − N·D·ln(scale).
        let expected = unit.report.log_likelihood - 600.0 * 2.0 * scale.ln();
        let got = fit.report.log_likelihood;
        assert!(
            (got - expected).abs() <= 1e-8 * expected.abs(),
            "×{scale}: {got} vs {expected}"
        );
    }
    // Where a variance cannot be held, the message says so and what to do.
    for (scale, problem) in [(1e-300, "underflows"), (1e300, "overflows")] {
        let x = blobs.data.map(|&v| v * scale);
        let e = est(&x).unwrap_err();
        assert!(
            matches!(e, MixtureError::DataScale { problem: p, .. } if p == problem),
            "×{scale}: {e}"
        );
        assert!(e.to_string().contains("rescale the data"), "{e}");
    }
    // Exponential data at 1e-300 fit once min_mean allows them; its default names the problem.
    let positive = blobs.data.map(|&v| (v.abs() + 0.1) * 1e-300);
    let e = Estimator::new(Exponential::new(), 2)
        .fit(&positive)
        .unwrap_err();
    assert!(e.to_string().contains("min_mean"), "{e}");
    let fit = Estimator::new(Exponential::new().with_min_mean(1e-310), 2)
        .fit(&positive)
        .unwrap();
    let back = Estimator::new(Exponential::new(), 2)
        .fit(&blobs.data.map(|&v| v.abs() + 0.1))
        .unwrap();
    let ratio = fit.mixture.means().get(0, 0) / back.mixture.means().get(0, 0);
    assert!((ratio / 1e-300 - 1.0).abs() < 1e-6, "{ratio}");
    assert_eq!(unit_scale(&[1.5f64]), 1.0);
}

#[test]
fn legal_but_extreme_models_sample_finite_values() {
    let rates = [1e-320, 1e-300, 1.0];
    let model = exponential_mixture::<f64>(&[1.0], Rows::new(&rates, 3).unwrap()).unwrap();
    let (s, _) = model
        .sample(1000, &mut ChaCha8Rng::seed_from_u64(3))
        .unwrap();
    assert!(s.as_slice().iter().all(|v| v.is_finite() && *v >= 0.0));
    let rates32 = [1e-40f32, 1.0];
    let model = exponential_mixture::<f32>(&[1.0], Rows::new(&rates32, 2).unwrap()).unwrap();
    let (s, _) = model
        .sample(1000, &mut ChaCha8Rng::seed_from_u64(3))
        .unwrap();
    assert!(s.as_slice().iter().all(|v| v.is_finite()));
}

#[test]
fn a_row_no_component_explains_is_refused_alike_by_score_proba_and_predict() {
    let means = [0.0, 0.0];
    let model: Mixture<f64, _> = gaussian_mixture(
        &[1.0],
        Rows::new(&means, 2).unwrap(),
        &[1e-3, 0.0, 0.0, 1e-3],
    )
    .unwrap();
    let x = RowMatrix::from_rows(&[[0.0, 0.0], [1e200, 0.0]]).unwrap();
    let zero = |e: MixtureError| matches!(e, MixtureError::ZeroDensity { row: 1, .. });
    assert!(zero(model.score(&x).unwrap_err()));
    assert!(zero(model.predict_proba(&x).unwrap_err()));
    assert!(zero(model.predict(&x).unwrap_err()));
    // A Bernoulli model does not explain a 1 where its probability is floored: still finite.
    let b = Estimator::new(Bernoulli::new(), 1)
        .fit(&RowMatrix::from_rows(&[[0.0], [0.0]]).unwrap())
        .unwrap()
        .mixture;
    assert_eq!(
        b.predict(&RowMatrix::from_rows(&[[1.0]]).unwrap()).unwrap(),
        vec![0]
    );
}

#[test]
fn a_fit_of_endless_iterations_keeps_a_bounded_history() {
    let x = RowMatrix::from_rows(&[[0.0], [1.0], [3.0]]).unwrap();
    let max_iter = 2 * MAX_HISTORY + 7;
    let fit = Estimator::new(Gaussian::full(), 1)
        .tol(0.0)
        .max_iter(max_iter)
        .fit(&x)
        .unwrap();
    assert_eq!(fit.report.n_iter, max_iter);
    assert_eq!(fit.report.history.len(), MAX_HISTORY);
    assert_eq!(fit.report.history.last().unwrap().iteration, max_iter - 1);
}

#[test]
fn a_model_of_a_million_components_scores_rows_without_gigabytes_per_block() {
    // 2^20 one-dimensional components: the default blocks of 256 rows would hold 2^28 log-joint
    // values (2 GiB) per thread; blocks shrink to keep a few MiB, and the numbers are the naive
    // formula's.
    let k = 1 << 20;
    let means: Vec<f64> = (0..k).map(|c| c as f64 / k as f64).collect();
    let weights = vec![1.0 / k as f64; k];
    let model = gaussian_mixture(&weights, Rows::new(&means, 1).unwrap(), &vec![1.0; k]).unwrap();
    let x = [0.25, -1.0, 3.5];
    let per_row = model
        .log_likelihood_per_row(Rows::new(&x, 1).unwrap())
        .unwrap();
    for (v, &xi) in per_row.iter().zip(&x) {
        let terms: Vec<f64> = means
            .iter()
            .map(|m| -0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * (xi - m).powi(2))
            .collect();
        let top = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let naive = top + (terms.iter().map(|t| (t - top).exp()).sum::<f64>() / k as f64).ln();
        assert!(
            (v - naive).abs() < 1e-9 * naive.abs(),
            "{v} against {naive}"
        );
    }
    let proba = model.predict_proba(Rows::new(&x, 1).unwrap()).unwrap();
    for i in 0..x.len() {
        let total: f64 = proba.row(i).iter().sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }
}
