//! # mixture-cli
//!
//! The `mixture` command: the lesson's workflow (fit a mixture, report log p(X), draw the
//! density over the data and over samples) on your own CSV or NPY files, without writing a
//! program. Run `mixture --help`, or `mixture SUBCOMMAND --help`.
//!
//! Exit status: 0 on success, 2 for bad input (unreadable or malformed files, invalid
//! options, data outside the family's domain, sizes no machine has), 1 for a failure while
//! fitting. Errors are one line on standard error. Outputs go through `mixture-output`:
//! regular files atomically (a failure or a signal keeps the old file and leaves no temporary
//! one), devices and FIFOs directly, `-` to standard output. The README's error contract lists
//! every promise and its test.
//!
//! Layout: `args.rs` holds the command line's types, `commands/` one file per subcommand,
//! `family.rs` the families through the registry (names no family) and `generators.rs` the
//! synthetic data `generate` writes.

pub mod args;
mod commands;
pub mod error;
mod family;
pub mod files;
mod generators;
mod progress;
pub mod sources;

pub use args::Cli;
pub use commands::run;
pub use error::CliError;
