//! # mixture-plot
//!
//! PNG figures of mixture models, rendered with plotters' bitmap backend and a bundled font
//! (DejaVu Sans, licence in `assets/`), so nothing outside the binary is needed: no fontconfig,
//! no freetype, no libpng.
//!
//! - [`fit_figure`] and [`samples_figure`]: the lesson's two pictures, the negative
//!   log-likelihood of a model drawn as contour lines over the data or over samples. For data
//!   of more than two dimensions, two are chosen and the exact marginal density is drawn.
//! - [`prototype_figure`]: K×D values in [0, 1] (Bernoulli probabilities) as small grey-scale
//!   images with their mixing weights.
//! - [`histogram_figure`]: per-feature histograms of the data with a fitted mixture's marginal
//!   density over each (exponential mixtures, or any family).
//! - [`trace_figure`]: the log-likelihood per iteration from a fit report.
//!
//! Every figure is a [`Figure`] in memory (RGB pixels plus the mapping from data coordinates
//! to pixels); [`Figure::save`] writes it as PNG through a temporary file and a rename, so a
//! failure never leaves a half-written file or clobbers a good one.
//!
//! # Examples
//! ```
//! use mixture_core::{Estimator, Init};
//! use mixture_gauss::Gaussian;
//! use mixture_plot::{DensityOptions, fit_figure};
//!
//! let blobs = datagen::lesson_blobs::<f64>(200, 69)?;
//! let model = Estimator::new(Gaussian::full(), 3).init(Init::RandomRows).seed(69).fit(&blobs.data)?.mixture;
//! let figure = fit_figure(&model, blobs.data.view(), &DensityOptions::fit())?;
//! assert_eq!((figure.width(), figure.height()), (800, 600));
//! let png = figure.png()?;
//! assert_eq!(&png[1..4], b"PNG");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod density;
mod figure;
mod grid;
mod other;

pub use density::{DensityOptions, fit_figure, samples_figure};
pub use figure::{Figure, PlotArea};
pub use grid::{DensityGrid, Isoline, isolines, logspace};
pub use other::{count_figure, criterion_figure, histogram_figure, prototype_figure, trace_figure};

use mixture_core::MixtureError;

/// What can go wrong when drawing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The model or data were rejected (wrong dimension, non-finite values, ...).
    #[error(transparent)]
    Model(#[from] MixtureError),
    /// An option outside its valid range.
    #[error("plot option `{name}` = {value} is invalid: {expected}")]
    InvalidOption {
        /// Option name.
        name: &'static str,
        /// The value given, as text.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// The drawing backend failed.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// Encoding or writing the PNG failed.
    #[error("cannot write {path}: {message}")]
    Write {
        /// Destination.
        path: String,
        /// What went wrong.
        message: String,
    },
}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for PlotError
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        PlotError::Draw(e.to_string())
    }
}

/// The family name figures use for text.
const FONT: &str = "sans-serif";

/// Registers the bundled font with plotters, once per process.
fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(
            FONT,
            plotters::style::FontStyle::Normal,
            include_bytes!("../assets/DejaVuSans.ttf"),
        )
        .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Draw(
            "the bundled font could not be loaded".into(),
        ))
    }
}
