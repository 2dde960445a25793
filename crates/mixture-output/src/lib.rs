//! # mixture-output
//!
//! Output files that are never half-written and never destroy what they should not, shared by
//! the model files, the figures and the `mixture` command:
//!
//! - a **regular file** (or a path that does not exist yet) is written to a temporary file in the
//!   same directory (made by `tempfile`, mode 0666 less the umask, or the existing file's mode)
//!   and renamed over it by [`Output::commit`]: a failure keeps the old file and leaves no
//!   partial one. A symbolic link to a regular file stays a link: its target is replaced;
//! - a **device, FIFO or socket** (`/dev/null`, `/dev/stdout`, a named pipe) is written directly,
//!   and its errors (`/dev/full`) are reported, not hidden by a rename;
//! - **`-`** is standard output;
//! - a **directory** is refused.
//!
//! Every temporary file is registered while it exists: [`remove_temporaries`] deletes them, for
//! a signal handler to call before the process exits (a temporary file is otherwise removed
//! when its [`Output`] is dropped uncommitted).
//!
//! # Examples
//! ```
//! use std::io::Write;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("out.csv");
//! let mut out = mixture_output::Output::create(&path)?;
//! writeln!(out, "x0")?;
//! out.commit()?;
//! assert_eq!(std::fs::read_to_string(&path)?, "x0\n");
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fs::{File, OpenOptions, Permissions};
use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tempfile::NamedTempFile;

/// Temporary files that exist now (for [`remove_temporaries`]).
static TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Keeps a temporary file in the list while it lives.
#[derive(Debug)]
struct Registered(PathBuf);

impl Registered {
    fn new(path: &Path) -> Self {
        if let Ok(mut list) = TEMPORARIES.lock() {
            list.push(path.to_path_buf());
        }
        Self(path.to_path_buf())
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut list) = TEMPORARIES.lock() {
            list.retain(|p| p != &self.0);
        }
    }
}

/// Deletes every temporary file still being written, so that a process stopped by a signal
/// leaves none behind. Call it from a signal handler's thread just before exiting; outputs in
/// progress are lost, finished ones are kept.
pub fn remove_temporaries() {
    // A poisoned lock still holds the list: clean up anyway.
    let list = match TEMPORARIES.lock() {
        Ok(list) => list,
        Err(poisoned) => poisoned.into_inner(),
    };
    for path in list.iter() {
        let _ = std::fs::remove_file(path);
    }
}

