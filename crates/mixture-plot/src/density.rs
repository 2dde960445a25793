//! The lesson's two figures: a model's negative log-likelihood as contour lines over the data
//! (`gmm_fit`) or over samples drawn from it (`gmm_samples`).

use crate::grid::{DensityGrid, isolines, logspace};
use crate::{FONT, Figure, PlotArea, PlotError, ensure_font};
use mixture_core::{Components, Mixture, Rows, Scalar, family::check_finite_data};
use plotters::prelude::*;
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// What a density figure shows and how.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DensityOptions {
    /// Title over the chart.
    pub title: String,
    /// Horizontal axis label.
    pub x_label: String,
    /// Vertical axis label.
    pub y_label: String,
    /// Label of the colour bar.
    pub colorbar_label: String,
    /// Legend entry of the points (`None`: no legend).
    pub points_label: Option<String>,
    /// Colour of the points (RGB); they are drawn 70 % opaque.
    pub points_color: (u8, u8, u8),
    /// Negative log-likelihood levels of the contour lines, coloured in order along viridis.
    pub levels: Vec<f64>,
    /// Grid points per axis.
    pub resolution: usize,
    /// Margin around the data's range, in data units, on every side.
    pub margin: f64,
    /// Picture size in pixels (width, height).
    pub size: (u32, u32),
    /// The two features drawn (the density is the model's exact marginal on them).
    pub dims: [usize; 2],
}

impl DensityOptions {
    /// The lesson's `gmm_fit` figure: title "GMM Distribution Plot", axes "Latent Dimension 1"
    /// and "Latent Dimension 2", 12 levels from 10⁰ to 10² spaced logarithmically, a 100×100
    /// grid with a margin of 1, blue points labelled "Latent Codes", 800×600 pixels.
    pub fn fit() -> Self {
        Self {
            title: "GMM Distribution Plot".into(),
            x_label: "Latent Dimension 1".into(),
            y_label: "Latent Dimension 2".into(),
            colorbar_label: "Negative Log Likelihood".into(),
            points_label: Some("Latent Codes".into()),
            points_color: (0, 0, 255),
            levels: logspace(0.0, 2.0, 12),
            resolution: 100,
            margin: 1.0,
            size: (800, 600),
            dims: [0, 1],
        }
    }

    /// The lesson's `gmm_samples` figure: as [`DensityOptions::fit`], titled "GMM Samples",
    /// with green points labelled "Sample Points".
    pub fn samples() -> Self {
        Self {
            title: "GMM Samples".into(),
            points_label: Some("Sample Points".into()),
            points_color: (0, 128, 0),
            ..Self::fit()
        }
    }

    fn validate(&self) -> Result<(), PlotError> {
        let bad = |name, value: String, expected| {
            Err(PlotError::InvalidOption {
                name,
                value,
                expected,
            })
        };
        if self.levels.is_empty() || self.levels.iter().any(|l| !l.is_finite()) {
            return bad(
                "levels",
                format!("{:?}", self.levels),
                "at least one finite level",
            );
        }
        if !(2..=2000).contains(&self.resolution) {
            return bad(
                "resolution",
                self.resolution.to_string(),
                "between 2 and 2000 points per axis",
            );
        }
        if !(self.margin.is_finite() && self.margin >= 0.0) {
            return bad("margin", self.margin.to_string(), "finite and at least 0");
        }
        check_size(self.size)?;
        if self.dims[0] == self.dims[1] {
            return bad("dims", format!("{:?}", self.dims), "two different features");
        }
        Ok(())
    }
}

pub(crate) fn check_size((w, h): (u32, u32)) -> Result<(), PlotError> {
    if !(200..=8000).contains(&w) || !(150..=8000).contains(&h) {
        return Err(PlotError::InvalidOption {
            name: "size",
            value: format!("{w}×{h}"),
            expected: "between 200×150 and 8000×8000 pixels",
        });
    }
    Ok(())
}

/// The lesson's `gmm_fit` picture: `model`'s negative log-likelihood as contour lines over a
/// grid covering `data` (with the options' margin), and the data as points.
///
/// # Errors
/// [`PlotError::Model`] for data that do not match the model (dimension, non-finite values),
/// [`PlotError::InvalidOption`] for invalid options, or a drawing error.
pub fn fit_figure<T: Scalar, C: Components<T>>(
    model: &Mixture<T, C>,
    data: Rows<'_, T>,
    options: &DensityOptions,
) -> Result<Figure, PlotError> {
    density_figure(model, data, data, options)
}

