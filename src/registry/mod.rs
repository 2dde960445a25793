//! The registry: the one place that lists the families. Everything that handles "a family,
//! whichever it is" goes through here — [`AnyFamily`] (a family and its settings),
//! [`AnyMixture`] (a fitted mixture of any family), [`FamilyTask`] (work generic over the
//! family, run on an [`AnyFamily`]) and [`with_mixture!`](crate::with_mixture) — so that the
//! command, the Python extension, model files and model selection name no family's types.
//!
//! A family's settings travel as a JSON object of its own keys (its crate's serde form: a
//! Gaussian's `covariance`, `reg_covar` or `relative_reg_covar`, a Bernoulli's `prior`, an
//! exponential's `min_mean`), with the family's name beside them under `"family"`. Front ends
//! pass those keys through; a key of another family, a misspelt key and a bad value are refused
//! here, with messages that name them.
//!
//! Adding a family: a variant in [`AnyFamily`] and in [`AnyMixture`], an entry in the list of
//! entries, an arm in each `match` over them (the compiler points at each) and an impl of
//! [`Registered`] in this file; its parameter arrays, picture and unsupported components in
//! `parts.rs` ([`AnyMixture::parameter_arrays`], [`AnyMixture::from_arrays`],
//! [`AnyMixture::picture`], [`AnyMixture::unsupported`]).
//!
//! # Examples
//! ```
//! use mixture::registry::AnyFamily;
//!
//! let settings = serde_json::json!({"covariance": "diag", "reg_covar": 1e-4});
//! let family = AnyFamily::from_settings("gaussian", settings.as_object().unwrap())?;
//! assert_eq!(family.name(), "gaussian");
//! assert_eq!(family.settings()["covariance"], "diag");
//!
//! // A key of another family is refused, naming it and the family it belongs to.
//! let wrong = serde_json::json!({"covariance": "diag"});
//! let e = AnyFamily::from_settings("bernoulli", wrong.as_object().unwrap()).unwrap_err();
//! assert_eq!(e.to_string(), "covariance applies to the gaussian family only (the family is bernoulli)");
//! # Ok::<(), mixture::registry::SettingsError>(())
//! ```

use crate::bern::{Bernoulli, BernoulliComponents, BernoulliMixture};
use crate::core::{Components, Family, Mixture, MixtureError, Scalar};
use crate::exp::{Exponential, ExponentialComponents, ExponentialMixture};
use crate::gauss::{CovarianceType, Gaussian, GaussianComponents, GaussianMixture};
use crate::poisson::{Poisson, PoissonComponents, PoissonMixture};
use serde::Serialize;
use serde::de::DeserializeOwned;

mod parts;
mod variational;
pub use parts::{ParameterArray, Picture, Unsupported};
use serde_json::{Map, Value};
pub use variational::{AnyVariationalFit, ConjugateFamily, VariationalTask, posterior_mismatch};

/// A family of component distributions with its settings, of any registered family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AnyFamily {
    /// Gaussian: a covariance type and a regularisation.
    Gaussian(Gaussian),
    /// Bernoulli: a Beta prior.
    Bernoulli(Bernoulli),
    /// Exponential: a floor on the means.
    Exponential(Exponential),
    /// Poisson: a floor on the rates.
    Poisson(Poisson),
}

/// A mixture of one of the families, in precision `T`. (Exhaustive on purpose, so that
/// [`with_mixture!`](crate::with_mixture) works everywhere: a new family is a new major
/// version.)
#[derive(Debug, Clone)]
pub enum AnyMixture<T> {
    /// Gaussian, any covariance type.
    Gaussian(GaussianMixture<T>),
    /// Bernoulli.
    Bernoulli(BernoulliMixture<T>),
    /// Exponential.
    Exponential(ExponentialMixture<T>),
    /// Poisson.
    Poisson(PoissonMixture<T>),
}

