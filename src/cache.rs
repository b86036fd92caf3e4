//! The on-disk cache of compiled modules.
//!
//! An entry is named by a BLAKE3 hash of the wasm bytes and of the engine's
//! compatibility hash (wasmtime version, target, compiler settings), so a
//! changed plugin or a new addon version never finds an old entry. An entry
//! is wasmtime's serialized module followed by a trailer: the BLAKE3 hash of
//! those bytes, then [`MAGIC`]. A reader maps the file, checks the trailer and
//! only then hands the bytes to wasmtime; a torn, truncated, corrupt or
//! incompatible entry is compiled anew and replaced. Writers write a private
//! temporary file and rename it into place, so a reader never sees half a
//! file, and two processes writing the same entry at once are harmless.

use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use wasmtime::{Engine, Module};

use crate::error::{ErrorCode, PluginError, Result};

/// The last bytes of every entry, after its checksum.
const MAGIC: &[u8; 8] = b"ALLOYWC1";
const CHECKSUM_LEN: usize = 32;
const TRAILER_LEN: usize = CHECKSUM_LEN + MAGIC.len();

/// Where a module came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from a valid cache entry.
    Hit,
    /// Compiled (no entry, or an entry that could not be used).
    Miss,
    /// Compiled; the host has no cache.
    Off,
}

impl CacheOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheOutcome::Hit => "hit",
            CacheOutcome::Miss => "miss",
            CacheOutcome::Off => "off",
        }
    }
}

/// A compiled module and how it was obtained.
pub struct CompiledModule {
    pub module: Module,
    pub outcome: CacheOutcome,
    /// Time to compile it or load it from the cache.
    pub millis: f64,
    /// Why the cache could not be read or written, when it could not.
    pub cache_error: Option<String>,
}

/// A cache folder (created on first write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleCache {
    dir: PathBuf,
}

