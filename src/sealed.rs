//! Sealed entry files, shared by the compiled-module cache (`cache`) and the
//! disk memo (`disk_memo`): the format that lets a reader tell a whole,
//! unchanged entry written for what it is looking up from anything else, and
//! the atomic write.
//!
//! An entry is its payload followed by a trailer: a 32-byte hash the writer
//! records (what the entry was made for: the wasm's hash in the cache, the
//! memo key in the memo), the BLAKE3 hash of payload and recorded hash, then
//! an 8-byte magic naming the format and its version. A torn, truncated,
//! corrupt or foreign entry (another format, another version, made for
//! something else) fails [`open`]. Writers write a private temporary file
//! beside the entry and rename it into place, so a reader never sees half a
//! file and two processes writing the same entry at once are harmless.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub const HASH_LEN: usize = 32;
pub const MAGIC_LEN: usize = 8;
/// The bytes an entry holds besides its payload.
pub const TRAILER_LEN: usize = 2 * HASH_LEN + MAGIC_LEN;

/// The payload of `entry` when its trailer records `recorded`, its checksum
/// is right and it ends with `magic`; `None` otherwise.
pub fn open<'a>(
    entry: &'a [u8],
    recorded: &[u8; HASH_LEN],
    magic: &[u8; MAGIC_LEN],
) -> Option<&'a [u8]> {
    let body_len = entry.len().checked_sub(TRAILER_LEN)?;
    let (body, trailer) = entry.split_at(body_len);
    let (found, trailer) = trailer.split_at(HASH_LEN);
    let (sum, found_magic) = trailer.split_at(HASH_LEN);
    if found_magic != magic || found != recorded || sum != checksum(body, found) {
        return None;
    }
    Some(body)
}

/// The checksum of an entry: over the payload and the recorded hash, so
/// neither can be changed alone.
pub fn checksum(payload: &[u8], recorded: &[u8]) -> [u8; HASH_LEN] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(payload);
    hasher.update(recorded);
    *hasher.finalize().as_bytes()
}

/// Whether [`write`] waits for the data to reach the disk before the rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `fsync` the data first: after a crash the entry is whole or absent.
    Synced,
    /// No `fsync`: after a crash (of the machine, not the process) the entry
    /// may be torn; [`open`] then refuses it and it is written again.
    Unsynced,
}

/// Writes `payload` and its trailer to `path` atomically: a private
/// temporary file in the same folder (created when missing), then a rename.
/// The temporary file is removed when anything fails.
pub fn write(
    path: &Path,
    payload: &[u8],
    recorded: &[u8; HASH_LEN],
    magic: &[u8; MAGIC_LEN],
    durability: Durability,
) -> io::Result<()> {
    let dir = path.parent().expect("an entry path has a folder");
    fs::create_dir_all(dir)?;
    let temp = temp_path(path);
    let written = (|| {
        let mut file = File::create(&temp)?;
        file.write_all(payload)?;
        file.write_all(recorded)?;
        file.write_all(&checksum(payload, recorded))?;
        file.write_all(magic)?;
        if durability == Durability::Synced {
            file.sync_data()?;
        }
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

/// The suffix of every temporary file [`write`] makes.
pub const TEMP_SUFFIX: &str = ".tmp";

/// A temporary name beside `path`, unique to this process and write.
pub fn temp_path(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut name = path.file_name().expect("a file name").to_os_string();
    name.push(format!(".{}-{n}{TEMP_SUFFIX}", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: &[u8; MAGIC_LEN] = b"TESTMAG1";

    #[test]
    fn open_checks_trailer_record_checksum_and_magic() {
        let recorded = *blake3::hash(b"made for").as_bytes();
        assert_eq!(open(b"", &recorded, MAGIC), None);
        let mut entry = b"abc".to_vec();
        entry.extend_from_slice(&recorded);
        entry.extend_from_slice(&checksum(b"abc", &recorded));
        entry.extend_from_slice(MAGIC);
        assert_eq!(open(&entry, &recorded, MAGIC), Some(&b"abc"[..]));
        let other = *blake3::hash(b"something else").as_bytes();
        assert_eq!(open(&entry, &other, MAGIC), None, "made for another");
        assert_eq!(open(&entry, &recorded, b"TESTMAG2"), None, "another format");
        assert_eq!(open(&entry[1..], &recorded, MAGIC), None, "truncated");
        let mut flipped = entry.clone();
        flipped[1] ^= 1;
        assert_eq!(open(&flipped, &recorded, MAGIC), None, "corrupt");
    }

    #[test]
    fn write_is_whole_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("alloy-sealed-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join("nested").join("entry");
        let recorded = [7u8; HASH_LEN];
        for durability in [Durability::Synced, Durability::Unsynced] {
            write(&path, b"payload", &recorded, MAGIC, durability).unwrap();
            let bytes = fs::read(&path).unwrap();
            assert_eq!(open(&bytes, &recorded, MAGIC), Some(&b"payload"[..]));
        }
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("entry")]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
