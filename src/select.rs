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

use crate::core::variational::VariationalPrior;
use crate::core::{
    Components, Data, EmOptions, Estimator, FitReport, Mixture, MixtureError, Scalar, Silent,
    information_criteria,
};
use crate::model_file::PosteriorRecord;
use crate::registry::{
    AnyFamily, AnyMixture, AnyVariationalFit, ConjugateFamily, FamilyTask, Registered,
    RegisteredFamily, VariationalTask,
};

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
    /// Variational grids only ([`Grid::variational`]): `−2 × ELBO`, minus twice the evidence
    /// lower bound with every constant kept
    /// ([`VariationalFit::evidence_bound`](crate::core::variational::VariationalFit::evidence_bound)),
    /// on BIC's scale (BIC approximates `−2 ln p(X)`; this bounds it from above). Lower is
    /// better.
    Elbo,
}

impl Criterion {
    /// `"bic"`, `"aic"` or `"icl"`.
    pub fn name(&self) -> &'static str {
        match self {
            Criterion::Bic => "bic",
            Criterion::Aic => "aic",
            Criterion::Icl => "icl",
            Criterion::Elbo => "elbo",
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
    /// Whether a cell also starts from its neighbours in K (on by default): K from K − 1's
    /// model with its widest component split in two, then K from K + 1's with its two most
    /// overlapping components merged, keeping the better fit, so that the criterion's curve
    /// in K is not jagged by unlucky starts.
    pub neighbour_starts: bool,
    /// Variational fits instead of E-M (see [`Grid::with_variational`]).
    pub variational: Option<VariationalPrior<()>>,
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
            neighbour_starts: true,
            variational: None,
        }
    }

    /// This grid with every cell a variational fit
    /// ([`Estimator::fit_variational`](crate::core::Estimator::fit_variational)) under `prior`
    /// on the weights and each family's default conjugate prior on its components, scored by
    /// its evidence lower bound ([`Criterion::Elbo`]) beside BIC, AIC and ICL of its posterior
    /// mean mixture. Families without a conjugate prior fail their cells; the starts from
    /// neighbouring K are E-M's and are not used.
    ///
    /// # Examples
    /// ```
    /// use mixture::core::EmOptions;
    /// use mixture::core::variational::{VariationalPrior, WeightPriorType};
    /// use mixture::gauss::Gaussian;
    /// use mixture::select::{Criterion, Grid, select};
    ///
    /// let blobs = mixture::datagen::lesson_blobs::<f64>(150, 69)?;
    /// let prior = VariationalPrior {
    ///     weight_prior: WeightPriorType::DirichletDistribution,
    ///     ..VariationalPrior::default()
    /// };
    /// let grid = Grid::new(1..=4, [Gaussian::full().into()]).with_variational(prior);
    /// let table = select(&blobs.data, &grid, &EmOptions::default(), Criterion::Elbo)?;
    /// assert_eq!(table.best().expect("a cell fits").n_components, 3);
    /// # Ok::<(), mixture::core::MixtureError>(())
    /// ```
    pub fn with_variational(mut self, prior: VariationalPrior<()>) -> Self {
        self.variational = Some(prior);
        self
    }

    /// This grid with or without the starts from neighbouring K ([`Grid::neighbour_starts`]).
    pub fn with_neighbour_starts(mut self, on: bool) -> Self {
        self.neighbour_starts = on;
        self
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
    /// A variational cell's evidence lower bound (higher is better).
    pub evidence_bound: Option<f64>,
    /// A variational cell's posterior, as its model file records it.
    pub posterior: Option<PosteriorRecord>,
}

