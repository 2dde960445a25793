//! Model files: versioned JSON holding a fitted mixture of any family, in either precision, and
//! how it was fitted.
//!
//! ```json
//! {"format": "mixture-model", "version": 3, "family": "gaussian", "precision": "f64",
//!  "n_components": 3, "n_features": 2, "weights": [...],
//!  "means": [[...]], "covariance": "full", "covariances": [[[...]]], "fit": {...},
//!  "posterior": {...}}
//! ```
//!
//! Version 3 adds the optional `posterior` of a variational fit ([`PosteriorRecord`]); the
//! mixture's own fields are then the posterior mean (scikit-learn's `weights_`, `means_`,
//! `covariances_` for a Gaussian), which every command uses as a mixture of its family.
//! Versions 1 and 2 load.
//!
//! The schema is the serde form of [`Mixture`](crate::core::Mixture) (the family crates'
//! `serde` feature): the header, then the family's typed parameters
//! ([`GaussianParameters`](crate::gauss::GaussianParameters) with its covariance type's
//! compact shape, `probabilities` for Bernoulli, `rates` for exponential), then the optional
//! [`FitRecord`]. Values are `f64` in shortest round-trip form (an `f32` model's widened
//! exactly), so save then load gives bit-identical parameters. Loading goes through the
//! validated constructors.
//!
//! # Examples
//! ```
//! use mixture::core::Estimator;
//! use mixture::gauss::Gaussian;
//! use mixture::model_file::{AnyMixture, AnyModel, ModelFile};
//!
//! let blobs = mixture::datagen::lesson_blobs::<f64>(50, 1)?;
//! let fit = Estimator::new(Gaussian::diagonal(), 3).fit(&blobs.data)?;
//! let text = mixture::model_file::to_json(&AnyMixture::from(fit.mixture.clone()), None);
//! let ModelFile { model, fit: record, .. } = mixture::model_file::from_json(text.as_bytes())?;
//! let AnyModel::F64(AnyMixture::Gaussian(back)) = model else { panic!("a Gaussian f64 model") };
//! assert_eq!(back.means().as_slice(), fit.mixture.means().as_slice());
//! assert!(record.is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::core::{FitReport, MixtureError, Scalar, serial};
pub use crate::registry::AnyMixture;
use crate::registry::SettingsError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Model files larger than this are refused before parsing.
pub const MAX_MODEL_BYTES: u64 = 256 << 20;

/// What can go wrong reading or writing a model file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelFileError {
    /// The file cannot be read (missing, a directory, no permission, ...).
    #[error("cannot read {}: {message}", mixture_output::shown(Path::new(.path)))]
    Read {
        /// The file.
        path: String,
        /// The system's reason.
        message: String,
    },
    /// The file cannot be written.
    #[error("cannot write {}: {message}", mixture_output::shown(Path::new(.path)))]
    Write {
        /// The file.
        path: String,
        /// The system's reason.
        message: String,
    },
    /// A file larger than [`MAX_MODEL_BYTES`].
    #[error("{size} bytes is too large for a model file (at most {max})")]
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// Not a model file this library reads: not JSON, another format or version, missing or
    /// malformed fields, or parameters that do not form a mixture.
    #[error("{0}")]
    Invalid(String),
}

/// A mixture of any family in either precision.
#[derive(Debug, Clone)]
pub enum AnyModel {
    /// Computed in `f64`.
    F64(AnyMixture<f64>),
    /// Computed in `f32`.
    F32(AnyMixture<f32>),
}

impl AnyModel {
    /// The model in precision `T`, converted if it is in the other one.
    ///
    /// # Errors
    /// As [`Mixture::to_precision`](crate::core::Mixture::to_precision).
    pub fn to_precision<T: Scalar>(&self) -> Result<AnyMixture<T>, MixtureError> {
        match self {
            AnyModel::F64(m) => m.to_precision(),
            AnyModel::F32(m) => m.to_precision(),
        }
    }

    /// `"f64"` or `"f32"`.
    pub fn precision(&self) -> &'static str {
        match self {
            AnyModel::F64(_) => "f64",
            AnyModel::F32(_) => "f32",
        }
    }
}

/// How a model was fitted, as recorded in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitRecord {
    /// Iterations of the returned run.
    pub n_iter: usize,
    /// Whether the stop rule was met.
    pub converged: bool,
    /// `ln p(X)` of the returned model on the training data (nats; weighted when the fit was).
    pub log_likelihood: f64,
    /// Rows of the training data.
    pub n_samples: usize,
    /// The input file, if any.
    pub input: Option<String>,
    /// Seed of the random stream.
    pub seed: u64,
    /// The weights file, when the fit was weighted (absent in files written without weights).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<String>,
    /// Total weight of the training data, when the fit was weighted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_total: Option<f64>,
    /// Options, as given.
    pub options: serde_json::Map<String, serde_json::Value>,
}

