//! The subcommands, one file each, and what they share: loading a model file, reading data
//! chunk by chunk, naming the file an error is about.

mod demo;
mod fit;
mod generate;
mod plot;
mod predict;
mod sample;
mod score;
mod select;

use crate::args::{Cli, Command, PrecisionArg};
use crate::error::CliError;
use crate::files::{Header, Value};
use crate::sources::FileSource;
use crate::sources::read_matrix;
use mixture::model_file::{self, AnyMixture, AnyModel};
use mixture_core::{BlockSource, Data, RowMatrix, Rows};
use mixture_output::shown;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs a parsed command line.
///
/// # Errors
/// A [`CliError`] with the exit status and one line to print.
pub fn run(cli: Cli) -> Result<(), CliError> {
    check_files(&cli.command)?;
    match cli.command {
        Command::Fit(a) => match a.precision {
            PrecisionArg::F64 => fit::run::<f64>(&a),
            PrecisionArg::F32 => fit::run::<f32>(&a),
        },
        Command::Score(a) => with_model(&a.model, |m| score::run(m, &a), |m| score::run(m, &a)),
        Command::Predict(a) => {
            with_model(&a.model, |m| predict::run(m, &a), |m| predict::run(m, &a))
        }
        Command::Sample(a) => with_model(&a.model, |m| sample::run(m, &a), |m| sample::run(m, &a)),
        Command::Plot(a) => with_model(&a.model, |m| plot::run(m, &a), |m| plot::run(m, &a)),
        Command::Generate(a) => generate::run(&a.kind),
        Command::Demo(a) => demo::run(&a),
        Command::Select(a) => select::run(&a),
    }
}

/// Set when an output goes to standard output: the command's report then goes to standard
/// error, so that the output stays clean.
static REPORT_TO_STDERR: AtomicBool = AtomicBool::new(false);

/// Refuses two options of one command that name the same file (an output would destroy an
/// input or another output) or two outputs to standard output, before anything is read.
fn check_files(command: &Command) -> Result<(), CliError> {
    let (inputs, outputs) = command.files();
    // Standard input: the data only (`--input -`), and once.
    for (i, (name, path)) in inputs.iter().enumerate() {
        if !mixture_output::is_standard(path) {
            continue;
        }
        if *name != "--input" {
            return Err(CliError::input(format!(
                "{name} cannot be standard input (-): only --input can; give a file"
            )));
        }
        if let Some((other, _)) = inputs[..i]
            .iter()
            .find(|(_, p)| mixture_output::is_standard(p))
        {
            return Err(CliError::input(format!(
                "{other} and {name} both read standard input (-); give one a file"
            )));
        }
    }
    for (i, (out_name, out)) in outputs.iter().enumerate() {
        let others = inputs.iter().chain(&outputs[..i]);
        if let Some((name, _)) = others
            .clone()
            .find(|(_, p)| mixture_output::same_file(p, out))
        {
            return Err(CliError::input(format!(
                "{name} and {out_name} name the same file ({}): writing one would destroy the other; use different files",
                shown(out)
            )));
        }
        if mixture_output::is_standard(out) {
            if let Some((name, _)) = outputs[..i]
                .iter()
                .find(|(_, p)| mixture_output::is_standard(p))
            {
                return Err(CliError::input(format!(
                    "{name} and {out_name} both write to standard output (-); send one to a file"
                )));
            }
            REPORT_TO_STDERR.store(true, Ordering::Relaxed);
        }
        // Every output is checked before any work: not a directory, in a directory that takes
        // a new file.
        mixture_output::check_writable(out)
            .map_err(|e| crate::files::cannot_write(out, e).context(out_name))?;
    }
    Ok(())
}

/// Prints the command's report to standard output (to standard error when an output goes to
/// standard output); a closed pipe (`mixture score ... | head`) is not an error.
pub(crate) fn say(text: impl std::fmt::Display) {
    if REPORT_TO_STDERR.load(Ordering::Relaxed) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    } else {
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }
}

fn with_model(
    path: &Path,
    f64_case: impl FnOnce(&AnyMixture<f64>) -> Result<(), CliError>,
    f32_case: impl FnOnce(&AnyMixture<f32>) -> Result<(), CliError>,
) -> Result<(), CliError> {
    match load_model(path)?.model {
        AnyModel::F64(m) => f64_case(&m),
        AnyModel::F32(m) => f32_case(&m),
    }
}

