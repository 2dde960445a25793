//! The engine's contracts, pinned with a tiny family defined here (unit-variance Gaussians on
//! `FirstMoments`), so that no family crate is needed: the block-by-block statistics path is
//! the fit's, bit for bit and on any thread count; each degenerate policy; both stop rules;
//! `max_iter = 0`; weights; warm starts.

use mixture_core::rand::rngs::ChaCha8Rng;
use mixture_core::rand::{Rng, SeedableRng};
use mixture_core::{
    Components, Data, DegeneratePolicy, Estimator, Family, Init, Input, MatrixSource, Mixture,
    MixtureError, Parameter, ParameterSet, Result, RowMatrix, Rows, Scalar, Silent, SliceSource,
    StopRule,
    chunked::{DegenerateAction, DegenerateReason, MergeTree},
    family::{FirstMoments, check_parameters},
};

/// The test family's parameters: K rows of D means.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct UnitParameters {
    means: Vec<Vec<f64>>,
}

/// K spherical Gaussians of unit variance: only the means are estimated.
#[derive(Debug, Clone, PartialEq)]
struct UnitComponents<T> {
    d: usize,
    means: Vec<T>,
}

impl<T: Scalar> Components<T> for UnitComponents<T> {
    const FAMILY: &'static str = "unit-gaussian";
    const GROUPS: &'static [Parameter] = &[Parameter::MEANS];
    type Parameters = UnitParameters;
    type Rebind<U: Scalar> = UnitComponents<U>;

    fn parameters(&self) -> UnitParameters {
        UnitParameters {
            means: mixture_core::family::widen_rows(Rows::new(&self.means, self.d).unwrap()),
        }
    }

    fn from_parameters(p: &UnitParameters) -> Result<Self> {
        let m = mixture_core::family::parameter_matrix::<T>("means", &p.means)?;
        check_parameters(m.view(), "mean", "means must be finite", f64::is_finite)?;
        Ok(Self {
            d: m.n_cols(),
            means: m.into_vec(),
        })
    }

    fn check_domain(_: Rows<'_, T>) -> Result<()> {
        Ok(())
    }

    fn n_components(&self) -> usize {
        self.means.len() / self.d
    }

    fn n_features(&self) -> usize {
        self.d
    }

    fn log_densities(&self, block: Rows<'_, T>, out: &mut [T], _: &mut Vec<T>) {
        let k = self.n_components();
        let c = T::cast(-0.5 * self.d as f64 * (2.0 * std::f64::consts::PI).ln());
        for (x, o) in block.iter().zip(out.chunks_exact_mut(k)) {
            for (j, mean) in self.means.chunks_exact(self.d).enumerate() {
                let sq = x
                    .iter()
                    .zip(mean)
                    .fold(T::zero(), |s, (&a, &m)| s + (a - m) * (a - m));
                o[j] = c - T::cast(0.5) * sq;
            }
        }
    }

    fn sample_component<R: Rng + ?Sized>(&self, k: usize, rng: &mut R, out: &mut [T]) {
        for (o, &m) in out.iter_mut().zip(&self.means[k * self.d..]) {
            *o = m + T::standard_normal(rng);
        }
    }

    fn with_groups_of(&self, other: &Self, groups: ParameterSet) -> Result<Self> {
        mixture_core::family::take_means(self, other, groups)
    }

    fn n_parameters(&self) -> usize {
        self.means.len()
    }

    fn write_means(&self, out: &mut [T]) {
        out.copy_from_slice(&self.means);
    }

    fn marginal(&self, dims: &[usize]) -> Result<Self> {
        let means = self
            .means
            .chunks_exact(self.d)
            .flat_map(|m| dims.iter().map(move |&j| m[j]))
            .collect();
        Ok(Self {
            d: dims.len(),
            means,
        })
    }
}

