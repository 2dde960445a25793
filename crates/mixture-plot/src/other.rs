//! Figures for the other families and for the fit itself: prototype images (Bernoulli),
//! per-feature histograms with the fitted density (exponential, or any family), and the
//! log-likelihood per iteration.

use crate::density::{check_size, format_number};
use crate::{FONT, Figure, PlotArea, PlotError, ensure_font};
use mixture_core::{Components, FitReport, Mixture, Rows, Scalar, family::check_finite_data};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// K×D values in [0, 1] (for example Bernoulli probabilities) as a grid of small grey-scale
/// images of `shape` = (rows, columns) pixels each, 1 drawn black, with `weights[k]` written
/// over image k.
///
/// # Errors
/// [`PlotError::InvalidOption`] when `shape` does not multiply to D, the number of weights is
/// not K, a value lies outside [0, 1], or the title is empty of images.
pub fn prototype_figure<T: Scalar>(
    values: Rows<'_, T>,
    weights: &[f64],
    shape: (usize, usize),
    title: &str,
) -> Result<Figure, PlotError> {
    let (k, d) = (values.n_rows(), values.n_cols());
    let (rows, cols) = shape;
    if k == 0 || rows.checked_mul(cols) != Some(d) {
        return Err(PlotError::InvalidOption {
            name: "shape",
            value: format!("{rows}×{cols} for {k} images of {d} values"),
            expected: "rows × columns must equal the number of values per image, with at least one image",
        });
    }
    if weights.len() != k {
        return Err(PlotError::InvalidOption {
            name: "weights",
            value: format!("{} weights", weights.len()),
            expected: "one weight per image",
        });
    }
    if let Some(v) = values
        .as_slice()
        .iter()
        .find(|v| !(v.as_f64() >= 0.0 && v.as_f64() <= 1.0))
    {
        return Err(PlotError::InvalidOption {
            name: "values",
            value: v.as_f64().to_string(),
            expected: "values in [0, 1]",
        });
    }
    ensure_font()?;
    let grid_cols = (k as f64).sqrt().ceil() as usize;
    let grid_rows = k.div_ceil(grid_cols);
    // Cells of about 140 pixels, with room for the weight above each image.
    let pixel = (120 / rows.max(cols)).max(1) as i32;
    let (img_w, img_h) = (pixel * cols as i32, pixel * rows as i32);
    let (cell_w, cell_h) = (img_w + 24, img_h + 36);
    let top = 50;
    let width = (grid_cols as i64 * cell_w as i64 + 20).max(240);
    let height = top as i64 + grid_rows as i64 * cell_h as i64 + 10;
    if width > 8000 || height > 8000 {
        return Err(PlotError::InvalidOption {
            name: "shape",
            value: format!("{k} images of {rows}×{cols}"),
            expected: "a grid that fits in 8000×8000 pixels (draw fewer or smaller images)",
        });
    }
    let (width, height) = (width as u32, height as u32);
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let centred = |size| {
            TextStyle::from((FONT, size).into_font()).pos(Pos::new(HPos::Center, VPos::Center))
        };
        root.draw(&Text::new(
            title.to_string(),
            (width as i32 / 2, 24),
            centred(20),
        ))?;
        for c in 0..k {
            let x0 = 10 + (c % grid_cols) as i32 * cell_w + 12;
            let y0 = top + (c / grid_cols) as i32 * cell_h + 28;
            root.draw(&Text::new(
                format!("w = {}", format_number(weights[c])),
                (x0 + img_w / 2, y0 - 12),
                centred(13),
            ))?;
            let image = values.row(c);
            for r in 0..rows {
                for q in 0..cols {
                    let grey = (255.0 * (1.0 - image[r * cols + q].as_f64())).round() as u8;
                    let (px, py) = (x0 + q as i32 * pixel, y0 + r as i32 * pixel);
                    root.draw(&Rectangle::new(
                        [(px, py), (px + pixel, py + pixel)],
                        RGBColor(grey, grey, grey).filled(),
                    ))?;
                }
            }
            root.draw(&Rectangle::new(
                [(x0 - 1, y0 - 1), (x0 + img_w, y0 + img_h)],
                BLACK.mix(0.4),
            ))?;
        }
        root.present()?;
    }
    Ok(Figure::new(width, height, rgb, None))
}

