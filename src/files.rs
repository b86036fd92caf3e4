//! Opening and reading the files the host is pointed at (plugin `.wasm`
//! files, cache entries) so that a path that is not a plain file can neither
//! hang the host nor fill its memory.
//!
//! A FIFO blocks `open` until a writer appears, and `/dev/zero` never ends,
//! so a plain `fs::read` of such a path hangs (and `close()`, which waits for
//! the load, hangs with it). Here the path's metadata is checked before it is
//! opened (so a device is never even opened), the file is opened
//! non-blocking, and its metadata is checked again on the open handle
//! (`fstat`), which closes the race where the path is swapped in between.
//! Reads stop one byte past the size limit, so a file that grows while it
//! is read, or that reports a wrong size (`/proc` files report 0), is still
//! bounded.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Why a file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The path is not a regular file; the text says what it is.
    NotRegular(&'static str),
    /// The file holds more than the limit allows (`size` is at least
    /// `limit + 1`: what was seen before reading stopped).
    TooLarge {
        size: u64,
        limit: u64,
    },
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            ReadError::TooLarge { size, limit } => {
                write!(
                    f,
                    "it holds {size} bytes or more, over the limit of {limit}"
                )
            }
            ReadError::Io(e) => e.fmt(f),
        }
    }
}

/// What kind of file `meta` describes, for messages; `None` for a regular file.
pub fn not_regular(meta: &Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Opens `path` (following symlinks) if it is a regular file, without
/// blocking, and returns it with the metadata of the open handle.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    // Checked before opening: opening a device can have side effects (a
    // tape rewinds, a terminal becomes the controlling one).
    let before = fs::metadata(path).map_err(ReadError::Io)?;
    if let Some(what) = not_regular(&before) {
        return Err(ReadError::NotRegular(what));
    }
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // If the path was swapped for a FIFO since the check, O_NONBLOCK
        // makes `open` return at once instead of waiting for a writer, and
        // O_NOCTTY keeps a swapped-in terminal from becoming ours. Neither
        // changes how a regular file reads. (The libc crate has the
        // constants; std does not export them.)
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if let Some(what) = not_regular(&meta) {
        return Err(ReadError::NotRegular(what));
    }
    Ok((file, meta))
}

/// The bytes of the regular file at `path`, at most `limit` of them.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    let size = bytes.len() as u64;
    if size > limit {
        return Err(ReadError::TooLarge { size, limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("alloy-files-test-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reads_a_regular_file_within_the_limit() {
        let dir = temp_dir("regular");
        let path = dir.join("a.wasm");
        fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_regular(&path, 10).unwrap(), b"0123456789");
        let err = read_regular(&path, 9).unwrap_err();
        assert!(
            matches!(err, ReadError::TooLarge { size: 10, limit: 9 }),
            "{err}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_folders_and_missing_files() {
        let dir = temp_dir("folder");
        let err = read_regular(&dir, 100).unwrap_err();
        assert!(matches!(err, ReadError::NotRegular("a folder")), "{err}");
        let err = read_regular(&dir.join("missing"), 100).unwrap_err();
        assert!(matches!(err, ReadError::Io(_)), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_and_fifos_at_once() {
        let err = read_regular(Path::new("/dev/zero"), 100).unwrap_err();
        assert!(
            matches!(err, ReadError::NotRegular("a character device")),
            "{err}"
        );
        let dir = temp_dir("fifo");
        let fifo = dir.join("f.wasm");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        // Without the checks this open would wait for a writer forever.
        let err = read_regular(&fifo, 100).unwrap_err();
        assert!(
            matches!(err, ReadError::NotRegular("a FIFO (named pipe)")),
            "{err}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn files_that_misreport_their_size_are_still_bounded() {
        // /proc files report a size of 0 but have content.
        let err = read_regular(Path::new("/proc/self/maps"), 16).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { size: 17, .. }), "{err}");
    }
}
