//! A compiled plugin: its module made ready to instantiate, which ABI
//! exports it has, the hooks it declared, and its pool of ready instances.

use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::InstancePre;

use crate::abi::{call_export, call_getter};
use crate::cache::{compile, CacheOutcome, ModuleCache};
use crate::engine::shared_engine;
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::{AbiExport, ExportTable};
use crate::imports::{check_imports, shared_linker};
use crate::instance::{Limits, PluginInstance, StoreState};
use crate::memo::Memo;
use crate::output::{CapturedOutput, OutputLog};
use crate::pool::{Checkout, InstancePool, PoolStats, RecyclePolicy};

/// How a host runs its plugins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginSettings {
    pub limits: Limits,
    /// Keep at most this many bytes of guest stdout/stderr; `None` discards.
    pub capture_output: Option<usize>,
    /// Idle instances to keep per plugin.
    pub max_idle_instances: usize,
    /// When an instance is replaced by a fresh one.
    pub recycle: RecyclePolicy,
}

/// What a plugin is loaded with besides its bytes.
pub struct LoadContext<'a> {
    pub settings: PluginSettings,
    /// The compiled-module cache, if the host has one.
    pub cache: Option<&'a ModuleCache>,
    /// The host's memo, if this plugin's outputs are to be memoized.
    pub memo: Option<Arc<Memo>>,
}

/// What `plugins()` tells about a plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginInfo {
    pub name: String,
    pub path: Option<PathBuf>,
    pub exports: Vec<String>,
    pub hooks: Vec<String>,
    pub wasi: bool,
    /// `"i64"` or `"multi-value"`; `None` when it has no ABI export.
    pub results: Option<&'static str>,
    /// Size of the wasm file in bytes.
    pub size: usize,
    /// Whether the compiled-module cache had it.
    pub cache: CacheOutcome,
    /// Time to compile it, or to load it from the cache.
    pub compile_ms: f64,
    /// Why the cache could not be written, if it could not.
    pub cache_error: Option<String>,
}

pub struct Plugin {
    name: String,
    path: Option<PathBuf>,
    exports: ExportTable,
    hooks: Vec<String>,
    wasi: bool,
    size: usize,
    cache: CacheOutcome,
    compile_ms: f64,
    cache_error: Option<String>,
    pre: InstancePre<StoreState>,
    settings: PluginSettings,
    pool: InstancePool,
    output: Option<OutputLog>,
    memo: Option<Arc<Memo>>,
}

impl Plugin {
    /// Compiles (or takes from `cache`) and checks a plugin, instantiates
    /// it once (running `_initialize`/`_start`) and reads its hooks. Every
    /// failure names the plugin.
    pub fn load(
        name: &str,
        wasm: &[u8],
        path: Option<PathBuf>,
        context: LoadContext<'_>,
    ) -> Result<Self> {
        Self::load_unnamed(name, wasm, path, context).map_err(|e| e.with_plugin(name))
    }

