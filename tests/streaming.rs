//! Data larger than memory: E-M over block sources gives the in-memory fit bit for bit, for
//! every family, both precisions, with and without weights, on any thread count; stepwise E-M
//! over batches reaches the full-batch optimum.

use mixture::core::rand::SeedableRng;
use mixture::core::rand::rngs::ChaCha8Rng;
use mixture::core::rand::seq::SliceRandom;
use mixture::core::{
    BlockSource, Components, Estimator, Family, Fitted, Input, MatrixSource, MixtureError,
    RowMatrix, Scalar, Silent, SliceSource,
};
use mixture::gauss::{CovarianceType, Gaussian};

fn same<T: Scalar, C: Components<T>>(a: &Fitted<T, C>, b: &Fitted<T, C>, what: &str)
where
    C::Parameters: serde::Serialize,
{
    assert_eq!(
        serde_json::to_string(&a.mixture).unwrap(),
        serde_json::to_string(&b.mixture).unwrap(),
        "{what}"
    );
    assert_eq!(a.report.history, b.report.history, "{what}");
    assert_eq!(a.report.log_likelihood, b.report.log_likelihood, "{what}");
    assert_eq!(a.report.weight_total, b.report.weight_total, "{what}");
}

fn streamed_equals_in_memory<T: Scalar, F: Family<T>>(
    family: F,
    x: &RowMatrix<T>,
    k: usize,
    what: &str,
) where
    <F::Components as Components<T>>::Parameters: serde::Serialize,
{
    let est = Estimator::new(family, k)
        .block_rows(64)
        .max_iter(8)
        .tol(0.0)
        .n_init(2);
    let w: Vec<f64> = (0..x.n_rows())
        .map(|i| [1.0, 0.5, 2.0, 0.0][i % 4])
        .collect();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let memory = est.fit(x).unwrap();
            let streamed = est
                .fit_with(
                    Input::Stream {
                        x: &mut MatrixSource::new(x),
                        w: None,
                    },
                    None,
                    &mut Silent,
                )
                .unwrap();
            same(&memory, &streamed, what);
            let memory = est.fit(x.weighted(&w)).unwrap();
            let streamed = est
                .fit_with(
                    Input::Stream {
                        x: &mut MatrixSource::new(x),
                        w: Some(&mut SliceSource::new(&w)),
                    },
                    None,
                    &mut Silent,
                )
                .unwrap();
            same(&memory, &streamed, &format!("{what}, weighted"));
            let from = est.fit_from(&memory, x.weighted(&w)).unwrap();
            let streamed = est
                .fit_with(
                    Input::Stream {
                        x: &mut MatrixSource::new(x),
                        w: Some(&mut SliceSource::new(&w)),
                    },
                    Some((&memory).into()),
                    &mut Silent,
                )
                .unwrap();
            same(&from, &streamed, &format!("{what}, warm"));
        });
    }
}

fn all_families<T: Scalar>() {
    let x = mixture::datagen::lesson_blobs::<T>(150, 3).unwrap().data;
    for kind in CovarianceType::ALL {
        streamed_equals_in_memory(Gaussian::new(kind), &x, 3, kind.name());
    }
    let bits = x.map(|v| if *v > T::zero() { T::one() } else { T::zero() });
    streamed_equals_in_memory(mixture::bern::Bernoulli::new(), &bits, 2, "bernoulli");
    let positive = x.map(|v| v.abs());
    streamed_equals_in_memory(
        mixture::exp::Exponential::new(),
        &positive,
        2,
        "exponential",
    );
}

#[test]
fn streamed_fits_are_in_memory_fits_bit_for_bit() {
    all_families::<f64>();
    all_families::<f32>();
}

#[test]
fn large_data_initialise_from_the_same_sample_in_memory_and_streamed() {
    // More rows than the initialisation sample holds: both paths sample the same rows.
    let x = mixture::datagen::lesson_blobs::<f64>(30_000, 9)
        .unwrap()
        .data;
    assert!(x.n_rows() > mixture::core::chunked::sample_rows(3, 2));
    let est = Estimator::new(Gaussian::full(), 3)
        .max_iter(2)
        .tol(0.0)
        .seed(4);
    let memory = est.fit(&x).unwrap();
    let streamed = est
        .fit_with(
            Input::Stream {
                x: &mut MatrixSource::new(&x),
                w: None,
            },
            None,
            &mut Silent,
        )
        .unwrap();
    same(&memory, &streamed, "90 000 rows");
}

