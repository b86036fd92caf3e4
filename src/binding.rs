//! The Node.js binding: `#[napi]` items only, no logic. Errors cross as a
//! napi error whose message is [`ERROR_MARK`] followed by JSON, which the
//! hand-written JS layer (js/errors.js) turns into a `PluginError`.

use std::sync::Arc;

use std::sync::OnceLock;

use napi::bindgen_prelude::{AsyncTask, Buffer, FnArgs, Function, Object, ToNapiValue};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Status};
use napi_derive::napi;
use serde_json::Value;

use crate::completions::CompletionQueue;
use crate::error::ErrorCode;
use crate::error::{PluginError, Result};
use crate::exports::AbiExport;
use crate::host::Host;
use crate::js_string::{JsInput, JsText};
use crate::plugin::PluginInfo;
use crate::settings::Settings;
use crate::workers::run_caught;

/// Marks a message that carries a coded plugin error as JSON.
pub const ERROR_MARK: &str = "\u{1}alloy-wasm:";

fn to_napi(err: PluginError) -> napi::Error {
    napi::Error::new(Status::GenericFailure, marked_message(&err))
}

/// The error as [`ERROR_MARK`] + JSON, which js/errors.js decodes.
fn marked_message(err: &PluginError) -> String {
    let json = serde_json::json!({
        "code": err.code.as_str(),
        "plugin": err.plugin,
        "export": err.export,
        "index": err.index,
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

/// The memo's counters.
#[napi(object)]
pub struct NativeMemoStats {
    pub entries: f64,
    pub bytes: f64,
    pub hits: f64,
    pub misses: f64,
}

/// What `plugins()` reports for one plugin.
#[napi(object)]
pub struct NativePluginInfo {
    pub name: String,
    pub path: Option<String>,
    pub exports: Vec<String>,
    pub hooks: Vec<String>,
    pub wasi: bool,
    pub results: Option<String>,
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

    /// Runs `filter` on libuv's thread pool and resolves a promise: the
    /// JS layer's path for a call when no other is in flight, where it has
    /// the lowest latency (see README "Performance").
    #[napi(ts_return_type = "Promise<string>")]
    pub fn filter_task(&self, plugin: String, input: JsInput) -> AsyncTask<LoneCall> {
        self.lone_call(plugin, AbiExport::Filter, input)
    }

    /// `shortcode` as [`NativeHost::filter_task`] runs `filter`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn shortcode_task(&self, plugin: String, input_json: JsInput) -> AsyncTask<LoneCall> {
        self.lone_call(plugin, AbiExport::Shortcode, input_json)
    }

    /// `hook` as [`NativeHost::filter_task`] runs `filter`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn hook_task(&self, plugin: String, payload_json: JsInput) -> AsyncTask<LoneCall> {
        self.lone_call(plugin, AbiExport::Hook, payload_json)
    }

    /// Starts `filter` on a worker; its result reaches `on_complete` under `id`.
    #[napi]
    pub fn filter_async(&self, id: u32, plugin: String, input: JsInput) {
        self.start(id, plugin, AbiExport::Filter, input.0);
    }

    /// Starts `shortcode` on a worker; its result reaches `on_complete` under `id`.
    #[napi]
    pub fn shortcode_async(&self, id: u32, plugin: String, input_json: JsInput) {
        self.start(id, plugin, AbiExport::Shortcode, input_json.0);
    }

    /// Starts `hook` on a worker; its result reaches `on_complete` under `id`.
    #[napi]
    pub fn hook_async(&self, id: u32, plugin: String, payload_json: JsInput) {
        self.start(id, plugin, AbiExport::Hook, payload_json.0);
    }

    /// Loads every `*.wasm` in `dir`, off the main thread.
    #[napi(ts_return_type = "Promise<NativePluginInfo[]>")]
    pub fn load_dir<'env>(&self, env: &'env Env, dir: String) -> napi::Result<Object<'env>> {
        let host = Arc::clone(&self.host);
        let job = move || host.load_dir(std::path::Path::new(&dir));
        spawn_promise(env, &self.host, job, |infos| {
            infos
                .into_iter()
                .map(NativePluginInfo::from)
                .collect::<Vec<_>>()
        })
    }

    /// Adds a plugin from a `.wasm` file, off the main thread.
    #[napi(ts_return_type = "Promise<NativePluginInfo>")]
    pub fn add_file<'env>(
        &self,
        env: &'env Env,
        name: String,
        path: String,
    ) -> napi::Result<Object<'env>> {
        let host = Arc::clone(&self.host);
        let job = move || host.add_file(&name, std::path::Path::new(&path));
        spawn_promise(env, &self.host, job, NativePluginInfo::from)
    }

    /// Adds a plugin from its bytes, off the main thread.
    #[napi(ts_return_type = "Promise<NativePluginInfo>")]
    pub fn add_bytes<'env>(
        &self,
        env: &'env Env,
        name: String,
        wasm: Buffer,
    ) -> napi::Result<Object<'env>> {
        let host = Arc::clone(&self.host);
        let wasm = wasm.to_vec();
        let job = move || host.add_bytes(&name, &wasm, None);
        spawn_promise(env, &self.host, job, NativePluginInfo::from)
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
        })
    }

    /// The worker threads async calls run on.
    #[napi(getter)]
    pub fn threads(&self) -> u32 {
        self.host.workers().threads() as u32
    }

    #[napi]
    pub fn filter_sync(&self, plugin: String, input: JsInput) -> napi::Result<JsText> {
        self.call_sync(&plugin, AbiExport::Filter, &input.0)
    }

    #[napi]
    pub fn shortcode_sync(&self, plugin: String, input_json: JsInput) -> napi::Result<JsText> {
        self.call_sync(&plugin, AbiExport::Shortcode, &input_json.0)
    }

    /// `filter` on every input, spread over all workers; outputs in input order.
    #[napi(ts_return_type = "Promise<string[]>")]
    pub fn filter_many<'env>(
        &self,
        env: &'env Env,
        plugin: String,
        inputs: Vec<JsInput>,
    ) -> napi::Result<Object<'env>> {
        let host = Arc::clone(&self.host);
        let inputs: Vec<String> = inputs.into_iter().map(|input| input.0).collect();
        let convert = |outputs: Vec<String>| outputs.into_iter().map(JsText).collect::<Vec<_>>();
        promise(env, convert, move |settle| {
            host.spawn_many(&plugin, AbiExport::Filter, inputs, settle)
        })
    }

    /// Stops the workers and frees the instances; later calls fail with
    /// HOST_CLOSED. The JS layer waits for calls in flight first.
    #[napi]
    pub fn close(&self) {
        self.host.close();
    }

    fn call_sync(&self, plugin: &str, export: AbiExport, input: &str) -> napi::Result<JsText> {
        self.host
            .call(plugin, export, input)
            .map(JsText)
            .map_err(to_napi)
    }

    fn lone_call(&self, plugin: String, export: AbiExport, input: JsInput) -> AsyncTask<LoneCall> {
        AsyncTask::new(LoneCall {
            host: Arc::clone(&self.host),
            plugin,
            export,
            input: input.0,
        })
    }

    fn start(&self, id: u32, plugin: String, export: AbiExport, input: String) {
        let completions = Arc::clone(&self.completions);
        self.host.spawn_call(plugin, export, input, move |result| {
            completions.push(id, result)
        });
    }
}

/// Runs `job` on a worker and settles a promise with `convert(output)`.
fn spawn_promise<'env, T, J>(
    env: &'env Env,
    host: &Arc<Host>,
    job: impl FnOnce() -> Result<T> + Send + 'static,
    convert: impl FnOnce(T) -> J + Send + 'static,
) -> napi::Result<Object<'env>>
where
    T: Send + 'static,
    J: ToNapiValue + 'static,
{
    let host = Arc::clone(host);
    promise(env, convert, move |settle| {
        host.workers().spawn(job, settle)
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

/// One call run by napi's AsyncTask (libuv's thread pool).
pub struct LoneCall {
    host: Arc<Host>,
    plugin: String,
    export: AbiExport,
    input: String,
}

impl napi::Task for LoneCall {
    type Output = String;
    type JsValue = JsText;

    fn compute(&mut self) -> napi::Result<String> {
        run_caught(|| self.host.call(&self.plugin, self.export, &self.input)).map_err(to_napi)
    }

    fn resolve(&mut self, _env: Env, output: String) -> napi::Result<JsText> {
        Ok(JsText(output))
    }
}
