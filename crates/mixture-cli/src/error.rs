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

/// The command-line flag behind a library option, so that messages name what the user typed:
/// the option's name with dashes (`max_iter` is `--max-iter`) when the command has that flag,
/// else the flag of a library name that the command spells otherwise.
fn flag(option: &str) -> Option<String> {
    let renamed = match option {
        "held" | "parameters" => "fix",
        "taking" => "init-parts",
        "n_components" => "components",
        "n_features" => "features",
        "n_samples" => "n",
        "alpha" | "beta" => "prior",
        other => &other.replace('_', "-"),
    };
    fn has(cmd: &clap::Command, long: &str) -> bool {
        cmd.get_arguments().any(|a| a.get_long() == Some(long))
            || cmd.get_subcommands().any(|c| has(c, long))
    }
    has(
        &<crate::args::Cli as clap::CommandFactory>::command(),
        renamed,
    )
    .then(|| format!("--{renamed}"))
}

/// "--tol -1 is invalid: must be …" for an option the user typed as a flag.
fn invalid_flag(name: &str, value: &str, expected: &str) -> Option<CliError> {
    flag(name).map(|f| CliError::input(format!("{f} {value} is invalid: {expected}")))
}

impl From<MixtureError> for CliError {
    fn from(e: MixtureError) -> Self {
        if let MixtureError::InvalidOption {
            name,
            value,
            expected,
        } = &e
            && let Some(err) = invalid_flag(name, value, expected)
        {
            return err;
        }
        if let MixtureError::UnknownGroup {
            option,
            group,
            family,
            groups,
        } = &e
            && let Some(flag) = flag(option)
        {
            return Self::input(format!(
                "{flag}: {group:?} is not a parameter group of the {family} family; use a comma-separated list of {groups}"
            ));
        }
        // Problems with the data or options are the user's input; the rest arise in fitting.
        match e {
            MixtureError::ParametersNotFormed { .. }
            | MixtureError::EmptyComponent { .. }
            | MixtureError::SpuriousComponent { .. }
            | MixtureError::ZeroDensity { .. } => Self::fit(e.to_string()),
            _ => Self::input(e.to_string()),
        }
    }
}

impl From<mixture_plot::PlotError> for CliError {
    fn from(e: mixture_plot::PlotError) -> Self {
        match e {
            mixture_plot::PlotError::Model(m) => m.into(),
            mixture_plot::PlotError::InvalidOption {
                name,
                ref value,
                expected,
            } if flag(name).is_some() => {
                invalid_flag(name, value, expected).unwrap_or_else(|| Self::input(e.to_string()))
            }
            other => Self::input(other.to_string()),
        }
    }
}

impl From<mixture::model_file::ModelFileError> for CliError {
    fn from(e: mixture::model_file::ModelFileError) -> Self {
        Self::input(e.to_string())
    }
}