/// The lesson's `gmm_samples` picture: the same contours over the grid covering `data`, with
/// `samples` (for example from [`Mixture::sample`]) as points.
///
/// # Errors
/// As [`fit_figure`], for `data` and `samples` alike.
pub fn samples_figure<T: Scalar, C: Components<T>>(
    model: &Mixture<T, C>,
    data: Rows<'_, T>,
    samples: Rows<'_, T>,
    options: &DensityOptions,
) -> Result<Figure, PlotError> {
    density_figure(model, data, samples, options)
}

/// Three significant digits, no exponent for the usual range of levels.
pub(crate) fn format_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-3..6).contains(&magnitude) {
        return format!("{v:.2e}");
    }
    let decimals = (2 - magnitude).max(0) as usize;
    format!("{v:.decimals$}")
}

fn density_figure<T: Scalar, C: Components<T>>(
    model: &Mixture<T, C>,
    frame: Rows<'_, T>,
    points: Rows<'_, T>,
    options: &DensityOptions,
) -> Result<Figure, PlotError> {
    options.validate()?;
    check_finite_data(frame, Some(model.n_features()))?;
    check_finite_data(points, Some(model.n_features()))?;
    let [dx, dy] = options.dims;
    let marginal = model.marginal(&options.dims)?;
    let range = |j: usize| {
        let (lo, hi) = frame
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                let v = r[j].as_f64();
                (lo.min(v), hi.max(v))
            });
        (lo - options.margin, hi + options.margin)
    };
    let (mut x_range, mut y_range) = (range(dx), range(dy));
    // A single point with no margin still needs an area to draw.
    for r in [&mut x_range, &mut y_range] {
        if r.1 - r.0 <= 0.0 {
            *r = (r.0 - 0.5, r.1 + 0.5);
        }
    }
    let grid = DensityGrid::evaluate(&marginal, x_range, y_range, options.resolution)?;
    let lines = isolines(&grid, &options.levels)?;
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|r| (r[dx].as_f64(), r[dy].as_f64()))
        .collect();
    ensure_font()?;

    let (w, h) = options.size;
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    let area = {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        let colorbar_width = 130;
        let (left, _) = root.split_horizontally(w - colorbar_width);
        let mut chart = ChartBuilder::on(&left)
            .caption(&options.title, (FONT, 22))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
        chart
            .configure_mesh()
            .x_desc(&options.x_label)
            .y_desc(&options.y_label)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .draw()?;
        let n = options.levels.len();
        let colour = |i: usize| -> RGBColor {
            let t = if n > 1 {
                i as f32 / (n - 1) as f32
            } else {
                0.5
            };
            ViridisRGB.get_color_normalized(t, 0.0, 1.0)
        };
        for (i, line) in lines.iter().enumerate() {
            let style = colour(i).mix(0.9).stroke_width(2);
            for path in &line.paths {
                chart.draw_series(LineSeries::new(path.iter().copied(), style))?;
            }
        }
        let (r, g, b) = options.points_color;
        let point_colour = RGBColor(r, g, b);
        let series = chart.draw_series(
            xy.iter()
                .map(|&p| Circle::new(p, 2, point_colour.mix(0.7).filled())),
        )?;
        if let Some(label) = &options.points_label {
            series
                .label(label)
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, point_colour.filled()));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font((FONT, 14))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .draw()?;
        }
        let (px, py) = chart.plotting_area().get_pixel_range();

        // The colour bar: one band per level, labelled with its value.
        let (bar_x0, bar_x1) = (
            w as i32 - colorbar_width as i32 + 14,
            w as i32 - colorbar_width as i32 + 34,
        );
        let band = (py.end - py.start) as f64 / n as f64;
        let label_style =
            TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for i in 0..n {
            let top = py.end as f64 - (i + 1) as f64 * band;
            let bottom = py.end as f64 - i as f64 * band;
            root.draw(&Rectangle::new(
                [
                    (bar_x0, top.round() as i32),
                    (bar_x1, bottom.round() as i32),
                ],
                colour(i).filled(),
            ))?;
            root.draw(&Text::new(
                format_number(options.levels[i]),
                (bar_x1 + 6, ((top + bottom) / 2.0).round() as i32),
                label_style.clone(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(bar_x0, py.start), (bar_x1, py.end)],
            BLACK.mix(0.5),
        ))?;
        let rotated = TextStyle::from((FONT, 15).into_font().transform(FontTransform::Rotate270))
            .pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new(
            options.colorbar_label.clone(),
            (w as i32 - 18, (py.start + py.end) / 2),
            rotated,
        ))?;
        root.present()?;
        PlotArea {
            pixel_x: (px.start, px.end),
            pixel_y: (py.start, py.end),
            x_range,
            y_range,
        }
    };
    Ok(Figure::new(w, h, rgb, Some(area)))
}
