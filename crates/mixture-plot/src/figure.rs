//! [`Figure`]: rendered pixels, the data-to-pixel mapping, and PNG output.

use crate::PlotError;
use std::io::Write;
use std::path::Path;

/// Where the data coordinates of a chart land in the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotArea {
    /// Pixel columns of the plotting area (left, right).
    pub pixel_x: (i32, i32),
    /// Pixel rows of the plotting area (top, bottom).
    pub pixel_y: (i32, i32),
    /// Data range shown horizontally.
    pub x_range: (f64, f64),
    /// Data range shown vertically.
    pub y_range: (f64, f64),
}

impl PlotArea {
    /// The pixel (column, row) of the data point `(x, y)`.
    pub fn to_pixel(&self, x: f64, y: f64) -> (i32, i32) {
        let fx = (x - self.x_range.0) / (self.x_range.1 - self.x_range.0);
        let fy = (y - self.y_range.0) / (self.y_range.1 - self.y_range.0);
        let px = self.pixel_x.0 as f64 + fx * (self.pixel_x.1 - self.pixel_x.0) as f64;
        let py = self.pixel_y.1 as f64 - fy * (self.pixel_y.1 - self.pixel_y.0) as f64;
        (px.round() as i32, py.round() as i32)
    }
}

/// A rendered picture: RGB pixels, row by row.
#[derive(Debug, Clone)]
pub struct Figure {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
    area: Option<PlotArea>,
}

impl Figure {
    pub(crate) fn new(width: u32, height: u32, rgb: Vec<u8>, area: Option<PlotArea>) -> Self {
        Self {
            width,
            height,
            rgb,
            area,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The RGB pixels, row by row from the top.
    pub fn rgb(&self) -> &[u8] {
        &self.rgb
    }

    /// The colour at column `x`, row `y`, or `None` outside the picture.
    pub fn pixel(&self, x: i32, y: i32) -> Option<[u8; 3]> {
        if x < 0 || y < 0 || x as u32 >= self.width || y as u32 >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Some([self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]])
    }

    /// The main chart's data-to-pixel mapping (for figures with one main chart).
    pub fn plot_area(&self) -> Option<PlotArea> {
        self.area
    }

    /// The picture encoded as PNG.
    ///
    /// # Errors
    /// [`PlotError::Write`] if encoding fails.
    pub fn png(&self) -> Result<Vec<u8>, PlotError> {
        let mut out = Vec::new();
        self.encode(&mut out).map_err(|message| PlotError::Write {
            path: "<memory>".into(),
            message,
        })?;
        Ok(out)
    }

    fn encode<W: Write>(&self, w: W) -> Result<(), String> {
        let mut encoder = png::Encoder::new(w, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(&self.rgb)
            .map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())
    }

    /// Writes the picture as PNG to `path` as `mixture_output` writes: a regular file
    /// through a temporary file renamed into place (a failure leaves no partial file and keeps
    /// an existing one), a device or FIFO directly, `-` to standard output.
    ///
    /// # Errors
    /// [`PlotError::Write`] naming the path when it cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), PlotError> {
        let path = path.as_ref();
        let png = self.png()?;
        mixture_output::write_all(path, &png).map_err(|e| PlotError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }
}
