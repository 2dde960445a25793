//! Every bad input gets a typed error, every degenerate fit a policy, and nothing is NaN:
//! table-driven over the families, plus scale, offset and f32 checks.

mod common;

use mixture::bern::{Bernoulli, bernoulli_mixture};
use mixture::core::{
    Components, DegeneratePolicy, Estimator, Family, Init, Mixture, MixtureError, RowMatrix, Rows,
    Scalar,
    chunked::{DegenerateAction, DegenerateReason},
    limits::MIN_COMPONENT_WEIGHT,
};
use mixture::datagen::{GaussianMixtureGenerator, lesson_blobs};
use mixture::exp::{Exponential, exponential_mixture};
use mixture::gauss::{CovarianceType, Gaussian, gaussian_mixture};
use proptest::prelude::*;

/// Data in every family's domain: values in [0, 1].
fn unit_data(n: usize, d: usize) -> Vec<f64> {
    (0..n * d)
        .map(|i| ((i * 7919) % 101) as f64 / 100.0)
        .collect()
}

/// Runs `check` with an estimator of each family and covariance type.
fn for_each_family(
    k: usize,
    mut check: impl FnMut(&str, &dyn Fn(Rows<'_, f64>) -> Result<f64, MixtureError>),
) {
    fn fit<F: Family<f64>>(e: &Estimator<F>, x: Rows<'_, f64>) -> Result<f64, MixtureError> {
        let m = e.fit(x)?;
        let ll = m.mixture.log_likelihood(x)?;
        assert!(ll.is_finite());
        assert!(m.mixture.means().as_slice().iter().all(|v| v.is_finite()));
        Ok(ll)
    }
    for kind in [
        CovarianceType::Full,
        CovarianceType::Diagonal,
        CovarianceType::Spherical,
        CovarianceType::Tied,
    ] {
        let g = Estimator::new(Gaussian::new(kind), k);
        check(kind.name(), &|x| fit(&g, x));
    }
    let b = Estimator::new(Bernoulli::new(), k);
    let e = Estimator::new(Exponential::new(), k);
    check("bernoulli", &|x| fit(&b, x));
    check("exponential", &|x| fit(&e, x));
}

/// A name, data, columns, K, and the error expected.
type Case = (
    &'static str,
    Vec<f64>,
    usize,
    usize,
    Box<dyn Fn(&MixtureError) -> bool>,
);

#[test]
fn invalid_data_is_a_typed_error_for_every_family() {
    let ok = unit_data(20, 3);
    let cases: Vec<Case> = vec![
        (
            "empty",
            vec![],
            3,
            2,
            Box::new(|e| matches!(e, MixtureError::EmptyData { n_rows: 0, .. })),
        ),
        (
            "NaN",
            {
                let mut v = ok.clone();
                v[3 * 4 + 2] = f64::NAN;
                v
            },
            3,
            2,
            Box::new(|e| matches!(e, MixtureError::NonFinite { row: 4, col: 2, .. })),
        ),
        (
            "+inf",
            {
                let mut v = ok.clone();
                v[0] = f64::INFINITY;
                v
            },
            3,
            2,
            Box::new(|e| matches!(e, MixtureError::NonFinite { row: 0, col: 0, .. })),
        ),
        (
            "-inf",
            {
                let mut v = ok.clone();
                v[59] = f64::NEG_INFINITY;
                v
            },
            3,
            2,
            Box::new(|e| {
                matches!(
                    e,
                    MixtureError::NonFinite {
                        row: 19,
                        col: 2,
                        ..
                    }
                )
            }),
        ),
        (
            "K = 0",
            ok.clone(),
            3,
            0,
            Box::new(|e| *e == MixtureError::ZeroComponents),
        ),
        (
            "K > N",
            ok.clone(),
            3,
            21,
            Box::new(|e| {
                matches!(
                    e,
                    MixtureError::TooFewRows {
                        n_components: 21,
                        n_rows: 20
                    }
                )
            }),
        ),
    ];
    for (name, data, d, k, expected) in cases {
        for_each_family(k, |family, fit| {
            let err = fit(Rows::new(&data, d).unwrap()).expect_err(name);
            assert!(expected(&err), "{family}, {name}: {err:?}");
            assert!(!err.to_string().is_empty());
        });
    }
    // K beyond the distinct rows: every family fits, K kept (the default re-seed policy;
    // scikit-learn's behaviour when regularised).
    let two_distinct = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0].repeat(5);
    for_each_family(3, |family, fit| {
        if let Err(e) = fit(Rows::new(&two_distinct, 2).unwrap()) {
            panic!("{family}: {e}");
        }
    });
    assert_eq!(
        Rows::new(&ok, 0),
        Err(MixtureError::Shape { len: 60, n_cols: 0 })
    );
    assert!(matches!(
        RowMatrix::from_rows(&[vec![1.0, 2.0], vec![3.0]]),
        Err(MixtureError::RaggedRow {
            row: 1,
            len: 1,
            expected: 2
        })
    ));
}

#[test]
fn values_outside_a_family_domain_are_named() {
    let mut data = unit_data(20, 3);
    data[7] = 1.5;
    let x = Rows::new(&data, 3).unwrap();
    assert!(Estimator::new(Gaussian::full(), 2).fit(x).is_ok());
    assert!(matches!(
        Estimator::new(Bernoulli::new(), 2).fit(x),
        Err(MixtureError::OutOfDomain { row: 2, col: 1, .. })
    ));
    data[7] = -1e-300;
    let x = Rows::new(&data, 3).unwrap();
    assert!(matches!(
        Estimator::new(Exponential::new(), 2).fit(x),
        Err(MixtureError::OutOfDomain { row: 2, col: 1, .. })
    ));
}

#[test]
fn invalid_options_are_named() {
    let data = unit_data(20, 2);
    let x = Rows::new(&data, 2).unwrap();
    fn name<C: std::fmt::Debug>(r: Result<C, MixtureError>) -> &'static str {
        match r {
            Err(MixtureError::InvalidOption { name, .. }) => name,
            other => panic!("expected an invalid option, got {other:?}"),
        }
    }
    let g = || Estimator::new(Gaussian::full(), 2);
    assert_eq!(name(g().tol(-1e-3).fit(x)), "tol");
    assert_eq!(name(g().tol(f64::INFINITY).fit(x)), "tol");
    assert_eq!(name(g().n_init(0).fit(x)), "n_init");
    assert_eq!(name(g().block_rows(0).fit(x)), "block_rows");
    assert_eq!(
        name(Estimator::new(Gaussian::full().with_reg_covar(f64::NAN), 2).fit(x)),
        "reg_covar"
    );
    assert_eq!(
        name(Estimator::new(Gaussian::full().with_relative_reg_covar(-1.0), 2).fit(x)),
        "relative_reg_covar"
    );
    assert_eq!(
        name(Estimator::new(Bernoulli::new().with_prior(1.0, f64::NAN), 2).fit(x)),
        "beta"
    );
    assert_eq!(
        name(Estimator::new(Exponential::new().with_min_mean(-1.0), 2).fit(x)),
        "min_mean"
    );
    // A huge max_iter is not an overflow: the fit converges and stops.
    let m = g().max_iter(usize::MAX).fit(x).unwrap();
    assert!(m.report.converged);
}

