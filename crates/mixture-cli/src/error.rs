//! The command's error: one line for the user and an exit status.

use mixture_core::MixtureError;
use std::fmt;

/// Exit status for bad input: unreadable files, malformed data, invalid options.
pub const EXIT_INPUT: u8 = 2;
/// Exit status for a failure during fitting (a covariance that cannot be factored, ...).
pub const EXIT_FIT: u8 = 1;

/// A failure, with the status the process exits with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    /// Exit status: [`EXIT_INPUT`] or [`EXIT_FIT`] (0 for [`CliError::closed_pipe`]).
    pub code: u8,
    /// One line saying what went wrong and what to do.
    pub message: String,
}

impl CliError {
    /// Bad input (exit status 2).
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_INPUT,
            message: message.into(),
        }
    }

    /// A failure while fitting (exit status 1).
    pub fn fit(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_FIT,
            message: message.into(),
        }
    }

    /// Standard output closed by its reader (`mixture generate -o - | head`): the command
    /// stops and exits 0 without a message, as a filter does.
    pub fn closed_pipe() -> Self {
        Self {
            code: 0,
            message: String::new(),
        }
    }

    /// The same error with `context` in front (for example the file it concerns).
    pub fn context(self, context: impl fmt::Display) -> Self {
        Self {
            message: format!("{context}: {}", self.message),
            ..self
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<MixtureError> for CliError {
    fn from(e: MixtureError) -> Self {
        // Problems with the data or options are the user's input; the rest arise in fitting.
        match e {
            MixtureError::ParametersNotFormed { .. }
            | MixtureError::EmptyComponent { .. }
            | MixtureError::ZeroDensity { .. } => Self::fit(e.to_string()),
            _ => Self::input(e.to_string()),
        }
    }
}

impl From<mixture_plot::PlotError> for CliError {
    fn from(e: mixture_plot::PlotError) -> Self {
        match e {
            mixture_plot::PlotError::Model(m) => m.into(),
            other => Self::input(other.to_string()),
        }
    }
}

impl From<mixture::model_file::ModelFileError> for CliError {
    fn from(e: mixture::model_file::ModelFileError) -> Self {
        Self::input(e.to_string())
    }
}
