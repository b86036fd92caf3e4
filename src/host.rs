//! The plugin registry: names, load order, and dispatch of sync, async and
//! batch calls.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::cache::ModuleCache;
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::AbiExport;
use crate::instance::Limits;
use crate::memo::{Memo, MemoStats};
use crate::output::CapturedOutput;
use crate::plugin::{LoadContext, Plugin, PluginInfo, PluginSettings};
use crate::pool::{PoolStats, RecyclePolicy};
use crate::workers::Workers;

/// Options of a host, already validated by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostOptions {
    /// Async worker threads; 0 = available cores.
    pub threads: usize,
    pub timeout_ms: u64,
    pub memory_limit_mb: u64,
    /// Keep at most this many bytes of each guest's stdout/stderr; `None` discards.
    pub capture_output: Option<usize>,
    /// Where compiled modules are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Replace an instance after this many calls; 0 = never.
    pub recycle_after_calls: u64,
    /// Replace an instance once its memory is larger than this many MiB.
    pub recycle_memory_mb: u64,
    /// Which plugins' outputs are memoized.
    pub memoize: Memoize,
    /// Budget of the memo, in MiB, shared by the memoized plugins.
    pub memoize_mb: u64,
}

/// Which plugins are pure, so their outputs may be memoized.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Memoize {
    #[default]
    None,
    All,
    Only(Vec<String>),
}

impl Memoize {
    fn covers(&self, name: &str) -> bool {
        match self {
            Memoize::None => false,
            Memoize::All => true,
            Memoize::Only(names) => names.iter().any(|n| n == name),
        }
    }
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            threads: 0,
            timeout_ms: 1000,
            memory_limit_mb: 256,
            capture_output: None,
            cache_dir: Some(PathBuf::from(".alloy/wasm-cache")),
            recycle_after_calls: 10_000,
            recycle_memory_mb: 32,
            memoize: Memoize::None,
            memoize_mb: 64,
        }
    }
}

#[derive(Default)]
struct Registry {
    by_name: HashMap<String, Arc<Plugin>>,
    /// Plugins in load order (a folder's alphabetically, then each `add`).
    order: Vec<Arc<Plugin>>,
}

pub struct Host {
    registry: RwLock<Registry>,
    workers: Workers,
    settings: PluginSettings,
    cache: Option<ModuleCache>,
    memoize: Memoize,
    /// Made when the first memoized plugin loads.
    memo: Option<Arc<Memo>>,
}

impl Host {
    pub fn new(options: &HostOptions) -> Result<Self> {
        let workers = Workers::new(options.threads)?;
        let settings = PluginSettings {
            limits: Limits {
                timeout_ms: options.timeout_ms,
                memory_limit_bytes: options.memory_limit_mb.saturating_mul(1 << 20),
            },
            capture_output: options.capture_output,
            max_idle_instances: workers.threads() + 1,
            recycle: RecyclePolicy {
                after_calls: options.recycle_after_calls,
                above_memory_bytes: options.recycle_memory_mb.saturating_mul(1 << 20),
            },
        };
        let memo = (options.memoize != Memoize::None).then(|| {
            let bytes = options.memoize_mb.saturating_mul(1 << 20);
            Arc::new(Memo::new(usize::try_from(bytes).unwrap_or(usize::MAX)))
        });
        Ok(Host {
            registry: RwLock::new(Registry::default()),
            workers,
            settings,
            cache: options.cache_dir.clone().map(ModuleCache::new),
            memoize: options.memoize.clone(),
            memo,
        })
    }

    pub fn workers(&self) -> &Workers {
        &self.workers
    }

    /// Loads every `*.wasm` in `dir`, named by file stem, in name order.
    /// One plugin that fails fails the whole load and adds none.
    pub fn load_dir(&self, dir: &Path) -> Result<Vec<PluginInfo>> {
        self.ensure_open()?;
        let files = wasm_files(dir)?;
        let mut loaded = Vec::with_capacity(files.len());
        for (name, path) in files {
            let wasm = read_file(&path)?;
            loaded.push(Plugin::load(
                &name,
                &wasm,
                Some(path),
                self.load_context(&name),
            )?);
        }
        self.register(loaded)
    }