/// Runs `$body` with `$m` bound to the mixture inside an [`AnyMixture`], whatever its family.
#[macro_export]
macro_rules! with_mixture {
    ($model:expr, $m:ident => $body:expr) => {
        match $model {
            $crate::registry::AnyMixture::Gaussian($m) => $body,
            $crate::registry::AnyMixture::Bernoulli($m) => $body,
            $crate::registry::AnyMixture::Exponential($m) => $body,
            $crate::registry::AnyMixture::Poisson($m) => $body,
        }
    };
}

/// The components of a registered family: how their mixtures go in and out of [`AnyMixture`],
/// and which of the family's settings a fitted mixture fixes.
pub trait Registered<T: Scalar>: Components<T, Parameters: Serialize + DeserializeOwned> {
    /// The mixture inside `any`, when it is of this family.
    fn of(any: &AnyMixture<T>) -> Option<&Mixture<T, Self>>;

    /// `mixture` as an [`AnyMixture`].
    fn into_any(mixture: Mixture<T, Self>) -> AnyMixture<T>;

    /// The settings that a fit starting from `mixture` must keep (a Gaussian's covariance
    /// type), in the family's serde form; empty for families whose settings a start does not
    /// fix.
    fn structure(mixture: &Mixture<T, Self>) -> Map<String, Value> {
        let _ = mixture;
        Map::new()
    }

    /// Fills in what model files of earlier versions leave out, before a mixture is read from
    /// its serde form `value`.
    fn upgrade(value: &mut Map<String, Value>) {
        let _ = value;
    }
}

/// A registered family: its components are [`Registered`], and its settings and statistics
/// serialise (model files, stepwise state, statistics sent between processes).
pub trait RegisteredFamily<T: Scalar>:
    Family<T, Components: Registered<T>, Stats: Serialize + DeserializeOwned>
    + Into<AnyFamily>
    + Serialize
    + DeserializeOwned
    + 'static
{
}

impl<T: Scalar, F> RegisteredFamily<T> for F where
    F: Family<T, Components: Registered<T>, Stats: Serialize + DeserializeOwned>
        + Into<AnyFamily>
        + Serialize
        + DeserializeOwned
        + 'static
{
}

/// Work generic over the family, run with the family inside an [`AnyFamily`] by
/// [`AnyFamily::run`]: what replaces a `match` over the families in front ends.
pub trait FamilyTask<T: Scalar> {
    /// What the work returns.
    type Output;

    /// Does the work with `family`.
    fn run<F: RegisteredFamily<T>>(self, family: F) -> Self::Output;
}

/// What is wrong with a family's name or settings.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// No registered family has this name.
    #[error("family {name:?} is not supported; use {}", AnyFamily::NAMES.join(", "))]
    UnknownFamily {
        /// The name given.
        name: String,
    },
    /// A setting that belongs to other families only.
    #[error("{key} applies to the {} family only (the family is {family})", owners.join(" or "))]
    OtherFamily {
        /// The setting.
        key: String,
        /// The family being configured.
        family: &'static str,
        /// The families that have the setting.
        owners: Vec<&'static str>,
    },
    /// A setting no family has.
    #[error("{key} is not a setting of the {family} family (its settings: {})", expected.join(", "))]
    Unknown {
        /// The setting.
        key: String,
        /// The family being configured.
        family: &'static str,
        /// The family's settings.
        expected: Vec<&'static str>,
    },
    /// A setting of the right family with a value it refuses.
    #[error("invalid {family} settings: {message}")]
    Invalid {
        /// The family being configured.
        family: &'static str,
        /// What is wrong, from the family's serde form.
        message: String,
    },
    /// A setting given together with a starting model that fixes it to another value.
    #[error("the initial model's {key} is {start} but {given} was given")]
    StartDisagrees {
        /// The setting.
        key: String,
        /// The starting model's value.
        start: String,
        /// The value given.
        given: String,
    },
    /// A starting model of another family.
    #[error("the initial model is {start} but the family is {family}")]
    StartFamily {
        /// The starting model's family.
        start: &'static str,
        /// The family being configured.
        family: &'static str,
    },
}

impl From<SettingsError> for MixtureError {
    fn from(e: SettingsError) -> Self {
        MixtureError::InvalidParameters {
            reason: e.to_string(),
        }
    }
}