/// A source that serves rows but fails, or changes, on a later pass.
struct Flaky<'a> {
    inner: MatrixSource<'a, f64>,
    passes: usize,
    fail_on_pass: usize,
}

impl BlockSource<f64> for Flaky<'_> {
    fn n_cols(&self) -> usize {
        self.inner.n_cols()
    }
    fn rewind(&mut self) -> mixture::core::Result<()> {
        self.passes += 1;
        if self.passes == self.fail_on_pass {
            return Err(MixtureError::Source {
                message: "data.csv changed since the first pass".into(),
            });
        }
        self.inner.rewind()
    }
    fn read_block(&mut self, buf: &mut Vec<f64>, max_rows: usize) -> mixture::core::Result<usize> {
        self.inner.read_block(buf, max_rows)
    }
}

#[test]
fn source_errors_stop_the_fit_and_name_rows_from_the_start() {
    let x = mixture::datagen::lesson_blobs::<f64>(100, 1).unwrap().data;
    let est = Estimator::new(Gaussian::full(), 3).block_rows(32);
    let mut flaky = Flaky {
        inner: MatrixSource::new(&x),
        passes: 0,
        fail_on_pass: 4,
    };
    let err = est
        .fit_with(
            Input::Stream {
                x: &mut flaky,
                w: None,
            },
            None,
            &mut Silent,
        )
        .unwrap_err();
    assert_eq!(err.to_string(), "data.csv changed since the first pass");
    // A non-finite value in a later block is named by its global row.
    let mut bad = x.clone();
    bad.row_mut(250)[1] = f64::NAN;
    let err = est
        .fit_with(
            Input::Stream {
                x: &mut MatrixSource::new(&bad),
                w: None,
            },
            None,
            &mut Silent,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            MixtureError::NonFinite {
                row: 250,
                col: 1,
                ..
            }
        ),
        "{err}"
    );
    // Weights that end early or run on, or a bad weight far down.
    let short = vec![1.0; 299];
    let err = est
        .fit_with(
            Input::Stream {
                x: &mut MatrixSource::new(&x),
                w: Some(&mut SliceSource::new(&short)),
            },
            None,
            &mut Silent,
        )
        .unwrap_err();
    assert_eq!(
        err,
        MixtureError::WeightCount {
            n_weights: 299,
            n_rows: 300
        }
    );
    let long = vec![1.0; 301];
    let err = est
        .fit_with(
            Input::Stream {
                x: &mut MatrixSource::new(&x),
                w: Some(&mut SliceSource::new(&long)),
            },
            None,
            &mut Silent,
        )
        .unwrap_err();
    assert_eq!(
        err,
        MixtureError::WeightCount {
            n_weights: 301,
            n_rows: 300
        }
    );
    let mut negative = vec![1.0; 300];
    negative[270] = -1.0;
    let err = est
        .fit_with(
            Input::Stream {
                x: &mut MatrixSource::new(&x),
                w: Some(&mut SliceSource::new(&negative)),
            },
            None,
            &mut Silent,
        )
        .unwrap_err();
    assert_eq!(
        err,
        MixtureError::InvalidWeight {
            row: 270,
            value: -1.0
        }
    );
    let empty = RowMatrix::<f64>::zeros(0, 2);
    assert!(matches!(
        est.fit_with(
            Input::Stream {
                x: &mut MatrixSource::new(&empty),
                w: None
            },
            None,
            &mut Silent
        ),
        Err(MixtureError::EmptyData { .. })
    ));
}

