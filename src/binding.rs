//! The Node.js binding: `#[napi]` items only, no logic. Errors cross as a
//! napi error whose message is [`ERROR_MARK`] followed by JSON, which the
//! hand-written JS layer (js/errors.js) turns into a `PluginError`.

// A test build (`cargo clippy --all-targets`) compiles the `#[napi]`
// functions without registering them with Node, so they look unused there.
#![cfg_attr(test, allow(dead_code))]

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use std::sync::OnceLock;

use napi::bindgen_prelude::{Buffer, FnArgs, FromNapiValue, Function, Object, ToNapiValue};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use napi_derive::napi;
use serde_json::Value;

use crate::completions::CompletionQueue;
use crate::error::ErrorCode;
use crate::error::{PluginError, Result};
use crate::exports::AbiExport;
use crate::filter_args::wrap_input;
use crate::host::{AddOptions, Host};
use crate::js_plugin::{new_input_buffer, InputBuffer, InputMemory, JsPlugin};
use crate::js_string::{prepare, utf16_to_utf8, JsText, JsUtf16, Prepared};
use crate::plugin::PluginInfo;
use crate::settings::Settings;
use crate::workers::run_caught;

/// Marks a message that carries a coded plugin error as JSON.
pub const ERROR_MARK: &str = "\u{1}alloy-wasm:";

fn to_napi(err: PluginError) -> napi::Error {
    napi::Error::new(Status::GenericFailure, marked_message(&err))
}

/// The error as [`ERROR_MARK`] + JSON, which js/errors.js decodes.
pub(crate) fn marked_message(err: &PluginError) -> String {
    let json = serde_json::json!({
        "code": err.code.as_str(),
        "plugin": err.plugin,
        "export": err.export,
        "index": err.index,
        "backtrace": err.backtrace,
        "message": err.message(),
    });
    format!("{ERROR_MARK}{json}")
}

/// What the JS completion callback receives: ids, then outputs (or marked
/// error messages), then whether each succeeded.
type CompletionArgs = FnArgs<(Vec<u32>, Vec<JsText>, Vec<bool>)>;
/// Wakes the JS thread to drain finished calls. Created weak (unref'd), so
/// an idle host never keeps Node alive; `holdOpen` refs it while calls are
/// in flight.
type WakeJs = ThreadsafeFunction<(), (), CompletionArgs, Status, false, true>;

/// The options with defaults filled in (`recycleMemoryMb` resolved), or
/// INVALID_OPTIONS naming every problem. `PluginHost` calls this first.
#[napi(ts_return_type = "Record<string, unknown>")]
pub fn resolve_options(
    #[napi(ts_arg_type = "Record<string, unknown> | undefined")] options: Option<Value>,
) -> napi::Result<Value> {
    Settings::from_js(&options.unwrap_or(Value::Null))
        .map(|settings| settings.to_js())
        .map_err(to_napi)
}

/// The default host options (`DEFAULT_OPTIONS` in JS).
#[napi(ts_return_type = "Record<string, unknown>")]
pub fn default_options() -> Value {
    Settings::defaults_js()
}

/// The exports the plugin functions take by number, in order.
#[napi]
pub fn callable_exports() -> Vec<&'static str> {
    crate::js_plugin::callable_exports()
}

/// Every error code a `PluginError` can carry.
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|code| code.as_str()).collect()
}

/// What a plugin wrote to stdout/stderr since the last `output()` call.
#[napi(object)]
pub struct NativeOutput {
    pub stdout: String,
    pub stderr: String,
    pub dropped_bytes: f64,
}

/// What happened to a plugin's instances so far.
#[napi(object)]
pub struct NativePoolStats {
    pub instances_created: f64,
    pub instances_recycled: f64,
    pub instances_discarded: f64,
    pub idle_instances: f64,
}

/// The memo's counters (the disk* ones are 0 without `memoize: { dir }`).
#[napi(object)]
pub struct NativeMemoStats {
    pub entries: f64,
    pub bytes: f64,
    pub hits: f64,
    pub misses: f64,
    pub disk_entries: f64,
    pub disk_bytes: f64,
    pub disk_hits: f64,
    pub disk_misses: f64,
    pub disk_writes: f64,
    pub disk_errors: f64,
    pub disk_error: napi::Either<String, napi::bindgen_prelude::Null>,
}

