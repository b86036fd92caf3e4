//! The disk memo (`memoize: { dir }`): memoized outputs kept in a folder,
//! so the next build of an unchanged site finds them.
//!
//! * **Entries.** One file per output, named by its key in hex
//!   (`<64 hex>.memo`), sealed like a compiled-module cache entry (`sealed`:
//!   the output, the key it was written for, a BLAKE3 checksum, a magic with
//!   the format's version) and written the same way: a private temporary
//!   file renamed into place, so a reader never sees half an entry and two
//!   builds writing the same entry at once are harmless. A torn, truncated,
//!   corrupt or foreign entry (another format or version, or written for
//!   another key and copied or renamed over this name) is a miss; the output
//!   is computed again and the entry rewritten. Only regular files are read.
//! * **Index.** The folder is listed once, when the host starts: an
//!   in-memory index of the keys present (names only: 3.6 ms for 2,000
//!   entries; their sizes and times are read by the writer thread, see
//!   below). A miss then costs a map lookup and no system call, on whatever
//!   thread asked (the JS thread for sync and inline calls, a worker for
//!   worker calls and `filterMany`). A hit costs a stat, an open, a read and
//!   a close (and, once per entry per host, setting its time). Entries
//!   another build writes after this host started are not in its index: it
//!   computes them once more and rewrites them (same bytes; renames are
//!   atomic).
//! * **Writes** run on one background thread, fed through a queue, so a
//!   miss on the JS thread does not wait for the file system: a write (a
//!   file created, written and renamed) took 0.5 to 2 ms on the 2-core
//!   test machine, 20 to 80 times a 5 KB call of a simple filter. The queue
//!   holds at most [`QUEUE_BYTES`] of outputs; past that a caller waits for
//!   the writer, so memory stays bounded. No `fsync`: after a machine crash
//!   an entry may be torn, and its checksum then makes it a miss. `stats`
//!   waits until the queue is empty, and the host's `close` until the
//!   writer has written it all and stopped, so a build's entries are on
//!   disk when its host is closed.
//! * **Eviction.** The folder is bounded by `mb`: least recently used first,
//!   where "used" is the file's modification time. A hit sets it to now
//!   (once per entry per host, on the file already open), so across builds
//!   the entries a build still uses outlive those it no longer does. The
//!   writer's first job reads the listed entries' sizes and times, orders
//!   the index by them and trims a folder over budget; after that the bound
//!   is kept after each write. Two builds writing at once each keep it
//!   over what they know, so together they can pass it until the next start
//!   trims the folder. A small index file was the alternative: it would have
//!   to be locked and rewritten by every build, and could itself be torn;
//!   the files' own times cannot disagree with the files.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use lru::LruCache;

use crate::files::open_regular;
use crate::memo::MemoKey;
use crate::sealed::{self, Durability, TEMP_SUFFIX, TRAILER_LEN};

/// The last bytes of every entry: the format and its version.
const MAGIC: &[u8; 8] = b"ALLOYMO1";
/// The extension of an entry's file.
const EXTENSION: &str = ".memo";
/// Bytes of outputs that may wait in the queue before a caller waits for
/// the writer.
pub const QUEUE_BYTES: usize = 32 << 20;
/// A temporary file older than this was left by a build that died while
/// writing; it is removed when the folder is listed.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// The counters of a disk memo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiskMemoStats {
    /// Entries in the index, and their bytes on disk.
    pub entries: u64,
    pub bytes: u64,
    /// Lookups answered from the folder, and those it could not answer (no
    /// entry, or one that was unreadable, damaged or foreign).
    pub hits: u64,
    pub misses: u64,
    /// Entries written, and writes that failed.
    pub writes: u64,
    pub errors: u64,
    /// Why the last write failed, when one did.
    pub last_error: Option<String>,
}

pub struct DiskMemo {
    shared: Arc<Shared>,
    /// Taken when the memo is dropped.
    writer: Mutex<Option<Writer>>,
}

struct Shared {
    dir: PathBuf,
    limit_bytes: u64,
    state: Mutex<State>,
    /// Signalled when the writer takes bytes off the queue.
    drained: Condvar,
}

struct State {
    /// The entries present, least recently used first.
    index: LruCache<MemoKey, Entry>,
    bytes: u64,
    /// Keys queued for writing, and their outputs' bytes.
    pending: HashSet<MemoKey>,
    queued_bytes: usize,
    stats: DiskMemoStats,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    size: u64,
    /// Its modification time is already this host's (written or touched).
    touched: bool,
}