/// One histogram per feature of `data` (density-normalised, `bins` bins over the 0.5th to
/// 99.5th percentile, so a few outliers do not flatten it) with `model`'s exact marginal density
/// drawn over it as a red curve. Up to 16 features, in a grid.
///
/// # Errors
/// [`PlotError::Model`] for data that do not match the model; [`PlotError::InvalidOption`] for
/// fewer than 2 bins or more than 16 features.
pub fn histogram_figure<T: Scalar, C: Components<T>>(
    model: &Mixture<T, C>,
    data: Rows<'_, T>,
    bins: usize,
    title: &str,
) -> Result<Figure, PlotError> {
    marginals_figure(model, data, bins, title, false)
}

/// One bar chart per feature of count data `data` (the share of rows at each count, one bar
/// per count between the 0.5th and 99.5th percentile, counts grouped when there are more than
/// 100 of them) with `model`'s exact marginal probabilities at the counts as red points: for
/// families whose densities are defined at integers only (Poisson). Up to 16 features.
///
/// # Errors
/// As [`histogram_figure`]; [`PlotError::Model`] for data that are not counts.
pub fn count_figure<T: Scalar, C: Components<T>>(
    model: &Mixture<T, C>,
    data: Rows<'_, T>,
    title: &str,
) -> Result<Figure, PlotError> {
    marginals_figure(model, data, 100, title, true)
}

