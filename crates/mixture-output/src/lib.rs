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

/// A path as a message shows it: as it is, or, when it holds a control character (a newline
/// would split a one-line message, or read as a space once flattened), quoted with the
/// character escaped, so that every path reads back unambiguously.
///
/// # Examples
/// ```
/// use std::path::Path;
///
/// assert_eq!(mixture_output::shown(Path::new("data/x.csv")), "data/x.csv");
/// assert_eq!(mixture_output::shown(Path::new("a\nb.csv")), r#""a\nb.csv""#);
/// ```
pub fn shown(path: &Path) -> String {
    let text = path.to_string_lossy();
    if text.chars().any(char::is_control) {
        format!("{text:?}")
    } else {
        text.into_owned()
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
            // A new file, or the target of a dangling symbolic link (the link is kept).
            Err(e) if e.kind() == io::ErrorKind::NotFound => atomic(&resolved(path), None)?,
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
                file.persist(&dest).map_err(|e| without_path(e.error))?;
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

/// The longest file name most file systems take, in bytes.
const MAX_NAME_BYTES: usize = 255;

/// What a temporary name adds to the file name: `.`, `.`, 6 random characters, `.tmp`.
const TEMPORARY_EXTRA_BYTES: usize = 1 + 1 + 6 + 4;

/// The system's error without the temporary path `tempfile` adds to it.
fn without_path(e: io::Error) -> io::Error {
    if e.raw_os_error().is_some() {
        return e;
    }
    // `tempfile` wraps the system's error in one whose message ends "at path …".
    let text = e.to_string();
    let message = text.split(" at path ").next().unwrap_or(&text);
    io::Error::new(e.kind(), message.to_string())
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
    // The temporary name adds a dot, 6 random characters and `.tmp` to the file name: keep it
    // within the 255 bytes a name may have by shortening the file name's part of it.
    let name = name.to_string_lossy();
    let mut keep = name.len().min(MAX_NAME_BYTES - TEMPORARY_EXTRA_BYTES);
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    let prefix = format!(".{}.", &name[..keep]);
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(Permissions::from_mode(0o666));
    }
    // The temporary file's own path is no concern of the user's: its errors name none.
    let file = builder.tempfile_in(dir).map_err(without_path)?;
    Ok(Sink::Atomic {
        registered: Registered::new(file.path()),
        writer: BufWriter::new(file),
        dest: dest.to_path_buf(),
        mode,
    })
}

/// Checks, before any work is done, that [`Output::create`] could write `path`: not a
/// directory, and for a regular file (or one that does not exist yet) a directory that exists
/// and lets a file be made in it (a temporary file is made there and removed). Standard output,
/// devices and FIFOs are not opened (a FIFO would wait for its reader).
///
/// # Errors
/// `InvalidInput` for a directory or a path without a file name, else the system's error of
/// making a file in the directory.
pub fn check_writable(path: &Path) -> io::Result<()> {
    if is_standard(path) {
        return Ok(());
    }
    let path = resolved(path);
    match std::fs::metadata(&path) {
        Ok(m) if m.is_dir() => Err(invalid("is a directory")),
        Ok(m) if !m.is_file() => Ok(()),
        Ok(_) => atomic(&std::fs::canonicalize(&path)?, None).map(drop),
        Err(e) if e.kind() == io::ErrorKind::NotFound => atomic(&path, None).map(drop),
        Err(e) => Err(e),
    }
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
        // Neither exists yet: the same path once symbolic links (dangling ones too) are
        // followed, so that an output through a link to another output's path is found.
        (false, false) => absolute(&resolved(a)).is_some_and(|x| absolute(&resolved(b)) == Some(x)),
        _ => false,
    }
}

/// `path` with the symbolic links it is (a chain of them, dangling or not) followed, at most
/// 40 of them as the system does.
fn resolved(path: &Path) -> PathBuf {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        let Some(target) = is_link.then(|| std::fs::read_link(&path).ok()).flatten() else {
            break;
        };
        path = match path.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    path
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

    #[test]
    fn the_longest_legal_name_is_written_and_errors_name_no_temporary_file() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let name = format!("{}.csv", "é".repeat(125)); // 254 bytes, multibyte characters
        assert!(name.len() <= MAX_NAME_BYTES);
        let path = dir.path().join(&name);
        write_all(&path, b"1\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"1\n");
        assert!(temporaries(dir.path()).is_empty());
        let missing = dir.path().join("no-such-dir").join("x.csv");
        let e = write_all(&missing, b"1").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(!e.to_string().contains(".tmp"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn dangling_links_are_followed() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        let (target, link) = (dir.path().join("x.csv"), dir.path().join("link.csv"));
        std::os::unix::fs::symlink("x.csv", &link).unwrap();
        // Two outputs, one through a link to the other's path: the same file.
        assert!(same_file(&target, &link));
        assert!(!same_file(&dir.path().join("y.csv"), &link));
        // Written through the link: the target is made, the link stays.
        write_all(&link, b"2").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"2");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn outputs_are_checked_before_any_work() {
        let _serial = serial();
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            check_writable(dir.path()).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        let missing = check_writable(&dir.path().join("none").join("x.csv")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        let existing = dir.path().join("old.csv");
        std::fs::write(&existing, "old").unwrap();
        check_writable(&existing).unwrap();
        check_writable(&dir.path().join("new.csv")).unwrap();
        check_writable(Path::new("-")).unwrap();
        // The probe leaves nothing behind and changes nothing.
        assert!(temporaries(dir.path()).is_empty());
        assert_eq!(std::fs::read(&existing).unwrap(), b"old");
        assert!(!dir.path().join("new.csv").exists());
        #[cfg(unix)]
        {
            // A FIFO is not opened (it would wait for a reader).
            let fifo = dir.path().join("pipe");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                check_writable(&fifo).unwrap();
            }
        }
    }
}