#[test]
fn a_fitted_model_checks_what_it_is_given() {
    let data = unit_data(30, 2);
    let x = Rows::new(&data, 2).unwrap();
    let m = Estimator::new(Gaussian::full(), 2).fit(x).unwrap();
    let three = unit_data(4, 3);
    let y = Rows::new(&three, 3).unwrap();
    let mismatch = MixtureError::DimensionMismatch {
        expected: 2,
        found: 3,
    };
    assert_eq!(m.mixture.log_likelihood(y).unwrap_err(), mismatch);
    assert_eq!(m.mixture.log_likelihood_per_row(y).unwrap_err(), mismatch);
    assert_eq!(m.mixture.score(y).unwrap_err(), mismatch);
    assert_eq!(m.mixture.predict(y).unwrap_err(), mismatch);
    assert_eq!(m.mixture.predict_proba(y).unwrap_err(), mismatch);
    assert_eq!(m.mixture.bic(y).unwrap_err(), mismatch);
    assert_eq!(m.mixture.aic(y).unwrap_err(), mismatch);
    assert!(matches!(
        m.mixture.marginal(&[0, 0]),
        Err(MixtureError::InvalidOption { name: "dims", .. })
    ));
    assert!(matches!(
        m.mixture.marginal(&[2]),
        Err(MixtureError::InvalidOption { name: "dims", .. })
    ));
    assert_eq!(
        m.mixture.sample(0, &mut common::rng(1)).unwrap().0.n_rows(),
        0
    );
    // Starting parameters of another shape.
    let start3 = Estimator::new(Gaussian::full(), 3).fit(x).unwrap();
    assert!(matches!(
        Estimator::new(Gaussian::full(), 2).fit_from(&start3, x),
        Err(MixtureError::InvalidParameters { .. })
    ));
    assert!(matches!(
        Estimator::new(Gaussian::full(), 2).fit_from(&m, y),
        Err(MixtureError::DimensionMismatch { .. })
    ));
    // Invalid parameters.
    assert!(
        gaussian_mixture::<f64>(
            &[0.5, 0.5],
            Rows::new(&[0.0, 1.0], 1).unwrap(),
            &[1.0, f64::NAN]
        )
        .is_err()
    );
    assert!(
        gaussian_mixture::<f64>(&[0.6, 0.6], Rows::new(&[0.0, 1.0], 1).unwrap(), &[1.0, 1.0])
            .is_err()
    );
    assert!(bernoulli_mixture::<f64>(&[1.0], Rows::new(&[f64::NAN], 1).unwrap()).is_err());
    assert!(exponential_mixture::<f64>(&[1.0], Rows::new(&[f64::INFINITY], 1).unwrap()).is_err());
}

