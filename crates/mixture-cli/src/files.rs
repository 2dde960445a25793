//! Reading data (CSV, NPY) and writing results without ever leaving a half-written file.

use crate::error::CliError;
use mixture_core::{RowMatrix, Scalar};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Whether the first CSV row is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// A first row that is not all numbers is a header.
    #[default]
    Detect,
    /// The first row is a header.
    Present,
}

/// A numeric type the readers produce and the writers write: `f32` or `f64`, parsed directly
/// (correctly rounded).
pub trait Value: Scalar + FromStr + npyz::Deserialize + npyz::AutoSerialize {}
impl Value for f32 {}
impl Value for f64 {}

pub(crate) fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// Reads CSV: comma-separated numbers, one row per line, rows streamed into one buffer.
///
/// # Errors
/// As [`read_matrix`](crate::sources::read_matrix), without the file name.
pub fn read_csv<T: Value, R: Read>(reader: R, header: Header) -> Result<RowMatrix<T>, CliError> {
    let mut rows = CsvRows::new(reader, header).map_err(CliError::input)?;
    let (mut values, mut block) = (Vec::new(), Vec::new());
    while rows
        .next_rows(&mut block, 1 << 12)
        .map_err(CliError::input)?
        > 0
    {
        values.extend_from_slice(&block);
    }
    if values.is_empty() {
        return Err(CliError::input("no data rows"));
    }
    Ok(RowMatrix::new(values, rows.n_cols())?)
}

/// Longest CSV line read, in bytes (64 MiB: a row of a million numbers of 60 characters):
/// a longer line, or a file with no line ends (`/dev/zero`), is an error, not a buffer
/// that grows until memory runs out.
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// Longest CSV field, in bytes: no number needs more.
pub const MAX_FIELD_BYTES: usize = 1024;

/// Reads through, failing once a line grows past [`MAX_LINE_BYTES`].
struct LineLimit<R> {
    inner: R,
    since_newline: usize,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.since_newline = match buf[..n].iter().rposition(|&b| b == b'\n') {
            Some(p) => n - p - 1,
            None => self.since_newline + n,
        };
        if self.since_newline > MAX_LINE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a line longer than {} MiB (no line end?); CSV rows must be shorter",
                    MAX_LINE_BYTES >> 20
                ),
            ));
        }
        Ok(n)
    }
}

/// A bad value as an error quotes it: whole when short, else its first 24 characters and its
/// length, so that an error stays one short line whatever the value.
pub(crate) fn quote(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(24).collect();
    if chars.next().is_none() {
        format!("{head:?}")
    } else {
        format!("{head:?}… ({} bytes)", value.len())
    }
}

/// The rows of a CSV text, parsed block by block: comma-separated numbers, one row per line,
/// blank lines skipped, a first row that is not all numbers (or, with [`Header::Present`], any
/// first row) taken as a header. Errors name the line (counted from 1, as editors count) and
/// the column (counted from 0, as every row and column in the command's messages).
pub struct CsvRows<T, R> {
    csv: csv::Reader<LineLimit<R>>,
    record: csv::StringRecord,
    n_cols: usize,
    /// The first data row, read to learn the width, not yet handed out.
    first: Option<Vec<T>>,
}

impl<T: Value, R: Read> CsvRows<T, R> {
    /// Starts reading, up to and including the first data row (to learn the width).
    ///
    /// # Errors
    /// A message naming the line when the first rows are not readable CSV or not numbers.
    pub fn new(reader: R, header: Header) -> Result<Self, String> {
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(LineLimit {
                inner: reader,
                since_newline: 0,
            });
        let mut rows = Self {
            csv,
            record: csv::StringRecord::new(),
            n_cols: 0,
            first: None,
        };
        let mut first = true;
        while rows.next_record()? {
            if first {
                first = false;
                let numeric = rows.record.iter().all(|f| f.parse::<T>().is_ok());
                if header == Header::Present || !numeric {
                    continue;
                }
            }
            rows.n_cols = rows.record.len();
            let mut values = Vec::with_capacity(rows.n_cols);
            rows.parse_record(&mut values)?;
            rows.first = Some(values);
            break;
        }
        Ok(rows)
    }

