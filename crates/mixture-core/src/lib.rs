//! # mixture-core
//!
//! The family-agnostic half of the `mixture` workspace: the numeric bound [`Scalar`] (`f32` or
//! `f64`), row-major data views ([`Rows`], [`RowMatrix`]), the traits a family of component
//! distributions implements ([`Family`], [`Components`], [`SufficientStats`]), the mixture
//! itself ([`Mixture`]: log-likelihood, responsibilities, labels, sampling, BIC/AIC) and the
//! E-M engine ([`Estimator`]).
//!
//! The engine makes one fused pass over row blocks per iteration, in parallel, and merges the
//! blocks' statistics in a fixed order: the same seed gives bit-identical results on 1 thread
//! or many. Counts and log-likelihood totals are accumulated in `f64` for either scalar type.
//!
//! Families live in their own crates (`mixture-gauss`, ...); this crate knows none of them.

mod em;
mod error;
mod family;
mod init;
mod mixture;
mod moments;
mod numeric;
mod report;
mod rows;
mod scalar;
mod validate;

pub use em::{
    DegenerateAction, DegenerateEvent, DegeneratePolicy, DegenerateReason, EmOptions, Estimator,
    MIN_COMPONENT_WEIGHT, StopRule,
};
pub use error::{MixtureError, Result};
pub use family::{Components, Family, SufficientStats};
pub use init::{Init, LLOYD_ITERATIONS};
pub use mixture::Mixture;
pub use moments::FirstMoments;
pub use numeric::{affine_log_densities, logsumexp};
pub use report::{FitObserver, FitReport, IterationRecord, RunSummary, Silent, TraceWriter};
pub use rows::{RowMatrix, Rows};
pub use scalar::Scalar;
pub use validate::{check_finite_data, check_n_components, check_parameters, check_values};

/// Re-exported so that family crates and users name the same versions.
pub use faer;
pub use rand;
