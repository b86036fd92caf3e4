//! The plugin registry: names, load order, and dispatch of sync, async and
//! batch calls.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::batch::Batch;
use crate::cache::ModuleCache;
use crate::error::{ErrorCode, PluginError, Result};
use crate::exports::AbiExport;
use crate::files::{self, ReadError};
use crate::memo::{Memo, MemoStats};
use crate::output::CapturedOutput;
use crate::plugin::{LoadContext, Plugin, PluginInfo, Retired};
use crate::pool::PoolStats;
use crate::settings::{Memoize, Settings};
use crate::workers::Workers;

#[derive(Default)]
struct Registry {
    by_name: HashMap<String, Arc<Plugin>>,
    /// Plugins in load order (a folder's alphabetically, then each `add`).
    order: Vec<Arc<Plugin>>,
}

pub struct Host {
    registry: RwLock<Registry>,
    workers: Workers,
    settings: Settings,
    cache: Option<ModuleCache>,
    /// Shared by the memoized plugins; `None` when nothing is memoized.
    memo: Option<Arc<Memo>>,
    /// The `*.wasm` entries `load_dir` passed over, in the order seen.
    skipped: Mutex<Vec<SkippedFile>>,
    closed: AtomicBool,
}

/// A `*.wasm` entry of a plugin folder that `load_dir` passed over because
/// it is not a regular file (a folder, a FIFO, a device, a socket, a broken
/// symlink, or a symlink to any of these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    /// Why, e.g. "it is a FIFO (named pipe), not a regular file".
    pub reason: String,
}