fn marginals_figure<T: Scalar, C: Components<T>>(
    model: &Mixture<T, C>,
    data: Rows<'_, T>,
    bins: usize,
    title: &str,
    discrete: bool,
) -> Result<Figure, PlotError> {
    check_finite_data(data, Some(model.n_features()))?;
    let d = data.n_cols();
    if !(2..=1000).contains(&bins) {
        return Err(PlotError::InvalidOption {
            name: "bins",
            value: bins.to_string(),
            expected: "between 2 and 1000",
        });
    }
    if d > 16 {
        return Err(PlotError::InvalidOption {
            name: "data",
            value: format!("{d} features"),
            expected: "at most 16 features in one figure (take a marginal of the model and select columns)",
        });
    }
    ensure_font()?;
    let grid_cols = (d as f64).sqrt().ceil() as usize;
    let grid_rows = d.div_ceil(grid_cols);
    let (width, height) = ((grid_cols * 380) as u32, (grid_rows * 300 + 50) as u32);
    let mut rgb = vec![255u8; width as usize * height as usize * 3];
    let mut first_area = None;
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (header, body) = root.split_vertically(50);
        header.draw(&Text::new(
            title.to_string(),
            (width as i32 / 2, 25),
            TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        let panels = body.split_evenly((grid_rows, grid_cols));
        for (j, panel) in panels.iter().enumerate().take(d) {
            let mut column: Vec<f64> = data.iter().map(|r| r[j].as_f64()).collect();
            column.sort_by(f64::total_cmp);
            let q = |p: f64| column[((column.len() - 1) as f64 * p).round() as usize];
            let (mut lo, mut hi) = (q(0.005), q(0.995));
            let mut bins = bins;
            if discrete {
                // Bars centred on the counts, `step` counts wide.
                let (first, last) = (lo.floor(), hi.ceil());
                let step = ((last - first + 1.0) / bins as f64).ceil().max(1.0);
                bins = ((last - first + 1.0) / step).ceil() as usize;
                (lo, hi) = (first - 0.5, first - 0.5 + bins as f64 * step);
            } else if hi <= lo {
                (lo, hi) = (lo - 0.5, hi + 0.5);
            }
            let width_bin = (hi - lo) / bins as f64;
            let mut counts = vec![0usize; bins];
            for &v in &column {
                if v >= lo && v <= hi {
                    counts[(((v - lo) / width_bin) as usize).min(bins - 1)] += 1;
                }
            }
            let n = column.len() as f64;
            let heights: Vec<f64> = counts.iter().map(|&c| c as f64 / (n * width_bin)).collect();
            // The model's marginal density of feature j on 200 points.
            let marginal = model.marginal(&[j])?;
            let xs: Vec<f64> = if discrete {
                // The probabilities at the counts (at most 200 of them, evenly spread).
                let (first, last) = (lo + 0.5, hi - 0.5);
                let step = ((last - first) / 199.0).ceil().max(1.0);
                (0..)
                    .map(|i| first + step * f64::from(i))
                    .take_while(|&x| x <= last)
                    .collect()
            } else {
                (0..200)
                    .map(|i| lo + (hi - lo) * i as f64 / 199.0)
                    .collect()
            };
            let pts: Vec<T> = xs.iter().map(|&x| T::cast(x)).collect();
            let density: Vec<f64> = marginal
                .log_likelihood_per_row(Rows::new(&pts, 1)?)?
                .iter()
                .map(|v| v.as_f64().exp())
                .collect();
            let top = heights
                .iter()
                .chain(&density)
                .fold(0.0f64, |m, &v| m.max(v))
                * 1.1;
            let top = if top > 0.0 && top.is_finite() {
                top
            } else {
                1.0
            };
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("feature {j}"), (FONT, 15))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(50)
                .build_cartesian_2d(lo..hi, 0.0..top)?;
            chart
                .configure_mesh()
                .label_style((FONT, 12))
                .bold_line_style(RGBColor(225, 225, 225))
                .light_line_style(TRANSPARENT)
                .x_labels(5)
                .y_labels(5)
                .y_label_formatter(&|v| format_number(*v))
                .x_label_formatter(&|v| format_number(*v))
                .draw()?;
            chart.draw_series(heights.iter().enumerate().map(|(b, &h)| {
                let x0 = lo + b as f64 * width_bin;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width_bin, h)],
                    RGBColor(100, 140, 200).mix(0.6).filled(),
                )
            }))?;
            let curve = xs.iter().copied().zip(density.iter().map(|&v| v.min(top)));
            if discrete {
                chart.draw_series(
                    curve.map(|p| Circle::new(p, 3, RGBColor(200, 30, 30).filled())),
                )?;
            } else {
                chart.draw_series(LineSeries::new(
                    curve,
                    RGBColor(200, 30, 30).stroke_width(2),
                ))?;
            }
            if j == 0 {
                let (px, py) = chart.plotting_area().get_pixel_range();
                first_area = Some(PlotArea {
                    pixel_x: (px.start, px.end),
                    pixel_y: (py.start, py.end),
                    x_range: (lo, hi),
                    y_range: (0.0, top),
                });
            }
        }
        root.present()?;
    }
    Ok(Figure::new(width, height, rgb, first_area))
}

