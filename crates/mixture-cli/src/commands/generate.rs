//! `mixture generate`.

use super::say;
use crate::args::GenerateKind;
use crate::error::CliError;
use crate::files::{write_labels, write_matrix};
use crate::generators::generate;
use mixture_output::shown;

pub(super) fn run(kind: &GenerateKind) -> Result<(), CliError> {
    let (common, data, labels) = generate(kind)?;
    let output = common.output.as_ref().ok_or_else(|| {
        CliError::input("--output is required: where to write the data (.csv or .npy)")
    })?;
    let header: Vec<String> = (0..data.n_cols()).map(|j| format!("x{j}")).collect();
    write_matrix(output, &data, Some(&header))?;
    if let Some(path) = &common.labels {
        write_labels(path, "component", &labels)?;
    }
    say(format!(
        "wrote {} rows of {} features to {}",
        data.n_rows(),
        data.n_cols(),
        shown(output)
    ));
    Ok(())
}