/// Two well-separated clumps and a start whose third component sits far away: it loses all
/// its rows in the first E-step.
fn lost_component_case() -> (
    RowMatrix<f64>,
    Mixture<f64, mixture::gauss::GaussianComponents<f64>>,
) {
    let rows: Vec<[f64; 2]> = (0..100)
        .map(|i| {
            let t = i as f64 * 0.37;
            if i % 2 == 0 {
                [t.sin(), t.cos()]
            } else {
                [10.0 + t.cos(), 10.0 + t.sin()]
            }
        })
        .collect();
    let start = gaussian_mixture(
        &[0.45, 0.45, 0.1],
        Rows::new(&[0.0, 0.0, 10.0, 10.0, 1e4, 1e4], 2).unwrap(),
        &[1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1e-4, 0.0, 0.0, 1e-4],
    )
    .unwrap();
    (RowMatrix::from_rows(&rows).unwrap(), start)
}

#[test]
fn a_component_that_loses_its_rows_follows_the_policy() {
    let (x, start) = lost_component_case();
    let est = Estimator::new(Gaussian::full(), 3).max_iter(20);
    // Error: names the component.
    let err = est
        .clone()
        .on_degenerate(DegeneratePolicy::Error)
        .fit_from(&start, &x)
        .unwrap_err();
    assert!(
        matches!(
            err,
            MixtureError::EmptyComponent { component: 2, weight, minimum }
                if weight < minimum && minimum == MIN_COMPONENT_WEIGHT
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("component 2"));
    // Re-seed (the default): K stays, the event is reported, everything finite.
    let m = est.clone().fit_from(&start, &x).unwrap();
    assert_eq!(m.mixture.n_components(), 3);
    let events = &m.report.degenerate;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].component, events[0].reason),
        (2, DegenerateReason::Empty)
    );
    assert!(matches!(
        events[0].action,
        DegenerateAction::Reseeded { .. }
    ));
    assert!(m.mixture.log_likelihood(&x).unwrap().is_finite());
    assert!(
        m.mixture
            .weights()
            .iter()
            .all(|w| w.is_finite() && *w > 0.0)
    );
    // Drop: K shrinks to 2 and the fit is the two clumps.
    let m = est
        .on_degenerate(DegeneratePolicy::Drop)
        .fit_from(&start, &x)
        .unwrap();
    assert_eq!(m.mixture.n_components(), 2);
    assert_eq!(m.report.degenerate[0].action, DegenerateAction::Dropped);
    let mut means: Vec<f64> = m.mixture.means().as_slice().to_vec();
    means.sort_by(f64::total_cmp);
    assert!(
        (means[0]).abs() < 0.5 && (means[3] - 10.0).abs() < 0.5,
        "{means:?}"
    );
}

