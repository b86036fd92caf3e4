//! A live plugin: its compiled form (shared) plus what changes while it
//! serves: the pool of ready instances, the memo and the output log.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use crate::abi::{call_export, call_export_with, output_string};
use crate::cache::{CacheOutcome, ModuleCache};
use crate::compiled::CompiledPlugin;
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::AbiExport;
use crate::instance::PluginInstance;
use crate::memo::{Memo, MemoScope, PluginMemo};
use crate::output::{CapturedOutput, OutputLog};
use crate::pool::{Checkout, InstancePool, PoolStats};
use crate::settings::Settings;
use crate::store::Limits;

/// What a plugin is loaded with besides its bytes.
pub struct LoadContext<'a> {
    pub settings: &'a Settings,
    /// Idle instances to keep.
    pub max_idle_instances: usize,
    /// The compiled-module cache, if the host has one.
    pub cache: Option<&'a ModuleCache>,
    /// The host's memo, if this plugin's outputs are to be memoized.
    pub memo: Option<Arc<Memo>>,
    /// The plugin's config as JSON, handed to `configure` on every new
    /// instance; `None` when none was given.
    pub config: Option<String>,
}

/// What `plugins()` tells about a plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginInfo {
    pub name: String,
    pub path: Option<PathBuf>,
    pub exports: Vec<String>,
    pub hooks: Vec<String>,
    pub wasi: bool,
    /// `"i64"`, `"multi-value"` or `"retptr"`; `None` when it has no ABI export.
    pub results: Option<&'static str>,
    /// Whether it was given a config.
    pub configured: bool,
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
    compiled: Arc<CompiledPlugin>,
    limits: Limits,
    capture_output: Option<usize>,
    pool: InstancePool,
    output: Option<OutputLog>,
    memo: Option<PluginMemo>,
    /// Its config (JSON), handed to `configure` on every new instance.
    config: Option<String>,
    /// Set when the host closes or the plugin is replaced: handles held
    /// elsewhere stop serving (a [`Retired`] as u8; 0 = serving).
    retired: AtomicU8,
}

/// Why a plugin stopped serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Retired {
    HostClosed = 1,
    Replaced = 2,
}

impl Plugin {
    /// Compiles (or takes from the cache) and checks a plugin, instantiates
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
        let limits = settings.limits();
        let mut compiled = CompiledPlugin::compile(wasm, context.cache)?;
        compiled.check_config(context.config.as_deref())?;
        let mut first = compiled.instantiate(
            name,
            limits,
            settings.capture_output,
            context.config.as_deref(),
        )?;
        compiled.read_hooks(&mut first)?;
        // Memo keys name the plugin by its bytes and its config: a plugin
        // replaced with other code or another config never gets old outputs.
        let memo_scope = MemoScope::new(
            &compiled.module_hash,
            context.config.as_deref().map(str::as_bytes),
        );
        let plugin = Plugin {
            name: name.to_owned(),
            path,
            compiled: Arc::new(compiled),
            limits,
            capture_output: settings.capture_output,
            pool: InstancePool::new(context.max_idle_instances, settings.recycle_policy()),
            output: settings.capture_output.map(OutputLog::new),
            memo: context.memo.map(|memo| PluginMemo::new(memo, memo_scope)),
            config: context.config,
            retired: AtomicU8::new(0),
        };
        plugin.collect_output(&mut first);
        let first = plugin.pool.track_new(first);
        plugin.pool.give_back(first);
        Ok(plugin)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn hooks(&self) -> &[String] {
        &self.compiled.hooks
    }

    /// The config (JSON) its instances were given through `configure`;
    /// `None` when it has none. Anything that remembers outputs across
    /// loads must key them by this too.
    pub fn config_json(&self) -> Option<&str> {
        self.config.as_deref()
    }

    pub fn has_export(&self, export: AbiExport) -> bool {
        self.compiled.exports.has(export)
    }

    pub fn info(&self) -> PluginInfo {
        let compiled = &self.compiled;
        PluginInfo {
            name: self.name.clone(),
            path: self.path.clone(),
            exports: compiled
                .exports
                .names()
                .into_iter()
                .map(String::from)
                .collect(),
            hooks: compiled.hooks.clone(),
            wasi: compiled.wasi,
            results: compiled.exports.result_form().map(|f| f.as_str()),
            configured: self.config.is_some(),
            size: compiled.size,
            cache: compiled.cache,
            compile_ms: compiled.compile_ms,
            cache_error: compiled.cache_error.clone(),
        }
    }

