//! A compiled plugin: its module made ready to instantiate, which ABI
//! exports it has, the hooks it declared, and its pool of ready instances.

use std::path::PathBuf;

use wasmtime::{InstancePre, Module};

use crate::abi::{call_export, call_getter};
use crate::engine::shared_engine;
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::{AbiExport, ExportTable};
use crate::imports::{check_imports, shared_linker};
use crate::instance::{Limits, PluginInstance, StoreState};
use crate::pool::{Checkout, InstancePool};

/// How a host runs its plugins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginSettings {
    pub limits: Limits,
    /// Keep at most this many bytes of guest stdout/stderr; `None` discards.
    pub capture_output: Option<usize>,
    /// Idle instances to keep per plugin.
    pub max_idle_instances: usize,
}

/// What `plugins()` tells about a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    pub name: String,
    pub path: Option<PathBuf>,
    pub exports: Vec<String>,
    pub hooks: Vec<String>,
    pub wasi: bool,
    /// `"i64"` or `"multi-value"`; `None` when it has no ABI export.
    pub results: Option<&'static str>,
}

pub struct Plugin {
    name: String,
    path: Option<PathBuf>,
    exports: ExportTable,
    hooks: Vec<String>,
    wasi: bool,
    pre: InstancePre<StoreState>,
    settings: PluginSettings,
    pool: InstancePool,
}

impl Plugin {
    /// Compiles and checks a plugin, instantiates it once (running
    /// `_initialize`/`_start`) and reads its hooks. Every failure names the
    /// plugin.
    pub fn load(
        name: &str,
        wasm: &[u8],
        path: Option<PathBuf>,
        settings: PluginSettings,
    ) -> Result<Self> {
        Self::load_unnamed(name, wasm, path, settings).map_err(|e| e.with_plugin(name))
    }

    fn load_unnamed(
        name: &str,
        wasm: &[u8],
        path: Option<PathBuf>,
        settings: PluginSettings,
    ) -> Result<Self> {
        let module = Module::new(shared_engine(), wasm).map_err(|e| {
            PluginError::new(
                ErrorCode::InvalidModule,
                format!("is not a valid WebAssembly module: {e:#}"),
            )
        })?;
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
            pre,
            settings,
            pool: InstancePool::new(settings.max_idle_instances),
        };
        let mut first = plugin.instantiate()?;
        if plugin.exports.has(AbiExport::Hooks) {
            plugin.hooks = read_hooks(&mut first)?;
        }
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
        }
    }

    /// Calls `export` with `input` on a pooled instance.
    pub fn call(&self, export: AbiExport, input: &str) -> Result<String> {
        self.checkout()?
            .run(|inst| call_export(inst, export, input.as_bytes()))
            .map_err(|e| e.with_plugin(&self.name))
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
        let mut checkout = self.checkout()?;
        while let Some(index) = next() {
            let output = checkout
                .run(|inst| call_export(inst, export, inputs[index].as_bytes()))
                .map_err(|e| e.with_plugin(&self.name).with_index(index))?;
            done(index, output);
        }
        Ok(())
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