#[test]
fn every_covariance_type_handles_a_lost_component() {
    let (x, start) = lost_component_case();
    for kind in [
        CovarianceType::Diagonal,
        CovarianceType::Spherical,
        CovarianceType::Tied,
    ] {
        let typed = mixture::gauss::GaussianComponents::with_type(
            start.components().means(),
            &match kind {
                CovarianceType::Diagonal => vec![1.0, 1.0, 1.0, 1.0, 1e-4, 1e-4],
                CovarianceType::Spherical => vec![1.0, 1.0, 1e-4],
                _ => vec![1.0, 0.0, 0.0, 1.0],
            },
            kind,
        )
        .unwrap();
        let start = Mixture::from_parts(start.weights(), typed).unwrap();
        for policy in [DegeneratePolicy::Reseed, DegeneratePolicy::Drop] {
            let m = Estimator::new(Gaussian::new(kind), 3)
                .on_degenerate(policy)
                .max_iter(10)
                .fit_from(&start, &x)
                .unwrap();
            assert_eq!(m.mixture.components().covariance_type(), kind);
            assert!(
                m.mixture.log_likelihood(&x).unwrap().is_finite(),
                "{kind:?} {policy:?}"
            );
            assert!(!m.report.degenerate.is_empty(), "{kind:?} {policy:?}");
        }
    }
}

#[test]
fn every_family_handles_a_lost_component() {
    // Bernoulli and exponential starts with one hopeless component.
    let data = unit_data(60, 3)
        .iter()
        .map(|v| if *v > 0.5 { 1.0 } else { 0.0 })
        .collect::<Vec<_>>();
    let x = Rows::new(&data, 3).unwrap();
    let bern = bernoulli_mixture(
        &[0.5, 0.5 - 1e-300, 1e-300],
        Rows::new(&[0.5, 0.5, 0.5, 0.3, 0.6, 0.4, 0.5, 0.5, 0.5], 3).unwrap(),
    )
    .unwrap();
    let pos: Vec<f64> = unit_data(60, 3);
    let y = Rows::new(&pos, 3).unwrap();
    let expo = exponential_mixture(
        &[0.5, 0.5 - 1e-300, 1e-300],
        Rows::new(&[1.0, 2.0, 1.0, 3.0, 1.0, 1.0, 1e10, 1e10, 1e10], 3).unwrap(),
    )
    .unwrap();
    for policy in [
        DegeneratePolicy::Reseed,
        DegeneratePolicy::Drop,
        DegeneratePolicy::Error,
    ] {
        let b = Estimator::new(Bernoulli::new(), 3)
            .on_degenerate(policy)
            .max_iter(10)
            .fit_from(&bern, x);
        let e = Estimator::new(Exponential::new(), 3)
            .on_degenerate(policy)
            .max_iter(10)
            .fit_from(&expo, y);
        match policy {
            DegeneratePolicy::Error => {
                assert!(
                    matches!(b, Err(MixtureError::EmptyComponent { component: 2, .. })),
                    "{b:?}"
                );
                assert!(
                    matches!(e, Err(MixtureError::EmptyComponent { component: 2, .. })),
                    "{e:?}"
                );
            }
            _ => {
                let (b, e) = (b.unwrap(), e.unwrap());
                let k = if policy == DegeneratePolicy::Drop {
                    2
                } else {
                    3
                };
                assert_eq!((b.mixture.n_components(), e.mixture.n_components()), (k, k));
                assert!(
                    b.mixture.log_likelihood(x).unwrap().is_finite()
                        && e.mixture.log_likelihood(y).unwrap().is_finite()
                );
            }
        }
    }
}

