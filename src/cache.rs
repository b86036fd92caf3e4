//! The on-disk cache of compiled modules.
//!
//! An entry is named by a BLAKE3 hash of the wasm's own BLAKE3 hash and of
//! the engine's compatibility hash (wasmtime version, target, compiler
//! settings), so a changed plugin or a new addon version never finds an old
//! entry. An entry is wasmtime's serialized module followed by a trailer:
//! the BLAKE3 hash of the wasm it was compiled from, the BLAKE3 hash of
//! everything before it, then [`MAGIC`]. A reader maps the file, checks the
//! trailer, checks that the entry was compiled from the very wasm being
//! loaded (so an entry copied or renamed to another entry's name never runs
//! in that plugin's place), and only then hands the bytes to wasmtime; a
//! torn, truncated, corrupt, misplaced or incompatible entry is compiled
//! anew and replaced. Only a regular file is read (a FIFO or device in the
//! folder cannot hang the load). Writers write a private temporary file and
//! rename it into place, so a reader never sees half a file, and two
//! processes writing the same entry at once are harmless. (The entry format
//! and the atomic write are `sealed`'s, shared with the disk memo.)

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

use wasmtime::{Engine, Module};

use crate::error::{one_line, ErrorCode, PluginError, Result};
use crate::files::open_regular;
use crate::sealed::{self, Durability, HASH_LEN};
use crate::validate::{check_structure, LIMITS};

/// The last bytes of every entry, after its checksum. (Version 1 entries had
/// no module hash; their names differ, so they are never read.)
const MAGIC: &[u8; 8] = b"ALLOYWC2";

/// The BLAKE3 hash of a module's wasm bytes: what an entry records as the
/// module it was compiled from.
pub type ModuleHash = [u8; HASH_LEN];

/// The hash an entry for `wasm` must record.
pub fn module_hash(wasm: &[u8]) -> ModuleHash {
    *blake3::hash(wasm).as_bytes()
}

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
    /// The wasm's hash, when the cache computed it (the disk memo's keys
    /// reuse it).
    pub module_hash: Option<ModuleHash>,
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
        self.entry_path_of(engine, &module_hash(wasm))
    }

    /// The entry's path for the module of hash `module` compiled by `engine`.
    fn entry_path_of(&self, engine: &Engine, module: &ModuleHash) -> PathBuf {
        let mut key = blake3::Hasher::new();
        key.update(b"alloy-wasm module cache v2\0");
        key.update(format!("{LIMITS:?}").as_bytes());
        engine
            .precompile_compatibility_hash()
            .hash(&mut Blake3Writer(&mut key));
        key.update(module);
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
        check_structure(wasm, &LIMITS)?;
        let module = compile_fresh(engine, wasm)?;
        return Ok(CompiledModule {
            module,
            outcome: CacheOutcome::Off,
            millis: elapsed_ms(started),
            cache_error: None,
            module_hash: None,
        });
    };
    let hash = module_hash(wasm);
    let path = cache.entry_path_of(engine, &hash);
    if let Some(module) = read_entry(engine, &path, &hash) {
        return Ok(CompiledModule {
            module,
            outcome: CacheOutcome::Hit,
            millis: elapsed_ms(started),
            cache_error: None,
            module_hash: Some(hash),
        });
    }
    // Only a module that passed these checks is ever written, and the
    // limits are part of the entry's name, so a hit skips them (a 381 KB
    // module's scan is about 3 ms, most of a warm load).
    check_structure(wasm, &LIMITS)?;
    let module = compile_fresh(engine, wasm)?;
    let millis = elapsed_ms(started);
    let cache_error = write_entry(&module, &hash, &path).err().map(|e| {
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
        module_hash: Some(hash),
    })
}

fn compile_fresh(engine: &Engine, wasm: &[u8]) -> Result<Module> {
    Module::new(engine, wasm).map_err(|e| invalid_module(wasm, &e))
}

/// The WebAssembly binary header: the magic number, then version 1.
const WASM_MAGIC: &[u8; 4] = b"\0asm";
const WASM_VERSION_1: &[u8; 4] = &[1, 0, 0, 0];
/// The longest detail an INVALID_MODULE error keeps of the compiler's text.
const MAX_DETAIL_CHARS: usize = 300;

/// The INVALID_MODULE error for `wasm`, which failed to compile with `err`:
/// one line that never quotes the file's content. A file that does not
/// start with the WebAssembly header is only said not to be WebAssembly
/// (the parser's own message lists its first bytes, which for a symlink to
/// `/proc/self/environ` or a key file would be secrets). Past a valid
/// header, the compiler's message is kept, on one line and shortened.
pub fn invalid_module(wasm: &[u8], err: &wasmtime::Error) -> PluginError {
    let detail = if wasm.is_empty() {
        "is empty, not a WebAssembly module".to_owned()
    } else if !wasm.starts_with(WASM_MAGIC) {
        "is not a WebAssembly module: it does not start with the WebAssembly magic number (\\0asm)"
            .to_owned()
    } else if wasm.get(4..8) != Some(WASM_VERSION_1) {
        "is not a WebAssembly 1.0 core module: its header has another version (a component, or a newer or damaged binary)"
            .to_owned()
    } else {
        format!(
            "is not a valid WebAssembly module: {}",
            one_line(&format!("{err:#}"), MAX_DETAIL_CHARS)
        )
    };
    PluginError::new(ErrorCode::InvalidModule, detail)
}

