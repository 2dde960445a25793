//! Fits over chunks held elsewhere (what `mixture_em.dask` runs on a cluster): every request
//! and answer goes through JSON as it would between machines, the answers merge level by
//! level as a cluster's tree reduction merges them, and a fit over chunks of 2^m blocks gives
//! the bits of the fit in memory, for every family, with weights, every initialisation and
//! several runs; other chunks give their own bits, within rounding of the fit in memory.

use mixture::core::{
    Components, Data, Estimator, Family, Fitted, Init, Input, MixtureError, RowMatrix, Scalar,
    Silent,
    chunked::{ChunkRequest, ChunkResult, ChunkedData, RowSample},
};
use mixture::gauss::{CovarianceType, Gaussian};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Chunks of one matrix, computed "on workers": each request is serialised and read back
/// before a chunk answers it, each answer serialised and read back before it is merged.
struct Chunks<'a, T, F> {
    estimator: Estimator<F>,
    data: Data<'a, T>,
    /// Row ranges, in row order.
    chunks: Vec<(usize, usize)>,
    /// Requests seen, as JSON.
    requests: Vec<String>,
}

impl<'a, T: Scalar, F: Family<T>> Chunks<'a, T, F> {
    fn new(estimator: &Estimator<F>, data: Data<'a, T>, sizes: &[usize]) -> Self {
        let mut chunks = Vec::new();
        let mut first = 0;
        for &n in sizes.iter().cycle() {
            if first == data.n_rows() {
                break;
            }
            let end = (first + n).min(data.n_rows());
            chunks.push((first, end));
            first = end;
        }
        Self {
            estimator: estimator.clone(),
            data,
            chunks,
            requests: Vec::new(),
        }
    }
}

fn round_trip<V: Serialize + DeserializeOwned>(value: &V) -> V {
    serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap()
}

impl<T: Scalar, F: Family<T>> ChunkedData<T, F> for Chunks<'_, T, F>
where
    ChunkRequest<T, F::Components>: Serialize + DeserializeOwned,
    ChunkResult<F::Stats>: Serialize + DeserializeOwned,
{
    fn n_features(&self) -> usize {
        self.data.rows().n_cols()
    }

    fn run(
        &mut self,
        request: &ChunkRequest<T, F::Components>,
    ) -> mixture::core::Result<ChunkResult<F::Stats>> {
        self.requests.push(serde_json::to_string(request).unwrap());
        let on_worker = round_trip(request);
        // Computed last chunk first: the order of computing does not matter, only of merging.
        let mut answers = self
            .chunks
            .iter()
            .rev()
            .map(|&(a, b)| {
                let answer = self
                    .estimator
                    .chunk(&on_worker, self.data.slice_rows(a, b), a)?;
                Ok(round_trip(&answer))
            })
            .collect::<mixture::core::Result<Vec<_>>>()?;
        answers.reverse();
        // The cluster's reduction: neighbours paired level by level.
        while answers.len() > 1 {
            let mut next = Vec::new();
            let mut level = answers.into_iter();
            while let Some(mut left) = level.next() {
                if let Some(right) = level.next() {
                    left.merge(&right)?;
                    left = round_trip(&left);
                }
                next.push(left);
            }
            answers = next;
        }
        Ok(answers.pop().expect("at least one chunk"))
    }
}

fn same<T: Scalar, C: Components<T>>(a: &Fitted<T, C>, b: &Fitted<T, C>, what: &str)
where
    C::Parameters: Serialize,
{
    assert_eq!(
        serde_json::to_string(&a.mixture).unwrap(),
        serde_json::to_string(&b.mixture).unwrap(),
        "{what}"
    );
    assert_eq!(a.report.history, b.report.history, "{what}");
    assert_eq!(a.report.runs, b.report.runs, "{what}");
    assert_eq!(a.report.log_likelihood, b.report.log_likelihood, "{what}");
    assert_eq!(a.report.degenerate, b.report.degenerate, "{what}");
}

