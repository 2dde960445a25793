//! Data files read block by block, pass after pass ([`BlockSource`]s): CSV parsed in chunks,
//! NPY read by seeking to each block (C or Fortran order), never the whole file at once. A file
//! that changes between passes (size or modification time) is an error, not other numbers.

use crate::error::CliError;
use crate::files::{CsvRows, Header, NpyLayout, Value};
use mixture_core::{BlockSource, MixtureError, Result, RowMatrix};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What identifies a file's content between passes: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint(u64, Option<SystemTime>);

fn fingerprint(file: &File) -> std::io::Result<Fingerprint> {
    let m = file.metadata()?;
    Ok(Fingerprint(m.len(), m.modified().ok()))
}

fn open(path: &Path) -> std::result::Result<(File, Fingerprint), CliError> {
    let file = File::open(path)
        .map_err(|e| CliError::input(format!("cannot open {}: {e}", path.display())))?;
    let print = fingerprint(&file)
        .map_err(|e| CliError::input(format!("cannot read {}: {e}", path.display())))?;
    Ok((file, print))
}

/// The source's error for a failure at `path`.
fn source_error(path: &Path, message: impl std::fmt::Display) -> MixtureError {
    MixtureError::Source {
        message: format!("{}: {message}", path.display()),
    }
}

/// Reopens `path` for another pass, refusing a file that changed since `print` was taken.
fn reopen(path: &Path, print: Fingerprint) -> Result<File> {
    let file = File::open(path).map_err(|e| source_error(path, format!("cannot reopen: {e}")))?;
    let now = fingerprint(&file).map_err(|e| source_error(path, e))?;
    if now != print {
        return Err(source_error(
            path,
            "the file changed while it was being read (size or modification time); fit a file that stays the same",
        ));
    }
    Ok(file)
}

/// A data file of either format, by extension (`.npy`, else CSV).
pub enum FileSource<T> {
    /// A CSV file.
    Csv(CsvSource<T>),
    /// An NPY file.
    Npy(NpySource<T>),
}

impl<T: Value> FileSource<T> {
    /// Opens `path` for reading in blocks; `-` is standard input, as CSV, for one pass.
    ///
    /// # Errors
    /// [`CliError::input`] naming the file: unreadable, no data rows, a bad NPY header, or a
    /// malformed first CSV row.
    pub fn open(path: &Path, header: Header) -> std::result::Result<Self, CliError> {
        Ok(if crate::files::is_npy(path) {
            FileSource::Npy(NpySource::open(path)?)
        } else {
            FileSource::Csv(CsvSource::open(path, header)?)
        })
    }

    /// Rows in the file, when known without reading it (NPY).
    pub fn n_rows(&self) -> Option<usize> {
        match self {
            FileSource::Csv(_) => None,
            FileSource::Npy(s) => Some(s.layout.n),
        }
    }

    /// Bytes the data would take in memory as `T` (NPY), or the file's size (CSV, whose text
    /// is about as large as its values).
    pub fn estimated_bytes(&self) -> u64 {
        match self {
            FileSource::Csv(s) => s.print.0,
            FileSource::Npy(s) => (s.layout.n as u64)
                .saturating_mul(s.layout.d as u64 * std::mem::size_of::<T>() as u64),
        }
    }
}

impl<T: Value> BlockSource<T> for FileSource<T> {
    fn n_cols(&self) -> usize {
        match self {
            FileSource::Csv(s) => s.n_cols(),
            FileSource::Npy(s) => s.n_cols(),
        }
    }

    fn rewind(&mut self) -> Result<()> {
        match self {
            FileSource::Csv(s) => s.rewind(),
            FileSource::Npy(s) => s.rewind(),
        }
    }

    fn read_block(&mut self, buf: &mut Vec<T>, max_rows: usize) -> Result<usize> {
        match self {
            FileSource::Csv(s) => s.read_block(buf, max_rows),
            FileSource::Npy(s) => s.read_block(buf, max_rows),
        }
    }
}

/// A CSV file parsed in chunks (`-`: standard input, read once).
pub struct CsvSource<T> {
    path: PathBuf,
    header: Header,
    print: Fingerprint,
    rows: CsvRows<T, Box<dyn Read + Send>>,
    /// Rows handed out since the file was (re)opened.
    read: usize,
}

impl<T: Value> CsvSource<T> {
    /// Opens `path`, reading up to its first data row.
    ///
    /// # Errors
    /// [`CliError::input`] naming the file.
    pub fn open(path: &Path, header: Header) -> std::result::Result<Self, CliError> {
        let (reader, print): (Box<dyn Read + Send>, _) = if mixture_output::is_standard(path) {
            (Box::new(std::io::stdin()), Fingerprint(0, None))
        } else {
            let (file, print) = open(path)?;
            (Box::new(BufReader::new(file)), print)
        };
        let rows = CsvRows::new(reader, header)
            .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
        if rows.n_cols() == 0 {
            return Err(CliError::input(format!("{}: no data rows", path.display())));
        }
        Ok(Self {
            path: path.to_path_buf(),
            header,
            print,
            rows,
            read: 0,
        })
    }
}

impl<T: Value> BlockSource<T> for CsvSource<T> {
    fn n_cols(&self) -> usize {
        self.rows.n_cols()
    }

    fn rewind(&mut self) -> Result<()> {
        if self.read == 0 {
            return Ok(());
        }
        if mixture_output::is_standard(&self.path) {
            return Err(source_error(
                Path::new("standard input"),
                "it can be read only once, and this needs a second pass (--stream, or predict --proba to .npy): give a file",
            ));
        }
        let file = reopen(&self.path, self.print)?;
        let reader: Box<dyn Read + Send> = Box::new(BufReader::new(file));
        self.rows = CsvRows::new(reader, self.header).map_err(|e| source_error(&self.path, e))?;
        self.read = 0;
        Ok(())
    }