/// The family: means are the weighted averages; a component whose weight is below `min_count`
/// cannot be formed (to exercise the "singular" path of the degenerate policy).
#[derive(Debug, Clone, Copy)]
struct Unit {
    min_count: f64,
}

impl<T: Scalar> Family<T> for Unit {
    type Components = UnitComponents<T>;
    type Stats = FirstMoments;
    type Scratch = Vec<T>;

    fn name(&self) -> &'static str {
        "unit-gaussian"
    }

    fn check_options(&self) -> Result<()> {
        Ok(())
    }

    fn new_stats(&self, k: usize, d: usize) -> FirstMoments {
        FirstMoments::new(k, d)
    }

    fn accumulate(&self, block: Rows<'_, T>, resp: &[T], s: &mut FirstMoments, w: &mut Vec<T>) {
        s.accumulate(block, resp, w);
    }

    fn estimate(&self, s: &FirstMoments) -> Result<UnitComponents<T>> {
        let mut means = Vec::new();
        for k in 0..s.n_components() {
            if s.count(k) < self.min_count {
                return Err(MixtureError::ParametersNotFormed {
                    component: k,
                    problem: format!("{} rows are too few", s.count(k)),
                });
            }
            means.extend(s.sum(k).iter().map(|v| T::cast(v / s.count(k))));
        }
        Ok(UnitComponents {
            d: s.n_features(),
            means,
        })
    }
}

const UNIT: Unit = Unit { min_count: 0.0 };

/// `n` rows around three centres in 2-D.
fn clusters(n: usize, seed: u64) -> RowMatrix<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres = [[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]];
    let rows: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let c = centres[i % 3];
            [
                c[0] + f64::standard_normal(&mut rng),
                c[1] + f64::standard_normal(&mut rng),
            ]
        })
        .collect();
    RowMatrix::from_rows(&rows).unwrap()
}

fn start(means: &[[f64; 2]]) -> Mixture<f64, UnitComponents<f64>> {
    let k = means.len();
    let c = UnitComponents {
        d: 2,
        means: means.iter().flatten().copied().collect(),
    };
    Mixture::from_parts(&vec![1.0 / k as f64; k], c).unwrap()
}

fn same_bits(a: &Mixture<f64, UnitComponents<f64>>, b: &Mixture<f64, UnitComponents<f64>>) {
    assert_eq!(a.weights(), b.weights());
    assert_eq!(a.components(), b.components());
}

#[test]
fn blocks_merged_by_a_merge_tree_are_the_fit_on_any_thread_count() {
    // 21 blocks: the tree's last level joins subtrees of unequal sizes.
    let x = clusters(2050, 1);
    let est = Estimator::new(UNIT, 3).block_rows(100).max_iter(4).tol(0.0);
    let start = est.initialise(&x).unwrap();
    let mut model = start.clone();
    for _ in 0..4 {
        let mut tree = MergeTree::new();
        for first in (0..x.n_rows()).step_by(100) {
            let block = x.view().slice_rows(first, (first + 100).min(x.n_rows()));
            tree.push(&est.e_step(&model, block, first).unwrap())
                .unwrap();
        }
        let total = tree.finish().unwrap();
        assert_eq!(total.n_rows(), 2050);
        assert_eq!(total.weight_total(), 2050.0);
        model = est.m_step(&total).unwrap().mixture;
    }
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let fit = pool.install(|| est.fit_from(&start, &x)).unwrap();
        same_bits(&fit.mixture, &model);
        let fresh = pool.install(|| est.fit(&x)).unwrap();
        assert_eq!(fresh.report.n_iter, 4);
        same_bits(&fresh.mixture, &model);
    }
}

