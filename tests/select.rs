//! Model selection over K and structures: the right model is found, cells that cannot be fitted
//! keep their error, spurious components are flagged, and the table is the same on any thread
//! count.

mod common;

use common::twelve_rows_seven_distinct;
use mixture::bern::Bernoulli;
use mixture::core::{EmOptions, MixtureError, RowMatrix};
use mixture::datagen::GaussianMixtureGenerator;
use mixture::exp::Exponential;
use mixture::gauss::{CovarianceType, Gaussian};
use mixture::select::{Criterion, Grid, Selection, Structure, select};

const ALL_GAUSSIANS: [Structure; 4] = [
    Structure::Gaussian(Gaussian::new(CovarianceType::Full)),
    Structure::Gaussian(Gaussian::new(CovarianceType::Diagonal)),
    Structure::Gaussian(Gaussian::new(CovarianceType::Spherical)),
    Structure::Gaussian(Gaussian::new(CovarianceType::Tied)),
];

fn options() -> EmOptions {
    let mut o = EmOptions::default();
    o.n_init = 3;
    o.seed = 4;
    o.tol = 1e-6;
    o.max_iter = 500;
    o
}

/// Every cell's numbers (or error message), bit for bit.
fn table(s: &Selection<f64>) -> Vec<String> {
    s.cells
        .iter()
        .map(|c| match &c.outcome {
            Ok(v) => format!(
                "{} {:?} {:x} {:x} {:x} {}",
                c.n_components,
                c.structure,
                v.bic.to_bits(),
                v.aic.to_bits(),
                v.icl.to_bits(),
                v.suspect.len()
            ),
            Err(e) => format!("{} {:?} {e}", c.n_components, c.structure),
        })
        .collect()
}

#[test]
fn bic_picks_three_full_components_from_three_full_components() {
    // Correlated (full) covariances, well separated: K = 3 full should win.
    let truth = GaussianMixtureGenerator::random(3, 3, 4.0, 7).unwrap();
    let x = truth.generate::<f64>(1500, 8).unwrap().data;
    let grid = Grid::new(1..=6, ALL_GAUSSIANS);
    let s = select(&x, &grid, &options(), Criterion::Bic).unwrap();
    assert_eq!(s.cells.len(), 24);
    let best = s.best().unwrap();
    assert_eq!(
        (best.n_components, best.structure),
        (3, Structure::Gaussian(Gaussian::new(CovarianceType::Full))),
        "{:#?}",
        table(&s)
    );
    let scores = best.outcome.as_ref().unwrap();
    assert!(scores.suspect.is_empty());
    // The criteria are what they say (lower is better; ICL adds the entropy).
    let n = x.n_rows() as f64;
    let p = scores.n_parameters as f64;
    assert!((scores.bic - (-2.0 * scores.log_likelihood + p * n.ln())).abs() < 1e-9);
    assert!((scores.aic - (-2.0 * scores.log_likelihood + 2.0 * p)).abs() < 1e-9);
    assert!(scores.icl >= scores.bic);
    // Ranked: ascending BIC among fitted cells.
    let ranked: Vec<f64> = s
        .ranked()
        .iter()
        .filter_map(|c| c.outcome.as_ref().ok().map(|v| v.bic))
        .collect();
    assert!(ranked.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn cells_that_cannot_be_fitted_keep_their_error_and_the_table_is_the_same_on_any_thread_count() {
    // 12 points, 7 of them distinct, K up to 10: cells of K > 7 keep K (re-seeded components)
    // and are flagged, or keep their error when a model cannot be formed; the others are
    // fitted (small K soundly, large K flagged) and ranked, flagged cells after sound ones.
    let x = twelve_rows_seven_distinct();
    let grid = Grid::new(1..=10, ALL_GAUSSIANS);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| select(&x, &grid, &options(), Criterion::Icl).unwrap())
    };
    let one = run(1);
    for cell in &one.cells {
        match &cell.outcome {
            Ok(scores) if cell.n_components > 7 => {
                assert!(!scores.suspect.is_empty(), "{:#?}", table(&one))
            }
            Ok(_) => {}
            Err(_) => assert!(cell.n_components > 7, "{:#?}", table(&one)),
        }
    }
    assert!(one.best().is_some());
    assert!(one.best().unwrap().n_components < 10);
    for cell in one.cells.iter().filter(|c| c.outcome.is_err()) {
        let message = cell.outcome.as_ref().unwrap_err().to_string();
        assert!(!message.is_empty());
    }
    assert_eq!(table(&one), table(&run(2)));
}