/// The module of a valid entry compiled from the module of hash `module`;
/// `None` when there is none or it cannot be used (it is then recompiled
/// and overwritten).
fn read_entry(engine: &Engine, path: &Path, module: &ModuleHash) -> Option<Module> {
    let (file, _) = open_regular(path).ok()?;
    // SAFETY: `open_regular` made sure this is a regular file (mapping a
    // device could map anything). An entry is never modified in place:
    // writers create a new file and rename it over the old name, which
    // leaves the inode mapped here untouched. The map lives only within this
    // function, and nothing is taken from it before its checksum has been
    // verified (see SECURITY.md: the cache folder must not be writable by
    // anyone the user does not trust, as for any folder holding code the
    // user runs).
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    let payload = verified_payload(&map, module)?;
    // SAFETY: `payload` is exactly the bytes `Module::serialize` produced for
    // this engine configuration from the wasm being loaded: the name binds
    // the entry to the engine's compatibility hash, the trailer records the
    // hash of the wasm it was compiled from (checked against this wasm), and
    // the BLAKE3 checksum over payload and module hash proves the entry is
    // whole and unchanged since it was written. wasmtime also checks its own
    // header and refuses a module from another version or configuration.
    // `deserialize` copies the bytes into memory it owns, so the module does
    // not outlive the map.
    unsafe { Module::deserialize(engine, payload) }.ok()
}

/// The serialized module of an entry whose trailer and checksum are right
/// and which was compiled from the module of hash `module`.
pub fn verified_payload<'a>(entry: &'a [u8], module: &ModuleHash) -> Option<&'a [u8]> {
    sealed::open(entry, module, MAGIC)
}

/// Writes an entry atomically: a private temporary file, then a rename.
fn write_entry(module: &Module, hash: &ModuleHash, path: &Path) -> std::io::Result<()> {
    let payload = module
        .serialize()
        .map_err(|e| std::io::Error::other(format!("{e:#}")))?;
    sealed::write(path, &payload, hash, MAGIC, Durability::Synced)
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
    use crate::sealed::checksum as entry_checksum;
    use std::fs;

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
        let hash = module_hash(&wasm);
        let mut resealed = vec![0u8; 64]; // a valid trailer over bytes wasmtime refuses
        resealed.extend_from_slice(&hash);
        resealed.extend_from_slice(&entry_checksum(&[0u8; 64], &hash));
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
        let module = module_hash(b"wasm");
        assert_eq!(verified_payload(b"", &module), None);
        let mut entry = b"abc".to_vec();
        entry.extend_from_slice(&module);
        entry.extend_from_slice(&entry_checksum(b"abc", &module));
        entry.extend_from_slice(MAGIC);
        assert_eq!(verified_payload(&entry, &module), Some(&b"abc"[..]));
        assert_eq!(
            verified_payload(&entry, &module_hash(b"other wasm")),
            None,
            "an entry of another module"
        );
        let last = entry.len() - 1;
        entry[last] = b'1';
        assert_eq!(verified_payload(&entry, &module), None);
    }

    /// The module each entry was compiled from: A's code must never run
    /// for B, whatever the entries are named.
    #[test]
    fn swapped_entries_are_recompiled_and_replaced() {
        let cache = temp_cache("swap");
        let a = wat::parse_str(WAT).unwrap();
        let b = wat::parse_str(WAT.replace("i32.const 16", "i32.const 32")).unwrap();
        compile(shared_engine(), &a, Some(&cache)).unwrap();
        compile(shared_engine(), &b, Some(&cache)).unwrap();
        let (path_a, path_b) = (
            cache.entry_path(shared_engine(), &a),
            cache.entry_path(shared_engine(), &b),
        );
        let (entry_a, entry_b) = (fs::read(&path_a).unwrap(), fs::read(&path_b).unwrap());
        fs::write(&path_a, &entry_b).unwrap();
        fs::write(&path_b, &entry_a).unwrap();
        for (wasm, path, good) in [(&a, &path_a, &entry_a), (&b, &path_b, &entry_b)] {
            let again = compile(shared_engine(), wasm, Some(&cache)).unwrap();
            assert_eq!(
                again.outcome,
                CacheOutcome::Miss,
                "a swapped entry is refused"
            );
            assert_eq!(&fs::read(path).unwrap(), good, "and replaced");
            let hit = compile(shared_engine(), wasm, Some(&cache)).unwrap();
            assert_eq!(hit.outcome, CacheOutcome::Hit);
        }
        fs::remove_dir_all(cache.dir()).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_that_is_not_a_regular_file_is_a_miss() {
        let cache = temp_cache("fifo");
        let wasm = wat::parse_str(WAT).unwrap();
        let path = cache.entry_path(shared_engine(), &wasm);
        fs::create_dir_all(cache.dir()).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        // A FIFO would block `open` for ever; it is refused, and the
        // compiled module is written over it.
        let compiled = compile(shared_engine(), &wasm, Some(&cache)).unwrap();
        assert_eq!(compiled.outcome, CacheOutcome::Miss);
        assert!(fs::metadata(&path).unwrap().is_file());
        fs::remove_dir_all(cache.dir()).unwrap();
    }

    #[test]
    fn invalid_modules_never_quote_their_content() {
        let engine = shared_engine();
        let secret = b"SECRET_TOKEN=hunter2\nPATH=/usr/bin\n".to_vec();
        let mut header_then_junk = b"\0asm\x01\0\0\0".to_vec();
        header_then_junk.extend_from_slice(b"\x7fSECRET");
        let component = b"\0asm\x0d\0\x01\0SECRET".to_vec();
        for wasm in [
            secret,
            Vec::new(),
            b"\0as".to_vec(),
            component,
            header_then_junk,
        ] {
            let err = compile(engine, &wasm, None).err().unwrap();
            assert_eq!(err.code, ErrorCode::InvalidModule);
            let message = err.message();
            assert!(!message.contains("SECRET"), "{message}");
            assert!(!message.contains("0x53"), "no byte of it either: {message}");
            assert!(!message.contains('\n'), "one line: {message:?}");
        }
    }
}