    /// Number of columns (0 when there is no data row).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Reads the next non-blank record; false at the end.
    fn next_record(&mut self) -> Result<bool, String> {
        loop {
            match self.csv.read_record(&mut self.record) {
                Ok(false) => return Ok(false),
                Ok(true) => {}
                Err(e) => {
                    let line = e
                        .position()
                        .map_or(String::new(), |p| format!("line {}: ", p.line()));
                    return Err(format!("{line}not readable as CSV: {e}"));
                }
            }
            if !(self.record.len() == 1 && self.record[0].is_empty()) {
                return Ok(true);
            }
        }
    }

    /// Appends the current record's values to `out`, checking width and values.
    fn parse_record(&self, out: &mut Vec<T>) -> Result<(), String> {
        let line = self.record.position().map_or(0, |p| p.line());
        if self.record.len() != self.n_cols {
            return Err(format!(
                "line {line} has {} values but the first data row has {}; every row needs the same number",
                self.record.len(),
                self.n_cols
            ));
        }
        for (col, field) in self.record.iter().enumerate() {
            if field.len() > MAX_FIELD_BYTES {
                return Err(format!(
                    "line {line}, column {col}: {} is not a number (a field has at most {MAX_FIELD_BYTES} bytes)",
                    quote(field)
                ));
            }
            let value: T = field.parse().map_err(|_| {
                format!(
                    "line {line}, column {col}: {} is not a number",
                    quote(field)
                )
            })?;
            if !value.is_finite() {
                return Err(format!(
                    "line {line}, column {col}: {} is not finite; remove or impute it",
                    quote(field)
                ));
            }
            out.push(value);
        }
        Ok(())
    }

    /// Replaces `buf` by up to `max_rows` next rows and returns how many (0 at the end).
    ///
    /// # Errors
    /// A message naming the line (and column) of a malformed row.
    pub fn next_rows(&mut self, buf: &mut Vec<T>, max_rows: usize) -> Result<usize, String> {
        buf.clear();
        let mut n = 0;
        if let Some(first) = self.first.take() {
            buf.extend_from_slice(&first);
            n += 1;
        }
        while n < max_rows && self.n_cols > 0 && self.next_record()? {
            self.parse_record(buf)?;
            n += 1;
        }
        Ok(n)
    }
}

/// The shape and encoding of an NPY array, checked: 1-D (one feature) or 2-D, `f4` or `f8`,
/// either byte order, C or Fortran order, and no more values than the file can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NpyLayout {
    /// Rows.
    pub n: usize,
    /// Columns.
    pub d: usize,
    /// Bytes per value (4 or 8).
    pub elem: usize,
    /// Big-endian values.
    pub big_endian: bool,
    /// Column-major (Fortran) order with more than one column.
    pub fortran: bool,
}

impl NpyLayout {
    /// The layout of `npy`'s header, checked against `file_size` (0 when unknown).
    ///
    /// # Errors
    /// A message saying what is not supported or inconsistent.
    pub fn of<R: Read>(npy: &npyz::NpyFile<R>, file_size: u64) -> Result<Self, String> {
        let dtype = match npy.dtype() {
            npyz::DType::Plain(t) => t.to_string(),
            other => {
                return Err(format!(
                    "NPY type {other:?} is not supported; use float32 or float64"
                ));
            }
        };
        let (n, d) = match *npy.shape() {
            [n] => (n, 1),
            [n, d] => (n, d),
            ref s => return Err(format!("NPY array of shape {s:?}; pass a 1-D or 2-D array")),
        };
        let fortran = npy.order() == npyz::Order::Fortran && d > 1;
        let total = n
            .checked_mul(d)
            .filter(|&t| t > 0)
            .ok_or_else(|| format!("NPY array of shape ({n}, {d}) holds no data"))?;
        let (elem, big_endian) = match dtype.as_str() {
            "<f8" => (8, false),
            ">f8" => (8, true),
            "<f4" => (4, false),
            ">f4" => (4, true),
            _ => {
                return Err(format!(
                    "NPY dtype {dtype} is not supported; use float32 (f4) or float64 (f8)"
                ));
            }
        };
        if file_size > 0 && total.saturating_mul(elem) > file_size {
            return Err(format!(
                "NPY header declares ({n}, {d}) values but the file holds only {file_size} bytes"
            ));
        }
        let too_large = || "NPY array too large".to_string();
        Ok(Self {
            n: usize::try_from(n).map_err(|_| too_large())?,
            d: usize::try_from(d).map_err(|_| too_large())?,
            elem: elem as usize,
            big_endian,
            fortran,
        })
    }
}

