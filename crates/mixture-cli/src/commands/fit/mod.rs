//! `mixture fit`.

use super::{data_error, header_of, load_model, open_weights, read_weights, say};
use crate::args::FitArgs;
use crate::error::CliError;
use crate::family;
use crate::files::{OutputFile, Value};
use crate::progress::Progress;
use crate::sources::FileSource;
use crate::sources::read_all;
use mixture::model_file::{self, AnyMixture, FitRecord};
use mixture::registry::{AnyFamily, FamilyTask, RegisteredFamily};
use mixture::with_mixture;
use mixture_core::{
    BlockSource, Choice, Data, Estimator, FitObserver, FitReport, Input, ParameterSet, Start,
    TraceWriter, information_criteria,
    report::{IterationRecord, RunSummary},
};
use mixture_output::shown;
use serde_json::json;
use std::path::Path;

mod variational;

/// Traces, shows progress, or both, as asked.
pub(super) struct Observers {
    trace: Option<TraceWriter<std::io::Stderr>>,
    progress: Progress,
}

impl FitObserver for Observers {
    fn on_iteration(&mut self, r: &IterationRecord) {
        if let Some(t) = &mut self.trace {
            t.on_iteration(r);
        } else {
            self.progress.on_iteration(r);
        }
    }
    fn on_run_end(&mut self, s: &RunSummary) {
        if let Some(t) = &mut self.trace {
            t.on_run_end(s);
        }
        self.progress.on_run_end(s);
    }
}

pub(super) fn options_record(
    a: &FitArgs,
    family: &AnyFamily,
    groups: Groups,
) -> serde_json::Map<String, serde_json::Value> {
    let mut o = family.to_json();
    o.insert("max_iter".into(), json!(a.max_iter));
    o.insert("tol".into(), json!(a.tol));
    o.insert("stop".into(), json!(a.stop.name()));
    o.insert(
        "init".into(),
        json!(match (&a.init_model, a.init) {
            (Some(p), _) => format!("model:{}", p.display()),
            (None, init) => init.name().to_string(),
        }),
    );
    o.insert("n_init".into(), json!(a.n_init));
    if a.delete_moves {
        o.insert("delete_moves".into(), json!(true));
    }
    if a.split_merge_moves {
        o.insert("split_merge_moves".into(), json!(true));
    }
    if let Some(parts) = groups.taking {
        o.insert("init_parts".into(), json!(parts.to_string()));
    }
    if a.fix.is_some() {
        o.insert("fix".into(), json!(groups.held.to_string()));
    }
    o.insert("on_degenerate".into(), json!(a.on_degenerate.name()));
    o.insert("on_spurious".into(), json!(a.on_spurious.name()));
    o
}

/// The rows a fit reads: loaded, or streamed from the files.
pub(super) enum FitInput<'a, T: Value> {
    Memory(Data<'a, T>),
    Stream {
        x: &'a mut FileSource<T>,
        w: Option<&'a mut FileSource<f64>>,
    },
}

