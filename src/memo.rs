//! Opt-in memoization of pure plugins: a least-recently-used map from
//! (plugin, export, input) to output, bounded in bytes, and optionally a
//! folder that keeps the outputs between builds (`disk_memo`). Only
//! successful outputs are kept. Off unless the host is told a plugin is
//! pure, because a plugin may depend on state it keeps between calls.
//!
//! A plugin is identified by what determines its outputs, not by its name:
//! the BLAKE3 hash of its wasm bytes (the one the compiled-module cache
//! computes) and its config ([`MemoScope`]). So a plugin replaced under the
//! same name never answers with its predecessor's outputs, and an entry on
//! disk is found again by the next build of an unchanged site.

use std::sync::{Arc, Mutex};

use lru::LruCache;

use crate::cache::ModuleHash;
use crate::disk_memo::{DiskMemo, DiskMemoStats};
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::AbiExport;
use crate::settings::Settings;

/// A key: a BLAKE3 hash of plugin, config, export and input, so a 50 KB
/// input costs 32 bytes of key, not 50 KB.
pub type MemoKey = [u8; 32];

/// What one entry costs besides its output: the key and the map's own
/// bookkeeping (an estimate, so the bound holds within a few percent).
const ENTRY_OVERHEAD: usize = 32 + 64;

/// The version of the key derivation; a change to it (or to what a call's
/// output depends on in the host) must change this, so old disk entries are
/// never found.
const KEY_CONTEXT: &str = "alloy-wasm 2026 memo key v1";

/// What the keys of one plugin are derived from: its wasm's hash and its
/// config. Two plugins with the same bytes and config share their outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoScope([u8; 32]);

impl MemoScope {
    /// The scope of the plugin whose wasm hashes to `module`, configured with
    /// `config` (its bytes as given to the plugin; `None` when it has none).
    /// The only place a config enters a key.
    pub fn new(module: &ModuleHash, config: Option<&[u8]>) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key(KEY_CONTEXT);
        hasher.update(module);
        match config {
            None => {
                hasher.update(&[0]);
            }
            Some(bytes) => {
                hasher.update(&[1]);
                hasher.update(&(bytes.len() as u64).to_le_bytes());
                hasher.update(bytes);
            }
        }
        MemoScope(*hasher.finalize().as_bytes())
    }

    /// The key of calling `export` with `input`.
    pub fn key(&self, export: AbiExport, input: &[u8]) -> MemoKey {
        let mut hasher = blake3::Hasher::new_keyed(&self.0);
        hasher.update(export.name().as_bytes());
        hasher.update(&[0]);
        hasher.update(input);
        *hasher.finalize().as_bytes()
    }
}

/// The host's memo as one plugin uses it: the shared memo and the plugin's
/// scope.
#[derive(Clone)]
pub struct PluginMemo {
    memo: Arc<Memo>,
    scope: MemoScope,
}

impl PluginMemo {
    pub fn new(memo: Arc<Memo>, scope: MemoScope) -> Self {
        PluginMemo { memo, scope }
    }

    pub fn key(&self, export: AbiExport, input: &[u8]) -> MemoKey {
        self.scope.key(export, input)
    }

    pub fn get(&self, key: &MemoKey) -> Option<String> {
        self.memo.get(key)
    }

    pub fn put(&self, key: MemoKey, output: &str) {
        self.memo.put(key, output)
    }
}

pub struct Memo {
    limit_bytes: usize,
    state: Mutex<MemoState>,
    /// The folder behind the map (`memoize: { dir }`).
    disk: Option<DiskMemo>,
}

struct MemoState {
    entries: LruCache<MemoKey, String>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

/// Counters of a memo. `misses` are the lookups the in-memory map could not
/// answer; with a folder, each of them was then looked up there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoStats {
    pub entries: u64,
    pub bytes: u64,
    pub hits: u64,
    pub misses: u64,
    /// The folder's counters; all zero without one.
    pub disk: DiskMemoStats,
}

impl Memo {
    /// The memo `settings` ask for: `memoizeMb` in memory, in front of the
    /// folder of `memoize: { dir }` when there is one (created when missing;
    /// IO_ERROR when it cannot be, or cannot be listed).
    pub fn open(settings: &Settings) -> Result<Self> {
        let bytes = settings.memoize_mb.saturating_mul(1 << 20);
        let limit = usize::try_from(bytes).unwrap_or(usize::MAX);
        let Some(disk) = &settings.memoize_disk else {
            return Ok(Self::new(limit));
        };
        let folder = DiskMemo::open(disk.dir.clone(), disk.limit_bytes()).map_err(|e| {
            PluginError::new(
                ErrorCode::IoError,
                format!(
                    "cannot use the memo folder \"{}\" (memoize.dir): {e}",
                    disk.dir.display()
                ),
            )
        })?;
        Ok(Self::with_disk(limit, Some(folder)))
    }

    /// An in-memory memo of at most `limit_bytes`.
    pub fn new(limit_bytes: usize) -> Self {
        Self::with_disk(limit_bytes, None)
    }

    /// An in-memory memo of at most `limit_bytes` in front of `disk`.
    pub fn with_disk(limit_bytes: usize, disk: Option<DiskMemo>) -> Self {
        Memo {
            limit_bytes,
            state: Mutex::new(MemoState {
                entries: LruCache::unbounded(),
                bytes: 0,
                hits: 0,
                misses: 0,
            }),
            disk,
        }
    }