fn chunked_equals_in_memory<T: Scalar, F: Family<T>>(
    family: F,
    x: &RowMatrix<T>,
    k: usize,
    what: &str,
) where
    <F::Components as Components<T>>::Parameters: Serialize,
    ChunkRequest<T, F::Components>: Serialize + DeserializeOwned,
    ChunkResult<F::Stats>: Serialize + DeserializeOwned,
{
    let w: Vec<f64> = (0..x.n_rows())
        .map(|i| [1.0, 0.5, 2.0, 0.0][i % 4])
        .collect();
    for init in [
        Init::KMeans,
        Init::KMeansPlusPlus,
        Init::RandomRows,
        Init::Random,
        Init::Hierarchical,
    ] {
        // Chunks of one block, and of 2^2 blocks (computed block by block in the chunk).
        for (b, blocks) in [(50, 1), (64, 1), (50, 4)] {
            let est = Estimator::new(family.clone(), k)
                .block_rows(b)
                .max_iter(6)
                .tol(0.0)
                .init(init)
                .seed(11)
                .n_init(2);
            for data in [Data::from(x), x.weighted(&w)] {
                let what = format!(
                    "{what}, {init:?}, chunks of {blocks} blocks of {b}, weighted {}",
                    data.weights().is_some()
                );
                let memory = est.fit(data).unwrap();
                let mut chunks = Chunks::new(&est, data, &[blocks * b]);
                let chunked = est
                    .fit_with(Input::Chunked(&mut chunks), None, &mut Silent)
                    .unwrap();
                same(&memory, &chunked, &what);
                // Two sampling passes (the keys' counts, then the sample), then per run an
                // initialisation pass, the iterations and the final score.
                assert_eq!(chunks.requests.len(), 2 + 2 * (1 + 6 + 1), "{what}");
                let warm = est.fit_from(&memory.mixture, data).unwrap();
                let chunked = est
                    .fit_with(
                        Input::Chunked(&mut chunks),
                        Some((&memory.mixture).into()),
                        &mut Silent,
                    )
                    .unwrap();
                same(&warm, &chunked, &format!("{what}, warm"));
            }
        }
    }
}

fn data<T: Scalar>() -> RowMatrix<T> {
    // 1029 rows: 21 chunks of 50 (the last of 29) or 17 of 64 (the last of 5).
    mixture::datagen::lesson_blobs::<T>(343, 5).unwrap().data
}

#[test]
fn every_gaussian_covariance_type_in_both_precisions() {
    for kind in CovarianceType::ALL {
        let relative = Gaussian::new(kind).with_relative_reg_covar(1e-3);
        chunked_equals_in_memory(relative, &data::<f64>(), 3, &format!("{kind:?}, f64"));
        chunked_equals_in_memory(
            Gaussian::new(kind),
            &data::<f32>(),
            3,
            &format!("{kind:?}, f32"),
        );
    }
}

#[test]
fn bernoulli_and_exponential() {
    let x = data::<f64>();
    let binary = RowMatrix::new(
        x.as_slice().iter().map(|&v| f64::from(v > 0.0)).collect(),
        2,
    )
    .unwrap();
    chunked_equals_in_memory(mixture::bern::Bernoulli::new(), &binary, 3, "bernoulli");
    let positive = RowMatrix::new(x.as_slice().iter().map(|v| v.abs()).collect(), 2).unwrap();
    chunked_equals_in_memory(
        mixture::exp::Exponential::new(),
        &positive,
        3,
        "exponential",
    );
}

#[test]
fn the_sample_does_not_depend_on_the_chunks() {
    let x = data::<f64>();
    let request = ChunkRequest::Sample {
        seed: 3,
        size: 100,
        n_features: 2,
        above: None,
    };
    let est = Estimator::new(Gaussian::full(), 3);
    let sample_of = |sizes: &[usize]| {
        let mut chunks = Chunks::new(&est, (&x).into(), sizes);
        match ChunkedData::<f64, Gaussian>::run(&mut chunks, &request).unwrap() {
            ChunkResult::Sample(s) => s,
            _ => unreachable!(),
        }
    };
    let whole: RowSample = sample_of(&[1029]);
    assert_eq!(
        (whole.len(), whole.n_rows(), whole.positive_rows()),
        (100, 1029, 1029)
    );
    for sizes in [&[1][..], &[7, 300, 1], &[64]] {
        assert_eq!(
            serde_json::to_string(&sample_of(sizes)).unwrap(),
            serde_json::to_string(&whole).unwrap(),
            "{sizes:?}"
        );
    }
}