/// A family's entry: its name (its components' [`Components::FAMILY`]), the keys of its
/// settings and how to read them.
struct Entry {
    name: &'static str,
    keys: fn() -> &'static [&'static str],
    read: fn(Value) -> Result<AnyFamily, serde_json::Error>,
}

const fn entry<F: DeserializeOwned + Into<AnyFamily>, C: Components<f64>>() -> Entry {
    Entry {
        name: C::FAMILY,
        keys: fields::<F>,
        read: |v| serde_json::from_value::<F>(v).map(Into::into),
    }
}

/// The registered families, in the order front ends list them.
const ENTRIES: [Entry; 4] = [
    entry::<Gaussian, GaussianComponents<f64>>(),
    entry::<Bernoulli, BernoulliComponents<f64>>(),
    entry::<Exponential, ExponentialComponents<f64>>(),
    entry::<Poisson, PoissonComponents<f64>>(),
];

const fn names() -> [&'static str; ENTRIES.len()] {
    let mut names = [""; ENTRIES.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = ENTRIES[i].name;
        i += 1;
    }
    names
}

fn entry_of(name: &str) -> Option<&'static Entry> {
    ENTRIES.iter().find(|e| e.name == name)
}

impl AnyFamily {
    /// The registered families' names, as model files, options and messages spell them; the
    /// first is the default.
    pub const NAMES: [&'static str; ENTRIES.len()] = names();

    /// The family's name (`"gaussian"`, ...).
    pub fn name(&self) -> &'static str {
        fn of<C: Components<f64>>() -> &'static str {
            C::FAMILY
        }
        match self {
            AnyFamily::Gaussian(_) => of::<GaussianComponents<f64>>(),
            AnyFamily::Bernoulli(_) => of::<BernoulliComponents<f64>>(),
            AnyFamily::Exponential(_) => of::<ExponentialComponents<f64>>(),
            AnyFamily::Poisson(_) => of::<PoissonComponents<f64>>(),
        }
    }

    /// Runs `task` with the family inside.
    pub fn run<T: Scalar, W: FamilyTask<T>>(self, task: W) -> W::Output {
        match self {
            AnyFamily::Gaussian(f) => task.run(f),
            AnyFamily::Bernoulli(f) => task.run(f),
            AnyFamily::Exponential(f) => task.run(f),
            AnyFamily::Poisson(f) => task.run(f),
        }
    }

    /// The family `name` with `settings` (its serde form; missing keys take their defaults).
    ///
    /// # Errors
    /// [`SettingsError::UnknownFamily`] for a name no family has; [`SettingsError::OtherFamily`]
    /// or [`SettingsError::Unknown`] for a key the family does not have;
    /// [`SettingsError::Invalid`] for a value its serde form refuses. Values are checked for
    /// range when fitting ([`Family::check_options`]).
    pub fn from_settings(name: &str, settings: &Map<String, Value>) -> Result<Self, SettingsError> {
        let entry = entry_of(name).ok_or_else(|| SettingsError::UnknownFamily {
            name: name.chars().take(40).collect(),
        })?;
        let (family, keys) = (entry.name, (entry.keys)());
        if let Some(key) = settings.keys().find(|k| !keys.contains(&k.as_str())) {
            let owners = Self::families_with(key);
            let key: String = key.chars().take(40).collect();
            return Err(if owners.is_empty() {
                SettingsError::Unknown {
                    key,
                    family,
                    expected: keys.to_vec(),
                }
            } else {
                SettingsError::OtherFamily {
                    key,
                    family,
                    owners,
                }
            });
        }
        (entry.read)(Value::Object(settings.clone())).map_err(|e| SettingsError::Invalid {
            family,
            message: e.to_string(),
        })
    }

    /// The family named in `settings["family"]` (default `"gaussian"`) with the other keys as
    /// its settings, taking the settings that `start` fixes (a Gaussian's covariance type) when
    /// `settings` does not give them.
    ///
    /// # Errors
    /// As [`AnyFamily::from_settings`]; [`SettingsError::StartFamily`] when `start` is of
    /// another family; [`SettingsError::StartDisagrees`] when `settings` gives a value that
    /// `start` fixes otherwise.
    pub fn for_start<T: Scalar>(
        settings: &Map<String, Value>,
        start: Option<&AnyMixture<T>>,
    ) -> Result<Self, SettingsError> {
        let mut settings = settings.clone();
        let name = match settings.remove("family") {
            None => Self::NAMES[0].to_string(),
            Some(Value::String(s)) => s,
            Some(other) => other.to_string(),
        };
        let family = Self::from_settings(&name, &settings)?;
        let Some(start) = start else {
            return Ok(family);
        };
        if start.family() != family.name() {
            return Err(SettingsError::StartFamily {
                start: start.family(),
                family: family.name(),
            });
        }
        // The given settings as the family reads them (`"VVV"` is `"full"`).
        let canonical = family.settings();
        for (key, fixed) in start.structure() {
            match canonical.get(&key).filter(|_| settings.contains_key(&key)) {
                Some(given) if given != &fixed => {
                    return Err(SettingsError::StartDisagrees {
                        key,
                        start: text(&fixed),
                        given: text(given),
                    });
                }
                Some(_) => {}
                None => {
                    settings.insert(key, fixed);
                }
            }
        }
        Self::from_settings(&name, &settings)
    }

    /// Checks the family's own settings ([`Family::check_options`]: a negative `reg_covar`, a
    /// prior below 1, ...).
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] naming the setting.
    pub fn check_options(&self) -> Result<(), MixtureError> {
        struct Check;
        impl FamilyTask<f64> for Check {
            type Output = Result<(), MixtureError>;
            fn run<F: RegisteredFamily<f64>>(self, family: F) -> Self::Output {
                family.check_options()
            }
        }
        self.run(Check)
    }

    /// The Gaussian covariance type's name (`"full"`, ...), `"-"` for the other families: the
    /// column model-selection tables show beside the family.
    pub fn covariance(&self) -> &'static str {
        match self {
            AnyFamily::Gaussian(g) => g.covariance_type().name(),
            _ => "-",
        }
    }

    /// The values the `covariance` setting takes (the Gaussian family's fourteen models, in
    /// mclust's order): each model's name and its mclust code, which is the same but for
    /// scikit-learn's four (`("full", "VVV")`). Either is accepted, in any case.
    pub fn covariance_names() -> Vec<(&'static str, &'static str)> {
        CovarianceType::ALL
            .iter()
            .map(|c| (c.name(), c.code()))
            .collect()
    }

    /// The family's settings in its serde form, without the name.
    pub fn settings(&self) -> Map<String, Value> {
        let value = match self {
            AnyFamily::Gaussian(f) => serde_json::to_value(f),
            AnyFamily::Bernoulli(f) => serde_json::to_value(f),
            AnyFamily::Exponential(f) => serde_json::to_value(f),
            AnyFamily::Poisson(f) => serde_json::to_value(f),
        };
        match value {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    /// The family's name under `"family"` and its settings: what [`AnyFamily::for_start`]
    /// reads back.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("family".into(), self.name().into());
        map.extend(self.settings());
        map
    }

    /// The families whose settings have the key `key`.
    pub fn families_with(key: &str) -> Vec<&'static str> {
        Self::NAMES
            .into_iter()
            .filter(|&n| Self::settings_keys(n).contains(&key))
            .collect()
    }

    /// The keys of the settings of the family named `name` (empty for an unknown name).
    pub fn settings_keys(name: &str) -> &'static [&'static str] {
        entry_of(name).map_or(&[], |e| (e.keys)())
    }
}