/// Reads a 1-D (one feature) or 2-D `f4` or `f8` NPY array, C or Fortran order. `file_size`
/// bounds what is allocated before the data are read, whatever the header claims.
///
/// # Errors
/// As [`read_matrix`](crate::sources::read_matrix), without the file name.
pub fn read_npy<T: Value, R: Read>(reader: R, file_size: u64) -> Result<RowMatrix<T>, CliError> {
    let npy = npyz::NpyFile::new(reader)
        .map_err(|e| CliError::input(format!("not a readable NPY file: {e}")))?;
    let NpyLayout {
        n,
        d,
        elem,
        fortran,
        ..
    } = NpyLayout::of(&npy, file_size).map_err(CliError::input)?;
    // Reserve no more than the file can hold (or a modest start when its size is unknown):
    // a header's claim alone never makes us allocate.
    let known = if file_size > 0 {
        (file_size / elem as u64) as usize
    } else {
        1 << 16
    };
    let mut values: Vec<T> = Vec::with_capacity((n * d).min(known));
    let bad = |e: std::io::Error| CliError::input(format!("NPY data truncated or unreadable: {e}"));
    if elem == 8 {
        for v in npy
            .data::<f64>()
            .map_err(|e| CliError::input(e.to_string()))?
        {
            values.push(T::cast(v.map_err(bad)?));
        }
    } else {
        for v in npy
            .data::<f32>()
            .map_err(|e| CliError::input(e.to_string()))?
        {
            values.push(T::cast(f64::from(v.map_err(bad)?)));
        }
    }
    if values.len() != n * d {
        return Err(CliError::input(format!(
            "NPY data hold {} values, the header says {}",
            values.len(),
            n * d
        )));
    }
    if fortran {
        let mut row_major = vec![T::zero(); n * d];
        for (i, v) in values.iter().enumerate() {
            let (row, col) = (i % n, i / n);
            row_major[row * d + col] = *v;
        }
        values = row_major;
    }
    if let Some(p) = values.iter().position(|v| !v.is_finite()) {
        return Err(CliError::input(format!(
            "row {}, column {} is not finite; remove or impute it",
            p / d,
            p % d
        )));
    }
    Ok(RowMatrix::new(values, d)?)
}

/// An output file of the command: `mixture_output`'s writing (atomic for regular files,
/// direct for devices and FIFOs, `-` for standard output; temporary files removed on every
/// exit path) with errors that name the file.
pub struct OutputFile {
    out: mixture_output::Output,
    path: PathBuf,
}

