//! Families in the command: building one from the flags through the registry
//! ([`mixture::registry`]: the registry checks which family a flag applies to), its cells in
//! `select`, and the figures `plot` draws of each. The subcommands ask here and name no family
//! themselves.

use crate::args::{FamilyFlags, FitArgs, PlotArgs};
use crate::error::CliError;
use crate::files::Value;
use mixture::model_file::AnyMixture;
use mixture::registry::{AnyFamily, Picture, SettingsError};
use mixture::select::Structure;
use mixture::with_mixture;
use mixture_core::rand::{SeedableRng, rngs::ChaCha8Rng};
use mixture_core::{Components, Mixture, Rows, Scalar};
use mixture_plot::{
    DensityOptions, Figure, count_figure, fit_figure, histogram_figure, prototype_figure,
    samples_figure,
};
use serde_json::{Map, Value as Json};

/// The flag a family setting is given by: the key with dashes (`reg_covar` is `--reg-covar`).
pub(crate) fn settings_flag(key: &str) -> String {
    format!("--{}", key.replace('_', "-"))
}

/// "--prior applies to the bernoulli family only (--family is gaussian)".
fn other_family(key: &str, family: &str) -> String {
    format!(
        "{} applies to the {} family only (--family is {family})",
        settings_flag(key),
        AnyFamily::families_with(key).join(" or ")
    )
}

/// A registry error in the command's words: settings named by their flags.
fn settings_error(e: SettingsError) -> CliError {
    CliError::input(match e {
        SettingsError::OtherFamily { key, family, .. } => other_family(&key, family),
        SettingsError::StartDisagrees { key, start, given } => format!(
            "the initial model's {key} is {start} but {} is {given}",
            settings_flag(&key)
        ),
        SettingsError::StartFamily { start, family } => {
            format!("the initial model is {start} but --family is {family}")
        }
        other => other.to_string(),
    })
}

/// The family `fit`'s options name with its settings, taking what the starting model fixes
/// (a Gaussian start's covariance type, unless --covariance gives it: then they must agree).
pub(crate) fn fit_family<T: Scalar>(
    a: &FitArgs,
    start: Option<&AnyMixture<T>>,
) -> Result<AnyFamily, CliError> {
    let mut settings = a.settings.settings();
    if let Some(c) = &a.covariance {
        settings.insert("covariance".into(), c.as_str().into());
    }
    settings.insert("family".into(), a.family.as_str().into());
    AnyFamily::for_start(&settings, start).map_err(settings_error)
}