struct Writer {
    queue: Sender<Job>,
    thread: JoinHandle<()>,
}

enum Job {
    /// The first job: the listed entries' sizes and times, and the
    /// temporary files found beside them.
    Scan(Vec<PathBuf>),
    Write(MemoKey, String),
    Flush(Sender<()>),
}

impl DiskMemo {
    /// Opens (creating it when missing) the folder `dir` holding at most
    /// `limit_bytes` and lists its entries' names: what a lookup needs. The
    /// writer thread then reads their sizes and times, orders them, trims the
    /// folder to the budget and removes stale temporary files, before its
    /// first write (listing 2,000 entries with their metadata took 60 ms on
    /// the JS thread; names alone take a few).
    pub fn open(dir: PathBuf, limit_bytes: u64) -> io::Result<Self> {
        fs::create_dir_all(&dir)?;
        let mut index = LruCache::unbounded();
        let mut temps = Vec::new();
        for item in fs::read_dir(&dir)? {
            let Ok(item) = item else { continue };
            // The type of the folder entry itself (no system call on most
            // file systems): a symlink or anything but a regular file is
            // not an entry, and is never opened.
            let Ok(kind) = item.file_type() else { continue };
            if !kind.is_file() {
                continue;
            }
            let name = item.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(key) = key_of(name) {
                let entry = Entry {
                    size: 0, // until the scan
                    touched: false,
                };
                index.put(key, entry);
            } else if name.ends_with(TEMP_SUFFIX) {
                temps.push(item.path());
            }
        }
        let state = State {
            index,
            bytes: 0,
            pending: HashSet::new(),
            queued_bytes: 0,
            stats: DiskMemoStats::default(),
        };
        let shared = Arc::new(Shared {
            dir,
            limit_bytes,
            state: Mutex::new(state),
            drained: Condvar::new(),
        });
        let writer = Writer::start(Arc::clone(&shared))?;
        writer
            .queue
            .send(Job::Scan(temps))
            .map_err(|_| io::Error::other("the memo's writer thread stopped"))?;
        Ok(DiskMemo {
            shared,
            writer: Mutex::new(Some(writer)),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The output kept for `key`, if the index has it and its entry is
    /// whole; an entry that is not is dropped from the index (and rewritten
    /// by the next `put`).
    pub fn get(&self, key: &MemoKey) -> Option<String> {
        let shared = &self.shared;
        let entry = {
            let mut state = shared.lock();
            match state.index.get(key).copied() {
                Some(entry) => entry,
                None => {
                    state.stats.misses += 1;
                    return None;
                }
            }
        };
        let read = shared.read(key, !entry.touched);
        let mut state = shared.lock();
        match read {
            Some(output) => {
                state.stats.hits += 1;
                if let Some(entry) = state.index.peek_mut(key) {
                    entry.touched = true;
                }
                Some(output)
            }
            None => {
                if let Some(gone) = state.index.pop(key) {
                    state.bytes = state.bytes.saturating_sub(gone.size);
                }
                state.stats.misses += 1;
                None
            }
        }
    }

    /// Queues `output` to be written for `key`, unless the index has it or
    /// it is already queued, or it alone is over the budget. Waits while the
    /// queue holds more than [`QUEUE_BYTES`].
    pub fn put(&self, key: MemoKey, output: &str) {
        if (output.len() + TRAILER_LEN) as u64 > self.shared.limit_bytes {
            return;
        }
        {
            let mut state = self.shared.lock();
            while state.queued_bytes > QUEUE_BYTES {
                state = self
                    .shared
                    .drained
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner());
            }
            if state.index.contains(&key) || !state.pending.insert(key) {
                return;
            }
            state.queued_bytes += output.len();
        }
        if self.send(Job::Write(key, output.to_owned())).is_err() {
            let mut state = self.shared.lock();
            state.pending.remove(&key);
            state.queued_bytes -= output.len();
            state.stats.errors += 1;
            state.stats.last_error =
                Some("not written: the memo folder's writer was stopped (host closed)".into());
            self.shared.drained.notify_all();
        }
    }

    /// Waits until every write queued so far is done.
    pub fn flush(&self) {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let Some(writer) = writer.as_ref() else {
            return;
        };
        let (done, wait) = mpsc::channel();
        if writer.queue.send(Job::Flush(done)).is_ok() {
            let _ = wait.recv();
        }
    }

    /// Lets the writer finish the queued writes, then stops it. Later
    /// lookups still read the folder; later writes are dropped (counted in
    /// `errors`).
    pub fn close(&self) {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(Writer { queue, thread }) = writer {
            drop(queue);
            let _ = thread.join();
        }
    }

    /// The counters, after the queued writes are done.
    pub fn stats(&self) -> DiskMemoStats {
        self.flush();
        let state = self.shared.lock();
        DiskMemoStats {
            entries: state.index.len() as u64,
            bytes: state.bytes,
            ..state.stats.clone()
        }
    }

    fn send(&self, job: Job) -> Result<(), ()> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let queue = writer.as_ref().ok_or(())?.queue.clone();
        drop(writer);
        queue.send(job).map_err(|_| ())
    }
}

impl Drop for DiskMemo {
    fn drop(&mut self) {
        self.close();
    }
}

impl Writer {
    fn start(shared: Arc<Shared>) -> io::Result<Self> {
        let (queue, jobs) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("alloy-wasm memo writer".into())
            .spawn(move || shared.write_all(jobs))?;
        Ok(Writer { queue, thread })
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The index is a cache of the folder: a panic holding the lock can at
        // worst make it miss or count wrong.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn path(&self, key: &MemoKey) -> PathBuf {
        self.dir
            .join(format!("{}{EXTENSION}", blake3::Hash::from(*key).to_hex()))
    }

