//! The negative log-likelihood on a regular grid, and its isolines (marching squares from the
//! `contour` crate).

use crate::PlotError;
use mixture_core::{Components, Mixture, Rows, Scalar};

/// `n` values spaced evenly in log10 from `10^start` to `10^stop` (numpy's `logspace`).
///
/// # Examples
/// ```
/// let levels = mixture_plot::logspace(0.0, 2.0, 3);
/// assert_eq!(levels, vec![1.0, 10.0, 100.0]);
/// ```
pub fn logspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![10f64.powf(start)],
        _ => (0..n)
            .map(|i| {
                let e = start + (stop - start) * i as f64 / (n - 1) as f64;
                // Exact powers of ten where the exponent is an integer.
                if e.fract() == 0.0 {
                    10f64.powi(e as i32)
                } else {
                    10f64.powf(e)
                }
            })
            .collect(),
    }
}

/// A model's negative log-likelihood sampled on a regular `nx`×`ny` grid.
#[derive(Debug, Clone, PartialEq)]
pub struct DensityGrid {
    /// Grid abscissae (ascending, `nx` of them).
    pub xs: Vec<f64>,
    /// Grid ordinates (ascending, `ny` of them).
    pub ys: Vec<f64>,
    /// `−ln p(x, y)` at `(xs[i], ys[j])`, stored at `j * nx + i`.
    pub nll: Vec<f64>,
}

impl DensityGrid {
    /// Evaluates a two-dimensional `model` on `resolution`×`resolution` points spanning
    /// `x_range` × `y_range`.
    ///
    /// # Errors
    /// [`PlotError::InvalidOption`] for a model that is not two-dimensional, a resolution below
    /// 2 or an empty range; the model's error if the grid lies outside its family's domain.
    pub fn evaluate<T: Scalar, C: Components<T>>(
        model: &Mixture<T, C>,
        x_range: (f64, f64),
        y_range: (f64, f64),
        resolution: usize,
    ) -> Result<Self, PlotError> {
        if model.n_features() != 2 {
            return Err(PlotError::InvalidOption {
                name: "model",
                value: format!("{} features", model.n_features()),
                expected: "a density grid needs a two-dimensional model (take a marginal)",
            });
        }
        if resolution < 2 {
            return Err(PlotError::InvalidOption {
                name: "resolution",
                value: resolution.to_string(),
                expected: "at least 2 grid points per axis",
            });
        }
        for (name, (lo, hi)) in [("x_range", x_range), ("y_range", y_range)] {
            if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                return Err(PlotError::InvalidOption {
                    name,
                    value: format!("{lo}..{hi}"),
                    expected: "a finite, non-empty range",
                });
            }
        }
        let axis = |(lo, hi): (f64, f64)| -> Vec<f64> {
            (0..resolution)
                .map(|i| lo + (hi - lo) * i as f64 / (resolution - 1) as f64)
                .collect()
        };
        let (xs, ys) = (axis(x_range), axis(y_range));
        let points: Vec<T> = ys
            .iter()
            .flat_map(|&y| xs.iter().flat_map(move |&x| [T::cast(x), T::cast(y)]))
            .collect();
        let ll = model.log_likelihood_per_row(Rows::new(&points, 2)?)?;
        Ok(Self {
            xs,
            ys,
            nll: ll.iter().map(|v| -v.as_f64()).collect(),
        })
    }
}

/// The polylines along which the grid's negative log-likelihood equals `level`.
#[derive(Debug, Clone, PartialEq)]
pub struct Isoline {
    /// The level.
    pub level: f64,
    /// Polylines in data coordinates.
    pub paths: Vec<Vec<(f64, f64)>>,
}

/// Isolines of `grid` at each of `levels`, by marching squares with linear interpolation.
/// Lines stop at the grid's edge (they are not closed along it).
///
/// # Errors
/// [`PlotError::Draw`] if the contouring fails.
pub fn isolines(grid: &DensityGrid, levels: &[f64]) -> Result<Vec<Isoline>, PlotError> {
    let (nx, ny) = (grid.xs.len(), grid.ys.len());
    let dx = grid.xs[1] - grid.xs[0];
    let dy = grid.ys[1] - grid.ys[0];
    // Contour the log-likelihood, so the enclosed regions are the dense ones (around the
    // modes) rather than the outside that touches the frame. In the contour crate a value is
    // a cell whose centre sits at grid coordinate i + 0.5.
    let values: Vec<f64> = grid
        .nll
        .iter()
        .map(|v| if v.is_finite() { -v } else { f64::MIN })
        .collect();
    let thresholds: Vec<f64> = levels.iter().map(|l| -l).collect();
    let builder = contour::ContourBuilder::new(nx, ny, true)
        .x_origin(grid.xs[0] - 0.5 * dx)
        .x_step(dx)
        .y_origin(grid.ys[0] - 0.5 * dy)
        .y_step(dy);
    let lines = builder
        .lines(&values, &thresholds)
        .map_err(|e| PlotError::Draw(format!("contouring failed: {e:?}")))?;
    // Points on the outer frame belong to rings closed along the grid's edge: cut them out.
    let (x_lo, x_hi) = (grid.xs[0] - 0.49 * dx, grid.xs[nx - 1] + 0.49 * dx);
    let (y_lo, y_hi) = (grid.ys[0] - 0.49 * dy, grid.ys[ny - 1] + 0.49 * dy);
    let inside = |x: f64, y: f64| x > x_lo && x < x_hi && y > y_lo && y < y_hi;
    Ok(lines
        .into_iter()
        .zip(levels)
        .map(|(line, &level)| {
            let mut paths = Vec::new();
            for ring in line.geometry().0.iter() {
                let mut current: Vec<(f64, f64)> = Vec::new();
                for p in ring.0.iter() {
                    if inside(p.x, p.y) {
                        current.push((p.x, p.y));
                    } else if current.len() > 1 {
                        paths.push(std::mem::take(&mut current));
                    } else {
                        current.clear();
                    }
                }
                if current.len() > 1 {
                    paths.push(current);
                }
            }
            Isoline { level, paths }
        })
        .collect())
}