#[test]
fn merging_checks_shapes_and_an_m_step_needs_weight() {
    let x = clusters(30, 2);
    let est = Estimator::new(UNIT, 3);
    let m3 = start(&[[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]]);
    let m2 = start(&[[0.0, 0.0], [6.0, 1.0]]);
    let mut a = est.e_step(&m3, &x, 0).unwrap();
    let b = Estimator::new(UNIT, 2).e_step(&m2, &x, 0).unwrap();
    assert!(matches!(
        a.merge(&b),
        Err(MixtureError::IncompatibleStatistics { .. })
    ));
    assert!(matches!(
        est.m_step::<f64>(&est.empty_statistics(&m3)),
        Err(MixtureError::IncompatibleStatistics { .. })
    ));
    // The E-step checks its block like any entry point.
    let bad = RowMatrix::from_rows(&[[0.0, f64::NAN]]).unwrap();
    assert!(matches!(
        est.e_step(&m3, &bad, 0),
        Err(MixtureError::NonFinite { row: 0, col: 1, .. })
    ));
    let wide = RowMatrix::from_rows(&[[0.0, 1.0, 2.0]]).unwrap();
    assert!(matches!(
        est.e_step(&m3, &wide, 0),
        Err(MixtureError::DimensionMismatch { .. })
    ));
}

#[test]
fn max_iter_zero_returns_the_start() {
    let x = clusters(300, 3);
    let est = Estimator::new(UNIT, 3).max_iter(0).seed(5);
    let fit = est.fit(&x).unwrap();
    assert_eq!(fit.report.n_iter, 0);
    assert!(!fit.report.converged);
    same_bits(&fit.mixture, &est.initialise(&x).unwrap());
    let s = start(&[[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]]);
    same_bits(&est.fit_from(&s, &x).unwrap().mixture, &s);
}

#[test]
fn held_weights_and_means_stay_and_partial_starts_fill_in_from_the_initialisation() {
    let x = clusters(600, 6);
    // Unequal weights that the data do not have: held, they stay bit for bit.
    let mut given = start(&[[0.5, 0.0], [6.0, 1.5], [2.0, 6.0]]);
    given = Mixture::from_parts(&[0.5, 0.3, 0.2], given.components().clone()).unwrap();
    let weights = ParameterSet::of(&[Parameter::WEIGHTS]);
    let fit = Estimator::new(UNIT, 3)
        .hold(weights)
        .tol(0.0)
        .max_iter(20)
        .fit_from(&given, &x)
        .unwrap();
    assert_eq!(fit.mixture.weights(), given.weights());
    assert_ne!(fit.mixture.components(), given.components());
    let lls: Vec<f64> = fit
        .report
        .history
        .iter()
        .map(|r| r.log_likelihood)
        .collect();
    assert!(
        lls.windows(2).all(|w| w[1] >= w[0] - 1e-12 * w[0].abs()),
        "{lls:?}"
    );
    // Everything held: the start comes back and the likelihood stays.
    let all = ParameterSet::every(&[Parameter::MEANS]);
    let fit = Estimator::new(UNIT, 3)
        .hold(all)
        .fit_from(&given, &x)
        .unwrap();
    same_bits(&fit.mixture, &given);
    // A partial start: the given means, the weights of the initialisation.
    let est = Estimator::new(UNIT, 3).max_iter(0).seed(4);
    let initial = est.initialise(&x).unwrap();
    let means = ParameterSet::of(&[Parameter::MEANS]);
    let partial = est
        .fit_from(mixture_core::Start::taking(&given, means), &x)
        .unwrap()
        .mixture;
    assert_eq!(partial.weights(), initial.weights());
    assert_eq!(partial.components(), given.components());
}

#[test]
fn both_stop_rules_stop_when_their_change_is_small() {
    let x = clusters(600, 4);
    let est = Estimator::new(UNIT, 3).max_iter(500);
    for (rule, tol) in [(StopRule::LogLikelihood, 1e-9), (StopRule::MeanShift, 1e-7)] {
        let fit = est.clone().stop_rule(rule).tol(tol).fit(&x).unwrap();
        let h = &fit.report.history;
        assert!(fit.report.converged, "{rule:?}");
        assert!(h.len() > 1 && h.len() < 500);
        let last = h.last().unwrap();
        match rule {
            StopRule::LogLikelihood => {
                assert!(last.change.abs() < tol);
                assert!(h[..h.len() - 1].iter().all(|r| r.change.abs() >= tol));
            }
            _ => {
                assert!(last.mean_shift < tol);
                assert!(h[..h.len() - 1].iter().all(|r| r.mean_shift >= tol));
            }
        }
        // E-M never lowers the log-likelihood of this model.
        assert!(
            h.windows(2)
                .all(|w| w[1].log_likelihood >= w[0].log_likelihood - 1e-9)
        );
    }
}

