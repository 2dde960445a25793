//! The model file: versioned JSON holding a fitted mixture and how it was fitted.
//!
//! ```json
//! {"format": "mixture-model", "version": 1, "family": "gaussian", "covariance": "full",
//!  "precision": "f64", "n_components": 3, "n_features": 2,
//!  "weights": [...], "means": [[...]], "covariances": [[[...]]], "fit": {...}}
//! ```
//!
//! Bernoulli models hold `probabilities` (K×D), exponential models `rates` (K×D). Values are
//! written as `f64` in shortest round-trip form (an `f32` model's values widened exactly), so
//! saving then loading gives bit-identical parameters in either precision.

use crate::error::CliError;
use crate::files::AtomicFile;
use mixture_bern::{BernoulliMixture, bernoulli_mixture};
use mixture_core::{FitReport, Mixture, Rows, Scalar};
use mixture_exp::{ExponentialMixture, exponential_mixture};
use mixture_gauss::{CovarianceType, GaussianComponents, GaussianMixture};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The value of the `format` field.
pub const FORMAT: &str = "mixture-model";
/// The model-file version this program writes and reads.
pub const VERSION: u32 = 1;
/// Model files larger than this are refused before parsing.
pub const MAX_MODEL_BYTES: u64 = 256 << 20;

/// How a model was fitted, as recorded in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitRecord {
    /// Iterations of the returned run.
    pub n_iter: usize,
    /// Whether the stop rule was met.
    pub converged: bool,
    /// `ln p(X)` of the returned model on the training data (nats).
    pub log_likelihood: f64,
    /// Rows of the training data.
    pub n_samples: usize,
    /// The input file.
    pub input: Option<String>,
    /// Seed of the random stream.
    pub seed: u64,
    /// Options, as given on the command line.
    pub options: serde_json::Map<String, serde_json::Value>,
}

impl FitRecord {
    /// The record of a fit with `report`.
    pub fn new(
        report: &FitReport,
        input: Option<String>,
        seed: u64,
        options: serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        Self {
            n_iter: report.n_iter,
            converged: report.converged,
            log_likelihood: report.log_likelihood,
            n_samples: report.n_samples,
            input,
            seed,
            options,
        }
    }
}

/// The file's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ModelFile {
    format: String,
    version: u32,
    family: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    covariance: Option<String>,
    precision: String,
    n_components: usize,
    n_features: usize,
    weights: Vec<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    means: Option<Vec<Vec<f64>>>,
    /// K×D×D (full), K×D (diag), K (spherical) or D×D (tied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    covariances: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    probabilities: Option<Vec<Vec<f64>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rates: Option<Vec<Vec<f64>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fit: Option<FitRecord>,
}

/// A mixture of one of the families, in one precision.
#[derive(Debug, Clone)]
pub enum Model<T> {
    /// Gaussian, full covariance.
    Gaussian(GaussianMixture<T>),
    /// Bernoulli.
    Bernoulli(BernoulliMixture<T>),
    /// Exponential.
    Exponential(ExponentialMixture<T>),
}

/// Runs `$body` with `$m` bound to the mixture inside a [`Model`], whatever its family.
#[macro_export]
macro_rules! with_mixture {
    ($model:expr, $m:ident => $body:expr) => {
        match $model {
            $crate::model_file::Model::Gaussian($m) => $body,
            $crate::model_file::Model::Bernoulli($m) => $body,
            $crate::model_file::Model::Exponential($m) => $body,
        }
    };
}

/// A model in either precision.
#[derive(Debug, Clone)]
pub enum AnyModel {
    /// Computed in `f64`.
    F64(Model<f64>),
    /// Computed in `f32`.
    F32(Model<f32>),
}

impl<T: Scalar> Model<T> {
    /// The family's name in the file.
    pub fn family(&self) -> &'static str {
        match self {
            Model::Gaussian(_) => "gaussian",
            Model::Bernoulli(_) => "bernoulli",
            Model::Exponential(_) => "exponential",
        }
    }

    /// Number of features D.
    pub fn n_features(&self) -> usize {
        with_mixture!(self, m => m.n_features())
    }
}

fn rows<T: Scalar>(r: Rows<'_, T>) -> Vec<Vec<f64>> {
    r.iter()
        .map(|row| row.iter().map(|v| v.as_f64()).collect())
        .collect()
}

