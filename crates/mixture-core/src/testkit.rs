//! The family contract kit (feature `testkit`): every contract the engine promises, checked for
//! one family on data of its domain that the family's own tests give.
//!
//! Each check is a function that panics with a message naming what broke;
//! [`family_contract_tests!`](crate::family_contract_tests) turns every one of them into a
//! `#[test]` of the calling crate, so that a family crate's `tests/contract.rs` is a few lines:
//!
//! ```ignore
//! fn case() -> mixture_core::testkit::Case<MyFamily> { /* the family, data, K */ }
//! mixture_core::family_contract_tests!(case());
//! ```
//!
//! The contracts: the same bits on any thread count; a streamed fit and a fit over chunks
//! (requests and answers through JSON, merged as a cluster's tree reduction) give the bits of
//! the fit in memory; integer weights are repeated rows, scaled weights change nothing and a
//! weight of 0 removes a row; held parameter groups stay exactly at the start's values and a
//! partial start of every group is the start; models and statistics survive serde bit for bit;
//! `f32` fits come near `f64` ones; values outside the domain and non-finite values are named
//! by row and column; responsibilities sum to one and labels are their largest; samples are
//! seeded and in the domain; the marginal over every feature is the model.

use crate::chunked::{ChunkRequest, ChunkResult, ChunkedData};
use crate::error::{MixtureError, Result};
use crate::estimator::Estimator;
use crate::family::{Components, Family};
use crate::init::Init;
use crate::mixture::Mixture;
use crate::parameters::{Parameter, ParameterSet};
use crate::report::Silent;
use crate::rows::{Data, RowMatrix};
use crate::scalar::Scalar;
use crate::source::Input;
use crate::source::{MatrixSource, SliceSource};
use crate::start::{Fitted, Start};
use crate::statistics::Statistics;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A family the kit can check: in both precisions, with serialisable parameters and
/// statistics.
pub trait Checked:
    Family<
        f64,
        Components: Components<f64, Parameters: Serialize + DeserializeOwned>,
        Stats: Serialize + DeserializeOwned,
    > + Family<
        f32,
        Components: Components<f32, Parameters: Serialize + DeserializeOwned>,
        Stats: Serialize + DeserializeOwned,
    >
{
}

impl<F> Checked for F where
    F: Family<
            f64,
            Components: Components<f64, Parameters: Serialize + DeserializeOwned>,
            Stats: Serialize + DeserializeOwned,
        > + Family<
            f32,
            Components: Components<f32, Parameters: Serialize + DeserializeOwned>,
            Stats: Serialize + DeserializeOwned,
        >
{
}

/// What a family's contract is checked on.
#[derive(Debug, Clone)]
pub struct Case<F> {
    /// The family with its settings.
    pub family: F,
    /// Data of its domain: a few dozen rows or more, several features, a structure that K
    /// components can find (every fit here is from a seeded start, so any data will do).
    pub data: RowMatrix<f64>,
    /// K.
    pub n_components: usize,
    /// A finite value outside the family's domain, if it has one (`None` for a Gaussian).
    pub outside: Option<f64>,
    /// Whether the estimate depends on the weights' proportions only: `false` for settings
    /// that add pseudo-counts (a Bernoulli prior), whose weight against the data's is fixed.
    pub scale_free: bool,
}

impl<F: Checked> Case<F> {
    /// The estimator every check starts from: 12 iterations, `tol` 0 (so every run does them
    /// all), blocks of 16 rows (so the data make several blocks).
    pub fn estimator(&self) -> Estimator<F> {
        Estimator::new(self.family.clone(), self.n_components)
            .max_iter(12)
            .tol(0.0)
            .seed(5)
            .block_rows(16)
    }

    /// A seeded start of the data.
    fn start(&self) -> Mixture<f64, <F as Family<f64>>::Components> {
        self.estimator()
            .initialise(&self.data)
            .unwrap_or_else(|e| panic!("the family cannot initialise on the case's data: {e}"))
    }

    /// Integer weights 0..3, cycling with the row.
    fn weights(&self) -> Vec<f64> {
        (0..self.data.n_rows())
            .map(|i| ((i * 7) % 4) as f64)
            .collect()
    }
}

fn fit<'a, T: Scalar, F: Family<T>>(
    est: &Estimator<F>,
    start: Option<&Mixture<T, F::Components>>,
    data: impl Into<Data<'a, T>>,
    what: &str,
) -> Fitted<T, F::Components> {
    let result = match start {
        Some(s) => est.fit_from(s, data),
        None => est.fit(data),
    };
    result.unwrap_or_else(|e| panic!("{what}: the fit failed: {e}"))
}

