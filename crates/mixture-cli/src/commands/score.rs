//! `mixture score`.

use super::{data_error, for_each_chunk, say};
use crate::args::ScoreArgs;
use crate::error::CliError;
use crate::files::{OutputFile, Value, cannot_write, write_row};
use mixture::model_file::AnyMixture;
use mixture::with_mixture;
use serde_json::json;
use std::io::Write;
use std::path::Path;

pub(super) fn run<T: Value>(model: &AnyMixture<T>, a: &ScoreArgs) -> Result<(), CliError> {
    let ctx = |e: mixture_core::MixtureError, first: usize| {
        data_error(e.offset_rows(first), &a.input, a.weights.as_deref())
    };
    let mut per_sample = a
        .per_sample
        .as_deref()
        .map(OutputFile::create)
        .transpose()?;
    let io = |e: std::io::Error| {
        let path = a.per_sample.as_deref().unwrap_or(Path::new("-"));
        cannot_write(path, e)
    };
    if let Some(f) = &mut per_sample {
        writeln!(f.writer(), "log_likelihood").map_err(io)?;
    }
    let (mut total, mut weight_total) = (0.0, 0.0);
    let n = for_each_chunk(
        model,
        &a.input,
        a.header,
        a.weights.as_deref(),
        |data, first| {
            // Summed block by block as the library sums (and as a fit reports): the same bits as
            // `Mixture::log_likelihood` of the whole file.
            let b = mixture_core::limits::DEFAULT_BLOCK_ROWS;
            for start in (0..data.n_rows()).step_by(b) {
                let block = data.slice_rows(start, (start + b).min(data.n_rows()));
                total += with_mixture!(model, m => m.log_likelihood(block))
                    .map_err(|e| ctx(e, first + start))?;
            }
            weight_total += data
                .weights()
                .map_or(data.n_rows() as f64, |w| w.iter().sum::<f64>());
            if let Some(f) = &mut per_sample {
                let per_row = with_mixture!(model, m => m.log_likelihood_per_row(data.rows()))
                    .map_err(|e| ctx(e, first))?;
                for v in per_row {
                    write_row(f.writer(), &[v]).map_err(io)?;
                }
            }
            Ok(())
        },
    )?;
    if weight_total <= 0.0 {
        return Err(data_error(
            mixture_core::MixtureError::ZeroTotalWeight { n_rows: n },
            &a.input,
            a.weights.as_deref(),
        ));
    }
    if let Some(f) = per_sample {
        f.commit()?;
    }
    let mean = total / weight_total;
    if a.json {
        say(json!({
            "log_likelihood": total,
            "mean_log_likelihood": mean,
            "n_samples": n,
            "weight_total": weight_total,
        }));
    } else if a.weights.is_some() {
        say(format!(
            "log[p(X)] = {total:.4} nats ({mean:.6} per unit of weight, {n} rows, total weight {weight_total})"
        ));
    } else {
        say(format!(
            "log[p(X)] = {total:.4} nats ({mean:.6} per row, {n} rows)"
        ));
    }
    Ok(())
}