#[test]
fn duplicate_rows_and_constant_columns_stay_finite() {
    // Three distinct points, each repeated: components collapse onto points.
    let pts = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]];
    let rows: Vec<[f64; 2]> = (0..90).map(|i| pts[i % 3]).collect();
    let x = RowMatrix::from_rows(&rows).unwrap();
    for reg in [1e-6, 0.0] {
        for policy in [DegeneratePolicy::Reseed, DegeneratePolicy::Drop] {
            let r = Estimator::new(Gaussian::full().with_reg_covar(reg), 3)
                .on_degenerate(policy)
                .max_iter(15)
                .fit(&x);
            match r {
                Ok(m) => {
                    assert!(
                        m.mixture.log_likelihood(&x).unwrap().is_finite(),
                        "reg {reg} {policy:?}"
                    );
                    assert!(
                        m.mixture
                            .components()
                            .covariance_parameters()
                            .iter()
                            .all(|v| v.is_finite())
                    );
                }
                // Without regularisation a point has no covariance, and pooling cannot help
                // when every component is a point: the error says what to change.
                Err(e) => {
                    assert_eq!(reg, 0.0, "{e:?}");
                    assert!(
                        matches!(e, MixtureError::ParametersNotFormed { .. }),
                        "{e:?}"
                    );
                    assert!(e.to_string().contains("raise reg_covar"));
                }
            }
        }
    }
    // A constant column: the default regularisation handles it; none is an error naming the
    // component; a relative regularisation handles it whatever the units.
    let rows: Vec<[f64; 2]> = (0..50).map(|i| [i as f64 * 1e-9, 3.0]).collect();
    let x = RowMatrix::from_rows(&rows).unwrap();
    assert!(Estimator::new(Gaussian::full(), 2).fit(&x).is_ok());
    assert!(matches!(
        Estimator::new(Gaussian::full().with_reg_covar(0.0), 2).fit(&x),
        Err(MixtureError::ParametersNotFormed { .. })
    ));
    assert!(
        Estimator::new(Gaussian::full().with_relative_reg_covar(1e-6), 2)
            .fit(&x)
            .is_ok()
    );
}

