//! Data files read block by block, pass after pass ([`BlockSource`]s): CSV parsed in chunks,
//! NPY read by seeking to each block (C or Fortran order), never the whole file at once. A file
//! that changes between passes is an error, not other numbers: its size or modification time,
//! checked when it is reopened, or the values a whole pass read, checked at the pass's end
//! against the first whole pass (a change that keeps both size and time).
//!
//! An input that is not a regular file (a FIFO, a device) cannot be seeked or read twice: it
//! is read once into memory, within a limit (`--memory-limit` for `fit`, else
//! [`DEFAULT_MEMORY_LIMIT`]), and every pass reads that copy. Standard input (`-`) is read once,
//! as CSV, for one pass.

use crate::error::CliError;
use crate::files::{CsvRows, Header, NpyLayout, Value};
use mixture_core::{BlockSource, MixtureError, Result, RowMatrix};
use mixture_output::shown;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The most a non-regular input (a FIFO, a device) is read into memory unless `fit`'s
/// `--memory-limit` says otherwise (its default, 2 GiB).
pub const DEFAULT_MEMORY_LIMIT: u64 = 2 << 30;

/// An input's bytes held in memory, shared by every pass.
#[derive(Debug, Clone)]
struct Shared(std::sync::Arc<[u8]>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Where an input's bytes are: a regular file (reopened for each pass), a pipe being read
/// for the first time (its bytes kept as they are read), or memory.
enum Backing {
    File(File, Fingerprint),
    Pipe(std::sync::Arc<std::sync::Mutex<Kept>>),
    Memory(Shared),
}

/// A pipe's bytes, kept as the first pass reads them, up to a limit.
struct Kept {
    pipe: File,
    bytes: Vec<u8>,
    limit: u64,
    path: PathBuf,
}

impl Kept {
    fn too_large(&self) -> std::io::Error {
        std::io::Error::other(format!(
            "{} is not a regular file (a pipe or a device), so it is kept in memory for the passes after the first, and it holds more than {} bytes: give a regular file, or raise --memory-limit (fit)",
            shown(&self.path),
            self.limit
        ))
    }

    /// Reads the rest of the pipe into memory (within the limit).
    fn drain(&mut self) -> std::io::Result<()> {
        let room = (self.limit + 1).saturating_sub(self.bytes.len() as u64);
        let Self { pipe, bytes, .. } = self;
        pipe.take(room).read_to_end(bytes)?;
        if self.bytes.len() as u64 > self.limit {
            return Err(self.too_large());
        }
        Ok(())
    }
}

/// Standard input for a reader that keeps all of it in memory: an error past `limit` bytes
/// (`--memory-limit`), rather than memory without bound.
struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // One byte beyond the limit is enough to know it is exceeded.
        let room = usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX);
        let take = buf.len().min(room);
        let n = self.inner.read(&mut buf[..take])?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "standard input holds more than {} bytes, the --memory-limit of data kept in memory (it can be read only once, so it is kept whole): give a regular file, which is streamed, or raise --memory-limit",
                self.limit
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The first pass over a pipe: what it reads is kept (see [`Kept`]).
struct Tee(std::sync::Arc<std::sync::Mutex<Kept>>);

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut kept = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("a reader panicked"))?;
        let n = kept.pipe.read(buf)?;
        kept.bytes.extend_from_slice(&buf[..n]);
        if kept.bytes.len() as u64 > kept.limit {
            return Err(kept.too_large());
        }
        Ok(n)
    }
}

/// Opens `path`: a regular file as it is, anything else (a FIFO, a device) as a pipe whose
/// bytes are kept in memory, up to `limit`, as they are read.
fn open_backing(path: &Path, limit: u64) -> std::result::Result<Backing, CliError> {
    let (file, print) = open(path)?;
    if file.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Ok(Backing::File(file, print));
    }
    let kept = Kept {
        pipe: file,
        bytes: Vec::new(),
        limit,
        path: path.to_path_buf(),
    };
    Ok(Backing::Pipe(std::sync::Arc::new(std::sync::Mutex::new(
        kept,
    ))))
}

/// `backing` with a pipe's bytes read to its end and held in memory.
fn into_memory(backing: Backing) -> std::io::Result<Backing> {
    let Backing::Pipe(kept) = backing else {
        return Ok(backing);
    };
    let mut kept = kept
        .lock()
        .map_err(|_| std::io::Error::other("a reader panicked"))?;
    kept.drain()?;
    Ok(Backing::Memory(Shared(
        std::mem::take(&mut kept.bytes).into(),
    )))
}