impl ModuleCache {
    pub fn new(dir: PathBuf) -> Self {
        ModuleCache { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry's path for `wasm` compiled by `engine`.
    pub fn entry_path(&self, engine: &Engine, wasm: &[u8]) -> PathBuf {
        let mut key = blake3::Hasher::new();
        key.update(b"alloy-wasm module cache v1\0");
        engine
            .precompile_compatibility_hash()
            .hash(&mut Blake3Writer(&mut key));
        key.update(&(wasm.len() as u64).to_le_bytes());
        key.update(wasm);
        self.dir
            .join(format!("{}.cwasm", &key.finalize().to_hex()[..40]))
    }
}

/// Compiles `wasm`, or loads it from `cache` when it holds a valid entry.
pub fn compile(
    engine: &Engine,
    wasm: &[u8],
    cache: Option<&ModuleCache>,
) -> Result<CompiledModule> {
    let started = Instant::now();
    let Some(cache) = cache else {
        let module = compile_fresh(engine, wasm)?;
        return Ok(CompiledModule {
            module,
            outcome: CacheOutcome::Off,
            millis: elapsed_ms(started),
            cache_error: None,
        });
    };
    let path = cache.entry_path(engine, wasm);
    if let Some(module) = read_entry(engine, &path) {
        return Ok(CompiledModule {
            module,
            outcome: CacheOutcome::Hit,
            millis: elapsed_ms(started),
            cache_error: None,
        });
    }
    let module = compile_fresh(engine, wasm)?;
    let millis = elapsed_ms(started);
    let cache_error = write_entry(&module, &path).err().map(|e| {
        format!(
            "could not write the compiled-module cache entry {}: {e}",
            path.display()
        )
    });
    Ok(CompiledModule {
        module,
        outcome: CacheOutcome::Miss,
        millis,
        cache_error,
    })
}

fn compile_fresh(engine: &Engine, wasm: &[u8]) -> Result<Module> {
    Module::new(engine, wasm).map_err(|e| {
        PluginError::new(
            ErrorCode::InvalidModule,
            format!("is not a valid WebAssembly module: {e:#}"),
        )
    })
}

/// The module of a valid entry; `None` when there is none or it cannot be
/// used (it is then recompiled and overwritten).
fn read_entry(engine: &Engine, path: &Path) -> Option<Module> {
    let file = File::open(path).ok()?;
    // SAFETY: an entry is never modified in place: writers create a new file
    // and rename it over the old name, which leaves the inode mapped here
    // untouched. The map lives only within this function, and nothing is
    // taken from it before its checksum has been verified (see SECURITY.md:
    // the cache folder must not be writable by anyone the user does not
    // trust, as for any folder holding code the user runs).
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    let payload = verified_payload(&map)?;
    // SAFETY: `payload` is exactly the bytes `Module::serialize` produced for
    // this engine configuration: the name binds the entry to the engine's
    // compatibility hash, and the BLAKE3 checksum over the payload proves it
    // is whole and unchanged since it was written. wasmtime also checks its
    // own header and refuses a module from another version or configuration.
    // `deserialize` copies the bytes into memory it owns, so the module does
    // not outlive the map.
    unsafe { Module::deserialize(engine, payload) }.ok()
}

/// The serialized module of an entry whose trailer and checksum are right.
pub fn verified_payload(entry: &[u8]) -> Option<&[u8]> {
    let body_len = entry.len().checked_sub(TRAILER_LEN)?;
    let (payload, trailer) = entry.split_at(body_len);
    let (checksum, magic) = trailer.split_at(CHECKSUM_LEN);
    if magic != MAGIC || blake3::hash(payload).as_bytes() != checksum {
        return None;
    }
    Some(payload)
}

/// Writes an entry atomically: a private temporary file, then a rename.
fn write_entry(module: &Module, path: &Path) -> std::io::Result<()> {
    let payload = module
        .serialize()
        .map_err(|e| std::io::Error::other(format!("{e:#}")))?;
    let dir = path.parent().expect("an entry path has a folder");
    fs::create_dir_all(dir)?;
    let temp = temp_path(path);
    let written = (|| {
        let mut file = File::create(&temp)?;
        file.write_all(&payload)?;
        file.write_all(blake3::hash(&payload).as_bytes())?;
        file.write_all(MAGIC)?;
        file.sync_data()?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

/// A temporary name beside `path`, unique to this process and write.
fn temp_path(path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut name = path.file_name().expect("a file name").to_os_string();
    name.push(format!(".{}-{n}.tmp", std::process::id()));
    path.with_file_name(name)
}

fn elapsed_ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// Feeds `Hash` implementations into BLAKE3.
struct Blake3Writer<'a>(&'a mut blake3::Hasher);

impl Hasher for Blake3Writer<'_> {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("only used to feed bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::shared_engine;

    const WAT: &str = r#"(module (memory (export "memory") 1)
        (func (export "alloc") (param i32) (result i32) i32.const 16))"#;

    fn temp_cache(tag: &str) -> ModuleCache {
        let dir =
            std::env::temp_dir().join(format!("alloy-cache-test-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        ModuleCache::new(dir)
    }

    #[test]
    fn miss_then_hit() {
        let cache = temp_cache("hit");
        let wasm = wat::parse_str(WAT).unwrap();
        let first = compile(shared_engine(), &wasm, Some(&cache)).unwrap();
        assert_eq!(first.outcome, CacheOutcome::Miss);
        assert_eq!(first.cache_error, None);
        let second = compile(shared_engine(), &wasm, Some(&cache)).unwrap();
        assert_eq!(second.outcome, CacheOutcome::Hit);
        assert!(second.module.get_export("alloc").is_some());
        fs::remove_dir_all(cache.dir()).unwrap();
    }

    #[test]
    fn a_different_module_is_a_different_entry() {
        let cache = temp_cache("key");
        let a = wat::parse_str(WAT).unwrap();
        let b = wat::parse_str(WAT.replace("i32.const 16", "i32.const 32")).unwrap();
        assert_ne!(
            cache.entry_path(shared_engine(), &a),
            cache.entry_path(shared_engine(), &b)
        );
    }

    #[test]
    fn damaged_entries_are_recompiled_and_replaced() {
        let cache = temp_cache("damaged");
        let wasm = wat::parse_str(WAT).unwrap();
        compile(shared_engine(), &wasm, Some(&cache)).unwrap();
        let path = cache.entry_path(shared_engine(), &wasm);
        let good = fs::read(&path).unwrap();
        let mut flipped = good.clone();
        flipped[good.len() / 2] ^= 0x40;
        let truncated = good[..good.len() - 1].to_vec();
        let mut resealed = vec![0u8; 64]; // a valid trailer over bytes wasmtime refuses
        resealed.extend_from_slice(blake3::hash(&[0u8; 64]).as_bytes());
        resealed.extend_from_slice(MAGIC);
        for damaged in [flipped, truncated, resealed, Vec::new()] {
            fs::write(&path, &damaged).unwrap();
            let again = compile(shared_engine(), &wasm, Some(&cache)).unwrap();
            assert_eq!(again.outcome, CacheOutcome::Miss);
            assert_eq!(fs::read(&path).unwrap(), good, "the entry is replaced");
        }
        fs::remove_dir_all(cache.dir()).unwrap();
    }

    #[test]
    fn payload_check() {
        assert_eq!(verified_payload(b""), None);
        let mut entry = b"abc".to_vec();
        entry.extend_from_slice(blake3::hash(b"abc").as_bytes());
        entry.extend_from_slice(MAGIC);
        assert_eq!(verified_payload(&entry), Some(&b"abc"[..]));
        let last = entry.len() - 1;
        entry[last] = b'2';
        assert_eq!(verified_payload(&entry), None);
    }
}
