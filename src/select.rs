//! Model selection: a grid of fits over K and structures (Gaussian covariance types, Bernoulli,
//! exponential) scored by BIC, AIC and ICL, with every cell's fit checked for spurious
//! components.
//!
//! Every criterion here is **lower is better**: `BIC = −2 ln p(X) + p ln N`,
//! `AIC = −2 ln p(X) + 2p`, `ICL = BIC + 2·E` where `E = −Σᵢ wᵢ Σₖ rᵢₖ ln rᵢₖ` is the entropy of
//! the responsibilities (mclust's BIC has the opposite sign: it maximises `2 ln p(X) − p ln N`).
//!
//! A cell that cannot be fitted (a singular covariance, too few rows, data outside the
//! family's domain) keeps its error and the grid goes on. Cells are fitted side by side on the
//! thread pool (small data sets leave a single fit's passes little to share out); every fit is
//! the same on any thread count, so the table is too.
//!
//! # Examples
//! ```
//! use mixture::core::EmOptions;
//! use mixture::gauss::Gaussian;
//! use mixture::select::{Criterion, Grid, select};
//!
//! let blobs = mixture::datagen::lesson_blobs::<f64>(200, 69)?;
//! let grid = Grid::new(1..=5, [Gaussian::full().into(), Gaussian::diagonal().into()]);
//! let table = select(&blobs.data, &grid, &EmOptions::default(), Criterion::Bic)?;
//! let best = table.best().expect("some cell fits");
//! assert_eq!(best.n_components, 3);
//! # Ok::<(), mixture::core::MixtureError>(())
//! ```

use rayon::prelude::*;

use crate::core::{
    Components, Data, EmOptions, Estimator, FitReport, Mixture, MixtureError, Scalar,
    information_criteria,
};
use crate::registry::{AnyFamily, AnyMixture, FamilyTask, RegisteredFamily};

/// What is fitted in a cell besides K: a family with its settings (a Gaussian's covariance
/// type and regularisation, ...).
pub type Structure = AnyFamily;

/// Which criterion ranks the cells (all three are computed for every cell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Criterion {
    /// Bayesian information criterion (lower is better).
    #[default]
    Bic,
    /// Akaike information criterion (lower is better).
    Aic,
    /// Integrated completed likelihood, BIC plus twice the responsibilities' entropy (lower is
    /// better): prefers well-separated components.
    Icl,
}

impl Criterion {
    /// `"bic"`, `"aic"` or `"icl"`.
    pub fn name(&self) -> &'static str {
        match self {
            Criterion::Bic => "bic",
            Criterion::Aic => "aic",
            Criterion::Icl => "icl",
        }
    }
}

/// The grid: every K of `components` with every structure (a family with its settings).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Numbers of components.
    pub components: Vec<usize>,
    /// Structures.
    pub structures: Vec<Structure>,
}

impl Grid {
    /// Every K in `components` with every structure in `structures`.
    pub fn new(
        components: impl IntoIterator<Item = usize>,
        structures: impl IntoIterator<Item = Structure>,
    ) -> Self {
        Self {
            components: components.into_iter().collect(),
            structures: structures.into_iter().collect(),
        }
    }
}

/// A component whose fit the data do not support: too few rows for its parameters, or a
/// covariance held up only by `reg_covar`.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspect {
    /// The component.
    pub component: usize,
    /// Its effective number of rows (its weight times the data's total weight).
    pub effective_rows: f64,
    /// Why it is suspect, in words.
    pub reason: String,
}

/// A fitted cell.
#[derive(Debug, Clone)]
pub struct Scores<T> {
    /// The fitted mixture.
    pub model: AnyMixture<T>,
    /// Its total log-likelihood of the data.
    pub log_likelihood: f64,
    /// Free parameters (scikit-learn's count).
    pub n_parameters: usize,
    /// BIC (lower is better).
    pub bic: f64,
    /// AIC (lower is better).
    pub aic: f64,
    /// ICL (lower is better).
    pub icl: f64,
    /// Whether the best run converged.
    pub converged: bool,
    /// Iterations of the best run.
    pub n_iter: usize,
    /// Suspect components (see [`suspect_components`]).
    pub suspect: Vec<Suspect>,
}

impl<T> Scores<T> {
    /// The value of `criterion`.
    pub fn criterion(&self, criterion: Criterion) -> f64 {
        match criterion {
            Criterion::Bic => self.bic,
            Criterion::Aic => self.aic,
            Criterion::Icl => self.icl,
        }
    }
}

/// One cell of the grid: its K, its structure, and its scores or the error that stopped it.
#[derive(Debug, Clone)]
pub struct Cell<T> {
    /// Number of components.
    pub n_components: usize,
    /// Structure.
    pub structure: Structure,
    /// The fit's scores, or why there is none.
    pub outcome: Result<Scores<T>, MixtureError>,
}

/// The grid's cells, in grid order, and the criterion that ranks them.
#[derive(Debug, Clone)]
pub struct Selection<T> {
    /// Every cell, in the order of the grid (structures outer, K inner).
    pub cells: Vec<Cell<T>>,
    /// The ranking criterion.
    pub criterion: Criterion,
}

impl<T> Selection<T> {
    /// The cells ranked: fitted cells without suspect components by the criterion (lowest
    /// first), then fitted cells with suspect components, then failed cells in grid order.
    pub fn ranked(&self) -> Vec<&Cell<T>> {
        let key = |c: &Cell<T>| match &c.outcome {
            Ok(s) => (u8::from(!s.suspect.is_empty()), s.criterion(self.criterion)),
            Err(_) => (2, f64::INFINITY),
        };
        let mut cells: Vec<&Cell<T>> = self.cells.iter().collect();
        // Stable: ties keep grid order.
        cells.sort_by(|a, b| {
            let (ka, kb) = (key(a), key(b));
            ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
        });
        cells
    }

