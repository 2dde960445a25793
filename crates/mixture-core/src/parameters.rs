//! [`Parameter`] and [`ParameterSet`]: the groups of a mixture's parameters that a fit can hold
//! fixed ([`Estimator::hold`](crate::Estimator::hold)) or take from a partial start
//! ([`Start::taking`](crate::Start::taking)).

use crate::error::{MixtureError, Result};
use std::fmt;

/// One group of a mixture's parameters. The weights belong to every mixture; which of the
/// others a family has, [`Components::GROUPS`](crate::Components::GROUPS) says (a Bernoulli or
/// exponential component is its mean; a Gaussian has means and covariances).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Parameter {
    /// The mixing weights.
    Weights,
    /// The components' means (a Bernoulli's probabilities, an exponential's 1/rate).
    Means,
    /// The components' covariances (Gaussian only).
    Covariances,
}

impl Parameter {
    /// Every group, in the order sets list them.
    pub const ALL: [Parameter; 3] = [Parameter::Weights, Parameter::Means, Parameter::Covariances];

    /// The group's name in options and messages (`"means"`).
    pub fn name(self) -> &'static str {
        match self {
            Parameter::Weights => "weights",
            Parameter::Means => "means",
            Parameter::Covariances => "covariances",
        }
    }

    /// The group named `name` (as [`Parameter::name`] spells it), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    fn bit(self) -> u8 {
        match self {
            Parameter::Weights => 1,
            Parameter::Means => 2,
            Parameter::Covariances => 4,
        }
    }
}

/// A set of parameter groups, listed and printed in the order of [`Parameter::ALL`].
///
/// # Examples
/// ```
/// use mixture_core::{Parameter, ParameterSet};
///
/// let held = ParameterSet::parse("means,weights").unwrap();
/// assert!(held.contains(Parameter::Weights) && !held.contains(Parameter::Covariances));
/// assert_eq!(held.to_string(), "weights,means");
/// assert_eq!(held, ParameterSet::of(&[Parameter::Weights, Parameter::Means]));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ParameterSet(u8);

impl ParameterSet {
    /// No group.
    pub const NONE: ParameterSet = ParameterSet(0);

    /// The set of `groups`.
    pub fn of(groups: &[Parameter]) -> Self {
        Self(groups.iter().fold(0, |bits, p| bits | p.bit()))
    }

    /// The set named by comma-separated group names (`"weights,means"`); empty text is the
    /// empty set.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] for a name that is not a group.
    pub fn parse(text: &str) -> Result<Self> {
        let mut set = Self::NONE;
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let Some(p) = Parameter::from_name(name) else {
                return Err(MixtureError::InvalidOption {
                    name: "parameters",
                    value: name.chars().take(40).collect(),
                    expected: "a comma-separated list of weights, means, covariances",
                });
            };
            set = set.with(p);
        }
        Ok(set)
    }

    /// This set and `group`.
    #[must_use]
    pub fn with(self, group: Parameter) -> Self {
        Self(self.0 | group.bit())
    }

    /// This set without `group`.
    #[must_use]
    pub fn without(self, group: Parameter) -> Self {
        Self(self.0 & !group.bit())
    }

    /// Whether `group` is in the set.
    pub fn contains(self, group: Parameter) -> bool {
        self.0 & group.bit() != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The groups in the order of [`Parameter::ALL`].
    pub fn iter(self) -> impl Iterator<Item = Parameter> {
        Parameter::ALL
            .into_iter()
            .filter(move |&p| self.contains(p))
    }

    /// Every group of a family whose components have `groups`, and the weights.
    pub fn every(groups: &[Parameter]) -> Self {
        Self::of(groups).with(Parameter::Weights)
    }

    /// The first group in this set that a family with component groups `groups` lacks.
    pub(crate) fn first_missing(self, groups: &[Parameter]) -> Option<Parameter> {
        self.iter()
            .find(|&p| p != Parameter::Weights && !groups.contains(&p))
    }
}

impl fmt::Display for ParameterSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.iter().map(Parameter::name).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_names_and_printing_round_trip() {
        for bits in 0..8u8 {
            let set = ParameterSet(bits);
            assert_eq!(ParameterSet::parse(&set.to_string()).unwrap(), set);
        }
        assert_eq!(
            ParameterSet::parse(" covariances , weights").unwrap(),
            ParameterSet::of(&[Parameter::Covariances, Parameter::Weights])
        );
        let e = ParameterSet::parse("weights,rates")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("rates") && e.contains("weights, means, covariances"),
            "{e}"
        );
    }
}