pub(super) fn run<T: Value>(a: &FitArgs) -> Result<(), CliError> {
    // Every option, and the starting model, is checked before the data are read.
    let start = a
        .init_model
        .as_deref()
        .map(|path| load_start::<T>(path, a.components))
        .transpose()?;
    let family = family::fit_family(a, start.as_ref())?;
    let groups = family.run::<T, _>(CheckOptions { a })?;
    if a.variational.is_some() {
        variational::check(a, &family)?;
    }
    let mut source = FileSource::<T>::open_within(&a.input, header_of(a.header), a.memory_limit)?;
    let streamed = a.stream || source.estimated_bytes() > a.memory_limit;
    let (x, weights, mut weight_source) = if streamed {
        let reason = if a.stream {
            "as asked (--stream)".to_string()
        } else {
            format!(
                "its data (about {} MiB) exceed --memory-limit ({} MiB)",
                source.estimated_bytes() >> 20,
                a.memory_limit >> 20
            )
        };
        if !a.json {
            say(format!("streaming {} from disk: {reason}", shown(&a.input)));
        }
        let w = a.weights.as_deref().map(open_weights).transpose()?;
        (None, None, w)
    } else {
        let x = read_all(&mut source, &a.input)?;
        let w = a.weights.as_deref().map(read_weights).transpose()?;
        (Some(x), w, None)
    };
    let mut input = match &x {
        Some(x) => FitInput::Memory(Data::new(x.view(), weights.as_deref())),
        None => FitInput::Stream {
            x: &mut source,
            w: weight_source.as_mut(),
        },
    };
    let n_cols = match &input {
        FitInput::Memory(d) => d.rows().n_cols(),
        FitInput::Stream { x, .. } => x.n_cols(),
    };
    if let (Some(start), Some(path)) = (&start, &a.init_model)
        && start.n_features() != n_cols
    {
        return Err(CliError::input(format!(
            "--init-model {}: the initial model has {} features but {} has {n_cols} columns",
            shown(path),
            start.n_features(),
            shown(&a.input)
        )));
    }
    let mut observers = Observers {
        trace: a.verbose.then(|| TraceWriter::new(std::io::stderr())),
        progress: Progress::new(a.max_iter),
    };
    if let Some(weight_prior) = a.variational {
        return variational::run(
            a,
            variational::Fit {
                weight_prior,
                start: start.as_ref(),
                input: &mut input,
                n_cols,
                streamed,
                groups,
                family: &family,
            },
            &mut observers,
        );
    }
    let fitted = family.run(Fit {
        a,
        groups,
        start: start.as_ref(),
        input: &mut input,
        observer: &mut observers,
    })?;
    let (model, report) = fitted;
    // BIC and AIC of the returned model on the training data: its log-likelihood is in the
    // report (the same sum `Mixture::bic` would make), so no other pass is needed.
    let (bic, aic) = information_criteria(
        report.log_likelihood,
        model.n_parameters(),
        report.weight_total,
    );
    if let Some(path) = &a.model {
        let record = FitRecord::new(
            &report,
            Some(a.input.display().to_string()),
            a.weights.as_ref().map(|w| w.display().to_string()),
            a.seed,
            options_record(a, &family, groups),
        );
        OutputFile::write_all(path, model_file::to_json(&model, Some(&record)).as_bytes())?;
    }
    if a.json {
        say(json!({
            "log_likelihood": report.log_likelihood,
            "mean_log_likelihood": report.mean_log_likelihood,
            "n_iter": report.n_iter,
            "converged": report.converged,
            "bic": bic,
            "aic": aic,
            "n_samples": report.n_samples,
            "weight_total": report.weight_total,
            "weights": a.weights.as_ref().map(|p| p.display().to_string()),
            "n_features": n_cols,
            "streamed": streamed,
            "n_components": with_mixture!(&model, m => m.n_components()),
            "family": model.family(),
            "precision": T::NAME,
            "model": a.model.as_ref().map(|p| p.display().to_string()),
            "suspect": report.suspect.iter().map(|s| json!({
                "component": s.component,
                "effective_rows": s.effective_rows,
                "rows_needed": s.rows_needed,
            })).collect::<Vec<_>>(),
            "notes": model.m_step_notes(),
            "degenerate": report.degenerate.iter().map(|e| json!({
                "iteration": e.iteration, "component": e.component,
                "reason": e.reason.name(),
                "action": e.action.name(),
                "row": e.action.row(),
            })).collect::<Vec<_>>(),
        }));
    } else {
        say(format!(
            "{} after {} iterations",
            if report.converged {
                "Converged"
            } else {
                "Stopped (max_iter reached, not converged)"
            },
            report.n_iter
        ));
        if report.weighted {
            say(format!(
                "log[p(X)] = {:.4} nats ({:.6} per unit of weight, {} rows, total weight {})",
                report.log_likelihood,
                report.mean_log_likelihood,
                report.n_samples,
                report.weight_total
            ));
        } else {
            say(format!(
                "log[p(X)] = {:.4} nats ({:.6} per row, {} rows)",
                report.log_likelihood, report.mean_log_likelihood, report.n_samples
            ));
        }
        say(format!("BIC = {bic:.4}, AIC = {aic:.4}"));
        for e in &report.degenerate {
            let action = match e.action.row() {
                Some(row) => format!("re-seeded at row {row}"),
                None => e.action.name().to_string(),
            };
            say(format!(
                "note: component {} was degenerate ({}) at iteration {}: {action}",
                e.component,
                e.reason.name(),
                e.iteration
            ));
        }
        for note in model.m_step_notes() {
            say(format!("note: {note}"));
        }
        for s in &report.suspect {
            say(format!(
                "warning: component {} is suspect: {:.3} effective rows, fewer than the {} its parameters need (a spurious solution; see --on-spurious)",
                s.component, s.effective_rows, s.rows_needed
            ));
        }
        if let Some(path) = &a.model {
            say(format!("model written to {}", shown(path)));
        }
    }
    Ok(())
}