    fn load_unnamed(
        name: &str,
        wasm: &[u8],
        path: Option<PathBuf>,
        context: LoadContext<'_>,
    ) -> Result<Self> {
        let settings = context.settings;
        let compiled = compile(shared_engine(), wasm, context.cache)?;
        let module = compiled.module;
        let wasi = check_imports(&module)?;
        let exports = ExportTable::of(&module)?;
        let pre = shared_linker().instantiate_pre(&module).map_err(|e| {
            PluginError::new(ErrorCode::UnsupportedImport, format!("cannot link: {e:#}"))
        })?;
        let mut plugin = Plugin {
            name: name.to_owned(),
            path,
            exports,
            hooks: Vec::new(),
            wasi,
            size: wasm.len(),
            cache: compiled.outcome,
            compile_ms: compiled.millis,
            cache_error: compiled.cache_error,
            pre,
            settings,
            pool: InstancePool::new(settings.max_idle_instances, settings.recycle),
            output: settings.capture_output.map(OutputLog::new),
            memo: context.memo,
        };
        let mut first = plugin.pool.track_new(plugin.instantiate()?);
        if plugin.exports.has(AbiExport::Hooks) {
            plugin.hooks = read_hooks(&mut first)?;
        }
        plugin.collect_output(&mut first);
        plugin.pool.give_back(first);
        Ok(plugin)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn hooks(&self) -> &[String] {
        &self.hooks
    }

    pub fn has_export(&self, export: AbiExport) -> bool {
        self.exports.has(export)
    }

    pub fn info(&self) -> PluginInfo {
        PluginInfo {
            name: self.name.clone(),
            path: self.path.clone(),
            exports: self.exports.names().into_iter().map(String::from).collect(),
            hooks: self.hooks.clone(),
            wasi: self.wasi,
            results: self.exports.result_form().map(|f| f.as_str()),
            size: self.size,
            cache: self.cache,
            compile_ms: self.compile_ms,
            cache_error: self.cache_error.clone(),
        }
    }

    /// Calls `export` with `input` on a pooled instance (or answers from
    /// the memo, when the plugin is memoized).
    pub fn call(&self, export: AbiExport, input: &str) -> Result<String> {
        self.memoized(export, input, || {
            self.checkout()?
                .run(|inst| self.call_on(inst, export, input))
                .map_err(|e| e.with_plugin(&self.name))
        })
    }

    /// Calls `export` on each input in turn, on one instance, while `next`
    /// hands out indices; stops at the first error. Used by batch workers.
    pub fn call_each(
        &self,
        export: AbiExport,
        inputs: &[String],
        mut next: impl FnMut() -> Option<usize>,
        mut done: impl FnMut(usize, String),
    ) -> Result<()> {
        let mut checkout = None;
        while let Some(index) = next() {
            let input = inputs[index].as_str();
            let output = self
                .memoized(export, input, || {
                    if checkout.is_none() {
                        checkout = Some(self.checkout()?);
                    }
                    let instance = checkout.as_mut().expect("checked out above");
                    let result = instance.run(|inst| self.call_on(inst, export, input));
                    if result.is_err() || instance.is_due_for_recycling() {
                        checkout = None; // the next input takes another instance
                    }
                    result
                })
                .map_err(|e| e.with_plugin(&self.name).with_index(index))?;
            done(index, output);
        }
        Ok(())
    }

    /// What the plugin wrote to stdout/stderr since the last take; `None`
    /// when the host does not capture output.
    pub fn take_output(&self) -> Option<CapturedOutput> {
        self.output.as_ref().map(OutputLog::take)
    }

    /// What happened to this plugin's instances so far.
    pub fn pool_stats(&self) -> PoolStats {
        self.pool.stats()
    }

    /// One ABI call on a checked-out instance, its output collected after.
    fn call_on(&self, inst: &mut PluginInstance, export: AbiExport, input: &str) -> Result<String> {
        let result = call_export(inst, export, input.as_bytes());
        self.collect_output(inst);
        result
    }

    /// `call()`'s result from the memo, or computed and then remembered.
    fn memoized(
        &self,
        export: AbiExport,
        input: &str,
        compute: impl FnOnce() -> Result<String>,
    ) -> Result<String> {
        let Some(memo) = &self.memo else {
            return compute();
        };
        let key = Memo::key(&self.name, export, input);
        if let Some(output) = memo.get(&key) {
            return Ok(output);
        }
        let output = compute()?;
        memo.put(key, &output);
        Ok(output)
    }

    fn collect_output(&self, inst: &mut PluginInstance) {
        if let Some(log) = &self.output {
            log.collect(&mut inst.store.data_mut().wasi);
        }
    }

    /// Drops the idle instances (the host is closing).
    pub fn release_instances(&self) {
        self.pool.clear();
    }

    /// An instance from the pool, or a new one.
    fn checkout(&self) -> Result<Checkout<'_>> {
        self.pool
            .checkout(|| self.instantiate())
            .map_err(|e| e.with_plugin(&self.name))
    }

    fn instantiate(&self) -> Result<PluginInstance> {
        PluginInstance::new(
            &self.name,
            &self.pre,
            &self.exports,
            self.settings.limits,
            self.settings.capture_output,
        )
    }
}

/// Calls `hooks()` and checks it is a JSON array of strings.
fn read_hooks(instance: &mut PluginInstance) -> Result<Vec<String>> {
    let text = call_getter(instance, AbiExport::Hooks).map_err(|e| {
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
    serde_json::from_str::<Vec<String>>(&text).map_err(|_| {
        let shown: String = text.chars().take(80).collect();
        PluginError::new(
            ErrorCode::InvalidHooks,
            format!("hooks() must return a JSON array of strings, got: {shown}"),
        )
        .with_export("hooks")
    })
}