#[test]
fn a_planted_spurious_component_is_flagged_and_ranked_after_sound_ones() {
    // 300 rows from a standard normal in 5 dimensions, and 3 near-duplicates far away: a
    // full-covariance component on those 3 rows has a likelihood far above any sensible
    // solution, held up by reg_covar only.
    let mut values = Vec::new();
    let g = GaussianMixtureGenerator::random(1, 5, 1.0, 3).unwrap();
    let base = g.generate::<f64>(300, 4).unwrap().data;
    values.extend_from_slice(base.as_slice());
    for i in 0..3 {
        values.extend((0..5).map(|j| 40.0 + 1e-4 * (i * 5 + j) as f64));
    }
    let x = RowMatrix::new(values, 5).unwrap();
    let grid = Grid::new(
        1..=2,
        [Structure::Gaussian(Gaussian::new(CovarianceType::Full))],
    );
    let s = select(&x, &grid, &options(), Criterion::Bic).unwrap();
    let two = s.cells.iter().find(|c| c.n_components == 2).unwrap();
    let scores = two.outcome.as_ref().unwrap();
    assert_eq!(scores.suspect.len(), 1, "{:?}", scores.suspect);
    let flagged = &scores.suspect[0];
    assert!((flagged.effective_rows - 3.0).abs() < 0.01, "{flagged:?}");
    assert!(flagged.reason.contains("effective rows"));
    // Its BIC is the lowest, yet the sound K = 1 cell ranks first.
    let one = s.cells.iter().find(|c| c.n_components == 1).unwrap();
    assert!(scores.bic < one.outcome.as_ref().unwrap().bic);
    assert_eq!(s.best().unwrap().n_components, 1);
}

#[test]
fn other_families_and_bad_grids() {
    let truth = GaussianMixtureGenerator::random(2, 4, 3.0, 9).unwrap();
    let x = truth.generate::<f64>(400, 10).unwrap().data;
    // Bernoulli and exponential cells on Gaussian data fail with the domain error, in the table.
    let grid = Grid::new(
        [2],
        [
            Structure::Gaussian(Gaussian::new(CovarianceType::Diagonal)),
            Structure::Bernoulli(Bernoulli::new()),
            Structure::Exponential(Exponential::new()),
        ],
    );
    let s = select(&x, &grid, &options(), Criterion::Aic).unwrap();
    assert!(s.cells[0].outcome.is_ok());
    for cell in &s.cells[1..] {
        assert!(matches!(
            cell.outcome,
            Err(MixtureError::OutOfDomain { .. })
        ));
    }
    assert_eq!(s.best().unwrap().structure.name(), "gaussian");
    assert!(matches!(
        select(
            &x,
            &Grid::new([], ALL_GAUSSIANS),
            &options(),
            Criterion::Bic
        ),
        Err(MixtureError::InvalidOption { name: "grid", .. })
    ));
    assert!(matches!(
        select(
            &x,
            &Grid::new([0, 1], ALL_GAUSSIANS),
            &options(),
            Criterion::Bic
        ),
        Err(MixtureError::InvalidOption {
            name: "components",
            ..
        })
    ));
}

#[test]
fn neighbour_starts_only_ever_improve_a_cell_and_smooth_the_curve() {
    // Overlapping clusters, where single starts end in different basins from one K to the next.
    let truth = GaussianMixtureGenerator::random(6, 2, 1.5, 3).unwrap();
    let x = truth.generate::<f64>(600, 4).unwrap().data;
    let mut o = EmOptions::default();
    o.tol = 1e-6;
    o.max_iter = 1000;
    o.init = mixture::core::Init::KMeansPlusPlus;
    let grid = Grid::new(1..=8, ALL_GAUSSIANS);
    let plain = select(
        &x,
        &grid.clone().with_neighbour_starts(false),
        &o,
        Criterion::Bic,
    )
    .unwrap();
    let refined = select(&x, &grid, &o, Criterion::Bic).unwrap();
    let rank = |c: &mixture::select::Cell<f64>| {
        let s = c.outcome.as_ref().unwrap();
        (s.suspect.is_empty(), s.log_likelihood)
    };
    let mut improved = 0;
    for (p, r) in plain.cells.iter().zip(&refined.cells) {
        assert_eq!((p.n_components, p.structure), (r.n_components, r.structure));
        assert!(rank(r) >= rank(p), "{} {:?}", p.n_components, p.structure);
        improved += usize::from(rank(r) > rank(p));
    }
    assert!(
        improved > 0,
        "no cell found a better optimum from its neighbours"
    );
    // Sound cells' log-likelihoods do not fall as K grows (a K + 1 model holds every K one).
    for s in ALL_GAUSSIANS {
        let lls: Vec<f64> = refined
            .cells
            .iter()
            .filter(|c| c.structure == s)
            .map(|c| c.outcome.as_ref().unwrap())
            .filter(|c| c.suspect.is_empty())
            .map(|c| c.log_likelihood)
            .collect();
        for w in lls.windows(2) {
            assert!(w[1] > w[0] - 1e-6 * w[0].abs(), "{s:?}: {lls:?}");
        }
    }
}

