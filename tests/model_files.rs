//! Model files and statistics that travel: version-1 files written by the command before the
//! schema moved into the library still load with the same numbers; save → load and
//! statistics → JSON → statistics are bit-identical for every family, covariance type and
//! precision; precision changes are a library method.

mod common;

use mixture::core::{
    Components, Estimator, Family, Mixture, RowMatrix, Scalar, chunked::Statistics,
};
use mixture::gauss::{CovarianceType, Gaussian};
use mixture::model_file::{self, AnyMixture, AnyModel, ModelFileError};
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v1_models");

fn read_csv(name: &str) -> RowMatrix<f64> {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join(name)).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
        .collect();
    RowMatrix::from_rows(&rows).unwrap()
}

/// The parameter numbers of a model file (weights, means, covariances, probabilities, rates).
fn parameters(text: &str) -> Vec<f64> {
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut out = Vec::new();
    for key in ["weights", "means", "covariances", "probabilities", "rates"] {
        if let Some(x) = v.get(key) {
            common::json_numbers(x, &mut out);
        }
    }
    out
}

fn score<T: Scalar>(model: &AnyMixture<T>, x: &RowMatrix<f64>) -> f64 {
    let x: RowMatrix<T> = x.map(|v| T::cast(*v));
    mixture::with_mixture!(model, m => m.log_likelihood(&x).unwrap())
}

#[test]
fn version_1_files_load_with_the_same_numbers() {
    let mut seen = 0;
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".json") || name.ends_with(".score.json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let file = model_file::load(&path).unwrap();
        let record = file.fit.expect("the command records the fit");
        assert_eq!(record.seed, 1);
        let data = read_csv(match name.split('_').next().unwrap() {
            "gaussian" => "lesson60.csv",
            "bernoulli" => "bern60.csv",
            _ => "exp60.csv",
        });
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(path.with_extension("score.json")).unwrap(),
        )
        .unwrap();
        let expected = expected["log_likelihood"].as_f64().unwrap();
        // The same parameters, bit for bit, written back the same way; the same score.
        let (again, ll) = match &file.model {
            AnyModel::F64(m) => (model_file::to_json(m, None), score(m, &data)),
            AnyModel::F32(m) => (model_file::to_json(m, None), score(m, &data)),
        };
        assert_eq!(parameters(&again), parameters(&text), "{name}");
        // The score is the same up to the precision's rounding: faster kernels may round
        // differently (fused multiply-adds, another order of summation), never by more.
        let tolerance = if file.model.precision() == "f32" {
            1e-6
        } else {
            1e-13
        };
        assert!(
            (ll - expected).abs() <= tolerance * expected.abs(),
            "{name}: {ll} against {expected}"
        );
        assert!(name.contains(file.model.precision()));
        seen += 1;
    }
    assert_eq!(seen, 12);
}

fn round_trip<T: Scalar>(model: AnyMixture<T>) {
    let dir = std::env::temp_dir().join(format!("mixture-model-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}-{}.json", model.family(), T::NAME));
    model_file::save(&path, &model, None).unwrap();
    let loaded = model_file::load(&path).unwrap().model;
    let back: AnyMixture<T> = match loaded {
        AnyModel::F64(m) => {
            assert_eq!(T::NAME, "f64");
            m.to_precision().unwrap()
        }
        AnyModel::F32(m) => {
            assert_eq!(T::NAME, "f32");
            m.to_precision().unwrap()
        }
    };
    // Every parameter and every derived value (log-densities) is the same, bit for bit.
    assert_eq!(
        model_file::to_json(&back, None),
        model_file::to_json(&model, None)
    );
    let x: RowMatrix<T> = mixture::with_mixture!(&model, m => m.sample(50, &mut rng()).unwrap().0);
    let a = mixture::with_mixture!(&model, m => m.log_likelihood_per_row(&x).unwrap());
    let b = mixture::with_mixture!(&back, m => m.log_likelihood_per_row(&x).unwrap());
    assert_eq!(a, b);
    std::fs::remove_file(&path).unwrap();
}

fn rng() -> mixture::core::rand::rngs::ChaCha8Rng {
    use mixture::core::rand::SeedableRng;
    mixture::core::rand::rngs::ChaCha8Rng::seed_from_u64(4)
}

fn fitted<T: Scalar>() -> Vec<AnyMixture<T>> {
    let blobs = mixture::datagen::lesson_blobs::<T>(40, 2).unwrap();
    let mut out: Vec<AnyMixture<T>> = CovarianceType::ALL
        .into_iter()
        .map(|kind| {
            Estimator::new(Gaussian::new(kind), 3)
                .fit(&blobs.data)
                .unwrap()
                .mixture
                .into()
        })
        .collect();
    let bits: RowMatrix<T> = blobs
        .data
        .map(|v| if *v > T::zero() { T::one() } else { T::zero() });
    out.push(
        Estimator::new(mixture::bern::Bernoulli::new(), 2)
            .fit(&bits)
            .unwrap()
            .mixture
            .into(),
    );
    let positive: RowMatrix<T> = blobs.data.map(|v| v.abs());
    out.push(
        Estimator::new(mixture::exp::Exponential::new(), 2)
            .fit(&positive)
            .unwrap()
            .mixture
            .into(),
    );
    out
}