/// Every parameter as `f64`, in the order of the serde form.
fn numbers<V: Serialize>(value: &V) -> Vec<f64> {
    fn walk(v: &serde_json::Value, out: &mut Vec<f64>) {
        match v {
            serde_json::Value::Number(n) => out.extend(n.as_f64()),
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(
        &serde_json::to_value(value).expect("parameters serialise"),
        &mut out,
    );
    out
}

/// Largest relative difference between two mixtures' weights and parameters.
fn distance<
    T: Scalar,
    C: Components<T, Parameters: Serialize>,
    U: Scalar,
    D: Components<U, Parameters = C::Parameters>,
>(
    a: &Mixture<T, C>,
    b: &Mixture<U, D>,
) -> f64 {
    let x = [a.weights().to_vec(), numbers(&a.components().parameters())].concat();
    let y = [b.weights().to_vec(), numbers(&b.components().parameters())].concat();
    assert_eq!(x.len(), y.len(), "the two mixtures have different shapes");
    x.iter()
        .zip(&y)
        .map(|(p, q)| (p - q).abs() / p.abs().max(q.abs()).max(1e-300))
        .fold(0.0, f64::max)
}

fn same_bits<T: Scalar, C: Components<T>>(a: &Mixture<T, C>, b: &Mixture<T, C>, what: &str) {
    let bits = |m: &Mixture<T, C>| m.weights().iter().map(|w| w.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(a), bits(b), "{what}: the weights differ");
    assert!(
        a.components().parameters() == b.components().parameters(),
        "{what}: the parameters differ"
    );
}

/// The same seed gives the same bits on 1, 2 and 3 threads.
pub fn same_bits_on_any_thread_count<F: Checked>(case: &Case<F>) {
    let est = case.estimator().n_init(2);
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        pool.install(|| fit::<f64, F>(&est, None, &case.data, "threads"))
    };
    let one = on(1);
    for threads in [2, 3] {
        let other = on(threads);
        same_bits(&one.mixture, &other.mixture, &format!("{threads} threads"));
        assert_eq!(
            one.report.log_likelihood.to_bits(),
            other.report.log_likelihood.to_bits(),
            "{threads} threads: the log-likelihood differs"
        );
    }
}

/// A fit streamed from a source (rows and weights) gives the bits of the fit in memory.
pub fn streamed_is_in_memory<F: Checked>(case: &Case<F>) {
    let est = case.estimator();
    let w = case.weights();
    let memory = fit::<f64, F>(&est, None, case.data.weighted(&w), "in memory");
    let mut rows = MatrixSource::new(case.data.view());
    let mut weights = SliceSource::new(&w);
    let streamed = est
        .fit_with(
            Input::Stream {
                x: &mut rows,
                w: Some(&mut weights),
            },
            None,
            &mut Silent,
        )
        .unwrap_or_else(|e| panic!("streamed: the fit failed: {e}"));
    same_bits(&memory.mixture, &streamed.mixture, "streamed");
}

/// Chunks of one matrix answering requests as workers would: through JSON, merged as a
/// cluster's level-by-level tree reduction.
struct Chunks<'a, F> {
    estimator: Estimator<F>,
    data: Data<'a, f64>,
    rows_per_chunk: usize,
}

fn through_json<V: Serialize + DeserializeOwned>(value: &V) -> V {
    let text = serde_json::to_string(value).expect("serialises");
    serde_json::from_str(&text).expect("reads back")
}

impl<F: Checked> ChunkedData<f64, F> for Chunks<'_, F> {
    fn n_features(&self) -> usize {
        self.data.rows().n_cols()
    }

    fn run(
        &mut self,
        request: &ChunkRequest<f64, <F as Family<f64>>::Components>,
    ) -> Result<ChunkResult<<F as Family<f64>>::Stats>> {
        let request = through_json(request);
        let n = self.data.n_rows();
        let mut answers = (0..n)
            .step_by(self.rows_per_chunk)
            .map(|first| {
                let end = (first + self.rows_per_chunk).min(n);
                let answer =
                    self.estimator
                        .chunk(&request, self.data.slice_rows(first, end), first)?;
                Ok(through_json(&answer))
            })
            .collect::<Result<Vec<_>>>()?;
        while answers.len() > 1 {
            let mut next = Vec::new();
            let mut level = answers.into_iter();
            while let Some(mut left) = level.next() {
                if let Some(right) = level.next() {
                    left.merge(&right)?;
                }
                next.push(through_json(&left));
            }
            answers = next;
        }
        answers.pop().ok_or_else(|| MixtureError::InvalidOption {
            name: "chunks",
            value: "0".into(),
            expected: "at least one chunk",
        })
    }
}

