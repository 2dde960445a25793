//! The M-step: new parameters from merged statistics, with degenerate components handled by
//! the policy and held parameter groups kept.

use crate::degeneracy::{Degeneracy, DegenerateAction, DegenerateReason, MIN_COMPONENT_WEIGHT};
use crate::error::{MixtureError, Result};
use crate::family::{Family, SufficientStats};
use crate::mixture::Mixture;
use crate::options::DegeneratePolicy;
use crate::parameters::{Parameter, ParameterSet};
use crate::scalar::Scalar;
use crate::statistics::Statistics;

/// What an M-step gives: the new mixture and the degenerate components it met.
#[derive(Debug, Clone)]
pub struct MStep<T, C> {
    /// The new parameters.
    pub mixture: Mixture<T, C>,
    /// Degenerate components, in the order they were handled.
    pub degenerate: Vec<Degeneracy>,
}

impl<T, C> MStep<T, C> {
    /// Indices of the components dropped, in removal order (each index as it was then).
    pub fn dropped(&self) -> impl Iterator<Item = usize> + '_ {
        self.degenerate
            .iter()
            .filter(|d| d.action == DegenerateAction::Dropped)
            .map(|d| d.component)
    }
}

/// The M-step: new parameters from merged statistics, handling degenerate components by
/// `policy`. The mixing weights are the counts over their total.
///
/// # Errors
/// [`MixtureError::EmptyComponent`] or [`MixtureError::ParametersNotFormed`] when the policy is
/// [`DegeneratePolicy::Error`], when re-seeding has no worst row left, or when dropping would
/// leave no component; [`MixtureError::IncompatibleStatistics`] for statistics that saw no
/// weight at all; other errors of [`Family::estimate`] as they come.
pub fn m_step<T: Scalar, F: Family<T>>(
    family: &F,
    stats: &Statistics<F::Stats>,
    policy: DegeneratePolicy,
) -> Result<MStep<T, F::Components>> {
    m_step_checked(family, stats, policy, None, None)
}

/// The mixture `current` holds fixed: its parameters of the groups `held` stay exactly as they
/// are in every M-step ([`crate::Estimator::hold`]).
#[derive(Debug)]
pub(crate) struct Hold<'a, T, C> {
    pub current: &'a Mixture<T, C>,
    pub held: ParameterSet,
}

// By hand: a derive would ask T and C to be Copy.
impl<T, C> Clone for Hold<'_, T, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, C> Copy for Hold<'_, T, C> {}

/// [`m_step`], and with `rows_needed` a component of fewer effective rows is degenerate too
/// ([`DegenerateReason::TooFewRows`]); a component re-seeded in this M-step is not checked
/// again.
pub(crate) fn m_step_checked<T: Scalar, F: Family<T>>(
    family: &F,
    stats: &Statistics<F::Stats>,
    policy: DegeneratePolicy,
    rows_needed: Option<f64>,
    hold: Option<Hold<'_, T, F::Components>>,
) -> Result<MStep<T, F::Components>> {
    if stats.weight_total.is_nan() || stats.weight_total <= 0.0 {
        return Err(MixtureError::IncompatibleStatistics {
            reason: "no rows of positive weight were accumulated; run the E-step on data first"
                .into(),
        });
    }
    // "A row" is the mean weight of a row, so scaling every weight changes nothing.
    let minimum = MIN_COMPONENT_WEIGHT * stats.weight_total / stats.n_rows.max(1) as f64;
    let mut edited: Option<Statistics<F::Stats>> = None;
    let mut degenerate = Vec::new();
    let mut reseeds = 0;
    let mut reseeded = Vec::new();
    loop {
        let current = edited.as_ref().unwrap_or(stats);
        let empty = current
            .counts
            .iter()
            .position(|&c| !(c >= minimum && c.is_finite()));
        let too_few = rows_needed.and_then(|needed| {
            let c = (0..current.counts.len())
                .find(|&c| current.counts[c] < needed && !reseeded.contains(&c))?;
            Some((c, needed))
        });
        let (component, reason, error) = match (empty, too_few) {
            (Some(component), _) => (
                component,
                DegenerateReason::Empty,
                MixtureError::EmptyComponent {
                    component,
                    weight: current.counts[component],
                    minimum,
                },
            ),
            (None, Some((component, needed))) => (
                component,
                DegenerateReason::TooFewRows,
                MixtureError::SpuriousComponent {
                    component,
                    effective_rows: current.counts[component],
                    rows_needed: needed,
                },
            ),
            (None, None) => match estimate(family, &current.family, hold) {
                Ok(components) => {
                    let total: f64 = current.counts.iter().sum();
                    let weights = match hold {
                        Some(h) if h.held.contains(Parameter::WEIGHTS) => {
                            h.current.weights().to_vec()
                        }
                        _ => current.counts.iter().map(|&c| c / total).collect(),
                    };
                    return Ok(MStep {
                        mixture: Mixture::from_normalised_weights(weights, components),
                        degenerate,
                    });
                }
                Err(e @ MixtureError::ParametersNotFormed { component, .. }) => {
                    (component, DegenerateReason::Singular, e)
                }
                Err(e) => return Err(e),
            },
        };
        let current = edited.get_or_insert_with(|| stats.clone());
        let action = match policy {
            DegeneratePolicy::Error => return Err(error),
            DegeneratePolicy::Reseed => {
                // Each re-seed takes the next worst row; K of them at most per M-step.
                let Some(worst) = current.worst.get(reseeds) else {
                    return Err(error);
                };
                reseeds += 1;
                let (row, weight, values) = (worst.row, worst.weight, worst.values.clone());
                current.family.reseed(component, &values, weight);
                current.counts[component] = weight;
                reseeded.push(component);
                DegenerateAction::Reseeded { row }
            }
            DegeneratePolicy::Drop => {
                if current.counts.len() == 1 {
                    return Err(error);
                }
                current.family.remove(component);
                current.counts.remove(component);
                for r in reseeded.iter_mut().filter(|r| **r > component) {
                    *r -= 1;
                }
                DegenerateAction::Dropped
            }
        };
        degenerate.push(Degeneracy {
            component,
            reason,
            action,
        });
    }
}

/// The family's M-step, holding what `hold` says.
fn estimate<T: Scalar, F: Family<T>>(
    family: &F,
    stats: &F::Stats,
    hold: Option<Hold<'_, T, F::Components>>,
) -> Result<F::Components> {
    match hold {
        Some(h) if !h.held.without(Parameter::WEIGHTS).is_empty() => {
            family.estimate_holding(stats, h.current.components(), h.held)
        }
        _ => family.estimate(stats),
    }
}