    /// The best cell: the first of [`Selection::ranked`], if any cell was fitted.
    pub fn best(&self) -> Option<&Cell<T>> {
        self.ranked()
            .into_iter()
            .next()
            .filter(|c| c.outcome.is_ok())
    }
}

/// Fits every cell of `grid` to `data` with `options` (`max_iter`, `tol`, `init`, `n_init`,
/// `seed`, ...) and scores it.
///
/// # Errors
/// [`MixtureError::InvalidOption`] for an empty grid, a K of 0 or a structure's invalid
/// setting (a negative `reg_covar`), and the options' own errors; a cell's fit error is kept
/// in the cell instead.
pub fn select<'a, T: Scalar>(
    data: impl Into<Data<'a, T>>,
    grid: &Grid,
    options: &EmOptions,
    criterion: Criterion,
) -> Result<Selection<T>, MixtureError> {
    let data = data.into();
    options.validate()?;
    if grid.components.is_empty() || grid.structures.is_empty() {
        return Err(MixtureError::InvalidOption {
            name: "grid",
            value: format!(
                "{} values of K, {} structures",
                grid.components.len(),
                grid.structures.len()
            ),
            expected: "at least one K and one structure",
        });
    }
    if let Some(&k) = grid.components.iter().find(|&&k| k == 0) {
        return Err(MixtureError::InvalidOption {
            name: "components",
            value: k.to_string(),
            expected: "every K at least 1",
        });
    }
    for structure in &grid.structures {
        structure.check_options()?;
    }
    let grid_cells: Vec<(Structure, usize)> = grid
        .structures
        .iter()
        .flat_map(|&structure| grid.components.iter().map(move |&k| (structure, k)))
        .collect();
    let cells = grid_cells
        .into_par_iter()
        .map(|(structure, k)| Cell {
            n_components: k,
            structure,
            outcome: structure.run(FitCell {
                k,
                options,
                data,
                structure,
            }),
        })
        .collect();
    Ok(Selection { cells, criterion })
}

/// One cell's fit and scores.
struct FitCell<'o, 'd, T> {
    k: usize,
    options: &'o EmOptions,
    data: Data<'d, T>,
    structure: Structure,
}

impl<T: Scalar> FamilyTask<T> for FitCell<'_, '_, T> {
    type Output = Result<Scores<T>, MixtureError>;

    fn run<F: RegisteredFamily<T>>(self, family: F) -> Self::Output {
        let FitCell {
            k,
            options,
            data,
            structure,
        } = self;
        let fitted = Estimator::new(family, k)
            .with_options(options.clone())
            .fit(data)?;
        let (mixture, report) = (fitted.mixture, fitted.report);
        let p = mixture.n_parameters();
        let ll = report.log_likelihood;
        let (bic, aic) = information_criteria(ll, p, report.weight_total);
        let entropy = responsibility_entropy(&mixture, data)?;
        let model = AnyMixture::from(mixture);
        let suspect = suspect_components(&model, &structure, &report, data);
        Ok(Scores {
            log_likelihood: ll,
            n_parameters: p,
            bic,
            aic,
            icl: bic + 2.0 * entropy,
            converged: report.converged,
            n_iter: report.n_iter,
            suspect,
            model,
        })
    }
}

/// `−Σᵢ wᵢ Σₖ rᵢₖ ln rᵢₖ`: how uncertain the assignment of rows to components is.
fn responsibility_entropy<T: Scalar, C: Components<T>>(
    mixture: &Mixture<T, C>,
    data: Data<'_, T>,
) -> Result<f64, MixtureError> {
    let r = mixture.predict_proba(data.rows())?;
    let k = r.n_cols();
    let mut total = 0.0;
    for (i, row) in r.as_slice().chunks_exact(k).enumerate() {
        let w = data.weights().map_or(1.0, |w| w[i]);
        if w == 0.0 {
            continue;
        }
        let h: f64 = row
            .iter()
            .map(|v| v.as_f64())
            .filter(|&v| v > 0.0)
            .map(|v| -v * v.ln())
            .sum();
        total += w * h;
    }
    Ok(total)
}

/// The components of a fitted `model` (fitted with `family` on `data`) that the data do not
/// support:
///
/// - those of the fit's report ([`FitReport::suspect`]): fewer effective rows than their
///   parameters need (D + 1 for a full covariance, 2 for a diagonal or spherical one, 1
///   otherwise);
/// - those the family finds unsupported ([`AnyMixture::unsupported`]: a Gaussian covariance
///   held up by an absolute `reg_covar` only).
pub fn suspect_components<T: Scalar>(
    model: &AnyMixture<T>,
    family: &AnyFamily,
    report: &FitReport,
    data: Data<'_, T>,
) -> Vec<Suspect> {
    let mut out: Vec<Suspect> = report
        .suspect
        .iter()
        .map(|s| Suspect {
            component: s.component,
            effective_rows: s.effective_rows,
            reason: format!(
                "{:.3} effective rows, fewer than the {} its parameters need",
                s.effective_rows, s.rows_needed
            ),
        })
        .collect();
    let weights = model.weights();
    for u in model.unsupported(family, data) {
        if out.iter().all(|s| s.component != u.component) {
            out.push(Suspect {
                component: u.component,
                effective_rows: weights[u.component] * report.weight_total,
                reason: u.reason,
            });
        }
    }
    out.sort_by_key(|s| s.component);
    out
}
