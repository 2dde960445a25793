//! Everything the command knows per family, in one place: its name, the options that apply to
//! it, building it from the options (and a starting model), its figure, its cells in `select`.
//! The subcommands ask here and name no family themselves.

use crate::args::{CovarianceArg, FamilyArg, FitArgs, PlotArgs};
use crate::error::CliError;
use crate::files::Value;
use mixture::model_file::AnyMixture;
use mixture::select::Structure;
use mixture_bern::Bernoulli;
use mixture_core::rand::{SeedableRng, rngs::ChaCha8Rng};
use mixture_core::{Family, Mixture, Rows};
use mixture_exp::Exponential;
use mixture_gauss::{CovarianceType, Gaussian};
use mixture_plot::{
    DensityOptions, Figure, fit_figure, histogram_figure, prototype_figure, samples_figure,
};
use serde_json::{Value as Json, json};

impl FamilyArg {
    /// The family's name, as model files and messages spell it.
    pub fn name(self) -> &'static str {
        match self {
            FamilyArg::Gaussian => "gaussian",
            FamilyArg::Bernoulli => "bernoulli",
            FamilyArg::Exponential => "exponential",
        }
    }

    /// Refuses the options of `fit` that apply to another family.
    pub(crate) fn check_fit_options(self, a: &FitArgs) -> Result<(), CliError> {
        if self == FamilyArg::Gaussian {
            return Ok(());
        }
        let given = [
            (a.covariance.is_some(), "--covariance"),
            (a.reg_covar.is_some(), "--reg-covar"),
            (a.relative_reg_covar.is_some(), "--relative-reg-covar"),
        ];
        match given.iter().find(|(set, _)| *set) {
            Some((_, option)) => Err(CliError::input(format!(
                "{option} applies to the gaussian family only (--family is {}: its components are their means)",
                self.name()
            ))),
            None => Ok(()),
        }
    }

    /// The family and its own options, for the model file's record of the fit.
    pub(crate) fn record_options(self, a: &FitArgs, o: &mut serde_json::Map<String, Json>) {
        o.insert("family".into(), json!(self.name()));
        if self == FamilyArg::Gaussian {
            match a.relative_reg_covar {
                Some(f) => o.insert("relative_reg_covar".into(), json!(f)),
                None => o.insert("reg_covar".into(), json!(a.reg_covar.unwrap_or(1e-6))),
            };
        }
    }

    /// The structures of `select`'s grid for this family.
    pub(crate) fn structures(self, covariances: &[CovarianceArg]) -> Vec<Structure> {
        match self {
            FamilyArg::Gaussian => covariances
                .iter()
                .map(|&c| Structure::Gaussian(CovarianceType::from(c)))
                .collect(),
            FamilyArg::Bernoulli => vec![Structure::Bernoulli],
            FamilyArg::Exponential => vec![Structure::Exponential],
        }
    }
}

/// Work done with a family built from the options, whichever it is: `fit`'s checks and fit.
pub(crate) trait WithFamily<T: Value> {
    /// What the work returns.
    type Output;

    /// Does the work with `family`, from `start` when given.
    fn run<F: Family<T>>(
        self,
        family: F,
        start: Option<&Mixture<T, F::Components>>,
    ) -> Result<Self::Output, CliError>
    where
        AnyMixture<T>: From<Mixture<T, F::Components>>;
}

/// Builds the family `fit`'s options name, with the starting model's parameters when given
/// (which must be of that family; a Gaussian start gives the covariance type unless
/// `--covariance` does, and they must agree), and hands both to `work`.
pub(crate) fn with_fit_family<T: Value, W: WithFamily<T>>(
    a: &FitArgs,
    start: Option<&AnyMixture<T>>,
    work: W,
) -> Result<W::Output, CliError> {
    if let Some(s) = start
        && s.family() != a.family.name()
    {
        return Err(CliError::input(format!(
            "the initial model is {} but --family is {}",
            s.family(),
            a.family.name()
        )));
    }
    match (a.family, start) {
        (FamilyArg::Gaussian, start) => {
            let start = match start {
                Some(AnyMixture::Gaussian(m)) => Some(m),
                _ => None,
            };
            let from_start = start.map(|s| s.components().covariance_type());
            // --covariance, else the initial model's type, else full.
            let kind = a
                .covariance
                .map_or(from_start.unwrap_or_default(), CovarianceType::from);
            if let Some(given) = from_start
                && given != kind
            {
                return Err(CliError::input(format!(
                    "the initial model's covariance type is {} but --covariance is {}",
                    given.name(),
                    kind.name()
                )));
            }
            let g = match a.relative_reg_covar {
                Some(factor) => Gaussian::new(kind).with_relative_reg_covar(factor),
                None => Gaussian::new(kind).with_reg_covar(a.reg_covar.unwrap_or(1e-6)),
            };
            work.run(g, start)
        }
        (FamilyArg::Bernoulli, Some(AnyMixture::Bernoulli(m))) => {
            work.run(Bernoulli::new(), Some(m))
        }
        (FamilyArg::Bernoulli, _) => work.run(Bernoulli::new(), None),
        (FamilyArg::Exponential, Some(AnyMixture::Exponential(m))) => {
            work.run(Exponential::new(), Some(m))
        }
        (FamilyArg::Exponential, _) => work.run(Exponential::new(), None),
    }
}

/// `plot`'s figures of `model` over the rows `x`: the picture, and with `--samples` the
/// samples' picture. Gaussian models of two or more features draw density contours (of the
/// two `--dims`), one feature its histogram; Bernoulli models their prototypes as images
/// (`--shape`); exponential models per-feature histograms (of the first 16).
pub(crate) fn figures<T: Value>(
    model: &AnyMixture<T>,
    x: Rows<'_, T>,
    a: &PlotArgs,
) -> Result<(Figure, Option<Figure>), CliError> {
    let no_samples = |which: &str| -> Result<(), CliError> {
        match a.samples {
            Some(_) => Err(CliError::input(format!(
                "--samples draws density contours: {which} only"
            ))),
            None => Ok(()),
        }
    };
    match model {
        AnyMixture::Gaussian(m) if m.n_features() == 1 => {
            no_samples("models of two or more features")?;
            let title = "Data and fitted Gaussian mixture";
            Ok((histogram_figure(m, x, 50, title)?, None))
        }
        AnyMixture::Gaussian(m) => {
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
        AnyMixture::Bernoulli(m) => {
            no_samples("Gaussian models")?;
            let shape = parse_shape(a.shape.as_deref(), m.n_features())?;
            let probabilities = m.components().probabilities();
            let title = "Bernoulli prototypes";
            Ok((
                prototype_figure(probabilities, m.weights(), shape, title)?,
                None,
            ))
        }
        AnyMixture::Exponential(m) => {
            no_samples("Gaussian models")?;
            let d = m.n_features().min(16);
            let dims: Vec<usize> = (0..d).collect();
            let marginal = m.marginal(&dims)?;
            let cols: Vec<T> = x.iter().flat_map(|r| r[..d].to_vec()).collect();
            let title = "Data and fitted exponential mixture";
            Ok((
                histogram_figure(&marginal, Rows::new(&cols, d)?, 50, title)?,
                None,
            ))
        }
    }
}

/// `--shape ROWSxCOLUMNS` of Bernoulli prototypes: given, or square when D is, else one row.
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
