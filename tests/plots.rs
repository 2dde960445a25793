//! Figures: rendered, decoded back from PNG, and checked where a person would look.

use mixture::core::rand::{SeedableRng, rngs::ChaCha8Rng};
use mixture::core::{Estimator, Init, Rows};
use mixture::datagen::lesson_blobs;
use mixture::gauss::{Gaussian, GaussianMixture, gaussian_mixture};
use mixture::plot::{
    DensityGrid, DensityOptions, Figure, PlotError, fit_figure, isolines, logspace, samples_figure,
};

fn lesson_model() -> (mixture::core::RowMatrix<f64>, GaussianMixture<f64>) {
    let blobs = lesson_blobs::<f64>(200, 69).unwrap();
    let model = Estimator::new(Gaussian::full(), 3)
        .init(Init::RandomRows)
        .seed(69)
        .fit(&blobs.data)
        .unwrap();
    (blobs.data, model.mixture)
}

/// Decodes a PNG into (width, height, RGB pixels).
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn pixel(rgb: &[u8], width: u32, (x, y): (i32, i32)) -> [u8; 3] {
    let i = (y as usize * width as usize + x as usize) * 3;
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}

/// Colours within `radius` pixels of `centre`.
fn around(rgb: &[u8], width: u32, centre: (i32, i32), radius: i32) -> Vec<[u8; 3]> {
    let mut out = Vec::new();
    for dy in -radius..=radius {
        for dx in -radius..=radius {
            out.push(pixel(rgb, width, (centre.0 + dx, centre.1 + dy)));
        }
    }
    out
}

/// The data's blue (0, 0, 255) drawn 70 % opaque over white, a contour line or another point;
/// no viridis colour is this blue (its blue channel stays below 170).
fn is_blueish(c: [u8; 3]) -> bool {
    let [r, g, b] = c.map(i32::from);
    b > 170 && b > r + 90 && b > g + 60
}

/// The samples' green (0, 128, 0) drawn 70 % opaque over white, a contour line or another
/// point (green channel at most about 176); viridis' greens are brighter or bluer.
fn is_greenish(c: [u8; 3]) -> bool {
    let [r, g, b] = c.map(i32::from);
    (100..=180).contains(&g) && g > r + 50 && g > b + 50
}