impl<T> Scores<T> {
    /// The value of `criterion` (lower is better): infinite for [`Criterion::Elbo`] in a
    /// cell that is not variational.
    pub fn criterion(&self, criterion: Criterion) -> f64 {
        match criterion {
            Criterion::Bic => self.bic,
            Criterion::Aic => self.aic,
            Criterion::Icl => self.icl,
            Criterion::Elbo => self.evidence_bound.map_or(f64::INFINITY, |e| -2.0 * e),
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
    if criterion == Criterion::Elbo && grid.variational.is_none() {
        return Err(MixtureError::InvalidOption {
            name: "criterion",
            value: "elbo".into(),
            expected: "a variational grid (Grid::with_variational); E-M fits have no evidence bound",
        });
    }
    if let Some(prior) = &grid.variational {
        prior.concentration(1)?;
    }
    let grid_cells: Vec<(Structure, usize)> = grid
        .structures
        .iter()
        .flat_map(|&structure| grid.components.iter().map(move |&k| (structure, k)))
        .collect();
    let mut cells: Vec<Cell<T>> = grid_cells
        .into_par_iter()
        .map(|(structure, k)| Cell {
            n_components: k,
            structure,
            outcome: match &grid.variational {
                None => structure.run(FitCell {
                    k,
                    options,
                    data,
                    structure,
                    from: None,
                }),
                Some(prior) => structure
                    .run_variational(VariationalCell {
                        k,
                        options,
                        data,
                        structure,
                        prior,
                    })
                    .unwrap_or_else(|| {
                        Err(MixtureError::InvalidOption {
                            name: "variational",
                            value: structure.name().into(),
                            expected: "a family with a conjugate prior (gaussian, bernoulli, exponential)",
                        })
                    }),
            },
        })
        .collect();
    if grid.neighbour_starts && grid.variational.is_none() {
        // Each structure's row of the grid in K, refined on its own (side by side).
        let per_structure = grid.components.len();
        cells
            .par_chunks_mut(per_structure)
            .for_each(|row| neighbour_starts(row, options, data));
    }
    Ok(Selection { cells, criterion })
}

/// Refits the cells of one structure (`row`, in the grid's order of K) from their neighbours
/// in K: upwards from K − 1 split, then downwards from K + 1 merged, each kept when it ranks
/// above the cell (sound before suspect, then by log-likelihood).
fn neighbour_starts<T: Scalar>(row: &mut [Cell<T>], options: &EmOptions, data: Data<'_, T>) {
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by_key(|&i| row[i].n_components);
    let rank = |o: &Result<Scores<T>, MixtureError>| {
        o.as_ref()
            .ok()
            .map(|s| (s.suspect.is_empty(), s.log_likelihood))
    };
    let try_from = |row: &mut [Cell<T>], from: usize, to: usize, step: Move| {
        let (Ok(neighbour), k) = (&row[from].outcome, row[to].n_components) else {
            return;
        };
        let structure = row[to].structure;
        let to_beat = row[to]
            .outcome
            .as_ref()
            .map_or(f64::NEG_INFINITY, |s| s.log_likelihood);
        let outcome = structure.run(FitCell {
            k,
            options,
            data,
            structure,
            from: Some((&neighbour.model, step, to_beat)),
        });
        let better = match (rank(&outcome), rank(&row[to].outcome)) {
            (Some(new), Some(old)) => new > old,
            (Some(_), None) => true,
            _ => false,
        };
        if better {
            row[to].outcome = outcome;
        }
    };
    for w in order.windows(2) {
        if row[w[0]].n_components + 1 == row[w[1]].n_components {
            try_from(row, w[0], w[1], Move::Split);
        }
    }
    for w in order.windows(2).rev() {
        if row[w[0]].n_components + 1 == row[w[1]].n_components {
            try_from(row, w[1], w[0], Move::Merge);
        }
    }
}

/// How a neighbour's model in K becomes a start.
#[derive(Debug, Clone, Copy)]
enum Move {
    /// From K − 1: the component of widest spread split in two.
    Split,
    /// From K + 1: the two most overlapping components merged.
    Merge,
}

/// The partition of the rows that starts a cell from `neighbour` by `step`, `None` when
/// there is none (a component that cannot be split, one component to merge).
///
/// Rows go to their most responsible component. To split, the component whose rows spread
/// most about their mean (in units of each feature's standard deviation) is cut across its
/// principal axis through its mean; to merge, the pair whose responsibilities overlap most
/// (`Σ r_a r_b / √(Σ r_a² Σ r_b²)`, weighted) becomes one.
fn moved_labels<T: Scalar, C: Components<T>>(
    neighbour: &Mixture<T, C>,
    data: Data<'_, T>,
    step: Move,
) -> Result<Option<Vec<usize>>, MixtureError> {
    let r = neighbour.predict_proba(data.rows())?;
    let (k, d) = (r.n_cols(), data.rows().n_cols());
    let weight = |i: usize| data.weights().map_or(1.0, |w| w[i]);
    let resp: Vec<&[T]> = r.as_slice().chunks_exact(k).collect();
    let mut labels: Vec<usize> = resp
        .iter()
        .map(|row| {
            (0..k).fold(0, |best, c| {
                if row[c].as_f64() > row[best].as_f64() {
                    c
                } else {
                    best
                }
            })
        })
        .collect();
    match step {
        Move::Merge => {
            if k < 2 {
                return Ok(None);
            }
            let mut overlap = vec![0.0; k * k];
            for (i, row) in resp.iter().enumerate() {
                let w = weight(i);
                for a in 0..k {
                    for b in a..k {
                        overlap[a * k + b] += w * row[a].as_f64() * row[b].as_f64();
                    }
                }
            }
            let mut best: Option<(f64, usize, usize)> = None;
            for a in 0..k {
                for b in a + 1..k {
                    let scale = (overlap[a * k + a] * overlap[b * k + b]).sqrt();
                    let o = if scale > 0.0 {
                        overlap[a * k + b] / scale
                    } else {
                        0.0
                    };
                    if best.is_none_or(|(bo, _, _)| o > bo) {
                        best = Some((o, a, b));
                    }
                }
            }
            let Some((_, a, b)) = best else {
                return Ok(None);
            };
            for l in &mut labels {
                if *l == b {
                    *l = a;
                } else if *l > b {
                    *l -= 1;
                }
            }
            Ok(Some(labels))
        }
        Move::Split => {
            // Each feature in units of its standard deviation, so that no unit dominates.
            let n = data.n_rows();
            let total: f64 = (0..n).map(weight).sum();
            let row_of = |i: usize| data.rows().row(i);
            let mut mean = vec![0.0; d];
            for i in 0..n {
                for (m, v) in mean.iter_mut().zip(row_of(i)) {
                    *m += weight(i) * v.as_f64() / total;
                }
            }
            let mut scale = vec![0.0; d];
            for i in 0..n {
                for j in 0..d {
                    scale[j] += weight(i) * (row_of(i)[j].as_f64() - mean[j]).powi(2) / total;
                }
            }
            let scale: Vec<f64> = scale
                .iter()
                .map(|&v| if v > 0.0 { 1.0 / v.sqrt() } else { 1.0 })
                .collect();
            let standard: Vec<f64> = (0..n)
                .flat_map(|i| row_of(i).iter().zip(&scale).map(|(v, s)| v.as_f64() * s))
                .collect();
            let z = |i: usize| &standard[i * d..(i + 1) * d];
            // Each component's rows: their mean and spread.
            let mut centre = vec![0.0; k * d];
            let mut mass = vec![0.0; k];
            for i in (0..n).filter(|&i| weight(i) > 0.0) {
                let l = labels[i];
                mass[l] += weight(i);
                for (c, v) in centre[l * d..(l + 1) * d].iter_mut().zip(z(i)) {
                    *c += weight(i) * v;
                }
            }
            for c in 0..k {
                for v in &mut centre[c * d..(c + 1) * d] {
                    *v /= mass[c].max(f64::MIN_POSITIVE);
                }
            }
            let mut spread = vec![0.0; k];
            for i in (0..n).filter(|&i| weight(i) > 0.0) {
                let l = labels[i];
                let gap: f64 = z(i)
                    .iter()
                    .zip(&centre[l * d..])
                    .map(|(a, b)| (a - b).powi(2))
                    .sum();
                spread[l] += weight(i) * gap;
            }
            let c = (0..k).fold(0, |best, c| if spread[c] > spread[best] { c } else { best });
            let mu = &centre[c * d..(c + 1) * d];
            let members: Vec<usize> = (0..n)
                .filter(|&i| labels[i] == c && weight(i) > 0.0)
                .collect();
            // The members' offsets from their mean, computed once.
            let offsets: Vec<f64> = members
                .iter()
                .flat_map(|&i| z(i).iter().zip(mu).map(|(a, b)| a - b))
                .collect();
            let offset = |m: usize| &offsets[m * d..(m + 1) * d];
            // The principal axis by power iteration, from the farthest row's direction.
            let far = (0..members.len()).fold(None, |best: Option<(f64, usize)>, m| {
                let g: f64 = offset(m).iter().map(|v| v * v).sum();
                if best.is_none_or(|(bg, _)| g > bg) {
                    Some((g, m))
                } else {
                    best
                }
            });
            let Some((gap, far)) = far else {
                return Ok(None);
            };
            if gap <= 0.0 {
                return Ok(None);
            }
            let mut axis = offset(far).to_vec();
            for _ in 0..30 {
                let mut next = vec![0.0; d];
                for (m, &i) in members.iter().enumerate() {
                    let o = offset(m);
                    let along: f64 = o.iter().zip(&axis).map(|(a, b)| a * b).sum();
                    for (x, v) in next.iter_mut().zip(o) {
                        *x += weight(i) * along * v;
                    }
                }
                let norm = next.iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm <= 0.0 {
                    break;
                }
                axis = next.into_iter().map(|v| v / norm).collect();
            }
            let mut sides = [0usize; 2];
            for (m, &i) in members.iter().enumerate() {
                let along: f64 = offset(m).iter().zip(&axis).map(|(a, b)| a * b).sum();
                if along > 0.0 {
                    labels[i] = k;
                    sides[1] += 1;
                } else {
                    sides[0] += 1;
                }
            }
            Ok((sides[0] > 0 && sides[1] > 0).then_some(labels))
        }
    }
}

/// One cell's fit and scores: from the options' initialisation, or from a neighbour's model.
struct FitCell<'o, 'd, 'm, T: Scalar> {
    k: usize,
    options: &'o EmOptions,
    data: Data<'d, T>,
    structure: Structure,
    /// A neighbour's model, the move that makes it a start, and the cell's own
    /// log-likelihood to beat.
    from: Option<(&'m AnyMixture<T>, Move, f64)>,
}

/// Iterations a start from a neighbouring K runs before it is compared with the cell's fit.
const NEIGHBOUR_PROBE_ITERATIONS: usize = 50;

impl<T: Scalar> FamilyTask<T> for FitCell<'_, '_, '_, T> {
    type Output = Result<Scores<T>, MixtureError>;

    fn run<F: RegisteredFamily<T>>(self, family: F) -> Self::Output {
        let FitCell {
            k,
            options,
            data,
            structure,
            from,
        } = self;
        let est = Estimator::new(family, k).with_options(options.clone());
        let fitted = match from {
            None => est.fit(data)?,
            Some((neighbour, step, to_beat)) => {
                let no_start = || MixtureError::InvalidOption {
                    name: "neighbour_starts",
                    value: format!("{step:?} to K = {k}"),
                    expected: "a neighbour that gives a start",
                };
                let neighbour =
                    <F::Components as Registered<T>>::of(neighbour).ok_or_else(no_start)?;
                let labels = moved_labels(neighbour, data, step)?.ok_or_else(no_start)?;
                let start = est.start_from_labels(data, &labels)?;
                // A probe of a few iterations first: a start still below the cell's fit by
                // then is dropped (most end in the cell's own optimum, slowly).
                let probe_iterations = NEIGHBOUR_PROBE_ITERATIONS.min(options.max_iter);
                let probe = est
                    .clone()
                    .max_iter(probe_iterations)
                    .fit_from(&start, data)?;
                if probe.report.converged || probe_iterations == options.max_iter {
                    probe
                } else if probe.report.log_likelihood <= to_beat {
                    return Err(MixtureError::InvalidOption {
                        name: "neighbour_starts",
                        value: format!("{step:?} to K = {k}"),
                        expected: "a start that catches up with the cell's own fit",
                    });
                } else {
                    let mut rest = est
                        .clone()
                        .max_iter(options.max_iter - probe_iterations)
                        .fit_from(&probe, data)?;
                    rest.report.n_iter += probe.report.n_iter;
                    rest
                }
            }
        };
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
            evidence_bound: None,
            posterior: None,
        })
    }
}

