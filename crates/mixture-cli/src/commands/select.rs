//! `mixture select`: a grid of fits over K, covariance types and families, ranked by BIC, AIC
//! or ICL (lower is better), with the best model saved and the criterion drawn.

use super::{header_of, say};
use crate::args::{CriterionArg, SelectArgs};
use crate::error::CliError;
use crate::files::OutputFile;
use crate::sources::FileSource;
use crate::sources::read_all;
use mixture::core::EmOptions;
use mixture::core::variational::VariationalPrior;
use mixture::model_file;
use mixture::registry::AnyFamily;
use mixture::select::{Cell, Criterion, Grid, Selection, select};
use mixture_output::shown;
use mixture_plot::criterion_figure;
use serde_json::json;

/// `1..8` (inclusive) or `2,3,5`.
fn parse_components(text: &str) -> Result<Vec<usize>, CliError> {
    let bad = || {
        CliError::input(format!(
            "--components {text:?}: give a range like 1..8 (both ends included) or a list like 2,3,5 of positive numbers"
        ))
    };
    let ks: Vec<usize> = match text.split_once("..") {
        Some((lo, hi)) => {
            let lo: usize = lo.trim().parse().map_err(|_| bad())?;
            let hi: usize = hi.trim().parse().map_err(|_| bad())?;
            if lo > hi || hi - lo >= 1000 {
                return Err(bad());
            }
            (lo..=hi).collect()
        }
        None => text
            .split(',')
            .map(|k| k.trim().parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?,
    };
    if ks.is_empty() || ks.contains(&0) {
        return Err(bad());
    }
    Ok(ks)
}

/// Runs `mixture select`.
///
/// # Errors
/// Bad options or data (exit 2), or a failure writing the outputs.
pub(super) fn run(a: &SelectArgs) -> Result<(), CliError> {
    // Every option is checked before the data are read.
    let components = parse_components(&a.components)?;
    // Variational fits take scikit-learn's four covariance types (`all` is those four).
    let variational_types = ["full", "diag", "spherical", "tied"].map(String::from);
    let every = |list: &Vec<String>| list.iter().any(|c| c.eq_ignore_ascii_case("all"));
    let covariance = match (&a.covariance, a.variational) {
        (None, Some(_)) => Some(&variational_types[..]),
        (Some(list), Some(_)) if every(list) => Some(&variational_types[..]),
        (given, _) => given.as_deref(),
    };
    let structures = crate::family::structures(&a.family, covariance, &a.settings)?;
    let mut grid = Grid::new(components, structures).with_neighbour_starts(!a.no_neighbour_starts);
    if let Some(weight_prior) = a.variational {
        if let Some(f) = a
            .family
            .iter()
            .find(|f| !AnyFamily::VARIATIONAL_NAMES.contains(&f.as_str()))
        {
            return Err(CliError::input(format!(
                "--variational fits the {} families, not {f}",
                AnyFamily::VARIATIONAL_NAMES.join(", ")
            )));
        }
        if let Some(c) = a.weight_concentration
            && !(c.is_finite() && c > 0.0)
        {
            return Err(CliError::input(format!(
                "--weight-concentration {c} is invalid: it must be positive and finite"
            )));
        }
        grid = grid.with_variational(VariationalPrior {
            weight_prior,
            weight_concentration: a.weight_concentration,
            components: (),
        });
    }
    let mut options = EmOptions::default();
    options.max_iter = a.max_iter;
    options.tol = a.tol;
    options.n_init = a.n_init;
    options.delete_moves = a.delete_moves;
    options.split_merge_moves = a.split_merge_moves;
    options.seed = a.seed;
    options.init = a.init;
    options.hierarchy_merge = a.hc_model;
    options.hierarchy_coordinates = a.hc_use;
    options.validate()?;
    for structure in &grid.structures {
        structure.check_options()?;
    }
    let criterion = match a.criterion {
        None if a.variational.is_some() => Criterion::Elbo,
        None | Some(CriterionArg::Bic) => Criterion::Bic,
        Some(CriterionArg::Aic) => Criterion::Aic,
        Some(CriterionArg::Icl) => Criterion::Icl,
        Some(CriterionArg::Elbo) if a.variational.is_none() => {
            return Err(CliError::input(
                "--criterion elbo ranks variational fits: add --variational dirichlet-process (or dirichlet)",
            ));
        }
        Some(CriterionArg::Elbo) => Criterion::Elbo,
    };
    let mut source = FileSource::<f64>::open(&a.input, header_of(a.header))?;
    let x = read_all(&mut source, &a.input)?;
    let table = select(&x, &grid, &options, criterion)?;
    let best = table.best();
    if let (Some(path), Some(best)) = (&a.model, best)
        && let Ok(s) = &best.outcome
    {
        let text = model_file::to_json_with(&s.model, None, s.posterior.as_ref());
        OutputFile::write_all(path, text.as_bytes())?;
    }
    if let (Some(path), Some(best)) = (&a.plot, best) {
        draw(&table, best, path)?;
    }
    if a.json {
        say(as_json(&table, a));
    } else {
        print_table(&table);
        match best {
            Some(b) => say(format!(
                "best: K = {}, {} {} ({} among cells without suspect components)",
                b.n_components,
                b.structure.name(),
                b.structure.covariance(),
                if criterion == Criterion::Elbo {
                    "highest ELBO".to_string()
                } else {
                    format!("lowest {}", criterion.name().to_uppercase())
                }
            )),
            None => say("no cell could be fitted: see the errors above"),
        }
        if let Some(path) = &a.model
            && best.is_some()
        {
            say(format!("best model written to {}", shown(path)));
        }
    }
    if best.is_none() {
        return Err(CliError::input(
            "no cell of the grid could be fitted (every cell's error is in the table)",
        ));
    }
    Ok(())
}

fn print_table(table: &Selection<f64>) {
    let variational = table
        .cells
        .iter()
        .any(|c| c.outcome.as_ref().is_ok_and(|s| s.evidence_bound.is_some()));
    say(format!(
        "ranked by {}; BIC = -2 ln p(X) + p ln N, AIC = -2 ln p(X) + 2p, ICL = BIC + 2 x entropy: lower is better (mclust's BIC has the opposite sign){}",
        if table.criterion == Criterion::Elbo {
            "-2 x ELBO".into()
        } else {
            table.criterion.name().to_uppercase()
        },
        if variational {
            "; ELBO: the evidence lower bound (higher is better); log-lik, BIC, AIC and ICL are the posterior mean mixture's"
        } else {
            ""
        }
    ));
    say(format!(
        "{:>3} {:>10} {:>12} {:>16} {:>6} {:>14} {:>14} {:>14} {:>9} {:>7}{}",
        "K",
        "covariance",
        "family",
        "log-lik",
        "params",
        "BIC",
        "AIC",
        "ICL",
        "converged",
        "suspect",
        if variational {
            format!(" {:>16}", "ELBO")
        } else {
            String::new()
        }
    ));
    for cell in table.ranked() {
        let (k, cov, fam) = (
            cell.n_components,
            cell.structure.covariance(),
            cell.structure.name(),
        );
        match &cell.outcome {
            Ok(s) => say(format!(
                "{k:>3} {cov:>10} {fam:>12} {:>16.4} {:>6} {:>14.4} {:>14.4} {:>14.4} {:>9} {:>7}{}",
                s.log_likelihood,
                s.n_parameters,
                s.bic,
                s.aic,
                s.icl,
                if s.converged { "yes" } else { "no" },
                suspects(cell),
                s.evidence_bound
                    .map_or(String::new(), |e| format!(" {e:>16.4}")),
            )),
            Err(e) => say(format!("{k:>3} {cov:>10} {fam:>12}   failed: {e}")),
        }
    }
}

/// The suspect components of a cell, as `-` or a list like `0,2`.
fn suspects(cell: &Cell<f64>) -> String {
    match &cell.outcome {
        Ok(s) if !s.suspect.is_empty() => s
            .suspect
            .iter()
            .map(|c| c.component.to_string())
            .collect::<Vec<_>>()
            .join(","),
        _ => "-".into(),
    }
}

fn as_json(table: &Selection<f64>, a: &SelectArgs) -> serde_json::Value {
    let cells: Vec<serde_json::Value> = table
        .ranked()
        .into_iter()
        .map(|c| {
            let mut v = json!({
                "n_components": c.n_components,
                "family": c.structure.name(),
                "covariance": c.structure.covariance(),
            });
            let o = v.as_object_mut().expect("an object");
            match &c.outcome {
                Ok(s) => {
                    o.insert("log_likelihood".into(), json!(s.log_likelihood));
                    o.insert("n_parameters".into(), json!(s.n_parameters));
                    o.insert("bic".into(), json!(s.bic));
                    o.insert("aic".into(), json!(s.aic));
                    o.insert("icl".into(), json!(s.icl));
                    o.insert("converged".into(), json!(s.converged));
                    o.insert("n_iter".into(), json!(s.n_iter));
                    if let Some(e) = s.evidence_bound {
                        o.insert("evidence_bound".into(), json!(e));
                    }
                    o.insert(
                        "suspect".into(),
                        json!(
                            s.suspect
                                .iter()
                                .map(|x| json!({
                                    "component": x.component,
                                    "effective_rows": x.effective_rows,
                                    "reason": x.reason,
                                }))
                                .collect::<Vec<_>>()
                        ),
                    );
                }
                Err(e) => {
                    o.insert("error".into(), json!(e.to_string()));
                }
            }
            v
        })
        .collect();
    json!({
        "criterion": table.criterion.name(),
        "lower_is_better": true,
        "cells": cells,
        "best": table.best().map(|b| json!({
            "n_components": b.n_components,
            "family": b.structure.name(),
            "covariance": b.structure.covariance(),
        })),
        "model": a.model.as_ref().map(|p| p.display().to_string()),
    })
}

fn draw(table: &Selection<f64>, best: &Cell<f64>, path: &std::path::Path) -> Result<(), CliError> {
    let mut series: Vec<(String, Vec<(usize, f64)>)> = Vec::new();
    for cell in &table.cells {
        let label = match cell.structure.covariance() {
            "-" => cell.structure.name().to_string(),
            covariance => covariance.to_string(),
        };
        let value = cell
            .outcome
            .as_ref()
            .map_or(f64::NAN, |s| s.criterion(table.criterion));
        match series.iter_mut().find(|(l, _)| *l == label) {
            Some((_, points)) => points.push((cell.n_components, value)),
            None => series.push((label, vec![(cell.n_components, value)])),
        }
    }
    let value = best
        .outcome
        .as_ref()
        .map_or(f64::NAN, |s| s.criterion(table.criterion));
    let figure = criterion_figure(
        &series,
        (best.n_components, value),
        table.criterion.name(),
        (800, 600),
    )?;
    OutputFile::write_all(path, &figure.png()?)
}