/// What `plugins()` reports for one plugin.
#[napi(object)]
pub struct NativePluginInfo {
    pub name: String,
    pub path: Option<String>,
    pub exports: Vec<String>,
    pub hooks: Vec<String>,
    pub wasi: bool,
    /// `"i64"`, `"multi-value"` or `"retptr"`; null without ABI exports.
    pub results: Option<String>,
    /// Whether it was given a config (handed to its `configure`).
    pub configured: bool,
    /// Size of the wasm file in bytes.
    pub size: f64,
    /// `"hit"`, `"miss"` or `"off"`: whether the compiled-module cache had it.
    pub cache: String,
    /// Milliseconds to compile it, or to load it from the cache.
    pub compile_ms: f64,
    /// Why the cache entry could not be written, if it could not.
    pub cache_error: Option<String>,
}

impl From<PluginInfo> for NativePluginInfo {
    fn from(info: PluginInfo) -> Self {
        NativePluginInfo {
            name: info.name,
            path: info.path.map(|p| p.display().to_string()),
            exports: info.exports,
            hooks: info.hooks,
            wasi: info.wasi,
            results: info.results.map(String::from),
            configured: info.configured,
            size: info.size as f64,
            cache: info.cache.as_str().to_owned(),
            compile_ms: info.compile_ms,
            cache_error: info.cache_error,
        }
    }
}

/// A set of loaded plugins with its worker threads. Wrapped by `PluginHost`
/// in the JS layer; use that.
#[napi]
pub struct NativeHost {
    host: Arc<Host>,
    /// Where JS writes inputs for the plugin functions (JS thread only).
    input: InputBuffer,
    completions: Arc<CompletionQueue>,
    wake_js: Arc<OnceLock<WakeJs>>,
}

#[napi]
impl NativeHost {
    /// `on_complete(ids, outputs, ok)` is called on the JS thread with the
    /// async calls (`filterAsync` and friends) that finished.
    #[napi(constructor)]
    pub fn new(
        #[napi(ts_arg_type = "Record<string, unknown>")] options: Value,
        #[napi(ts_arg_type = "(ids: number[], outputs: string[], ok: boolean[]) => void")]
        on_complete: Function<'_, CompletionArgs, ()>,
    ) -> napi::Result<Self> {
        let settings = Settings::from_js(&options).map_err(to_napi)?;
        let host = Host::new(&settings).map_err(to_napi)?;
        let wake_js: Arc<OnceLock<WakeJs>> = Arc::new(OnceLock::new());
        let completions = Arc::new(CompletionQueue::new({
            let wake_js = Arc::clone(&wake_js);
            move || {
                if let Some(wake) = wake_js.get() {
                    wake.call((), ThreadsafeFunctionCallMode::NonBlocking);
                }
            }
        }));
        let drain_from = Arc::downgrade(&completions);
        let wake = on_complete
            .build_threadsafe_function::<()>()
            .weak::<true>()
            .build_callback(move |_| {
                let finished = drain_from.upgrade().map(|q| q.drain()).unwrap_or_default();
                let mut ids = Vec::with_capacity(finished.len());
                let mut outputs = Vec::with_capacity(finished.len());
                let mut ok = Vec::with_capacity(finished.len());
                for (id, result) in finished {
                    ids.push(id);
                    ok.push(result.is_ok());
                    outputs.push(JsText(result.unwrap_or_else(|err| marked_message(&err))));
                }
                Ok(FnArgs::from((ids, outputs, ok)))
            })?;
        let _ = wake_js.set(wake);
        Ok(NativeHost {
            host: Arc::new(host),
            input: Rc::new(RefCell::new(Rc::new(InputMemory::empty()))),
            completions,
            wake_js,
        })
    }

    /// Keeps Node's event loop alive (`true`) while async calls are in
    /// flight, or lets it exit (`false`). Called by the JS layer when its
    /// count of calls in flight leaves or reaches zero.
    #[napi]
    pub fn hold_open(&self, env: Env, hold: bool) -> napi::Result<()> {
        let Some(wake) = self.wake_js.get() else {
            return Ok(());
        };
        // SAFETY: `raw()` is the live threadsafe function `wake` owns (it is
        // released only when `wake` drops, which needs `self` gone), and
        // this runs on the JS thread, where Node-API allows (un)ref-ing it.
        let status = unsafe {
            if hold {
                napi::sys::napi_ref_threadsafe_function(env.raw(), wake.raw())
            } else {
                napi::sys::napi_unref_threadsafe_function(env.raw(), wake.raw())
            }
        };
        if status == napi::sys::Status::napi_ok {
            Ok(())
        } else {
            Err(napi::Error::new(
                Status::GenericFailure,
                format!("(un)ref of the completion callback failed: status {status}"),
            ))
        }
    }