/// One cell's variational fit and scores (see [`Grid::with_variational`]).
struct VariationalCell<'o, 'd, T: Scalar> {
    k: usize,
    options: &'o EmOptions,
    data: Data<'d, T>,
    structure: Structure,
    prior: &'o VariationalPrior<()>,
}

impl<T: Scalar> VariationalTask<T> for VariationalCell<'_, '_, T> {
    type Output = Result<Scores<T>, MixtureError>;

    fn run<F: ConjugateFamily<T>>(self, family: F) -> Self::Output {
        let prior = VariationalPrior {
            weight_prior: self.prior.weight_prior,
            weight_concentration: self.prior.weight_concentration,
            components: F::Prior::default(),
        };
        let fit = Estimator::new(family, self.k)
            .with_options(self.options.clone())
            .fit_variational(self.data, &prior, None, &mut Silent)?;
        // The posterior mean mixture's criteria, beside the bound.
        let p = fit.mixture.n_parameters();
        let ll = fit.log_likelihood;
        let (bic, aic) = information_criteria(ll, p, fit.report.weight_total);
        let entropy = responsibility_entropy(&fit.mixture, self.data)?;
        let fit = AnyVariationalFit::from(fit);
        let suspect = suspect_components(&fit.mixture, &self.structure, &fit.report, self.data);
        Ok(Scores {
            log_likelihood: ll,
            n_parameters: p,
            bic,
            aic,
            icl: bic + 2.0 * entropy,
            converged: fit.report.converged,
            n_iter: fit.report.n_iter,
            suspect,
            evidence_bound: Some(fit.evidence_bound),
            posterior: Some(PosteriorRecord::new(&fit)),
            model: fit.mixture,
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