impl Host {
    /// A host with no plugins; its worker threads start when async work
    /// first needs them. The settings are validated (INVALID_OPTIONS).
    pub fn new(settings: &Settings) -> Result<Self> {
        settings.validate()?;
        let memo = match settings.memoize {
            Memoize::None => None,
            _ => Some(Arc::new(Memo::open(settings)?)),
        };
        Ok(Host {
            registry: RwLock::new(Registry::default()),
            workers: Workers::new(settings.worker_threads()),
            settings: settings.clone(),
            cache: settings.cache_dir.clone().map(ModuleCache::new),
            memo,
            skipped: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn workers(&self) -> &Workers {
        &self.workers
    }

    /// Loads every `*.wasm` in `dir`, named by file stem, in name order.
    /// One plugin that fails fails the whole load and adds none. Entries
    /// that are not regular files (after following symlinks) are passed
    /// over and listed by [`Host::skipped`].
    pub fn load_dir(&self, dir: &Path) -> Result<Vec<PluginInfo>> {
        self.load_dir_configured(dir, &BTreeMap::new())
    }

    /// [`Host::load_dir`], each plugin named in `configs` given its config
    /// (JSON; `None`: no config). A name in `configs` that is not a plugin of
    /// `dir` is INVALID_OPTIONS, before anything is loaded.
    pub fn load_dir_configured(
        &self,
        dir: &Path,
        configs: &BTreeMap<String, Option<String>>,
    ) -> Result<Vec<PluginInfo>> {
        self.ensure_open()?;
        let (files, skipped) = wasm_files(dir)?;
        let unknown: Vec<&str> = configs
            .keys()
            .filter(|name| !files.iter().any(|(file, _)| file == *name))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
            return Err(PluginError::new(
                ErrorCode::InvalidOptions,
                format!(
                    "options.plugins names {}, which {} not a plugin in \"{}\" (its plugins: {})",
                    quoted(&unknown),
                    if unknown.len() == 1 { "is" } else { "are" },
                    dir.display(),
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ),
            ));
        }
        let mut loaded = Vec::with_capacity(files.len());
        for (name, path) in files {
            let wasm = read_file(&path, self.settings.max_plugin_file_bytes())
                .map_err(|e| e.with_plugin(&name))?;
            let config = configs.get(&name).cloned().flatten();
            loaded.push(Plugin::load(
                &name,
                &wasm,
                Some(path),
                self.load_context(&name, config),
            )?);
        }
        let infos = self.register(loaded)?;
        self.skipped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(skipped);
        Ok(infos)
    }

    /// The `*.wasm` folder entries every successful `load_dir` so far passed
    /// over because they are not regular files.
    pub fn skipped(&self) -> Vec<SkippedFile> {
        self.skipped
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Adds one plugin from its bytes.
    pub fn add_bytes(&self, name: &str, wasm: &[u8], path: Option<PathBuf>) -> Result<PluginInfo> {
        self.add_with(name, wasm, path, AddOptions::default())
    }

    /// Adds one plugin from its bytes, or with `replace` replaces the
    /// plugin of that name (see [`Host::replace_bytes`]); with a `config`,
    /// every instance of it is configured with it.
    pub fn add_with(
        &self,
        name: &str,
        wasm: &[u8],
        path: Option<PathBuf>,
        options: AddOptions,
    ) -> Result<PluginInfo> {
        self.ensure_open()?;
        check_name(name)?;
        let plugin = Plugin::load(name, wasm, path, self.load_context(name, options.config))?;
        if options.replace {
            Ok(self.swap_in(plugin))
        } else {
            Ok(self.register(vec![plugin])?.remove(0))
        }
    }

    /// [`Host::add_with`] from a `.wasm` file (see [`Host::add_file`]).
    pub fn add_file_with(
        &self,
        name: &str,
        path: &Path,
        options: AddOptions,
    ) -> Result<PluginInfo> {
        self.ensure_open()?;
        let wasm = read_file(path, self.settings.max_plugin_file_bytes())
            .map_err(|e| e.with_plugin(name))?;
        self.add_with(name, &wasm, Some(path.to_path_buf()), options)
    }

    /// Adds one plugin from a `.wasm` file: a regular file (symlinks
    /// followed) of at most `maxPluginFileMb`; anything else fails at once.
    pub fn add_file(&self, name: &str, path: &Path) -> Result<PluginInfo> {
        self.add_file_with(name, path, AddOptions::default())
    }

    /// Adds one plugin from its bytes, or replaces the plugin of that name
    /// (which then stops serving: calls already running finish on it).
    pub fn replace_bytes(
        &self,
        name: &str,
        wasm: &[u8],
        path: Option<PathBuf>,
    ) -> Result<PluginInfo> {
        let options = AddOptions {
            replace: true,
            config: None,
        };
        self.add_with(name, wasm, path, options)
    }

    /// Registers `plugin`, retiring the one of its name if there is one.
    fn swap_in(&self, plugin: Plugin) -> PluginInfo {
        let name = plugin.name().to_owned();
        let plugin = Arc::new(plugin);
        let info = plugin.info();
        let mut registry = self.registry.write().unwrap_or_else(|p| p.into_inner());
        let old = registry.by_name.insert(name, Arc::clone(&plugin));
        match old {
            Some(old) => {
                old.retire(Retired::Replaced);
                let at = registry.order.iter().position(|p| Arc::ptr_eq(p, &old));
                match at {
                    Some(at) => registry.order[at] = plugin,
                    None => registry.order.push(plugin),
                }
            }
            None => registry.order.push(plugin),
        }
        info
    }

    /// [`Host::replace_bytes`] from a `.wasm` file.
    pub fn replace_file(&self, name: &str, path: &Path) -> Result<PluginInfo> {
        let options = AddOptions {
            replace: true,
            config: None,
        };
        self.add_file_with(name, path, options)
    }

    fn load_context(&self, name: &str, config: Option<String>) -> LoadContext<'_> {
        LoadContext {
            settings: &self.settings,
            max_idle_instances: self.workers.threads() + 1,
            cache: self.cache.as_ref(),
            memo: self
                .memo
                .clone()
                .filter(|_| self.settings.memoize.covers(name)),
            config,
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
        self.call_plugin(&plugin, export, input.as_bytes())
    }

    /// [`Host::call`] on a plugin already looked up.
    pub fn call_plugin(&self, plugin: &Plugin, export: AbiExport, input: &[u8]) -> Result<String> {
        let output = plugin.call(export, input)?;
        check_output(plugin.name(), export, &output)?;
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
        match self.plugin(&name) {
            Ok(plugin) => self.spawn_plugin_call(plugin, export, input.into_bytes(), done),
            Err(err) => done(Err(err)),
        }
    }

    /// Runs `export` of `plugin` on a worker with `input` and hands the
    /// result to `done` there (always exactly once).
    pub fn spawn_plugin_call(
        self: &Arc<Self>,
        plugin: Arc<Plugin>,
        export: AbiExport,
        input: Vec<u8>,
        done: impl FnOnce(Result<String>) + Send + 'static,
    ) {
        let host = Arc::clone(self);
        self.workers
            .spawn(move || host.call_plugin(&plugin, export, &input), done)
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
        let count = inputs.len();
        let input_at =
            move |i: usize, into: &mut Vec<u8>| into.extend_from_slice(inputs[i].as_bytes());
        self.spawn_batch(
            plugin,
            export,
            count,
            input_at,
            |_, output| Ok(output),
            done,
        )
    }

    /// Calls `export` of `plugin` on `count` inputs, spread over all
    /// workers. On the worker that runs it, each input is written by
    /// `input_at(index, buffer)` and each output turned into what `done`
    /// takes by `prepare(index, output)` (so both can be transcoded there,
    /// off the JS thread). `done` gets the outputs in input order, or the
    /// error of the lowest failing index (always exactly once).
    pub fn spawn_batch<O: Send + 'static>(
        self: &Arc<Self>,
        plugin: Arc<Plugin>,
        export: AbiExport,
        count: usize,
        input_at: impl Fn(usize, &mut Vec<u8>) + Send + Sync + 'static,
        prepare: impl Fn(usize, String) -> Result<O> + Send + Sync + 'static,
        done: impl FnOnce(Result<Vec<O>>) + Send + 'static,
    ) {
        if count == 0 {
            return self.workers.spawn(|| Ok(Vec::new()), done);
        }
        let batch = Arc::new(Batch::new(count, input_at, prepare));
        let parts = self.workers.threads().min(count);
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
        self.closed.store(true, Ordering::Release);
        self.workers.shutdown();
        if let Some(memo) = &self.memo {
            memo.close(); // writes what the disk memo has queued
        }
        let registry = self.registry.read().unwrap_or_else(|p| p.into_inner());
        for plugin in &registry.order {
            plugin.retire(Retired::HostClosed);
        }
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn ensure_open(&self) -> Result<()> {
        if self.is_closed() {
            Err(PluginError::host_closed())
        } else {
            Ok(())
        }
    }
}

/// How [`Host::add_with`] adds a plugin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddOptions {
    /// Replace a plugin of the same name instead of failing with
    /// DUPLICATE_PLUGIN.
    pub replace: bool,
    /// The config (JSON) its `configure` export gets on every new instance.
    pub config: Option<String>,
}

/// `"a", "b"`.
fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A plugin name must not be empty.
fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(PluginError::new(
            ErrorCode::InvalidInput,
            "a plugin name must not be empty",
        ));
    }
    Ok(())
}