    /// `{ call, inline, start, hasFilter, hasFilterArgs }`: the functions JS
    /// calls plugin `name` with (see `js_plugin`), and which filter exports
    /// it has; an inline call runs for at most `inline_ms`. Made once per
    /// plugin by the JS layer.
    #[napi(
        ts_return_type = "{ call: Function; inline: Function; start: Function; hasFilter: boolean; hasFilterArgs: boolean }"
    )]
    pub fn plugin_functions(
        &self,
        env: Env,
        name: String,
        inline_ms: u32,
    ) -> napi::Result<napi::Unknown<'_>> {
        let plugin = self.host.plugin(&name).map_err(to_napi)?;
        let handle = JsPlugin::new(
            Arc::clone(&self.host),
            plugin,
            Arc::clone(&self.completions),
            Rc::clone(&self.input),
            inline_ms,
        );
        // SAFETY: `env` is this call's live environment.
        let object = unsafe { handle.into_js(env.raw()) }?;
        // SAFETY: a value just made in this env.
        unsafe { napi::Unknown::from_napi_value(env.raw(), object) }
    }

    /// Loads every `*.wasm` in `dir`, off the main thread; `configs` maps
    /// plugin names (each must be a plugin of `dir`) to their config as JSON
    /// text, or null for none.
    #[napi(ts_return_type = "Promise<NativePluginInfo[]>")]
    pub fn load_dir<'env>(
        &self,
        env: &'env Env,
        dir: String,
        configs: Option<HashMap<String, Option<String>>>,
    ) -> napi::Result<Object<'env>> {
        let host = Arc::clone(&self.host);
        let configs: BTreeMap<String, Option<String>> =
            configs.unwrap_or_default().into_iter().collect();
        let job = move || host.load_dir_configured(std::path::Path::new(&dir), &configs);
        spawn_promise(env, job, |infos| {
            infos
                .into_iter()
                .map(NativePluginInfo::from)
                .collect::<Vec<_>>()
        })
    }

    /// Adds (or with `replace`, replaces) a plugin from a `.wasm` file, off
    /// the main thread; `config` is its config as JSON text.
    #[napi(ts_return_type = "Promise<NativePluginInfo>")]
    pub fn add_file<'env>(
        &self,
        env: &'env Env,
        name: String,
        path: String,
        replace: bool,
        config: Option<String>,
    ) -> napi::Result<Object<'env>> {
        let host = Arc::clone(&self.host);
        let job = move || {
            let options = AddOptions { replace, config };
            host.add_file_with(&name, std::path::Path::new(&path), options)
        };
        spawn_promise(env, job, NativePluginInfo::from)
    }

    /// Adds (or with `replace`, replaces) a plugin from its bytes, off the
    /// main thread; `config` is its config as JSON text.
    #[napi(ts_return_type = "Promise<NativePluginInfo>")]
    pub fn add_bytes<'env>(
        &self,
        env: &'env Env,
        name: String,
        wasm: Buffer,
        replace: bool,
        config: Option<String>,
    ) -> napi::Result<Object<'env>> {
        let host = Arc::clone(&self.host);
        let wasm = wasm.to_vec();
        let job = move || host.add_with(&name, &wasm, None, AddOptions { replace, config });
        spawn_promise(env, job, NativePluginInfo::from)
    }

    /// A new input buffer of at least `bytes` bytes (a Node Buffer) that the
    /// plugin functions read inputs from from now on.
    #[napi(ts_return_type = "Buffer")]
    pub fn input_buffer(&self, env: Env, bytes: u32) -> napi::Result<napi::Unknown<'_>> {
        // SAFETY: `env` is this call's live environment.
        let buffer = unsafe { new_input_buffer(env.raw(), &self.input, bytes as usize) }?;
        // SAFETY: a value just made in this env.
        unsafe { napi::Unknown::from_napi_value(env.raw(), buffer) }
    }

    /// Every plugin, in load order.
    #[napi]
    pub fn plugins(&self) -> Vec<NativePluginInfo> {
        self.host
            .plugins()
            .into_iter()
            .map(NativePluginInfo::from)
            .collect()
    }

    /// What plugin `name` wrote since the last call; null when output is
    /// not captured.
    #[napi]
    pub fn take_output(&self, name: String) -> napi::Result<Option<NativeOutput>> {
        let output = self.host.take_output(&name).map_err(to_napi)?;
        Ok(output.map(|o| NativeOutput {
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            dropped_bytes: o.dropped_bytes as f64,
        }))
    }

    /// Instance counts of plugin `name`.
    #[napi]
    pub fn pool_stats(&self, name: String) -> napi::Result<NativePoolStats> {
        let stats = self.host.pool_stats(&name).map_err(to_napi)?;
        Ok(NativePoolStats {
            instances_created: stats.created as f64,
            instances_recycled: stats.recycled as f64,
            instances_discarded: stats.discarded as f64,
            idle_instances: stats.idle as f64,
        })
    }

    /// The memo's counters; null when nothing is memoized.
    #[napi]
    pub fn memo_stats(&self) -> Option<NativeMemoStats> {
        self.host.memo_stats().map(|m| NativeMemoStats {
            entries: m.entries as f64,
            bytes: m.bytes as f64,
            hits: m.hits as f64,
            misses: m.misses as f64,
            disk_entries: m.disk.entries as f64,
            disk_bytes: m.disk.bytes as f64,
            disk_hits: m.disk.hits as f64,
            disk_misses: m.disk.misses as f64,
            disk_writes: m.disk.writes as f64,
            disk_errors: m.disk.errors as f64,
            disk_error: m.disk.last_error.map_or(
                napi::Either::B(napi::bindgen_prelude::Null),
                napi::Either::A,
            ),
        })
    }

    /// The worker threads async calls run on.
    #[napi(getter)]
    pub fn threads(&self) -> u32 {
        self.host.workers().threads() as u32
    }

    /// `filter` on every input, spread over all workers; outputs in input
    /// order. With `args` (a JSON array), `filter_args` instead, each input
    /// wrapped as `{"input": ..., "args": <args>}` on the worker.
    #[napi(ts_return_type = "Promise<string[]>")]
    ///
    /// On this thread the inputs are only copied as UTF-16 (what V8 holds);
    /// the workers transcode them to UTF-8 and prepare the outputs as
    /// Latin-1 or UTF-16, so this thread only copies the results in.
    pub fn filter_many<'env>(
        &self,
        env: &'env Env,
        plugin: String,
        inputs: Vec<JsUtf16>,
        args: Option<String>,
    ) -> napi::Result<Object<'env>> {
        let plugin = self.host.plugin(&plugin).map_err(to_napi)?;
        let host = Arc::clone(&self.host);
        let count = inputs.len();
        let export = match args {
            Some(_) => AbiExport::FilterArgs,
            None => AbiExport::Filter,
        };
        let input_at = move |i: usize, into: &mut Vec<u8>| match &args {
            None => utf16_to_utf8(&inputs[i].0, into),
            Some(args) => {
                let mut text = Vec::new();
                utf16_to_utf8(&inputs[i].0, &mut text);
                wrap_input(&String::from_utf8_lossy(&text), args, into);
            }
        };
        let prepare_output = move |_: usize, output: String| {
            prepare(output).map_err(|e| e.with_export(export.name()))
        };
        promise(
            env,
            |outputs: Vec<Prepared>| outputs,
            move |settle| host.spawn_batch(plugin, export, count, input_at, prepare_output, settle),
        )
    }

    /// Stops the workers and frees the instances; later calls fail with
    /// HOST_CLOSED. The JS layer waits for calls in flight first.
    #[napi]
    pub fn close(&self) {
        self.host.close();
    }
}