/// Three components of which the third starts far from every row, so it loses them all.
fn lost_component() -> (RowMatrix<f64>, Mixture<f64, UnitComponents<f64>>) {
    (
        clusters(300, 5),
        start(&[[0.0, 0.0], [6.0, 1.0], [1e3, 1e3]]),
    )
}

#[test]
fn an_empty_component_follows_each_policy() {
    let (x, s) = lost_component();
    let est = Estimator::new(UNIT, 3).max_iter(5);
    let err = est
        .clone()
        .on_degenerate(DegeneratePolicy::Error)
        .fit_from(&s, &x)
        .unwrap_err();
    assert!(
        matches!(err, MixtureError::EmptyComponent { component: 2, .. }),
        "{err:?}"
    );
    // Reseed: at the worst-explained row under the model of that iteration.
    let fit = est.clone().fit_from(&s, &x).unwrap();
    let event = fit.report.degenerate[0];
    assert_eq!(
        (event.component, event.reason),
        (2, DegenerateReason::Empty)
    );
    let DegenerateAction::Reseeded { row } = event.action else {
        panic!("{event:?}")
    };
    let worst = s
        .log_likelihood_per_row(&x)
        .unwrap()
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0;
    assert_eq!(row, worst);
    assert_eq!(fit.mixture.n_components(), 3);
    // Drop: K shrinks.
    let fit = est
        .on_degenerate(DegeneratePolicy::Drop)
        .fit_from(&s, &x)
        .unwrap();
    assert_eq!(fit.mixture.n_components(), 2);
    assert_eq!(fit.report.degenerate[0].action, DegenerateAction::Dropped);
}