/// What every path checks of an output: a hook's must be a JSON object of
/// bounded depth (see [`crate::hook_output`]).
pub fn check_output(plugin: &str, export: AbiExport, text: &str) -> Result<()> {
    if export != AbiExport::Hook {
        return Ok(());
    }
    crate::hook_output::check_hook_output(text).map_err(|e| {
        // The start of the output, on one line.
        let shown: String = text
            .chars()
            .take(80)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        PluginError::new(ErrorCode::InvalidJson, format!("{e}: {shown}"))
            .with_plugin(plugin)
            .with_export("hook")
    })
}

/// A folder's plugin files as (name, path), and the entries passed over.
type FolderEntries = (Vec<(String, PathBuf)>, Vec<SkippedFile>);

/// The regular `*.wasm` files of `dir` as (name, path), sorted by name,
/// and the `*.wasm` entries that are not regular files, sorted by path.
/// Symlinks are followed.
fn wasm_files(dir: &Path) -> Result<FolderEntries> {
    let io = |e: std::io::Error| {
        PluginError::new(
            ErrorCode::IoError,
            format!("cannot read the plugin folder \"{}\": {e}", dir.display()),
        )
    };
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_none_or(|ext| ext != "wasm") {
            continue;
        }
        let Some(stem) = path.file_stem() else {
            continue;
        };
        // Only the metadata is read here, so a FIFO or a device is never
        // opened; `read_file` checks again on the open file.
        let reason = match std::fs::metadata(&path) {
            Ok(meta) => match files::not_regular(&meta) {
                None => {
                    files.push((stem.to_string_lossy().into_owned(), path));
                    continue;
                }
                Some(what) => format!("it is {what}, not a regular file"),
            },
            Err(e) => format!("it cannot be read ({e})"),
        };
        skipped.push(SkippedFile { path, reason });
    }
    files.sort();
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, skipped))
}

/// The bytes of a plugin file: a regular file of at most `limit` bytes;
/// a FIFO, a device or a folder fails at once (IO_ERROR), as does a file
/// over the limit (INVALID_MODULE).
fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>> {
    files::read_regular(path, limit).map_err(|e| match e {
        ReadError::TooLarge { .. } => PluginError::new(
            ErrorCode::InvalidModule,
            format!(
                "\"{}\" is larger than the {} MiB limit for plugin files (maxPluginFileMb)",
                path.display(),
                limit >> 20
            ),
        ),
        ReadError::NotRegular(_) | ReadError::Io(_) => PluginError::new(
            ErrorCode::IoError,
            format!("cannot read \"{}\": {e}", path.display()),
        ),
    })
}