#[test]
fn save_then_load_is_bit_identical_for_every_family_type_and_precision() {
    for m in fitted::<f64>() {
        round_trip(m);
    }
    for m in fitted::<f32>() {
        round_trip(m);
    }
}

#[test]
fn precision_changes_are_exact_when_widening() {
    for m in fitted::<f32>() {
        let wide: AnyMixture<f64> = m.to_precision().unwrap();
        let narrow: AnyMixture<f32> = wide.to_precision().unwrap();
        assert_eq!(
            model_file::to_json(&narrow, None),
            model_file::to_json(&m, None)
        );
        // Widened parameters are the f32 values exactly, written in the f64 file.
        let text = model_file::to_json(&wide, None);
        assert_eq!(
            parameters(&text),
            parameters(&model_file::to_json(&m, None))
        );
    }
}

/// Statistics of three parts, through JSON and back, merged on the other side: the same
/// M-step as a fit with those parts as blocks.
fn statistics_travel<T: Scalar, F: Family<T>>(family: F, x: &RowMatrix<T>, k: usize)
where
    F::Stats: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    <F::Components as Components<T>>::Parameters: serde::Serialize,
{
    let n = x.n_rows();
    let b = n.div_ceil(3);
    let est = Estimator::new(family, k).block_rows(b).max_iter(1).tol(0.0);
    let start = est.initialise(x).unwrap();
    let mut total = est.empty_statistics(&start);
    for first in (0..n).step_by(b) {
        let part = est
            .e_step(
                &start,
                x.view().slice_rows(first, (first + b).min(n)),
                first,
            )
            .unwrap();
        let text = serde_json::to_string(&part).unwrap();
        let back: Statistics<F::Stats> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, part);
        total.merge(&back).unwrap();
    }
    let by_parts = est.m_step(&total).unwrap().mixture;
    let fit: Mixture<T, F::Components> = est.fit_from(&start, x).unwrap().mixture;
    assert_eq!(
        serde_json::to_string(&by_parts).unwrap(),
        serde_json::to_string(&fit).unwrap()
    );
}

#[test]
fn statistics_round_trip_and_merge_for_every_family_and_precision() {
    fn all<T: Scalar>() {
        let blobs = mixture::datagen::lesson_blobs::<T>(100, 5).unwrap();
        for kind in [
            CovarianceType::Full,
            CovarianceType::Diagonal,
            CovarianceType::Spherical,
            CovarianceType::Tied,
        ] {
            statistics_travel(Gaussian::new(kind), &blobs.data, 3);
        }
        let bits = blobs
            .data
            .map(|v| if *v > T::zero() { T::one() } else { T::zero() });
        statistics_travel(mixture::bern::Bernoulli::new(), &bits, 2);
        statistics_travel(
            mixture::exp::Exponential::new(),
            &blobs.data.map(|v| v.abs()),
            2,
        );
    }
    all::<f64>();
    all::<f32>();
}

#[test]
fn bad_files_get_typed_errors() {
    let missing = model_file::load(Path::new("/nonexistent/model.json")).unwrap_err();
    assert!(matches!(missing, ModelFileError::Read { .. }), "{missing}");
    let m = fitted::<f64>().remove(CovarianceType::ALL.len() - 1);
    let text = model_file::to_json(&m, None);
    for (from, to, says) in [
        (
            "\"version\": 3",
            "\"version\": 4",
            "version 4 is not supported; this library reads versions 1 to 3",
        ),
        (
            "\"format\": \"mixture-model\"",
            "\"format\": \"x\"",
            "not a mixture model file",
        ),
        (
            "\"family\": \"gaussian\"",
            "\"family\": \"student\"",
            "family \"student\"",
        ),
        (
            "\"family\": \"gaussian\"",
            "\"family\": \"poisson\"",
            "malformed poisson model file: missing field `rates`",
        ),
        (
            "\"precision\": \"f64\"",
            "\"precision\": \"f16\"",
            "precision \"f16\"",
        ),
        (
            "\"covariance\": \"full\"",
            "\"covariance\": \"banded\"",
            "malformed gaussian",
        ),
        (
            "\"covariance\": \"full\"",
            "\"covariance\": \"VEV\"",
            "the VEV covariances must be an object of volumes, shapes and orientations",
        ),
    ] {
        let bad = text.replacen(from, to, 1);
        assert_ne!(bad, text);
        let err = model_file::from_json(bad.as_bytes()).unwrap_err();
        assert!(err.to_string().contains(says), "{err}");
    }
    // A key given twice is refused, not taken at its last value.
    let twice = text.replacen("\"weights\":", "\"weights\": [1.0], \"weights\":", 1);
    assert_ne!(twice, text);
    let err = model_file::from_json(twice.as_bytes()).unwrap_err();
    assert!(
        err.to_string()
            .contains("the key \"weights\" appears twice in one object"),
        "{err}"
    );
    // A file without a covariance type is read as full, as version-1 readers did.
    let v1: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut v1 = v1.as_object().unwrap().clone();
    v1.remove("covariance");
    let loaded = model_file::from_json(serde_json::to_string(&v1).unwrap().as_bytes()).unwrap();
    let AnyModel::F64(AnyMixture::Gaussian(g)) = loaded.model else {
        panic!("a Gaussian")
    };
    assert_eq!(g.components().covariance_type(), CovarianceType::Full);
}
