//! Parameters held fixed ([`Estimator::hold`]) and partial starts ([`Start::taking`]): held
//! values come back bit for bit, the rest is the constrained maximum-likelihood estimate (a
//! naive formula here), the log-likelihood never decreases, and what cannot be held is refused.

use mixture::bern::Bernoulli;
use mixture::core::{
    Components, DegeneratePolicy, Estimator, Family, Mixture, MixtureError, Parameter,
    ParameterSet, RowMatrix, Start,
};
use mixture::datagen::{
    BernoulliMixtureGenerator, ExponentialMixtureGenerator, GaussianMixtureGenerator,
};
use mixture::exp::Exponential;
use mixture::gauss::{CovarianceType, Gaussian, GaussianComponents};

const TYPES: [CovarianceType; 14] = CovarianceType::ALL;

fn data(n: usize) -> RowMatrix<f64> {
    GaussianMixtureGenerator::random(3, 3, 4.0, 7)
        .unwrap()
        .generate::<f64>(n, 8)
        .unwrap()
        .data
}

/// Weights, means and compact covariances of a Gaussian mixture, as bits.
fn groups<T: mixture::core::Scalar>(m: &Mixture<T, GaussianComponents<T>>) -> [Vec<u64>; 3] {
    let bits = |v: &[T]| v.iter().map(|x| x.as_f64().to_bits()).collect::<Vec<_>>();
    [
        m.weights().iter().map(|w| w.to_bits()).collect(),
        bits(m.components().means().as_slice()),
        bits(m.components().covariance_parameters()),
    ]
}

/// A Gaussian mixture's groups, in the order `groups` lists their bits.
const GAUSSIAN_GROUPS: [Parameter; 3] =
    [Parameter::WEIGHTS, Parameter::MEANS, Parameter::COVARIANCES];

fn every_subset() -> impl Iterator<Item = ParameterSet> {
    (1..8u8).map(|bits| {
        ParameterSet::of(
            &GAUSSIAN_GROUPS
                .into_iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, p)| p)
                .collect::<Vec<_>>(),
        )
    })
}

