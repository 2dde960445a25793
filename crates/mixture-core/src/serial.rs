//! Serialised forms (the `serde` feature): statistics and mixtures carry a format name and a
//! version, and come back through the same checks as the constructors.
//!
//! Every number is an `f64` (an `f32` model's values widened exactly), so a round trip through
//! a format that keeps `f64` exactly (JSON with serde_json's `float_roundtrip`, or any binary
//! format) gives back every bit.

use crate::degeneracy::WorstRow;
use crate::family::{Components, SufficientStats};
use crate::mixture::Mixture;
use crate::sample::{Keyed, RowSample};
use crate::scalar::Scalar;
use crate::statistics::Statistics;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// The `format` of serialised statistics.
pub const STATISTICS_FORMAT: &str = "mixture-statistics";
/// The version of serialised statistics this library writes and reads.
pub const STATISTICS_VERSION: u32 = 1;
/// The `format` of a serialised mixture (a model file).
pub const MODEL_FORMAT: &str = "mixture-model";
/// The version of serialised mixtures (model files) this library writes; it reads this one
/// and every earlier one. Version 2 added mclust's ten other Gaussian covariance models
/// (`"covariance": "VEV"`, ...), which version 1 readers do not know; version 3 the optional
/// `posterior` of a variational fit (read by the `mixture` crate's model files).
pub const MODEL_VERSION: u32 = 3;