    /// The output of the entry for `key` when it is a regular file, whole,
    /// written for `key` and UTF-8; sets its modification time to now when
    /// `touch`.
    fn read(&self, key: &MemoKey, touch: bool) -> Option<String> {
        let (file, meta) = open_regular(&self.path(key)).ok()?;
        if meta.len() > self.limit_bytes {
            return None;
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        (&file)
            .take(self.limit_bytes)
            .read_to_end(&mut bytes)
            .ok()?;
        let len = sealed::open(&bytes, key, MAGIC)?.len();
        bytes.truncate(len);
        let output = String::from_utf8(bytes).ok()?;
        if touch {
            touch_file(&file);
        }
        Some(output)
    }

    /// The writer thread: runs the jobs until every queue handle is gone.
    fn write_all(&self, jobs: Receiver<Job>) {
        for job in jobs {
            match job {
                Job::Scan(temps) => self.scan(temps),
                Job::Write(key, output) => self.write(key, &output),
                Job::Flush(done) => {
                    let _ = done.send(());
                }
            }
        }
    }

    /// Reads the listed entries' sizes and times: the index is ordered by
    /// time of last use (an entry already hit by this host stays the most
    /// recent) and trimmed to the budget. Stale temporary files are removed.
    fn scan(&self, temps: Vec<PathBuf>) {
        let now = SystemTime::now();
        for temp in temps {
            if let Ok(meta) = fs::symlink_metadata(&temp) {
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                if meta.is_file() && now.duration_since(modified).unwrap_or_default() > STALE_TEMP {
                    let _ = fs::remove_file(&temp);
                }
            }
        }
        let keys: Vec<MemoKey> = self.lock().index.iter().map(|(key, _)| *key).collect();
        let mut found = Vec::with_capacity(keys.len());
        let mut gone = Vec::new();
        for key in keys {
            match fs::symlink_metadata(self.path(&key)) {
                Ok(meta) if meta.is_file() => {
                    let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    found.push((modified, key, meta.len()));
                }
                _ => gone.push(key),
            }
        }
        // Newest first: each demoted entry goes behind the ones before it,
        // so the oldest ends up the least recently used.
        found.sort_unstable_by(|a, b| b.cmp(a));
        let victims = {
            let mut state = self.lock();
            for key in gone {
                state.index.pop(&key);
            }
            for (_, key, size) in found {
                let Some(entry) = state.index.peek_mut(&key) else {
                    continue; // dropped by a failed read meanwhile
                };
                entry.size = size;
                let touched = entry.touched;
                state.bytes += size;
                if !touched {
                    state.index.demote(&key);
                }
            }
            self.evict(&mut state)
        };
        self.remove(victims);
    }

    fn write(&self, key: MemoKey, output: &str) {
        let path = self.path(&key);
        let written = sealed::write(&path, output.as_bytes(), &key, MAGIC, Durability::Unsynced);
        let victims = {
            let mut state = self.lock();
            state.pending.remove(&key);
            state.queued_bytes -= output.len();
            self.drained.notify_all();
            match written {
                Ok(()) => {
                    let size = (output.len() + TRAILER_LEN) as u64;
                    let entry = Entry {
                        size,
                        touched: true,
                    };
                    if let Some(old) = state.index.put(key, entry) {
                        state.bytes = state.bytes.saturating_sub(old.size);
                    }
                    state.bytes += size;
                    state.stats.writes += 1;
                    self.evict(&mut state)
                }
                Err(e) => {
                    state.stats.errors += 1;
                    state.stats.last_error = Some(format!(
                        "could not write the memo entry {}: {e}",
                        path.display()
                    ));
                    Vec::new()
                }
            }
        };
        self.remove(victims);
    }

    /// Takes the least recently used entries out of the index until it fits
    /// the budget; their files are for [`Shared::remove`], after the lock.
    fn evict(&self, state: &mut State) -> Vec<MemoKey> {
        let mut victims = Vec::new();
        while state.bytes > self.limit_bytes {
            let Some((key, entry)) = state.index.pop_lru() else {
                break;
            };
            state.bytes = state.bytes.saturating_sub(entry.size);
            victims.push(key);
        }
        victims
    }

    fn remove(&self, victims: Vec<MemoKey>) {
        for key in victims {
            // Gone already (another build evicted it) is fine.
            let _ = fs::remove_file(self.path(&key));
        }
    }
}

/// The key an entry's file name stands for; `None` for any other name.
fn key_of(name: &str) -> Option<MemoKey> {
    let hex = name.strip_suffix(EXTENSION)?;
    if hex.len() != 64 {
        return None;
    }
    blake3::Hash::from_hex(hex).ok().map(|h| *h.as_bytes())
}

/// Marks `file` as used now, for eviction. Failing (a read-only folder,
/// a file of another user) only makes it look older.
fn touch_file(file: &File) {
    let _ = file.set_modified(SystemTime::now());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("alloy-disk-memo-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn key(n: u32) -> MemoKey {
        *blake3::hash(&n.to_le_bytes()).as_bytes()
    }

    #[test]
    fn entry_names_round_trip() {
        let k = key(1);
        let dir = temp_dir("names");
        let memo = DiskMemo::open(dir.clone(), 1 << 20).unwrap();
        let path = memo.shared.path(&k);
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(key_of(name), Some(k));
        assert_eq!(key_of("x.memo"), None);
        assert_eq!(key_of(&name.replace(".memo", ".tmp")), None);
        drop(memo);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn written_entries_are_found_by_the_next_host() {
        let dir = temp_dir("persist");
        let memo = DiskMemo::open(dir.clone(), 1 << 20).unwrap();
        assert_eq!(memo.get(&key(1)), None);
        memo.put(key(1), "one");
        memo.put(key(1), "one"); // queued once
        let stats = memo.stats();
        assert_eq!((stats.writes, stats.misses, stats.entries), (1, 1, 1));
        drop(memo);
        let again = DiskMemo::open(dir.clone(), 1 << 20).unwrap();
        assert_eq!(again.get(&key(1)).as_deref(), Some("one"));
        assert_eq!(again.get(&key(2)), None);
        let stats = again.stats();
        assert_eq!((stats.hits, stats.misses, stats.writes), (1, 1, 0));
        drop(again);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn close_writes_what_is_queued_then_writes_nothing() {
        let dir = temp_dir("close");
        let memo = DiskMemo::open(dir.clone(), 1 << 20).unwrap();
        for n in 0..50 {
            memo.put(key(n), "queued");
        }
        memo.close();
        assert_eq!(
            memo.shared.lock().stats.writes,
            50,
            "all written before close returns"
        );
        memo.put(key(99), "late");
        memo.close(); // twice is fine
        let stats = memo.stats();
        assert_eq!((stats.writes, stats.errors), (50, 1));
        assert!(stats.last_error.unwrap().contains("host closed"));
        assert_eq!(memo.get(&key(1)).as_deref(), Some("queued"), "still read");
        drop(memo);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn damaged_or_foreign_entries_are_misses_and_rewritten() {
        let dir = temp_dir("damaged");
        let memo = DiskMemo::open(dir.clone(), 1 << 20).unwrap();
        memo.put(key(1), "one");
        memo.put(key(2), "two");
        memo.flush();
        let path = memo.shared.path(&key(1));
        let good = fs::read(&path).unwrap();
        drop(memo);
        let mut flipped = good.clone();
        flipped[0] ^= 1;
        let mut other_magic = good.clone();
        let last = other_magic.len() - 1;
        other_magic[last] = b'9';
        let truncated = good[..good.len() - 1].to_vec();
        let foreign =
            fs::read(dir.join(format!("{}.memo", blake3::Hash::from(key(2)).to_hex()))).unwrap();
        let mut not_utf8 = vec![0xff];
        not_utf8.extend_from_slice(&key(1));
        not_utf8.extend_from_slice(&sealed::checksum(&[0xff], &key(1)));
        not_utf8.extend_from_slice(MAGIC);
        for damaged in [
            flipped,
            other_magic,
            truncated,
            foreign,
            not_utf8,
            Vec::new(),
        ] {
            fs::write(&path, &damaged).unwrap();
            let memo = DiskMemo::open(dir.clone(), 1 << 20).unwrap();
            assert_eq!(memo.get(&key(1)), None);
            memo.put(key(1), "one");
            let stats = memo.stats();
            assert_eq!((stats.misses, stats.writes), (1, 1));
            assert_eq!(fs::read(&path).unwrap(), good, "the entry is rewritten");
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_that_is_not_a_regular_file_is_not_read() {
        let dir = temp_dir("fifo");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.memo", blake3::Hash::from(key(1)).to_hex()));
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        let memo = DiskMemo::open(dir.clone(), 1 << 20).unwrap();
        assert_eq!(memo.get(&key(1)), None, "not listed, never opened");
        memo.put(key(1), "one");
        assert_eq!(memo.stats().writes, 1);
        assert!(fs::metadata(&path).unwrap().is_file(), "renamed over it");
        drop(memo);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stays_in_budget_evicting_the_least_recently_used() {
        let dir = temp_dir("evict");
        let output = "x".repeat(1000);
        let size = (1000 + TRAILER_LEN) as u64;
        let memo = DiskMemo::open(dir.clone(), 3 * size).unwrap();
        for n in 0..3 {
            memo.put(key(n), &output);
        }
        memo.flush();
        assert!(memo.get(&key(0)).is_some()); // 0 is now the most recent
        memo.put(key(3), &output); // evicts 1
        let stats = memo.stats();
        assert_eq!((stats.entries, stats.bytes), (3, 3 * size));
        assert!(!memo.shared.path(&key(1)).exists());
        assert!(memo.shared.path(&key(0)).exists());
        memo.put(key(9), &"y".repeat(3 * size as usize)); // alone over budget
        assert_eq!(memo.stats().writes, 4);
        drop(memo);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_folder_over_budget_is_trimmed_oldest_first_at_open() {
        let dir = temp_dir("trim");
        let output = "x".repeat(1000);
        let size = (1000 + TRAILER_LEN) as u64;
        let memo = DiskMemo::open(dir.clone(), 10 * size).unwrap();
        for n in 0..4 {
            memo.put(key(n), &output);
        }
        drop(memo);
        // Their ages: 3 oldest, then 2, 0, 1 (the most recent).
        let now = SystemTime::now();
        for (n, age) in [(3, 40), (2, 30), (0, 20), (1, 10)] {
            let path = dir.join(format!("{}.memo", blake3::Hash::from(key(n)).to_hex()));
            let file = File::options().write(true).open(path).unwrap();
            file.set_modified(now - Duration::from_secs(age)).unwrap();
        }
        let stale = dir.join("x.memo.1-1.tmp");
        fs::write(&stale, b"left by a dead build").unwrap();
        File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(now - 2 * STALE_TEMP)
            .unwrap();
        let fresh = dir.join("y.memo.1-2.tmp");
        fs::write(&fresh, b"being written").unwrap();
        let memo = DiskMemo::open(dir.clone(), 2 * size).unwrap();
        let stats = memo.stats();
        assert_eq!(stats.entries, 2);
        assert!(memo.get(&key(0)).is_some() && memo.get(&key(1)).is_some());
        assert!(memo.get(&key(2)).is_none() && memo.get(&key(3)).is_none());
        assert!(!memo.shared.path(&key(3)).exists());
        assert!(!stale.exists(), "a stale temporary file is removed");
        assert!(fresh.exists(), "a recent one may be another build's");
        drop(memo);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_hit_marks_the_entry_used_for_the_next_build() {
        let dir = temp_dir("touch");
        let memo = DiskMemo::open(dir.clone(), 1 << 20).unwrap();
        memo.put(key(1), "one");
        drop(memo);
        let path = dir.join(format!("{}.memo", blake3::Hash::from(key(1)).to_hex()));
        let old = SystemTime::now() - Duration::from_secs(3600 * 24);
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let memo = DiskMemo::open(dir.clone(), 1 << 20).unwrap();
        assert!(memo.get(&key(1)).is_some());
        let modified = fs::metadata(&path).unwrap().modified().unwrap();
        assert!(modified > old + Duration::from_secs(3600), "touched");
        drop(memo);
        fs::remove_dir_all(&dir).unwrap();
    }
}