fn weights<T: Scalar, C: mixture_core::Components<T>>(m: &Mixture<T, C>) -> Vec<f64> {
    m.weights().to_vec()
}

fn to_file<T: Scalar>(model: &Model<T>, fit: Option<FitRecord>) -> ModelFile {
    let (k, d) = with_mixture!(model, m => (m.n_components(), m.n_features()));
    let mut file = ModelFile {
        format: FORMAT.into(),
        version: VERSION,
        family: model.family().into(),
        covariance: None,
        precision: T::NAME.into(),
        n_components: k,
        n_features: d,
        weights: with_mixture!(model, m => weights(m)),
        means: None,
        covariances: None,
        probabilities: None,
        rates: None,
        fit,
    };
    match model {
        Model::Gaussian(m) => {
            let c = m.components();
            let kind = c.covariance_type();
            file.covariance = Some(kind.name().into());
            file.means = Some(rows(c.means()));
            let values: Vec<f64> = c
                .covariance_parameters()
                .iter()
                .map(|v| v.as_f64())
                .collect();
            let matrix = |v: &[f64]| rows(Rows::new(v, d).expect("D×D"));
            file.covariances = Some(match kind {
                CovarianceType::Full => {
                    serde_json::json!(values.chunks_exact(d * d).map(matrix).collect::<Vec<_>>())
                }
                CovarianceType::Diagonal => serde_json::json!(matrix(&values)),
                CovarianceType::Tied => serde_json::json!(matrix(&values)),
                _ => serde_json::json!(values),
            });
        }
        Model::Bernoulli(m) => file.probabilities = Some(rows(m.components().probabilities())),
        Model::Exponential(m) => file.rates = Some(rows(m.components().rates())),
    }
    file
}

/// Serialises `model` with its fit record.
pub fn to_json<T: Scalar>(model: &Model<T>, fit: Option<FitRecord>) -> String {
    let mut text = serde_json::to_string_pretty(&to_file(model, fit)).expect("a model serialises");
    text.push('\n');
    text
}

/// The same model in precision `T` (parameters rounded when narrowing).
///
/// # Errors
/// [`CliError::input`] if the rounded parameters no longer form a valid mixture (for example
/// a covariance that stops being positive definite in `f32`).
pub fn as_precision<T: Scalar>(model: &AnyModel) -> Result<Model<T>, CliError> {
    let file = match model {
        AnyModel::F64(m) => to_file(m, None),
        AnyModel::F32(m) => to_file(m, None),
    };
    build(&file)
}

/// Writes `model` to `path` atomically.
///
/// # Errors
/// [`CliError::input`] naming the file when it cannot be written.
pub fn save<T: Scalar>(
    path: &Path,
    model: &Model<T>,
    fit: Option<FitRecord>,
) -> Result<(), CliError> {
    AtomicFile::write_all(path, to_json(model, fit).as_bytes())
}

/// Reads a model file.
///
/// # Errors
/// [`CliError::input`] naming the file: unreadable, too large, not JSON, another format or
/// version, inconsistent shapes, or parameters that do not form a valid mixture.
pub fn load(path: &Path) -> Result<AnyModel, CliError> {
    let ctx = |e: CliError| e.context(path.display());
    let size = std::fs::metadata(path)
        .map_err(|e| CliError::input(format!("cannot open {}: {e}", path.display())))?
        .len();
    if size > MAX_MODEL_BYTES {
        return Err(ctx(CliError::input(format!(
            "{size} bytes is too large for a model file"
        ))));
    }
    let text = std::fs::read(path)
        .map_err(|e| CliError::input(format!("cannot read {}: {e}", path.display())))?;
    from_json(&text).map_err(ctx)
}

/// Parses a model file's bytes.
///
/// # Errors
/// As [`load`], without the file name.
pub fn from_json(bytes: &[u8]) -> Result<AnyModel, CliError> {
    // Look at format and version first, so another file gets the right message.
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| CliError::input(format!("not a JSON model file: {e}")))?;
    let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format != FORMAT {
        return Err(CliError::input(format!(
            "not a mixture model file (format {format:?}, expected {FORMAT:?})"
        )));
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(VERSION) => {}
        v => {
            return Err(CliError::input(format!(
                "model file version {} is not supported; this program reads version {VERSION}",
                v.map_or("(missing)".to_string(), |v| v.to_string())
            )));
        }
    }
    let file: ModelFile = serde_json::from_value(value)
        .map_err(|e| CliError::input(format!("malformed model file: {e}")))?;
    match file.precision.as_str() {
        "f64" => Ok(AnyModel::F64(build(&file)?)),
        "f32" => Ok(AnyModel::F32(build(&file)?)),
        p => Err(CliError::input(format!(
            "precision {p:?} is not supported; use \"f64\" or \"f32\""
        ))),
    }
}