impl FitRecord {
    /// The record of a fit with `report`, of data from `input` (weights from `weights`).
    pub fn new(
        report: &FitReport,
        input: Option<String>,
        weights: Option<String>,
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
            weight_total: report.weighted.then_some(report.weight_total),
            weights,
            options,
        }
    }
}

/// The posterior of a variational fit ([`crate::core::Estimator::fit_variational`]), as its
/// model file records it beside the posterior mean mixture: the weights' prior and posterior
/// (scikit-learn's `weight_concentration_prior_type`, `weight_concentration_prior`,
/// `weight_concentration_`), the lower bound, and the components' posterior and prior in their
/// family's serde form (a Gaussian's: `covariance`, `mean_precision`, `degrees_of_freedom`,
/// `means`, `covariances`, and `mean_precision`, `mean`, `degrees_of_freedom`, `covariance`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosteriorRecord {
    /// `"dirichlet_process"` or `"dirichlet_distribution"`.
    pub weight_concentration_prior_type: String,
    /// The weights' prior concentration.
    pub weight_concentration_prior: f64,
    /// The weights' posterior (2K values for a Dirichlet process: the first Beta
    /// parameters, then the second).
    pub weight_concentration: Vec<f64>,
    /// The lower bound the fit reached (scikit-learn's `lower_bound_`).
    pub lower_bound: f64,
    /// The evidence lower bound with every constant kept (see
    /// [`crate::core::variational::VariationalFit::evidence_bound`]); absent in files written
    /// before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_bound: Option<f64>,
    /// The components' posterior.
    pub components: serde_json::Value,
    /// The components' prior, every default resolved.
    pub prior: serde_json::Value,
}

impl PosteriorRecord {
    /// The record of a variational fit.
    pub fn new<T: Scalar>(fit: &crate::registry::AnyVariationalFit<T>) -> Self {
        Self {
            weight_concentration_prior_type: fit.weights.kind().scikit_learn_name().into(),
            weight_concentration_prior: fit.weights.prior(),
            weight_concentration: fit.weights.concentration().to_vec(),
            lower_bound: fit.lower_bound(),
            evidence_bound: Some(fit.evidence_bound),
            components: fit.posterior.clone(),
            prior: fit.prior.clone(),
        }
    }

    /// Why the record cannot be the posterior of a `family` model of K = `k` components of
    /// dimension `d`, if it cannot.
    fn mismatch(&self, family: &str, k: usize, d: usize) -> Option<String> {
        let dp = self.weight_concentration_prior_type == "dirichlet_process";
        if !dp && self.weight_concentration_prior_type != "dirichlet_distribution" {
            return Some(format!(
                "weight_concentration_prior_type {:?} is not dirichlet_process or dirichlet_distribution",
                self.weight_concentration_prior_type
            ));
        }
        let concentrations = if dp { 2 * k } else { k };
        if self.weight_concentration.len() != concentrations {
            return Some(format!(
                "weight_concentration has {} values, not {concentrations}",
                self.weight_concentration.len()
            ));
        }
        crate::registry::posterior_mismatch(family, &self.components, k, d)
    }
}

/// A model file's content.
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// The mixture.
    pub model: AnyModel,
    /// How it was fitted, when recorded.
    pub fit: Option<FitRecord>,
    /// The posterior, when the fit was variational (version 3).
    pub posterior: Option<PosteriorRecord>,
}

/// The JSON text of a model file for `model` with an optional fit record (pretty-printed, with
/// a final newline).
pub fn to_json<T: Scalar>(model: &AnyMixture<T>, fit: Option<&FitRecord>) -> String {
    to_json_with(model, fit, None)
}

/// [`to_json`] with a variational fit's posterior.
pub fn to_json_with<T: Scalar>(
    model: &AnyMixture<T>,
    fit: Option<&FitRecord>,
    posterior: Option<&PosteriorRecord>,
) -> String {
    let mut value = model.to_serde();
    if let Some(object) = value.as_object_mut() {
        if let Some(fit) = fit {
            object.insert(
                "fit".into(),
                serde_json::to_value(fit).expect("a fit record serialises"),
            );
        }
        if let Some(posterior) = posterior {
            object.insert(
                "posterior".into(),
                serde_json::to_value(posterior).expect("a posterior serialises"),
            );
        }
    }
    let mut text = serde_json::to_string_pretty(&value).expect("JSON values serialise");
    text.push('\n');
    text
}