fn check_header(
    kind: &str,
    format: &str,
    version: u32,
    want: &str,
    want_version: u32,
) -> Result<(), String> {
    if format != want {
        return Err(format!("not {kind} (format {format:?}, expected {want:?})"));
    }
    if !(1..=want_version).contains(&version) {
        let versions = match want_version {
            1 => "version 1".to_string(),
            v => format!("versions 1 to {v}"),
        };
        return Err(format!(
            "{kind} version {version} is not supported; this library reads {versions}"
        ));
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StatisticsRepr<S> {
    format: String,
    version: u32,
    counts: Vec<f64>,
    log_likelihood: f64,
    /// Written by variational passes; statistics of E-M passes (and older writers) have 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    entropy: f64,
    weight_total: f64,
    n_rows: usize,
    worst: Vec<WorstRow>,
    family: S,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl<S> From<Statistics<S>> for StatisticsRepr<S> {
    fn from(s: Statistics<S>) -> Self {
        Self {
            format: STATISTICS_FORMAT.into(),
            version: STATISTICS_VERSION,
            counts: s.counts,
            log_likelihood: s.log_likelihood,
            entropy: s.entropy,
            weight_total: s.weight_total,
            n_rows: s.n_rows,
            worst: s.worst,
            family: s.family,
        }
    }
}

impl<S: SufficientStats> TryFrom<StatisticsRepr<S>> for Statistics<S> {
    type Error = String;

    fn try_from(r: StatisticsRepr<S>) -> Result<Self, String> {
        check_header(
            "mixture statistics",
            &r.format,
            r.version,
            STATISTICS_FORMAT,
            STATISTICS_VERSION,
        )?;
        let (k, d) = (r.family.n_components(), r.family.n_features());
        if r.counts.len() != k {
            return Err(format!(
                "{} counts for statistics of {k} components",
                r.counts.len()
            ));
        }
        if r.worst.len() > k || r.worst.iter().any(|w| w.values.len() != d) {
            return Err(format!("worst rows must be at most {k} rows of {d} values"));
        }
        Ok(Self {
            counts: r.counts,
            family: r.family,
            log_likelihood: r.log_likelihood,
            entropy: r.entropy,
            weight_total: r.weight_total,
            n_rows: r.n_rows,
            worst: r.worst,
        })
    }
}

/// The `format` of a serialised initialisation sample ([`RowSample`]).
pub const SAMPLE_FORMAT: &str = "mixture-row-sample";
/// The version of serialised samples this library writes and reads.
pub const SAMPLE_VERSION: u32 = 1;

/// One kept row of a [`RowSample`] as it is written.
#[derive(Serialize, Deserialize)]
struct KeyedRepr {
    key: f64,
    row: usize,
    weight: f64,
    values: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
struct RowSampleRepr {
    format: String,
    version: u32,
    seed: u64,
    size: usize,
    n_rows: usize,
    positive_rows: usize,
    weight_total: f64,
    weighted: bool,
    /// In row order.
    rows: Vec<KeyedRepr>,
}

impl Serialize for RowSample {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut rows: Vec<KeyedRepr> = self
            .kept
            .iter()
            .map(|k| KeyedRepr {
                key: k.0.key,
                row: k.0.row,
                weight: k.0.weight,
                values: k.0.values.clone(),
            })
            .collect();
        rows.sort_by_key(|k| k.row);
        RowSampleRepr {
            format: SAMPLE_FORMAT.into(),
            version: SAMPLE_VERSION,
            seed: self.seed,
            size: self.size,
            n_rows: self.n_rows,
            positive_rows: self.positive_rows,
            weight_total: self.weight_total,
            weighted: self.weighted,
            rows,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RowSample {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let r = RowSampleRepr::deserialize(deserializer)?;
        check_header(
            "a row sample",
            &r.format,
            r.version,
            SAMPLE_FORMAT,
            SAMPLE_VERSION,
        )
        .map_err(de::Error::custom)?;
        let d = r.rows.first().map_or(0, |k| k.values.len());
        let consistent = r.rows.len() <= r.size.min(r.positive_rows)
            && r.positive_rows <= r.n_rows
            && r.rows
                .iter()
                .all(|k| k.values.len() == d && k.weight > 0.0 && k.key <= 0.0);
        if !consistent {
            return Err(de::Error::custom(
                "a row sample must keep at most `size` rows of positive weight and keys ≤ 0, all of one dimension",
            ));
        }
        let mut sample = RowSample::new(r.seed, r.size);
        sample.n_rows = r.n_rows;
        sample.positive_rows = r.positive_rows;
        sample.weight_total = r.weight_total;
        sample.weighted = r.weighted;
        sample.kept = r
            .rows
            .into_iter()
            .map(|k| {
                std::cmp::Reverse(Keyed {
                    key: k.key,
                    row: k.row,
                    weight: k.weight,
                    values: k.values,
                })
            })
            .collect();
        Ok(sample)
    }
}

/// A mixture as it is written: header, weights, then the family's parameters.
#[derive(Serialize, Deserialize)]
struct MixtureRepr<P> {
    format: String,
    version: u32,
    family: String,
    precision: String,
    n_components: usize,
    n_features: usize,
    weights: Vec<f64>,
    #[serde(flatten)]
    parameters: P,
}

impl<T, C> Serialize for Mixture<T, C>
where
    T: Scalar,
    C: Components<T>,
    C::Parameters: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        MixtureRepr {
            format: MODEL_FORMAT.into(),
            version: MODEL_VERSION,
            family: C::FAMILY.into(),
            precision: T::NAME.into(),
            n_components: self.n_components(),
            n_features: self.n_features(),
            weights: self.weights().to_vec(),
            parameters: self.components().parameters(),
        }
        .serialize(serializer)
    }
}

/// Reads a mixture of family `C` in precision `T`. A file written in the other precision is
/// converted (exactly when widening `f32` to `f64`; rounded, and checked again, when narrowing).
impl<'de, T, C> Deserialize<'de> for Mixture<T, C>
where
    T: Scalar,
    C: Components<T>,
    C::Parameters: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let r = MixtureRepr::<C::Parameters>::deserialize(deserializer)?;
        check_header(
            "a mixture model",
            &r.format,
            r.version,
            MODEL_FORMAT,
            MODEL_VERSION,
        )
        .map_err(de::Error::custom)?;
        if r.family != C::FAMILY {
            return Err(de::Error::custom(format!(
                "a {} model cannot be read as a {} model",
                r.family,
                C::FAMILY
            )));
        }
        if !["f32", "f64"].contains(&r.precision.as_str()) {
            return Err(de::Error::custom(format!(
                "precision {:?} is not supported; use \"f64\" or \"f32\"",
                r.precision
            )));
        }
        let components = C::from_parameters(&r.parameters).map_err(de::Error::custom)?;
        if (components.n_components(), components.n_features()) != (r.n_components, r.n_features) {
            return Err(de::Error::custom(format!(
                "the parameters describe {} components of {} features but the header says {} of {}",
                components.n_components(),
                components.n_features(),
                r.n_components,
                r.n_features
            )));
        }
        Mixture::from_parts(&r.weights, components).map_err(de::Error::custom)
    }
}
