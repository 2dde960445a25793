//! # mixture-core
//!
//! The family-agnostic half of the `mixture` workspace, in three tiers:
//!
//! - **the user's API**, at the root: the numeric bound [`Scalar`] (`f32` or `f64`), row-major
//!   data ([`Rows`], [`RowMatrix`], [`Data`]), the mixture itself ([`Mixture`]: log-likelihood,
//!   responsibilities, labels, sampling, BIC/AIC), the E-M engine ([`Estimator`], its options
//!   and choices, starts, reports and observers), stepwise E-M ([`Online`]) and data read from
//!   sources ([`BlockSource`]);
//! - **the family author's kit**, in [`family`]: the traits a family implements ([`Family`],
//!   [`Components`], [`family::SufficientStats`]) and the checks and kernels they share;
//! - **the protocol**, in [`chunked`]: fits over chunks held elsewhere, and E-M by hand, with
//!   the public statistics ([`chunked::Statistics`], [`chunked::MergeTree`],
//!   [`chunked::m_step`]): fit block by block, file chunk by file chunk or machine by machine,
//!   and merge.
//!
//! The engine makes one fused pass over row blocks per iteration, in parallel, and merges the
//! blocks' statistics in a fixed order: the same seed gives bit-identical results on 1 thread
//! or many. Counts and log-likelihood totals are accumulated in `f64` for either scalar type.
//!
//! Families live in their own crates (`mixture-gauss`, ...); this crate knows none of them.

mod by_hand;
pub mod chunked;
mod degeneracy;
mod e_step;
mod engine;
mod error;
mod estimator;
mod exp;
pub mod family;
mod hierarchy;
mod init;
mod m_step;
mod mixture;
mod moments;
mod moves;
mod numeric;
mod online;
mod options;
mod parameters;
pub mod report;
mod rows;
mod sample;
mod scalar;
#[cfg(feature = "serde")]
pub mod serial;
mod source;
mod special;
mod start;
mod statistics;
#[cfg(feature = "testkit")]
pub mod testkit;
mod validate;
pub mod variational;

// The user's API. Family authors find their kit in [`family`]; fits over chunks held
// elsewhere and E-M by hand, the protocol, in [`chunked`]; the report's parts in [`report`];
// the engine's constants in [`limits`].
pub use error::{MixtureError, Result};
pub use estimator::Estimator;
pub use family::{Components, Family, MergeCriterion};
pub use init::Init;
pub use mixture::{Mixture, information_criteria};
pub use online::Online;
pub use options::{
    BestRun, Choice, DegeneratePolicy, EmOptions, HierarchyCoordinates, HierarchyMerge,
    SpuriousPolicy, StopRule,
};
pub use parameters::{Parameter, ParameterSet};
pub use report::{FitObserver, FitReport, Silent, TraceWriter};
pub use rows::{Data, RowMatrix, Rows};
pub use scalar::Scalar;
pub use source::{BlockSource, Input, MatrixSource, SliceSource, read_weighted};
pub use start::{Fitted, Start};

/// The engine's constants: defaults and limits.
pub mod limits {
    pub use crate::degeneracy::MIN_COMPONENT_WEIGHT;
    pub use crate::hierarchy::{HIERARCHY_MAX_ROWS, VVV_MAX_FEATURES};
    pub use crate::init::LLOYD_ITERATIONS;
    pub use crate::online::{DEFAULT_KAPPA, DEFAULT_T0};
    pub use crate::options::{DEFAULT_BLOCK_ROWS, MAX_N_INIT};
    pub use crate::report::MAX_HISTORY;
}

/// Re-exported so that family crates and users name the same versions.
pub use faer;
pub use rand;
#[cfg(feature = "serde")]
pub use serde;
