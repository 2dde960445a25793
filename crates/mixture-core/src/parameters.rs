//! [`Parameter`] and [`ParameterSet`]: the groups of a mixture's parameters that a fit can hold
//! fixed ([`Estimator::hold`](crate::Estimator::hold)) or take from a partial start
//! ([`Start::taking`](crate::Start::taking)).

use crate::error::{MixtureError, Result};
use std::fmt;

/// One group of a mixture's parameters, by name. The weights belong to every mixture; a family
/// declares the others in [`Components::GROUPS`](crate::Components::GROUPS) (a Bernoulli or
/// exponential component is its mean; a Gaussian has means and covariances), and may name its
/// own ([`Parameter::named`]: a Student-t's degrees of freedom) with no change to this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parameter(&'static str);

impl Parameter {
    /// The mixing weights.
    pub const WEIGHTS: Parameter = Parameter("weights");
    /// The components' means (a Bernoulli's probabilities, an exponential's 1/rate).
    pub const MEANS: Parameter = Parameter("means");
    /// The components' covariances.
    pub const COVARIANCES: Parameter = Parameter("covariances");

    /// A family's own group called `name` (lower case, words joined by `_`, as options and
    /// messages spell it).
    pub const fn named(name: &'static str) -> Self {
        Parameter(name)
    }

    /// The group's name in options and messages (`"means"`).
    pub const fn name(self) -> &'static str {
        self.0
    }

    /// Where sets list the group: the weights, means and covariances first, then the others by
    /// name.
    fn rank(self) -> (usize, &'static str) {
        let common = [Self::WEIGHTS, Self::MEANS, Self::COVARIANCES];
        (
            common
                .iter()
                .position(|&c| c == self)
                .unwrap_or(common.len()),
            self.0,
        )
    }
}

/// Most groups a set holds (the weights and a family's own).
const MAX_GROUPS: usize = 8;

/// A set of parameter groups, listed and printed with the weights, means and covariances first
/// and a family's own groups after them, by name.
///
/// # Examples
/// ```
/// use mixture_core::{Parameter, ParameterSet};
///
/// let groups = [Parameter::WEIGHTS, Parameter::MEANS, Parameter::COVARIANCES];
/// let held = ParameterSet::parse_among("means,weights", "held", "gaussian", &groups)?;
/// assert!(held.contains(Parameter::WEIGHTS) && !held.contains(Parameter::COVARIANCES));
/// assert_eq!(held.to_string(), "weights,means");
/// assert_eq!(held, ParameterSet::of(&[Parameter::WEIGHTS, Parameter::MEANS]));
/// # Ok::<(), mixture_core::MixtureError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParameterSet {
    /// The groups in order, then empty names.
    groups: [Parameter; MAX_GROUPS],
    len: u8,
}

impl Default for ParameterSet {
    fn default() -> Self {
        Self::NONE
    }
}

impl ParameterSet {
    /// No group.
    pub const NONE: ParameterSet = ParameterSet {
        groups: [Parameter(""); MAX_GROUPS],
        len: 0,
    };

    /// The set of `groups`.
    ///
    /// # Panics
    /// With more than 8 distinct groups (no family has that many).
    pub fn of(groups: &[Parameter]) -> Self {
        groups.iter().fold(Self::NONE, |set, &p| set.with(p))
    }

    /// The set named by comma-separated group names (`"weights,means"`) among `groups` (the
    /// weights and a family's own groups); empty text is the empty set. `option` and `family`
    /// name the option and the family in the error.
    ///
    /// # Errors
    /// [`MixtureError::UnknownGroup`] for a name that is not among `groups`.
    pub fn parse_among(
        text: &str,
        option: &'static str,
        family: &'static str,
        groups: &[Parameter],
    ) -> Result<Self> {
        let mut set = Self::NONE;
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let Some(&p) = groups.iter().find(|p| p.name() == name) else {
                let names: Vec<_> = groups.iter().map(|p| p.name()).collect();
                return Err(MixtureError::UnknownGroup {
                    option,
                    group: name.chars().take(40).collect(),
                    family,
                    groups: names.join(", "),
                });
            };
            set = set.with(p);
        }
        Ok(set)
    }

    /// This set and `group`.
    ///
    /// # Panics
    /// When the set already holds 8 other groups.
    #[must_use]
    pub fn with(self, group: Parameter) -> Self {
        if self.contains(group) {
            return self;
        }
        let len = usize::from(self.len);
        assert!(
            len < MAX_GROUPS,
            "a parameter set holds at most {MAX_GROUPS} groups"
        );
        let mut groups = self.groups;
        groups[len] = group;
        groups[..=len].sort_by_key(|p| p.rank());
        Self {
            groups,
            len: self.len + 1,
        }
    }

    /// This set without `group`.
    #[must_use]
    pub fn without(self, group: Parameter) -> Self {
        self.iter()
            .filter(|&p| p != group)
            .fold(Self::NONE, |set, p| set.with(p))
    }

    /// Whether `group` is in the set.
    pub fn contains(self, group: Parameter) -> bool {
        self.groups[..usize::from(self.len)].contains(&group)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The groups, in the set's order.
    pub fn iter(self) -> impl Iterator<Item = Parameter> {
        self.groups.into_iter().take(usize::from(self.len))
    }

    /// Every group of a family whose components have `groups`, and the weights.
    pub fn every(groups: &[Parameter]) -> Self {
        Self::of(groups).with(Parameter::WEIGHTS)
    }

    /// The first group in this set that a family with component groups `groups` lacks.
    pub(crate) fn first_missing(self, groups: &[Parameter]) -> Option<Parameter> {
        self.iter()
            .find(|&p| p != Parameter::WEIGHTS && !groups.contains(&p))
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

    const GAUSSIAN: [Parameter; 3] = [Parameter::WEIGHTS, Parameter::MEANS, Parameter::COVARIANCES];

    #[test]
    fn parsing_names_and_printing_round_trip() {
        for bits in 0..8usize {
            let set = ParameterSet::of(
                &GAUSSIAN
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| bits & (1 << i) != 0)
                    .map(|(_, p)| p)
                    .collect::<Vec<_>>(),
            );
            let text = set.to_string();
            assert_eq!(
                ParameterSet::parse_among(&text, "held", "gaussian", &GAUSSIAN).unwrap(),
                set
            );
        }
        assert_eq!(
            ParameterSet::parse_among(" covariances , weights", "held", "gaussian", &GAUSSIAN)
                .unwrap(),
            ParameterSet::of(&[Parameter::COVARIANCES, Parameter::WEIGHTS])
        );
        let e = ParameterSet::parse_among("weights,rates", "held", "gaussian", &GAUSSIAN)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("rates")
                && e.contains("gaussian")
                && e.contains("weights, means, covariances"),
            "{e}"
        );
    }

    #[test]
    fn a_family_names_its_own_groups_and_sets_order_them() {
        let dof = Parameter::named("degrees_of_freedom");
        let set = ParameterSet::of(&[dof, Parameter::MEANS, Parameter::WEIGHTS]);
        assert_eq!(set.to_string(), "weights,means,degrees_of_freedom");
        assert_eq!(
            set,
            ParameterSet::of(&[Parameter::WEIGHTS, dof, Parameter::MEANS])
        );
        assert_eq!(
            set.without(Parameter::MEANS).to_string(),
            "weights,degrees_of_freedom"
        );
        assert_eq!(set.first_missing(&[Parameter::MEANS]), Some(dof));
        assert_eq!(set.with(dof), set);
    }
}
