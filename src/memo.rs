//! Opt-in memoization of pure plugins: a least-recently-used map from
//! (plugin, export, input) to output, bounded in bytes. Only successful
//! outputs are kept. Off unless the host is told a plugin is pure, because a
//! plugin may depend on state it keeps between calls.

use std::sync::Mutex;

use lru::LruCache;

use crate::exports::AbiExport;

/// A key: the BLAKE3 hash of plugin, export and input, so a 50 KB input
/// costs 32 bytes of key, not 50 KB.
pub type MemoKey = [u8; 32];

/// What one entry costs besides its output: the key and the map's own
/// bookkeeping (an estimate, so the bound holds within a few percent).
const ENTRY_OVERHEAD: usize = 32 + 64;

pub struct Memo {
    limit_bytes: usize,
    state: Mutex<MemoState>,
}

struct MemoState {
    entries: LruCache<MemoKey, String>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

/// Counters of a memo.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoStats {
    pub entries: u64,
    pub bytes: u64,
    pub hits: u64,
    pub misses: u64,
}

impl Memo {
    pub fn new(limit_bytes: usize) -> Self {
        Memo {
            limit_bytes,
            state: Mutex::new(MemoState {
                entries: LruCache::unbounded(),
                bytes: 0,
                hits: 0,
                misses: 0,
            }),
        }
    }

    pub fn key(plugin: &str, export: AbiExport, input: &[u8]) -> MemoKey {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&(plugin.len() as u64).to_le_bytes());
        hasher.update(plugin.as_bytes());
        hasher.update(export.name().as_bytes());
        hasher.update(&[0]);
        hasher.update(input);
        *hasher.finalize().as_bytes()
    }

    /// The output kept for `key`, if any (and marks it recently used).
    pub fn get(&self, key: &MemoKey) -> Option<String> {
        let mut state = self.lock();
        let found = state.entries.get(key).cloned();
        if found.is_some() {
            state.hits += 1;
        } else {
            state.misses += 1;
        }
        found
    }

    /// Keeps `output` for `key`, evicting the least recently used entries
    /// until the total fits; an output larger than the whole budget is not
    /// kept.
    pub fn put(&self, key: MemoKey, output: &str) {
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

    pub fn stats(&self) -> MemoStats {
        let state = self.lock();
        MemoStats {
            entries: state.entries.len() as u64,
            bytes: state.bytes as u64,
            hits: state.hits,
            misses: state.misses,
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

    #[test]
    fn keeps_and_returns_outputs() {
        let memo = Memo::new(10_000);
        let key = Memo::key("p", AbiExport::Filter, b"in");
        assert_eq!(memo.get(&key), None);
        memo.put(key, "out");
        assert_eq!(memo.get(&key).as_deref(), Some("out"));
        let stats = memo.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
    }

    #[test]
    fn keys_differ_by_plugin_export_and_input() {
        let a = Memo::key("p", AbiExport::Filter, b"x");
        assert_ne!(a, Memo::key("q", AbiExport::Filter, b"x"));
        assert_ne!(a, Memo::key("p", AbiExport::Shortcode, b"x"));
        assert_ne!(a, Memo::key("p", AbiExport::Filter, b"y"));
        // The plugin name's length is hashed, so names cannot run into inputs.
        assert_ne!(
            Memo::key("ab", AbiExport::Filter, b"c"),
            Memo::key("a", AbiExport::Filter, b"bc")
        );
    }

    #[test]
    fn evicts_least_recently_used_to_stay_in_budget() {
        let budget = 3 * (100 + ENTRY_OVERHEAD);
        let memo = Memo::new(budget);
        let keys: Vec<MemoKey> = (0..4)
            .map(|i| Memo::key("p", AbiExport::Filter, i.to_string().as_bytes()))
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
        let key = Memo::key("p", AbiExport::Filter, b"big");
        memo.put(key, &"y".repeat(500));
        assert_eq!(memo.get(&key), None);
        assert_eq!(memo.stats().bytes, 0);
    }
}
