//! `mixture plot`.

use super::read_for_model;
use crate::args::PlotArgs;
use crate::error::CliError;
use crate::family;
use crate::files::{OutputFile, Value};
use mixture::model_file::AnyMixture;
use mixture_output::shown;

pub(super) fn run<T: Value>(model: &AnyMixture<T>, a: &PlotArgs) -> Result<(), CliError> {
    let x = read_for_model(&a.input, a.header, model)?;
    // A figure's error is about the model drawn (its features, its kind): named by its file.
    let (fit, samples) =
        family::figures(model, x.view(), a).map_err(|e| e.context(shown(&a.model)))?;
    OutputFile::write_all(&a.output, &fit.png()?)?;
    if let (Some(figure), Some(path)) = (samples, &a.samples_output) {
        OutputFile::write_all(path, &figure.png()?)?;
    }
    Ok(())
}
