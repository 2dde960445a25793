//! `mixture predict`.

use super::{for_each_chunk, header_of};
use crate::args::PredictArgs;
use crate::error::CliError;
use crate::files::{OutputFile, Value, cannot_write, is_npy, write_row};
use crate::sources::FileSource;
use mixture::model_file::AnyMixture;
use mixture::with_mixture;
use mixture_output::shown;
use std::io::Write;

pub(super) fn run<T: Value>(model: &AnyMixture<T>, a: &PredictArgs) -> Result<(), CliError> {
    let ctx = |e: mixture_core::MixtureError, first: usize| {
        CliError::from(e.offset_rows(first)).context(shown(&a.input))
    };
    let io = |e: std::io::Error| cannot_write(&a.output, e);
    let k = model.n_components();
    if a.proba && is_npy(&a.output) && mixture_output::is_standard(&a.input) {
        return Err(CliError::input(
            "--proba to .npy counts the rows first, and standard input can be read only once: give a file, or write CSV",
        ));
    }
    let mut out = OutputFile::create(&a.output)?;
    if a.proba && is_npy(&a.output) {
        // NPY needs the row count first: from the header, or from a counting pass over CSV.
        let n = match FileSource::<T>::open(&a.input, header_of(a.header))?.n_rows() {
            Some(n) => n,
            None => for_each_chunk(model, &a.input, a.header, None, |_, _| Ok(()))?,
        };
        use npyz::WriterBuilder;
        let mut w = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[n as u64, k as u64])
            .writer(out.writer())
            .begin_nd()
            .map_err(io)?;
        for_each_chunk(model, &a.input, a.header, None, |data, first| {
            let p = with_mixture!(model, m => m.predict_proba(data.rows()))
                .map_err(|e| ctx(e, first))?;
            w.extend(p.as_slice().iter().copied()).map_err(io)
        })?;
        w.finish().map_err(io)?;
    } else if a.proba {
        let header: Vec<String> = (0..k).map(|c| format!("p{c}")).collect();
        writeln!(out.writer(), "{}", header.join(",")).map_err(io)?;
        for_each_chunk(model, &a.input, a.header, None, |data, first| {
            let p = with_mixture!(model, m => m.predict_proba(data.rows()))
                .map_err(|e| ctx(e, first))?;
            p.iter()
                .try_for_each(|row| write_row(out.writer(), row))
                .map_err(io)
        })?;
    } else {
        writeln!(out.writer(), "label").map_err(io)?;
        for_each_chunk(model, &a.input, a.header, None, |data, first| {
            let labels =
                with_mixture!(model, m => m.predict(data.rows())).map_err(|e| ctx(e, first))?;
            labels
                .iter()
                .try_for_each(|l| writeln!(out.writer(), "{l}"))
                .map_err(io)
        })?;
    }
    out.commit()
}