    /// Calls `export` with `input` on a pooled instance (or answers from
    /// the memo, when the plugin is memoized).
    pub fn call(&self, export: AbiExport, input: &[u8]) -> Result<String> {
        self.ensure_serving()?;
        self.memoized(export, input, || {
            self.checkout()?
                .run(|inst| self.call_on(inst, export, input))
                .map_err(|e| e.with_plugin(&self.name))
        })
    }

    /// Calls `export` with `input` on the instance in `slot`, which the
    /// caller's thread owns (no pool, no lock), stopped after `timeout_ms`
    /// (at most the plugin's limit), and hands the output, still in guest
    /// memory, to `take`. The slot is refilled, emptied on poisoning errors
    /// and recycled as the pool would.
    pub fn call_in_slot<T>(
        &self,
        slot: &mut Option<PluginInstance>,
        export: AbiExport,
        input: &[u8],
        timeout_ms: u64,
        take: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<T> {
        if let Err(err) = self.ensure_serving() {
            *slot = None;
            return Err(err);
        }
        if let Some(memo) = &self.memo {
            let key = memo.key(export, input);
            if let Some(output) = memo.get(&key) {
                return take(output.as_bytes()).map_err(|e| e.with_plugin(&self.name));
            }
            let output = self.run_in_slot(slot, export, input, timeout_ms, output_string)?;
            memo.put(key, &output);
            return take(output.as_bytes()).map_err(|e| e.with_plugin(&self.name));
        }
        self.run_in_slot(slot, export, input, timeout_ms, take)
    }

    fn run_in_slot<T>(
        &self,
        slot: &mut Option<PluginInstance>,
        export: AbiExport,
        input: &[u8],
        timeout_ms: u64,
        take: impl FnOnce(&[u8]) -> Result<T>,
    ) -> Result<T> {
        self.pool
            .run_in_slot(
                slot,
                || self.instantiate(),
                |inst| {
                    let result = call_export_with(inst, export, input, timeout_ms, take);
                    self.collect_output(inst);
                    result
                },
            )
            .map_err(|e| e.with_plugin(&self.name))
    }

    /// Calls `export` on each input in turn, on one instance, while `next`
    /// hands out indices; stops at the first error. Used by batch workers.
    pub fn call_each(
        &self,
        export: AbiExport,
        input_at: impl Fn(usize, &mut Vec<u8>),
        mut next: impl FnMut() -> Option<usize>,
        mut done: impl FnMut(usize, String),
    ) -> Result<()> {
        self.ensure_serving()?;
        let mut checkout = None;
        let mut input = Vec::new();
        while let Some(index) = next() {
            input.clear();
            input_at(index, &mut input);
            let output = self
                .memoized(export, &input, || {
                    if checkout.is_none() {
                        checkout = Some(self.checkout()?);
                    }
                    let instance = checkout.as_mut().expect("checked out above");
                    let result = instance.run(|inst| self.call_on(inst, export, &input));
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

    /// The limits its calls run under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Stops serving: drops the idle instances, and handles that own an
    /// instance drop theirs on their next call, which fails.
    pub fn retire(&self, why: Retired) {
        self.retired.store(why as u8, Ordering::Release);
        self.pool.clear();
    }

    fn ensure_serving(&self) -> Result<()> {
        match self.retired.load(Ordering::Acquire) {
            0 => Ok(()),
            r if r == Retired::Replaced as u8 => Err(PluginError::new(
                ErrorCode::PluginNotFound,
                "this plugin was replaced by a newer one of the same name; call it by name again",
            )
            .with_plugin(&self.name)),
            _ => Err(PluginError::host_closed().with_plugin(&self.name)),
        }
    }

    /// One ABI call on a checked-out instance, its output collected after.
    fn call_on(
        &self,
        inst: &mut PluginInstance,
        export: AbiExport,
        input: &[u8],
    ) -> Result<String> {
        let result = call_export(inst, export, input);
        self.collect_output(inst);
        result
    }

    /// `call()`'s result from the memo, or computed and then remembered.
    fn memoized(
        &self,
        export: AbiExport,
        input: &[u8],
        compute: impl FnOnce() -> Result<String>,
    ) -> Result<String> {
        let Some(memo) = &self.memo else {
            return compute();
        };
        let key = memo.key(export, input);
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

    /// An instance from the pool, or a new one.
    fn checkout(&self) -> Result<Checkout<'_>> {
        self.pool
            .checkout(|| self.instantiate())
            .map_err(|e| e.with_plugin(&self.name))
    }

    fn instantiate(&self) -> Result<PluginInstance> {
        self.compiled.instantiate(
            &self.name,
            self.limits,
            self.capture_output,
            self.config.as_deref(),
        )
    }
}