/// The structures of `select`'s grid: every family of `--family` with the settings flags
/// that apply to it, a gaussian once per `--covariance` type. A settings flag that applies to
/// none of the families is refused.
pub(crate) fn structures(
    families: &[String],
    covariances: Option<&[String]>,
    flags: &FamilyFlags,
) -> Result<Vec<Structure>, CliError> {
    let mut given = flags.settings();
    if covariances.is_some() {
        given.insert("covariance".into(), Json::Null);
    }
    let mut out: Vec<Structure> = Vec::new();
    for family in families {
        let keys = AnyFamily::settings_keys(family);
        let own: Map<String, Json> = given
            .iter()
            .filter(|(k, _)| keys.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut variants = vec![own.clone()];
        // The whole list of covariance types by default (or `all`): those the other settings
        // rule out (mclust's prior is for ten of the fourteen models) are left out of the
        // grid, as mclust leaves them out; a type the user names is fitted or refused.
        let mut every_type = false;
        if keys.contains(&"covariance") {
            let all: Vec<String> = AnyFamily::covariance_names()
                .iter()
                .map(|(name, _)| name.to_string())
                .collect();
            let every = |list: &&[String]| list.iter().any(|c| c.eq_ignore_ascii_case("all"));
            every_type = covariances.is_none_or(|list| every(&list));
            variants = covariances
                .filter(|list| !every(list))
                .unwrap_or(&all)
                .iter()
                .map(|c| {
                    let mut v = own.clone();
                    v.insert("covariance".into(), c.as_str().into());
                    v
                })
                .collect();
        }
        let mut first_refusal = None;
        let before = out.len();
        for settings in variants {
            let s = AnyFamily::from_settings(family, &settings).map_err(settings_error)?;
            if every_type && let Err(e) = s.check_options() {
                first_refusal.get_or_insert(e);
                continue;
            }
            if !out.contains(&s) {
                out.push(s);
            }
        }
        if out.len() == before
            && let Some(e) = first_refusal
        {
            return Err(e.into());
        }
    }
    if let Some(key) = given.keys().find(|k| {
        !families
            .iter()
            .any(|f| AnyFamily::settings_keys(f).contains(&k.as_str()))
    }) {
        return Err(CliError::input(other_family(key, &families.join(","))));
    }
    Ok(out)
}

/// `plot`'s figures of `model` over the rows `x`: the picture its family asks for
/// ([`AnyMixture::picture`]), and with `--samples` the samples' picture. Density contours of
/// the two `--dims` for models of two or more features (one feature: its histogram);
/// prototypes as images (`--shape`); per-feature histograms or bar charts of counts (of the
/// first 16).
pub(crate) fn figures<T: Value>(
    model: &AnyMixture<T>,
    x: Rows<'_, T>,
    a: &PlotArgs,
) -> Result<(Figure, Option<Figure>), CliError> {
    let picture = match model.picture() {
        Picture::Density if model.n_features() == 1 => Picture::Marginals,
        p => p,
    };
    if a.samples.is_some() && picture != Picture::Density {
        return Err(CliError::input(format!(
            "--samples draws density contours, which {} models of {} feature(s) do not have",
            model.family(),
            model.n_features()
        )));
    }
    let title = format!("Data and fitted {} mixture", model.family());
    match picture {
        Picture::Density => with_mixture!(model, m => density_figures(m, x, a)),
        Picture::Prototypes(name) => {
            let arrays = model.parameter_arrays();
            let values = arrays
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.values.as_slice())
                .unwrap_or_default();
            let d = model.n_features();
            let shape = parse_shape(a.shape.as_deref(), d)?;
            let title = format!("{} prototypes ({name})", model.family());
            let figure = prototype_figure(Rows::new(values, d)?, model.weights(), shape, &title)?;
            Ok((figure, None))
        }
        _ => with_mixture!(model, m => {
            let d = m.n_features().min(16);
            let dims: Vec<usize> = (0..d).collect();
            let marginal = m.marginal(&dims)?;
            let cols: Vec<T> = x.iter().flat_map(|r| r[..d].to_vec()).collect();
            let cols = Rows::new(&cols, d)?;
            let figure = match picture {
                Picture::Counts => count_figure(&marginal, cols, &title)?,
                _ => histogram_figure(&marginal, cols, 50, &title)?,
            };
            Ok((figure, None))
        }),
    }
}

/// Density contours of `m` over the two `--dims`, and over `--samples` draws when asked.
fn density_figures<T: Value, C: Components<T>>(
    m: &Mixture<T, C>,
    x: Rows<'_, T>,
    a: &PlotArgs,
) -> Result<(Figure, Option<Figure>), CliError> {
    let dims = match a.dims[..] {
        [i, j] => [i, j],
        _ => {
            return Err(CliError::input(
                "--dims needs two features, as in --dims 2,5",
            ));
        }
    };
    let mut opts = DensityOptions::fit();
    opts.dims = dims;
    let fit = fit_figure(m, x, &opts)?;
    let samples = match a.samples {
        Some(n) => {
            let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
            let (s, _) = m.sample(n.max(1), &mut rng)?;
            let mut opts = DensityOptions::samples();
            opts.dims = dims;
            Some(samples_figure(m, x, s.view(), &opts)?)
        }
        None => None,
    };
    Ok((fit, samples))
}

/// `--shape ROWSxCOLUMNS` of prototype images: given, or square when D is, else one row.
fn parse_shape(shape: Option<&str>, d: usize) -> Result<(usize, usize), CliError> {
    match shape {
        Some(s) => {
            let parsed = s
                .split_once(['x', 'X', ','])
                .and_then(|(r, c)| Some((r.trim().parse().ok()?, c.trim().parse().ok()?)));
            match parsed {
                Some((r, c)) if usize::checked_mul(r, c) == Some(d) => Ok((r, c)),
                _ => Err(CliError::input(format!(
                    "--shape {:?} must be ROWSxCOLUMNS with ROWS·COLUMNS = {d}",
                    s.chars().take(40).collect::<String>()
                ))),
            }
        }
        None => {
            let side = (d as f64).sqrt().round() as usize;
            Ok(if side * side == d {
                (side, side)
            } else {
                (1, d)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_parse() {
        assert_eq!(parse_shape(Some("8x8"), 64), Ok((8, 8)));
        assert_eq!(parse_shape(None, 64), Ok((8, 8)));
        assert_eq!(parse_shape(None, 10), Ok((1, 10)));
        assert!(parse_shape(Some("3x3"), 64).is_err());
        assert!(parse_shape(Some("4294967296x4294967296"), 0).is_err());
    }
}