fn assert_never_decreases(history: &[f64], what: &str) {
    for pair in history.windows(2) {
        let slack = 1e-12 * pair[0].abs();
        assert!(
            pair[1] >= pair[0] - slack,
            "{what}: {} then {}",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn held_gaussian_parameters_come_back_bit_for_bit_and_the_likelihood_never_decreases() {
    let x = data(600);
    for kind in TYPES {
        // A start away from the optimum: the k-means start of another seed after 2 steps.
        let start = Estimator::new(Gaussian::new(kind), 3)
            .seed(3)
            .max_iter(2)
            .fit(&x)
            .unwrap()
            .mixture;
        let free = Estimator::new(Gaussian::new(kind), 3)
            .max_iter(30)
            .tol(0.0)
            .fit_from(&start, &x)
            .unwrap();
        for held in every_subset() {
            let fit = Estimator::new(Gaussian::new(kind), 3)
                .max_iter(30)
                .tol(0.0)
                .hold(held)
                .fit_from(&start, &x)
                .unwrap();
            let what = format!("{kind:?} holding {held}");
            let (before, after) = (groups(&start), groups(&fit.mixture));
            for (g, p) in GAUSSIAN_GROUPS.into_iter().enumerate() {
                if held.contains(p) {
                    assert_eq!(before[g], after[g], "{what}: {} moved", p.name());
                } else {
                    assert_ne!(before[g], after[g], "{what}: {} did not move", p.name());
                }
            }
            let history: Vec<f64> = fit
                .report
                .history
                .iter()
                .map(|r| r.log_likelihood)
                .collect();
            assert_never_decreases(&history, &what);
            // Holding costs likelihood against the free fit from the same start.
            assert!(
                fit.report.log_likelihood <= free.report.log_likelihood + 1e-9,
                "{what}: {} above the free fit's {}",
                fit.report.log_likelihood,
                free.report.log_likelihood
            );
        }
    }
}

#[test]
fn one_step_with_held_means_or_covariances_is_the_constrained_estimate() {
    let x = data(400);
    let (n, d, k) = (x.n_rows(), 3, 3);
    let reg = 1e-6;
    let start = Estimator::new(Gaussian::full(), 3)
        .seed(3)
        .max_iter(1)
        .fit(&x)
        .unwrap()
        .mixture;
    let r = start.predict_proba(&x).unwrap();
    let counts: Vec<f64> = (0..k).map(|c| (0..n).map(|i| r.get(i, c)).sum()).collect();
    let step = |held: ParameterSet| {
        Estimator::new(Gaussian::full(), 3)
            .max_iter(1)
            .hold(held)
            .fit_from(&start, &x)
            .unwrap()
            .mixture
    };
    // Held means: each covariance is the responsibility-weighted scatter about the held mean.
    let held = step(ParameterSet::of(&[Parameter::MEANS]));
    let means = start.means();
    for c in 0..k {
        let fitted = held.components().covariance(c);
        for a in 0..d {
            for b in 0..d {
                let naive = (0..n)
                    .map(|i| {
                        r.get(i, c)
                            * (x.get(i, a) - means.get(c, a))
                            * (x.get(i, b) - means.get(c, b))
                    })
                    .sum::<f64>()
                    / counts[c]
                    + if a == b { reg } else { 0.0 };
                let err = (fitted[a * d + b] - naive).abs() / naive.abs().max(1.0);
                assert!(
                    err < 1e-12,
                    "component {c} ({a}, {b}): {} vs {naive}",
                    fitted[a * d + b]
                );
            }
        }
        assert!((held.weights()[c] - counts[c] / n as f64).abs() < 1e-14);
    }
    // Held covariances: the means are the weighted means of the rows.
    let held = step(ParameterSet::of(&[Parameter::COVARIANCES]));
    for c in 0..k {
        for a in 0..d {
            let naive = (0..n).map(|i| r.get(i, c) * x.get(i, a)).sum::<f64>() / counts[c];
            let fitted = held.means().get(c, a);
            assert!(
                (fitted - naive).abs() < 1e-12 * naive.abs().max(1.0),
                "{fitted} vs {naive}"
            );
        }
    }
}

#[test]
fn held_parameters_in_f32_come_back_bit_for_bit() {
    // Overlapping components and a start from random responsibilities: far from a fixed
    // point even in f32.
    let x = GaussianMixtureGenerator::random(3, 3, 1.0, 7)
        .unwrap()
        .generate::<f32>(500, 8)
        .unwrap()
        .data;
    let start = Estimator::new(Gaussian::diagonal(), 3)
        .init(mixture::core::Init::Random)
        .max_iter(2)
        .fit(&x)
        .unwrap()
        .mixture;
    let held = ParameterSet::of(&[Parameter::WEIGHTS, Parameter::MEANS]);
    let fit = Estimator::new(Gaussian::diagonal(), 3)
        .hold(held)
        .fit_from(&start, &x)
        .unwrap();
    let (before, after) = (groups(&start), groups(&fit.mixture));
    assert_eq!(before[..2], after[..2]);
    assert_ne!(before[2], after[2]);
}

#[test]
fn the_hand_driven_m_step_holds_like_the_fit() {
    let x = data(200); // one block of the fit's 256 rows: the same rounding
    let est = Estimator::new(Gaussian::tied(), 3);
    let start = est.clone().max_iter(2).fit(&x).unwrap().mixture;
    let held = est.clone().hold(ParameterSet::of(&[Parameter::MEANS]));
    let stats = held.e_step(&start, &x, 0).unwrap();
    let e = held.m_step::<f64>(&stats).unwrap_err();
    assert!(
        matches!(e, MixtureError::InvalidOption { name: "held", .. }),
        "{e}"
    );
    let by_hand = held.m_step_holding(&stats, &start).unwrap().mixture;
    let fitted = held.max_iter(1).fit_from(&start, &x).unwrap().mixture;
    assert_eq!(groups(&by_hand), groups(&fitted));
}

/// `estimator` fitted from its own one-iteration fit, holding `held` for 20 iterations: the
/// start, the fit, and the fit's log-likelihood never decreasing.
fn held_fit<F: Family<f64>>(
    estimator: Estimator<F>,
    held: Parameter,
    x: &RowMatrix<f64>,
) -> (Mixture<f64, F::Components>, Mixture<f64, F::Components>) {
    let start = estimator.clone().max_iter(1).fit(x).unwrap().mixture;
    let fit = estimator
        .hold(ParameterSet::of(&[held]))
        .tol(0.0)
        .max_iter(20)
        .fit_from(&start, x)
        .unwrap();
    let history: Vec<f64> = fit
        .report
        .history
        .iter()
        .map(|r| r.log_likelihood)
        .collect();
    assert_never_decreases(&history, held.name());
    (start, fit.mixture)
}

#[test]
fn bernoulli_and_exponential_components_are_held_whole() {
    let generator = BernoulliMixtureGenerator::random(3, 12, 0.1, 5).unwrap();
    let x = generator.generate::<f64>(500, 6).unwrap().data;
    let (start, fit) = held_fit(Estimator::new(Bernoulli::new(), 3), Parameter::MEANS, &x);
    assert_eq!(
        fit.components().parameters(),
        start.components().parameters()
    );
    assert_ne!(fit.weights(), start.weights());

    let generator = ExponentialMixtureGenerator::random(2, 3, 9).unwrap();
    let x = generator.generate::<f64>(500, 6).unwrap().data;
    let (start, fit) = held_fit(
        Estimator::new(Exponential::new(), 2),
        Parameter::WEIGHTS,
        &x,
    );
    assert_eq!(fit.weights(), start.weights());
    assert_ne!(
        fit.components().parameters(),
        start.components().parameters()
    );
    // An exponential has no covariances to hold.
    let e = Estimator::new(Exponential::new(), 2)
        .hold(ParameterSet::of(&[Parameter::COVARIANCES]))
        .fit_from(&start, &x)
        .unwrap_err();
    assert!(
        matches!(&e, MixtureError::UnknownGroup { option: "held", group, family: "exponential", groups }
            if group == "covariances" && groups == "weights, means"),
        "{e}"
    );
    // Nor can a partial start take them.
    let covariances = ParameterSet::of(&[Parameter::COVARIANCES]);
    let e = Estimator::new(Exponential::new(), 2)
        .fit_from(Start::taking(&start, covariances), &x)
        .unwrap_err();
    assert!(
        matches!(
            &e,
            MixtureError::UnknownGroup {
                option: "taking",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn holding_needs_a_start_that_gives_the_held_values_and_no_drop() {
    let x = data(300);
    let means = ParameterSet::of(&[Parameter::MEANS]);
    let est = Estimator::new(Gaussian::full(), 3).hold(means);
    let e = est.fit(&x).unwrap_err();
    assert!(e.to_string().contains("needs a starting model"), "{e}");
    let start = est.initialise(&x).unwrap();
    let e = est
        .clone()
        .on_degenerate(DegeneratePolicy::Drop)
        .fit_from(&start, &x)
        .unwrap_err();
    assert!(
        matches!(
            e,
            MixtureError::InvalidOption {
                name: "on_degenerate",
                ..
            }
        ),
        "{e}"
    );
    let partial = Start::taking(&start, ParameterSet::of(&[Parameter::WEIGHTS]));
    let e = est.fit_from(partial, &x).unwrap_err();
    assert!(e.to_string().contains("partial start"), "{e}");
    let e = est.online::<f64>().partial_fit(&x).unwrap_err();
    assert!(
        matches!(e, MixtureError::InvalidOption { name: "held", .. }),
        "{e}"
    );
}

#[test]
fn a_partial_start_takes_its_groups_and_the_rest_from_each_initialisation() {
    let x = data(600);
    for kind in TYPES {
        let est = Estimator::new(Gaussian::new(kind), 3).seed(11);
        let initial = est.initialise(&x).unwrap();
        // Given: another model's parameters (a different seed's start).
        let given = est.clone().seed(99).max_iter(3).fit(&x).unwrap().mixture;
        for taking in every_subset() {
            let start = est
                .clone()
                .max_iter(0)
                .fit_from(Start::taking(&given, taking), &x)
                .unwrap()
                .mixture;
            let (g, i, s) = (groups(&given), groups(&initial), groups(&start));
            for (j, p) in GAUSSIAN_GROUPS.into_iter().enumerate() {
                let expected = if taking.contains(p) { &g[j] } else { &i[j] };
                assert_eq!(&s[j], expected, "{kind:?} taking {taking}: {}", p.name());
            }
        }
        // n_init runs, each from its own initialisation completed by the given means.
        let fit = est
            .clone()
            .n_init(3)
            .fit_from(
                Start::taking(&given, ParameterSet::of(&[Parameter::MEANS])),
                &x,
            )
            .unwrap();
        assert_eq!(fit.report.runs.len(), 3, "{kind:?}");
    }
}

#[test]
fn a_partial_start_of_the_wrong_covariance_type_is_refused() {
    let x = data(300);
    let diag = Estimator::new(Gaussian::diagonal(), 3)
        .initialise(&x)
        .unwrap();
    let e = Estimator::new(Gaussian::full(), 3)
        .fit_from(
            Start::taking(&diag, ParameterSet::of(&[Parameter::COVARIANCES])),
            &x,
        )
        .unwrap_err();
    assert!(e.to_string().contains("covariances are diag"), "{e}");
}