/// JSON text of a value, strings unquoted.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The field names a derived `Deserialize` asks for: its serde form's keys, read from the type
/// itself so that no list of keys is written twice.
fn fields<S: DeserializeOwned>() -> &'static [&'static str] {
    use serde::de::{self, Deserializer, Visitor};
    #[derive(Debug)]
    struct Found(&'static [&'static str]);
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("fields found")
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Found(&[])
        }
    }
    struct Probe;
    impl<'de> Deserializer<'de> for Probe {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            Err(Found(&[]))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Found> {
            Err(Found(fields))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    match S::deserialize(Probe) {
        Err(Found(fields)) => fields,
        Ok(_) => &[],
    }
}

impl From<Gaussian> for AnyFamily {
    fn from(f: Gaussian) -> Self {
        AnyFamily::Gaussian(f)
    }
}
impl From<Bernoulli> for AnyFamily {
    fn from(f: Bernoulli) -> Self {
        AnyFamily::Bernoulli(f)
    }
}
impl From<Exponential> for AnyFamily {
    fn from(f: Exponential) -> Self {
        AnyFamily::Exponential(f)
    }
}

impl<T: Scalar> Registered<T> for GaussianComponents<T> {
    fn of(any: &AnyMixture<T>) -> Option<&Mixture<T, Self>> {
        match any {
            AnyMixture::Gaussian(m) => Some(m),
            _ => None,
        }
    }

    fn into_any(mixture: Mixture<T, Self>) -> AnyMixture<T> {
        AnyMixture::Gaussian(mixture)
    }

    fn structure(mixture: &Mixture<T, Self>) -> Map<String, Value> {
        let kind = mixture.components().covariance_type();
        Map::from_iter([("covariance".to_string(), kind.name().into())])
    }

    fn upgrade(value: &mut Map<String, Value>) {
        // Version 1 readers took a Gaussian without a covariance type as full.
        if !value.contains_key("covariance") {
            value.insert("covariance".into(), "full".into());
        }
    }
}

impl<T: Scalar> Registered<T> for BernoulliComponents<T> {
    fn of(any: &AnyMixture<T>) -> Option<&Mixture<T, Self>> {
        match any {
            AnyMixture::Bernoulli(m) => Some(m),
            _ => None,
        }
    }

    fn into_any(mixture: Mixture<T, Self>) -> AnyMixture<T> {
        AnyMixture::Bernoulli(mixture)
    }
}

impl From<Poisson> for AnyFamily {
    fn from(f: Poisson) -> Self {
        AnyFamily::Poisson(f)
    }
}

impl<T: Scalar> Registered<T> for PoissonComponents<T> {
    fn of(any: &AnyMixture<T>) -> Option<&Mixture<T, Self>> {
        match any {
            AnyMixture::Poisson(m) => Some(m),
            _ => None,
        }
    }

    fn into_any(mixture: Mixture<T, Self>) -> AnyMixture<T> {
        AnyMixture::Poisson(mixture)
    }
}

impl<T: Scalar> Registered<T> for ExponentialComponents<T> {
    fn of(any: &AnyMixture<T>) -> Option<&Mixture<T, Self>> {
        match any {
            AnyMixture::Exponential(m) => Some(m),
            _ => None,
        }
    }

    fn into_any(mixture: Mixture<T, Self>) -> AnyMixture<T> {
        AnyMixture::Exponential(mixture)
    }
}

impl<T: Scalar, C: Registered<T>> From<Mixture<T, C>> for AnyMixture<T> {
    fn from(m: Mixture<T, C>) -> Self {
        C::into_any(m)
    }
}

impl<T: Scalar> AnyMixture<T> {
    /// The family's name (`"gaussian"`, `"bernoulli"`, `"exponential"`).
    pub fn family(&self) -> &'static str {
        fn name<T: Scalar, C: Components<T>>(_: &Mixture<T, C>) -> &'static str {
            C::FAMILY
        }
        with_mixture!(self, m => name(m))
    }

    /// The settings a fit starting from this mixture must keep (see
    /// [`Registered::structure`]).
    pub fn structure(&self) -> Map<String, Value> {
        fn of<T: Scalar, C: Registered<T>>(m: &Mixture<T, C>) -> Map<String, Value> {
            C::structure(m)
        }
        with_mixture!(self, m => of(m))
    }

    /// The mixture of the family `family` in its serde form `value` (a model file's object).
    ///
    /// # Errors
    /// [`SettingsError::UnknownFamily`] for a name no family has; [`SettingsError::Invalid`]
    /// when `value` is not a valid mixture of that family.
    pub fn from_serde(family: &str, value: Value) -> Result<Self, SettingsError> {
        type Read<T> = fn(Value) -> Result<AnyMixture<T>, serde_json::Error>;
        fn read<T: Scalar, C: Registered<T>>() -> (&'static str, Read<T>) {
            (C::FAMILY, |mut v| {
                if let Value::Object(object) = &mut v {
                    C::upgrade(object);
                }
                serde_json::from_value::<Mixture<T, C>>(v).map(C::into_any)
            })
        }
        let readers = [
            read::<T, GaussianComponents<T>>(),
            read::<T, BernoulliComponents<T>>(),
            read::<T, ExponentialComponents<T>>(),
            read::<T, PoissonComponents<T>>(),
        ];
        let (name, read) = readers
            .into_iter()
            .find(|(name, _)| *name == family)
            .ok_or_else(|| SettingsError::UnknownFamily {
                name: family.chars().take(40).collect(),
            })?;
        read(value).map_err(|e| SettingsError::Invalid {
            family: name,
            message: e.to_string(),
        })
    }

    /// The mixture in its serde form.
    pub fn to_serde(&self) -> Value {
        with_mixture!(self, m => serde_json::to_value(m)).expect("a mixture serialises")
    }

    /// The mixture inside, when it is of the family of components `C`.
    pub fn as_family<C: Registered<T>>(&self) -> Option<&Mixture<T, C>> {
        C::of(self)
    }

    /// Number of components K.
    pub fn n_components(&self) -> usize {
        with_mixture!(self, m => m.n_components())
    }

    /// The mixing weights (K, summing to 1).
    pub fn weights(&self) -> &[f64] {
        with_mixture!(self, m => m.weights())
    }

    /// Number of features D.
    pub fn n_features(&self) -> usize {
        with_mixture!(self, m => m.n_features())
    }

    /// Free parameters, the mixing weights included (what BIC and AIC count).
    pub fn n_parameters(&self) -> usize {
        with_mixture!(self, m => m.n_parameters())
    }

    /// The same mixture in precision `U` (see [`Mixture::to_precision`]).
    ///
    /// # Errors
    /// [`MixtureError::InvalidParameters`] naming the parameters that hold a value beyond `U`'s
    /// largest (an f64 model's 1e39 as f32); otherwise as [`Mixture::to_precision`].
    pub fn to_precision<U: Scalar>(&self) -> Result<AnyMixture<U>, MixtureError> {
        let largest = U::max_value().as_f64();
        let means = with_mixture!(self, m => m.means().into_vec());
        let widened = |v: &[T]| v.iter().map(|v| v.as_f64()).collect::<Vec<f64>>();
        let groups = std::iter::once(("means", widened(&means))).chain(
            self.parameter_arrays()
                .into_iter()
                .map(|a| (a.name, widened(&a.values))),
        );
        for (name, values) in groups {
            if let Some(v) = values.into_iter().find(|v| v.abs() > largest) {
                return Err(MixtureError::InvalidParameters {
                    reason: format!(
                        "the model's {name} hold {v:e}, beyond the largest {} ({largest:e}): keep the model in {}",
                        U::NAME,
                        T::NAME
                    ),
                });
            }
        }
        Ok(match self {
            AnyMixture::Gaussian(m) => AnyMixture::Gaussian(m.to_precision()?),
            AnyMixture::Bernoulli(m) => AnyMixture::Bernoulli(m.to_precision()?),
            AnyMixture::Exponential(m) => AnyMixture::Exponential(m.to_precision()?),
            AnyMixture::Poisson(m) => AnyMixture::Poisson(m.to_precision()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn names_and_keys_come_from_the_families() {
        assert_eq!(
            AnyFamily::NAMES,
            ["gaussian", "bernoulli", "exponential", "poisson"]
        );
        assert_eq!(
            AnyFamily::settings_keys("gaussian"),
            [
                "covariance",
                "reg_covar",
                "relative_reg_covar",
                "prior_shrinkage"
            ]
        );
        assert_eq!(AnyFamily::settings_keys("bernoulli"), ["prior"]);
        assert_eq!(AnyFamily::settings_keys("exponential"), ["min_mean"]);
        assert_eq!(AnyFamily::settings_keys("poisson"), ["min_rate"]);
    }

    #[test]
    fn settings_round_trip_for_every_family() {
        let families = [
            AnyFamily::from(Gaussian::tied().with_relative_reg_covar(1e-3)),
            AnyFamily::from(Bernoulli::new().with_prior(2.0, 3.0)),
            AnyFamily::from(Exponential::new().with_min_mean(1e-12)),
            AnyFamily::from(Poisson::new().with_min_rate(1e-12)),
        ];
        for f in families {
            let back = AnyFamily::for_start::<f64>(&f.to_json(), None).unwrap();
            assert_eq!(back, f);
        }
        // Defaults for missing keys.
        let g = AnyFamily::from_settings("gaussian", &Map::new()).unwrap();
        assert_eq!(g, AnyFamily::Gaussian(Gaussian::full()));
    }

    #[test]
    fn wrong_keys_names_and_values_are_named() {
        let e = |name: &str, v: Value| {
            AnyFamily::from_settings(name, &map(v))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            e("exponential", json!({"reg_covar": 1.0})),
            "reg_covar applies to the gaussian family only (the family is exponential)"
        );
        assert_eq!(
            e("gaussian", json!({"min_men": 1.0})),
            "min_men is not a setting of the gaussian family (its settings: covariance, reg_covar, relative_reg_covar, prior_shrinkage)"
        );
        let bad = e("gaussian", json!({"covariance": "diagonal"}));
        assert!(
            bad.contains("\"diagonal\"") && bad.contains("EVV, VVV") && bad.contains("full, diag"),
            "{bad}"
        );
        let both = e(
            "gaussian",
            json!({"reg_covar": 1.0, "relative_reg_covar": 1.0}),
        );
        assert!(both.contains("not both"), "{both}");
        assert!(e("student", json!({})).contains("gaussian, bernoulli, exponential, poisson"));
    }

    #[test]
    fn a_value_beyond_the_narrower_precision_is_named() {
        let means = [0.0, 1e39];
        let m = crate::gauss::GaussianComponents::<f64>::with_type(
            crate::core::Rows::new(&means, 1).unwrap(),
            &[1.0, 1.0],
            crate::gauss::CovarianceType::Spherical,
        )
        .unwrap();
        let m = AnyMixture::from(Mixture::from_parts(&[0.5, 0.5], m).unwrap());
        let e = m.to_precision::<f32>().unwrap_err().to_string();
        assert!(
            e.contains("the model's means hold 1e39, beyond the largest f32"),
            "{e}"
        );
        assert!(m.to_precision::<f64>().is_ok());
    }

    #[test]
    fn a_start_fixes_its_structure() {
        let blobs = crate::datagen::lesson_blobs::<f64>(60, 3).unwrap();
        let diag = crate::core::Estimator::new(Gaussian::diagonal(), 2)
            .fit(&blobs.data)
            .unwrap()
            .mixture;
        let start = AnyMixture::from(diag);
        let f = AnyFamily::for_start(&map(json!({"reg_covar": 1e-3})), Some(&start)).unwrap();
        assert_eq!(
            f,
            AnyFamily::Gaussian(Gaussian::diagonal().with_reg_covar(1e-3))
        );
        // Another name of the same model agrees; another model does not.
        let same = AnyFamily::for_start(&map(json!({"covariance": "VVI"})), Some(&start));
        assert_eq!(same.unwrap(), AnyFamily::Gaussian(Gaussian::diagonal()));
        let e = AnyFamily::for_start(&map(json!({"covariance": "vvv"})), Some(&start));
        assert_eq!(
            e.unwrap_err().to_string(),
            "the initial model's covariance is diag but full was given"
        );
        let e = AnyFamily::for_start(&map(json!({"family": "bernoulli"})), Some(&start));
        assert_eq!(
            e.unwrap_err().to_string(),
            "the initial model is gaussian but the family is bernoulli"
        );
    }
}