#[test]
fn a_chunk_names_bad_rows_counted_from_the_start_and_bad_answers_are_refused() {
    let mut x = data::<f64>();
    x.as_mut_slice()[2 * 777 + 1] = f64::NAN;
    let est = Estimator::new(Gaussian::full(), 3).block_rows(100);
    let mut chunks = Chunks::new(&est, (&x).into(), &[100]);
    let err = est
        .fit_with(Input::Chunked(&mut chunks), None, &mut Silent)
        .unwrap_err();
    assert_eq!(est.fit(&x).unwrap_err().to_string(), err.to_string());
    assert!(err.to_string().contains("777"), "{err}");
    // A request whose dimension is not the chunk's.
    let request = ChunkRequest::Sample {
        seed: 0,
        size: 10,
        n_features: 3,
        above: None,
    };
    let err = est.chunk(&request, &data::<f64>(), 0).unwrap_err();
    assert!(
        matches!(err, MixtureError::DimensionMismatch { .. }),
        "{err}"
    );
    // Answers that do not belong together.
    let sample = est
        .chunk(&request, &RowMatrix::new(vec![0.0; 6], 3).unwrap(), 0)
        .unwrap();
    let other = ChunkRequest::Sample {
        seed: 1,
        size: 10,
        n_features: 3,
        above: None,
    };
    let mut b = est
        .chunk(&other, &RowMatrix::new(vec![0.0; 6], 3).unwrap(), 2)
        .unwrap();
    assert!(b.merge(&sample).is_err());
}

#[test]
fn chunks_of_any_sizes_give_their_own_bits_within_rounding_of_the_fit_in_memory() {
    let x = data::<f64>();
    let est = Estimator::new(Gaussian::full(), 3)
        .block_rows(64)
        .max_iter(10)
        .tol(0.0);
    let memory = est.fit(&x).unwrap();
    let sizes = [37, 500, 3, 200];
    let once = est
        .fit_with(
            Input::Chunked(&mut Chunks::new(&est, (&x).into(), &sizes)),
            None,
            &mut Silent,
        )
        .unwrap();
    let again = est
        .fit_with(
            Input::Chunked(&mut Chunks::new(&est, (&x).into(), &sizes)),
            None,
            &mut Silent,
        )
        .unwrap();
    same(&once, &again, "the same chunks twice");
    let (a, b) = (once.report.log_likelihood, memory.report.log_likelihood);
    assert!((a - b).abs() <= 1e-12 * a.abs(), "{a} vs {b}");
    for (p, q) in once
        .mixture
        .means()
        .as_slice()
        .iter()
        .zip(memory.mixture.means().as_slice())
    {
        assert!((p - q).abs() <= 1e-10 * q.abs().max(1.0), "{p} vs {q}");
    }
}

#[test]
fn the_key_counts_choose_a_threshold_that_keeps_the_sample_and_sends_fewer_rows() {
    let x = mixture::datagen::lesson_blobs::<f64>(3000, 9).unwrap().data; // 9000 rows
    let est = Estimator::new(Gaussian::full(), 3);
    let w: Vec<f64> = (0..x.n_rows())
        .map(|i| [1.0, 0.25, 3.0, 0.0][i % 4])
        .collect();
    for data in [Data::from(&x), x.weighted(&w)] {
        let mut chunks = Chunks::new(&est, data, &[1000]);
        let keys = ChunkRequest::SampleKeys {
            seed: 5,
            n_features: 2,
        };
        let ChunkResult::KeyCounts(counts) =
            ChunkedData::<f64, Gaussian>::run(&mut chunks, &keys).unwrap()
        else {
            unreachable!()
        };
        let positive = data.weights().map_or(9000, |_| 6750);
        assert_eq!(counts.counts.last(), Some(&positive));
        let above = counts.threshold(500).expect("a threshold");
        let sample = |above| ChunkRequest::Sample {
            seed: 5,
            size: 500,
            n_features: 2,
            above,
        };
        let mut answer = |request: &ChunkRequest<f64, _>| match ChunkedData::<f64, Gaussian>::run(
            &mut chunks,
            request,
        )
        .unwrap()
        {
            ChunkResult::Sample(s) => serde_json::to_string(&s).unwrap(),
            _ => unreachable!(),
        };
        assert_eq!(answer(&sample(Some(above))), answer(&sample(None)));
        // A chunk alone sends its rows above the threshold: at most twice the sample's share.
        let part = est
            .chunk(&sample(Some(above)), data.slice_rows(0, 1000), 0)
            .unwrap();
        let ChunkResult::Sample(part) = part else {
            unreachable!()
        };
        assert!(
            part.len() < 2 * 500 * 1000 / 9000 + 40,
            "{} rows",
            part.len()
        );
        // The counts are exact: rows above each threshold.
        let j = counts.counts.iter().position(|&c| c >= 500).unwrap();
        assert!(counts.counts[j] >= 500 && (j == 0 || counts.counts[j - 1] < 500));
    }
}