/// What identifies a file's content between passes: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint(u64, Option<SystemTime>);

fn fingerprint(file: &File) -> std::io::Result<Fingerprint> {
    let m = file.metadata()?;
    Ok(Fingerprint(m.len(), m.modified().ok()))
}

fn open(path: &Path) -> std::result::Result<(File, Fingerprint), CliError> {
    let file = File::open(path)
        .map_err(|e| CliError::input(format!("cannot open {}: {e}", shown(path))))?;
    let print = fingerprint(&file)
        .map_err(|e| CliError::input(format!("cannot read {}: {e}", shown(path))))?;
    Ok((file, print))
}

/// The source's error for a failure at `path`.
fn source_error(path: &Path, message: impl std::fmt::Display) -> MixtureError {
    MixtureError::Source {
        message: format!("{}: {message}", shown(path)),
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

/// A checksum of the values each whole pass over a regular file reads, in row order (so the
/// same for any block sizes), compared with the first whole pass's when a pass ends.
#[derive(Debug, Default)]
struct PassCheck {
    /// The first whole pass's checksum and count of values.
    first: Option<(u64, u64)>,
    /// This pass's so far.
    hash: u64,
    values: u64,
    passes: usize,
    /// This pass has ended (a reader asking again past the end changes nothing).
    ended: bool,
}

impl PassCheck {
    /// Adds a block's values (in row order).
    fn add<T: Value>(&mut self, block: &[T]) {
        // A sum of each value's bits mixed with its place, times an odd constant (a bijection,
        // so a change of any one value always changes the sum, and two values swapped almost
        // always do). The terms are independent, so it costs a multiply-add per value rather
        // than a chain of them: a few per cent of a streamed diagonal fit's pass.
        let mut hash = self.hash;
        for (g, v) in (self.values..).zip(block) {
            let placed = v.as_f64().to_bits() ^ g.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            hash = hash.wrapping_add(placed.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        }
        self.hash = hash;
        self.values += block.len() as u64;
    }

    /// A pass starts over (whole or not, the last one is forgotten).
    fn restart(&mut self) {
        (self.hash, self.values, self.ended) = (0, 0, false);
    }

    /// A pass reached the end: the first one's sum is kept, a later one must equal it.
    fn end_of_pass(&mut self, path: &Path) -> Result<()> {
        if self.ended {
            return Ok(());
        }
        self.passes += 1;
        let now = (self.hash, self.values);
        self.restart();
        self.ended = true;
        match self.first {
            None => {
                self.first = Some(now);
                Ok(())
            }
            Some(first) if first == now => Ok(()),
            Some(_) => Err(source_error(
                path,
                format!(
                    "the file changed while it was being read (pass {} read other values than the first, though its size and modification time were kept); fit a file that stays the same",
                    self.passes
                ),
            )),
        }
    }
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
        Self::open_bounded(path, header, DEFAULT_MEMORY_LIMIT, None)
    }

    /// As [`FileSource::open`], reading an input that is not a regular file into memory only
    /// up to `limit` bytes.
    ///
    /// # Errors
    /// As [`FileSource::open`], and [`CliError::input`] for a pipe or device holding more than
    /// `limit` bytes. Standard input is bounded too: the caller keeps all of it in memory
    /// (it can be read only once).
    pub fn open_within(
        path: &Path,
        header: Header,
        limit: u64,
    ) -> std::result::Result<Self, CliError> {
        Self::open_bounded(path, header, limit, Some(limit))
    }

    /// Opens `path` with `limit` on what a pipe keeps, and `standard_input_limit` on what
    /// standard input may hold (`None`: one-pass readers, which keep nothing).
    fn open_bounded(
        path: &Path,
        header: Header,
        limit: u64,
        standard_input_limit: Option<u64>,
    ) -> std::result::Result<Self, CliError> {
        Ok(if crate::files::is_npy(path) {
            FileSource::Npy(NpySource::open(path, limit)?)
        } else {
            FileSource::Csv(CsvSource::open(path, header, limit, standard_input_limit)?)
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
            FileSource::Csv(s) => s.size,
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

/// A reader of `backing` from its start, and its size in bytes: a regular file reopened
/// (refused if it changed since it was opened), or the bytes in memory.
fn reader_of(backing: &Backing, path: &Path) -> Result<(Box<dyn Read + Send>, u64)> {
    Ok(match backing {
        Backing::File(_, print) => (Box::new(BufReader::new(reopen(path, *print)?)), print.0),
        Backing::Pipe(kept) => (Box::new(BufReader::new(Tee(kept.clone()))), 0),
        Backing::Memory(bytes) => (
            Box::new(std::io::Cursor::new(bytes.clone())),
            bytes.0.len() as u64,
        ),
    })
}

/// A CSV file parsed in chunks (`-`: standard input, read once).
pub struct CsvSource<T> {
    path: PathBuf,
    header: Header,
    /// The file and its fingerprint, or its bytes in memory; `None` for standard input.
    backing: Option<Backing>,
    /// Bytes in the input (0 for standard input).
    size: u64,
    rows: CsvRows<T, Box<dyn Read + Send>>,
    /// Rows handed out since the file was (re)opened.
    read: usize,
    /// Whole passes' checksums (regular files only).
    check: PassCheck,
}

impl<T: Value> CsvSource<T> {
    /// Opens `path`, reading up to its first data row.
    ///
    /// # Errors
    /// [`CliError::input`] naming the file.
    pub fn open(
        path: &Path,
        header: Header,
        limit: u64,
        standard_input_limit: Option<u64>,
    ) -> std::result::Result<Self, CliError> {
        let (reader, backing, size): (Box<dyn Read + Send>, _, _) =
            if mixture_output::is_standard(path) {
                let reader: Box<dyn Read + Send> = match standard_input_limit {
                    Some(limit) => Box::new(Bounded {
                        inner: std::io::stdin(),
                        left: limit,
                        limit,
                    }),
                    None => Box::new(std::io::stdin()),
                };
                (reader, None, 0)
            } else {
                let backing = open_backing(path, limit)?;
                let (reader, size) = reader_of(&backing, path)
                    .map_err(|e| CliError::input(format!("cannot read {}: {e}", shown(path))))?;
                (reader, Some(backing), size)
            };
        let rows = CsvRows::new(reader, header)
            .map_err(|e| CliError::input(format!("{}: {e}", shown(path))))?;
        if rows.n_cols() == 0 {
            return Err(CliError::input(format!("{}: no data rows", shown(path))));
        }
        Ok(Self {
            path: path.to_path_buf(),
            header,
            backing,
            size,
            rows,
            read: 0,
            check: PassCheck::default(),
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
        let Some(backing) = self.backing.take() else {
            return Err(source_error(
                Path::new("standard input"),
                "it can be read only once, and this needs a second pass (--stream, or predict --proba to .npy): give a file",
            ));
        };
        let backing = into_memory(backing).map_err(|e| source_error(&self.path, e))?;
        let (reader, _) = reader_of(&backing, &self.path)?;
        self.backing = Some(backing);
        self.rows = CsvRows::new(reader, self.header).map_err(|e| source_error(&self.path, e))?;
        self.read = 0;
        self.check.restart();
        Ok(())
    }

    fn read_block(&mut self, buf: &mut Vec<T>, max_rows: usize) -> Result<usize> {
        let n = self
            .rows
            .next_rows(buf, max_rows)
            .map_err(|e| source_error(&self.path, e))?;
        self.read += n;
        if matches!(self.backing, Some(Backing::File(..))) {
            if n == 0 {
                self.check.end_of_pass(&self.path)?;
            } else {
                self.check.add(buf);
            }
        }
        Ok(n)
    }
}

/// A reader counting the bytes read through it.
struct Counted<R>(R, u64);

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1 += n as u64;
        Ok(n)
    }
}

/// An NPY file read block by block: one read per block in C order, one per column in Fortran
/// order.
pub struct NpySource<T> {
    path: PathBuf,
    /// The file (reopened for each pass) or its bytes in memory.
    backing: Backing,
    layout: NpyLayout,
    /// Where the values start (they end the file).
    offset: u64,
    next: usize,
    bytes: Vec<u8>,
    /// Whole passes' checksums (regular files only).
    check: PassCheck,
    _values: std::marker::PhantomData<T>,
}

impl<T: Value> NpySource<T> {
    /// Opens `path` and checks its header.
    ///
    /// # Errors
    /// [`CliError::input`] naming the file.
    pub fn open(path: &Path, limit: u64) -> std::result::Result<Self, CliError> {
        let ctx = |e: String| CliError::input(format!("{}: {e}", shown(path)));
        let not_npy = |e: std::io::Error| ctx(format!("not a readable NPY file: {e}"));
        let mut backing = open_backing(path, limit)?;
        if let Backing::Pipe(kept) = &backing {
            // A pipe: its header first (kept as read), then its declared values, within the
            // limit, into memory.
            // Unbuffered, so that only the header is read here.
            let npy = npyz::NpyFile::new(Tee(kept.clone())).map_err(not_npy)?;
            let declared = NpyLayout::of(&npy, 0).map_err(ctx)?;
            let values = (declared.n as u64)
                .saturating_mul(declared.d as u64)
                .saturating_mul(declared.elem as u64);
            if values > limit {
                return Err(ctx(format!(
                    "its header declares {values} bytes of values, more than the {limit} a pipe may hold in memory: give a regular file, or raise --memory-limit (fit)"
                )));
            }
            drop(npy);
            if let Ok(mut kept) = kept.lock() {
                // The limit is on the values, after the header.
                kept.limit = limit.saturating_add(kept.bytes.len() as u64);
            }
            backing = into_memory(backing).map_err(|e| ctx(e.to_string()))?;
        }
        // The header is read unbuffered, so that what it took is where the values start.
        let (layout, size, header) = match &backing {
            Backing::File(file, print) => {
                let mut counted = Counted(file, 0);
                let npy = npyz::NpyFile::new(&mut counted).map_err(not_npy)?;
                let layout = NpyLayout::of(&npy, print.0).map_err(ctx)?;
                drop(npy);
                (layout, print.0, counted.1)
            }
            Backing::Memory(bytes) => {
                let mut counted = Counted(bytes.as_ref(), 0);
                let npy = npyz::NpyFile::new(&mut counted).map_err(not_npy)?;
                let size = bytes.0.len() as u64;
                let layout = NpyLayout::of(&npy, size).map_err(ctx)?;
                drop(npy);
                (layout, size, counted.1)
            }
            Backing::Pipe(_) => return Err(ctx("a pipe that was not read into memory".into())),
        };
        let data = (layout.n as u64)
            .saturating_mul(layout.d as u64)
            .saturating_mul(layout.elem as u64);
        let expected = header.saturating_add(data);
        if size != expected {
            return Err(ctx(if size > expected {
                format!(
                    "{} bytes after the values the header declares ({}, {}): a damaged or joined file",
                    size - expected,
                    layout.n,
                    layout.d
                )
            } else {
                format!(
                    "the header declares {data} bytes of values but the file holds {} after it",
                    size - header.min(size)
                )
            }));
        }
        let offset = header;
        Ok(Self {
            path: path.to_path_buf(),
            backing,
            layout,
            offset,
            next: 0,
            bytes: Vec::new(),
            check: PassCheck::default(),
            _values: std::marker::PhantomData,
        })
    }

    fn read_at(&mut self, at: u64, len: usize) -> Result<()> {
        self.bytes.resize(len, 0);
        let read = match &mut self.backing {
            Backing::File(file, _) => file
                .seek(SeekFrom::Start(at))
                .and_then(|_| file.read_exact(&mut self.bytes)),
            Backing::Memory(bytes) => usize::try_from(at)
                .ok()
                .and_then(|at| bytes.0.get(at..at.checked_add(len)?))
                .map(|values| self.bytes.copy_from_slice(values))
                .ok_or_else(|| std::io::ErrorKind::UnexpectedEof.into()),
            Backing::Pipe(_) => Err(std::io::ErrorKind::Unsupported.into()),
        };
        read.map_err(|e| source_error(&self.path, format!("NPY data truncated or unreadable: {e}")))
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
            if let Backing::File(file, print) = &mut self.backing {
                *file = reopen(&self.path, *print)?;
            }
            self.next = 0;
        }
        self.check.restart();
        Ok(())
    }

    fn read_block(&mut self, buf: &mut Vec<T>, max_rows: usize) -> Result<usize> {
        let NpyLayout { n, d, elem, .. } = self.layout;
        let rows = max_rows.min(n - self.next);
        buf.clear();
        let regular = matches!(self.backing, Backing::File(..));
        if rows == 0 {
            if regular && self.next == n {
                self.check.end_of_pass(&self.path)?;
            }
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
        if regular {
            self.check.add(buf);
        }
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
                shown(path),
                p % d
            )));
        }
        values.extend_from_slice(&block);
    }
    Ok(RowMatrix::new(values, d)?)
}
