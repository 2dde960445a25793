//! # mixture-cli
//!
//! The `mixture` command: the lesson's workflow (fit a mixture, report log p(X), draw the
//! density over the data and over samples) on your own CSV or NPY files, without writing a
//! program. Run `mixture --help`, or `mixture SUBCOMMAND --help`.
//!
//! Exit status: 0 on success, 2 for bad input (unreadable or malformed files, invalid
//! options, data outside the family's domain), 1 for a failure while fitting. Errors are one
//! line on standard error. Output files are written under a temporary name and renamed, so a
//! failure never leaves a half-written file and never clobbers a good one.

pub mod args;
mod commands;
pub mod error;
mod family;
pub mod files;
mod progress;
pub mod sources;

pub use args::Cli;
pub use commands::run;
pub use error::CliError;