    /// Adds one plugin from its bytes.
    pub fn add_bytes(&self, name: &str, wasm: &[u8], path: Option<PathBuf>) -> Result<PluginInfo> {
        self.ensure_open()?;
        if name.is_empty() {
            return Err(PluginError::new(
                ErrorCode::InvalidInput,
                "a plugin name must not be empty",
            ));
        }
        let plugin = Plugin::load(name, wasm, path, self.load_context(name))?;
        Ok(self.register(vec![plugin])?.remove(0))
    }

    /// Adds one plugin from a `.wasm` file.
    pub fn add_file(&self, name: &str, path: &Path) -> Result<PluginInfo> {
        let wasm = read_file(path)?;
        self.add_bytes(name, &wasm, Some(path.to_path_buf()))
    }

    fn load_context(&self, name: &str) -> LoadContext<'_> {
        LoadContext {
            settings: self.settings,
            cache: self.cache.as_ref(),
            memo: self.memo.clone().filter(|_| self.memoize.covers(name)),
        }
    }

    fn register(&self, plugins: Vec<Plugin>) -> Result<Vec<PluginInfo>> {
        let mut registry = self.registry.write().unwrap_or_else(|p| p.into_inner());
        for plugin in &plugins {
            if registry.by_name.contains_key(plugin.name()) {
                return Err(PluginError::new(
                    ErrorCode::DuplicatePlugin,
                    "a plugin of this name is already loaded",
                )
                .with_plugin(plugin.name()));
            }
        }
        let mut infos = Vec::with_capacity(plugins.len());
        for plugin in plugins {
            infos.push(plugin.info());
            let plugin = Arc::new(plugin);
            registry
                .by_name
                .insert(plugin.name().to_owned(), Arc::clone(&plugin));
            registry.order.push(plugin);
        }
        Ok(infos)
    }

    /// Every plugin, in load order.
    pub fn plugins(&self) -> Vec<PluginInfo> {
        let registry = self.registry.read().unwrap_or_else(|p| p.into_inner());
        registry.order.iter().map(|p| p.info()).collect()
    }

    /// The plugin called `name`.
    pub fn plugin(&self, name: &str) -> Result<Arc<Plugin>> {
        self.ensure_open()?;
        let registry = self.registry.read().unwrap_or_else(|p| p.into_inner());
        registry.by_name.get(name).cloned().ok_or_else(|| {
            let mut known: Vec<&str> = registry.by_name.keys().map(String::as_str).collect();
            known.sort_unstable();
            PluginError::new(
                ErrorCode::PluginNotFound,
                format!(
                    "no plugin named \"{name}\" (loaded: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            )
            .with_plugin(name)
        })
    }

    /// What plugin `name` wrote to stdout/stderr since the last take;
    /// `None` when the host does not capture output.
    pub fn take_output(&self, name: &str) -> Result<Option<CapturedOutput>> {
        Ok(self.plugin(name)?.take_output())
    }

    /// Instance counts of plugin `name`.
    pub fn pool_stats(&self, name: &str) -> Result<PoolStats> {
        Ok(self.plugin(name)?.pool_stats())
    }

    /// The memo's counters; `None` when nothing is memoized.
    pub fn memo_stats(&self) -> Option<MemoStats> {
        self.memo.as_ref().map(|m| m.stats())
    }

    /// Calls `export` of plugin `name` on this thread. A hook's output must
    /// be JSON.
    pub fn call(&self, name: &str, export: AbiExport, input: &str) -> Result<String> {
        let plugin = self.plugin(name)?;
        let output = plugin.call(export, input)?;
        if export == AbiExport::Hook {
            check_json(&output).map_err(|e| e.with_plugin(name).with_export("hook"))?;
        }
        Ok(output)
    }

    /// Runs [`Host::call`] on a worker and hands the result to `done` there
    /// (always exactly once).
    pub fn spawn_call(
        self: &Arc<Self>,
        name: String,
        export: AbiExport,
        input: String,
        done: impl FnOnce(Result<String>) + Send + 'static,
    ) {
        let host = Arc::clone(self);
        self.workers
            .spawn(move || host.call(&name, export, &input), done)
    }

    /// Calls `export` on every input, spread over all workers; `done` gets
    /// the outputs in input order, or the error of the lowest failing index
    /// (always exactly once).
    pub fn spawn_many(
        self: &Arc<Self>,
        name: &str,
        export: AbiExport,
        inputs: Vec<String>,
        done: impl FnOnce(Result<Vec<String>>) + Send + 'static,
    ) {
        let plugin = match self.plugin(name) {
            Ok(plugin) => plugin,
            Err(err) => return done(Err(err)),
        };
        if inputs.is_empty() {
            return self.workers.spawn(|| Ok(Vec::new()), done);
        }
        let batch = Arc::new(Batch::new(inputs));
        let parts = self.workers.threads().min(batch.inputs.len());
        let work = {
            let batch = Arc::clone(&batch);
            Arc::new(move |_part: usize| batch.run(&plugin, export))
        };
        self.workers.spawn_parallel(parts, work, move |started| {
            done(started.and_then(|()| batch.finish()))
        })
    }

    /// Stops the workers and drops every idle instance. Later calls fail
    /// with HOST_CLOSED. Closing twice is fine.
    pub fn close(&self) {
        self.workers.shutdown();
        let registry = self.registry.read().unwrap_or_else(|p| p.into_inner());
        for plugin in &registry.order {
            plugin.release_instances();
        }
    }

    pub fn is_closed(&self) -> bool {
        self.workers.is_shut_down()
    }

    fn ensure_open(&self) -> Result<()> {
        if self.is_closed() {
            Err(PluginError::host_closed())
        } else {
            Ok(())
        }
    }
}

/// One `filterMany` batch: workers take the next index until the inputs run
/// out or one fails. Indices are handed out in order, so every index below a
/// failing one has been run, and the error kept is the lowest failing index.
struct Batch {
    inputs: Vec<String>,
    next: AtomicUsize,
    /// Inputs at or past this index are not started (lowered on failure).
    stop_at: AtomicUsize,
    outputs: Mutex<Vec<Option<String>>>,
    error: Mutex<Option<PluginError>>,
}

impl Batch {
    fn new(inputs: Vec<String>) -> Self {
        let n = inputs.len();
        Batch {
            inputs,
            next: AtomicUsize::new(0),
            stop_at: AtomicUsize::new(n),
            outputs: Mutex::new(vec![None; n]),
            error: Mutex::new(None),
        }
    }

    fn run(&self, plugin: &Plugin, export: AbiExport) {
        let next = || {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            (i < self.stop_at.load(Ordering::Acquire)).then_some(i)
        };
        let mut done = Vec::new();
        let result = plugin.call_each(export, &self.inputs, next, |i, out| done.push((i, out)));
        {
            let mut outputs = self.outputs.lock().unwrap_or_else(|p| p.into_inner());
            for (i, out) in done {
                outputs[i] = Some(out);
            }
        }
        if let Err(err) = result {
            let index = err.index.unwrap_or(0);
            self.stop_at.fetch_min(index, Ordering::AcqRel);
            let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
            if slot.as_ref().is_none_or(|e| e.index.unwrap_or(0) > index) {
                *slot = Some(err);
            }
        }
    }

    fn finish(&self) -> Result<Vec<String>> {
        if let Some(err) = self.error.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(err);
        }
        let outputs = std::mem::take(&mut *self.outputs.lock().unwrap_or_else(|p| p.into_inner()));
        outputs
            .into_iter()
            .enumerate()
            .map(|(i, out)| {
                out.ok_or_else(|| {
                    PluginError::new(ErrorCode::Trap, "a worker stopped before this input")
                        .with_index(i)
                })
            })
            .collect()
    }
}

fn check_json(text: &str) -> Result<()> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| {
            let shown: String = text.chars().take(80).collect();
            PluginError::new(
                ErrorCode::InvalidJson,
                format!("returned output that is not JSON ({e}): {shown}"),
            )
        })
}

/// The `*.wasm` files of `dir` as (name, path), sorted by name.
fn wasm_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let io = |e: std::io::Error| {
        PluginError::new(
            ErrorCode::IoError,
            format!("cannot read the plugin folder \"{}\": {e}", dir.display()),
        )
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|ext| ext == "wasm") && path.is_file() {
            if let Some(stem) = path.file_stem() {
                files.push((stem.to_string_lossy().into_owned(), path));
            }
        }
    }
    files.sort();
    Ok(files)
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        PluginError::new(
            ErrorCode::IoError,
            format!("cannot read \"{}\": {e}", path.display()),
        )
    })
}