/// Runs `job` on a thread of its own and settles a promise with `convert(output)`.
fn spawn_promise<'env, T, J>(
    env: &'env Env,
    job: impl FnOnce() -> Result<T> + Send + 'static,
    convert: impl FnOnce(T) -> J + Send + 'static,
) -> napi::Result<Object<'env>>
where
    T: Send + 'static,
    J: ToNapiValue + 'static,
{
    promise(env, convert, move |settle| {
        // A thread of its own, not the workers: loading must not start the
        // worker pool (a host that only makes sync calls holds no threads).
        let slot = Arc::new(std::sync::Mutex::new(Some(settle)));
        let answer = Arc::clone(&slot);
        let settle_once = |slot: &std::sync::Mutex<Option<Settle<T>>>, result: Result<T>| {
            let settle = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(settle) = settle {
                settle(result);
            }
        };
        let spawned = std::thread::Builder::new()
            .name("alloy-wasm-load".into())
            .spawn(move || settle_once(&answer, run_caught(job)));
        if let Err(err) = spawned {
            let err = PluginError::new(ErrorCode::IoError, format!("cannot start a thread: {err}"));
            settle_once(&slot, Err(err));
        }
    })
}

/// A promise settled by the callback that `start` is handed (and must see
/// called exactly once, from any thread): resolved with `convert(value)` or
/// rejected with the coded error.
fn promise<'env, T, J>(
    env: &'env Env,
    convert: impl FnOnce(T) -> J + Send + 'static,
    start: impl FnOnce(Settle<T>),
) -> napi::Result<Object<'env>>
where
    T: Send + 'static,
    J: ToNapiValue + 'static,
{
    let (deferred, promise) = env.create_deferred::<J, _>()?;
    start(Box::new(move |result: Result<T>| match result {
        Ok(value) => deferred.resolve(move |_| Ok(convert(value))),
        Err(err) => deferred.reject(to_napi(err)),
    }));
    Ok(promise)
}

type Settle<T> = Box<dyn FnOnce(Result<T>) + Send>;
