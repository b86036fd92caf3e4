//! A compiled plugin: its module made ready to instantiate, which ABI
//! exports it has and the hooks it declared. Made once per load, shared by
//! every instance and thread; it holds no live state (see `plugin`).

use wasmtime::InstancePre;

use crate::cache::{compile, module_hash, CacheOutcome, ModuleCache, ModuleHash};
use crate::engine::shared_engine;
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::{AbiExport, ExportTable};
use crate::imports::{check_imports, shared_linker};
use crate::instance::PluginInstance;
use crate::store::{Limits, StoreState};

pub struct CompiledPlugin {
    pub pre: InstancePre<StoreState>,
    pub exports: ExportTable,
    /// The events its `hooks()` listed (read from its first instance).
    pub hooks: Vec<String>,
    /// Whether it imports WASI.
    pub wasi: bool,
    /// Size of the wasm in bytes.
    pub size: usize,
    /// Whether the compiled-module cache had it.
    pub cache: CacheOutcome,
    /// Time to compile it, or to load it from the cache.
    pub compile_ms: f64,
    /// Why the cache could not be written, if it could not.
    pub cache_error: Option<String>,
    /// The BLAKE3 hash of the wasm (the memo's keys start from it).
    pub module_hash: ModuleHash,
}

impl CompiledPlugin {
    /// Compiles (or takes from `cache`) `wasm` and checks its imports and
    /// exports. `hooks` is left empty: it needs an instance (see
    /// [`CompiledPlugin::read_hooks`]).
    pub fn compile(wasm: &[u8], cache: Option<&ModuleCache>) -> Result<Self> {
        // The structural limits are checked before compiling, in `compile`
        // (a cache entry exists only for a module that passed them).
        let compiled = compile(shared_engine(), wasm, cache)?;
        let module = compiled.module;
        let wasi = check_imports(&module)?;
        let exports = ExportTable::of(&module)?;
        let pre = shared_linker().instantiate_pre(&module).map_err(|e| {
            PluginError::new(ErrorCode::UnsupportedImport, format!("cannot link: {e:#}"))
        })?;
        Ok(CompiledPlugin {
            pre,
            exports,
            hooks: Vec::new(),
            wasi,
            size: wasm.len(),
            cache: compiled.outcome,
            compile_ms: compiled.millis,
            cache_error: compiled.cache_error,
            module_hash: compiled.module_hash.unwrap_or_else(|| module_hash(wasm)),
        })
    }

    /// A new instance, `_initialize`/`_start` run, then `configure` with
    /// `config` (JSON) when there is one. A `configure` that returns
    /// `(0, 0)` fails it with PLUGIN_ERROR.
    pub fn instantiate(
        &self,
        name: &str,
        limits: Limits,
        capture_limit: Option<usize>,
        config: Option<&str>,
    ) -> Result<PluginInstance> {
        let mut instance =
            PluginInstance::new(name, &self.pre, &self.exports, limits, capture_limit)?;
        if let Some(config) = config {
            crate::abi::configure(&mut instance, config).map_err(|e| e.with_plugin(name))?;
        }
        Ok(instance)
    }

    /// INVALID_OPTIONS when a config is given to a plugin without `configure`.
    pub fn check_config(&self, config: Option<&str>) -> Result<()> {
        if config.is_some() && !self.exports.has(AbiExport::Configure) {
            return Err(PluginError::new(
                ErrorCode::InvalidOptions,
                "was given a config, but does not export \"configure\" (configure(ptr i32, len i32) -> (ptr, len) takes it)",
            ));
        }
        Ok(())
    }

    /// Calls `hooks()` on `instance` and keeps the events, which must be a
    /// JSON array of strings.
    pub fn read_hooks(&mut self, instance: &mut PluginInstance) -> Result<()> {
        if !self.exports.has(AbiExport::Hooks) {
            return Ok(());
        }
        let text = crate::abi::call_getter(instance, AbiExport::Hooks).map_err(|e| {
            if e.code == ErrorCode::PluginError || e.code == ErrorCode::BadResult {
                PluginError::new(
                    ErrorCode::InvalidHooks,
                    format!("hooks() failed: {}", e.detail),
                )
                .with_export("hooks")
            } else {
                e
            }
        })?;
        self.hooks = serde_json::from_str::<Vec<String>>(&text).map_err(|_| {
            let shown: String = text.chars().take(80).collect();
            PluginError::new(
                ErrorCode::InvalidHooks,
                format!("hooks() must return a JSON array of strings, got: {shown}"),
            )
            .with_export("hooks")
        })?;
        Ok(())
    }
}