/// A fit over chunks of 2^m blocks (requests and answers through JSON) gives the bits of the
/// fit in memory, with weights.
pub fn chunked_is_in_memory<F: Checked>(case: &Case<F>) {
    let est = case.estimator();
    let w = case.weights();
    let data = case.data.weighted(&w);
    let memory = fit::<f64, F>(&est, None, data, "in memory");
    let mut chunks = Chunks {
        estimator: est.clone(),
        data,
        rows_per_chunk: 32,
    };
    let chunked = est
        .fit_with(Input::Chunked(&mut chunks), None, &mut Silent)
        .unwrap_or_else(|e| panic!("over chunks: the fit failed: {e}"));
    same_bits(&memory.mixture, &chunked.mixture, "over chunks");
}

/// Integer weights are the rows repeated (to 1e-12 relative, from the same start).
pub fn integer_weights_are_repeated_rows<F: Checked>(case: &Case<F>) {
    let est = case.estimator();
    let start = case.start();
    let w = case.weights();
    let mut rows = Vec::new();
    for (row, &wi) in case.data.iter().zip(&w) {
        for _ in 0..wi as usize {
            rows.push(row.to_vec());
        }
    }
    let repeated = RowMatrix::from_rows(&rows).expect("rows");
    let weighted = fit::<f64, F>(&est, Some(&start), case.data.weighted(&w), "weighted");
    let copies = fit::<f64, F>(&est, Some(&start), &repeated, "repeated rows");
    let d = distance(&weighted.mixture, &copies.mixture);
    assert!(d < 1e-12, "weighted and repeated rows differ by {d:e}");
    let (a, b) = (weighted.report.log_likelihood, copies.report.log_likelihood);
    assert!(
        (a - b).abs() <= 1e-12 * a.abs(),
        "log-likelihoods {a} and {b}"
    );
    assert_eq!(
        weighted.report.weight_total,
        repeated.n_rows() as f64,
        "the total weight"
    );
    let (a, b) = (
        weighted.mixture.bic(case.data.weighted(&w)).expect("a BIC"),
        weighted.mixture.bic(&repeated).expect("a BIC"),
    );
    assert!(
        (a - b).abs() <= 1e-12 * a.abs(),
        "BIC {a} of weights, {b} of repeated rows"
    );
}

/// Every weight times a constant changes no parameter (to 1e-12 relative), unless the family's
/// settings add pseudo-counts ([`Case::scale_free`]), which then must count.
pub fn scaled_weights_change_nothing<F: Checked>(case: &Case<F>) {
    let est = case.estimator();
    let start = case.start();
    let w = case.weights();
    let base = fit::<f64, F>(&est, Some(&start), case.data.weighted(&w), "weighted");
    for c in [0.25, 7.0, 1e-6] {
        let scaled: Vec<f64> = w.iter().map(|v| v * c).collect();
        let other = fit::<f64, F>(&est, Some(&start), case.data.weighted(&scaled), "scaled");
        let d = distance(&base.mixture, &other.mixture);
        if case.scale_free {
            assert!(d < 1e-12, "weights × {c} moved a parameter by {d:e}");
        } else {
            // Pseudo-counts weigh more against smaller weights: the estimate must move.
            assert!(
                d > 1e-9,
                "weights × {c} left the estimate with pseudo-counts as it was"
            );
        }
    }
}

/// A weight of 0 removes its row: the fit is the fit without it (to 1e-12 relative).
pub fn zero_weight_removes_the_row<F: Checked>(case: &Case<F>) {
    let est = case.estimator();
    let start = case.start();
    let n = case.data.n_rows();
    let w: Vec<f64> = (0..n).map(|i| if i % 5 == 2 { 0.0 } else { 1.0 }).collect();
    let kept: Vec<&[f64]> = case
        .data
        .iter()
        .zip(&w)
        .filter(|(_, w)| **w > 0.0)
        .map(|(r, _)| r)
        .collect();
    let kept = RowMatrix::from_rows(&kept).expect("rows");
    let weighted = fit::<f64, F>(&est, Some(&start), case.data.weighted(&w), "weighted");
    let without = fit::<f64, F>(&est, Some(&start), &kept, "rows removed");
    let d = distance(&weighted.mixture, &without.mixture);
    assert!(d < 1e-12, "zero weights and removed rows differ by {d:e}");
    let (model, x) = (&weighted.mixture, case.data.weighted(&w));
    assert_eq!(
        weighted.report.weight_total,
        kept.n_rows() as f64,
        "the total weight"
    );
    assert_eq!(
        model.score(x).expect("a score"),
        model.log_likelihood(x).expect("a log-likelihood") / kept.n_rows() as f64,
        "the score is not per unit of weight"
    );
}