#[test]
fn stepwise_em_on_shuffled_batches_reaches_the_full_batch_optimum() {
    // The lesson's 600 rows, batches of 64, 30 epochs, a new order every epoch.
    let blobs = mixture::datagen::lesson_blobs::<f64>(200, 69).unwrap();
    let x = &blobs.data;
    let est = Estimator::new(Gaussian::full(), 3).seed(69);
    let best = est.clone().max_iter(1000).tol(1e-10).fit(x).unwrap();
    let optimum = best.report.log_likelihood;
    let mut online = est.online::<f64>();
    let mut order: Vec<usize> = (0..x.n_rows()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for _ in 0..30 {
        order.shuffle(&mut rng);
        for batch in order.chunks(64) {
            let rows: Vec<Vec<f64>> = batch.iter().map(|&i| x.row(i).to_vec()).collect();
            online
                .partial_fit(&RowMatrix::from_rows(&rows).unwrap())
                .unwrap();
        }
    }
    assert_eq!(online.n_steps(), 30 * 10);
    let ll = online.mixture().unwrap().log_likelihood(x).unwrap();
    let gap = (optimum - ll) / optimum.abs();
    assert!(
        gap < 1e-3,
        "online {ll} against full-batch {optimum}: {gap:e}"
    );
    // Mini-batch E-M over a source sees the batches in file order every epoch (and a short
    // last batch): close, though without reshuffling not as close.
    let mut online = est.online::<f64>();
    online
        .fit_source(&mut MatrixSource::new(x), None, 64, 30)
        .unwrap();
    let ll = online.mixture().unwrap().log_likelihood(x).unwrap();
    assert!((optimum - ll) / optimum.abs() < 5e-3, "{ll} vs {optimum}");
    // Options are checked.
    let mut bad = est.online::<f64>().step_size(0.5, 2.0);
    assert!(matches!(
        bad.partial_fit(x),
        Err(MixtureError::InvalidOption { name: "kappa", .. })
    ));
}

#[test]
fn stepwise_em_resumed_from_a_saved_state_goes_on_bit_for_bit() {
    // Save after 5 batches (through JSON, as another process would receive it), resume, and
    // take 5 more: the same bits as 10 batches without the interruption.
    let blobs = mixture::datagen::lesson_blobs::<f64>(200, 3).unwrap();
    let x = &blobs.data;
    let batches: Vec<_> = (0..10)
        .map(|b| {
            let rows: Vec<Vec<f64>> = (b * 60..(b + 1) * 60).map(|i| x.row(i).to_vec()).collect();
            RowMatrix::from_rows(&rows).unwrap()
        })
        .collect();
    let est = Estimator::new(Gaussian::diagonal(), 3).seed(5);
    let mut straight = est.online::<f64>();
    for b in &batches {
        straight.partial_fit(b).unwrap();
    }
    let mut first = est.online::<f64>();
    for b in &batches[..5] {
        first.partial_fit(b).unwrap();
    }
    let mixture = serde_json::to_string(first.mixture().unwrap()).unwrap();
    let running = serde_json::to_string(first.statistics().unwrap()).unwrap();
    let mut resumed = est
        .online::<f64>()
        .resume(
            *first.family().unwrap(),
            serde_json::from_str(&mixture).unwrap(),
            serde_json::from_str(&running).unwrap(),
            first.n_steps(),
        )
        .unwrap();
    for b in &batches[5..] {
        resumed.partial_fit(b).unwrap();
    }
    assert_eq!(resumed.n_steps(), 10);
    assert_eq!(
        serde_json::to_string(resumed.mixture().unwrap()).unwrap(),
        serde_json::to_string(straight.mixture().unwrap()).unwrap()
    );
    // A state with no step, or statistics of another shape, is refused.
    let (m, s) = (
        first.mixture().unwrap().clone(),
        first.statistics().unwrap().clone(),
    );
    let family = *first.family().unwrap();
    assert!(matches!(
        est.online::<f64>().resume(family, m.clone(), s, 0),
        Err(MixtureError::InvalidOption { name: "steps", .. })
    ));
    let other = Estimator::new(Gaussian::diagonal(), 2)
        .seed(5)
        .online::<f64>();
    let mut other = other;
    other.partial_fit(&batches[0]).unwrap();
    let wrong = other.statistics().unwrap().clone();
    assert!(matches!(
        est.online::<f64>().resume(family, m, wrong, 3),
        Err(MixtureError::IncompatibleStatistics { .. })
    ));
}