    /// The output kept for `key`, if any (and marks it recently used): from
    /// memory, else from the folder (and then kept in memory too).
    pub fn get(&self, key: &MemoKey) -> Option<String> {
        {
            let mut state = self.lock();
            if let Some(found) = state.entries.get(key).cloned() {
                state.hits += 1;
                return Some(found);
            }
            state.misses += 1;
        }
        let output = self.disk.as_ref()?.get(key)?;
        self.put_in_memory(*key, &output);
        Some(output)
    }

    /// Keeps `output` for `key`, in memory and in the folder.
    pub fn put(&self, key: MemoKey, output: &str) {
        self.put_in_memory(key, output);
        if let Some(disk) = &self.disk {
            disk.put(key, output);
        }
    }

    /// Keeps `output` in memory, evicting the least recently used entries
    /// until the total fits; an output larger than the whole budget is not
    /// kept.
    fn put_in_memory(&self, key: MemoKey, output: &str) {
        let cost = output.len() + ENTRY_OVERHEAD;
        if cost > self.limit_bytes {
            return;
        }
        let mut state = self.lock();
        if let Some(old) = state.entries.put(key, output.to_owned()) {
            state.bytes -= old.len() + ENTRY_OVERHEAD;
        }
        state.bytes += cost;
        while state.bytes > self.limit_bytes {
            match state.entries.pop_lru() {
                Some((_, evicted)) => state.bytes -= evicted.len() + ENTRY_OVERHEAD,
                None => break,
            }
        }
    }

    /// The counters, after the folder's queued writes are done (so a
    /// caller sees every write its calls caused).
    pub fn stats(&self) -> MemoStats {
        let disk = self.disk.as_ref().map(DiskMemo::stats).unwrap_or_default();
        let state = self.lock();
        MemoStats {
            entries: state.entries.len() as u64,
            bytes: state.bytes as u64,
            hits: state.hits,
            misses: state.misses,
            disk,
        }
    }

    /// Waits until the folder's queued writes are done, and stops its
    /// writer thread (when the host closes).
    pub fn close(&self) {
        if let Some(disk) = &self.disk {
            disk.close();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoState> {
        // A panic while holding this lock cannot break the map's invariants
        // badly enough to matter: at worst the byte count drifts.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(plugin: &str) -> MemoScope {
        MemoScope::new(blake3::hash(plugin.as_bytes()).as_bytes(), None)
    }

    #[test]
    fn keeps_and_returns_outputs() {
        let memo = Memo::new(10_000);
        let key = scope("p").key(AbiExport::Filter, b"in");
        assert_eq!(memo.get(&key), None);
        memo.put(key, "out");
        assert_eq!(memo.get(&key).as_deref(), Some("out"));
        let stats = memo.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
        assert_eq!(stats.disk, DiskMemoStats::default());
    }

    #[test]
    fn keys_differ_by_plugin_export_and_input() {
        let a = scope("p").key(AbiExport::Filter, b"x");
        assert_eq!(a, scope("p").key(AbiExport::Filter, b"x"));
        assert_ne!(a, scope("q").key(AbiExport::Filter, b"x"));
        assert_ne!(a, scope("p").key(AbiExport::Shortcode, b"x"));
        assert_ne!(a, scope("p").key(AbiExport::Filter, b"y"));
    }

    #[test]
    fn keys_differ_by_config() {
        let module = *blake3::hash(b"the wasm").as_bytes();
        let key =
            |config: Option<&[u8]>| MemoScope::new(&module, config).key(AbiExport::Filter, b"x");
        let none = key(None);
        assert_eq!(none, key(None));
        assert_eq!(key(Some(b"{\"a\":1}")), key(Some(b"{\"a\":1}")));
        assert_ne!(none, key(Some(b"")), "no config is not an empty config");
        assert_ne!(key(Some(b"{\"a\":1}")), key(Some(b"{\"a\":2}")));
        assert_ne!(key(Some(b"{}")), none);
        // The config's length is hashed, so it cannot run into the module.
        let other = *blake3::hash(b"other wasm").as_bytes();
        assert_ne!(
            MemoScope::new(&module, Some(b"ab")),
            MemoScope::new(&other, Some(b"ab"))
        );
    }

    #[test]
    fn evicts_least_recently_used_to_stay_in_budget() {
        let budget = 3 * (100 + ENTRY_OVERHEAD);
        let memo = Memo::new(budget);
        let keys: Vec<MemoKey> = (0..4)
            .map(|i| scope("p").key(AbiExport::Filter, i.to_string().as_bytes()))
            .collect();
        let output = "x".repeat(100);
        memo.put(keys[0], &output);
        memo.put(keys[1], &output);
        memo.put(keys[2], &output);
        assert!(memo.get(&keys[0]).is_some()); // 0 is now the most recent
        memo.put(keys[3], &output); // evicts 1, the least recently used
        assert!(memo.get(&keys[1]).is_none());
        assert!(memo.get(&keys[0]).is_some());
        assert!(memo.get(&keys[3]).is_some());
        assert!(memo.stats().bytes as usize <= budget);
    }

    #[test]
    fn an_output_over_the_budget_is_not_kept() {
        let memo = Memo::new(200);
        let key = scope("p").key(AbiExport::Filter, b"big");
        memo.put(key, &"y".repeat(500));
        assert_eq!(memo.get(&key), None);
        assert_eq!(memo.stats().bytes, 0);
    }
}