#[test]
fn a_component_that_cannot_be_formed_follows_each_policy() {
    // A component needs 50 rows of weight; the third gets about 10.
    let x = clusters(300, 6);
    let s = start(&[[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]]);
    let w: Vec<f64> = (0..300)
        .map(|i| if i % 3 == 2 { 0.1 } else { 1.0 })
        .collect();
    let fussy = Unit { min_count: 50.0 };
    let est = Estimator::new(fussy, 3).max_iter(3);
    let err = est
        .clone()
        .on_degenerate(DegeneratePolicy::Error)
        .fit_from(&s, x.weighted(&w))
        .unwrap_err();
    assert!(
        matches!(err, MixtureError::ParametersNotFormed { component: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().starts_with("component 2: 9.99"), "{err}");
    let fit = est
        .clone()
        .on_degenerate(DegeneratePolicy::Drop)
        .fit_from(&s, x.weighted(&w))
        .unwrap();
    assert_eq!(fit.mixture.n_components(), 2);
    assert_eq!(fit.report.degenerate[0].reason, DegenerateReason::Singular);
    // Re-seeding gives it one row, still too few: the policy gives up with the error.
    assert!(matches!(
        est.fit_from(&s, x.weighted(&w)),
        Err(MixtureError::ParametersNotFormed { component: 2, .. })
    ));
}

/// Relative difference of two mixtures' parameters, weights and means.
fn distance(a: &Mixture<f64, UnitComponents<f64>>, b: &Mixture<f64, UnitComponents<f64>>) -> f64 {
    let w = a.weights().iter().zip(b.weights());
    let m = a.components().means.iter().zip(&b.components().means);
    w.chain(m)
        .map(|(x, y)| (x - y).abs() / x.abs().max(y.abs()).max(1e-300))
        .fold(0.0, f64::max)
}

#[test]
fn integer_weights_are_repeated_rows_and_scale_does_not_matter() {
    let x = clusters(500, 7);
    let w: Vec<f64> = (0..500).map(|i| (i % 4) as f64).collect();
    let mut repeated = Vec::new();
    for (row, &wi) in x.iter().zip(&w) {
        for _ in 0..wi as usize {
            repeated.push([row[0], row[1]]);
        }
    }
    let repeated = RowMatrix::from_rows(&repeated).unwrap();
    let s = start(&[[1.0, 1.0], [5.0, 0.0], [2.0, 5.0]]);
    let est = Estimator::new(UNIT, 3).max_iter(20).tol(0.0);
    let weighted = est.fit_from(&s, x.weighted(&w)).unwrap();
    let copies = est.fit_from(&s, &repeated).unwrap();
    assert!(distance(&weighted.mixture, &copies.mixture) < 1e-12);
    let (a, b) = (weighted.report.log_likelihood, copies.report.log_likelihood);
    assert!((a - b).abs() < 1e-12 * a.abs());
    assert_eq!(weighted.report.weight_total, repeated.n_rows() as f64);
    // Weighted scores are those of the repeated rows.
    let m = &weighted.mixture;
    let (sw, sr) = (
        m.score(x.weighted(&w)).unwrap(),
        m.score(&repeated).unwrap(),
    );
    assert!((sw - sr).abs() < 1e-12 * sr.abs());
    let (bw, br) = (m.bic(x.weighted(&w)).unwrap(), m.bic(&repeated).unwrap());
    assert!((bw - br).abs() < 1e-12 * br.abs());
    // Every weight times c: no parameter moves (exactly, for a power of two).
    for c in [0.5, 3.0, 1e-9] {
        let scaled: Vec<f64> = w.iter().map(|v| v * c).collect();
        let fit = est.fit_from(&s, x.weighted(&scaled)).unwrap();
        let d = distance(&fit.mixture, &weighted.mixture);
        if c == 0.5 {
            assert_eq!(d, 0.0);
        } else {
            assert!(d < 1e-12, "c = {c}: {d}");
        }
    }
}

#[test]
fn a_zero_weight_removes_the_row() {
    let x = clusters(400, 8);
    let mut w = vec![1.0; 400];
    let mut kept = Vec::new();
    for (i, row) in x.iter().enumerate() {
        if i % 5 == 0 {
            w[i] = 0.0;
        } else {
            kept.push([row[0], row[1]]);
        }
    }
    let kept = RowMatrix::from_rows(&kept).unwrap();
    let s = start(&[[1.0, 1.0], [5.0, 0.0], [2.0, 5.0]]);
    let est = Estimator::new(UNIT, 3).max_iter(15).tol(0.0);
    let a = est.fit_from(&s, x.weighted(&w)).unwrap();
    let b = est.fit_from(&s, &kept).unwrap();
    assert!(distance(&a.mixture, &b.mixture) < 1e-12);
    assert!((a.report.log_likelihood - b.report.log_likelihood).abs() < 1e-12 * 1e3);
    assert_eq!(a.report.n_samples, 400);
    // Initialisation never picks a row of weight 0, even when only three rows weigh.
    let mut only = vec![0.0; 400];
    for i in [10, 11, 12] {
        only[i] = 1.0;
    }
    for init in [
        Init::RandomRows,
        Init::KMeansPlusPlus,
        Init::KMeans,
        Init::Hierarchical,
    ] {
        let m = Estimator::new(UNIT, 3)
            .init(init)
            .max_iter(0)
            .fit(x.weighted(&only))
            .unwrap()
            .mixture;
        let mut means: Vec<[f64; 2]> = m
            .components()
            .means
            .chunks_exact(2)
            .map(|c| [c[0], c[1]])
            .collect();
        let mut rows: Vec<[f64; 2]> = [10, 11, 12]
            .iter()
            .map(|&i| [x.get(i, 0), x.get(i, 1)])
            .collect();
        means.sort_by(|a, b| a[0].total_cmp(&b[0]));
        rows.sort_by(|a, b| a[0].total_cmp(&b[0]));
        assert_eq!(means, rows, "{init:?}");
    }
}

#[test]
fn bad_weights_are_typed_errors_naming_the_row() {
    let x = clusters(30, 9);
    let est = Estimator::new(UNIT, 3);
    let s = start(&[[0.0, 0.0], [6.0, 1.0], [2.0, 7.0]]);
    let fit = |w: &[f64]| est.fit(x.weighted(w)).map(|_| ());
    let mut w = vec![1.0; 30];
    w[7] = -1.0;
    assert_eq!(
        fit(&w),
        Err(MixtureError::InvalidWeight {
            row: 7,
            value: -1.0
        })
    );
    w[7] = f64::INFINITY;
    assert_eq!(
        fit(&w),
        Err(MixtureError::InvalidWeight {
            row: 7,
            value: f64::INFINITY
        })
    );
    w[7] = f64::NAN;
    assert!(matches!(
        fit(&w),
        Err(MixtureError::InvalidWeight { row: 7, .. })
    ));
    assert_eq!(
        fit(&[0.0; 30]),
        Err(MixtureError::ZeroTotalWeight { n_rows: 30 })
    );
    // Finite weights whose total overflows: no row is to blame, in memory, streamed or scored.
    let huge = [1e308; 30];
    assert_eq!(
        fit(&huge),
        Err(MixtureError::WeightTotalOverflow { n_rows: 30 })
    );
    let mut rows = MatrixSource::new(&x);
    let mut weights = SliceSource::new(&huge);
    let streamed = est.fit_with(
        Input::Stream {
            x: &mut rows,
            w: Some(&mut weights),
        },
        None,
        &mut Silent,
    );
    assert_eq!(
        streamed.map(|_| ()),
        Err(MixtureError::WeightTotalOverflow { n_rows: 30 })
    );
    assert_eq!(
        s.score(x.weighted(&huge)),
        Err(MixtureError::WeightTotalOverflow { n_rows: 30 })
    );
    assert!(
        MixtureError::WeightTotalOverflow { n_rows: 30 }
            .to_string()
            .contains("divide every weight by the same constant")
    );
    assert_eq!(
        fit(&[1.0; 29]),
        Err(MixtureError::WeightCount {
            n_weights: 29,
            n_rows: 30
        })
    );
    // Fewer rows of positive weight than components.
    let mut two = vec![0.0; 30];
    two[0] = 1.0;
    two[1] = 1.0;
    assert_eq!(
        fit(&two),
        Err(MixtureError::TooFewRows {
            n_components: 3,
            n_rows: 2
        })
    );
    // Scoring checks them the same way.
    assert_eq!(
        s.score(x.weighted(&[1.0; 3])),
        Err(MixtureError::WeightCount {
            n_weights: 3,
            n_rows: 30
        })
    );
    assert_eq!(
        est.e_step(&s, Data::new(x.view(), Some(&[-2.0; 30])), 0)
            .unwrap_err(),
        MixtureError::InvalidWeight {
            row: 0,
            value: -2.0
        }
    );
}

#[test]
fn warm_starts_continue_the_stop_rule() {
    let x = clusters(600, 10);
    let one = Estimator::new(UNIT, 3).max_iter(1).tol(1e-6).seed(3);
    let mut fit = one.fit(&x).unwrap();
    let mut steps = 1;
    while !fit.report.converged {
        fit = one.fit_from(&fit, &x).unwrap();
        steps += 1;
        assert!(steps < 500, "warm one-iteration fits never converged");
    }
    // Converged where a single long fit converges, within one iteration.
    let long = Estimator::new(UNIT, 3)
        .max_iter(500)
        .tol(1e-6)
        .seed(3)
        .fit(&x)
        .unwrap();
    assert!(
        (steps as i64 - long.report.n_iter as i64).abs() <= 1,
        "{steps} vs {}",
        long.report.n_iter
    );
    // From a mixture (not a fit), the first iteration cannot converge.
    let fresh = one.fit_from(&fit.mixture, &x).unwrap();
    assert!(!fresh.report.converged);
}

#[test]
fn precision_changes_go_through_the_parameters() {
    let s = start(&[[0.1, 0.2], [6.0, 1.0], [2.0, 7.0]]);
    let narrow = s.to_precision::<f32>().unwrap();
    assert_eq!(narrow.components().means[0], 0.1f32);
    let back = narrow.to_precision::<f64>().unwrap();
    assert_eq!(back.components().means[0], f64::from(0.1f32));
    same_bits(&back.to_precision::<f64>().unwrap(), &back);
    let stats = Estimator::new(UNIT, 3)
        .e_step(&s, &clusters(30, 1), 0)
        .unwrap();
    assert_eq!(stats.family().n_components(), 3);
}

#[cfg(feature = "serde")]
#[test]
fn statistics_travel_and_merge_on_the_other_side() {
    let x = clusters(900, 11);
    let est = Estimator::new(UNIT, 3).block_rows(300).max_iter(1).tol(0.0);
    let s = start(&[[1.0, 1.0], [5.0, 0.0], [2.0, 5.0]]);
    let w: Vec<f64> = (0..900).map(|i| 1.0 + (i % 7) as f64 / 3.0).collect();
    let data = x.weighted(&w);
    // Three "workers" serialise their blocks' statistics; the coordinator merges them.
    let shipped: Vec<String> = (0..3)
        .map(|b| {
            let part = est
                .e_step(&s, data.slice_rows(b * 300, b * 300 + 300), b * 300)
                .unwrap();
            serde_json::to_string(&part).unwrap()
        })
        .collect();
    let mut total = est.empty_statistics(&s);
    for text in &shipped {
        let part: mixture_core::chunked::Statistics<FirstMoments> =
            serde_json::from_str(text).unwrap();
        let again = serde_json::to_string(&part).unwrap();
        assert_eq!(&again, text);
        total.merge(&part).unwrap();
    }
    let model = est.m_step(&total).unwrap().mixture;
    same_bits(&model, &est.fit_from(&s, data).unwrap().mixture);
    // Another format, version, or inconsistent shapes are refused.
    let bad = shipped[0].replace("\"version\":1", "\"version\":9");
    let err =
        serde_json::from_str::<mixture_core::chunked::Statistics<FirstMoments>>(&bad).unwrap_err();
    assert!(err.to_string().contains("version 9"), "{err}");
    let bad = shipped[0].replace("\"counts\":[", "\"counts\":[1.0,");
    assert!(serde_json::from_str::<mixture_core::chunked::Statistics<FirstMoments>>(&bad).is_err());
}

#[cfg(feature = "serde")]
#[test]
fn mixtures_serialise_with_their_family_and_come_back_checked() {
    let s = start(&[[0.1, 0.2], [6.0, 1.0], [2.0, 7.0]]);
    let text = serde_json::to_string(&s).unwrap();
    assert!(
        text.contains("\"format\":\"mixture-model\"")
            && text.contains("\"family\":\"unit-gaussian\"")
    );
    let back: Mixture<f64, UnitComponents<f64>> = serde_json::from_str(&text).unwrap();
    same_bits(&back, &s);
    let bad = text.replace("0.1", "NaN");
    assert!(serde_json::from_str::<Mixture<f64, UnitComponents<f64>>>(&bad).is_err());
    let bad = text.replace("\"n_components\":3", "\"n_components\":4");
    assert!(serde_json::from_str::<Mixture<f64, UnitComponents<f64>>>(&bad).is_err());
}