/// The log-likelihood `ln p(X)` (nats) at the start of every iteration of the returned run,
/// from a fit report.
///
/// # Errors
/// [`PlotError::InvalidOption`] for a report with no iterations or an invalid size.
pub fn trace_figure(
    report: &FitReport,
    size: (u32, u32),
    title: &str,
) -> Result<Figure, PlotError> {
    check_size(size)?;
    let points: Vec<(f64, f64)> = report
        .history
        .iter()
        .map(|r| (r.iteration as f64, r.log_likelihood))
        .chain(std::iter::once((
            report.n_iter as f64,
            report.log_likelihood,
        )))
        .collect();
    if report.history.is_empty() {
        return Err(PlotError::InvalidOption {
            name: "report",
            value: "0 iterations".into(),
            expected: "a fit with at least one iteration",
        });
    }
    ensure_font()?;
    let (lo, hi) = padded_range(points.iter().map(|p| p.1));
    // Enough decimals to tell the axis' ticks apart, no more.
    let decimals = (1 - ((hi - lo) / 10.0).log10().floor() as i32).clamp(0, 9) as usize;
    let (w, h) = size;
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    let area = {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..(report.n_iter as f64).max(1.0), lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("Iteration")
            .y_desc("log p(X) (nats)")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.decimals$}"))
            .draw()?;
        chart.draw_series(LineSeries::new(
            points.iter().copied(),
            RGBColor(30, 90, 180).stroke_width(2),
        ))?;
        chart.draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, 3, RGBColor(30, 90, 180).filled())),
        )?;
        let (px, py) = chart.plotting_area().get_pixel_range();
        root.present()?;
        PlotArea {
            pixel_x: (px.start, px.end),
            pixel_y: (py.start, py.end),
            x_range: (0.0, (report.n_iter as f64).max(1.0)),
            y_range: (lo, hi),
        }
    };
    Ok(Figure::new(w, h, rgb, Some(area)))
}

/// Model selection's picture: a criterion (BIC, AIC, ICL; lower is better) against K, one line
/// per labelled series (a covariance type, a family), the best point ringed.
///
/// `series` holds `(label, points)` with points `(K, value)`; cells without a value are simply
/// left out of their line.
///
/// # Errors
/// [`PlotError::InvalidOption`] when no series has a finite point, for an invalid size, or a
/// `best` point that is not finite.
pub fn criterion_figure(
    series: &[(String, Vec<(usize, f64)>)],
    best: (usize, f64),
    criterion: &str,
    size: (u32, u32),
) -> Result<Figure, PlotError> {
    check_size(size)?;
    let finite = |v: f64| v.is_finite();
    let all: Vec<(usize, f64)> = series
        .iter()
        .flat_map(|(_, p)| p.iter().copied())
        .filter(|p| finite(p.1))
        .collect();
    if all.is_empty() || !finite(best.1) {
        return Err(PlotError::InvalidOption {
            name: "series",
            value: format!("{} finite points, best {:?}", all.len(), best),
            expected: "at least one finite point and a finite best value",
        });
    }
    ensure_font()?;
    let (lo, hi) = padded_range(all.iter().map(|p| p.1));
    let k_max = all.iter().map(|p| p.0).max().unwrap_or(1).max(2) as f64;
    let k_min = all.iter().map(|p| p.0).min().unwrap_or(1) as f64;
    let (w, h) = size;
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    let area = {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{} against K (lower is better)", criterion.to_uppercase()),
                (FONT, 20),
            )
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(90)
            .build_cartesian_2d((k_min - 0.5)..(k_max + 0.5), lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("Number of components K")
            .y_desc(criterion.to_uppercase())
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        for (i, (label, points)) in series.iter().enumerate() {
            let colour = Palette99::pick(i).to_rgba();
            let line: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| finite(p.1))
                .map(|&(k, v)| (k as f64, v))
                .collect();
            chart
                .draw_series(LineSeries::new(
                    line.iter().copied(),
                    colour.stroke_width(2),
                ))?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
        }
        chart.draw_series(std::iter::once(Circle::new(
            (best.0 as f64, best.1),
            9,
            RGBColor(200, 30, 30).stroke_width(2),
        )))?;
        chart
            .configure_series_labels()
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .draw()?;
        let (px, py) = chart.plotting_area().get_pixel_range();
        root.present()?;
        PlotArea {
            pixel_x: (px.start, px.end),
            pixel_y: (py.start, py.end),
            x_range: (k_min - 0.5, k_max + 0.5),
            y_range: (lo, hi),
        }
    };
    Ok(Figure::new(w, h, rgb, Some(area)))
}

/// The y range of a line chart: the values' range with 5% of it (at least a hair) on each side.
fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 1e-9).max(1e-9);
    (lo - pad, hi + pad)
}