/// The lesson's data scaled by `scale` and shifted by `offset`, fitted with a regularisation
/// relative to the data, against the unit-scale fit transformed the same way.
fn check_equivariance<T: Scalar>(scale: f64, offset: f64) {
    let blobs = lesson_blobs::<f64>(200, 69).unwrap();
    let unit: RowMatrix<T> = blobs.data.map(|&v| T::cast(v));
    let moved: RowMatrix<T> = blobs.data.map(|&v| T::cast(v * scale + offset));
    let est = Estimator::new(Gaussian::full().with_relative_reg_covar(1e-6), 3)
        .init(Init::RandomRows)
        .seed(69);
    let a = est.fit(&unit).unwrap();
    let b = est.fit(&moved).unwrap();
    assert_eq!(
        a.mixture.predict(&unit).unwrap(),
        b.mixture.predict(&moved).unwrap(),
        "{} ×{scale} +{offset}: labels",
        T::NAME
    );
    let (ma, mb) = (a.mixture.means(), b.mixture.means());
    let tol = if T::NAME == "f32" { 1e-4 } else { 1e-6 };
    for (u, v) in ma.as_slice().iter().zip(mb.as_slice()) {
        let back = (v.as_f64() - offset) / scale;
        assert!(
            (back - u.as_f64()).abs() <= tol * u.as_f64().abs().max(0.1),
            "{} ×{scale} +{offset}: {back} vs {u}",
            T::NAME
        );
    }
    let (ca, cb) = (
        a.mixture.components().covariance_parameters(),
        b.mixture.components().covariance_parameters(),
    );
    for (u, v) in ca.iter().zip(cb) {
        assert!(
            (v.as_f64() / (scale * scale) - u.as_f64()).abs() <= tol * 0.2,
            "{} covariance",
            T::NAME
        );
    }
}

#[test]
fn tiny_huge_and_offset_data_fit_like_unit_data() {
    for scale in [1e-8, 1e8] {
        check_equivariance::<f64>(scale, 0.0);
        check_equivariance::<f32>(scale, 0.0);
    }
    check_equivariance::<f64>(1.0, 1e6);
}

#[test]
fn f32_matches_f64_on_a_million_rows() {
    let g = GaussianMixtureGenerator::random(3, 4, 4.0, 5).unwrap();
    let x64 = g.generate::<f64>(1_000_000, 6).unwrap().data;
    let x32 = x64.map(|&v| v as f32);
    let start64 = Estimator::new(Gaussian::full(), 3)
        .max_iter(0)
        .seed(1)
        .fit(&x64)
        .unwrap();
    let means: Vec<f32> = start64
        .mixture
        .means()
        .as_slice()
        .iter()
        .map(|&v| v as f32)
        .collect();
    let covs: Vec<f32> = start64
        .mixture
        .components()
        .covariance_parameters()
        .iter()
        .map(|&v| v as f32)
        .collect();
    let start32 = gaussian_mixture(
        start64.mixture.weights(),
        Rows::new(&means, 4).unwrap(),
        &covs,
    )
    .unwrap();
    let est = Estimator::new(Gaussian::full(), 3).tol(0.0).max_iter(5);
    let a = est.fit_from(&start64, &x64).unwrap();
    let b = est.fit_from(&start32, &x32).unwrap();
    let (la, lb) = (a.report.log_likelihood, b.report.log_likelihood);
    assert!((la - lb).abs() <= 1e-5 * la.abs(), "f64 {la} vs f32 {lb}");
    for (u, v) in a
        .mixture
        .means()
        .as_slice()
        .iter()
        .zip(b.mixture.means().as_slice())
    {
        assert!((u - f64::from(*v)).abs() <= 1e-4 * u.abs().max(1.0));
    }
}