/// Each parameter group held alone stays at the start's values, bit for bit.
pub fn held_groups_stay_exact<F: Checked>(case: &Case<F>) {
    let start = case.start();
    let groups = [Parameter::WEIGHTS].into_iter().chain(
        <<F as Family<f64>>::Components as Components<f64>>::GROUPS
            .iter()
            .copied(),
    );
    for group in groups {
        let held = ParameterSet::of(&[group]);
        let est = case.estimator().hold(held);
        let fitted = fit::<f64, F>(&est, Some(&start), &case.data, group.name());
        let kept = fitted
            .mixture
            .components()
            .with_groups_of(start.components(), held)
            .unwrap_or_else(|e| panic!("{}: {e}", group.name()));
        assert!(
            kept.parameters() == fitted.mixture.components().parameters(),
            "{}: a held group moved",
            group.name()
        );
        if group == Parameter::WEIGHTS {
            assert_eq!(
                fitted.mixture.weights(),
                start.weights(),
                "held weights moved"
            );
        }
    }
}

/// A partial start that takes every group is the start itself.
pub fn a_partial_start_of_every_group_is_the_start<F: Checked>(case: &Case<F>) {
    let est = case.estimator();
    let start = case.start();
    let every = ParameterSet::every(<<F as Family<f64>>::Components as Components<f64>>::GROUPS);
    let whole = fit::<f64, F>(&est, Some(&start), &case.data, "from the start");
    let partial = est
        .fit_with(&case.data, Some(Start::taking(&start, every)), &mut Silent)
        .unwrap_or_else(|e| panic!("partial start: the fit failed: {e}"));
    same_bits(
        &whole.mixture,
        &partial.mixture,
        "a partial start of every group",
    );
}

/// A fitted model and a pass's statistics survive serde bit for bit.
pub fn model_and_statistics_round_trip<F: Checked>(case: &Case<F>) {
    let est = case.estimator();
    let fitted = fit::<f64, F>(&est, None, &case.data, "fit");
    let back: Mixture<f64, <F as Family<f64>>::Components> = through_json(&fitted.mixture);
    same_bits(&fitted.mixture, &back, "the model read back");
    let stats = est
        .e_step(&fitted.mixture, &case.data, 0)
        .unwrap_or_else(|e| panic!("e_step: {e}"));
    let back: Statistics<<F as Family<f64>>::Stats> = through_json(&stats);
    let (a, b) = (
        est.m_step::<f64>(&stats).expect("an M-step"),
        est.m_step::<f64>(&back).expect("an M-step"),
    );
    same_bits(&a.mixture, &b.mixture, "the M-step of statistics read back");
    let f32_model = fitted
        .mixture
        .to_precision::<f32>()
        .unwrap_or_else(|e| panic!("to f32: {e}"));
    assert!(
        distance(&fitted.mixture, &f32_model) < 1e-6,
        "f64 → f32 → f64 moved the parameters by more than f32's rounding"
    );
}

/// A fit in `f32` from the same seed ends near the fit in `f64` (log-likelihood to 1e-4).
pub fn f32_is_close_to_f64<F: Checked>(case: &Case<F>) {
    let est = case.estimator().init(Init::RandomRows);
    let wide = fit::<f64, F>(&est, None, &case.data, "f64");
    let narrow_data = case.data.map(|&v| v as f32);
    let narrow = fit::<f32, F>(&est, None, &narrow_data, "f32");
    let (a, b) = (wide.report.log_likelihood, narrow.report.log_likelihood);
    assert!(
        (a - b).abs() <= 1e-4 * a.abs().max(1.0),
        "f32 reached {b}, f64 {a}"
    );
}