#[test]
fn a_partition_starts_from_its_means_and_counts() {
    use mixture::core::Estimator;
    let truth = GaussianMixtureGenerator::random(3, 2, 4.0, 1).unwrap();
    let data = truth.generate::<f64>(300, 2).unwrap();
    let labels: Vec<usize> = data.labels.clone();
    let est = Estimator::new(Gaussian::full(), 3);
    let start = est.start_from_labels(&data.data, &labels).unwrap();
    for c in 0..3 {
        let rows: Vec<&[f64]> = (0..300)
            .filter(|&i| labels[i] == c)
            .map(|i| data.data.row(i))
            .collect();
        let n = rows.len() as f64;
        assert!((start.weights()[c] - n / 300.0).abs() < 1e-15);
        for j in 0..2 {
            let mean = rows.iter().map(|r| r[j]).sum::<f64>() / n;
            assert!((start.components().means().row(c)[j] - mean).abs() < 1e-12);
        }
    }
    // The partition must fit K and the rows.
    for (bad, what) in [
        (vec![0; 299], "one label per row"),
        ((0..300).map(|i| i % 4).collect::<Vec<_>>(), "below"),
        (vec![0; 300], "component 1 has no row"),
    ] {
        let e = est.start_from_labels(&data.data, &bad).unwrap_err();
        assert!(
            matches!(e, MixtureError::InvalidOption { name: "labels", .. }),
            "{e}"
        );
        assert!(e.to_string().contains(what), "{e}");
    }
}

#[test]
fn a_variational_grid_ranks_cells_by_their_evidence_bound() {
    use mixture::core::variational::{VariationalPrior, WeightPriorType};
    let truth = GaussianMixtureGenerator::random(3, 3, 4.0, 7).unwrap();
    let x = truth.generate::<f64>(1500, 8).unwrap().data;
    let prior = VariationalPrior {
        weight_prior: WeightPriorType::DirichletDistribution,
        weight_concentration: Some(0.1),
        components: (),
    };
    let grid = Grid::new(1..=5, ALL_GAUSSIANS).with_variational(prior.clone());
    let s = select(&x, &grid, &options(), Criterion::Elbo).unwrap();
    let best = s.best().unwrap();
    assert_eq!(
        (best.n_components, best.structure),
        (3, Structure::Gaussian(Gaussian::new(CovarianceType::Full))),
        "{:#?}",
        table(&s)
    );
    // Every cell has its bound; ranked by it, highest first, and it is the fit's own.
    let bounds: Vec<f64> = s
        .ranked()
        .iter()
        .map(|c| c.outcome.as_ref().unwrap().evidence_bound.unwrap())
        .collect();
    assert!(bounds.windows(2).all(|w| w[0] >= w[1]), "{bounds:?}");
    let scores = best.outcome.as_ref().unwrap();
    let own = mixture::core::Estimator::new(Gaussian::full(), 3)
        .with_options(options())
        .fit_variational(
            &x,
            &VariationalPrior {
                weight_prior: prior.weight_prior,
                weight_concentration: prior.weight_concentration,
                components: Default::default(),
            },
            None,
            &mut mixture::core::Silent,
        )
        .unwrap();
    assert_eq!(scores.evidence_bound, Some(own.evidence_bound));
    assert_eq!(
        scores.posterior.as_ref().unwrap().evidence_bound,
        Some(own.evidence_bound)
    );
    // The criterion needs a variational grid; a family without a conjugate prior fails its
    // cells and keeps the others.
    let e = select(
        &x,
        &Grid::new(1..=2, ALL_GAUSSIANS),
        &options(),
        Criterion::Elbo,
    );
    assert!(matches!(
        e,
        Err(MixtureError::InvalidOption {
            name: "criterion",
            ..
        })
    ));
    let counts = RowMatrix::new(
        x.as_slice().iter().map(|v| v.abs().round() + 1.0).collect(),
        3,
    )
    .unwrap();
    let mixed = Grid::new(
        1..=2,
        [
            Structure::Exponential(Exponential::new()),
            Structure::Poisson(mixture::poisson::Poisson::new()),
        ],
    )
    .with_variational(prior.clone());
    let s = select(&counts, &mixed, &options(), Criterion::Elbo).unwrap();
    let failed: Vec<String> = s
        .cells
        .iter()
        .filter_map(|c| c.outcome.as_ref().err().map(|e| e.to_string()))
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(failed[0].contains("conjugate prior"), "{}", failed[0]);
}