/// A value that may be anything a user could pass.
fn any_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -3.0..3.0f64,
        1 => Just(0.0),
        1 => Just(1.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(1e300),
        1 => Just(-1e-300),
        1 => prop::num::f64::ANY,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary shapes, values and options: a finite model or a typed error, never a panic.
    #[test]
    fn the_public_api_never_panics(
        n in 0usize..30, d in 1usize..4, k in 0usize..5,
        values in prop::collection::vec(any_value(), 0..120),
        tol in prop_oneof![Just(-1.0), Just(0.0), Just(1e-3), Just(f64::NAN), Just(1e300)],
        max_iter in 0usize..6, n_init in 0usize..3, seed in any::<u64>(),
        family in 0usize..3, policy in 0usize..3, init in 0usize..3,
        reg in prop_oneof![Just(-1.0), Just(0.0), Just(1e-6), Just(f64::NAN)],
    ) {
        let data: Vec<f64> = values.iter().copied().cycle().take(n * d).collect();
        let data = if values.is_empty() { vec![] } else { data };
        let x = Rows::new(&data, d).unwrap();
        let policy = [DegeneratePolicy::Reseed, DegeneratePolicy::Drop, DegeneratePolicy::Error][policy];
        let init = [Init::RandomRows, Init::KMeansPlusPlus, Init::KMeans][init];
        fn check<F: Family<f64>>(f: F, k: usize, x: Rows<'_, f64>, o: (f64, usize, usize, u64, DegeneratePolicy, Init)) -> Result<(), TestCaseError> {
            let est = Estimator::new(f, k).tol(o.0).max_iter(o.1).n_init(o.2).seed(o.3).on_degenerate(o.4).init(o.5);
            if let Ok(m) = est.fit(x) {
                prop_assert!(m.report.log_likelihood.is_finite());
                prop_assert!(m.mixture.weights().iter().all(|w| w.is_finite()));
                let mut means = vec![0.0; m.mixture.n_components() * m.mixture.n_features()];
                m.mixture.components().write_means(&mut means);
                prop_assert!(means.iter().all(|v| v.is_finite()));
                if let Ok(ll) = m.mixture.log_likelihood(x) { prop_assert!(ll.is_finite()); }
                let _ = m.mixture.predict_proba(x);
                let _ = m.mixture.sample(3, &mut common::rng(o.3));
            }
            Ok(())
        }
        let o = (tol, max_iter, n_init, seed, policy, init);
        match family {
            0 => check(Gaussian::full().with_reg_covar(reg), k, x, o)?,
            1 => check(Bernoulli::new(), k, x, o)?,
            _ => check(Exponential::new(), k, x, o)?,
        }
    }
}

/// `Components::marginal` is public: bad feature lists are typed errors in every family and
/// covariance type, never a panic, and the mixture's marginal says the same.
#[test]
fn marginals_over_bad_features_are_typed_errors() {
    fn check<C: Components<f64>>(m: &Mixture<f64, C>, name: &str) {
        for dims in [&[2][..], &[0, 5], &[], &[1, 1], &[usize::MAX]] {
            let err = |r: Result<(), MixtureError>| match r {
                Err(MixtureError::InvalidOption { name: "dims", .. }) => {}
                other => panic!("{name} {dims:?}: {other:?}"),
            };
            err(m.components().marginal(dims).map(|_| ()));
            err(m.marginal(dims).map(|_| ()));
        }
        assert!(m.components().marginal(&[1, 0]).is_ok(), "{name}");
    }
    let means = RowMatrix::new(vec![0.0, 0.0, 3.0, 1.0], 2).unwrap();
    for kind in [
        CovarianceType::Full,
        CovarianceType::Diagonal,
        CovarianceType::Spherical,
        CovarianceType::Tied,
    ] {
        let values = match kind {
            CovarianceType::Full => vec![1.0, 0.2, 0.2, 1.0, 2.0, 0.0, 0.0, 1.0],
            CovarianceType::Diagonal => vec![1.0, 2.0, 0.5, 1.0],
            CovarianceType::Spherical => vec![1.0, 2.0],
            _ => vec![1.0, 0.3, 0.3, 2.0],
        };
        let c = mixture::gauss::GaussianComponents::with_type(means.view(), &values, kind).unwrap();
        let m = Mixture::from_parts(&[0.5, 0.5], c).unwrap();
        check(&m, kind.name());
    }
    let p = RowMatrix::new(vec![0.2, 0.7, 0.9, 0.1], 2).unwrap();
    check(
        &bernoulli_mixture(&[0.5, 0.5], p.view()).unwrap(),
        "bernoulli",
    );
    let r = RowMatrix::new(vec![1.0, 2.0, 0.5, 3.0], 2).unwrap();
    check(
        &exponential_mixture(&[0.5, 0.5], r.view()).unwrap(),
        "exponential",
    );
}