/// A value outside the domain and a non-finite value are refused, naming their row and
/// column, by fitting and by scoring.
pub fn bad_values_are_named<F: Checked>(case: &Case<F>) {
    let est = case.estimator();
    let model = fit::<f64, F>(&est, None, &case.data, "fit").mixture;
    let (row, col) = (case.data.n_rows() / 2, case.data.n_cols() - 1);
    let mut bad_values = vec![f64::NAN, f64::INFINITY];
    bad_values.extend(case.outside);
    for value in bad_values {
        let mut x = case.data.clone();
        x.row_mut(row)[col] = value;
        for (what, result) in [
            ("fit", est.fit(&x).map(|_| ())),
            ("score", model.log_likelihood(&x).map(|_| ())),
        ] {
            match result {
                Err(MixtureError::NonFinite { row: r, col: c, .. })
                | Err(MixtureError::OutOfDomain { row: r, col: c, .. }) => {
                    assert_eq!((r, c), (row, col), "{what} of {value} named another place");
                }
                Err(e) => panic!("{what} of {value}: another error: {e}"),
                Ok(()) => panic!("{what} of {value} at row {row}, column {col} was accepted"),
            }
        }
    }
}

/// Responsibilities sum to one on every row, and labels are their largest.
pub fn responsibilities_sum_to_one<F: Checked>(case: &Case<F>) {
    let model = fit::<f64, F>(&case.estimator(), None, &case.data, "fit").mixture;
    let r = model.predict_proba(&case.data).expect("responsibilities");
    let labels = model.predict(&case.data).expect("labels");
    for (i, row) in r.iter().enumerate() {
        let total: f64 = row.iter().sum();
        assert!(
            (total - 1.0).abs() < 1e-12,
            "row {i}: responsibilities sum to {total}"
        );
        let best = row[labels[i]];
        assert!(
            row.iter().all(|&v| v <= best),
            "row {i}: label {} is not the largest responsibility",
            labels[i]
        );
    }
}

/// Samples are the same for the same seed, and lie in the family's domain.
pub fn samples_are_seeded_and_in_the_domain<F: Checked>(case: &Case<F>) {
    let model = fit::<f64, F>(&case.estimator(), None, &case.data, "fit").mixture;
    let draw = |seed| {
        model
            .sample(200, &mut ChaCha8Rng::seed_from_u64(seed))
            .expect("samples")
    };
    let (a, la) = draw(3);
    let (b, lb) = draw(3);
    assert_eq!(
        a.as_slice(),
        b.as_slice(),
        "the same seed drew other samples"
    );
    assert_eq!(la, lb, "the same seed drew other labels");
    assert!(
        a.as_slice().iter().all(|v| v.is_finite()),
        "a sample is not finite"
    );
    <<F as Family<f64>>::Components as Components<f64>>::check_domain(a.view())
        .unwrap_or_else(|e| panic!("a sample is outside the domain: {e}"));
    assert!(
        la.iter().all(|&k| k < model.n_components()),
        "a label is not a component"
    );
}

/// The marginal over every feature, in order, is the model itself (log-likelihood to 1e-12).
pub fn marginal_over_every_feature_is_the_model<F: Checked>(case: &Case<F>) {
    let model = fit::<f64, F>(&case.estimator(), None, &case.data, "fit").mixture;
    let dims: Vec<usize> = (0..model.n_features()).collect();
    let marginal = model.marginal(&dims).expect("a marginal");
    let (a, b) = (
        model.log_likelihood(&case.data).expect("scores"),
        marginal.log_likelihood(&case.data).expect("scores"),
    );
    assert!(
        (a - b).abs() <= 1e-12 * a.abs(),
        "{a} against the marginal's {b}"
    );
}

/// Every check of the contract as a `#[test]` of the calling crate, on the case `$case` (a
/// [`Case`](crate::testkit::Case) expression, evaluated by each test).
#[macro_export]
macro_rules! family_contract_tests {
    ($case:expr) => {
        $crate::family_contract_tests!(@each $case;
            same_bits_on_any_thread_count,
            streamed_is_in_memory,
            chunked_is_in_memory,
            integer_weights_are_repeated_rows,
            scaled_weights_change_nothing,
            zero_weight_removes_the_row,
            held_groups_stay_exact,
            a_partial_start_of_every_group_is_the_start,
            model_and_statistics_round_trip,
            f32_is_close_to_f64,
            bad_values_are_named,
            responsibilities_sum_to_one,
            samples_are_seeded_and_in_the_domain,
            marginal_over_every_feature_is_the_model,
        );
    };
    (@each $case:expr; $($check:ident),+ $(,)?) => {
        $(
            #[test]
            fn $check() {
                $crate::testkit::$check(&$case);
            }
        )+
    };
}