/// The engine's merge tree copies a block's statistics by merging them into empty ones: that
/// must give them back bit for bit, for every family and covariance type.
fn merging_into_empty_copies<T: Scalar, F: Family<T>>(family: F, x: &RowMatrix<T>, what: &str)
where
    F::Stats: PartialEq + std::fmt::Debug,
{
    let est = Estimator::new(family, 3).max_iter(2);
    let model = est.fit(x).unwrap().mixture;
    let w: Vec<f64> = (0..x.n_rows()).map(|i| 0.3 + (i % 5) as f64).collect();
    for data in [Data::from(x), x.weighted(&w)] {
        let part = est.e_step(&model, data.slice_rows(17, 300), 17).unwrap();
        let mut copy = est.empty_statistics(&model);
        copy.merge(&part).unwrap();
        assert_eq!(copy, part, "{what}");
    }
}

#[test]
fn merging_into_empty_statistics_copies_them_exactly() {
    let x = data::<f64>();
    for kind in CovarianceType::ALL {
        merging_into_empty_copies(Gaussian::new(kind), &x, &format!("{kind:?}"));
        merging_into_empty_copies(
            Gaussian::new(kind),
            &data::<f32>(),
            &format!("{kind:?} f32"),
        );
    }
    let binary = RowMatrix::new(
        x.as_slice().iter().map(|&v| f64::from(v > 0.0)).collect(),
        2,
    )
    .unwrap();
    merging_into_empty_copies(mixture::bern::Bernoulli::new(), &binary, "bernoulli");
    let positive = RowMatrix::new(x.as_slice().iter().map(|v| v.abs()).collect(), 2).unwrap();
    merging_into_empty_copies(mixture::exp::Exponential::new(), &positive, "exponential");
}

#[test]
fn variational_fits_over_chunks_give_the_bits_in_memory() {
    use mixture::core::variational::{VariationalPrior, WeightPriorType};
    let x = data::<f64>();
    let w: Vec<f64> = (0..x.n_rows())
        .map(|i| [1.0, 0.5, 2.0, 0.0][i % 4])
        .collect();
    for kind in CovarianceType::SCIKIT_LEARN {
        for weight_prior in [
            WeightPriorType::DirichletProcess,
            WeightPriorType::DirichletDistribution,
        ] {
            let prior = VariationalPrior {
                weight_prior,
                ..VariationalPrior::default()
            };
            let est = Estimator::new(Gaussian::new(kind), 5)
                .block_rows(64)
                .max_iter(8)
                .tol(0.0)
                .seed(3)
                .n_init(2);
            for data in [Data::from(&x), x.weighted(&w)] {
                let what = format!(
                    "{kind:?} {weight_prior:?} weighted {}",
                    data.weights().is_some()
                );
                let memory = est
                    .fit_variational(data, &prior, None, &mut Silent)
                    .unwrap();
                let mut chunks = Chunks::new(&est, data, &[4 * 64]);
                let chunked = est
                    .fit_variational(Input::Chunked(&mut chunks), &prior, None, &mut Silent)
                    .unwrap();
                assert_eq!(memory.report.history, chunked.report.history, "{what}");
                assert_eq!(memory.posterior, chunked.posterior, "{what}");
                assert_eq!(memory.weights, chunked.weights, "{what}");
                assert_eq!(memory.prior, chunked.prior, "{what}");
                // The requests of variational passes carry their kind (the entropy is summed
                // on the workers).
                assert!(
                    chunks.requests.iter().any(|r| r.contains("Variational")),
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn variational_moves_over_chunks_give_the_bits_in_memory() {
    use mixture::core::variational::VariationalPrior;
    let truth = mixture::datagen::GaussianMixtureGenerator::random(6, 3, 1.5, 2).unwrap();
    let x = truth.generate::<f64>(700, 4).unwrap().data;
    for (k, kind) in [(8, CovarianceType::Full), (3, CovarianceType::Diagonal)] {
        let est = Estimator::new(Gaussian::new(kind), k)
            .block_rows(64)
            .seed(3)
            .delete_moves(true)
            .split_merge_moves(true);
        let prior = VariationalPrior::default();
        let memory = est.fit_variational(&x, &prior, None, &mut Silent).unwrap();
        let mut chunks = Chunks::new(&est, Data::from(&x), &[4 * 64]);
        let chunked = est
            .fit_variational(Input::Chunked(&mut chunks), &prior, None, &mut Silent)
            .unwrap();
        assert_eq!(memory.report.history, chunked.report.history, "{kind:?}");
        assert_eq!(memory.posterior, chunked.posterior, "{kind:?}");
        assert_eq!(memory.weights, chunked.weights, "{kind:?}");
        // The moves' passes went to the chunks as moves.
        assert!(
            chunks.requests.iter().any(|r| r.contains("Moved")),
            "{kind:?}"
        );
    }
}
