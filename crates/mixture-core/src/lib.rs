//! # mixture-core
//!
//! The family-agnostic half of the `mixture` workspace: the numeric bound [`Scalar`] (`f32` or
//! `f64`), row-major data views ([`Rows`], [`RowMatrix`]), the traits a family of component
//! distributions implements ([`Family`], [`Components`], [`SufficientStats`]), the mixture
//! itself ([`Mixture`]: log-likelihood, responsibilities, labels, sampling, BIC/AIC) and the
//! E-M engine ([`Estimator`]), whose statistics are public ([`Statistics`], [`m_step`]): fit
//! block by block, file chunk by file chunk or machine by machine, and merge.
//!
//! The engine makes one fused pass over row blocks per iteration, in parallel, and merges the
//! blocks' statistics in a fixed order: the same seed gives bit-identical results on 1 thread
//! or many. Counts and log-likelihood totals are accumulated in `f64` for either scalar type.
//!
//! Families live in their own crates (`mixture-gauss`, ...); this crate knows none of them.

mod chunked;
mod engine;
mod error;
mod estimator;
mod family;
mod init;
mod mixture;
mod moments;
mod numeric;
mod online;
mod options;
mod parameters;
mod report;
mod rows;
mod scalar;
#[cfg(feature = "serde")]
pub mod serial;
mod source;
mod statistics;
#[cfg(feature = "testkit")]
pub mod testkit;
mod validate;

pub use chunked::{ChunkRequest, ChunkResult, ChunkedData, Responsibilities};
pub use error::{MixtureError, Result};
pub use estimator::{Estimator, Fitted, Start};
pub use family::{Components, Family, SufficientStats, check_same_shape, take_means};
pub use init::{
    Init, KEY_EXPONENTS, KeyCounts, LLOYD_ITERATIONS, RowSample, SAMPLE_MAX_ROWS, SAMPLE_VALUES,
    sample_rows,
};
pub use mixture::{Mixture, information_criteria};
pub use moments::FirstMoments;
pub use numeric::{EXP_UNDERFLOW, EXP_UNDERFLOW_F32, affine_log_densities, logsumexp, unit_scale};
pub use online::{DEFAULT_KAPPA, DEFAULT_T0, Online};
pub use options::{
    Choice, DEFAULT_BLOCK_ROWS, DegeneratePolicy, EmOptions, MAX_N_INIT, SpuriousPolicy, StopRule,
};
pub use parameters::{Parameter, ParameterSet};
pub use report::{
    DegenerateEvent, FitObserver, FitReport, IterationRecord, MAX_HISTORY, RunSummary, Silent,
    SuspectComponent, TraceWriter,
};
pub use rows::{Data, RowMatrix, Rows, try_filled};
pub use scalar::Scalar;
pub use source::{BlockSource, MatrixSource, SliceSource, read_weighted};
pub use statistics::{
    Degeneracy, DegenerateAction, DegenerateReason, MIN_COMPONENT_WEIGHT, MStep, MergeTree,
    Statistics, WorstRow, m_step,
};
pub use validate::{
    check_data, check_finite_data, check_marginal_dims, check_n_components, check_parameters,
    check_values, check_weights, parameter_matrix, widen_rows,
};

/// Re-exported so that family crates and users name the same versions.
pub use faer;
pub use rand;
#[cfg(feature = "serde")]
pub use serde;