/// Flattens `rows` after checking they are `n` rows of `d` values.
fn flatten<T: Scalar>(
    name: &str,
    rows: &[Vec<f64>],
    n: usize,
    d: usize,
) -> Result<Vec<T>, CliError> {
    if rows.len() != n || rows.iter().any(|r| r.len() != d) {
        return Err(CliError::input(format!(
            "`{name}` must be {n} rows of {d} values"
        )));
    }
    Ok(rows.iter().flatten().map(|&v| T::cast(v)).collect())
}

fn build<T: Scalar>(f: &ModelFile) -> Result<Model<T>, CliError> {
    let (k, d) = (f.n_components, f.n_features);
    if k == 0 || d == 0 {
        return Err(CliError::input(
            "n_components and n_features must be at least 1",
        ));
    }
    if f.weights.len() != k {
        return Err(CliError::input(format!(
            "{} weights for {k} components",
            f.weights.len()
        )));
    }
    let missing = |name: &str| CliError::input(format!("a {} model needs `{name}`", f.family));
    Ok(match f.family.as_str() {
        "gaussian" => {
            let name = f.covariance.as_deref().unwrap_or("full");
            let kind = CovarianceType::from_name(name).ok_or_else(|| {
                CliError::input(format!(
                    "covariance type {name:?} is not one of full, diag, spherical, tied"
                ))
            })?;
            let means = flatten::<T>(
                "means",
                f.means.as_ref().ok_or_else(|| missing("means"))?,
                k,
                d,
            )?;
            let value = f
                .covariances
                .as_ref()
                .ok_or_else(|| missing("covariances"))?;
            let shape = || {
                CliError::input(format!(
                    "`covariances` of a {name} model must be {}",
                    match kind {
                        CovarianceType::Full => format!("{k} matrices of {d}×{d}"),
                        CovarianceType::Diagonal => format!("{k} rows of {d} variances"),
                        CovarianceType::Spherical => format!("{k} variances"),
                        _ => format!("one {d}×{d} matrix"),
                    }
                ))
            };
            let flat: Vec<T> = match kind {
                CovarianceType::Full => {
                    let m: Vec<Vec<Vec<f64>>> =
                        serde_json::from_value(value.clone()).map_err(|_| shape())?;
                    if m.len() != k {
                        return Err(shape());
                    }
                    let mut flat = Vec::with_capacity(k * d * d);
                    for c in &m {
                        flat.extend(flatten::<T>("covariances", c, d, d).map_err(|_| shape())?);
                    }
                    flat
                }
                CovarianceType::Diagonal | CovarianceType::Tied => {
                    let m: Vec<Vec<f64>> =
                        serde_json::from_value(value.clone()).map_err(|_| shape())?;
                    let rows = if kind == CovarianceType::Tied { d } else { k };
                    flatten::<T>("covariances", &m, rows, d).map_err(|_| shape())?
                }
                _ => {
                    let v: Vec<f64> = serde_json::from_value(value.clone()).map_err(|_| shape())?;
                    if v.len() != k {
                        return Err(shape());
                    }
                    v.iter().map(|&x| T::cast(x)).collect()
                }
            };
            let components = GaussianComponents::with_type(Rows::new(&means, d)?, &flat, kind)?;
            Model::Gaussian(Mixture::from_parts(&f.weights, components)?)
        }
        "bernoulli" => {
            let p = flatten::<T>(
                "probabilities",
                f.probabilities
                    .as_ref()
                    .ok_or_else(|| missing("probabilities"))?,
                k,
                d,
            )?;
            Model::Bernoulli(bernoulli_mixture(&f.weights, Rows::new(&p, d)?)?)
        }
        "exponential" => {
            let r = flatten::<T>(
                "rates",
                f.rates.as_ref().ok_or_else(|| missing("rates"))?,
                k,
                d,
            )?;
            Model::Exponential(exponential_mixture(&f.weights, Rows::new(&r, d)?)?)
        }
        other => {
            return Err(CliError::input(format!(
                "family {other:?} is not supported; use gaussian, bernoulli or exponential"
            )));
        }
    })
}