impl OutputFile {
    /// Starts writing `path`.
    ///
    /// # Errors
    /// [`CliError::input`] naming the file when it cannot be created.
    pub fn create(path: &Path) -> Result<Self, CliError> {
        let out = mixture_output::Output::create(path).map_err(|e| cannot_write(path, e))?;
        Ok(Self {
            out,
            path: path.to_path_buf(),
        })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut mixture_output::Output {
        &mut self.out
    }

    /// Finishes the file.
    ///
    /// # Errors
    /// [`CliError::input`] naming the file when writing it fails; a regular file is then as
    /// it was.
    pub fn commit(self) -> Result<(), CliError> {
        self.out.commit().map_err(|e| cannot_write(&self.path, e))
    }

    /// Writes `bytes` to `path`.
    ///
    /// # Errors
    /// As [`OutputFile::create`] and [`OutputFile::commit`].
    pub fn write_all(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
        mixture_output::write_all(path, bytes).map_err(|e| cannot_write(path, e))
    }
}

/// "cannot write PATH: why"; standard output closed by its reader (`| head`) is no error.
pub(crate) fn cannot_write(path: &Path, e: std::io::Error) -> CliError {
    if mixture_output::is_standard(path) && e.kind() == std::io::ErrorKind::BrokenPipe {
        return CliError::closed_pipe();
    }
    CliError::input(format!("cannot write {}: {e}", mixture_output::shown(path)))
}

/// Writes a matrix as CSV (shortest round-trip decimals, optional header) or NPY (by
/// extension).
///
/// # Errors
/// [`CliError::input`] naming the file when it cannot be written.
pub fn write_matrix<T: Scalar + npyz::AutoSerialize>(
    path: &Path,
    m: &RowMatrix<T>,
    header: Option<&[String]>,
) -> Result<(), CliError> {
    let mut f = OutputFile::create(path)?;
    let io = |e: std::io::Error| cannot_write(path, e);
    if is_npy(path) {
        use npyz::WriterBuilder;
        let mut w = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[m.n_rows() as u64, m.n_cols() as u64])
            .writer(f.writer())
            .begin_nd()
            .map_err(io)?;
        w.extend(m.as_slice().iter().copied()).map_err(io)?;
        w.finish().map_err(io)?;
    } else {
        let w = f.writer();
        if let Some(h) = header {
            writeln!(w, "{}", h.join(",")).map_err(io)?;
        }
        for row in m.iter() {
            write_row(w, row).map_err(io)?;
        }
    }
    f.commit()
}

/// Writes `v` in shortest round-trip form: plain decimals for ordinary magnitudes, an
/// exponent for very small or large ones (Rust's `Display` alone would write 1e-300 with 300
/// zeros).
pub fn write_value<W: Write, T: Scalar>(w: &mut W, v: T) -> std::io::Result<()> {
    let a = v.abs().as_f64();
    if a == 0.0 || (1e-5..1e16).contains(&a) {
        write!(w, "{v}")
    } else {
        write!(w, "{v:e}")
    }
}

/// One CSV line of numbers.
pub fn write_row<W: Write, T: Scalar>(w: &mut W, row: &[T]) -> std::io::Result<()> {
    for (j, v) in row.iter().enumerate() {
        if j > 0 {
            w.write_all(b",")?;
        }
        write_value(w, *v)?;
    }
    w.write_all(b"\n")
}

/// Writes one column of numbers under a header, as CSV.
///
/// # Errors
/// [`CliError::input`] naming the file when it cannot be written.
pub fn write_column<T: Scalar>(path: &Path, name: &str, values: &[T]) -> Result<(), CliError> {
    write_lines(path, name, values, |w, v| {
        write_row(w, std::slice::from_ref(v))
    })
}

/// Writes one column of labels under a header, as CSV.
///
/// # Errors
/// [`CliError::input`] naming the file when it cannot be written.
pub fn write_labels(path: &Path, name: &str, labels: &[usize]) -> Result<(), CliError> {
    write_lines(path, name, labels, |w, v| writeln!(w, "{v}"))
}

fn write_lines<V>(
    path: &Path,
    name: &str,
    values: &[V],
    mut line: impl FnMut(&mut mixture_output::Output, &V) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let mut f = OutputFile::create(path)?;
    let io = |e: std::io::Error| cannot_write(path, e);
    let w = f.writer();
    writeln!(w, "{name}").map_err(io)?;
    for v in values {
        line(w, v).map_err(io)?;
    }
    f.commit()
}