/// Parses a model file's bytes (version 1, any family and precision).
///
/// # Errors
/// [`ModelFileError::Invalid`] saying what is wrong: not JSON, another format or version, a
/// family or precision this library does not know, missing or malformed fields, or parameters
/// that do not form a valid mixture.
pub fn from_json(bytes: &[u8]) -> Result<ModelFile, ModelFileError> {
    let invalid = |m: String| ModelFileError::Invalid(m);
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| invalid(format!("not a JSON model file: {e}")))?;
    unique_keys(bytes).map_err(|e| invalid(format!("not a model file: {e}")))?;
    let object = value
        .as_object_mut()
        .ok_or_else(|| invalid("not a model file: the JSON is not an object".into()))?;
    // Format and version first, so another kind of file gets the right message.
    let format = object.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format != serial::MODEL_FORMAT {
        return Err(invalid(format!(
            "not a mixture model file (format {format:?}, expected {:?})",
            serial::MODEL_FORMAT
        )));
    }
    match object.get("version").and_then(|v| v.as_u64()) {
        Some(v) if (1..=u64::from(serial::MODEL_VERSION)).contains(&v) => {}
        v => {
            return Err(invalid(format!(
                "model file version {} is not supported; this library reads versions 1 to {}",
                v.map_or("(missing)".to_string(), |v| v.to_string()),
                serial::MODEL_VERSION
            )));
        }
    }
    let fit = match object.remove("fit") {
        None | Some(serde_json::Value::Null) => None,
        Some(f) => Some(
            serde_json::from_value(f)
                .map_err(|e| invalid(format!("malformed `fit` record: {e}")))?,
        ),
    };
    let posterior: Option<PosteriorRecord> = match object.remove("posterior") {
        None | Some(serde_json::Value::Null) => None,
        Some(p) => Some(
            serde_json::from_value(p)
                .map_err(|e| invalid(format!("malformed `posterior` record: {e}")))?,
        ),
    };
    let family = object
        .get("family")
        .and_then(|f| f.as_str())
        .unwrap_or("(missing)")
        .to_string();
    let precision = object
        .get("precision")
        .and_then(|p| p.as_str())
        .unwrap_or("(missing)")
        .to_string();
    let model = match precision.as_str() {
        "f64" => AnyModel::F64(any_mixture(&family, value)?),
        "f32" => AnyModel::F32(any_mixture(&family, value)?),
        p => {
            return Err(invalid(format!(
                "precision {p:?} is not supported; use \"f64\" or \"f32\""
            )));
        }
    };
    if let Some(p) = &posterior {
        let (k, d) = match &model {
            AnyModel::F64(m) => (m.n_components(), m.n_features()),
            AnyModel::F32(m) => (m.n_components(), m.n_features()),
        };
        if let Some(why) = p.mismatch(&family, k, d) {
            return Err(invalid(format!("malformed `posterior` record: {why}")));
        }
    }
    Ok(ModelFile {
        model,
        fit,
        posterior,
    })
}

/// Refuses JSON with a key twice in one object, which a reader would otherwise take as its
/// last value without a word.
fn unique_keys(bytes: &[u8]) -> Result<(), serde_json::Error> {
    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
    struct Unique;
    impl<'de> DeserializeSeed<'de> for Unique {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Unique {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Unique)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if seen.contains(&key) {
                    let key: String = key.chars().take(40).collect();
                    return Err(A::Error::custom(format!(
                        "the key {key:?} appears twice in one object"
                    )));
                }
                map.next_value_seed(Unique)?;
                seen.insert(key);
            }
            Ok(())
        }
    }
    Unique.deserialize(&mut serde_json::Deserializer::from_slice(bytes))
}

fn any_mixture<T: Scalar>(
    family: &str,
    value: serde_json::Value,
) -> Result<AnyMixture<T>, ModelFileError> {
    AnyMixture::from_serde(family, value).map_err(|e| {
        ModelFileError::Invalid(match e {
            SettingsError::Invalid { family, message } => {
                format!("malformed {family} model file: {message}")
            }
            other => other.to_string(),
        })
    })
}

/// Reads a model file.
///
/// # Errors
/// [`ModelFileError::Read`] (naming the file), [`ModelFileError::TooLarge`], or as
/// [`from_json`].
pub fn load(path: &Path) -> Result<ModelFile, ModelFileError> {
    let read = |e: std::io::Error| ModelFileError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let size = std::fs::metadata(path).map_err(read)?.len();
    if size > MAX_MODEL_BYTES {
        return Err(ModelFileError::TooLarge {
            size,
            max: MAX_MODEL_BYTES,
        });
    }
    from_json(&std::fs::read(path).map_err(read)?)
}

/// Writes a model file as `mixture_output` writes: a regular file under a temporary name
/// renamed into place (a failure leaves no partial file and keeps an existing one), a device
/// or FIFO directly, `-` to standard output.
///
/// # Errors
/// [`ModelFileError::Write`] naming the file.
pub fn save<T: Scalar>(
    path: &Path,
    model: &AnyMixture<T>,
    fit: Option<&FitRecord>,
) -> Result<(), ModelFileError> {
    mixture_output::write_all(path, to_json(model, fit).as_bytes()).map_err(|e| {
        ModelFileError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    })
}