/// The starting model of `--init-model`, in precision `T`, with K components.
fn load_start<T: Value>(path: &Path, k: usize) -> Result<AnyMixture<T>, CliError> {
    let m = load_model(path)?
        .model
        .to_precision::<T>()
        .map_err(|e| CliError::from(e).context(shown(path)))?;
    let found = with_mixture!(&m, m => m.n_components());
    if found != k {
        return Err(CliError::input(format!(
            "{}: the initial model has {found} components but --components is {k}",
            shown(path),
        )));
    }
    Ok(m)
}

/// The parameter groups `--fix` holds and `--init-parts` takes, as the family names them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Groups {
    held: ParameterSet,
    taking: Option<ParameterSet>,
}

/// The estimator `fit`'s options describe, for `family`, holding `held`.
pub(super) fn estimator<F>(a: &FitArgs, family: F, held: ParameterSet) -> Estimator<F> {
    Estimator::new(family, a.components)
        .max_iter(a.max_iter)
        .tol(a.tol)
        .stop_rule(a.stop)
        .init(a.init)
        .hierarchy(a.hc_model, a.hc_use)
        .n_init(a.n_init)
        .delete_moves(a.delete_moves)
        .split_merge_moves(a.split_merge_moves)
        .seed(a.seed)
        .on_degenerate(a.on_degenerate)
        .on_spurious(a.on_spurious)
        .hold(held)
}

/// Checks the options against the family they build, before any data are read, and reads
/// the parameter groups they name.
struct CheckOptions<'a> {
    a: &'a FitArgs,
}

impl<T: Value> FamilyTask<T> for CheckOptions<'_> {
    type Output = Result<Groups, CliError>;

    fn run<F: RegisteredFamily<T>>(self, family: F) -> Self::Output {
        let parse = |text: Option<&str>, option| {
            text.map(|t| ParameterSet::parse_for::<T, F::Components>(t, option))
                .transpose()
        };
        let groups = Groups {
            held: parse(self.a.fix.as_deref(), "held")?.unwrap_or_default(),
            taking: parse(self.a.init_parts.as_deref(), "taking")?,
        };
        estimator(self.a, family, groups.held).check_options::<T>()?;
        Ok(groups)
    }
}

/// The fit itself, from `start` when given (of the family fitted: the registry checked).
struct Fit<'a, 'i, T: Value> {
    a: &'a FitArgs,
    groups: Groups,
    start: Option<&'a AnyMixture<T>>,
    input: &'a mut FitInput<'i, T>,
    observer: &'a mut dyn FitObserver,
}

impl<T: Value> FamilyTask<T> for Fit<'_, '_, T> {
    type Output = Result<(AnyMixture<T>, FitReport), CliError>;

    fn run<F: RegisteredFamily<T>>(self, family: F) -> Self::Output {
        let Fit {
            a,
            groups,
            start,
            input,
            observer,
        } = self;
        let start = start.and_then(|s| s.as_family::<F::Components>());
        let est = estimator(a, family, groups.held);
        let n_cols = match input {
            FitInput::Memory(d) => d.rows().n_cols(),
            FitInput::Stream { x, .. } => x.n_cols(),
        };
        if let Some(s) = start
            && s.n_features() != n_cols
        {
            return Err(CliError::input(format!(
                "the initial model has {} features but the data have {n_cols} columns",
                s.n_features(),
            )));
        }
        let start = start.map(|s| match groups.taking {
            Some(parts) => Start::taking(s, parts),
            None => s.into(),
        });
        let input = match input {
            FitInput::Memory(data) => Input::Memory(*data),
            FitInput::Stream { x, w } => Input::Stream {
                x: &mut **x,
                w: w.as_deref_mut().map(|w| w as &mut dyn BlockSource<f64>),
            },
        };
        let fitted = est.fit_with(input, start, observer);
        let fitted = fitted.map_err(|e| data_error(e, &a.input, a.weights.as_deref()))?;
        Ok((fitted.mixture.into(), fitted.report))
    }
}