/// Whether `path` names standard input or output (`-`).
pub fn is_standard(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// An output being written; see the crate documentation for where the bytes go.
#[derive(Debug)]
pub struct Output {
    sink: Sink,
}

#[derive(Debug)]
enum Sink {
    Atomic {
        // Dropped uncommitted, `NamedTempFile` removes the file, then it leaves the list.
        writer: BufWriter<NamedTempFile>,
        registered: Registered,
        dest: PathBuf,
        mode: Option<Permissions>,
    },
    Direct(BufWriter<File>),
    Standard(BufWriter<Stdout>),
}

impl Output {
    /// Starts writing `path` (`-` for standard output).
    ///
    /// # Errors
    /// The `io::Error` of creating the temporary file or opening the destination; a directory
    /// or a path without a file name is `InvalidInput`.
    pub fn create(path: &Path) -> io::Result<Self> {
        if is_standard(path) {
            return Ok(Self {
                sink: Sink::Standard(BufWriter::new(io::stdout())),
            });
        }
        let sink = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => return Err(invalid("is a directory")),
            Ok(m) if m.is_file() => {
                // Through a symbolic link, the target is replaced and the link kept.
                let dest = std::fs::canonicalize(path)?;
                atomic(&dest, Some(m.permissions()))?
            }
            Ok(_) => Sink::Direct(BufWriter::new(OpenOptions::new().write(true).open(path)?)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => atomic(path, None)?,
            Err(e) => return Err(e),
        };
        Ok(Self { sink })
    }

    /// Finishes the output: flushes it and, for a regular file, syncs it to disk and renames
    /// it into place.
    ///
    /// # Errors
    /// The `io::Error` of writing, syncing or renaming; the destination is then as it was.
    pub fn commit(self) -> io::Result<()> {
        match self.sink {
            Sink::Atomic {
                writer,
                registered,
                dest,
                mode,
            } => {
                let file = writer
                    .into_inner()
                    .map_err(io::IntoInnerError::into_error)?;
                file.as_file().sync_all()?;
                if let Some(mode) = mode {
                    file.as_file().set_permissions(mode)?;
                }
                file.persist(&dest).map_err(|e| e.error)?;
                drop(registered);
                Ok(())
            }
            Sink::Direct(mut w) => w.flush(),
            Sink::Standard(mut w) => w.flush(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Atomic { writer, .. } => writer.write(buf),
            Sink::Direct(w) => w.write(buf),
            Sink::Standard(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.sink {
            Sink::Atomic { writer, .. } => writer.write_all(buf),
            Sink::Direct(w) => w.write_all(buf),
            Sink::Standard(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Atomic { writer, .. } => writer.flush(),
            Sink::Direct(w) => w.flush(),
            Sink::Standard(w) => w.flush(),
        }
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.to_string())
}

/// A temporary file beside `dest`, registered, with the file's final mode when known (else
/// 0666 less the umask, as any new file).
fn atomic(dest: &Path, mode: Option<Permissions>) -> io::Result<Sink> {
    let name = dest
        .file_name()
        .ok_or_else(|| invalid("is not a file name"))?;
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{}.", name.to_string_lossy());
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(Permissions::from_mode(0o666));
    }
    let file = builder.tempfile_in(dir)?;
    Ok(Sink::Atomic {
        registered: Registered::new(file.path()),
        writer: BufWriter::new(file),
        dest: dest.to_path_buf(),
        mode,
    })
}

/// Writes `bytes` to `path` as [`Output`] does.
///
/// # Errors
/// As [`Output::create`] and [`Output::commit`].
pub fn write_all(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut out = Output::create(path)?;
    out.write_all(bytes)?;
    out.commit()
}

/// Whether `a` and `b` name the same file: the same file on disk when both exist (hard links
/// and symbolic links included), else the same absolute path. Standard input/output (`-`) is
/// no file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    if is_standard(a) || is_standard(b) {
        return false;
    }
    match (a.exists(), b.exists()) {
        (true, true) => same_existing_file(a, b),
        (false, false) => absolute(a).is_some_and(|x| absolute(b).is_some_and(|y| x == y)),
        _ => false,
    }
}

/// Compares device and inode numbers: opening the files (what `same-file` does) would block
/// on a FIFO.
#[cfg(unix)]
fn same_existing_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => (x.dev(), x.ino()) == (y.dev(), y.ino()),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_existing_file(a: &Path, b: &Path) -> bool {
    same_file::is_same_file(a, b).unwrap_or(false)
}

/// `path` made absolute through its (existing) directory.
fn absolute(path: &Path) -> Option<PathBuf> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Some(std::fs::canonicalize(dir).ok()?.join(path.file_name()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `remove_temporaries` removes every test's temporary files: one test at a time.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn temporaries(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn a_regular_file_is_replaced_only_on_commit() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        std::fs::write(&path, "old").unwrap();
        let mut out = Output::create(&path).unwrap();
        out.write_all(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(temporaries(dir.path()).len(), 1);
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert!(temporaries(dir.path()).is_empty());
        write_all(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert!(temporaries(dir.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn modes_are_kept_or_follow_the_umask_and_links_stay_links() {
        let _serial = serial();
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.csv");
        write_all(&fresh, b"1").unwrap();
        // As any new file: what std::fs::write gives under the same umask.
        let plain = dir.path().join("plain.csv");
        std::fs::write(&plain, "1").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), mode(&plain));
        let kept = dir.path().join("kept.csv");
        std::fs::write(&kept, "1").unwrap();
        std::fs::set_permissions(&kept, Permissions::from_mode(0o640)).unwrap();
        write_all(&kept, b"2").unwrap();
        assert_eq!(mode(&kept), 0o640);
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&kept, &link).unwrap();
        write_all(&link, b"3").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "3");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_written_directly_and_their_errors_reported() {
        let _serial = serial();
        write_all(Path::new("/dev/null"), b"nothing").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
        if Path::new("/dev/full").exists() {
            let e = write_all(Path::new("/dev/full"), &[0; 100_000]).unwrap_err();
            assert!(e.to_string().contains("space"), "{e}");
        }
    }

    #[test]
    fn directories_are_refused_and_signals_find_the_temporaries() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let e = Output::create(dir.path()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        let path = dir.path().join("big.npy");
        let mut out = Output::create(&path).unwrap();
        out.write_all(&[1; 1000]).unwrap();
        remove_temporaries();
        assert!(temporaries(dir.path()).is_empty());
        assert!(out.commit().is_err(), "its temporary file is gone");
        assert!(!path.exists());
    }

    #[test]
    fn the_same_file_is_found_through_any_name() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        std::fs::write(&a, "1").unwrap();
        let other_name = dir.path().join(".").join("a.csv");
        assert!(same_file(&a, &other_name));
        let (new1, new2) = (dir.path().join("n.csv"), dir.path().join("./n.csv"));
        assert!(same_file(&new1, &new2));
        assert!(!same_file(&a, &new1));
        assert!(!same_file(Path::new("-"), Path::new("-")));
    }
}