/// Saved to disk and decoded back, the picture has its size and is not blank.
fn save_and_decode(figure: &Figure, name: &str) -> (u32, u32, Vec<u8>) {
    // One directory per figure: tests run in parallel and save at the same time.
    let dir = std::env::temp_dir().join(format!("mixture-plot-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    figure.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    // Nothing else was left in the directory (the temporary file was renamed).
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    let (w, h, rgb) = decode(&bytes);
    assert_eq!((w, h), (figure.width(), figure.height()));
    assert_eq!(rgb, figure.rgb());
    let white = rgb
        .chunks_exact(3)
        .filter(|c| c == &[255, 255, 255])
        .count();
    let total = (w * h) as usize;
    assert!(white < total * 97 / 100, "{name} is almost blank");
    assert!(white > total / 2, "{name} is not mostly background");
    (w, h, rgb)
}

#[test]
fn the_fit_figure_shows_data_contours_colour_bar_and_text() {
    let (x, model) = lesson_model();
    let figure = fit_figure(&model, x.view(), &DensityOptions::fit()).unwrap();
    let (w, h, rgb) = save_and_decode(&figure, "gmm_fit.png");
    assert_eq!((w, h), (800, 600));
    let area = figure.plot_area().unwrap();
    // Data points are blue where they are: most rows have a blue-ish pixel at their position.
    let blue_hits = x
        .iter()
        .filter(|r| {
            around(&rgb, w, area.to_pixel(r[0], r[1]), 1)
                .into_iter()
                .any(is_blueish)
        })
        .count();
    assert!(
        blue_hits > 550,
        "only {blue_hits} of 600 points are blue in the picture"
    );
    // Viridis contour colours are present: the darkest level's purple and the lightest's yellow
    // appear in the plot area and in the colour bar.
    let viridis_dark = |c: [u8; 3]| c[0] > 50 && c[0] < 90 && c[1] < 40 && c[2] > 70;
    let viridis_yellow = |c: [u8; 3]| c[0] > 200 && c[1] > 200 && c[2] < 80;
    assert!(
        rgb.chunks_exact(3)
            .any(|c| viridis_dark([c[0], c[1], c[2]]))
    );
    assert!(
        rgb.chunks_exact(3)
            .any(|c| viridis_yellow([c[0], c[1], c[2]]))
    );
    // The colour bar sits right of the plot area, yellow at the top and purple at the bottom.
    let bar_x = area.pixel_x.1 + 40;
    assert!(viridis_yellow(pixel(&rgb, w, (bar_x, area.pixel_y.0 + 5))));
    assert!(viridis_dark(pixel(&rgb, w, (bar_x, area.pixel_y.1 - 5))));
    // Text (dark anti-aliased glyphs) is drawn in the title band above the plot area.
    let title_dark = (0..area.pixel_y.0)
        .flat_map(|y| (0..w as i32).map(move |x| (x, y)))
        .filter(|&p| {
            let c = pixel(&rgb, w, p);
            c[0] < 100 && c[1] < 100 && c[2] < 100
        });
    assert!(title_dark.count() > 100, "no title text");
}

#[test]
fn the_samples_figure_shows_green_samples() {
    let (x, model) = lesson_model();
    let (samples, _) = model
        .sample(600, &mut ChaCha8Rng::seed_from_u64(70))
        .unwrap();
    let figure =
        samples_figure(&model, x.view(), samples.view(), &DensityOptions::samples()).unwrap();
    let (w, _, rgb) = save_and_decode(&figure, "gmm_samples.png");
    let area = figure.plot_area().unwrap();
    let green_hits = samples
        .iter()
        .filter(|r| {
            let p = area.to_pixel(r[0], r[1]);
            p.0 > area.pixel_x.0
                && p.0 < area.pixel_x.1
                && p.1 > area.pixel_y.0
                && p.1 < area.pixel_y.1
        })
        .filter(|r| {
            around(&rgb, w, area.to_pixel(r[0], r[1]), 1)
                .into_iter()
                .any(is_greenish)
        })
        .count();
    assert!(
        green_hits > 550,
        "only {green_hits} samples are green in the picture"
    );
    let blue: Vec<(usize, [u8; 3])> = rgb
        .chunks_exact(3)
        .enumerate()
        .filter(|(_, c)| is_blueish([c[0], c[1], c[2]]))
        .map(|(i, c)| (i, [c[0], c[1], c[2]]))
        .take(5)
        .collect();
    assert!(
        blue.is_empty(),
        "no data points in the samples figure: {:?}",
        blue.iter()
            .map(|(i, c)| (i % w as usize, i / w as usize, *c))
            .collect::<Vec<_>>()
    );
}

#[test]
fn isolines_of_an_isotropic_gaussian_are_circles_of_the_right_radius() {
    let s = 0.7; // variance
    let gmm = gaussian_mixture(
        &[1.0],
        Rows::new(&[0.5, -0.25], 2).unwrap(),
        &[s, 0.0, 0.0, s],
    )
    .unwrap();
    let resolution = 100;
    let grid = DensityGrid::evaluate(&gmm, (-4.0, 5.0), (-4.5, 4.0), resolution).unwrap();
    let cell = (9.0f64 / 99.0).max(8.5 / 99.0);
    let levels = logspace(0.3, 1.0, 6); // above the minimum, ln(2π·0.7) ≈ 1.48
    let lines = isolines(&grid, &levels).unwrap();
    for line in &lines {
        let radius = (2.0 * s * (line.level - (2.0 * std::f64::consts::PI * s).ln())).sqrt();
        assert!(!line.paths.is_empty(), "level {} has no line", line.level);
        let points: Vec<(f64, f64)> = line.paths.iter().flatten().copied().collect();
        assert!(points.len() > 20);
        for (x, y) in points {
            let r = ((x - 0.5).powi(2) + (y + 0.25).powi(2)).sqrt();
            assert!(
                (r - radius).abs() < cell,
                "level {}: point at radius {r}, want {radius}",
                line.level
            );
        }
    }
}

#[test]
fn higher_dimensional_models_draw_the_exact_marginal() {
    let mut opts = DensityOptions::fit();
    let g = mixture::datagen::GaussianMixtureGenerator::random(3, 4, 4.0, 2).unwrap();
    let data = g.generate::<f32>(300, 3).unwrap();
    let model = Estimator::new(Gaussian::full(), 3)
        .seed(1)
        .fit(&data.data)
        .unwrap();
    opts.dims = [2, 0];
    let figure = fit_figure(&model.mixture, data.data.view(), &opts).unwrap();
    let area = figure.plot_area().unwrap();
    // The frame covers features 2 (horizontal) and 0 (vertical).
    let col = |j: usize| data.data.iter().map(move |r| f64::from(r[j]));
    let lo = col(2).fold(f64::INFINITY, f64::min);
    assert!((area.x_range.0 - (lo - 1.0)).abs() < 1e-6);
    let lo0 = col(0).fold(f64::INFINITY, f64::min);
    assert!((area.y_range.0 - (lo0 - 1.0)).abs() < 1e-6);
    // The marginal's grid equals the 2-D model built from the sub-means and sub-covariances.
    let marginal = model.mixture.marginal(&[2, 0]).unwrap();
    let means: Vec<f32> = (0..3)
        .flat_map(|k| {
            [
                model.mixture.means().get(k, 2),
                model.mixture.means().get(k, 0),
            ]
        })
        .collect();
    let covs: Vec<f32> = (0..3)
        .flat_map(|k| {
            let c = model.mixture.components().covariance(k);
            [c[2 * 4 + 2], c[2 * 4], c[2], c[0]]
        })
        .collect();
    let weights: Vec<f64> = model.mixture.weights().to_vec();
    let direct = gaussian_mixture(&weights, Rows::new(&means, 2).unwrap(), &covs).unwrap();
    let pts = [0.3f32, -1.0, 2.0, 4.0];
    let a = marginal
        .log_likelihood_per_row(Rows::new(&pts, 2).unwrap())
        .unwrap();
    let b = direct
        .log_likelihood_per_row(Rows::new(&pts, 2).unwrap())
        .unwrap();
    for (u, v) in a.iter().zip(&b) {
        assert!((u - v).abs() < 1e-4 * v.abs().max(1.0));
    }
    // Bad choices of dimensions are errors, not panics.
    opts.dims = [0, 4];
    assert!(matches!(
        fit_figure(&model.mixture, data.data.view(), &opts),
        Err(PlotError::Model(_))
    ));
    opts.dims = [1, 1];
    assert!(matches!(
        fit_figure(&model.mixture, data.data.view(), &opts),
        Err(PlotError::InvalidOption { name: "dims", .. })
    ));
}

#[test]
fn bad_inputs_are_errors() {
    let (x, model) = lesson_model();
    let mut opts = DensityOptions::fit();
    opts.levels.clear();
    assert!(matches!(
        fit_figure(&model, x.view(), &opts),
        Err(PlotError::InvalidOption { name: "levels", .. })
    ));
    let mut opts = DensityOptions::fit();
    opts.size = (10, 10);
    assert!(matches!(
        fit_figure(&model, x.view(), &opts),
        Err(PlotError::InvalidOption { name: "size", .. })
    ));
    let nan = [f64::NAN, 0.0];
    assert!(matches!(
        fit_figure(&model, Rows::new(&nan, 2).unwrap(), &DensityOptions::fit()),
        Err(PlotError::Model(
            mixture::core::MixtureError::NonFinite { .. }
        ))
    ));
    let figure = fit_figure(&model, x.view(), &DensityOptions::fit()).unwrap();
    let missing = std::env::temp_dir()
        .join("no-such-dir-for-mixture")
        .join("x.png");
    let err = figure.save(&missing).unwrap_err();
    assert!(err.to_string().contains("no-such-dir-for-mixture"), "{err}");
}

#[test]
fn prototype_images_are_dark_where_the_probability_is_high() {
    // Two 2×3 "images": a left bar and a right bar.
    let values = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
    let figure = mixture::plot::prototype_figure(
        Rows::new(&values, 6).unwrap(),
        &[0.25, 0.75],
        (2, 3),
        "Prototypes",
    )
    .unwrap();
    let (w, h, rgb) = save_and_decode(&figure, "prototypes.png");
    assert!(w >= 240 && h > 100);
    let dark = rgb
        .chunks_exact(3)
        .filter(|c| c[0] < 30 && c[1] < 30 && c[2] < 30)
        .count();
    // Four black cells of 40×40 pixels (120 / 3 columns), plus text.
    assert!(dark >= 4 * 40 * 40, "{dark} dark pixels");
    assert!(matches!(
        mixture::plot::prototype_figure(Rows::new(&values, 6).unwrap(), &[0.5, 0.5], (4, 4), "x"),
        Err(PlotError::InvalidOption { name: "shape", .. })
    ));
    let long = vec![0.5; 20_000];
    assert!(matches!(
        mixture::plot::prototype_figure(
            Rows::new(&long, 20_000).unwrap(),
            &[1.0],
            (1, 20_000),
            "x"
        ),
        Err(PlotError::InvalidOption { name: "shape", .. })
    ));
    let outside = [1.5, 0.0];
    assert!(
        mixture::plot::prototype_figure(Rows::new(&outside, 2).unwrap(), &[1.0], (1, 2), "x")
            .is_err()
    );
}

#[test]
fn histograms_carry_the_fitted_density_and_the_trace_its_points() {
    let rates = [1.0, 10.0, 0.2, 2.0];
    let g = mixture::datagen::ExponentialMixtureGenerator::new(
        &[0.5, 0.5],
        Rows::new(&rates, 2).unwrap(),
    )
    .unwrap();
    let data = g.generate::<f64>(3000, 1).unwrap();
    let model = Estimator::new(mixture::exp::Exponential::new(), 2)
        .seed(1)
        .fit(&data.data)
        .unwrap();
    let figure =
        mixture::plot::histogram_figure(&model.mixture, data.data.view(), 40, "Histograms")
            .unwrap();
    let (_, _, rgb) = save_and_decode(&figure, "histograms.png");
    let red = rgb
        .chunks_exact(3)
        .filter(|c| c[0] > 180 && c[1] < 60 && c[2] < 60)
        .count();
    let bars = rgb
        .chunks_exact(3)
        .filter(|c| u16::from(c[2]) > u16::from(c[0]) + 30 && c[2] > 180)
        .count();
    assert!(red > 200, "density curve missing ({red} red pixels)");
    assert!(bars > 2000, "histogram bars missing ({bars} pixels)");

    let report = &model.report;
    let figure = mixture::plot::trace_figure(report, (640, 400), "Trace").unwrap();
    let (w, _, rgb) = save_and_decode(&figure, "trace.png");
    let area = figure.plot_area().unwrap();
    for r in &report.history {
        let p = area.to_pixel(r.iteration as f64, r.log_likelihood);
        let c = pixel(&rgb, w, p);
        assert!(
            c[2] > 150 && c[0] < 80,
            "iteration {} not drawn at {p:?}: {c:?}",
            r.iteration
        );
    }
}