    fn read_block(&mut self, buf: &mut Vec<T>, max_rows: usize) -> Result<usize> {
        let n = self
            .rows
            .next_rows(buf, max_rows)
            .map_err(|e| source_error(&self.path, e))?;
        self.read += n;
        Ok(n)
    }
}

/// An NPY file read block by block: one read per block in C order, one per column in Fortran
/// order.
pub struct NpySource<T> {
    path: PathBuf,
    print: Fingerprint,
    file: File,
    layout: NpyLayout,
    /// Where the values start (they end the file).
    offset: u64,
    next: usize,
    bytes: Vec<u8>,
    _values: std::marker::PhantomData<T>,
}

impl<T: Value> NpySource<T> {
    /// Opens `path` and checks its header.
    ///
    /// # Errors
    /// [`CliError::input`] naming the file.
    pub fn open(path: &Path) -> std::result::Result<Self, CliError> {
        let ctx = |e: String| CliError::input(format!("{}: {e}", path.display()));
        let (file, print) = open(path)?;
        let npy = npyz::NpyFile::new(BufReader::new(&file))
            .map_err(|e| ctx(format!("not a readable NPY file: {e}")))?;
        let layout = NpyLayout::of(&npy, print.0).map_err(ctx)?;
        drop(npy);
        let data = (layout.n * layout.d * layout.elem) as u64;
        let offset = print.0 - data;
        Ok(Self {
            path: path.to_path_buf(),
            print,
            file,
            layout,
            offset,
            next: 0,
            bytes: Vec::new(),
            _values: std::marker::PhantomData,
        })
    }

    fn read_at(&mut self, at: u64, len: usize) -> Result<()> {
        self.bytes.resize(len, 0);
        self.file
            .seek(SeekFrom::Start(at))
            .and_then(|_| self.file.read_exact(&mut self.bytes))
            .map_err(|e| source_error(&self.path, format!("NPY data truncated or unreadable: {e}")))
    }

    /// Decodes `self.bytes` (values of the file's type and byte order) into `out`.
    fn decode(&self, out: &mut Vec<T>) {
        let big = self.layout.big_endian;
        if self.layout.elem == 8 {
            out.extend(self.bytes.chunks_exact(8).map(|b| {
                let b: [u8; 8] = b.try_into().expect("8 bytes");
                T::cast(if big {
                    f64::from_be_bytes(b)
                } else {
                    f64::from_le_bytes(b)
                })
            }));
        } else {
            out.extend(self.bytes.chunks_exact(4).map(|b| {
                let b: [u8; 4] = b.try_into().expect("4 bytes");
                T::cast(f64::from(if big {
                    f32::from_be_bytes(b)
                } else {
                    f32::from_le_bytes(b)
                }))
            }));
        }
    }
}

impl<T: Value> BlockSource<T> for NpySource<T> {
    fn n_cols(&self) -> usize {
        self.layout.d
    }

    fn rewind(&mut self) -> Result<()> {
        if self.next > 0 {
            self.file = reopen(&self.path, self.print)?;
            self.next = 0;
        }
        Ok(())
    }

    fn read_block(&mut self, buf: &mut Vec<T>, max_rows: usize) -> Result<usize> {
        let NpyLayout { n, d, elem, .. } = self.layout;
        let rows = max_rows.min(n - self.next);
        buf.clear();
        if rows == 0 {
            return Ok(0);
        }
        if self.layout.fortran {
            // Column j of the block, then spread into rows.
            buf.resize(rows * d, T::zero());
            let mut column = Vec::with_capacity(rows);
            for j in 0..d {
                let at = self.offset + ((j * n + self.next) * elem) as u64;
                self.read_at(at, rows * elem)?;
                column.clear();
                self.decode(&mut column);
                for (i, v) in column.iter().enumerate() {
                    buf[i * d + j] = *v;
                }
            }
        } else {
            let at = self.offset + (self.next * d * elem) as u64;
            self.read_at(at, rows * d * elem)?;
            self.decode(buf);
        }
        self.next += rows;
        Ok(rows)
    }
}

/// Reads an N×D matrix from a `.npy` file (by extension) or a CSV file (otherwise).
///
/// # Errors
/// [`CliError::input`] naming the file, and the line and column for CSV: unreadable file,
/// non-numeric or non-finite value, ragged row, unsupported NPY type or shape, no data.
pub fn read_matrix<T: Value>(path: &Path, header: Header) -> Result<RowMatrix<T>, CliError> {
    read_all(&mut FileSource::<T>::open(path, header)?, path)
}

/// Every remaining row of an opened file (`path` names it in errors).
///
/// # Errors
/// As [`read_matrix`].
pub fn read_all<T: Value>(
    source: &mut FileSource<T>,
    path: &Path,
) -> Result<RowMatrix<T>, CliError> {
    let d = source.n_cols();
    let ctx = |e: mixture_core::MixtureError| CliError::input(e.to_string());
    // Reserve what an NPY header declares, bounded by the file's size (checked on opening).
    let mut values: Vec<T> = Vec::with_capacity(source.n_rows().map_or(0, |n| n * d));
    let mut block = Vec::new();
    while source.read_block(&mut block, 1 << 12).map_err(ctx)? > 0 {
        if let Some(p) = block.iter().position(|v| !v.is_finite()) {
            let row = values.len() / d + p / d;
            return Err(CliError::input(format!(
                "{}: row {row}, column {} is not finite; remove or impute it",
                path.display(),
                p % d
            )));
        }
        values.extend_from_slice(&block);
    }
    Ok(RowMatrix::new(values, d)?)
}