/// Reads a model file; errors name the file.
fn load_model(path: &Path) -> Result<model_file::ModelFile, CliError> {
    model_file::load(path).map_err(|e| match e {
        model_file::ModelFileError::Read { .. } => CliError::from(e),
        _ => CliError::from(e).context(shown(path)),
    })
}

/// Reads a weights file: one column, one weight per row of the data (checked when fitting or
/// scoring, which name the row of a bad weight).
fn read_weights(path: &Path) -> Result<Vec<f64>, CliError> {
    let w = read_matrix::<f64>(path, Header::Detect)?;
    if w.n_cols() != 1 {
        return Err(CliError::input(format!(
            "{}: a weights file needs one column (one weight per row), not {}",
            shown(path),
            w.n_cols()
        )));
    }
    Ok(w.into_vec())
}

/// The context of an error about weighted data: the weights file for a weight error, else
/// the data file.
pub(crate) fn data_error(
    e: mixture_core::MixtureError,
    input: &Path,
    weights: Option<&Path>,
) -> CliError {
    use mixture_core::MixtureError as E;
    match (&e, weights) {
        // A source's message names its file already.
        (E::Source { .. }, _) => CliError::from(e),
        (
            E::WeightCount { .. }
            | E::InvalidWeight { .. }
            | E::ZeroTotalWeight { .. }
            | E::WeightTotalOverflow { .. },
            Some(w),
        ) => CliError::from(e).context(shown(w)),
        _ => CliError::from(e).context(shown(input)),
    }
}

/// Rows per chunk when scoring or predicting a file chunk by chunk (64 blocks of the fit's
/// 256 rows): bounded memory, parallel work within a chunk.
const CHUNK_ROWS: usize = 64 * mixture_core::limits::DEFAULT_BLOCK_ROWS;

/// Reads `input` (and `weights`) chunk by chunk, checked against `model`'s dimension, and calls
/// `f` with each chunk and the index of its first row. Returns the number of rows.
fn for_each_chunk<T: Value>(
    model: &AnyMixture<T>,
    input: &Path,
    header: bool,
    weights: Option<&Path>,
    mut f: impl FnMut(Data<'_, T>, usize) -> Result<(), CliError>,
) -> Result<usize, CliError> {
    let mut x = FileSource::<T>::open(input, header_of(header))?;
    check_columns(input, x.n_cols(), model)?;
    let mut w = weights.map(open_weights).transpose()?;
    let (mut rows, mut wbuf) = (Vec::new(), Vec::new());
    let mut seen = 0;
    loop {
        let n = mixture_core::read_weighted(
            &mut x,
            w.as_mut().map(|w| w as &mut dyn BlockSource<f64>),
            &mut rows,
            &mut wbuf,
            CHUNK_ROWS,
            seen,
        )
        .map_err(|e| data_error(e, input, weights))?;
        if n == 0 {
            break;
        }
        let data = Data::new(
            Rows::new(&rows, x.n_cols())?,
            w.is_some().then_some(&wbuf[..]),
        );
        f(data, seen)?;
        seen += n;
    }
    Ok(seen)
}

/// Reads `path` and checks it against a model's dimension and domain.
fn read_for_model<T: Value>(
    path: &Path,
    header: bool,
    model: &AnyMixture<T>,
) -> Result<RowMatrix<T>, CliError> {
    let x = read_matrix::<T>(path, header_of(header))?;
    check_columns(path, x.n_cols(), model)?;
    Ok(x)
}

/// Refuses data of another width than the model's.
fn check_columns<T: Value>(
    path: &Path,
    n_cols: usize,
    model: &AnyMixture<T>,
) -> Result<(), CliError> {
    if n_cols == model.n_features() {
        return Ok(());
    }
    Err(CliError::input(format!(
        "{}: the data have {n_cols} columns but the model has {} features",
        shown(path),
        model.n_features()
    )))
}

pub(crate) fn header_of(present: bool) -> Header {
    if present {
        Header::Present
    } else {
        Header::Detect
    }
}

/// Opens a weights file for streaming: one column.
fn open_weights(path: &Path) -> Result<FileSource<f64>, CliError> {
    let w = FileSource::<f64>::open(path, Header::Detect)?;
    if w.n_cols() != 1 {
        return Err(CliError::input(format!(
            "{}: a weights file needs one column (one weight per row), not {}",
            shown(path),
            w.n_cols()
        )));
    }
    Ok(w)
}
